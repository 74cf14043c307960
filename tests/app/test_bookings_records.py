"""The reception list (受付一覧表), its .xlsx, the reception slip and cancellation (SPEC §9)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.auth.models import User
from app.bookings.models import Booking
from app.bookings.records import LIST_COLUMNS
from app.dates import jp_date
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
    refused = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel",
                                        {"reason": "", "confirmed": "y"})
    assert refused.status_code == 422
    assert "取消の理由を入力してください" in refused.get_data(as_text=True)
    db.refresh(booking)
    assert booking.status == "booked"
    done = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel",
                                     {"reason": "体調不良のため", "confirmed": "y"},
                                     follow_redirects=True)
    page = done.get_data(as_text=True)
    assert "取り消しました" in page and "体調不良のため" in page
    db.expire_all()
    assert db.get(Booking, booking.id).status == "cancelled"
    again = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel",
                                      {"reason": "重複", "confirmed": "y"})
    assert again.status_code == 422


def _before_history(page: str) -> str:
    """The slip above its history: what the operator sees without scrolling far."""
    return page.split("<h2>履歴</h2>")[0]


def test_cancel_without_a_reason_says_so_at_the_top_with_the_field_focused(
        operator_client, db, season):
    booking = make_booking(db, season, _operator(db).id)
    refused = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel",
                                        {"reason": ""})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    top = _before_history(page)
    assert 'role="alert"' in top and '<a href="#reason">取消の理由を入力してください。</a>' in top
    assert 'id="cancel"' in top
    assert re.search(r'<textarea[^>]*autofocus[^>]*id="reason"|<textarea[^>]*id="reason"'
                     r'[^>]*autofocus', top)
    assert page.count('id="cancel"') == 1  # the form moved up, not copied


def test_cancel_asks_are_you_sure_before_cancelling(operator_client, db, season):
    booking = make_booking(db, season, _operator(db).id)
    url = f"/operator/bookings/{booking.id}/cancel"
    asked = operator_client.post_form(url, {"reason": "体調不良のため"})
    assert asked.status_code == 200
    top = _before_history(asked.get_data(as_text=True))
    day = booking.visit_date
    assert "本当に取り消しますか" in top and f"受付番号 {booking.receipt_no}" in top
    assert f"{jp_date(day)}午前" in top
    assert 'name="confirmed" value="y"' in top and "体調不良のため</textarea>" in top
    assert f'href="/operator/bookings/{booking.id}">やめる' in top
    db.expire_all()
    assert db.get(Booking, booking.id).status == "booked"  # nothing cancelled yet

    done = operator_client.post_form(url, {"reason": "体調不良のため", "confirmed": "y"})
    assert done.status_code == 302
    db.expire_all()
    assert db.get(Booking, booking.id).status == "cancelled"


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
    operator_client.post_form(f"/operator/bookings/{first.id}/cancel",
                              {"reason": "入院のため", "confirmed": "y"})
    page = operator_client.get(f"/operator/bookings/{first.id}").get_data(as_text=True)
    day = first.visit_date
    assert f"（変更前: 訪問順 1・訪問時間 {first_eta}）" in page
    assert (f"（変更前: 訪問日 {jp_date(day, year=True)}・午前・1班・訪問順 2・訪問時間 "
            f"{first.eta}）") in page
    for raw in ("position=", "eta=", "visit_date=", "half=", "team="):
        assert raw not in page


def test_cancelling_a_cancelled_or_visited_booking_says_why(operator_client, db, season):
    from app.routesheets.outcomes import record_outcome

    cancelled = make_booking(db, season, _operator(db).id, INAHO, "am")
    url = f"/operator/bookings/{cancelled.id}/cancel"
    operator_client.post_form(url, {"reason": "体調不良のため", "confirmed": "y"})
    again = operator_client.post_form(url, {"reason": "重複", "confirmed": "y"})
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
                                        {"reason": "間違い", "confirmed": "y"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "この予約は訪問が終わっているため、取り消せません。" in page
    db.refresh(visited)
    assert visited.status == "visited"


def _book(db, season, user_id, day_index, **answers):
    """A booking of `answers` (name, name_kana, phone, caller_phone...) on a home day of its own."""
    from dataclasses import replace

    from app.bookings.operations import Slot, reserve
    from tests.app.test_bookings_reserve import TODAY, intake

    days = sorted(d.date for d in season.visit_days
                  if d.kind == "home" and d.date >= dt.date(2026, 6, 22))
    booking = reserve(db, season, replace(intake(INAHO), **answers),
                      Slot(days[day_index], "am", 1, 1), user_id, today=TODAY)
    db.commit()
    return booking


def _found(page: str) -> list[str]:
    """Receipt numbers listed in the search results, in order."""
    table = page.split('id="search-result-list"')[1].split("</table>")[0]
    return re.findall(r'/operator/bookings/\d+">(\d+)</a>', table)


@pytest.fixture
def callers(db, season):
    user = _operator_or_new(db)
    return [
        _book(db, season, user.id, 0, name="小樽 花子", name_kana="オタル ハナコ",
              phone="0134-22-1111"),
        _book(db, season, user.id, 1, name="小樽 次郎", name_kana="オタル ジロウ",
              phone="090-1234-5678", caller_relationship="household", caller_name="小樽 一郎",
              caller_phone="0134-33-9999"),
        _book(db, season, user.id, 2, name="稲穂 ヨーコ", name_kana="イナホ ヨーコ",
              phone="0134-44-2222"),
    ]


def _operator_or_new(db):
    from tests.conftest import make_user

    return _operator(db) or make_user(db, "operator", "op-search")


def test_search_finds_a_booking_by_name_kana_phone_or_receipt_number(operator_client, db,
                                                                      callers):
    hanako, jiro, yoko = callers

    def search(term: str) -> list[str]:
        response = operator_client.get("/operator/bookings/search", query_string={"q": term})
        assert response.status_code == 200
        return _found(response.get_data(as_text=True))

    assert search("小樽") == [str(hanako.receipt_no), str(jiro.receipt_no)]
    assert search("小樽　花子") == search("小樽花子") == [str(hanako.receipt_no)]  # spaces
    assert search("おたる はなこ") == [str(hanako.receipt_no)]  # hiragana for katakana
    assert search("ｵﾀﾙ ｼﾞﾛｳ") == [str(jiro.receipt_no)]  # half-width katakana
    assert search("ヨーコ") == [str(yoko.receipt_no)]  # the long mark is no phone hyphen
    assert search("01342211１１") == [str(hanako.receipt_no)]  # no hyphens, full-width digits
    assert search("０１３４－２２－１１１１") == [str(hanako.receipt_no)]
    assert search("5678") == [str(jiro.receipt_no)]  # the last four digits
    assert search("0134-33-9999") == [str(jiro.receipt_no)]  # the caller's own phone
    assert search(str(yoko.receipt_no)) == [str(yoko.receipt_no)]
    assert search("山田") == []


def test_search_results_show_who_when_and_the_state(operator_client, db, callers):
    hanako = callers[0]
    operator_client.post_form(f"/operator/bookings/{hanako.id}/cancel",
                              {"reason": "入院のため", "confirmed": "y"})
    page = operator_client.get("/operator/bookings/search?q=オタル").get_data(as_text=True)
    row = page.split(f'data-booking="{hanako.id}"')[1].split("</tr>")[0]
    day = hanako.visit_date
    for shown in ("小樽 花子", "オタル ハナコ", "0134-22-1111",
                  f"{jp_date(day)}午前", "取消",
                  f'href="/operator/bookings/{hanako.id}"'):
        assert shown in row, shown
    # Still-booked callers first, then the cancelled booking.
    assert _found(page) == [str(callers[1].receipt_no), str(hanako.receipt_no)]
    empty = operator_client.get("/operator/bookings/search?q=山田").get_data(as_text=True)
    assert "該当する予約はありません" in empty


def test_search_is_on_the_reception_list_and_in_the_operator_navigation(operator_client, db,
                                                                        season):
    page = operator_client.get("/operator/bookings/").get_data(as_text=True)
    assert 'action="/operator/bookings/search"' in page and 'id="reception-list"' in page
    assert 'href="/operator/bookings/search"' in operator_client.get("/operator/").get_data(
        as_text=True)


def test_a_search_logs_its_kind_and_the_receipt_numbers_shown_but_never_the_term(
        operator_client, db, callers):
    from app.privacy.models import HandlingLogEntry

    def logged(term: str) -> HandlingLogEntry:
        operator_client.get("/operator/bookings/search", query_string={"q": term})
        return db.scalar(select(HandlingLogEntry).order_by(HandlingLogEntry.id.desc()).limit(1))

    by_name = logged("小樽 花子")
    assert (by_name.action, by_name.record_type) == ("view", "reception_list")
    assert by_name.detail == f"予約の検索（氏名・フリガナ）1件 受付番号 {callers[0].receipt_no}"
    assert "0134-44-2222" not in logged("0134-44-2222").detail
    assert logged("0134-44-2222").detail.startswith("予約の検索（電話番号）1件")
    assert logged("山田").detail == "予約の検索（氏名・フリガナ）0件"


def test_a_too_short_phone_number_is_refused_not_matched_against_everyone(operator_client, db,
                                                                          callers):
    page = operator_client.get("/operator/bookings/search?q=013").get_data(as_text=True)
    assert "電話番号は4桁以上で入力してください。" in page
    assert 'id="search-result-list"' not in page


def test_the_search_page_without_a_term_shows_only_the_box(operator_client, db, season):
    page = operator_client.get("/operator/bookings/search").get_data(as_text=True)
    assert 'id="search-q"' in page and 'id="search-results"' not in page


def _book_by_phone(client, **changes) -> Booking:
    """A booking made the operator's way: the intake form, then its first offer."""
    from tests.app.test_intake import answers

    url = "/operator/bookings/new"
    page = client.post_form(url, answers(**changes)).get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    done = client.post_form(url, answers(offer=key, **changes))
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    return done.headers["Location"]


