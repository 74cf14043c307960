"""Booking services: reserve a slot safely, cancel, keep the history (SPEC §7, §9).

A reservation is safe under concurrency because it first increments the season's receipt
counter with an UPDATE: PostgreSQL locks that row until the transaction ends, and SQLite's
BEGIN IMMEDIATE already holds the write lock (see `app.db.make_engine`). Under that lock the
season's bookings are read fresh, the new visit is placed, and the whole season plan is
verified by the planner's own guard (`solver.check.check_plan`), scheduled facility visits
included (`app.facilities.planning`). If anything breaks a rule
the service raises `SlotUnavailable` and the request rolls back, counter included, so
receipt numbers stay sequential with no gaps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, object_session

from app import clock
from app.auth.models import User
from app.bookings.models import CAUSE_CALLER, CAUSE_RENUMBER, Booking, BookingEvent
from app.bookings.planning import (
    NEW_REQUEST_ID,
    booking_visit,
    request_id,
    season_problem,
    with_travel,
)
from app.dates import jp_date
from app.facilities.planning import all_facility_visits, planned_facilities
from app.privacy.operations import log_handling
from app.routesheets.outcomes import record_outcome
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.check import check_plan
from solver.plan_types import Plan, Visit
from solver.problem import PlanningProblem, visit_eta
from solver.season import Half, Request, Wish

ACTIVE = ("booked",)


@dataclass(frozen=True)
class Intake:
    """Everything the operator took down on the phone (SPEC §6-§7), as plain data."""

    caller_relationship: str
    caller_name: str | None
    caller_phone: str | None
    name: str
    name_kana: str
    birth_date: dt.date | None  # None only for a facility booking for its residents
    phone: str
    address: str
    lat: float
    lng: float
    town: str | None
    location_precision: str
    eligibility: str
    eligibility_detail: str
    applicants: int
    application_type: str
    details: dict[str, Any]
    wish: Wish


@dataclass(frozen=True)
class Slot:
    """A place in the season: the visit day, half-day, team and position in the route.

    `route` is what the operator saw: the ids of the bookings already in that half-day, in
    visit order, when the slot was offered. Booking refuses the slot when the half-day has
    changed since (another operator booked into it, or the same form was sent twice), so a
    stale offer never silently pushes a confirmed caller to a later time. None skips the
    check (the demo loader and service-level tests book places they have just chosen).
    """

    date: dt.date
    half: Half
    team: int
    position: int
    route: tuple[int, ...] | None = None

    @property
    def route_key(self) -> tuple[dt.date, str, int]:
        return (self.date, self.half, self.team)


# Session.info key: the bookings renumbered during the current request (see callbacks).
RENUMBERED = "renumbered_bookings"

STALE_OFFER = ("候補を表示した後に、この時間帯の予約が変わりました。新しい候補から選び直して"
               "ください。")
# A change page opened before the booking was moved (by another operator, or in another tab)
# can offer the half-day the booking is now in.
SAME_SLOT = ("選んだ日時は現在の予約と同じ日時です（画面を開いた後に、この予約が変更されています）。"
             "現在の訪問予定を確かめてから選び直してください。")


def route_ids(bookings: Sequence[Booking]) -> dict[tuple[dt.date, str, int], tuple[int, ...]]:
    """The booking ids of every half-day route, in visit order."""
    routes: dict[tuple[dt.date, str, int], list[Booking]] = {}
    for booking in bookings:
        routes.setdefault((booking.visit_date, booking.half, booking.team), []).append(booking)
    return {key: tuple(b.id for b in sorted(route, key=lambda b: b.position))
            for key, route in routes.items()}


class SlotUnavailable(Exception):
    """The chosen slot is no longer possible (taken meanwhile, or breaks a rule)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def active_bookings(db: Session, season_id: int) -> list[Booking]:
    """The visits of the season plan: booked ones, and those whose outcome was recorded on the
    day (visited, not at home, cancelled on the day). A recorded visit keeps its place in its
    half-day's route, so the routes the planner checks never get a gap while a team records
    visit 1 before visit 2 has happened."""
    return list(db.scalars(
        select(Booking).where(
            Booking.season_id == season_id,
            or_(Booking.status.in_(ACTIVE), Booking.outcome_recorded_at.is_not(None)),
        )
        .order_by(Booking.visit_date, Booking.half, Booking.team, Booking.position)
        .execution_options(populate_existing=True)
    ))


