"""Changing a booking's day with a reason, keeping its receipt number and history (SPEC §9)."""

from __future__ import annotations

import datetime as dt
import html
import re

from sqlalchemy import select

from app.bookings.models import Booking, BookingEvent
from app.bookings.operations import SAME_SLOT, Slot, reschedule, reserve
from app.dates import jp_date
from tests.app.test_bookings_reserve import (
    HANAZONO,
    INAHO,
    TODAY,
    ZENIBAKO,
    first_home_day,
    intake,
    make_booking,
)
from tests.conftest import make_user


def errors_of(page: str) -> str:
    return " ".join(re.findall(r'class="field-error">(.*?)</p>', page, flags=re.S))


def _offers(page: str) -> list[str]:
    return re.findall(r'name="offer" value="([^"]+)"', page)


def _url(booking: Booking) -> str:
    return f"/operator/bookings/{booking.id}/change"


def test_changing_a_booking_moves_it_keeps_its_number_and_records_why(operator_client, db, season):
    user = make_user(db, "operator", "other")
    first = make_booking(db, season, user.id, INAHO, "am")
    second = reserve(db, season, intake(HANAZONO, name="二番目"),
                     Slot(first.visit_date, "am", 1, 2), user.id, today=TODAY)
    db.commit()
    original = first.visit_date
    page = operator_client.post_form(_url(first), {"reason": "通院の予定が入った",
                                                   "wish_from": "2026-07-01",
                                                   "wish_to": "2026-07-31"}).get_data(as_text=True)
    offers = _offers(page)
    assert offers and all("2026-07-01" <= k.split("|")[0] <= "2026-07-31" for k in offers)
    response = operator_client.post_form(_url(first), {
        "reason": "通院の予定が入った", "wish_from": "2026-07-01", "wish_to": "2026-07-31",
        "offer": offers[0]})
    assert response.status_code == 302, response.get_data(as_text=True)
    db.expire_all()
    moved, stayed = db.get(Booking, first.id), db.get(Booking, second.id)
    assert moved.receipt_no == 1 and moved.visit_date.isoformat() == offers[0].split("|")[0]
    assert (moved.wish_from, moved.wish_to) == (dt.date(2026, 7, 1), dt.date(2026, 7, 31))
    change = [e for e in moved.history if e.action == "changed"]
    assert change and change[0].reason == "通院の予定が入った"
    assert change[0].before["visit_date"] == original.isoformat()
    # the visit left behind moves up to the first place and is marked for a call back
    assert (stayed.position, stayed.eta) == (1, "10:00")
    assert any(e.action == "reordered" for e in stayed.history)


