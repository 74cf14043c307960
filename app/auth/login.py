"""Log-in, log-out and the role check every page goes through."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from wtforms import PasswordField, StringField
from wtforms.validators import InputRequired

from app.auth.idle import init_idle
from app.auth.models import User
from app.auth.operations import LoginPolicy, authenticate
from app.auth.roles import Role
from app.db import session as db_session
from app.forms import Form

login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "ログインしてください。"
login_manager.session_protection = "strong"

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

# Where each role lands after logging in.
HOME_ENDPOINT: dict[Role, str] = {
    Role.OPERATOR: "operators.index",
    Role.MANAGER: "managers.index",
    Role.TEAM: "teams.index",
    Role.ADMIN: "admin.users",
}


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    init_idle(app)
    app.register_blueprint(bp)
    app.after_request(no_store_for_staff)


def no_store_for_staff(response: Response) -> Response:
    """Keep logged-in pages and downloads out of the browser's disk cache (SPEC §12).

    Slips, lists, route sheets and their Excel/PDF files carry applicants' personal data; a
    cached copy would stay on the call centre's or a team's machine after log-out and after
    the data were deleted here, where the next user of the PC, or anyone with the disk, could
    read it. `no-store` forbids keeping them. Static files (no personal data) stay cacheable.
    """
    if request.endpoint != "static" and current_user.is_authenticated:
        response.headers["Cache-Control"] = "no-store"
    return response


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """The logged-in member of staff: gone when the account was disabled or its password
    changed since the log-in (`User.get_id`)."""
    number, _, fingerprint = user_id.partition(":")
    if not number.isdigit():
        return None
    user = db_session().get(User, int(number))
    if user is None or not user.is_enabled or fingerprint != user.password_fingerprint:
        return None
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Allow the view only to logged-in staff with one of `roles` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if current_user.role_enum not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator


class LoginForm(Form):
    username = StringField("ユーザー名", validators=[InputRequired("ユーザー名を入力してください。")])
    password = PasswordField("パスワード", validators=[InputRequired("パスワードを入力してください。")])


def _safe_next(target: str | None) -> str | None:
    r"""`next` only as a path of this site. Browsers read a backslash as a slash and drop tabs
    and newlines, so "/\evil.example" or "/<tab>/evil.example" would leave the site as
    "//evil.example" does: any of these, or a scheme or host, falls back to the home page."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/")
def home() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOME_ENDPOINT[current_user.role_enum]))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        policy = LoginPolicy(
            current_app.config["LOGIN_MAX_FAILURES"], current_app.config["LOGIN_LOCK_MINUTES"]
        )
        outcome = authenticate(db_session(), form.username.data or "", form.password.data or "",
                               policy)
        if outcome.user is not None:
            session.clear()
            session.permanent = True
            login_user(outcome.user)
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
        error = outcome.message
    return render_template("auth/login.html", form=form, error=error)


@bp.post("/session/keep-alive")
@login_required
def keep_alive() -> Any:
    """「ログインを延長する」 (base.html): the operator asked to stay logged in. The request
    itself renews the session cookie (app/auth/idle.py); nothing else to do. 204, so the
    page's script can tell success from an ended session (a redirect to the log-in page, or
    400 for the CSRF token of a session that is gone)."""
    return "", 204


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    logout_user()
    session.clear()
    flash("ログアウトしました。", "info")
    return redirect(url_for("auth.login"))
