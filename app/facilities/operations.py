"""The facility call-back queue: intake by operators, call-backs and status by managers.

Statuses: new -> contacted -> scheduled -> visited, and withdrawn from any open status
(SPEC §8: the call centre takes a request, a manager calls back and arranges the visit).

Call-back due date (decided here): `CALLBACK_BUSINESS_DAYS` = 2 working days of the call
centre (Mon-Fri, not national holidays or the year-end closure) after the call. A facility
needs its visit booked about a month ahead (SPEC §5), so a quick call-back keeps the early
facility days reachable; 2 days leave the manager time to look at the calendar first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bookings.models import Booking
from app.db import utcnow
from app.facilities.models import FacilityEvent, FacilityRequest
from app.routesheets.outcomes import OutcomeProblem, check_visit_day_reached
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.calendar_rules import closed_reason
from solver.season import SeasonConfig, Wish

CALLBACK_BUSINESS_DAYS = 2
APPLICANT_LIST_RECORD = "facility_applicants"  # handling-log record type
OPEN_STATUSES = ("new", "contacted", "scheduled")

# status -> statuses a manager may set by hand (scheduled is set by scheduling).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "new": ("contacted", "withdrawn"),
    "contacted": ("withdrawn",),
    "scheduled": ("visited", "withdrawn"),
    "visited": (),
    "withdrawn": (),
}


#: The hours a facility can be visited or met (a time agreed with a facility, a pre-meeting).
WORKING_FROM = "09:00"
WORKING_TO = "17:00"
_FULLWIDTH_TIME = str.maketrans("０１２３４５６７８９：", "0123456789:")


class FacilityError(ValueError):
    """A refused change, with the form field it concerns ("" for the whole form)."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def parse_clock_time(text: str, label: str, field: str) -> str | None:
    """"9:30" / "０９：３０" -> "09:30"; "" -> None. Anything else, or a time outside
    `WORKING_FROM`-`WORKING_TO`, raises `FacilityError` on `field`, naming `label`."""
    value = (text or "").strip().translate(_FULLWIDTH_TIME)
    if not value:
        return None
    hours, sep, minutes = value.partition(":")
    if (not sep or not hours.isdigit() or not minutes.isdigit() or len(hours) > 2
            or len(minutes) != 2 or int(hours) > 23 or int(minutes) > 59):
        raise FacilityError(f"{label}は 10:30 のように「時:分」で入力してください"
                            f"（入力値: {text.strip()}）。", field)
    value = f"{int(hours):02d}:{minutes}"
    if not WORKING_FROM <= value <= WORKING_TO:
        raise FacilityError(f"{label}は {WORKING_FROM}〜{WORKING_TO} の間で"
                            f"入力してください（入力値: {value}）。", field)
    return value


@dataclass(frozen=True)
class FacilityIntake:
    """What the operator took down on the phone (004 §8(2)オ(イ) a-d)."""

    name: str
    facility_type: str
    facility_type_other: str | None
    address: str
    lat: float
    lng: float
    town: str | None
    location_precision: str
    phone: str
    contact_person: str | None
    estimated_applicants: int
    wish: Wish = field(default_factory=Wish)
    notes: str | None = None
    premeeting_requested: bool = False


def add_business_days(config: SeasonConfig, start: dt.date, days: int) -> dt.date:
    """`days` call-centre working days after `start`."""
    day = start
    left = days
    while left > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5 and closed_reason(config, day) is None:
            left -= 1
    return day


def _event(facility: FacilityRequest, user: User, action: str, note: str | None = None) -> None:
    facility.events.append(FacilityEvent(user_id=user.id, action=action, note=note or None))


def create_request(
    db: Session, record: SeasonRecord, intake: FacilityIntake, user: User, today: dt.date
) -> FacilityRequest:
    """A new request in the call-back queue. Fewer applicants than the season's facility
    minimum are refused on "estimated_applicants": they book a home visit instead (SPEC §3)."""
    config = season_config(record)
    minimum = config.rules.facility_min_applicants
    if intake.estimated_applicants < minimum:
        raise FacilityError(
            f"申請者数の目安が{intake.estimated_applicants}名（{minimum - 1}名以下）のため、"
            "福祉施設の依頼ではなく個人宅訪問の予約枠で受け付けます。「予約受付」の画面で"
            f"予約してください（福祉施設訪問は{minimum}名以上）。", "estimated_applicants")
    facility = FacilityRequest(
        season_id=record.id, status="new", received_on=today, taken_by=user.id,
        callback_due=add_business_days(config, today, CALLBACK_BUSINESS_DAYS),
        name=intake.name, facility_type=intake.facility_type,
        facility_type_other=intake.facility_type_other, address=intake.address,
        lat=intake.lat, lng=intake.lng, town=intake.town,
        location_precision=intake.location_precision, phone=intake.phone,
        contact_person=intake.contact_person, estimated_applicants=intake.estimated_applicants,
        wish_from=intake.wish.date_from, wish_to=intake.wish.date_to,
        wish_weekdays=list(intake.wish.weekdays) or None, wish_half=intake.wish.half,
        notes=intake.notes, premeeting_requested=intake.premeeting_requested,
    )
    _event(facility, user, "created")
    db.add(facility)
    db.flush()
    return facility


