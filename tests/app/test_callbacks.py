"""Stale offers and the call-back list: a confirmed caller's time never changes unnoticed.

An offer carries the half-day's bookings as the operator saw them, so a second submission of
the same form, or another operator's booking into that half-day meanwhile, is refused with
fresh offers instead of pushing a confirmed caller to a later time. When a caller's time does
change without them (a booking put before theirs, one before theirs cancelled, a re-plan), the
operator who made the change is told and the booking stays on the call-back list until someone
records the call.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from app.bookings import callbacks, replanning
from app.bookings.intake import offer_key, parse_offer_key
from app.bookings.models import (
    CAUSE_CALLER,
    CAUSE_RENUMBER,
    CAUSE_REPLAN,
    CAUSE_STAFF,
    Booking,
    BookingEvent,
)
from app.bookings.operations import STALE_OFFER, Slot, cancel, reschedule, reserve
from app.bookings.replanning import DROPPED_REASON, REPLAN_REASON_PREFIX
from app.dates import jp_date
from solver.season import SeasonConfig, Wish
from tests.app.test_api import BOOKINGS, post_json
from tests.app.test_bookings_reserve import HANAZONO, INAHO, TODAY, first_home_day, intake
from tests.app.test_intake import URL, answers
from tests.app.test_replanning import TIME_LIMIT, book, home_days
from tests.conftest import make_user

CALLBACKS = "/operator/bookings/callbacks"


def offers_of(page: str) -> list[str]:
    return re.findall(r'name="offer" value="([^"]+)"', page)


def bookings_named(db, name: str) -> int:
    return db.scalar(select(func.count()).select_from(Booking).where(Booking.name == name))


def test_an_offer_key_carries_the_half_day_as_it_was_offered():
    slot = Slot(dt.date(2026, 7, 1), "am", 1, 2, (7, 3))
    assert parse_offer_key(offer_key(slot)) == slot
    assert parse_offer_key(offer_key(Slot(dt.date(2026, 7, 1), "pm", 1, 1, ()))).route == ()
    assert parse_offer_key("2026-07-01|am|1|1") is None  # the route part is required
    assert parse_offer_key("2026-07-01|am|1|1|x") is None


def test_the_same_offer_sent_twice_books_once_and_moves_nobody(operator_client, db, season):
    key = offers_of(operator_client.post_form(URL, answers()).get_data(as_text=True))[0]
    assert operator_client.post_form(URL, answers(offer=key)).status_code == 302
    again = operator_client.post_form(URL, answers(offer=key))  # a double click
    assert again.status_code == 409
    assert STALE_OFFER in again.get_data(as_text=True) or "選び直して" in again.get_data(
        as_text=True)
    assert bookings_named(db, "小樽 花子") == 1
    first = db.scalar(select(Booking))
    assert first.position == 1 and [e.action for e in first.history] == ["created"]


def test_an_offer_for_a_half_day_booked_meanwhile_is_refused_though_not_full(
        operator_client, db, season):
    page = operator_client.post_form(URL, answers()).get_data(as_text=True)
    key = next(k for k in offers_of(page) if k.endswith("|-"))  # an empty half-day
    date, half, team, _position, _route = key.split("|")
    other = make_user(db, "operator", "other")
    earlier = reserve(db, season, intake(INAHO, name="先客"),
                      Slot(dt.date.fromisoformat(date), half, int(team), 1),  # type: ignore[arg-type]
                      other.id, today=TODAY)
    db.commit()
    response = operator_client.post_form(URL, answers(offer=key))
    assert response.status_code == 409
    assert offers_of(response.get_data(as_text=True))  # fresh offers to choose from
    db.refresh(earlier)
    assert earlier.position == 1 and callbacks.due_event(earlier) is None
    assert bookings_named(db, "小樽 花子") == 0


def test_the_api_refuses_a_stale_offer_with_fresh_ones(operator_client, db, season):
    response = operator_client.get("/api/v1/slots", query_string={
        "lat": INAHO[0], "lng": INAHO[1], "wish_from": "2026-06-22", "wish_to": "2026-07-31"})
    key = next(o["key"] for o in response.get_json()["offers"] if o["key"].endswith("|-"))
    assert post_json(operator_client, BOOKINGS, answers(offer=key)).status_code == 201
    again = post_json(operator_client, BOOKINGS, answers(offer=key, name="二重 送信"))
    assert again.status_code == 409 and again.get_json()["error"] == "slot_taken"
    assert again.get_json()["offers"]
    assert bookings_named(db, "二重 送信") == 0


def test_the_api_names_the_bookings_a_new_one_pushed_later(operator_client, db, season):
    user = make_user(db, "operator", "other")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO, name="先客"), Slot(day, "am", 1, 1), user.id,
                    today=TODAY)
    db.commit()
    key = offer_key(Slot(day, "am", 1, 1, (first.id,)))
    response = post_json(operator_client, BOOKINGS,
                         answers(offer=key, lat=HANAZONO[0], lng=HANAZONO[1],
                                 wish_from=None, wish_to=None))
    assert response.status_code == 201, response.get_json()
    db.refresh(first)
    assert response.get_json()["renumbered"] == [{"receipt_no": first.receipt_no,
                                                  "eta": first.eta}]
    assert first.position == 2 and callbacks.due_event(first) is not None


def test_a_cancellation_tells_the_operator_whom_to_phone_and_lists_them(
        operator_client, db, season):
    user = make_user(db, "operator", "other")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO, name="先客"), Slot(day, "am", 1, 1), user.id,
                    today=TODAY)
    second = reserve(db, season, intake(HANAZONO, name="後客"), Slot(day, "am", 1, 2), user.id,
                     today=TODAY)
    db.commit()
    assert "後客" not in operator_client.get(CALLBACKS).get_data(as_text=True)
    done = operator_client.post_form(f"/operator/bookings/{first.id}/cancel",
                                     {"reason": "入院のため", "confirmed": "y"},
                                     follow_redirects=True)
    assert f"受付番号 {second.receipt_no} の訪問時間が変わりました" in done.get_data(as_text=True)
    listing = operator_client.get(CALLBACKS).get_data(as_text=True)
    assert f'data-booking="{second.id}"' in listing and "後客" in listing
    reception = operator_client.get("/operator/bookings/").get_data(as_text=True)
    assert re.search(r'id="callbacks-waiting"[^>]*>1<', reception)  # the navigation's badge
    assert f'data-booking="{first.id}"' not in listing  # its caller asked for the cancellation

    shown = callbacks.due_event(second).id
    marked = operator_client.post_form(f"/operator/bookings/{second.id}/called-back",
                                       {"note": "午前10時に変更と伝えた", "event": shown},
                                       follow_redirects=True)
    assert "連絡済みとして記録しました" in marked.get_data(as_text=True)
    after = operator_client.get(CALLBACKS).get_data(as_text=True)
    assert f'data-booking="{second.id}"' not in after and 'id="callbacks-waiting"' not in after
    db.refresh(second)
    assert second.history[-1].action == "called_back"
    assert second.history[-1].reason == "午前10時に変更と伝えた"

    twice = operator_client.post_form(f"/operator/bookings/{second.id}/called-back",
                                      {"event": shown})
    assert twice.status_code == 422
    assert "連絡済みとして記録しています" in twice.get_data(as_text=True)
    assert "メモは保存していません" in twice.get_data(as_text=True)


def test_a_too_long_note_is_refused_and_kept(operator_client, db, season):
    user = make_user(db, "operator", "other")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO, name="先客"), Slot(day, "am", 1, 1), user.id,
                    today=TODAY)
    reserve(db, season, intake(HANAZONO, name="割込"), Slot(day, "am", 1, 1), user.id,
            today=TODAY)
    db.commit()
    note = "長" * 201
    response = operator_client.post_form(f"/operator/bookings/{first.id}/called-back",
                                         {"note": note, "event": callbacks.due_event(first).id})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "200文字以内" in page and note in page
    db.refresh(first)
    assert callbacks.due_event(first) is not None


def test_the_callers_own_change_closes_an_earlier_call_back(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    assert callbacks.due_event(first) is not None
    later = first_home_day(season, day + dt.timedelta(days=1))
    reschedule(db, season, first, Slot(later, "pm", 1, 1), Wish(), "本人の都合", user.id,
               today=TODAY)
    assert callbacks.due_event(first) is None
    assert first.id not in {row.booking.id for row in callbacks.due(db, season.id)}


def test_each_booking_event_records_its_cause(db, season):
    """The caller's own booking, change and cancellation, and the renumbering they cause to
    another booking, each carry their cause (the call-back list reads it, not the text)."""
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    first.shared_on = TODAY
    second = reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    later = first_home_day(season, day + dt.timedelta(days=1))
    reschedule(db, season, second, Slot(later, "pm", 1, 1), Wish(), "本人の都合", user.id,
               today=TODAY)
    cancel(db, season, second, "入院のため", user.id, today=TODAY)
    db.flush()
    assert [(e.action, e.cause) for e in first.history] == [
        ("created", CAUSE_CALLER), ("reordered", CAUSE_RENUMBER),
        ("share_outdated", CAUSE_STAFF), ("reordered", CAUSE_RENUMBER)]
    assert [(e.action, e.cause) for e in second.history] == [
        ("created", CAUSE_CALLER), ("changed", CAUSE_CALLER), ("cancelled", CAUSE_CALLER)]


def test_a_re_plan_move_or_drop_needs_a_call_back_but_an_operator_change_does_not():
    def booking_with(action: str, reason: str, cause: str) -> Booking:
        booking = Booking()
        booking.history = [BookingEvent(action="created", cause=CAUSE_CALLER),
                           BookingEvent(action=action, reason=reason, cause=cause)]
        return booking

    moved = booking_with("changed", f"{REPLAN_REASON_PREFIX}（訪問日の中止）: 大雪", CAUSE_REPLAN)
    dropped = booking_with("cancelled", f"{DROPPED_REASON['cancel_day']}（訪問日の中止: 大雪）",
                           CAUSE_REPLAN)
    asked = booking_with("changed", "家族の都合", CAUSE_CALLER)
    assert callbacks.due_event(moved) is moved.history[-1]
    assert callbacks.due_event(dropped) is dropped.history[-1]
    assert callbacks.due_event(asked) is None


def test_a_re_plan_is_called_back_however_its_reason_is_worded(db, season, monkeypatch):
    """The call-back list knows a re-plan by the events' cause, not their reason text: with the
    re-plan's texts reworded, its move and its cancellation are still listed."""
    monkeypatch.setattr(replanning, "REPLAN_REASON_PREFIX", "再計画で移動")
    monkeypatch.setattr(replanning, "DROPPED_REASON", {
        kind: "再計画で取消" for kind in replanning.DROPPED_REASON})
    user = make_user(db, "operator")
    manager = make_user(db, "manager", "m-reworded")
    d1, _d2 = home_days(season, 2)
    moving = book(db, season, user, d1, "am", 1, INAHO, "移動 一郎")
    dropping = book(db, season, user, d1, "am", 2, HANAZONO, "限定 二郎", wish=Wish(date_to=d1))
    preview = replanning.preview(db, season, replanning.ChangeRequest("cancel_day", date=d1),
                                 "大雪のため", manager, TODAY, time_limit_s=TIME_LIMIT)
    replanning.apply(db, season, preview.proposal, True, manager, TODAY)
    db.commit()

    assert (moving.status, dropping.status) == ("booked", "cancelled")
    for booking in (moving, dropping):
        event = booking.history[-1]
        assert event.cause == CAUSE_REPLAN and event.reason.startswith("再計画で")
        assert not event.reason.startswith(
            (REPLAN_REASON_PREFIX, *DROPPED_REASON.values()))
        assert callbacks.due_event(booking) is event
    assert {row.booking.id for row in callbacks.due(db, season.id)} == {moving.id, dropping.id}


