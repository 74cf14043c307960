"""The day's outcome of each visit (issue 7): visited with N applications, not at home, or
cancelled on the day; recorded by the visit team or a manager afterwards, correctable, every
change kept in the booking's history and in the handling log.

The outcome feeds the reception list (visit-completed date, SPEC §9), the reports and the
deletion of personal data after the visit (issue 8).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from wtforms import IntegerField, RadioField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from app.bookings.models import Booking, BookingEvent
from app.dates import jp_date
from app.db import utcnow
from app.facilities.models import FacilityEvent, FacilityRequest, FacilityVisit
from app.forms import Form
from app.privacy.operations import log_handling

OUTCOMES: tuple[tuple[str, str], ...] = (
    ("visited", "訪問済（申請受付）"),
    ("not_home", "不在"),
    ("cancelled", "当日取消"),
)
OUTCOME_LABELS = dict(OUTCOMES)
MAX_APPLICATIONS = 20  # SPEC §3: about 20 applicants per half-day at most
NOTES_MAX = 500


class OutcomeProblem(Exception):
    """The outcome cannot be saved; `field` is the form field the message belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class CountField(IntegerField):
    """A whole number or empty, with a Japanese message naming the field."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = int(text.translate(FULLWIDTH_DIGITS))
        except ValueError as exc:
            self.data = None
            raise ValueError(f"{self.label.text}は数字で入力してください。") from exc


FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


class OutcomeForm(Form):
    """One visit's outcome; each stop's form has its own prefix (`b<booking id>`).

    The form checks the shape of the input; `record_outcome` checks the rules. The CSRF
    token is checked app-wide by CSRFProtect (a plain `csrf_token` field in the page), so the
    prefixed forms of one page share it."""

    class Meta:
        csrf = False

    outcome = RadioField("訪問結果", choices=OUTCOMES,
                         validators=[InputRequired("訪問結果を選んでください。")])
    applications_taken = CountField("申請受付件数", validators=[Optional()])
    notes = TextAreaField("メモ", validators=[
        Optional(), Length(max=NOTES_MAX, message=f"メモは{NOTES_MAX}文字以内で入力してください。")])


def form_for(booking: Booking, formdata: Any = None) -> OutcomeForm:
    """The outcome form of a stop, filled with what was recorded (or nothing yet)."""
    prefix = f"b{booking.id}"
    if formdata is not None:
        return OutcomeForm(formdata=formdata, prefix=prefix)
    recorded = booking.outcome_recorded_at is not None
    return OutcomeForm(
        formdata=None, prefix=prefix,
        outcome=booking.status if recorded else None,
        applications_taken=booking.applications_taken if recorded else None,
        notes=booking.outcome_notes or "",
    )


def check_visit_day_reached(visit_date: dt.date, today: dt.date) -> None:
    """A visit's result exists only from its day on: raise `OutcomeProblem` on "outcome"
    before it (the route sheet and the facility's status both ask this)."""
    if visit_date > today:
        raise OutcomeProblem(
            "outcome", f"訪問日（{jp_date(visit_date)}）より前には結果を記録できません。")


def checked_outcome(
    labels: dict[str, str], outcome: str, applications_taken: int | None, notes: str,
    limit: int, *, cancelled_before: bool, visit_date: dt.date, today: dt.date, what: str,
) -> tuple[int, str]:
    """The rules of an outcome, home or facility: a known outcome, from the visit day on,
    applications only when visited (0..`limit`), short notes. Returns (applications, notes)
    or raises `OutcomeProblem` naming the field."""
    if outcome not in labels:
        raise OutcomeProblem("outcome", "訪問結果を選んでください。")
    if cancelled_before:
        raise OutcomeProblem(
            "outcome", f"この{what}は訪問日より前に取り消されているため、結果を記録できません。")
    check_visit_day_reached(visit_date, today)
    if outcome == "visited":
        if applications_taken is None:
            raise OutcomeProblem("applications_taken", "訪問済の場合は申請受付件数を入力してください。")
    elif applications_taken:
        others = "・".join(label for key, label in labels.items() if key != "visited")
        raise OutcomeProblem(
            "applications_taken", f"{others}の場合、申請受付件数は0件です（空欄にしてください）。")
    else:
        applications_taken = 0
    if not 0 <= applications_taken <= limit:
        raise OutcomeProblem("applications_taken", f"申請受付件数は0〜{limit}の数字で入力してください。")
    notes = notes.strip()
    if len(notes) > NOTES_MAX:
        raise OutcomeProblem("notes", f"メモは{NOTES_MAX}文字以内で入力してください。")
    return applications_taken, notes


def over_booking_notice(outcome: str, applications_taken: int | None, booked: int,
                        what: str = "予約") -> str:
    """The notice after saving a visit with more applications than `booked`: not refused
    (family members or residents join on the day, up to the limit), but said, so a typo
    (2 for 1) is caught while the form is still at hand. "" when nothing to say."""
    if outcome != "visited" or applications_taken is None or applications_taken <= booked:
        return ""
    return (f"申請受付件数（{applications_taken}件）が{what}の{booked}人より多くなっています。"
            "当日の追加申請であればこのままで構いません。入力の誤りであれば修正してください。")


def record_outcome(
    db: Session, booking: Booking, outcome: str, applications_taken: int | None, notes: str,
    user: Any, today: dt.date,
) -> None:
    """Save the visit's outcome (or correct it), with history and a handling-log row."""
    applications_taken, notes = checked_outcome(
        OUTCOME_LABELS, outcome, applications_taken, notes, MAX_APPLICATIONS,
        cancelled_before=booking.status == "cancelled" and booking.outcome_recorded_at is None,
        visit_date=booking.visit_date, today=today, what="予約")

    before = {"status": booking.status, "applications_taken": booking.applications_taken}
    action = "outcome" if booking.outcome_recorded_at is None else "outcome_fixed"
    booking.status = outcome
    booking.applications_taken = applications_taken
    booking.outcome_notes = notes or None
    booking.outcome_recorded_at = utcnow()
    booking.outcome_recorded_by = user.id
    booking.visit_completed_on = booking.visit_date if outcome == "visited" else None
    summary = OUTCOME_LABELS[outcome] + (f" {applications_taken}件" if outcome == "visited" else "")
    booking.history.append(BookingEvent(
        user_id=user.id, action=action, reason=summary + (f"／{notes}" if notes else ""),
        before=before))
    log_handling(db, user, "change", "booking", booking.id, f"訪問結果: {summary}")
    db.flush()


def record_route_sheet_outcome(
    db: Session, booking: Booking, outcome: str, applications_taken: int | None, notes: str,
    user: Any, today: dt.date,
) -> None:
    """`record_outcome` from the route sheet, which also closes (or reopens, on a correction)
    a facility of 5 or fewer booked into this home slot (SPEC §3): its result is this
    visit's, so the facility should not wait in 予約済 for someone to mark it by hand."""
    record_outcome(db, booking, outcome, applications_taken, notes, user, today)
    facility = db.scalar(select(FacilityRequest).where(FacilityRequest.home_booking_id == booking.id))
    if facility is None:
        return
    if outcome == "visited" and facility.status == "scheduled":
        facility.status = "visited"
        facility.events.append(FacilityEvent(
            user_id=user.id, action="visited",
            note=f"ルート表で訪問結果を記録（個人宅枠 受付番号 {booking.receipt_no}）"))
    elif outcome != "visited" and facility.status == "visited":
        facility.status = "scheduled"  # a correction: the visit did not happen after all
        facility.events.append(FacilityEvent(
            user_id=user.id, action="outcome_fixed",
            note=f"ルート表の訪問結果を訂正（{OUTCOME_LABELS[outcome]}）"))
    db.flush()


# --- facility stops -----------------------------------------------------------------------

FACILITY_OUTCOMES: tuple[tuple[str, str], ...] = (
    ("visited", "訪問済（申請受付）"),
    ("cancelled", "当日取消"),
)
FACILITY_OUTCOME_LABELS = dict(FACILITY_OUTCOMES)
FACILITY_VISIT_RECORD = "facility_visit"  # handling-log record type


class FacilityOutcomeForm(OutcomeForm):
    """One facility half-day's outcome; prefix `f<visit id>` (no "not at home")."""

    outcome = RadioField("訪問結果", choices=FACILITY_OUTCOMES,
                         validators=[InputRequired("訪問結果を選んでください。")])


def facility_form_for(visit: FacilityVisit, formdata: Any = None) -> FacilityOutcomeForm:
    prefix = f"f{visit.id}"
    if formdata is not None:
        return FacilityOutcomeForm(formdata=formdata, prefix=prefix)
    recorded = visit.outcome_recorded_at is not None
    return FacilityOutcomeForm(
        formdata=None, prefix=prefix, outcome=visit.status if recorded else None,
        applications_taken=visit.applications_taken if recorded else None,
        notes=visit.outcome_notes or "")


def facility_visit_limit(visit: FacilityVisit) -> int:
    """The most applications one facility half-day can record: its booked applicants, or
    `MAX_APPLICATIONS` when fewer were booked (walk-ins on the day are normal)."""
    return max(visit.applicants, MAX_APPLICATIONS)


def record_facility_outcome(
    db: Session, visit: FacilityVisit, outcome: str, applications_taken: int | None, notes: str,
    user: Any, today: dt.date,
) -> None:
    """Save (or correct) a facility half-day's outcome. When every part of the facility has
    its outcome and one was visited, the request becomes 訪問済 (which, with the hand-over,
    lets its applicant list be deleted)."""
    applications_taken, notes = checked_outcome(
        FACILITY_OUTCOME_LABELS, outcome, applications_taken, notes,
        facility_visit_limit(visit),
        cancelled_before=visit.status == "cancelled" and visit.outcome_recorded_at is None,
        visit_date=visit.visit_date, today=today, what="訪問")

    facility = visit.facility
    action = "outcome" if visit.outcome_recorded_at is None else "outcome_fixed"
    visit.status = outcome
    visit.applications_taken = applications_taken
    visit.outcome_notes = notes or None
    visit.outcome_recorded_at = utcnow()
    visit.outcome_recorded_by = user.id
    visit.visit_completed_on = visit.visit_date if outcome == "visited" else None
    summary = (f"{visit.visit_date.isoformat()} {FACILITY_OUTCOME_LABELS[outcome]}"
               + (f" {applications_taken}件" if outcome == "visited" else ""))
    facility.events.append(FacilityEvent(user_id=user.id, action=action, note=summary))
    parts = [v for v in facility.visits
             if v.status in ("booked", "visited") or v.outcome_recorded_at is not None]
    if all(v.outcome_recorded_at is not None for v in parts):
        if any(v.status == "visited" for v in parts) and facility.status == "scheduled":
            facility.status = "visited"
            facility.events.append(FacilityEvent(user_id=user.id, action="visited",
                                                 note="ルート表で訪問結果を記録"))
        elif not any(v.status == "visited" for v in parts) and facility.status == "visited":
            facility.status = "scheduled"  # a correction: no part was visited after all
    log_handling(db, user, "change", FACILITY_VISIT_RECORD, visit.id,
                 f"{facility.name}（F{facility.id}）訪問結果: {summary}")
    db.flush()
