"""Latency of one slot-policy call (`solver.policy.offer_slots`) at Otaru scale.

    .venv/bin/python scripts/bench_policy.py            # print the table
    .venv/bin/python scripts/bench_policy.py --write    # also update docs/BENCHMARKS.md

Target (issue 4): one call, one request, full season loaded: p95 < 50 ms. Two loads are
timed on the otaru-150 cases of scripts/bench_planner.py (same scenarios and calendar):
- "replay": every call of the season as it happens (bookings so far, requests seen so far);
- "full season": every request asked again with all the other bookings of the finished
  smart simulation loaded and every other request seen (the heaviest call there can be).
The problem (travel table) is built once per season, as the web app caches it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_planner import calendar, write_section  # noqa: E402

from solver.policy import offer_slots  # noqa: E402
from solver.simulate import arrival_order, simulate  # noqa: E402
from solver.travel_table import build_problem  # noqa: E402
from tests.solver.factories import make_scenario, random_requests  # noqa: E402

SECTION = "## Slot policy"
SEEDS = (1, 2, 3)
TARGET_MS = 50.0


def _ms(values: list[float]) -> str:
    q = statistics.quantiles(values, n=100)
    return f"{statistics.median(values):.1f} | {q[94]:.1f} | {max(values):.1f}"


def time_calls(seed: int) -> tuple[list[float], list[float], int]:
    scenario = make_scenario(random_requests(144, 6, seed=seed), calendar(),
                             name=f"otaru-150 seed {seed}")
    problem = build_problem(scenario)
    order = arrival_order(problem.requests)
    replay_ms: list[float] = []
    booked: list = []  # type: ignore[type-arg]
    from solver.policy import book

    for i, request in enumerate(order):
        t0 = time.perf_counter()
        answer = offer_slots(problem, booked, request, "smart", order[:i])
        replay_ms.append((time.perf_counter() - t0) * 1000)
        if answer.offers:
            booked = book(booked, answer.offers[0])
    final = simulate(problem, "smart")
    full_ms = []
    for request in order:
        others = [v for v in final.visits if v.request != request.id]
        seen = [r for r in order if r.id != request.id]
        t0 = time.perf_counter()
        offer_slots(problem, others, request, "smart", seen)
        full_ms.append((time.perf_counter() - t0) * 1000)
    return replay_ms, full_ms, len(final.visits)


def run() -> list[str]:
    rows = []
    all_full: list[float] = []
    for seed in SEEDS:
        replay_ms, full_ms, visits = time_calls(seed)
        all_full += full_ms
        rows.append(f"| otaru-150 seed {seed} | replay (0..{visits} booked) | {len(replay_ms)} | "
                    f"{_ms(replay_ms)} |")
        rows.append(f"| otaru-150 seed {seed} | full season ({visits} booked) | {len(full_ms)} | "
                    f"{_ms(full_ms)} |")
        print(rows[-2], rows[-1], sep="\n", flush=True)
    p95 = statistics.quantiles(all_full, n=100)[94]
    rows.append(f"| all seeds | full season | {len(all_full)} | {_ms(all_full)} |")
    verdict = "met" if p95 < TARGET_MS else "NOT met"
    rows.append("")
    rows.append(f"Target p95 < {TARGET_MS:g} ms with the full season loaded: **{verdict}** "
                f"(p95 {p95:.1f} ms).")
    return rows


def render(rows: list[str]) -> str:
    cpu = f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    return "\n".join([
        SECTION,
        "",
        f"`.venv/bin/python scripts/bench_policy.py --write` — {dt.date.today()}, {cpu}, "
        "one Python process. Time of one `offer_slots(problem, booked, request, \"smart\", "
        "seen)` call, the travel table built beforehand (as the web app caches it). "
        "\"replay\": each call of the season as it happens; \"full season\": each request "
        "asked again with every other booking of the finished smart simulation loaded.",
        "",
        "| case | load | calls | p50 ms | p95 ms | max ms |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    text = render(run())
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
