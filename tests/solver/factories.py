"""Small builders of scenarios, requests and problems for the solver tests.

Shared by the planner, checker, re-planner and slot-policy tests: import from
`tests.solver.factories`. Every builder keeps the rule values of `solver.season` unless a test
overrides them, so tests never repeat a rule number as a literal they do not mean.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import random
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from solver.season import (
    DayKind,
    Half,
    Request,
    Rules,
    Scenario,
    Season,
    SeasonConfig,
    VisitDay,
    Wish,
)

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
RECEIVED = dt.date(2026, 6, 1)  # the day the call centre opens (SPEC §1)
FIRST_DAY = dt.date(2026, 6, 17)  # the first visit day of the season (SPEC §1)


@functools.cache
def otaru_towns() -> tuple[tuple[float, float], ...]:
    """(lat, lng) of every town/chome centroid of Otaru in fixtures/otaru_towns.csv."""
    with (FIXTURES / "otaru_towns.csv").open(encoding="utf-8") as f:
        return tuple((float(row["lat"]), float(row["lng"])) for row in csv.DictReader(f))


@functools.cache
def otaru_facilities() -> tuple[tuple[float, float], ...]:
    """(lat, lng) of the welfare facilities in fixtures/otaru_welfare_facilities.csv."""
    with (FIXTURES / "otaru_welfare_facilities.csv").open(encoding="utf-8") as f:
        return tuple((float(row["lat"]), float(row["lng"])) for row in csv.DictReader(f))


def otaru_points(n: int, seed: int = 0, jitter: float = 0.002) -> list[tuple[float, float]]:
    """`n` random home locations in Otaru: a town centroid plus a small jitter (~200 m)."""
    rng = random.Random(seed)
    towns = otaru_towns()
    points = []
    for _ in range(n):
        lat, lng = rng.choice(towns)
        points.append((lat + rng.uniform(-jitter, jitter), lng + rng.uniform(-jitter, jitter)))
    return points


def weekdays_from(start: dt.date, count: int, step: int = 1) -> list[dt.date]:
    """`count` weekdays from `start` on, taking every `step`-th weekday."""
    days: list[dt.date] = []
    day = start
    seen = 0
    while len(days) < count:
        if day.weekday() < 5:
            if seen % step == 0:
                days.append(day)
            seen += 1
        day += dt.timedelta(days=1)
    return days


def make_visit_days(
    count: int,
    start: dt.date = FIRST_DAY,
    kinds: Sequence[DayKind] | DayKind = "home",
    pm_slots: int | Sequence[int] | None = None,
    step: int = 1,
    rules: Rules | None = None,
) -> tuple[VisitDay, ...]:
    """A calendar of `count` weekdays; `kinds`/`pm_slots` may be one value or one per day."""
    rules = rules or Rules()
    dates = weekdays_from(start, count, step)
    kind_list = [kinds] * count if isinstance(kinds, str) else list(kinds)
    if pm_slots is None:
        pm_list = [rules.home_pm_slots] * count
    elif isinstance(pm_slots, int):
        pm_list = [pm_slots] * count
    else:
        pm_list = list(pm_slots)
    return tuple(
        VisitDay(date=d, kind=k, pm_slots=p)
        for d, k, p in zip(dates, kind_list, pm_list, strict=True)
    )


def make_request(
    id: str,
    kind: str = "home",
    received: dt.date = RECEIVED,
    lat: float = 43.1907,
    lng: float = 141.0028,
    applicants: int = 1,
    wish_from: dt.date | None = None,
    wish_to: dt.date | None = None,
    weekdays: Iterable[int] = (),
    half: Half | None = None,
) -> Request:
    return Request(
        id=id,
        kind=kind,  # type: ignore[arg-type]
        received=received,
        lat=lat,
        lng=lng,
        applicants=applicants,
        wish=Wish(date_from=wish_from, date_to=wish_to, weekdays=tuple(weekdays), half=half),
    )


def make_scenario(
    requests: Iterable[Request] = (),
    visit_days: Sequence[VisitDay] | None = None,
    rules: Rules | None = None,
    name: str = "test",
    **rule_overrides: Any,
) -> Scenario:
    """A scenario with explicit `visit_days` (default: 10 home days from 2026-06-17)."""
    rules = rules or Rules()
    if rule_overrides:
        rules = dataclasses.replace(rules, **rule_overrides)
    days = tuple(visit_days) if visit_days is not None else make_visit_days(10, rules=rules)
    season = Season(name=name, visit_days=tuple(sorted(days, key=lambda d: d.date)))
    return Scenario(name=name, config=SeasonConfig(season=season, rules=rules),
                    requests=tuple(requests))


def random_requests(
    n_home: int,
    n_facility: int = 0,
    seed: int = 0,
    first: dt.date = RECEIVED,
    last: dt.date = dt.date(2026, 11, 30),
    window_days: tuple[int, int] = (14, 60),
    rules: Rules | None = None,
    soft_share: float = 0.7,
) -> list[Request]:
    """Random Otaru requests: homes at town centroids, facilities at real facilities.

    Calls arrive uniformly between `first` and `last`; each wish window opens at the earliest
    allowed date (plus a few days) and lasts `window_days` days. About `soft_share` of the
    callers state a weekday and/or half-day preference.
    """
    rules = rules or Rules()
    rng = random.Random(seed)
    span = (last - first).days
    points = otaru_points(n_home, seed)
    requests: list[Request] = []
    for i in range(n_home + n_facility):
        facility = i >= n_home
        received = first + dt.timedelta(days=rng.randrange(span + 1))
        if facility:
            lat, lng = rng.choice(otaru_facilities())
            applicants = rng.randint(rules.facility_min_applicants, 2 * rules.facility_max_per_half_day)
            lead = rules.facility_lead_days
        else:
            lat, lng = points[i]
            # Otaru expects 216 applications from 144 homes (SPEC §1): mostly 1-2 people.
            applicants = rng.choices(
                [1, 2, 3, 4, rules.large_household], weights=[60, 30, 6, 2, 2])[0]
            lead = rules.home_lead_days
        start = received + dt.timedelta(days=lead + rng.randrange(7))
        end = start + dt.timedelta(days=rng.randint(*window_days))
        weekdays: tuple[int, ...] = ()
        half: Half | None = None
        if rng.random() < soft_share:
            if rng.random() < 0.6:
                weekdays = tuple(sorted(rng.sample(range(5), rng.randint(1, 3))))
            if rng.random() < 0.6:
                half = rng.choice(["am", "pm"])
        requests.append(make_request(
            f"{'F' if facility else 'H'}{i + 1:04d}", kind="facility" if facility else "home",
            received=received, lat=lat, lng=lng, applicants=applicants, wish_from=start,
            wish_to=end, weekdays=weekdays, half=half,
        ))
    return requests


def scenario_to_dict(scenario: Scenario) -> dict[str, Any]:
    """The JSON form of a scenario (SCENARIO.md), for CLI tests."""
    from solver.scenario_io import config_to_dict

    data = config_to_dict(scenario.config)
    data["name"] = scenario.name
    data["requests"] = []
    for r in scenario.requests:
        wish: dict[str, Any] = {}
        if r.wish.date_from:
            wish["from"] = r.wish.date_from.isoformat()
        if r.wish.date_to:
            wish["to"] = r.wish.date_to.isoformat()
        if r.wish.weekdays:
            wish["weekdays"] = list(r.wish.weekdays)
        if r.wish.half:
            wish["half"] = r.wish.half
        data["requests"].append({
            "id": r.id, "kind": r.kind, "received": r.received.isoformat(), "lat": r.lat,
            "lng": r.lng, "applicants": r.applicants, "wish": wish,
        })
    return data


def make_problem(scenario: Scenario, pinned: Sequence[Any] = (), shared: Iterable[str] = ()) -> Any:
    """The `PlanningProblem` of a scenario (travel from the offline estimate)."""
    from solver.travel_table import build_problem

    return build_problem(scenario, pinned=tuple(pinned), shared=frozenset(shared))


def layout_plan(
    problem: Any,
    layout: dict[tuple[dt.date, str, int], Sequence[str | tuple[str, int]]],
    reasons: Sequence[str] = ("capacity",),
    status: str = "FEASIBLE",
) -> Any:
    """A hand-built plan: `layout[(date, half, team)]` lists request ids in visit order
    (or `(id, applicants)` for a facility part). Etas, travel, unassigned and stats are
    filled in consistently, independently of the planner, so a test can then break one rule.
    """
    from solver.plan_types import Plan, PlanStats, Unassigned, Visit
    from solver.problem import has_soft_wish, soft_wish_met

    times = problem.config.times
    kinds = {d.date: d.kind for d in problem.visit_days}
    visits = []
    parts: dict[str, list[Any]] = {}
    travel_total = 0.0
    for (on, half, team), entries in sorted(layout.items()):
        ids = [e if isinstance(e, str) else e[0] for e in entries]
        for p, entry in enumerate(entries, start=1):
            rid = ids[p - 1]
            applicants = (problem.request_by_id[rid].applicants if isinstance(entry, str)
                          else entry[1])
            travel = None
            if p > 1:
                travel = problem.minutes(on, ids[p - 2], rid)
                travel_total += travel
            eta = (times.facility_eta(half) if kinds.get(on) == "facility"
                   else times.home_eta(half, p))
            visit = Visit(request=rid, date=on, half=half, team=team, position=p,
                          applicants=applicants, eta=eta, travel_from_previous_min=travel)
            visits.append(visit)
            parts.setdefault(rid, []).append(visit)
    unassigned = tuple(Unassigned(r.id, tuple(reasons)) for r in problem.requests
                       if r.id not in parts)
    met = sum(
        1 for rid, vs in parts.items()
        if has_soft_wish(problem.request_by_id[rid].wish)
        and all(soft_wish_met(problem.request_by_id[rid].wish, v.date, v.half) for v in vs)
    )
    stats = PlanStats(
        requests=len(problem.requests), assigned=len(parts),
        applicants_assigned=sum(problem.request_by_id[r].applicants for r in parts),
        soft_wishes_met=met, travel_min_total=travel_total, status=status,
        bound_assigned=len(parts), seconds=0.0,
    )
    return Plan(problem.name, problem.visit_days, tuple(visits), unassigned, stats)


def run_solver(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m solver ARGS...` from the repository root, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "solver", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
