"""Route sheets for the visit teams and the day's outcome (issue 7).

The sheet's order and times are the planner's, its travel minutes the routing module's; the
PDF holds every stop in order with its time (read back with poppler's pdftotext) and
rasterises to one A4 page per team-day (pdftoppm); the outcome form validates in Japanese and
keeps the input; only team and manager may open any of it, and every view, print and PDF is
written to the handling log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app.bookings.models import Booking
from app.bookings.operations import Slot, active_bookings, cancel, reserve
from app.bookings.planning import booking_visit, request_id, season_problem, with_travel
from app.dates import jp_date
from app.demo import load_demo_bookings
from app.privacy.models import HandlingLogEntry
from app.routesheets.sheet import (
    RENEWAL_CERTIFICATE_MISSING,
    RENEWAL_CERTIFICATE_UNKNOWN,
    build_route_sheet,
    era_date,
    on_site_minutes,
    told_window,
)
from app.routesheets.sketch import build_sketch, svg
from app.seasons.operations import season_config
from routing.estimate import estimate_matrix
from tests.app.test_bookings_reserve import HANAZONO, INAHO, TODAY, first_home_day, intake
from tests.conftest import make_user

# Booking a visit logs its intake too (issue 8); these tests look at the sheets' rows.
NOT_INTAKE = ~HandlingLogEntry.detail.startswith("予約受付（新規登録）")

needs_poppler = pytest.mark.skipif(
    not (shutil.which("pdftotext") and shutil.which("pdftoppm")),
    reason="poppler-utils missing (scripts/ensure_chromium.sh installs it)")

# 色内1丁目 and 相生町, a few minutes from 稲穂 / 花園 (fixtures/otaru_towns.csv).
IRONAI = (43.199489, 141.000806)
AIOI = (43.191426, 141.004925)


@pytest.fixture
def demo(db, season):
    """The demo season's 40 fictional bookings (app/demo.py), booked by the demo operator."""
    make_user(db, "operator", "operator")
    load_demo_bookings(db, season)
    db.commit()
    return season


def busiest_day(db, season_id: int) -> dt.date:
    counts = Counter(b.visit_date for b in active_bookings(db, season_id))
    return max(counts, key=lambda d: (counts[d], -d.toordinal()))


@pytest.fixture
def five_stops(db, season):
    """A home day with AM 2 + PM 3 visits (the most a team-day has), one of each type."""
    user = make_user(db, "operator", "operator5")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    next(r for r in season.visit_days if r.date == day).pm_slots = 3
    db.flush()
    plan = [("am", 1, INAHO, "new"), ("am", 2, HANAZONO, "renewal"), ("pm", 1, IRONAI, "lost"),
            ("pm", 2, INAHO, "new"), ("pm", 3, AIOI, "new")]
    for n, (half, position, place, kind) in enumerate(plan, start=1):
        data = dataclasses.replace(
            intake(place, applicants=1 + n % 2, name=f"試験 花子{n}"), application_type=kind,
            details={"id_documents": ["driver_license"], "can_photo": "yes", "can_write": "no",
                     "helper_present": "yes", "parking": "no", "visit_notes": f"玄関は裏手{n}"})
        reserve(db, season, data, Slot(day, half, 1, position), user.id, today=TODAY)
    db.commit()
    return day


def sheet_url(day: dt.date, suffix: str = "") -> str:
    return f"/team/days/{day.isoformat()}/1{suffix}"


# --- times and travel are the planner's --------------------------------------------------

