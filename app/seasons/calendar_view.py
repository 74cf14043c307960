"""Shape the visit-day calendar for pages: months of weeks, each day with its capacity."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from app.seasons.texts import KIND_LABELS, WEEKDAY_LABELS
from solver.season import SeasonConfig, VisitDay


@dataclass(frozen=True)
class DayCell:
    date: dt.date
    in_month: bool
    visit: VisitDay | None
    am_capacity: int
    pm_capacity: int
    am_booked: int = 0
    pm_booked: int = 0
    meetings: tuple[str, ...] = ()  # facility pre-meetings that day (SPEC §2)
    # Why no more bookings can be taken for this visit day: "past" (the day is over) or
    # "lead" (closer than the lead time, SPEC §5); "" while it can still be booked.
    closed: str = ""

    @property
    def am_free(self) -> int:
        return max(0, self.am_capacity - self.am_booked)

    @property
    def pm_free(self) -> int:
        return max(0, self.pm_capacity - self.pm_booked)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.visit.kind] if self.visit else ""

    @property
    def weekday_label(self) -> str:
        return WEEKDAY_LABELS[self.date.weekday()]


@dataclass(frozen=True)
class MonthView:
    year: int
    month: int
    weeks: tuple[tuple[DayCell, ...], ...]
    visit_count: int


def capacity(day: VisitDay, config: SeasonConfig) -> tuple[int, int]:
    """Visits a day can take (AM, PM) over all teams: homes per §3 slots, facilities one."""
    teams = config.rules.teams
    if day.kind == "facility":
        return teams, teams
    return config.rules.home_am_slots * teams, day.pm_slots * teams


def closed_reason(day: VisitDay, config: SeasonConfig, today: dt.date | None) -> str:
    """"past", "lead" or "" (see DayCell.closed): a home day takes bookings until
    `home_lead_days` before it, a facility day (6+ applicants) until `facility_lead_days`."""
    if today is None:
        return ""
    if day.date < today:
        return "past"
    rules = config.rules
    lead = rules.facility_lead_days if day.kind == "facility" else rules.home_lead_days
    return "lead" if day.date < today + dt.timedelta(days=lead) else ""


def month_views(
    days: Sequence[VisitDay], config: SeasonConfig,
    booked: Mapping[tuple[dt.date, str], int] | None = None,
    meetings: Mapping[dt.date, Sequence[str]] | None = None,
    today: dt.date | None = None,
) -> list[MonthView]:
    """Every month of the visit period, Monday-first weeks, weekends left out.

    `booked` counts the visits already booked per (date, half), so cells show free slots;
    `meetings` labels the facility pre-meetings per date (shown on any weekday, SPEC §2);
    `today` marks the days that can no longer be booked (the operators' calendar).
    """
    booked = booked or {}
    meetings = meetings or {}
    by_date = {d.date: d for d in days}
    start, end = config.season.visits_from, config.season.visits_to
    cal = calendar.Calendar(firstweekday=0)
    views = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        weeks = []
        for week in cal.monthdatescalendar(year, month):
            cells = []
            for date in week[:5]:
                visit = by_date.get(date)
                am, pm = capacity(visit, config) if visit else (0, 0)
                cells.append(DayCell(date, date.month == month, visit, am, pm,
                                     booked.get((date, "am"), 0), booked.get((date, "pm"), 0),
                                     tuple(meetings.get(date, ())),
                                     closed_reason(visit, config, today) if visit else ""))
            weeks.append(tuple(cells))
        count = sum(1 for d in days if (d.date.year, d.date.month) == (year, month))
        views.append(MonthView(year, month, tuple(weeks), count))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return views


def split_at_month(months: Sequence[MonthView], today: dt.date
                   ) -> tuple[list[MonthView], list[MonthView]]:
    """(months before today's month, today's month and later): the operators' calendar opens
    at the current month and keeps the earlier ones folded away, still reachable."""
    current = (today.year, today.month)
    earlier = [m for m in months if (m.year, m.month) < current]
    return earlier, [m for m in months if (m.year, m.month) >= current]