def booked_counts(db: Session, season_id: int) -> dict[tuple[dt.date, str], int]:
    """Active visits per (date, half), for the capacity calendar."""
    counts: dict[tuple[dt.date, str], int] = {}
    for booking in active_bookings(db, season_id):
        key = (booking.visit_date, booking.half)
        counts[key] = counts.get(key, 0) + 1
    return counts


def _lock_season(db: Session, season_id: int) -> None:
    """Take the season's booking lock without using a receipt number."""
    db.execute(update(SeasonRecord).where(SeasonRecord.id == season_id)
               .values(last_receipt_no=SeasonRecord.last_receipt_no))


def _next_receipt_no(db: Session, season_id: int) -> int:
    """Take the season's lock and the next receipt number in one statement."""
    return db.execute(
        update(SeasonRecord).where(SeasonRecord.id == season_id)
        .values(last_receipt_no=SeasonRecord.last_receipt_no + 1)
        .returning(SeasonRecord.last_receipt_no)
    ).scalar_one()


def new_request(intake: Intake, received: dt.date) -> Request:
    return Request(id=NEW_REQUEST_ID, kind="home", received=received, lat=intake.lat,
                   lng=intake.lng, applicants=intake.applicants, wish=intake.wish)


def place(
    visits: list[Visit], new: Visit, kinds: Mapping[dt.date, str], times_of: Any
) -> list[Visit]:
    """Insert `new` at its position in its half-day; later visits move down one place."""
    route = sorted((v for v in visits if (v.date, v.half, v.team) == (new.date, new.half, new.team)),
                   key=lambda v: v.position)
    others = [v for v in visits if (v.date, v.half, v.team) != (new.date, new.half, new.team)]
    index = max(0, min(new.position - 1, len(route)))
    route.insert(index, new)
    renumbered = [
        dataclasses.replace(v, position=i, eta=times_of(kinds[v.date], v.half, i))
        for i, v in enumerate(route, start=1)
    ]
    return others + renumbered


def reserve(
    db: Session, record: SeasonRecord, intake: Intake, slot: Slot, user_id: int,
    today: dt.date | None = None,
) -> Booking:
    """Book `slot` for the caller, or raise `SlotUnavailable` with the rules it would break.

    A refusal changes nothing, not even the receipt counter (the work runs in a savepoint).
    """
    with db.begin_nested():
        return _reserve(db, record, intake, slot, user_id, today)


def _reserve(
    db: Session, record: SeasonRecord, intake: Intake, slot: Slot, user_id: int,
    today: dt.date | None,
) -> Booking:
    receipt_no = _next_receipt_no(db, record.id)
    bookings = active_bookings(db, record.id)
    config = season_config(record)
    received = today or clock.today()
    request = new_request(intake, received)
    facilities = planned_facilities(db, record.id)
    problem = season_problem(config, record.name, bookings, extra=[request],
                             facilities=facilities)
    kinds = {d.date: d.kind for d in problem.visit_days}
    if slot.date not in kinds:
        raise SlotUnavailable([f"no_visit_day: {slot.date} は訪問日ではありません。"])

    def times_of(kind: str, half: Half, position: int) -> str:
        return visit_eta(problem, kind, half, position)  # type: ignore[arg-type]

    mine = _insert_checked(
        problem, record, bookings, [booking_visit(b) for b in bookings],
        all_facility_visits(facilities), slot, intake.applicants, times_of, user_id,
        "同じ時間帯に予約が入り、訪問順が変わりました。訪問時間の再連絡が必要です。")
    booking = Booking(
        season_id=record.id, receipt_no=receipt_no, status="booked", booked_by=user_id,
        received_on=received,
        visit_date=mine.date, half=mine.half, team=mine.team, position=mine.position,
        eta=mine.eta, applicants=intake.applicants, lat=intake.lat, lng=intake.lng,
        town=intake.town, location_precision=intake.location_precision,
        caller_relationship=intake.caller_relationship, caller_name=intake.caller_name,
        caller_phone=intake.caller_phone, name=intake.name, name_kana=intake.name_kana,
        address=intake.address, birth_date=intake.birth_date, phone=intake.phone,
        eligibility=intake.eligibility, eligibility_detail=intake.eligibility_detail,
        application_type=intake.application_type, details=intake.details,
        wish_from=intake.wish.date_from, wish_to=intake.wish.date_to,
        wish_weekdays=list(intake.wish.weekdays) or None, wish_half=intake.wish.half,
    )
    booking.history.append(BookingEvent(user_id=user_id, action="created", cause=CAUSE_CALLER))
    db.add(booking)
    db.flush()
    log_handling(db, db.get(User, user_id), "change", "booking", booking.id,
                 f"予約受付（新規登録） 受付番号 {receipt_no}")
    return booking


