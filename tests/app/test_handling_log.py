"""The handling log (第15, issue 8 §3): every page and export that shows, prints, exports,
changes or deletes personal data writes a row — a walk over all of them — and managers can
browse and export the log. Plus the reports (issue 8 §4)."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.bookings.callbacks import due_event
from app.bookings.operations import Slot, reserve
from app.privacy import deletion, handover
from app.privacy.models import HandlingLogEntry, HandoverPackage
from tests.app.test_bookings_reserve import (
    HANAZONO,
    INAHO,
    TODAY,
    first_home_day,
    intake,
    make_booking,
)
from tests.app.test_facility_lifecycle import scheduled_facility, with_list
from tests.app.test_intake import answers
from tests.conftest import PASSWORD, Client, make_user

# Every endpoint that shows or handles an applicant's personal data, and the action it logs.
# A new personal-data page must be added here (and log), or the walk below fails.
PERSONAL_DATA_ENDPOINTS: dict[str, str] = {
    "bookings.intake": "change",  # booking an offer stores the caller's answers
    "bookings.reception_list": "view",
    "bookings.reception_list_xlsx": "export",
    "bookings.search": "view",  # names and phones of the bookings found
    "bookings.slip": "view",
    "bookings.slip_print": "print",
    "bookings.cancel": "change",
    "bookings.change": "change",
    "bookings.callback_list": "view",  # names and phones of the callers to phone back
    "bookings.called_back": "change",
    "teams.route_sheet": "view",
    "teams.route_sheet_print": "print",
    "teams.route_sheet_pdf": "export",
    "teams.facility_applicants": "view",  # a facility stop's applicant list, for the team
    "teams.record_outcome": "change",
    "teams.record_facility_outcome": "change",
    "facilities.applicants": "view",  # GET shows the residents' list (POST stores it: change)
    "facilities.applicants_xlsx": "export",
    "privacy.release_package": "export",
    "privacy.run_deletions": "delete",
    "managers.replan_preview": "view",  # the proposal names the people to move and call
    "managers.replan_apply": "change",
    "managers.replan_done": "view",  # the printable call-back list
    "incidents.incident_list": "view",  # an incident may describe personal data (第12)
    "incidents.record": "change",
    "incidents.edit": "view",
    "incidents.update": "change",
    "incidents.incidents_download": "export",
}


# Pages of those blueprints that show no applicant's personal data. The facility pages show
# the facility's own name, address, phone and contact at the facility (an institution's
# business contact); the residents' personal data are the applicant list, shown and exported
# only by the endpoints above.
NO_PERSONAL_DATA = {
    "teams.index",
    "facilities.intake", "facilities.queue", "facilities.detail", "facilities.callback",
    "facilities.set_status", "facilities.schedule", "facilities.unschedule",
    "facilities.link_home_booking", "facilities.add_meeting", "facilities.cancel_meeting",
    "facilities.save_checklist", "facilities.list_template", "facilities.set_agreed_time",
    "facilities.confirm_applicants",
}


def test_every_booking_facility_and_route_sheet_endpoint_is_walked(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules()
                 if r.endpoint.startswith(("bookings.", "teams.", "facilities."))}
    assert endpoints - NO_PERSONAL_DATA <= set(PERSONAL_DATA_ENDPOINTS)
    assert not NO_PERSONAL_DATA & set(PERSONAL_DATA_ENDPOINTS)
    assert endpoints >= NO_PERSONAL_DATA, "a listed endpoint no longer exists"


def log_count(db) -> int:
    return db.scalar(select(func.count()).select_from(HandlingLogEntry))


def newest(db) -> HandlingLogEntry:
    """The newest row recording a handling of a record (on PostgreSQL a deletion run is
    followed by the row of its VACUUM, which app/privacy/deletion.py tests)."""
    return db.scalar(select(HandlingLogEntry).where(
        HandlingLogEntry.record_type != deletion.VACUUM_RECORD)
        .order_by(HandlingLogEntry.id.desc()).limit(1))


def test_every_personal_data_page_and_export_writes_a_handling_log_row(app, db, season):
    app.config["HANDOVER_RECIPIENTS"] = ("city@example.jp",)
    app.test_client_class = Client
    clients: dict[str, Client] = {}
    users = {}
    for username, role in (("manager1", "manager"), ("manager2", "manager"), ("team1", "team"),
                           ("operator1", "operator")):
        users[username] = make_user(db, role, username)
        clients[username] = app.test_client()  # type: ignore[assignment]
        assert clients[username].login(username, PASSWORD).status_code == 302
    operator, manager, approver, team = (clients["operator1"], clients["manager1"],
                                         clients["manager2"], clients["team1"])
    booking = make_booking(db, season, users["operator1"].id)
    spare = make_booking(db, season, booking.booked_by, half="pm")
    day = booking.visit_date
    walked: dict[str, tuple[str, str]] = {}

    def walk(endpoint: str, username: str, call, record_type: str) -> None:
        before = log_count(db)
        response = call()
        assert response.status_code < 400, (endpoint, response.status_code)
        assert log_count(db) > before, f"{endpoint} wrote no handling-log row"
        entry = newest(db)
        assert (entry.action, entry.username, entry.record_type) == (
            PERSONAL_DATA_ENDPOINTS[endpoint], username, record_type), endpoint
        walked[endpoint] = (entry.action, entry.record_type)

    # Intake: search, then book an offer.
    page = operator.post_form("/operator/bookings/new", answers()).get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    walk("bookings.intake", "operator1",
         lambda: operator.post_form("/operator/bookings/new", answers(offer=key)), "booking")
    walk("bookings.reception_list", "operator1", lambda: operator.get("/operator/bookings/"),
         "reception_list")
    walk("bookings.reception_list_xlsx", "manager1",
         lambda: manager.get("/operator/bookings/list.xlsx"), "reception_list")
    walk("bookings.search", "operator1",
         lambda: operator.get("/operator/bookings/search?q=0134"), "reception_list")
    walk("bookings.slip", "operator1", lambda: operator.get(f"/operator/bookings/{booking.id}"),
         "booking")
    walk("bookings.slip_print", "operator1",
         lambda: operator.get(f"/operator/bookings/{booking.id}/print"), "booking")
    walk("bookings.cancel", "operator1",
         lambda: operator.post_form(f"/operator/bookings/{spare.id}/cancel",
                                           {"reason": "都合", "confirmed": "y"}),
         "booking")
    page = operator.post_form(f"/operator/bookings/{booking.id}/change",
                              {"reason": "都合が悪くなった"}).get_data(as_text=True)
    moved_to = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    walk("bookings.change", "operator1", lambda: operator.post_form(
        f"/operator/bookings/{booking.id}/change", {"reason": "都合が悪くなった", "offer": moved_to}),
        "booking")
    db.refresh(booking)
    # A booking put before another gives it a new time: its caller goes on the call-back list.
    later = first_home_day(season, TODAY + dt.timedelta(days=60))
    pushed = reserve(db, season, intake(INAHO, name="先客"), Slot(later, "am", 1, 1),
                     users["operator1"].id, today=TODAY)
    reserve(db, season, intake(HANAZONO, name="割込"), Slot(later, "am", 1, 1),
            users["operator1"].id, today=TODAY)
    db.commit()
    walk("bookings.callback_list", "operator1",
         lambda: operator.get("/operator/bookings/callbacks"), "callback_list")
    walk("bookings.called_back", "operator1", lambda: operator.post_form(
        f"/operator/bookings/{pushed.id}/called-back",
        {"note": "電話で伝えた", "event": due_event(pushed).id}), "booking")
    db.refresh(booking)
    day = booking.visit_date
    sheet = f"/team/days/{day.isoformat()}/1"
    walk("teams.route_sheet", "team1", lambda: team.get(sheet), "route_sheet")
    walk("teams.route_sheet_print", "team1", lambda: team.get(sheet + "/print"), "route_sheet")
    walk("teams.route_sheet_pdf", "team1", lambda: team.get(sheet + "/sheet.pdf"), "route_sheet")

    # Hand-over: prepare and approve write nothing personal; the release exports.
    week = handover.week_start(day).isoformat()
    assert manager.post_form(f"/manager/privacy/handover/{week}/prepare",
                             {"recipient": "city@example.jp"}).status_code == 302
    package = db.scalar(select(HandoverPackage))
    assert approver.post_form(f"/manager/privacy/handover/packages/{package.id}/approve",
                              {"confirm": "y"}).status_code == 302
    walk("privacy.release_package", "manager1",
         lambda: manager.post_form(f"/manager/privacy/handover/packages/{package.id}/release",
                                   {"method": "download"}), "handover_package")

    app.config["APP_TODAY"] = day
    walk("teams.record_outcome", "team1", lambda: team.post_form(
        f"{sheet}/outcome/{booking.id}", {f"b{booking.id}-outcome": "visited",
                                          f"b{booking.id}-applications_taken": "1"}), "booking")
    app.config["APP_TODAY"] = day + dt.timedelta(days=1)
    walk("privacy.run_deletions", "manager2",
         lambda: approver.post_form("/manager/privacy/deletions/run", {"confirm": "y"}),
         "booking")

    # Re-planning: cancel the season's last home day, which holds one booking.
    late = max(d.date for d in season.visit_days if d.kind == "home")
    reserve(db, season, intake(HANAZONO, name="再計画 太郎"), Slot(late, "am", 1, 1),
            users["operator1"].id, today=TODAY)
    db.commit()
    pages = {}

    def replan_step(name: str, call):
        def run():
            pages[name] = call()
            return pages[name]
        return run

    walk("managers.replan_preview", "manager1", replan_step("preview", lambda: manager.post_form(
        "/manager/replan/preview", {"kind": "cancel_day", "date": late.isoformat(),
                                    "reason": "大雪のため"})), "booking")
    token = re.search(r'name="token" type="hidden" value="([^"]+)"',
                      pages["preview"].get_data(as_text=True)).group(1)
    walk("managers.replan_apply", "manager1", replan_step("apply", lambda: manager.post_form(
        "/manager/replan/apply", {"token": token})), "booking")
    walk("managers.replan_done", "manager1",
         lambda: manager.get(pages["apply"].headers["Location"]), "booking")

    # Facility visits: the applicant list (view, export) and the day's outcome.
    facility = with_list(db, scheduled_facility(db, season, users["manager1"]), users["manager1"])
    visit = next(v for v in facility.visits if v.status == "booked")
    db.commit()
    walk("facilities.applicants", "manager1",
         lambda: manager.get(f"/manager/facilities/{facility.id}/applicants"),
         "facility_applicants")
    walk("facilities.applicants_xlsx", "manager1",
         lambda: manager.get(f"/manager/facilities/{facility.id}/applicants.xlsx"),
         "facility_applicants")
    walk("teams.facility_applicants", "team1", lambda: team.get(
        f"/team/days/{visit.visit_date.isoformat()}/{visit.team}/facility/{visit.id}/applicants"),
        "facility_applicants")
    app.config["APP_TODAY"] = visit.visit_date
    walk("teams.record_facility_outcome", "team1", lambda: team.post_form(
        f"/team/days/{visit.visit_date.isoformat()}/{visit.team}/facility-outcome/{visit.id}",
        {f"f{visit.id}-outcome": "visited", f"f{visit.id}-applications_taken": "5"}),
        "facility_visit")

    # The incident register (第12): recorded, read, updated and exported by managers.
    incident = {"discovered_on": visit.visit_date.isoformat(), "discovered_time": "08:00",
                "circumstances": "受付票の紛失", "place": "コールセンター",
                "data_content": "氏名・住所", "persons_count": "1", "notified": "no"}
    walk("incidents.record", "manager1",
         lambda: manager.post_form("/manager/incidents/new", incident), "incident")
    incident_url = f"/manager/incidents/{newest(db).record_id}"
    walk("incidents.edit", "manager1", lambda: manager.get(incident_url), "incident")
    walk("incidents.update", "manager1",
         lambda: manager.post_form(incident_url, {**incident, "measures": "捜索中"}), "incident")
    walk("incidents.incident_list", "manager1", lambda: manager.get("/manager/incidents/"),
         "incident")
    walk("incidents.incidents_download", "manager1",
         lambda: manager.get("/manager/incidents/incidents.xlsx"), "incident")

    assert set(walked) == set(PERSONAL_DATA_ENDPOINTS)


def test_failed_saves_roll_back_and_write_no_row(operator_client, db, season):
    booking = make_booking(db, season, make_user(db, "operator", "op-x").id)
    before = log_count(db)
    response = operator_client.post_form(f"/operator/bookings/{booking.id}/cancel", {"reason": ""})
    assert response.status_code == 422
    assert log_count(db) == before


def test_the_log_is_append_only(db, season):
    user = make_user(db, "manager", "m-append")
    from app.privacy.operations import log_handling

    entry = log_handling(db, user, "view", "booking", 1)
    entry.detail = "changed"
    with pytest.raises(PermissionError):
        db.flush()
    db.rollback()


def test_managers_browse_filter_and_export_the_log(app, manager_client, db, season):
    booking = make_booking(db, season, make_user(db, "operator", "op-log").id)
    manager_client.get(f"/operator/bookings/{booking.id}")
    manager_client.get("/operator/bookings/list.xlsx")
    page = manager_client.get("/manager/privacy/log").get_data(as_text=True)
    assert "受付票 受付番号 1" in page and "受付一覧表 Excel" in page
    filtered = manager_client.get("/manager/privacy/log?action=export").get_data(as_text=True)
    assert "受付一覧表 Excel" in filtered and "受付票 受付番号 1" not in filtered
    # Days are Japan-time days; tomorrow has nothing yet.
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=9, days=1)).date().isoformat()
    empty = manager_client.get(f"/manager/privacy/log?date_from={tomorrow}").get_data(as_text=True)
    assert "該当する記録はありません" in empty
    bad = manager_client.get("/manager/privacy/log?date_from=2026-13-01")
    assert bad.status_code == 422 and "開始日" in bad.get_data(as_text=True)
    xlsx = manager_client.get("/manager/privacy/log.xlsx?action=view")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[2]] == [
        "No.", "日時（日本時間）", "職員", "ログインID", "操作", "対象", "対象ID", "内容"]
    actions = {row[4] for row in sheet.iter_rows(min_row=3, values_only=True)}
    assert actions == {"閲覧"}
    assert any(row[2:4] == ("manager 職員", "manager1") and row[5] == "受付票（予約）"
               for row in sheet.iter_rows(min_row=3, values_only=True))


def log_table(page: str) -> list[list[str]]:
    """The handling-log page's table as rows of cell texts (no rows: [])."""
    import html as html_lib

    body = page.split('id="handling-log"')[1].split("</tbody>")[0].split("<tbody>")[1]
    rows = [[html_lib.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)]
            for r in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)]
    return [r for r in rows if len(r) > 1]


