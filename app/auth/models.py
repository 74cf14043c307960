"""Staff accounts."""

from __future__ import annotations

import datetime as dt
import hashlib

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.auth.roles import ROLE_LABELS, Role
from app.db import Base, utcnow


class User(UserMixin, Base):
    """A named member of staff; every access to personal data is made by one of them."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{r.value}'" for r in Role) + ")", name="role"
        ),
        CheckConstraint("team IS NULL OR team >= 1", name="team"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    is_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    # A visit-team member's own team (route sheets of other teams are not theirs to open);
    # None: every team (a single-team season, or someone covering for all).
    team: Mapped[int | None] = mapped_column(Integer, nullable=True)

    def get_id(self) -> str:
        """What the session cookie keeps: the id and a fingerprint of the password hash.

        A new password (the admin's reset after a leak, say) changes the fingerprint, so every
        session opened with the old one ends at its next request (`app.auth.login.load_user`):
        only the named person holding the current password stays in (SPEC §12, 第1).
        """
        return f"{self.id}:{self.password_fingerprint}"

    @property
    def password_fingerprint(self) -> str:
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:16]

    def may_open_team(self, team: int) -> bool:
        return self.role != Role.TEAM.value or self.team is None or self.team == team

    @property
    def is_active(self) -> bool:  # Flask-Login: a disabled account cannot stay logged in
        return self.is_enabled

    @property
    def role_enum(self) -> Role:
        return Role(self.role)

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role_enum]

    def is_locked(self, now: dt.datetime) -> bool:
        return self.locked_until is not None and self.locked_until > now
