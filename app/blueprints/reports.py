"""Managers: the monthly and completion report for the city (SPEC §11), page and .xlsx.
The weekly call count lives with the call log (`operators.weekly_calls`)."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, render_template, send_file

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.db import session
from app.opinions.kinds import OPINION_SOURCES
from app.reports import summary

bp = Blueprint("reports", __name__)


@bp.route("/")
@roles_required(Role.MANAGER)
def dashboard() -> Any:
    record = require_active_season()
    report = summary.season_report(session(), record, clock.today())
    return render_template(
        "reports/dashboard.html", record=record, report=report, columns=summary.COLUMNS,
        month_columns=summary.MONTH_COLUMNS, age_columns=summary.AGE_COLUMNS,
        age_note=summary.AGE_NOTE, bar=summary.bar_width, sex_note=summary.SEX_NOTE,
        home_note=summary.HOME_NOTE, opinion_sources=OPINION_SOURCES,
    )


@bp.route("/report.xlsx")
@roles_required(Role.MANAGER)
def report_xlsx() -> Any:
    record = require_active_season()
    report = summary.season_report(session(), record, clock.today())
    data = summary.report_xlsx(session(), record, report)
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"report_{record.name}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