def intake_of(booking: Booking) -> Intake:
    """A booking's answers as an `Intake` (to search new places for it)."""
    return Intake(
        caller_relationship=booking.caller_relationship, caller_name=booking.caller_name,
        caller_phone=booking.caller_phone, name=booking.name or "", name_kana=booking.name_kana or "",
        birth_date=booking.birth_date or dt.date(1900, 1, 1), phone=booking.phone or "",
        address=booking.address or "", lat=booking.lat, lng=booking.lng, town=booking.town,
        location_precision=booking.location_precision or "", eligibility=booking.eligibility,
        eligibility_detail=booking.eligibility_detail or "", applicants=booking.applicants,
        application_type=booking.application_type, details=dict(booking.details or {}),
        wish=Wish(date_from=booking.wish_from, date_to=booking.wish_to,
                  weekdays=tuple(booking.wish_weekdays or ()),
                  half=booking.wish_half),  # type: ignore[arg-type]
    )


def reschedule(
    db: Session, record: SeasonRecord, booking: Booking, slot: Slot, wish: Wish, reason: str,
    user_id: int, today: dt.date | None = None,
) -> None:
    """Move a booking to another place with its reason (the caller asked for another day).

    The receipt number stays; the caller's new wish replaces the old one; the lead time counts
    from today, as for a new booking. The old half-day's later visits move up, the new
    half-day's may move down (each recorded as a re-order, so they are called back). Refused
    with `SlotUnavailable` when the new place breaks a rule, is the booking's own half-day
    (`SAME_SLOT`: a stale change page), or on or after the visit day (`change_refusal`);
    nothing changes then.
    """
    today = today or clock.today()
    refusal = change_refusal(booking, today)
    if refusal:
        raise SlotUnavailable([refusal])
    if booking.holds(slot.date, slot.half, slot.team):
        raise SlotUnavailable([SAME_SLOT])
    if not reason.strip():
        raise SlotUnavailable(["変更の理由を入力してください。"])
    with db.begin_nested():
        _reschedule(db, record, booking, slot, wish, reason.strip(), user_id, today)


def _reschedule(
    db: Session, record: SeasonRecord, booking: Booking, slot: Slot, wish: Wish, reason: str,
    user_id: int, today: dt.date,
) -> None:
    _lock_season(db, record.id)
    others = [b for b in active_bookings(db, record.id) if b.id != booking.id]
    config = season_config(record)
    intake = dataclasses.replace(intake_of(booking), wish=wish)
    request = new_request(intake, today)
    facilities = planned_facilities(db, record.id)
    problem = season_problem(config, record.name, others, extra=[request], facilities=facilities)
    kinds = {d.date: d.kind for d in problem.visit_days}
    if slot.date not in kinds:
        raise SlotUnavailable([f"no_visit_day: {slot.date} は訪問日ではありません。"])

    def times_of(kind: str, half: Half, position: int) -> str:
        return visit_eta(problem, kind, half, position)  # type: ignore[arg-type]

    # The old half-day closes its gap first (later visits move up), then the booking is
    # inserted at its new place.
    old_route = sorted((b for b in others if (b.visit_date, b.half, b.team)
                        == (booking.visit_date, booking.half, booking.team)),
                       key=lambda b: b.position)
    rest = [booking_visit(b) for b in others if b not in old_route] + [
        dataclasses.replace(booking_visit(b), position=n,
                            eta=times_of(kinds[b.visit_date], b.half, n))  # type: ignore[arg-type]
        for n, b in enumerate(old_route, start=1)]
    mine = _insert_checked(
        problem, record, others, rest, all_facility_visits(facilities), slot, booking.applicants,
        times_of, user_id,
        "同じ日の別の予約が変更され、訪問順が変わりました。訪問時間の再連絡が必要です。")
    before = {"visit_date": booking.visit_date.isoformat(), "half": booking.half,
              "team": booking.team, "position": booking.position, "eta": booking.eta}
    booking.visit_date, booking.half, booking.team = mine.date, mine.half, mine.team
    booking.position, booking.eta = mine.position, mine.eta
    booking.wish_from, booking.wish_to = wish.date_from, wish.date_to
    booking.wish_weekdays, booking.wish_half = list(wish.weekdays) or None, wish.half
    booking.history.append(BookingEvent(user_id=user_id, action="changed", cause=CAUSE_CALLER,
                                        reason=reason, before=before))
    if (booking.visit_date.isoformat(), booking.half, booking.team, booking.position,
            booking.eta) != (before["visit_date"], before["half"], before["team"],
                             before["position"], before["eta"]):
        booking.share_outdated(user_id, "訪問予定が変わった")
    db.flush()
    log_handling(db, db.get(User, user_id), "change", "booking", booking.id,
                 f"予約変更 受付番号 {booking.receipt_no}")


