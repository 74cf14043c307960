"""One blueprint per user group: operators, managers, visit teams, admin; and the JSON API."""

from __future__ import annotations

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app.blueprints import (
        admin,
        api,
        bookings,
        facilities,
        incidents,
        managers,
        operators,
        opinions,
        privacy,
        reports,
        teams,
    )

    app.register_blueprint(operators.bp, url_prefix="/operator")
    app.register_blueprint(bookings.bp, url_prefix="/operator/bookings")
    app.register_blueprint(managers.bp, url_prefix="/manager")
    app.register_blueprint(privacy.bp, url_prefix="/manager/privacy")
    app.register_blueprint(reports.bp, url_prefix="/manager/reports")
    app.register_blueprint(teams.bp, url_prefix="/team")
    app.register_blueprint(admin.bp, url_prefix="/admin")
    app.register_blueprint(facilities.bp)
    app.register_blueprint(opinions.bp)
    app.register_blueprint(incidents.bp)
    api.init_api(app)
