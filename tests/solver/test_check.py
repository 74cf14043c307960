"""`check_plan` accepts a hand-built valid plan and rejects each kind of violation.

Each rule gets a plan it must allow and one it must forbid; the forbidden plan differs from
an allowed one in that rule only (layout_plan keeps etas, travel and stats consistent), and
the test asserts the violation line starts with the rule's code.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from solver.check import check_plan
from solver.plan_types import Plan, PlanStats, Unassigned, Visit
from solver.season import VisitDay
from tests.solver.factories import layout_plan, make_problem, make_request, make_scenario

D1 = dt.date(2026, 6, 17)  # home day, PM 3 slots
D2 = dt.date(2026, 6, 18)  # facility day
D3 = dt.date(2026, 6, 19)  # home day, PM 2 slots
LAT, LNG = 43.19, 141.00
# With the default estimate (x1.35 circuity, 25 km/h) 0.01 deg of latitude is ~3.6 min.


def _problem(pinned: tuple[Visit, ...] = (), teams: int = 1) -> Any:
    days = (VisitDay(D1, "home", 3), VisitDay(D2, "facility", 2), VisitDay(D3, "home", 2))
    requests = [
        make_request("H1", lat=LAT, lng=LNG),
        make_request("H2", lat=LAT + 0.01, lng=LNG, applicants=2),
        make_request("H3", lat=LAT - 0.01, lng=LNG),
        make_request("MID", lat=LAT + 0.06, lng=LNG),  # ~22 min from H1, ~18 from H2
        make_request("FAR", lat=LAT + 0.12, lng=LNG),  # ~43 min from H1
        make_request("L", lat=LAT + 0.005, lng=LNG, applicants=6),
        make_request("W", lat=LAT, lng=LNG + 0.01, wish_from=D3, wish_to=D3),
        make_request("LATE", lat=LAT, lng=LNG, received=dt.date(2026, 6, 10)),
        make_request("F1", kind="facility", lat=LAT, lng=LNG + 0.02, applicants=24,
                     received=dt.date(2026, 5, 1)),
        make_request("FS", kind="facility", lat=LAT, lng=LNG + 0.02, applicants=4),
    ]
    return make_problem(make_scenario(requests, days, teams=teams), pinned=pinned)


BASE: dict[tuple[dt.date, str, int], list[Any]] = {
    (D1, "am", 1): ["H1", "H2"],
    (D1, "pm", 1): ["H3"],
    (D2, "am", 1): [("F1", 12)],
    (D2, "pm", 1): [("F1", 12)],
    (D3, "am", 1): ["L"],
    (D3, "pm", 1): ["FS", "W"],
}


def _layout(**changes: list[Any] | None) -> dict[tuple[dt.date, str, int], list[Any]]:
    """BASE with some routes replaced: keyword `d1_am_1=[...]` (None removes the route)."""
    layout = {k: list(v) for k, v in BASE.items()}
    for name, value in changes.items():
        day, half, team = name.split("_")
        key = ({"d1": D1, "d2": D2, "d3": D3}[day], half, int(team))
        if value is None:
            layout.pop(key, None)
        else:
            layout[key] = value
    return layout


def _codes(problems: list[str]) -> set[str]:
    return {line.split(":", 1)[0] for line in problems}


def _replace_visit(plan: Plan, request: str, **changes: Any) -> Plan:
    visits = tuple(
        dataclasses.replace(v, **changes) if v.request == request else v for v in plan.visits
    )
    return dataclasses.replace(plan, visits=visits)


def test_base_plan_is_valid() -> None:
    problem = _problem()
    assert check_plan(problem, layout_plan(problem, BASE)) == []


def test_every_line_starts_with_a_rule_code() -> None:
    problem = _problem()
    plan = layout_plan(problem, _layout(d1_am_1=["H1", "FAR", "H2"]))
    problems = check_plan(problem, plan)
    assert problems
    assert all(":" in line and line.split(":")[0].isidentifier() for line in problems)


def test_unknown_request() -> None:
    problem = _problem()
    plan = layout_plan(problem, BASE)
    ghost = dataclasses.replace(plan.visits[0], request="NOPE")
    plan = dataclasses.replace(plan, visits=plan.visits + (ghost,))
    assert "unknown_request" in _codes(check_plan(problem, plan))


def test_unknown_day() -> None:
    problem = _problem()
    plan = _replace_visit(layout_plan(problem, BASE), "H3", date=dt.date(2026, 6, 22))
    assert "unknown_day" in _codes(check_plan(problem, plan))


def test_home_visit_on_facility_day_and_facility_on_home_day() -> None:
    problem = _problem()
    plan = layout_plan(problem, _layout(d1_pm_1=None, d2_am_1=["H3"], d2_pm_1=None,
                                        d3_pm_1=[("F1", 12)], d1_am_1=["H1", "H2"]))
    problems = [p for p in check_plan(problem, plan) if p.startswith("day_kind")]
    assert any("H3" in p for p in problems) and any("F1" in p for p in problems)


def test_small_facility_is_a_home_visit() -> None:
    problem = _problem()
    ok = layout_plan(problem, BASE)  # FS (4 applicants) on a home day
    assert check_plan(problem, ok) == []
    bad = layout_plan(problem, _layout(d3_pm_1=["W"], d2_pm_1=["FS"], d2_am_1=None))
    assert "day_kind" in _codes(check_plan(problem, bad))


def test_team_within_rules_teams() -> None:
    problem = _problem(teams=2)
    ok = layout_plan(problem, _layout(d1_pm_1=None, **{"d1_am_2": ["H3"]}))
    assert check_plan(problem, ok) == []
    one_team = _problem(teams=1)
    bad = layout_plan(one_team, _layout(d1_pm_1=None, **{"d1_am_2": ["H3"]}))
    assert "team" in _codes(check_plan(one_team, bad))


def test_hard_window() -> None:
    problem = _problem()
    bad = layout_plan(problem, _layout(d3_pm_1=["FS"], d1_pm_1=["H3", "W"]))
    assert "window" in _codes(check_plan(problem, bad))


def test_lead_time_for_homes_and_facilities() -> None:
    problem = _problem()
    bad = layout_plan(problem, _layout(d1_pm_1=["H3", "LATE"]))
    assert "lead_time" in _codes(check_plan(problem, bad))
    late_facility = dataclasses.replace(
        problem, requests=tuple(
            dataclasses.replace(r, received=dt.date(2026, 6, 1)) if r.id == "F1" else r
            for r in problem.requests))
    # received 06-01 + 30 days facility lead time > 06-18
    assert "lead_time" in _codes(check_plan(late_facility, layout_plan(late_facility, BASE)))


def test_capacity_am_and_pm_slots() -> None:
    problem = _problem()
    ok = layout_plan(problem, _layout(d1_pm_1=["H3", "H1", "H2"], d1_am_1=None))  # PM 3 slots
    assert check_plan(problem, ok) == []
    bad = layout_plan(problem, _layout(d1_am_1=["H3", "H1", "H2"], d1_pm_1=None))  # AM 2
    assert "capacity" in _codes(check_plan(problem, bad))
    bad_pm = layout_plan(problem, _layout(d3_pm_1=["FS", "W", "H3"], d1_pm_1=None))  # day PM 2
    assert "capacity" in _codes(check_plan(problem, bad_pm))


def test_one_facility_per_half_day_per_team() -> None:
    problem = _problem()
    bad = layout_plan(problem, _layout(d2_am_1=[("F1", 12), ("F1", 12)], d2_pm_1=None))
    assert "capacity" in _codes(check_plan(problem, bad))


def test_positions_contiguous() -> None:
    problem = _problem()
    plan = _replace_visit(layout_plan(problem, BASE), "H2", position=3,
                          eta=problem.config.times.home_eta("am", 3))
    assert "positions" in _codes(check_plan(problem, plan))


def test_large_household_alone() -> None:
    problem = _problem()
    assert check_plan(problem, layout_plan(problem, BASE)) == []  # L alone on D3 AM
    bad = layout_plan(problem, _layout(d3_am_1=["L", "H3"], d1_pm_1=None))
    assert "large_household" in _codes(check_plan(problem, bad))


def test_travel_cap_between_first_and_second() -> None:
    problem = _problem()
    ok = layout_plan(problem, _layout(d1_pm_1=["H3", "MID"]))  # ~29 min <= 30
    assert problem.minutes(D1, "H3", "MID") <= problem.rules.travel_cap_min
    assert check_plan(problem, ok) == []
    bad = layout_plan(problem, _layout(d1_pm_1=["H3", "FAR"]))
    assert problem.minutes(D1, "H3", "FAR") > problem.rules.travel_cap_min
    assert "travel_cap" in _codes(check_plan(problem, bad))


def test_third_visit_travel_cap() -> None:
    problem = _problem()
    ok = layout_plan(problem, _layout(d1_pm_1=["MID", "H2", "H1"], d1_am_1=["H3"]))
    assert check_plan(problem, ok) == []
    bad = layout_plan(problem, _layout(d1_pm_1=["H1", "H2", "MID"], d1_am_1=["H3"]))
    assert problem.minutes(D1, "H2", "MID") > problem.rules.third_visit_travel_cap_min
    assert _codes(check_plan(problem, bad)) == {"third_visit_travel_cap"}


def test_stated_travel_must_match() -> None:
    problem = _problem()
    plan = _replace_visit(layout_plan(problem, BASE), "H2", travel_from_previous_min=1.0)
    assert "travel_value" in _codes(check_plan(problem, plan))
    first = _replace_visit(layout_plan(problem, BASE), "H1", travel_from_previous_min=0.0)
    assert "travel_value" in _codes(check_plan(problem, first))


def test_facility_applicants_per_half_day() -> None:
    problem = _problem()
    bad = layout_plan(problem, _layout(d2_am_1=[("F1", 24)], d2_pm_1=None))
    assert "facility_capacity" in _codes(check_plan(problem, bad))
    uneven_ok = layout_plan(problem, _layout(d2_am_1=[("F1", 18)], d2_pm_1=[("F1", 6)]))
    assert check_plan(problem, uneven_ok) == []


def test_facility_part_needs_the_minimum_applicants() -> None:
    # 6..20 per half-day (SPEC §3): a split may not leave a part below facility_min_applicants.
    problem = _problem()
    bad = layout_plan(problem, _layout(d2_am_1=[("F1", 20)], d2_pm_1=[("F1", 4)]))
    problems = check_plan(problem, bad)
    assert _codes(problems) == {"facility_capacity"}
    assert "at least 6" in problems[0]


def test_parts_must_sum_to_the_request() -> None:
    problem = _problem()
    bad = layout_plan(problem, _layout(d2_am_1=[("F1", 12)], d2_pm_1=None))
    assert "applicants" in _codes(check_plan(problem, bad))
    home = _replace_visit(layout_plan(problem, BASE), "H2", applicants=1)
    assert "applicants" in _codes(check_plan(problem, home))


def test_no_request_twice_in_a_half_day_and_homes_once() -> None:
    problem = _problem(teams=2)
    bad = layout_plan(problem, _layout(d2_pm_1=None, **{"d2_am_2": [("F1", 12)]}))
    assert "duplicate" in _codes(check_plan(problem, bad))
    twice = layout_plan(problem, _layout(d1_pm_1=["H3", "H1"]))
    assert "duplicate" in _codes(check_plan(problem, twice))


def test_eta_from_the_times_table() -> None:
    problem = _problem()
    plan = _replace_visit(layout_plan(problem, BASE), "H2", eta="10:00")
    assert "eta" in _codes(check_plan(problem, plan))


def test_pinned_visits_unchanged() -> None:
    base = layout_plan(_problem(), BASE)
    pinned = tuple(v for v in base.visits if v.request == "H3")
    problem = _problem(pinned=pinned)
    assert check_plan(problem, layout_plan(problem, BASE)) == []
    moved = layout_plan(problem, _layout(d1_pm_1=None, d1_am_1=["H1", "H3"]))
    assert "pinned" in _codes(check_plan(problem, moved))


def test_every_request_exactly_once() -> None:
    problem = _problem()
    plan = layout_plan(problem, BASE)
    missing = dataclasses.replace(plan, unassigned=plan.unassigned[1:])
    assert "coverage" in _codes(check_plan(problem, missing))
    both = dataclasses.replace(plan, unassigned=plan.unassigned + (Unassigned("H1", ("capacity",)),))
    assert "coverage" in _codes(check_plan(problem, both))
    twice = dataclasses.replace(plan, unassigned=plan.unassigned + plan.unassigned[:1])
    assert "coverage" in _codes(check_plan(problem, twice))


def test_reason_codes_are_the_stable_ones() -> None:
    problem = _problem()
    plan = layout_plan(problem, BASE, reasons=("too_busy",))
    assert "reasons" in _codes(check_plan(problem, plan))


@pytest.mark.parametrize("field,value", [
    ("requests", 3), ("assigned", 1), ("applicants_assigned", 99), ("soft_wishes_met", 7),
    ("travel_min_total", 123.4), ("bound_assigned", 0),
])
def test_stats_are_recomputed(field: str, value: Any) -> None:
    problem = _problem()
    plan = layout_plan(problem, BASE)
    assert isinstance(plan.stats, PlanStats)
    bad = dataclasses.replace(plan, stats=dataclasses.replace(plan.stats, **{field: value}))
    assert "stats" in _codes(check_plan(problem, bad))


def test_plan_must_match_scenario_and_calendar() -> None:
    problem = _problem()
    plan = layout_plan(problem, BASE)
    assert "scenario" in _codes(check_plan(problem, dataclasses.replace(plan, scenario="x")))
    assert "visit_days" in _codes(
        check_plan(problem, dataclasses.replace(plan, visit_days=plan.visit_days[:2])))
