"""`flask users create`, `flask db upgrade` and `flask demo load` on a fresh database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.auth.models import User
from app.demo import DEMO_USERS
from solver.season import SeasonConfig

ROOT = Path(__file__).resolve().parents[2]


def test_users_create_makes_an_account_with_a_hashed_password(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=["users", "create", "tanaka", "--name", "田中 一郎", "--role", "operator"],
        input="long-enough-pw-1\nlong-enough-pw-1\n",
    )
    assert result.exit_code == 0, result.output
    user = db.scalar(select(User).where(User.username == "tanaka"))
    assert user.display_name == "田中 一郎" and user.role == "operator"
    assert user.password_hash.startswith("$argon2id$")


def test_users_create_refuses_a_weak_password_and_a_duplicate(app, db):
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "tanaka", "--name", "田中", "--role", "team"],
                         input="short\nshort\n")
    assert weak.exit_code != 0 and "10文字以上" in weak.output
    ok = runner.invoke(args=["users", "create", "tanaka", "--name", "田中", "--role", "team"],
                       input="long-enough-pw-1\nlong-enough-pw-1\n")
    assert ok.exit_code == 0
    again = runner.invoke(args=["users", "create", "tanaka", "--name", "田中", "--role", "team"],
                          input="long-enough-pw-1\nlong-enough-pw-1\n")
    assert again.exit_code != 0 and "既に使われています" in again.output


def test_users_create_refuses_an_unknown_role(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "x1y", "--name", "X", "--role", "chief"], input="a\na\n")
    assert result.exit_code == 2


def _flask(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )


def test_upgrade_then_demo_load_twice_on_an_empty_database(tmp_path):
    """What `make run` does, on a new SQLite file; loading twice changes nothing."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    refused = _flask("demo", "load", env=env)
    assert refused.returncode != 0 and "flask db upgrade" in refused.stderr
    assert _flask("db", "upgrade", env=env).returncode == 0
    first = _flask("demo", "load", env=env)
    assert first.returncode == 0, first.stderr
    for username, _name, _role, password in DEMO_USERS:
        assert f"user: {username}" in first.stdout and password in first.stdout
    season = SeasonConfig().season
    total = season.home_days + season.facility_days
    assert f"Generated the visit-day calendar: {total} days" in first.stdout
    second = _flask("demo", "load", env=env)
    assert second.returncode == 0
    assert "Created" not in second.stdout and "Generated" not in second.stdout