def test_a_change_after_the_list_was_shown_refuses_the_call_back(operator_client, db, season):
    user = make_user(db, "operator", "other")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO, name="先客"), Slot(day, "pm", 1, 1), user.id,
                    today=TODAY)
    pushing = reserve(db, season, intake(HANAZONO, name="割込1"), Slot(day, "pm", 1, 1),
                      user.id, today=TODAY)
    shown = callbacks.due_event(first).id  # the operator reads the list: 2nd visit
    cancel(db, season, pushing, "取消", user.id, today=TODAY)  # meanwhile it moves up, then down again
    reserve(db, season, intake(HANAZONO, name="割込2"), Slot(day, "pm", 1, 1), user.id,
            today=TODAY)
    db.commit()
    response = operator_client.post_form(f"/operator/bookings/{first.id}/called-back",
                                         {"event": shown})
    assert response.status_code == 422
    assert "一覧を表示した後に" in response.get_data(as_text=True)
    db.refresh(first)
    assert callbacks.due_event(first) is not None and first.history[-1].action == "reordered"
    listing = operator_client.get(CALLBACKS).get_data(as_text=True)
    row = listing.split(f'data-booking="{first.id}"')[1].split("</tr>")[0]
    told = SeasonConfig().times.home_eta('pm', 1).replace('-', '〜')
    assert f"お客様に伝えてある時間: {told}頃" in row


