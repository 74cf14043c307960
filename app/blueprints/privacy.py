"""Managers: personal-data handling (SPEC §9, §10, §12) — the weekly hand-over to the city,
the deletion of personal data after the visit with its proof, and the handling log."""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import io
import logging
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from wtforms import BooleanField, DateField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired, Length, Optional

from app import clock
from app.auth.login import roles_required
from app.auth.models import User
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.bookings.records import STATUS_LABELS
from app.calls.operations import local_time
from app.db import get_db, session
from app.facilities.texts import STATUS_LABELS as FACILITY_STATUS_LABELS
from app.forms import Form
from app.privacy import deletion, handover
from app.privacy import operations as handling
from app.privacy.models import ACTION_LABELS, HandoverPackage
from app.seasons.models import SeasonRecord
from app.seasons.operations import visit_days_of

bp = Blueprint("privacy", __name__)
log = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class PrepareForm(Form):
    recipient = SelectField("送信先（小樽市指定のアドレス）",
                            validators=[InputRequired("送信先を選んでください。")])


class ApproveForm(Form):
    confirm = BooleanField("送信先が小樽市の指定したアドレスであり、内容に問題がないことを確認しました")


class ReleaseForm(Form):
    method = RadioField("送付方法", choices=list(handover.RELEASE_METHODS.items()),
                        default="download", validators=[InputRequired("送付方法を選んでください。")])


class WithdrawForm(Form):
    reason = StringField("取り下げの理由", validators=[
        InputRequired("取り下げの理由を入力してください。"),
        Length(max=handover.WITHDRAW_REASON_MAX,
               message=f"取り下げの理由は{handover.WITHDRAW_REASON_MAX}文字以内で入力してください。")])


class PurgeForm(Form):
    confirm = BooleanField("削除対象の個人情報を元に戻せない方法で削除します")


class ErasureForm(Form):
    """The contract-end erasure (特記事項第11): on the city's instruction, everything left."""

    instruction = StringField("小樽市からの指示（日付・指示した方）", validators=[
        Length(max=200, message="小樽市からの指示は200文字以内で入力してください。")])
    confirm_erase = BooleanField("残っている個人情報をすべて、元に戻せない方法で削除します")


class LogFilterForm(Form):
    class Meta:
        csrf = False

    date_from = DateField("開始日", validators=[Optional()])
    date_to = DateField("終了日", validators=[Optional()])
    action = SelectField("操作", choices=[("", "すべて"), *ACTION_LABELS.items()],
                         validators=[Optional()])
    # Named `username` so that links from before names were searchable keep working.
    username = StringField("職員（氏名またはログインID）", validators=[Optional()],
                           description="ログインIDは完全一致、氏名は一部でも探せます。")


def _allowed() -> tuple[str, ...]:
    return tuple(current_app.config.get("HANDOVER_RECIPIENTS") or ())


def _prepare_form(formdata: Any = None) -> PrepareForm:
    form = PrepareForm(formdata=formdata)
    form.recipient.choices = [(a, a) for a in _allowed()]
    return form


def _user_names(ids: set[int]) -> dict[int, str]:
    return {u.id: u.display_name for u in session().query(User).filter(User.id.in_(ids))} if ids else {}


def _dashboard(record: SeasonRecord, status: int = 200, failed: tuple[str, Any, Any] | None = None
               ) -> Any:
    today = clock.today()
    weeks = handover.week_statuses(session(), record, today)
    packages = [p for w in weeks for p in w.packages]
    ids = {i for p in packages
           for i in (p.prepared_by, p.approved_by, p.released_by, p.withdrawn_by) if i}
    smtp = handover.smtp_settings(current_app.config)
    config = current_app.config
    retention = config["PERSONAL_DATA_RETENTION_DAYS"]
    overdue = (deletion.overdue(session(), record.id, today, retention)
               + deletion.overdue_facilities(session(), record.id, today, retention))
    return render_template(
        "privacy/handover.html", record=record, weeks=weeks, today=today,
        names=_user_names(ids), allowed=_allowed(), smtp=smtp, failed=failed,
        prepare_form=_prepare_form, approve_form=ApproveForm, release_form=ReleaseForm,
        withdraw_form=WithdrawForm,
        stale=handover.open_package_problems(session(), packages),
        package_labels=handover.PACKAGE_STATUS_LABELS, methods=handover.RELEASE_METHODS,
        local_time=local_time, overdue=overdue,
    ), status


