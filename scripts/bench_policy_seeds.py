"""`smart` against `fcfs` over a hundred scenario seeds, with no hindsight plan to wait for.

    .venv/bin/python scripts/bench_policy_seeds.py            # print the table
    .venv/bin/python scripts/bench_policy_seeds.py --write    # also update docs/BENCHMARKS.md

Issue 4 asks `smart` to serve strictly more requests than `fcfs` on average and to meet at
least as many soft wishes. Three benchmark seeds (and the twenty of bench_foresight.py) are
too few to tell a difference of a fraction of a request per season from noise: the share of
hindsight swings by several points from seed to seed. This replays otaru-150 seeds 41-140
(the seeds `SmartWeights.partial` was chosen on, never the benchmark seeds) through both
policies and reports the mean difference per season with its standard error, and how many
seeds each policy wins.

`smart, variant` (open_half 0, strand and pressure halved) was the best of a search of about
45 weight settings and four ranking variants on these seeds (2026-12-07): it meets more soft
wishes, but its extra requests did not hold on seeds 21-40 (128.25 per season against
fcfs's 128.35) and it serves 3 fewer on the four benchmark cases (520 against 523), so the
product keeps `SMART`. It is measured here so that the
decision can be revisited with the figures at hand.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import math
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

from solver.check import check_plan  # noqa: E402
from solver.policy import SMART, Policy, SmartWeights  # noqa: E402
from solver.simulate import simulate  # noqa: E402
from solver.travel_table import build_problem  # noqa: E402
from tests.solver.factories import make_scenario, random_requests  # noqa: E402

SECTION = "## Planner — smart against fcfs over 100 seeds"
SEEDS = range(41, 141)
VARIANTS: tuple[tuple[str, Policy, SmartWeights], ...] = (
    ("fcfs", "fcfs", SMART),
    ("smart", "smart", SMART),
    ("smart, variant", "smart", dataclasses.replace(
        SMART, open_half=0.0, strand=SMART.strand / 2, pressure=SMART.pressure / 2)),
)


def run() -> dict[str, list[tuple[int, int]]]:
    """(requests served, soft wishes met) per seed, for each variant; every plan re-checked."""
    results: dict[str, list[tuple[int, int]]] = {name: [] for name, _p, _w in VARIANTS}
    for seed in SEEDS:
        requests = random_requests(144, 6, seed=seed)
        problem = build_problem(make_scenario(requests, calendar(), name=f"otaru-150 seed {seed}"))
        for name, policy, weights in VARIANTS:
            plan = simulate(problem, policy, weights=weights)
            assert plan.stats is not None and not check_plan(problem, plan), (seed, name)
            results[name].append((plan.stats.assigned, plan.stats.soft_wishes_met))
        print(seed, {name: r[-1] for name, r in results.items()}, flush=True)
    return results


def _mean_diff(a: list[int], b: list[int]) -> str:
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    err = statistics.stdev(diffs) / math.sqrt(len(diffs))
    return f"{statistics.mean(diffs):+.2f} ± {err:.2f}"


def reading(results: dict[str, list[tuple[int, int]]]) -> str:
    """The reading, its figures taken from this run's results."""
    fcfs = results["fcfs"]
    smart = results["smart"]
    served = _mean_diff([s for s, _w in smart], [s for s, _w in fcfs])
    wishes = _mean_diff([w for _s, w in smart], [w for _s, w in fcfs])
    return (f"Reading: over {len(SEEDS)} seasons `smart` serves {served} requests per season "
            f"against `fcfs` and meets {wishes} soft wishes. A wishes-first ranking has little "
            "room: the caller's wish tier usually holds a few half-days, and the earliest of them "
            "holds the capacity that perishes first, which is what fcfs takes. The variant row is "
            "the best of the weight search described in the script's docstring; on seeds 21-40 and "
            "the four benchmark cases its extra requests did not hold, so it is not the product's "
            "policy.")


def render(results: dict[str, list[tuple[int, int]]], seconds: float) -> str:
    base_served = [s for s, _w in results["fcfs"]]
    base_wishes = [w for _s, w in results["fcfs"]]
    rows = []
    for name, _p, _w in VARIANTS:
        served = [s for s, _w in results[name]]
        wishes = [w for _s, w in results[name]]
        ahead = sum(x > y for x, y in zip(served, base_served, strict=True))
        behind = sum(x < y for x, y in zip(served, base_served, strict=True))
        rows.append(f"| {name} | {statistics.mean(served):.2f} | {_mean_diff(served, base_served)} | "
                    f"{ahead} / {behind} | {statistics.mean(wishes):.2f} | "
                    f"{_mean_diff(wishes, base_wishes)} |")
    load = os.getloadavg()[0]
    return "\n".join([
        SECTION,
        "",
        f"`.venv/bin/python scripts/bench_policy_seeds.py --write` — {dt.date.today().isoformat()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, 1-minute load average {load:.1f} at the end, "
        f"{seconds:.0f} s. otaru-150 seeds {SEEDS.start}-{SEEDS.stop - 1} of bench_planner.py's "
        "generator, each replayed call by call as in \"Planner — simulate\"; every plan re-checked. "
        "`vs fcfs` is the mean difference per season ± its standard error; `seeds +/-` counts the "
        "seeds with more / fewer requests served than fcfs.",
        "",
        "| policy | requests served | vs fcfs | seeds + / - | soft wishes met | vs fcfs |",
        "|---|---|---|---|---|---|",
        *rows,
        "",
        reading(results),
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    started = time.perf_counter()
    results = run()
    text = render(results, time.perf_counter() - started)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
