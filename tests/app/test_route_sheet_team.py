"""The route sheet around the visit: phone numbers to tap, the printed half-day heads, and
the teams' list of days."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.bookings.models import Booking
from app.routesheets.day_list import sheet_counts
from app.routesheets.sheet import build_route_sheet
from tests.app.test_route_sheets import (  # noqa: F401 (fixtures)
    demo,
    five_stops,
    form,
    outcome_url,
    sheet_url,
)


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
        assert f"訪問ルート表 {five_stops.isoformat()}" in head and "第1班" in head
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
    assert today.isoformat() in today_card and f'href="{sheet_url(today)}"' in today_card
    next_day = next(d for d in days if d > today)
    assert next_day.isoformat() in page.split('id="next"')[1].split("</section>")[0]
    assert page.index('id="today"') < page.index('id="missing"') < page.index('id="upcoming"')
    missing = page.split('id="missing"')[1].split("</div>")[0]
    for day in days:
        visits, unrecorded = sheet_counts(db, demo.id)[(day, 1)]
        if day < today and unrecorded:
            assert f"{day.isoformat()}" in missing and f"結果未入力 {unrecorded}件" in missing
        else:
            assert day.isoformat() not in missing
    # the visit days without a visit are folded away, without links
    quiet = page.split('id="quiet"')[1].split("</details>")[0]
    empty = [d for d in demo.visit_days if d.date >= today and (d.date, 1) not in counts]
    assert empty and all(d.date.isoformat() in quiet for d in empty)
    assert "/team/days/" not in quiet
    upcoming = page.split('id="upcoming"')[1].split("</table>")[0]
    assert all(d.date.isoformat() not in upcoming for d in empty)


def test_sheet_counts_follow_the_sheets(db, five_stops, season):  # noqa: F811
    stops = build_route_sheet(db, season, five_stops, 1).stops
    assert sheet_counts(db, season.id)[(five_stops, 1)] == (len(stops), len(stops))
    booking = db.get(Booking, stops[0].booking_id)
    booking.outcome_recorded_at = dt.datetime(2026, 7, 1)
    booking.status = "visited"
    db.flush()
    assert sheet_counts(db, season.id)[(five_stops, 1)] == (len(stops), len(stops) - 1)
