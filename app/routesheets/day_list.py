"""The visit teams' list of visit days: which days have visits for which team, and which past
days still lack a result.

A team member opens this list on a phone on the day; it must lead with today (and the next
day with visits), flag the days whose results are still missing, and keep the many visit
days without a visit for this team out of the way. The counts are those of the route sheets
(`BOOKING_ON_SHEET`, `FACILITY_VISIT_ON_SHEET`): a stop is on a sheet if it is still planned
or its outcome was recorded, and it lacks a result while no outcome has been recorded.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bookings.models import Booking
from app.facilities.models import FacilityVisit
from app.routesheets.sheet import BOOKING_ON_SHEET, FACILITY_VISIT_ON_SHEET
from solver.season import VisitDay


@dataclass(frozen=True)
class TeamDay:
    """One team's sheet of one day: its stops and how many of them have no result yet."""

    team: int
    visits: int
    unrecorded: int


@dataclass(frozen=True)
class DayRow:
    date: dt.date
    kind: str  # home / facility
    teams: tuple[TeamDay, ...]  # only the teams (of those asked) with visits that day

    @property
    def visits(self) -> int:
        return sum(t.visits for t in self.teams)

    @property
    def unrecorded(self) -> int:
        return sum(t.unrecorded for t in self.teams)


@dataclass(frozen=True)
class DayList:
    today: dt.date
    today_row: DayRow | None  # today, when it is a visit day (with or without visits)
    next_row: DayRow | None  # the first day after today with visits for these teams
    upcoming: tuple[DayRow, ...]  # today on, with visits
    quiet: tuple[DayRow, ...]  # today on, no visit for these teams
    past: tuple[DayRow, ...]  # before today, with visits, latest first
    missing: tuple[DayRow, ...]  # past days with results still missing, oldest first


def sheet_counts(db: Session, season_id: int) -> dict[tuple[dt.date, int], tuple[int, int]]:
    """(date, team) -> (stops on the sheet, of which without a recorded outcome)."""
    counts: dict[tuple[dt.date, int], list[int]] = defaultdict(lambda: [0, 0])
    bookings = db.execute(select(Booking.visit_date, Booking.team, Booking.outcome_recorded_at)
                          .where(Booking.season_id == season_id, BOOKING_ON_SHEET))
    visits = db.execute(select(FacilityVisit.visit_date, FacilityVisit.team,
                               FacilityVisit.outcome_recorded_at)
                        .where(FacilityVisit.season_id == season_id, FACILITY_VISIT_ON_SHEET))
    for on, team, recorded_at in [*bookings, *visits]:
        entry = counts[(on, team)]
        entry[0] += 1
        entry[1] += recorded_at is None
    return {key: (v[0], v[1]) for key, v in counts.items()}


def day_list(db: Session, season_id: int, days: Iterable[VisitDay], teams: Sequence[int],
             today: dt.date) -> DayList:
    """The visit days as the teams' list shows them, for the teams the user may open."""
    counts = sheet_counts(db, season_id)
    rows = [DayRow(d.date, d.kind, tuple(
                TeamDay(t, *counts[(d.date, t)]) for t in teams if (d.date, t) in counts))
            for d in sorted(days, key=lambda d: d.date)]
    later = [r for r in rows if r.date >= today]
    upcoming = tuple(r for r in later if r.teams)
    past = tuple(r for r in reversed(rows) if r.date < today and r.teams)
    return DayList(
        today=today,
        today_row=next((r for r in rows if r.date == today), None),
        next_row=next((r for r in upcoming if r.date > today), None),
        upcoming=upcoming,
        quiet=tuple(r for r in later if not r.teams),
        past=past,
        missing=tuple(r for r in reversed(past) if r.unrecorded),
    )
