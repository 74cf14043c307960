"""Pre-meetings on site (事前打合せ, 004 §8(2)ア※ and §9(2)イ(カ)).

Rules (SPEC §2, decided where the seed is silent):
- A meeting is needed for facilities of `MEETING_THRESHOLD` (10)+ applicants, or when the
  facility asks (`premeeting_requested`); a manager may add one for any open request.
- It takes one half-day (AM/PM) of a weekday that is *not a visit day*, or of a *facility day
  that has no facility booking yet*. Weekends, national holidays and the year-end closure
  are refused, and so are home-visit days (the team is out visiting homes).
- It must be before the facility's first visit (after it, there is nothing to prepare).
- Two meetings never share a half-day (one team).
- The time is optional: "HH:MM" within the working hours (09:00-17:00, as a time agreed with
  a facility), before noon for 午前 and from noon for 午後; stored as "HH:MM".
- A meeting on a facility day blocks that whole day for facility bookings: the team's
  day is spent on the meeting and a visit that day would have to fit around it. The slot
  policy therefore never offers a blocked day, and the capacity calendar shows the day as
  taken by the meeting so operators see it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.facilities.models import FacilityEvent, FacilityMeeting, FacilityRequest, FacilityVisit
from app.facilities.operations import FacilityError, parse_clock_time
from app.facilities.planning import PLANNED_VISIT_STATUSES
from app.facilities.texts import HALF_LABELS
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.calendar_rules import closed_reason, jp_date

MEETING_THRESHOLD = 10
MEETING_TIME_LABEL = "打合せの時刻"
NOON = "12:00"  # 午前 is before it, 午後 from it on


class MeetingRefused(ValueError):
    """Why a meeting cannot be saved; `field` is the form field the reasons belong to.
    `by_field` holds every field's reasons when more than one field is wrong (the form
    shows them all at once); `reasons` is all of them."""

    def __init__(self, reasons: list[str], field: str = "date",
                 by_field: dict[str, list[str]] | None = None) -> None:
        self.by_field = by_field or {field: reasons}
        self.reasons = [r for rs in self.by_field.values() for r in rs]
        self.field = next(iter(self.by_field))
        super().__init__("; ".join(self.reasons))


def meeting_time(text: str | None, half: str) -> str | None:
    """The typed time as "HH:MM" (None when empty), or `MeetingRefused` on "time"."""
    try:
        value = parse_clock_time(text or "", MEETING_TIME_LABEL, "time")
    except FacilityError as exc:
        raise MeetingRefused([exc.message], "time") from None
    if value is not None and (value < NOON) != (half == "am"):
        label = HALF_LABELS.get(half, "")
        rule = f"{NOON}より前" if half == "am" else f"{NOON}以降"
        raise MeetingRefused([f"{MEETING_TIME_LABEL}は{label}なので{rule}で入力してください"
                              f"（入力値: {value}）。"], "time")
    return value


def meeting_needed(facility: FacilityRequest) -> bool:
    applicants = facility.scheduled_applicants or facility.estimated_applicants
    return facility.premeeting_requested or applicants >= MEETING_THRESHOLD


def planned_meetings(db: Session, season_id: int) -> list[FacilityMeeting]:
    return list(db.scalars(
        select(FacilityMeeting).where(FacilityMeeting.season_id == season_id,
                                      FacilityMeeting.status == "planned")
        .order_by(FacilityMeeting.date, FacilityMeeting.half)
    ))


def meetings_by_date(db: Session, season_id: int) -> dict[dt.date, list[FacilityMeeting]]:
    out: dict[dt.date, list[FacilityMeeting]] = defaultdict(list)
    for meeting in planned_meetings(db, season_id):
        out[meeting.date].append(meeting)
    return dict(out)


def blocked_facility_days(db: Session, record: SeasonRecord) -> set[dt.date]:
    """Facility days taken by a planned meeting (not bookable for facility visits)."""
    kinds = {d.date: d.kind for d in record.visit_days}
    return {m.date for m in planned_meetings(db, record.id) if kinds.get(m.date) == "facility"}


def meeting_conflicts(
    db: Session, record: SeasonRecord, facility: FacilityRequest, on: dt.date, half: str,
    today: dt.date,
) -> list[str]:
    """Why a meeting for `facility` cannot be on `on` `half` (empty: it can), in Japanese."""
    config = season_config(record)
    when = f"{jp_date(on)}{HALF_LABELS.get(half, '')}"
    reasons: list[str] = []
    if half not in HALF_LABELS:
        return ["時間帯は午前か午後を選んでください。"]
    if on < today:
        reasons.append(f"{when}は過去の日付です。")
    if on.weekday() >= 5:
        reasons.append(f"{jp_date(on)}は土曜日・日曜日のため、打合せは入れられません。")
    closed = closed_reason(config, on)
    if closed:
        reasons.append(f"{jp_date(on)}は{closed}のため、打合せは入れられません。")
    kind = next((d.kind for d in record.visit_days if d.date == on), None)
    if kind == "home":
        reasons.append(f"{jp_date(on)}は個人宅訪問日のため、打合せは入れられません"
                       "（訪問チームが個人宅を訪問しています）。")
    if kind == "facility":
        booked = db.scalars(select(FacilityVisit).where(
            FacilityVisit.season_id == record.id, FacilityVisit.visit_date == on,
            FacilityVisit.status.in_(PLANNED_VISIT_STATUSES))).all()
        if booked:
            names = "、".join(sorted({v.facility.name for v in booked}))
            reasons.append(f"{jp_date(on)}の福祉施設訪問日には既に訪問予約（{names}）が"
                           "入っているため、打合せは入れられません。")
    first = min((v.visit_date for v in facility.visits if v.status in PLANNED_VISIT_STATUSES),
                default=None)
    if first is not None and on >= first:
        reasons.append(f"打合せは訪問日（{jp_date(first)}）より前の日にしてください。")
    for other in planned_meetings(db, record.id):
        if (other.date, other.half) == (on, half):
            reasons.append(f"{when}には既に別の打合せ（{other.facility.name}）が入っています。")
    return reasons


def add_meeting(
    db: Session, record: SeasonRecord, facility: FacilityRequest, on: dt.date, half: str,
    time: str | None, notes: str | None, user: User, today: dt.date,
) -> FacilityMeeting:
    if facility.status not in ("new", "contacted", "scheduled"):
        raise MeetingRefused(["この依頼は終了しているため、打合せは登録できません。"])
    problems: dict[str, list[str]] = {}
    reasons = meeting_conflicts(db, record, facility, on, half, today)
    if reasons:
        problems["date"] = reasons
    try:
        time = meeting_time(time, half)
    except MeetingRefused as exc:
        problems.update(exc.by_field)
    if problems:  # every wrong field at once, so one correction saves it
        raise MeetingRefused([], by_field=problems)
    meeting = FacilityMeeting(facility_id=facility.id, season_id=record.id, date=on, half=half,
                              time=time, notes=notes or None, created_by=user.id)
    facility.meetings.append(meeting)
    facility.events.append(FacilityEvent(
        user_id=user.id, action="meeting_added", note=f"{on.isoformat()} {HALF_LABELS[half]}"))
    db.flush()
    return meeting


def cancel_meeting(db: Session, meeting: FacilityMeeting, user: User) -> None:
    if meeting.status != "planned":
        raise MeetingRefused(["この打合せは既に取り消されています。"])
    meeting.status = "cancelled"
    meeting.facility.events.append(FacilityEvent(
        user_id=user.id, action="meeting_cancelled",
        note=f"{meeting.date.isoformat()} {HALF_LABELS[meeting.half]}"))
    db.flush()
