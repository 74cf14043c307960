"""City visit teams: the visit days, each team-day's route sheet (page, print, PDF), the
applicant list of each facility stop, and the day's outcome of each visit. Every view, print
and PDF of a sheet or a list is written to the handling log (SPEC §12 第15)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask import session as browser_session
from flask_login import current_user
from markupsafe import Markup

from app import clock
from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.bookings.models import Booking
from app.calls.operations import local_time
from app.db import session, utcnow
from app.facilities.models import FacilityVisit
from app.facilities.operations import APPLICANT_LIST_RECORD
from app.privacy.operations import log_handling
from app.routesheets import outcomes
from app.routesheets.day_list import day_list
from app.routesheets.pdf import render_pdf
from app.routesheets.sheet import (
    SHEET_RECORD_TYPE,
    NoSuchSheet,
    RouteSheet,
    Stop,
    build_route_sheet,
    sheet_bookings,
    sheet_facility_visits,
)
from app.routesheets.sketch import build_sketch, svg
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config, visit_days_of

bp = Blueprint("teams", __name__)


@bp.route("/")
@roles_required(Role.TEAM, Role.MANAGER)
def index() -> Any:
    """Today and the next day with visits first, then the past days still lacking a result,
    then the other days (the days without a visit for the user's team folded away)."""
    record = require_active_season()
    config = season_config(record)
    teams = [t for t in range(1, config.rules.teams + 1) if current_user.may_open_team(t)]
    days = day_list(session(), record.id, visit_days_of(record), teams, clock.today())
    return render_template("teams/index.html", record=record, config=config, days=days,
                           teams=teams)


@bp.app_template_filter("tel_href")
def tel_href(phone: str) -> str:
    """A phone number as a `tel:` link target: its digits only (full-width ones too), so a
    phone dials it with one tap; a leading + stays."""
    digits = "".join(c for c in phone.translate(outcomes.FULLWIDTH_DIGITS) if c in "0123456789")
    return "tel:" + ("+" if phone.strip().startswith(("+", "＋")) else "") + digits


def _sheet_or_404(date: str, team: int) -> tuple[SeasonRecord, RouteSheet]:
    record = require_active_season()
    try:
        on = dt.date.fromisoformat(date)
    except ValueError:
        abort(404)
    if not 1 <= team <= season_config(record).rules.teams:
        abort(404)
    if not current_user.may_open_team(team):
        abort(403)  # another team's sheet: its visitors' data are not this member's to see
    try:
        return record, build_route_sheet(session(), record, on, team)
    except NoSuchSheet:
        abort(404)


def _log_sheet(action: str, sheet: RouteSheet) -> None:
    """One row for the sheet; before it, one row per facility applicant list the print page
    or the PDF carries (the list's own record, so its history shows the team's copies)."""
    if action in ("print", "export"):
        what = "印刷" if action == "print" else "PDF出力"
        for stop in sheet.stops:
            if stop.applicant_lines:
                log_handling(session(), current_user, action, APPLICANT_LIST_RECORD,
                             stop.facility_id, f"{stop.name} 申請者リスト{what}"
                             f"（ルート表 {sheet.record_id}、{len(stop.applicant_lines)}名）")
    receipts = [str(s.receipt_no) for s in sheet.stops if s.receipt_no is not None]
    parts = [f"福祉施設 {s.name}" + (f"（申請者リスト{len(s.applicant_lines)}名）"
                                   if s.applicant_lines and action != "view" else "")
             for s in sheet.stops if s.kind == "facility"]
    detail = "、".join(
        ([f"受付番号 {', '.join(receipts)}（{len(receipts)}件）"] if receipts else []) + parts
    ) or "訪問なし"
    log_handling(session(), current_user, action, SHEET_RECORD_TYPE, sheet.record_id, detail)


def _sheet_page(record: SeasonRecord, sheet: RouteSheet, forms: dict[int, Any] | None = None,
                status: int = 200, facility_forms: dict[int, Any] | None = None,
                saved: dict[str, str] | None = None) -> Any:
    bookings = {b.id: b for b in sheet_bookings(session(), record.id, sheet.date, sheet.team)}
    all_forms = {bid: outcomes.form_for(b) for bid, b in bookings.items()}
    all_forms.update(forms or {})
    visits = sheet_facility_visits(session(), record.id, sheet.date, sheet.team)
    all_facility_forms = {v.id: outcomes.facility_form_for(v) for v in visits}
    all_facility_forms.update(facility_forms or {})
    return render_template(
        "teams/sheet.html", sheet=sheet, sketch=Markup(svg(build_sketch(sheet))),
        forms=all_forms, facility_forms=all_facility_forms,
        can_record=sheet.date <= clock.today(), printing=False, saved=saved or {},
    ), status


@bp.route("/days/<date>/<int:team>")
@roles_required(Role.TEAM, Role.MANAGER)
def route_sheet(date: str, team: int) -> Any:
    record, sheet = _sheet_or_404(date, team)
    _log_sheet("view", sheet)
    return _sheet_page(record, sheet, saved=browser_session.pop(SAVED_KEY, None))


@bp.route("/days/<date>/<int:team>/print")
@roles_required(Role.TEAM, Role.MANAGER)
def route_sheet_print(date: str, team: int) -> Any:
    _record, sheet = _sheet_or_404(date, team)
    _log_sheet("print", sheet)
    return render_template(
        "teams/sheet_print.html", sheet=sheet, sketch=Markup(svg(build_sketch(sheet))),
        printing=True, printed_at=local_time(utcnow()),
    )


@bp.route("/days/<date>/<int:team>/sheet.pdf")
@roles_required(Role.TEAM, Role.MANAGER)
def route_sheet_pdf(date: str, team: int) -> Any:
    _record, sheet = _sheet_or_404(date, team)
    _log_sheet("export", sheet)
    data = render_pdf(sheet, current_user.display_name, local_time(utcnow()),
                      current_app.config["ROUTE_SHEET_FONT"])
    return send_file(io.BytesIO(data), mimetype="application/pdf", as_attachment=False,
                     download_name=f"route_{sheet.date.isoformat()}_team{sheet.team}.pdf")


@bp.route("/days/<date>/<int:team>/facility/<int:visit_id>/applicants")
@roles_required(Role.TEAM, Role.MANAGER)
def facility_applicants(date: str, team: int, visit_id: int) -> Any:
    """A facility stop's applicant list for the team on site (SPEC §8): name, date of birth,
    proxy writer, face-authentication card, delivery, reason, other needs. Only for a
    facility visit on a sheet the user may open (another team's: 403, not on the sheet:
    404); showing it is a view of personal data, logged. After the deletion it says so."""
    _record, sheet = _sheet_or_404(date, team)
    found = _facility_stop(sheet, visit_id)
    if found is None:
        abort(404)
    half_label, stop = found
    if stop.applicant_lines:
        log_handling(session(), current_user, "view", APPLICANT_LIST_RECORD, stop.facility_id,
                     f"{stop.name} 申請者リスト閲覧（ルート表 {sheet.record_id}、"
                     f"{len(stop.applicant_lines)}名）")
    return render_template("teams/facility_applicants.html", sheet=sheet, stop=stop,
                           half_label=half_label)


def _facility_stop(sheet: RouteSheet, visit_id: int) -> tuple[str, Stop] | None:
    for half in sheet.halves:
        for stop in half.stops:
            if stop.kind == "facility" and stop.facility_visit_id == visit_id:
                return half.label, stop
    return None


def _with_over_booking(message: str, outcome: str, taken: int | None, booked: int,
                       what: str) -> str:
    """The saved-outcome confirmation, with the notice when more applications than booked
    were recorded (said beside the stop, where the team member is looking)."""
    notice = outcomes.over_booking_notice(outcome, taken, booked, what)
    return f"{message}{notice}" if notice else message


def _back_to_stop(date: str, team: int, anchor: str) -> Any:
    """An outcome URL opened as a page leads to its stop on the sheet: the address bar shows
    it after a refused save, and the log-in page returns to it (`next`) when the session
    ended before a save reached the view (a phone's changed address fails the session's
    "strong" protection after the CSRF check has passed)."""
    return redirect(url_for("teams.route_sheet", date=date, team=team) + f"#{anchor}")


# The confirmation of a saved outcome, shown once beside its stop (see `_saved_redirect`).
SAVED_KEY = "route_sheet_saved"


def _saved_redirect(date: str, team: int, anchor: str, message: str) -> Any:
    """Back to the stop after a save. The confirmation is shown beside the stop rather than
    as a flash at the top of the page, which a phone scrolled to the stop never shows; it also
    names the form's action, so the page's script drops the browser's unsaved draft of it."""
    browser_session[SAVED_KEY] = {"anchor": anchor, "action": request.path, "message": message}
    return _back_to_stop(date, team, anchor)


def _saved(form: Any, save: Callable[[], None]) -> bool:
    """Validate an outcome form and run `save`; a refusal lands on the field it names."""
    if not form.validate():
        return False
    try:
        save()
    except outcomes.OutcomeProblem as exc:
        getattr(form, exc.field).errors = [*getattr(form, exc.field).errors, exc.message]
        return False
    return True


@bp.route("/days/<date>/<int:team>/outcome/<int:booking_id>", methods=["GET", "POST"])
@roles_required(Role.TEAM, Role.MANAGER)
def record_outcome(date: str, team: int, booking_id: int) -> Any:
    if request.method == "GET":
        return _back_to_stop(date, team, f"stop-{booking_id}")
    record, sheet = _sheet_or_404(date, team)
    booking = session().get(Booking, booking_id)
    if booking is None or booking_id not in sheet.booking_ids:
        abort(404)
    form = outcomes.form_for(booking, request.form)
    if _saved(form, lambda: outcomes.record_route_sheet_outcome(
            session(), booking, form.outcome.data or "", form.applications_taken.data,
            form.notes.data or "", current_user, clock.today())):
        return _saved_redirect(date, team, f"stop-{booking.id}", _with_over_booking(
            f"受付番号 {booking.receipt_no} の訪問結果を"
            f"「{outcomes.OUTCOME_LABELS[booking.status]}」で記録しました。",
            booking.status, booking.applications_taken, booking.applicants, "予約"))
    # A refused save re-shows the sheet with the input kept. The request rolls back (422),
    # so this re-display is not logged; the sheet view that led to the form was.
    return _sheet_page(record, sheet, {booking.id: form}, 422)


@bp.route("/days/<date>/<int:team>/facility-outcome/<int:visit_id>", methods=["GET", "POST"])
@roles_required(Role.TEAM, Role.MANAGER)
def record_facility_outcome(date: str, team: int, visit_id: int) -> Any:
    """A facility half-day's outcome: visited with N applications, or cancelled on the day."""
    if request.method == "GET":
        return _back_to_stop(date, team, f"stop-f{visit_id}")
    record, sheet = _sheet_or_404(date, team)
    visit = session().get(FacilityVisit, visit_id)
    if visit is None or visit_id not in sheet.facility_visit_ids:
        abort(404)
    form = outcomes.facility_form_for(visit, request.form)
    if _saved(form, lambda: outcomes.record_facility_outcome(
            session(), visit, form.outcome.data or "", form.applications_taken.data,
            form.notes.data or "", current_user, clock.today())):
        return _saved_redirect(date, team, f"stop-f{visit.id}", _with_over_booking(
            f"{visit.facility.name} の訪問結果を"
            f"「{outcomes.FACILITY_OUTCOME_LABELS[visit.status]}」で記録しました。",
            visit.status, visit.applications_taken, visit.applicants, "予定"))
    return _sheet_page(record, sheet, status=422, facility_forms={visit.id: form})


def expired_form_page() -> Any:
    """The page shown when an outcome form comes back without a valid session or CSRF token
    (the idle logout, SESSION_LIFETIME_MINUTES, fell in the middle of a visit). What was
    typed is kept as a draft in the browser tab (route_sheet.js), so the page says so and leads
    back to the sheet, through the log-in page (with `next`) if the session is gone."""
    args = request.view_args or {}
    if "date" in args and "team" in args:
        sheet = url_for("teams.route_sheet", date=args["date"], team=args["team"])
    else:
        sheet = url_for("teams.index")
    logged_in = current_user.is_authenticated
    back = sheet if logged_in else url_for("auth.login", next=sheet)
    return render_template("teams/expired.html", back=back, logged_in=logged_in), 400
