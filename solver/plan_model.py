"""The season plan in hindsight: a CP-SAT model of every rule of SPEC.md §2-§5.

Shape (like OR-Tools' shift_scheduling_sat.py): the data (`ModelData`) is precomputed from
the immutable `PlanningProblem`; every rule is one `add_<rule>(model, data, vars)` function
whose docstring starts with "Hard:" or "Soft:" and names its SPEC.md section; `solve_plan`
runs the stages and returns a `Plan` with its stats.

Variables. A *route* is one team's half-day on one visit day. For a home visit (homes, and
facilities below `facility_min_applicants`) there is one boolean `y[r, route, p]` per
candidate route and position p = 1..capacity of that half-day; candidates are only the
routes whose day passes the static rules (kind, lead time, hard window), and large households
only get position 1. A facility visit has one boolean `u[r, route]` per candidate facility
route; it takes exactly ceil(applicants / max) of them or none. The order inside a route is
the position, so the travel caps are local constraints between positions p-1 and p: the
visit at p must have a *compatible* predecessor (travel <= the cap of position p). Each such
constraint is written over whichever is smaller, the compatible or the incompatible
predecessors, which keeps the model sparse in a compact city where most pairs are within 30
minutes.

Objective: lexicographic, solved in stages (not a weighted sum): (1) most requests, then
(2) most applicants, then (3) most soft wishes met, then (4) least travel between consecutive
visits (tenths of a minute). After each stage its objective is fixed at the value found
(>= for maximisation) and the solution is passed on as a hint. The first stage's proven
bound is reported as `bound_assigned`. The status is OPTIMAL only when every stage proved
optimality.

Engine: the model is written once, with CP-SAT's API. The stages run on HiGHS (branch and
cut, through OR-Tools' MathOpt) over a literal translation of that model (`mip_from_cp`),
because CP-SAT keeps this model's pattern constraints out of its LP and cannot prove the
later stages at Otaru scale, while the translation's LP bound is within a few percent of
the optimum. CP-SAT then re-checks the final assignment (every variable fixed) against the
model, and takes over with the remaining time whenever HiGHS is unavailable, finds no
first-stage solution, or the check fails (`run_stages_mip`). Travel arcs (`z[a, b, route, p]`) are only created for stage 4 and only when
their number stays below `MAX_TRAVEL_ARCS`; otherwise, and in any case afterwards, each
route's visits are put in their cheapest order that keeps the caps (at most 3! orders).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from ortools.math_opt.python import mathopt
from ortools.sat.python import cp_model

from solver.plan_types import Plan, PlanStats, Unassigned, Visit
from solver.problem import (
    TRAVEL_EPS,
    PlanningProblem,
    eligible_days,
    half_capacity,
    has_soft_wish,
    is_facility_visit,
    is_large_household,
    leg_cap,
    ordered_reasons,
    route_order_problems,
    soft_wish_met,
    static_reasons,
    visit_eta,
)
from solver.season import HALVES, Half, Request, Rules, VisitDay

RANDOM_SEED = 20260617
NUM_WORKERS = 2
MAX_TRAVEL_ARCS = 400_000
MAX_PATTERN_PAIRS = 600_000
SOLVER_OVERRIDES: dict[str, object] = {}
MAX_FULL_MODEL_CANDIDATES = 30_000
LNS_WINDOW_DAYS = 1
LNS_WAITING_PER_SLOT = 2  # unplanned requests offered to a window, per slot of the window
BOUND_SHARE = 0.15  # share of the time limit spent on the relaxation bound (large instances)
TRAVEL_SCALE = 10  # the travel objective counts tenths of a minute
STAGE_WEIGHTS = (0.4, 0.15, 0.2, 0.25)  # share of the remaining time of each stage
ENGINE = "highs"  # "highs": stages on HiGHS, re-checked by CP-SAT; "cp-sat": CP-SAT only
MIP_OUTPUT = False  # HiGHS log on stdout (debugging only: it breaks `plan` output)
MIP_OVERRIDES: dict[str, Any] = {}  # extra mathopt.SolveParameters (experiments)
MIP_HINTS = True  # each stage starts from the previous stage's optimum
VERIFY_SECONDS = 2.0  # CP-SAT's re-check of the final assignment


class PlanInfeasible(ValueError):
    """The pinned visits contradict each other or the calendar: no plan can keep them."""


@dataclass(frozen=True)
class Route:
    """One team's half-day on one visit day: the unit of capacity and of ordering."""

    day: VisitDay
    half: Half
    team: int
    capacity: int

    @property
    def key(self) -> tuple[dt.date, Half, int]:
        return (self.day.date, self.half, self.team)


@dataclass
class ModelData:
    """Everything the constraints need, precomputed once from the problem."""

    problem: PlanningProblem
    routes: list[Route]
    route_of: dict[tuple[dt.date, str, int], int]
    home_cands: dict[str, list[int]]  # home-visit request -> candidate routes
    fac_cands: dict[str, list[int]]  # facility-visit request -> candidate routes
    parts_needed: dict[str, int]  # facility-visit request -> number of half-day visits
    pinned_of: dict[str, list[Visit]]
    static: dict[str, tuple[str, ...]]  # requests no day can host -> reasons
    ordered: set[int]  # routes modelled with explicit positions
    patterned: set[int] = field(default_factory=set)  # two-visit routes modelled as patterns

    @property
    def rules(self) -> Rules:
        return self.problem.rules

    def request(self, rid: str) -> Request:
        return self.problem.request_by_id[rid]


