"""Whatever a client or an operator sends, the answer is a clear refusal, never a 500:
the API answers JSON, the pages re-show the form (issue 5 §1, §7)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.app.test_api import post_json
from tests.app.test_intake import answers

FIELDS = sorted(answers()) + ["offer", "lat", "lng", "wish_weekdays", "wish_half",
                              "caller_name", "caller_phone", "visit_notes"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=30),
                    st.sampled_from(["2026-07-01", "2026-13-45", "0134-22-1234", "am", "pm",
                                     "self", "other", "小樽市稲穂2丁目", "", "1|2|3|4"]))
values = st.one_of(scalars, st.lists(scalars, max_size=3), st.dictionaries(st.text(max_size=5),
                                                                           scalars, max_size=2))
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _json_error(response: Any) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:500]
    assert response.is_json
    body = response.get_json()
    if response.status_code >= 400:
        assert body["error"] and body["message"]


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(FIELDS), values, max_size=6),
       drop=st.sets(st.sampled_from(FIELDS), max_size=4))
def test_any_booking_body_gets_a_json_answer(operator_client, season, changes, drop):
    body = {k: v for k, v in {**answers(), **changes}.items() if k not in drop}
    _json_error(post_json(operator_client, "/api/v1/bookings", body))


@FUZZ
@given(body=st.one_of(values, st.lists(values, max_size=3)))
def test_a_body_that_is_not_an_object_gets_a_json_answer(operator_client, season, body):
    _json_error(post_json(operator_client, "/api/v1/bookings", body))


@FUZZ
@given(query=st.dictionaries(
    st.sampled_from(["address", "lat", "lng", "applicants", "wish_from", "wish_to", "weekdays",
                     "half", "other"]),
    st.one_of(st.text(max_size=20), st.sampled_from(
        ["43.19", "141.0", "1e400", "nan", "-91", "2026-07-01", "0,2,4", "5,6", "am"])),
    max_size=6))
def test_any_slot_query_gets_a_json_answer(operator_client, season, query):
    _json_error(operator_client.get("/api/v1/slots", query_string=query))


form_values = st.one_of(st.text(max_size=25), st.sampled_from(
    ["", "2026-07-01", "1941-02-30", "0134-22-1234", "０１３４－２２－１２３４", "self", "other",
     "renewal", "lost", "yes", "maybe", "43.19", "141.0", "nan", "999", "-1", "1|2|3|4"]))


@FUZZ
@given(changes=st.dictionaries(st.sampled_from(FIELDS), form_values, max_size=6),
       drop=st.sets(st.sampled_from(FIELDS), max_size=4))
def test_any_intake_form_gets_a_page_not_an_error(operator_client, season, changes, drop):
    data = {k: v for k, v in {**answers(), **changes}.items() if k not in drop}
    response = operator_client.post_form("/operator/bookings/new", data)
    assert response.status_code in (200, 302, 400, 409, 422), response.status_code
    if response.status_code == 422:
        assert "field-error" in response.get_data(as_text=True)


def _form_field_names() -> list[str]:
    """Every field name of every form of the app (what any page may post)."""
    from flask_wtf import FlaskForm

    import app.blueprints  # noqa: F401 - imports every form class

    names: set[str] = set()
    pending = list(FlaskForm.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        names.update(name for name in dir(cls)
                     if hasattr(getattr(cls, name, None), "field_class"))
    return sorted(names - {"csrf_token"})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_any_post_to_any_page_gets_an_answer_not_a_500(app, manager_client, db, season, data):
    """A manager (the widest role) posts random values to every form page there is."""
    from tests.app.test_role_matrix import POLICY, _url

    sample = {"date": season.visit_days[5].date.isoformat(), "user_id": 1, "enabled": 1,
              "filename": "app.css", "booking_id": 1, "team": 1, "week": "2026-07-06",
              "package_id": 1, "facility_id": 1, "meeting_id": 1, "fmt": "xlsx", "visit_id": 1,
              "incident_id": 1}
    rules = sorted((r for r in app.url_map.iter_rules()
                    if "POST" in r.methods and not r.rule.startswith("/api/")
                    and r.endpoint != "auth.logout"
                    and (POLICY[r.endpoint] == "anyone" or "manager" in POLICY[r.endpoint])),
                   key=lambda r: r.rule)
    rule = data.draw(st.sampled_from(rules))
    fields = data.draw(st.dictionaries(st.sampled_from(_form_field_names()), form_values,
                                       max_size=8))
    response = manager_client.post_form(_url(app, rule, "POST", sample), fields)
    assert response.status_code < 500, (rule.rule, fields, response.get_data(as_text=True)[:300])


# Characters str.isdigit() accepts but int() cannot read: each once led to a 500.
NON_ASCII_DIGITS = ("²", "①", "٣")


@pytest.mark.parametrize("digit", NON_ASCII_DIGITS)
def test_digits_int_cannot_read_are_refused_not_a_500(operator_client, season, digit):
    from wtforms.validators import ValidationError

    from app.bookings.api_io import parse_weekdays
    from app.facilities.operations import FacilityError, parse_clock_time

    with pytest.raises(ValidationError):
        parse_weekdays(digit)
    with pytest.raises(FacilityError):
        parse_clock_time(f"1{digit}:30", "打合せの時刻", "time")
    assert operator_client.get(f"/api/v1/slots?address=&weekdays={digit}").status_code == 422
    assert operator_client.get(f"/operator/bookings/new?applicants={digit}").status_code == 200


def test_a_tel_link_dials_ascii_digits_only():
    from app.blueprints.teams import tel_href

    assert tel_href("０１３４－２２－１１１１ 内線²") == "tel:0134221111"
