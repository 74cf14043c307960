"""Deleting personal data after the visit (issue 8 §2, SPEC §9): when a booking becomes due,
the purge leaves no trace of the values in the SQLite file, the reception list and the
deletion-proof report record it, the reports still count the visit, and the daily check
lists what is overdue."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select, text

from app import create_app, migrate
from app.auth.models import User
from app.bookings.models import Booking
from app.bookings.operations import Slot, cancel, reserve
from app.calls.models import CallRecord
from app.privacy import deletion, handover
from app.privacy.models import HandlingLogEntry
from app.reports.summary import season_report
from app.routesheets.outcomes import record_outcome
from solver.season import SeasonConfig
from tests.app.test_bookings_reserve import TODAY, first_home_day, intake, make_booking
from tests.conftest import PASSWORD, Client, make_user, store_season

NAME = "削除確認 花子"
KANA = "サクジョカクニン ハナコ"
PHONE = "0134-99-8765"
ADDRESS = "小樽市稲穂2丁目9-87 削除荘"
NOTES = "玄関の鍵は植木鉢の下（秘密メモ）"
CANCEL_REASON = "入院のため取消（秘密の理由）"


def secret_intake(name: str = NAME, phone: str = PHONE):
    from dataclasses import replace

    return replace(intake(name=name), name_kana=KANA, phone=phone, address=ADDRESS,
                   caller_relationship="family", caller_name="削除確認 一郎",
                   caller_phone="090-9999-1111", eligibility_detail="寝たきりで外出困難",
                   details={"visit_notes": "犬がいます（秘密）"})


def share(db, record, booking: Booking, preparer, approver, today: dt.date) -> None:
    """The real hand-over: prepare, second-person approval, release (download)."""
    week = handover.week_start(booking.visit_date)
    allowed = ("city@example.jp",)
    package = handover.prepare(db, record, week, "city@example.jp", allowed, preparer)
    handover.approve(db, package, approver, True, allowed)
    handover.release(db, record, package, preparer, "download", allowed, None, today)


@pytest.fixture
def file_app(fresh_database_url, otaru_calendar):
    """An app on its own SQLite file, with real commits (no rolled-back test transaction)."""
    url = fresh_database_url("sqlite")
    app = create_app("testing", {"DATABASE_URL": url, "APP_TODAY": TODAY})
    with app.app_context():
        migrate.upgrade(app.extensions["db"].engine)
    yield app, Path(url.removeprefix("sqlite:///"))
    app.extensions["db"].engine.dispose()


def raw_bytes(path: Path) -> bytes:
    """The database file and any journal or WAL beside it."""
    data = path.read_bytes()
    for suffix in ("-wal", "-journal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            data += extra.read_bytes()
    return data


SECRETS = (NAME, KANA, PHONE, ADDRESS, NOTES, CANCEL_REASON, "削除確認 一郎", "090-9999-1111",
           "寝たきりで外出困難", "1940-04-01")


def test_after_deletion_no_personal_value_is_left_in_the_database_file(file_app, otaru_calendar):
    app, path = file_app
    database = app.extensions["db"]
    with app.app_context():
        db = database.session()
        operator = make_user(db, "operator", "op1")
        preparer = make_user(db, "manager", "mgr1")
        approver = make_user(db, "manager", "mgr2")
        record = store_season(db, otaru_calendar)
        day = first_home_day(record, TODAY + dt.timedelta(days=SeasonConfig().rules.home_lead_days))
        visited = reserve(db, record, secret_intake(), Slot(day, "am", 1, 1), operator.id, TODAY)
        db.commit()
        cancelled = reserve(db, record, secret_intake("取消 太郎", "0134-11-2233"),
                            Slot(day, "pm", 1, 1), operator.id, TODAY)
        cancel(db, record, cancelled, CANCEL_REASON, operator.id)
        db.commit()
        share(db, record, visited, preparer, approver, TODAY)
        db.commit()
        record_outcome(db, visited, "visited", 2, NOTES, approver, day)
        db.commit()
        visited_id, cancelled_id, record_id = visited.id, cancelled.id, record.id
        database.session.remove()

    before = raw_bytes(path)
    for secret in (NAME, PHONE, NOTES, CANCEL_REASON, "取消 太郎"):
        assert secret.encode() in before, f"the scan must see {secret} before the deletion"

    with app.app_context():
        db = database.session()
        manager = db.scalar(select(preparer.__class__).where(preparer.__class__.username == "mgr1"))
        after_day = day + dt.timedelta(days=1)
        done = deletion.purge_eligible(db, record_id, manager, after_day)
        assert {b.id for b in done} == {visited_id, cancelled_id}
        db.commit()
        database.session.remove()
    database.engine.dispose()

    data = raw_bytes(path)
    for secret in (*SECRETS, "取消 太郎", "0134-11-2233"):
        assert secret.encode() not in data, f"{secret!r} is still in the database file"
        assert secret.encode("utf-16-le") not in data

    with app.app_context():
        db = database.session()
        row = db.get(Booking, visited_id)
        assert (row.name, row.phone, row.address, row.birth_date, row.details) == (None,) * 5
        assert row.personal_data_deleted_on == after_day
        assert row.town == "稲穂" and row.age_band == "85〜89歳"
        assert (row.status, row.applications_taken, row.applicants) == ("visited", 2, 1)
        assert row.shared_on == TODAY and row.visit_completed_on == day
        assert all(e.reason is None for e in row.history if e.action != "deleted")
        # The report still counts the visit, by town and age band.
        report = season_report(db, row.season_id and db.get(type(record), record_id), after_day)
        assert (report.total.visited, report.total.applications, report.total.cancelled) == (1, 2, 1)
        assert report.towns["稲穂"].visited == 1
        assert report.age_bands["85〜89歳"].applications == 2
        assert report.deleted == 2
        # The deletion-proof report names both, with who deleted them and when.
        records = deletion.deletion_records(db, record_id)
        assert [(r.receipt_no, r.deleted_on, r.deleted_by) for r in records] == [
            (1, after_day, "manager 職員（mgr1）"), (2, after_day, "manager 職員（mgr1）")]
        entries = db.scalars(select(HandlingLogEntry).where(HandlingLogEntry.action == "delete"))
        assert sorted(e.record_id for e in entries) == sorted([str(visited_id), str(cancelled_id)])
        database.session.remove()


def test_deletion_waits_for_the_outcome_and_the_hand_over(app, db, season):
    manager = make_user(db, "manager")
    booking = make_booking(db, season, manager.id)
    day = booking.visit_date
    assert deletion.deletion_state(booking, TODAY, 7).state == "active"
    assert deletion.deletion_state(booking, day + dt.timedelta(days=1), 7).state == "waiting_outcome"
    record_outcome(db, booking, "not_home", None, "", manager, day)
    state = deletion.deletion_state(booking, day + dt.timedelta(days=1), 7)
    assert state.state == "waiting_share"
    with pytest.raises(ValueError):
        deletion.purge(db, booking, manager, day + dt.timedelta(days=1))
    booking.shared_on = day - dt.timedelta(days=10)
    state = deletion.deletion_state(booking, day + dt.timedelta(days=8), 7)
    assert (state.state, state.eligible_from, state.due_by, state.overdue) == (
        "eligible", day, day + dt.timedelta(days=7), True)
    assert not deletion.deletion_state(booking, day + dt.timedelta(days=7), 7).overdue


def test_a_small_facility_booked_into_a_home_slot_is_deleted_with_its_booking(db, season):
    """A facility of 5 or fewer has no visit parts of its own: its applicant list follows the
    home booking it was visited through (kept for the visit, waiting for the outcome and the
    hand-over), and goes in the same deletion run (before, it was never due)."""
    from tests.app.facilities.test_mark_visited import home_booked

    manager, approver = make_user(db, "manager", "mgr-small"), make_user(db, "manager", "mgr-ok")
    facility, booking = home_booked(db, season, manager)
    facility.contact_person = "施設 担当者（秘密）"
    db.flush()
    day = booking.visit_date
    after = day + dt.timedelta(days=1)
    assert deletion.facility_deletion_state(facility, TODAY, 7).state == "active"
    assert deletion.facility_deletion_state(facility, after, 7).state == "waiting_outcome"
    record_outcome(db, booking, "visited", 3, "", manager, day)
    assert deletion.facility_deletion_state(facility, after, 7).state == "waiting_share"
    share(db, season, booking, manager, approver, after)
    state = deletion.facility_deletion_state(facility, after, 7)
    assert (state.state, state.eligible_from, state.due_by) == (
        "eligible", after, after + dt.timedelta(days=7))
    assert facility in [s.facility for s in deletion.facility_states(db, season.id, after, 7)]

    done = deletion.purge_season(db, season.id, manager, after, 30)
    db.flush()
    assert booking.personal_data_deleted_on == after
    assert facility.personal_data_deleted_on == after
    assert facility.contact_person != "施設 担当者（秘密）"
    assert facility.id in {f.id for f in done.facilities}


def test_a_shared_booking_cancelled_is_kept_until_the_city_has_the_cancellation(db, season):
    manager = make_user(db, "manager")
    booking = make_booking(db, season, manager.id)
    booking.shared_on = TODAY
    cancel(db, season, booking, CANCEL_REASON, manager.id, today=TODAY)
    after_day = booking.visit_date + dt.timedelta(days=30)
    assert deletion.deletion_state(booking, after_day, 7).state == "waiting_share"
    booking.shared_on = TODAY + dt.timedelta(days=1)  # the cancellation notice went out
    assert deletion.deletion_state(booking, after_day, 7).state == "eligible"


def test_daily_check_lists_overdue_deletions_on_the_cli_and_the_pages(
        app, manager_client, db, season):
    manager = make_user(db, "manager", "m-cli")
    booking = make_booking(db, season, manager.id)
    day = booking.visit_date
    record_outcome(db, booking, "visited", 1, "", manager, day)
    booking.shared_on = day - dt.timedelta(days=7)
    db.commit()
    later = day + dt.timedelta(days=app.config["PERSONAL_DATA_RETENTION_DAYS"] + 1)
    app.config["APP_TODAY"] = later
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "overdue"])
    assert result.exit_code == 1, result.output
    assert "削除期限超過: 1件" in result.output and f"受付番号 {booking.receipt_no}" in result.output
    assert "期限超過 <strong>1</strong>件" in manager_client.get("/manager/").get_data(as_text=True)
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert 'class="overdue"' in page

    # The page's button deletes it, after the confirmation tick.
    response = manager_client.post_form("/manager/privacy/deletions/run", {})
    assert response.status_code == 422
    assert "確認のチェックを入れてください" in response.get_data(as_text=True)
    assert booking.name is not None
    response = manager_client.post_form("/manager/privacy/deletions/run", {"confirm": "y"})
    assert response.status_code == 302
    db.refresh(booking)
    assert booking.name is None and booking.personal_data_deleted_on == later
    # The reception list shows the deletion date; the slip says 削除済.
    listing = manager_client.get("/operator/bookings/").get_data(as_text=True)
    row = listing.split(f'data-booking="{booking.id}"')[1].split("</tr>")[0]
    assert later.isoformat() in row
    assert "（削除済）" in manager_client.get(f"/operator/bookings/{booking.id}").get_data(as_text=True)
    result = runner.invoke(args=["privacy", "overdue"])
    assert result.exit_code == 0 and "削除期限超過: 0件" in result.output
    # The deletion-proof report, page and Excel.
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert "個人情報削除の記録（1件）" in page
    xlsx = manager_client.get("/manager/privacy/deletions.xlsx")
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet.cell(3, 1).value == booking.receipt_no
    assert sheet.cell(3, 6).value.date() == later
    assert "氏名" in sheet.cell(3, 9).value and sheet.cell(3, 8).value == "manager 職員（manager1）"


def test_cli_purge_needs_a_manager_and_deletes(app, db, season):
    manager = make_user(db, "manager", "m-purge")
    booking = make_booking(db, season, manager.id)
    record_outcome(db, booking, "visited", 1, "", manager, booking.visit_date)
    booking.shared_on = booking.visit_date
    db.commit()
    app.config["APP_TODAY"] = booking.visit_date + dt.timedelta(days=1)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["privacy", "purge", "--user", "nobody"])
    assert result.exit_code != 0 and "not an enabled manager" in result.output
    with issued_vacuums(app) as vacuums:
        result = runner.invoke(args=["privacy", "purge", "--user", "m-purge"])
    assert result.exit_code == 0, result.output
    assert f"受付番号 {booking.receipt_no}" in result.output
    db.refresh(booking)
    assert booking.name is None
    logged = vacuum_rows(db)
    if postgresql(app):
        assert vacuums == ["VACUUM bookings, booking_events"]
        assert [r.username for r in logged] == ["m-purge"]
        assert "VACUUM bookings, booking_events（" in result.output
        assert f"取扱記録No.{logged[0].id}" in result.output
    else:  # SQLite: secure_delete already zeroed the space; nothing more runs or is logged
        assert vacuums == [] and logged == [] and "VACUUM" not in result.output


def test_deletion_page_shows_status_labels_and_japan_time(app, manager_client, db, season):
    manager = make_user(db, "manager", "m-labels")
    visited = make_booking(db, season, manager.id, half="am")
    cancelled = make_booking(db, season, manager.id, half="pm")
    day = visited.visit_date
    record_outcome(db, visited, "visited", 1, "", manager, day)
    visited.shared_on = day
    cancel(db, season, cancelled, "都合が悪くなった", manager.id, today=TODAY)
    db.commit()
    app.config["APP_TODAY"] = day + dt.timedelta(days=1)

    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    table = page.split('id="deletion-eligible"')[1].split("</table>")[0]
    rows = {b.id: table.split(f'data-booking="{b.id}"')[1].split("</tr>")[0]
            for b in (visited, cancelled)}
    assert "<td>訪問済</td>" in rows[visited.id] and "<td>取消</td>" in rows[cancelled.id]
    assert "visited" not in table and "cancelled" not in table

    manager_client.post_form("/manager/privacy/deletions/run", {"confirm": "y"})
    entry = db.scalar(select(HandlingLogEntry).where(
        HandlingLogEntry.action == "delete", HandlingLogEntry.record_id == str(visited.id)))
    japan = (entry.at + dt.timedelta(hours=9)).strftime("%Y-%m-%d %H:%M")
    utc = entry.at.strftime("%Y-%m-%d %H:%M")
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    records = page.split('id="deletion-records"')[1].split("</table>")[0]
    assert "<th>削除日時</th>" in records and "UTC" not in records
    assert japan in records and utc not in records
    sheet = load_workbook(io.BytesIO(
        manager_client.get("/manager/privacy/deletions.xlsx").data)).active
    assert sheet.cell(2, 7).value == "削除日時"
    assert japan in [sheet.cell(row, 7).value for row in range(3, sheet.max_row + 1)]


# --- PostgreSQL: VACUUM after the deletion ------------------------------------------------------

def postgresql(app) -> bool:
    return app.extensions["db"].engine.dialect.name == "postgresql"


@contextlib.contextmanager
def issued_vacuums(app):
    """Every VACUUM statement sent to the app's database meanwhile."""
    engine = app.extensions["db"].engine
    seen: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("VACUUM"):
            seen.append(statement.replace('"', ""))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def vacuum_rows(db) -> list[HandlingLogEntry]:
    return list(db.scalars(select(HandlingLogEntry).where(
        HandlingLogEntry.record_type == deletion.VACUUM_RECORD).order_by(HandlingLogEntry.id)))