@dataclass
class ModelVars:
    x: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)  # r visits route
    y: dict[tuple[str, int, int], cp_model.IntVar] = field(default_factory=dict)  # ... at p
    assigned: dict[str, cp_model.IntVar] = field(default_factory=dict)
    met: dict[str, cp_model.LinearExprT] = field(default_factory=dict)
    members: dict[int, list[tuple[str, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list))
    at: dict[tuple[int, int], list[tuple[str, cp_model.IntVar]]] = field(
        default_factory=lambda: defaultdict(list))
    arcs: dict[tuple[str, str, int, int], cp_model.IntVar] = field(default_factory=dict)
    # Two-visit routes as patterns: a route is empty, one single, or one compatible pair.
    singles: dict[tuple[str, int], cp_model.IntVar] = field(default_factory=dict)
    pairs: dict[tuple[str, str, int], cp_model.IntVar] = field(default_factory=dict)

    def all_vars(self) -> list[cp_model.IntVar]:
        return [*self.x.values(), *self.y.values(), *self.assigned.values(),
                *self.arcs.values(), *self.singles.values(), *self.pairs.values()]


# --- data ----------------------------------------------------------------------------------


def build_data(
    problem: PlanningProblem, keep_order: Iterable[tuple[dt.date, str, int]] = ()
) -> ModelData:
    """Routes, candidates and pinned visits; routes in `keep_order` get explicit positions
    (the re-planner keeps current visits at their position, hence their eta)."""
    rules = problem.rules
    routes: list[Route] = []
    route_of: dict[tuple[dt.date, str, int], int] = {}
    for day in problem.visit_days:
        for half in HALVES:
            for team in range(1, rules.teams + 1):
                route_of[(day.date, half, team)] = len(routes)
                routes.append(Route(day, half, team, half_capacity(rules, day, half)))
    pinned_of: dict[str, list[Visit]] = defaultdict(list)
    for v in problem.pinned:
        if (v.date, v.half, v.team) not in route_of:
            raise PlanInfeasible(f"pinned visit of {v.request} on {v.date} {v.half} team "
                                 f"{v.team} is not on any route of the calendar")
        pinned_of[v.request].append(v)
    home_cands: dict[str, list[int]] = {}
    fac_cands: dict[str, list[int]] = {}
    parts_needed: dict[str, int] = {}
    static: dict[str, tuple[str, ...]] = {}
    for r in problem.requests:
        pins = pinned_of.get(r.id, [])
        reasons = static_reasons(problem, r)
        if reasons and not pins:
            static[r.id] = reasons
            continue
        days = {d.date for d in eligible_days(problem, r)}
        cands = [i for i, route in enumerate(routes) if route.day.date in days]
        cands = sorted(set(cands) | {route_of[(p.date, p.half, p.team)] for p in pins})
        if is_facility_visit(rules, r):
            fac_cands[r.id] = cands
            rest = r.applicants - sum(p.applicants for p in pins)
            parts_needed[r.id] = len(pins) + max(0, math.ceil(rest / rules.facility_max_per_half_day))
        else:
            home_cands[r.id] = cands
    ordered = {
        i for i, route in enumerate(routes)
        if route.day.kind == "home" and route.capacity > 2
    } | {route_of[(p.date, p.half, p.team)] for p in problem.pinned}
    ordered |= {route_of[key] for key in keep_order if key in route_of}
    data = ModelData(problem, routes, route_of, home_cands, fac_cands, parts_needed,
                     dict(pinned_of), static, ordered)
    two_visit = [i for i, route in enumerate(routes)
                 if route.day.kind == "home" and route.capacity == 2 and i not in ordered]
    members: dict[int, int] = defaultdict(int)
    for cands in home_cands.values():
        for ri in cands:
            members[ri] += 1
    if sum(members[ri] * (members[ri] - 1) // 2 for ri in two_visit) <= MAX_PATTERN_PAIRS:
        data.patterned = set(two_visit)
    return data


def create_vars(model: cp_model.CpModel, data: ModelData) -> ModelVars:
    """x[r, route] for every candidate; y[r, route, p] only on *ordered* routes.

    A route of at most two visits needs no positions: its two visits can be ordered
    whichever way keeps the cap, which removes the order symmetry from the search. Routes of
    three or more positions, and routes holding pinned visits, get explicit positions.
    """
    v = ModelVars()
    for rid, cands in [*data.home_cands.items(), *data.fac_cands.items()]:
        v.assigned[rid] = model.new_bool_var(f"a[{rid}]")
        large = is_large_household(data.rules, data.request(rid))
        for ri in cands:
            var = model.new_bool_var(f"x[{rid},{ri}]")
            v.x[(rid, ri)] = var
            v.members[ri].append((rid, var))
            if ri in data.ordered:
                top = 1 if large else data.routes[ri].capacity
                for p in range(1, top + 1):
                    pos = model.new_bool_var(f"y[{rid},{ri},{p}]")
                    v.y[(rid, ri, p)] = pos
                    v.at[(ri, p)].append((rid, pos))
    cap2 = leg_cap(data.rules, 2) + TRAVEL_EPS
    for ri in sorted(data.patterned):
        members = v.members.get(ri, [])
        for rid, _var in members:
            v.singles[(rid, ri)] = model.new_bool_var(f"s[{rid},{ri}]")
        small = [r for r, _ in members if not is_large_household(data.rules, data.request(r))]
        for a, b in itertools.combinations(small, 2):
            if _pair_minutes(data, ri, a, b) <= cap2:
                v.pairs[(a, b, ri)] = model.new_bool_var(f"z[{a},{b},{ri}]")
    return v


# --- hard rules ----------------------------------------------------------------------------


def add_one_visit_per_home_request(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §3 - a home booking is one visit: exactly one route if assigned."""
    by_request: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for (rid, _ri), var in v.x.items():
        by_request[rid].append(var)
    for rid in data.home_cands:
        model.add(sum(by_request[rid]) == v.assigned[rid])


def add_slot_capacity(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §3 - a team's half-day holds at most its capacity of visits.

    AM `home_am_slots`, PM the day's `pm_slots`, 1 on facility days (one facility per
    half-day per team). On ordered routes each position holds at most one visit and each
    member takes exactly one position.
    """
    for ri, members in v.members.items():
        if len(members) > data.routes[ri].capacity:
            model.add(sum(var for _r, var in members) <= data.routes[ri].capacity)
    for occupants in v.at.values():
        if len(occupants) > 1:
            model.add_at_most_one(var for _rid, var in occupants)
    positions: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for (rid, ri, _p), var in v.y.items():
        positions[(rid, ri)].append(var)
    for key, found in positions.items():
        model.add(sum(found) == v.x[key])


def add_contiguous_positions(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §3 (visit #1, #2, #3 times) - position p+1 is used only if p is used."""
    for (ri, p), occupants in v.at.items():
        if p == 1:
            continue
        before = v.at.get((ri, p - 1), [])
        model.add(sum(var for _r, var in occupants) <= sum(var for _r, var in before))


def add_large_household_alone(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §3 - a household of `large_household`+ applicants is alone in its half-day.

    Written as one clique per member (the member plus every large household of the route
    other than itself: at most one), which is much tighter than a capacity big-M.
    """
    for ri, members in v.members.items():
        if data.routes[ri].capacity < 2 or ri in data.patterned:
            continue
        large = [(r, var) for r, var in members if is_large_household(data.rules, data.request(r))]
        if not large:
            continue
        for rid, var in members:
            others = [lv for lr, lv in large if lr != rid]
            if others:
                model.add_at_most_one([var, *others])


def _minutes_on(data: ModelData, ri: int, a: str, b: str) -> float:
    return data.problem.minutes(data.routes[ri].day.date, a, b)


def _pair_minutes(data: ModelData, ri: int, a: str, b: str) -> float:
    """Travel of a two-visit route holding a and b, in its better direction."""
    return min(_minutes_on(data, ri, a, b), _minutes_on(data, ri, b, a))


def add_travel_caps(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §4 - #1 -> #2 within `travel_cap_min`; #2 -> #3 within the 3rd-visit cap.

    Ordered routes: the visit at position p needs a predecessor at p-1 whose travel to it is
    within the cap of position p (written over the smaller of the compatible / incompatible
    sets). Two-visit routes: two members must be within the cap in one direction or the
    other, so no member may share the route with a member it cannot pair with.
    """
    for (ri, p), occupants in v.at.items():
        if p < 2:
            continue
        before = v.at.get((ri, p - 1), [])
        cap = leg_cap(data.rules, p) + TRAVEL_EPS
        ok = _submatrix(data, ri, [a for a, _ in before], [b for b, _ in occupants]) <= cap
        for j, (b, vb) in enumerate(occupants):
            good = [va for i, (a, va) in enumerate(before) if ok[i, j] and a != b]
            bad = [va for i, (a, va) in enumerate(before) if not ok[i, j] or a == b]
            if len(good) <= len(bad):
                model.add(sum(good) >= vb)
            else:
                model.add(vb + sum(bad) <= 1)
    cap2 = leg_cap(data.rules, 2) + TRAVEL_EPS
    for ri, members in v.members.items():
        if ri in data.ordered or ri in data.patterned or data.routes[ri].capacity != 2:
            continue
        small = [(r, var) for r, var in members if not is_large_household(data.rules, data.request(r))]
        ids = [r for r, _ in small]
        m = _submatrix(data, ri, ids, ids)
        far = np.minimum(m, m.T) > cap2
        for j, (_b, vb) in enumerate(small):
            bad = [small[i][1] for i in np.flatnonzero(far[:, j])]
            if bad:
                model.add(sum(bad) == 0).only_enforce_if(vb)


def _submatrix(data: ModelData, ri: int, rows: list[str], cols: list[str]) -> np.ndarray:
    """Travel minutes between two lists of requests on the route's date (rows -> cols)."""
    problem = data.problem
    travel = problem.travel
    matrix = travel.matrices[travel.matrix_of[data.routes[ri].day.date]]
    index = problem.point_index
    return matrix[np.ix_([index[r] for r in rows], [index[c] for c in cols])]


def add_two_visit_routes(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §3 and §4 on two-visit half-days - the half-day is empty, one visit, or two
    visits within `travel_cap_min` of each other (in their better order); a large household
    only ever comes single, so it is alone.

    Pattern (set-partitioning) form: one boolean per single and per compatible pair, at most
    one pattern per route, and x[r, route] = single + pairs containing r. Its LP relaxation is
    tight, which is what lets CP-SAT prove the travel stage optimal at Otaru scale.
    """
    patterns: dict[int, list[cp_model.IntVar]] = defaultdict(list)
    cover: dict[tuple[str, int], list[cp_model.IntVar]] = defaultdict(list)
    for (rid, ri), var in v.singles.items():
        patterns[ri].append(var)
        cover[(rid, ri)].append(var)
    for (a, b, ri), var in v.pairs.items():
        patterns[ri].append(var)
        cover[(a, ri)].append(var)
        cover[(b, ri)].append(var)
    for found in patterns.values():
        model.add_at_most_one(found)
    for key, found in cover.items():
        model.add(v.x[key] == sum(found))


def add_facility_parts(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §3 - a facility of more than `facility_max_per_half_day` applicants needs
    ceil(n / max) half-day visits (AM + PM, or other days), never two in the same half-day;
    it counts as assigned only when all its parts are. The parts share the applicants evenly
    (`plan_from_routes`), so each holds 6..20 (n / k > 20 (k - 1) / k >= 10 when k >= 2)."""
    by_request: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    by_half: dict[tuple[str, dt.date, str], list[cp_model.IntVar]] = defaultdict(list)
    for (rid, ri), var in v.x.items():
        if rid not in data.fac_cands:
            continue
        by_request[rid].append(var)
        route = data.routes[ri]
        by_half[(rid, route.day.date, route.half)].append(var)
    for rid in data.fac_cands:
        model.add(sum(by_request[rid]) == data.parts_needed[rid] * v.assigned[rid])
    for group in by_half.values():
        if len(group) > 1:
            model.add_at_most_one(group)


def add_day_rules(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §2, §3, §5 and the hard wish window - a visit only on a visit day of the
    kind it needs (facility visits on facility days, homes and <=5-applicant facilities on
    home days), at least the lead time after the call, between the wish's from and to.

    Enforced by construction: `build_data` only offers routes of `eligible_days`, so this
    adds nothing unless a route slipped in otherwise; only a pinned visit may stand on a day
    the static rules reject (it was confirmed before, the checker reports it).
    """
    eligible = {rid: {d.date for d in eligible_days(data.problem, data.request(rid))}
                for rid in (*data.home_cands, *data.fac_cands)}
    pinned = {(p.request, data.route_of[(p.date, p.half, p.team)]) for p in data.problem.pinned}
    for (rid, ri), var in v.x.items():
        if data.routes[ri].day.date not in eligible[rid] and (rid, ri) not in pinned:
            model.add(var == 0)


def add_pinned(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Hard: SPEC §7, §10 (issue 4) - confirmed visits stay exactly where they are (same
    day, half, team, position): the caller was told the time, the slip may be with the city."""
    for rid, pins in data.pinned_of.items():
        if rid not in v.assigned:
            raise PlanInfeasible(f"pinned visit of unknown request {rid}")
        model.add(v.assigned[rid] == 1)
        for pin in pins:
            ri = data.route_of[(pin.date, pin.half, pin.team)]
            var = v.x.get((rid, ri))
            pos = v.y.get((rid, ri, pin.position)) if ri in data.ordered else var
            if var is None or pos is None:
                raise PlanInfeasible(f"pinned visit of {rid} on {pin.date} {pin.half} team "
                                     f"{pin.team} #{pin.position} has no such slot")
            model.add(pos == 1)


def break_team_symmetry(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Redundant (no rule): teams are interchangeable, so within a half-day team t+1 makes
    no more visits than team t. Skipped on half-days holding pinned visits (fixed teams)."""
    pinned_halves = {(p.date, p.half) for p in data.problem.pinned}
    for (on, half, team), ri in data.route_of.items():
        if team == 1 or (on, half) in pinned_halves:
            continue
        prev = data.route_of[(on, half, team - 1)]
        mine = v.members.get(ri, [])
        if mine:
            model.add(sum(var for _r, var in mine)
                      <= sum(var for _r, var in v.members.get(prev, [])))


HARD_RULES = (
    add_day_rules,
    add_one_visit_per_home_request,
    add_slot_capacity,
    add_contiguous_positions,
    add_large_household_alone,
    add_travel_caps,
    add_two_visit_routes,
    add_facility_parts,
    add_pinned,
)


# --- soft rules ----------------------------------------------------------------------------


def add_soft_wishes(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> None:
    """Soft: SPEC §5 - offer days that fit the caller's weekday / half-day wishes.

    `met[r]` is 1 when every visit of r meets all its given soft wishes (see
    `solver.problem.soft_wish_met`); only requests that state a soft wish have one.
    """
    terms: dict[str, list[cp_model.IntVar]] = defaultdict(list)
    for rid in data.home_cands:
        wish = data.request(rid).wish
        if not has_soft_wish(wish):
            continue
        for ri in data.home_cands[rid]:
            route = data.routes[ri]
            if soft_wish_met(wish, route.day.date, route.half):
                terms[rid].append(v.x[(rid, ri)])
    for rid, found in terms.items():
        v.met[rid] = cp_model.LinearExpr.sum(found)
    for rid in data.fac_cands:
        wish = data.request(rid).wish
        if not has_soft_wish(wish):
            continue
        met = model.new_bool_var(f"met[{rid}]")
        model.add(met <= v.assigned[rid])
        for ri in data.fac_cands[rid]:
            route = data.routes[ri]
            if not soft_wish_met(wish, route.day.date, route.half):
                model.add(met + v.x[(rid, ri)] <= 1)
        v.met[rid] = met


def count_travel_arcs(data: ModelData, v: ModelVars) -> int:
    total = 0
    for (ri, p), occupants in v.at.items():
        if p >= 2:
            total += len(occupants) * len(v.at.get((ri, p - 1), []))
    for ri, members in v.members.items():
        if ri not in data.ordered and ri not in data.patterned and data.routes[ri].capacity == 2:
            total += len(members) * (len(members) - 1) // 2
    return total


def add_travel_arcs(model: cp_model.CpModel, data: ModelData, v: ModelVars) -> cp_model.LinearExpr:
    """Soft: SPEC §4 - least travel between consecutive visits of a half-day.

    Ordered routes: `z[a, b, route, p]` is 1 when a is at p-1 and b at p (compatible pairs
    only). Two-visit routes: `z[a, b, route, 2]` is 1 when both are members, costed in the
    better direction. Returns the travel in tenths of a minute.
    """
    terms = []
    for (ri, p), occupants in v.at.items():
        if p < 2:
            continue
        before = v.at.get((ri, p - 1), [])
        cap = leg_cap(data.rules, p) + TRAVEL_EPS
        for b, vb in occupants:
            arcs = []
            for a, va in before:
                minutes = _minutes_on(data, ri, a, b)
                if a == b or minutes > cap:
                    continue
                z = model.new_bool_var(f"z[{a},{b},{ri},{p}]")
                model.add_implication(z, va)
                arcs.append(z)
                v.arcs[(a, b, ri, p)] = z
                terms.append(round(minutes * TRAVEL_SCALE) * z)
            model.add(sum(arcs) == vb)
    for (a, b, ri), z in v.pairs.items():
        terms.append(round(_pair_minutes(data, ri, a, b) * TRAVEL_SCALE) * z)
    cap2 = leg_cap(data.rules, 2) + TRAVEL_EPS
    for ri, members in v.members.items():
        if ri in data.ordered or ri in data.patterned or data.routes[ri].capacity != 2:
            continue
        for (a, va), (b, vb) in itertools.combinations(members, 2):
            minutes = _pair_minutes(data, ri, a, b)
            if minutes > cap2 or minutes * TRAVEL_SCALE < 0.5:
                continue
            z = model.new_bool_var(f"z[{a},{b},{ri},2]")
            model.add(z >= va + vb - 1)
            v.arcs[(a, b, ri, 2)] = z
            terms.append(round(minutes * TRAVEL_SCALE) * z)
    return sum(terms)  # type: ignore[return-value]


# --- solving -------------------------------------------------------------------------------


@dataclass
class StageResult:
    name: str
    status: str
    value: float
    bound: float
    seconds: float


def _solver(time_limit_s: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = NUM_WORKERS
    solver.parameters.random_seed = RANDOM_SEED
    solver.parameters.max_time_in_seconds = max(0.05, time_limit_s)
    for key, value in SOLVER_OVERRIDES.items():
        setattr(solver.parameters, key, value)
    return solver


def _hint(model: cp_model.CpModel, solver: cp_model.CpSolver, variables: list) -> None:  # type: ignore[type-arg]
    model.clear_hints()
    for var in variables:
        model.add_hint(var, solver.value(var))


def run_stages(
    model: cp_model.CpModel,
    stages: list[tuple[str, cp_model.LinearExprT, bool]],
    variables: list[cp_model.IntVar],
    time_limit_s: float,
    fallback: dict[int, int] | None = None,
) -> tuple[list[StageResult], dict[int, int]]:
    """Solve `stages` (name, expression, maximise?) lexicographically.

    Returns the stage results and the value of every variable index in the last solution.
    When even the first stage finds no solution in time, `fallback` (a known feasible
    assignment, e.g. the greedy plan) is returned; without one, `PlanInfeasible` is raised.
    """
    results: list[StageResult] = []
    values: dict[int, int] = {}
    start = time.monotonic()
    weights = list(STAGE_WEIGHTS[: len(stages)])
    for i, (name, expr, maximise) in enumerate(stages):
        remaining = time_limit_s - (time.monotonic() - start)
        share = weights[i] / sum(weights[i:])
        limit = remaining * share if i < len(stages) - 1 else remaining
        if values and limit < 0.05:
            results.append(StageResult(name, "SKIPPED", math.nan, math.nan, 0.0))
            continue
        if maximise:
            model.maximize(expr)
        else:
            model.minimize(expr)
        solver = _solver(limit)
        t0 = time.monotonic()
        status = solver.solve(model)
        seconds = time.monotonic() - t0
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            if not values and (fallback is None or status == cp_model.INFEASIBLE):
                raise PlanInfeasible(f"stage {name}: {solver.status_name(status)}")
            if not values and fallback is not None:
                bound = solver.best_objective_bound  # no solution: only trust a bound that
                results.append(StageResult(name, "FALLBACK_GREEDY", math.nan,  # is one
                                           bound if math.isfinite(bound) and maximise
                                           and bound > 0 else math.nan, seconds))
                values = dict(fallback)
                break
            results.append(StageResult(name, solver.status_name(status), math.nan, math.nan,
                                       seconds))
            break
        value = solver.objective_value
        results.append(StageResult(name, solver.status_name(status), value,
                                   solver.best_objective_bound, seconds))
        values = {var.index: solver.value(var) for var in variables}
        if maximise:
            model.add(expr >= round(value))
        else:
            model.add(expr <= round(value))
        _hint(model, solver, variables)
    return results, values


# --- the MIP engine ------------------------------------------------------------------------
#
# CP-SAT finds good plans fast but cannot prove the last stages optimal at Otaru scale: its
# LP relaxation of this model stays almost empty (the pattern constraints become Boolean
# at-most-one / exactly-one constraints that it keeps out of the LP), so the travel bound
# stays at 0. The very same model, read from CP-SAT's proto as a 0-1 program, has an LP
# relaxation within a few percent of the optimum, and HiGHS' branch-and-cut closes that gap
# in seconds. So the stages run on HiGHS (through OR-Tools' MathOpt) and CP-SAT re-checks
# the final assignment against the model; CP-SAT remains the engine when HiGHS is not
# available, when a stage-1 solution is not found in time, or for models holding
# constraints the translation does not cover.


class MipUnsupported(ValueError):
    """The CP-SAT model holds a constraint `mip_from_cp` does not translate."""


@dataclass
class MipModel:
    """A CP-SAT model as a 0-1 / integer program: `xs[i]` is CP-SAT variable i."""

    model: mathopt.Model
    xs: list[mathopt.Variable]


def _literal_terms(lit: int) -> tuple[int, int, int]:
    """(variable index, coefficient, constant) of a CP-SAT literal as a linear term."""
    return (lit, 1, 0) if lit >= 0 else (-lit - 1, -1, 1)


def mip_from_cp(cp: cp_model.CpModel) -> MipModel:
    """Every constraint of `cp` as linear rows: linear, at most one, exactly one, bool or,
    bool and; enforcement literals (all must hold) relax a row by big-M over the variables'
    domains, which is exact for 0-1 literals. The objective is left empty."""
    proto = cp.proto
    m = mathopt.Model(name="plan")
    xs: list[mathopt.Variable] = []
    bounds: list[tuple[int, int]] = []
    for var in proto.variables:
        lo, hi = int(var.domain[0]), int(var.domain[len(var.domain) - 1])
        bounds.append((lo, hi))
        xs.append(m.add_binary_variable() if (lo, hi) == (0, 1)
                  else m.add_integer_variable(lb=lo, ub=hi))

    def add_row(terms: dict[int, int], lo: float, hi: float, enforce: list[int]) -> None:
        # lo <= sum(terms) <= hi whenever every literal of `enforce` is true. With literals,
        # each side is relaxed by its slack times the number of false literals.
        low = sum(min(c * bounds[i][0], c * bounds[i][1]) for i, c in terms.items())
        high = sum(max(c * bounds[i][0], c * bounds[i][1]) for i, c in terms.items())
        lo = -math.inf if lo <= low else lo
        hi = math.inf if hi >= high else hi
        if not enforce:
            if lo > -math.inf or hi < math.inf:
                con = m.add_linear_constraint(lb=lo, ub=hi)
                for i, c in terms.items():
                    if c:
                        con.set_coefficient(xs[i], c)
            return
        for sign, limit in ((-1, lo), (1, hi)):
            if not math.isfinite(limit):
                continue
            slack = (limit - low) if sign < 0 else (high - limit)
            row: dict[int, float] = dict(terms)
            rhs = limit
            for lit in enforce:  # 1 - lit = 1 - k - c * x
                i, c, k = _literal_terms(lit)
                row[i] = row.get(i, 0) + sign * slack * c
                rhs += sign * slack * (1 - k)
            con = (m.add_linear_constraint(lb=rhs) if sign < 0
                   else m.add_linear_constraint(ub=rhs))
            for i, coef in row.items():
                if coef:
                    con.set_coefficient(xs[i], coef)

    for ct in proto.constraints:
        enforce = [int(lit) for lit in ct.enforcement_literal]
        if ct.has_linear():
            dom = ct.linear.domain
            first, last = int(dom[0]), int(dom[len(dom) - 1])
            terms: dict[int, int] = defaultdict(int)
            for i, c in zip(ct.linear.vars, ct.linear.coeffs, strict=True):
                terms[int(i)] += int(c)
            add_row(terms, first if first > -(2**62) else -math.inf,
                    last if last < 2**62 else math.inf, enforce)
        elif ct.has_at_most_one() or ct.has_exactly_one() or ct.has_bool_or():
            lits = list(ct.at_most_one.literals if ct.has_at_most_one() else
                        ct.exactly_one.literals if ct.has_exactly_one() else ct.bool_or.literals)
            terms = defaultdict(int)
            const = 0
            for lit in lits:
                i, c, k = _literal_terms(int(lit))
                terms[i] += c
                const += k
            add_row(terms, -math.inf if ct.has_at_most_one() else 1 - const,
                    math.inf if ct.has_bool_or() else 1 - const, enforce)
        elif ct.has_bool_and():
            for lit in ct.bool_and.literals:
                i, c, k = _literal_terms(int(lit))
                add_row({i: c}, 1 - k, math.inf, enforce)
        else:
            raise MipUnsupported(f"constraint {ct}")
    return MipModel(m, xs)


def _expr_terms(cp: cp_model.CpModel, expr: cp_model.LinearExprT) -> tuple[dict[int, int], int]:
    """The coefficients (by variable index) and constant of a CP-SAT linear expression."""
    cp.minimize(expr)
    obj = cp.proto.objective
    terms = {int(i): int(c) for i, c in zip(obj.vars, obj.coeffs, strict=True)}
    offset = int(round(obj.offset))
    cp.clear_objective()
    return terms, offset


def run_stages_mip(
    cp: cp_model.CpModel,
    stages: list[tuple[str, cp_model.LinearExprT, bool]],
    time_limit_s: float,
) -> tuple[list[StageResult], dict[int, int]] | None:
    """`run_stages` on HiGHS: the same lexicographic stages, each fixing the previous optimum.

    Returns None (the caller falls back to CP-SAT) when the model does not translate, the
    solver is missing, no first-stage solution is found in time, or CP-SAT rejects the final
    assignment. A stage is OPTIMAL only when its integer objective meets the proven bound.
    """
    start = time.monotonic()
    try:
        mip = mip_from_cp(cp)
    except MipUnsupported:
        return None
    results: list[StageResult] = []
    values: dict[int, int] | None = None
    weights = list(STAGE_WEIGHTS[: len(stages)])
    for k, (name, expr, maximise) in enumerate(stages):
        remaining = time_limit_s - (time.monotonic() - start)
        share = weights[k] / sum(weights[k:])
        limit = remaining * share if k < len(stages) - 1 else remaining - VERIFY_SECONDS
        if values is not None and limit < 0.05:
            results.append(StageResult(name, "SKIPPED", math.nan, math.nan, 0.0))
            continue
        terms, offset = _expr_terms(cp, expr)
        objective = mip.model.objective
        objective.clear()
        objective.is_maximize = maximise
        for i, c in terms.items():
            objective.set_linear_coefficient(mip.xs[i], c)
        params = mathopt.SolveParameters(
            enable_output=MIP_OUTPUT, relative_gap_tolerance=0.0, absolute_gap_tolerance=0.0,
            time_limit=dt.timedelta(seconds=max(0.05, limit)), random_seed=RANDOM_SEED % 2**31,
            **MIP_OVERRIDES)
        hints = [mathopt.SolutionHint(variable_values={x: float(values[i])
                                                      for i, x in enumerate(mip.xs)})
                 ] if values is not None and MIP_HINTS else []
        t0 = time.monotonic()
        try:
            result = mathopt.solve(mip.model, mathopt.SolverType.HIGHS, params=params,
                                   model_params=mathopt.ModelSolveParameters(solution_hints=hints))
        except Exception:  # noqa: BLE001 - solver missing or refusing the model: use CP-SAT
            return None
        seconds = time.monotonic() - t0
        if not result.has_primal_feasible_solution():
            if values is None:
                return None
            results.append(StageResult(name, result.termination.reason.name, math.nan,
                                       math.nan, seconds))
            break
        raw = result.variable_values()
        values = {i: int(round(raw[x])) for i, x in enumerate(mip.xs)}
        value = sum(c * values[i] for i, c in terms.items()) + offset
        bound = result.termination.objective_bounds.dual_bound + offset
        if not math.isfinite(bound):
            bound, proven = math.nan, False
        else:
            proven = (math.floor(bound + 1e-6) <= value if maximise
                      else math.ceil(bound - 1e-6) >= value)
        status = "OPTIMAL" if result.termination.reason == mathopt.TerminationReason.OPTIMAL \
            and proven else "FEASIBLE"
        results.append(StageResult(name, status, float(value), float(bound), seconds))
        fix = mip.model.add_linear_constraint(
            lb=value - offset if maximise else -math.inf,
            ub=math.inf if maximise else value - offset)
        for i, c in terms.items():
            fix.set_coefficient(mip.xs[i], c)
    if values is None or not _cp_accepts(cp, values):
        return None
    return results, values


def _cp_accepts(cp: cp_model.CpModel, values: dict[int, int]) -> bool:
    """CP-SAT's own check of a full assignment (all variables fixed) against the model."""
    cp.clear_objective()
    cp.clear_hints()
    for i in range(len(cp.proto.variables)):
        cp.add_hint(cp.get_int_var_from_proto_index(i), values[i])
    solver = cp_model.CpSolver()
    solver.parameters.fix_variables_to_their_hinted_value = True
    solver.parameters.num_workers = 1
    solver.parameters.max_time_in_seconds = VERIFY_SECONDS
    ok = solver.solve(cp) in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    cp.clear_hints()
    return ok


def solve_plan(problem: PlanningProblem, time_limit_s: float = 60.0) -> Plan:
    """The best plan found within `time_limit_s` (wall clock over all stages).

    Instances whose full model would exceed `MAX_FULL_MODEL_CANDIDATES` (route candidates
    over all requests; Otaru is ~5k, ten times Otaru with 6 teams ~100k) are solved by
    `solve_large` instead: greedy + large-neighbourhood search over windows of days, with
    the bound of a team-free relaxation.
    """
    start = time.monotonic()
    data = build_data(problem)
    if model_size(data) > MAX_FULL_MODEL_CANDIDATES:
        return solve_large(problem, data, time_limit_s, start)
    return _solve_full(problem, data, time_limit_s, start, ENGINE)


def _solve_full(
    problem: PlanningProblem, data: ModelData, time_limit_s: float, start: float, engine: str
) -> Plan:
    """The full model, its stages on `engine` ("highs", falling back to "cp-sat")."""
    model = cp_model.CpModel()
    v = create_vars(model, data)
    for rule in HARD_RULES:
        rule(model, data, v)
    break_team_symmetry(model, data, v)
    add_soft_wishes(model, data, v)
    rules_done = time.monotonic()

    requests = sum(v.assigned.values())
    applicants = sum(data.request(rid).applicants * a for rid, a in v.assigned.items())
    wishes = sum(v.met.values())
    arcs = count_travel_arcs(data, v)
    stages: list[tuple[str, cp_model.LinearExprT, bool]] = [
        ("requests", requests, True), ("applicants", applicants, True), ("soft_wishes", wishes, True),
    ]
    travel_stage = arcs <= MAX_TRAVEL_ARCS
    if travel_stage:
        stages.append(("travel", add_travel_arcs(model, data, v), False))
    variables = v.all_vars()
    greedy = greedy_routes(data)
    fallback = values_from_routes(data, v, greedy)
    outcome = None
    if engine == "highs":
        outcome = run_stages_mip(model, stages, time_limit_s - (time.monotonic() - start))
    if outcome is None:
        engine = "cp-sat"
        model.clear_objective()
        model.clear_hints()
        for var in variables:
            model.add_hint(var, fallback.get(var.index, 0))
        budget = time_limit_s - (time.monotonic() - start)
        outcome = run_stages(model, stages, variables, budget, fallback=fallback)
    results, values = outcome

    plan = extract_plan(problem, data, v, values, reorder=not (
        travel_stage and len(results) == 4 and results[-1].status == "OPTIMAL"))
    # Without the travel stage the plan is not proven optimal on the last criterion.
    optimal = travel_stage and len(results) == len(stages) and all(
        r.status == "OPTIMAL" for r in results)
    first = results[0]
    bound = int(math.floor(first.bound + 1e-6)) if not math.isnan(first.bound) else None
    assert plan.stats is not None
    extra = {
        "stages": [
            {"name": r.name, "status": r.status,
             "value": None if math.isnan(r.value) else round(r.value, 1),
             "bound": None if math.isnan(r.bound) else round(r.bound, 1),
             "seconds": round(r.seconds, 2)}
            for r in results
        ],
        "travel_stage": "solved" if travel_stage else f"skipped ({arcs} arcs)",
        "engine": engine,
        "model_seconds": round(rules_done - start, 2),
    }
    stats = PlanStats(
        requests=plan.stats.requests,
        assigned=plan.stats.assigned,
        applicants_assigned=plan.stats.applicants_assigned,
        soft_wishes_met=plan.stats.soft_wishes_met,
        travel_min_total=plan.stats.travel_min_total,
        status="OPTIMAL" if optimal else "FEASIBLE",
        bound_assigned=bound,
        seconds=time.monotonic() - start,
        extra=extra,
    )
    return Plan(plan.scenario, plan.visit_days, plan.visits, plan.unassigned, stats)


# --- large instances -------------------------------------------------------------------------


def model_size(data: ModelData) -> int:
    return sum(len(c) for c in data.home_cands.values()) + sum(
        len(c) for c in data.fac_cands.values())


def aggregate_bound(data: ModelData, time_limit_s: float) -> int | None:
    """A proven upper bound on the requests any plan can take: a team-free relaxation.

    Per (day, half): home visits use one slot each of teams x capacity, a large household a
    whole team's half-day, facility parts one team's half-day each; travel is ignored.
    Every valid plan is feasible here, so the maximum (or CP-SAT's bound on it) bounds it.
    """
    rules = data.rules
    model = cp_model.CpModel()
    load: dict[tuple[dt.date, str], list[cp_model.LinearExprT]] = defaultdict(list)
    cap: dict[tuple[dt.date, str], int] = {}
    assigned = []
    for route in data.routes:
        cap[(route.day.date, route.half)] = cap.get((route.day.date, route.half), 0) + route.capacity
    for rid, cands in [*data.home_cands.items(), *data.fac_cands.items()]:
        a = model.new_bool_var(f"a[{rid}]")
        assigned.append(a)
        halves: list[tuple[dt.date, str]] = sorted(
            {(data.routes[ri].day.date, data.routes[ri].half) for ri in cands})
        xs = []
        for key in halves:
            x = model.new_bool_var(f"x[{rid},{key}]")
            xs.append(x)
            if rid in data.fac_cands:
                load[key].append(x)
            elif is_large_household(rules, data.request(rid)):
                load[key].append(max(1, cap[key] // max(1, rules.teams)) * x)
            else:
                load[key].append(x)
        parts = data.parts_needed.get(rid, 1)
        model.add(sum(xs) == parts * a)
    for key, terms in load.items():
        model.add(sum(terms) <= cap[key])
    model.maximize(sum(assigned))
    solver = _solver(time_limit_s)
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return int(math.floor(solver.best_objective_bound + 1e-6))
    return None


def _score(plan: Plan) -> tuple[int, int, int, float]:
    s = plan.stats
    assert s is not None
    return (s.assigned, s.applicants_assigned, s.soft_wishes_met, -round(s.travel_min_total, 3))


def solve_large(
    problem: PlanningProblem, data: ModelData, time_limit_s: float, start: float
) -> Plan:
    """Greedy plan improved by CP-SAT on windows of `LNS_WINDOW_DAYS` visit days.

    Routes of different days only share the requests, so re-solving one window with the
    requests planned there plus every unplanned request that could go there, and keeping
    the result only when it is lexicographically better on that window, never makes the
    whole plan worse. Facilities split across the window's edge stay as they are.
    """
    deadline = start + 0.9 * time_limit_s  # leave room for reading the plan back
    routes = greedy_routes(data)
    bound = aggregate_bound(data, time_limit_s * BOUND_SHARE)
    days = list(problem.visit_days)
    windows = [days[i:i + LNS_WINDOW_DAYS] for i in range(0, len(days), LNS_WINDOW_DAYS)]
    iterations = improved = 0
    while windows and time.monotonic() < deadline - 3.0:
        window = windows[iterations % len(windows)]
        iterations += 1
        remaining = deadline - time.monotonic()
        if _improve_window(problem, data, routes, window, min(remaining - 2.5, 5.0)):
            improved += 1
        if iterations >= 3 * len(windows):
            break
    plan = plan_from_routes(problem, data.routes, routes, data.static, start=start)
    assert plan.stats is not None
    stats = dataclasses.replace(
        plan.stats, status="FEASIBLE", bound_assigned=bound,
        seconds=time.monotonic() - start,
        extra={"method": "greedy+lns", "lns_iterations": iterations,
               "lns_improved": improved, "bound_from": "team-free relaxation"},
    )
    return dataclasses.replace(plan, stats=stats)


def _improve_window(
    problem: PlanningProblem, data: ModelData, routes: dict[int, list[str]],
    window: list[VisitDay], time_limit_s: float,
) -> bool:
    if time_limit_s < 0.5:
        return False
    dates = {d.date for d in window}
    in_window = {ri for ri, route in enumerate(data.routes) if route.day.date in dates}
    placed: dict[str, list[int]] = defaultdict(list)
    for ri, ids in routes.items():
        for rid in ids:
            placed[rid].append(ri)
    inside = {rid for rid, ris in placed.items() if any(ri in in_window for ri in ris)}
    pinned_here = {p.request for p in problem.pinned if p.date in dates}
    if pinned_here or any(ri not in in_window for rid in inside for ri in placed[rid]):
        return False  # windows holding pinned visits or facilities split across the edge
    cands = {**data.home_cands, **data.fac_cands}
    waiting = sorted((rid for rid in cands
                      if rid not in placed and any(ri in in_window for ri in cands[rid])),
                     key=lambda rid: (len(cands[rid]), rid))
    slots = sum(data.routes[ri].capacity for ri in in_window)
    waiting = waiting[: LNS_WAITING_PER_SLOT * slots]
    sub = dataclasses.replace(
        problem, visit_days=tuple(window), pinned=(),
        requests=tuple(data.request(rid) for rid in [*sorted(inside), *waiting]))
    sub_data = build_data(sub)
    current_routes = {ri: ids for ri, ids in routes.items() if ri in in_window}
    local = {sub_data.route_of[data.routes[ri].key]: ids for ri, ids in current_routes.items()}
    before = plan_from_routes(sub, sub_data.routes, local, sub_data.static, start=None)
    # CP-SAT here: it keeps to its time limit, and the windows are small enough for it.
    after = _solve_full(sub, sub_data, time_limit_s, time.monotonic(), "cp-sat")
    if _score(after) <= _score(before):
        return False
    for ri in in_window:
        routes.pop(ri, None)
    for visit in sorted(after.visits, key=lambda v: v.position):
        routes.setdefault(data.route_of[(visit.date, visit.half, visit.team)], []).append(
            visit.request)
    return True


# --- a greedy start -----------------------------------------------------------------------


def greedy_routes(data: ModelData) -> dict[int, list[str]]:
    """A feasible plan by insertion: the solver's hint, and its fallback on huge instances.

    Pinned visits first, at their positions; then facility visits (their missing parts on
    free facility half-days, all on distinct half-days, or none); then home visits, fewest
    candidate routes first, each into the first candidate route (soft wish met first, then
    earliest) where some order of the route's visits keeps every cap. On a route holding
    pinned visits a newcomer only fills the first free position (a gap before a pinned
    visit first), so the pinned visits keep theirs.
    """
    problem = data.problem
    rules = data.rules
    routes: dict[int, list[str]] = defaultdict(list)
    slots: dict[int, list[str | None]] = {}  # pinned routes, by position (None: free)
    for pin in problem.pinned:
        ri = data.route_of[(pin.date, pin.half, pin.team)]
        at = slots.setdefault(ri, [])
        at.extend([None] * (pin.position - len(at)))
        at[pin.position - 1] = pin.request
    pinned_count: dict[str, int] = defaultdict(int)
    pinned_halves_of: dict[str, set[tuple[dt.date, str]]] = defaultdict(set)
    for pin in problem.pinned:
        pinned_count[pin.request] += 1
        pinned_halves_of[pin.request].add((pin.date, pin.half))

    def preference(rid: str, ri: int) -> tuple[bool, dt.date, str, int]:
        route = data.routes[ri]
        wish = data.request(rid).wish
        return (not soft_wish_met(wish, route.day.date, route.half), route.day.date,
                route.half, route.team)

    def taken(ri: int) -> list[str]:
        return [x for x in slots[ri] if x is not None] if ri in slots else routes.get(ri, [])

    for rid in sorted(data.fac_cands, key=lambda r: len(data.fac_cands[r])):
        missing = data.parts_needed[rid] - pinned_count[rid]
        if missing <= 0:
            continue
        chosen: list[int] = []
        halves = set(pinned_halves_of[rid])
        for ri in sorted(data.fac_cands[rid], key=lambda ri: preference(rid, ri)):
            route = data.routes[ri]
            if taken(ri) or (route.day.date, route.half) in halves:
                continue
            chosen.append(ri)
            halves.add((route.day.date, route.half))
            if len(chosen) == missing:
                break
        if len(chosen) == missing:
            for ri in chosen:
                routes[ri].append(rid)
    for rid in sorted(data.home_cands, key=lambda r: (len(data.home_cands[r]), r)):
        if pinned_count[rid]:
            continue
        large = is_large_household(rules, data.request(rid))
        for ri in sorted(data.home_cands[rid], key=lambda ri: preference(rid, ri)):
            route = data.routes[ri]
            ids = taken(ri)
            if len(ids) >= route.capacity or (large and ids) or any(
                is_large_household(rules, data.request(x)) for x in ids
            ):
                continue
            if ri in slots:
                at = list(slots[ri])
                if None in at:
                    at[at.index(None)] = rid
                else:
                    at.append(rid)
                if len(at) > route.capacity or _gap_problems(problem, route.day.date, at):
                    continue
                slots[ri] = at
            else:
                order = best_order(problem, route.day.date, [*ids, rid])
                if order is None:
                    continue
                routes[ri] = order
            break
    for ri, at in slots.items():  # a gap left before a pinned visit makes the plan invalid;
        routes[ri] = [x for x in at if x is not None]  # the model then has to do better
    # Relabel teams by load within each half-day, as `break_team_symmetry` requires.
    pinned_halves = {(p.date, p.half) for p in problem.pinned}
    result: dict[int, list[str]] = {}
    by_half: dict[tuple[dt.date, str], list[int]] = defaultdict(list)
    for ri, route in enumerate(data.routes):
        by_half[(route.day.date, route.half)].append(ri)
    for key, ris in by_half.items():
        loads = [routes.get(ri, []) for ri in ris]
        if key not in pinned_halves:
            loads.sort(key=len, reverse=True)
        for ri, ids in zip(ris, loads, strict=True):
            if ids:
                result[ri] = ids
    return result


def _gap_problems(problem: PlanningProblem, on: dt.date, at: list[str | None]) -> bool:
    """True when two filled consecutive positions of `at` break their travel cap."""
    for p in range(2, len(at) + 1):
        a, b = at[p - 2], at[p - 1]
        if a is not None and b is not None and problem.minutes(on, a, b) > leg_cap(
                problem.rules, p) + TRAVEL_EPS:
            return True
    return False


def values_from_routes(
    data: ModelData, v: ModelVars, routes: dict[int, list[str]]
) -> dict[int, int]:
    """Variable values (by index) that encode `routes` in the model."""
    values: dict[int, int] = {}
    for ri, ids in routes.items():
        for p, rid in enumerate(ids, start=1):
            if (rid, ri) in v.x:
                values[v.x[(rid, ri)].index] = 1
                values[v.assigned[rid].index] = 1
            if (rid, ri, p) in v.y:
                values[v.y[(rid, ri, p)].index] = 1
        if ri in data.patterned:
            if len(ids) == 1 and (ids[0], ri) in v.singles:
                values[v.singles[(ids[0], ri)].index] = 1
            elif len(ids) == 2:
                a, b = ids
                key = (a, b, ri) if (a, b, ri) in v.pairs else (b, a, ri)
                if key in v.pairs:
                    values[v.pairs[key].index] = 1
    return values


# --- reading the solution back ---------------------------------------------------------------


def best_order(problem: PlanningProblem, on: dt.date, ids: list[str]) -> list[str] | None:
    """The order of `ids` with the least travel that keeps every cap (None if none does)."""
    best: tuple[float, list[str]] | None = None
    for perm in itertools.permutations(ids):
        if route_order_problems(problem, on, perm):
            continue
        cost = sum(problem.minutes(on, perm[i - 1], perm[i]) for i in range(1, len(perm)))
        if best is None or cost < best[0] - 1e-9:
            best = (cost, list(perm))
    return None if best is None else best[1]


def routes_from_values(data: ModelData, v: ModelVars, values: dict[int, int]) -> dict[int, list[str]]:
    """Request ids per route, in position order."""
    at: dict[int, dict[int, str]] = defaultdict(dict)
    for (rid, ri, p), var in v.y.items():
        if values.get(var.index):
            at[ri][p] = rid
    for (rid, ri), var in v.x.items():
        if ri not in data.ordered and values.get(var.index):
            at[ri][len(at[ri]) + 1] = rid
    return {ri: [pos[p] for p in sorted(pos)] for ri, pos in at.items()}


def extract_plan(
    problem: PlanningProblem, data: ModelData, v: ModelVars, values: dict[int, int],
    reorder: bool = True,
) -> Plan:
    routes = routes_from_values(data, v, values)
    pinned_routes = {data.route_of[(p.date, p.half, p.team)] for p in problem.pinned}
    for ri, ids in routes.items():
        route = data.routes[ri]
        if ri in pinned_routes or len(ids) < 2 or route.day.kind == "facility":
            continue
        if ri in data.ordered and not reorder:
            continue
        better = best_order(problem, route.day.date, ids)
        if better is not None:
            routes[ri] = better
    return plan_from_routes(problem, data.routes, routes, data.static, start=None)


def plan_from_routes(
    problem: PlanningProblem,
    route_list: list[Route],
    routes: dict[int, list[str]],
    static: dict[str, tuple[str, ...]],
    start: float | None,
    status: str = "FEASIBLE",
    keep_applicants: Iterable[Visit] = (),
) -> Plan:
    """A plan (visits with positions, etas, travel; unassigned with reasons; stats).

    Facility parts split the applicants evenly, except parts matching a pinned visit (or
    one of `keep_applicants`) on the same half-day and team, which keep their share.
    """
    pinned_applicants = {(p.request, p.date, p.half, p.team): p.applicants
                         for p in (*keep_applicants, *problem.pinned)}
    part_routes: dict[str, list[int]] = defaultdict(list)
    for ri, ids in routes.items():
        for rid in ids:
            part_routes[rid].append(ri)
    applicants_of: dict[tuple[str, int], int] = {}
    for rid, ris in part_routes.items():
        request = problem.request_by_id[rid]
        fixed = {ri: pinned_applicants[(rid,) + route_list[ri].key]
                 for ri in ris if (rid,) + route_list[ri].key in pinned_applicants}
        free = sorted((ri for ri in ris if ri not in fixed), key=lambda ri: route_list[ri].key)
        rest = request.applicants - sum(fixed.values())
        shares = _even_split(rest, len(free)) if free else ()
        applicants_of.update({(rid, ri): n for ri, n in fixed.items()})
        applicants_of.update({(rid, ri): n for ri, n in zip(free, shares, strict=True)})
    visits: list[Visit] = []
    travel_total = 0.0
    for ri in sorted(routes, key=lambda i: route_list[i].key):
        route = route_list[ri]
        ids = routes[ri]
        for p, rid in enumerate(ids, start=1):
            travel = None
            if p > 1 and route.day.kind != "facility":
                travel = problem.minutes(route.day.date, ids[p - 2], rid)
                travel_total += travel
            visits.append(Visit(
                request=rid, date=route.day.date, half=route.half, team=route.team, position=p,
                applicants=applicants_of[(rid, ri)],
                eta=visit_eta(problem, route.day.kind, route.half, p),
                travel_from_previous_min=travel,
            ))
    assigned = set(part_routes)
    unassigned = tuple(
        Unassigned(r.id, static.get(r.id) or unassigned_reasons(problem, route_list, routes, r))
        for r in problem.requests if r.id not in assigned
    )
    met = 0
    for rid, ris in part_routes.items():
        wish = problem.request_by_id[rid].wish
        if has_soft_wish(wish) and all(
            soft_wish_met(wish, route_list[ri].day.date, route_list[ri].half) for ri in ris
        ):
            met += 1
    stats = PlanStats(
        requests=len(problem.requests),
        assigned=len(assigned),
        applicants_assigned=sum(problem.request_by_id[rid].applicants for rid in assigned),
        soft_wishes_met=met,
        travel_min_total=travel_total,
        status=status,
        bound_assigned=None,
        seconds=0.0 if start is None else time.monotonic() - start,
    )
    return Plan(problem.name, problem.visit_days, tuple(visits), unassigned, stats)


def _even_split(total: int, k: int) -> tuple[int, ...]:
    base, extra = divmod(total, k)
    return tuple(base + (1 if i < extra else 0) for i in range(k))


def unassigned_reasons(
    problem: PlanningProblem, route_list: list[Route], routes: dict[int, list[str]], request: Request
) -> tuple[str, ...]:
    """Best-effort reasons for a request that some day could host but the plan left out.

    Heuristic, per eligible route of the final plan: a facility visit finds the facility
    half-days taken (`facility_capacity`); a large household finds the half-day not empty
    (`large_household`); a home visit finds the half-day full (`capacity`) or, with a free
    position, no order of the route plus the request keeping the caps: `third_visit_travel_cap`
    when only a leg into position 3+ breaks, else `travel_cap`. When some route could still
    take it (the time limit stopped the search first) the reason is `capacity`.
    """
    rules = problem.rules
    days = {d.date for d in eligible_days(problem, request)}
    if is_facility_visit(rules, request):
        return ("facility_capacity",)
    found: set[str] = set()
    for ri, route in enumerate(route_list):
        if route.day.date not in days:
            continue
        ids = routes.get(ri, [])
        if is_large_household(rules, request):
            if ids:
                found.add("large_household")
            continue
        if len(ids) >= route.capacity or any(
            is_large_household(rules, problem.request_by_id[x]) for x in ids
        ):
            found.add("capacity")
            continue
        codes = _insertion_codes(problem, route.day.date, ids + [request.id])
        found.update(codes)
    return ordered_reasons(found) or ("capacity",)


def _insertion_codes(problem: PlanningProblem, on: dt.date, ids: list[str]) -> set[str]:
    worst: set[str] | None = None
    for perm in itertools.permutations(ids):
        codes = {reason for _p, reason, _m, _c in route_order_problems(problem, on, perm)}
        if not codes:
            return set()
        if worst is None or codes == {"third_visit_travel_cap"}:
            worst = codes
    return worst or set()
