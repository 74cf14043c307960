"""Independent comparison: the hindsight season plan solved by PyVRP (a state-of-the-art
VRP metaheuristic) next to the CP-SAT planner (`solver.plan_model.solve_plan`).

    .venv/bin/python scripts/bench_pyvrp.py            # print the table
    .venv/bin/python scripts/bench_pyvrp.py --write    # also update docs/BENCHMARKS.md
    .venv/bin/python scripts/bench_pyvrp.py --quick    # first case only, short limits

The instances are exactly those of `scripts/bench_planner.py` (its `CASES` and `calendar()`,
built with `tests.solver.factories`). The x10 case (1,440 requests, 6 teams) is left out:
the model below needs one dense distance/duration matrix pair per (day, half), i.e. 84
profiles of ~1,500^2 int64 entries (~3 GB), which PyVRP 0.14 cannot take sparsely.

The season as a prize-collecting VRPTW (PyVRP 0.14.1):
- Vehicles: one vehicle type per (visit day, half), `num_available` = teams, starting and
  ending at the depot (city hall). Capacity has two dimensions: [visits, exclusivity]. The
  visit dimension is the half's slots (AM `home_am_slots`, PM that day's `pm_slots`, 1 on
  facility days); the exclusivity dimension has capacity K = the largest half's slots, a
  large household loads K there and everyone else 1, so a large household is alone (§3).
- Clients: one per request that some day can host; a facility visit of n applicants is
  ceil(n / 20) clients (one per half-day part, `solver.problem.facility_parts`).
  Prize = A + B x applicants (+ W when the request states a soft wish); A >> B x applicants
  >> W x wishes >> travel approximates the planner's lexicographic objective.
- Day kind, lead time and the hard wish window: PyVRP 0.14 has no per-client allowed
  vehicle list, so each vehicle type gets its own routing profile in which every arc into a
  client that may not be visited that day costs FORBID (far above any prize): the client
  is effectively restricted to the allowed vehicles.
- Soft wishes: every arc into a client whose weekday/half wish is not met by that
  profile's (day, half) costs W extra - exactly one arc enters each visited client, so this
  is a per-(client, vehicle) cost.
- Travel caps (§4): arcs between clients longer than `travel_cap_min` cost FORBID. Depot
  legs cost 0 (the planner, like SPEC §4, only counts travel between consecutive visits).
  The 15-minute cap into a 3rd visit is encoded in durations: a client-to-client leg lasts
  1 when within `third_visit_travel_cap_min`, else 2, depot legs 0, and each vehicle's
  shift lasts at most 3. A 3-visit route therefore has at most one long leg; with
  symmetric travel its reverse puts that leg first, which is what the conversion does.
- Simplified (documented) handling, repaired after solving: a split facility must get all
  its parts on distinct half-days or none - PyVRP may return only some parts, which are
  then dropped; a 3-visit route whose best order still breaks a cap loses visits. The
  table counts these repairs.

PyVRP's solution is converted back to a `solver.plan_types.Plan` (teams numbered per
half-day, positions in route order, etas, travel, unassigned reasons, stats) and verified
with `solver.check.check_plan`, the product's own guard.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import math
import os
import platform
import re
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pyvrp import (  # noqa: E402
    Client,
    Depot,
    Location,
    PenaltyParams,
    ProblemData,
    SolveParams,
    VehicleType,
)
from pyvrp import solve as pyvrp_solve  # noqa: E402
from pyvrp.stop import MaxRuntime  # noqa: E402

from solver.check import check_plan  # noqa: E402
from solver.plan_model import best_order, build_data, plan_from_routes, solve_plan  # noqa: E402
from solver.plan_types import Plan  # noqa: E402
from solver.problem import (  # noqa: E402
    PlanningProblem,
    eligible_days,
    half_capacity,
    has_soft_wish,
    is_facility_visit,
    is_large_household,
    parts_of,
    route_order_problems,
    soft_wish_met,
)
from solver.season import HALVES  # noqa: E402
from solver.travel_table import build_problem  # noqa: E402
from tests.solver.factories import make_scenario, random_requests  # noqa: E402

SECTION = "## Planner — PyVRP comparison"
READING = (
    "Reading: PyVRP is an independent check on the CP-SAT plans, not a rival product path. "
    "With the same time budget it serves slightly fewer requests (its prizes only "
    "approximate the lexicographic objective, and it has no bound), while CP-SAT proves its "
    "request count optimal whenever `bound` = assigned. PyVRP's lower travel comes from "
    "serving fewer requests and meeting fewer soft wishes, which rank above travel. A "
    "facility whose parts PyVRP only partly collected is dropped by the repair and counts "
    "as unassigned.")
PRIZE_REQUEST = 10_000_000  # A: one more request outweighs everything below
PRIZE_APPLICANT = 10_000  # B
WISH = 1_000  # W: a soft wish not met (100 minutes of travel)
TRAVEL_SCALE = 10  # distances in tenths of a minute
FORBID = 1_000_000_000  # an arc that may not be used: far above any prize
SEED = 1
LEG = 1_000  # duration of a short leg (long: 2 LEG; a shift: 3 LEG)
# Prizes are large, so a unit of excess load or time warp must be able to cost more than a
# prize: PyVRP's default penalty ceiling (1e5) lets it overfill routes.
PARAMS = SolveParams(penalty=PenaltyParams(max_penalty=1e9))


def _bench_planner() -> Any:
    """scripts/bench_planner.py as a module: its cases and calendar are the instances."""
    spec = importlib.util.spec_from_file_location("bench_planner", ROOT / "scripts" /
                                                  "bench_planner.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def cases(quick: bool) -> list[tuple[str, int, int, int, int, float]]:
    """(name, homes, facilities, teams, seed, time limit) of bench_planner, without x10."""
    found = [tuple(c[:6]) for c in _bench_planner().CASES]
    found = [c for c in found if c[3] == 1 and c[1] + c[2] <= 400]
    return found[:1] if quick else found  # type: ignore[return-value]


# --- the PyVRP model ---------------------------------------------------------------------


class VrpInstance:
    """The ProblemData plus what is needed to read a solution back."""

    def __init__(self, problem: PlanningProblem) -> None:
        self.problem = problem
        rules = problem.rules
        self.slots_max = max(
            [half_capacity(rules, d, h) for d in problem.visit_days for h in HALVES] or [1])
        # Vehicle types: one per (day, half).
        self.halves = [(d, h) for d in problem.visit_days for h in HALVES]
        # Clients: one per request part; location 0 is the depot.
        self.client_request: list[str] = []
        self.client_applicants: list[int] = []
        allowed_dates: dict[str, set[dt.date]] = {}
        for r in problem.requests:
            dates = {d.date for d in eligible_days(problem, r)}
            if not dates:
                continue
            allowed_dates[r.id] = dates
            for part in parts_of(rules, r):
                self.client_request.append(r.id)
                self.client_applicants.append(part)
        n = len(self.client_request)
        index = problem.point_index
        points = [0] + [index[rid] for rid in self.client_request]

        locations = [Location(x=problem.config.depot.lng, y=problem.config.depot.lat,
                              name="depot")]
        clients = []
        for c, rid in enumerate(self.client_request):
            r = problem.request_by_id[rid]
            locations.append(Location(x=r.lng, y=r.lat, name=f"{rid}#{c}"))
            parts = len(parts_of(rules, r))
            prize = (PRIZE_REQUEST // parts + PRIZE_APPLICANT * self.client_applicants[c]
                     + (WISH if has_soft_wish(r.wish) else 0))
            exclusive = self.slots_max if is_large_household(rules, r) else 1
            clients.append(Client(location=c + 1, delivery=[1, exclusive], prize=prize,
                                  required=False, name=f"{rid}#{c}"))
        depots = [Depot(location=0, name="depot")]

        vehicle_types = []
        distances = []
        durations = []
        third_cap = min(rules.travel_cap_min, rules.third_visit_travel_cap_min)
        for k, (day, half) in enumerate(self.halves):
            vehicle_types.append(VehicleType(
                num_available=rules.teams,
                capacity=[half_capacity(rules, day, half), self.slots_max],
                start_depot=0, end_depot=0, profile=k, shift_duration=3 * LEG,
                name=f"{day.date} {half}"))
            minutes = problem.travel.matrices[problem.travel.matrix_of[day.date]][
                np.ix_(points, points)]
            allowed = np.zeros(n + 1, dtype=bool)
            allowed[0] = True  # the depot
            penalty = np.zeros(n + 1, dtype=np.int64)
            for c, rid in enumerate(self.client_request):
                r = problem.request_by_id[rid]
                ok = day.date in allowed_dates[rid]
                if ok and is_facility_visit(rules, r) and day.kind != "facility":
                    ok = False
                allowed[c + 1] = ok
                if has_soft_wish(r.wish) and not soft_wish_met(r.wish, day.date, half):
                    penalty[c + 1] = WISH
            dist = np.rint(minutes * TRAVEL_SCALE).astype(np.int64)
            dist[minutes > rules.travel_cap_min + 1e-9] = FORBID
            dist[0, :] = 0  # depot legs are free (only consecutive visits count)
            dist[:, 0] = 0
            dist += penalty[None, :]  # the one arc into each visited client
            dist[:, ~allowed] = FORBID
            np.fill_diagonal(dist, 0)
            dur = np.where(minutes <= third_cap + 1e-9, LEG, 2 * LEG).astype(np.int64)
            dur[0, :] = 0
            dur[:, 0] = 0
            np.fill_diagonal(dur, 0)
            distances.append(dist)
            durations.append(dur)
        self.data = ProblemData(locations, clients, depots, vehicle_types, distances,
                                durations)


def solve_vrp(inst: VrpInstance, time_limit_s: float) -> tuple[Plan, dict[str, Any]]:
    """PyVRP's best solution within the limit, repaired and converted to a Plan."""
    problem = inst.problem
    rules = problem.rules
    t0 = time.monotonic()
    result = pyvrp_solve(inst.data, stop=MaxRuntime(time_limit_s), seed=SEED,
                         collect_stats=False, display=False, params=PARAMS)
    seconds = time.monotonic() - t0
    best = result.best
    model = build_data(problem)
    routes: dict[int, list[str]] = {}
    used_teams: dict[int, int] = defaultdict(int)
    repairs = {"forbidden_arcs": 0, "cap_repairs": 0, "partial_facilities": 0}
    for route in best.routes():
        k = route.vehicle_type()
        day, half = inst.halves[k]
        used_teams[k] += 1
        team = used_teams[k]
        clients = [a.idx for a in route if a.is_client()]
        ids = [inst.client_request[c] for c in clients]
        if len(ids) > 1:
            order = best_order(problem, day.date, ids)
            if order is None:
                repairs["cap_repairs"] += 1
                while ids and route_order_problems(problem, day.date, ids):
                    # drop the visit whose removal leaves a valid order, fewest applicants
                    options = [(problem.request_by_id[x].applicants, i) for i, x in
                               enumerate(ids) if best_order(problem, day.date,
                                                            ids[:i] + ids[i + 1:]) is not None]
                    _a, i = min(options) if options else (0, len(ids) - 1)
                    ids = ids[:i] + ids[i + 1:]
                    if (order := best_order(problem, day.date, ids)) is not None:
                        ids = order
                        break
            else:
                ids = order
        routes[model.route_of[(day.date, half, team)]] = ids
    # Facilities: all parts or none (the VRP may have collected only some prizes).
    part_routes: dict[str, list[int]] = defaultdict(list)
    for ri, ids in routes.items():
        for rid in ids:
            part_routes[rid].append(ri)
    for rid, ris in part_routes.items():
        r = problem.request_by_id[rid]
        halves = {model.routes[ri].key[:2] for ri in ris}
        if is_facility_visit(rules, r) and (
                len(ris) != len(parts_of(rules, r)) or len(halves) != len(ris)):
            repairs["partial_facilities"] += 1
            for ri in ris:
                routes[ri] = [x for x in routes[ri] if x != rid]
    routes = {ri: ids for ri, ids in routes.items() if ids}
    plan = plan_from_routes(problem, model.routes, routes, model.static, start=None)
    extra = {"pyvrp_feasible": best.is_feasible(), "pyvrp_seconds": seconds,
             "pyvrp_cost": result.cost() if best.is_feasible() else math.inf, **repairs}
    return plan, extra


