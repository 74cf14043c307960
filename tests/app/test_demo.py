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
