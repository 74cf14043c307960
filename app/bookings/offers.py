"""Slot offers for a caller: which (day, half-day) can take the visit, and why not.

The slot policy lives in `solver.policy`; this module only turns the season's bookings into
the solver's plain data and the answer into rows for the page and the API.

How the answer is shown (decided here, once, for the intake and change pages and the API):
- Order: the policy's first offer (its recommendation, `recommended`) stays first, because it
  is the one `smart` chose to keep room for later callers and the one the benchmarks assume a
  caller takes. The others follow grouped by how many of the caller's soft wishes they meet
  (all, then some, then none) and in date order inside each group, so the operator can read
  the list as "希望に合う順" and scan the dates; with no soft wish that is plain date order.
- Reasons: days past the booking deadline are summarised in one line (`closed_until`)
  instead of one row each; the other excluded days of the policy's answer get a row each,
  and so does the unoffered half of an offered day (`half_reasons`).
- When nothing fits the caller's period, `nearest` names the policy's closest free places
  outside it, so the operator can ask whether the caller could widen the period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app import clock
from app.bookings import texts
from app.bookings.intake import offer_key
from app.bookings.operations import Intake, Slot, active_bookings, new_request, route_ids
from app.bookings.planning import booking_request, booking_visit, season_problem, with_travel
from app.dates import jp_date
from app.facilities.planning import all_facility_visits, planned_facilities
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.policy import Offer, OfferList, offer_slots
from solver.problem import PlanningProblem, day_kind_needed, earliest_date, in_window
from solver.season import Half, Request, Rules, Wish

# How a soft wish is named in the offer list's 希望 column.
WISH_LABELS: dict[str, str] = {"weekdays": "曜日", "half": "午前午後"}


@dataclass(frozen=True)
class OfferRow:
    """One offer as the operator reads it out; `key` identifies it in the booking form.
    `meets` are the soft wishes ("weekdays", "half") of those the caller gave that it meets;
    `recommended` marks the policy's first choice."""

    key: str
    date: dt.date
    half: Half
    team: int
    position: int
    eta: str
    meets_wishes: bool
    travel_from_previous_min: float | None
    meets: tuple[str, ...] = ()
    recommended: bool = False


@dataclass(frozen=True)
class NearbySlot:
    """A free place outside the caller's period (not bookable until the period is widened)."""

    date: dt.date
    half: Half
    eta: str


@dataclass(frozen=True)
class HalfReason:
    """Why one half-day of an offered day is not offered."""

    date: dt.date
    half: Half
    codes: tuple[str, ...]
    labels: list[str]


@dataclass(frozen=True)
class OfferResult:
    """`reasons`/`reason_codes`: every excluded day of the policy's answer (the API's
    `excluded`); the page lists `day_reasons` (those after `closed_until`) and `half_reasons`.
    `wishes` are the soft wishes the caller gave; `window_has_days` says whether the caller's
    period holds any visit day of the kind the visit needs."""

    offers: list[OfferRow]
    reasons: list[tuple[dt.date, list[str]]] = field(default_factory=list)
    reason_codes: list[tuple[dt.date, tuple[str, ...]]] = field(default_factory=list)
    estimated: bool = False
    wishes: tuple[str, ...] = ()
    closed_until: dt.date | None = None
    window_has_days: bool = True
    nearest: list[NearbySlot] = field(default_factory=list)
    half_reasons: list[HalfReason] = field(default_factory=list)
    nearest_after: bool = True  # every nearby place is after the period ("最も早い空き")
    closed_note: str = ""  # the one line for the days up to `closed_until`

    @property
    def day_reasons(self) -> list[tuple[dt.date, list[str]]]:
        """The excluded days shown one by one: those after the deadline summary."""
        return [(d, labels) for d, labels in self.reasons
                if self.closed_until is None or d > self.closed_until]

    @property
    def reason_rows(self) -> list[tuple[dt.date, Half | None, list[str]]]:
        """The page's reason rows: `day_reasons` and `half_reasons` in date order."""
        rows: list[tuple[dt.date, Half | None, list[str]]] = [
            (d, None, labels) for d, labels in self.day_reasons]
        rows += [(h.date, h.half, h.labels) for h in self.half_reasons]
        return sorted(rows, key=lambda r: (r[0], r[1] or ""))

    def wish_note(self, row: OfferRow) -> str:
        """The 希望 column: 指定なし / 希望どおり / which wishes it meets (曜日○・午前午後×)."""
        return wish_note(self.wishes, row.meets)

    def misses_wishes(self, row: OfferRow) -> bool:
        """Whether the offer is greyed: it falls short of a soft wish the caller gave."""
        return misses_wishes(self.wishes, row.meets)


def reason_labels(codes: tuple[str, ...], rules: Rules) -> list[str]:
    return [texts.reason_label(code, rules) for code in codes]


def given_wishes(wish: Wish) -> tuple[str, ...]:
    """The soft wishes a caller gave, in the order the 希望 column names them."""
    return tuple(part for part, given in (("weekdays", bool(wish.weekdays)),
                                          ("half", wish.half is not None)) if given)


