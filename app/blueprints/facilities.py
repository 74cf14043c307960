"""Facility visits (issue 6): operators take requests; managers work the call-back queue,
schedule, plan pre-meetings, keep the checklist and collect the applicant list."""

from __future__ import annotations

import io
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.bookings import texts as bookings_texts
from app.bookings.intake import IntakeProblem, place
from app.db import session
from app.facilities import applicant_list, checklist, meetings, scheduling, todo
from app.facilities import operations as ops
from app.facilities.forms import (
    AgreedTimeForm,
    CallbackForm,
    FacilityIntakeForm,
    HomeBookingForm,
    MeetingForm,
    StatusForm,
    UnscheduleForm,
    UploadForm,
)
from app.facilities.models import FacilityMeeting, FacilityRequest, FacilityVisit
from app.facilities.planning import facility_wish
from app.facilities.texts import (
    CALLBACK_SCRIPT,
    EVENT_LABELS,
    FACILITY_TYPES,
    HALF_LABELS,
    LIST_STATUS_LABELS,
    STATUS_LABELS,
)
from app.privacy.operations import log_handling
from app.seasons.forms import PlainForm
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.season import Wish

bp = Blueprint("facilities", __name__)

XLSX = applicant_list.XLSX_MIME


def _wish(form: Any) -> Wish:
    return Wish(date_from=form.wish_from.data, date_to=form.wish_to.data,
                weekdays=tuple(form.wish_weekdays.data or ()), half=form.wish_half.data or None)


def _town(precision: str, matched: str) -> str | None:
    if precision == "manual":
        return None
    return matched.split(" ")[0].rstrip("0123456789丁目") or None


# --- operators: intake --------------------------------------------------------------------


def _intake_page(form: FacilityIntakeForm, status: int = 200, home_intake_url: str = "") -> Any:
    rules = season_config(require_active_season()).rules
    return render_template("facilities/intake.html", form=form, script=CALLBACK_SCRIPT,
                           rules=rules, home_intake_url=home_intake_url), status


def _facility_home_intake_url(name: str, address: str, phone: str, contact: str,
                              applicants: int | None, wish: Wish, note: str) -> str:
    """The home-visit intake for a facility of 5 or fewer (SPEC §3), filled with what the
    operator already took down: the facility's staff as the caller (an allowed caller for
    this case), the facility as the place, its wish, and the number of applicants. The
    residents' own details (dates of birth, documents) come on the facility's list."""
    return url_for(
        "bookings.intake", caller_relationship=bookings_texts.FACILITY_CALLER,
        caller_name=contact, caller_phone=phone, name=name, address=address, phone=phone,
        applicants=applicants, eligibility=bookings_texts.FACILITY_CALLER,
        wish_from=wish.date_from.isoformat() if wish.date_from else None,
        wish_to=wish.date_to.isoformat() if wish.date_to else None,
        wish_weekdays=list(wish.weekdays) or None, wish_half=wish.half, other_notes=note)


def _home_intake_url_from(form: FacilityIntakeForm) -> str:
    """The home-visit intake, filled with what the operator already took down."""
    name = (form.name.data or "").strip()
    return _facility_home_intake_url(
        name, form.address.data or "", form.phone.data or "",
        (form.contact_person.data or "").strip(), form.estimated_applicants.data, _wish(form),
        f"福祉施設 {name}の申請{form.estimated_applicants.data}名を個人宅枠で訪問")


