"""Minimal-change re-planning for managers (issue 4 item 4, SPEC §2-§5, §10).

A visit day is cancelled (snow, illness), a day's PM slots change, or the number of teams
changes. `preview` runs the planner's re-planner (`solver.replan.replan`) on the season as it
stands: the current plan is every active home booking plus the scheduled facility visits;
bookings whose slip was already shared with the city (`Booking.shared_on`) move only when
unavoidable. It returns the proposed moves and the people to call back; nothing is written
except the handling-log rows for the personal data shown.

The proposal travels to `apply` inside a signed token (itsdangerous, the app's SECRET_KEY),
so the manager applies exactly what was previewed. `apply` takes the season lock, checks that
every booking to move is still where the preview found it, changes the calendar or the
settings, moves the bookings and cancels those that lost their visit (only once the manager
confirmed it), and then re-checks the whole season plan with the planner's guard
(`check_plan` via `app.bookings.guard`). If the season changed meanwhile (say, a booking was
made into a slot the proposal uses), it raises `StaleProposal` and nothing is kept.

Decisions (documented once, here):
- The re-planning horizon starts tomorrow: visits on or before today and visits whose
  outcome was recorded are pinned (they stay where they are), and no visit is moved to today
  or earlier (the request's lead time is counted as if it had been received no earlier than
  tomorrow minus the lead days, on top of its real lead time). A day can be cancelled or have
  its PM slots changed from today on; a cancelled today's visits move to later days. A change
  that would release a visit whose outcome was recorded (cancelling today after a team
  recorded a morning visit, say) is refused at the preview: that visit cannot move.
- Facility visits are never moved here: they are pinned. A facility visit's date was agreed
  with the facility (pre-meeting, applicant list, one month's preparation), so it is changed
  on the facility's own page. A change that would displace one (cancelling a facility day
  that holds a visit, removing the team a facility visit uses) is refused with a message
  pointing to that page.
- Cancelling a day removes it from the calendar and the season's day count follows the
  calendar, as the calendar page's own removal does; calendar rules the removal breaks
  (say, a week left without a visit day) are shown as warnings, not refused: the day is lost
  either way.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bookings import guard
from app.bookings.models import CAUSE_REPLAN, Booking, BookingEvent
from app.bookings.operations import _lock_season, active_bookings
from app.bookings.planning import booking_visit, request_id, season_problem, with_travel
from app.facilities.models import FacilityRequest
from app.facilities.planning import all_facility_visits, planned_facilities
from app.privacy.operations import log_handling
from app.seasons import operations as seasons
from app.seasons.models import SeasonChange, SeasonRecord
from solver import calendar_rules
from solver.calendar_rules import jp_date
from solver.plan_types import Plan, Visit
from solver.problem import PlanningProblem, lead_days
from solver.replan import (
    CancelDay,
    Change,
    PlanInfeasible,
    ReplanResult,
    SetPmSlots,
    SetTeams,
    apply_change,
    replan,
)

CHANGE_KINDS: dict[str, str] = {
    "cancel_day": "訪問日の中止",
    "pm_slots": "午後の訪問枠の変更",
    "teams": "訪問チーム数の変更",
}
HALF_LABELS: dict[str, str] = {"am": "午前", "pm": "午後"}
MAX_TEAMS = 10
REPLAN_REASON_PREFIX = "予約の再計画"
DROPPED_REASON = {
    "cancel_day": "訪問日の中止により再配置できませんでした",
    "pm_slots": "訪問枠の変更により再配置できませんでした",
    "teams": "訪問チーム数の変更により再配置できませんでした",
}
TOKEN_SALT = "replan-proposal"
DONE_SALT = "replan-done"
TOKEN_MAX_AGE_S = 60 * 60  # a proposal older than an hour must be previewed again
DONE_MAX_AGE_S = 7 * 24 * 60 * 60  # the call-back list stays printable for a week
FACILITY_PAGE_HINT = "福祉施設のページ（福祉施設 → 該当施設）で訪問の日程を先に変更してください。"


class ReplanError(ValueError):
    """Bad input or an impossible change. `field` is the form field ("" for the whole form)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


