"""Commands on the app: `flask db …`, `flask users …`, `flask demo load`."""

from __future__ import annotations

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
@click.password_option(help="At least 10 characters, letters and digits.")
def users_create(username: str, display_name: str, role: str, password: str) -> None:
    db = get_db().session()
    try:
        user = accounts.create_user(db, username, display_name, role, password)
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
    db = get_db().session()
    messages = load_demo(db)
    db.commit()
    for message in messages:
        click.echo(message)
    host = current_app.config.get("SERVER_NAME") or "http://127.0.0.1:5000"
    click.echo("")
    click.echo(f"Demo ready. Open {host}/ and log in as one of:")
    for username, _name, role, password in DEMO_USERS:
        click.echo(f"  {role:<9} user: {username:<10} password: {password}")