def _cell(page: str, cell_id: str) -> str:
    return re.sub(r"\s+", " ", page.split(f'id="{cell_id}">')[1].split("</td>")[0])


def test_slip_shows_the_wish_and_the_renewal_answer(operator_client, db, season):
    slip = _book_by_phone(operator_client, application_type="renewal",
                          has_shikaku_kakuninsho="no", wish_weekdays=["2", "0"], wish_half="pm")
    page = operator_client.get(slip).get_data(as_text=True)
    assert _cell(page, "wish") == "期間: 2026年6月22日（月）〜2026年7月31日（金） ／ 曜日: 月・水 ／ 時間帯: 午後"
    kind = _cell(page, "application-type")
    assert "更新" in kind and "資格確認書を持っているか: いいえ" in kind
    assert "一時停止" not in kind


def test_slip_shows_the_lost_card_answers_and_an_open_wish(operator_client, db, season):
    slip = _book_by_phone(operator_client, application_type="lost", card_suspended="yes",
                          has_shikaku_kakuninsho="unknown", wish_from="", wish_to="")
    page = operator_client.get(slip).get_data(as_text=True)
    assert _cell(page, "wish") == "期間: 指定なし ／ 曜日: 指定なし ／ 時間帯: 指定なし"
    kind = _cell(page, "application-type")
    assert "カードの一時停止（フリーダイヤル）済みか: はい" in kind
    assert "資格確認書を持っているか: 不明" in kind


