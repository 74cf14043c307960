"""Season-wide changes (calendar edits, rule settings) must not break confirmed visits.

A manager edit is judged by the planner's own guard, `check_plan`, on the whole season plan
(home bookings and facility visits): it is refused when it adds a problem the plan did not
have before, and the refusal names the bookings it would break. Without this, one edit
(say, PM slots back to 2 on a day holding three PM visits) would leave a season plan that
no later booking could pass.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.orm import Session

from app.bookings.models import Booking
from app.bookings.operations import active_bookings
from app.bookings.planning import booking_visit, season_problem, with_travel
from app.bookings.texts import reason_label
from app.facilities.planning import all_facility_visits, planned_facilities
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.calendar_rules import jp_date
from solver.check import check_plan
from solver.plan_types import Plan

T = TypeVar("T")
REQUEST_ID = re.compile(r"\b([BF])(\d+)\b")
# A line about a half-day rather than a visit ("capacity: 2026-10-07 pm team 1 has 3 visits…").
HALF_DAY = re.compile(r"\b(\d{4}-\d{2}-\d{2})(?: (am|pm))?(?: team (\d+))?")
HALF_LABELS = {"am": "午前", "pm": "午後"}


class BreaksBookings(ValueError):
    """The change would break confirmed visits; `problems` are Japanese sentences."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def season_plan_problems(db: Session, record: SeasonRecord) -> list[str]:
    """`check_plan`'s lines for the season as it stands in this session (flushed or not)."""
    bookings = active_bookings(db, record.id)
    facilities = planned_facilities(db, record.id)
    config = season_config(record)
    problem = season_problem(config, record.name, bookings, facilities=facilities)
    visits = [booking_visit(b) for b in bookings] + all_facility_visits(facilities)
    plan = Plan(scenario=record.name, visit_days=problem.visit_days,
                visits=with_travel(problem, visits), unassigned=())
    return check_plan(problem, plan)


def explain(db: Session, record: SeasonRecord, line: str) -> str:
    """One `check_plan` line in the manager's words: which booking, which rule."""
    code = line.split(":", 1)[0]
    rules = season_config(record).rules
    who = []
    for kind, number in REQUEST_ID.findall(line):
        if kind == "B":
            booking = db.get(Booking, int(number))
            who.append(f"受付番号 {booking.receipt_no}" if booking else f"予約 {number}")
        else:
            who.append(f"福祉施設の訪問 {number}")
    label = reason_label(code, rules)
    if label == code:
        label = {"unknown_day": "訪問日ではなくなります", "day_kind": "訪問日の種類が合わなくなります",
                 "team": "訪問チームがなくなります", "positions": "訪問順に空きができます",
                 "eta": "案内した時間が変わります"}.get(code, code)
    if not who and (where := HALF_DAY.search(line)):
        day, half, team = where.groups()
        who.append(jp_date(dt.date.fromisoformat(day)) + (HALF_LABELS.get(half or "", ""))
                   + (f"（第{team}班）" if team else ""))
    return f"{'・'.join(dict.fromkeys(who)) or '予約'}: {label}"


def unless_it_breaks_bookings(db: Session, record: SeasonRecord, change: Callable[[], T]) -> T:
    """Run `change` (which flushes), then refuse with `BreaksBookings` if the season plan got
    a problem it did not have. The change runs in a savepoint that a refusal rolls back at
    once, so the page that explains the refusal shows the season as it still is."""
    before = set(season_plan_problems(db, record))
    savepoint = db.begin_nested()
    try:
        result = change()
        db.flush()
        db.expire(record)
        added = [line for line in season_plan_problems(db, record) if line not in before]
        if added:
            raise BreaksBookings(list(dict.fromkeys(explain(db, record, line) for line in added)))
    except Exception:
        savepoint.rollback()
        db.expire(record)
        raise
    savepoint.commit()
    return result
