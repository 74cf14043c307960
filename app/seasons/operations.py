"""Season services: read the configuration as solver data, edit it, build and edit the calendar.

The solver owns every rule (`solver.scenario_io` parses and validates the configuration,
`solver.calendar` generates the calendar, `solver.calendar_rules` validates edits); these
functions only move plain data between the database and the solver and record who changed
what. They flush; the request commits.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.seasons.models import SeasonChange, SeasonRecord, VisitDayRecord
from app.seasons.texts import KIND_LABELS, field_label, translate_problem
from solver import calendar as calendar_model
from solver import calendar_rules
from solver.calendar_rules import jp_date
from solver.scenario_io import config_problems, config_to_dict, parse_config
from solver.season import SeasonConfig, VisitDay


class SeasonError(ValueError):
    """A refused change. `field` is the dotted config key (or "" for the whole form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class SettingsRefused(ValueError):
    """Season settings that break rules: every problem found, each naming its field."""

    def __init__(self, errors: Sequence[SeasonError]) -> None:
        super().__init__("; ".join(e.message for e in errors))
        self.errors = tuple(errors)


class CalendarRefused(ValueError):
    """A calendar generation or edit that would break a rule; nothing was changed."""

    def __init__(self, problems: Sequence[calendar_rules.CalendarProblem], status: str = "") -> None:
        super().__init__("; ".join(p.message for p in problems))
        self.problems = tuple(problems)
        self.status = status


def active_season(db: Session) -> SeasonRecord | None:
    return db.scalar(select(SeasonRecord).where(SeasonRecord.is_active.is_(True)))


def visit_days_of(record: SeasonRecord) -> tuple[VisitDay, ...]:
    return tuple(
        VisitDay(date=row.date, kind=row.kind, pm_slots=row.pm_slots)  # type: ignore[arg-type]
        for row in sorted(record.visit_days, key=lambda r: r.date)
    )


def season_config(record: SeasonRecord) -> SeasonConfig:
    """The season as the solver reads it, with its stored visit days (None if none yet)."""
    config = parse_config(record.config, record.name)
    days = visit_days_of(record)
    season = dataclasses.replace(config.season, visit_days=days or None)
    return dataclasses.replace(config, season=season)


def _record_change(db: Session, record: SeasonRecord, user: User | None, summary: str) -> None:
    db.add(SeasonChange(season=record, user_id=user.id if user else None, summary=summary))


def create_season(
    db: Session, name: str, title: str, config: SeasonConfig, user: User | None = None
) -> SeasonRecord:
    if db.scalar(select(SeasonRecord).where(SeasonRecord.name == name)) is not None:
        raise SeasonError("name", f"シーズン「{name}」は既にあります。")
    data = config_to_dict(config)
    data["season"].pop("visit_days", None)
    is_first = active_season(db) is None
    record = SeasonRecord(name=name, title=title, config=data, is_active=is_first)
    db.add(record)
    db.flush()
    _record_change(db, record, user, "シーズンを作成しました。")
    return record


def update_config(
    db: Session, record: SeasonRecord, values: Mapping[str, Mapping[str, Any]], user: User
) -> list[str]:
    """Replace the rule values; returns Japanese notes on what the calendar now breaks.

    `values` has the sections of the scenario file (season, rules, travel, depot). The whole
    configuration is validated by the solver's own parser before anything is written.
    """
    errors = settings_errors(record, values)
    if errors:
        raise SettingsRefused(errors)
    config = parse_config(_merged(record, values), record.name)
    stored = config_to_dict(config)
    stored["season"].pop("visit_days", None)
    changed = sorted(
        f"{section}.{key}"
        for section, fields in stored.items()
        for key, value in fields.items()
        if record.config.get(section, {}).get(key) != value
    )
    if not changed:
        return []
    record.config = stored
    _record_change(
        db, record, user, "設定を変更: " + "、".join(field_label(key) for key in changed)
    )
    db.flush()
    days = visit_days_of(record)
    if not days:
        return []
    return [p.message for p in calendar_rules.calendar_problems(days, season_config(record))]


def _merged(record: SeasonRecord, values: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    data = {section: {**record.config.get(section, {}), **fields}
            for section, fields in values.items()}
    data["season"] = {**data.get("season", {})}
    return data


def settings_errors(
    record: SeasonRecord, values: Mapping[str, Mapping[str, Any]]
) -> list[SeasonError]:
    """Every rule the given values break, in Japanese, each naming its field (none: valid).

    The settings form shows them all at once, beside their fields, rather than one per try."""
    return [SeasonError(exc.key, f"{field_label(exc.key)}: {translate_problem(exc.problem)}")
            for exc in config_problems(_merged(record, values), record.name)]


def _replace_days(record: SeasonRecord, days: Sequence[VisitDay]) -> None:
    by_date = {row.date: row for row in record.visit_days}
    wanted = {day.date: day for day in days}
    for date, row in by_date.items():
        if date not in wanted:
            record.visit_days.remove(row)
    for date, day in wanted.items():
        existing = by_date.get(date)
        if existing is None:
            record.visit_days.append(
                VisitDayRecord(date=day.date, kind=day.kind, pm_slots=day.pm_slots)
            )
        else:
            existing.kind = day.kind
            existing.pm_slots = day.pm_slots


def generate_calendar(db: Session, record: SeasonRecord, user: User | None,
                      today: dt.date | None = None) -> tuple[str, float]:
    """Generate the visit-day calendar with the CP-SAT model and store it.

    Returns (solver status, seconds). Raises `CalendarRefused` with the rules that cannot be
    met when the settings are infeasible, or when `today` is after the first stored visit
    day (the visits have begun: regenerating would rewrite past days, so the calendar is
    edited day by day from then on); the stored calendar is then left as it was.
    """
    started = [d.date for d in visit_days_of(record) if today is not None and d.date < today]
    if started:
        first = min(started)
        raise CalendarRefused([calendar_rules.CalendarProblem(
            "past", f"訪問期間が始まっているため（最初の訪問日 {jp_date(first)}）、カレンダー全体の"
            "再生成はできません。日ごとの「変更」で編集するか、訪問日の中止は「予約の再計画」で"
            "行ってください。", first, "season")])
    config = season_config(record)
    config = dataclasses.replace(config, season=dataclasses.replace(config.season, visit_days=None))
    result = calendar_model.generate_calendar(config)
    if not result.visit_days:
        raise CalendarRefused(result.problems, result.status)
    _replace_days(record, result.visit_days)
    record.calendar_status = result.status
    _record_change(
        db,
        record,
        user,
        f"訪問日カレンダーを生成しました（{len(result.visit_days)}日、状態 {result.status}）。",
    )
    db.flush()
    return result.status, result.seconds


def describe_edit(edit: Any) -> str:
    """A Japanese one-line description of a calendar edit for the change history."""
    if isinstance(edit, calendar_rules.AddDay):
        return f"{jp_date(edit.date)}を{KIND_LABELS[edit.kind]}として追加"
    if isinstance(edit, calendar_rules.RemoveDay):
        return f"{jp_date(edit.date)}を削除"
    if isinstance(edit, calendar_rules.MoveDay):
        return f"{jp_date(edit.from_date)}を{jp_date(edit.to_date)}に移動"
    if isinstance(edit, calendar_rules.SetKind):
        return f"{jp_date(edit.date)}を{KIND_LABELS[edit.kind]}に変更"
    if isinstance(edit, calendar_rules.SetPmSlots):
        return f"{jp_date(edit.date)}の午後枠を{edit.pm_slots}件に変更"
    return str(edit)


def edited_dates(edit: Any) -> tuple[dt.date, ...]:
    """The dates a calendar edit touches (a move: the day it leaves and the day it lands on)."""
    if isinstance(edit, calendar_rules.MoveDay):
        return (edit.from_date, edit.to_date)
    return (edit.date,)


def past_dates_problem(edit: Any, today: dt.date) -> calendar_rules.CalendarProblem | None:
    """A past day is history (its visits happened or not, the reports count it): it is never
    added, removed, moved, re-kinded or given other slots, nor is a day moved onto the past.
    Today may still be edited, as the re-planning may still cancel today."""
    past = sorted(d for d in edited_dates(edit) if d < today)
    if not past:
        return None
    return calendar_rules.CalendarProblem(
        "past", "、".join(jp_date(d) for d in past) + "は過ぎた日のため、カレンダーを変更できません"
        f"（今日は{jp_date(today)}です）。", past[0], past[0].isoformat())


def edit_calendar(db: Session, record: SeasonRecord, edit: Any, user: User,
                  today: dt.date) -> None:
    """Apply one manager edit; raises `CalendarRefused` (and changes nothing) if it breaks a rule
    or touches a day before `today`.

    Adding or removing a day changes the configured number of days of that kind, so the
    season's counts follow the calendar the manager shaped.
    """
    past = past_dates_problem(edit, today)
    if past is not None:
        raise CalendarRefused([past])
    config = season_config(record)
    before = visit_days_of(record)
    outcome = calendar_rules.apply_edit(before, edit, config)
    if outcome.problems:
        raise CalendarRefused(outcome.problems)
    _replace_days(record, outcome.days)
    counts = {kind: sum(1 for d in outcome.days if d.kind == kind) for kind in KIND_LABELS}
    stored = {**record.config, "season": {**record.config["season"]}}
    stored["season"]["home_days"] = counts["home"]
    stored["season"]["facility_days"] = counts["facility"]
    record.config = stored
    _record_change(db, record, user, "カレンダー編集: " + describe_edit(edit))
    db.flush()
