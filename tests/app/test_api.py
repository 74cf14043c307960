"""The JSON API (issue 5 §7): slot offers and bookings, the same rules and roles as the pages,
errors as JSON naming the field, and an OpenAPI document that lists every route."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import url_for
from sqlalchemy import func, select

from app.bookings import texts
from app.bookings.models import Booking
from app.bookings.operations import Slot, reserve
from app.seasons.models import SeasonRecord
from solver.season import SeasonConfig
from tests.app.test_bookings_reserve import INAHO, TODAY, ZENIBAKO, intake, make_booking
from tests.app.test_intake import answers
from tests.conftest import PASSWORD, Client, make_user

SLOTS = "/api/v1/slots"
BOOKINGS = "/api/v1/bookings"


def post_json(client: Client, url: str, body: Any, csrf: bool = True) -> Any:
    headers = {"X-CSRFToken": client.get("/api/v1/session").get_json()["csrf_token"]} if csrf \
        else {}
    return client.post(url, json=body, headers=headers)


def slots(client: Client, **params: Any) -> Any:
    """Offers for the caller of `answers()` (same place and wish window) unless changed."""
    query = {"lat": INAHO[0], "lng": INAHO[1], "wish_from": "2026-06-22", "wish_to": "2026-07-31",
             **params}
    return client.get(SLOTS, query_string={k: v for k, v in query.items() if v is not None})


def first_offer(client: Client, **params: Any) -> str:
    response = slots(client, **params)
    assert response.status_code == 200, response.get_json()
    offers = response.get_json()["offers"]
    assert offers
    return offers[0]["key"]


def fields_of(response: Any) -> dict[str, str]:
    body = response.get_json()
    assert body["error"] == "invalid_input", body
    problems: dict[str, str] = {}
    for e in body["errors"]:
        problems[e["field"]] = " ".join(filter(None, (problems.get(e["field"]), e["reason"])))
    return problems


def booking_count(db) -> int:
    return db.scalar(select(func.count()).select_from(Booking))


# --- session and roles ------------------------------------------------------------------------

def test_session_gives_the_user_role_and_a_csrf_token(operator_client):
    body = operator_client.get("/api/v1/session").get_json()
    assert body["user"] == "operator1" and body["role"] == "operator"
    assert len(body["csrf_token"]) > 20


@pytest.mark.parametrize("url", ["/api/v1/session", SLOTS, "/api/v1/bookings/1"])
def test_anonymous_calls_get_401_json_not_the_login_page(client, season, url):
    response = client.get(url)
    assert response.status_code == 401
    assert response.is_json and response.get_json()["error"] == "unauthorized"
    assert "ログイン" in response.get_json()["message"]


def test_anonymous_post_with_a_csrf_token_gets_401(client, season):
    response = client.post(BOOKINGS, json=answers(), headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("role_client", ["team_client", "admin_client"])
def test_team_and_admin_get_403_json(request, season, role_client):
    client = request.getfixturevalue(role_client)
    for response in (slots(client), post_json(client, BOOKINGS, answers()),
                     client.get("/api/v1/bookings/1")):
        assert response.status_code == 403, response.data
        assert response.get_json()["error"] == "forbidden"
    # their own session is theirs to see
    assert client.get("/api/v1/session").status_code == 200


def test_managers_may_search_and_book(manager_client, season):
    key = first_offer(manager_client)
    response = post_json(manager_client, BOOKINGS, answers(offer=key))
    assert response.status_code == 201, response.get_json()


def test_post_without_the_csrf_header_is_400_with_the_reason(operator_client, db, season):
    key = first_offer(operator_client)
    response = post_json(operator_client, BOOKINGS, answers(offer=key), csrf=False)
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "csrf_failed" and "X-CSRFToken" in body["message"]
    bad = operator_client.post(BOOKINGS, json=answers(offer=key),
                               headers={"X-CSRFToken": "forged"})
    assert bad.status_code == 400 and bad.get_json()["error"] == "csrf_failed"
    assert booking_count(db) == 0


def test_unknown_api_paths_and_methods_are_json(operator_client):
    missing = operator_client.get("/api/v1/nothing-here")
    assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
    wrong = operator_client.delete(SLOTS)
    assert wrong.status_code == 405 and wrong.get_json()["error"] == "method_not_allowed"
    assert "GET" in wrong.headers["Allow"]
    # the pages keep their HTML error pages
    assert not operator_client.get("/operator/nothing-here").is_json


def test_an_unexpected_error_is_a_json_500_and_saves_nothing(app, db, season):
    def boom() -> Any:
        db.add(SeasonRecord(name="half-saved", title="x", config={}, is_active=False))
        db.flush()
        raise RuntimeError("bug")

    app.add_url_rule("/api/v1/boom", "boom", boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/api/v1/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["error"] == "server_error" and "保存されていません" in body["message"]
    assert db.scalar(select(func.count()).select_from(SeasonRecord)
                     .where(SeasonRecord.name == "half-saved")) == 0


# --- GET /api/v1/slots --------------------------------------------------------------------------

def test_slots_by_coordinates_rank_offers_and_give_reasons(app, operator_client, season):
    app.config["APP_TODAY"] = dt.date(2026, 6, 10)  # days before 6/24 are inside the lead time
    response = slots(operator_client, wish_from="2026-06-15", wish_to="2026-07-15")
    assert response.status_code == 200
    body = response.get_json()
    assert body["location"] == {"lat": INAHO[0], "lng": INAHO[1], "precision": "manual",
                                "precision_label": "緯度・経度を手入力", "matched": ""}
    assert body["offers"] and body["estimated"] in (True, False)
    for offer in body["offers"]:
        assert "2026-06-24" <= offer["date"] <= "2026-07-15"
        assert offer["key"].startswith(
            f'{offer["date"]}|{offer["half"]}|{offer["team"]}|{offer["position"]}|')
        assert offer["half"] in ("am", "pm") and offer["eta"]
        assert isinstance(offer["meets_wishes"], bool)
    early = [e for e in body["excluded"] if e["date"] < "2026-06-24"]
    assert early
    for day in early:
        assert "lead_time" in day["reasons"]
        assert texts.reason_label("lead_time", SeasonConfig().rules) in day["labels"]


def test_slots_prefer_the_wished_half_and_weekdays(operator_client, season):
    offers = slots(operator_client, half="pm", weekdays="1,3").get_json()["offers"]
    assert offers[0]["meets_wishes"] and offers[0]["half"] == "pm"
    assert dt.date.fromisoformat(offers[0]["date"]).weekday() in (1, 3)
    met = [o["meets_wishes"] for o in offers]
    assert met == sorted(met, reverse=True)  # wishes first


def test_slots_name_the_nearest_free_slots_when_the_period_has_none(app, operator_client,
                                                                    season):
    app.config["APP_TODAY"] = dt.date(2026, 9, 10)
    body = slots(operator_client, wish_from="2026-09-11", wish_to="2026-09-23",
                 half="am", weekdays="1").get_json()
    assert body["offers"] == [] and body["excluded_halves"] == []
    nearest = body["nearest"]
    assert 1 <= len(nearest) <= 3
    assert all(n["date"] >= "2026-09-24" and n["half"] in ("am", "pm") and n["eta"]
               for n in nearest)
    assert [n["date"] for n in nearest] == sorted(n["date"] for n in nearest)


def test_slot_offers_say_which_wishes_they_meet_and_which_is_recommended(operator_client,
                                                                         season):
    offers = slots(operator_client, half="pm", weekdays="1,3").get_json()["offers"]
    assert [o["recommended"] for o in offers] == [True] + [False] * (len(offers) - 1)
    for o in offers:
        weekday = dt.date.fromisoformat(o["date"]).weekday() in (1, 3)
        expected = {part for part, met in (("weekdays", weekday), ("half", o["half"] == "pm"))
                    if met}
        assert set(o["meets"]) == expected
        assert o["meets_wishes"] == (len(o["meets"]) == 2)


def test_slot_offers_say_whether_they_miss_a_wish_given(operator_client, season):
    """`misses_wishes` (greyed on the intake): none without a wish, unlike `meets_wishes`."""
    plain = slots(operator_client).get_json()["offers"]
    assert plain and not any(o["misses_wishes"] or o["meets_wishes"] for o in plain)
    offers = slots(operator_client, half="pm", weekdays="1,3").get_json()["offers"]
    assert [o["misses_wishes"] for o in offers] == [not o["meets_wishes"] for o in offers]


def test_slot_offers_carry_the_intake_pages_wish_note(operator_client, season):
    """The 希望 note is worded once (offers.wish_note): the API says what the page says."""
    from tests.app.test_intake import URL as INTAKE
    from tests.app.test_intake import answers, offer_rows

    for wish in ({}, {"half": "pm", "weekdays": "1"}):
        offers = slots(operator_client, **wish).get_json()["offers"]
        page = operator_client.post_form(INTAKE, answers(
            wish_half=wish.get("half"), wish_weekdays=wish.get("weekdays"))).get_data(as_text=True)
        assert [(o["date"], o["half"], o["wish_note"]) for o in offers] == [
            (d, h, note) for d, h, _mark, note in offer_rows(page)]


def test_slots_by_address_show_the_match(operator_client, season):
    response = operator_client.get(SLOTS, query_string={"address": "小樽市稲穂２丁目５－１"})
    assert response.status_code == 200, response.get_json()
    location = response.get_json()["location"]
    assert location["precision"] == "chome" and "稲穂" in location["matched"]
    assert abs(location["lat"] - INAHO[0]) < 0.01


@pytest.mark.parametrize(("params", "field", "reason"), [
    ({"lat": None, "lng": None}, "address", "住所、または緯度と経度"),
    ({"lat": None, "lng": None, "address": "札幌市中央区北1条"}, "address", ""),
    ({"lng": None}, "lat", "緯度と経度は両方"),
    ({"lat": "north"}, "lat", "緯度は数値"),
    ({"lat": 123}, "lat", "緯度が範囲外"),
    ({"lat": 35.0, "lng": 139.0}, "lat", "緯度・経度（35.0, 139.0）は小樽市の区域外です"),
    ({"weekdays": "1,5"}, "weekdays", "希望曜日「5」"),
    ({"weekdays": "mon"}, "weekdays", "0（月）〜4（金）"),
    ({"half": "evening"}, "half", "希望時間帯"),
    ({"applicants": 0}, "applicants", "1〜20"),
    ({"applicants": "two"}, "applicants", "整数"),
    ({"wish_from": "2026-08-01", "wish_to": "2026-07-01"}, "wish_to", "終わりが始まりより前"),
    ({"wish_from": "2026/08/01"}, "wish_from", "YYYY-MM-DD"),
    ({"when": "soon"}, "when", "パラメータはありません"),
])
def test_bad_slot_queries_name_the_parameter(operator_client, season, params, field, reason):
    response = slots(operator_client, **params)
    assert response.status_code == 422
    problems = fields_of(response)
    assert field in problems, problems
    assert reason in problems[field]
    assert re.search(r"[ぁ-んァ-ン一-龥]", problems[field])  # Japanese, never WTForms' English


def test_no_active_season_is_a_clear_404(operator_client, db):
    response = slots(operator_client)
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "no_active_season" and "シーズン" in body["message"]
    response = post_json(operator_client, BOOKINGS, answers(offer="2026-07-01|am|1|1|-"))
    assert response.status_code == 404 and response.get_json()["error"] == "no_active_season"


def test_a_season_without_calendar_is_a_clear_409(operator_client, db, season):
    season.visit_days.clear()
    db.commit()
    response = slots(operator_client)
    assert response.status_code == 409 and response.get_json()["error"] == "no_calendar"


# --- POST /api/v1/bookings ----------------------------------------------------------------------

def test_booking_through_the_api_appears_in_the_reception_list(app, operator_client, db, season):
    key = first_offer(operator_client, wish_from="2026-06-22", wish_to="2026-07-31")
    response = post_json(operator_client, BOOKINGS, answers(offer=key))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    date, half, team, position, _route = key.split("|")
    assert body["receipt_no"] == 1
    assert (body["date"], body["half"], body["team"]) == (date, half, int(team))
    assert body["eta"]
    booking = db.get(Booking, body["id"])
    assert booking.name == "小樽 花子" and booking.booked_by is not None
    assert booking.details["id_documents"] == ["health_insurance"]
    with app.test_request_context():
        assert body["slip_url"] == url_for("bookings.slip", booking_id=booking.id)
        listing_url = url_for("bookings.reception_list")
    assert response.headers["Location"].endswith(f"/api/v1/bookings/{booking.id}")
    listing = operator_client.get(listing_url).get_data(as_text=True)
    assert f'data-booking="{booking.id}"' in listing
    assert operator_client.get(body["slip_url"]).status_code == 200


@pytest.mark.parametrize(("birth_date", "kana"), [
    ("1942-05-10", "オタル ハナコ"),  # ISO, as the API always took it
    ("昭和17年5月10日", "ｵﾀﾙ ﾊﾅｺ"),  # what the page reads, the API reads too
])
def test_the_api_reads_iso_and_japanese_era_birth_dates(operator_client, db, season, birth_date,
                                                        kana):
    key = first_offer(operator_client)
    response = post_json(operator_client, BOOKINGS,
                         answers(offer=key, birth_date=birth_date, name_kana=kana))
    assert response.status_code == 201, response.get_json()
    booking = db.get(Booking, response.get_json()["id"])
    assert booking.birth_date == dt.date(1942, 5, 10)
    assert booking.name_kana == "オタル ハナコ"


def test_the_openapi_document_still_calls_the_birth_date_an_iso_date(client):
    schema = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    birth_date = schema["BookingRequest"]["properties"]["birth_date"]
    assert birth_date["type"] == "string" and birth_date["format"] == "date"
    assert "YYYY-MM-DD" in birth_date["description"]


def test_booking_summary_has_no_personal_data(operator_client, db, season):
    booking = make_booking(db, season, make_user(db, "operator", "other").id)
    response = operator_client.get(f"/api/v1/bookings/{booking.id}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == booking.id and body["receipt_no"] == booking.receipt_no
    assert body["status"] == "booked" and body["town"] == "稲穂"
    text = response.get_data(as_text=True)
    for secret in ("小樽 太郎", "オタル", "0134-22-0000", "1940-04-01", "足が不自由"):
        assert secret not in text
    missing = operator_client.get("/api/v1/bookings/999999")
    assert missing.status_code == 404 and "999999" in missing.get_json()["message"]


@pytest.mark.parametrize(("changes", "field", "reason"), [
    ({"caller_relationship": "other"}, "caller_relationship", "ご本人様、同居のご家族"),
    ({"caller_relationship": "relative"}, "caller_name", "電話をかけている方の氏名"),
    ({"name": None}, "name", "申請希望者の氏名を入力してください"),
    ({"name_kana": "Otaru"}, "name_kana", "カタカナ"),
    ({"phone": "12345"}, "phone", "連絡先電話番号: 形式が正しくありません"),
    ({"birth_date": "2030-01-01"}, "birth_date", "未来"),
    ({"birth_date": "10 May 1942"}, "birth_date", "YYYY-MM-DD"),
    ({"birth_date": "1990-01-01"}, "eligibility", "歳のため"),
    ({"address": ""}, "address", "住所を入力してください"),
    ({"lat": None, "lng": None, "address": "札幌市中央区北1条"}, "address", ""),
    ({"lng": None}, "lat", "緯度と経度は両方"),
    ({"lat": 35.0, "lng": 139.0}, "lat", "小樽市の区域外です"),
    ({"applicants": 0}, "applicants", "1〜20"),
    ({"applicants": "many"}, "applicants", "整数"),
    ({"application_type": "renewal"}, "has_shikaku_kakuninsho", "資格確認書"),
    ({"application_type": "lost"}, "card_suspended", "一時停止"),
    ({"wish_from": "2026-08-01", "wish_to": "2026-07-01"}, "wish_to", "終わりが始まりより前"),
    ({"wish_weekdays": [1, 6]}, "wish_weekdays", "選択肢にない"),
    ({"wish_half": "night"}, "wish_half", "選択肢にない"),
    ({"id_documents": []}, "id_documents", "本人確認書類"),
    ({"id_documents": ["library_card"]}, "id_documents", "選択肢にない"),
    ({"id_documents": ["old_mynumber"]}, "id_documents", "新規申請では「旧マイナンバーカード」は選べません"),
    ({"parking": True}, "parking", "文字列か数値"),
    ({"eligibility_detail": ""}, "eligibility_detail", "外出困難な事情"),
    ({"nickname": "ハナ"}, "nickname", "という項目はありません"),
    ({"offer": None}, "offer", "offer"),
    ({"offer": "tomorrow morning"}, "offer", "形式が正しくありません"),
])
def test_bad_bookings_are_422_naming_the_field(operator_client, db, season, changes, field,
                                               reason):
    body = answers(offer="2026-07-01|am|1|1|-")
    body.update(changes)
    body = {k: v for k, v in body.items() if v is not None}
    response = post_json(operator_client, BOOKINGS, body)
    assert response.status_code == 422, response.get_json()
    problems = fields_of(response)
    assert field in problems, problems
    assert reason in problems[field]
    assert re.search(r"[ぁ-んァ-ン一-龥]", problems[field])
    assert booking_count(db) == 0


def test_a_body_that_is_not_a_json_object_is_400(operator_client, season):
    token = operator_client.get("/api/v1/session").get_json()["csrf_token"]
    for kwargs in ({"data": "name=x", "content_type": "application/x-www-form-urlencoded"},
                   {"data": "{broken", "content_type": "application/json"},
                   {"json": ["a", "list"]}):
        response = operator_client.post(BOOKINGS, headers={"X-CSRFToken": token}, **kwargs)
        assert response.status_code == 400, kwargs
        assert response.get_json()["error"] == "invalid_json"


def test_weekdays_as_a_list_and_full_width_phone_are_accepted(operator_client, db, season):
    key = first_offer(operator_client)
    response = post_json(operator_client, BOOKINGS, answers(
        offer=key, wish_weekdays=[0, 2], wish_half="am", phone="０１３４－２２－１２３４"))
    assert response.status_code == 201, response.get_json()
    booking = db.get(Booking, response.get_json()["id"])
    assert booking.wish_weekdays == [0, 2] and booking.phone == "0134-22-1234"


def test_a_slot_taken_meanwhile_is_409_with_fresh_offers(operator_client, db, season):
    key = first_offer(operator_client, lat=ZENIBAKO[0], lng=ZENIBAKO[1])
    date, half, team, _position, _route = key.split("|")
    other = make_user(db, "operator", "other")
    for position in (1, 2):  # another operator fills that half-day first
        reserve(db, season, intake(ZENIBAKO, name=f"先客{position}"),
                Slot(dt.date.fromisoformat(date), half, int(team), position), other.id,
                today=TODAY)
    db.commit()
    response = post_json(operator_client, BOOKINGS,
                         answers(lat=ZENIBAKO[0], lng=ZENIBAKO[1], offer=key))
    assert response.status_code == 409
    body = response.get_json()
    assert body["error"] == "slot_taken" and "この枠は予約できませんでした" in body["message"]
    fresh = [o["key"] for o in body["offers"]]
    assert fresh and not [k for k in fresh if k.startswith(f"{date}|{half}|")]
    assert db.scalar(select(func.count()).select_from(Booking)
                     .where(Booking.name == "小樽 花子")) == 0
    # one of the fresh offers can be booked straight away
    retry = post_json(operator_client, BOOKINGS,
                      answers(lat=ZENIBAKO[0], lng=ZENIBAKO[1], offer=fresh[0]))
    assert retry.status_code == 201, retry.get_json()
    assert retry.get_json()["receipt_no"] == 3  # no gap for the refused attempt


def test_an_offer_on_a_day_that_is_not_a_visit_day_is_409(operator_client, db, season):
    days = {d.date for d in db.get(SeasonRecord, season.id).visit_days}
    sunday = next(dt.date(2026, 7, 5) + dt.timedelta(days=7 * i) for i in range(10)
                  if dt.date(2026, 7, 5) + dt.timedelta(days=7 * i) not in days)
    response = post_json(operator_client, BOOKINGS, answers(offer=f"{sunday}|am|1|1|-"))
    assert response.status_code == 409 and response.get_json()["error"] == "slot_taken"


# --- OpenAPI ---------------------------------------------------------------------------------

def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule)


def test_openapi_document_lists_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")  # public: shapes only, no data
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    assert doc["info"]["title"] and doc["info"]["version"]
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/v1/")]
    assert len(routes) >= 5
    for rule in routes:
        path = _openapi_path(rule.rule)
        assert path in doc["paths"], path
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = doc["paths"][path][method.lower()]
            assert operation["responses"], (path, method)
            for param in re.findall(r"{(\w+)}", path):
                assert param in [p["name"] for p in operation["parameters"]]
    assert len(doc["paths"]) == len({_openapi_path(r.rule) for r in routes})


def test_openapi_references_resolve_and_the_body_matches_the_form(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    refs = re.findall(r'"\$ref": "#/components/schemas/(\w+)"', str(doc).replace("'", '"'))
    assert refs and all(ref in schemas for ref in refs)
    body = schemas["BookingRequest"]
    assert set(body["required"]) >= {"name", "address", "id_documents", "offer"}
    # The date of birth is required of every caller but a facility's staff (SPEC §3, §8).
    assert body["if"] == {"properties": {"caller_relationship": {"not": {"const": "facility"}}}}
    assert body["then"] == {"required": ["birth_date"]}
    assert "csrf_token" not in body["properties"]
    assert set(answers()) <= set(body["properties"])
    assert body["properties"]["caller_relationship"]["enum"] == [
        v for v, _ in texts.CALLER_RELATIONSHIPS]
    assert doc["paths"]["/api/v1/bookings"]["post"]["security"] == [
        {"sessionCookie": [], "csrfHeader": []}]
    assert doc["components"]["securitySchemes"]["csrfHeader"]["name"] == "X-CSRFToken"
    slot_params = {p["name"] for p in doc["paths"]["/api/v1/slots"]["get"]["parameters"]}
    assert slot_params == {"address", "lat", "lng", "applicants", "wish_from", "wish_to",
                           "weekdays", "half"}


def test_login_with_credentials_then_use_the_api_like_an_integration(app, db, season):
    """An integration logs in with its form, reads the token, and books (no test helpers)."""
    make_user(db, "operator", "integration")
    app.test_client_class = Client
    api: Client = app.test_client()  # type: ignore[assignment]
    assert api.login("integration", PASSWORD).status_code == 302
    token = api.get("/api/v1/session").get_json()["csrf_token"]
    found = api.get(SLOTS, query_string={"address": "小樽市花園1丁目", "wish_from": "2026-06-22",
                                         "wish_to": "2026-07-31"})
    key = found.get_json()["offers"][0]["key"]
    created = api.post(BOOKINGS, json=answers(offer=key, address="小樽市花園1丁目", lat=None,
                                              lng=None), headers={"X-CSRFToken": token})
    assert created.status_code == 201, created.get_json()
    assert db.get(Booking, created.get_json()["id"]).location_precision == "chome"


def test_openapi_document_is_a_valid_openapi_3_1_spec(client):
    from openapi_spec_validator import validate
    from openapi_spec_validator.validation import OpenAPIV31SpecValidator

    validate(client.get("/api/v1/openapi.json").get_json(), cls=OpenAPIV31SpecValidator)


def test_responses_match_their_documented_schemas(operator_client, season):
    """The slot search answer and a field error validate against the document's schemas."""
    from jsonschema import Draft202012Validator
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    doc = operator_client.get("/api/v1/openapi.json").get_json()
    registry = Registry().with_resource(
        "urn:api", Resource.from_contents(doc, default_specification=DRAFT202012))

    def check(path: str, method: str, status: str, body: dict) -> None:
        content = doc["paths"][path][method]["responses"][status]["content"]["application/json"]
        schema = {"$ref": "urn:api#" + content["schema"]["$ref"].removeprefix("#")} \
            if "$ref" in content["schema"] else content["schema"]
        Draft202012Validator(schema, registry=registry).validate(body)

    ok = operator_client.get("/api/v1/slots", query_string={"lat": INAHO[0], "lng": INAHO[1]})
    assert ok.status_code == 200
    check("/api/v1/slots", "get", "200", ok.get_json())
    bad = operator_client.get("/api/v1/slots", query_string={"lat": INAHO[0]})
    assert bad.status_code == 422
    check("/api/v1/slots", "get", "422", bad.get_json())
    outside = operator_client.get("/api/v1/slots", query_string={"lat": 35.0, "lng": 139.0})
    assert outside.status_code == 422
    check("/api/v1/slots", "get", "422", outside.get_json())


