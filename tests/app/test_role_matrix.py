"""Every route x every role gives the expected allow/deny (issue 2 acceptance).

The table below is the access policy. A route missing from it fails the test, so nobody can
add a page without deciding who may open it.
"""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from app.auth.models import User
from app.facilities.operations import create_request
from tests.app.test_bookings_reserve import make_booking
from tests.app.test_facilities import facility_intake
from tests.conftest import PASSWORD, make_user

ROLES = ("operator", "manager", "team", "admin")
ANYONE = "anyone"  # public pages
LOGGED_IN = "logged-in"  # any role

# endpoint -> roles allowed
POLICY: dict[str, frozenset[str] | str] = {
    "static": ANYONE,
    "auth.login": ANYONE,
    "auth.home": ANYONE,
    "auth.logout": LOGGED_IN,
    "auth.keep_alive": LOGGED_IN,
    "operators.index": frozenset({"operator", "manager"}),
    "bookings.intake": frozenset({"operator", "manager"}),
    "bookings.reception_list": frozenset({"operator", "manager"}),
    "bookings.reception_list_xlsx": frozenset({"operator", "manager"}),
    "bookings.search": frozenset({"operator", "manager"}),
    "bookings.slip": frozenset({"operator", "manager"}),
    "bookings.slip_print": frozenset({"operator", "manager"}),
    "bookings.cancel": frozenset({"operator", "manager"}),
    "bookings.change": frozenset({"operator", "manager"}),
    "bookings.callback_list": frozenset({"operator", "manager"}),
    "bookings.called_back": frozenset({"operator", "manager"}),
    "operators.call_log": frozenset({"operator", "manager"}),
    "operators.log_call": frozenset({"operator", "manager"}),
    "operators.weekly_calls": frozenset({"operator", "manager"}),
    "operators.weekly_calls_xlsx": frozenset({"operator", "manager"}),
    "managers.index": frozenset({"manager"}),
    "managers.season_settings": frozenset({"manager"}),
    "managers.calendar_page": frozenset({"manager"}),
    "managers.generate_calendar": frozenset({"manager"}),
    "managers.add_day": frozenset({"manager"}),
    "managers.remove_day": frozenset({"manager"}),
    "managers.move_day": frozenset({"manager"}),
    "managers.set_kind": frozenset({"manager"}),
    "managers.set_pm_slots": frozenset({"manager"}),
    "managers.replan": frozenset({"manager"}),
    "managers.replan_preview": frozenset({"manager"}),
    "managers.replan_apply": frozenset({"manager"}),
    "managers.replan_done": frozenset({"manager"}),
    "privacy.handover_dashboard": frozenset({"manager"}),
    "privacy.prepare_package": frozenset({"manager"}),
    "privacy.approve_package": frozenset({"manager"}),
    "privacy.release_package": frozenset({"manager"}),
    "privacy.withdraw_package": frozenset({"manager"}),
    "privacy.deletions": frozenset({"manager"}),
    "privacy.run_deletions": frozenset({"manager"}),
    "privacy.erase_all": frozenset({"manager"}),
    "privacy.deletions_xlsx": frozenset({"manager"}),
    "privacy.handling_log": frozenset({"manager"}),
    "privacy.handling_log_xlsx": frozenset({"manager"}),
    "reports.dashboard": frozenset({"manager"}),
    "reports.report_xlsx": frozenset({"manager"}),
    "facilities.intake": frozenset({"operator", "manager"}),
    "facilities.queue": frozenset({"manager"}),
    "facilities.detail": frozenset({"manager"}),
    "facilities.callback": frozenset({"manager"}),
    "facilities.set_status": frozenset({"manager"}),
    "facilities.schedule": frozenset({"manager"}),
    "facilities.unschedule": frozenset({"manager"}),
    "facilities.link_home_booking": frozenset({"manager"}),
    "facilities.add_meeting": frozenset({"manager"}),
    "facilities.cancel_meeting": frozenset({"manager"}),
    "facilities.save_checklist": frozenset({"manager"}),
    "facilities.set_agreed_time": frozenset({"manager"}),
    "facilities.list_template": frozenset({"manager"}),
    "facilities.applicants": frozenset({"manager"}),
    "facilities.applicants_xlsx": frozenset({"manager"}),
    "facilities.confirm_applicants": frozenset({"manager"}),
    "opinions.new": frozenset({"operator", "team", "manager"}),
    "opinions.record": frozenset({"operator", "team", "manager"}),
    "opinions.opinion_list": frozenset({"manager"}),
    "opinions.mark_reported": frozenset({"manager"}),
    "opinions.opinions_download": frozenset({"manager"}),
    "incidents.incident_list": frozenset({"manager"}),
    "incidents.new": frozenset({"manager"}),
    "incidents.record": frozenset({"manager"}),
    "incidents.edit": frozenset({"manager"}),
    "incidents.update": frozenset({"manager"}),
    "incidents.incidents_download": frozenset({"manager"}),
    "teams.index": frozenset({"team", "manager"}),
    "teams.route_sheet": frozenset({"team", "manager"}),
    "teams.route_sheet_print": frozenset({"team", "manager"}),
    "teams.route_sheet_pdf": frozenset({"team", "manager"}),
    "teams.facility_applicants": frozenset({"team", "manager"}),
    "teams.record_outcome": frozenset({"team", "manager"}),
    "teams.record_facility_outcome": frozenset({"team", "manager"}),
    "admin.users": frozenset({"admin"}),
    "admin.create_user": frozenset({"admin"}),
    "admin.unlock": frozenset({"admin"}),
    "admin.set_enabled": frozenset({"admin"}),
    "admin.reset_password": frozenset({"admin"}),
    "admin.users_xlsx": frozenset({"admin"}),
    "admin.set_team": frozenset({"admin"}),
    "api.openapi": ANYONE,  # the document describes shapes only, never data
    "api.session_info": LOGGED_IN,
    "api.slots": frozenset({"operator", "manager"}),
    "api.create_booking": frozenset({"operator", "manager"}),
    "api.booking": frozenset({"operator", "manager"}),
}


