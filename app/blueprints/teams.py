"""City visit teams: the visit days they go out on."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.seasons.calendar_view import capacity
from app.seasons.operations import season_config, visit_days_of

bp = Blueprint("teams", __name__)


@bp.route("/")
@roles_required(Role.TEAM, Role.MANAGER)
def index() -> Any:
    record = require_active_season()
    config = season_config(record)
    today = clock.today()
    days = [d for d in visit_days_of(record)]
    upcoming = [d for d in days if d.date >= today]
    return render_template(
        "teams/index.html", record=record, config=config, days=days, upcoming=upcoming,
        capacity=capacity, today=today,
    )
