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
from app.dates import jp_date
from app.db import utcnow
from app.facilities import applicant_list
from app.facilities.models import FacilityEvent, FacilityRequest, FacilityVisit
from app.facilities.texts import LIST_STATUS_LABELS
from app.privacy.operations import log_handling
from app.routesheets.outcomes import (
    FACILITY_OUTCOME_LABELS,
    FACILITY_VISIT_RECORD,
    MAX_APPLICATIONS,
    OutcomeProblem,
    check_visit_day_reached,
    checked_outcome,
    facility_visit_limit,
    record_outcome,
)
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


def _ascii_digits(text: str) -> bool:
    """0-9 only: str.isdigit() also passes "²" and other digits int() cannot read."""
    return text.isascii() and text.isdigit()


def parse_clock_time(text: str, label: str, field: str) -> str | None:
    """"9:30" / "０９：３０" -> "09:30"; "" -> None. Anything else, or a time outside
    `WORKING_FROM`-`WORKING_TO`, raises `FacilityError` on `field`, naming `label`."""
    value = (text or "").strip().translate(_FULLWIDTH_TIME)
    if not value:
        return None
    hours, sep, minutes = value.partition(":")
    if (not sep or not _ascii_digits(hours) or not _ascii_digits(minutes) or len(hours) > 2
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


def offered_transitions(db: Session, facility: FacilityRequest,
                        today: dt.date) -> tuple[str, ...]:
    """The statuses the page offers a manager (`TRANSITIONS`), without 訪問済 before the
    (last) visit day: `set_status` would refuse it then, so it is not offered to be picked
    by mistake. `set_status` keeps its own check."""
    allowed = TRANSITIONS.get(facility.status, ())
    last = last_visit_date(db, facility)
    if last is not None and today < last:
        allowed = tuple(s for s in allowed if s != "visited")
    return allowed


def set_status(db: Session, facility: FacilityRequest, status: str, user: User,
               today: dt.date, note: str = "", *, applications_taken: int | None = None,
               completed_on: dt.date | None = None) -> None:
    """Move the request by hand (contacted, visited, withdrawn); see `TRANSITIONS`.

    訪問済 is a visit's result, as on the route sheet: only from the (last) visit day on, and
    with the applications taken and the day the visit was completed (`mark_visited`), so the
    reports count a facility marked by hand like one recorded on the route sheet.
    `applications_taken` and `completed_on` are ignored for the other statuses."""
    if status not in TRANSITIONS.get(facility.status, ()):
        from app.facilities.texts import STATUS_LABELS

        raise FacilityError(
            f"「{STATUS_LABELS.get(facility.status, facility.status)}」から"
            f"「{STATUS_LABELS.get(status, status)}」には変更できません。", "status")
    if status == "withdrawn" and not note.strip():
        raise FacilityError("取り下げの理由を入力してください。", "note")
    summary = ""
    if status == "visited":
        summary = mark_visited(db, facility, user, today, applications_taken, completed_on)
    if status == "withdrawn":
        for visit in facility.visits:
            if visit.status == "booked":
                visit.status = "cancelled"
        for meeting in facility.meetings:
            meeting.status = "cancelled"
    facility.status = status
    _event(facility, user, status, "／".join(t for t in (summary, note.strip()) if t))
    db.flush()


# --- 訪問済 by hand -----------------------------------------------------------------------


def unrecorded_parts(facility: FacilityRequest) -> list[FacilityVisit]:
    """The half-day parts still booked: those without a result on the route sheet. Parts
    with a recorded result (visited with their count, or cancelled on the day) keep it."""
    return [v for v in facility.visits if v.status == "booked"]


def home_booking(db: Session, facility: FacilityRequest) -> Booking | None:
    """The home-visit booking a facility of 5 or fewer was booked into (SPEC §3), if any."""
    if facility.home_booking_id is None:
        return None
    return db.get(Booking, facility.home_booking_id)


def recorded_applications(db: Session, facility: FacilityRequest) -> int | None:
    """The count already on the route sheet for a facility visited through a home booking
    (the route sheet records it on the booking but leaves the facility's status alone), to
    fill the form with; None otherwise."""
    booking = None if unrecorded_parts(facility) else home_booking(db, facility)
    if booking is None or booking.status != "visited":
        return None
    return booking.applications_taken


def applications_limit(db: Session, facility: FacilityRequest) -> int:
    """The most applications the hand form accepts: the route sheet's own limit, summed
    over what it records. A facility half-day takes up to `facility_visit_limit`
    (`record_facility_outcome`); a home booking up to
    `MAX_APPLICATIONS` (`record_outcome`)."""
    parts = unrecorded_parts(facility)
    if not parts and home_booking(db, facility) is not None:
        return MAX_APPLICATIONS
    return sum(facility_visit_limit(v) for v in parts)


def split_applications(total: int, parts: list[FacilityVisit]) -> list[int]:
    """Share `total` (at most `applications_limit`) out over `parts` in visit order: each
    part first up to its booked applicants, then any walk-ins up to the part's route-sheet
    limit. Every share is one the route sheet would accept for that part, so correcting a
    part there later starts from a valid value."""
    shares: list[int] = []
    left = total
    for part in parts:
        shares.append(min(left, part.applicants))
        left -= shares[-1]
    for i, part in enumerate(parts):
        extra = min(left, facility_visit_limit(part) - shares[i])
        shares[i] += extra
        left -= extra
    if left:
        raise ValueError(f"{total} applications exceed the parts' limit")
    return shares


def check_completed_on(completed_on: dt.date | None, last: dt.date | None,
                       today: dt.date) -> dt.date:
    """The day the visit was completed: given, not before the last visit day, not after
    today. Raises `FacilityError` on "completed_on"."""
    if completed_on is None:
        raise FacilityError("訪問済の場合は訪問完了日を入力してください。", "completed_on")
    if last is not None and completed_on < last:
        raise FacilityError(f"最後の訪問日（{jp_date(last)}）より前の日付は入力できません"
                            f"（入力値: {jp_date(completed_on, year=True)}）。", "completed_on")
    if completed_on > today:
        raise FacilityError(f"今日（{jp_date(today)}）より後の日付は入力できません"
                            f"（入力値: {jp_date(completed_on, year=True)}）。", "completed_on")
    return completed_on


def _refused(exc: OutcomeProblem) -> FacilityError:
    """A route-sheet rule's refusal, on this form's field (its "outcome" is our "status")."""
    return FacilityError(exc.message, "status" if exc.field == "outcome" else exc.field)


def mark_visited(db: Session, facility: FacilityRequest, user: User, today: dt.date,
                 applications_taken: int | None, completed_on: dt.date | None) -> str:
    """Record the result the route sheet would have recorded, for a facility marked 訪問済
    by hand; returns the summary for the facility's history. Everything is checked before
    anything is written.

    Where the count is stored, and why: the reports (`app.reports.summary`) sum
    `applications_taken` over visited `FacilityVisit` rows, one per half-day, in the month of
    each part's visit, and over visited `Booking` rows; the route sheet records one count
    per half-day part, or on the home booking of a facility of 5 or fewer. So:

    - facility half-days: the manager gives one total for the parts still booked (a manager
      marking by hand has the facility's total, not a count per half-day); it is shared out
      by `split_applications`, so each part is a visited half-day with a count the route
      sheet accepts for it, the report's half-days and applications stay right, and a part
      can still be corrected on the route sheet. Parts already recorded there keep theirs.
    - a home booking (no facility half-days): the route sheet's own `record_outcome` records
      it on the booking, with the booking's history and the handling log, and the report
      counts it with the home visits, as it would a result from the route sheet. Marking by
      hand re-records (corrects) a result already on the route sheet instead of adding one.

    The completion date is the day the manager says the visit was done; it goes to the
    parts or booking recorded here (`visit_completed_on`, the reception list's 訪問終了日),
    where the route sheet writes the visit day."""
    from app.facilities.texts import HALF_LABELS

    last = last_visit_date(db, facility)
    if last is not None:
        try:
            check_visit_day_reached(last, today)
        except OutcomeProblem as exc:
            raise _refused(exc) from None
    parts = unrecorded_parts(facility)
    booking = None if parts else home_booking(db, facility)
    if not parts and booking is None:
        raise FacilityError("結果を記録できる訪問予定が残っていません（ルート表で当日取消と"
                            "記録済みです）。訪問した場合はルート表の訪問結果を訂正してください。",
                            "status")
    day = check_completed_on(completed_on, last, today)
    if booking is not None:
        try:
            record_outcome(db, booking, "visited", applications_taken, "", user, today)
        except OutcomeProblem as exc:
            raise _refused(exc) from None
        booking.visit_completed_on = day
        return (f"申請受付 {booking.applications_taken}件（個人宅枠 受付番号 "
                f"{booking.receipt_no}）、訪問完了日 {day.isoformat()}")
    try:
        taken, _ = checked_outcome(
            FACILITY_OUTCOME_LABELS, "visited", applications_taken, "",
            applications_limit(db, facility), cancelled_before=False,
            visit_date=max(v.visit_date for v in parts), today=today, what="訪問")
    except OutcomeProblem as exc:
        raise _refused(exc) from None
    now = utcnow()
    shares = split_applications(taken, parts)
    for part, share in zip(parts, shares, strict=True):
        part.status = "visited"
        part.applications_taken = share
        part.outcome_recorded_at = now
        part.outcome_recorded_by = user.id
        part.visit_completed_on = day
        log_handling(db, user, "change", FACILITY_VISIT_RECORD, part.id,
                     f"{facility.name}（F{facility.id}）訪問結果（施設の画面で訪問済）: "
                     f"{part.visit_date.isoformat()} {HALF_LABELS[part.half]} {share}件")
    each = "・".join(f"{p.visit_date.isoformat()} {HALF_LABELS[p.half]} {n}件"
                     for p, n in zip(parts, shares, strict=True))
    split = f"（{each}）" if len(parts) > 1 else ""
    return f"申請受付 {taken}件{split}、訪問完了日 {day.isoformat()}"


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


@dataclass(frozen=True)
class ListMismatch:
    """A stored applicant list whose size no longer matches the facility's booking."""

    listed: int
    booked: int

    def message(self) -> str:
        return f"申請者リストの人数（{self.listed}名）が予約（{self.booked}名）と合いません"

    def status_label(self) -> str:
        """The list's status wherever it is shown (queue, facility page, route sheet)."""
        return f"要確認：人数が予約（{self.booked}名）と異なります（リスト{self.listed}名）"


LIST_CONFIRMED = "list_confirmed"


def list_mismatch(facility: FacilityRequest) -> ListMismatch | None:
    """The stored list, when it was stored before the current booking (the visit was
    unscheduled and booked again) and its number of residents differs from the booked
    number, and nobody confirmed it since that booking (`confirm_applicant_list`); None
    otherwise. The list is kept (it is the facility's data, and may only need a few names
    changed): the manager asks the facility and uploads it again, or confirms the stored
    one. Until then it is not shared with the city (app.privacy.handover). A list stored
    after the booking with fewer names was accepted knowingly (`StoredList.shortfall`)."""
    booked = facility.scheduled_applicants
    if facility.status != "scheduled" or facility.list_uploaded_at is None or booked is None:
        return None
    listed = len(facility.applicants)
    since = [v.booked_at for v in facility.visits if v.status in ("booked", "visited")]
    if listed == booked or not since or facility.list_uploaded_at >= min(since):
        return None
    booked_at = min(since)
    if any(e.action == LIST_CONFIRMED and e.at is not None and e.at >= booked_at
           for e in facility.events):
        return None  # confirmed after this booking; a later re-booking asks again
    return ListMismatch(listed=listed, booked=booked)


def confirm_applicant_list(db: Session, facility: FacilityRequest, user: User) -> ListMismatch:
    """The office checked with the facility that the stored list stands although its size
    differs from the booking: it may go to the city as it is. Recorded in the history (the
    event's time is what `list_mismatch` compares with the booking). Refused when there is
    nothing to confirm."""
    mismatch = list_mismatch(facility)
    if mismatch is None:
        raise FacilityError("確認が必要な申請者リストはありません（人数が予約と合っているか、"
                            "既に確認済みです）。")
    facility.events.append(FacilityEvent(
        user_id=user.id, action=LIST_CONFIRMED, at=utcnow(),
        note=f"リスト{mismatch.listed}名のまま（予約{mismatch.booked}名）共有してよいことを確認"))
    db.flush()
    return mismatch


def list_status(facility: FacilityRequest, first_visit: dt.date | None, today: dt.date) -> str:
    """`applicant_list.list_status`, or "mismatch" for a stored list that needs checking
    (`list_mismatch`): it is not 受領済 until it is uploaded again or confirmed."""
    if list_mismatch(facility) is not None:
        return "mismatch"
    return applicant_list.list_status(facility.list_uploaded_at is not None, first_visit, today)


def list_status_label(facility: FacilityRequest, status: str) -> str:
    """The status's Japanese label; a mismatch names both numbers."""
    mismatch = list_mismatch(facility) if status == "mismatch" else None
    return mismatch.status_label() if mismatch is not None else LIST_STATUS_LABELS[status]


@dataclass(frozen=True)
class StoredList:
    """What an upload did: the new list's size, the list it replaced (None: there was none)
    and the applicants the facility is booked for (None: not booked as a facility visit)."""

    count: int
    replaced: int | None
    booked: int | None

    def message(self) -> str:
        """The manager's confirmation: what was stored and the list it replaced."""
        if self.replaced is None:
            return f"申請者リストを登録しました（{self.count}名）。"
        return f"前のリスト（{self.replaced}名）を新しいリスト（{self.count}名）に置き換えました。"

    def shortfall(self) -> str | None:
        """A list with fewer names than the booking (the visit's half-days were sized for
        the booked number), or None."""
        if self.booked is None or self.count >= self.booked:
            return None
        return (f"申請者リストは{self.count}名で、予約の{self.booked}名より少なくなっています"
                f"（訪問は{self.booked}名の予定です）。人数が減った場合は、訪問日程（人数）の"
                "見直しも検討してください。")


def store_applicant_list(db: Session, facility: FacilityRequest, rows: list[Any],
                         user: User, filename: str) -> StoredList:
    """Replace the facility's applicant list with a validated file's rows (all or nothing:
    the caller validated the whole file first) and write the handling log (SPEC §12).
    Returns what was stored and what it replaced, for the manager's confirmation."""
    from app.facilities.models import FacilityApplicant

    if facility.personal_data_deleted_on is not None:
        raise FacilityError("訪問が終わり個人情報を削除済みのため、申請者リストは登録できません。", "file")
    replaced = len(facility.applicants) if facility.list_uploaded_at is not None else None
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
    was = "" if replaced is None else f"、前のリスト {replaced}名を置き換え"
    _event(facility, user, "list_uploaded", f"{filename}（{len(rows)}名{was}）")
    db.flush()
    log_handling(db, user, "change", APPLICANT_LIST_RECORD, facility.id,
                 f"{facility.name} 申請者リスト登録（{len(rows)}名{was}）")
    return StoredList(count=len(rows), replaced=replaced, booked=facility.scheduled_applicants)