def _insert_checked(
    problem: PlanningProblem, record: SeasonRecord, bookings: list[Booking],
    visits: list[Visit], fixed: list[Visit], slot: Slot, applicants: int,
    times_of: Any, user_id: int, why_reordered: str,
) -> Visit:
    """Insert the new visit at `slot` among `visits` (the bookings' places) and `fixed`
    (facility visits), check the whole season plan, and re-order the bookings it pushes
    down. Returns the new visit as placed; `SlotUnavailable` with the broken rules if not."""
    if slot.route is not None and route_ids(bookings).get(slot.route_key, ()) != slot.route:
        raise SlotUnavailable([STALE_OFFER])
    kinds = {d.date: d.kind for d in problem.visit_days}
    new_visit = Visit(request=NEW_REQUEST_ID, date=slot.date, half=slot.half, team=slot.team,
                      position=slot.position, applicants=applicants, eta="")
    placed_visits = place(visits + fixed, new_visit, kinds, times_of)
    plan = Plan(scenario=record.name, visit_days=problem.visit_days,
                visits=with_travel(problem, placed_visits), unassigned=())
    problems = check_plan(problem, plan)
    if problems:
        raise SlotUnavailable(problems)
    placed = {v.request: v for v in plan.visits}
    for booking in bookings:
        moved = placed[request_id(booking)]
        _record_reorder(booking, moved.position, moved.eta, user_id, why_reordered)
    return placed[NEW_REQUEST_ID]


def _record_reorder(booking: Booking, position: int, eta: str, user_id: int, why: str) -> None:
    """Move a booking within its half-day; a changed time means the caller must be told
    (`app.bookings.callbacks` lists it until someone records the call)."""
    if (position, eta) == (booking.position, booking.eta):
        return
    if booking.outcome_recorded_at is not None:
        # The visit is over (visited, not at home, cancelled on the day): it only keeps the
        # route's positions contiguous; there is nobody to tell and no slip to correct.
        booking.position, booking.eta = position, eta
        return
    booking.history.append(BookingEvent(
        user_id=user_id, action="reordered", cause=CAUSE_RENUMBER, reason=why,
        before={"position": booking.position, "eta": booking.eta},
    ))
    db = object_session(booking)
    if db is not None:
        db.info.setdefault(RENUMBERED, []).append(booking)
    booking.share_outdated(user_id, "訪問順・訪問時間が変わった")
    booking.position, booking.eta = position, eta


CANCEL_REFUSALS: dict[str, str] = {
    "cancelled": "この予約は既に取り消されています。",
    "visited": "この予約は訪問が終わっているため、取り消せません。",
    "not_home": "この予約は訪問結果（不在）が記録済みのため、取り消せません。",
}
NOT_CHANGEABLE = "この予約は変更できません（取消済みか、訪問が終わっています）。"
# Once the visit day has passed, what happened is the visit team's to record (訪問結果).
PAST_VISIT_DAY = "訪問日（{day}）を過ぎているため、この予約は{what}。訪問結果は訪問ルート表で記録してください。"
SAME_DAY_CHANGE = ("本日が訪問日のため、この予約は変更できません。本日伺えない場合は予約を取り消し"
                   "（訪問ルート表に「当日取消」として記録されます）、別の日は新しい予約として"
                   "受け付けてください。")
SAME_DAY_CANCEL_NOTE = ("本日が訪問日のため、取り消すと訪問ルート表に「当日取消」として記録され、"
                        "訪問班に表示されます（同じ時間帯の他の訪問の順番・時間は変わりません）。")


def visit_day_passed(booking: Booking, today: dt.date | None = None) -> bool:
    """The booking's visit day is over (before today, `app.clock`'s today)."""
    return booking.visit_date < (today or clock.today())


def on_visit_day(booking: Booking, today: dt.date | None = None) -> bool:
    """Today is the booking's visit day."""
    return booking.visit_date == (today or clock.today())


