"""Call-centre operators: the capacity calendar they book against, and the call log."""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, redirect, render_template, send_file, url_for
from flask_login import current_user
from wtforms import SelectField, StringField
from wtforms.validators import InputRequired, Length

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.bookings.operations import booked_counts
from app.calls import operations as calls
from app.calls.export import weekly_counts_xlsx
from app.calls.kinds import CALL_KINDS
from app.calls.operations import NOTE_MAX
from app.db import session
from app.facilities.calendar import facility_booked_counts, meeting_labels, merged_counts
from app.forms import Form
from app.seasons.calendar_view import month_views, split_at_month
from app.seasons.operations import season_config, visit_days_of

bp = Blueprint("operators", __name__)


@bp.route("/")
@roles_required(Role.OPERATOR, Role.MANAGER)
def index() -> Any:
    """空き状況: opens at the current month; days past or inside the lead time are greyed."""
    record = require_active_season()
    config = season_config(record)
    days = visit_days_of(record)
    today = clock.today()
    earlier, months = split_at_month(month_views(
        days, config,
        merged_counts(booked_counts(session(), record.id),
                      facility_booked_counts(session(), record)),
        meeting_labels(session(), record), today=today), today)
    return render_template(
        "operators/index.html", record=record, config=config, months=months,
        earlier=earlier, today=today, days=days,
    )


class CallForm(Form):
    kind = SelectField("通話の種類", choices=list(CALL_KINDS.items()),
                       validators=[InputRequired("通話の種類を選んでください。")])
    note = StringField("メモ（任意）", validators=[Length(max=NOTE_MAX, message=(
        f"メモは{NOTE_MAX}文字以内で入力してください。"))])


def _calls_page(form: CallForm, status: int = 200) -> Any:
    record = require_active_season()
    return render_template(
        "operators/calls.html", record=record, form=form, kinds=CALL_KINDS,
        calls=calls.recent_calls(session(), record.id), local_time=calls.local_time,
    ), status


@bp.route("/calls")
@roles_required(Role.OPERATOR, Role.MANAGER)
def call_log() -> Any:
    return _calls_page(CallForm())


@bp.route("/calls", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def log_call() -> Any:
    form = CallForm()
    if not form.validate_on_submit():
        return _calls_page(form, 422)
    record = require_active_season()
    try:
        call = calls.log_call(session(), record.id, current_user.id, form.kind.data or "",
                              form.note.data)
    except calls.CallError as exc:
        getattr(form, exc.field).errors = [exc.message]
        return _calls_page(form, 422)
    flash(f"通話を記録しました（{CALL_KINDS[call.kind]}）。", "success")
    return redirect(url_for("operators.call_log"))


@bp.route("/calls/weekly")
@roles_required(Role.OPERATOR, Role.MANAGER)
def weekly_calls() -> Any:
    record = require_active_season()
    weeks = calls.weekly_counts(session(), record.id, calls.report_period(record, clock.today()))
    return render_template("operators/weekly_calls.html", record=record, weeks=weeks,
                           kinds=CALL_KINDS)


@bp.route("/calls/weekly.xlsx")
@roles_required(Role.OPERATOR, Role.MANAGER)
def weekly_calls_xlsx() -> Any:
    record = require_active_season()
    weeks = calls.weekly_counts(session(), record.id, calls.report_period(record, clock.today()))
    data = weekly_counts_xlsx(record.title, weeks)
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"weekly_calls_{record.name}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