PERSONAL_TABLES = (*deletion.BOOKING_TABLES, *deletion.FACILITY_TABLES,
                   *deletion.CALL_NOTE_TABLES)


def vacuum_counts(engine, expected: dict[str, int] | None = None) -> dict[str, int]:
    """pg_stat_user_tables.vacuum_count (manual VACUUMs) of every personal-data table; with
    `expected`, waits up to 5 s for the statistics to show it (they may lag the VACUUM)."""
    deadline = time.monotonic() + 5
    while True:
        with engine.connect() as conn:
            counts = dict(conn.execute(text(
                "SELECT relname, vacuum_count FROM pg_stat_user_tables "
                "WHERE relname = ANY(:tables)"), {"tables": list(PERSONAL_TABLES)}).all())
        if expected is None or counts == expected or time.monotonic() > deadline:
            return counts
        time.sleep(0.1)


def test_the_deletion_page_vacuums_the_overwritten_tables_on_postgresql_only(
        app, manager_client, db, season):
    manager = make_user(db, "manager", "m-vacuum")
    booking = make_booking(db, season, manager.id)
    record_outcome(db, booking, "visited", 1, NOTES, manager, booking.visit_date)
    booking.shared_on = booking.visit_date
    db.commit()
    app.config["APP_TODAY"] = booking.visit_date + dt.timedelta(days=1)
    engine = app.extensions["db"].engine
    before = vacuum_counts(engine) if postgresql(app) else {}

    with issued_vacuums(app) as vacuums:
        response = manager_client.post_form("/manager/privacy/deletions/run", {"confirm": "y"})
    assert response.status_code == 302
    db.refresh(booking)
    assert booking.name is None
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    records = page.split('id="deletion-records"')[1].split("</table>")[0]
    logged = vacuum_rows(db)
    if not postgresql(app):
        assert vacuums == [] and logged == []
        assert f"方法: {deletion.METHOD}" in page and deletion.METHOD in records
        return
    # Exactly the tables the run overwrote, after its commit, and the log says so.
    assert vacuums == ["VACUUM bookings, booking_events"]
    expected = {**before, "bookings": before["bookings"] + 1,
                "booking_events": before["booking_events"] + 1}
    assert vacuum_counts(engine, expected) == expected
    assert [(r.username, r.action, r.record_id) for r in logged] == [
        ("manager1", "delete", str(season.id))]
    assert logged[0].detail.startswith("VACUUM bookings, booking_events（")
    assert f"方法: {deletion.METHOD_POSTGRESQL}" in page
    assert deletion.METHOD_VACUUMED.format(log_id=logged[0].id) in records
    log_page = manager_client.get("/manager/privacy/log").get_data(as_text=True)
    assert "削除した個人情報の古い行（VACUUM）" in log_page