def test_the_log_names_the_staff_with_the_login_they_used(app, manager_client, db, season):
    """第15 asks for access by named staff: each row shows the person's current name and the
    login ID recorded at the time, also after a rename; the filter finds either."""
    from app.auth.models import User
    from app.privacy.operations import log_handling

    tanaka = make_user(db, "operator", "tanaka")
    tanaka.display_name = "田中 一郎"
    sato = make_user(db, "operator", "sato")
    sato.display_name = "佐藤 花子"
    log_handling(db, tanaka, "view", "booking", 101, "受付票 田中が閲覧")
    log_handling(db, sato, "view", "booking", 102, "受付票 佐藤が閲覧")
    db.commit()
    # Later 田中 is renamed and gets a new login ID; the old row keeps the login it used.
    tanaka.display_name = "山田 一郎"
    tanaka.username = "yamada"
    log_handling(db, tanaka, "view", "booking", 103, "受付票 山田が閲覧")
    db.commit()

    def staff_of(query: str) -> list[tuple[str, str, str]]:
        response = manager_client.get("/manager/privacy/log", query_string=query)
        assert response.status_code == 200
        return [(r[2], r[3], r[7]) for r in log_table(response.get_data(as_text=True))
                if r[6] in ("101", "102", "103")]

    everyone = staff_of({})
    assert everyone == [("山田 一郎", "yamada", "受付票 山田が閲覧"),
                        ("佐藤 花子", "sato", "受付票 佐藤が閲覧"),
                        ("山田 一郎", "tanaka", "受付票 田中が閲覧")]
    # The login ID, as recorded or as it is now: exact, so "sat" finds nobody.
    assert [r[2] for r in staff_of({"username": "tanaka"})] == ["受付票 田中が閲覧"]
    assert [r[2] for r in staff_of({"username": " yamada "})] == [
        "受付票 山田が閲覧", "受付票 田中が閲覧"]
    assert staff_of({"username": "sat"}) == []
    # The current name, in part, with or without the space; wildcards are plain characters.
    assert [r[1] for r in staff_of({"username": "佐藤"})] == ["sato"]
    assert [r[1] for r in staff_of({"username": "山田一郎"})] == ["yamada", "tanaka"]
    assert [r[1] for r in staff_of({"username": "山田\u3000一"})] == ["yamada", "tanaka"]
    assert staff_of({"username": "田中"}) == []  # the old name is gone with the rename
    assert staff_of({"username": "%"}) == [] and staff_of({"username": "_"}) == []
    page = manager_client.get("/manager/privacy/log").get_data(as_text=True)
    assert "職員（氏名またはログインID）" in page and "<th>ログインID</th>" in page

    # The Excel export has the same columns and the same filter.
    xlsx = manager_client.get("/manager/privacy/log.xlsx", query_string={"username": "山田"})
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[2]][2:4] == ["職員", "ログインID"]
    assert [(r[2], r[3], r[6]) for r in sheet.iter_rows(min_row=3, values_only=True)] == [
        ("山田 一郎", "yamada", "103"), ("山田 一郎", "tanaka", "101")]
    assert db.get(User, tanaka.id).username == "yamada"


