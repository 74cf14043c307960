"""The idle log-out (SPEC §12: only the named staff reach personal data, so an unattended
screen must not stay logged in).

The session is permanent and Flask re-issues its cookie on every request, so it ends
PERMANENT_SESSION_LIFETIME after the last request. Two kinds of request are not the
operator's doing and must not keep it alive: a page's background poll (the intake page
refreshes its offers every few seconds) sends `X-Background-Poll: 1` and gets no fresh
cookie; and nothing extends the session by itself: base.html only warns five minutes before
the end and offers the keep-alive button (`auth.keep_alive`), which the operator presses.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask.sessions import SecureCookieSessionInterface, SessionMixin

BACKGROUND_HEADER = "X-Background-Poll"


def is_background_request() -> bool:
    return request.headers.get(BACKGROUND_HEADER) == "1"


class IdleSessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, not refreshed by background polls: their response
    carries the cookie only if the session itself changed (log-in state, a new CSRF token)."""

    def should_set_cookie(self, app: Flask, session: SessionMixin) -> bool:
        if is_background_request():
            return bool(session.modified)
        return super().should_set_cookie(app, session)


def idle_logout_seconds() -> int:
    """The idle limit, for base.html's warning (a template global: pages' own `config`
    variables would shadow Flask's)."""
    return int(current_app.permanent_session_lifetime.total_seconds())


def init_idle(app: Flask) -> None:
    app.session_interface = IdleSessionInterface()
    app.add_template_global(idle_logout_seconds, "idle_logout_seconds")