def test_a_time_that_came_back_to_what_the_caller_was_told_needs_no_call(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    pushing = reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    assert callbacks.pending_changes(first)
    cancel(db, season, pushing, "間違えて予約した", user.id, today=TODAY)  # back to the first visit
    assert first.position == 1 and callbacks.pending_changes(first) == ()
    assert first.id not in {row.booking.id for row in callbacks.due(db, season.id)}


def test_a_visit_with_its_outcome_recorded_is_renumbered_without_a_call_back(db, season):
    user = make_user(db, "operator")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    first = reserve(db, season, intake(INAHO), Slot(day, "am", 1, 1), user.id, today=TODAY)
    second = reserve(db, season, intake(HANAZONO), Slot(day, "am", 1, 2), user.id, today=TODAY)
    second.status, second.outcome_recorded_at = "cancelled", dt.datetime(2026, 7, 1, 1, 0)
    db.flush()
    callbacks.renumbered_now(db)
    cancel(db, season, first, "入院のため", user.id, today=TODAY)
    assert second.position == 1 and "reordered" not in [e.action for e in second.history]
    assert callbacks.renumbered_now(db) == []
    assert callbacks.due(db, season.id) == []


def test_viewing_the_list_is_logged_under_a_japanese_name(operator_client, manager_client, db,
                                                          season):
    assert operator_client.get(CALLBACKS).status_code == 200
    log = manager_client.get("/manager/privacy/log").get_data(as_text=True)
    assert "再連絡一覧" in log and "callback_list" not in log


def test_the_list_tells_the_day_a_re_planned_caller_was_given_not_only_the_time(
        operator_client, db, season):
    """A re-plan moves a visit to another day, often at the same time: '伝えてある時間 14:00' next
    to a new 14:00 would read as 'nothing changed'. The list says the day and half-day too."""
    user = make_user(db, "operator", "op-told")
    manager = make_user(db, "manager", "m-told")
    d1, _d2 = home_days(season, 2)
    moving = book(db, season, user, d1, "pm", 1, INAHO, "移動 一郎")
    dropping = book(db, season, user, d1, "am", 1, HANAZONO, "限定 二郎", wish=Wish(date_to=d1))
    told = {b.id: replanning.Place.of(b) for b in (moving, dropping)}
    preview = replanning.preview(db, season, replanning.ChangeRequest("cancel_day", date=d1),
                                 "大雪のため", manager, TODAY, time_limit_s=TIME_LIMIT)
    replanning.apply(db, season, preview.proposal, True, manager, TODAY)
    db.commit()
    listing = operator_client.get(CALLBACKS).get_data(as_text=True)
    for booking, half in ((moving, "午後"), (dropping, "午前")):
        row = listing.split(f'data-booking="{booking.id}"')[1].split("</tr>")[0]
        eta = told[booking.id].eta.replace("-", "〜")
        assert f"お客様に伝えてある予定: {jp_date(d1)}{half} {eta}頃" in row, row
