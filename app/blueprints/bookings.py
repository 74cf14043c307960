"""Operators' bookings: the reception list, each reception slip, cancellation."""

from __future__ import annotations

import dataclasses
import datetime as dt
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
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import HiddenInput

from app.auth.login import roles_required
from app.auth.roles import Role
from app.blueprints.common import require_active_season
from app.bookings import callbacks, records, texts
from app.bookings import operations as bookings
from app.bookings.forms import ChangeForm, IntakeForm
from app.bookings.intake import IntakeProblem, intake_from_form, parse_offer_key
from app.bookings.models import Booking
from app.bookings.offers import search_offers
from app.calls.operations import local_time
from app.db import session, utcnow
from app.forms import Form
from app.privacy.operations import log_handling
from app.seasons.operations import season_config

bp = Blueprint("bookings", __name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class CalledBackForm(Form):
    note = StringField("連絡の内容", validators=[
        Length(max=200, message="連絡の内容は200文字以内で入力してください。")])
    # The latest change the list showed: a later one makes the call outdated.
    event = IntegerField(widget=HiddenInput(), validators=[
        InputRequired("一覧を開き直してから押してください。")])


def _flash_renumbered() -> None:
    """Tell the operator whose visit time their action just changed: those callers must be
    phoned (they stay on the call-back list until someone records the call)."""
    moved = callbacks.renumbered_now(session())
    if moved:
        numbers = "・".join(str(b.receipt_no) for b in sorted(moved, key=lambda b: b.receipt_no))
        flash(f"この操作で、受付番号 {numbers} の訪問時間が変わりました。"
              "「再連絡」の一覧から、お客様へ新しい訪問時間を連絡してください。", "warning")


def _refusal(exc: bookings.SlotUnavailable) -> str:
    for said_as_is in (bookings.STALE_OFFER, bookings.SAME_SLOT):
        if said_as_is in exc.problems:
            return said_as_is
    return "他の予約が先に入ったか、条件に合わなくなりました。"


class CancelForm(Form):
    reason = TextAreaField("取消の理由", validators=[
        InputRequired("取消の理由を入力してください。"),
        Length(max=500, message="取消の理由は500文字以内で入力してください。")])
    # "y" once the operator has seen the 「本当に取り消しますか」 step (a cancellation
    # cannot be undone, and its place may be taken at once).
    confirmed = HiddenField()


def _booking_or_404(booking_id: int) -> Booking:
    record = require_active_season()
    booking = session().get(Booking, booking_id)
    if booking is None or booking.season_id != record.id:
        abort(404)
    return booking


def _same_person(name: str, birth_date: object) -> list[Booking]:
    """The live bookings of the caller's person, so the warning can link each slip: the
    operator checks it in another tab without losing the answers typed so far."""
    season_id = require_active_season().id
    numbers = records.same_person(session(), season_id, name, birth_date)
    if not numbers:
        return []
    return list(session().scalars(select(Booking).where(
        Booking.season_id == season_id, Booking.receipt_no.in_(numbers))
        .order_by(Booking.receipt_no)))


def _intake_page(form: IntakeForm, status: int = 200, **extra: Any) -> Any:
    if "result" in extra and form.name.data and form.birth_date.data:
        extra["same_person"] = _same_person(form.name.data, form.birth_date.data)
    return render_template("bookings/intake.html", form=form, texts=texts, **extra), status


PREFILL_FIELDS = ("address", "phone", "other_notes", "caller_name", "caller_phone",
                  "caller_relationship", "name", "eligibility", "wish_from", "wish_to",
                  "wish_half")


def _prefill(args: Any) -> dict[str, Any]:
    """Answers handed over in the URL (a facility of 5 or fewer booked into a home slot,
    issue 6): a few text fields and the number of applicants, nothing else."""
    data: dict[str, Any] = {k: args[k][:1000] for k in PREFILL_FIELDS if args.get(k)}
    for key in ("wish_from", "wish_to"):
        if key in data:
            try:
                data[key] = dt.date.fromisoformat(data[key])
            except ValueError:
                del data[key]
    weekdays = [int(d) for d in args.getlist("wish_weekdays") if d in ("0", "1", "2", "3", "4")]
    if weekdays:
        data["wish_weekdays"] = weekdays
    applicants = args.get("applicants") or ""
    if applicants.isascii() and applicants.isdigit():  # isdigit() alone passes "²"
        data["applicants"] = int(applicants)
    return data


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def intake() -> Any:
    """The call: take the answers, offer dates that fit, book the one the caller takes."""
    record = require_active_season()
    if request.method == "GET":
        return _intake_page(IntakeForm(data=_prefill(request.args)))
    form = IntakeForm()
    if not form.validate_on_submit():
        return _intake_page(form, 422)
    config = season_config(record)
    try:
        data, location = intake_from_form(form, config)
    except IntakeProblem as exc:
        getattr(form, exc.field).errors = [*getattr(form, exc.field).errors, exc.message]
        return _intake_page(form, 422)
    offer_key = request.form.get("offer")
    if offer_key:
        slot = parse_offer_key(offer_key)
        try:
            if slot is None:  # e.g. a page loaded before the key format changed
                raise bookings.SlotUnavailable([bookings.STALE_OFFER])
            booking = bookings.reserve(session(), record, data, slot, current_user.id)
        except bookings.SlotUnavailable as exc:
            result = search_offers(session(), record, data)
            return _intake_page(form, 409, location=location, result=result,
                                refused=_refusal(exc))
        flash(f"予約しました。受付番号 {booking.receipt_no}、"
              f"{texts.visit_when(booking.visit_date, booking.half, booking.eta)}。"
              f"{texts.prepare_script(booking.application_type, booking.details)}", "success")
        _flash_renumbered()
        return redirect(url_for("bookings.slip", booking_id=booking.id))
    result = search_offers(session(), record, data)
    return _intake_page(form, location=location, result=result)


@bp.route("/")
@roles_required(Role.OPERATOR, Role.MANAGER)
def reception_list() -> Any:
    record = require_active_season()
    rows = [records.list_row(b) for b in records.reception_list(session(), record.id)]
    log_handling(session(), current_user, "view", "reception_list", record.id, f"{len(rows)}件")
    return render_template("bookings/list.html", record=record, rows=rows,
                           columns=records.LIST_COLUMNS)


@bp.route("/search")
@roles_required(Role.OPERATOR, Role.MANAGER)
def search() -> Any:
    """予約の検索: a caller who wants to change or cancel but has no receipt number at hand.

    The handling log records what kind of term was searched and which receipt numbers were
    shown, never the term: the log is append-only and outlives the personal data (§9
    deletion leaves it as the evidence), so a name or phone number copied into it could never
    be deleted — the other pages log receipt numbers and counts for the same reason."""
    record = require_active_season()
    term = (request.args.get("q") or "").strip()[:100]
    result = records.search(session(), record.id, term) if term else None
    if result is not None and not result.problem:
        shown = "・".join(str(b.receipt_no) for b in result.bookings)
        log_handling(session(), current_user, "view", "reception_list", record.id,
                     f"予約の検索（{records.SEARCH_KINDS[result.kind]}）"
                     f"{len(result.bookings)}件" + (f" 受付番号 {shown}" if shown else ""))
    return render_template("bookings/search.html", record=record, term=term, result=result,
                           kinds=records.SEARCH_KINDS, texts=texts,
                           status_labels=records.STATUS_LABELS)


def _callback_page(failed: tuple[int, CalledBackForm] | None = None, status: int = 200) -> Any:
    record = require_active_season()
    rows = callbacks.due(session(), record.id)
    log_handling(session(), current_user, "view", "callback_list", record.id, f"{len(rows)}件")
    return render_template("bookings/callbacks.html", record=record, rows=rows,
                           form=CalledBackForm(formdata=None), failed=failed,
                           half_labels=texts.HALF_LABELS,
                           status_labels=records.STATUS_LABELS), status


@bp.route("/callbacks")
@roles_required(Role.OPERATOR, Role.MANAGER)
def callback_list() -> Any:
    """再連絡: callers whose visit time or date changed without them (see callbacks)."""
    return _callback_page()


@bp.route("/<int:booking_id>/called-back", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def called_back(booking_id: int) -> Any:
    booking = _booking_or_404(booking_id)
    form = CalledBackForm()
    if not form.validate_on_submit():
        return _callback_page((booking.id, form), 422)
    try:
        callbacks.mark_called(session(), booking, current_user, form.note.data or "",
                              form.event.data or 0)
    except callbacks.NothingToCall as exc:
        flash(str(exc), "warning")
        return _callback_page(status=422)
    flash(f"受付番号 {booking.receipt_no} のお客様へ連絡済みとして記録しました。", "success")
    return redirect(url_for("bookings.callback_list"))


@bp.route("/list.xlsx")
@roles_required(Role.OPERATOR, Role.MANAGER)
def reception_list_xlsx() -> Any:
    record = require_active_season()
    rows = records.reception_list(session(), record.id)
    data = records.reception_list_xlsx(record.title, rows)
    log_handling(session(), current_user, "export", "reception_list", record.id,
                 f"受付一覧表 Excel（{len(rows)}件）")
    return send_file(io.BytesIO(data), as_attachment=True, mimetype=XLSX,
                     download_name=f"reception_list_{record.name}.xlsx")


def _slip_page(booking: Booking, form: CancelForm | None = None, status: int = 200,
               cancel_step: str = "") -> Any:
    """The slip; `cancel_step` ("error" or "confirm") puts the cancel form at the top of the
    page, where the operator sees it, instead of below the history."""
    if cancel_step == "error" and form is not None:
        form.reason.render_kw = {"autofocus": True}
    booked = booking.status == "booked"
    return render_template(
        "bookings/slip.html", booking=booking, texts=texts, form=form or CancelForm(),
        status_label=records.STATUS_LABELS[booking.status], cancel_step=cancel_step,
        day_passed=booked and bookings.visit_day_passed(booking),
        past_note=bookings.past_visit_day(booking, "変更・取消できません"),
        change_refused=bookings.change_refusal(booking),
        on_visit_day=booked and bookings.on_visit_day(booking),
        same_day_cancel_note=bookings.SAME_DAY_CANCEL_NOTE,
    ), status


@bp.route("/<int:booking_id>")
@roles_required(Role.OPERATOR, Role.MANAGER)
def slip(booking_id: int) -> Any:
    booking = _booking_or_404(booking_id)
    log_handling(session(), current_user, "view", "booking", booking.id,
                 f"受付票 受付番号 {booking.receipt_no}")
    return _slip_page(booking)


@bp.route("/<int:booking_id>/print")
@roles_required(Role.OPERATOR, Role.MANAGER)
def slip_print(booking_id: int) -> Any:
    """The slip to print: its own page, so that printing is recorded as 印刷 in the handling
    log (第15), as the route sheet's is; the slip page's 「印刷」 leads here."""
    booking = _booking_or_404(booking_id)
    log_handling(session(), current_user, "print", "booking", booking.id,
                 f"受付票 受付番号 {booking.receipt_no}")
    return render_template(
        "bookings/slip.html", booking=booking, texts=texts, form=CancelForm(), printing=True,
        status_label=records.STATUS_LABELS[booking.status], printed_at=local_time(utcnow()))


@bp.route("/<int:booking_id>/cancel", methods=["POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def cancel(booking_id: int) -> Any:
    booking = _booking_or_404(booking_id)
    refusal = bookings.cancel_refusal(booking)
    if refusal:
        # The slip has no cancel form any more: say so above it.
        flash(refusal, "error")
        return _slip_page(booking, status=422)
    form = CancelForm()
    if not form.validate_on_submit():
        return _slip_page(booking, form, 422, "error")
    if form.confirmed.data != "y":
        log_handling(session(), current_user, "view", "booking", booking.id,
                     f"受付票 受付番号 {booking.receipt_no}（取消の確認）")
        return _slip_page(booking, form, cancel_step="confirm")
    try:
        bookings.cancel(session(), require_active_season(), booking, form.reason.data or "",
                        current_user.id)
    except bookings.SlotUnavailable as exc:
        form.reason.errors = list(exc.problems)
        return _slip_page(booking, form, 422, "error")
    flash(f"受付番号 {booking.receipt_no} の予約を取り消しました。"
          + ("本日の訪問のため、訪問ルート表に「当日取消」として記録しました。"
             if booking.outcome_recorded_at else ""), "success")
    _flash_renumbered()
    return redirect(url_for("bookings.slip", booking_id=booking.id))


def _change_page(booking: Booking, form: ChangeForm, status: int = 200, **extra: Any) -> Any:
    """The change page names the person (第15: a view of personal data, so logged)."""
    log_handling(session(), current_user, "view", "booking", booking.id,
                 f"受付票 受付番号 {booking.receipt_no}（予約の変更）")
    return render_template("bookings/change.html", booking=booking, form=form, texts=texts,
                           **extra), status


@bp.route("/<int:booking_id>/change", methods=["GET", "POST"])
@roles_required(Role.OPERATOR, Role.MANAGER)
def change(booking_id: int) -> Any:
    """The caller asks for another day: search places for the new wish, move the booking."""
    booking = _booking_or_404(booking_id)
    record = require_active_season()
    refusal = bookings.change_refusal(booking)
    if refusal:
        flash(refusal, "warning")
        return redirect(url_for("bookings.slip", booking_id=booking.id))
    if request.method == "GET":
        form = ChangeForm(data={"wish_from": booking.wish_from, "wish_to": booking.wish_to,
                                "wish_weekdays": booking.wish_weekdays or [],
                                "wish_half": booking.wish_half or ""})
        return _change_page(booking, form)
    form = ChangeForm()
    if not form.validate_on_submit():
        return _change_page(booking, form, 422)
    intake = dataclasses.replace(bookings.intake_of(booking), wish=form.wish())
    offer_key = request.form.get("offer")
    if offer_key and not form.reason_given():
        result = search_offers(session(), record, intake, moving=booking.id)
        return _change_page(booking, form, 422, result=result)
    if offer_key:
        slot = parse_offer_key(offer_key)
        try:
            if slot is None:
                raise bookings.SlotUnavailable([bookings.STALE_OFFER])
            bookings.reschedule(session(), record, booking, slot, form.wish(),
                                form.reason.data or "", current_user.id)
        except bookings.SlotUnavailable as exc:
            result = search_offers(session(), record, intake, moving=booking.id)
            return _change_page(booking, form, 409, result=result, refused=_refusal(exc))
        flash(f"受付番号 {booking.receipt_no} の予約を "
              f"{texts.visit_when(booking.visit_date, booking.half, booking.eta)} に変更しました。"
              "新しい訪問日時をお伝えください。", "success")
        _flash_renumbered()
        return redirect(url_for("bookings.slip", booking_id=booking.id))
    result = search_offers(session(), record, intake, moving=booking.id)
    return _change_page(booking, form, result=result)
