"""Managers: the season's rules, the visit-day calendar and its edits, and re-planning."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.bookings import guard, replanning
from app.bookings.operations import booked_counts
from app.bookings.replan_forms import ReplanApplyForm, ReplanForm
from app.db import session
from app.forms import Form
from app.incidents import operations as incidents
from app.privacy import deletion, handover
from app.seasons import operations as ops
from app.seasons.calendar_view import month_views
from app.seasons.forms import (
    SECTIONS,
    AddDayForm,
    MoveDayForm,
    PlainForm,
    SeasonConfigForm,
    SetKindForm,
    SetPmSlotsForm,
    config_values_from_form,
    fields_of_section,
    form_data_from_config,
    form_name,
    pm_choices,
)
from app.seasons.models import SeasonRecord
from solver import calendar_rules
from solver.calendar_rules import jp_date

bp = Blueprint("managers", __name__)


@bp.route("/")
@roles_required(Role.MANAGER)
def index() -> Any:
    record = require_active_season()
    config = ops.season_config(record)
    days = ops.visit_days_of(record)
    problems = calendar_rules.calendar_problems(days, config) if days else []
    today = clock.today()
    weeks = handover.week_statuses(session(), record, today)
    return render_template(
        "managers/index.html", record=record, config=config, days=days, problems=problems,
        changes=record.changes[:10], late_weeks=[w for w in weeks if w.late],
        awaiting_approval=sum(1 for w in weeks for p in w.packages if p.status == "ready"),
        overdue=(deletion.overdue(session(), record.id, today,
                                  current_app.config["PERSONAL_DATA_RETENTION_DAYS"])
                 + deletion.overdue_facilities(session(), record.id, today,
                                               current_app.config["PERSONAL_DATA_RETENTION_DAYS"])),
        open_incidents=incidents.list_incidents(session(), record.id, "open"),
        now_jst=incidents.now_jst(), elapsed=incidents.elapsed_text,
    )


@bp.route("/season", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def season_settings() -> Any:
    record = require_active_season()
    form = SeasonConfigForm(data={"title": record.title, **form_data_from_config(record.config)})
    status = 200
    if form.validate_on_submit():
        try:
            notes = guard.unless_it_breaks_bookings(session(), record, lambda: ops.update_config(
                session(), record, config_values_from_form(form), current_user))
            record.title = form.title.data or record.title
        except ops.SettingsRefused as exc:
            _show_setting_errors(form, exc.errors)
            status = 422
        except guard.BreaksBookings as exc:
            flash("確定済みの予約が新しい設定に合わなくなるため、保存できません。"
                  + "／".join(exc.problems[:5]), "error")
            status = 422
        else:
            flash("設定を保存しました。", "success")
            for note in notes:
                flash("現在のカレンダーは新しい設定に合いません: " + note, "warning")
            return redirect(url_for("managers.season_settings"))
    elif request.method == "POST":
        # Some fields are empty or not numbers: the season's rules are still checked on the
        # rest, so the manager sees every mistake in one round, not one per try.
        _show_setting_errors(form, ops.settings_errors(record, config_values_from_form(form)))
        status = 422
    return render_template(
        "managers/season.html", form=form, record=record, sections=SECTIONS,
        fields_of_section=fields_of_section,
    ), status


def _show_setting_errors(form: SeasonConfigForm, errors: Sequence[ops.SeasonError]) -> None:
    """Each rule error beside its field; none on a field whose own value already failed (the
    rule could not read it), and those naming no field of the form above the form."""
    own_value_failed = {name for name, f in form._fields.items() if f.errors}
    for error in errors:
        target = form._fields.get(form_name(error.field))
        if target is None:
            flash(error.message, "error")
        elif target.name not in own_value_failed:
            target.errors = [*target.errors, error.message]


def _calendar_page(record: SeasonRecord, status: int = 200, **forms: Any) -> Any:
    config = ops.season_config(record)
    days = ops.visit_days_of(record)
    rules = config.rules
    pm_form = forms.get("pm_form") or SetPmSlotsForm()
    pm_form.pm_slots.choices = pm_choices(rules.home_pm_slots, rules.home_pm_slots_max)
    return render_template(
        "managers/calendar.html",
        record=record,
        config=config,
        days=days,
        months=month_views(days, config, booked=booked_counts(session(), record.id)),
        problems=calendar_rules.calendar_problems(days, config) if days else [],
        add_form=forms.get("add_form") or AddDayForm(),
        move_form=forms.get("move_form") or MoveDayForm(),
        kind_form=forms.get("kind_form") or SetKindForm(),
        pm_form=pm_form,
        plain_form=PlainForm(),
        refused=forms.get("refused"),
        edited_date=forms.get("edited_date"),
        today=clock.today(),
        today_label=jp_date(clock.today()),
    ), status


@bp.route("/calendar")
@roles_required(Role.MANAGER)
def calendar_page() -> Any:
    return _calendar_page(require_active_season())


@bp.route("/calendar/generate", methods=["POST"])
@roles_required(Role.MANAGER)
def generate_calendar() -> Any:
    record = require_active_season()
    if not PlainForm().validate_on_submit():
        return _calendar_page(record, 400)
    try:
        status, seconds = guard.unless_it_breaks_bookings(
            session(), record,
            lambda: ops.generate_calendar(session(), record, current_user, clock.today()))
    except ops.CalendarRefused as exc:
        return _calendar_page(record, 422, refused=exc)
    except guard.BreaksBookings as exc:
        return _calendar_page(record, 422, refused=ops.CalendarRefused([
            calendar_rules.CalendarProblem(
                "bookings", "確定済みの予約が新しいカレンダーに合わなくなるため、再生成できません"
                "（カレンダーは変更されていません）。" + "／".join(exc.problems[:5]))]))
    flash(f"訪問日カレンダーを生成しました（状態 {status}、{seconds:.1f}秒）。", "success")
    return redirect(url_for("managers.calendar_page"))


def _url_date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        abort(404)


def _bookings_on_day(record: SeasonRecord, edit: Any) -> calendar_rules.CalendarProblem | None:
    """The day's confirmed visits, when the edit removes, moves or re-kinds a day that has some:
    said with any other refusal, so the manager learns that the re-planning is the way."""
    if not isinstance(edit, calendar_rules.RemoveDay | calendar_rules.MoveDay
                      | calendar_rules.SetKind):
        return None
    day = edit.from_date if isinstance(edit, calendar_rules.MoveDay) else edit.date
    counts = booked_counts(session(), record.id)
    count = counts.get((day, "am"), 0) + counts.get((day, "pm"), 0)
    if not count:
        return None
    return calendar_rules.CalendarProblem(
        "bookings", f"{jp_date(day)}には確定済みの予約が{count}件あります。訪問日の中止は"
        "「予約の再計画」で行ってください（予約の移動先と連絡する方を確認してから適用できます）。",
        day, day.isoformat())


def _apply(record: SeasonRecord, edit: Any, edited: dt.date | None, **forms: Any) -> Any:
    try:
        guard.unless_it_breaks_bookings(
            session(), record, lambda: ops.edit_calendar(session(), record, edit, current_user,
                                                     clock.today()))
    except ops.CalendarRefused as exc:
        booked = _bookings_on_day(record, edit)
        if booked is not None and exc.problems[0].rule != "past":
            exc = ops.CalendarRefused([booked, *exc.problems], exc.status)
        return _calendar_page(record, 422, refused=exc, edited_date=edited, **forms)
    except guard.BreaksBookings as exc:
        refused = ops.CalendarRefused([calendar_rules.CalendarProblem(
            "bookings", "確定済みの予約が規則に合わなくなるため、この変更はできません（訪問日の中止は"
            "予約の再計画で行ってください）。" + "／".join(exc.problems[:5]))])
        return _calendar_page(record, 422, refused=refused, edited_date=edited, **forms)
    flash("カレンダーを変更しました: " + ops.describe_edit(edit), "success")
    return redirect(url_for("managers.calendar_page"))


def _invalid(record: SeasonRecord, **forms: Any) -> Any:
    return _calendar_page(record, 422, **forms)


@bp.route("/calendar/add", methods=["POST"])
@roles_required(Role.MANAGER)
def add_day() -> Any:
    record = require_active_season()
    form = AddDayForm()
    if not form.validate_on_submit():
        return _invalid(record, add_form=form)
    rules = ops.season_config(record).rules
    edit = calendar_rules.AddDay(date=form.date.data, kind=form.kind.data,
                                 pm_slots=rules.home_pm_slots)
    return _apply(record, edit, form.date.data, add_form=form)


@bp.route("/calendar/<date>/remove", methods=["POST"])
@roles_required(Role.MANAGER)
def remove_day(date: str) -> Any:
    record = require_active_season()
    day = _url_date(date)
    if not PlainForm().validate_on_submit():
        return _invalid(record)
    return _apply(record, calendar_rules.RemoveDay(date=day), day)


@bp.route("/calendar/<date>/move", methods=["POST"])
@roles_required(Role.MANAGER)
def move_day(date: str) -> Any:
    record = require_active_season()
    day = _url_date(date)
    form = MoveDayForm()
    if not form.validate_on_submit():
        return _invalid(record, move_form=form, edited_date=day)
    edit = calendar_rules.MoveDay(from_date=day, to_date=form.to_date.data)
    return _apply(record, edit, day, move_form=form)


@bp.route("/calendar/<date>/kind", methods=["POST"])
@roles_required(Role.MANAGER)
def set_kind(date: str) -> Any:
    record = require_active_season()
    day = _url_date(date)
    form = SetKindForm()
    if not form.validate_on_submit():
        return _invalid(record, kind_form=form, edited_date=day)
    return _apply(record, calendar_rules.SetKind(date=day, kind=form.kind.data), day)


@bp.route("/calendar/<date>/pm", methods=["POST"])
@roles_required(Role.MANAGER)
def set_pm_slots(date: str) -> Any:
    record = require_active_season()
    day = _url_date(date)
    form = SetPmSlotsForm()
    rules = ops.season_config(record).rules
    form.pm_slots.choices = pm_choices(rules.home_pm_slots, rules.home_pm_slots_max)
    if not form.validate_on_submit():
        return _invalid(record, pm_form=form, edited_date=day)
    edit = calendar_rules.SetPmSlots(date=day, pm_slots=form.pm_slots.data)
    return _apply(record, edit, day, pm_form=form)


# --- re-planning (issue 4 item 4): cancel a day, change a day's PM slots or the teams ------


def _replan_form(record: SeasonRecord, proposal: replanning.Proposal | None = None) -> ReplanForm:
    """The change form: from the request, or (re-showing a proposal) filled with its change."""
    if proposal is None:
        form = ReplanForm()
    else:
        change = proposal.change
        form = ReplanForm(formdata=None, data={
            "kind": change.kind, "date": change.date, "pm_slots": change.slots,
            "teams": change.teams, "reason": proposal.reason})
    rules = ops.season_config(record).rules
    form.pm_slots.choices = pm_choices(rules.home_pm_slots, rules.home_pm_slots_max)
    return form


def _replan_page(record: SeasonRecord, form: ReplanForm, status: int = 200, **extra: Any) -> Any:
    config = ops.season_config(record)
    return render_template("managers/replan.html", record=record, config=config, form=form,
                           kinds=replanning.CHANGE_KINDS, **extra), status


def _field_error(form: Form, exc: replanning.ReplanError) -> str | None:
    """Put the service's message on its field; returns it when no field matches."""
    target = form._fields.get(exc.field)
    if target is None:
        return exc.message
    target.errors = [*target.errors, exc.message]
    return None


