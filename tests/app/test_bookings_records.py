"""The reception list (受付一覧表), its .xlsx, the reception slip and cancellation (SPEC §9)."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import User
from app.bookings.models import Booking
from app.bookings.records import LIST_COLUMNS
from tests.app.test_bookings_reserve import HANAZONO, INAHO, make_booking


def _operator(db):
    return db.scalar(select(User).where(User.role == "operator"))


def test_reception_list_has_every_spec_column_and_each_booking(operator_client, db, season):
    first = make_booking(db, season, _operator(db).id, INAHO, "am")
    second = make_booking(db, season, _operator(db).id, HANAZONO, "pm")
    page = operator_client.get("/operator/bookings/").get_data(as_text=True)
    for column in ("受付番号", "予約日", "訪問予定日", "申請予定件数", "小樽市共有日", "訪問終了日",
                   "個人情報削除日"):
        assert column in page
    assert f'data-booking="{first.id}"' in page and f'data-booking="{second.id}"' in page

    response = operator_client.get("/operator/bookings/list.xlsx")
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[1] == LIST_COLUMNS
    assert [r[0] for r in rows[2:]] == [1, 2]
    assert rows[2][2].date() == first.visit_date and rows[2][5] == first.applicants


def test_slip_shows_the_callers_answers(operator_client, db, season):
    booking = make_booking(db, season, _operator(db).id)
    page = operator_client.get(f"/operator/bookings/{booking.id}").get_data(as_text=True)
    assert "受付番号 1" in page and booking.name in page and booking.eta in page
    assert "75歳以上" in page


def test_cancel_needs_a_reason_and_keeps_the_history(operator_client, db, season):
    booking = make_booking(db, season, _operator(db).id)
    refused = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel", {"reason": ""})
    assert refused.status_code == 422
    assert "取消の理由を入力してください" in refused.get_data(as_text=True)
    db.refresh(booking)
    assert booking.status == "booked"
    done = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel",
                                     {"reason": "体調不良のため"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "取り消しました" in page and "体調不良のため" in page
    db.expire_all()
    assert db.get(Booking, booking.id).status == "cancelled"
    again = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel", {"reason": "重複"})
    assert again.status_code == 422


def test_a_booking_of_another_season_is_404(operator_client, db, season):
    assert operator_client.get("/operator/bookings/99999").status_code == 404


def test_capacity_calendar_shows_free_slots_after_bookings(operator_client, db, season):
    from solver.season import SeasonConfig

    booking = make_booking(db, season, _operator(db).id, INAHO, "am")
    rules = SeasonConfig().rules
    page = operator_client.get("/operator/").get_data(as_text=True)
    cell = page.split(f'data-date="{booking.visit_date.isoformat()}"')[1].split("</td>")[0]
    free_am = rules.home_am_slots - 1
    assert f"午前 {free_am}/{rules.home_am_slots}件" in cell
    assert f"午後 {rules.home_pm_slots}/{rules.home_pm_slots}件" in cell


def test_slip_history_shows_the_earlier_visit_in_japanese(operator_client, db, season):
    first = make_booking(db, season, _operator(db).id, INAHO, "am")
    first_eta = first.eta
    make_booking(db, season, _operator(db).id, HANAZONO, "am")  # takes place 1, pushes `first`
    db.refresh(first)
    assert first.position == 2
    operator_client.post_form(f"/operator/bookings/{first.id}/cancel", {"reason": "入院のため"})
    page = operator_client.get(f"/operator/bookings/{first.id}").get_data(as_text=True)
    day = first.visit_date
    weekday = "月火水木金土日"[day.weekday()]
    assert f"（変更前: 訪問順 1・訪問時間 {first_eta}）" in page
    assert (f"（変更前: 訪問日 {day.isoformat()}（{weekday}）・午前・1班・訪問順 2・訪問時間 "
            f"{first.eta}）") in page
    for raw in ("position=", "eta=", "visit_date=", "half=", "team="):
        assert raw not in page


def test_cancelling_a_cancelled_or_visited_booking_says_why(operator_client, db, season):
    from app.routesheets.outcomes import record_outcome

    cancelled = make_booking(db, season, _operator(db).id, INAHO, "am")
    url = f"/operator/bookings/{cancelled.id}/cancel"
    operator_client.post_form(url, {"reason": "体調不良のため"})
    again = operator_client.post_form(url, {"reason": "重複"})
    assert again.status_code == 422
    assert "この予約は既に取り消されています。" in again.get_data(as_text=True)
    # Even with the reason left empty, the refusal is what the operator reads.
    empty = operator_client.post_form(url, {"reason": ""})
    assert empty.status_code == 422
    assert "この予約は既に取り消されています。" in empty.get_data(as_text=True)

    visited = make_booking(db, season, _operator(db).id, HANAZONO, "pm")
    record_outcome(db, visited, "visited", 1, "", _operator(db), visited.visit_date)
    db.commit()
    refused = operator_client.post_form(f"/operator/bookings/{visited.id}/cancel",
                                        {"reason": "間違い"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "この予約は訪問が終わっているため、取り消せません。" in page
    db.refresh(visited)
    assert visited.status == "visited"
