"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, inspect, text

from app import migrate
from app.db import Base, make_engine
from tests.conftest import backends


@pytest.mark.parametrize("backend", backends())
def test_upgrade_empty_database_to_head_matches_the_models(backend, fresh_database_url):
    engine = make_engine(fresh_database_url(backend))
    try:
        assert inspect(engine).get_table_names() == []
        migrate.upgrade(engine)
        tables = set(inspect(engine).get_table_names())
        assert {"users", "seasons", "visit_days", "season_changes", "alembic_version"} <= tables
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_downgrade_to_base_and_upgrade_again(backend, fresh_database_url):
    engine = make_engine(fresh_database_url(backend))
    try:
        migrate.upgrade(engine)
        migrate.downgrade(engine, "base")
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        migrate.upgrade(engine)
        assert "users" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


# The events of one booking as 0009 stored them, and the cause 0010 gives each.
EVENTS_0009 = (
    ("created", None, "caller"),
    ("reordered", "同じ時間帯に予約が入り、訪問順が変わりました。訪問時間の再連絡が必要です。",
     "renumber"),
    ("called_back", "午前10時に変更と伝えた", "staff"),
    ("changed", "家族の都合（予約の再計画とは無関係）", "caller"),
    ("changed", "予約の再計画（訪問日の中止）: 大雪のため", "replan"),
    ("share_outdated", "訪問予定が変わったため、小樽市に共有済み（2026-07-01）の受付票の訂正版を"
     "次の共有パッケージで送ります。", "staff"),
    ("cancelled", "訪問チーム数の変更により再配置できませんでした（訪問チーム数の変更: 職員不足）",
     "replan"),
    ("cancelled", "入院のため", "caller"),
    ("changed", None, "caller"),  # a reason purged with the personal data
    ("outcome", "当日取消", "staff"),
    ("deleted", "個人情報を削除しました。", "staff"),
)


def _insert_user_and_season(conn, tables: MetaData, now: dt.datetime) -> tuple[int, int]:
    """An operator and a season as every revision's tables take them (reflected, not models)."""
    user_id = conn.execute(tables.tables["users"].insert().values(
        username="op1", display_name="職員", role="operator", password_hash="x",
        is_enabled=True, failed_logins=0, created_at=now)).inserted_primary_key[0]
    season_id = conn.execute(tables.tables["seasons"].insert().values(
        name="otaru-2026", title="小樽 2026", config={}, is_active=True, created_at=now,
        updated_at=now)).inserted_primary_key[0]
    return user_id, season_id


def _insert_a_booking_with_events_at_0009(engine) -> None:
    """Rows as the application wrote them before 0010 (the tables reflected as they were)."""
    tables = MetaData()
    tables.reflect(engine)
    now = dt.datetime(2026, 6, 1, 9, 0)
    with engine.begin() as conn:
        user_id, season_id = _insert_user_and_season(conn, tables, now)
        booking_id = conn.execute(tables.tables["bookings"].insert().values(
            season_id=season_id, receipt_no=1, status="cancelled", booked_at=now,
            received_on=now.date(), booked_by=user_id, visit_date=dt.date(2026, 7, 1), half="am",
            team=1, position=1, eta="09:30-10:00", applicants=1, lat=43.19, lng=141.0,
            location_precision="address", caller_relationship="self", eligibility="bedridden",
            application_type="new")).inserted_primary_key[0]
        conn.execute(tables.tables["booking_events"].insert(), [
            {"booking_id": booking_id, "at": now, "user_id": user_id, "action": action,
             "reason": reason} for action, reason, _cause in EVENTS_0009])


@pytest.mark.parametrize("backend", backends())
def test_0010_gives_existing_booking_events_their_cause_and_downgrades(
        backend, fresh_database_url):
    """Rows written before 0010 get their cause from the reason texts of that time (a re-plan
    only by the start of its text); a downgrade drops the mark and keeps every event."""
    engine = make_engine(fresh_database_url(backend))
    try:
        migrate.upgrade(engine, "0009")
        _insert_a_booking_with_events_at_0009(engine)
        migrate.upgrade(engine, "0010")
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT action, cause FROM booking_events ORDER BY id"))
            assert [tuple(r) for r in rows] == [(a, cause) for a, _r, cause in EVENTS_0009]

        migrate.downgrade(engine, "0009")
        assert "cause" not in {c["name"] for c in inspect(engine).get_columns("booking_events")}
        with engine.connect() as conn:
            reasons = conn.scalars(text("SELECT reason FROM booking_events ORDER BY id"))
            assert list(reasons) == [reason for _a, reason, _c in EVENTS_0009]
        migrate.upgrade(engine)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM booking_events "
                                    "WHERE cause = 'replan'")) == 2
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_0011_adds_the_opinions_table_and_downgrades(backend, fresh_database_url):
    """0011 creates `opinions` with its CHECKs; a downgrade to 0010 drops it again."""
    engine = make_engine(fresh_database_url(backend))
    try:
        migrate.upgrade(engine, "0010")
        assert "opinions" not in inspect(engine).get_table_names()
        migrate.upgrade(engine, "0011")
        checks = {c["name"] for c in inspect(engine).get_check_constraints("opinions")}
        assert {"ck_opinions_source", "ck_opinions_topic"} <= checks
        tables = MetaData()
        tables.reflect(engine)
        now = dt.datetime(2026, 6, 1, 9, 0)
        with engine.begin() as conn:
            user_id, season_id = _insert_user_and_season(conn, tables, now)
            conn.execute(tables.tables["opinions"].insert().values(
                season_id=season_id, received_on=now.date(), source="citizen", topic=None,
                summary="説明が丁寧だった", recorded_by=user_id, recorded_at=now))
        migrate.downgrade(engine, "0010")
        assert "opinions" not in inspect(engine).get_table_names()
        assert "calls" in inspect(engine).get_table_names()
        migrate.upgrade(engine)
        assert "opinions" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", backends())
def test_0012_adds_the_incident_register_and_downgrades(backend, fresh_database_url):
    """0012 creates `incidents` and `incident_revisions`; a downgrade to 0011 drops both and
    keeps the opinions of 0011."""
    engine = make_engine(fresh_database_url(backend))
    try:
        migrate.upgrade(engine, "0011")
        assert "incidents" not in inspect(engine).get_table_names()
        migrate.upgrade(engine, "0012")
        checks = {c["name"] for c in inspect(engine).get_check_constraints("incidents")}
        assert {"ck_incidents_persons_count", "ck_incidents_notified"} <= checks
        tables = MetaData()
        tables.reflect(engine)
        now = dt.datetime(2026, 6, 1, 9, 0)
        with engine.begin() as conn:
            user_id, season_id = _insert_user_and_season(conn, tables, now)
            incident_id = conn.execute(tables.tables["incidents"].insert().values(
                season_id=season_id, discovered_at=now, circumstances="受付票1枚の紛失",
                place="コールセンター", data_content="氏名・住所", persons_count=1,
                receipt_numbers="", measures="", reported_to="", city_instructions="",
                notified="no", recorded_by=user_id, recorded_at=now)).inserted_primary_key[0]
            conn.execute(tables.tables["incident_revisions"].insert().values(
                incident_id=incident_id, user_id=user_id, at=now,
                changes=[["発生場所", None, "コールセンター"]]))
        migrate.downgrade(engine, "0011")
        names = inspect(engine).get_table_names()
        assert "incidents" not in names and "incident_revisions" not in names
        assert "opinions" in names
        migrate.upgrade(engine)
        assert {"incidents", "incident_revisions"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
