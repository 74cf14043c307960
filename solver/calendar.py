"""The visit-day calendar (SPEC.md §2) generated with CP-SAT.

One Boolean per (candidate date, day kind); each rule is one `add_<rule>` function. When the
settings cannot be met, the generator finds a smallest set of rules that conflict (a
deletion filter over the rule groups: drop a rule, and if the rest is still infeasible it
was not needed for the conflict) and reports those rules in Japanese, so a manager learns
*which* rule to relax instead of getting a silent partial calendar.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from ortools.sat.python import cp_model

from solver.calendar_rules import (
    RULES,
    CalendarProblem,
    calendar_problems,
    candidate_dates,
    earliest_day,
    month_of,
    month_weekdays,
    week_of,
    weeks_with_candidates,
)
from solver.season import DAY_KINDS, DayKind, SeasonConfig, VisitDay

TIME_LIMIT_S = 10.0
SEED = 1
WORKERS = 8


class CalendarInfeasible(ValueError):
    """No calendar satisfies the season's settings; `problems` name the conflicting rules."""

    def __init__(self, problems: Collection[CalendarProblem]) -> None:
        super().__init__(" / ".join(p.message for p in problems))
        self.problems = tuple(problems)


@dataclass(frozen=True)
class CalendarData:
    """The generator's input: the configuration and the dates it may choose from."""

    config: SeasonConfig
    candidates: tuple[dt.date, ...]

    @property
    def weeks(self) -> dict[dt.date, list[dt.date]]:
        return weeks_with_candidates(self.candidates)

    def wanted(self, kind: DayKind) -> int:
        season = self.config.season
        return season.facility_days if kind == "facility" else season.home_days


@dataclass
class CalendarVars:
    """`day[(date, kind)]` is true when `date` is a visit day of `kind`."""

    day: dict[tuple[dt.date, DayKind], cp_model.IntVar] = field(default_factory=dict)

    def on(self, date: dt.date) -> cp_model.LinearExpr:
        return sum(self.day[date, kind] for kind in DAY_KINDS)  # type: ignore[return-value]


@dataclass(frozen=True)
class CalendarResult:
    """`visit_days` is empty unless a calendar meeting every rule was found."""

    status: str
    visit_days: tuple[VisitDay, ...]
    problems: tuple[CalendarProblem, ...] = ()
    seconds: float = 0.0
    penalty: int | None = None


def create_vars(model: cp_model.CpModel, data: CalendarData) -> CalendarVars:
    v = CalendarVars()
    for date in data.candidates:
        for kind in DAY_KINDS:
            v.day[date, kind] = model.new_bool_var(f"{kind}_{date}")
    return v


def add_one_kind_per_day(model: cp_model.CpModel, data: CalendarData, v: CalendarVars) -> None:
    """Hard: §2 — a date is at most one visit day, of one kind."""
    for date in data.candidates:
        model.add(v.on(date) <= 1)


def add_day_counts(model: cp_model.CpModel, data: CalendarData, v: CalendarVars) -> None:
    """Hard: §2 — exactly the configured number of home and facility days (36 + 6)."""
    for kind in DAY_KINDS:
        model.add(sum(v.day[date, kind] for date in data.candidates) == data.wanted(kind))


def add_days_per_week(model: cp_model.CpModel, data: CalendarData, v: CalendarVars) -> None:
    """Hard: §2 — 1–2 visit days in every week that has a candidate date."""
    rules = data.config.rules
    for dates in data.weeks.values():
        total = sum(v.on(date) for date in dates)
        model.add(total >= rules.min_days_per_week)
        model.add(total <= rules.max_days_per_week)


def add_weekday_balance(model: cp_model.CpModel, data: CalendarData, v: CalendarVars) -> None:
    """Hard: §2 — within each month the weekdays it offers get counts differing by ≤ 1."""
    for month, weekdays in month_weekdays(data.candidates).items():
        counts = [
            sum(v.on(date) for date in data.candidates
                if month_of(date) == month and date.weekday() == weekday)
            for weekday in sorted(weekdays)
        ]
        low = model.new_int_var(0, len(data.candidates), f"low_{month}")
        high = model.new_int_var(0, len(data.candidates), f"high_{month}")
        for count in counts:
            model.add(low <= count)
            model.add(count <= high)
        model.add(high - low <= 1)


