"""Today's date in Japan, as every booking rule reads it.

`APP_TODAY` (ISO date) pins it: tests and rehearsals run a season as if it were a given day
(say the day booking opens) without touching the machine's clock. Production leaves it unset.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app, has_app_context

from app.calls.operations import local_date
from app.db import utcnow


def today() -> dt.date:
    pinned = current_app.config.get("APP_TODAY") if has_app_context() else None
    if pinned:
        return pinned if isinstance(pinned, dt.date) else dt.date.fromisoformat(str(pinned))
    return local_date(utcnow())
