"""The JSON API's input and output: JSON -> form data -> the same validation as the pages.

The API validates with the operator page's own `IntakeForm` (and a small `SlotQueryForm` for
the offer search), so a JSON client and the page can never disagree about a rule. Every
problem comes back as `{"field", "reason"}` with the exact input name and a Japanese reason.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, jsonify, request
from werkzeug.datastructures import MultiDict
from wtforms import (
    DateField,
    FloatField,
    Form,
    IntegerField,
    SelectField,
    SelectFieldBase,
    StringField,
    ValidationError,
)
from wtforms.validators import Length, NumberRange, Optional

from app.bookings import texts
from app.bookings.birth_dates import FORMS_MESSAGE
from app.bookings.forms import IntakeForm
from app.bookings.intake import LocationView
from app.bookings.models import Booking
from app.bookings.offers import OfferResult
from app.bookings.operations import Intake
from app.forms import error_line
from solver.season import Wish

API_PREFIX = "/api/"

WEEKDAY_LABELS = ("月", "火", "水", "木", "金")

# Generic messages of the JSON error shape, by HTTP status (code, Japanese message).
ERRORS: dict[int, tuple[str, str]] = {
    400: ("bad_request", "リクエストの内容が正しくありません。"),
    401: ("unauthorized", "ログインしてください（セッションがないか、有効期限が切れています）。"),
    403: ("forbidden", "この操作を行う権限がありません。"),
    404: ("not_found", "指定されたものが見つかりません。"),
    405: ("method_not_allowed", "このURLではこのメソッドは使えません。"),
    409: ("conflict", "他の操作と競合しました。"),
    413: ("payload_too_large", "リクエストが大きすぎます。"),
    415: ("unsupported_media_type", "Content-Type が正しくありません。"),
    422: ("invalid_input", "入力内容に誤りがあります。"),
    500: ("server_error",
          "システムエラーが発生しました。入力内容は保存されていません。管理者に連絡してください。"),
}

CSRF_REASONS: dict[str, str] = {
    "The CSRF token is missing.":
        "X-CSRFToken ヘッダーがありません。GET /api/v1/session の csrf_token を付けてください。",
    "The CSRF session token is missing.":
        "セッションがありません。ログインしてから GET /api/v1/session のトークンを使ってください。",
    "The CSRF token is invalid.": "X-CSRFToken ヘッダーのトークンが正しくありません。",
    "The CSRF token has expired.": "CSRFトークンの有効期限が切れました。取得し直してください。",
    "The CSRF tokens do not match.": "CSRFトークンがこのセッションのものではありません。",
    "The referrer header is missing.":
        "HTTPS では Referer ヘッダー（https://このサーバー/）も必要です。",
    "The referrer does not match the host.": "Referer ヘッダーがこのサーバーと一致しません。",
}
NO_SEASON_MESSAGE = "受付中のシーズンがありません。管理者にシーズンの設定を依頼してください。"
NO_CALENDAR_MESSAGE = "訪問日のカレンダーがまだ作成されていないため、予約を受け付けられません。"
SLOT_TAKEN_MESSAGE = (
    "他の予約が先に入ったか、条件に合わなくなったため、この枠は予約できませんでした。"
    "新しい候補（offers）から選び直してください。"
)


def is_api_request() -> bool:
    return request.path.startswith(API_PREFIX)


def error_response(status: int, message: str | None = None, error: str | None = None,
                   **extra: Any) -> tuple[Response, int]:
    """The API's one error shape: {"error": code, "message": Japanese, ...extra}."""
    code, default = ERRORS.get(status, ("error", "エラーが発生しました。"))
    return jsonify({"error": error or code, "message": message or default, **extra}), status


@dataclass(frozen=True)
class FieldProblem:
    field: str
    reason: str


def invalid(problems: list[FieldProblem]) -> tuple[Response, int]:
    return error_response(
        422, errors=[{"field": p.field, "reason": p.reason} for p in problems])


# --- JSON -> form data ------------------------------------------------------------------------

def json_body() -> dict[str, Any] | None:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else None


