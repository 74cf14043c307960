"""The product's own guard: re-verify a plan against every rule of SPEC.md §2-§5 from scratch.

The web app runs `check_plan` on every plan before saving it, and `python -m solver check`
runs it on files. Nothing the plan claims about itself is trusted: travel is recomputed from
the travel table, applicants from the requests, stats from the visits. Each violation is one
human-readable line starting with a stable rule code, e.g.
``capacity: 2026-06-17 pm team 1 has 3 visits, the half-day allows 2``.

Rule codes: scenario, visit_days, unknown_request, unknown_day, day_kind, team, window,
lead_time, capacity, positions, large_household, travel_cap, third_visit_travel_cap,
travel_value, facility_capacity, applicants, duplicate, eta, pinned, coverage, reasons, stats.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from solver.plan_types import REASON_CODES, Plan, Visit
from solver.problem import (
    TRAVEL_EPS,
    PlanningProblem,
    day_kind_needed,
    earliest_date,
    half_capacity,
    has_soft_wish,
    in_window,
    is_facility_visit,
    is_large_household,
    leg_cap,
    leg_reason,
    soft_wish_met,
    visit_eta,
)

TRAVEL_REPORT_TOLERANCE = 0.1  # minutes: a stated travel may differ by rounding only
STATS_TRAVEL_TOLERANCE = 0.15  # minutes: the total is rounded once to 0.1


def _where(v: Visit) -> str:
    return f"{v.request} on {v.date} {v.half} team {v.team} #{v.position}"


def check_plan(problem: PlanningProblem, plan: Plan) -> list[str]:
    """Every rule violation of `plan` for `problem`, one line each; empty when valid."""
    rules = problem.rules
    out: list[str] = []
    if plan.scenario != problem.name:
        out.append(f"scenario: plan is for {plan.scenario!r}, the scenario is {problem.name!r}")
    if tuple(plan.visit_days) != tuple(problem.visit_days):
        out.append("visit_days: the plan's visit days differ from the scenario's")

    requests = problem.request_by_id
    days = problem.day_by_date
    routes: dict[tuple[dt.date, str, int], list[Visit]] = defaultdict(list)
    by_request: dict[str, list[Visit]] = defaultdict(list)

    for v in plan.visits:
        request = requests.get(v.request)
        if request is None:
            out.append(f"unknown_request: {_where(v)}: no such request")
            continue
        by_request[v.request].append(v)
        day = days.get(v.date)
        if day is None:
            out.append(f"unknown_day: {_where(v)}: {v.date} is not a visit day")
            continue
        routes[(v.date, v.half, v.team)].append(v)
        needed = day_kind_needed(rules, request)
        if day.kind != needed:
            out.append(f"day_kind: {_where(v)}: a {needed} visit on a {day.kind} day")
        if not 1 <= v.team <= rules.teams:
            out.append(f"team: {_where(v)}: team must be between 1 and {rules.teams}")
        if not in_window(request.wish, v.date):
            out.append(f"window: {_where(v)}: outside the wish window "
                       f"{request.wish.date_from or '…'}..{request.wish.date_to or '…'}")
        earliest = earliest_date(rules, request)
        if v.date < earliest:
            out.append(f"lead_time: {_where(v)}: received {request.received}, "
                       f"earliest allowed visit {earliest}")
        eta = visit_eta(problem, day.kind, v.half, v.position)
        if v.eta != eta:
            out.append(f"eta: {_where(v)}: eta {v.eta!r}, the times table says {eta!r}")
        if v.applicants < 1:
            out.append(f"applicants: {_where(v)}: {v.applicants} applicants")
        if is_facility_visit(rules, request) and v.applicants > rules.facility_max_per_half_day:
            out.append(f"facility_capacity: {_where(v)}: {v.applicants} applicants, at most "
                       f"{rules.facility_max_per_half_day} per half-day")
        if is_facility_visit(rules, request) and 1 <= v.applicants < rules.facility_min_applicants:
            out.append(f"facility_capacity: {_where(v)}: {v.applicants} applicants, a facility "
                       f"visit needs at least {rules.facility_min_applicants}")

    for (on, half, team), visits in sorted(routes.items()):
        out.extend(_check_route(problem, on, half, team, visits))

    for rid, visits in by_request.items():
        out.extend(_check_request_parts(problem, rid, visits))

    out.extend(_check_pinned(problem, plan))
    out.extend(_check_coverage(problem, plan, set(by_request)))
    out.extend(_check_stats(problem, plan, by_request))
    return out


def check_visit_days(problem: PlanningProblem) -> list[str]:
    """SPEC §2 rules of the calendar itself (1-2 weekdays a week, no holidays, balance, counts).

    For a plan that brings its own calendar (the scenario has no `season.visit_days`):
    `check_plan` only compares a plan's days with the problem's, so the CLI runs this too.
    A calendar given in the scenario is used as given (SCENARIO.md) and not judged here.
    """
    from solver.calendar_rules import calendar_problems

    return [f"visit_days: {p.rule}: {p.message}"
            for p in calendar_problems(problem.visit_days, problem.config)]


def _check_route(
    problem: PlanningProblem, on: dt.date, half: str, team: int, visits: list[Visit]
) -> list[str]:
    rules = problem.rules
    out: list[str] = []
    day = problem.day_by_date[on]
    label = f"{on} {half} team {team}"
    cap = half_capacity(rules, day, half)  # type: ignore[arg-type]
    if len(visits) > cap:
        out.append(f"capacity: {label} has {len(visits)} visits, the half-day allows {cap}")
    positions = sorted(v.position for v in visits)
    if positions != list(range(1, len(visits) + 1)):
        out.append(f"positions: {label} has positions {positions}, expected 1..{len(visits)}")
    requests = problem.request_by_id
    if len(visits) > 1:
        for v in visits:
            if is_large_household(rules, requests[v.request]):
                out.append(f"large_household: {_where(v)}: {requests[v.request].applicants} "
                           f"applicants must be alone in the half-day, {len(visits)} visits")
    ordered = sorted(visits, key=lambda v: v.position)
    previous: Visit | None = None
    for v in ordered:
        stated = v.travel_from_previous_min
        if v.position == 1 or previous is None or previous.position != v.position - 1:
            if v.position == 1 and stated is not None:
                out.append(f"travel_value: {_where(v)}: the first visit has no previous visit, "
                           f"travel must be null")
            previous = v
            continue
        minutes = problem.minutes(on, previous.request, v.request)
        cap_min = leg_cap(rules, v.position)
        if minutes > cap_min + TRAVEL_EPS:
            out.append(f"{leg_reason(v.position)}: {_where(v)}: {minutes:.1f} min from "
                       f"{previous.request}, cap {cap_min:g}")
        if stated is None or abs(stated - minutes) > TRAVEL_REPORT_TOLERANCE:
            out.append(f"travel_value: {_where(v)}: travel_from_previous_min {stated}, "
                       f"recomputed {minutes:.1f}")
        previous = v
    return out


def _check_request_parts(problem: PlanningProblem, rid: str, visits: list[Visit]) -> list[str]:
    rules = problem.rules
    request = problem.request_by_id[rid]
    out: list[str] = []
    halves = [(v.date, v.half) for v in visits]
    for key in sorted(set(halves)):
        if halves.count(key) > 1:
            out.append(f"duplicate: {rid} has {halves.count(key)} visits on {key[0]} {key[1]}")
    if not is_facility_visit(rules, request) and len(visits) > 1:
        out.append(f"duplicate: {rid} is a home visit planned {len(visits)} times")
    total = sum(v.applicants for v in visits)
    if total != request.applicants:
        out.append(f"applicants: {rid} visits carry {total} applicants, "
                   f"the request has {request.applicants}")
    return out


def _check_pinned(problem: PlanningProblem, plan: Plan) -> list[str]:
    present = {_pin_key(v) for v in plan.visits}
    return [f"pinned: confirmed visit {_where(p)} ({p.applicants} applicants) was changed "
            f"or removed" for p in problem.pinned if _pin_key(p) not in present]


def _pin_key(v: Visit) -> tuple[object, ...]:
    return (v.request, v.date, v.half, v.team, v.position, v.applicants)


def _check_coverage(problem: PlanningProblem, plan: Plan, assigned: set[str]) -> list[str]:
    out: list[str] = []
    listed: dict[str, int] = defaultdict(int)
    for u in plan.unassigned:
        listed[u.request] += 1
        if u.request not in problem.request_by_id:
            out.append(f"coverage: unassigned {u.request}: no such request")
        bad = [r for r in u.reasons if r not in REASON_CODES]
        if bad or not u.reasons:
            out.append(f"reasons: unassigned {u.request}: reasons {list(u.reasons)} must be "
                       f"one or more of {', '.join(REASON_CODES)}")
    for rid, count in sorted(listed.items()):
        if count > 1:
            out.append(f"coverage: {rid} is listed {count} times as unassigned")
        if rid in assigned:
            out.append(f"coverage: {rid} is both planned and unassigned")
    for r in problem.requests:
        if r.id not in assigned and r.id not in listed:
            out.append(f"coverage: {r.id} is neither planned nor listed as unassigned")
    return out


def _check_stats(
    problem: PlanningProblem, plan: Plan, by_request: dict[str, list[Visit]]
) -> list[str]:
    s = plan.stats
    if s is None:
        return []
    out: list[str] = []
    applicants = sum(problem.request_by_id[rid].applicants for rid in by_request)
    met = 0
    for rid, visits in by_request.items():
        wish = problem.request_by_id[rid].wish
        if has_soft_wish(wish) and all(soft_wish_met(wish, v.date, v.half) for v in visits):
            met += 1
    travel = 0.0
    groups: dict[tuple[dt.date, str, int], dict[int, str]] = defaultdict(dict)
    for v in plan.visits:
        if v.request in problem.request_by_id and v.date in problem.day_by_date:
            groups[(v.date, v.half, v.team)][v.position] = v.request
    for (on, _half, _team), at in groups.items():
        for p, rid in at.items():
            if p - 1 in at:
                travel += problem.minutes(on, at[p - 1], rid)
    expected = {
        "requests": len(problem.requests),
        "assigned": len(by_request),
        "applicants_assigned": applicants,
        "soft_wishes_met": met,
    }
    for key, value in expected.items():
        if getattr(s, key) != value:
            out.append(f"stats: {key} is {getattr(s, key)}, recomputed {value}")
    if abs(s.travel_min_total - travel) > STATS_TRAVEL_TOLERANCE:
        out.append(f"stats: travel_min_total is {s.travel_min_total}, recomputed {travel:.1f}")
    if s.bound_assigned is not None and s.bound_assigned < len(by_request):
        out.append(f"stats: bound_assigned {s.bound_assigned} is below the "
                   f"{len(by_request)} requests planned")
    return out
