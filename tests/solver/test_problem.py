"""The static rule helpers of `solver.problem` and the travel-table adapter."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from solver.problem import (
    day_reasons,
    earliest_date,
    facility_parts,
    leg_cap,
    parts_of,
    soft_wish_met,
    static_reasons,
)
from solver.season import Rules, VisitDay, Wish
from solver.travel_table import build_travel_table
from tests.solver.factories import make_problem, make_request, make_scenario

RULES = Rules()


@pytest.mark.parametrize("applicants,parts", [
    (6, (6,)), (20, (20,)), (21, (11, 10)), (40, (20, 20)), (41, (14, 14, 13)),
])
def test_facility_parts_split_evenly_within_the_max(applicants: int, parts: tuple[int, ...]) -> None:
    assert facility_parts(RULES, applicants) == parts
    assert sum(parts) == applicants and max(parts) <= RULES.facility_max_per_half_day


def test_small_facility_is_one_home_part_with_home_lead_time() -> None:
    small = make_request("FS", kind="facility", applicants=RULES.facility_min_applicants - 1)
    big = make_request("FB", kind="facility", applicants=RULES.facility_min_applicants)
    assert parts_of(RULES, small) == (small.applicants,)
    assert earliest_date(RULES, small) == small.received + dt.timedelta(days=RULES.home_lead_days)
    assert earliest_date(RULES, big) == big.received + dt.timedelta(days=RULES.facility_lead_days)


def test_leg_caps() -> None:
    assert leg_cap(RULES, 2) == RULES.travel_cap_min
    assert leg_cap(RULES, 3) == RULES.third_visit_travel_cap_min


def test_soft_wish_met_needs_every_given_wish() -> None:
    wed = dt.date(2026, 6, 17)
    assert soft_wish_met(Wish(weekdays=(2,), half="am"), wed, "am")
    assert not soft_wish_met(Wish(weekdays=(2,), half="am"), wed, "pm")
    assert not soft_wish_met(Wish(weekdays=(3,)), wed, "am")
    assert soft_wish_met(Wish(half="pm"), wed, "pm")
    assert not soft_wish_met(Wish(), wed, "am")  # no soft wish: never counted as met


def test_day_and_static_reasons() -> None:
    home = VisitDay(dt.date(2026, 6, 17), "home", 2)
    fac = VisitDay(dt.date(2026, 6, 18), "facility", 2)
    late = make_request("L", received=dt.date(2026, 6, 10))
    window = make_request("W", wish_from=dt.date(2026, 6, 18), wish_to=dt.date(2026, 6, 30))
    problem = make_problem(make_scenario([late, window], [home, fac]))
    assert day_reasons(problem, late, home) == ("lead_time",)
    assert day_reasons(problem, late, fac) == ("lead_time", "no_visit_day")
    assert day_reasons(problem, window, home) == ("window",)
    assert static_reasons(problem, late) == ("lead_time",)
    assert static_reasons(problem, window) == ("window", "no_visit_day")


def test_travel_table_has_one_matrix_per_season_class() -> None:
    scenario = make_scenario([make_request("A"), make_request("B", lat=43.2, lng=141.0)])
    summer, winter = dt.date(2026, 7, 1), dt.date(2026, 12, 2)
    table = build_travel_table(scenario.config, scenario.requests,
                               [summer, dt.date(2026, 8, 1), winter])
    assert len(table.matrices) == 2
    assert table.matrix_of[summer] == table.matrix_of[dt.date(2026, 8, 1)]
    factor = scenario.config.travel.winter_factor
    assert table.minutes(winter, 1, 2) == pytest.approx(table.minutes(summer, 1, 2) / factor)
    assert table.minutes(summer, 0, 0) == 0


def test_problem_uses_the_scenario_calendar() -> None:
    days = (VisitDay(dt.date(2026, 6, 17), "home", 3),)
    problem = make_problem(make_scenario([make_request("A")], days))
    assert problem.visit_days == days
    assert dataclasses.replace(problem, pinned=()).request_by_id["A"].id == "A"
