"""The JSON API (`/api/v1`): slot offers and bookings for the page's scripts and integrations.

Same log-in and roles as the operator pages (session cookie; POST needs the X-CSRFToken
header). Errors are JSON: `{"error", "message"}`, plus `"errors": [{"field", "reason"}]` for
bad input. The OpenAPI document (`/api/v1/openapi.json`) is public: it describes the shapes
only, never data.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, jsonify, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf

from app.auth.login import login_manager, roles_required
from app.auth.roles import Role
from app.bookings import api_io, callbacks, records
from app.bookings import operations as bookings
from app.bookings.api_io import FieldProblem, error_response, invalid
from app.bookings.api_spec import openapi_document
from app.bookings.intake import (
    IntakeProblem,
    intake_from_form,
    locate_point,
    parse_offer_key,
)
from app.bookings.models import Booking
from app.bookings.offers import search_offers
from app.db import session
from app.seasons.models import SeasonRecord
from app.seasons.operations import active_season, season_config

bp = Blueprint("api", __name__, url_prefix="/api/v1")

BOOKING_ROLES = (Role.OPERATOR, Role.MANAGER)


def init_api(app: Flask) -> None:
    app.register_blueprint(bp)
    # No log-in redirect for the API: Flask-Login aborts with 401 (answered as JSON).
    login_manager.blueprint_login_views[bp.name] = None  # type: ignore[assignment]


def _season() -> SeasonRecord | None:
    return active_season(session())


def _no_season() -> Any:
    return error_response(404, api_io.NO_SEASON_MESSAGE, error="no_active_season")


def _no_calendar() -> Any:
    return error_response(409, api_io.NO_CALENDAR_MESSAGE, error="no_calendar")


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.get("/session")
@login_required
def session_info() -> Any:
    return jsonify({"user": current_user.username, "name": current_user.display_name,
                    "role": current_user.role, "csrf_token": generate_csrf()})


@bp.get("/slots")
@roles_required(*BOOKING_ROLES)
def slots() -> Any:
    record = _season()
    if record is None:
        return _no_season()
    if not record.visit_days:
        return _no_calendar()
    form, problems = api_io.slot_query(request.args)
    if problems:
        return invalid(problems)
    try:
        location = locate_point(form.address.data or "", form.lat.data, form.lng.data,
                                season_config(record).travel)
    except IntakeProblem as exc:
        return invalid([FieldProblem(exc.field, exc.message)])
    result = search_offers(session(), record, api_io.query_intake(form, location))
    return jsonify({"location": api_io.location_json(location), **api_io.offers_json(result)})


@bp.post("/bookings")
@roles_required(*BOOKING_ROLES)
def create_booking() -> Any:
    record = _season()
    if record is None:
        return _no_season()
    if not record.visit_days:
        return _no_calendar()
    body = api_io.json_body()
    if body is None:
        return error_response(400, "本文には JSON オブジェクト（Content-Type: application/json）を"
                                   "送ってください。", error="invalid_json")
    form, problems = api_io.intake_form(body)
    key = body.get("offer")
    slot = parse_offer_key(key) if isinstance(key, str) else None
    if not key:
        problems.append(FieldProblem("offer", "予約する枠（offer: GET /api/v1/slots の key）を"
                                              "指定してください。"))
    elif slot is None:
        problems.append(FieldProblem("offer", "予約する枠（offer）の形式が正しくありません。"))
    if problems:
        return invalid(problems)
    assert slot is not None
    try:
        data, _location = intake_from_form(form, season_config(record))
    except IntakeProblem as exc:
        return invalid([FieldProblem(exc.field, exc.message)])
    try:
        booking = bookings.reserve(session(), record, data, slot, current_user.id)
    except bookings.SlotUnavailable:
        fresh = search_offers(session(), record, data)
        return error_response(409, api_io.SLOT_TAKEN_MESSAGE, error="slot_taken",
                              offers=api_io.offers_json(fresh)["offers"])
    slip_url = url_for("bookings.slip", booking_id=booking.id)
    same_person = [n for n in records.same_person(session(), record.id, booking.name or "",
                                                  booking.birth_date)
                   if n != booking.receipt_no]
    response = jsonify(api_io.booking_created_json(
        booking, slip_url, callbacks.renumbered_now(session()), same_person))
    response.headers["Location"] = url_for("api.booking", booking_id=booking.id)
    return response, 201


@bp.get("/bookings/<int:booking_id>")
@roles_required(*BOOKING_ROLES)
def booking(booking_id: int) -> Any:
    record = _season()
    if record is None:
        return _no_season()
    found = session().get(Booking, booking_id)
    if found is None or found.season_id != record.id:
        return error_response(404, f"予約 {booking_id} は見つかりません。")
    return jsonify(api_io.booking_summary_json(
        found, url_for("bookings.slip", booking_id=found.id)))
