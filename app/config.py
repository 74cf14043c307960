"""Configuration per environment, read from environment variables.

DATABASE_URL  SQLAlchemy URL; default: SQLite file instance/outreach.db (embedded).
SECRET_KEY    session signing key; required in production.
APP_ENV       development (default) | production | testing.
APP_TODAY     optional ISO date to run the app as if it were that day (rehearsals, tests).
HANDOVER_RECIPIENTS  comma-separated e-mail addresses the city designated (SPEC §10).
SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_USERNAME, SMTP_PASSWORD, SMTP_STARTTLS, SMTP_CAFILE  optional mail.
PERSONAL_DATA_RETENTION_DAYS  days after a visit is done and shared before deletion is overdue.
ROUTE_SHEET_FONT  the TrueType font file the route-sheet PDF embeds (default: Debian's IPAex Gothic).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"


class BaseConfig:
    DATABASE_URL = os.environ.get("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'outreach.db'}")
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # Idle sessions expire: the session is refreshed on every request.
    PERMANENT_SESSION_LIFETIME = dt.timedelta(
        minutes=int(os.environ.get("SESSION_LIFETIME_MINUTES", "30"))
    )
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = dt.timedelta(0)
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "5"))
    LOGIN_LOCK_MINUTES = int(os.environ.get("LOGIN_LOCK_MINUTES", "15"))
    WTF_CSRF_TIME_LIMIT = None  # the session lifetime already bounds the token
    JSON_AS_ASCII = False  # Flask < 2.3 only; create_app sets app.json.ensure_ascii
    # Pin "today" (ISO date) to rehearse a season; unset in production (app/clock.py).
    APP_TODAY = os.environ.get("APP_TODAY") or None
    # The weekly hand-over (SPEC §10): the only addresses a package may go to, and optional
    # SMTP. Without SMTP_HOST packages are downloaded and the password is shown once.
    HANDOVER_RECIPIENTS = tuple(
        a.strip() for a in os.environ.get("HANDOVER_RECIPIENTS", "").split(",") if a.strip()
    )
    SMTP_HOST = os.environ.get("SMTP_HOST", "")
    SMTP_PORT = int(os.environ.get("SMTP_PORT", "587"))
    SMTP_FROM = os.environ.get("SMTP_FROM", "")
    SMTP_USERNAME = os.environ.get("SMTP_USERNAME", "")
    SMTP_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
    SMTP_STARTTLS = os.environ.get("SMTP_STARTTLS", "1") not in ("0", "false", "no", "")
    SMTP_CAFILE = os.environ.get("SMTP_CAFILE", "")
    # Personal data of a done and shared visit must be deleted within this many days.
    PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "7"))
    # Seconds the re-planner may search for the fewest moves (a manager waits on the page).
    REPLAN_TIME_LIMIT_S = float(os.environ.get("REPLAN_TIME_LIMIT_S", "10"))
    # The Japanese font the route-sheet PDF embeds (scripts/ensure_fonts.sh installs it; the
    # PDF falls back to a font it cannot embed without it: app/routesheets/pdf.py).
    ROUTE_SHEET_FONT = os.environ.get(
        "ROUTE_SHEET_FONT", "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf")


class DevelopmentConfig(BaseConfig):
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-not-secret")
    # The demo can rehearse the hand-over: a reserved example.jp address, never deliverable.
    HANDOVER_RECIPIENTS = BaseConfig.HANDOVER_RECIPIENTS or ("mynumber@city.otaru.example.jp",)


class TestingConfig(BaseConfig):
    TESTING = True
    SECRET_KEY = "testing"
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15


class ProductionConfig(BaseConfig):
    SESSION_COOKIE_SECURE = True


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(env: str | None, overrides: dict[str, Any] | None) -> dict[str, Any]:
    env = env or os.environ.get("APP_ENV", "development")
    if env not in CONFIGS:
        raise RuntimeError(f"APP_ENV must be one of {', '.join(CONFIGS)}, not {env!r}")
    cls = CONFIGS[env]
    values = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
    values["APP_ENV"] = env
    values.update(overrides or {})
    if not values.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in production (see README, Configuration)")
    return values
