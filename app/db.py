"""Database plumbing: one engine and one scoped session per app, committed once per request.

Views never commit. Services add and flush; `commit_or_rollback` runs at the end of the
request and commits only when the response is not an error, so a failure leaves nothing
half-saved (the request-level transaction Indico uses).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, current_app
from sqlalchemy import Engine, MetaData, create_engine, event
from sqlalchemy.orm import DeclarativeBase, Session, scoped_session, sessionmaker

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; named constraints keep SQLite migrations possible."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """Naive UTC timestamp: stored the same way on SQLite and PostgreSQL."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets real transactions and foreign keys.

    pysqlite's own transaction handling does not emit BEGIN before SELECTs and breaks
    SAVEPOINTs; the SQLAlchemy-documented fix is to switch it off and emit BEGIN ourselves.
    We emit BEGIN IMMEDIATE: every transaction takes SQLite's write lock up front, so two
    reservations can never both read the same free slot and then deadlock on writing it
    (the embedded database serves one site; PostgreSQL locks rows instead).
    """
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA secure_delete=ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_on_begin(connection: Any) -> None:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


class Database:
    """The app's engine and request-scoped session (`app.extensions["db"]`)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.shared_session = False
        self.session: scoped_session[Session] = scoped_session(
            sessionmaker(bind=engine, expire_on_commit=False)
        )

    def bind_to(self, connection: Any) -> None:
        """Run every session inside `connection`'s transaction (tests roll it back).

        The session then outlives each request, so a test and the requests it makes see the
        same objects; the test ends it.
        """
        self.session.remove()
        self.shared_session = True
        self.session = scoped_session(
            sessionmaker(
                bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
            )
        )


def init_db(app: Flask) -> Database:
    engine = app.config.get("DATABASE_ENGINE") or make_engine(app.config["DATABASE_URL"])
    database = Database(engine)
    app.extensions["db"] = database

    @app.after_request
    def commit_or_rollback(response: Any) -> Any:
        if response.status_code < 400:
            database.session.commit()
        else:
            database.session.rollback()
        return response

    @app.teardown_appcontext
    def remove_session(_exc: BaseException | None) -> None:
        if not database.shared_session:
            database.session.remove()

    return database


def get_db() -> Database:
    return current_app.extensions["db"]


def session() -> Session:
    """The current request's session."""
    return get_db().session()
