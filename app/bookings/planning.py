"""Database rows -> the solver's plain data (requests, visits, the planning problem).

The booking service uses this to ask the slot policy for offers and to run the planner's own
guard (`solver.check.check_plan`) on the season's plan before a booking is saved. The season's
scheduled facility visits (`app.facilities.planning`) are part of the same problem: pass them
as `facilities`, so the checker sees homes and facilities together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence

from app.bookings.models import Booking
from app.facilities.models import FacilityRequest
from app.facilities.planning import facility_request
from solver.plan_types import Visit
from solver.problem import PlanningProblem
from solver.season import Request, Scenario, SeasonConfig, Wish
from solver.travel_table import build_problem

NEW_REQUEST_ID = "NEW"


def request_id(booking: Booking) -> str:
    return f"B{booking.id}"


def booking_request(booking: Booking) -> Request:
    return Request(
        id=request_id(booking),
        kind="home",
        received=booking.received_on,
        lat=booking.lat,
        lng=booking.lng,
        applicants=booking.applicants,
        wish=Wish(
            date_from=booking.wish_from,
            date_to=booking.wish_to,
            weekdays=tuple(booking.wish_weekdays or ()),
            half=booking.wish_half,  # type: ignore[arg-type]
        ),
    )


def booking_visit(booking: Booking) -> Visit:
    return Visit(
        request=request_id(booking),
        date=booking.visit_date,
        half=booking.half,  # type: ignore[arg-type]
        team=booking.team,
        position=booking.position,
        applicants=booking.applicants,
        eta=booking.eta,
    )


def season_problem(
    config: SeasonConfig, name: str, bookings: Sequence[Booking], extra: Sequence[Request] = (),
    facilities: Sequence[FacilityRequest] = (),
) -> PlanningProblem:
    """The planning problem of a season's active bookings, its scheduled `facilities` (one
    `kind="facility"` request each, see `app.facilities.planning`) and `extra` new requests."""
    requests = (tuple(booking_request(b) for b in bookings)
                + tuple(facility_request(f) for f in facilities) + tuple(extra))
    scenario = Scenario(name=name, config=config, requests=requests)
    days = config.season.visit_days or ()
    return build_problem(scenario, visit_days=days)


def with_travel(problem: PlanningProblem, visits: Sequence[Visit]) -> tuple[Visit, ...]:
    """Fill each visit's travel from the previous one of its half-day (None for the first)."""
    by_route: dict[tuple[dt.date, str, int], list[Visit]] = {}
    for visit in visits:
        by_route.setdefault((visit.date, visit.half, visit.team), []).append(visit)
    out: list[Visit] = []
    for (on, _half, _team), route in sorted(by_route.items()):
        ordered = sorted(route, key=lambda v: v.position)
        for previous, visit in zip([None, *ordered[:-1]], ordered, strict=True):
            # A visit on a day that is no longer a visit day has no travel table; check_plan
            # then names the day (unknown_day) instead of this failing.
            travel = (None if previous is None or on not in problem.travel.matrix_of
                      else problem.minutes(on, previous.request, visit.request))
            out.append(dataclasses.replace(visit, travel_from_previous_min=travel))
    return tuple(out)