def add_lead_times(model: cp_model.CpModel, data: CalendarData, v: CalendarVars) -> None:
    """Hard: §5 — a day of a kind lies at least that kind's lead time after booking opens
    (facility days ≥ 1 month, home days ≥ 2 weeks), or nobody could book it."""
    for kind in DAY_KINDS:
        earliest = earliest_day(data.config, kind)
        for date in data.candidates:
            if date < earliest:
                model.add(v.day[date, kind] == 0)


def facility_segments(data: CalendarData) -> list[list[dt.date]]:
    """The facility-eligible dates cut into as many consecutive runs as there are facility
    days, so "spread over the season" means one facility day per run."""
    eligible = [d for d in data.candidates if d >= earliest_day(data.config, "facility")]
    count = data.wanted("facility")
    if count <= 0 or not eligible:
        return []
    return [eligible[i * len(eligible) // count:(i + 1) * len(eligible) // count]
            for i in range(count)]


def add_facility_spread(
    model: cp_model.CpModel, data: CalendarData, v: CalendarVars
) -> cp_model.LinearExpr:
    """Soft: §2 — facility days spread over the season: one in each equal run of eligible
    dates, and no two within half a run of each other. Returns the penalty to minimise."""
    penalties = []
    runs = facility_segments(data)
    for i, run in enumerate(runs):
        if not run:
            continue
        missing = model.new_bool_var(f"facility_run_empty_{i}")
        model.add(sum(v.day[d, "facility"] for d in run) + missing >= 1)
        penalties.append(missing)
    eligible = [d for run in runs for d in run]
    width = max(2, min((len(run) for run in runs), default=2) // 2)
    for start in range(max(0, len(eligible) - width + 1)):
        window = eligible[start:start + width]
        crowded = model.new_bool_var(f"facility_crowded_{window[0]}")
        model.add(sum(v.day[d, "facility"] for d in window) <= 1 + crowded)
        penalties.append(crowded)
    return sum(penalties)  # type: ignore[return-value]


# Hard rules that can conflict with each other, by the rule code of `solver.calendar_rules`.
HARD_RULES: dict[str, Callable[[cp_model.CpModel, CalendarData, CalendarVars], None]] = {
    "counts": add_day_counts,
    "per_week": add_days_per_week,
    "weekday_balance": add_weekday_balance,
    "lead_time": add_lead_times,
}


def build_model(
    data: CalendarData, rules: Collection[str] = tuple(HARD_RULES), soft: bool = True
) -> tuple[cp_model.CpModel, CalendarVars]:
    model = cp_model.CpModel()
    v = create_vars(model, data)
    add_one_kind_per_day(model, data, v)
    for name in rules:
        HARD_RULES[name](model, data, v)
    if soft:
        model.minimize(add_facility_spread(model, data, v))
    return model, v


def _solver(time_limit_s: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    # A portfolio of strategies (one worker alone can wander for seconds on some seasons),
    # interleaved so that the same settings always give the same calendar.
    solver.parameters.num_workers = WORKERS
    solver.parameters.interleave_search = True
    solver.parameters.random_seed = SEED
    return solver


def _is_infeasible(data: CalendarData, rules: Collection[str], time_limit_s: float) -> bool:
    model, _ = build_model(data, rules, soft=False)
    return _solver(time_limit_s).solve(model) == cp_model.INFEASIBLE


def conflicting_rules(data: CalendarData, time_limit_s: float = TIME_LIMIT_S) -> list[str]:
    """A smallest set of hard rules that cannot hold together (deletion filter)."""
    needed = list(HARD_RULES)
    for name in list(needed):
        rest = [r for r in needed if r != name]
        if _is_infeasible(data, rest, time_limit_s):
            needed = rest
    return needed


def explain(data: CalendarData, rules: Collection[str]) -> tuple[CalendarProblem, ...]:
    """Japanese messages for rules that conflict, each with the numbers behind it."""
    config, season, week_rules = data.config, data.config.season, data.config.rules
    total = season.home_days + season.facility_days
    weeks = len(data.weeks)
    facility_from = earliest_day(config, "facility")
    details = {
        "counts": f"個人宅{season.home_days}日＋施設{season.facility_days}日＝{total}日が必要ですが、"
                  f"期間（{season.visits_from}〜{season.visits_to}）の平日（祝日・休業日を除く）は"
                  f"{len(data.candidates)}日です。",
        "per_week": f"候補日のある週は{weeks}週で、週{week_rules.min_days_per_week}〜"
                    f"{week_rules.max_days_per_week}日では{weeks * week_rules.min_days_per_week}〜"
                    f"{weeks * week_rules.max_days_per_week}日しか置けません。",
        "weekday_balance": "各月の曜日ごとの日数の差を1日以内にする必要があります。",
        "lead_time": f"施設訪問日は予約受付開始から{week_rules.facility_lead_days}日後"
                     f"（{facility_from}）以降、個人宅訪問日は{week_rules.home_lead_days}日後"
                     f"（{earliest_day(config, 'home')}）以降に限られます"
                     f"（施設訪問日の候補は{sum(d >= facility_from for d in data.candidates)}日）。",
    }
    names = "・".join(RULES[r][1] for r in rules)
    head = CalendarProblem(
        "infeasible", f"§2 この設定では訪問日カレンダーを作れません。次の規則を同時には満たせません: {names}",
        None, "season")
    return (head, *(CalendarProblem(r, f"{RULES[r][0]} {RULES[r][1]}: {details[r]}", None, "season")
                    for r in rules))


def generate_calendar(config: SeasonConfig, time_limit_s: float = TIME_LIMIT_S) -> CalendarResult:
    """The season's visit days (the configured ones are ignored: this makes a new calendar).

    Every returned calendar is re-checked with `calendar_problems`; the status is CP-SAT's
    (OPTIMAL when the facility spread is proven best).
    """
    started = time.perf_counter()
    data = CalendarData(config, candidate_dates(config))
    model, v = build_model(data)
    solver = _solver(time_limit_s)
    status = solver.solve(model)
    name = solver.status_name(status)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        problems = (explain(data, conflicting_rules(data, time_limit_s))
                    if status == cp_model.INFEASIBLE else
                    (CalendarProblem("timeout", f"§2 {time_limit_s:.0f}秒以内にカレンダーが"
                                                "見つかりませんでした。", None, "season"),))
        return CalendarResult(name, (), problems, time.perf_counter() - started)
    days = tuple(
        VisitDay(date, kind, config.rules.home_pm_slots)
        for date in data.candidates for kind in DAY_KINDS
        if solver.value(v.day[date, kind])
    )
    leftover = calendar_problems(days, config)
    if leftover:  # a bug in the model, not a user error: never hand out a broken calendar
        raise AssertionError("generated calendar breaks: " + "; ".join(p.message for p in leftover))
    return CalendarResult(name, days, (), time.perf_counter() - started,
                          int(solver.objective_value))


def calendar_for(config: SeasonConfig) -> tuple[VisitDay, ...]:
    """The configured visit days, or a generated calendar when the season has none."""
    if config.season.visit_days is not None:
        return tuple(config.season.visit_days)
    result = generate_calendar(config)
    if not result.visit_days:
        raise CalendarInfeasible(result.problems)
    return result.visit_days


__all__ = [
    "CalendarData", "CalendarInfeasible", "CalendarResult", "CalendarVars", "add_day_counts",
    "add_days_per_week", "add_facility_spread", "add_lead_times", "add_one_kind_per_day",
    "add_weekday_balance", "build_model", "calendar_for", "conflicting_rules",
    "generate_calendar", "week_of",
]
