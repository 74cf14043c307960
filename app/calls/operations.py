"""Log calls and count them per week (Monday to Sunday, Japan time)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.calls.kinds import CALL_KINDS
from app.calls.models import CallRecord
from app.seasons.models import SeasonRecord
from solver.scenario_io import parse_config

JST = ZoneInfo("Asia/Tokyo")
NOTE_MAX = 500


class CallError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def log_call(db: Session, season_id: int, user_id: int, kind: str, note: str | None) -> CallRecord:
    if kind not in CALL_KINDS:
        raise CallError("kind", "通話の種類を選んでください。")
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise CallError("note", f"メモは{NOTE_MAX}文字以内で入力してください。")
    record = CallRecord(season_id=season_id, user_id=user_id, kind=kind, note=note)
    db.add(record)
    db.flush()
    return record


def local_date(utc: dt.datetime) -> dt.date:
    """The Japan-time calendar date of a naive UTC timestamp."""
    return utc.replace(tzinfo=dt.UTC).astimezone(JST).date()


def local_time(utc: dt.datetime) -> str:
    """A naive UTC timestamp as Japan time, for pages."""
    return utc.replace(tzinfo=dt.UTC).astimezone(JST).strftime("%Y-%m-%d %H:%M")


def week_start(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


@dataclass(frozen=True)
class WeekCount:
    week_start: dt.date
    counts: dict[str, int]

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def report_period(record: SeasonRecord, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The days the weekly call report covers: from the call centre's opening day to today,
    or to its last day once it has closed (004 §3(2)ア, §10(1)). None before it opens."""
    season = parse_config(record.config, record.name).season
    last = min(today, season.booking_closes)
    return (season.booking_opens, last) if last >= season.booking_opens else None


def weekly_counts(db: Session, season_id: int,
                  period: tuple[dt.date, dt.date] | None = None) -> list[WeekCount]:
    """Calls per week and kind, with no gaps: every week of `period` (a week without a call
    is reported as 0 calls, not left out), and every week from the first call to the last."""
    rows = db.execute(
        select(CallRecord.received_at, CallRecord.kind).where(CallRecord.season_id == season_id)
    ).all()
    per_week: dict[dt.date, Counter[str]] = {}
    for received_at, kind in rows:
        per_week.setdefault(week_start(local_date(received_at)), Counter())[kind] += 1
    bounds = list(per_week)
    if period is not None:
        bounds += [week_start(period[0]), week_start(period[1])]
    if not bounds:
        return []
    first, last = min(bounds), max(bounds)
    weeks = []
    day = first
    while day <= last:
        counter = per_week.get(day, Counter())
        weeks.append(WeekCount(day, {kind: counter.get(kind, 0) for kind in CALL_KINDS}))
        day += dt.timedelta(days=7)
    return weeks


def recent_calls(db: Session, season_id: int, limit: int = 20) -> list[CallRecord]:
    return list(db.scalars(
        select(CallRecord).where(CallRecord.season_id == season_id)
        .order_by(CallRecord.received_at.desc(), CallRecord.id.desc()).limit(limit)
    ))
