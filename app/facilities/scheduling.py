"""Scheduling a facility from the call-back queue with the planner's own policy and guard.

- 6+ applicants (`facility_min_applicants`): a facility visit on facility days. The offers are
  `solver.policy.offer_slots` for a `kind="facility"` request, so the split into half-day
  parts of at most `facility_max_per_half_day` (AM+PM of one day, or another day) and the
  1-month lead time are the planner's (`solver.problem`). Facility days taken by a
  pre-meeting are left out (`app.facilities.meetings`).
- Nothing that fits the facility's wished period: the policy's `nearest` free places outside
  it are listed, and the unoffered half of an offered day says why, both shown as on the
  home-visit intake (`app.bookings.offers`, the shared `_offers.html` macros).
- 5 or fewer: no facility offers; the manager books a home visit through the ordinary
  home-visit intake (`home_path`) and links its receipt number.
- Confirming re-computes the offers under the season's booking lock, takes the chosen one
  only if it is still offered, and runs `solver.check.check_plan` on the whole season plan
  (home bookings + every facility's parts + the new parts) before anything is stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bookings.offers import HalfReason, OfferResult, nearest_after
from app.bookings.operations import active_bookings
from app.bookings.planning import booking_visit, season_problem, with_travel
from app.bookings.texts import REASON_LABELS, reason_label
from app.dates import jp_date
from app.facilities.meetings import blocked_facility_days
from app.facilities.models import FacilityEvent, FacilityRequest, FacilityVisit
from app.facilities.operations import (
    WORKING_FROM,
    WORKING_TO,
    FacilityError,
    parse_clock_time,
)
from app.facilities.planning import (
    all_facility_visits,
    facility_request_id,
    facility_wish,
    home_visit_date,
    planned_facilities,
)
from app.facilities.texts import HALF_LABELS
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.check import check_plan
from solver.plan_types import Plan, Visit
from solver.policy import Offer, OfferList, offer_slots
from solver.problem import PlanningProblem, facility_parts, has_soft_wish
from solver.season import Half, Request

FACILITY_REASON_LABELS: dict[str, str] = {
    **REASON_LABELS,
    "lead_time": "予約期限（福祉施設は訪問日の{facility_lead_days}日前）を過ぎています",
    "no_visit_day": "福祉施設訪問日ではありません",
    "facility_capacity": "福祉施設の訪問枠が埋まっています（または分割訪問の枠が足りません）",
    "meeting": "事前打合せが入っています",
}


@dataclass(frozen=True)
class PartRow:
    date: dt.date
    half: str
    team: int
    applicants: int
    eta: str

    @property
    def half_label(self) -> str:
        return HALF_LABELS[self.half]


@dataclass(frozen=True)
class FacilityOfferRow:
    key: str
    parts: tuple[PartRow, ...]
    meets_wishes: bool


@dataclass(frozen=True)
class FacilityOffers:
    """`excluded`: the days without an offer and why; `half_reasons`: the unoffered half of an
    offered day and why; `nearest`: when nothing fits the wished period, the closest free
    places outside it (not bookable until the facility widens the period), `nearest_after`
    saying that all of them come after it."""

    applicants: int
    home_path: bool  # 5 or fewer: book a home visit instead
    soft_wish: bool = False  # a weekday or half-day wish was given (`meets_wishes` counts)
    split: tuple[int, ...] = ()
    earliest: dt.date | None = None
    offers: list[FacilityOfferRow] = field(default_factory=list)
    excluded: list[tuple[dt.date, list[str]]] = field(default_factory=list)
    half_reasons: list[HalfReason] = field(default_factory=list)
    nearest: list[FacilityOfferRow] = field(default_factory=list)
    nearest_after: bool = True

    @property
    def reason_rows(self) -> list[tuple[dt.date, Half | None, list[str]]]:
        """The day and half-day reason rows in date order, built as the intake builds them."""
        return OfferResult(offers=[], reasons=self.excluded,
                           half_reasons=self.half_reasons).reason_rows


def intake_notes(outlook: FacilityOffers) -> list[str]:
    """What the operator should tell the facility before hanging up: the visit will be split
    (more than a half-day's applicants), or nothing fits its wish as things stand, so the
    call-back will have to discuss another period. The request is taken either way: the
    manager calls back (SPEC §8)."""
    notes = []
    if len(outlook.split) > 1:
        notes.append(f"申請者数が{outlook.applicants}名のため、{len(outlook.split)}回の半日訪問"
                     f"（{'・'.join(f'{n}名' for n in outlook.split)}）に分けて伺います"
                     "（午前と午後、または別の日）。施設の方にお伝えください。")
    if not outlook.home_path and not outlook.offers:
        earliest = f"{jp_date(outlook.earliest)}以降" if outlook.earliest else ""
        notes.append("ご希望の条件では、いまご案内できる福祉施設訪問日がありません（福祉施設の訪問は"
                     f"おおむね1か月前までの予約のため{earliest}）。折り返しの際に希望の期間や曜日を"
                     "広げられるか相談することを、施設の方にお伝えください。")
    elif outlook.soft_wish and outlook.offers and not outlook.offers[0].meets_wishes:
        notes.append("ご希望の曜日・時間帯に合う福祉施設訪問日はいまありません。折り返しの際に"
                     "ほかの曜日・時間帯を相談することを、施設の方にお伝えください。")
    return notes


def offer_key(offer: Offer) -> str:
    return ";".join(f"{v.date.isoformat()}|{v.half}|{v.team}|{v.applicants}" for v in offer.parts)


@dataclass(frozen=True)
class _State:
    problem: PlanningProblem
    request: Request
    booked: tuple[Visit, ...]
    blocked: set[dt.date]


def _state(db: Session, record: SeasonRecord, facility: FacilityRequest,
           applicants: int, today: dt.date) -> _State:
    config = season_config(record)
    request = Request(id=facility_request_id(facility), kind="facility", received=today,
                      lat=facility.lat, lng=facility.lng, applicants=applicants,
                      wish=facility_wish(facility))
    bookings = active_bookings(db, record.id)
    others = [f for f in planned_facilities(db, record.id) if f.id != facility.id]
    problem = season_problem(config, record.name, bookings, extra=[request], facilities=others)
    booked = with_travel(problem, [booking_visit(b) for b in bookings]
                         + all_facility_visits(others))
    return _State(problem, request, booked, blocked_facility_days(db, record))


def _answer(state: _State, seen: list[Request]) -> OfferList:
    """The policy's answer on the facility days a pre-meeting leaves free."""
    days = tuple(d for d in state.problem.visit_days if d.date not in state.blocked)
    open_problem = dataclasses.replace(state.problem, visit_days=days)
    return offer_slots(open_problem, state.booked, state.request, "smart", seen)


def _labels(state: _State, codes: tuple[str, ...]) -> list[str]:
    return [reason_label(c, state.problem.config.rules, FACILITY_REASON_LABELS) for c in codes]


def _row(offer: Offer) -> FacilityOfferRow:
    return FacilityOfferRow(
        key=offer_key(offer),
        parts=tuple(PartRow(v.date, v.half, v.team, v.applicants, v.eta) for v in offer.parts),
        meets_wishes=offer.wish_met)


def facility_offers(db: Session, record: SeasonRecord, facility: FacilityRequest,
                    today: dt.date) -> FacilityOffers:
    """The facility days the manager can offer on the call-back, best first, and why not."""
    rules = season_config(record).rules
    applicants = facility.estimated_applicants
    if applicants < rules.facility_min_applicants:
        return FacilityOffers(applicants=applicants, home_path=True)
    state = _state(db, record, facility, applicants, today)
    seen = [r for r in state.problem.requests if r.id != state.request.id]
    answer = _answer(state, seen)
    excluded = [(v.date, _labels(state, v.reasons)) for v in answer.excluded]
    excluded += [(d, [FACILITY_REASON_LABELS["meeting"]]) for d in sorted(state.blocked)]
    excluded.sort()
    return FacilityOffers(
        applicants=applicants, home_path=False, soft_wish=has_soft_wish(state.request.wish),
        split=facility_parts(rules, applicants),
        earliest=today + dt.timedelta(days=rules.facility_lead_days),
        offers=[_row(o) for o in answer.offers], excluded=excluded,
        half_reasons=[HalfReason(v.date, v.half, v.reasons, _labels(state, v.reasons))
                      for v in answer.excluded_halves],
        nearest=[_row(o) for o in answer.nearest],
        nearest_after=nearest_after(state.request.wish, answer.nearest),
    )


def schedule(db: Session, record: SeasonRecord, facility: FacilityRequest, key: str,
             user: User, today: dt.date) -> list[FacilityVisit]:
    """Store the offer `key` as the facility's half-day parts, or raise `FacilityError`."""
    rules = season_config(record).rules
    if facility.status not in ("new", "contacted"):
        raise FacilityError("この依頼は既に訪問日が決まっているか、終了しています。")
    applicants = facility.estimated_applicants
    if applicants < rules.facility_min_applicants:
        raise FacilityError(
            f"申請者数が{applicants}名（{rules.facility_min_applicants - 1}名以下）のため、"
            "福祉施設訪問日には予約できません。個人宅訪問の予約枠で予約してください。")
    # The season's booking lock (see app.bookings.operations): serialises with home bookings.
    db.execute(update(SeasonRecord).where(SeasonRecord.id == record.id)
               .values(last_receipt_no=SeasonRecord.last_receipt_no))
    state = _state(db, record, facility, applicants, today)
    seen = [r for r in state.problem.requests if r.id != state.request.id]
    chosen = next((o for o in _answer(state, seen).offers if offer_key(o) == key), None)
    if chosen is None:
        raise FacilityError("選んだ日程は、他の予約や打合せで埋まったか、規則に合わなくなりました。"
                            "候補を選び直してください。")
    plan = Plan(scenario=state.problem.name, visit_days=state.problem.visit_days,
                visits=with_travel(state.problem, [*state.booked, *chosen.parts]),
                unassigned=())
    problems = check_plan(state.problem, plan)
    if problems:
        raise FacilityError("計画の規則に合わないため予約できません: " + " / ".join(problems))
    stored = []
    for part in chosen.parts:
        visit = FacilityVisit(season_id=record.id, visit_date=part.date, half=part.half,
                              team=part.team, position=part.position,
                              applicants=part.applicants, eta=part.eta, booked_by=user.id)
        facility.visits.append(visit)
        stored.append(visit)
    facility.status = "scheduled"
    facility.scheduled_on = today
    facility.scheduled_applicants = applicants
    when = "、".join(f"{p.date.isoformat()} {HALF_LABELS[p.half]}（{p.applicants}名）"
                    for p in chosen.parts)
    facility.events.append(FacilityEvent(user_id=user.id, action="scheduled", note=when))
    db.flush()
    return stored


def unschedule(db: Session, facility: FacilityRequest, reason: str, user: User) -> None:
    """Cancel the scheduled parts; the request goes back to `contacted` to be re-scheduled."""
    if facility.status != "scheduled":
        raise FacilityError("訪問日が決まっている依頼ではありません。")
    if not reason.strip():
        raise FacilityError("訪問日を取り消す理由を入力してください。", "note")
    for visit in facility.visits:
        if visit.status == "booked":
            visit.status = "cancelled"
    facility.home_booking_id = None
    facility.status = "contacted"
    facility.scheduled_on = None
    facility.scheduled_applicants = None
    facility.events.append(FacilityEvent(user_id=user.id, action="unscheduled", note=reason))
    db.flush()


def first_visit_date(facility: FacilityRequest) -> dt.date | None:
    """The first planned visit day: of the booked parts, or of the linked home booking for
    a facility of 5 or fewer (`home_visit_date`); the applicant list is due a week before."""
    return min((v.visit_date for v in facility.visits if v.status in ("booked", "visited")),
               default=home_visit_date(facility))


# --- the time agreed with the facility ------------------------------------------------------

AGREED_TIME_LABEL = "施設と調整した訪問時刻"
AGREED_EARLIEST = WORKING_FROM
AGREED_LATEST = WORKING_TO


def parse_agreed_time(text: str) -> str | None:
    """"9:30" / "０９：３０" -> "09:30"; "" -> None (back to the planner's time). Anything
    else, or a time outside 09:00-17:00, raises `FacilityError` on the field."""
    return parse_clock_time(text, AGREED_TIME_LABEL, "agreed_time")


def set_agreed_time(db: Session, visit: FacilityVisit, text: str, user: User) -> str | None:
    """Store the time agreed with the facility for one half-day part (None clears it: the
    planner's 10:00 / 14:00 applies). The planner's `eta` is kept as it is: `check_plan`
    verifies that one; the agreed time is what the team is told on the route sheet."""
    if visit.status != "booked":
        raise FacilityError("訪問済・取消の訪問の時刻は変更できません。", "agreed_time")
    value = parse_agreed_time(text)
    if value == visit.agreed_time:
        return value
    visit.agreed_time = value
    visit.facility.events.append(FacilityEvent(
        user_id=user.id, action="time_agreed",
        note=f"{visit.visit_date.isoformat()} {HALF_LABELS[visit.half]}: "
             + (f"{value}（計画 {visit.eta}）" if value else f"計画どおり {visit.eta}")))
    db.flush()
    return value
