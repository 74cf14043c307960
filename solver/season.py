"""The season configuration: one source of truth for every rule value (SPEC.md §1-§5).

Everything here is immutable plain data. The web app stores a season as the dict form of
these dataclasses (see `solver.scenario_io`), the solver reads them, and nothing else in the
code base repeats a rule value as a literal.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal

from routing.params import TravelParams

DayKind = Literal["home", "facility"]
Half = Literal["am", "pm"]
DAY_KINDS: tuple[DayKind, ...] = ("home", "facility")
HALVES: tuple[Half, ...] = ("am", "pm")


@dataclass(frozen=True)
class Rules:
    """Slot, travel and lead-time rules (SPEC §3-§5, SCENARIO.md "rules")."""

    home_am_slots: int = 2  # §3: AM 2 visits
    home_pm_slots: int = 2  # §3: PM 2 visits ...
    home_pm_slots_max: int = 3  # ... up to 3 by agreement with the city
    large_household: int = 6  # §3: 6+ applicants take the whole half-day
    travel_cap_min: float = 30.0  # §4: visit #1 -> #2 within about 30 min
    third_visit_travel_cap_min: float = 15.0  # §4: 3rd PM visit only if #2 -> #3 <= 15 min
    home_lead_days: int = 14  # §5: homes about 2 weeks before
    facility_lead_days: int = 30  # §5: facilities (6+) about 1 month before
    facility_min_applicants: int = 6  # §3: a facility visit needs 6+
    facility_max_per_half_day: int = 20  # §3: about 20 applicants per half-day
    teams: int = 1  # visit teams out on the same half-day
    eligible_age: int = 75  # §1: residents aged 75+ (or disabled, or sick)
    min_days_per_week: int = 1  # §2: 1-2 visit days per week
    max_days_per_week: int = 2


@dataclass(frozen=True)
class VisitTimes:
    """The times told to callers (SPEC §3, 004 §8(2)ウ), as "HH:MM" or "HH:MM-HH:MM"."""

    home_am: tuple[str, ...] = ("10:00", "10:30-11:30")
    home_pm: tuple[str, ...] = ("14:00", "14:30-15:30", "15:00-16:00")
    facility_am: str = "10:00"
    facility_pm: str = "14:00"

    def home_eta(self, half: Half, position: int) -> str:
        """The time told for the `position`-th (1-based) home visit of a half-day."""
        times = self.home_am if half == "am" else self.home_pm
        return times[min(position, len(times)) - 1]

    def facility_eta(self, half: Half) -> str:
        return self.facility_am if half == "am" else self.facility_pm


@dataclass(frozen=True)
class Depot:
    """Where every visit team starts and ends: the city hall."""

    name: str = "小樽市役所"
    lat: float = 43.1907
    lng: float = 141.0028


@dataclass(frozen=True)
class VisitDay:
    """One day of the visit calendar. `pm_slots` is that day's PM capacity for homes."""

    date: dt.date
    kind: DayKind
    pm_slots: int


@dataclass(frozen=True)
class Season:
    """The programme's dates and the size of its calendar (SPEC §1-§2)."""

    name: str = "otaru-2026"
    booking_opens: dt.date = dt.date(2026, 6, 1)
    booking_closes: dt.date = dt.date(2026, 12, 24)
    visits_from: dt.date = dt.date(2026, 6, 17)
    visits_to: dt.date = dt.date(2026, 12, 24)
    home_days: int = 36
    facility_days: int = 6
    visit_days: tuple[VisitDay, ...] | None = None  # None: generate the calendar
    # Days the call centre and the visit teams do not work besides national holidays
    # (004 §8(1)エ: 12/29-1/3), as MM-DD.
    closed_days: tuple[str, ...] = ("12-29", "12-30", "12-31", "01-01", "01-02", "01-03")
    holiday_country: str = "JP"


@dataclass(frozen=True)
class SeasonConfig:
    """Everything the calendar, the planner and the booking screen need to know."""

    season: Season = field(default_factory=Season)
    rules: Rules = field(default_factory=Rules)
    travel: TravelParams = field(default_factory=TravelParams)
    depot: Depot = field(default_factory=Depot)
    times: VisitTimes = field(default_factory=VisitTimes)


@dataclass(frozen=True)
class Wish:
    """`date_from`/`date_to` are hard; `weekdays` (0 = Monday) and `half` are soft."""

    date_from: dt.date | None = None
    date_to: dt.date | None = None
    weekdays: tuple[int, ...] = ()
    half: Half | None = None


@dataclass(frozen=True)
class Request:
    """A home-visit or facility request as the planner sees it."""

    id: str
    kind: Literal["home", "facility"]
    received: dt.date
    lat: float
    lng: float
    applicants: int
    wish: Wish = field(default_factory=Wish)


@dataclass(frozen=True)
class Scenario:
    """A season configuration plus the requests to plan (SCENARIO.md)."""

    name: str
    config: SeasonConfig
    requests: tuple[Request, ...] = ()
