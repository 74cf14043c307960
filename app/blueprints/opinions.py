"""Opinions from citizens and facility staff (004 §10(3)): operators, visit teams and managers
record them; managers list them, mark them as reported to the city and download them.

No page here shows personal data (the summary is refused if it looks like it holds some:
app/opinions/operations.py), so none of them writes a handling-log entry.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.db import session
from app.opinions import operations as ops
from app.opinions.export import opinions_xlsx
from app.opinions.forms import MarkReportedForm, OpinionForm
from app.opinions.kinds import OPINION_SOURCES, OPINION_TOPICS

bp = Blueprint("opinions", __name__)

RECORDERS = (Role.OPERATOR, Role.TEAM, Role.MANAGER)


def _new_page(form: OpinionForm, status: int = 200) -> Any:
    return render_template("opinions/new.html", record=require_active_season(), form=form), status


@bp.route("/opinions/new")
@roles_required(*RECORDERS)
def new() -> Any:
    return _new_page(OpinionForm())


@bp.route("/opinions/new", methods=["POST"])
@roles_required(*RECORDERS)
def record() -> Any:
    form = OpinionForm()
    if not form.validate_on_submit():
        return _new_page(form, 422)
    season = require_active_season()
    try:
        ops.record_opinion(session(), season.id, current_user.id,
                           received_on=form.received_on.data, source=form.source.data or "",
                           topic=form.topic.data, summary=form.summary.data, today=clock.today())
    except ops.OpinionError as exc:
        getattr(form, exc.field).errors = [exc.message]
        return _new_page(form, 422)
    flash("御意見を記録しました。", "success")
    return redirect(url_for("opinions.new"))


def _show() -> str:
    show = request.args.get("show", "unreported")
    return show if show in ops.FILTERS else "unreported"


def _list_page(form: MarkReportedForm, show: str, status: int = 200) -> Any:
    season = require_active_season()
    opinions = ops.list_opinions(session(), season.id, show)
    return render_template(
        "opinions/list.html", record=season, form=form, opinions=opinions, show=show,
        filters=ops.FILTERS, sources=OPINION_SOURCES, topics=OPINION_TOPICS,
        names=ops.staff_names(session(), opinions),
        counts=ops.counts_by_source(session(), season.id),
    ), status


@bp.route("/manager/opinions/")
@roles_required(Role.MANAGER)
def opinion_list() -> Any:
    return _list_page(MarkReportedForm(), _show())


@bp.route("/manager/opinions/reported", methods=["POST"])
@roles_required(Role.MANAGER)
def mark_reported() -> Any:
    form = MarkReportedForm()
    show = _show()
    if not form.validate_on_submit():
        return _list_page(form, show, 422)
    season = require_active_season()
    try:
        marked = ops.mark_reported(session(), season.id, form.opinion_ids.data or [],
                                   current_user.id, clock.today())
    except ops.OpinionError as exc:
        form.opinion_ids.errors = [exc.message]
        return _list_page(form, show, 422)
    flash(f"{len(marked)}件の御意見を市に報告済みにしました（{clock.today().isoformat()}）。",
          "success")
    return redirect(url_for("opinions.opinion_list", show=show))


@bp.route("/manager/opinions/opinions.xlsx")
@roles_required(Role.MANAGER)
def opinions_download() -> Any:
    season = require_active_season()
    data = opinions_xlsx(season.title, ops.list_opinions(session(), season.id, _show()))
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"opinions_{season.name}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