def test_a_search_needs_no_reason(operator_client, db, season):
    """The operator looks for days while the caller decides; the reason comes at the change."""
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    response = operator_client.post_form(_url(booking), {"reason": "", "wish_from": "2026-08-03"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, errors_of(page)
    assert "入力内容を確認してください" not in page and _offers(page)
    assert "日時を変更するときに必要です" in page  # the reason's help says when it is needed


def test_a_change_needs_a_reason_and_keeps_what_was_typed_and_the_offers(operator_client, db,
                                                                         season):
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    data = {"reason": "  ", "wish_from": "2026-08-03"}
    key = _offers(operator_client.post_form(_url(booking), data).get_data(as_text=True))[0]
    response = operator_client.post_form(_url(booking), {**data, "offer": key})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "変更の理由を入力してください" in errors_of(page) and 'value="2026-08-03"' in page
    assert '<a href="#reason">変更の理由を入力してください。</a>' in page  # the summary links it
    assert key in _offers(page)  # the offers stay: type the reason, press the same day again
    assert db.scalars(select(BookingEvent).where(BookingEvent.action == "changed")).first() is None


def test_the_current_slot_is_marked_and_not_offered(operator_client, db, season):
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    day = booking.visit_date.isoformat()
    page = operator_client.post_form(_url(booking), {"wish_from": day, "wish_to": day}
                                     ).get_data(as_text=True)
    assert not [k for k in _offers(page) if k.startswith(f"{day}|am|{booking.team}|")]
    current = re.findall(r'<tr class="offer current">(.*?)</tr>', page, flags=re.S)
    assert len(current) == 1 and "現在の予約" in current[0]
    assert jp_date(booking.visit_date) in current[0]
    assert 'name="offer"' not in current[0]
    assert f"{booking.eta}頃" in current[0]  # its own time, as the page's heading says


def test_a_place_taken_meanwhile_is_refused_with_fresh_offers(operator_client, db, season):
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    data = {"reason": "家族の都合", "wish_from": "2026-07-01", "wish_to": "2026-07-31"}
    key = _offers(operator_client.post_form(_url(booking), data).get_data(as_text=True))[0]
    date, half, team, _, _route = key.split("|")
    for position in (1, 2):  # another operator fills that half-day first
        reserve(db, season, intake(ZENIBAKO, name=f"先客{position}"),
                Slot(dt.date.fromisoformat(date), half, int(team), position), user.id, today=TODAY)
    db.commit()
    before = (booking.visit_date, booking.half, booking.position)
    response = operator_client.post_form(_url(booking), {**data, "offer": key})
    assert response.status_code == 409
    fresh = _offers(response.get_data(as_text=True))
    assert fresh and not [k for k in fresh if k.startswith(f"{date}|{half}|")]
    db.expire_all()
    again = db.get(Booking, booking.id)
    assert (again.visit_date, again.half, again.position) == before


def test_the_lead_time_counts_from_the_day_of_the_change(app, operator_client, db, season):
    user = make_user(db, "operator", "other")
    # A visit still ahead on the day of the change (a past one cannot be changed).
    booking = reserve(db, season, intake(INAHO), Slot(first_home_day(season, dt.date(2026, 9, 1)),
                                                      "am", 1, 1), user.id, today=TODAY)
    db.commit()
    app.config["APP_TODAY"] = dt.date(2026, 8, 3)
    page = operator_client.post_form(_url(booking), {"reason": "入院"}).get_data(as_text=True)
    offers = _offers(page)
    assert offers and min(k.split("|")[0] for k in offers) >= "2026-08-17"


def test_a_cancelled_booking_cannot_be_changed(operator_client, db, season):
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    booking.status = "cancelled"
    db.commit()
    response = operator_client.get(_url(booking))
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/operator/bookings/{booking.id}")


def test_a_change_page_sent_on_or_after_the_visit_day_changes_nothing(app, operator_client, db,
                                                                       season):
    """Opened the day before, sent on the visit day or later: refused (change_refusal)."""
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    data = {"reason": "家族の都合", "wish_from": "2026-07-01", "wish_to": "2026-07-31"}
    app.config["APP_TODAY"] = booking.visit_date - dt.timedelta(days=1)
    key = _offers(operator_client.post_form(_url(booking), data).get_data(as_text=True))[0]
    for today, why in ((booking.visit_date, "本日が訪問日のため、この予約は変更できません"),
                       (booking.visit_date + dt.timedelta(days=3), "訪問結果は訪問ルート表で")):
        app.config["APP_TODAY"] = today
        response = operator_client.post_form(_url(booking), {**data, "offer": key})
        assert response.status_code == 302 and response.headers["Location"].endswith(
            f"/operator/bookings/{booking.id}")
        slip = operator_client.get(response.headers["Location"]).get_data(as_text=True)
        assert why in slip
    db.expire_all()
    assert db.get(Booking, booking.id).visit_date == booking.visit_date
    assert db.scalars(select(BookingEvent).where(BookingEvent.action == "changed")).first() is None


def test_a_stale_change_page_cannot_move_the_booking_into_its_own_half_day(
        operator_client, db, season):
    """The page was opened; meanwhile (another tab, another operator) the booking was moved to
    one of the days it lists. Sending that day now is no change: refused, nothing written,
    what was typed kept."""
    from solver.season import Wish

    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    data = {"reason": "家族の都合", "wish_from": "2026-07-01", "wish_to": "2026-07-31",
            "wish_half": "pm"}
    key = _offers(operator_client.post_form(_url(booking), data).get_data(as_text=True))[0]
    date, half, team, position, _route = key.split("|")
    reschedule(db, season, booking, Slot(dt.date.fromisoformat(date), half, int(team),
                                         int(position)), Wish(), "別の電話で変更", user.id,
               today=TODAY)
    db.commit()
    response = operator_client.post_form(_url(booking), {**data, "offer": key})
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "現在の予約と同じ日時です" in SAME_SLOT
    assert html.escape(SAME_SLOT, quote=False) in page.split('id="refused"')[1].split("</div>")[0]
    assert "家族の都合</textarea>" in page and 'value="2026-07-01"' in page
    assert '<option selected value="pm">' in page or 'value="pm" selected' in page
    db.expire_all()
    changes = db.scalars(select(BookingEvent).where(BookingEvent.booking_id == booking.id,
                                                    BookingEvent.action == "changed")).all()
    assert [e.reason for e in changes] == ["別の電話で変更"]  # only the real change


def test_the_change_offers_say_which_wishes_each_meets_as_the_intakes_do(
        operator_client, db, season):
    """Not just 希望どおり/希望外: 曜日○・午前午後× per offer (offers.wish_note, shared macro)."""
    user = make_user(db, "operator", "other")
    booking = make_booking(db, season, user.id)
    monday_am = {"reason": "", "wish_from": "2026-07-01", "wish_to": "2026-07-31",
                 "wish_weekdays": ["0"], "wish_half": "am"}
    page = operator_client.post_form(_url(booking), monday_am).get_data(as_text=True)
    rows = re.findall(r'<tr class="offer">(.*?)</tr>', page, flags=re.S)
    notes = {}
    for row in rows:
        date, half = re.search(r'name="offer" value="([^|]+)\|(am|pm)\|', row).groups()
        cell = re.search(r'<td[^>]* class="wish-note">(.*?)</td>', row).group(1)
        notes[(dt.date.fromisoformat(date), half)] = re.sub(r"<[^>]+>", "", cell)
    assert notes
    for (day, half), note in notes.items():
        weekday, morning = day.weekday() == 0, half == "am"
        assert note == ("希望どおり" if weekday and morning else
                        f"曜日{'○' if weekday else '×'}・午前午後{'○' if morning else '×'}")
    assert {"曜日○・午前午後×", "曜日×・午前午後○"} <= set(notes.values())
    assert "希望外" not in page
    # With no soft wish the column says so, as on the intake.
    period_only = operator_client.post_form(_url(booking), {
        "wish_from": "2026-07-01", "wish_to": "2026-07-31"}).get_data(as_text=True)
    assert {re.sub(r"<[^>]+>", "", cell) for cell in re.findall(
        r'<td[^>]* class="wish-note">(.*?)</td>', period_only)} == {"指定なし"}