def test_a_second_api_booking_for_the_same_person_names_the_first(operator_client, db, season):
    key = first_offer(operator_client, wish_from="2026-06-22", wish_to="2026-07-31")
    first = post_json(operator_client, BOOKINGS, answers(offer=key)).get_json()
    assert first["same_person"] == []
    key = first_offer(operator_client, wish_from="2026-06-22", wish_to="2026-07-31")
    second = post_json(operator_client, BOOKINGS, answers(offer=key, name="小樽　花子"))
    assert second.status_code == 201
    assert second.get_json()["same_person"] == [first["receipt_no"]]
    other = post_json(operator_client, BOOKINGS, answers(
        offer=first_offer(operator_client, wish_from="2026-06-22", wish_to="2026-07-31"),
        birth_date="1950-01-01"))
    assert other.get_json()["same_person"] == []


def test_the_created_booking_says_when_the_documents_may_not_be_enough(operator_client, season):
    """The same warning as the intake page, in step: the booking is made all the same."""
    key = first_offer(operator_client, wish_from="2026-06-22", wish_to="2026-07-31")
    single = post_json(operator_client, BOOKINGS, answers(offer=key))  # 資格確認書 only
    assert single.status_code == 201
    assert single.get_json()["id_documents_warning"] == "写真なし書類1点のみ：もう1点要確認"
    key = first_offer(operator_client, wish_from="2026-06-22", wish_to="2026-07-31")
    photo = post_json(operator_client, BOOKINGS, answers(offer=key, name="小樽 次郎",
                                                         id_documents=["driver_license"]))
    assert photo.status_code == 201 and photo.get_json()["id_documents_warning"] is None
    summary = operator_client.get(f"{BOOKINGS}/{single.get_json()['id']}").get_json()
    assert summary["id_documents_warning"] == "写真なし書類1点のみ：もう1点要確認"
    doc = operator_client.get("/api/v1/openapi.json").get_json()
    created = doc["components"]["schemas"]["BookingCreated"]["properties"]
    assert created["id_documents_warning"]["type"] == ["string", "null"]
