"""Commands on the app: `flask db …`, `flask users …`, `flask demo load`, `flask privacy …`."""

from __future__ import annotations

import os
import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import inspect

from app import migrate
from app.auth import operations as accounts
from app.auth.roles import Role
from app.db import get_db


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(users_group)
    app.cli.add_command(demo_group)
    app.cli.add_command(privacy_group)


@click.group("db", cls=AppGroup, help="Database schema (Alembic migrations).")
def db_group() -> None:
    pass


@db_group.command("upgrade", help="Upgrade the database to the newest schema.")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    engine = get_db().engine
    migrate.upgrade(engine, revision)
    click.echo(f"Database at {engine.url.render_as_string(hide_password=True)} is at {revision}.")


@db_group.command("downgrade", help="Downgrade the database to REVISION.")
@click.argument("revision")
def db_downgrade(revision: str) -> None:
    migrate.downgrade(get_db().engine, revision)


@click.group("users", cls=AppGroup, help="Staff accounts.")
def users_group() -> None:
    pass


@users_group.command("create", help="Create a staff account (the password is asked for).")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="The person's full name.")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--team", type=int, default=None,
              help="Visit-team members: their team number (default: every team).")
@click.password_option(help="At least 10 characters, letters and digits.")
def users_create(username: str, display_name: str, role: str, team: int | None,
                 password: str) -> None:
    db = get_db().session()
    try:
        user = accounts.create_user(db, username, display_name, role, password, team)
    except accounts.AccountError as exc:
        db.rollback()
        raise click.ClickException(exc.message) from None
    db.commit()
    click.echo(f"Created {user.username} ({user.role}).")


@click.group("demo", cls=AppGroup, help="Demo data.")
def demo_group() -> None:
    pass


@demo_group.command("load", help="Load the Otaru 2026 demo season and demo accounts.")
def demo_load() -> None:
    from app.demo import DEMO_USERS, load_demo

    engine = get_db().engine
    if "users" not in inspect(engine).get_table_names():
        raise click.ClickException("The database has no tables: run `flask db upgrade` first.")
    from app import clock
    from app.demo import catch_up_to_today
    from app.seasons.operations import active_season

    db = get_db().session()
    messages = load_demo(db)
    messages += catch_up_to_today(
        db, active_season(db), clock.today(), tuple(current_app.config["HANDOVER_RECIPIENTS"]),
        int(current_app.config["PERSONAL_DATA_RETENTION_DAYS"]))
    db.commit()
    for message in messages:
        click.echo(message)
    host = (current_app.config.get("SERVER_NAME")
            or f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}")
    click.echo("")
    click.echo(f"Demo ready. Open {host}/ and log in as one of:")
    for username, _name, role, password in DEMO_USERS:
        click.echo(f"  {role:<9} user: {username:<10} password: {password}")
    from app.seasons.operations import season_config

    season = season_config(active_season(db)).season  # type: ignore[arg-type]
    if clock.today() > season.booking_opens:
        click.echo(f"Today is {clock.today()}; to try the season from the day booking opens, "
                   f"start it with APP_TODAY={season.booking_opens.isoformat()} make run "
                   "on a new database (remove instance/outreach.db first).")


@click.group("privacy", cls=AppGroup, help="Personal data: the daily deletion check, deletion.")
def privacy_group() -> None:
    pass


def _active_season_or_fail() -> tuple[Any, Any]:
    from app.seasons.operations import active_season

    db = get_db().session()
    record = active_season(db)
    if record is None:
        raise click.ClickException("No active season.")
    return db, record


def _stalled_note(state: Any) -> str:
    """"（訪問結果の記録待ち）" when a missing step, not the deletion, is what is late."""
    return f"（{state.label}）" if state.stalled else ""


@privacy_group.command("overdue", help=(
    "The daily check: list bookings whose personal data should have been deleted by now "
    "(and visits waiting for their outcome or hand-over). Exits 1 when any is overdue."))
def privacy_overdue() -> None:
    from app import clock
    from app.privacy.deletion import facility_states, season_states

    db, record = _active_season_or_fail()
    today = clock.today()
    retention = int(current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
    states = season_states(db, record.id, today, retention)
    facilities = facility_states(db, record.id, today, retention)
    overdue = [s for s in states if s.overdue]
    overdue_facilities = [s for s in facilities if s.overdue]
    waiting = [s for s in states if s.state in ("waiting_share", "waiting_outcome")]
    waiting_facilities = [s for s in facilities if s.state in ("waiting_share", "waiting_outcome")]
    click.echo(f"{record.title}: {today.isoformat()} 個人情報の削除チェック")
    click.echo(f"削除期限超過: {len(overdue) + len(overdue_facilities)}件")
    for s in overdue:
        click.echo(f"  受付番号 {s.booking.receipt_no}  訪問 {s.booking.visit_date}  "
                   f"共有 {s.booking.shared_on or '-'}  削除期限 {s.due_by}{_stalled_note(s)}")
    for f in overdue_facilities:
        click.echo(f"  福祉施設 F{f.facility.id}  訪問 {f.first_visit or '-'}  削除期限 {f.due_by}"
                   f"{_stalled_note(f)}")
    if waiting or waiting_facilities:
        click.echo(f"削除の条件待ち: {len(waiting) + len(waiting_facilities)}件")
        for s in waiting:
            click.echo(f"  受付番号 {s.booking.receipt_no}  訪問 {s.booking.visit_date}  {s.label}")
        for f in waiting_facilities:
            click.echo(f"  福祉施設 F{f.facility.id}  訪問 {f.first_visit or '-'}  {f.label}")
    if overdue or overdue_facilities:
        sys.exit(1)


@privacy_group.command("purge", help=(
    "Delete the personal data of every booking due for it (visit done, shared with the "
    "city). USERNAME is the manager recorded in the handling log."))
@click.option("--user", "username", required=True, help="The manager's log-in name.")
def privacy_purge(username: str) -> None:
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from app import clock
    from app.auth.models import User
    from app.privacy.deletion import purge_season, vacuum_purged

    db, record = _active_season_or_fail()
    user = db.scalar(select(User).where(User.username == username))
    if user is None or user.role != Role.MANAGER.value or not user.is_enabled:
        raise click.ClickException(f"{username} is not an enabled manager account.")
    retention = int(current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
    done = purge_season(db, record.id, user, clock.today(), retention)
    db.commit()
    click.echo(f"個人情報を削除しました: {len(done.bookings)}件"
               + (f"（{done.summary()}）" if done.total else ""))
    # PostgreSQL keeps the overwritten values in dead row versions until a VACUUM, which
    # cannot run inside the deletion's transaction: so it runs now, after the commit.
    try:
        entry = vacuum_purged(db, get_db().engine, done.tables, user, record.id)
        db.commit()
    except SQLAlchemyError as exc:
        db.rollback()
        raise click.ClickException(
            f"The deletion is committed, but VACUUM of {', '.join(done.tables)} failed "
            f"({exc.__class__.__name__}: {exc}); autovacuum will remove the old row versions "
            "later, or run VACUUM on those tables by hand.") from None
    if entry is not None:
        click.echo(f"{entry.detail}（取扱記録No.{entry.id}）")
