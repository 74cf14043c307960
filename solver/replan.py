"""Minimal-change re-planning for managers (issue 4 part 4).

Something changes after visits were confirmed: a visit day is cancelled (snow, illness), a
day's PM goes to 3 slots (or back), a team is added or removed, a booking is cancelled.
`replan` returns the new plan that disturbs the fewest confirmed visits, and the list of
people to call back with their new date.

Objective (lexicographic, solved in stages with the planner's machinery):
1. keep the most currently planned requests planned (nobody loses a visit if avoidable);
2. move the fewest of them, where moving a request whose slip was already shared with the
   city (SPEC §10) costs more than moving every unshared request together, so a shared
   visit moves only when unavoidable; among those, the fewest leave their half-day (a
   visit that only changes position keeps its day and half, just a new time);
3. then plan the most previously unplanned requests into the room that is left;
4. then keep each moved visit as close to its old day as possible (fewest days between the
   old and the new date, summed over the visits), and in the half-day it had.
A request "stays" when every visit of it keeps its day, half, team and position (so its eta
is unchanged); anything else is a move. `problem.pinned` visits stay hard-fixed, except
those the change itself makes impossible (they are released and count as moves).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import time
from collections import defaultdict
from dataclasses import dataclass

from ortools.sat.python import cp_model

from solver.plan_model import (
    HARD_RULES,
    ModelData,
    ModelVars,
    PlanInfeasible,
    best_order,
    build_data,
    create_vars,
    plan_from_routes,
    routes_from_values,
    run_stages,
    values_from_routes,
)
from solver.plan_types import Plan, PlanStats, Visit
from solver.problem import PlanningProblem
from solver.season import Half


@dataclass(frozen=True)
class CancelDay:
    date: dt.date


@dataclass(frozen=True)
class SetPmSlots:
    date: dt.date
    slots: int


@dataclass(frozen=True)
class SetTeams:
    teams: int


@dataclass(frozen=True)
class CancelBooking:
    request_id: str


Change = CancelDay | SetPmSlots | SetTeams | CancelBooking


@dataclass(frozen=True)
class Move:
    """A confirmed request whose visit changed; `new_date` None means it lost its visit.

    For a split facility the first (earliest) visit before and after is shown.
    """

    request: str
    old_date: dt.date
    old_half: Half
    new_date: dt.date | None
    new_half: Half | None
    old_eta: str = ""
    new_eta: str | None = None
    shared: bool = False


@dataclass(frozen=True)
class Callback:
    """Someone to phone: `kind` is "moved", "dropped" (no visit any more) or "added"."""

    request: str
    kind: str
    date: dt.date | None
    half: Half | None
    eta: str | None


@dataclass(frozen=True)
class ReplanResult:
    problem: PlanningProblem  # the problem after the change
    plan: Plan
    moved: tuple[Move, ...]
    callbacks: tuple[Callback, ...]


def apply_change(problem: PlanningProblem, change: Change) -> PlanningProblem:
    """The problem after `change`; pinned visits the change makes impossible are released."""
    rules = problem.rules
    pinned = problem.pinned
    if isinstance(change, CancelDay):
        if change.date not in problem.day_by_date:
            raise ValueError(f"{change.date} is not a visit day")
        days = tuple(d for d in problem.visit_days if d.date != change.date)
        pinned = tuple(p for p in pinned if p.date != change.date)
        return dataclasses.replace(problem, visit_days=days, pinned=pinned)
    if isinstance(change, SetPmSlots):
        day = problem.day_by_date.get(change.date)
        if day is None or day.kind != "home":
            raise ValueError(f"{change.date} is not a home-visit day")
        if not rules.home_pm_slots <= change.slots <= rules.home_pm_slots_max:
            raise ValueError(f"PM slots must be between {rules.home_pm_slots} and "
                             f"{rules.home_pm_slots_max}")
        days = tuple(dataclasses.replace(d, pm_slots=change.slots) if d.date == change.date
                     else d for d in problem.visit_days)
        pinned = tuple(p for p in pinned if not (
            p.date == change.date and p.half == "pm" and p.position > change.slots))
        return dataclasses.replace(problem, visit_days=days, pinned=pinned)
    if isinstance(change, SetTeams):
        if change.teams < 1:
            raise ValueError("teams must be at least 1")
        config = dataclasses.replace(
            problem.config, rules=dataclasses.replace(rules, teams=change.teams))
        pinned = tuple(p for p in pinned if p.team <= change.teams)
        return dataclasses.replace(problem, config=config, pinned=pinned)
    if isinstance(change, CancelBooking):
        if change.request_id not in problem.request_by_id:
            raise ValueError(f"no request {change.request_id}")
        return dataclasses.replace(
            problem,
            requests=tuple(r for r in problem.requests if r.id != change.request_id),
            pinned=tuple(p for p in pinned if p.request != change.request_id),
            shared=problem.shared - {change.request_id},
        )
    raise TypeError(f"unknown change {change!r}")


def _stay_vars(
    model: cp_model.CpModel, data: ModelData, v: ModelVars, current: dict[str, list[Visit]]
) -> dict[str, cp_model.IntVar | int]:
    """stay[r] = 1 when every current visit of r is kept at its route and position."""
    stay: dict[str, cp_model.IntVar | int] = {}
    for rid, visits in current.items():
        if rid not in v.assigned:
            stay[rid] = 0
            continue
        keeps: list[cp_model.IntVar] = []
        for visit in visits:
            ri = data.route_of.get((visit.date, visit.half, visit.team))
            var = None
            if ri is not None:
                var = v.y.get((rid, ri, visit.position)) if ri in data.ordered else (
                    v.x.get((rid, ri)) if visit.position == 1 else None)
            if var is None:
                keeps = []
                break
            keeps.append(var)
        if not keeps:
            stay[rid] = 0
            continue
        s = model.new_bool_var(f"stay[{rid}]")
        for var in keeps:
            model.add_implication(s, var)
        if rid in data.fac_cands:  # no extra parts either
            parts = [var for (r, _ri), var in v.x.items() if r == rid]
            model.add(sum(parts) == len(keeps)).only_enforce_if(s)
        stay[rid] = s
    return stay


def replan(
    problem: PlanningProblem, current: Plan, change: Change, time_limit_s: float = 20.0
) -> ReplanResult:
    """The plan after `change` that moves the fewest confirmed visits of `current`."""
    start = time.monotonic()
    new = apply_change(problem, change)
    current_visits: dict[str, list[Visit]] = defaultdict(list)
    for visit in current.visits:
        if visit.request in new.request_by_id:
            current_visits[visit.request].append(visit)
    keep = {(v.date, v.half, v.team) for vs in current_visits.values() for v in vs}
    data = build_data(new, keep_order=keep)
    model = cp_model.CpModel()
    v = create_vars(model, data)
    for rule in HARD_RULES:
        rule(model, data, v)
    stay = _stay_vars(model, data, v, current_visits)

    unshared = sum(1 for rid in current_visits if rid not in new.shared)
    shared_cost = unshared + 1
    kept = sum(v.assigned[rid] for rid in current_visits if rid in v.assigned)
    moves = sum((shared_cost if rid in new.shared else 1) * (1 - s) for rid, s in stay.items())
    # Tie-break inside the same stage: among plans with as few moves, keep moved visits in
    # their own half-day (a new position only shifts the time told). Weighted below one move.
    left = []
    for rid, visits in current_visits.items():
        for visit in visits:
            ri = data.route_of.get((visit.date, visit.half, visit.team))
            var = v.x.get((rid, ri)) if ri is not None else None
            left.append(1 if var is None else 1 - var)
    moves = (len(left) + 1) * moves + sum(left)
    added = sum(a for rid, a in v.assigned.items() if rid not in current_visits)
    # Last, a moved visit lands as close to its old day as it can: someone told "June 19"
    # would rather hear "June 22" than "December 14"; among equally close days, in the
    # half-day they were told. Two per day between old and new, plus one for another half.
    first_of = {rid: min(visits, key=lambda x: (x.date, x.half))
                for rid, visits in current_visits.items()}
    drift = sum((2 * abs((data.routes[ri].day.date - first_of[rid].date).days)
                 + (data.routes[ri].key[1] != first_of[rid].half)) * var
                for (rid, ri), var in v.x.items()
                if rid in first_of and data.routes[ri].key[:2] != (first_of[rid].date,
                                                                  first_of[rid].half))
    stages: list[tuple[str, cp_model.LinearExprT, bool]] = [
        ("kept", kept, True), ("moves", moves, False), ("added", added, True),
        ("drift", drift, False),
    ]
    # Hint: the current plan minus whatever the change made impossible.
    hint_routes: dict[int, list[str]] = defaultdict(list)
    for rid, visits in current_visits.items():
        for visit in sorted(visits, key=lambda x: x.position):
            ri = data.route_of.get((visit.date, visit.half, visit.team))
            if ri is not None and len(hint_routes[ri]) < data.routes[ri].capacity:
                hint_routes[ri].append(rid)
    for var, value in _hint_values(data, v, dict(hint_routes)).items():
        model.add_hint(var, value)
    budget = time_limit_s - (time.monotonic() - start)
    results, values = run_stages(model, stages, v.all_vars(), budget)
    routes = routes_from_values(data, v, values)
    # Routes holding none of the current visits have no eta to keep: cheapest valid order
    # (a two-visit route's order is not modelled at all, see `create_vars`).
    pinned_routes = {data.route_of[(p.date, p.half, p.team)] for p in new.pinned}
    for ri, ids in routes.items():
        route = data.routes[ri]
        if route.key in keep or ri in pinned_routes or len(ids) < 2:
            continue
        better = best_order(new, route.day.date, ids)
        if better is not None:
            routes[ri] = better
    plan = plan_from_routes(new, data.routes, routes, data.static, start=start,
                            keep_applicants=[x for vs in current_visits.values() for x in vs])
    first = results[0]
    optimal = all(r.status == "OPTIMAL" for r in results) and len(results) == len(stages)
    assert plan.stats is not None
    stats = dataclasses.replace(
        plan.stats,
        status="OPTIMAL" if optimal else "FEASIBLE",
        bound_assigned=None,
        seconds=time.monotonic() - start,
        extra={"stages": [
            {"name": r.name, "status": r.status,
             "value": None if math.isnan(r.value) else round(r.value, 1),
             "bound": None if math.isnan(r.bound) else round(r.bound, 1)}
            for r in results
        ], "kept_bound": None if math.isnan(first.bound) else int(first.bound + 1e-6)},
    )
    plan = dataclasses.replace(plan, stats=PlanStats(**{
        f.name: getattr(stats, f.name) for f in dataclasses.fields(PlanStats)}))
    moved, callbacks = _diff(new, current_visits, plan)
    return ReplanResult(problem=new, plan=plan, moved=moved, callbacks=callbacks)


def _hint_values(data: ModelData, v: ModelVars, routes: dict[int, list[str]]) -> dict[cp_model.IntVar, int]:
    by_index = values_from_routes(data, v, routes)
    return {var: by_index.get(var.index, 0) for var in v.all_vars()}


def _diff(
    problem: PlanningProblem, current: dict[str, list[Visit]], plan: Plan
) -> tuple[tuple[Move, ...], tuple[Callback, ...]]:
    new_visits: dict[str, list[Visit]] = defaultdict(list)
    for visit in plan.visits:
        new_visits[visit.request].append(visit)
    moved: list[Move] = []
    callbacks: list[Callback] = []

    def key(vs: list[Visit]) -> set[tuple[object, ...]]:
        return {(x.date, x.half, x.team, x.position, x.applicants) for x in vs}

    for rid, old in sorted(current.items()):
        after = sorted(new_visits.get(rid, []), key=lambda x: (x.date, x.half))
        if key(old) == key(after):
            continue
        before = sorted(old, key=lambda x: (x.date, x.half))[0]
        first = after[0] if after else None
        moved.append(Move(
            request=rid, old_date=before.date, old_half=before.half,
            new_date=first.date if first else None, new_half=first.half if first else None,
            old_eta=before.eta, new_eta=first.eta if first else None,
            shared=rid in problem.shared,
        ))
        visible_old = {(x.date, x.half, x.eta) for x in old}
        visible_new = {(x.date, x.half, x.eta) for x in after}
        if first is None:
            callbacks.append(Callback(rid, "dropped", None, None, None))
        elif visible_old != visible_new:
            callbacks.append(Callback(rid, "moved", first.date, first.half, first.eta))
    for rid, after in sorted(new_visits.items()):
        if rid not in current:
            first = min(after, key=lambda x: (x.date, x.half))
            callbacks.append(Callback(rid, "added", first.date, first.half, first.eta))
    return tuple(moved), tuple(callbacks)


__all__ = [
    "CancelBooking", "CancelDay", "Callback", "Change", "Move", "PlanInfeasible",
    "ReplanResult", "SetPmSlots", "SetTeams", "apply_change", "replan",
]
