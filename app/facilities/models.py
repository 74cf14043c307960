"""Facility requests and everything hanging off them (SPEC §8, 004 §8(2)オ(イ), §9(2)).

A request is not a booking (004 §8(2)オ(イ)): the call centre takes it, a manager calls the
facility back and then schedules it. The scheduled visit is one `FacilityVisit` row per
half-day part (a facility of more than `facility_max_per_half_day` applicants has several
parts); the planner sees all parts of one facility as one `kind="facility"` request
(`app.facilities.planning`).

Personal data: the contact person and the residents' applicant list (`FacilityApplicant`)
are personal data (SPEC §12); every view/export/change of the list is written to the handling
log.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import (
    JSON,
    Boolean,
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

from app.db import Base, utcnow

if TYPE_CHECKING:
    from app.bookings.models import Booking

FACILITY_STATUSES: tuple[str, ...] = ("new", "contacted", "scheduled", "visited", "withdrawn")


class FacilityRequest(Base):
    """One facility's wish for a visit, and its way through the call-back queue."""

    __tablename__ = "facility_requests"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'contacted', 'scheduled', 'visited', 'withdrawn')",
                        name="status"),
        CheckConstraint("estimated_applicants >= 1", name="estimated_applicants"),
        CheckConstraint("wish_half IS NULL OR wish_half IN ('am', 'pm')", name="wish_half"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="new")
    received_on: Mapped[dt.date] = mapped_column(Date)  # the call's date in Japan
    received_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    taken_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    callback_due: Mapped[dt.date] = mapped_column(Date)  # the manager calls back by then

    # §8 a: facility name and type, address, phone, contact person.
    name: Mapped[str] = mapped_column(String(100))
    facility_type: Mapped[str] = mapped_column(String(32))
    facility_type_other: Mapped[str | None] = mapped_column(String(100), nullable=True)
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)
    lng: Mapped[float] = mapped_column(Float)
    town: Mapped[str | None] = mapped_column(String(64), nullable=True)
    location_precision: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(20))
    contact_person: Mapped[str | None] = mapped_column(String(100), nullable=True)
    # §8 b-d: desired period (hard window) and soft wishes, estimated applicants, notes.
    wish_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    wish_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    wish_weekdays: Mapped[list | None] = mapped_column(JSON, nullable=True)
    wish_half: Mapped[str | None] = mapped_column(String(2), nullable=True)
    estimated_applicants: Mapped[int] = mapped_column(Integer)
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    premeeting_requested: Mapped[bool] = mapped_column(Boolean, default=False)

    # Scheduling: the date the manager confirmed the visit (the planner's `received`: the
    # 1-month lead time counts from it) and, for 5 or fewer applicants, the home booking
    # made through the ordinary home-visit path instead.
    scheduled_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    scheduled_applicants: Mapped[int | None] = mapped_column(Integer, nullable=True)
    home_booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), nullable=True)
    list_uploaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    # The day the applicant list, the contact person and the visits' notes were purged after
    # the visit (app.privacy.deletion); the rows stay for the counts.
    personal_data_deleted_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    # A facility of 5 or fewer is visited through this home booking; its list's deletion
    # follows the booking's (app.privacy.deletion.facility_deletion_state).
    home_booking: Mapped[Booking | None] = relationship(foreign_keys=[home_booking_id])
    visits: Mapped[list[FacilityVisit]] = relationship(
        back_populates="facility", order_by="[FacilityVisit.visit_date, FacilityVisit.half]",
        cascade="all, delete-orphan")
    meetings: Mapped[list[FacilityMeeting]] = relationship(
        back_populates="facility", order_by="FacilityMeeting.date", cascade="all, delete-orphan")
    checks: Mapped[list[FacilityCheck]] = relationship(
        back_populates="facility", order_by="FacilityCheck.id", cascade="all, delete-orphan")
    applicants: Mapped[list[FacilityApplicant]] = relationship(
        back_populates="facility", order_by="FacilityApplicant.row_no",
        cascade="all, delete-orphan")
    events: Mapped[list[FacilityEvent]] = relationship(
        back_populates="facility", order_by="FacilityEvent.id", cascade="all, delete-orphan")


