"""Minimal-change re-planning: the fewest confirmed visits move, shared ones last."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from solver.check import check_plan
from solver.plan_model import solve_plan
from solver.replan import CancelBooking, CancelDay, SetPmSlots, SetTeams, apply_change, replan
from solver.season import VisitDay
from tests.solver.factories import (
    layout_plan,
    make_problem,
    make_request,
    make_scenario,
    make_visit_days,
    random_requests,
)

D1, D2, D3 = dt.date(2026, 6, 17), dt.date(2026, 6, 18), dt.date(2026, 6, 19)
D4 = dt.date(2026, 6, 22)
LAT, LNG = 43.19, 141.00
TIME = 5.0


def _near(rid: str, i: int, **kw: Any) -> Any:
    return make_request(rid, lat=LAT + 0.001 * i, lng=LNG, **kw)


def _valid(result: Any) -> None:
    assert check_plan(result.problem, result.plan) == []


def test_cancelling_a_day_moves_only_that_days_visits() -> None:
    requests = [_near(f"H{i}", i) for i in range(10)]
    days = [VisitDay(d, "home", 2) for d in (D1, D2, D3, D4)]  # 16 slots, 12 without D1
    problem = make_problem(make_scenario(requests, days))
    current = solve_plan(problem, TIME)
    assert current.stats.assigned == 10
    on_d1 = {v.request for v in current.visits if v.date == D1}
    assert on_d1
    result = replan(problem, current, CancelDay(D1), time_limit_s=TIME)
    _valid(result)
    assert result.plan.stats.assigned == 10
    assert {m.request for m in result.moved} == on_d1
    assert all(m.new_date in (D2, D3, D4) for m in result.moved)
    assert {c.request for c in result.callbacks if c.kind == "moved"} == on_d1
    untouched = {(v.request, v.date, v.half, v.team, v.position)
                 for v in current.visits if v.date != D1}
    assert untouched <= {(v.request, v.date, v.half, v.team, v.position)
                         for v in result.plan.visits}


def _shared_case(shared: set[str]) -> tuple[Any, Any]:
    # X can only be visited on D1 or D2; the four on D2 could also go to D3.
    requests = [_near("X", 0, wish_to=D2)]
    requests += [_near(r, i + 1) for i, r in enumerate(["S1", "S2", "U1", "U2"])]
    days = [VisitDay(d, "home", 2) for d in (D1, D2, D3)]
    problem = make_problem(make_scenario(requests, days), shared=shared)
    current = layout_plan(problem, {
        (D1, "am", 1): ["X"],
        (D2, "am", 1): ["S1", "S2"],
        (D2, "pm", 1): ["U1", "U2"],
    })
    assert check_plan(problem, current) == []
    return problem, current


def test_shared_visits_do_not_move_when_an_unshared_one_can() -> None:
    problem, current = _shared_case({"S1", "S2"})
    result = replan(problem, current, CancelDay(D1), time_limit_s=TIME)
    _valid(result)
    assert result.plan.stats.assigned == 5
    moved = {m.request for m in result.moved}
    assert "X" in moved
    assert not moved & {"S1", "S2"}
    assert len(moved) == 2  # X and exactly one unshared visit that makes room


def test_shared_visit_moves_when_unavoidable() -> None:
    problem, current = _shared_case({"S1", "S2", "U1", "U2"})
    result = replan(problem, current, CancelDay(D1), time_limit_s=TIME)
    _valid(result)
    assert result.plan.stats.assigned == 5
    assert sum(m.shared for m in result.moved) == 1


def test_more_pm_slots_add_a_waiting_request_without_moves() -> None:
    requests = [_near(f"H{i}", i) for i in range(5)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 2)]))
    current = solve_plan(problem, TIME)
    assert current.stats.assigned == 4
    result = replan(problem, current, SetPmSlots(D1, 3), time_limit_s=TIME)
    _valid(result)
    assert result.moved == ()
    assert [c.kind for c in result.callbacks] == ["added"]
    assert result.plan.stats.assigned == 5


def test_fewer_pm_slots_move_the_third_visit() -> None:
    requests = [_near(f"H{i}", i) for i in range(5)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 3),
                                                    VisitDay(D2, "home", 2)]))
    current = layout_plan(problem, {(D1, "am", 1): ["H0", "H1"],
                                    (D1, "pm", 1): ["H2", "H3", "H4"]})
    result = replan(problem, current, SetPmSlots(D1, 2), time_limit_s=TIME)
    _valid(result)
    assert [m.request for m in result.moved] == ["H4"]
    assert result.moved[0].new_date == D2


def test_removing_a_team_moves_its_visits() -> None:
    requests = [_near(f"H{i}", i) for i in range(6)]
    days = [VisitDay(D1, "home", 2), VisitDay(D2, "home", 2)]
    problem = make_problem(make_scenario(requests, days, teams=2))
    current = layout_plan(problem, {(D1, "am", 1): ["H0", "H1"], (D1, "am", 2): ["H2", "H3"],
                                    (D1, "pm", 1): ["H4", "H5"]})
    result = replan(problem, current, SetTeams(1), time_limit_s=TIME)
    _valid(result)
    assert {m.request for m in result.moved} == {"H2", "H3"}
    assert result.plan.stats.assigned == 6


def test_cancelled_booking_frees_room_for_a_waiting_request() -> None:
    requests = [_near(f"H{i}", i) for i in range(5)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 2)]))
    current = layout_plan(problem, {(D1, "am", 1): ["H0", "H1"], (D1, "pm", 1): ["H2", "H3"]})
    result = replan(problem, current, CancelBooking("H3"), time_limit_s=TIME)
    _valid(result)
    assert result.moved == ()
    assert [(c.request, c.kind) for c in result.callbacks] == [("H4", "added")]
    assert "H3" not in result.problem.request_by_id


def test_pinned_visits_outside_the_change_stay() -> None:
    requests = [_near(f"H{i}", i) for i in range(6)]
    days = [VisitDay(d, "home", 2) for d in (D1, D2)]
    base = make_problem(make_scenario(requests, days))
    current = layout_plan(base, {(D1, "am", 1): ["H0", "H1"], (D2, "am", 1): ["H2", "H3"]})
    pinned = tuple(v for v in current.visits if v.date == D2)
    problem = make_problem(make_scenario(requests, days), pinned=pinned)
    result = replan(problem, current, CancelDay(D1), time_limit_s=TIME)
    _valid(result)  # includes the "pinned" rule
    assert {m.request for m in result.moved} == {"H0", "H1"}


def test_a_moved_visit_goes_to_the_nearest_day_with_room() -> None:
    requests = [_near(f"H{i}", i) for i in range(3)]
    far = dt.date(2026, 12, 14)
    days = [VisitDay(d, "home", 2) for d in (D1, D2, far)]
    problem = make_problem(make_scenario(requests, days))
    current = layout_plan(problem, {(D1, "am", 1): ["H0"], (D2, "am", 1): ["H1", "H2"]})
    result = replan(problem, current, CancelDay(D1), time_limit_s=TIME)
    _valid(result)
    assert [(m.request, m.new_date) for m in result.moved] == [("H0", D2)]


def test_bad_changes_are_refused() -> None:
    problem = make_problem(make_scenario([_near("H0", 0)], [VisitDay(D1, "home", 2)]))
    with pytest.raises(ValueError):
        apply_change(problem, CancelDay(D2))
    with pytest.raises(ValueError):
        apply_change(problem, SetPmSlots(D1, 9))
    with pytest.raises(ValueError):
        apply_change(problem, CancelBooking("nobody"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), change=st.integers(0, 3), shared_every=st.integers(2, 4))
def test_every_replan_passes_check(seed: int, change: int, shared_every: int) -> None:
    requests = random_requests(12, 1, seed=seed, first=dt.date(2026, 5, 1),
                               last=dt.date(2026, 6, 10), window_days=(10, 30))
    days = make_visit_days(6, kinds=["home", "home", "facility", "home", "home", "home"],
                           pm_slots=[2, 3, 2, 2, 3, 2])
    scenario = make_scenario(requests, days, teams=2)
    problem = make_problem(scenario, shared=[r.id for r in requests[::shared_every]])
    current = solve_plan(problem, 2.0)
    assigned = sorted({v.request for v in current.visits})
    changes = [
        CancelDay(days[seed % len(days)].date),
        SetPmSlots(days[0].date, 3),
        SetTeams(1),
        CancelBooking(assigned[seed % len(assigned)] if assigned else requests[0].id),
    ]
    result = replan(problem, current, changes[change], time_limit_s=3.0)
    assert check_plan(result.problem, result.plan) == []
    before = {v.request for v in current.visits} & set(result.problem.request_by_id)
    lost = {m.request for m in result.moved if m.new_date is None}
    assert {v.request for v in result.plan.visits} >= before - lost


def test_callbacks_tell_each_person_their_new_visit() -> None:
    requests = [_near(f"H{i}", i) for i in range(6)]
    days = [VisitDay(d, "home", 2) for d in (D1, D2)]
    problem = make_problem(make_scenario(requests, days))
    current = layout_plan(problem, {(D1, "am", 1): ["H0", "H1"], (D1, "pm", 1): ["H2"],
                                    (D2, "am", 1): ["H3"]})
    result = replan(problem, current, CancelDay(D1), time_limit_s=TIME)
    _valid(result)
    new = {v.request: v for v in result.plan.visits}
    # D2 has 4 slots: H3 stays, three of H0-H2 move there, the fourth slot is not enough
    # for everyone - H4 and H5 were never planned and must not take a moved person's place.
    assert result.plan.stats.assigned == 4
    assert "H3" not in {c.request for c in result.callbacks}
    moved = [c for c in result.callbacks if c.kind == "moved"]
    assert {c.request for c in moved} == {"H0", "H1", "H2"}
    for c in moved:
        assert (c.date, c.half, c.eta) == (new[c.request].date, new[c.request].half,
                                          new[c.request].eta)
    for m in result.moved:
        old = next(v for v in current.visits if v.request == m.request)
        assert (m.old_date, m.old_half, m.old_eta) == (old.date, old.half, old.eta)
        assert (m.new_date, m.new_half, m.new_eta) == (new[m.request].date,
                                                       new[m.request].half, new[m.request].eta)
    assert not [c for c in result.callbacks if c.kind == "added"]


def test_callbacks_list_people_who_lose_their_visit() -> None:
    requests = [_near(f"H{i}", i) for i in range(5)]
    days = [VisitDay(d, "home", 2) for d in (D1, D2)]
    problem = make_problem(make_scenario(requests, days), shared=["H0"])
    current = layout_plan(problem, {(D1, "am", 1): ["H0", "H1"], (D1, "pm", 1): ["H2"],
                                    (D2, "am", 1): ["H3", "H4"]})
    # Without D2 only D1's 4 slots remain for 5 confirmed people: one loses the visit.
    result = replan(problem, current, CancelDay(D2), time_limit_s=TIME)
    _valid(result)
    dropped = [c for c in result.callbacks if c.kind == "dropped"]
    assert len(dropped) == 1 and dropped[0].date is None and dropped[0].eta is None
    assert dropped[0].request in {"H3", "H4"}
    lost = [m for m in result.moved if m.new_date is None]
    assert [m.request for m in lost] == [dropped[0].request]
    # The shared H0 keeps its visit; D1's existing visits keep theirs too.
    kept = {(v.request, v.half, v.position) for v in result.plan.visits}
    assert {("H0", "am", 1), ("H1", "am", 2), ("H2", "pm", 1)} <= kept
    assert {c.request for c in result.callbacks if c.kind == "moved"} <= {"H3", "H4"}


def test_a_visit_whose_eta_changes_is_called_back() -> None:
    # Cancelling H0 (AM #1) leaves H1 at AM #2: contiguity moves it to #1, a new time.
    requests = [_near(f"H{i}", i) for i in range(2)]
    problem = make_problem(make_scenario(requests, [VisitDay(D1, "home", 2)]))
    current = layout_plan(problem, {(D1, "am", 1): ["H0", "H1"]})
    result = replan(problem, current, CancelBooking("H0"), time_limit_s=TIME)
    _valid(result)
    assert [(c.request, c.kind, c.eta) for c in result.callbacks] == [
        ("H1", "moved", problem.config.times.home_eta("am", 1))]
