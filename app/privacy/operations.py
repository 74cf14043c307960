"""Writing the handling log. Every view, print, export, change or deletion of personal data
calls `log_handling` in the same transaction as the work it records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.privacy.models import ACTION_LABELS, ACTIONS, HandlingLogEntry
from app.xlsx import table_xlsx

JST = ZoneInfo("Asia/Tokyo")


def log_handling(
    db: Session, user: Any, action: str, record_type: str, record_id: object, detail: str = ""
) -> HandlingLogEntry:
    """Append one row: `user` (a User) did `action` to the record `record_type`/`record_id`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown handling action {action!r}")
    entry = HandlingLogEntry(
        user_id=user.id, username=user.username, action=action, record_type=record_type,
        record_id=str(record_id), detail=detail,
    )
    db.add(entry)
    db.flush()
    return entry


def handling_log(db: Session, limit: int = 500) -> list[HandlingLogEntry]:
    """The newest rows first."""
    return list(db.scalars(
        select(HandlingLogEntry).order_by(HandlingLogEntry.id.desc()).limit(limit)
    ))


@dataclass(frozen=True)
class LogFilter:
    """The managers' handling-log search: Japan-time days, action, member of staff.

    `staff` matches a login ID exactly (the one recorded in the row, or the person's current
    one) or part of the person's current name, spaces ignored (「田中一郎」 finds 「田中 一郎」).
    """

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    action: str = ""
    staff: str = ""
    # The page shows the newest `limit` rows; the Excel file for the city (第15: record and
    # report) passes None and gets every matching row, however many there are.
    limit: int | None = 1000


def _utc_start(day: dt.date) -> dt.datetime:
    """00:00 Japan time of `day` as naive UTC (the log stores naive UTC)."""
    return dt.datetime.combine(day, dt.time(), JST).astimezone(dt.UTC).replace(tzinfo=None)


SPACES = (" ", "\u3000")  # ASCII and full-width (ideographic) space


def _without_spaces(value: str) -> str:
    for space in SPACES:
        value = value.replace(space, "")
    return value


def _staff_matches(staff: str) -> ColumnElement[bool]:
    """Rows handled by the member of staff `staff` names (see `LogFilter`)."""
    login = staff.strip()
    name: Any = User.display_name
    for space in SPACES:
        name = func.replace(name, space, "")
    matches = [HandlingLogEntry.username == login,
               HandlingLogEntry.user_id.in_(select(User.id).where(User.username == login))]
    if wanted := _without_spaces(login):
        matches.append(HandlingLogEntry.user_id.in_(
            select(User.id).where(name.icontains(wanted, autoescape=True))))
    return or_(*matches)


def search_log(db: Session, where: LogFilter) -> list[HandlingLogEntry]:
    """The rows matching `where`, newest first."""
    query = select(HandlingLogEntry)
    if where.date_from:
        query = query.where(HandlingLogEntry.at >= _utc_start(where.date_from))
    if where.date_to:
        query = query.where(HandlingLogEntry.at < _utc_start(where.date_to + dt.timedelta(days=1)))
    if where.action:
        query = query.where(HandlingLogEntry.action == where.action)
    if where.staff.strip():
        query = query.where(_staff_matches(where.staff))
    query = query.order_by(HandlingLogEntry.id.desc())
    if where.limit is not None:
        query = query.limit(where.limit)
    return list(db.scalars(query))


RECORD_TYPE_LABELS: dict[str, str] = {
    "booking": "受付票（予約）",
    "reception_list": "受付一覧表",
    "route_sheet": "ルート表",
    "handover_package": "小樽市への共有パッケージ",
    "facility_applicants": "福祉施設の申請者リスト",
    "facility_visit": "福祉施設の訪問（訪問結果）",
    "call_notes": "通話記録のメモ",
    "callback_list": "再連絡一覧",
    "dead_row_versions": "削除した個人情報の古い行（VACUUM）",
    "incident": "個人情報の漏えい等の事案（第12）",
}

LOG_COLUMNS: tuple[str, ...] = ("No.", "日時（日本時間）", "職員", "ログインID", "操作", "対象",
                                 "対象ID", "内容")


def staff_names(db: Session, entries: Sequence[HandlingLogEntry]) -> dict[int, str]:
    """The current name of every member of staff in `entries`, by user id.

    The row keeps the login ID as it was then (`username`); the name is looked up now, so a
    person renamed since shows under their current name beside the login they used.
    """
    ids = {e.user_id for e in entries}
    if not ids:
        return {}
    rows = db.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in rows}


def log_row(entry: HandlingLogEntry, name: str) -> list[object]:
    at = entry.at.replace(tzinfo=dt.UTC).astimezone(JST).strftime("%Y-%m-%d %H:%M:%S")
    return [entry.id, at, name, entry.username, ACTION_LABELS.get(entry.action, entry.action),
            RECORD_TYPE_LABELS.get(entry.record_type, entry.record_type), entry.record_id,
            entry.detail]


def log_rows(db: Session, entries: Sequence[HandlingLogEntry]) -> list[list[object]]:
    """`entries` as the page and the Excel file show them (`LOG_COLUMNS`)."""
    names = staff_names(db, entries)
    return [log_row(e, names.get(e.user_id, "")) for e in entries]


def log_xlsx(db: Session, title: str, entries: Sequence[HandlingLogEntry]) -> bytes:
    """The handling log as the city receives it (第15: record and report)."""
    return table_xlsx("個人情報取扱記録", f"{title} 個人情報の取扱記録（{len(entries)}件）",
                      LOG_COLUMNS, log_rows(db, entries), widths=(7, 20, 16, 14, 8, 22, 14, 70))
