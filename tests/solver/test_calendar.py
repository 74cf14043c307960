"""The visit-day calendar generator (SPEC §2, issue 2 §4): each rule, each season, each refusal."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import Counter

import holidays
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ortools.sat.python import cp_model

from solver import calendar as cal
from solver.calendar_rules import (
    calendar_problems,
    candidate_dates,
    month_weekdays,
    week_of,
    weeks_with_candidates,
)
from solver.season import SeasonConfig, VisitDay

OTARU = SeasonConfig()


def season(**changes: object) -> SeasonConfig:
    return dataclasses.replace(OTARU, season=dataclasses.replace(OTARU.season, **changes))


@pytest.fixture(scope="module")
def otaru() -> cal.CalendarResult:
    return cal.generate_calendar(OTARU)


# --- the generated Otaru 2026 calendar, one rule per test -----------------------------


def test_otaru_status_is_reported_and_optimal(otaru):
    assert otaru.status == "OPTIMAL"
    assert otaru.problems == ()


def test_otaru_has_36_home_and_6_facility_days(otaru):
    kinds = Counter(d.kind for d in otaru.visit_days)
    assert kinds == {"home": OTARU.season.home_days, "facility": OTARU.season.facility_days}
    assert len({d.date for d in otaru.visit_days}) == len(otaru.visit_days)


def test_otaru_days_are_weekdays_inside_the_visit_period(otaru):
    for day in otaru.visit_days:
        assert day.date.weekday() < 5
        assert OTARU.season.visits_from <= day.date <= OTARU.season.visits_to


def test_otaru_has_no_national_holiday(otaru):
    jp = holidays.country_holidays("JP", years=2026)
    assert not [d.date for d in otaru.visit_days if d.date in jp]


def test_otaru_has_one_or_two_days_every_week(otaru):
    per_week = Counter(week_of(d.date) for d in otaru.visit_days)
    monday = week_of(OTARU.season.visits_from)
    while monday <= OTARU.season.visits_to:
        assert 1 <= per_week[monday] <= 2, monday
        monday += dt.timedelta(days=7)


def test_otaru_covers_monday_to_friday_evenly_within_each_month(otaru):
    for month in sorted({(d.date.year, d.date.month) for d in otaru.visit_days}):
        counts = Counter(d.date.weekday() for d in otaru.visit_days
                         if (d.date.year, d.date.month) == month)
        # every weekday of these months is available somewhere in the month
        per_weekday = [counts.get(w, 0) for w in range(5)]
        assert max(per_weekday) - min(per_weekday) <= 1, (month, per_weekday)


def test_otaru_facility_days_leave_a_month_for_booking(otaru):
    rules = OTARU.rules
    for day in otaru.visit_days:
        if day.kind == "facility":
            assert (day.date - OTARU.season.booking_opens).days >= rules.facility_lead_days


def test_otaru_facility_days_are_spread_over_the_season(otaru):
    facility = sorted(d.date for d in otaru.visit_days if d.kind == "facility")
    gaps = [(b - a).days for a, b in zip(facility, facility[1:], strict=False)]
    assert min(gaps) >= 14, facility
    assert len({d.month for d in facility}) >= 5, facility


def test_otaru_days_get_the_default_pm_slots(otaru):
    assert {d.pm_slots for d in otaru.visit_days} == {OTARU.rules.home_pm_slots}


def test_generation_is_deterministic(otaru):
    assert cal.generate_calendar(OTARU).visit_days == otaru.visit_days


# --- other seasons --------------------------------------------------------------------


@st.composite
def comfortable_seasons(draw: st.DrawFn) -> SeasonConfig:
    """Random seasons whose day counts fit 1-2 days a week with some room."""
    start = dt.date(2026, 1, 5) + dt.timedelta(days=draw(st.integers(0, 900)))
    weeks = draw(st.integers(6, 30))
    end = start + dt.timedelta(days=7 * weeks - draw(st.integers(0, 4)))
    opens = start - dt.timedelta(days=draw(st.integers(14, 40)))
    base = season(visits_from=start, visits_to=end, booking_opens=opens, booking_closes=end)
    available_weeks = len(weeks_with_candidates(candidate_dates(base)))
    total = draw(st.integers(available_weeks + 1, available_weeks * 3 // 2))
    facility = draw(st.integers(0, min(6, total // 5)))
    return dataclasses.replace(base, season=dataclasses.replace(
        base.season, home_days=total - facility, facility_days=facility))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(comfortable_seasons())
def test_any_comfortable_season_gets_a_calendar_meeting_every_rule(config):
    result = cal.generate_calendar(config)
    assert result.status in ("OPTIMAL", "FEASIBLE"), [p.message for p in result.problems]
    assert calendar_problems(result.visit_days, config) == []


@settings(max_examples=15, deadline=None)
@given(comfortable_seasons(), st.integers(1, 20))
def test_too_many_days_are_reported_as_infeasible_naming_the_weekly_rule(config, extra):
    weeks = len(weeks_with_candidates(candidate_dates(config)))
    s = config.season
    config = dataclasses.replace(config, season=dataclasses.replace(
        s, home_days=weeks * config.rules.max_days_per_week + extra - s.facility_days))
    result = cal.generate_calendar(config)
    assert result.status == "INFEASIBLE" and result.visit_days == ()
    rules = {p.rule for p in result.problems}
    assert rules & {"per_week", "counts"}
    assert all(p.message.startswith("§") for p in result.problems)


def test_sixty_days_in_four_weeks_is_infeasible_and_says_which_rule():
    config = season(visits_from=dt.date(2026, 7, 1), visits_to=dt.date(2026, 7, 28),
                    home_days=54, facility_days=6)
    result = cal.generate_calendar(config)
    assert result.status == "INFEASIBLE"
    assert result.visit_days == ()
    assert result.problems[0].rule == "infeasible"
    assert "訪問日数" in result.problems[0].message
    assert any("19日" in p.message for p in result.problems)  # the candidates it had


def test_facility_days_that_cannot_meet_the_lead_time_name_it():
    config = season(booking_opens=dt.date(2026, 6, 1), visits_from=dt.date(2026, 6, 17),
                    visits_to=dt.date(2026, 7, 2), home_days=3, facility_days=3)
    result = cal.generate_calendar(config)
    assert result.status == "INFEASIBLE"
    assert "lead_time" in {p.rule for p in result.problems}
    assert any(p.message.startswith("§5") for p in result.problems)


def test_calendar_for_uses_the_configured_days_and_refuses_impossible_settings():
    given_days = (VisitDay(dt.date(2026, 7, 1), "home", 3),)
    assert cal.calendar_for(season(visit_days=given_days)) == given_days
    with pytest.raises(cal.CalendarInfeasible) as refused:
        cal.calendar_for(season(visits_from=dt.date(2026, 7, 1), visits_to=dt.date(2026, 7, 28)))
    assert refused.value.problems


# --- each add_<rule>: a case it must allow, a case it must forbid ---------------------


def _fixed(data: cal.CalendarData, rule, days: dict[dt.date, str]) -> bool:
    """Is the calendar `days` allowed by `rule` (and one kind per day) alone?"""
    model = cp_model.CpModel()
    v = cal.create_vars(model, data)
    cal.add_one_kind_per_day(model, data, v)
    rule(model, data, v)
    for (date, kind), var in v.day.items():
        model.add(var == int(days.get(date) == kind))
    return cp_model.CpSolver().solve(model) in (cp_model.OPTIMAL, cp_model.FEASIBLE)


JULY = season(visits_from=dt.date(2026, 7, 1), visits_to=dt.date(2026, 7, 31), home_days=6,
              facility_days=0)
JULY_DATA = cal.CalendarData(JULY, candidate_dates(JULY))


def _two_a_week() -> dict[dt.date, str]:
    """Wed+Fri, Mon+Wed, ... two days a week over July 2026, balanced weekdays."""
    picks = [dt.date(2026, 7, d) for d in (1, 3, 6, 7, 14, 16, 22, 24, 27, 30)]
    return dict.fromkeys(picks, "home")


def test_add_day_counts_allows_the_count_and_forbids_another():
    days = dict(list(_two_a_week().items())[:6])
    assert _fixed(JULY_DATA, cal.add_day_counts, days)
    assert not _fixed(JULY_DATA, cal.add_day_counts, dict(list(days.items())[:5]))


def test_add_days_per_week_allows_two_and_forbids_three_or_none():
    days = _two_a_week()
    assert _fixed(JULY_DATA, cal.add_days_per_week, days)
    assert not _fixed(JULY_DATA, cal.add_days_per_week, {**days, dt.date(2026, 7, 2): "home"})
    without_week = {d: k for d, k in days.items() if week_of(d) != week_of(dt.date(2026, 7, 14))}
    assert not _fixed(JULY_DATA, cal.add_days_per_week, without_week)


def test_add_weekday_balance_allows_even_months_and_forbids_lopsided_ones():
    days = _two_a_week()
    assert _fixed(JULY_DATA, cal.add_weekday_balance, days)
    mondays = {dt.date(2026, 7, d): "home" for d in (6, 13, 27)}
    assert not _fixed(JULY_DATA, cal.add_weekday_balance, mondays)


def test_add_lead_times_allows_late_facility_days_and_forbids_early_ones():
    config = season(booking_opens=dt.date(2026, 6, 15), visits_from=dt.date(2026, 7, 1),
                    visits_to=dt.date(2026, 7, 31))
    data = cal.CalendarData(config, candidate_dates(config))
    assert _fixed(data, cal.add_lead_times, {dt.date(2026, 7, 15): "facility"})
    assert not _fixed(data, cal.add_lead_times, {dt.date(2026, 7, 14): "facility"})
    assert _fixed(data, cal.add_lead_times, {dt.date(2026, 7, 1): "home"})


def test_add_one_kind_per_day_forbids_two_kinds_on_one_date():
    model = cp_model.CpModel()
    v = cal.create_vars(model, JULY_DATA)
    cal.add_one_kind_per_day(model, JULY_DATA, v)
    day = JULY_DATA.candidates[0]
    model.add(v.day[day, "home"] == 1)
    model.add(v.day[day, "facility"] == 1)
    assert cp_model.CpSolver().solve(model) == cp_model.INFEASIBLE


def test_add_facility_spread_penalises_facility_days_bunched_together():
    config = season(facility_days=2, home_days=0)
    data = cal.CalendarData(config, candidate_dates(config))
    eligible = [d for d in data.candidates if d >= dt.date(2026, 7, 1)]

    def penalty(days: list[dt.date]) -> float:
        model = cp_model.CpModel()
        v = cal.create_vars(model, data)
        objective = cal.add_facility_spread(model, data, v)
        for (date, kind), var in v.day.items():
            model.add(var == int(kind == "facility" and date in days))
        model.minimize(objective)
        solver = cp_model.CpSolver()
        solver.solve(model)
        return solver.objective_value

    spread = [eligible[len(eligible) // 4], eligible[3 * len(eligible) // 4]]
    assert penalty(spread) == 0
    assert penalty(eligible[:2]) > 0


def test_month_weekdays_ignores_weekdays_a_short_month_cannot_offer():
    config = season(visits_from=dt.date(2026, 6, 29), visits_to=dt.date(2026, 7, 31))
    offered = month_weekdays(candidate_dates(config))
    assert offered[(2026, 6)] == {0, 1}
    assert offered[(2026, 7)] == {0, 1, 2, 3, 4}


def test_holidays_and_year_end_closure_are_never_candidates():
    config = season(visits_from=dt.date(2026, 12, 20), visits_to=dt.date(2027, 1, 15))
    dates = set(candidate_dates(config))
    assert dt.date(2026, 12, 29) not in dates and dt.date(2027, 1, 4) in dates
    assert dt.date(2027, 1, 11) not in dates  # 成人の日 2027
