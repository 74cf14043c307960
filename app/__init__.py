"""Flask app factory: `flask --app app run`, or `create_app()` from tests and WSGI servers."""

from __future__ import annotations

from typing import Any

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError, CSRFProtect

from app.config import INSTANCE_DIR, load_config
from app.db import init_db

csrf = CSRFProtect()


def create_app(env: str | None = None, overrides: dict[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR))
    app.config.from_mapping(load_config(env, overrides))
    INSTANCE_DIR.mkdir(exist_ok=True)

    init_db(app)
    csrf.init_app(app)

    from app.auth.login import init_login

    init_login(app)

    from app.blueprints import register_blueprints

    register_blueprints(app)

    from app.cli import register_cli

    register_cli(app)
    register_error_pages(app)
    return app


def register_error_pages(app: Flask) -> None:
    messages = {
        400: "リクエストの内容が正しくありません。",
        403: "このページを表示する権限がありません。",
        404: "ページが見つかりません。",
        405: "この操作はできません。",
        500: "システムエラーが発生しました。入力内容は保存されていません。管理者に連絡してください。",
    }

    def render_error(code: int, message: str) -> tuple[str, int]:
        return render_template("error.html", code=code, message=message), code

    for code, message in messages.items():
        app.register_error_handler(code, lambda _e, c=code, m=message: render_error(c, m))

    @app.errorhandler(CSRFError)
    def csrf_error(_e: CSRFError) -> tuple[str, int]:
        return render_error(
            400, "画面の有効期限が切れました。ページを再読み込みしてから、もう一度操作してください。"
        )
