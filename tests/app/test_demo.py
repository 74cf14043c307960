"""The demo season (app/demo.py) looks like a real one: calls come in when the centre is open."""

from __future__ import annotations

from app.bookings.operations import active_bookings
from app.seasons.operations import season_config
from solver.calendar_rules import closed_reason
from tests.app.test_route_sheets import demo  # noqa: F401 (fixture)


def test_demo_bookings_are_received_on_days_the_call_centre_answers(db, demo):  # noqa: F811
    config = season_config(demo)
    bookings = active_bookings(db, demo.id)
    assert len(bookings) >= 30
    for booking in bookings:
        assert booking.received_on.weekday() < 5, booking.received_on
        assert closed_reason(config, booking.received_on) is None, booking.received_on


def test_a_demo_loaded_mid_season_is_caught_up_as_the_staff_would_have_left_it(db, demo):  # noqa: F811
    """Started on a day mid-season, the demo's past is done: hand-overs shared on their due
    days, outcomes recorded, personal data deleted when due, so nothing shows as overdue;
    the future is untouched, and loading again changes nothing."""
    import datetime as dt

    from app.auth import operations as accounts
    from app.demo import DEMO_USERS, catch_up_to_today
    from app.privacy import deletion, handover

    for username, name, role, password in DEMO_USERS:
        if accounts.find_user(db, username) is None:
            accounts.create_user(db, username, name, role, password)
    bookings = active_bookings(db, demo.id)
    days = sorted({b.visit_date for b in bookings})
    today = days[len(days) * 2 // 3]
    city = ("city@example.jp",)

    assert catch_up_to_today(db, demo, days[0] - dt.timedelta(days=30), city, 7) == []
    done = catch_up_to_today(db, demo, today, city, 7)
    assert len(done) == 1 and "Caught the demo up" in done[0]
    past = [b for b in bookings if b.visit_date < today]
    future = [b for b in bookings if b.visit_date >= today]
    assert past and future
    assert all(b.status == "visited" and b.applications_taken == b.applicants for b in past)
    assert all(b.outcome_recorded_at is None and b.personal_data_deleted_on is None
               for b in future)
    assert not [w for w in handover.week_statuses(db, demo, today) if w.late]
    assert deletion.overdue(db, demo.id, today, 7) == []
    deleted = [b for b in past if b.personal_data_deleted_on is not None]
    assert deleted and all(b.name is None for b in deleted)
    assert catch_up_to_today(db, demo, today, city, 7) == []
