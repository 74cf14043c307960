"""A season's configuration and its visit days."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.db import Base, utcnow


class SeasonRecord(Base):
    """One programme season. `config` is `solver.scenario_io.config_to_dict` without days."""

    __tablename__ = "seasons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    config: Mapped[dict] = mapped_column(JSON)
    is_active: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar_status: Mapped[str | None] = mapped_column(String(32), nullable=True)
    # The last receipt number handed out (SPEC §9: sequential in booking order). Bookings
    # increment it with an UPDATE, which also serialises concurrent reservations.
    last_receipt_no: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

    visit_days: Mapped[list[VisitDayRecord]] = relationship(
        back_populates="season", order_by="VisitDayRecord.date", cascade="all, delete-orphan"
    )
    changes: Mapped[list[SeasonChange]] = relationship(
        back_populates="season", order_by="SeasonChange.at.desc()", cascade="all, delete-orphan"
    )


class VisitDayRecord(Base):
    __tablename__ = "visit_days"
    __table_args__ = (
        UniqueConstraint("season_id", "date"),
        CheckConstraint("kind IN ('home', 'facility')", name="kind"),
        CheckConstraint("pm_slots >= 0", name="pm_slots"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(16))
    pm_slots: Mapped[int] = mapped_column(Integer)

    season: Mapped[SeasonRecord] = relationship(back_populates="visit_days")


class SeasonChange(Base):
    """Who changed the season's rules or calendar, when, and how (kept for managers)."""

    __tablename__ = "season_changes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    season_id: Mapped[int] = mapped_column(ForeignKey("seasons.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text)

    season: Mapped[SeasonRecord] = relationship(back_populates="changes")
    # The manager home names who made each change; None for a season created from the
    # command line or the demo loader, which no member of staff did.
    user: Mapped[User | None] = relationship(lazy="joined")
