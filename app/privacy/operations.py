"""Writing the handling log. Every view, print, export, change or deletion of personal data
calls `log_handling` in the same transaction as the work it records."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.privacy.models import ACTIONS, HandlingLogEntry


def log_handling(
    db: Session, user: Any, action: str, record_type: str, record_id: object, detail: str = ""
) -> HandlingLogEntry:
    """Append one row: `user` (a User) did `action` to the record `record_type`/`record_id`."""
    if action not in ACTIONS:
        raise ValueError(f"unknown handling action {action!r}")
    entry = HandlingLogEntry(
        user_id=user.id, username=user.username, action=action, record_type=record_type,
        record_id=str(record_id), detail=detail,
    )
    db.add(entry)
    db.flush()
    return entry


def handling_log(db: Session, limit: int = 500) -> list[HandlingLogEntry]:
    """The newest rows first."""
    return list(db.scalars(
        select(HandlingLogEntry).order_by(HandlingLogEntry.id.desc()).limit(limit)
    ))