def test_every_demo_sheet_follows_the_planner(db, demo):
    config = season_config(demo)
    bookings = active_bookings(db, demo.id)
    problem = season_problem(config, demo.name, bookings)
    planned = {v.request: v for v in with_travel(problem, [booking_visit(b) for b in bookings])}
    days = sorted({b.visit_date for b in bookings})
    assert len(days) >= 10
    for day in days:
        sheet = build_route_sheet(db, demo, day, 1)
        mine = sorted((b for b in bookings if b.visit_date == day), key=lambda b: (b.half, b.position))
        assert [s.booking_id for s in sheet.stops] == [b.id for b in mine]
        assert [s.number for s in sheet.stops] == list(range(1, len(mine) + 1))
        for half in sheet.halves:
            first = half.stops[0]
            start, _ = told_window(first.told)
            # Departure = the first told time minus the travel from the city hall.
            assert half.departure == f"{(start - math.ceil(first.travel_min)) // 60:02d}:" \
                                     f"{(start - math.ceil(first.travel_min)) % 60:02d}"
            assert first.arrival == first.told.split("-")[0]
            for stop in half.stops:
                booking = next(b for b in mine if b.id == stop.booking_id)
                visit = planned[request_id(booking)]
                assert (stop.half, stop.position, stop.told) == (visit.half, visit.position,
                                                                 visit.eta)
                if visit.travel_from_previous_min is None:  # first of its half: from the depot
                    index = problem.point_index[request_id(booking)]
                    assert stop.travel_min == problem.travel.minutes(day, 0, index)
                else:
                    assert stop.travel_min == visit.travel_from_previous_min
                # and the same as the routing module's own estimate
                depot = (config.depot.lat, config.depot.lng)
                if visit.travel_from_previous_min is None:
                    a = depot
                else:
                    prev = next(s for s in half.stops if s.position == stop.position - 1)
                    a = (prev.lat, prev.lng)
                estimate = estimate_matrix([a, (stop.lat, stop.lng)], day, config.travel)[0, 1]
                assert stop.travel_min == pytest.approx(float(estimate))


def test_arrivals_chain_travel_and_time_on_site(db, five_stops, season):
    sheet = build_route_sheet(db, season, five_stops, 1)
    assert [h.half for h in sheet.halves] == ["am", "pm"]
    assert [len(h.stops) for h in sheet.halves] == [2, 3]
    for half in sheet.halves:
        ready = None
        for stop in half.stops:
            start, end = told_window(stop.told)
            h, m = map(int, stop.arrival.split(":"))
            arrival = h * 60 + m
            if ready is None:
                assert arrival == start
            else:
                assert arrival == max(start, ready + math.ceil(stop.travel_min))
            assert stop.late == (arrival > end)
            ready = arrival + on_site_minutes(stop.applicants)
        h, m = map(int, half.return_at.split(":"))
        assert h * 60 + m == ready + math.ceil(half.return_travel_min)


def test_renewal_and_lost_say_what_to_collect(db, five_stops, season):
    stops = build_route_sheet(db, season, five_stops, 1).stops
    renewal = next(s for s in stops if "更新" in s.application_type)
    lost = next(s for s in stops if "再交付" in s.application_type)
    assert any("旧マイナンバーカードを回収" in t for t in renewal.tasks)
    assert any("2,000円" in t and "ちょうど" in t for t in lost.tasks)
    assert all(not s.tasks for s in stops if s.application_type.startswith("新規"))
    assert stops[0].conditions == (("顔写真の撮影可", False), ("自署不可（代筆が必要）", True),
                                   ("介助者が同席", False))
    assert stops[0].parking == "駐車スペースなし"
    assert stops[0].id_documents == ("運転免許証・運転経歴証明書",) and stops[0].id_warning == ""


# --- the page, the print page and the sketch -------------------------------------------

def test_sheet_page_lists_every_stop_in_order_and_logs_the_view(team_client, db, five_stops,
                                                                   season):
    sheet = build_route_sheet(db, season, five_stops, 1)
    page = team_client.get(sheet_url(five_stops)).get_data(as_text=True)
    positions = [page.index(s.name) for s in sheet.stops]
    assert positions == sorted(positions)
    for stop in sheet.stops:
        assert f'id="stop-{stop.booking_id}"' in page
        assert stop.told in page and stop.arrival in page and stop.address in page
    assert "小樽市役所 出発" in page and "帰着見込" in page
    assert "旧マイナンバーカードを回収" in page and "2,000円" in page
    assert "<svg" in page and "玄関は裏手1" in page
    rows = db.scalars(select(HandlingLogEntry).where(NOT_INTAKE)).all()
    assert [(r.action, r.record_type, r.record_id, r.username) for r in rows] == [
        ("view", "route_sheet", f"{five_stops.isoformat()}/team1", "team1")]
    assert all(str(s.receipt_no) in rows[0].detail for s in sheet.stops)


