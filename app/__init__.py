"""Flask app factory: `flask --app app run`, or `create_app()` from tests and WSGI servers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException

from app.config import INSTANCE_DIR, load_config
from app.db import init_db

csrf = CSRFProtect()


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(load_config(env, overrides))
    INSTANCE_DIR.mkdir(exist_ok=True)

    init_db(app)
    csrf.init_app(app)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Japanese as is, not escaped

    from app.auth.login import init_login

    init_login(app)

    from app.blueprints import register_blueprints

    register_blueprints(app)

    from app.cli import register_cli

    register_cli(app)
    register_error_pages(app)
    # Timestamps are stored in UTC; staff read them in Japan time.
    from app.calls.operations import local_time

    app.add_template_filter(local_time, "jst")
    from app.dates import jp_date

    # Every date a page shows goes through this one filter (app/dates.py has the rule).
    app.add_template_filter(jp_date, "jp_date")
    app.add_template_test(
        lambda value: isinstance(value, dt.date) and not isinstance(value, dt.datetime), "date")
    from app.seasons.texts import calendar_status_label

    app.add_template_filter(calendar_status_label, "calendar_status")
    from app.bookings.callbacks import waiting_count
    from app.db import session

    app.add_template_global(lambda: waiting_count(session()), "waiting_callbacks")
    return app


def register_error_pages(app: Flask) -> None:
    """Error pages in Japanese; under /api/ the same errors as JSON (app/bookings/api_io.py)."""
    from app.bookings import api_io

    messages = {
        400: "リクエストの内容が正しくありません。",
        403: "このページを表示する権限がありません。",
        404: "ページが見つかりません。",
        405: "この操作はできません。",
        500: "システムエラーが発生しました。入力内容は保存されていません。管理者に連絡してください。",
    }

    def render_error(code: int, message: str) -> Any:
        if api_io.is_api_request():
            return api_error(code)
        return render_template("error.html", code=code, message=message), code

    def api_error(code: int, e: HTTPException | None = None) -> Any:
        response, status = api_io.error_response(code)
        if e is not None and getattr(e, "valid_methods", None):
            response.headers["Allow"] = ", ".join(e.valid_methods)  # type: ignore[attr-defined]
        return response, status

    for code, message in messages.items():
        app.register_error_handler(code, lambda _e, c=code, m=message: render_error(c, m))

    @app.errorhandler(405)
    def method_not_allowed(e: HTTPException) -> Any:
        return api_error(405, e) if api_io.is_api_request() else render_error(405, messages[405])

    @app.errorhandler(HTTPException)
    def other_http_error(e: HTTPException) -> Any:
        """401 (the API's "not logged in"), 413, 415, ...: JSON under /api/, else as is."""
        if api_io.is_api_request() and e.code:
            return api_error(e.code, e)
        return e

    @app.errorhandler(CSRFError)
    def csrf_error(e: CSRFError) -> Any:
        if api_io.is_api_request():
            reason = api_io.CSRF_REASONS.get(e.description or "", api_io.ERRORS[400][1])
            return api_io.error_response(400, reason, error="csrf_failed")
        if request.blueprint == "teams":  # a visit's outcome: its draft waits in the browser
            from app.blueprints.teams import expired_form_page

            return expired_form_page()
        return render_error(
            400, "画面の有効期限が切れました。ページを再読み込みしてから、もう一度操作してください。"
        )
