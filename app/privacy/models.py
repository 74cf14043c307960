"""The handling log (第15): who viewed, printed, exported, changed or deleted what, when.

Append-only: the ORM refuses to update or delete a row (see `_refuse_change`); nothing in the
app ever edits it, and issue 8's deletion of personal data leaves it alone (its rows name
records by type and id, never by personal values).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    event,
)
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


HANDOVER_STATUSES: tuple[str, ...] = ("ready", "approved", "sent", "withdrawn")


class HandoverPackage(Base):
    """One weekly hand-over of reception slips to the city (SPEC §10, seed 004 §9(1)).

    Prepared by one manager (`ready`), approved by another (`approved`), then released once
    (`sent`: mailed, or downloaded with the password shown once). The encrypted file and its
    password are never stored: they are built fresh at release from `booking_ids`. A package
    not yet sent can be withdrawn (`withdrawn`, with who, when and why) when its contents went
    stale, so the week can be packed again.
    """

    __tablename__ = "handover_packages"
    __table_args__ = (
        CheckConstraint("status IN (" + ", ".join(f"'{s}'" for s in HANDOVER_STATUSES) + ")",
                        name="status"),
        CheckConstraint("release_method IS NULL OR release_method IN ('download', 'smtp')",
                        name="release_method"),
        CheckConstraint("approved_by IS NULL OR approved_by <> prepared_by", name="two_people"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id"))
    week_start: Mapped[dt.date] = mapped_column(Date, index=True)  # Monday of visit week W
    status: Mapped[str] = mapped_column(String(16), default="ready")
    recipient: Mapped[str] = mapped_column(String(254))
    booking_ids: Mapped[list] = mapped_column(JSON)
    # Facilities whose applicant list travels in the package (their first visit in the week).
    facility_ids: Mapped[list | None] = mapped_column(JSON, nullable=True)
    receipt_nos: Mapped[list] = mapped_column(JSON)
    prepared_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    prepared_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    release_method: Mapped[str | None] = mapped_column(String(16), nullable=True)
    file_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    withdrawn_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
