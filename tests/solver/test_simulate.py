"""The season simulator: valid, deterministic and blind to calls that have not happened."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.check import check_plan
from solver.simulate import arrival_order, replay, simulate
from tests.solver.factories import make_problem, make_scenario, make_visit_days, random_requests


@st.composite
def scenarios(draw: Any) -> Any:
    n_days = draw(st.integers(3, 8))
    kinds = draw(st.lists(st.sampled_from(["home", "home", "home", "facility"]),
                          min_size=n_days, max_size=n_days))
    pm = draw(st.lists(st.sampled_from([2, 3]), min_size=n_days, max_size=n_days))
    days = make_visit_days(n_days, kinds=kinds, pm_slots=pm, step=2)
    requests = random_requests(draw(st.integers(1, 24)), draw(st.integers(0, 3)),
                               seed=draw(st.integers(0, 10_000)), last=dt.date(2026, 7, 15),
                               window_days=(3, 30))
    return make_scenario(requests, days, teams=draw(st.integers(1, 2)))


def _where(v: Any) -> tuple[Any, ...]:
    return (v.date, v.half, v.team, v.position)


SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(scenario=scenarios(), policy=st.sampled_from(["smart", "fcfs"]))
def test_every_simulation_passes_check_and_is_deterministic(scenario: Any, policy: Any) -> None:
    problem = make_problem(scenario)
    plan = simulate(problem, policy)
    assert check_plan(problem, plan) == []
    assert plan.stats is not None and plan.stats.status == "SIMULATED"
    assert plan.stats.bound_assigned is None
    again = simulate(make_problem(scenario), policy)
    assert (again.visits, again.unassigned) == (plan.visits, plan.unassigned)


@SETTINGS
@given(scenario=scenarios(), policy=st.sampled_from(["smart", "fcfs"]), cut=st.integers(0, 30))
def test_blind_to_the_future(scenario: Any, policy: Any, cut: int) -> None:
    """Removing later calls leaves the offers and bookings of the earlier ones unchanged."""
    calls = list(replay(make_problem(scenario), policy))
    order = arrival_order(scenario.requests)
    k = cut % (len(order) + 1)
    earlier = dataclasses.replace(scenario, requests=tuple(order[:k]))
    short = make_problem(earlier)
    plan = simulate(short, policy)
    expected = calls[k - 1].booked if k else ()
    assert sorted(plan.visits, key=_where) == sorted(expected, key=_where)
    short_calls = list(replay(short, policy))
    assert [c.answer for c in short_calls] == [c.answer for c in calls[:k]]


@SETTINGS
@given(scenario=scenarios(), policy=st.sampled_from(["smart", "fcfs"]))
def test_confirmed_visits_never_change_half_day(scenario: Any, policy: Any) -> None:
    """A booking keeps its date, half-day and team; only insertion may renumber it."""
    where: dict[tuple[str, dt.date, str], int] = {}
    for call in replay(make_problem(scenario), policy):
        now = {(v.request, v.date, v.half): v.team for v in call.booked}
        assert all(now.get(k) == team for k, team in where.items())
        if policy == "fcfs":
            assert call.taken is None or call.taken.moves == ()
        where = now


def test_pinned_visits_stay_and_do_not_call_again() -> None:
    days = make_visit_days(6, step=2)
    scenario = make_scenario(random_requests(12, seed=4, last=dt.date(2026, 7, 1),
                                             window_days=(3, 20)), days)
    first = simulate(make_problem(scenario), "smart")
    pinned = first.visits[:3]
    problem = make_problem(scenario, pinned=pinned)
    plan = simulate(problem, "smart")
    assert check_plan(problem, plan) == []
    assert set(pinned) <= set(plan.visits)


def test_smart_serves_at_least_fcfs_on_a_busy_month() -> None:
    days = make_visit_days(8, step=2)
    scenario = make_scenario(random_requests(40, seed=7, last=dt.date(2026, 7, 5)), days)
    problem = make_problem(scenario)
    smart, fcfs = simulate(problem, "smart"), simulate(problem, "fcfs")
    assert smart.stats is not None and fcfs.stats is not None
    assert check_plan(problem, smart) == [] and check_plan(problem, fcfs) == []
    assert smart.stats.assigned >= fcfs.stats.assigned - 1
    reasons = {code for u in smart.unassigned for code in u.reasons}
    assert reasons and reasons <= {"lead_time", "window", "capacity", "travel_cap",
                                   "third_visit_travel_cap", "large_household",
                                   "facility_capacity", "no_visit_day"}
