"""Alembic migrations build the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

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