def to_formdata(body: dict[str, Any], blank: Form, skip: frozenset[str] = frozenset(),
                ) -> tuple[MultiDict[str, str], list[FieldProblem]]:
    """JSON members as form values: lists repeat a name, numbers become text, null is absent.

    `blank` is an empty form of the target class (for its field names and labels). Unknown
    names are refused: a misspelt field would otherwise be silently ignored.
    """
    fields = {name: field for name, field in blank._fields.items() if name != "csrf_token"}
    data: MultiDict[str, str] = MultiDict()
    problems: list[FieldProblem] = []
    for name, value in body.items():
        if name in skip:
            continue
        if name not in fields:
            problems.append(FieldProblem(name, f"「{name}」という項目はありません。"))
            continue
        values = value if isinstance(value, list) else [value]
        for item in values:
            if item is None:
                continue
            if isinstance(item, bool | dict | list):
                problems.append(FieldProblem(
                    name, f"{fields[name].label.text}には文字列か数値を指定してください。"))
                break
            data.add(name, str(item))
    return data, problems


def _japanese(text: str) -> bool:
    return any(ord(ch) > 0x2FFF for ch in text)


def _reason(field: Any, message: str) -> str:
    """WTForms' own (English) messages in Japanese, naming the field by its label; the
    form's Japanese messages as the page shows them (`error_line`: the label once). An
    unreadable birth date names the documented form first (the page's message lists the
    forms an operator types)."""
    if message == FORMS_MESSAGE:
        return (f"{field.label.text}は日付（YYYY-MM-DD）で入力してください"
                "（和暦の「昭和19年3月15日」なども読めます）。")
    if _japanese(message):
        return error_line(field, message)
    label = field.label.text
    if isinstance(field, DateField):
        return f"{label}は日付（YYYY-MM-DD）で入力してください。"
    if isinstance(field, IntegerField):
        return f"{label}は整数で入力してください。"
    if isinstance(field, FloatField):
        return f"{label}は数値で入力してください。"
    if isinstance(field, SelectFieldBase):
        return f"{label}に選択肢にない値が含まれています。"
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max >= 0:
            return f"{label}は{validator.max}文字以内で入力してください。"
    return f"{label}の値が正しくありません。"


def form_problems(form: Form) -> list[FieldProblem]:
    problems = []
    for name, field in form._fields.items():
        for message in field.errors:
            if isinstance(message, str):
                problems.append(FieldProblem(name, _reason(field, message)))
    return problems


def intake_form(body: dict[str, Any]) -> tuple[IntakeForm, list[FieldProblem]]:
    """The operator page's form, filled from a JSON body and validated (no CSRF field: the
    API checks the X-CSRFToken header instead). WTForms' messages stay English here:
    `_reason` words them naming the field."""
    meta = {"csrf": False, "locales": False}
    blank = IntakeForm(formdata=None, meta=meta)
    data, problems = to_formdata(body, blank, skip=frozenset({"offer"}))
    form = IntakeForm(formdata=data, meta=meta)
    form.validate()
    return form, problems + form_problems(form)


# --- slot query ---------------------------------------------------------------------------------

class SlotQueryForm(Form):
    """`GET /api/v1/slots` parameters: where, how many, and the caller's wishes."""

    address = StringField("住所", validators=[Length(max=200)])
    lat = FloatField("緯度", validators=[Optional(), NumberRange(-90, 90, "緯度が範囲外です。")])
    lng = FloatField("経度", validators=[Optional(), NumberRange(-180, 180, "経度が範囲外です。")])
    applicants = IntegerField("申請予定件数", default=1, validators=[
        Optional(), NumberRange(1, 20, "申請予定件数は1〜20で入力してください。")])
    wish_from = DateField("希望期間（から）", validators=[Optional()])
    wish_to = DateField("希望期間（まで）", validators=[Optional()])
    weekdays = StringField("希望曜日", validators=[Optional()])
    half = SelectField("希望時間帯", choices=[("", "指定なし"), ("am", "午前"), ("pm", "午後")],
                       validators=[Optional()])

    def validate_address(self, field: Any) -> None:
        if not (field.data or "").strip() and (self.lat.data is None or self.lng.data is None):
            raise ValidationError("住所、または緯度と経度（lat, lng）を指定してください。")

    def validate_lat(self, field: Any) -> None:
        if (field.data is None) != (self.lng.data is None):
            raise ValidationError("緯度と経度は両方指定してください。")

    def validate_wish_to(self, field: Any) -> None:
        if field.data and self.wish_from.data and field.data < self.wish_from.data:
            raise ValidationError("希望期間の終わりが始まりより前になっています。")

    def validate_weekdays(self, field: Any) -> None:
        parse_weekdays(field.data or "")

    def weekday_tuple(self) -> tuple[int, ...]:
        return parse_weekdays(self.weekdays.data or "")