@pytest.fixture
def pg_app(fresh_database_url, otaru_calendar):
    """An app on its own PostgreSQL database, with real commits (VACUUM only reclaims row
    versions that a committed deletion left dead)."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("PostgreSQL only (TEST_DATABASE_URL)")
    url = fresh_database_url("postgresql")
    app = create_app("testing", {"DATABASE_URL": url, "APP_TODAY": TODAY})
    with app.app_context():
        migrate.upgrade(app.extensions["db"].engine)
    yield app
    app.extensions["db"].engine.dispose()


def due_for_deletion(db, calendar) -> tuple[object, dt.date]:
    """A visited and shared booking and a cancelled one, both committed; the season and the
    day after the visit (when both are due)."""
    operator = make_user(db, "operator", "op1")
    preparer = make_user(db, "manager", "mgr1")
    approver = make_user(db, "manager", "mgr2")
    record = store_season(db, calendar)
    day = first_home_day(record, TODAY + dt.timedelta(days=SeasonConfig().rules.home_lead_days))
    visited = reserve(db, record, secret_intake(), Slot(day, "am", 1, 1), operator.id, TODAY)
    cancelled = reserve(db, record, secret_intake("取消 太郎", "0134-11-2233"),
                        Slot(day, "pm", 1, 1), operator.id, TODAY)
    cancel(db, record, cancelled, CANCEL_REASON, operator.id)
    db.commit()
    share(db, record, visited, preparer, approver, TODAY)
    record_outcome(db, visited, "visited", 2, NOTES, approver, day)
    db.commit()
    return record, day + dt.timedelta(days=1)


def row_versions_holding(engine, table: str, value: str) -> int:
    """How many row versions of `table`, live or dead, hold `value` (pageinspect reads every
    tuple on every page, as VACUUM would find them)."""
    with engine.connect() as conn:
        return conn.execute(text(
            "SELECT count(*) FROM generate_series(0, (pg_relation_size(CAST(:t AS regclass)) / "
            "current_setting('block_size')::int - 1)::int) AS block, "
            "LATERAL heap_page_items(get_raw_page(CAST(:t AS text), block)) AS item "
            "WHERE position(:v IN item.t_data) > 0"), {"t": table, "v": value.encode()}).scalar()


def dead_row_versions(engine, table: str) -> int:
    """Dead row versions in `table`, counted on its pages (pgstattuple), not from the
    statistics, which the deleting session reports only later."""
    with engine.connect() as conn:
        return conn.execute(text("SELECT dead_tuple_count FROM pgstattuple(CAST(:t AS regclass))"),
                            {"t": table}).scalar()


@pytest.fixture
def inspectable(pg_app):
    """pg_app with pageinspect and pgstattuple, to read the table pages themselves."""
    engine = pg_app.extensions["db"].engine
    with engine.connect() as conn:
        try:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
            conn.commit()
        except Exception as exc:  # not a superuser, or no contrib modules on this server
            pytest.skip(f"pageinspect/pgstattuple unavailable: {exc}")
    return pg_app


HELD = (("bookings", NAME), ("bookings", PHONE), ("bookings", NOTES), ("bookings", "取消 太郎"),
        ("booking_events", CANCEL_REASON))


def test_on_postgresql_the_vacuum_removes_the_old_row_versions_holding_the_values(
        inspectable, otaru_calendar):
    database = inspectable.extensions["db"]
    engine = database.engine
    with inspectable.app_context():
        db = database.session()
        record, after_day = due_for_deletion(db, otaru_calendar)
        manager = db.scalar(select(User).where(User.username == "mgr1"))
        done = deletion.purge_season(db, record.id, manager, after_day, 7)
        assert len(done.bookings) == 2 and done.tables == deletion.BOOKING_TABLES
        db.commit()
        # Committed, the live rows hold nothing; the dead row versions still do.
        for table, value in HELD:
            assert row_versions_holding(engine, table, value) > 0, (table, value)
        assert dead_row_versions(engine, "bookings") > 0
        assert dead_row_versions(engine, "booking_events") > 0

        entry = deletion.vacuum_purged(db, engine, done.tables, manager, record.id)
        db.commit()
        for table, value in HELD:
            assert row_versions_holding(engine, table, value) == 0, (table, value)
        assert dead_row_versions(engine, "bookings") == 0
        assert dead_row_versions(engine, "booking_events") == 0
        # The deletion-proof report names the VACUUM's log row for both bookings.
        methods = {r.method for r in deletion.deletion_records(db, record.id)}
        assert methods == {deletion.METHOD_VACUUMED.format(log_id=entry.id)}
        database.session.remove()


@pytest.mark.parametrize("via", ["cli", "page"])
def test_a_deletion_run_leaves_no_dead_row_version_on_postgresql(
        inspectable, otaru_calendar, via):
    """`flask privacy purge` and the page's button, on a database with real commits: the
    VACUUM must come after the deletion's commit to find the old versions dead."""
    database = inspectable.extensions["db"]
    engine = database.engine
    with inspectable.app_context():
        record, after_day = due_for_deletion(database.session(), otaru_calendar)
        database.session.remove()
    before = vacuum_counts(engine)
    inspectable.config["APP_TODAY"] = after_day
    if via == "cli":
        result = inspectable.test_cli_runner().invoke(
            args=["privacy", "purge", "--user", "mgr1"])
        assert result.exit_code == 0, result.output
        assert "VACUUM bookings, booking_events（" in result.output
    else:
        inspectable.test_client_class = Client
        client: Client = inspectable.test_client()  # type: ignore[assignment]
        assert client.login("mgr1", PASSWORD).status_code == 302
        response = client.post_form("/manager/privacy/deletions/run", {"confirm": "y"})
        assert response.status_code == 302
    expected = {**before, "bookings": before["bookings"] + 1,
                "booking_events": before["booking_events"] + 1}
    assert vacuum_counts(engine, expected) == expected  # and no other table
    for table, value in HELD:
        assert row_versions_holding(engine, table, value) == 0, (table, value)
    assert dead_row_versions(engine, "bookings") == dead_row_versions(engine, "booking_events") == 0
    with inspectable.app_context():
        logged = vacuum_rows(database.session())
        assert [(r.username, r.record_id) for r in logged] == [("mgr1", str(record.id))]
        database.session.remove()


