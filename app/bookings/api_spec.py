"""The OpenAPI 3.1 document of `/api/v1`, served at `/api/v1/openapi.json`.

The booking body's schema is derived from the operator page's `IntakeForm` (names, types,
choices, required answers), so the document cannot drift from the validation it describes.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import InputRequired, Length, NumberRange

from app.bookings import texts

JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _field_schema(field: Any) -> dict[str, Any]:
    schema: dict[str, Any]
    if isinstance(field, SelectMultipleField):
        values = [value for value, _label in field.choices]
        schema = {"type": "array", "items": {"enum": values}, "uniqueItems": True}
    elif isinstance(field, RadioField | SelectField):
        schema = {"type": "string", "enum": [value for value, _label in field.choices]}
    elif isinstance(field, DateField):
        schema = {"type": "string", "format": "date"}
    elif isinstance(field, IntegerField):
        schema = {"type": "integer"}
    elif isinstance(field, FloatField):
        schema = {"type": "number"}
    else:
        schema = {"type": "string"}
    for validator in field.validators:
        if isinstance(validator, Length) and validator.max >= 0:
            schema["maxLength"] = validator.max
        if isinstance(validator, NumberRange):
            if validator.min is not None:
                schema["minimum"] = validator.min
            if validator.max is not None:
                schema["maximum"] = validator.max
    choices = getattr(field, "choices", None)
    labels = "; ".join(f"{v}={label}" for v, label in choices or () if v != "")
    schema["description"] = field.label.text + (f" ({labels})" if labels else "")
    return schema


def _booking_request_schema() -> dict[str, Any]:
    from app.bookings.forms import IntakeForm

    form = IntakeForm(formdata=None, meta={"csrf": False})
    properties: dict[str, Any] = {}
    required = []
    for name, field in form._fields.items():
        properties[name] = _field_schema(field)
        if any(isinstance(v, InputRequired) for v in field.validators):
            required.append(name)
    properties["offer"] = {
        "type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}\|(am|pm)\|\d+\|\d+\|(-|\d+(\.\d+)*)$",
        "description": ("予約する枠: GET /api/v1/slots の offers[].key をそのまま渡す"
                        "（date|half|team|position|その時間帯の予約。候補の表示後にその時間帯の"
                        "予約が変わっていれば 409 slot_taken）"),
    }
    required.append("offer")
    properties["wish_weekdays"]["description"] = "希望曜日 (0=月 … 4=金)"
    # The page's fields read what operators type; the API documents the plain form.
    properties["birth_date"]["description"] = (
        "生年月日 (YYYY-MM-DD。受付画面と同じく和暦「昭和19年3月15日」「S19.3.15」や"
        "「19440315」も読めます)。caller_relationship が facility（入所者5名以下の福祉施設の職員）"
        "のときは省略可、それ以外は必須")
    properties["name_kana"]["description"] = (
        "フリガナ (カタカナ。半角カナ・ひらがなは全角カタカナに直して保存します)")
    from app.bookings.texts import FACILITY_CALLER

    return {
        "type": "object", "additionalProperties": False, "required": required,
        "properties": properties,
        "if": {"properties": {"caller_relationship": {"not": {"const": FACILITY_CALLER}}}},
        "then": {"required": ["birth_date"]},
        "description": (
            "受付画面 (IntakeForm) と同じ項目・同じ検証。lat と lng を両方送ると住所検索より"
            "優先されます（小樽市の区域外なら 422、field = lat）。本人以外からの電話では caller_name が必須、更新 (renewal) では "
            "has_shikaku_kakuninsho、紛失 (lost) では card_suspended が必須です。"
        ),
    }


def _error_response(description: str, schema: str = "Error") -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref(schema)}}}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": description}


ANONYMOUS = _error_response("ログインしていない（JSON。ログイン画面へのリダイレクトはしない）")
FORBIDDEN = _error_response("この役割では使えない（operator と manager のみ）")
NO_SEASON = _error_response("受付中のシーズンがない (error=no_active_season)")
INVALID = _error_response("入力の誤り: errors[] に項目名 (field) と理由 (reason)", "Error")
NO_CALENDAR = _error_response("訪問日カレンダーが未作成 (error=no_calendar)")


@cache
def openapi_document() -> dict[str, Any]:
    weekday_names = "0=月, 1=火, 2=水, 3=木, 4=金"
    offer = {
        "type": "object",
        "required": ["key", "date", "half", "team", "position", "eta", "meets_wishes",
                     "travel_from_previous_min"],
        "properties": {
            "key": {"type": "string", "description": "POST /api/v1/bookings の offer に渡す値"},
            "date": {"type": "string", "format": "date"},
            "half": {"type": "string", "enum": ["am", "pm"]},
            "team": {"type": "integer"},
            "position": {"type": "integer", "description": "その半日の訪問順"},
            "eta": {"type": "string", "description": "お客様に伝える時間 (例: 10:00頃)"},
            "meets_wishes": {"type": "boolean", "description": "希望の曜日・時間帯に合うか"},
            "travel_from_previous_min": {"type": ["number", "null"],
                                         "description": "前の訪問先からの移動時間（分）"},
            "meets": {"type": "array", "items": {"type": "string", "enum": ["weekdays", "half"]},
                      "description": "指定された希望のうち満たすもの（曜日・時間帯）"},
            "wish_note": {"type": "string",
                          "description": "受付画面の「希望」欄の表示: 指定なし / 希望どおり / "
                                         "曜日○・午前午後× のように満たす希望"},
            "misses_wishes": {"type": "boolean",
                              "description": "指定された希望（曜日・時間帯）のどれかに合わないか"
                                             "（希望の指定がなければ false。受付画面で薄く表示）"},
            "recommended": {"type": "boolean",
                            "description": "おすすめ（先頭の1件）。続きは希望に合うもの・日付の順"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "出張申請受付 API",
            "version": "1.0.0",
            "description": (
                "マイナンバーカード出張申請の予約枠と予約の JSON API。受付画面と同じログイン"
                "（セッション Cookie）と同じ役割（operator, manager）で使えます。POST には "
                "X-CSRFToken ヘッダー（GET /api/v1/session の csrf_token）が必要です"
                "（HTTPS では Referer: https://このサーバー/ も）。"
                "エラーはすべて JSON {error, message[, errors]} で返します。メッセージは日本語です。"
                "この文書自体はログインなしで取得できます（データは含みません）。"
            ),
        },
        "servers": [{"url": "/"}],
        "security": [{"sessionCookie": []}],
        "paths": {
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi", "summary": "この OpenAPI 文書", "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1 文書",
                                          "content": {JSON: {"schema": {"type": "object"}}}}},
                },
            },
            "/api/v1/session": {
                "get": {
                    "operationId": "getSession",
                    "summary": "ログイン中の職員と CSRF トークン（役割を問わない）",
                    "responses": {
                        "200": {"description": "セッション情報",
                                "content": {JSON: {"schema": _ref("Session")}}},
                        "401": ANONYMOUS,
                    },
                },
            },
            "/api/v1/slots": {
                "get": {
                    "operationId": "searchSlots",
                    "summary": "予約できる枠（おすすめ順）と、希望期間内の除外日の理由",
                    "description": (
                        "address か、lat と lng の両方が必要です（緯度・経度が優先）。"
                        "小樽市の区域外の緯度・経度は 422 (errors[].field = lat)。"),
                    "parameters": [
                        _query("address", {"type": "string", "maxLength": 200},
                               "住所（小樽市内、オフライン住所辞書で検索）"),
                        _query("lat", {"type": "number", "minimum": -90, "maximum": 90}, "緯度"),
                        _query("lng", {"type": "number", "minimum": -180, "maximum": 180},
                               "経度"),
                        _query("applicants", {"type": "integer", "minimum": 1, "maximum": 20,
                                              "default": 1}, "申請予定件数（人数）"),
                        _query("wish_from", {"type": "string", "format": "date"},
                               "希望期間（から）"),
                        _query("wish_to", {"type": "string", "format": "date"},
                               "希望期間（まで）"),
                        _query("weekdays", {"type": "string", "pattern": r"^[0-4](,[0-4])*$"},
                               f"希望曜日、カンマ区切り ({weekday_names})"),
                        _query("half", {"type": "string", "enum": ["am", "pm"]}, "希望時間帯"),
                    ],
                    "responses": {
                        "200": {"description": "候補と除外理由",
                                "content": {JSON: {"schema": _ref("SlotSearch")}}},
                        "401": ANONYMOUS, "403": FORBIDDEN, "404": NO_SEASON,
                        "409": NO_CALENDAR, "422": INVALID,
                    },
                },
            },
            "/api/v1/bookings": {
                "post": {
                    "operationId": "createBooking",
                    "summary": "候補の枠を予約する（受付番号を採番）",
                    "security": [{"sessionCookie": [], "csrfHeader": []}],
                    "requestBody": {"required": True,
                                    "content": {JSON: {"schema": _ref("BookingRequest")}}},
                    "responses": {
                        "201": {"description": "予約した",
                                "headers": {"Location": {"schema": {"type": "string"},
                                                         "description": "予約の URL"}},
                                "content": {JSON: {"schema": _ref("BookingCreated")}}},
                        "400": _error_response(
                            "本文が JSON オブジェクトでない (invalid_json)、または X-CSRFToken "
                            "ヘッダーがない・正しくない (csrf_failed)"),
                        "401": ANONYMOUS, "403": FORBIDDEN, "404": NO_SEASON,
                        "409": _error_response(
                            "枠が埋まった・条件に合わなくなった (error=slot_taken, offers に"
                            "最新の候補)、またはカレンダー未作成 (no_calendar)", "SlotTaken"),
                        "422": INVALID,
                    },
                },
            },
            "/api/v1/bookings/{booking_id}": {
                "get": {
                    "operationId": "getBooking",
                    "summary": "予約の概要（氏名・住所・電話番号・生年月日は含まない）",
                    "parameters": [{"name": "booking_id", "in": "path", "required": True,
                                    "schema": {"type": "integer"}}],
                    "responses": {
                        "200": {"description": "予約の概要",
                                "content": {JSON: {"schema": _ref("BookingSummary")}}},
                        "401": ANONYMOUS, "403": FORBIDDEN,
                        "404": _error_response("予約がない、または受付中のシーズンがない"),
                    },
                },
            },
        },
        "components": {
            "securitySchemes": {
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                                  "description": "POST /login でログインしたセッション"},
                "csrfHeader": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                               "description": "GET /api/v1/session の csrf_token"},
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "description": (
                            "bad_request, invalid_json, csrf_failed, unauthorized, forbidden, "
                            "not_found, no_active_season, method_not_allowed, no_calendar, "
                            "slot_taken, invalid_input, server_error")},
                        "message": {"type": "string", "description": "日本語の説明"},
                        "errors": {"type": "array", "items": _ref("FieldProblem")},
                    },
                },
                "FieldProblem": {
                    "type": "object", "required": ["field", "reason"],
                    "properties": {"field": {"type": "string", "description": "入力項目名"},
                                   "reason": {"type": "string", "description": "日本語の理由"}},
                },
                "SlotTaken": {
                    "allOf": [_ref("Error"), {
                        "type": "object",
                        "properties": {"offers": {"type": "array", "items": _ref("Offer")}},
                    }],
                },
                "Session": {
                    "type": "object", "required": ["user", "role", "csrf_token"],
                    "properties": {
                        "user": {"type": "string"}, "name": {"type": "string"},
                        "role": {"type": "string",
                                 "enum": ["operator", "manager", "team", "admin"]},
                        "csrf_token": {"type": "string"},
                    },
                },
                "Location": {
                    "type": "object", "required": ["lat", "lng", "precision", "matched"],
                    "properties": {
                        "lat": {"type": "number"}, "lng": {"type": "number"},
                        "precision": {"type": "string", "enum": ["chome", "town", "manual"]},
                        "precision_label": {"type": "string"},
                        "matched": {"type": "string", "description": "一致した町名・丁目"},
                    },
                },
                "Offer": offer,
                "ExcludedDay": {
                    "type": "object", "required": ["date", "reasons", "labels"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "reasons": {"type": "array", "items": {
                            "type": "string", "enum": list(texts.REASON_LABELS)}},
                        "labels": {"type": "array", "items": {"type": "string"},
                                   "description": "reasons の日本語（お客様への説明）"},
                    },
                },
                "ExcludedHalf": {
                    "type": "object", "required": ["date", "half", "reasons", "labels"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "half": {"type": "string", "enum": ["am", "pm"]},
                        "reasons": {"type": "array", "items": {
                            "type": "string", "enum": list(texts.REASON_LABELS)}},
                        "labels": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "NearbySlot": {
                    "type": "object", "required": ["date", "half", "eta"],
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "half": {"type": "string", "enum": ["am", "pm"]},
                        "eta": {"type": "string"},
                    },
                },
                "SlotSearch": {
                    "type": "object", "required": ["location", "offers", "excluded", "estimated"],
                    "properties": {
                        "location": _ref("Location"),
                        "offers": {"type": "array", "items": _ref("Offer")},
                        "excluded": {"type": "array", "items": _ref("ExcludedDay")},
                        "excluded_halves": {
                            "type": "array", "items": _ref("ExcludedHalf"),
                            "description": "案内できる日のうち、案内できない半日とその理由"},
                        "nearest": {
                            "type": "array", "items": _ref("NearbySlot"),
                            "description": "希望期間内に枠がないときだけ: 期間外で最も近い空き"
                                           "（期間を広げてから検索し直すと予約できる）"},
                        "estimated": {"type": "boolean",
                                      "description": "移動時間が推定値（道路網なし）か"},
                    },
                },
                "BookingRequest": _booking_request_schema(),
                "BookingCreated": {
                    "type": "object",
                    "required": ["id", "receipt_no", "date", "half", "team", "position", "eta",
                                 "slip_url"],
                    "properties": {
                        "id": {"type": "integer"}, "receipt_no": {"type": "integer"},
                        "date": {"type": "string", "format": "date"},
                        "half": {"type": "string", "enum": ["am", "pm"]},
                        "team": {"type": "integer"}, "position": {"type": "integer"},
                        "eta": {"type": "string"},
                        "slip_url": {"type": "string", "description": "受付票のページ"},
                        "renumbered": {
                            "type": "array",
                            "description": "この予約で訪問順が繰り下がり、訪問時間が変わった予約"
                                           "（お客様への再連絡が必要。再連絡一覧に載ります）。"
                                           "予約作成の応答だけに含まれます。",
                            "items": {"type": "object", "required": ["receipt_no", "eta"],
                                      "properties": {"receipt_no": {"type": "integer"},
                                                     "eta": {"type": "string"}}},
                        },
                        "same_person": {
                            "type": "array", "items": {"type": "integer"},
                            "description": "同じ氏名・生年月日の他の予約の受付番号（二重予約で"
                                           "ないか確認してください）。予約作成の応答だけに含まれます。",
                        },
                        "id_documents_warning": {
                            "type": ["string", "null"],
                            "description": "用意できる本人確認書類が出張申請の条件（顔写真付き1点、"
                                           "または写真なし2点）を満たさないおそれがある場合の注意"
                                           "（例: 写真なし書類1点のみ：もう1点要確認）。予約は"
                                           "受け付けています。お客様にもう1点を用意できるか確認"
                                           "してください。条件を満たす場合は null。",
                        },
                    },
                },
                "BookingSummary": {
                    "allOf": [_ref("BookingCreated"), {
                        "type": "object",
                        "properties": {
                            "status": {"type": "string",
                                       "enum": ["booked", "cancelled", "visited", "not_home"]},
                            "received_on": {"type": "string", "format": "date"},
                            "applicants": {"type": "integer"},
                            "town": {"type": ["string", "null"]},
                            "location_precision": {"type": "string"},
                            "application_type": {"type": "string"},
                            "wish": {"type": "object"},
                            "shared_on": {"type": ["string", "null"], "format": "date"},
                            "visit_completed_on": {"type": ["string", "null"], "format": "date"},
                            "personal_data_deleted_on": {"type": ["string", "null"],
                                                         "format": "date"},
                        },
                    }],
                },
            },
        },
    }
