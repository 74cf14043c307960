"""One row per opinion received."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, utcnow
from app.opinions.kinds import OPINION_SOURCES, OPINION_TOPICS


def _one_of(column: str, values: dict[str, str]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


class Opinion(Base):
    """An opinion from a citizen or facility staff, summarised without personal data, and
    whether it has been reported to the city (004 §10(3)). Not erased by the deletion run:
    the summary holds no personal data (see app/opinions/__init__.py)."""

    __tablename__ = "opinions"
    __table_args__ = (
        CheckConstraint(_one_of("source", OPINION_SOURCES), name="source"),
        CheckConstraint("topic IS NULL OR " + _one_of("topic", OPINION_TOPICS), name="topic"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)  # Japan date
    source: Mapped[str] = mapped_column(String(16))
    topic: Mapped[str | None] = mapped_column(String(16), nullable=True)
    summary: Mapped[str] = mapped_column(Text)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    reported_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)  # Japan date
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
