"""Small helpers the user-group blueprints share."""

from __future__ import annotations

from flask import abort

from app.db import session
from app.seasons.models import SeasonRecord
from app.seasons.operations import active_season


def require_active_season() -> SeasonRecord:
    """The season everyone works in; 404 with a message page when none is set up yet."""
    record = active_season(session())
    if record is None:
        abort(404)
    return record