def past_visit_day(booking: Booking, what: str) -> str:
    """「訪問日（2026-06-22）を過ぎているため、この予約は{what}。訪問結果は…」"""
    return PAST_VISIT_DAY.format(day=jp_date(booking.visit_date), what=what)


def change_refusal(booking: Booking, today: dt.date | None = None) -> str | None:
    """Why `booking` can no longer be moved to another day; None while it can.

    The visit day decides, with today as `app.clock` reads it (`APP_TODAY` in a rehearsal):
    - Before the visit day: changed and cancelled freely from the slip.
    - After it (visit date < today): neither. The visit happened or did not; either way
      its outcome is the visit team's to record on the route sheet (visited, not at home,
      cancelled on the day), which is what feeds the reception list, the reports and the
      deletion of personal data. A change or cancellation now would rewrite a past day.
    - On the visit day itself: cancel yes, change no. A caller phoning in sick that morning
      must be able to call the visit off, so the team does not drive there; the slip's cancel
      records it as the day's outcome 当日取消 (see `cancel`), so the visit stays on the day's
      route sheet marked as such and the other visits of its half-day keep the order and times
      their callers were given (renumbering them hours before their visits would put them on
      the call-back list and out of step with the sheet the team carries). A change, by
      contrast, would take the stop off today's sheet without a trace there and renumber the
      rest of the half-day; and it gains nothing over cancelling today and booking anew, since
      any new day is at least the lead time away and is searched from today either way.
    """
    if booking.status != "booked":
        return NOT_CHANGEABLE
    today = today or clock.today()
    if visit_day_passed(booking, today):
        return past_visit_day(booking, "変更できません")
    if on_visit_day(booking, today):
        return SAME_DAY_CHANGE
    return None


def cancel_refusal(booking: Booking, today: dt.date | None = None) -> str | None:
    """Why `booking` can no longer be cancelled; None while it is booked and its visit day
    has not passed (on the day itself it can: see `change_refusal`)."""
    if booking.status != "booked":
        return CANCEL_REFUSALS.get(booking.status, "この予約は取り消せません。")
    if visit_day_passed(booking, today):
        return past_visit_day(booking, "取り消せません")
    return None


def cancel(
    db: Session, record: SeasonRecord, booking: Booking, reason: str, user_id: int,
    today: dt.date | None = None,
) -> None:
    """Cancel a booking with its reason; the later visits of its half-day move up one place
    (their callers go on the call-back list) and a slip the city has is marked for correction.

    On the visit day itself the cancellation is the day's outcome 当日取消, recorded as the
    team would record it on the route sheet (`app.routesheets.outcomes.record_outcome`, the
    reason as its note): the visit keeps its place on the day's sheet and nobody else moves.
    Refused after the visit day (`cancel_refusal`)."""
    today = today or clock.today()
    refusal = cancel_refusal(booking, today)
    if refusal:
        raise SlotUnavailable([refusal])
    if not reason.strip():
        raise SlotUnavailable(["取消の理由を入力してください。"])
    _lock_season(db, record.id)
    if on_visit_day(booking, today):
        record_outcome(db, booking, "cancelled", None, reason, db.get(User, user_id), today)
        return
    before = {"visit_date": booking.visit_date.isoformat(), "half": booking.half,
              "team": booking.team, "position": booking.position, "eta": booking.eta}
    booking.status = "cancelled"
    booking.history.append(BookingEvent(user_id=user_id, action="cancelled", cause=CAUSE_CALLER,
                                        reason=reason.strip(), before=before))
    booking.share_outdated(user_id, "予約が取り消された")
    config = season_config(record)
    kind = next(d.kind for d in config.season.visit_days or () if d.date == booking.visit_date)
    same_half = [b for b in active_bookings(db, record.id)
                 if (b.visit_date, b.half, b.team) == (booking.visit_date, booking.half,
                                                       booking.team) and b.id != booking.id]
    for position, other in enumerate(sorted(same_half, key=lambda b: b.position), start=1):
        eta = (config.times.facility_eta(other.half) if kind == "facility"  # type: ignore[arg-type]
               else config.times.home_eta(other.half, position))  # type: ignore[arg-type]
        _record_reorder(other, position, eta, user_id,
                        "同じ時間帯の予約が取り消され、訪問順が繰り上がりました。訪問時間の再連絡が必要です。")
    db.flush()
    log_handling(db, db.get(User, user_id), "change", "booking", booking.id,
                 f"予約取消 受付番号 {booking.receipt_no}")