def queue(db: Session, season_id: int, include_closed: bool = False) -> list[FacilityRequest]:
    """The call-back queue: open requests, the oldest due date first."""
    query = select(FacilityRequest).where(FacilityRequest.season_id == season_id)
    if not include_closed:
        query = query.where(FacilityRequest.status.in_(OPEN_STATUSES))
    return list(db.scalars(query.order_by(FacilityRequest.callback_due, FacilityRequest.id)))


def callback_overdue(facility: FacilityRequest, today: dt.date) -> bool:
    return facility.status == "new" and today > facility.callback_due


def record_callback(
    db: Session, facility: FacilityRequest, user: User, applicants: int, wish: Wish,
    premeeting_requested: bool, note: str,
) -> None:
    """The manager called the facility back: the confirmed numbers and wishes, and a note."""
    if facility.status not in ("new", "contacted"):
        raise FacilityError("訪問日が決まった後や取り下げ後は、折り返し内容を変更できません。")
    if applicants < 1:
        raise FacilityError("申請者数は1以上で入力してください。", "applicants")
    if wish.date_from and wish.date_to and wish.date_from > wish.date_to:
        raise FacilityError("希望期間の終わりが始まりより前です。", "wish_to")
    facility.estimated_applicants = applicants
    facility.wish_from, facility.wish_to = wish.date_from, wish.date_to
    facility.wish_weekdays = list(wish.weekdays) or None
    facility.wish_half = wish.half
    facility.premeeting_requested = premeeting_requested
    facility.status = "contacted"
    _event(facility, user, "contacted", note.strip() or f"申請者数 {applicants}名")
    db.flush()


def last_visit_date(db: Session, facility: FacilityRequest) -> dt.date | None:
    """The day of the request's last planned visit: its booked facility half-days, or the
    home-visit booking it was linked to (5 or fewer applicants); None if neither."""
    days = [v.visit_date for v in facility.visits if v.status == "booked"]
    if facility.home_booking_id is not None:
        booking = db.get(Booking, facility.home_booking_id)
        if booking is not None:
            days.append(booking.visit_date)
    return max(days, default=None)


def set_status(db: Session, facility: FacilityRequest, status: str, user: User,
               today: dt.date, note: str = "") -> None:
    """Move the request by hand (contacted, visited, withdrawn); see `TRANSITIONS`.
    訪問済 only from the (last) visit day on, as for a result on the route sheet."""
    if status not in TRANSITIONS.get(facility.status, ()):
        from app.facilities.texts import STATUS_LABELS

        raise FacilityError(
            f"「{STATUS_LABELS.get(facility.status, facility.status)}」から"
            f"「{STATUS_LABELS.get(status, status)}」には変更できません。", "status")
    if status == "withdrawn" and not note.strip():
        raise FacilityError("取り下げの理由を入力してください。", "note")
    if status == "visited":
        last = last_visit_date(db, facility)
        if last is not None:
            try:
                check_visit_day_reached(last, today)
            except OutcomeProblem as exc:
                raise FacilityError(exc.message, "status") from None
        for visit in facility.visits:
            if visit.status == "booked":
                visit.status = "visited"
    if status == "withdrawn":
        for visit in facility.visits:
            if visit.status == "booked":
                visit.status = "cancelled"
        for meeting in facility.meetings:
            meeting.status = "cancelled"
    facility.status = status
    _event(facility, user, status, note.strip())
    db.flush()


def link_home_booking(db: Session, record: SeasonRecord, facility: FacilityRequest,
                      receipt_no: int, user: User) -> Booking:
    """A facility of 5 or fewer was booked into a home slot (SPEC §3): remember which."""
    if facility.status not in ("new", "contacted"):
        raise FacilityError("この依頼は既に訪問日が決まっているか、終了しています。", "receipt_no")
    booking = db.scalar(select(Booking).where(Booking.season_id == record.id,
                                              Booking.receipt_no == receipt_no))
    if booking is None or booking.status != "booked":
        raise FacilityError(f"受付番号 {receipt_no} の有効な予約が見つかりません。", "receipt_no")
    facility.home_booking_id = booking.id
    facility.status = "scheduled"
    _event(facility, user, "home_booked", f"個人宅枠 受付番号 {receipt_no}（{booking.visit_date}）")
    db.flush()
    return booking


def store_applicant_list(db: Session, facility: FacilityRequest, rows: list[Any],
                         user: User, filename: str) -> None:
    """Replace the facility's applicant list with a validated file's rows (all or nothing:
    the caller validated the whole file first) and write the handling log (SPEC §12)."""
    from app.facilities.models import FacilityApplicant
    from app.privacy.operations import log_handling

    if facility.personal_data_deleted_on is not None:
        raise FacilityError("訪問が終わり個人情報を削除済みのため、申請者リストは登録できません。", "file")
    facility.applicants.clear()
    db.flush()
    for row in rows:
        facility.applicants.append(FacilityApplicant(
            row_no=row.row_no, name=row.name, address=row.address, birth_date=row.birth_date,
            needs_proxy_writer=row.needs_proxy_writer, face_auth_only=row.face_auth_only,
            deliver_to_facility=row.deliver_to_facility,
            reapplication_reason=row.reapplication_reason, other=row.other))
    facility.list_uploaded_at = utcnow()
    for visit in facility.visits:
        visit.shared_on = None  # the new list has not gone to the city yet (app.privacy.handover)
    _event(facility, user, "list_uploaded", f"{filename}（{len(rows)}名）")
    db.flush()
    log_handling(db, user, "change", APPLICANT_LIST_RECORD, facility.id,
                 f"{facility.name} 申請者リスト登録（{len(rows)}名）")
