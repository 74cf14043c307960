"""The demo season (Otaru 2026, SPEC §1) and one demo account per role."""

from __future__ import annotations

import csv
import datetime as dt
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.auth import operations as accounts
from app.seasons import operations as seasons
from solver.calendar_rules import closed_reason
from solver.season import SeasonConfig, Wish

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DEMO_BOOKINGS = 40
DEMO_SEED = 2026

DEMO_SEASON_TITLE = "小樽市 2026年度 出張申請受付"

# (username, display name, role, password) — for the local demo only.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("operator", "受付 花子", "operator", "operator-demo-2026"),
    ("manager", "管理 太郎", "manager", "manager-demo-2026"),
    # A second manager: the hand-over to the city needs someone other than its preparer to
    # approve it (seed 004 §9(1)ウ(イ)), so the demo can walk it end to end.
    ("manager2", "確認 次郎", "manager", "manager2-demo-2026"),
    ("team", "訪問 一郎", "team", "team-demo-2026"),
    ("admin", "システム 管理", "admin", "admin-demo-2026"),
)


def load_demo(db: Session) -> list[str]:
    """Create what is missing (idempotent): the demo accounts and the 2026 season."""
    messages = []
    for username, name, role, password in DEMO_USERS:
        if accounts.find_user(db, username) is None:
            accounts.create_user(db, username, name, role, password)
            messages.append(f"Created demo account {username}.")
    config = SeasonConfig()
    record = seasons.active_season(db)
    if record is None:
        record = seasons.create_season(db, config.season.name, DEMO_SEASON_TITLE, config)
        messages.append(f"Created season {record.name}.")
    if not record.visit_days:
        status, seconds = seasons.generate_calendar(db, record, None)
        messages.append(
            f"Generated the visit-day calendar: {len(record.visit_days)} days "
            f"({status}, {seconds:.1f} s)."
        )
    messages.extend(load_demo_bookings(db, record))
    return messages


def catch_up_to_today(db: Session, record: Any, today: dt.date, recipients: Sequence[str],
                      retention_days: int) -> list[str]:
    """Do what the staff would have done by `today`, so a demo started mid-season looks like a
    season run properly, not one whose past visits all wait for an outcome (idempotent):
    - each visit week whose hand-over was due is shared with the city on its due day
      (prepared by one manager, approved by the other, downloaded);
    - each past visit has its outcome (visited, the applications booked), recorded on its day;
    - personal data whose deletion fell due before today are deleted on their due day.
    Started with APP_TODAY at the season's opening it does nothing."""
    from app.bookings.operations import active_bookings
    from app.privacy import deletion, handover
    from app.routesheets.outcomes import record_outcome

    manager, approver = accounts.find_user(db, "manager"), accounts.find_user(db, "manager2")
    team = accounts.find_user(db, "team")
    if manager is None or approver is None or team is None or not recipients:
        return []
    shared = 0
    for week in handover.week_statuses(db, record, today):
        if week.due_on > today or week.unshared == 0 or week.open_package is not None:
            continue
        package = handover.prepare(db, record, week.week_start, recipients[0], recipients, manager)
        handover.approve(db, package, approver, True, recipients)
        handover.release(db, record, package, manager, "download", recipients, None, week.due_on)
        shared += 1
    visited = 0
    for booking in active_bookings(db, record.id):
        if booking.visit_date < today and booking.outcome_recorded_at is None:
            record_outcome(db, booking, "visited", booking.applicants, "", team, booking.visit_date)
            visited += 1
    deleted = 0
    for state in deletion.season_states(db, record.id, today, retention_days):
        if state.state == "eligible" and state.due_by is not None and state.due_by < today:
            deletion.purge(db, state.booking, manager, state.due_by)
            deleted += 1
    if not (shared or visited or deleted):
        return []
    return [f"Caught the demo up to {today}: {shared} weekly hand-overs, {visited} visit "
            f"outcomes, {deleted} deletions of personal data done on their days."]


def _demo_points() -> list[tuple[str, float, float]]:
    with (FIXTURES / "otaru_towns.csv").open(encoding="utf-8") as handle:
        return [(row["town"] + (f"{row['chome']}丁目" if row["chome"] else ""),
                 float(row["lat"]), float(row["lng"])) for row in csv.DictReader(handle)]


def _open_day(config: SeasonConfig, day: dt.date) -> dt.date:
    """`day`, or the next day the call centre answers (Mon-Fri, not a holiday; SPEC §1)."""
    while day.weekday() >= 5 or closed_reason(config, day):
        day += dt.timedelta(days=1)
    return day


def load_demo_bookings(db: Session, record: object, count: int = DEMO_BOOKINGS) -> list[str]:
    """Fictional home bookings spread over the season, each placed as an operator would:
    the call comes in on its day and takes the slot policy's first offer."""
    from app.bookings.models import Booking
    from app.bookings.offers import search_offers
    from app.bookings.operations import Intake, Slot, reserve

    if db.scalar(select(func.count()).select_from(Booking)):
        return []
    operator = accounts.find_user(db, "operator")
    config = seasons.season_config(record)  # type: ignore[arg-type]
    opens, closes = config.season.booking_opens, config.season.visits_to
    rng = random.Random(DEMO_SEED)
    points = _demo_points()
    span = (closes - opens).days - config.rules.home_lead_days - 7
    made = 0
    for n in range(count):
        received = _open_day(config, opens + dt.timedelta(days=span * n // count))
        place, lat, lng = rng.choice(points)
        start = received + dt.timedelta(days=config.rules.home_lead_days + rng.randrange(0, 10))
        intake = Intake(
            caller_relationship="self", caller_name=None, caller_phone=None,
            name=f"デモ 利用者{n + 1:02d}", name_kana=f"デモ リヨウシャ{n + 1:02d}",
            birth_date=dt.date(1940, 1, 1) + dt.timedelta(days=rng.randrange(0, 3000)),
            phone="0134-00-0000", address=f"小樽市{place}", lat=lat, lng=lng,
            town=place.rstrip("0123456789丁目"), location_precision="chome",
            eligibility="age75", eligibility_detail="（デモデータ）",
            applicants=rng.choice((1, 1, 1, 2, 2, 3)),
            application_type=rng.choice(("new", "new", "new", "renewal", "lost")),
            details={"id_documents": [rng.choice(("health_insurance", "driver_license",
                                                  "pension_book"))],
                     "can_photo": rng.choice(("yes", "yes", "no")),
                     "can_write": rng.choice(("yes", "yes", "no")),
                     "helper_present": rng.choice(("yes", "no")),
                     "parking": rng.choice(("yes", "no")),
                     "visit_notes": rng.choice(("", "", "玄関は裏口です", "犬がいます"))},
            wish=Wish(date_from=start, date_to=start + dt.timedelta(days=rng.randrange(14, 45)),
                      weekdays=tuple(sorted(rng.sample(range(5), rng.randrange(0, 3)))),
                      half=rng.choice((None, "am", "pm"))),
        )
        offers = search_offers(db, record, intake, today=received).offers  # type: ignore[arg-type]
        if not offers:
            continue
        first = offers[0]
        reserve(db, record, intake, Slot(first.date, first.half, first.team, first.position),  # type: ignore[arg-type]
                operator.id if operator else None, today=received)  # type: ignore[arg-type]
        made += 1
    return [f"Booked {made} fictional demo visits over the season."]