def _routes(app):
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def test_every_route_is_in_the_policy(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints == set(POLICY)


def _url(app, rule, method, sample):
    values = {arg: sample[arg] for arg in rule.arguments}
    return app.url_map.bind("localhost").build(rule.endpoint, values, method=method)


@pytest.mark.parametrize("role", (None, *ROLES))
def test_role_matrix(app, db, season, role):
    """Anonymous -> log-in page (API: 401 JSON); a role outside the policy -> 403; inside ->
    served."""
    from tests.conftest import Client

    app.test_client_class = Client
    client = app.test_client()
    if role:
        make_user(db, role)
        assert client.login(f"{role}1", PASSWORD).status_code == 302
    other = make_user(db, "operator", "someone")
    visit_day = season.visit_days[5].date.isoformat()
    booking = make_booking(db, season, other.id)
    facility = create_request(db, season, facility_intake(12), other, dt.date(2026, 6, 1))
    db.commit()
    sample = {"date": visit_day, "user_id": other.id, "enabled": 1, "filename": "app.css",
              "booking_id": booking.id, "team": 1, "week": "2026-07-06", "package_id": 1,
              "facility_id": facility.id, "meeting_id": 1, "fmt": "xlsx", "visit_id": 1,
              "incident_id": 1}
    checked = 0
    for rule, method in _routes(app):
        if rule.endpoint == "auth.logout":
            continue  # logging out would end the session under test; covered in test_auth
        policy = POLICY[rule.endpoint]
        url = _url(app, rule, method, sample)
        response = client.get(url) if method == "GET" else client.post_form(url, {})
        status = response.status_code
        if policy == ANYONE:
            assert status in (200, 302), (url, method, role, status)
        elif role is None and url.startswith("/api/"):
            assert status == 401 and response.is_json, (url, method, status)
        elif role is None:
            assert status == 302 and "/login" in response.headers["Location"], (url, method, status)
        elif policy == LOGGED_IN or role in policy:
            assert status not in (401, 403), (url, method, role, status)
            assert status < 500, (url, method, role, status)
        else:
            assert status == 403, (url, method, role, status)
        checked += 1
    assert checked >= len(POLICY) - 2
    db.rollback()


def test_admin_pages_show_no_applicant_personal_data_roles(app):
    """SPEC §12: admin manages accounts only; it is not a personal-data role."""
    from app.auth.roles import PERSONAL_DATA_ROLES, Role

    assert Role.ADMIN not in PERSONAL_DATA_ROLES
    for endpoint, policy in POLICY.items():
        if endpoint.startswith(("operators.", "managers.", "teams.", "privacy.", "reports.",
                                "facilities.", "opinions.", "incidents.")):
            assert "admin" not in policy, endpoint


def test_unknown_user_id_is_404_for_admin(admin_client, db):
    assert admin_client.post_form("/admin/users/99999/unlock").status_code == 404
    assert db.scalar(select(User).where(User.id == 99999)) is None