def parse_weekdays(text: str) -> tuple[int, ...]:
    """"0,2,4" -> (0, 2, 4); Monday is 0, visits run Monday to Friday."""
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if part not in ("0", "1", "2", "3", "4"):  # str.isdigit() also passes "²"
            raise ValidationError(
                f"希望曜日「{part}」は使えません。0（月）〜4（金）の数字をカンマ区切りで指定してください。")
        days.add(int(part))
    return tuple(sorted(days))


def slot_query(args: MultiDict[str, str]) -> tuple[SlotQueryForm, list[FieldProblem]]:
    known = set(SlotQueryForm()._fields)
    problems = [FieldProblem(name, f"「{name}」というパラメータはありません。")
                for name in args if name not in known]
    form = SlotQueryForm(formdata=args)
    form.validate()
    return form, problems + form_problems(form)


def query_intake(form: SlotQueryForm, location: LocationView) -> Intake:
    """A stand-in caller for the offer search: only place, household size and wishes count."""
    wish = Wish(date_from=form.wish_from.data, date_to=form.wish_to.data,
                weekdays=form.weekday_tuple(), half=form.half.data or None)  # type: ignore[arg-type]
    return Intake(
        caller_relationship="self", caller_name=None, caller_phone=None, name="", name_kana="",
        birth_date=dt.date(1900, 1, 1), phone="", address=form.address.data or "",
        lat=location.lat, lng=location.lng, town=None, location_precision=location.precision,
        eligibility="", eligibility_detail="", applicants=form.applicants.data or 1,
        application_type="", details={}, wish=wish,
    )


# --- output -------------------------------------------------------------------------------------

def location_json(location: LocationView) -> dict[str, Any]:
    return {"lat": location.lat, "lng": location.lng, "precision": location.precision,
            "precision_label": location.precision_label, "matched": location.matched}


def offers_json(result: OfferResult) -> dict[str, Any]:
    labels = dict(result.reasons)
    return {
        "offers": [
            {"key": o.key, "date": o.date.isoformat(), "half": o.half, "team": o.team,
             "position": o.position, "eta": o.eta, "meets_wishes": o.meets_wishes,
             "travel_from_previous_min": o.travel_from_previous_min,
             "meets": list(o.meets), "wish_note": result.wish_note(o),
             "misses_wishes": result.misses_wishes(o),
             "recommended": o.recommended}
            for o in result.offers
        ],
        "excluded": [
            {"date": date.isoformat(), "reasons": list(codes), "labels": labels.get(date, [])}
            for date, codes in result.reason_codes
        ],
        "excluded_halves": [
            {"date": h.date.isoformat(), "half": h.half, "reasons": list(h.codes),
             "labels": h.labels}
            for h in result.half_reasons
        ],
        "nearest": [{"date": n.date.isoformat(), "half": n.half, "eta": n.eta}
                    for n in result.nearest],
        "estimated": result.estimated,
    }


def booking_created_json(booking: Booking, slip_url: str, renumbered: Sequence[Booking] = (),
                         same_person: Sequence[int] = ()) -> dict[str, Any]:
    """The new booking, the bookings it pushed to a later time (their callers must be
    phoned: they are on the call-back list), the receipt numbers of other live bookings
    for the same name and birth date (a possible double booking to check), and the warning
    the intake page shows when the identity documents may not be enough (null when they
    are)."""
    shortfall = texts.id_documents_shortfall((booking.details or {}).get("id_documents"),
                                             booking.application_type,
                                             booking.caller_relationship)
    return {"id": booking.id, "receipt_no": booking.receipt_no,
            "date": booking.visit_date.isoformat(), "half": booking.half, "team": booking.team,
            "position": booking.position, "eta": booking.eta, "slip_url": slip_url,
            "renumbered": [{"receipt_no": b.receipt_no, "eta": b.eta}
                           for b in sorted(renumbered, key=lambda b: b.receipt_no)],
            "same_person": list(same_person),
            "id_documents_warning": shortfall or None}


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def booking_summary_json(booking: Booking, slip_url: str) -> dict[str, Any]:
    """What a booking is, without who: no name, address, phone or birth date."""
    return {
        **booking_created_json(booking, slip_url),
        "status": booking.status,
        "received_on": _iso(booking.received_on),
        "applicants": booking.applicants,
        "town": booking.town,
        "location_precision": booking.location_precision,
        "application_type": booking.application_type,
        "wish": {"from": _iso(booking.wish_from), "to": _iso(booking.wish_to),
                 "weekdays": list(booking.wish_weekdays or []), "half": booking.wish_half},
        "shared_on": _iso(booking.shared_on),
        "visit_completed_on": _iso(booking.visit_completed_on),
        "personal_data_deleted_on": _iso(booking.personal_data_deleted_on),
    }