# --- the benchmark -------------------------------------------------------------------------


def run(quick: bool) -> list[str]:
    planner = _bench_planner()
    rows = []
    for name, homes, facilities, teams, seed, limit in cases(quick):
        limit = 10.0 if quick else limit
        requests = random_requests(homes, facilities, seed=seed)
        scenario = make_scenario(requests, planner.calendar(), name=name, teams=teams)
        problem = build_problem(scenario)

        t0 = time.monotonic()
        cpsat = solve_plan(problem, time_limit_s=limit)
        cp_wall = time.monotonic() - t0
        t0 = time.monotonic()
        inst = VrpInstance(problem)
        build_s = time.monotonic() - t0
        vrp, extra = solve_vrp(inst, limit)
        vrp_wall = build_s + extra["pyvrp_seconds"]
        for label, plan, wall in (("CP-SAT", cpsat, cp_wall), ("PyVRP", vrp, vrp_wall)):
            s = plan.stats
            assert s is not None
            problems = check_plan(problem, plan)
            note = "" if label == "CP-SAT" else (
                f"PyVRP {'feasible' if extra['pyvrp_feasible'] else 'INFEASIBLE'}; repairs: "
                f"{extra['partial_facilities']} partial facilities dropped, "
                f"{extra['cap_repairs']} routes cut for the caps")
            if label == "CP-SAT":
                note = f"{s.status}, bound {s.bound_assigned}"
            rows.append(
                f"| {name} | {label} | {limit:g} | {wall:.1f} | {s.assigned} | "
                f"{s.applicants_assigned} | {s.soft_wishes_met} | {s.travel_min_total:.0f} | "
                f"{'valid' if not problems else f'{len(problems)} violations'} | {note} |")
            print(rows[-1], flush=True)
            for line in problems[:5]:
                print("   ", line, flush=True)
    return rows