def test_a_record_waiting_for_its_outcome_past_the_deadline_is_flagged_overdue(
        app, manager_client, db, season):
    """A visit whose outcome (or hand-over) is never recorded cannot be deleted; once the
    retention period after the visit day has passed, the daily check and the page flag it,
    so the data are not kept for ever unnoticed."""
    manager = make_user(db, "manager", "m-stall")
    booking = make_booking(db, season, manager.id)
    retention = app.config["PERSONAL_DATA_RETENTION_DAYS"]
    due = booking.visit_date + dt.timedelta(days=retention)
    on_time = deletion.deletion_state(booking, due, retention)
    assert (on_time.state, on_time.due_by, on_time.overdue) == ("waiting_outcome", due, False)
    late = deletion.deletion_state(booking, due + dt.timedelta(days=1), retention)
    assert (late.state, late.overdue, late.stalled) == ("waiting_outcome", True, True)
    record_outcome(db, booking, "visited", 1, "", manager, booking.visit_date)
    waiting_share = deletion.deletion_state(booking, due + dt.timedelta(days=1), retention)
    assert (waiting_share.state, waiting_share.overdue) == ("waiting_share", True)
    db.commit()

    app.config["APP_TODAY"] = due
    runner = app.test_cli_runner()
    assert runner.invoke(args=["privacy", "overdue"]).exit_code == 0
    app.config["APP_TODAY"] = due + dt.timedelta(days=1)
    result = runner.invoke(args=["privacy", "overdue"])
    assert result.exit_code == 1, result.output
    assert f"受付番号 {booking.receipt_no}" in result.output and "（小樽市への共有待ち）" in result.output
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    waiting = page.split('id="deletion-waiting"')[1].split("</table>")[0]
    row = waiting.split(f'data-booking="{booking.id}"')[1].split("</tr>")[0]
    assert "期限超過" in row and 'class="overdue"' in waiting