def test_print_page_is_a4_without_forms_and_logs_a_print(manager_client, db, five_stops):
    response = manager_client.get(sheet_url(five_stops, "/print"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "window.print()" in page and "<form" not in page and "□ 不在" in page
    css = manager_client.get("/static/route_sheet.css").get_data(as_text=True)
    assert "size:A4" in css and "@media print" in css
    assert db.scalars(select(HandlingLogEntry.action).where(NOT_INTAKE)).all() == ["print"]


def test_sketch_is_offline_svg_with_numbered_stops_and_town_names(db, five_stops, season):
    sheet = build_route_sheet(db, season, five_stops, 1)
    sketch = build_sketch(sheet)
    markup = svg(sketch)
    assert [m.number for m in sketch.markers] == [1, 2, 3, 4, 5]
    assert [len(p.points) for p in sketch.paths] == [4, 5]  # depot, stops..., depot
    assert all(0 <= m.at.x <= sketch.width and 0 <= m.at.y <= sketch.height
               for m in sketch.markers)
    assert sketch.landmarks and "稲穂" in {label.text for label in sketch.landmarks}
    for n in range(1, 6):
        assert re.search(rf">{n}</text>", markup)
    assert "小樽市役所" in markup
    assert re.findall(r"https?://[^\"]+", markup) == ["http://www.w3.org/2000/svg"]


def test_day_without_visits_and_unknown_days(team_client, season):
    day = season.visit_days[-1].date
    assert "この日の訪問予定はありません" in team_client.get(sheet_url(day)).get_data(as_text=True)
    assert team_client.get("/team/days/2026-06-13/1").status_code == 404  # a Saturday
    assert team_client.get("/team/days/not-a-date/1").status_code == 404
    assert team_client.get(f"/team/days/{day.isoformat()}/2").status_code == 404  # one team


def test_visit_days_list_links_the_sheets(team_client, demo, db):
    page = team_client.get("/team/").get_data(as_text=True)
    day = busiest_day(db, demo.id)
    assert f'href="/team/days/{day.isoformat()}/1"' in page
    assert f'href="/team/days/{day.isoformat()}/1/sheet.pdf"' in page


# --- the PDF -------------------------------------------------------------------------------

def pdf_text(tmp_path: Path, data: bytes) -> str:
    """The PDF's text in drawing order (`-raw`): each table row's cells left to right, each
    cell's lines top to bottom."""
    path = tmp_path / "sheet.pdf"
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-raw", str(path), "-"], check=True,
                          capture_output=True, text=True).stdout


def pdf_pages(tmp_path: Path, data: bytes) -> int:
    path = tmp_path / "pages.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    return int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]


@needs_poppler
def test_pdf_of_a_demo_day_holds_every_stop_in_order_with_its_time(team_client, db, demo,
                                                                      tmp_path):
    day = busiest_day(db, demo.id)
    sheet = build_route_sheet(db, demo, day, 1)
    assert len(sheet.stops) >= 3
    response = team_client.get(sheet_url(day, "/sheet.pdf"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(tmp_path, response.data)
    assert f"訪問ルート表 {jp_date(day, year=True)}" in text and "小樽市役所" in text
    names = [text.index(stop.name) for stop in sheet.stops]
    assert names == sorted(names), "stops out of order"
    for i, stop in enumerate(sheet.stops):
        # a row reads: number, times, then the name and address; so the stop's times lie
        # between the previous stop's name and its own
        # (the told time, the largest text of its cell, may share the number's line)
        times = text[names[i - 1] if i else 0:names[i]]
        assert re.search(rf"\n{stop.number}[\n ]案内 {re.escape(stop.told)}\n"
                         rf"到着見込 {stop.arrival}\n移動 {stop.travel_shown}分\n", times), \
            (stop.name, times)
        assert text.index(stop.address, names[i]) < (names[i + 1] if i + 1 < len(names)
                                                     else len(text))
    for half in sheet.halves:
        assert f"{half.departure} 小樽市役所 出発" in text
        assert f"{half.return_at} 小樽市役所 帰着見込" in text
    assert db.scalars(select(HandlingLogEntry.action).where(NOT_INTAKE)).all() == ["export"]


@needs_poppler
def test_five_stop_pdf_rasterises_to_one_a4_page(team_client, db, five_stops, season, tmp_path):
    data = team_client.get(sheet_url(five_stops, "/sheet.pdf")).data
    text = pdf_text(tmp_path, data)
    names = [text.index(stop.name) for stop in build_route_sheet(db, season, five_stops, 1).stops]
    assert names == sorted(names)
    joined = text.replace("\n", "")  # narrow cells wrap their lines
    assert "旧マイナンバーカードを回収" in joined and "2,000円をちょうどの金額" in joined
    assert pdf_pages(tmp_path, data) == 1
    pdf = tmp_path / "five.pdf"
    pdf.write_bytes(data)
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == 1
    png = pngs[0].read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert height / width == pytest.approx(297 / 210, rel=0.02)  # A4 portrait
    # and it is not blank: rasterise in grey and count the ink
    subprocess.run(["pdftoppm", "-r", "40", "-gray", str(pdf), str(tmp_path / "grey")], check=True)
    pgm = next(tmp_path.glob("grey*.pgm")).read_bytes()
    w, h = map(int, pgm.split(b"\n")[1].split())
    pixels = pgm[-w * h:]
    assert sum(1 for p in pixels if p < 160) > 0.02 * w * h


# --- the day's outcome ---------------------------------------------------------------------

def outcome_url(day: dt.date, booking_id: int) -> str:
    return sheet_url(day, f"/outcome/{booking_id}")


def form(booking_id: int, outcome: str | None = None, taken: str = "", notes: str = "") -> dict:
    data = {f"b{booking_id}-applications_taken": taken, f"b{booking_id}-notes": notes}
    if outcome:
        data[f"b{booking_id}-outcome"] = outcome
    return data


def test_team_records_and_corrects_an_outcome(app, team_client, db, five_stops, season):
    app.config["APP_TODAY"] = five_stops
    booking = build_route_sheet(db, season, five_stops, 1).stops[0]
    response = team_client.post_form(outcome_url(five_stops, booking.booking_id),
                                     form(booking.booking_id, "visited", "２", "写真は椅子で撮影"))
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.headers["Location"].endswith(f"#stop-{booking.booking_id}")
    row = db.get(Booking, booking.booking_id)
    db.refresh(row)
    assert (row.status, row.applications_taken, row.outcome_notes) == ("visited", 2, "写真は椅子で撮影")
    assert row.visit_completed_on == five_stops and row.outcome_recorded_by is not None
    assert row.history[-1].action == "outcome" and row.history[-1].before["status"] == "booked"
    page = team_client.get(sheet_url(five_stops)).get_data(as_text=True)
    assert "訪問済 2件" in page and "結果を修正" in page

    response = team_client.post_form(outcome_url(five_stops, booking.booking_id),
                                     form(booking.booking_id, "not_home"))
    assert response.status_code == 302
    db.refresh(row)
    assert (row.status, row.applications_taken, row.visit_completed_on) == ("not_home", 0, None)
    assert row.history[-1].action == "outcome_fixed"
    log = db.scalars(select(HandlingLogEntry).where(NOT_INTAKE).order_by(HandlingLogEntry.id)).all()
    assert [(e.action, e.record_type) for e in log] == [
        ("change", "booking"), ("view", "route_sheet"), ("change", "booking")]


def test_a_visit_cancelled_on_the_day_stays_on_the_sheet(app, manager_client, db, five_stops,
                                                           season):
    app.config["APP_TODAY"] = five_stops + dt.timedelta(days=3)  # a manager, afterwards
    stops = build_route_sheet(db, season, five_stops, 1).stops
    response = manager_client.post_form(outcome_url(five_stops, stops[2].booking_id),
                                        form(stops[2].booking_id, "cancelled", "", "本人入院"))
    assert response.status_code == 302
    after = build_route_sheet(db, season, five_stops, 1).stops
    assert [s.booking_id for s in after] == [s.booking_id for s in stops]
    assert after[2].status == "cancelled" and after[2].told == stops[2].told


def test_a_booking_cancelled_beforehand_leaves_the_sheet(app, team_client, db, five_stops,
                                                         season):
    stops = build_route_sheet(db, season, five_stops, 1).stops
    user = make_user(db, "manager", "manager2")
    cancel(db, season, db.get(Booking, stops[0].booking_id), "本人の希望", user.id,
           today=TODAY)
    db.commit()
    after = build_route_sheet(db, season, five_stops, 1).stops
    assert stops[0].booking_id not in [s.booking_id for s in after]
    app.config["APP_TODAY"] = five_stops
    assert team_client.post_form(outcome_url(five_stops, stops[0].booking_id),
                                 form(stops[0].booking_id, "visited", "1")).status_code == 404


@pytest.mark.parametrize(("outcome", "taken", "notes", "message"), [
    (None, "1", "", ">訪問結果を選んでください。<"),
    ("visited", "", "", ">訪問済の場合は申請受付件数を入力してください。<"),
    ("visited", "abc", "", ">申請受付件数は数字で入力してください。<"),
    ("visited", "21", "", ">申請受付件数は0〜20の数字で入力してください。<"),
    ("not_home", "3", "", ">不在・当日取消の場合、申請受付件数は0件です"),
    ("visited", "1", "あ" * 501, ">メモは500文字以内で入力してください。<"),
])
def test_bad_outcome_input_is_refused_in_japanese_and_kept(app, team_client, db, five_stops,
                                                          season, outcome, taken, notes, message):
    app.config["APP_TODAY"] = five_stops
    stop = build_route_sheet(db, season, five_stops, 1).stops[1]
    kept = notes or "玄関で待機"
    response = team_client.post_form(outcome_url(five_stops, stop.booking_id),
                                     form(stop.booking_id, outcome, taken, kept))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page
    assert kept[:50] in page  # the input is kept
    if taken:
        assert f'value="{taken}"' in page
    if outcome:
        assert re.search(rf'value="{outcome}"[^>]*checked|checked[^>]*value="{outcome}"', page)
    row = db.get(Booking, stop.booking_id)
    db.refresh(row)
    assert (row.status, row.applications_taken, row.outcome_recorded_at) == ("booked", None, None)


def test_no_outcome_before_the_visit_day(team_client, db, five_stops, season):
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    page = team_client.get(sheet_url(five_stops)).get_data(as_text=True)
    assert "訪問結果は訪問日当日から記録できます" in page and "<details" not in page
    response = team_client.post_form(outcome_url(five_stops, stop.booking_id),
                                     form(stop.booking_id, "visited", "1"))
    assert response.status_code == 422
    assert "より前には結果を記録できません" in response.get_data(as_text=True)


def test_outcome_needs_the_csrf_token(app, team_client, db, five_stops, season):
    app.config["APP_TODAY"] = five_stops
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    response = team_client.post(outcome_url(five_stops, stop.booking_id),
                                data=form(stop.booking_id, "visited", "1"))
    assert response.status_code == 400
    row = db.get(Booking, stop.booking_id)
    db.refresh(row)
    assert row.status == "booked"


# --- access and the handling log -----------------------------------------------------------

@pytest.mark.parametrize("role", ["operator", "admin"])
def test_only_team_and_manager_may_open_route_sheets(app, db, five_stops, season, role):
    from tests.conftest import _client_for

    client = _client_for(app, db, role)
    app.config["APP_TODAY"] = five_stops
    stop = build_route_sheet(db, season, five_stops, 1).stops[0]
    for url in (sheet_url(five_stops), sheet_url(five_stops, "/print"),
                sheet_url(five_stops, "/sheet.pdf")):
        assert client.get(url).status_code == 403, url
    assert client.post_form(outcome_url(five_stops, stop.booking_id),
                            form(stop.booking_id, "visited", "1")).status_code == 403
    assert db.scalars(select(HandlingLogEntry).where(NOT_INTAKE)).all() == []


def test_anonymous_is_sent_to_log_in(client, five_stops):
    response = client.get(sheet_url(five_stops, "/sheet.pdf"))
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_handling_log_is_append_only(team_client, db, five_stops):
    team_client.get(sheet_url(five_stops))
    entry = db.scalars(select(HandlingLogEntry).where(NOT_INTAKE)).one()
    entry.detail = "書き換え"
    with pytest.raises(PermissionError):
        db.flush()
    db.rollback()
    entry = db.scalars(select(HandlingLogEntry).where(NOT_INTAKE)).one()
    db.delete(entry)
    with pytest.raises(PermissionError):
        db.flush()
    db.rollback()


def test_recorded_outcomes_keep_the_season_plan_valid_for_new_bookings(app, team_client, db,
                                                                      five_stops, season):
    """Visit 1 recorded while visit 2 of the same half-day is still to come must not leave a
    gap in the route the planner checks: later bookings are still accepted."""
    from solver.check import check_plan
    from solver.plan_types import Plan

    app.config["APP_TODAY"] = five_stops
    first = build_route_sheet(db, season, five_stops, 1).stops[0]
    assert team_client.post_form(outcome_url(five_stops, first.booking_id),
                                 form(first.booking_id, "visited", "1")).status_code == 302
    bookings = active_bookings(db, season.id)
    assert first.booking_id in [b.id for b in bookings]
    config = season_config(season)
    problem = season_problem(config, season.name, bookings)
    plan = Plan(scenario=season.name, visit_days=problem.visit_days, unassigned=(),
                visits=with_travel(problem, [booking_visit(b) for b in bookings]))
    assert check_plan(problem, plan) == []
    user = make_user(db, "operator", "operator6")
    later = first_home_day(season, five_stops + dt.timedelta(days=15))
    booking = reserve(db, season, intake(HANAZONO), Slot(later, "am", 1, 1), user.id,
                      today=five_stops)
    assert booking.visit_date == later


# --- what the team checks at the door (SPEC §7) ----------------------------------------------

def book_one(db, season, *, day_offset: int = 14, **changes) -> Booking:
    """One home visit booked with `changes` to the intake (details merged into a full set)."""
    user = make_user(db, "operator", f"op-{len(changes)}-{day_offset}")
    day = first_home_day(season, TODAY + dt.timedelta(days=day_offset))
    details = {"id_documents": ["driver_license"], "can_photo": "yes", "can_write": "yes",
               "helper_present": "yes", "parking": "yes", **changes.pop("details", {})}
    data = dataclasses.replace(intake(INAHO), details=details, **changes)
    booking = reserve(db, season, data, Slot(day, "am", 1, 1), user.id, today=TODAY)
    db.commit()
    return booking


def only_stop(db, season, booking: Booking):
    return next(s for s in build_route_sheet(db, season, booking.visit_date, 1).stops
                if s.booking_id == booking.id)


@pytest.mark.parametrize(("born", "era"), [
    (dt.date(1940, 4, 1), "昭和15年4月1日"),
    (dt.date(1926, 12, 25), "昭和元年12月25日"),
    (dt.date(1926, 12, 24), "大正15年12月24日"),
    (dt.date(1989, 1, 7), "昭和64年1月7日"),
    (dt.date(1989, 1, 8), "平成元年1月8日"),
    (dt.date(2019, 5, 1), "令和元年5月1日"),
    (dt.date(1912, 7, 29), "明治45年7月29日"),
])
def test_birth_dates_read_as_the_identity_documents_print_them(born, era):
    assert era_date(born) == era


def test_a_home_stop_shows_birth_date_caller_and_why_they_cannot_go_out(
        team_client, db, season, tmp_path):
    booking = book_one(
        db, season, caller_relationship="household", caller_name="小樽 一郎",
        caller_phone="090-1111-2222", birth_date=dt.date(1940, 4, 1),
        eligibility="illness", eligibility_detail="脳梗塞の後で歩行が難しい",
        details={"can_photo": "no", "can_write": "no", "helper_present": "unknown",
                 "parking": "no"})
    stop = only_stop(db, season, booking)
    age = booking.visit_date.year - 1940 - ((booking.visit_date.month, booking.visit_date.day)
                                            < (4, 1))
    assert stop.birth_date == f"1940-04-01（昭和15年4月1日）・{age}歳"
    assert stop.caller == "小樽 一郎（同居の家族）　電話 090-1111-2222"
    assert stop.eligibility == "病気・療養中　脳梗塞の後で歩行が難しい"
    assert stop.conditions == (("顔写真の撮影不可", True), ("自署不可（代筆が必要）", True),
                               ("介助者の同席は未確認", False))
    assert stop.parking == "駐車スペースなし"

    page = team_client.get(sheet_url(booking.visit_date)).get_data(as_text=True)
    assert f'生年月日 <strong class="birth-date">{stop.birth_date}</strong>' in page
    assert '予約の電話: <span class="caller">小樽 一郎（同居の家族）　電話 090-1111-2222</span>' in page
    assert "外出困難: <span" in page and "脳梗塞の後で歩行が難しい" in page
    assert ("<strong>顔写真の撮影不可</strong>／<strong>自署不可（代筆が必要）</strong>"
            "／介助者の同席は未確認</span>　駐車スペースなし") in page
    assert "顔写真 いいえ" not in page and "駐車: " not in page
    if shutil.which("pdftotext"):
        text = pdf_text(tmp_path, team_client.get(sheet_url(booking.visit_date, "/sheet.pdf")).data)
        joined = re.sub(r"\s", "", text)  # pdftotext turns the full-width space into " "
        for expected in (f"生年月日 {stop.birth_date}", "予約の電話: 小樽 一郎（同居の家族）",
                         "090-1111-2222", "外出困難: 病気・療養中　脳梗塞の後で歩行が難しい",
                         "状態: 顔写真の撮影不可／自署不可（代筆が必要）／介助者の同席は未確認"):
            assert re.sub(r"\s", "", expected) in joined, expected


def test_no_caller_line_when_the_applicant_called(db, season):
    stop = only_stop(db, season, book_one(db, season))
    assert stop.caller == "" and stop.conditions[0] == ("顔写真の撮影可", False)


@pytest.mark.parametrize(("answer", "expected"), [
    ("no", RENEWAL_CERTIFICATE_MISSING),
    ("unknown", RENEWAL_CERTIFICATE_UNKNOWN),
    (None, RENEWAL_CERTIFICATE_UNKNOWN),  # an old booking without the answer
    ("yes", None),
])
def test_a_renewal_is_reminded_of_the_certificate_unless_they_have_one(db, season, answer,
                                                                       expected):
    details = {} if answer is None else {"has_shikaku_kakuninsho": answer}
    stop = only_stop(db, season, book_one(db, season, application_type="renewal",
                                          details=details))
    certificate = [t for t in stop.tasks if "資格確認書" in t]
    assert certificate == ([expected] if expected else [])
    assert any("旧マイナンバーカードを回収" in t for t in stop.tasks)


def test_a_single_document_without_a_photo_is_flagged_on_the_stop(team_client, db, season,
                                                                   tmp_path):
    booking = book_one(db, season, details={"id_documents": ["pension_book"]})
    stop = only_stop(db, season, booking)
    assert stop.id_warning == "写真なし書類1点のみ：もう1点要確認"
    page = team_client.get(sheet_url(booking.visit_date)).get_data(as_text=True)
    assert '<strong class="warn id-warning">写真なし書類1点のみ：もう1点要確認</strong>' in page
    if shutil.which("pdftotext"):
        text = pdf_text(tmp_path, team_client.get(sheet_url(booking.visit_date, "/sheet.pdf")).data)
        assert "写真なし書類1点のみ：もう1点要確認" in text.replace("\n", "")
    two = book_one(db, season, day_offset=30,
                   details={"id_documents": ["pension_book", "health_insurance"]})
    assert only_stop(db, season, two).id_warning == ""


# --- more applications than booked -----------------------------------------------------------

def test_more_applications_than_booked_are_kept_with_a_notice(app, team_client, db, season):
    booking = book_one(db, season)  # 1 applicant
    app.config["APP_TODAY"] = booking.visit_date
    url = outcome_url(booking.visit_date, booking.id)
    response = team_client.post_form(url, form(booking.id, "visited", "2"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    db.refresh(booking)
    assert (booking.status, booking.applications_taken) == ("visited", 2)
    assert "申請受付件数（2件）が予約の1人より多くなっています。" in page  # the flash
    assert '<span class="warn more-than-booked">予約の1人より多い件数です' in page  # the result
    assert only_stop(db, season, booking).over_booking_note.startswith("予約の1人より多い")

    response = team_client.post_form(url, form(booking.id, "visited", "1"), follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "より多くなっています" not in page and "more-than-booked" not in page
    assert only_stop(db, season, booking).over_booking_note == ""