@bp.route("/operator/facilities/new", methods=["GET", "POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def intake() -> Any:
    record = require_active_season()
    form = FacilityIntakeForm()
    if request.method == "GET":
        return _intake_page(form)
    if not form.validate_on_submit():
        return _intake_page(form, 422)
    try:
        location = place(form)  # type: ignore[arg-type]
    except IntakeProblem as exc:
        target = getattr(form, exc.field)
        target.errors = [*target.errors, exc.message]
        return _intake_page(form, 422)
    data = ops.FacilityIntake(
        name=form.name.data.strip(), facility_type=form.facility_type.data,
        facility_type_other=(form.facility_type_other.data or "").strip() or None,
        address=form.address.data.strip(), lat=location.lat, lng=location.lng,
        town=_town(location.precision, location.matched),
        location_precision=location.precision, phone=form.phone.data,
        contact_person=form.contact_person.data.strip(),
        estimated_applicants=form.estimated_applicants.data, wish=_wish(form),
        notes=(form.notes.data or "").strip() or None,
        premeeting_requested=bool(form.premeeting_requested.data),
    )
    try:
        facility = ops.create_request(session(), record, data, current_user, clock.today())
    except ops.FacilityError as exc:
        target = getattr(form, exc.field)
        target.errors = [*target.errors, exc.message]
        home = exc.field == "estimated_applicants"
        return _intake_page(form, 422, _home_intake_url_from(form) if home else "")
    flash(f"福祉施設の依頼を受け付けました（依頼番号 F{facility.id}、"
          f"折り返し期限 {facility.callback_due.isoformat()}）。{CALLBACK_SCRIPT}", "success")
    outlook = scheduling.facility_offers(session(), record, facility, clock.today())
    for note in scheduling.intake_notes(outlook):
        flash(note, "warning")
    return redirect(url_for("facilities.intake"))


# --- managers: queue and dashboard --------------------------------------------------------


@bp.route("/manager/facilities")
@roles_required(Role.MANAGER)
def queue() -> Any:
    record = require_active_season()
    today = clock.today()
    show_all = request.args.get("all") == "1"
    rows = ops.queue(session(), record.id, include_closed=show_all)
    lists = []
    for facility in ops.queue(session(), record.id):
        first = scheduling.first_visit_date(facility)
        if facility.status == "scheduled" and first is not None:
            status = ops.list_status(facility, first, today)
            lists.append((facility, first, applicant_list.list_due(first), status,
                          ops.list_status_label(facility, status)))
    lists.sort(key=lambda t: t[1])
    rules = season_config(record).rules
    return render_template(
        "facilities/queue.html", record=record, rows=rows, lists=lists, today=today,
        todos={f.id: todo.todos(f, rules, today) for f in rows},
        show_all=show_all, labels=STATUS_LABELS, list_labels=LIST_STATUS_LABELS,
        overdue=ops.callback_overdue, first_visit=scheduling.first_visit_date,
    )


def _facility_or_404(record: SeasonRecord, facility_id: int) -> FacilityRequest:
    facility = session().get(FacilityRequest, facility_id)
    if facility is None or facility.season_id != record.id:
        abort(404)
    return facility


def _home_intake_url(facility: FacilityRequest) -> str:
    return _facility_home_intake_url(
        facility.name, facility.address, facility.phone, facility.contact_person or "",
        facility.estimated_applicants, facility_wish(facility),
        f"福祉施設 {facility.name}（依頼 F{facility.id}）の申請"
        f"{facility.estimated_applicants}名を個人宅枠で訪問")


def _detail_page(record: SeasonRecord, facility: FacilityRequest, status: int = 200,
                 **forms: Any) -> Any:
    today = clock.today()
    rules = season_config(record).rules
    offers = None
    if facility.status in ("new", "contacted"):
        offers = scheduling.facility_offers(session(), record, facility, today)
    callback = forms.get("callback_form") or CallbackForm(data={
        "applicants": facility.estimated_applicants, "wish_from": facility.wish_from,
        "wish_to": facility.wish_to, "wish_weekdays": facility.wish_weekdays or [],
        "wish_half": facility.wish_half or "",
        "premeeting_requested": facility.premeeting_requested})
    first = scheduling.first_visit_date(facility)
    list_status = ops.list_status(facility, first, today)
    return render_template(
        "facilities/detail.html", record=record, f=facility, rules=rules, offers=offers,
        todos=todo.todos(facility, rules, today),
        today=today, labels=STATUS_LABELS, event_labels=EVENT_LABELS, half_labels=HALF_LABELS,
        type_label=dict(FACILITY_TYPES).get(facility.facility_type, facility.facility_type),
        callback_form=callback,
        status_form=forms.get("status_form") or StatusForm(
            data={"applications_taken": ops.recorded_applications(session(), facility)}),
        unrecorded_parts=ops.unrecorded_parts(facility),
        linked_booking=ops.home_booking(session(), facility),
        applications_limit=ops.applications_limit(session(), facility),
        unschedule_form=forms.get("unschedule_form") or UnscheduleForm(),
        home_form=forms.get("home_form") or HomeBookingForm(),
        meeting_form=forms.get("meeting_form") or MeetingForm(),
        upload_form=forms.get("upload_form") or UploadForm(),
        plain_form=PlainForm(),
        refused=forms.get("refused"), list_errors=forms.get("list_errors"),
        checklist_rows=checklist.rows(facility), checklist_error=forms.get("checklist_error"),
        checklist_values=forms.get("checklist_values"),
        meeting_needed=meetings.meeting_needed(facility),
        planned_meetings=[m for m in facility.meetings if m.status == "planned"],
        first_visit=first, list_due=applicant_list.list_due(first),
        list_status=list_status, list_status_label=ops.list_status_label(facility, list_status),
        list_mismatch=ops.list_mismatch(facility),
        list_labels=LIST_STATUS_LABELS, home_intake_url=_home_intake_url(facility),
        transitions=ops.offered_transitions(session(), facility, today),
        visited_from=(ops.last_visit_date(session(), facility)
                      if "visited" in ops.TRANSITIONS.get(facility.status, ()) else None),
        time_forms=forms.get("time_forms") or {}, time_form_for=_time_form_for,
        agreed_earliest=scheduling.AGREED_EARLIEST, agreed_latest=scheduling.AGREED_LATEST,
    ), status


def _time_form_for(visit: FacilityVisit) -> AgreedTimeForm:
    return AgreedTimeForm(formdata=None, data={"agreed_time": visit.agreed_time or ""})


@bp.route("/manager/facilities/<int:facility_id>")
@roles_required(Role.MANAGER)
def detail(facility_id: int) -> Any:
    record = require_active_season()
    return _detail_page(record, _facility_or_404(record, facility_id))


def _done(facility: FacilityRequest, message: str) -> Any:
    flash(message, "success")
    return redirect(url_for("facilities.detail", facility_id=facility.id))


@bp.route("/manager/facilities/<int:facility_id>/callback", methods=["POST"])
@roles_required(Role.MANAGER)
def callback(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    form = CallbackForm()
    if not form.validate_on_submit():
        return _detail_page(record, facility, 422, callback_form=form)
    try:
        ops.record_callback(session(), facility, current_user, form.applicants.data, _wish(form),
                            bool(form.premeeting_requested.data), form.note.data or "")
    except ops.FacilityError as exc:
        target = getattr(form, exc.field, None) if exc.field else None
        if target is not None:
            target.errors = [*target.errors, exc.message]
        return _detail_page(record, facility, 422, callback_form=form,
                            refused=None if target is not None else [exc.message])
    return _done(facility, "折り返し連絡の内容を記録しました（状態: 連絡済）。")


@bp.route("/manager/facilities/<int:facility_id>/status", methods=["POST"])
@roles_required(Role.MANAGER)
def set_status(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail_page(record, facility, 422, status_form=form)
    try:
        ops.set_status(session(), facility, form.status.data, current_user, clock.today(),
                       form.note.data or "", applications_taken=form.applications_taken.data,
                       completed_on=form.completed_on.data)
    except ops.FacilityError as exc:
        target = getattr(form, exc.field, form.status)
        target.errors = [*target.errors, exc.message]
        return _detail_page(record, facility, 422, status_form=form)
    result = ""
    if facility.status == "visited":
        result = (f"（申請受付 {form.applications_taken.data}件、"
                  f"訪問完了日 {form.completed_on.data.isoformat()}）")
    return _done(facility, f"状態を「{STATUS_LABELS[facility.status]}」にしました{result}。")


@bp.route("/manager/facilities/<int:facility_id>/schedule", methods=["POST"])
@roles_required(Role.MANAGER)
def schedule(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    if not PlainForm().validate_on_submit():
        return _detail_page(record, facility, 400)
    try:
        parts = scheduling.schedule(session(), record, facility, request.form.get("offer", ""),
                                    current_user, clock.today())
    except ops.FacilityError as exc:
        return _detail_page(record, facility, 409, refused=[exc.message])
    when = "、".join(f"{p.visit_date.isoformat()} {HALF_LABELS[p.half]} {p.eta}（{p.applicants}名）"
                    for p in parts)
    return _done(facility, f"訪問日を決定しました: {when}")


@bp.route("/manager/facilities/<int:facility_id>/unschedule", methods=["POST"])
@roles_required(Role.MANAGER)
def unschedule(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    form = UnscheduleForm()
    if not form.validate_on_submit():
        return _detail_page(record, facility, 422, unschedule_form=form)
    try:
        scheduling.unschedule(session(), facility, form.note.data, current_user)
    except ops.FacilityError as exc:
        return _detail_page(record, facility, 409, refused=[exc.message])
    return _done(facility, "訪問日を取り消しました。候補から選び直してください。")


@bp.route("/manager/facilities/<int:facility_id>/visits/<int:visit_id>/time", methods=["POST"])
@roles_required(Role.MANAGER)
def set_agreed_time(facility_id: int, visit_id: int) -> Any:
    """The visit time agreed with the facility (HH:MM, 09:00-17:00), shown to the team next to
    the planner's 10:00 / 14:00."""
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    visit = session().get(FacilityVisit, visit_id)
    if visit is None or visit.facility_id != facility.id:
        abort(404)
    form = AgreedTimeForm()
    if not form.validate_on_submit():
        return _detail_page(record, facility, 422, time_forms={visit.id: form})
    try:
        value = scheduling.set_agreed_time(session(), visit, form.agreed_time.data or "",
                                           current_user)
    except ops.FacilityError as exc:
        form.agreed_time.errors = [*form.agreed_time.errors, exc.message]
        return _detail_page(record, facility, 422, time_forms={visit.id: form})
    when = f"{visit.visit_date.isoformat()} {HALF_LABELS[visit.half]}"
    return _done(facility, f"{when} の訪問時刻を{value}にしました（計画 {visit.eta}）。" if value
                 else f"{when} の訪問時刻を計画どおり（{visit.eta}）に戻しました。")


@bp.route("/manager/facilities/<int:facility_id>/home-booking", methods=["POST"])
@roles_required(Role.MANAGER)
def link_home_booking(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    form = HomeBookingForm()
    if not form.validate_on_submit():
        return _detail_page(record, facility, 422, home_form=form)
    try:
        booking = ops.link_home_booking(session(), record, facility, form.receipt_no.data,
                                        current_user)
    except ops.FacilityError as exc:
        form.receipt_no.errors = [*form.receipt_no.errors, exc.message]
        return _detail_page(record, facility, 422, home_form=form)
    return _done(facility, f"個人宅枠の予約（受付番号 {booking.receipt_no}）と結び付けました。")


@bp.route("/manager/facilities/<int:facility_id>/meetings", methods=["POST"])
@roles_required(Role.MANAGER)
def add_meeting(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    form = MeetingForm()
    if not form.validate_on_submit():
        if form.date.data and not form.date.errors and not form.half.errors:
            # the form refused another field (the time): show the day's conflicts with it
            conflicts = meetings.meeting_conflicts(session(), record, facility, form.date.data,
                                                   form.half.data, clock.today())
            form.date.errors = [*form.date.errors, *conflicts]
        return _detail_page(record, facility, 422, meeting_form=form)
    try:
        meeting = meetings.add_meeting(session(), record, facility, form.date.data,
                                       form.half.data, (form.time.data or "").strip(),
                                       (form.notes.data or "").strip(), current_user,
                                       clock.today())
    except meetings.MeetingRefused as exc:
        for name, reasons in exc.by_field.items():
            target = getattr(form, name)
            target.errors = [*target.errors, *reasons]
        return _detail_page(record, facility, 422, meeting_form=form)
    return _done(facility, f"事前打合せを登録しました: {meeting.date.isoformat()} "
                           f"{HALF_LABELS[meeting.half]}")


@bp.route("/manager/facilities/<int:facility_id>/meetings/<int:meeting_id>/cancel",
          methods=["POST"])
@roles_required(Role.MANAGER)
def cancel_meeting(facility_id: int, meeting_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    meeting = session().get(FacilityMeeting, meeting_id)
    if meeting is None or meeting.facility_id != facility.id:
        abort(404)
    if not PlainForm().validate_on_submit():
        return _detail_page(record, facility, 400)
    try:
        meetings.cancel_meeting(session(), meeting, current_user)
    except meetings.MeetingRefused as exc:
        return _detail_page(record, facility, 409, refused=exc.reasons)
    return _done(facility, "事前打合せを取り消しました。")


@bp.route("/manager/facilities/<int:facility_id>/checklist", methods=["POST"])
@roles_required(Role.MANAGER)
def save_checklist(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    if not PlainForm().validate_on_submit():
        return _detail_page(record, facility, 400)
    answers = {item.key: request.form.get(f"check_{item.key}", "") for item in checklist.ITEMS}
    try:
        changed = checklist.save(session(), facility, answers, current_user)
    except ValueError as exc:
        return _detail_page(record, facility, 422, checklist_error=str(exc),
                            checklist_values=answers)
    if not changed:
        flash("準備確認の変更はありません。", "info")
        return redirect(url_for("facilities.detail", facility_id=facility.id))
    return _done(facility, "準備確認を保存しました: " + "、".join(changed))


# --- applicant list -----------------------------------------------------------------------


@bp.route("/manager/facilities/template.<fmt>")
@roles_required(Role.MANAGER)
def list_template(fmt: str) -> Any:
    if fmt == "xlsx":
        return send_file(io.BytesIO(applicant_list.template_xlsx()), mimetype=XLSX,
                         as_attachment=True, download_name="applicant_list_template.xlsx")
    if fmt == "csv":
        return send_file(io.BytesIO(applicant_list.template_csv()), mimetype="text/csv",
                         as_attachment=True, download_name="applicant_list_template.csv")
    abort(404)


@bp.route("/manager/facilities/<int:facility_id>/applicants", methods=["GET", "POST"])
@roles_required(Role.MANAGER)
def applicants(facility_id: int) -> Any:
    """GET: the stored list (a view of personal data, logged). POST: upload a new list."""
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    if request.method == "POST":
        form = UploadForm()
        if not form.validate_on_submit():
            return _detail_page(record, facility, 400, upload_form=form)
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["ファイルを選んでください。"]
            return _detail_page(record, facility, 422, upload_form=form)
        limit = facility.scheduled_applicants or facility.estimated_applicants
        try:
            rows = applicant_list.parse_upload(upload.filename, upload.read(), limit,
                                               clock.today())
        except applicant_list.ListInvalid as exc:
            return _detail_page(record, facility, 422, upload_form=form,
                                list_errors=[str(e) for e in exc.errors])
        try:
            stored = ops.store_applicant_list(session(), facility, rows, current_user,
                                              upload.filename)
        except ops.FacilityError as exc:
            form.file.errors = [exc.message]
            return _detail_page(record, facility, 422, upload_form=form)
        flash(stored.message(), "success")
        shortfall = stored.shortfall()
        if shortfall:
            flash(shortfall, "warning")
        return redirect(url_for("facilities.detail", facility_id=facility.id))
    log_handling(session(), current_user, "view", ops.APPLICANT_LIST_RECORD, facility.id,
                 f"{facility.name} 申請者リスト閲覧（{len(facility.applicants)}名）")
    return render_template("facilities/applicants.html", f=facility)


@bp.route("/manager/facilities/<int:facility_id>/applicants/confirm", methods=["POST"])
@roles_required(Role.MANAGER)
def confirm_applicants(facility_id: int) -> Any:
    """The office keeps a stored list whose size differs from the re-booking (it checked
    with the facility), so it may go to the city as it is."""
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    if not PlainForm().validate_on_submit():
        return _detail_page(record, facility, 400)
    try:
        mismatch = ops.confirm_applicant_list(session(), facility, current_user)
    except ops.FacilityError as exc:
        return _detail_page(record, facility, 409, refused=[exc.message])
    return _done(facility, f"登録済みの申請者リスト（{mismatch.listed}名）をこのまま使うことを"
                           "記録しました。次の共有パッケージで小樽市へ送ります。")


@bp.route("/manager/facilities/<int:facility_id>/applicants.xlsx")
@roles_required(Role.MANAGER)
def applicants_xlsx(facility_id: int) -> Any:
    record = require_active_season()
    facility = _facility_or_404(record, facility_id)
    log_handling(session(), current_user, "export", ops.APPLICANT_LIST_RECORD, facility.id,
                 f"{facility.name} 申請者リスト出力（{len(facility.applicants)}名）")
    data = applicant_list.export_xlsx(facility.name, facility.applicants)
    return send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"applicants_F{facility.id}.xlsx")
