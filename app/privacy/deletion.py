"""Deleting personal data after the visit (SPEC §9, seed 004 §8(2)キ, seed 001 §8).

Once a visit is over (its outcome recorded) and its slip has gone to the city, the booking's
personal fields are purged for good. The row stays for the reception list and the reports:
receipt number, dates, town, number of applications, outcome, and the age band at the visit
date (computed before the birth date goes). Sex is not asked at intake, so never stored.

How the values are destroyed: every personal column is first overwritten in place with a
value of the same stored size (blanks; 1900-01-01 for the birth date), then set to NULL, in
one transaction. SQLite runs with `PRAGMA secure_delete=ON` (app/db.py), so the freed cell
space and any freed pages are zeroed: no old value survives in the database file, without
a VACUUM. The precise home coordinates are rounded to about a kilometre (2 decimals).
On PostgreSQL an UPDATE writes a new row version and leaves the old one (with the value) in
the table as a dead row until a VACUUM removes it; so once the deletion has committed, the
run VACUUMs the tables it overwrote (`vacuum_purged`: PostgreSQL only, on an AUTOCOMMIT
connection, as VACUUM cannot run inside a transaction) and logs that it did. VACUUM makes
the old versions unreachable and their space reusable; it does not promise to zero the
bytes, nor does it reach the write-ahead log or backups.

Each deletion writes a `delete` row to the handling log, which, with the booking's
deletion date, is the deletion-proof report (個人情報削除の記録).

Facility visits (SPEC §8) are purged the same way, per facility, once every visit part has
its outcome (visited or cancelled on the day) and the applicant list went to the city: the
residents' names, addresses, birth dates and free text of the applicant list, the contact
person, the request's and the visits' notes and the history's notes are overwritten, then
NULLed. The list's rows stay (one per applicant, with the age band at the visit and the
yes/no answers), so the counts survive. A withdrawn request is purged straight away.
A facility of 5 or fewer visited through a home booking has no visit parts: its list follows
that booking (outcome, the slip's hand-over, retention) and goes in the same run.

Call-log notes (app/calls) are free text an operator may have typed a caller's name or phone
into. They serve the call itself only, so a note is kept `retention_days` days after the
call and then purged (overwrite, then NULL) whenever the season's deletions run; the call's
kind and time stay, so the weekly call counts (SPEC §11) do not change.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from app.bookings.callbacks import pending_changes
from app.bookings.forms import age_on
from app.bookings.models import Booking, BookingEvent
from app.bookings.records import STATUS_LABELS
from app.calls.models import CallRecord
from app.calls.operations import local_date, local_time
from app.facilities.models import FacilityEvent, FacilityRequest
from app.facilities.operations import APPLICANT_LIST_RECORD
from app.facilities.planning import shareable_parts
from app.privacy.models import HandlingLogEntry
from app.privacy.operations import log_handling, staff_names
from app.xlsx import table_xlsx
from routing import forget_cached_points

# (column, label) of every personal value a booking holds.
PERSONAL_FIELDS: tuple[tuple[str, str], ...] = (
    ("name", "氏名"),
    ("name_kana", "フリガナ"),
    ("birth_date", "生年月日"),
    ("address", "住所"),
    ("phone", "連絡先"),
    ("caller_name", "電話をかけた方の氏名"),
    ("caller_phone", "電話をかけた方の連絡先"),
    ("eligibility_detail", "来庁が困難な理由の詳細"),
    ("details", "聞き取り内容（本人確認書類・状態・注意事項など）"),
    ("outcome_notes", "訪問結果のメモ"),
)
TEXT_FIELDS = ("name", "name_kana", "address", "phone", "caller_name", "caller_phone",
               "eligibility_detail", "outcome_notes")
DELETED_LABELS = (*(label for _, label in PERSONAL_FIELDS), "履歴の理由欄",
                  "位置（約1kmに丸め）")
KEPT_LABELS = ("受付番号", "予約日", "訪問予定日", "申請予定件数", "訪問結果・申請受付件数",
               "町名", "年齢階級")
METHOD = "同じ長さの空白で上書きしてから消去（SQLite secure_delete により空き領域も0で上書き）"
METHOD_POSTGRESQL = "同じ長さの空白で上書きしてから消去（PostgreSQL: 削除の直後に VACUUM で古い行バージョンを除去）"
METHOD_VACUUMED = "同じ長さの空白で上書きしてから消去（PostgreSQL: VACUUM で古い行バージョンを除去、取扱記録No.{log_id}）"
METHOD_NOT_VACUUMED = ("同じ長さの空白で上書きしてから消去（PostgreSQL: 削除後の VACUUM の記録なし。"
                       "古い行バージョンは自動VACUUMで除去）")
COORDINATE_DECIMALS = 2

AGE_BANDS: tuple[tuple[int, str], ...] = (
    (0, "65歳未満"), (65, "65〜74歳"), (75, "75〜79歳"), (80, "80〜84歳"), (85, "85〜89歳"),
    (90, "90〜94歳"), (95, "95歳以上"),
)
UNKNOWN_AGE = "不明"

# States with a deletion deadline (`RetentionStatus.due_by`): to delete, or waiting for a step
# that should have been done by then.
DEADLINE_STATES = ("eligible", "waiting_outcome", "waiting_share")

STATE_LABELS: dict[str, str] = {
    "active": "訪問前",
    "waiting_outcome": "訪問結果の記録待ち",
    "waiting_share": "小樽市への共有待ち",
    "eligible": "削除対象",
    "deleted": "削除済",
}


def age_band(age: int) -> str:
    label = AGE_BANDS[0][1]
    for lowest, name in AGE_BANDS:
        if age >= lowest:
            label = name
    return label


def booking_age_band(booking: Booking) -> str:
    """The age band at the visit date: stored after deletion, computed before it."""
    if booking.age_band:
        return booking.age_band
    if booking.birth_date is None:
        return UNKNOWN_AGE
    return age_band(age_on(booking.birth_date, booking.visit_date))


class RetentionStatus:
    """What the deletions page shows of a record: its state, and whether it is overdue."""

    state: str
    due_by: dt.date | None
    today: dt.date

    @property
    def overdue(self) -> bool:
        """Past `due_by`: for a record to delete, its deletion is late; for one still waiting
        (outcome or hand-over not recorded), the missing step keeps personal data past the day
        they would have been deleted, so the daily check flags it too (before, such a record
        could wait for ever unnoticed)."""
        return (self.state in DEADLINE_STATES and self.due_by is not None
                and self.today > self.due_by)

    @property
    def stalled(self) -> bool:
        """Overdue because a step before the deletion is missing, not the deletion itself."""
        return self.overdue and self.state != "eligible"

    @property
    def label(self) -> str:
        return STATE_LABELS[self.state]


@dataclass(frozen=True)
class DeletionState(RetentionStatus):
    booking: Booking
    state: str
    eligible_from: dt.date | None = None
    due_by: dt.date | None = None
    today: dt.date = dt.date.min


def deletion_state(booking: Booking, today: dt.date, retention_days: int) -> DeletionState:
    """Where a booking's personal data stand: kept for the visit, waiting for the outcome or
    the hand-over, to be deleted (from `eligible_from`, overdue after `due_by`), deleted."""
    if booking.personal_data_deleted_on is not None:
        return DeletionState(booking, "deleted", today=today)
    recorded = booking.outcome_recorded_at is not None
    if booking.status == "cancelled" and not recorded:
        # Cancelled before the day: nothing to hand over unless the city had the slip and
        # must first be told of the cancellation. The purpose ended with the cancellation, so
        # the data are due from that day, not the booked day (weeks later, say), unless the
        # caller is still to be phoned (a re-plan cancelled it): then until the booked day.
        if booking.correction_of is not None:
            return _waiting(booking, "waiting_share", today, retention_days)
        start = booking.visit_date if pending_changes(booking) else _cancelled_on(booking)
        start = max(start, booking.shared_on or start)
    elif recorded:
        if booking.shared_on is None:
            return _waiting(booking, "waiting_share", today, retention_days)
        start = max(booking.visit_date, booking.shared_on)
    elif booking.visit_date < today:
        return _waiting(booking, "waiting_outcome", today, retention_days)
    else:
        return DeletionState(booking, "active", today=today)
    if today < start:
        return DeletionState(booking, "active", today=today)
    return DeletionState(booking, "eligible", start, start + dt.timedelta(days=retention_days),
                         today)


def _cancelled_on(booking: Booking) -> dt.date:
    """The (Japan) day the booking was cancelled, or its booked day if that is earlier (the
    records keep the real clock while a demo or a test may pin "today": see README)."""
    cancelled = [e.at for e in booking.history if e.action == "cancelled"]
    if not cancelled:
        return booking.visit_date
    return min(booking.visit_date, local_date(max(cancelled)))


def _waiting(booking: Booking, state: str, today: dt.date, retention_days: int) -> DeletionState:
    """Waiting for the outcome or the hand-over: due as if both had been done on the visit day."""
    return DeletionState(booking, state, due_by=booking.visit_date + dt.timedelta(days=retention_days),
                         today=today)


def season_states(db: Session, season_id: int, today: dt.date,
                  retention_days: int) -> list[DeletionState]:
    bookings = db.scalars(select(Booking).where(Booking.season_id == season_id)
                          .order_by(Booking.receipt_no))
    return [deletion_state(b, today, retention_days) for b in bookings]


def overdue(db: Session, season_id: int, today: dt.date, retention_days: int) -> list[DeletionState]:
    """The daily check: personal data that should have been deleted by now."""
    return [s for s in season_states(db, season_id, today, retention_days) if s.overdue]


def _blank_like(value: str, byte_sized: bool) -> str:
    """Blanks taking the same room as `value`: bytes on SQLite (no length limit), characters
    elsewhere (VARCHAR(n) counts characters)."""
    return " " * (len(value.encode()) if byte_sized else len(value))


def purge(db: Session, booking: Booking, user: Any, today: dt.date, final: str = "") -> None:
    """Delete the booking's personal data irreversibly and log it. Refuses a booking whose
    visit is not over or whose slip the city has not received, unless `final` (the city's
    instruction at the contract's end, `erase_all`) says to delete whatever is left."""
    state = deletion_state(booking, today, 0)
    if state.state == "deleted" or (state.state != "eligible" and not final):
        raise ValueError(f"booking {booking.id} is not to be deleted now ({state.state})")
    byte_sized = db.get_bind().dialect.name == "sqlite"
    booking.age_band = booking_age_band(booking)
    events = list(booking.history)

    # 1. Overwrite every value in place with blanks of the same size.
    for column in TEXT_FIELDS:
        value = getattr(booking, column)
        if value:
            setattr(booking, column, _blank_like(value, byte_sized))
    if booking.birth_date is not None:
        booking.birth_date = dt.date(1900, 1, 1)
    if booking.details is not None:
        size = len(json.dumps(booking.details)) - 2
        booking.details = " " * max(size, 0)  # type: ignore[assignment]
    for event in events:
        if event.reason:
            event.reason = _blank_like(event.reason, byte_sized)
    db.flush()

    # 2. Then remove them.
    for column, _label in PERSONAL_FIELDS:
        setattr(booking, column, None)
    for event in events:
        event.reason = None
    booking.lat = round(booking.lat, COORDINATE_DECIMALS)
    booking.lng = round(booking.lng, COORDINATE_DECIMALS)
    booking.personal_data_deleted_on = today
    booking.history.append(BookingEvent(user_id=user.id, action="deleted",
                                        reason="個人情報を削除しました。"))
    log_handling(db, user, "delete", "booking", booking.id,
                 f"受付番号 {booking.receipt_no}: " + "、".join(DELETED_LABELS) + _final_note(final))
    db.flush()


def purge_eligible(db: Session, season_id: int, user: Any, today: dt.date) -> list[Booking]:
    """Delete the personal data of every booking that is due for it; returns them."""
    states = season_states(db, season_id, today, 0)
    done = []
    for state in states:
        if state.state == "eligible":
            purge(db, state.booking, user, today)
            done.append(state.booking)
    return done


@dataclass(frozen=True)
class DeletionRecord:
    """One line of the deletion-proof report."""

    receipt_no: int | str  # a booking's receipt number, or "F<id> <facility name>"
    visit_date: dt.date
    status: str
    shared_on: dt.date | None
    visit_completed_on: dt.date | None
    deleted_on: dt.date
    deleted_at: dt.datetime | None
    deleted_by: str
    log_id: int | None
    deleted_labels: tuple[str, ...] = DELETED_LABELS
    kept_labels: tuple[str, ...] = KEPT_LABELS
    method: str = METHOD
    table: str = "bookings"  # where its values were (the VACUUM that followed names it)


REPORT_COLUMNS: tuple[str, ...] = (
    "受付番号", "訪問予定日", "訪問結果", "小樽市共有日", "訪問終了日", "個人情報削除日",
    "削除日時", "削除した職員", "削除した項目", "削除の方法", "残した項目", "取扱記録No.",
)


def staff_label(entry: HandlingLogEntry | None, names: dict[int, str]) -> str:
    """Who deleted: the person's current name beside the login ID the log row recorded
    (the 特記事項 ask for named staff, as the handling log shows them)."""
    if entry is None:
        return ""
    name = names.get(entry.user_id, "")
    return f"{name}（{entry.username}）" if name else entry.username


def deletion_records(db: Session, season_id: int) -> list[DeletionRecord]:
    bookings = list(db.scalars(select(Booking).where(
        Booking.season_id == season_id, Booking.personal_data_deleted_on.is_not(None))
        .order_by(Booking.receipt_no)))
    entries = {
        e.record_id: e for e in db.scalars(select(HandlingLogEntry).where(
            HandlingLogEntry.action == "delete", HandlingLogEntry.record_type == "booking",
            HandlingLogEntry.record_id.in_([str(b.id) for b in bookings]))
            .order_by(HandlingLogEntry.id))
    }
    names = staff_names(db, list(entries.values()))
    records = []
    for b in bookings:
        entry = entries.get(str(b.id))
        assert b.personal_data_deleted_on is not None
        records.append(DeletionRecord(
            receipt_no=b.receipt_no, visit_date=b.visit_date, status=STATUS_LABELS[b.status],
            shared_on=b.shared_on, visit_completed_on=b.visit_completed_on,
            deleted_on=b.personal_data_deleted_on, deleted_at=entry.at if entry else None,
            deleted_by=staff_label(entry, names), log_id=entry.id if entry else None))
    return with_methods(db, season_id, records + facility_deletion_records(db, season_id))


def report_row(record: DeletionRecord) -> list[object]:
    return [record.receipt_no, record.visit_date, record.status, record.shared_on,
            record.visit_completed_on, record.deleted_on,
            local_time(record.deleted_at) if record.deleted_at else "",
            record.deleted_by, "、".join(record.deleted_labels), record.method,
            "、".join(record.kept_labels), record.log_id]


def deletion_report_xlsx(title: str, records: Sequence[DeletionRecord]) -> bytes:
    return table_xlsx("個人情報削除の記録", f"{title} 個人情報削除の記録（{len(records)}件）",
                      REPORT_COLUMNS, (report_row(r) for r in records))



# --- facility visits ---------------------------------------------------------------------------

FACILITY_DELETED_LABELS = ("申請者リストの氏名", "申請者リストの住所", "申請者リストの生年月日",
                           "申請者リストの再申請の理由・その他", "施設のご担当者名", "依頼のその他欄",
                           "訪問結果のメモ", "経過のメモ")
FACILITY_KEPT_LABELS = ("依頼番号", "施設名・住所・電話", "訪問日", "申請者数", "申請受付件数",
                        "申請者ごとの年齢階級・代筆・顔認証カード・郵送先の別")
FACILITY_APPLICANT_TEXT = ("name", "address", "reapplication_reason", "other")


@dataclass(frozen=True)
class FacilityDeletionState(RetentionStatus):
    facility: FacilityRequest
    state: str
    eligible_from: dt.date | None = None
    due_by: dt.date | None = None
    today: dt.date = dt.date.min

    @property
    def first_visit(self) -> dt.date | None:
        return min((v.visit_date for v in self.facility.visits), default=None)


def facility_deletion_state(facility: FacilityRequest, today: dt.date,
                            retention_days: int) -> FacilityDeletionState:
    """As `deletion_state`, for a facility's applicant list and notes (see the module doc)."""
    if facility.personal_data_deleted_on is not None:
        return FacilityDeletionState(facility, "deleted", today=today)
    parts = shareable_parts(facility)
    if not parts and facility.home_booking is not None and facility.status != "withdrawn":
        return _following_home_booking(facility, today, retention_days)
    if not parts:
        if facility.status != "withdrawn":
            return FacilityDeletionState(facility, "active", today=today)
        # Withdrawn: nothing to visit or hand over; kept until any booked day has passed.
        start = max([v.visit_date for v in facility.visits] + [facility.received_on])
    else:
        pending = [v for v in parts if v.outcome_recorded_at is None and v.status != "visited"]
        last_visit_due = (max(v.visit_date for v in parts) + dt.timedelta(days=retention_days))
        if pending:
            if min(v.visit_date for v in pending) >= today:
                return FacilityDeletionState(facility, "active", today=today)
            return FacilityDeletionState(facility, "waiting_outcome", due_by=last_visit_due,
                                         today=today)
        shared = [v.shared_on for v in parts if v.shared_on is not None]
        if facility.list_uploaded_at is not None and len(shared) < len(parts):
            return FacilityDeletionState(facility, "waiting_share", due_by=last_visit_due,
                                         today=today)
        start = max([v.visit_date for v in parts] + shared)
    if today < start:
        return FacilityDeletionState(facility, "active", today=today)
    return FacilityDeletionState(facility, "eligible", start,
                                 start + dt.timedelta(days=retention_days), today)


def _following_home_booking(facility: FacilityRequest, today: dt.date,
                            retention_days: int) -> FacilityDeletionState:
    """A facility of 5 or fewer visited through a home booking has no visit parts of its own:
    its applicant list is kept, handed over and deleted with that booking (waiting for its
    outcome and its slip's hand-over, then `retention_days`). Once the booking's own data are
    deleted, the list is due at once, as it should have gone with them."""
    booking = facility.home_booking
    assert booking is not None
    if booking.personal_data_deleted_on is not None:
        start = booking.personal_data_deleted_on
        return FacilityDeletionState(facility, "eligible", start, start, today)
    state = deletion_state(booking, today, retention_days)
    return FacilityDeletionState(facility, state.state, state.eligible_from, state.due_by, today)


def facility_states(db: Session, season_id: int, today: dt.date,
                    retention_days: int) -> list[FacilityDeletionState]:
    """Every facility request that was scheduled or withdrawn (others hold no list yet)."""
    facilities = db.scalars(select(FacilityRequest).where(
        FacilityRequest.season_id == season_id,
        FacilityRequest.status.in_(("scheduled", "visited", "withdrawn")))
        .order_by(FacilityRequest.id))
    return [facility_deletion_state(f, today, retention_days) for f in facilities]


def overdue_facilities(db: Session, season_id: int, today: dt.date,
                       retention_days: int) -> list[FacilityDeletionState]:
    return [s for s in facility_states(db, season_id, today, retention_days) if s.overdue]


def purge_facility(db: Session, facility: FacilityRequest, user: Any, today: dt.date,
                   final: str = "") -> None:
    """Delete the facility's personal data irreversibly (overwrite, then NULL) and log it;
    `final` as for `purge`."""
    state = facility_deletion_state(facility, today, 0)
    if state.state == "deleted" or (state.state != "eligible" and not final):
        raise ValueError(f"facility {facility.id} is not to be deleted now ({state.state})")
    byte_sized = db.get_bind().dialect.name == "sqlite"
    first = min((v.visit_date for v in shareable_parts(facility)), default=today)
    applicants = list(facility.applicants)
    visits = list(facility.visits)
    events = list(facility.events)

    # 1. Overwrite every value in place with blanks of the same size.
    for a in applicants:
        a.age_band = age_band(age_on(a.birth_date, first)) if a.birth_date else UNKNOWN_AGE
        for column in FACILITY_APPLICANT_TEXT:
            value = getattr(a, column)
            if value:
                setattr(a, column, _blank_like(value, byte_sized))
        if a.birth_date is not None:
            a.birth_date = dt.date(1900, 1, 1)
    for owner, column in ((facility, "contact_person"), (facility, "notes"),
                          *((v, "outcome_notes") for v in visits), *((e, "note") for e in events)):
        value = getattr(owner, column)
        if value:
            setattr(owner, column, _blank_like(value, byte_sized))
    db.flush()

    # 2. Then remove them.
    for a in applicants:
        for column in (*FACILITY_APPLICANT_TEXT, "birth_date"):
            setattr(a, column, None)
    facility.contact_person = None
    facility.notes = None
    for v in visits:
        v.outcome_notes = None
    for e in events:
        e.note = None
    facility.personal_data_deleted_on = today
    facility.events.append(FacilityEvent(user_id=user.id, action="deleted",
                                         note="個人情報を削除しました。"))
    log_handling(db, user, "delete", APPLICANT_LIST_RECORD, facility.id,
                 f"福祉施設 F{facility.id}（申請者 {len(applicants)}名）: "
                 + "、".join(FACILITY_DELETED_LABELS) + _final_note(final))
    db.flush()


def facility_deletion_records(db: Session, season_id: int) -> list[DeletionRecord]:
    facilities = list(db.scalars(select(FacilityRequest).where(
        FacilityRequest.season_id == season_id,
        FacilityRequest.personal_data_deleted_on.is_not(None)).order_by(FacilityRequest.id)))
    entries = {
        e.record_id: e for e in db.scalars(select(HandlingLogEntry).where(
            HandlingLogEntry.action == "delete", HandlingLogEntry.record_type == APPLICANT_LIST_RECORD,
            HandlingLogEntry.record_id.in_([str(f.id) for f in facilities]))
            .order_by(HandlingLogEntry.id))
    }
    names = staff_names(db, list(entries.values()))
    records = []
    for f in facilities:
        parts = shareable_parts(f)
        entry = entries.get(str(f.id))
        assert f.personal_data_deleted_on is not None
        taken = sum(v.applications_taken or 0 for v in parts if v.status == "visited")
        status = (f"訪問済（申請 {taken}件）" if any(v.status == "visited" for v in parts)
                  else "当日取消" if parts else "取り下げ")
        records.append(DeletionRecord(
            receipt_no=f"F{f.id} {f.name}",
            visit_date=min((v.visit_date for v in parts or f.visits), default=f.received_on),
            status=status, shared_on=max((v.shared_on for v in parts if v.shared_on), default=None),
            visit_completed_on=max((v.visit_completed_on for v in parts if v.visit_completed_on),
                                   default=None),
            deleted_on=f.personal_data_deleted_on, deleted_at=entry.at if entry else None,
            deleted_by=staff_label(entry, names), log_id=entry.id if entry else None,
            deleted_labels=FACILITY_DELETED_LABELS, kept_labels=FACILITY_KEPT_LABELS,
            table="facility_applicants"))
    return records


# --- call-log notes ----------------------------------------------------------------------------

CALL_NOTES_RECORD = "call_notes"  # handling-log record type


def call_notes_due(db: Session, season_id: int, today: dt.date, keep_days: int) -> list[CallRecord]:
    """Calls whose note is older than `keep_days` days (Japan dates)."""
    limit = today - dt.timedelta(days=keep_days)
    calls = db.scalars(select(CallRecord).where(
        CallRecord.season_id == season_id, CallRecord.note.is_not(None)).order_by(CallRecord.id))
    return [c for c in calls if local_date(c.received_at) < limit]


def purge_call_notes(db: Session, season_id: int, user: Any, today: dt.date,
                     keep_days: int) -> int:
    """Overwrite, then NULL, the notes of calls older than `keep_days` (every note when it is
    negative: the contract's end); the calls stay (the weekly counts). One handling-log row
    names the calls."""
    calls = call_notes_due(db, season_id, today, keep_days)
    if not calls:
        return 0
    byte_sized = db.get_bind().dialect.name == "sqlite"
    for call in calls:
        call.note = _blank_like(call.note or "", byte_sized)
    db.flush()
    for call in calls:
        call.note = None
    log_handling(db, user, "delete", CALL_NOTES_RECORD, season_id,
                 f"通話メモ {len(calls)}件（通話ID {', '.join(str(c.id) for c in calls)}）"
                 + (f"：受電から{keep_days}日を過ぎたメモ" if keep_days >= 0 else "：すべてのメモ"))
    db.flush()
    return len(calls)


# --- one run -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class PurgeResult:
    bookings: list[Booking]
    facilities: list[FacilityRequest]
    call_notes: int

    @property
    def total(self) -> int:
        return len(self.bookings) + len(self.facilities) + self.call_notes

    def summary(self) -> str:
        """Japanese, for the page and the CLI."""
        parts = []
        if self.bookings:
            parts.append(f"予約{len(self.bookings)}件（受付番号 "
                         f"{', '.join(str(b.receipt_no) for b in self.bookings)}）")
        if self.facilities:
            parts.append(f"福祉施設{len(self.facilities)}件（"
                         f"{', '.join(f'F{f.id}' for f in self.facilities)}）")
        if self.call_notes:
            parts.append(f"通話メモ{self.call_notes}件")
        return "、".join(parts)


    @property
    def tables(self) -> tuple[str, ...]:
        """The tables whose personal values this run overwrote (to VACUUM on PostgreSQL)."""
        return ((BOOKING_TABLES if self.bookings else ())
                + (FACILITY_TABLES if self.facilities else ())
                + (CALL_NOTE_TABLES if self.call_notes else ()))


def purge_season(db: Session, season_id: int, user: Any, today: dt.date,
                 call_note_days: int) -> PurgeResult:
    """The season's deletion run: every booking and facility due for it, and old call notes."""
    bookings = purge_eligible(db, season_id, user, today)
    facilities = []
    for state in facility_states(db, season_id, today, 0):
        if state.state == "eligible":
            purge_facility(db, state.facility, user, today)
            facilities.append(state.facility)
    notes = purge_call_notes(db, season_id, user, today, call_note_days)
    if bookings or facilities:
        forget_cached_points()
    return PurgeResult(bookings, facilities, notes)


# --- the contract's end (seed 001 特記事項第11) -----------------------------------------------

FINAL_NOTE = "（契約完了時の全件消去。委託者の指示: {instruction}）"


def _final_note(instruction: str) -> str:
    return FINAL_NOTE.format(instruction=instruction) if instruction else ""


class ErasureRefused(Exception):
    """Why the contract-end erasure cannot run (Japanese, for the page and the CLI)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Remaining:
    """Personal data still held, by where they stand: what the contract-end erasure removes."""

    bookings: list[DeletionState]
    facilities: list[FacilityDeletionState]
    call_notes: int

    @property
    def total(self) -> int:
        return len(self.bookings) + len(self.facilities) + self.call_notes

    @property
    def not_yet_due(self) -> int:
        """Records the normal run would not delete yet (no outcome, or not handed over)."""
        return (sum(1 for s in self.bookings if s.state != "eligible")
                + sum(1 for s in self.facilities if s.state != "eligible"))


def remaining(db: Session, season_id: int, today: dt.date) -> Remaining:
    bookings = [s for s in season_states(db, season_id, today, 0) if s.state != "deleted"]
    facilities = db.scalars(select(FacilityRequest).where(
        FacilityRequest.season_id == season_id,
        FacilityRequest.personal_data_deleted_on.is_(None)).order_by(FacilityRequest.id))
    return Remaining(bookings, [facility_deletion_state(f, today, 0) for f in facilities],
                     len(call_notes_due(db, season_id, today, -1)))


def erase_all(db: Session, season_id: int, last_visit_day: dt.date | None, user: Any,
              today: dt.date, instruction: str) -> PurgeResult:
    """Delete every personal value the season still holds, whatever its state, once the
    contract's work is done: 第11 「契約完了後においては、委託者の指示により、速やかに返還、
    廃棄又は消去しなければならない」. The normal run keeps records waiting for an outcome or
    the hand-over; at the end nothing may stay, so this one does not wait. The city's
    instruction (who, when) is required and goes into each handling-log row, so the
    deletion-proof report (第11の3: 報告書) shows on whose word records were deleted early."""
    instruction = " ".join(instruction.split())
    if not instruction:
        raise ErasureRefused("instruction", "小樽市からの指示（日付・指示した方）を入力してください。")
    if last_visit_day is not None and today <= last_visit_day:
        raise ErasureRefused("", f"最終訪問日（{last_visit_day.month}月{last_visit_day.day}日）"
                                 "を過ぎるまでは全件消去できません。訪問に必要な情報です。")
    left = remaining(db, season_id, today)
    bookings = []
    for state in left.bookings:
        purge(db, state.booking, user, today, final=instruction)
        bookings.append(state.booking)
    facilities = []
    for fstate in left.facilities:
        purge_facility(db, fstate.facility, user, today, final=instruction)
        facilities.append(fstate.facility)
    notes = purge_call_notes(db, season_id, user, today, -1)
    if bookings or facilities:
        forget_cached_points()
    return PurgeResult(bookings, facilities, notes)


# --- VACUUM on PostgreSQL ----------------------------------------------------------------------

# The tables each kind of deletion overwrites (`purge`, `purge_facility`, `purge_call_notes`).
BOOKING_TABLES = ("bookings", "booking_events")
FACILITY_TABLES = ("facility_requests", "facility_applicants", "facility_visits", "facility_events")
CALL_NOTE_TABLES = ("calls",)
VACUUM_RECORD = "dead_row_versions"  # handling-log record type of a VACUUM after a deletion
VACUUM_LOCK_TIMEOUT = "5s"  # never queue long behind a conflicting lock (an ALTER, a vacuum)
VACUUM_STATEMENT_TIMEOUT = "120s"


def deletion_method(dialect: str) -> str:
    """How values are destroyed on this database, for the deletions page."""
    return METHOD_POSTGRESQL if dialect == "postgresql" else METHOD


def vacuum(engine: Engine, tables: Sequence[str]) -> None:
    """VACUUM `tables` (PostgreSQL only) on an AUTOCOMMIT connection of `engine`.

    Run it after the deletion committed: before that the old row versions are not dead yet.
    A plain VACUUM lets reads and writes go on; the lock timeout bounds the wait behind a
    conflicting lock, and the error then tells the caller it did not run.
    """
    preparer = engine.dialect.identifier_preparer
    with engine.connect() as plain:
        conn = plain.execution_options(isolation_level="AUTOCOMMIT")
        conn.exec_driver_sql(f"SET lock_timeout = '{VACUUM_LOCK_TIMEOUT}'")
        conn.exec_driver_sql(f"SET statement_timeout = '{VACUUM_STATEMENT_TIMEOUT}'")
        try:
            conn.exec_driver_sql("VACUUM " + ", ".join(preparer.quote(t) for t in tables))
        finally:
            conn.exec_driver_sql("RESET lock_timeout")  # the connection goes back to the pool
            conn.exec_driver_sql("RESET statement_timeout")


def vacuum_detail(tables: Sequence[str]) -> str:
    return f"VACUUM {', '.join(tables)}（削除・上書きした個人情報の古い行バージョンを除去）"


def vacuumed_tables(entry: HandlingLogEntry) -> set[str]:
    """The tables a VACUUM row of the handling log names (see `vacuum_detail`)."""
    names = entry.detail.removeprefix("VACUUM ").split("（", 1)[0]
    return {n.strip() for n in names.split(",")}


def vacuum_purged(db: Session, engine: Engine, tables: Sequence[str], user: Any,
                  season_id: int) -> HandlingLogEntry | None:
    """After a deletion run has committed: on PostgreSQL, VACUUM the tables it overwrote and
    append a `delete` row for it to the handling log (the caller commits that row). Nothing
    on SQLite, whose secure_delete already zeroed the space. Returns the row, or None."""
    if engine.dialect.name != "postgresql" or not tables:
        return None
    vacuum(engine, tables)
    return log_handling(db, user, "delete", VACUUM_RECORD, season_id, vacuum_detail(tables))


def with_methods(db: Session, season_id: int, records: list[DeletionRecord]
                 ) -> list[DeletionRecord]:
    """On PostgreSQL, each record's method says whether a VACUUM of its table followed the
    deletion (and which log row records it)."""
    if db.get_bind().dialect.name != "postgresql":
        return records
    vacuums = list(db.scalars(select(HandlingLogEntry).where(
        HandlingLogEntry.action == "delete", HandlingLogEntry.record_type == VACUUM_RECORD,
        HandlingLogEntry.record_id == str(season_id)).order_by(HandlingLogEntry.id)))
    result = []
    for record in records:
        after = next((v for v in vacuums if record.log_id is not None and v.id > record.log_id
                      and record.table in vacuumed_tables(v)), None)
        method = (METHOD_VACUUMED.format(log_id=after.id) if after else METHOD_NOT_VACUUMED)
        result.append(replace(record, method=method))
    return result
