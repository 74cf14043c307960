"""Facility rows -> the planner's plain data, next to the home bookings' (`app.bookings.planning`).

A scheduled facility is one `kind="facility"` `Request` (id ``F<id>``) whose applicants are
those it was scheduled with, and one `Visit` per stored half-day part, so `check_plan` sees a
split facility as one request with all its parts (SPEC §3) together with the home visits.

Lead time (SPEC §5, 004 §8(2)オ "about one month before"): a facility's `received` is the day
the manager confirmed the visit (`scheduled_on`), not the first call: the month is the
facility's time to prepare (pre-meeting, applicant list), and it starts when the date is
agreed. Until scheduled, a request is not part of the plan at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.facilities.models import FacilityRequest, FacilityVisit
from solver.plan_types import Visit
from solver.season import Request, Wish

PLANNED_VISIT_STATUSES = ("booked", "visited")
NEW_FACILITY_ID = "NEWF"


def facility_request_id(facility: FacilityRequest) -> str:
    return f"F{facility.id}"


def facility_wish(facility: FacilityRequest) -> Wish:
    return Wish(
        date_from=facility.wish_from, date_to=facility.wish_to,
        weekdays=tuple(facility.wish_weekdays or ()),
        half=facility.wish_half,  # type: ignore[arg-type]
    )


def planned_parts(facility: FacilityRequest) -> list[FacilityVisit]:
    return [v for v in facility.visits if v.status in PLANNED_VISIT_STATUSES]


def shareable_parts(facility: FacilityRequest) -> list[FacilityVisit]:
    """The parts the city must know of and the team visits: planned ones and those cancelled
    on the day (outcome recorded), not those cancelled beforehand."""
    return [v for v in facility.visits
            if v.status in PLANNED_VISIT_STATUSES or v.outcome_recorded_at is not None]


def home_visit_date(facility: FacilityRequest) -> dt.date | None:
    """The visit day of a facility of 5 or fewer booked into a home slot (SPEC §3, 004 §2
    イ/オ): its linked booking's day, as long as the booking stands (or its outcome was
    recorded on the day) and the facility has no half-day parts of its own. The applicant
    list (004 §9(2)ウ) is due, shown and handed over by this day as for any facility."""
    booking = facility.home_booking
    if booking is None or shareable_parts(facility) or facility.status == "withdrawn":
        return None
    if booking.status == "cancelled" and booking.outcome_recorded_at is None:
        return None
    return booking.visit_date


def list_visit_dates(facility: FacilityRequest) -> list[dt.date]:
    """The days the applicant list is for: the shareable parts', or the home booking's."""
    days = [v.visit_date for v in shareable_parts(facility)]
    home = home_visit_date(facility)
    return days or ([home] if home is not None else [])


LIST_SHARED_EVENT = "list_shared"


def list_shared(facility: FacilityRequest) -> bool:
    """Whether the stored list went to the city: every shareable part carries its share
    day; a facility visited through a home booking has no parts, so its list counts as
    shared once a hand-over recorded it (`list_shared` event) after the list was stored (a
    list uploaded again is a new list)."""
    parts = shareable_parts(facility)
    if parts:
        return all(v.shared_on is not None for v in parts)
    uploaded = facility.list_uploaded_at
    if home_visit_date(facility) is None or uploaded is None:
        return False
    return any(e.action == LIST_SHARED_EVENT and e.at is not None and e.at >= uploaded
               for e in facility.events)


def facility_request(facility: FacilityRequest) -> Request:
    """A scheduled facility as the planner sees it (see the module doc for `received`)."""
    parts = planned_parts(facility)
    assert facility.scheduled_on is not None, "only scheduled facilities are planned"
    return Request(
        id=facility_request_id(facility), kind="facility", received=facility.scheduled_on,
        lat=facility.lat, lng=facility.lng, applicants=sum(v.applicants for v in parts),
        wish=facility_wish(facility),
    )


def facility_visits(facility: FacilityRequest) -> list[Visit]:
    return [
        Visit(request=facility_request_id(facility), date=v.visit_date,
              half=v.half, team=v.team, position=v.position,  # type: ignore[arg-type]
              applicants=v.applicants, eta=v.eta)
        for v in planned_parts(facility)
    ]


def planned_facilities(db: Session, season_id: int) -> list[FacilityRequest]:
    """The season's facilities with at least one planned half-day part, read fresh."""
    rows = db.scalars(
        select(FacilityRequest)
        .where(FacilityRequest.season_id == season_id,
               FacilityRequest.id.in_(select(FacilityVisit.facility_id).where(
                   FacilityVisit.season_id == season_id,
                   FacilityVisit.status.in_(PLANNED_VISIT_STATUSES))))
        .options(selectinload(FacilityRequest.visits))
        .order_by(FacilityRequest.id)
        .execution_options(populate_existing=True)
    )
    return [f for f in rows if planned_parts(f)]


def all_facility_visits(facilities: Sequence[FacilityRequest]) -> list[Visit]:
    return [v for f in facilities for v in facility_visits(f)]
