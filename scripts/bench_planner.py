"""Benchmark of `python -m solver plan` (the CP-SAT season planner) at Otaru scale and beyond.

    .venv/bin/python scripts/bench_planner.py            # print the table
    .venv/bin/python scripts/bench_planner.py --write    # also update docs/BENCHMARKS.md

Cases (requests at random Otaru town centroids from fixtures/otaru_towns.csv, facilities at
the welfare facilities of fixtures/otaru_welfare_facilities.csv; calls spread over June-
November, wish windows of 2-9 weeks opening at the lead time, ~70% with a weekday/half wish):
- otaru-150 (seeds 1-3): 144 homes + 6 facilities, 42 visit days (36 home, 6 facility),
  1 team - the volume of SPEC §1. Target: optimal in < 30 s on 2 cores.
- otaru-210: 1.4x the volume on the same calendar.
- x10-1440: 1,380 homes + 60 facilities, 6 teams, same calendar. Target: valid plan within
  120 s with the gap reported.
Every plan is re-verified with `check_plan`; the table says so.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from solver.check import check_plan  # noqa: E402
from solver.plan_model import solve_plan  # noqa: E402
from solver.travel_table import build_problem  # noqa: E402
from tests.solver.factories import (  # noqa: E402
    make_scenario,
    make_visit_days,
    random_requests,
)

SECTION = "## Planner — plan"


def calendar() -> tuple:  # type: ignore[type-arg]
    """42 visit days from 2026-06-17, every 3rd weekday (1-2 a week), every 7th a facility day."""
    kinds = ["facility" if i % 7 == 3 else "home" for i in range(42)]
    return make_visit_days(42, kinds=kinds, step=3)


CASES = [
    ("otaru-150 seed 1", 144, 6, 1, 1, 30.0),
    ("otaru-150 seed 2", 144, 6, 1, 2, 30.0),
    ("otaru-150 seed 3", 144, 6, 1, 3, 30.0),
    ("otaru-210 seed 1", 202, 8, 1, 1, 60.0),
    ("x10-1440 seed 5", 1380, 60, 6, 5, 120.0),
]


def run(quick: bool) -> list[str]:
    rows = []
    for name, homes, facilities, teams, seed, limit in CASES[:2] if quick else CASES:
        requests = random_requests(homes, facilities, seed=seed)
        scenario = make_scenario(requests, calendar(), name=name, teams=teams)
        t0 = time.monotonic()
        problem = build_problem(scenario)
        plan = solve_plan(problem, time_limit_s=limit)
        wall = time.monotonic() - t0
        problems = check_plan(problem, plan)
        s = plan.stats
        assert s is not None
        stages = s.extra.get("stages", [])
        proven = ", ".join(f"{st['name']} {st['status']} {st['seconds']}s" for st in stages) or (
            f"{s.extra.get('method')} ({s.extra.get('lns_iterations')} windows, "
            f"{s.extra.get('lns_improved')} improved)")
        gap = "" if s.bound_assigned is None else f"{s.bound_assigned - s.assigned}"
        rows.append(
            f"| {name} | {homes + facilities} | {teams} | {limit:g} | {wall:.1f} | {s.status} | "
            f"{s.assigned} | {s.bound_assigned} | {gap} | {s.applicants_assigned} | "
            f"{s.soft_wishes_met} | {s.travel_min_total:.0f} | "
            f"{'valid' if not problems else f'{len(problems)} violations'} | {proven} |"
        )
        print(rows[-1], flush=True)
    return rows


def render(rows: list[str]) -> str:
    cpu = f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    return "\n".join([
        SECTION,
        "",
        f"`.venv/bin/python scripts/bench_planner.py --write` — {dt.date.today()}, {cpu}, "
        "CP-SAT with 2 workers, fixed seed. Wall time includes building the travel table and "
        "the model. `bound` is the proven upper bound on requests (stage 1 of the CP-SAT "
        "model, or the team-free relaxation on the 10x case); `gap` = bound - assigned.",
        "",
        "| case | requests | teams | limit s | wall s | status | assigned | bound | gap "
        "| applicants | soft wishes met | travel min | check | stages |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Reading: at Otaru scale the first three stages (requests, applicants, soft wishes) "
        "are proven optimal within seconds; the fourth stage (least travel between "
        "consecutive visits) usually runs to the limit without closing its gap, so the overall "
        "status stays FEASIBLE. The 10x case does not fit the full model; it gets a greedy "
        "plan improved by CP-SAT one visit day at a time, bounded by a team-free relaxation.",
        "",
    ])


def write(text: str) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    path.parent.mkdir(exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    parser.add_argument("--quick", action="store_true", help="first two cases only")
    args = parser.parse_args()
    text = render(run(args.quick))
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
