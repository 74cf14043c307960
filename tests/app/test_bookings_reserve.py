"""Reserving slots: the season plan is checked under a lock; receipt numbers have no gaps."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from sqlalchemy import select

from app import create_app, migrate
from app.bookings.models import Booking
from app.bookings.operations import (
    Intake,
    Slot,
    SlotUnavailable,
    active_bookings,
    cancel,
    reschedule,
    reserve,
)
from app.dates import jp_date
from app.seasons.models import SeasonRecord, VisitDayRecord
from app.seasons.operations import create_season
from solver.season import SeasonConfig, Wish
from tests.conftest import backends, make_user

TODAY = dt.date(2026, 6, 1)
# 稲穂2丁目, 花園1丁目 next to it, and 銭函3丁目 ~16 km away (fixtures/otaru_towns.csv).
INAHO = (43.197001, 140.996374)
HANAZONO = (43.192668, 140.999025)
ZENIBAKO = (43.147857, 141.189272)


def intake(lat_lng=INAHO, applicants=1, name="小樽 太郎") -> Intake:
    return Intake(
        caller_relationship="self", caller_name=None, caller_phone=None, name=name,
        name_kana="オタル タロウ", birth_date=dt.date(1940, 4, 1), phone="0134-22-0000",
        address="小樽市稲穂2丁目", lat=lat_lng[0], lng=lat_lng[1], town="稲穂",
        location_precision="chome", eligibility="age75", eligibility_detail="足が不自由",
        applicants=applicants, application_type="new", details={}, wish=Wish(),
    )


def make_booking(db, season, user_id: int, lat_lng=INAHO, half: str = "am") -> Booking:
    """One booking on the first bookable home day (for page tests)."""
    day = first_home_day(season, TODAY + dt.timedelta(days=SeasonConfig().rules.home_lead_days))
    booking = reserve(db, season, intake(lat_lng), Slot(day, half, 1, 1), user_id, today=TODAY)
    db.commit()
    return booking


def first_home_day(record: SeasonRecord, after: dt.date) -> dt.date:
    return min(d.date for d in record.visit_days if d.kind == "home" and d.date >= after)


def test_first_booking_gets_receipt_one_and_the_first_time(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    booking = reserve(db, season, intake(), Slot(day, "am", 1, 1), user.id, today=TODAY)
    assert booking.receipt_no == 1
    assert booking.eta == SeasonConfig().times.home_eta("am", 1)
    assert [e.action for e in booking.history] == ["created"]


def test_lead_time_is_enforced(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY)
    lead = SeasonConfig().rules.home_lead_days
    with pytest.raises(SlotUnavailable) as refused:
        reserve(db, season, intake(), Slot(day, "am", 1, 1), user.id,
                today=day - dt.timedelta(days=lead - 1))
    assert any(p.startswith("lead_time") for p in refused.value.problems)
    booking = reserve(db, season, intake(), Slot(day, "am", 1, 1), user.id,
                      today=day - dt.timedelta(days=lead))
    assert booking.visit_date == day


def test_a_far_away_second_visit_breaks_the_travel_cap(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    with pytest.raises(SlotUnavailable) as refused:
        reserve(db, season, intake(ZENIBAKO), Slot(day, "am", 1, 2), user.id, today=TODAY)
    assert any(p.startswith("travel_cap") for p in refused.value.problems)
    nearby = reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 2), user.id, today=TODAY)
    assert nearby.position == 2 and nearby.receipt_no == 2


def test_inserting_before_an_earlier_booking_records_that_its_time_changed(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    assert first.position == 2
    assert first.history[-1].action == "reordered"
    assert first.history[-1].before == {"position": 1, "eta": SeasonConfig().times.home_eta("am", 1)}


def test_cancelling_moves_later_visits_up_and_keeps_the_history(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    second = reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 2), user.id, today=TODAY)
    with pytest.raises(SlotUnavailable):
        cancel(db, season, first, "   ", user.id, today=TODAY)
    cancel(db, season, first, "入院のため", user.id, today=TODAY)
    assert first.status == "cancelled" and first.history[-1].reason == "入院のため"
    assert second.position == 1 and second.history[-1].action == "reordered"


def _race(app, season_id: int, user_id: int, slots: list[Slot]) -> list[object]:
    """Each thread reserves one slot in its own session and commits; returns the outcomes."""
    outcomes: list[object] = [None] * len(slots)
    start = threading.Barrier(len(slots))

    def worker(i: int) -> None:
        with app.app_context():
            database = app.extensions["db"]
            session = database.session()
            start.wait()
            try:
                record = session.get(SeasonRecord, season_id)
                booking = reserve(session, record, intake(HANAZONO, name=f"利用者{i}"),
                                  slots[i], user_id, today=TODAY)
                session.commit()
                outcomes[i] = booking.receipt_no
            except SlotUnavailable as exc:
                session.rollback()
                outcomes[i] = exc
            finally:
                database.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(len(slots))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.fixture(params=backends())
def race_app(request, fresh_database_url, otaru_calendar):
    url = fresh_database_url(request.param)
    app = create_app("testing", {"DATABASE_URL": url})
    with app.app_context():
        migrate.upgrade(app.extensions["db"].engine)
        session = app.extensions["db"].session()
        user = make_user(session, "operator")
        record = create_season(session, "otaru-2026", "小樽市 2026年度", SeasonConfig())
        for d in otaru_calendar.visit_days:
            record.visit_days.append(VisitDayRecord(date=d.date, kind=d.kind, pm_slots=d.pm_slots))
        session.commit()
        ids = (record.id, user.id)
        app.extensions["db"].session.remove()
    yield app, ids
    app.extensions["db"].engine.dispose()


def test_twenty_operators_race_for_the_last_slot_exactly_one_wins(race_app):
    app, (season_id, user_id) = race_app
    with app.app_context():
        session = app.extensions["db"].session()
        record = session.get(SeasonRecord, season_id)
        day = first_home_day(record, TODAY + dt.timedelta(days=14))
        reserve(session, record, intake(INAHO), Slot(day, "am", 1, 1), user_id, today=TODAY)
        session.commit()
        app.extensions["db"].session.remove()
    outcomes = _race(app, season_id, user_id, [Slot(day, "am", 1, 2)] * 20)
    winners = [o for o in outcomes if isinstance(o, int)]
    refusals = [o for o in outcomes if isinstance(o, SlotUnavailable)]
    assert len(winners) == 1 and len(refusals) == 19
    assert all(any(p.startswith("capacity") for p in r.problems) for r in refusals)
    with app.app_context():
        session = app.extensions["db"].session()
        numbers = sorted(session.scalars(select(Booking.receipt_no)))
        assert numbers == [1, 2]
        assert session.get(SeasonRecord, season_id).last_receipt_no == 2


def test_concurrent_bookings_of_different_slots_get_contiguous_receipt_numbers(race_app):
    app, (season_id, user_id) = race_app
    with app.app_context():
        record = app.extensions["db"].session().get(SeasonRecord, season_id)
        days = sorted(d.date for d in record.visit_days
                      if d.kind == "home" and d.date >= TODAY + dt.timedelta(days=14))
        app.extensions["db"].session.remove()
    slots = [Slot(days[i // 2], "am" if i % 2 == 0 else "pm", 1, 1) for i in range(12)]
    outcomes = _race(app, season_id, user_id, slots)
    assert sorted(outcomes) == list(range(1, 13))  # type: ignore[type-var]


# --- the visit day: cancelled on the day as the day's outcome, nothing after it ------------

def _two_visits(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    second = reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 2), user.id, today=TODAY)
    return user, first, second


def test_after_the_visit_day_a_booking_can_be_neither_cancelled_nor_changed(db, season):
    user, first, second = _two_visits(db, season)
    day = first.visit_date
    later = first_home_day(season, day + dt.timedelta(days=14))
    the_day_after = first.visit_date + dt.timedelta(days=1)
    with pytest.raises(SlotUnavailable) as cancelled:
        cancel(db, season, first, "入院のため", user.id, today=the_day_after)
    with pytest.raises(SlotUnavailable) as changed:
        reschedule(db, season, first, Slot(later, "pm", 1, 1), Wish(), "本人の都合", user.id,
                   today=the_day_after)
    for refusal, what in ((cancelled, "取り消せません"), (changed, "変更できません")):
        assert refusal.value.problems == [
            f"訪問日（{jp_date(first.visit_date)}）を過ぎているため、この予約は{what}。"
            "訪問結果は訪問ルート表で記録してください。"]
    assert (first.status, first.visit_date, second.position) == ("booked", day, 2)
    assert [e.action for e in first.history] == ["created"]


def test_on_the_visit_day_a_cancel_is_the_days_outcome_and_nobody_moves(db, season):
    user, first, second = _two_visits(db, season)
    day = first.visit_date
    cancel(db, season, first, "朝から発熱", user.id, today=day)
    db.flush()
    assert first.status == "cancelled" and first.outcome_recorded_at is not None
    assert first.history[-1].action == "outcome" and "当日取消" in first.history[-1].reason
    assert "朝から発熱" in first.history[-1].reason
    # The second visit keeps the place and time its caller was told (no call-back on the day).
    assert (second.position, [e.action for e in second.history]) == (2, ["created"])
    # ... and the cancelled visit stays on the day's route (the route sheet shows it).
    assert first in active_bookings(db, season.id)


def test_on_the_visit_day_a_booking_cannot_be_changed(db, season):
    user, first, _second = _two_visits(db, season)
    later = first_home_day(season, first.visit_date + dt.timedelta(days=14))
    with pytest.raises(SlotUnavailable) as refused:
        reschedule(db, season, first, Slot(later, "pm", 1, 1), Wish(), "本人の都合", user.id,
                   today=first.visit_date)
    assert "本日が訪問日のため、この予約は変更できません" in refused.value.problems[0]
    assert first.visit_date != later and [e.action for e in first.history] == ["created"]
    # The day before, it still can.
    reschedule(db, season, first, Slot(later, "pm", 1, 1), Wish(), "本人の都合", user.id,
               today=first.visit_date - dt.timedelta(days=1))
    assert first.visit_date == later
