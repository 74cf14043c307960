"""Home-visit bookings and their history (SPEC §7, §9).

Personal fields are nullable on purpose: after the visit and the hand-over to the city they are
purged (SPEC §9) while the row stays for the reception list and the reports.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.dates import jp_date
from app.db import Base, utcnow

# Why a booking event happened: what the call-back list needs to know is whether the caller
# heard of it. The caller asked for it on the phone (their booking, change or cancellation); a
# manager's re-plan moved or cancelled it; another booking's change renumbered its half-day;
# or staff recorded something about it (outcomes, hand-over, outdated slips, call-backs,
# deletion) — the default, so places that need no distinction write nothing.
CAUSE_CALLER = "caller"
CAUSE_REPLAN = "replan"
CAUSE_RENUMBER = "renumber"
CAUSE_STAFF = "staff"
CAUSES = (CAUSE_CALLER, CAUSE_REPLAN, CAUSE_RENUMBER, CAUSE_STAFF)


class Booking(Base):
    """One home-visit booking: the reception slip (受付票) of SPEC §9."""

    __tablename__ = "bookings"
    __table_args__ = (
        UniqueConstraint("season_id", "receipt_no"),
        CheckConstraint("status IN ('booked', 'cancelled', 'visited', 'not_home')", name="status"),
        CheckConstraint("half IN ('am', 'pm')", name="half"),
        CheckConstraint("applicants >= 1", name="applicants"),
        CheckConstraint("applications_taken >= 0", name="applications_taken"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id"))
    receipt_no: Mapped[int] = mapped_column(Integer)  # sequential, in booking order (§9)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    booked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    received_on: Mapped[dt.date] = mapped_column(Date)  # the call's date in Japan (予約日)
    booked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))

    # The visit (§3): day, half-day, team and position; the eta told to the caller.
    visit_date: Mapped[dt.date] = mapped_column(Date)
    half: Mapped[str] = mapped_column(String(2))
    team: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer)
    eta: Mapped[str] = mapped_column(String(20))
    applicants: Mapped[int] = mapped_column(Integer)

    # Location kept after deletion only at town level (reports by town).
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    town: Mapped[str | None] = mapped_column(String(64), nullable=True)
    location_precision: Mapped[str] = mapped_column(String(16))

    # Caller (§6) and personal data (§7 a-i) — purged after the visit (§9).
    caller_relationship: Mapped[str] = mapped_column(String(16))
    caller_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    caller_phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    name_kana: Mapped[str | None] = mapped_column(String(100), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    phone: Mapped[str | None] = mapped_column(String(20), nullable=True)
    eligibility: Mapped[str] = mapped_column(String(16))
    eligibility_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    application_type: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # §7 c, e-i answers

    # Wishes (§7 d): window hard, weekdays/half soft.
    wish_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    wish_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    wish_weekdays: Mapped[list | None] = mapped_column(JSON, nullable=True)
    wish_half: Mapped[str | None] = mapped_column(String(2), nullable=True)

    # Reception list columns (§9).
    shared_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    visit_completed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    personal_data_deleted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # Kept after deletion for the reports (seed 001: counts by sex and age band): the age
    # band at the visit date, written when the personal data are purged (issue 8).
    age_band: Mapped[str | None] = mapped_column(String(16), nullable=True)

    # The day's outcome (issue 7), recorded by the visit team or a manager afterwards: the
    # status becomes visited / not_home / cancelled and these say how many applications were
    # taken and what happened. A recorded outcome keeps the visit on its day's route sheet.
    applications_taken: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome_recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)

    history: Mapped[list[BookingEvent]] = relationship(
        back_populates="booking", order_by="BookingEvent.id", cascade="all, delete-orphan"
    )

    def share_outdated(self, user_id: int, what: str) -> None:
        """The slip the city already has no longer matches (a new date or time, or a
        cancellation): the booking counts as unshared again, so the next hand-over package of
        its week carries a corrected slip (SPEC §10). Nothing to do before the first share."""
        if self.shared_on is None:
            return
        self.history.append(BookingEvent(
            user_id=user_id, action="share_outdated", cause=CAUSE_STAFF,
            before={"shared_on": self.shared_on.isoformat()},
            reason=f"{what}ため、小樽市に共有済み（{jp_date(self.shared_on, year=True)}）の受付票の"
                   "訂正版を次の共有パッケージで送ります。"))
        self.shared_on = None

    def holds(self, date: dt.date, half: str, team: int) -> bool:
        """Whether this is the booking's current half-day route (the change page's 現在の予約:
        a change into it would be no change, whatever the position)."""
        return (self.visit_date, self.half, self.team) == (date, half, team)

    @property
    def city_has_slip(self) -> bool:
        """The city holds a slip of this booking, current or awaiting its correction."""
        return self.shared_on is not None or self.correction_of is not None

    @property
    def correction_of(self) -> dt.date | None:
        """While a corrected slip is due: the date the city received the outdated one."""
        if self.shared_on is not None:
            return None
        for event in reversed(self.history):
            if event.action == "share_outdated" and event.before:
                return dt.date.fromisoformat(event.before["shared_on"])
            if event.action == "shared":
                return None
        return None


class BookingEvent(Base):
    """Every change of a booking, with its reason (created / changed / cancelled) and its
    cause (see CAUSES): the cause is the mark code relies on, the reason is for people and
    may be reworded or purged."""

    __tablename__ = "booking_events"
    __table_args__ = (
        CheckConstraint("cause IN (" + ", ".join(f"'{c}'" for c in CAUSES) + ")", name="cause"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str] = mapped_column(String(16), default=CAUSE_STAFF, server_default=CAUSE_STAFF)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    before: Mapped[dict | None] = mapped_column(JSON, nullable=True)  # visit fields only

    booking: Mapped[Booking] = relationship(back_populates="history")