class FacilityVisit(Base):
    """One half-day part of a scheduled facility visit (SPEC §3: <= 20 applicants each).

    `eta` is the planner's told time (10:00 / 14:00) that `check_plan` verifies;
    `agreed_time` is a time adjusted for the facility (004 §8(2)ウ), shown to the team.

    The day's outcome (issue 7, recorded on the route sheet): `visited` with the applications
    taken, or `cancelled` on the day (`outcome_recorded_at` set; a part cancelled beforehand
    has none). `shared_on` is the day the facility's applicant list went to the city in the
    weekly hand-over (SPEC §8, §10).
    """

    __tablename__ = "facility_visits"
    __table_args__ = (
        CheckConstraint("status IN ('booked', 'cancelled', 'visited')", name="status"),
        CheckConstraint("half IN ('am', 'pm')", name="half"),
        CheckConstraint("applicants >= 1", name="applicants"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facility_requests.id", ondelete="CASCADE"), index=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="booked")
    visit_date: Mapped[dt.date] = mapped_column(Date)
    half: Mapped[str] = mapped_column(String(2))
    team: Mapped[int] = mapped_column(Integer, default=1)
    position: Mapped[int] = mapped_column(Integer, default=1)
    applicants: Mapped[int] = mapped_column(Integer)
    eta: Mapped[str] = mapped_column(String(20))
    agreed_time: Mapped[str | None] = mapped_column(String(20), nullable=True)
    booked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    booked_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    applications_taken: Mapped[int | None] = mapped_column(Integer, nullable=True)
    outcome_notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    outcome_recorded_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    outcome_recorded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    visit_completed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    shared_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    facility: Mapped[FacilityRequest] = relationship(back_populates="visits")


class FacilityMeeting(Base):
    """A city pre-meeting on site (事前打合せ, 004 §9(2)イ(カ)): usually for 10+ applicants.

    It takes one half-day of a non-visit weekday, or of a facility day without any booking;
    on a facility day it blocks the whole day for facility bookings (see `meetings.py`).
    """

    __tablename__ = "facility_meetings"
    __table_args__ = (
        CheckConstraint("status IN ('planned', 'cancelled')", name="status"),
        CheckConstraint("half IN ('am', 'pm')", name="half"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facility_requests.id", ondelete="CASCADE"), index=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    half: Mapped[str] = mapped_column(String(2))
    time: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="planned")
    notes: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    facility: Mapped[FacilityRequest] = relationship(back_populates="meetings")


class FacilityCheck(Base):
    """One item of the preparation checklist (004 §9(2)イ): the answer, who confirmed it, when."""

    __tablename__ = "facility_checks"
    __table_args__ = (UniqueConstraint("facility_id", "item"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facility_requests.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(32))
    value: Mapped[str] = mapped_column(Text)
    confirmed_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    confirmed_by_name: Mapped[str] = mapped_column(String(100))  # as it was then
    confirmed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

    facility: Mapped[FacilityRequest] = relationship(back_populates="checks")


class FacilityApplicant(Base):
    """One resident of the facility's applicant list (004 §9(2)ウ (ア)-(カ)).

    After the visit the personal columns are purged (NULL, `app.privacy.deletion`); the row
    stays with its yes/no answers and the age band at the visit, so the counts survive."""

    __tablename__ = "facility_applicants"
    __table_args__ = (UniqueConstraint("facility_id", "row_no"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facility_requests.id", ondelete="CASCADE"), index=True)
    row_no: Mapped[int] = mapped_column(Integer)  # the row in the uploaded file
    name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    address: Mapped[str | None] = mapped_column(String(200), nullable=True)
    birth_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(16), nullable=True)  # set at deletion
    needs_proxy_writer: Mapped[bool] = mapped_column(Boolean)
    face_auth_only: Mapped[bool] = mapped_column(Boolean)
    deliver_to_facility: Mapped[bool] = mapped_column(Boolean)
    reapplication_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    other: Mapped[str | None] = mapped_column(Text, nullable=True)

    facility: Mapped[FacilityRequest] = relationship(back_populates="applicants")


class FacilityEvent(Base):
    """The request's history: intake, call-backs, status changes, scheduling, uploads."""

    __tablename__ = "facility_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    facility_id: Mapped[int] = mapped_column(
        ForeignKey("facility_requests.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)

    facility: Mapped[FacilityRequest] = relationship(back_populates="events")