def test_slip_of_a_new_application_asks_nothing_of_renewals(operator_client, db, season):
    page = operator_client.get(_book_by_phone(operator_client)).get_data(as_text=True)
    kind = _cell(page, "application-type")
    assert "資格確認書" not in kind and "一時停止" not in kind


def _success(client, location: str) -> str:
    page = client.get(location).get_data(as_text=True)
    return re.search(r'<div class="flash success"[^>]*>(.*?)</div>', page, flags=re.S).group(1)


def test_booking_message_tells_a_new_applicant_only_what_applies(operator_client, db, season):
    said = _success(operator_client, _book_by_phone(operator_client))
    booking = db.scalar(select(Booking))
    day = booking.visit_date
    assert said.startswith(f"予約しました。受付番号 {booking.receipt_no}、{jp_date(day)}")
    assert "本人確認書類" in said
    for other_case in ("更新", "再交付", "2,000円", "マイナンバーカード", "資格確認書"):
        assert other_case not in said, other_case


def test_booking_message_of_a_renewal_and_of_a_lost_card(operator_client, db, season):
    renewal = _success(operator_client, _book_by_phone(
        operator_client, application_type="renewal", has_shikaku_kakuninsho="no"))
    assert "今お持ちのマイナンバーカード" in renewal and "資格確認書" in renewal
    assert "2,000円" not in renewal and "（更新の場合）" not in renewal
    has_one = _success(operator_client, _book_by_phone(
        operator_client, application_type="renewal", has_shikaku_kakuninsho="yes",
        name="小樽 次郎"))
    assert "資格確認書" not in has_one
    lost = _success(operator_client, _book_by_phone(
        operator_client, application_type="lost", card_suspended="yes", name="小樽 三郎"))
    assert "本人確認書類" in lost and "手数料2,000円ちょうど" in lost
    assert "今お持ちのマイナンバーカード" not in lost and "（再交付の場合）" not in lost