def test_the_contract_end_erasure_deletes_everything_left_on_the_citys_instruction(
        app, manager_client, db, season):
    """特記事項第11: after the contract, on the city's instruction, every personal value left
    goes, including records the normal run would keep (no outcome recorded, not handed over)."""
    from app.calls.operations import log_call
    from tests.app.test_facility_lifecycle import scheduled_facility, with_list

    manager = make_user(db, "manager", "m-final")
    waiting = make_booking(db, season, manager.id)  # its outcome is never recorded
    facility = with_list(db, scheduled_facility(db, season, manager), manager)
    resident_names = {a.name for a in facility.applicants}
    log_call(db, season.id, manager.id, "question", "折返し 0134-00-0000 山田様")
    db.commit()
    last_day = max(d.date for d in season.visit_days)

    # Refused while visits remain, and without the city's instruction or the tick.
    app.config["APP_TODAY"] = last_day
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert 'id="final-erasure-closed"' in page
    assert "残っている個人情報をすべて削除する" in page.split('action="/manager/privacy/deletions/erase-all"')[1]
    assert " disabled>残っている個人情報をすべて削除する" in page
    refused = manager_client.post_form("/manager/privacy/deletions/erase-all",
                                       {"instruction": "12/1 市民課 指示", "confirm_erase": "y"})
    assert refused.status_code == 422 and "を過ぎるまでは全件消去できません" in refused.get_data(as_text=True)
    app.config["APP_TODAY"] = last_day + dt.timedelta(days=1)
    no_word = manager_client.post_form("/manager/privacy/deletions/erase-all",
                                       {"instruction": " ", "confirm_erase": "y"})
    assert no_word.status_code == 422
    assert "小樽市からの指示（日付・指示した方）を入力してください" in no_word.get_data(as_text=True)
    no_tick = manager_client.post_form("/manager/privacy/deletions/erase-all",
                                       {"instruction": "12/1 市民課 指示"})
    assert no_tick.status_code == 422 and "確認のチェック" in no_tick.get_data(as_text=True)
    db.refresh(waiting)
    assert waiting.name is not None and waiting.personal_data_deleted_on is None

    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert "うち通常の削除の条件を満たしていないもの" in page
    done = manager_client.post_form("/manager/privacy/deletions/erase-all",
                                    {"instruction": "12/1 市民課 佐藤様の指示", "confirm_erase": "y"})
    assert done.status_code == 302
    db.expire_all()
    assert waiting.name is None and waiting.phone is None and waiting.birth_date is None
    assert facility.personal_data_deleted_on is not None
    assert not resident_names & {a.name for a in facility.applicants}
    assert all(c.note is None for c in db.scalars(select(CallRecord)))
    rows = db.scalars(select(HandlingLogEntry).where(HandlingLogEntry.action == "delete")).all()
    booking_row = next(r for r in rows if r.record_type == "booking" and r.record_id == str(waiting.id))
    assert "委託者の指示: 12/1 市民課 佐藤様の指示" in booking_row.detail
    page = manager_client.get("/manager/privacy/deletions").get_data(as_text=True)
    assert "予約 <strong>0</strong>件・福祉施設 <strong>0</strong>件・通話メモ <strong>0</strong>件" in page
    assert deletion.remaining(db, season.id, last_day + dt.timedelta(days=1)).total == 0


