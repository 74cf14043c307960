"""How much of the gap between the `smart` slot policy and the hindsight plan is foresight.

    .venv/bin/python scripts/bench_foresight.py            # print the tables
    .venv/bin/python scripts/bench_foresight.py --write    # also update docs/BENCHMARKS.md

Analysis only: nothing here is a product policy. Issue 4 asks `smart` to serve >= 97 % of
the hindsight plan's requests while meeting the callers' soft wishes first. This script
measures what perfect knowledge of the later calls would add to `smart`'s own choices, which
separates what a better ranking could still win from what no on-the-phone policy can know:

- `smart + foresight`: the `smart` replay, except that at each call the caller is given
  whichever of `smart`'s first offers *in the caller's wish tier* (the same tier `smart`
  would book from, so the caller's wishes still come first) leads to the most requests
  served by the end of the season, judged by playing every later call (the real ones, read
  from the scenario: this is the cheat) through `fcfs`. Ties keep `smart`'s order.
- `smart + 14-day foresight`: the same, but seeing only the calls of the next 14 days; a
  proxy for confirming dates by a call-back a few days later (batching the calls).
- `bound: wishes first, no refusal`: not a policy but a proven upper bound on *any* policy
  that obeys the issue's rules, whatever it knows: the hindsight model (requests stage
  only) plus two conditions every such policy's season satisfies. A caller is turned away
  only if every half-day of their window was already taken by an earlier caller (an empty
  half-day is always a feasible offer, and the caller takes the first offer); and a caller
  is booked off their soft wishes only if every wish-meeting half-day was already taken.
  Both are weaker than the real conditions (a half-day with one visit may still take the
  caller), so the bound may be above what any policy reaches, never below.
- Over 20 further seeds: `smart` and `fcfs` against each seed's hindsight plan, to show the
  spread that three fixed seeds hide.
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
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from bench_planner import calendar, write_section  # noqa: E402
from ortools.sat.python import cp_model  # noqa: E402

from solver import plan_model  # noqa: E402
from solver.check import check_plan  # noqa: E402
from solver.plan_model import solve_plan  # noqa: E402
from solver.plan_types import Plan, Unassigned, Visit  # noqa: E402
from solver.policy import Offer, book, offer_slots  # noqa: E402
from solver.problem import PlanningProblem, is_large_household, soft_wish_met  # noqa: E402
from solver.season import Request  # noqa: E402
from solver.simulate import arrival_order, plan_stats, simulate  # noqa: E402
from solver.travel_table import build_problem  # noqa: E402
from tests.solver.factories import make_scenario, random_requests  # noqa: E402

SECTION = "## Planner — what foresight is worth"
TARGET = 0.97
WIDTH = 6  # wish-tier offers tried per call
SHORT_SIGHT = 14  # days of later calls seen by the short-sighted variant
CASES = [  # name, homes, facilities, seed (the Otaru cases of bench_planner.py)
    ("otaru-150 seed 1", 144, 6, 1),
    ("otaru-150 seed 2", 144, 6, 2),
    ("otaru-150 seed 3", 144, 6, 3),
    ("otaru-210 seed 1", 202, 8, 1),
]
SPREAD_SEEDS = range(21, 41)


def _problem(name: str, homes: int, facilities: int, seed: int) -> PlanningProblem:
    requests = random_requests(homes, facilities, seed=seed)
    return build_problem(make_scenario(requests, calendar(), name=name))


def _served_after(problem: PlanningProblem, booked: list[Visit], later: Sequence[Request],
                  seen: list[Request]) -> int:
    """Requests served when every call in `later` is answered by `fcfs` (the cheat)."""
    served = 0
    seen = list(seen)
    for request in later:
        offers = offer_slots(problem, booked, request, "fcfs", tuple(seen)).offers
        if offers:
            booked = book(booked, offers[0])
            served += 1
        seen.append(request)
    return served


def _foresight_choice(problem: PlanningProblem, offers: Sequence[Offer], booked: list[Visit],
                      later: Sequence[Request], seen: list[Request]) -> Offer:
    tier = [o for o in offers if o.wish_met == offers[0].wish_met][:WIDTH]
    if len(tier) < 2:
        return offers[0]
    scores = [_served_after(problem, book(booked, o), later, seen) for o in tier]
    return tier[scores.index(max(scores))]  # first best: smart's order breaks ties


def simulate_with_foresight(problem: PlanningProblem, days: int | None = None) -> Plan:
    """The `smart` replay with a peek at the later calls (all, or those of the next `days`
    days; see the module doc)."""
    start = time.monotonic()
    calls = arrival_order(problem.requests)
    booked: list[Visit] = []
    seen: list[Request] = []
    unassigned = []
    for i, request in enumerate(calls):
        answer = offer_slots(problem, booked, request, "smart", tuple(seen))
        if answer.offers:
            later = [c for c in calls[i + 1:]
                     if days is None or (c.received - request.received).days <= days]
            taken = _foresight_choice(problem, answer.offers, booked, later, seen + [request])
            booked = book(booked, taken)
        else:
            unassigned.append(Unassigned(request.id, answer.reasons or ("capacity",)))
        seen.append(request)
    visits = tuple(sorted(booked, key=lambda v: (v.date, v.half, v.team, v.position)))
    stats = plan_stats(problem, visits, "FORESIGHT", time.monotonic() - start)
    return Plan(problem.name, problem.visit_days, visits, tuple(unassigned),
                dataclasses.replace(stats, extra={"policy": "smart+foresight"}))


def online_bound(problem: PlanningProblem, time_limit_s: float = 300.0) -> tuple[int, str]:
    """The most requests any wishes-first, never-refusing phone policy could serve (module
    doc), with the status of the proof: the hindsight model's hard rules, plus for every
    home caller q and every half-day h of q's window: q is booked, or an earlier caller holds
    h; and q is on a wished half-day, or an earlier caller holds every wished h."""
    data = plan_model.build_data(problem)
    model = cp_model.CpModel()
    v = plan_model.create_vars(model, data)
    for rule in plan_model.HARD_RULES:
        rule(model, data, v)
    plan_model.break_team_symmetry(model, data, v)
    order = {r.id: i for i, r in enumerate(arrival_order(problem.requests))}

    def taken_before(q: str, ri: int) -> cp_model.LinearExpr:
        return cp_model.LinearExpr.sum([var for rid, var in v.members[ri]
                                        if order[rid] < order[q]])

    for q, cands in data.home_cands.items():
        request = data.request(q)
        wished = [ri for ri in cands if soft_wish_met(request.wish, data.routes[ri].day.date,
                                                      data.routes[ri].half)]
        off_wish = cp_model.LinearExpr.sum([v.x[(q, ri)] for ri in cands if ri not in wished])
        for ri in cands:
            model.add(v.assigned[q] + taken_before(q, ri) >= 1)
            if ri in wished and len(wished) < len(cands):
                model.add(off_wish <= taken_before(q, ri))
    stage: list[tuple[str, cp_model.LinearExprT, bool]] = [
        ("requests", cp_model.LinearExpr.sum(list(v.assigned.values())), True)]
    outcome = plan_model.run_stages_mip(model, stage, time_limit_s)
    if outcome is None:
        outcome = plan_model.run_stages(model, stage, v.all_vars(), time_limit_s)
    result = outcome[0][0]
    return int(math.floor(result.bound + 1e-6)), result.status


def foresight_rows() -> list[str]:
    rows = []
    for name, homes, facilities, seed in CASES:
        problem = _problem(name, homes, facilities, seed)
        hindsight = solve_plan(problem, time_limit_s=60.0)
        plans = {"fcfs": simulate(problem, "fcfs"), "smart": simulate(problem, "smart"),
                 f"smart + {SHORT_SIGHT}-day foresight": simulate_with_foresight(problem,
                                                                                SHORT_SIGHT),
                 "smart + foresight": simulate_with_foresight(problem), "hindsight": hindsight}
        assert hindsight.stats is not None
        best = hindsight.stats.assigned
        households = sum(is_large_household(problem.rules, r) for r in problem.requests)
        for label, plan in plans.items():
            s = plan.stats
            assert s is not None
            valid = "valid" if not check_plan(problem, plan) else "INVALID"
            large = len({v.request for v in plan.visits
                         if is_large_household(problem.rules, problem.request_by_id[v.request])})
            rows.append(f"| {name} | {label} | {s.assigned} | {100 * s.assigned / best:.1f} % | "
                        f"{s.soft_wishes_met} | {large} of {households} | {s.seconds:.0f} | "
                        f"{valid} |")
            print(rows[-1], flush=True)
        bound, status = online_bound(problem)
        proven = "" if status == "OPTIMAL" else f" ({status.lower()})"
        rows.append(f"| {name} | bound: wishes first, no refusal{proven} | {bound} | "
                    f"{100 * bound / best:.1f} % | — | — | — | — |")
        print(rows[-1], flush=True)
    return rows


def spread_rows() -> tuple[list[str], str]:
    shares: dict[str, list[float]] = {"fcfs": [], "smart": []}
    served: dict[str, list[int]] = {"fcfs": [], "smart": []}
    wishes: dict[str, list[int]] = {"fcfs": [], "smart": []}
    rows = []
    for seed in SPREAD_SEEDS:
        problem = _problem(f"otaru-150 seed {seed}", 144, 6, seed)
        hindsight = solve_plan(problem, time_limit_s=60.0)
        assert hindsight.stats is not None
        cells = [f"{seed}", f"{hindsight.stats.assigned} ({hindsight.stats.status})"]
        for policy in ("fcfs", "smart"):
            plan = simulate(problem, policy)
            s = plan.stats
            assert s is not None and not check_plan(problem, plan)
            share = s.assigned / hindsight.stats.assigned
            shares[policy].append(share)
            served[policy].append(s.assigned)
            wishes[policy].append(s.soft_wishes_met)
            cells.append(f"{s.assigned} / {100 * share:.1f} % / {s.soft_wishes_met}")
        rows.append("| " + " | ".join(cells) + " |")
        print(rows[-1], flush=True)
    n = len(SPREAD_SEEDS)
    summary = "; ".join(
        f"{policy}: mean {statistics.mean(served[policy]):.2f} served, "
        f"{100 * statistics.mean(shares[policy]):.1f} % of hindsight (worst "
        f"{100 * min(shares[policy]):.1f} %), >= 97 % on "
        f"{sum(x >= TARGET for x in shares[policy])} of {n} seeds, "
        f"{statistics.mean(wishes[policy]):.1f} soft wishes met"
        for policy in ("fcfs", "smart"))
    ahead = sum(a > b for a, b in zip(served["smart"], served["fcfs"], strict=True))
    behind = sum(a < b for a, b in zip(served["smart"], served["fcfs"], strict=True))
    summary += f". smart serves more than fcfs on {ahead} seeds, fewer on {behind}."
    return rows, summary


def render(foresight: list[str], spread: list[str], summary: str) -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return "\n".join([
        SECTION,
        "",
        f"`.venv/bin/python scripts/bench_foresight.py --write` — {dt.date.today()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}, load {load:.1f}. Analysis only (the "
        "module docstring says how): `smart + foresight` is `smart` allowed to peek at every "
        f"later call when choosing among its first {WIDTH} offers of the caller's wish tier, "
        "so the caller's wishes still come first; it is not a policy the call centre could "
        "run. `bound: wishes first, no refusal` is a proven upper bound on any policy that obeys "
        "the rules (module docstring). `share` = requests served / hindsight's; every plan "
        "is re-checked.",
        "",
        "| case | policy | requests served | share | soft wishes met | households of 6+ "
        "served | seconds | check |",
        "|---|---|---|---|---|---|---|---|",
        *foresight,
        "",
        "Twenty further seeds (otaru-150, same calendar; hindsight proven optimal unless "
        "its status says otherwise). Cells: requests served / share of hindsight / soft "
        "wishes met.",
        "",
        "| seed | hindsight | fcfs | smart |",
        "|---|---|---|---|",
        *spread,
        "",
        f"Summary: {summary}",
        "",
        "Reading: knowing every later call, re-ordering `smart`'s offers inside the caller's "
        "wish tier wins a few requests on some seeds and none on others (first table). "
        "Knowing only the next two weeks of calls wins nothing: what matters is the "
        "end-of-season crunch months later, so confirming dates by a call-back a few days "
        "after the call would not help either. The bound rows split hindsight's lead in two. "
        "Above the bound is what the issue's own rules forbid a phone policy, whatever it "
        "knows: moving callers off their wished days and turning away a caller (typically a "
        "household of 6+, which takes a whole half-day; see the households column) while a "
        "half-day of their window is still free. Below it is what better choices could still "
        "win, but only with knowledge of later calls: the 97 % targets lie below the bound "
        "on every case, so the rules do not rule them out, yet on otaru-210 the target (140) "
        "is within one request of the bound (141), i.e. it asks for close to perfect play "
        "with perfect knowledge of the rest of the season. The twenty further seeds show how "
        "much three fixed seeds hide: the share of hindsight swings by several points from "
        "seed to seed, and `smart`'s ranking heuristics are not better than the paper "
        "calendar's earliest-slot rule on average; both stay around 96 % of hindsight.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    args = parser.parse_args()
    foresight = foresight_rows()
    spread, summary = spread_rows()
    text = render(foresight, spread, summary)
    print(text)
    if args.write:
        write_section(SECTION, text)


if __name__ == "__main__":
    main()