class AlreadyApplied(ValueError):
    """The proposal is already in effect (the apply button was pressed twice, or the page was
    sent again): nothing more is done, and the view shows the call-back list once more."""


class StaleProposal(ValueError):
    """The season changed since the preview; `problems` are Japanese sentences."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class ChangeRequest:
    """The manager's change as plain data (the form's choice)."""

    kind: str
    date: dt.date | None = None
    slots: int | None = None
    teams: int | None = None

    def solver_change(self) -> Change:
        if self.kind == "cancel_day" and self.date is not None:
            return CancelDay(self.date)
        if self.kind == "pm_slots" and self.date is not None and self.slots is not None:
            return SetPmSlots(self.date, self.slots)
        if self.kind == "teams" and self.teams is not None:
            return SetTeams(self.teams)
        raise ReplanError("kind", "変更の内容が正しくありません。")

    def describe(self) -> str:
        if self.kind == "cancel_day" and self.date:
            return f"{jp_date(self.date)}の訪問を中止"
        if self.kind == "pm_slots" and self.date:
            return f"{jp_date(self.date)}の午後の訪問枠を{self.slots}件に変更"
        if self.kind == "teams":
            return f"訪問チーム数を{self.teams}に変更"
        return CHANGE_KINDS.get(self.kind, self.kind)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "date": self.date.isoformat() if self.date else None,
                "slots": self.slots, "teams": self.teams}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ChangeRequest:
        return cls(kind=data["kind"],
                   date=dt.date.fromisoformat(data["date"]) if data.get("date") else None,
                   slots=data.get("slots"), teams=data.get("teams"))


@dataclass(frozen=True)
class Place:
    """Where a home visit is: day, half-day, team, position and the time told."""

    date: dt.date
    half: str
    team: int
    position: int
    eta: str

    @classmethod
    def of(cls, booking: Booking) -> Place:
        return cls(booking.visit_date, booking.half, booking.team, booking.position, booking.eta)

    @classmethod
    def of_visit(cls, visit: Visit) -> Place:
        return cls(visit.date, visit.half, visit.team, visit.position, visit.eta)

    def to_list(self) -> list[Any]:
        return [self.date.isoformat(), self.half, self.team, self.position, self.eta]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> Place:
        return cls(dt.date.fromisoformat(data[0]), str(data[1]), int(data[2]), int(data[3]),
                   str(data[4]))

    @property
    def told(self) -> tuple[dt.date, str, str]:
        """What the caller was told: the day, the half-day and the time."""
        return (self.date, self.half, self.eta)

    def label(self) -> str:
        return f"{jp_date(self.date)} {HALF_LABELS[self.half]} {self.eta.replace('-', '〜')}頃"


@dataclass(frozen=True)
class PlannedMove:
    """One booking of the proposal: from `old` to `new` (None: it loses its visit)."""

    booking_id: int
    old: Place
    new: Place | None

    @property
    def dropped(self) -> bool:
        return self.new is None

    @property
    def call_back(self) -> bool:
        """The caller must be told: another day, half-day or time, or no visit at all."""
        return self.new is None or self.new.told != self.old.told

    def to_list(self) -> list[Any]:
        return [self.booking_id, self.old.to_list(), None if self.new is None else self.new.to_list()]

    @classmethod
    def from_list(cls, data: Sequence[Any]) -> PlannedMove:
        return cls(int(data[0]), Place.from_list(data[1]),
                   None if data[2] is None else Place.from_list(data[2]))


@dataclass(frozen=True)
class Proposal:
    """What the preview proposed, as it travels in the signed token."""

    season_id: int
    change: ChangeRequest
    reason: str
    moves: tuple[PlannedMove, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"season": self.season_id, "change": self.change.to_dict(), "reason": self.reason,
                "moves": [m.to_list() for m in self.moves]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Proposal:
        return cls(season_id=int(data["season"]), change=ChangeRequest.from_dict(data["change"]),
                   reason=str(data["reason"]),
                   moves=tuple(PlannedMove.from_list(m) for m in data["moves"]))


@dataclass(frozen=True)
class Row:
    """One proposed or applied move as the manager and the operators see it."""

    move: PlannedMove
    booking: Booking
    shared: bool

    @property
    def receipt_no(self) -> int:
        return self.booking.receipt_no


@dataclass(frozen=True)
class Preview:
    proposal: Proposal
    rows: tuple[Row, ...]
    status: str
    seconds: float
    warnings: tuple[str, ...]

    @property
    def moved(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if not r.move.dropped)

    @property
    def dropped(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.move.dropped)

    @property
    def callbacks(self) -> tuple[Row, ...]:
        return tuple(r for r in self.rows if r.move.call_back)


# --- tokens ---------------------------------------------------------------------------------


def _serializer(secret: str, salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=salt)


def sign(proposal: Proposal, secret: str, salt: str = TOKEN_SALT) -> str:
    return _serializer(secret, salt).dumps(proposal.to_dict())


def read(token: str, secret: str, salt: str = TOKEN_SALT,
         max_age: int = TOKEN_MAX_AGE_S) -> Proposal:
    """The proposal in `token`; `ReplanError` when it is expired, forged or malformed."""
    try:
        data = _serializer(secret, salt).loads(token or "", max_age=max_age)
        return Proposal.from_dict(data)
    except SignatureExpired:
        raise ReplanError("token", "再計画の案の有効期限が切れました。もう一度「案を作成」してください。"
                          ) from None
    except (BadSignature, KeyError, TypeError, ValueError, IndexError):
        raise ReplanError("token", "再計画の案を読み取れませんでした。もう一度「案を作成」してください。"
                          ) from None


# --- validation -----------------------------------------------------------------------------


def _facility_names_on(facilities: Sequence[FacilityRequest], visits: Sequence[Visit]) -> str:
    ids = {v.request for v in visits}
    return "、".join(f.name for f in facilities if f"F{f.id}" in ids)


def validate(db: Session, record: SeasonRecord, change: ChangeRequest, reason: str,
             today: dt.date) -> None:
    """Refuse bad input with a Japanese message naming the field (`ReplanError`)."""
    if change.kind not in CHANGE_KINDS:
        raise ReplanError("kind", "変更の種類を選んでください。")
    if not reason.strip():
        raise ReplanError("reason", "理由を入力してください。")
    config = seasons.season_config(record)
    days = {d.date: d for d in config.season.visit_days or ()}
    if change.kind in ("cancel_day", "pm_slots"):
        if change.date is None:
            raise ReplanError("date", "訪問日を入力してください。")
        day = days.get(change.date)
        if day is None:
            raise ReplanError("date", f"{jp_date(change.date)}は訪問日ではありません。")
        if change.date < today:
            raise ReplanError("date", f"{jp_date(change.date)}は過ぎた日のため変更できません。")
    if change.kind == "pm_slots":
        rules = config.rules
        assert change.date is not None
        if days[change.date].kind != "home":
            raise ReplanError("date", f"{jp_date(change.date)}は個人宅の訪問日ではありません"
                              "（午後の訪問枠は個人宅の訪問日だけにあります）。")
        if change.slots is None or not rules.home_pm_slots <= change.slots <= rules.home_pm_slots_max:
            raise ReplanError("pm_slots", f"{rules.home_pm_slots}〜{rules.home_pm_slots_max}件の"
                              "範囲で選んでください。")
        if change.slots == days[change.date].pm_slots:
            raise ReplanError("pm_slots", f"午後の訪問枠は既に{change.slots}件です。")
    if change.kind == "teams":
        if change.teams is None or not 1 <= change.teams <= MAX_TEAMS:
            raise ReplanError("teams", f"1〜{MAX_TEAMS}の整数で入力してください。")
        if change.teams == config.rules.teams:
            raise ReplanError("teams", f"訪問チーム数は既に{change.teams}です。")
    facilities = planned_facilities(db, record.id)
    visits = [v for v in all_facility_visits(facilities) if v.date >= today]
    if change.kind == "cancel_day":
        here = [v for v in visits if v.date == change.date]
        if here:
            raise ReplanError("date", f"{jp_date(change.date)}には福祉施設の訪問"  # type: ignore[arg-type]
                              f"（{_facility_names_on(facilities, here)}）があるため、"
                              f"ここでは中止できません。{FACILITY_PAGE_HINT}")
    if change.kind == "teams":
        teams = change.teams or 0
        done = [b for b in active_bookings(db, record.id)
                if b.team > teams and (b.visit_date < today or b.status != "booked")]
        if done:
            raise ReplanError("teams", f"既に終わった訪問（受付番号 {done[0].receipt_no}）を"
                              f"チーム{done[0].team}が担当しているため、シーズンのチーム数を"
                              f"{teams}に減らせません。")
        beyond = [v for v in visits if v.team > teams]
        if beyond:
            raise ReplanError("teams", f"チーム{beyond[0].team}が福祉施設の訪問"
                              f"（{_facility_names_on(facilities, beyond)}）を担当しているため、"
                              f"チーム数を減らせません。{FACILITY_PAGE_HINT}")


# --- the problem ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _State:
    bookings: dict[str, Booking]
    problem: PlanningProblem
    current: Plan


def _state(db: Session, record: SeasonRecord, change: Change, today: dt.date) -> _State:
    """The season as a re-planning problem: frozen visits pinned, no new visit before tomorrow."""
    bookings = active_bookings(db, record.id)
    facilities = planned_facilities(db, record.id)
    config = seasons.season_config(record)
    base = season_problem(config, record.name, bookings, facilities=facilities)
    visits = [booking_visit(b) for b in bookings] + all_facility_visits(facilities)
    current = Plan(scenario=record.name, visit_days=base.visit_days,
                   visits=with_travel(base, visits), unassigned=())
    recorded = {request_id(b) for b in bookings if b.status != "booked"}
    pins = tuple(v for v in current.visits
                 if v.request.startswith("F") or v.date <= today or v.request in recorded)
    kept = {p.request for p in apply_change(dataclasses.replace(base, pinned=pins), change).pinned}
    released = {p.request for p in pins} - kept
    if any(rid.startswith("F") for rid in released):
        raise ReplanError("", "この変更では福祉施設の訪問を動かす必要があります。" + FACILITY_PAGE_HINT)
    done = [b for b in bookings if request_id(b) in released & recorded]
    if done:
        raise ReplanError("", "訪問結果を記録済みの訪問（受付番号 "
                          + "、".join(str(b.receipt_no) for b in done)
                          + "）を動かすことになるため、この変更はできません。まだ訪問していない予約は、"
                          "予約の変更で1件ずつ別の日に移してください。")
    tomorrow = today + dt.timedelta(days=1)
    requests = []
    for r in base.requests:
        if r.id not in kept:
            floor = tomorrow - dt.timedelta(days=lead_days(config.rules, r))
            r = dataclasses.replace(r, received=max(r.received, floor))
        requests.append(r)
    shared = frozenset(request_id(b) for b in bookings if b.city_has_slip)
    problem = dataclasses.replace(base, requests=tuple(requests), pinned=pins, shared=shared)
    return _State({request_id(b): b for b in bookings}, problem, current)


def _moves(state: _State, result: ReplanResult) -> tuple[PlannedMove, ...]:
    new_of = {v.request: v for v in result.plan.visits}
    moves = []
    for move in result.moved:
        booking = state.bookings.get(move.request)
        if booking is None:  # a facility: refused below
            raise ReplanError("", "この変更では福祉施設の訪問を動かす必要があります。"
                              + FACILITY_PAGE_HINT)
        new = new_of.get(move.request)
        moves.append(PlannedMove(booking.id, Place.of(booking),
                                 None if new is None else Place.of_visit(new)))
    return tuple(sorted(moves, key=lambda m: (m.old.date, m.old.half, m.old.team,
                                              m.old.position)))


def calendar_warnings(record: SeasonRecord, change: ChangeRequest) -> tuple[str, ...]:
    """The calendar rules the change newly breaks (shown as warnings with the proposal)."""
    if change.kind != "cancel_day":
        return ()
    config = seasons.season_config(record)
    before = seasons.visit_days_of(record)
    after = tuple(d for d in before if d.date != change.date)
    old = {p.key for p in calendar_rules.calendar_problems(before, config, check_counts=False)}
    return tuple(p.message for p in calendar_rules.calendar_problems(after, config, check_counts=False)
                 if p.key not in old)


def rows_of(db: Session, moves: Sequence[PlannedMove]) -> tuple[Row, ...]:
    bookings = {b.id: b for b in db.scalars(
        select(Booking).where(Booking.id.in_([m.booking_id for m in moves])))}
    return tuple(Row(m, bookings[m.booking_id], bookings[m.booking_id].city_has_slip)
                 for m in moves if m.booking_id in bookings)


def preview(
    db: Session, record: SeasonRecord, change: ChangeRequest, reason: str, user: User,
    today: dt.date, time_limit_s: float = 10.0,
) -> Preview:
    """The proposed re-planning of the season after `change`; writes only handling-log rows."""
    validate(db, record, change, reason, today)
    solver_change = change.solver_change()
    state = _state(db, record, solver_change, today)
    try:
        result = replan(state.problem, state.current, solver_change, time_limit_s=time_limit_s)
    except PlanInfeasible:
        raise ReplanError("", "確定済みの訪問を保ったままこの変更を行う計画が見つかりませんでした。"
                          "変更の内容を見直してください。") from None
    except ValueError as exc:
        raise ReplanError("", f"この変更はできません（{exc}）。") from None
    moves = _moves(state, result)
    proposal = Proposal(record.id, change, reason.strip(), moves)
    rows = rows_of(db, moves)
    for row in rows:
        log_handling(db, user, "view", "booking", row.booking.id,
                     f"予約の再計画（案）の表示 受付番号 {row.receipt_no}")
    assert result.plan.stats is not None
    return Preview(proposal, rows, result.plan.stats.status, result.plan.stats.seconds,
                   calendar_warnings(record, change))


# --- apply ----------------------------------------------------------------------------------


def _change_season(db: Session, record: SeasonRecord, change: ChangeRequest) -> None:
    """Write the calendar or settings change itself (already validated by the preview)."""
    days = seasons.visit_days_of(record)
    if change.kind in ("cancel_day", "pm_slots") and change.date not in {d.date for d in days}:
        assert change.date is not None
        raise StaleProposal([f"{jp_date(change.date)}は既に訪問日ではありません。"])
    if change.kind == "cancel_day":
        after = [d for d in days if d.date != change.date]
        seasons._replace_days(record, after)
        stored = {**record.config, "season": {**record.config["season"]}}
        stored["season"]["home_days"] = sum(1 for d in after if d.kind == "home")
        stored["season"]["facility_days"] = sum(1 for d in after if d.kind == "facility")
        record.config = stored
    elif change.kind == "pm_slots":
        seasons._replace_days(record, [dataclasses.replace(d, pm_slots=change.slots or 0)
                                       if d.date == change.date else d for d in days])
    elif change.kind == "teams":
        record.config = {**record.config, "rules": {**record.config["rules"],
                                                    "teams": change.teams}}
        seasons.season_config(record)  # the solver's own parser validates the value
    db.flush()


def apply(
    db: Session, record: SeasonRecord, proposal: Proposal, confirm_drops: bool, user: User,
    today: dt.date,
) -> tuple[PlannedMove, ...]:
    """Apply a previewed proposal under the season lock; returns the moves applied.

    Refused with `ReplanError` when the cancellations are not confirmed, with `AlreadyApplied`
    when the season already is what the proposal makes it (a double submit), and with
    `StaleProposal` when the season changed since the preview; nothing changes then.
    """
    if proposal.season_id != record.id:
        raise StaleProposal(["別のシーズンの案です。"])
    if not proposal.reason.strip():
        raise ReplanError("reason", "理由を入力してください。")
    if any(m.dropped for m in proposal.moves) and not confirm_drops:
        raise ReplanError("confirm_drops", "訪問できなくなる方の予約を取り消すことを確認し、"
                          "チェックを入れてください。")
    if proposal.change.date is not None and proposal.change.date < today:
        raise StaleProposal([f"{jp_date(proposal.change.date)}は既に過ぎています。"])
    with db.begin_nested():
        return _apply(db, record, proposal, user)


def _in_effect(db: Session, record: SeasonRecord, proposal: Proposal) -> bool:
    """Whether the season already is what applying `proposal` makes it: the change made and
    every booking where the proposal puts it (or cancelled, when it loses its visit)."""
    change = proposal.change
    days = {d.date: d for d in seasons.visit_days_of(record)}
    if change.kind == "cancel_day":
        made = change.date not in days
    elif change.kind == "pm_slots":
        day = days.get(change.date) if change.date else None
        made = day is not None and day.pm_slots == change.slots
    else:
        made = record.config.get("rules", {}).get("teams") == change.teams
    if not made:
        return False
    for move in proposal.moves:
        booking = db.get(Booking, move.booking_id)
        if booking is None:
            return False
        if move.new is None:
            if booking.status != "cancelled":
                return False
        elif booking.status != "booked" or Place.of(booking) != move.new:
            return False
    return True


def _apply(db: Session, record: SeasonRecord, proposal: Proposal, user: User
           ) -> tuple[PlannedMove, ...]:
    _lock_season(db, record.id)
    if _in_effect(db, record, proposal):
        raise AlreadyApplied(proposal.change.describe())
    bookings = {b.id: b for b in active_bookings(db, record.id)}
    stale = []
    for move in proposal.moves:
        booking = bookings.get(move.booking_id)
        if booking is None or booking.status != "booked":
            gone = db.get(Booking, move.booking_id)
            stale.append(f"受付番号 {gone.receipt_no if gone else move.booking_id} の予約は"
                         "取り消されたか、訪問が終わっています。")
        elif Place.of(booking) != move.old:
            stale.append(f"受付番号 {booking.receipt_no} の訪問予定が変わっています"
                         f"（現在 {Place.of(booking).label()}）。")
    if stale:
        raise StaleProposal(stale)
    before = set(guard.season_plan_problems(db, record))
    _change_season(db, record, proposal.change)
    what = proposal.change.describe()
    for move in proposal.moves:
        booking = bookings[move.booking_id]
        was = {"visit_date": booking.visit_date.isoformat(), "half": booking.half,
               "team": booking.team, "position": booking.position, "eta": booking.eta}
        if move.new is None:
            booking.status = "cancelled"
            booking.history.append(BookingEvent(
                user_id=user.id, action="cancelled", cause=CAUSE_REPLAN, before=was,
                reason=f"{DROPPED_REASON[proposal.change.kind]}（{what}: {proposal.reason}）"))
            booking.share_outdated(user.id, "予約が取り消された")
        else:
            new = move.new
            booking.visit_date, booking.half, booking.team = new.date, new.half, new.team
            booking.position, booking.eta = new.position, new.eta
            booking.history.append(BookingEvent(
                user_id=user.id, action="changed", cause=CAUSE_REPLAN, before=was,
                reason=f"{REPLAN_REASON_PREFIX}（{what}）: {proposal.reason}"))
            if (new.date.isoformat(), new.half, new.team, new.position, new.eta) != (
                    was["visit_date"], was["half"], was["team"], was["position"], was["eta"]):
                booking.share_outdated(user.id, "訪問予定が変わった")
    db.flush()
    db.expire(record)
    added = [line for line in guard.season_plan_problems(db, record) if line not in before]
    if added:
        raise StaleProposal(list(dict.fromkeys(guard.explain(db, record, line)
                                               for line in added)))
    dropped = sum(1 for m in proposal.moves if m.dropped)
    db.add(SeasonChange(season=record, user_id=user.id, summary=(
        f"予約の再計画: {what}（理由: {proposal.reason}）。"
        f"移動 {len(proposal.moves) - dropped}件、取消 {dropped}件。")))
    for move in proposal.moves:
        booking = bookings[move.booking_id]
        log_handling(db, user, "change", "booking", booking.id,
                     f"予約の再計画（{'取消' if move.dropped else '変更'}） 受付番号 {booking.receipt_no}")
    db.flush()
    return proposal.moves


def log_callback_view(db: Session, user: User, rows: Sequence[Row]) -> None:
    for row in rows:
        log_handling(db, user, "view", "booking", row.booking.id,
                     f"予約の再計画の連絡先一覧 受付番号 {row.receipt_no}")
