"""The completion report (004 §3(2)ア(エ), §10(2)): its figures against counts taken straight
from the database, on a season built through the services, and rows that add up."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import text

from app.bookings.operations import Slot, reserve
from app.facilities.operations import set_status
from app.reports.summary import MONTH_COLUMNS, season_report
from tests.app.facilities.test_mark_visited import last_day, scheduled
from tests.app.test_bookings_reserve import first_home_day, intake
from tests.app.test_facilities import TODAY
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
