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
SIM_SECTION = "## Planner — simulate"
SIM_TARGET = 0.97  # smart serves >= 97 % of the hindsight plan's requests (issue 4)


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


def run(quick: bool, cases: list[tuple] | None = None,  # type: ignore[type-arg]
        solved: list[tuple] | None = None) -> list[str]:  # type: ignore[type-arg]
    """The plan table; each (name, problem, plan) is appended to `solved` when given."""
    rows = []
    for name, homes, facilities, teams, seed, limit in cases or (CASES[:2] if quick else CASES):
        requests = random_requests(homes, facilities, seed=seed)
        scenario = make_scenario(requests, calendar(), name=name, teams=teams)
        t0 = time.monotonic()
        problem = build_problem(scenario)
        plan = solve_plan(problem, time_limit_s=limit)
        wall = time.monotonic() - t0
        problems = check_plan(problem, plan)
        if solved is not None:
            solved.append((name, problem, plan))
        s = plan.stats
        assert s is not None
        stages = s.extra.get("stages", [])
        proven = ", ".join(f"{st['name']} {st['status']} {st['seconds']}s" for st in stages)
        if proven and s.extra.get("engine"):
            proven += f" ({s.extra['engine']})"
        proven = proven or (
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


LOAD_AT_START = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def render(rows: list[str]) -> str:
    cpu = f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    return "\n".join([
        SECTION,
        "",
        f"`.venv/bin/python scripts/bench_planner.py --only plan --write` — {dt.date.today()}, "
        f"{cpu}, 1-minute load average {LOAD_AT_START:.1f} at the start (other jobs were "
        "running), fixed seeds. The model is CP-SAT's; its stages are solved by HiGHS "
        "(single-threaded) on a translation of it and the result re-checked by CP-SAT "
        "(`engine` in the stages column; CP-SAT with 2 workers is the fallback and the 10x "
        "engine). Wall time includes building the travel table and the model. `bound` is the "
        "proven upper bound on requests (stage 1, or the team-free relaxation on the 10x "
        "case); `gap` = bound - assigned. `travel min` is in minutes; the travel stage counts "
        "tenths of a minute per leg.",
        "",
        "| case | requests | teams | limit s | wall s | status | assigned | bound | gap "
        "| applicants | soft wishes met | travel min | check | stages |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Reading: at Otaru scale all four stages (requests, applicants, soft wishes, least "
        "travel) are proven optimal within the 30 s target: seeds 1-2 in 6-13 s, seed 3 in "
        "21-27 s depending on the machine's load (its travel stage alone takes 8-11 s; most "
        "of each stage is HiGHS' root cuts and sub-MIP heuristic, the tree has 1 node). "
        "With CP-SAT alone (before) the first three stages were usually proven but the "
        "travel stage ran to the limit with a bound of 0 (its LP held none of the pattern "
        "constraints), seed 3 did not even prove stage 1 (bound 139, optimum 137), and the "
        "travel found was 433 / 443 / 654 / 655 min where the optimum is 379 / 421 / 379 / "
        "392. The 10x case does not fit the full model; it gets a greedy plan improved by "
        "CP-SAT one visit day at a time, bounded by a team-free relaxation.",
        "",
        "",
    ])


def simulate_rows(solved: list[tuple]) -> list[str]:  # type: ignore[type-arg]
    """fcfs vs smart vs the hindsight plan, one row per policy per case (not the 10x case)."""
    from solver.simulate import simulate

    rows = []
    ratios: dict[str, list[float]] = {"fcfs": [], "smart": []}
    for name, problem, hindsight in solved:
        if problem.rules.teams > 1:
            continue  # the 10x case: no simulation row (see the reading below)
        h = hindsight.stats
        plans = {"fcfs": simulate(problem, "fcfs"), "smart": simulate(problem, "smart"),
                 "hindsight": hindsight}
        for label, plan in plans.items():
            s = plan.stats
            assert s is not None
            problems = check_plan(problem, plan)
            share = s.assigned / h.assigned if h.assigned else 1.0
            if label in ratios:
                ratios[label].append(share)
            rows.append(
                f"| {name} | {label} | {s.assigned} | {100 * share:.1f} % | "
                f"{s.applicants_assigned} | {s.soft_wishes_met} | {s.travel_min_total:.0f} | "
                f"{s.seconds:.1f} | {'valid' if not problems else f'{len(problems)} violations'} |")
            print(rows[-1], flush=True)
    if ratios["smart"]:
        worst = min(ratios["smart"])
        rows += ["", f"smart / hindsight: mean {100 * sum(ratios['smart']) / len(ratios['smart']):.1f} %, "
                 f"worst {100 * worst:.1f} % (target >= {100 * SIM_TARGET:g} % on every Otaru "
                 f"seed: **{'met' if worst >= SIM_TARGET else 'NOT met'}**); fcfs / hindsight: "
                 f"mean {100 * sum(ratios['fcfs']) / len(ratios['fcfs']):.1f} %."]
    return rows


def render_simulate(rows: list[str]) -> str:
    return "\n".join([
        SIM_SECTION,
        "",
        f"`.venv/bin/python scripts/bench_planner.py --write` (or `--only simulate` for this "
        f"section alone) — {dt.date.today()}. Same scenarios as above; `python -m solver "
        "simulate --policy fcfs|smart` replays the calls in `received` order, each caller "
        "taking the first offer of `solver.policy.offer_slots` with only the earlier calls "
        "known; `hindsight` is the plan above (all requests known in advance). `share` = "
        "requests served / hindsight's. Every plan is re-verified with `check_plan`.",
        "",
        "| case | policy | requests served | share | applicants | soft wishes met "
        "| travel min | seconds | check |",
        "|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        "Reading: both policies put offers meeting the caller's soft wishes (weekdays, "
        "half-day) first, as the spec asks; smart then ranks by the future capacity a choice "
        "costs (earlier days, pairing with nearby visits, not stranding half-days, the "
        "demand of the calls seen so far). The gap to hindsight is capacity that perishes: "
        "half-days left with a visit no nearby caller joined before the lead time closed "
        "them, June days few callers could reach, and half-days taken whole by households of "
        "6+ during the end-of-season crunch. None of these was made smaller by re-weighting "
        "smart's ranking, a Monte-Carlo suffix-deficit model, end-of-season reservation or a "
        "demand-aware bid price per half-day (tuned on seeds 11-20: at most +-1 request per "
        "seed), nor by a rollout look-ahead that plays each of the best offers against "
        "sampled future callers copied from the calls seen so far (on these cases: no gain "
        "with a margin, up to -3 on a seed without). Only demoting the caller's wishes "
        "bought requests, at two to three wishes or more per request (ranking by capacity "
        "alone: +7 requests, -153 wishes over these cases). \"Planner — what foresight is "
        "worth\" below measures the rest: what knowing every later call would add to smart's "
        "own choices, and smart against fcfs over twenty further seeds. The 10x case (6 "
        "teams) is not simulated here.",
        "",
    ])


def write(text: str) -> None:
    write_section(SECTION, text)


def write_section(section: str, text: str) -> None:
    """Replace `section` (a "## " heading) of docs/BENCHMARKS.md, or append it."""
    path = ROOT / "docs" / "BENCHMARKS.md"
    path.parent.mkdir(exist_ok=True)
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(section)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: text, old) if pattern.search(old) else old.rstrip() + "\n\n" + text
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    parser.add_argument("--quick", action="store_true", help="first two cases only")
    parser.add_argument("--only", choices=["plan", "simulate"],
                        help="one section only (simulate: the Otaru cases, plans re-solved)")
    args = parser.parse_args()
    solved: list[tuple] = []  # type: ignore[type-arg]
    otaru = [c for c in CASES if c[3] == 1]
    rows = run(args.quick, otaru if args.only == "simulate" else None, solved)
    texts = []
    if args.only != "simulate":
        texts.append((SECTION, render(rows)))
    if args.only != "plan":
        texts.append((SIM_SECTION, render_simulate(simulate_rows(solved))))
    for section, text in texts:
        print(text)
        if args.write:
            write_section(section, text)


if __name__ == "__main__":
    main()