@bp.route("/replan")
@roles_required(Role.MANAGER)
def replan() -> Any:
    record = require_active_season()
    return _replan_page(record, _replan_form(record))


@bp.route("/replan/preview", methods=["POST"])
@roles_required(Role.MANAGER)
def replan_preview() -> Any:
    record = require_active_season()
    form = _replan_form(record)
    if not form.validate_on_submit():
        return _replan_page(record, form, 422)
    try:
        preview = replanning.preview(
            session(), record, form.change(), form.reason.data or "", current_user, clock.today(),
            time_limit_s=float(current_app.config.get("REPLAN_TIME_LIMIT_S", 10.0)))
    except replanning.ReplanError as exc:
        return _replan_page(record, form, 422, error=_field_error(form, exc))
    token = replanning.sign(preview.proposal, current_app.config["SECRET_KEY"])
    return _replan_page(record, form, preview=preview, apply_form=ReplanApplyForm(token=token))


@bp.route("/replan/apply", methods=["POST"])
@roles_required(Role.MANAGER)
def replan_apply() -> Any:
    record = require_active_season()
    apply_form = ReplanApplyForm()
    if not apply_form.validate_on_submit():
        abort(400)
    secret = current_app.config["SECRET_KEY"]
    try:
        proposal = replanning.read(apply_form.token.data or "", secret)
        moves = replanning.apply(session(), record, proposal, bool(apply_form.confirm_drops.data),
                                 current_user, clock.today())
    except replanning.ReplanError as exc:
        if exc.field != "confirm_drops":
            return _replan_page(record, _replan_form(record), 422, error=exc.message)
        # The same proposal again, asking for the confirmation. Served as 200 (not 422): it
        # shows personal data, and its handling-log rows must be committed.
        apply_form.confirm_drops.errors = [exc.message]
        rows = replanning.rows_of(session(), proposal.moves)
        preview = replanning.Preview(proposal, rows, "", 0.0,
                                     replanning.calendar_warnings(record, proposal.change))
        replanning.log_callback_view(session(), current_user, rows)
        return _replan_page(record, _replan_form(record, proposal), preview=preview,
                            apply_form=apply_form, error=exc.message)
    except replanning.StaleProposal as exc:
        # The change as it was asked, so that 「案を作成」 makes a fresh proposal in one click.
        return _replan_page(record, _replan_form(record, proposal), 409, stale=exc.problems)
    except replanning.AlreadyApplied:
        moves = proposal.moves
        flash(f"この案は既に適用されています（{proposal.change.describe()}）。"
              "二重には適用していません。連絡先一覧をもう一度表示します。", "info")
    else:
        flash(f"予約の再計画を適用しました: {proposal.change.describe()}", "success")
    done = replanning.Proposal(record.id, proposal.change, proposal.reason, moves)
    return redirect(url_for("managers.replan_done",
                            t=replanning.sign(done, secret, replanning.DONE_SALT)))


@bp.route("/replan/done")
@roles_required(Role.MANAGER)
def replan_done() -> Any:
    """The applied re-planning's call-back list, printable for the operators who phone."""
    record = require_active_season()
    try:
        done = replanning.read(request.args.get("t", ""), current_app.config["SECRET_KEY"],
                               replanning.DONE_SALT, replanning.DONE_MAX_AGE_S)
    except replanning.ReplanError:
        # Not "make the proposal again": the re-plan was applied; its callers are waiting on
        # the operators' call-back list until someone records the call.
        return _replan_page(record, _replan_form(record), 400, error=(
            "この連絡先一覧は表示できません（リンクの有効期限切れか、リンクが正しくありません）。"
            "再計画は適用済みです。まだ連絡していない方は「再連絡」の一覧に載っています。"))
    if done.season_id != record.id:
        abort(404)
    rows = replanning.rows_of(session(), done.moves)
    replanning.log_callback_view(session(), current_user, [r for r in rows if r.move.call_back])
    return render_template("managers/replan_done.html", record=record, done=done, rows=rows,
                           callbacks=[r for r in rows if r.move.call_back])
