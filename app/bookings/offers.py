"""Slot offers for a caller: which (day, half-day) can take the visit, and why not.

The slot policy lives in `solver.policy`; this module only turns the season's bookings into
the solver's plain data and the answer into rows for the page and the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app import clock
from app.bookings import texts
from app.bookings.intake import offer_key
from app.bookings.operations import Intake, Slot, active_bookings, new_request, route_ids
from app.bookings.planning import booking_request, booking_visit, season_problem, with_travel
from app.facilities.planning import all_facility_visits, planned_facilities
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.policy import offer_slots
from solver.season import Half, Rules


@dataclass(frozen=True)
class OfferRow:
    """One offer as the operator reads it out; `key` identifies it in the booking form."""

    key: str
    date: dt.date
    half: Half
    team: int
    position: int
    eta: str
    meets_wishes: bool
    travel_from_previous_min: float | None


@dataclass(frozen=True)
class OfferResult:
    offers: list[OfferRow]
    reasons: list[tuple[dt.date, list[str]]] = field(default_factory=list)
    reason_codes: list[tuple[dt.date, tuple[str, ...]]] = field(default_factory=list)
    estimated: bool = False


def reason_labels(codes: tuple[str, ...], rules: Rules) -> list[str]:
    return [texts.reason_label(code, rules) for code in codes]


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
    rows = [
        OfferRow(
            key=offer_key(Slot(o.date, o.half, o.team, o.position,
                               routes.get((o.date, o.half, o.team), ()))),
            date=o.date, half=o.half, team=o.team, position=o.position, eta=o.eta,
            meets_wishes=o.wish_met, travel_from_previous_min=o.travel_from_previous_min,
        )
        for o in answer.offers
    ]
    return OfferResult(
        offers=rows,
        reasons=[(v.date, reason_labels(v.reasons, config.rules)) for v in answer.excluded],
        reason_codes=[(v.date, v.reasons) for v in answer.excluded],
        estimated=problem.travel.fallback,
    )
