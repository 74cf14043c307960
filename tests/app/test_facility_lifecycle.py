"""The seams between facility visits, route sheets and the personal-data lifecycle:

- the applicant list travels in the weekly hand-over package of its visit's week, and the
  share date is recorded on the facility's visit parts;
- the visit team records a facility visit's outcome on the route sheet, which marks the
  facility visited and feeds the reports and the deletion;
- after the visit is done and shared, the list is purged like a home booking (no resident's
  name left in the SQLite file; counts, deletion-proof rows and handling-log rows stay);
- the route-sheet PDF gives a facility stop its own layout, with the agreed time;
- the agreed time is set on the facility page (HH:MM, 09:00-17:00);
- old call-log notes are purged with the season's deletions; the weekly counts stay.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import pyzipper
from openpyxl import load_workbook
from sqlalchemy import select

from app import create_app, migrate
from app.calls.models import CallRecord
from app.calls.operations import log_call, weekly_counts
from app.facilities import scheduling
from app.facilities.applicant_list import validate
from app.facilities.models import FacilityApplicant, FacilityRequest, FacilityVisit
from app.facilities.operations import store_applicant_list
from app.privacy import deletion, handover
from app.privacy.models import HandlingLogEntry
from app.privacy.operations import RECORD_TYPE_LABELS
from app.reports.summary import season_report
from app.routesheets.outcomes import OutcomeProblem, record_facility_outcome
from app.routesheets.sheet import build_route_sheet
from tests.app.test_deletion import raw_bytes
from tests.app.test_facilities import TODAY, make_facility
from tests.app.test_facility_lists import HEADER
from tests.app.test_route_sheets import needs_poppler, pdf_text
from tests.conftest import PASSWORD, Client, make_user, store_season

CITY = "mynumber@city.otaru.example.jp"
RESIDENTS = [
    ["施設入所 梅子", "小樽市稲穂2丁目7-7 緑の丘ホーム302", "1933-02-03", "はい", "はい", "はい",
     "紛失のため再申請", "右手が不自由（秘密の状態）"],
    ["施設入所 松男", "小樽市稲穂2丁目7-7 緑の丘ホーム105", "昭和10年5月6日", "いいえ", "いいえ",
     "いいえ", "", ""],
]
SECRETS = ("施設入所 梅子", "施設入所 松男", "緑の丘ホーム302", "緑の丘ホーム105", "1933-02-03",
           "紛失のため再申請", "右手が不自由（秘密の状態）", "施設 担当", "当日メモ（梅子さん体調）")


def scheduled_facility(db, season, user, applicants: int = 8) -> FacilityRequest:
    facility = make_facility(db, season, user, applicants)
    offer = scheduling.facility_offers(db, season, facility, TODAY).offers[0]
    scheduling.schedule(db, season, facility, offer.key, user, TODAY)
    db.flush()
    return facility


def with_list(db, facility: FacilityRequest, user) -> FacilityRequest:
    rows = validate([HEADER, *RESIDENTS], 20, TODAY)
    store_applicant_list(db, facility, rows, user, "list.xlsx")
    return facility


def release_week(db, record, week: dt.date, preparer, approver, today: dt.date) -> handover.Release:
    allowed = (CITY,)
    package = handover.prepare(db, record, week, CITY, allowed, preparer)
    handover.approve(db, package, approver, True, allowed)
    return handover.release(db, record, package, preparer, "download", allowed, None, today)


@pytest.fixture
def managers(db):
    return make_user(db, "manager", "mgr-a"), make_user(db, "manager", "mgr-b")


def part_of(facility: FacilityRequest) -> FacilityVisit:
    return next(v for v in facility.visits if v.status == "booked")


# --- 1. the hand-over -----------------------------------------------------------------------


def test_the_applicant_list_goes_in_the_package_of_its_visit_week(db, season, managers):
    preparer, approver = managers
    facility = scheduled_facility(db, season, preparer)
    week = handover.week_start(part_of(facility).visit_date)
    status = next(w for w in handover.week_statuses(db, season, TODAY) if w.week_start == week)
    assert (status.facility_lists, status.status) == (0, "none")  # no list yet: nothing to send
    with pytest.raises(handover.HandoverError, match="申請者リスト"):
        handover.prepare(db, season, week, CITY, (CITY,), preparer)

    with_list(db, facility, preparer)
    status = next(w for w in handover.week_statuses(db, season, TODAY) if w.week_start == week)
    assert (status.facility_lists_unshared, status.status) == (1, "due")
    released = release_week(db, season, week, preparer, approver, TODAY)
    assert released.package.facility_ids == [facility.id]
    with pyzipper.AESZipFile(io.BytesIO(released.archive)) as z:
        z.setpassword(released.password.encode())
        names = z.namelist()
        listed = [n for n in names if n.startswith("shinseisha_list_")]
        assert listed == [f"shinseisha_list_{week.isoformat()}_F{facility.id}.xlsx"]
        sheet = load_workbook(io.BytesIO(z.read(listed[0]))).active
    values = [c for row in sheet.iter_rows(values_only=True) for c in row]
    assert "施設入所 梅子" in values and "小樽市稲穂2丁目7-7 緑の丘ホーム105" in values
    assert all(v.shared_on == TODAY for v in facility.visits if v.status == "booked")
    assert facility.events[-1].action == "list_shared"
    rows = db.scalars(select(HandlingLogEntry).where(HandlingLogEntry.action == "export")
                      .order_by(HandlingLogEntry.id)).all()
    assert [(r.record_type, r.record_id) for r in rows[-2:]] == [
        ("facility_applicants", str(facility.id)), ("handover_package", str(released.package.id))]
    status = next(w for w in handover.week_statuses(db, season, TODAY) if w.week_start == week)
    assert (status.facility_lists_shared, status.status) == (1, "sent")

    # A list uploaded again is a new list: unshared until the next package.
    with_list(db, facility, preparer)
    assert all(v.shared_on is None for v in facility.visits)
    status = next(w for w in handover.week_statuses(db, season, TODAY) if w.week_start == week)
    assert status.status == "due"


def test_the_dashboard_offers_a_package_for_a_week_with_only_a_facility_list(
        app, manager_client, db, season):
    app.config["HANDOVER_RECIPIENTS"] = (CITY,)
    user = make_user(db, "manager", "mgr-dash")
    facility = with_list(db, scheduled_facility(db, season, user), user)
    db.commit()
    week = handover.week_start(part_of(facility).visit_date).isoformat()
    page = manager_client.get("/manager/privacy/handover").get_data(as_text=True)
    row = page.split(f'data-week="{week}"')[1].split("</tr>")[0]
    assert "施設の申請者リスト1件でパッケージを作成" in row
    response = manager_client.post_form(f"/manager/privacy/handover/{week}/prepare",
                                        {"recipient": CITY})
    assert response.status_code == 302
    page = manager_client.get("/manager/privacy/handover").get_data(as_text=True)
    assert f"福祉施設の申請者リスト F{facility.id}" in page


# --- 3. the outcome on the route sheet ------------------------------------------------------


def outcome_form(visit_id: int, outcome: str | None, taken: str = "", notes: str = "") -> dict:
    data = {f"f{visit_id}-applications_taken": taken, f"f{visit_id}-notes": notes}
    if outcome:
        data[f"f{visit_id}-outcome"] = outcome
    return data


def test_the_team_records_a_facility_outcome_on_the_route_sheet(app, team_client, db, season):
    user = make_user(db, "manager", "mgr-out")
    facility = scheduled_facility(db, season, user)
    visit = part_of(facility)
    db.commit()
    sheet_url = f"/team/days/{visit.visit_date.isoformat()}/{visit.team}"
    url = f"{sheet_url}/facility-outcome/{visit.id}"

    before = team_client.post_form(url, outcome_form(visit.id, "visited", "7"))
    assert before.status_code == 422
    assert "より前には結果を記録できません" in before.get_data(as_text=True)

    app.config["APP_TODAY"] = visit.visit_date
    page = team_client.get(sheet_url).get_data(as_text=True)
    assert f'id="stop-f{visit.id}"' in page and f'name="f{visit.id}-outcome"' in page
    bad = team_client.post_form(url, outcome_form(visit.id, "visited", "", "メモ"))
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert ">訪問済の場合は申請受付件数を入力してください。<" in text  # the label once
    assert "メモ</textarea>" in text  # the input is kept
    too_many = team_client.post_form(url, outcome_form(visit.id, "visited", "99"))
    assert too_many.status_code == 422 and "申請受付件数は0〜20の数字" in too_many.get_data(as_text=True)
    cancelled_with_count = team_client.post_form(url, outcome_form(visit.id, "cancelled", "3"))
    assert "当日取消の場合、申請受付件数は0件です" in cancelled_with_count.get_data(as_text=True)

    ok = team_client.post_form(url, outcome_form(visit.id, "visited", "7", "2名は体調不良で次回"))
    assert ok.status_code == 302 and ok.headers["Location"].endswith(f"#stop-f{visit.id}")
    db.refresh(visit)
    db.refresh(facility)
    assert (visit.status, visit.applications_taken, visit.visit_completed_on) == (
        "visited", 7, visit.visit_date)
    assert visit.outcome_notes == "2名は体調不良で次回"
    assert facility.status == "visited"
    entry = db.scalar(select(HandlingLogEntry).order_by(HandlingLogEntry.id.desc()).limit(1))
    assert (entry.action, entry.record_type, entry.record_id) == (
        "change", "facility_visit", str(visit.id))
    page = team_client.get(sheet_url).get_data(as_text=True)
    assert "訪問済 7件" in page and "2名は体調不良で次回" in page
    report = season_report(db, season, visit.visit_date)
    assert (report.total.facility_visited, report.total.facility_applications) == (1, 7)

    # Corrected to cancelled on the day: stays on the sheet, the facility is not visited.
    fixed = team_client.post_form(url, outcome_form(visit.id, "cancelled", "", "施設で感染症"))
    assert fixed.status_code == 302
    db.refresh(facility)
    assert (visit.status, visit.applications_taken, facility.status) == ("cancelled", 0, "scheduled")
    sheet = build_route_sheet(db, season, visit.visit_date, visit.team)
    stop = next(s for s in sheet.stops if s.kind == "facility")
    assert (stop.status_label, stop.outcome_recorded) == ("当日取消", True)
    assert [e.action for e in facility.events if e.action.startswith("outcome")] == [
        "outcome", "outcome_fixed"]
    fixed_report = season_report(db, season, visit.visit_date)
    assert fixed_report.total.facility_visited == 0
    assert fixed_report.total.facility_cancelled_on_day == 1  # beside the home 当日取消


def test_a_part_cancelled_beforehand_takes_no_outcome(db, season):
    user = make_user(db, "manager", "mgr-before")
    facility = scheduled_facility(db, season, user)
    visit = part_of(facility)
    scheduling.unschedule(db, facility, "施設の都合", user)
    with pytest.raises(OutcomeProblem, match="訪問日より前に取り消されている"):
        record_facility_outcome(db, visit, "visited", 3, "", user, visit.visit_date)


# --- 2 and 4. the PDF and the agreed time ---------------------------------------------------


def test_the_agreed_time_form_checks_the_format_and_the_range(manager_client, db, season):
    user = make_user(db, "manager", "mgr-time")
    facility = scheduled_facility(db, season, user)
    visit = part_of(facility)
    db.commit()
    url = f"/manager/facilities/{facility.id}/visits/{visit.id}/time"
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert f'action="{url}"' in page
    for value, reason in (("10時半", "10:30 のように「時:分」で入力してください"),
                          ("25:00", "「時:分」で入力してください"),
                          ("8:30", "09:00〜17:00 の間で入力してください（入力値: 08:30）"),
                          ("17:01", "09:00〜17:00 の間で入力してください")):
        response = manager_client.post_form(url, {"agreed_time": value})
        text = response.get_data(as_text=True)
        assert response.status_code == 422, value
        assert ">施設と調整した訪問時刻は" in text and reason in text, value
        db.refresh(visit)
        assert visit.agreed_time is None
    ok = manager_client.post_form(url, {"agreed_time": "１０：３０"})
    assert ok.status_code == 302
    db.refresh(visit)
    assert (visit.agreed_time, visit.eta) == ("10:30", visit.eta)
    assert facility.events[-1].action == "time_agreed"
    cleared = manager_client.post_form(url, {"agreed_time": ""})
    assert cleared.status_code == 302
    db.refresh(visit)
    assert visit.agreed_time is None


@needs_poppler
def test_the_pdf_prints_a_facility_stop_in_its_own_layout(app, team_client, db, season, tmp_path):
    user = make_user(db, "manager", "mgr-pdf")
    facility = scheduled_facility(db, season, user, applicants=12)
    visit = part_of(facility)
    scheduling.set_agreed_time(db, visit, "10:30" if visit.half == "am" else "14:30", user)
    from app.facilities import checklist

    checklist.save(db, facility, {"procedure": "b", "power": "食堂のコンセント"}, user)
    db.commit()
    sheet_url = f"/team/days/{visit.visit_date.isoformat()}/{visit.team}"
    sheet = build_route_sheet(db, season, visit.visit_date, visit.team)
    stop = next(s for s in sheet.stops if s.kind == "facility")
    agreed = visit.agreed_time
    assert (stop.told, stop.agreed_time, stop.arrival) == (visit.eta, agreed, agreed)
    page = team_client.get(sheet_url).get_data(as_text=True)
    assert f'計画 <strong class="told">{visit.eta}</strong>' in page
    assert f'施設と調整 <strong class="agreed">{agreed}</strong>' in page

    text = pdf_text(tmp_path, team_client.get(sheet_url + "/sheet.pdf").data)
    joined = text.replace("\n", "")
    assert "様（" not in text and "受付番号 None" not in text
    # (the planned time, the largest text of its cell, may share the number's line)
    assert re.search(rf"\n{stop.number}[\n ]計画 {re.escape(visit.eta)}\n施設と調整 {agreed}\n"
                     rf"到着見込 {agreed}\n", text)
    assert "緑の丘ホーム（福祉施設）" in joined
    assert "担当 施設 担当" in joined and "申請予定 12人" in joined
    assert "申請者リスト: 未提出" in joined
    assert "手順・動線・タイムスケジュール: b:" in joined
    assert "申請書の記入場所・電源の借用: 食堂のコンセント" in joined
    assert "□ 当日取消" in joined and "□ 不在" not in joined

    with_list(db, facility, user)
    db.commit()
    text = pdf_text(tmp_path, team_client.get(sheet_url + "/sheet.pdf").data).replace("\n", "")
    assert "申請者リスト: 受領済（2名）" in text


# --- 1 (cont.). deletion after the visit -----------------------------------------------------


@pytest.fixture
def file_app(fresh_database_url, otaru_calendar):
    url = fresh_database_url("sqlite")
    app = create_app("testing", {"DATABASE_URL": url, "APP_TODAY": TODAY})
    with app.app_context():
        migrate.upgrade(app.extensions["db"].engine)
    yield app, Path(url.removeprefix("sqlite:///"))
    app.extensions["db"].engine.dispose()


def test_after_the_visit_no_resident_of_the_list_is_left_in_the_database_file(
        file_app, otaru_calendar):
    app, path = file_app
    database = app.extensions["db"]
    with app.app_context():
        db = database.session()
        preparer = make_user(db, "manager", "mgr1")
        approver = make_user(db, "manager", "mgr2")
        record = store_season(db, otaru_calendar)
        facility = with_list(db, scheduled_facility(db, record, preparer), preparer)
        db.commit()
        visit = part_of(facility)
        day = visit.visit_date
        release_week(db, record, handover.week_start(day), preparer, approver, TODAY)
        db.commit()
        state = deletion.facility_deletion_state(facility, day, 7)
        assert state.state == "active"  # the visit is today: no outcome yet
        record_facility_outcome(db, visit, "visited", 2, "当日メモ（梅子さん体調）", approver, day)
        db.commit()
        facility_id, record_id = facility.id, record.id
        database.session.remove()

    before = raw_bytes(path)
    for secret in SECRETS:
        assert secret.encode() in before, f"the scan must see {secret} before the deletion"

    with app.app_context():
        db = database.session()
        manager = db.scalar(select(type(preparer)).where(type(preparer).username == "mgr1"))
        after = day + dt.timedelta(days=1)
        done = deletion.purge_season(db, record_id, manager, after, 7)
        assert [f.id for f in done.facilities] == [facility_id] and done.bookings == []
        db.commit()
        database.session.remove()
    database.engine.dispose()

    data = raw_bytes(path)
    for secret in SECRETS:
        assert secret.encode() not in data, f"{secret!r} is still in the database file"

    with app.app_context():
        db = database.session()
        facility = db.get(FacilityRequest, facility_id)
        assert facility.personal_data_deleted_on == after and facility.contact_person is None
        rows = db.scalars(select(FacilityApplicant).where(
            FacilityApplicant.facility_id == facility_id)).all()
        assert len(rows) == 2  # the count stays
        assert all((r.name, r.address, r.birth_date, r.other) == (None,) * 4 for r in rows)
        assert sorted(r.age_band for r in rows) == ["90〜94歳", "90〜94歳"]
        assert sum(r.needs_proxy_writer for r in rows) == 1
        visit = next(v for v in facility.visits if v.status == "visited")
        assert (visit.applications_taken, visit.outcome_notes) == (2, None)
        report = season_report(db, _season(db, record_id), after)
        assert (report.total.facility_visited, report.total.facility_applications) == (1, 2)
        # The residents' age bands outlive their dates of birth (stored at deletion).
        assert (report.total.facility_applicants, report.facility_applicants_no_dob) == (2, 0)
        records = deletion.deletion_records(db, record_id)
        assert [(r.receipt_no, r.deleted_on, r.deleted_by) for r in records] == [
            (f"F{facility_id} 緑の丘ホーム", after, "manager 職員（mgr1）")]
        row = deletion.report_row(records[0])
        assert "申請者リストの氏名" in row[8] and row[2] == "訪問済（申請 2件）"
        entry = db.scalar(select(HandlingLogEntry).where(HandlingLogEntry.action == "delete"))
        assert (entry.record_type, entry.record_id) == ("facility_applicants", str(facility_id))
        assert RECORD_TYPE_LABELS[entry.record_type] == "福祉施設の申請者リスト"
        # A list cannot be uploaded again after the purge.
        from app.facilities.operations import FacilityError

        with pytest.raises(FacilityError, match="削除済み"):
            store_applicant_list(db, facility, [], db.get(type(manager), 1), "again.xlsx")
        database.session.remove()


def _season(db, record_id: int):
    from app.seasons.models import SeasonRecord

    return db.get(SeasonRecord, record_id)


def test_facility_deletion_waits_for_every_part_and_the_hand_over(db, season, managers):
    preparer, approver = managers
    facility = with_list(db, scheduled_facility(db, season, preparer, applicants=21), preparer)
    parts = sorted((v for v in facility.visits if v.status == "booked"),
                   key=lambda v: (v.visit_date, v.half))
    assert len(parts) == 2
    last = parts[-1].visit_date
    record_facility_outcome(db, parts[0], "visited", 10, "", preparer, parts[0].visit_date)
    after = last + dt.timedelta(days=1)
    assert deletion.facility_deletion_state(facility, after, 7).state == "waiting_outcome"
    record_facility_outcome(db, parts[1], "cancelled", None, "", preparer, last)
    assert facility.status == "visited"
    assert deletion.facility_deletion_state(facility, after, 7).state == "waiting_share"
    with pytest.raises(ValueError):
        deletion.purge_facility(db, facility, preparer, after)
    release_week(db, season, handover.week_start(parts[0].visit_date), preparer, approver, TODAY)
    state = deletion.facility_deletion_state(facility, after + dt.timedelta(days=7), 7)
    assert (state.state, state.eligible_from, state.overdue) == ("eligible", last, True)
    assert deletion.overdue_facilities(db, season.id, after + dt.timedelta(days=7), 7)


def test_the_deletions_page_runs_the_facility_purge_and_lists_it(app, manager_client, db, season):
    user = make_user(db, "manager", "mgr-page")
    other = make_user(db, "manager", "mgr-page2")
    facility = with_list(db, scheduled_facility(db, season, user), user)
    visit = part_of(facility)
    release_week(db, season, handover.week_start(visit.visit_date), user, other, TODAY)
    record_facility_outcome(db, visit, "visited", 2, "", user, visit.visit_date)
    db.commit()
    app.config["APP_TODAY"] = visit.visit_date + dt.timedelta(days=1)
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert f'data-facility="{facility.id}"' in page.split('id="facility-deletion-eligible"')[1]
    response = manager_client.post_form("/manager/privacy/deletions/run", {"confirm": "y"})
    assert response.status_code == 302
    db.refresh(facility)
    assert facility.personal_data_deleted_on == visit.visit_date + dt.timedelta(days=1)
    assert all(a.name is None for a in facility.applicants)
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert f"F{facility.id} 緑の丘ホーム" in page
    xlsx = manager_client.get("/manager/privacy/deletions.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(3, 1).value == f"F{facility.id} 緑の丘ホーム"
    listing = manager_client.get(f"/manager/facilities/{facility.id}/applicants")
    assert "施設入所" not in listing.get_data(as_text=True)


# --- 5. call-log notes ------------------------------------------------------------------------


def test_old_call_notes_are_purged_and_the_weekly_counts_stay(app, manager_client, db, season):
    user = make_user(db, "operator", "op-notes")
    old = log_call(db, season.id, user.id, "question", "稲穂の田中様 0134-55-6677 折り返し希望")
    old.received_at = dt.datetime(2026, 5, 20, 3, 0)
    fresh = log_call(db, season.id, user.id, "booking", "最近のメモ")
    fresh.received_at = dt.datetime(2026, 5, 31, 3, 0)
    bare = log_call(db, season.id, user.id, "other", None)
    bare.received_at = dt.datetime(2026, 5, 19, 3, 0)
    db.commit()
    counts = [(w.week_start, w.counts) for w in weekly_counts(db, season.id)]
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert re.search(r'id="call-notes-due">[^<]*<strong>1</strong>', page)
    assert manager_client.post_form("/manager/privacy/deletions/run",
                                    {"confirm": "y"}).status_code == 302
    db.refresh(old)
    db.refresh(fresh)
    assert (old.note, fresh.note, old.kind) == (None, "最近のメモ", "question")
    assert db.scalar(select(CallRecord).where(CallRecord.id == bare.id)) is not None
    assert [(w.week_start, w.counts) for w in weekly_counts(db, season.id)] == counts
    entry = db.scalar(select(HandlingLogEntry).where(HandlingLogEntry.record_type == "call_notes"))
    assert entry.action == "delete" and f"通話ID {old.id}" in entry.detail
    assert "田中" not in entry.detail
    assert RECORD_TYPE_LABELS["call_notes"] == "通話記録のメモ"


def test_new_record_types_have_labels():
    for record_type in ("facility_applicants", "facility_visit", "call_notes", "booking",
                        "route_sheet", "handover_package", "reception_list"):
        assert record_type in RECORD_TYPE_LABELS


def test_only_team_and_manager_record_facility_outcomes(app, db, season):
    user = make_user(db, "manager", "mgr-role")
    facility = scheduled_facility(db, season, user)
    visit = part_of(facility)
    db.commit()
    app.test_client_class = Client
    client = app.test_client()
    make_user(db, "operator", "op-role")
    assert client.login("op-role", PASSWORD).status_code == 302
    url = f"/team/days/{visit.visit_date.isoformat()}/{visit.team}/facility-outcome/{visit.id}"
    assert client.post_form(url, outcome_form(visit.id, "visited", "1")).status_code == 403
