"""The route sheet around the visit: the confirmation beside a saved stop, the page after an
idle logout (the draft waits in the browser: tests/app/test_route_sheet_browser.py), phone
numbers to tap, the printed half-day heads, and the teams' list of days."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from app.bookings.models import Booking
from app.dates import jp_date
from app.routesheets.day_list import sheet_counts
from app.routesheets.sheet import build_route_sheet
from tests.app.test_route_sheets import (  # noqa: F401 (fixtures)
    demo,
    five_stops,
    form,
    outcome_url,
    sheet_url,
)
from tests.conftest import Client


def test_a_saved_outcome_is_confirmed_beside_its_stop_once(app, team_client, db, five_stops,  # noqa: F811
                                                           season):
    app.config["APP_TODAY"] = five_stops
    stop = build_route_sheet(db, season, five_stops, 1).stops[1]
    url = outcome_url(five_stops, stop.booking_id)
    response = team_client.post_form(url, form(stop.booking_id, "visited", "1"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#stop-{stop.booking_id}")
    page = team_client.get(sheet_url(five_stops)).get_data(as_text=True)
    row = page.split(f'id="stop-{stop.booking_id}"')[1].split("</tr>")[0]
    note = re.search(r'<p class="saved-note[^"]*"[^>]*data-saved-action="([^"]+)"[^>]*>([^<]+)<',
                     row)
    assert note, row
    assert note.group(1) == url  # the script drops this form's draft
    assert note.group(2) == f"受付番号 {stop.receipt_no} の訪問結果を「訪問済（申請受付）」で記録しました。"
    assert "（訪問済（申請受付））" not in page
    assert 'class="flash success"' not in page  # beside the stop, not off screen at the top
    again = team_client.get(sheet_url(five_stops)).get_data(as_text=True)
    assert "saved-note" not in again


def test_an_outcome_url_opened_as_a_page_leads_to_its_stop(team_client, five_stops, db,  # noqa: F811
                                                           season):
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    response = team_client.get(outcome_url(five_stops, stop.booking_id))
    assert response.status_code == 302
    assert response.headers["Location"] == f"{sheet_url(five_stops)}#stop-{stop.booking_id}"


def test_a_save_after_the_session_ended_says_the_input_is_kept_and_leads_back(
        app, db, five_stops, season):  # noqa: F811
    from tests.conftest import _client_for

    app.config["APP_TODAY"] = five_stops
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    url = outcome_url(five_stops, stop.booking_id)
    app.test_client_class = Client
    expired = app.test_client()  # its session cookie is gone
    response = expired.post(url, data={"csrf_token": "stale", **form(stop.booking_id, "visited", "1")})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "この端末" in page and "もう一度ログイン" in page
    back = re.search(r'<a class="button" href="([^"]+)">ログインしてルート表に戻る</a>', page).group(1)
    assert urlsplit(back).path == "/login"
    assert parse_qs(urlsplit(back).query)["next"] == [sheet_url(five_stops)]
    # logging in there lands on the sheet
    token = expired.csrf_token()
    from tests.conftest import PASSWORD, make_user

    make_user(db, "team", "member9")
    login = expired.post(back, data={"csrf_token": token, "username": "member9",
                                     "password": PASSWORD})
    assert login.status_code == 302 and login.headers["Location"] == sheet_url(five_stops)
    assert db.get(Booking, stop.booking_id).status == "booked"

    # Still logged in, but the page's token is stale: straight back to the sheet.
    member = _client_for(app, db, "team")
    response = member.post(url, data={"csrf_token": "stale"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and f'href="{sheet_url(five_stops)}"' in page
    assert "ルート表に戻る" in page


def test_other_pages_keep_the_plain_expired_message(client):
    response = client.post("/login", data={"username": "x", "password": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "ページを再読み込み" in page and "この端末" not in page


def test_phone_numbers_are_tel_links_on_screen_not_on_paper(team_client, db, five_stops, season):  # noqa: F811
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    digits = re.sub(r"\D", "", stop.phone.translate(str.maketrans("０１２３４５６７８９",
                                                                   "0123456789")))
    page = team_client.get(sheet_url(five_stops)).get_data(as_text=True)
    assert f'href="tel:{digits}"' in page
    printed = team_client.get(sheet_url(five_stops, "/print")).get_data(as_text=True)
    assert "tel:" not in printed and stop.phone in printed


def test_the_printed_sheet_repeats_the_day_in_each_half_days_head(team_client, five_stops):  # noqa: F811
    printed = team_client.get(sheet_url(five_stops, "/print")).get_data(as_text=True)
    heads = re.findall(r"<thead>(.*?)</thead>", printed, re.S)
    assert len(heads) == 2  # AM and PM
    for head, label in zip(heads, ("午前", "午後"), strict=True):
        assert f"訪問ルート表 {jp_date(five_stops, year=True)}" in head and "第1班" in head
        assert re.search(rf"<h2>{label}.*出発</h2>", head, re.S)  # the heading goes with it


# --- the teams' list of days -------------------------------------------------------------

def test_the_days_list_leads_with_today_and_flags_missing_results(app, team_client, db, demo):  # noqa: F811
    counts = sheet_counts(db, demo.id)
    days = sorted(on for on, team in counts if team == 1)
    today = days[len(days) // 2]
    app.config["APP_TODAY"] = today
    recorded = db.scalars(select(Booking).where(Booking.visit_date == days[0])).first()
    team_client.application.config["APP_TODAY"] = today
    assert team_client.post_form(outcome_url(days[0], recorded.id),
                                 form(recorded.id, "visited", "1")).status_code == 302
    page = team_client.get("/team/").get_data(as_text=True)
    today_card = page.split('id="today"')[1].split("</section>")[0]
    assert jp_date(today) in today_card and f'href="{sheet_url(today)}"' in today_card
    next_day = next(d for d in days if d > today)
    assert jp_date(next_day) in page.split('id="next"')[1].split("</section>")[0]
    assert page.index('id="today"') < page.index('id="missing"') < page.index('id="upcoming"')
    missing = page.split('id="missing"')[1].split("</div>")[0]
    for day in days:
        visits, unrecorded = sheet_counts(db, demo.id)[(day, 1)]
        if day < today and unrecorded:
            assert jp_date(day) in missing and f"結果未入力 {unrecorded}件" in missing
        else:
            assert jp_date(day) not in missing
    # the visit days without a visit are folded away, without links
    quiet = page.split('id="quiet"')[1].split("</details>")[0]
    empty = [d for d in demo.visit_days if d.date >= today and (d.date, 1) not in counts]
    assert empty and all(jp_date(d.date) in quiet for d in empty)
    assert "/team/days/" not in quiet
    upcoming = page.split('id="upcoming"')[1].split("</table>")[0]
    assert all(jp_date(d.date) not in upcoming for d in empty)


def test_sheet_counts_follow_the_sheets(db, five_stops, season):  # noqa: F811
    stops = build_route_sheet(db, season, five_stops, 1).stops
    assert sheet_counts(db, season.id)[(five_stops, 1)] == (len(stops), len(stops))
    booking = db.get(Booking, stops[0].booking_id)
    booking.outcome_recorded_at = dt.datetime(2026, 7, 1)
    booking.status = "visited"
    db.flush()
    assert sheet_counts(db, season.id)[(five_stops, 1)] == (len(stops), len(stops) - 1)
