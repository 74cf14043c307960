"""The handling log (第15): who viewed, printed, exported, changed or deleted what, when.

Append-only: the ORM refuses to update or delete a row (see `_refuse_change`); nothing in the
app ever edits it, and issue 8's deletion of personal data leaves it alone (its rows name
records by type and id, never by personal values).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow

ACTIONS: tuple[str, ...] = ("view", "print", "export", "change", "delete")

ACTION_LABELS: dict[str, str] = {
    "view": "閲覧",
    "print": "印刷",
    "export": "出力",
    "change": "変更",
    "delete": "削除",
}


class HandlingLogEntry(Base):
    """One handling of personal data by a named member of staff."""

    __tablename__ = "handling_log"
    __table_args__ = (
        CheckConstraint("action IN (" + ", ".join(f"'{a}'" for a in ACTIONS) + ")",
                        name="action"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, index=True)  # naive UTC
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    username: Mapped[str] = mapped_column(String(64))  # as it was then
    action: Mapped[str] = mapped_column(String(16))
    record_type: Mapped[str] = mapped_column(String(32))
    record_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text, default="")


@event.listens_for(HandlingLogEntry, "before_update")
@event.listens_for(HandlingLogEntry, "before_delete")
def _refuse_change(_mapper: object, _connection: object, target: HandlingLogEntry) -> None:
    raise PermissionError(f"the handling log is append-only (row {target.id})")