@bp.route("/handover")
@roles_required(Role.MANAGER)
def handover_dashboard() -> Any:
    return _dashboard(require_active_season())


def _week(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(404)


def _package_or_404(record: SeasonRecord, package_id: int) -> HandoverPackage:
    package = session().get(HandoverPackage, package_id)
    if package is None or package.season_id != record.id:
        abort(404)
    return package


def _refused(record: SeasonRecord, key: str, form: Any, exc: handover.HandoverError) -> Any:
    target = getattr(form, exc.field, None)
    if target is not None:
        target.errors = [*target.errors, exc.message]
    else:
        form.form_errors.append(exc.message)
    return _dashboard(record, 422, (key, form, exc.message))


@bp.route("/handover/<week>/prepare", methods=["POST"])
@roles_required(Role.MANAGER)
def prepare_package(week: str) -> Any:
    record = require_active_season()
    day = _week(week)
    form = _prepare_form(request.form)
    key = f"prepare-{day.isoformat()}"
    if not form.validate_on_submit():
        # An address off the list is not among the choices: say so in the contract's words.
        recipient = request.form.get("recipient", "")
        if recipient and recipient not in _allowed():
            form.recipient.errors = [
                f"送信先「{recipient}」は小樽市が指定した送信先（許可リスト）にありません。"]
        return _dashboard(record, 422, (key, form, None))
    try:
        package = handover.prepare(session(), record, day, form.recipient.data or "",
                                   _allowed(), current_user)
    except handover.HandoverError as exc:
        return _refused(record, key, form, exc)
    lists = f"・施設の申請者リスト{len(package.facility_ids)}件" if package.facility_ids else ""
    flash(f"共有パッケージ No.{package.id}（{len(package.booking_ids)}件{lists}）を作成しました。"
          "別の管理者の承認を受けてから送付してください。", "success")
    return redirect(url_for("privacy.handover_dashboard"))


@bp.route("/handover/packages/<int:package_id>/approve", methods=["POST"])
@roles_required(Role.MANAGER)
def approve_package(package_id: int) -> Any:
    record = require_active_season()
    package = _package_or_404(record, package_id)
    form = ApproveForm()
    key = f"approve-{package.id}"
    if not form.validate_on_submit():
        return _dashboard(record, 422, (key, form, None))
    try:
        handover.approve(session(), package, current_user, bool(form.confirm.data), _allowed())
    except handover.HandoverError as exc:
        return _refused(record, key, form, exc)
    flash(f"共有パッケージ No.{package.id} を承認しました。", "success")
    return redirect(url_for("privacy.handover_dashboard"))


@bp.route("/handover/packages/<int:package_id>/withdraw", methods=["POST"])
@roles_required(Role.MANAGER)
def withdraw_package(package_id: int) -> Any:
    record = require_active_season()
    package = _package_or_404(record, package_id)
    form = WithdrawForm()
    key = f"withdraw-{package.id}"
    if not form.validate_on_submit():
        return _dashboard(record, 422, (key, form, None))
    try:
        handover.withdraw(session(), package, current_user, form.reason.data or "")
    except handover.HandoverError as exc:
        return _refused(record, key, form, exc)
    flash(f"共有パッケージ No.{package.id} を取り下げました。この週の未共有分は作り直せます。",
          "success")
    return redirect(url_for("privacy.handover_dashboard"))


@bp.route("/handover/packages/<int:package_id>/release", methods=["POST"])
@roles_required(Role.MANAGER)
def release_package(package_id: int) -> Any:
    record = require_active_season()
    package = _package_or_404(record, package_id)
    form = ReleaseForm()
    key = f"release-{package.id}"
    if not form.validate_on_submit():
        return _dashboard(record, 422, (key, form, None))
    try:
        released = handover.release(
            session(), record, package, current_user, form.method.data or "", _allowed(),
            handover.smtp_settings(current_app.config), clock.today())
    except handover.HandoverError as exc:
        return _refused(record, key, form, exc)
    if package.release_method == "smtp":
        flash(f"共有パッケージ No.{package.id} を {package.recipient} へ送信しました"
              "（パッケージとパスワードは別々のメール）。", "success")
        return redirect(url_for("privacy.handover_dashboard"))
    # The archive travels inside this one page and the password is shown here once: neither
    # is stored, and reloading the page cannot show them again (it was a POST).
    data_uri = "data:application/zip;base64," + base64.b64encode(released.archive).decode()
    response = render_template("privacy/released.html", package=package, released=released,
                               data_uri=data_uri, record=record,
                               opening_hint=handover.OPENING_HINT)
    return response, 200, {"Cache-Control": "no-store"}


def _retention() -> int:
    return int(current_app.config["PERSONAL_DATA_RETENTION_DAYS"])


def _last_visit_day(record: SeasonRecord) -> dt.date | None:
    return max((d.date for d in visit_days_of(record)), default=None)


def _deletions_page(record: SeasonRecord, form: PurgeForm | None = None, status: int = 200,
                    erasure_form: ErasureForm | None = None) -> Any:
    today = clock.today()
    last_visit_day = _last_visit_day(record)
    states = deletion.season_states(session(), record.id, today, _retention())
    facility_states = deletion.facility_states(session(), record.id, today, _retention())
    return render_template(
        "privacy/deletions.html", record=record, today=today, form=form or PurgeForm(),
        eligible=[s for s in states if s.state == "eligible"],
        waiting=[s for s in states if s.state in ("waiting_share", "waiting_outcome")],
        facility_eligible=[s for s in facility_states if s.state == "eligible"],
        facility_waiting=[s for s in facility_states
                          if s.state in ("waiting_share", "waiting_outcome")],
        call_notes=len(deletion.call_notes_due(session(), record.id, today, _retention())),
        facility_deleted_labels=deletion.FACILITY_DELETED_LABELS,
        records=deletion.deletion_records(session(), record.id),
        report_row=deletion.report_row, columns=deletion.REPORT_COLUMNS,
        retention=_retention(), deleted_labels=deletion.DELETED_LABELS,
        kept_labels=deletion.KEPT_LABELS,
        method=deletion.deletion_method(get_db().engine.dialect.name),
        status_labels=STATUS_LABELS, facility_status_labels=FACILITY_STATUS_LABELS,
        erasure_form=erasure_form or ErasureForm(), left=deletion.remaining(session(), record.id, today),
        erasure_open=last_visit_day is None or today > last_visit_day, last_visit_day=last_visit_day,
    ), status


@bp.route("/deletions")
@roles_required(Role.MANAGER)
def deletions() -> Any:
    return _deletions_page(require_active_season())


@bp.route("/deletions/run", methods=["POST"])
@roles_required(Role.MANAGER)
def run_deletions() -> Any:
    record = require_active_season()
    form = PurgeForm()
    if not form.validate_on_submit():
        return _deletions_page(record, form, 422)
    if not form.confirm.data:
        form.confirm.errors = ["削除を実行するには、確認のチェックを入れてください。"]
        return _deletions_page(record, form, 422)
    done = deletion.purge_season(session(), record.id, current_user, clock.today(), _retention())
    return _deleted(record, done, "個人情報を削除しました",
                    "削除対象の予約・福祉施設・通話メモはありませんでした。")


def _deleted(record: SeasonRecord, done: deletion.PurgeResult, success: str, nothing: str) -> Any:
    """After a deletion run: VACUUM once the request commits (`vacuum_after_commit`), say
    what was deleted, back to the deletions page."""
    if done.tables:
        g.vacuum_after_commit = (done.tables, current_user._get_current_object(), record.id)
    if done.total:
        flash(f"{success}: {done.summary()}。", "success")
    else:
        flash(nothing, "warning")
    return redirect(url_for("privacy.deletions"))


@bp.route("/deletions/erase-all", methods=["POST"])
@roles_required(Role.MANAGER)
def erase_all() -> Any:
    record = require_active_season()
    form = ErasureForm()
    if not form.validate_on_submit():
        return _deletions_page(record, status=422, erasure_form=form)
    if not form.confirm_erase.data:
        form.confirm_erase.errors = ["全件消去を実行するには、確認のチェックを入れてください。"]
        return _deletions_page(record, status=422, erasure_form=form)
    try:
        done = deletion.erase_all(session(), record.id, _last_visit_day(record), current_user,
                                  clock.today(), form.instruction.data or "")
    except deletion.ErasureRefused as exc:
        target = getattr(form, exc.field, form.confirm_erase)
        target.errors = [exc.message]
        return _deletions_page(record, status=422, erasure_form=form)
    return _deleted(record, done, "契約完了時の全件消去を行いました",
                    "削除する個人情報は残っていませんでした。")


@bp.teardown_request
def vacuum_after_commit(exc: BaseException | None) -> None:
    """After a deletion run's request has committed (teardown follows the commit at the end
    of the request), VACUUM the tables it overwrote on PostgreSQL and log it in a second,
    small transaction: VACUUM cannot run inside the request's transaction.

    Safe at request end: a plain VACUUM of a few small tables (one season's rows) is short and
    lets other requests read and write meanwhile; a lock timeout bounds any wait. A failure
    is logged and the deletion stands (autovacuum removes the old versions later).
    """
    pending = g.pop("vacuum_after_commit", None)
    if pending is None or exc is not None:
        return
    tables, user, season_id = pending
    try:
        deletion.vacuum_purged(session(), get_db().engine, tables, user, season_id)
        session().commit()
    except Exception:
        session().rollback()
        log.exception("VACUUM of %s after the deletion run failed", ", ".join(tables))


@bp.route("/deletions.xlsx")
@roles_required(Role.MANAGER)
def deletions_xlsx() -> Any:
    record = require_active_season()
    data = deletion.deletion_report_xlsx(record.title, deletion.deletion_records(session(), record.id))
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=f"deletion_record_{record.name}.xlsx")


def _log_filter() -> tuple[LogFilterForm, handling.LogFilter | None]:
    form = LogFilterForm(request.args)
    if not form.validate():
        return form, None
    return form, handling.LogFilter(
        date_from=form.date_from.data, date_to=form.date_to.data, action=form.action.data or "",
        staff=form.username.data or "")


@bp.route("/log")
@roles_required(Role.MANAGER)
def handling_log() -> Any:
    form, where = _log_filter()
    entries = handling.search_log(session(), where) if where else []
    return render_template(
        "privacy/log.html", form=form, entries=entries, rows=handling.log_rows(session(), entries),
        columns=handling.LOG_COLUMNS, limit=handling.LogFilter().limit,
    ), 200 if where else 422


@bp.route("/log.xlsx")
@roles_required(Role.MANAGER)
def handling_log_xlsx() -> Any:
    record = require_active_season()
    form, where = _log_filter()
    if where is None:
        return handling_log()
    # Every matching row, not the page's newest ones: the city gets the whole record.
    every = dataclasses.replace(where, limit=None)
    data = handling.log_xlsx(session(), record.title, handling.search_log(session(), every))
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=f"handling_log_{record.name}.xlsx")