def wish_note(wishes: tuple[str, ...], meets: tuple[str, ...]) -> str:
    if not wishes:
        return "指定なし"
    if set(wishes) <= set(meets):
        return "希望どおり"
    return "・".join(f"{WISH_LABELS[w]}{'○' if w in meets else '×'}" for w in wishes)


def misses_wishes(wishes: tuple[str, ...], meets: tuple[str, ...]) -> bool:
    """Whether an offer falls short of a soft wish the caller gave. Not `not meets_wishes`:
    the policy never counts an offer as meeting the wishes of a caller who gave none
    (`solver.problem.soft_wish_met`), and such a caller's offers are all 指定なし, none short."""
    return not set(wishes) <= set(meets)


def display_order(rows: list[OfferRow], wishes: tuple[str, ...]) -> list[OfferRow]:
    """The policy's first offer, then the others by wishes met and date (module doc)."""
    if not rows:
        return rows
    first, *rest = rows
    rest.sort(key=lambda r: (not r.meets_wishes, len(wishes) - len(r.meets),
                             r.date, r.half, r.team))
    return [first, *rest]


def _closed_until(answer: OfferList, rules: Rules, request: Request) -> dt.date | None:
    """The last date past its booking deadline, when the answer lists such days."""
    if not any("lead_time" in v.reasons for v in answer.excluded):
        return None
    return earliest_date(rules, request) - dt.timedelta(days=1)


def closed_note(until: dt.date | None, rules: Rules) -> str:
    """「9月23日（水）までの訪問日は予約期限（訪問日の14日前）を過ぎています。」"""
    if until is None:
        return ""
    return f"{jp_date(until)}までの訪問日は{texts.reason_label('lead_time', rules)}。"


def nearest_after(wish: Wish, nearest: Sequence[Offer]) -> bool:
    """Whether every one of the policy's `nearest` free places comes after the wished period:
    the page then names the first 「最も早い空き」, else 「ご希望の期間に最も近い空き」
    (`nearest_note` in _offers.html). Decided here, once, for the home-visit intake and the
    facility scheduling page (app/facilities/scheduling.py)."""
    return not any(wish.date_from and o.date < wish.date_from for o in nearest)


def _window_has_days(problem: PlanningProblem, request: Request) -> bool:
    kind = day_kind_needed(problem.rules, request)
    return any(in_window(request.wish, d.date) and d.kind == kind for d in problem.visit_days)


def _row(offer: Offer, routes: Mapping[tuple[dt.date, str, int], tuple[int, ...]],
         recommended: bool) -> OfferRow:
    return OfferRow(
        key=offer_key(Slot(offer.date, offer.half, offer.team, offer.position,
                           routes.get((offer.date, offer.half, offer.team), ()))),
        date=offer.date, half=offer.half, team=offer.team, position=offer.position,
        eta=offer.eta, meets_wishes=offer.wish_met,
        travel_from_previous_min=offer.travel_from_previous_min, meets=offer.meets,
        recommended=recommended,
    )


def search_offers(
    db: Session, record: SeasonRecord, intake: Intake, today: dt.date | None = None,
    moving: int | None = None,
) -> OfferResult:
    """Every slot the caller can take now, best first, and why each other day cannot.

    The season's active bookings are the fixed part; only requests already received are
    shown to the policy, so offers never depend on calls that have not happened. `moving` is
    the id of a booking being changed: its own place does not count as taken.
    """
    bookings = [b for b in active_bookings(db, record.id) if b.id != moving]
    config = season_config(record)
    request = new_request(intake, today or clock.today())
    facilities = planned_facilities(db, record.id)
    problem = season_problem(config, record.name, bookings, extra=[request],
                             facilities=facilities)
    booked = with_travel(problem, [booking_visit(b) for b in bookings]
                         + all_facility_visits(facilities))
    seen = [booking_request(b) for b in bookings] + [
        r for r in problem.requests if r.kind == "facility"]
    answer = offer_slots(problem, booked, request, "smart", seen)
    routes = route_ids(bookings)
    wishes = given_wishes(request.wish)
    rows = [_row(o, routes, recommended=i == 0) for i, o in enumerate(answer.offers)]
    rules = config.rules
    closed_until = _closed_until(answer, rules, request)
    return OfferResult(
        offers=display_order(rows, wishes),
        reasons=[(v.date, reason_labels(v.reasons, rules)) for v in answer.excluded],
        reason_codes=[(v.date, v.reasons) for v in answer.excluded],
        estimated=problem.travel.fallback,
        wishes=wishes,
        closed_until=closed_until,
        closed_note=closed_note(closed_until, rules),
        window_has_days=_window_has_days(problem, request),
        nearest=[NearbySlot(o.date, o.half, o.eta) for o in answer.nearest],
        nearest_after=nearest_after(request.wish, answer.nearest),
        half_reasons=[HalfReason(v.date, v.half, v.reasons, reason_labels(v.reasons, rules))
                      for v in answer.excluded_halves],
    )
