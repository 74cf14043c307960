"""One row per incident, holding its current state, and its append-only revisions."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, CheckConstraint, Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, utcnow


class Incident(Base):
    """A personal-data incident (第12). `discovered_at` and `reported_at` are Japan wall-clock
    times as staff type them (not UTC): they are facts reported to the city in Japan time."""

    __tablename__ = "incidents"
    __table_args__ = (
        CheckConstraint("persons_count >= 1", name="persons_count"),
        CheckConstraint("notified IN ('no', 'yes')", name="notified"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    discovered_at: Mapped[dt.datetime] = mapped_column(DateTime, index=True)  # Japan time
    circumstances: Mapped[str] = mapped_column(Text)  # 発生状況
    place: Mapped[str] = mapped_column(String(200))  # 発生場所
    data_content: Mapped[str] = mapped_column(Text)  # 個人情報の内容
    persons_count: Mapped[int] = mapped_column(Integer)  # 数量（人数）
    receipt_numbers: Mapped[str] = mapped_column(String(2000), default="")  # "12, 15"
    measures: Mapped[str] = mapped_column(Text, default="")  # 被害拡大防止の措置
    reported_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)  # Japan
    reported_to: Mapped[str] = mapped_column(String(100), default="")
    city_instructions: Mapped[str] = mapped_column(Text, default="")
    notified: Mapped[str] = mapped_column(String(8), default="no")
    notified_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    closed_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)  # naive UTC

    revisions: Mapped[list[IncidentRevision]] = relationship(
        back_populates="incident", order_by="IncidentRevision.id", cascade="all, delete-orphan")


class IncidentRevision(Base):
    """One recording or update of an incident: who, when (naive UTC) and, per changed field,
    its label with the old and the new value as shown on the page. Rows are never changed."""

    __tablename__ = "incident_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id", ondelete="CASCADE"),
                                             index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    changes: Mapped[list] = mapped_column(JSON)  # [[label, old or null, new], ...]

    incident: Mapped[Incident] = relationship(back_populates="revisions")
