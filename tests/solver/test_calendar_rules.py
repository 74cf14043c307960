"""Checking a calendar and the manager's edits (SPEC §2, §3, §5; issue 2 §4)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from solver.calendar import generate_calendar
from solver.calendar_rules import (
    AddDay,
    MoveDay,
    RemoveDay,
    SetKind,
    SetPmSlots,
    apply_edit,
    calendar_problems,
)
from solver.season import SeasonConfig, VisitDay

CONFIG = SeasonConfig()


@pytest.fixture(scope="module")
def days() -> tuple[VisitDay, ...]:
    return generate_calendar(CONFIG).visit_days


def rules_of(problems) -> set[str]:
    return {p.rule for p in problems}


def first(days, kind="home", after=dt.date(2026, 6, 1)) -> VisitDay:
    return next(d for d in days if d.kind == kind and d.date >= after)


def test_a_generated_calendar_has_no_problem(days):
    assert calendar_problems(days, CONFIG) == []


def test_each_broken_rule_is_named_with_its_spec_section(days):
    saturday = VisitDay(dt.date(2026, 7, 4), "home", 2)
    holiday = VisitDay(dt.date(2026, 7, 20), "home", 2)  # 海の日
    outside = VisitDay(dt.date(2027, 2, 1), "home", 2)
    early_facility = VisitDay(dt.date(2026, 6, 22), "facility", 2)
    cases = {
        "weekday": saturday,
        "holiday": holiday,
        "period": outside,
        "lead_time": early_facility,
        "pm_slots": VisitDay(dt.date(2026, 7, 2), "home", 5),
    }
    for rule, day in cases.items():
        problems = calendar_problems((day,), CONFIG, check_counts=False)
        found = [p for p in problems if p.rule == rule]
        assert found, rule
        assert found[0].message.startswith(("§2", "§3", "§5")), found[0].message
        assert found[0].date == day.date
    assert "祝日（海の日）" in calendar_problems((holiday,), CONFIG)[0].message


def test_counts_weeks_and_balance_are_checked_on_the_whole_calendar(days):
    fewer = days[:-1]
    assert "counts" in rules_of(calendar_problems(fewer, CONFIG))
    assert "counts" not in rules_of(calendar_problems(fewer, CONFIG, check_counts=False))
    one_week = tuple(d for d in days if d.date.month != 9 or d.date.day > 7)
    assert "per_week" in rules_of(calendar_problems(one_week, CONFIG, check_counts=False))
    duplicated = (*days, days[0])
    assert "duplicate" in rules_of(calendar_problems(duplicated, CONFIG))


def test_adding_a_third_day_to_a_week_is_refused_and_changes_nothing(days):
    monday = next(d.date for d in days if d.date.weekday() == 0)
    week = [monday + dt.timedelta(days=i) for i in range(5)]
    free = next(d for d in week if d not in {v.date for v in days})
    before_count = sum(1 for d in days if monday <= d.date <= week[-1])
    outcome = apply_edit(days, AddDay(free, "home"), CONFIG)
    if before_count == 2:
        assert "per_week" in rules_of(outcome.problems)
        assert outcome.days == tuple(days)
    else:
        assert outcome.problems == () or "weekday_balance" in rules_of(outcome.problems)


def test_remove_move_and_swap_keep_the_calendar_valid_or_are_refused(days):
    for edit in (RemoveDay(days[10].date), MoveDay(days[10].date, days[10].date + dt.timedelta(1)),
                 SetKind(first(days).date, "home")):
        outcome = apply_edit(days, edit, CONFIG)
        if outcome.problems:
            assert outcome.days == tuple(days)
        else:
            assert calendar_problems(outcome.days, CONFIG, check_counts=False) == []


def test_swapping_facility_to_home_is_allowed(days):
    facility = first(days, "facility")
    outcome = apply_edit(days, SetKind(facility.date, "home"), CONFIG)
    assert outcome.problems == ()
    assert next(d for d in outcome.days if d.date == facility.date).kind == "home"


def test_a_facility_day_before_the_facility_lead_time_is_refused_with_section_5(days):
    early = first(days, "home")
    outcome = apply_edit(days, SetKind(early.date, "facility"), CONFIG)
    assert rules_of(outcome.problems) == {"lead_time"}
    assert outcome.problems[0].message.startswith("§5")


def test_pm_slots_between_the_default_and_the_maximum_only(days):
    home = first(days)
    assert apply_edit(days, SetPmSlots(home.date, 3), CONFIG).problems == ()
    refused = apply_edit(days, SetPmSlots(home.date, 4), CONFIG)
    assert rules_of(refused.problems) == {"pm_slots"} and refused.days == tuple(days)
    facility = first(days, "facility")
    assert rules_of(apply_edit(days, SetPmSlots(facility.date, 3), CONFIG).problems) == {"pm_slots"}


def test_edits_on_missing_or_taken_dates_are_refused(days):
    not_a_day = next(d for d in (days[0].date + dt.timedelta(n) for n in range(1, 9))
                     if d not in {v.date for v in days})
    assert rules_of(apply_edit(days, RemoveDay(not_a_day), CONFIG).problems) == {"missing"}
    assert rules_of(apply_edit(days, AddDay(days[1].date, "home"), CONFIG).problems) == {"duplicate"}
    assert rules_of(apply_edit(days, MoveDay(days[1].date, days[2].date), CONFIG).problems) == {
        "duplicate"}


def test_an_existing_problem_does_not_block_an_unrelated_edit(days):
    """After the settings change a calendar may break a rule; fixing other days still works."""
    config = dataclasses.replace(CONFIG, rules=dataclasses.replace(CONFIG.rules,
                                                                   max_days_per_week=1))
    assert "per_week" in rules_of(calendar_problems(days, config))
    home = first(days)
    assert apply_edit(days, SetPmSlots(home.date, 3), config).problems == ()
