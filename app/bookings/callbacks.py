"""Callers to phone back: bookings whose visit time or date changed while they were not on
the line.

A booking's time changes without its caller when another booking is put before it in the
same half-day or one before it is cancelled (the route is renumbered), and its date changes
or it is cancelled when a manager applies a re-plan. The operator must tell the caller; until
someone records that the caller was told, the booking is on the call-back list. A change the
caller asked for on the phone (the operator's own change or cancellation) needs no call-back
and closes an earlier one, since the caller was just told the booking's current state.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, selectinload

from app.auth.models import User
from app.bookings.models import (
    CAUSE_RENUMBER,
    CAUSE_REPLAN,
    CAUSE_STAFF,
    Booking,
    BookingEvent,
)
from app.bookings.operations import RENUMBERED
from app.calls.operations import local_time
from app.privacy.operations import log_handling
from app.seasons.operations import active_season

CALLED_BACK = "called_back"
# Causes of changes made while the caller was not on the line.
_WITHOUT_CALLER = (CAUSE_RENUMBER, CAUSE_REPLAN)
# The events that change the visit itself (a slip or hand-over note never needs a call).
_VISIT_CHANGES = ("changed", "cancelled", "reordered")
# Events that put the caller in the picture (they were on the line, or the visit happened).
_WITH_CALLER = ("created", "changed", "cancelled", "outcome", "outcome_fixed", "deleted",
                CALLED_BACK)


def _without_caller(event: BookingEvent) -> bool:
    """A change of the visit its caller did not hear of. Judged by the event's cause, not its
    reason text: the text is worded for people and may change (or be purged)."""
    return event.cause in _WITHOUT_CALLER and event.action in _VISIT_CHANGES


def pending_changes(booking: Booking) -> tuple[BookingEvent, ...]:
    """The changes made since the caller last heard of their booking, oldest first; empty when
    there is nothing to tell them (none, or renumberings that brought the time back to what
    they were told)."""
    pending: list[BookingEvent] = []
    for event in booking.history:
        if _without_caller(event):
            pending.append(event)
        elif event.action in _WITH_CALLER:
            pending = []
    if pending and all(e.cause == CAUSE_RENUMBER for e in pending) \
            and booking.status == "booked" and told_eta(pending) == booking.eta:
        return ()
    return tuple(pending)


def told_eta(pending: tuple[BookingEvent, ...] | list[BookingEvent]) -> str | None:
    """The visit time the caller last heard, when the first pending change recorded it."""
    before = (pending[0].before or {}) if pending else {}
    eta = before.get("eta")
    return str(eta) if eta else None


def told_visit(pending: tuple[BookingEvent, ...] | list[BookingEvent]
               ) -> tuple[dt.date, str, str] | None:
    """The visit the caller last heard of (day, half-day, time), when the first pending change
    recorded its day (a re-plan does; a renumbering only records the time)."""
    before = (pending[0].before or {}) if pending else {}
    try:
        return (dt.date.fromisoformat(str(before["visit_date"])), str(before["half"]),
                str(before["eta"]))
    except (KeyError, ValueError):
        return None


def due_event(booking: Booking) -> BookingEvent | None:
    """The latest change the caller has not been told of, or None (see `pending_changes`)."""
    pending = pending_changes(booking)
    return pending[-1] if pending else None


@dataclass(frozen=True)
class CallbackRow:
    booking: Booking
    pending: tuple[BookingEvent, ...]

    @property
    def since(self) -> dt.datetime:
        """When the first untold change happened: how long the caller has been waiting."""
        return self.pending[0].at

    @property
    def latest(self) -> BookingEvent:
        return self.pending[-1]

    @property
    def told_eta(self) -> str | None:
        return told_eta(self.pending)

    @property
    def told_visit(self) -> tuple[dt.date, str, str] | None:
        """The day, half-day and time the caller heard, when the day or half-day changed since
        (or the visit was cancelled); None when only the time moved (see `told_eta`)."""
        told = told_visit(self.pending)
        if told is None:
            return None
        b = self.booking
        if b.status == "booked" and (b.visit_date, b.half) == told[:2]:
            return None
        return told

    @property
    def reasons(self) -> list[str]:
        return list(dict.fromkeys(e.reason or "" for e in self.pending if e.reason))


def due(db: Session, season_id: int) -> list[CallbackRow]:
    """Every booking of the season awaiting a call-back, the longest waiting first."""
    bookings = db.scalars(select(Booking).where(
        Booking.season_id == season_id, Booking.personal_data_deleted_on.is_(None),
        Booking.outcome_recorded_at.is_(None),
        Booking.status.in_(("booked", "cancelled"))).options(selectinload(Booking.history)))
    rows = [CallbackRow(b, p) for b in bookings if (p := pending_changes(b))]
    return sorted(rows, key=lambda r: (r.since, r.booking.receipt_no))


def waiting_count(db: Session) -> int:
    """How many callers of the active season wait for a call-back (the navigation's badge).
    A page must render even when the database just failed (the error page uses the same
    layout), so a database error counts as none."""
    try:
        record = active_season(db)
        return len(due(db, record.id)) if record is not None else 0
    except SQLAlchemyError:
        return 0


class NothingToCall(ValueError):
    """The call-back cannot be recorded: nothing is due, or the booking changed again since
    the list was shown (the operator may have told the caller an outdated time)."""


def mark_called(db: Session, booking: Booking, user: User, note: str, seen_event_id: int) -> None:
    """Record that the caller was told of the changes up to event `seen_event_id` (the latest
    the operator's list showed); refused when nothing is due or a later change came since."""
    latest = due_event(booking)
    if latest is None:
        done = next((e for e in reversed(booking.history) if e.action == CALLED_BACK), None)
        if done is not None:
            who = db.get(User, done.user_id)
            raise NothingToCall(
                f"受付番号 {booking.receipt_no} は、{who.display_name if who else '別の職員'}さんが"
                f"{local_time(done.at)}に連絡済みとして記録しています。入力したメモは保存していません。")
        raise NothingToCall("この予約には再連絡が必要な変更はありません。")
    if latest.id != seen_event_id:
        raise NothingToCall("一覧を表示した後に、この予約の訪問予定がまた変わりました。"
                            "最新の訪問予定を確認してから連絡してください。")
    booking.history.append(BookingEvent(user_id=user.id, action=CALLED_BACK, cause=CAUSE_STAFF,
                                        reason=note.strip() or "変更を連絡した"))
    db.flush()
    log_handling(db, user, "change", "booking", booking.id,
                 f"再連絡済みの記録 受付番号 {booking.receipt_no}")


def renumbered_now(db: Session) -> list[Booking]:
    """The bookings given a new time without their caller during this request (emptied by
    reading), so the view can tell the operator who made the change."""
    return list(db.info.pop(RENUMBERED, []))