def test_change_message_gives_the_weekday_and_a_range_like_the_other_pages(operator_client, db,
                                                                           season):
    booking = make_booking(db, season, _operator(db).id, INAHO, "pm")
    url = f"/operator/bookings/{booking.id}/change"
    wish = {"reason": "通院の予定が入った", "wish_from": "2026-07-01", "wish_to": "2026-07-31",
            "wish_half": "pm"}
    page = operator_client.post_form(url, wish).get_data(as_text=True)
    offer = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    moved = operator_client.post_form(url, {**wish, "offer": offer})
    said = _success(operator_client, moved.headers["Location"])
    db.expire_all()
    booking = db.get(Booking, booking.id)
    day = booking.visit_date
    assert (f"の予約を {jp_date(day)}午後 "
            f"{booking.eta.replace('-', '〜')}頃 に変更しました。") in said


def test_a_visit_time_range_reads_with_a_wave_dash():
    from app.bookings.texts import visit_when

    assert visit_when(dt.date(2026, 10, 19), "pm", "14:30-15:30") == (
        "10月19日（月）午後 14:30〜15:30頃")


# --- the visit day (operations.change_refusal): cancel on the day, nothing after it --------

def test_after_the_visit_day_the_slip_offers_no_change_or_cancel_and_says_why(
        app, operator_client, db, season):
    from app.bookings.models import BookingEvent

    booking = make_booking(db, season, _operator(db).id)
    app.config["APP_TODAY"] = booking.visit_date + dt.timedelta(days=1)
    slip = f"/operator/bookings/{booking.id}"
    page = operator_client.get(slip).get_data(as_text=True)
    note = page.split('id="visit-day-passed">')[1].split("</p>")[0]
    assert note == (f"訪問日（{jp_date(booking.visit_date)}）を過ぎているため、この予約は"
                    "変更・取消できません。訪問結果は訪問ルート表で記録してください。")
    assert 'id="cancel"' not in page and f'href="{slip}/change"' not in page

    # A page opened the day before and sent now is refused with the same reason.
    refused = operator_client.post_form(f"{slip}/cancel", {"reason": "入院のため",
                                                           "confirmed": "y"})
    assert refused.status_code == 422
    assert "を過ぎているため、この予約は取り消せません。訪問結果は訪問ルート表で記録してください。" \
        in refused.get_data(as_text=True)
    change = operator_client.get(f"{slip}/change", follow_redirects=True)
    assert "を過ぎているため、この予約は変更できません。訪問結果は訪問ルート表で" \
        in change.get_data(as_text=True)
    db.expire_all()
    assert db.get(Booking, booking.id).status == "booked"
    assert [e.action for e in db.scalars(select(BookingEvent).where(
        BookingEvent.booking_id == booking.id))] == ["created"]


def test_on_the_visit_day_the_slip_cancels_as_the_days_outcome_but_does_not_change(
        app, operator_client, db, season):
    booking = make_booking(db, season, _operator(db).id)
    app.config["APP_TODAY"] = booking.visit_date
    slip = f"/operator/bookings/{booking.id}"
    page = operator_client.get(slip).get_data(as_text=True)
    assert f'href="{slip}/change"' not in page and 'id="visit-day-passed"' not in page
    assert "本日が訪問日のため、この予約は変更できません" in page.split('id="change-refused">')[1]
    assert 'id="cancel"' in page and "「当日取消」として記録され" in page.split('id="cancel"')[1]
    asked = operator_client.post_form(f"{slip}/cancel", {"reason": "朝から発熱"})
    assert "「当日取消」として記録され" in _before_history(asked.get_data(as_text=True))
    done = operator_client.post_form(f"{slip}/cancel", {"reason": "朝から発熱", "confirmed": "y"},
                                     follow_redirects=True)
    assert "訪問ルート表に「当日取消」として記録しました" in done.get_data(as_text=True)
    db.expire_all()
    cancelled = db.get(Booking, booking.id)
    assert cancelled.status == "cancelled" and cancelled.outcome_recorded_at is not None
    changed = operator_client.get(f"{slip}/change", follow_redirects=True)
    assert "この予約は変更できません" in changed.get_data(as_text=True)