def test_a_booking_cancelled_by_its_caller_is_due_from_the_cancellation_not_the_booked_day(
        db, season):
    """The purpose ended with the cancellation: its data are due from that day (before, they
    waited for the booked day, weeks later). A booking a re-plan cancelled keeps them until
    the booked day while its caller is still to be phoned."""
    from app.bookings.models import CAUSE_REPLAN, BookingEvent

    manager = make_user(db, "manager", "m-cancel")
    booking = make_booking(db, season, manager.id)
    cancel(db, season, booking, CANCEL_REASON, manager.id, today=TODAY)
    cancelled_on = booking.visit_date - dt.timedelta(days=20)
    booking.history[-1].at = dt.datetime.combine(cancelled_on, dt.time(3, 0))  # 12:00 in Japan
    db.flush()
    state = deletion.deletion_state(booking, cancelled_on, 7)
    assert (state.state, state.eligible_from, state.due_by) == (
        "eligible", cancelled_on, cancelled_on + dt.timedelta(days=7))
    assert deletion.deletion_state(booking, cancelled_on - dt.timedelta(days=1), 7).state == "active"

    moved_away = make_booking(db, season, manager.id)
    moved_away.status = "cancelled"
    moved_away.history.append(BookingEvent(
        user_id=manager.id, action="cancelled", cause=CAUSE_REPLAN, reason="再計画（訪問日の中止）",
        at=dt.datetime.combine(cancelled_on, dt.time(3, 0))))
    db.flush()
    assert deletion.deletion_state(moved_away, cancelled_on, 7).state == "active"
    assert deletion.deletion_state(moved_away, moved_away.visit_date, 7).state == "eligible"


def test_a_deletion_run_drops_the_travel_caches_keyed_by_precise_coordinates(db, season):
    """The process-wide travel service keeps matrices keyed by the visits' exact points; a
    deletion rounds them away in the database, so the run drops those caches too."""
    from routing import service_for

    config = SeasonConfig()
    manager, approver = make_user(db, "manager", "m-cache"), make_user(db, "manager", "m-ok2")
    booking = make_booking(db, season, manager.id)
    service = service_for(config.travel)
    point = (booking.lat, booking.lng)
    service.matrix([(config.depot.lat, config.depot.lng), point], booking.visit_date)
    assert any(point in key[0] for key in service._entries)
    day = booking.visit_date
    record_outcome(db, booking, "visited", 1, "", manager, day)
    share(db, season, booking, manager, approver, day)
    nothing = deletion.purge_season(db, season.id, manager, day - dt.timedelta(days=1), 7)
    assert nothing.total == 0 and service_for(config.travel) is service  # nothing deleted: kept
    done = deletion.purge_season(db, season.id, manager, day + dt.timedelta(days=1), 7)
    assert booking in done.bookings
    fresh = service_for(config.travel)
    assert fresh is not service and not any(point in key[0] for key in fresh._entries)
