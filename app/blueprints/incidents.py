"""The register of personal-data incidents (特記事項 第12): managers record an incident,
update it as it is reported to the city and handled, list it and export it for the city.

An incident may describe personal data, so every page and export writes a handling-log row
(record type `incident`): recording and updating are changes, the pages views.
"""

from __future__ import annotations

import io
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user

from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.db import session
from app.incidents import operations as ops
from app.incidents.export import incidents_xlsx
from app.incidents.forms import IncidentForm
from app.incidents.models import Incident
from app.privacy.operations import log_handling

bp = Blueprint("incidents", __name__, url_prefix="/manager/incidents")


def _show() -> str:
    show = request.args.get("show", "all")
    return show if show in ops.FILTERS else "all"


def _incident(incident_id: int) -> Incident:
    incident = ops.get_incident(session(), require_active_season().id, incident_id)
    if incident is None:
        abort(404)
    return incident


def _form_page(form: IncidentForm, incident: Incident | None = None, status: int = 200) -> Any:
    names = ops.staff_names(session(), {r.user_id for r in incident.revisions}) if incident else {}
    return render_template("incidents/form.html", record=require_active_season(), form=form,
                           incident=incident, names=names), status


def _refused(form: IncidentForm, exc: ops.IncidentErrors) -> None:
    for field, message in exc.errors.items():
        getattr(form, field).errors = [message]


@bp.route("/")
@roles_required(Role.MANAGER)
def incident_list() -> Any:
    season = require_active_season()
    show = _show()
    incidents = ops.list_incidents(session(), season.id, show)
    log_handling(session(), current_user, "view", ops.RECORD_TYPE, "list",
                 f"一覧（{ops.FILTERS[show]}、{len(incidents)}件）")
    return render_template("incidents/list.html", record=season, incidents=incidents, show=show,
                           filters=ops.FILTERS, notified=ops.NOTIFIED, now=ops.now_jst(),
                           elapsed=ops.elapsed_text)


@bp.route("/new")
@roles_required(Role.MANAGER)
def new() -> Any:
    return _form_page(IncidentForm())


@bp.route("/new", methods=["POST"])
@roles_required(Role.MANAGER)
def record() -> Any:
    form = IncidentForm()
    if not form.validate_on_submit():
        return _form_page(form, status=422)
    season = require_active_season()
    try:
        incident = ops.record_incident(session(), season.id, current_user.id, form.to_input(),
                                       ops.now_jst())
    except ops.IncidentErrors as exc:
        _refused(form, exc)
        return _form_page(form, status=422)
    log_handling(session(), current_user, "change", ops.RECORD_TYPE, incident.id, "記録")
    flash(f"事案 No.{incident.id} を記録しました。小樽市へ速やかに報告してください。", "success")
    return redirect(url_for("incidents.edit", incident_id=incident.id))


@bp.route("/<int:incident_id>")
@roles_required(Role.MANAGER)
def edit(incident_id: int) -> Any:
    incident = _incident(incident_id)
    log_handling(session(), current_user, "view", ops.RECORD_TYPE, incident.id)
    return _form_page(IncidentForm(data=vars(ops.input_of(incident))), incident)


@bp.route("/<int:incident_id>", methods=["POST"])
@roles_required(Role.MANAGER)
def update(incident_id: int) -> Any:
    incident = _incident(incident_id)
    form = IncidentForm()
    if not form.validate_on_submit():
        return _form_page(form, incident, 422)
    try:
        changes = ops.update_incident(session(), incident, current_user.id, form.to_input(),
                                      ops.now_jst())
    except ops.IncidentErrors as exc:
        _refused(form, exc)
        return _form_page(form, incident, 422)
    if not changes:
        flash("変更はありませんでした。", "info")
        return redirect(url_for("incidents.edit", incident_id=incident.id))
    log_handling(session(), current_user, "change", ops.RECORD_TYPE, incident.id,
                 "更新: " + "、".join(str(c[0]) for c in changes))
    flash(f"事案 No.{incident.id} を更新しました（履歴に追記）。", "success")
    return redirect(url_for("incidents.edit", incident_id=incident.id))


@bp.route("/incidents.xlsx")
@roles_required(Role.MANAGER)
def incidents_download() -> Any:
    season = require_active_season()
    show = _show()
    incidents = ops.list_incidents(session(), season.id, show)
    log_handling(session(), current_user, "export", ops.RECORD_TYPE, "list",
                 f"Excel出力（{ops.FILTERS[show]}、{len(incidents)}件）")
    data = incidents_xlsx(season.title, incidents)
    return send_file(
        io.BytesIO(data), as_attachment=True, download_name=f"incidents_{season.name}.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
