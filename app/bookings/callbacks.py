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
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bookings.models import Booking, BookingEvent
from app.bookings.operations import RENUMBERED
from app.bookings.replanning import DROPPED_REASON, REPLAN_REASON_PREFIX
from app.privacy.operations import log_handling

CALLED_BACK = "called_back"
# Events written while the caller was not on the line.
_WITHOUT_CALLER = ("reordered",)
# Events that put the caller in the picture (they were on the line, or the visit happened).
_WITH_CALLER = ("created", "changed", "cancelled", "outcome", "outcome_fixed", "deleted",
                CALLED_BACK)


def _by_replan(event: BookingEvent) -> bool:
    reason = event.reason or ""
    return reason.startswith(REPLAN_REASON_PREFIX) or reason.startswith(
        tuple(DROPPED_REASON.values()))


def due_event(booking: Booking) -> BookingEvent | None:
    """The change the caller has not been told of yet, or None."""
    for event in reversed(booking.history):
        if event.action in _WITHOUT_CALLER:
            return event
        if event.action in ("changed", "cancelled") and _by_replan(event):
            return event
        if event.action in _WITH_CALLER:
            return None
    return None


@dataclass(frozen=True)
class CallbackRow:
    booking: Booking
    event: BookingEvent

    @property
    def since(self) -> dt.datetime:
        return self.event.at


def due(db: Session, season_id: int) -> list[CallbackRow]:
    """Every booking of the season awaiting a call-back, the oldest change first."""
    bookings = db.scalars(select(Booking).where(
        Booking.season_id == season_id, Booking.personal_data_deleted_on.is_(None),
        Booking.status.in_(("booked", "cancelled"))))
    rows = [CallbackRow(b, e) for b in bookings if (e := due_event(b)) is not None]
    return sorted(rows, key=lambda r: (r.since, r.booking.receipt_no))


def mark_called(db: Session, booking: Booking, user: User, note: str) -> None:
    """Record that the caller was told of the change; refused when nothing is due."""
    if due_event(booking) is None:
        raise ValueError("この予約には再連絡が必要な変更はありません。")
    booking.history.append(BookingEvent(user_id=user.id, action=CALLED_BACK,
                                        reason=note.strip() or "変更を連絡した"))
    db.flush()
    log_handling(db, user, "change", "booking", booking.id,
                 f"再連絡済みの記録 受付番号 {booking.receipt_no}")


def renumbered_now(db: Session) -> list[Booking]:
    """The bookings given a new time without their caller during this request (emptied by
    reading), so the view can tell the operator who made the change."""
    return list(db.info.pop(RENUMBERED, []))
