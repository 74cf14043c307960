"""The visit-day calendar rules (SPEC.md §2, §3, §5) as plain checks, and manager edits.

The CP-SAT generator (`solver.calendar`) and these checks share the helpers below (which
dates are candidates, which week and month a date belongs to, which weekdays a month can
offer), so a generated calendar and a hand-edited one are judged by the same definitions.

Interpretations (documented once, here):
- Candidate dates: weekdays between `visits_from` and `visits_to`, not a national holiday
  of `holiday_country` (the `holidays` library) and not one of the season's `closed_days`.
- "1-2 days per week" applies to every Monday-Sunday week that has at least one candidate
  date; a week with none (e.g. all holidays) cannot hold a visit day and is not counted.
- "Monday-Friday evenly within each month": the visit-day counts of the weekdays that month
  can offer (at least one candidate date of that weekday in the month) differ by at most 1.
- Lead time (§5): a day can only be booked if it lies at least the lead time after booking
  opens, so home days start at `booking_opens + home_lead_days` and facility days at
  `booking_opens + facility_lead_days`.
- `pm_slots` of a home day is between `home_pm_slots` and `home_pm_slots_max` (§3); a
  facility day holds one facility per half-day and keeps the default.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

import holidays

from solver.season import DayKind, SeasonConfig, VisitDay

WEEKDAY_NAMES = ("月", "火", "水", "木", "金", "土", "日")
KIND_NAMES: dict[str, str] = {"home": "個人宅訪問日", "facility": "施設訪問日"}

# Stable rule codes, each with the SPEC.md section and the Japanese name shown to managers.
RULES: dict[str, tuple[str, str]] = {
    "period": ("§2", "訪問期間"),
    "weekday": ("§2", "平日のみ"),
    "holiday": ("§2", "祝日・休業日は不可"),
    "duplicate": ("§2", "同じ日は1回だけ"),
    "missing": ("§2", "カレンダーにない日"),
    "per_week": ("§2", "週1〜2日"),
    "weekday_balance": ("§2", "月内の曜日の均等"),
    "counts": ("§2", "訪問日数"),
    "lead_time": ("§5", "予約受付からの期間"),
    "pm_slots": ("§3", "午後の訪問枠"),
}


@dataclass(frozen=True)
class CalendarProblem:
    """One broken rule. `scope` says what it is about (a date, a week, a month, the season),
    so an edit can be judged by the problems it adds rather than those already there."""

    rule: str
    message: str
    date: dt.date | None = None
    scope: str = ""

    @property
    def key(self) -> tuple[str, str]:
        return (self.rule, self.scope)


def problem(rule: str, detail: str, date: dt.date | None = None, scope: str = "") -> CalendarProblem:
    section, name = RULES[rule]
    return CalendarProblem(rule, f"{section} {name}: {detail}", date, scope)


def jp_date(day: dt.date) -> str:
    return f"{day.month}月{day.day}日（{WEEKDAY_NAMES[day.weekday()]}）"


# --- shared definitions ---------------------------------------------------------------


@lru_cache(maxsize=64)
def _holiday_names(country: str, years: tuple[int, ...]) -> dict[dt.date, str]:
    return dict(holidays.country_holidays(country, years=years, language="ja").items())


def closed_reason(config: SeasonConfig, day: dt.date) -> str | None:
    """Why nobody works on `day` (a national holiday's name, or the year-end closure)."""
    season = config.season
    name = _holiday_names(season.holiday_country, (day.year,)).get(day)
    if name:
        return f"祝日（{name}）"
    if day.strftime("%m-%d") in season.closed_days:
        return "年末年始の休業日"
    return None


def candidate_dates(config: SeasonConfig) -> tuple[dt.date, ...]:
    """Every date that may be a visit day: weekdays of the visit period that are open."""
    season = config.season
    out = []
    day = season.visits_from
    while day <= season.visits_to:
        if day.weekday() < 5 and closed_reason(config, day) is None:
            out.append(day)
        day += dt.timedelta(days=1)
    return tuple(out)


def week_of(day: dt.date) -> dt.date:
    """The Monday of `day`'s week."""
    return day - dt.timedelta(days=day.weekday())


def month_of(day: dt.date) -> tuple[int, int]:
    return (day.year, day.month)


def weeks_with_candidates(candidates: Iterable[dt.date]) -> dict[dt.date, list[dt.date]]:
    weeks: dict[dt.date, list[dt.date]] = defaultdict(list)
    for day in candidates:
        weeks[week_of(day)].append(day)
    return dict(weeks)


def month_weekdays(candidates: Iterable[dt.date]) -> dict[tuple[int, int], set[int]]:
    """For each month, the weekdays (0 = Monday) it can offer at least one visit day on."""
    out: dict[tuple[int, int], set[int]] = defaultdict(set)
    for day in candidates:
        out[month_of(day)].add(day.weekday())
    return dict(out)


def earliest_day(config: SeasonConfig, kind: DayKind) -> dt.date:
    """The first date a `kind` day can be booked for, given the lead time (§5)."""
    rules = config.rules
    lead = rules.facility_lead_days if kind == "facility" else rules.home_lead_days
    return config.season.booking_opens + dt.timedelta(days=lead)


def wanted_count(config: SeasonConfig, kind: DayKind) -> int:
    season = config.season
    return season.facility_days if kind == "facility" else season.home_days


# --- checks ---------------------------------------------------------------------------


def day_problems(day: VisitDay, config: SeasonConfig) -> list[CalendarProblem]:
    """The rules one visit day breaks on its own."""
    season, rules = config.season, config.rules
    scope = day.date.isoformat()
    found = []
    if not season.visits_from <= day.date <= season.visits_to:
        found.append(problem("period", f"{jp_date(day.date)}は訪問期間（{season.visits_from}〜"
                                       f"{season.visits_to}）の外です。", day.date, scope))
    if day.date.weekday() >= 5:
        found.append(problem("weekday", f"{jp_date(day.date)}は土日です。訪問日は平日だけです。",
                             day.date, scope))
    else:
        closed = closed_reason(config, day.date)
        if closed:
            found.append(problem("holiday", f"{jp_date(day.date)}は{closed}です。", day.date, scope))
    earliest = earliest_day(config, day.kind)
    if day.date < earliest:
        lead = rules.facility_lead_days if day.kind == "facility" else rules.home_lead_days
        found.append(problem(
            "lead_time",
            f"{jp_date(day.date)}は予約受付開始（{season.booking_opens}）から{lead}日未満のため、"
            f"{KIND_NAMES[day.kind]}にできません（{earliest}以降）。",
            day.date, scope))
    if day.kind == "home" and not rules.home_pm_slots <= day.pm_slots <= rules.home_pm_slots_max:
        found.append(problem(
            "pm_slots",
            f"{jp_date(day.date)}の午後枠{day.pm_slots}件は{rules.home_pm_slots}〜"
            f"{rules.home_pm_slots_max}件の範囲外です。", day.date, scope))
    return found


def week_problems(days: Sequence[VisitDay], config: SeasonConfig) -> list[CalendarProblem]:
    rules = config.rules
    counts = Counter(week_of(d.date) for d in days)
    found = []
    for monday in sorted(weeks_with_candidates(candidate_dates(config))):
        count = counts.get(monday, 0)
        if rules.min_days_per_week <= count <= rules.max_days_per_week:
            continue
        friday = monday + dt.timedelta(days=4)
        found.append(problem(
            "per_week",
            f"{monday.month}/{monday.day}〜{friday.month}/{friday.day}の週は{count}日です"
            f"（{rules.min_days_per_week}〜{rules.max_days_per_week}日にしてください）。",
            None, monday.isoformat()))
    return found


def balance_problems(days: Sequence[VisitDay], config: SeasonConfig) -> list[CalendarProblem]:
    found = []
    offered = month_weekdays(candidate_dates(config))
    counts = Counter((month_of(d.date), d.date.weekday()) for d in days)
    for month, weekdays in sorted(offered.items()):
        per_day = {w: counts.get((month, w), 0) for w in sorted(weekdays)}
        if max(per_day.values()) - min(per_day.values()) <= 1:
            continue
        listing = "、".join(f"{WEEKDAY_NAMES[w]}{n}日" for w, n in per_day.items())
        found.append(problem(
            "weekday_balance",
            f"{month[0]}年{month[1]}月の曜日が偏っています（{listing}）。差は1日までです。",
            None, f"{month[0]}-{month[1]:02d}"))
    return found


def count_problems(days: Sequence[VisitDay], config: SeasonConfig) -> list[CalendarProblem]:
    found = []
    for kind in ("home", "facility"):
        have = sum(1 for d in days if d.kind == kind)
        want = wanted_count(config, kind)  # type: ignore[arg-type]
        if have != want:
            found.append(problem("counts", f"{KIND_NAMES[kind]}が{have}日あります（設定は{want}日）。",
                                 None, kind))
    return found


def calendar_problems(
    days: Sequence[VisitDay], config: SeasonConfig, check_counts: bool = True
) -> list[CalendarProblem]:
    """Every rule of SPEC §2 (and the §3/§5 parts that concern days) the calendar breaks.

    `check_counts=False` skips the configured number of days, for edits that change it.
    """
    found = []
    dates = Counter(d.date for d in days)
    for date, n in sorted(dates.items()):
        if n > 1:
            found.append(problem("duplicate", f"{jp_date(date)}が{n}回あります。", date,
                                 date.isoformat()))
    for day in sorted(days, key=lambda d: d.date):
        found.extend(day_problems(day, config))
    found.extend(week_problems(days, config))
    found.extend(balance_problems(days, config))
    if check_counts:
        found.extend(count_problems(days, config))
    return found


# --- manager edits --------------------------------------------------------------------


@dataclass(frozen=True)
class AddDay:
    date: dt.date
    kind: DayKind
    pm_slots: int | None = None  # None: the season's default PM slots


@dataclass(frozen=True)
class RemoveDay:
    date: dt.date


@dataclass(frozen=True)
class MoveDay:
    from_date: dt.date
    to_date: dt.date


@dataclass(frozen=True)
class SetKind:
    date: dt.date
    kind: DayKind


@dataclass(frozen=True)
class SetPmSlots:
    date: dt.date
    pm_slots: int


CalendarEdit = AddDay | RemoveDay | MoveDay | SetKind | SetPmSlots


@dataclass(frozen=True)
class EditOutcome:
    """The calendar after an edit; if `problems` is not empty the edit was refused and
    `days` is the calendar as it was."""

    days: tuple[VisitDay, ...]
    problems: tuple[CalendarProblem, ...]


def _missing(date: dt.date) -> CalendarProblem:
    return problem("missing", f"{jp_date(date)}は訪問日ではありません。", date, date.isoformat())


def _taken(date: dt.date) -> CalendarProblem:
    return problem("duplicate", f"{jp_date(date)}は既に訪問日です。", date, date.isoformat())


def _edited(
    days: dict[dt.date, VisitDay], edit: CalendarEdit, config: SeasonConfig
) -> list[CalendarProblem]:
    """Apply `edit` to `days` in place; return the problems of the edit itself."""
    if isinstance(edit, AddDay):
        if edit.date in days:
            return [_taken(edit.date)]
        pm = edit.pm_slots if edit.pm_slots is not None else config.rules.home_pm_slots
        days[edit.date] = VisitDay(edit.date, edit.kind, pm)
        return []
    if isinstance(edit, MoveDay):
        if edit.from_date not in days:
            return [_missing(edit.from_date)]
        if edit.to_date in days and edit.to_date != edit.from_date:
            return [_taken(edit.to_date)]
        moved = days.pop(edit.from_date)
        days[edit.to_date] = VisitDay(edit.to_date, moved.kind, moved.pm_slots)
        return []
    if edit.date not in days:
        return [_missing(edit.date)]
    day = days[edit.date]
    if isinstance(edit, RemoveDay):
        del days[edit.date]
    elif isinstance(edit, SetKind):
        pm = config.rules.home_pm_slots if edit.kind == "facility" else day.pm_slots
        days[edit.date] = VisitDay(day.date, edit.kind, pm)
    else:
        if day.kind != "home":
            return [problem("pm_slots", f"{jp_date(day.date)}は施設訪問日です。午後枠は個人宅訪問日"
                                        "だけに設定できます。", day.date, day.date.isoformat())]
        days[edit.date] = VisitDay(day.date, day.kind, edit.pm_slots)
    return []


def apply_edit(
    days: Sequence[VisitDay], edit: CalendarEdit, config: SeasonConfig
) -> EditOutcome:
    """One manager edit, refused (with the rules it would break) if it adds a problem.

    Problems the calendar already had (say, after the settings changed) do not block an
    unrelated edit; only new ones do. The day counts are not checked: adding or removing a
    day changes the season's counts, which follow the calendar.
    """
    before = tuple(sorted(days, key=lambda d: d.date))
    after_map = {d.date: d for d in before}
    own = _edited(after_map, edit, config)
    if own:
        return EditOutcome(before, tuple(own))
    after = tuple(sorted(after_map.values(), key=lambda d: d.date))
    old = {p.key for p in calendar_problems(before, config, check_counts=False)}
    new = [p for p in calendar_problems(after, config, check_counts=False) if p.key not in old]
    if new:
        return EditOutcome(before, tuple(new))
    return EditOutcome(after, ())


__all__ = [
    "AddDay", "CalendarEdit", "CalendarProblem", "EditOutcome", "MoveDay", "RemoveDay",
    "SetKind", "SetPmSlots", "apply_edit", "calendar_problems", "candidate_dates",
    "closed_reason", "earliest_day", "month_weekdays", "week_of", "weeks_with_candidates",
]
