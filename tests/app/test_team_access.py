"""A visit-team member opens only their own team's route sheets (SPEC §12: need to know)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app.auth.models import User
from app.dates import jp_date
from app.seasons.operations import season_config
from tests.app.test_bookings_reserve import make_booking
from tests.conftest import PASSWORD, Client, make_user

ROOT = Path(__file__).resolve().parents[2]


def _two_teams(db, season) -> None:
    season.config = {**season.config, "rules": {**season.config["rules"], "teams": 2}}
    db.commit()
    assert season_config(season).rules.teams == 2


def _member(app, db, team: int | None) -> Client:
    from app.auth.operations import set_team

    user = make_user(db, "team", f"member{team or 0}")
    set_team(user, team)
    db.commit()
    app.test_client_class = Client
    client: Client = app.test_client()  # type: ignore[assignment]
    assert client.login(user.username, PASSWORD).status_code == 302
    return client


def test_a_member_of_team_2_cannot_open_team_1s_sheet(app, db, season):
    _two_teams(db, season)
    operator = make_user(db, "operator", "opr1")
    booking = make_booking(db, season, operator.id)
    day = booking.visit_date.isoformat()
    member = _member(app, db, 2)
    assert member.get(f"/team/days/{day}/1").status_code == 403
    assert member.get(f"/team/days/{day}/1/sheet.pdf").status_code == 403
    assert member.get(f"/team/days/{day}/2").status_code == 200
    # The list shows team 2's days only: this day has no visit of team 2, so it is listed
    # among the days without a visit, with no link to team 1's sheet.
    index = member.get("/team/").get_data(as_text=True)
    assert f"/team/days/{day}/1" not in index
    quiet = index.split('id="quiet"')[1].split("</details>")[0]
    assert jp_date(booking.visit_date) in quiet


def test_a_member_without_a_team_and_managers_open_every_team(app, db, season, manager_client):
    _two_teams(db, season)
    operator = make_user(db, "operator", "opr1")
    day = make_booking(db, season, operator.id).visit_date.isoformat()
    everyone = _member(app, db, None)
    for client in (everyone, manager_client):
        assert client.get(f"/team/days/{day}/1").status_code == 200
        assert client.get(f"/team/days/{day}/2").status_code == 200


def test_admin_sets_a_team_only_on_visit_team_accounts(admin_client, db):
    member = make_user(db, "team", "member")
    operator = make_user(db, "operator", "opr1")
    assert admin_client.post_form(f"/admin/users/{member.id}/team", {"team": 2}).status_code == 302
    refused = admin_client.post_form(f"/admin/users/{operator.id}/team", {"team": 1})
    assert refused.status_code == 422 and "訪問チーム（市職員）のアカウントだけ" in refused.get_data(
        as_text=True)
    db.expire_all()
    assert db.get(User, member.id).team == 2 and db.get(User, operator.id).team is None
    created = admin_client.post_form("/admin/users", {
        "username": "member3", "display_name": "訪問 三郎", "role": "team", "team": 0,
        "password": "visit-team-2026"})
    assert created.status_code == 422 and "1〜" in created.get_data(as_text=True)
    assert db.scalar(select(User).where(User.username == "member3")) is None


def test_the_cli_creates_a_member_of_a_team(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    flask = [sys.executable, "-m", "flask", "--app", "app"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True, capture_output=True)
    done = subprocess.run([*flask, "users", "create", "kato", "--name", "加藤", "--role", "team",
                           "--team", "2", "--password", "visit-team-2026"],
                          cwd=ROOT, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    bad = subprocess.run([*flask, "users", "create", "sato", "--name", "佐藤", "--role",
                          "operator", "--team", "1", "--password", "visit-team-2026"],
                         cwd=ROOT, env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "訪問チーム" in bad.stderr
