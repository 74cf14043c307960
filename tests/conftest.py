"""Fixtures shared by the whole suite (the Flask tutorial's shape).

App tests run once per database back-end: SQLite always, and PostgreSQL when
TEST_DATABASE_URL is set (CI sets it). Each PostgreSQL run gets a fresh database of its own,
created from TEST_DATABASE_URL and dropped afterwards, so parallel runs never collide.
Each test runs inside a transaction that is rolled back, so tests never see each other's rows.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from app import create_app, migrate
from app.db import make_engine

# Tests run the Otaru 2026 season as on the day its booking opens (app/clock.py).
SEASON_TODAY = dt.date(2026, 6, 1)


def backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


def _fresh_postgres_url() -> Iterator[str]:
    admin_url = make_url(os.environ["TEST_DATABASE_URL"])
    name = f"outreach_test_{uuid.uuid4().hex[:10]}"
    admin = make_engine(admin_url.render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def fresh_database_url(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A factory of empty databases: `fresh_database_url(backend)` -> URL."""
    cleanups: list[Iterator[str]] = []

    def make(backend: str) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("db") / f"{uuid.uuid4().hex[:8]}.db"
            return f"sqlite:///{path}"
        gen = _fresh_postgres_url()
        cleanups.append(gen)
        return next(gen)

    yield make
    for gen in cleanups:
        for _ in gen:
            pass


@pytest.fixture(scope="session", params=backends())
def engine(request: pytest.FixtureRequest, fresh_database_url: Any) -> Iterator[Engine]:
    """A database of the parametrised back-end, migrated to head by Alembic."""
    eng = make_engine(fresh_database_url(request.param))
    migrate.upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def app(engine: Engine) -> Iterator[Flask]:
    application = create_app("testing", {"DATABASE_ENGINE": engine, "APP_TODAY": SEASON_TODAY})
    database = application.extensions["db"]
    connection = engine.connect()
    transaction = connection.begin()
    database.bind_to(connection)
    yield application
    database.session.remove()
    transaction.rollback()
    connection.close()


@pytest.fixture
def db(app: Flask) -> Session:
    return app.extensions["db"].session()


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|'
                     r'name="csrf_token" value="([^"]+)"')


class Client(FlaskClient):
    """A test client that can post forms with their CSRF token, like a browser."""

    def csrf_token(self) -> str:
        page = self.get("/login").get_data(as_text=True)
        match = CSRF_RE.search(page)
        assert match, "no CSRF token on the log-in page"
        return match.group(1) or match.group(2)

    def post_form(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        form = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.post(url, data=form, **kwargs)

    def login(self, username: str, password: str) -> Any:
        return self.post_form("/login", {"username": username, "password": password})


@pytest.fixture
def client(app: Flask) -> Client:
    app.test_client_class = Client
    return app.test_client()  # type: ignore[return-value]


PASSWORD = "correct-horse-42"


def make_user(db: Session, role: str, username: str | None = None) -> Any:
    from app.auth.operations import create_user

    user = create_user(db, username or f"{role}1", f"{role} 職員", role, PASSWORD)
    db.commit()
    return user


def _client_for(app: Flask, db: Session, role: str) -> Client:
    app.test_client_class = Client
    c: Client = app.test_client()  # type: ignore[assignment]
    make_user(db, role)
    response = c.login(f"{role}1", PASSWORD)
    assert response.status_code == 302, response.get_data(as_text=True)
    return c


@pytest.fixture
def operator_client(app: Flask, db: Session) -> Client:
    return _client_for(app, db, "operator")


@pytest.fixture
def manager_client(app: Flask, db: Session) -> Client:
    return _client_for(app, db, "manager")


@pytest.fixture
def team_client(app: Flask, db: Session) -> Client:
    return _client_for(app, db, "team")


@pytest.fixture
def admin_client(app: Flask, db: Session) -> Client:
    return _client_for(app, db, "admin")


@pytest.fixture(scope="session")
def otaru_calendar() -> Any:
    """The generated Otaru 2026 calendar, solved once per test session."""
    from solver.calendar import generate_calendar
    from solver.season import SeasonConfig

    result = generate_calendar(SeasonConfig())
    assert result.visit_days, result.problems
    return result


@pytest.fixture
def season(db: Session, otaru_calendar: Any) -> Any:
    """The active Otaru 2026 season with its generated calendar stored."""
    return store_season(db, otaru_calendar)


def store_season(db: Session, calendar: Any) -> Any:
    """The Otaru 2026 season with `calendar`'s visit days, committed (the active season)."""
    from app.seasons.models import VisitDayRecord
    from app.seasons.operations import create_season
    from solver.season import SeasonConfig

    record = create_season(db, "otaru-2026", "小樽市 2026年度", SeasonConfig())
    for day in calendar.visit_days:
        record.visit_days.append(VisitDayRecord(date=day.date, kind=day.kind, pm_slots=day.pm_slots))
    record.calendar_status = calendar.status
    db.commit()
    return record


FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