def render(rows: list[str]) -> str:
    cpu = f"{os.cpu_count()} CPUs, {platform.processor() or platform.machine()}"
    return "\n".join([
        SECTION,
        "",
        f"`.venv/bin/python scripts/bench_pyvrp.py --write` — {dt.date.today()}, {cpu}; "
        "PyVRP 0.14.1 (one thread, seed 1) against the CP-SAT planner (2 workers), each "
        "with the case's time limit. Same instances as the table above. PyVRP's model is a "
        "prize-collecting VRPTW: one vehicle per (visit day, half, team) with the half's "
        "slots as capacity, day kind / lead time / hard window as per-vehicle forbidden "
        "arcs, the 30-minute cap as forbidden arcs and the 15-minute 3rd-visit cap through "
        "leg durations; split facilities and over-long 3-visit routes are repaired after "
        "solving (see the script's docstring). Both plans are verified with `check_plan`. "
        "Wall time includes building each model.",
        "",
        "| case | solver | limit s | wall s | assigned | applicants | soft wishes met "
        "| travel min | check | notes |",
        "|---|---|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        READING,
        "",
    ])


def write(text: str) -> None:
    path = ROOT / "docs" / "BENCHMARKS.md"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    pattern = re.compile(rf"^{re.escape(SECTION)}\n.*?(?=^## |\Z)", re.S | re.M)
    new = pattern.sub(lambda _m: text, old) if pattern.search(old) else (
        old.rstrip() + "\n\n" + text)
    path.write_text(new, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="update docs/BENCHMARKS.md")
    parser.add_argument("--quick", action="store_true", help="first case, 10 s limits")
    args = parser.parse_args()
    text = render(run(args.quick))
    print(text)
    if args.write:
        write(text)


if __name__ == "__main__":
    main()
