"""Log-in, lock-out, session expiry, log-out, password hashing (issue 2 §5)."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select

from app.auth.models import User
from tests.conftest import PASSWORD, make_user


def test_login_lands_on_the_roles_home_page(client, db, season):
    make_user(db, "manager")
    response = client.login("manager1", PASSWORD)
    assert response.status_code == 302
    assert client.get("/").headers["Location"].endswith("/manager/")
    page = client.get("/manager/").get_data(as_text=True)
    assert "manager 職員" in page


def test_wrong_password_is_refused_with_a_japanese_message(client, db):
    make_user(db, "operator")
    response = client.login("operator1", "wrong-password-1")
    assert response.status_code == 200
    assert "ユーザー名またはパスワードが正しくありません" in response.get_data(as_text=True)
    assert client.get("/operator/").status_code == 302  # still anonymous


def test_passwords_are_stored_as_argon2id_hashes(db):
    user = make_user(db, "operator")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_account_locks_after_repeated_failures_even_for_the_right_password(app, client, db):
    make_user(db, "operator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.login("operator1", "wrong-password-1")
    response = client.login("operator1", PASSWORD)
    assert response.status_code == 200
    assert "ロックされています" in response.get_data(as_text=True)
    user = db.scalar(select(User).where(User.username == "operator1"))
    assert user.locked_until is not None


def test_failures_below_the_limit_do_not_lock(app, client, db, season):
    make_user(db, "operator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        client.login("operator1", "wrong-password-1")
    assert client.login("operator1", PASSWORD).status_code == 302


def test_admin_unlocks_a_locked_account(app, client, db, admin_client):
    make_user(db, "operator")
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.login("operator1", "wrong-password-1")
    user = db.scalar(select(User).where(User.username == "operator1"))
    assert admin_client.post_form(f"/admin/users/{user.id}/unlock").status_code == 302
    assert client.login("operator1", PASSWORD).status_code == 302


def test_disabled_account_cannot_log_in_and_is_logged_out(app, db, admin_client, operator_client):
    user = db.scalar(select(User).where(User.username == "operator1"))
    assert admin_client.post_form(f"/admin/users/{user.id}/enabled/0").status_code == 302
    assert operator_client.get("/operator/").status_code == 302  # session no longer valid
    response = operator_client.login("operator1", PASSWORD)
    assert "無効" in response.get_data(as_text=True)


def test_admin_cannot_disable_their_own_account(db, admin_client):
    me = db.scalar(select(User).where(User.username == "admin1"))
    response = admin_client.post_form(f"/admin/users/{me.id}/enabled/0")
    assert response.status_code == 422
    assert "自分自身" in response.get_data(as_text=True)


def test_session_expires_after_the_configured_idle_time(app, client, db, season):
    import datetime as dt

    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=1)
    make_user(db, "manager")
    assert client.login("manager1", PASSWORD).status_code == 302
    assert client.get("/manager/").status_code == 200
    time.sleep(2.1)
    response = client.get("/manager/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_logout_needs_post_with_csrf_and_ends_the_session(manager_client, season):
    assert manager_client.get("/logout").status_code == 405
    assert manager_client.post("/logout").status_code == 400  # no CSRF token
    assert manager_client.get("/manager/").status_code == 200
    assert manager_client.post_form("/logout").status_code == 302
    assert manager_client.get("/manager/").status_code == 302


def test_forms_without_csrf_token_are_refused(client, db):
    make_user(db, "operator")
    response = client.post("/login", data={"username": "operator1", "password": PASSWORD})
    assert response.status_code == 400
    assert "有効期限" in response.get_data(as_text=True)


def test_login_redirects_only_to_local_next_urls(client, db, season):
    make_user(db, "manager")
    token = client.csrf_token()
    data = {"csrf_token": token, "username": "manager1", "password": PASSWORD}
    response = client.post("/login?next=https://evil.example/", data=data)
    assert response.headers["Location"] == "/"
    client.post_form("/logout")
    data["csrf_token"] = client.csrf_token()
    response = client.post("/login?next=/manager/calendar", data=data)
    assert response.headers["Location"] == "/manager/calendar"


@pytest.mark.parametrize("target", [
    "//evil.example/", "/\\evil.example/", "/\\/evil.example/",
    "/\t/evil.example", "/\n/evil.example", "evil.example", "javascript:alert(1)",
])
def test_login_refuses_next_urls_a_browser_would_read_as_another_site(client, db, season,
                                                                        target):
    make_user(db, "manager")
    data = {"csrf_token": client.csrf_token(), "username": "manager1", "password": PASSWORD}
    response = client.post("/login", query_string={"next": target}, data=data)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == "/", location


def test_admin_creates_an_account_and_bad_input_is_kept_with_reasons(db, admin_client):
    bad = {"username": "Bad Name!", "display_name": "新人 職員", "role": "operator",
           "password": "short"}
    response = admin_client.post_form("/admin/users", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "半角英小文字" in page
    assert 'value="新人 職員"' in page  # what was typed is kept
    good = {**bad, "username": "newop", "password": "long-enough-pw-1"}
    assert admin_client.post_form("/admin/users", good).status_code == 302
    assert db.scalar(select(User).where(User.username == "newop")).role == "operator"


def test_weak_passwords_are_refused(db, admin_client):
    data = {"username": "newop", "display_name": "新人", "role": "operator",
            "password": "abcdefghijkl"}
    response = admin_client.post_form("/admin/users", data)
    assert response.status_code == 422
    assert "英字と数字" in response.get_data(as_text=True)
    assert db.scalar(select(User).where(User.username == "newop")) is None


# --- the idle log-out warning and its keep-alive (app/auth/idle.py, base.html) -----------------

def _csrf_of(page: str) -> str:
    import re

    return re.search(r'data-csrf="([^"]+)"', page).group(1)


def test_every_logged_in_page_warns_before_the_idle_log_out(app, client, db, operator_client,
                                                            season):
    page = operator_client.get("/operator/bookings/new").get_data(as_text=True)
    assert 'id="idle-warning"' in page and "ログインを延長する" in page
    assert 'data-lifetime-s="1800"' in page and 'data-keep-alive-url="/session/keep-alive"' in page
    assert "自動的にログアウトします" in page
    assert 'id="idle-warning"' not in client.get("/login").get_data(as_text=True)


def test_the_keep_alive_extends_the_session_only_when_asked(app, client, db, season):
    import datetime as dt

    app.config["PERMANENT_SESSION_LIFETIME"] = dt.timedelta(seconds=4)
    make_user(db, "manager")
    assert client.login("manager1", PASSWORD).status_code == 302
    token = _csrf_of(client.get("/manager/").get_data(as_text=True))
    time.sleep(2.5)
    response = client.post("/session/keep-alive", headers={"X-CSRFToken": token})
    assert response.status_code == 204 and response.get_data() == b""
    time.sleep(2.5)  # 5 s after the log-in, 2.5 s after the keep-alive
    assert client.get("/manager/").status_code == 200
    time.sleep(5)
    assert client.get("/manager/").status_code == 302  # nothing kept it alive meanwhile


def test_the_keep_alive_needs_the_csrf_token_and_a_session(client, manager_client, season):
    assert manager_client.post("/session/keep-alive").status_code == 400
    assert manager_client.get("/session/keep-alive").status_code == 405
    response = client.post_form("/session/keep-alive")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_a_background_poll_does_not_keep_an_idle_session_alive(app, operator_client, season):
    """The intake page refreshes its offers every few seconds; that must not defeat the idle
    log-out, so a poll marked as such gets no renewed session cookie."""
    url = "/api/v1/slots?lat=43.197001&lng=140.996374"
    polled = operator_client.get(url, headers={"X-Background-Poll": "1"})
    assert polled.status_code == 200
    assert "Set-Cookie" not in polled.headers
    asked = operator_client.get(url)
    assert asked.status_code == 200 and "session=" in asked.headers["Set-Cookie"]


def test_logged_in_pages_and_downloads_are_not_kept_in_the_browser_cache(
        client, db, season, manager_client):
    """SPEC §12: a slip, list or export cached on the PC's disk would outlive the log-out and
    the deletion of the data. Logged-in responses say `no-store`; static files and the
    log-in page (no personal data) do not."""
    from tests.app.test_bookings_reserve import make_booking

    booking = make_booking(db, season, make_user(db, "operator", "op-cache").id)
    for url in (f"/operator/bookings/{booking.id}", "/operator/bookings/",
                "/operator/bookings/list.xlsx", "/manager/privacy/log.xlsx"):
        response = manager_client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    static = manager_client.get("/static/app.css")
    assert static.status_code == 200 and "no-store" not in static.headers.get("Cache-Control", "")
    login = client.get("/login")
    assert login.status_code == 200 and "no-store" not in login.headers.get("Cache-Control", "")


def test_a_password_reset_ends_the_sessions_opened_with_the_old_password(
        app, db, season, admin_client, operator_client, manager_client):
    """第1: only the named person holding the current password reaches personal data. After
    the admin resets a (say, leaked) password, a session opened with the old one is over;
    other people's sessions, and the admin's own after resetting their own, carry on."""
    operator = db.scalar(select(User).where(User.username == "operator1"))
    assert operator_client.get("/operator/").status_code == 200
    new = "Kaigan-Dori-2026!"
    assert admin_client.post_form(f"/admin/users/{operator.id}/password",
                                  {"password": new}).status_code == 302
    refused = operator_client.get("/operator/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    assert manager_client.get("/manager/").status_code == 200  # someone else: unaffected
    assert operator_client.login("operator1", PASSWORD).status_code == 200  # old one: refused
    assert operator_client.login("operator1", new).status_code == 302
    assert operator_client.get("/operator/").status_code == 200

    admin = db.scalar(select(User).where(User.username == "admin1"))
    assert admin_client.post_form(f"/admin/users/{admin.id}/password",
                                  {"password": new}).status_code == 302
    assert admin_client.get("/admin/users").status_code == 200


def test_the_admin_exports_the_staff_roster_for_the_city(
        db, admin_client, operator_client, manager_client):
    """第5: who handles personal data is reported to the city in writing. The roster comes
    from the accounts, with each one's role, whether it reaches personal data and whether it
    can still log in; only the admin may export it."""
    import io

    from openpyxl import load_workbook

    gone = make_user(db, "team", "retired")
    gone.is_enabled = False
    db.commit()
    page = admin_client.get("/admin/users").get_data(as_text=True)
    assert 'id="roster-xlsx" href="/admin/users.xlsx"' in page
    response = admin_client.get("/admin/users.xlsx")
    assert response.status_code == 200 and "staff_roster.xlsx" in response.headers[
        "Content-Disposition"]
    rows = {r[0]: r for r in load_workbook(io.BytesIO(response.data)).active.iter_rows(
        min_row=3, values_only=True)}
    assert set(rows) == {"admin1", "operator1", "manager1", "retired"}
    assert rows["operator1"][2:4] == ("オペレーター", "あり")
    assert rows["admin1"][3].startswith("なし")
    assert rows["retired"][5].startswith("無効") and rows["manager1"][5] == "有効"
    assert rows["operator1"][7]  # logged in: the last log-in is shown
    assert operator_client.get("/admin/users.xlsx").status_code == 403
    assert manager_client.get("/admin/users.xlsx").status_code == 403