def test_the_excel_export_for_the_city_holds_every_matching_row_not_only_the_pages(
        app, manager_client, db, season):
    """第15: the record reported to the city is the whole record. The page shows the newest
    1000 rows; the Excel file of the same filter must not stop there."""
    from app.privacy.operations import LogFilter

    staff = make_user(db, "operator", "bulk-viewer")
    limit = LogFilter().limit
    assert limit is not None
    total = limit + 5
    db.add_all(HandlingLogEntry(user_id=staff.id, username=staff.username, action="view",
                                record_type="booking", record_id=str(i), detail=f"受付票 {i}")
               for i in range(total))
    db.commit()

    page = manager_client.get("/manager/privacy/log", query_string={"username": "bulk-viewer"})
    assert len(log_table(page.get_data(as_text=True))) == limit  # the page: newest rows only
    xlsx = manager_client.get("/manager/privacy/log.xlsx",
                              query_string={"username": "bulk-viewer"})
    rows = list(load_workbook(io.BytesIO(xlsx.data)).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == total
    assert {r[6] for r in rows} == {str(i) for i in range(total)}
    # The filter still applies to the export: another person's rows stay out.
    other = manager_client.get("/manager/privacy/log.xlsx", query_string={"username": "nobody"})
    assert list(load_workbook(io.BytesIO(other.data)).active.iter_rows(
        min_row=3, values_only=True)) == []


def test_printing_a_slip_goes_through_its_print_page_and_is_logged_as_a_print(
        app, operator_client, team_client, db, season):
    """第15 asks for every print: the slip's 「印刷」 leads to a print page that writes a
    印刷 row; the slip page itself is a view; a visit team may not print slips."""
    booking = make_booking(db, season, make_user(db, "operator", "op-print").id)
    slip = operator_client.get(f"/operator/bookings/{booking.id}").get_data(as_text=True)
    link = re.search(r'id="slip-print" href="([^"]+)"', slip).group(1)
    assert newest(db).action == "view"
    before = log_count(db)
    page = operator_client.get(link)
    assert page.status_code == 200 and booking.name in page.get_data(as_text=True)
    text = page.get_data(as_text=True)
    assert "window.print()" in text and "取り消す" not in text  # no forms on the printout
    assert "出力: operator 職員" in text
    entry = newest(db)
    assert log_count(db) == before + 1
    assert (entry.action, entry.username, entry.record_type, entry.record_id) == (
        "print", "operator1", "booking", str(booking.id))
    assert team_client.get(link).status_code == 403
    assert log_count(db) == before + 1


def test_the_change_page_names_the_person_and_is_logged_as_a_view(
        app, operator_client, team_client, db, season):
    """The change page shows the caller's name: opening it is a view of personal data."""
    booking = make_booking(db, season, make_user(db, "operator", "op-change").id)
    before = log_count(db)
    page = operator_client.get(f"/operator/bookings/{booking.id}/change")
    assert page.status_code == 200 and booking.name in page.get_data(as_text=True)
    entry = newest(db)
    assert log_count(db) == before + 1
    assert (entry.action, entry.username, entry.record_type, entry.record_id) == (
        "view", "operator1", "booking", str(booking.id))
    assert team_client.get(f"/operator/bookings/{booking.id}/change").status_code == 403
    assert log_count(db) == before + 1


# --- reports -----------------------------------------------------------------------------------

def test_report_page_and_xlsx_count_bookings_visits_towns_and_age_bands(
        app, manager_client, db, season):
    from app.calls.operations import log_call
    from app.routesheets.outcomes import record_outcome

    user = make_user(db, "manager", "m-report")
    visited = make_booking(db, season, user.id)
    not_home = make_booking(db, season, user.id, half="pm")
    cancelled = make_booking(db, season, user.id, half="pm")
    from app.bookings.operations import cancel

    cancel(db, season, cancelled, "都合", user.id, today=TODAY)
    record_outcome(db, visited, "visited", 3, "", user, visited.visit_date)
    record_outcome(db, not_home, "not_home", None, "", user, not_home.visit_date)
    log_call(db, season.id, user.id, "booking", None)
    db.commit()
    page = manager_client.get("/manager/reports/").get_data(as_text=True)
    assert re.search(r'data-total="bookings">3<', page)
    assert re.search(r'data-total="visited">1<', page)
    assert re.search(r'data-total="applications">3<', page)
    assert re.search(r'data-total="not_home">1<', page)
    assert re.search(r'data-total="cancelled">1<', page)
    assert re.search(r'data-total="calls">1<', page)
    facility_days = sum(1 for d in season.visit_days if d.kind == "facility")
    assert re.search(rf'data-total="facility_days">{facility_days}<', page)
    assert "稲穂" in page and "85〜89歳" in page and 'class="bar visited"' in page
    # the bars are plain HTML (the page's only scripts are base.html's own)
    assert "<script" not in page.split("<main ", 1)[1].split("</main>", 1)[0]
    assert "/operator/calls/weekly" in page

    xlsx = manager_client.get("/manager/reports/report.xlsx")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["集計", "月別", "町名別", "年齢階級別", "週別受電件数", "御意見"]
    summary = {row[0]: row[1] for row in book["集計"].iter_rows(min_row=2, values_only=True)}
    assert (summary["予約受付件数"], summary["訪問済"], summary["申請受付件数"], summary["不在"]) == (
        3, 1, 3, 1)
    towns = {row[0]: row for row in book["町名別"].iter_rows(min_row=2, values_only=True)}
    assert towns["稲穂"][1] == 3
    ages = {row[0]: row for row in book["年齢階級別"].iter_rows(min_row=2, values_only=True)}
    assert ages["85〜89歳"][4] == 1  # visited
    assert book["週別受電件数"]["A1"].value.endswith("週別受電件数")
