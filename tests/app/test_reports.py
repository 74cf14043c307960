"""The completion report (004 §3(2)ア(エ), §10(2)): its figures against counts taken straight
from the database, on a season built through the services, and rows that add up."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import text

from app.bookings.operations import Slot, reserve
from app.facilities.operations import set_status
from app.privacy.deletion import age_band
from app.reports.summary import MONTH_COLUMNS, season_report
from app.routesheets.outcomes import record_facility_outcome
from tests.app.facilities.test_mark_visited import last_day, scheduled
from tests.app.test_bookings_reserve import first_home_day, intake
from tests.app.test_facilities import TODAY, make_facility
from tests.app.test_facility_lifecycle import scheduled_facility, with_list
from tests.conftest import make_user

AFTER = dt.date(2027, 1, 8)  # the contract's last day: every visit is over


def build(db, season):
    """Four home bookings (visited, not at home, cancelled beforehand, never recorded) and two
    facilities: one of 24 applicants in two half-days, one of 8 in one."""
    manager = make_user(db, "manager", "report_manager")
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    slots = ((2, "am", 1), (1, "am", 2), (3, "pm", 1), (1, "pm", 2))
    homes = [reserve(db, season, intake(applicants=n, name=f"小樽 {n}"), Slot(day, half, 1, pos),
                     manager.id, today=TODAY) for n, half, pos in slots]
    recorded = dt.datetime(2026, 7, 1, 3, 0)
    homes[0].status, homes[0].applications_taken, homes[0].outcome_recorded_at = "visited", 2, recorded
    homes[1].status, homes[1].outcome_recorded_at = "not_home", recorded
    homes[3].status = "cancelled"  # the last of its half-day: the others keep their places
    big = scheduled(db, season, manager, 24, parts=2)
    set_status(db, big, "visited", manager, last_day(big), applications_taken=23,
               completed_on=last_day(big))
    small = scheduled(db, season, manager, 8)
    set_status(db, small, "visited", manager, last_day(small), applications_taken=8,
               completed_on=last_day(small))
    db.flush()
    return big, small


def test_the_completion_report_matches_the_database_and_its_rows_add_up(
        app, db, season, manager_client):
    big, small = build(db, season)
    report = season_report(db, season, AFTER)
    total = report.total

    def one(sql: str) -> int:
        return db.execute(text(sql), {"s": season.id}).scalar_one() or 0

    assert total.bookings == one("SELECT count(*) FROM bookings WHERE season_id = :s") == 4
    assert total.applications == one(
        "SELECT sum(applications_taken) FROM bookings WHERE season_id = :s AND status = 'visited'")
    assert (total.visited, total.not_home, total.cancelled, total.pending) == (1, 1, 1, 1)
    assert total.planned_visits == (total.visited + total.not_home + total.cancelled_on_day
                                    + total.pending)
    assert total.bookings == total.planned_visits + total.cancelled
    # Facilities: 2 facilities, 3 half-days, on as many distinct days as the database holds.
    assert total.facilities == one(
        "SELECT count(DISTINCT facility_id) FROM facility_visits"
        " WHERE season_id = :s AND status = 'visited'") == 2
    assert total.facility_visited == 3
    assert total.facility_visit_days == one(
        "SELECT count(DISTINCT visit_date) FROM facility_visits"
        " WHERE season_id = :s AND status = 'visited'")
    assert total.facility_applications == 31
    assert total.all_applications == 2 + 31
    # The calendar's facility days are the plan; the days visited are counted apart.
    calendar_days = sum(d.kind == "facility" for d in season.visit_days)
    assert total.facility_days == calendar_days > total.facility_visit_days

    # Every month row sums to the total.
    for attr, _ in MONTH_COLUMNS:
        assert sum(getattr(c, attr) for c in report.months.values()) == getattr(total, attr), attr

    # The workbook says the same, with the headings the city reads.
    app.config["APP_TODAY"] = AFTER
    book = load_workbook(io.BytesIO(manager_client.get("/manager/reports/report.xlsx").data))
    figures = {row[0]: row[1] for row in book["集計"].iter_rows(min_row=2, values_only=True)}
    assert figures["福祉施設数（訪問済）"] == 2
    assert figures["申請受付件数合計（個人宅＋福祉施設）"] == 33
    assert figures["予約中・結果未記録"] == 1
    assert figures["コールセンター開設期間"] == "2026年6月1日（月）〜2026年12月24日（木）"
    months = list(book["月別"].iter_rows(values_only=True))
    assert months[-1][0] == "合計"
    # Months read as the city writes them, in calendar order (10月 after 9月).
    labels = [row[0] for row in months[1:-1]]
    assert labels and all(label.startswith("2026年") and label.endswith("月") for label in labels)
    order = [int(label[5:-1]) for label in labels]
    assert order == sorted(order)
    head = months[0]
    assert months[-1][head.index("福祉施設数（訪問済）")] == 2
    page = manager_client.get("/manager/reports/").get_data(as_text=True)
    assert '<div class="big" data-total="all_applications">33</div>' in page
    assert "予約受付件数 ＝ 訪問予定件数＋事前取消" in page


def _listed_facility_cancelled_on_the_day(db, season, manager):
    """A facility that sent its applicant list (two residents with known dates of birth) and
    whose one half-day was cancelled on the visit day on the route sheet."""
    facility = with_list(db, scheduled_facility(db, season, manager), manager)
    (visit,) = facility.visits
    record_facility_outcome(db, visit, "cancelled", None, "", manager, visit.visit_date)
    db.flush()
    return facility


def test_facility_requests_same_day_cancels_and_applicant_ages_match_the_database(
        app, db, season, manager_client):
    """004 §8(2)キ, §10: every facility request received counts, visited or not; facility
    half-days cancelled on the day stand beside the home ones; the facility applicants'
    ages come from their applicant lists, and those without a known date of birth are
    stated. Each figure against SQL, and the page and the workbook say the same."""
    build(db, season)
    manager = make_user(db, "manager", "report_manager_2")
    listed = _listed_facility_cancelled_on_the_day(db, season, manager)
    make_facility(db, season, manager, 12, name="まだ折り返し前の施設")  # received, not visited
    withdrawn = make_facility(db, season, manager, 7, name="取り下げた施設")
    set_status(db, withdrawn, "withdrawn", manager, TODAY, "施設の都合で取り下げ")
    db.flush()
    report = season_report(db, season, AFTER)
    total = report.total

    def one(sql: str) -> int:
        return db.execute(text(sql), {"s": season.id}).scalar_one() or 0

    assert total.facility_requests == one(
        "SELECT count(*) FROM facility_requests WHERE season_id = :s") == 5
    assert total.facility_cancelled_on_day == one(
        "SELECT count(*) FROM facility_visits WHERE season_id = :s AND status = 'cancelled'"
        " AND outcome_recorded_at IS NOT NULL") == 1
    for attr in ("facility_requests", "facility_cancelled_on_day"):
        assert sum(getattr(c, attr) for c in report.months.values()) == getattr(total, attr)
    by_month = {}
    for (received,) in db.execute(text(
            "SELECT received_on FROM facility_requests WHERE season_id = :s"), {"s": season.id}):
        received = received if isinstance(received, dt.date) else dt.date.fromisoformat(received)
        key = f"{received.year}年{received.month}月"
        by_month[key] = by_month.get(key, 0) + 1
    assert {k: c.facility_requests for k, c in report.months.items()
            if c.facility_requests} == by_month

    # Ages: the listed residents, aged on the facility's first visit day (SQL, banded here).
    rows = db.execute(text(
        "SELECT a.birth_date, (SELECT min(v.visit_date) FROM facility_visits v"
        "  WHERE v.facility_id = f.id) FROM facility_applicants a"
        " JOIN facility_requests f ON f.id = a.facility_id"
        " WHERE f.season_id = :s AND f.status <> 'withdrawn' AND f.home_booking_id IS NULL"
        " AND a.birth_date IS NOT NULL"), {"s": season.id}).all()
    expected: dict[str, int] = {}
    for born, first in rows:
        born, first = (d if isinstance(d, dt.date) else dt.date.fromisoformat(d)
                       for d in (born, first))
        band = age_band(first.year - born.year - ((first.month, first.day) < (born.month, born.day)))
        expected[band] = expected.get(band, 0) + 1
    assert len(rows) == len(listed.applicants) == 2
    assert {k: c.facility_applicants for k, c in report.age_bands.items()
            if c.facility_applicants} == expected
    assert total.facility_applicants == 2
    # No known date of birth: the planned applicants of the two visited facilities without a
    # list (24 + 8); the new request and the withdrawn one are not counted.
    assert report.facility_applicants_no_dob == one(
        "SELECT sum(v.applicants) FROM facility_visits v"
        " JOIN facility_requests f ON f.id = v.facility_id"
        " WHERE f.season_id = :s AND f.status <> 'withdrawn' AND f.home_booking_id IS NULL"
        " AND f.list_uploaded_at IS NULL"
        " AND (v.status IN ('booked', 'visited') OR v.outcome_recorded_at IS NOT NULL)") == 32

    # The workbook and the page agree.
    app.config["APP_TODAY"] = AFTER
    book = load_workbook(io.BytesIO(manager_client.get("/manager/reports/report.xlsx").data))
    figures = {row[0]: row[1] for row in book["集計"].iter_rows(min_row=2, values_only=True)}
    assert figures["福祉施設の訪問依頼受付件数"] == 5
    assert figures["福祉施設の当日取消（半日）"] == 1
    assert figures["生年月日の分からない福祉施設の申請予定者"] == 32
    months = list(book["月別"].iter_rows(values_only=True))
    head = months[0]
    assert head.index("福祉施設の当日取消（半日）") == head.index("当日取消") + 1
    assert months[-1][head.index("福祉施設の訪問依頼受付件数")] == 5
    ages = list(book["年齢階級別"].iter_rows(values_only=True))
    column = ages[0].index("福祉施設の申請予定者（名簿で生年月日あり・人数）")
    sheet_bands = {r[0]: r[column] for r in ages[1:] if r[column]}
    assert sheet_bands.pop("合計") == 2
    assert sheet_bands == expected
    assert any(r[0] and "32名" in str(r[0]) for r in ages)
    page = manager_client.get("/manager/reports/").get_data(as_text=True)
    assert '<div class="big" data-total="facility_requests">5</div>' in page
    assert '<div class="big" data-total="facility_cancelled_on_day">1</div>' in page
    assert 'data-no-dob="32"' in page
    ages_table = page[page.index('id="report-ages"'):page.index('id="report-no-dob"')]
    for band, count in expected.items():
        assert f'<td>{band}</td>' in ages_table
        row = ages_table[ages_table.index(f'<td>{band}</td>'):]
        row = row[:row.index("</tr>")]
        assert f'<td data-col="facility_applicants">{count}</td>' in row
    assert '<th data-col="facility_applicants">2</th>' in ages_table
