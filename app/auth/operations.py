"""Account operations: create, authenticate with lock-out, unlock, enable/disable.

Services validate, write and flush; the request (or CLI command) commits.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from app.auth.roles import Role
from app.db import utcnow

USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class AccountError(ValueError):
    """A refused account change; `field` names the form field, `message` is Japanese."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int
    lock_minutes: int


def find_user(db: Session, username: str) -> User | None:
    return db.scalar(select(User).where(User.username == username.strip().lower()))


def create_user(
    db: Session, username: str, display_name: str, role: str, password: str,
    team: int | None = None,
) -> User:
    username = username.strip().lower()
    if not USERNAME_RE.match(username):
        raise AccountError(
            "username", "ユーザー名は半角英小文字・数字・._- の3〜64文字で入力してください。"
        )
    if find_user(db, username) is not None:
        raise AccountError("username", f"ユーザー名「{username}」は既に使われています。")
    if not display_name.strip():
        raise AccountError("display_name", "氏名を入力してください。")
    if role not in {r.value for r in Role}:
        raise AccountError("role", "役割を選んでください。")
    problem = password_problem(password)
    if problem:
        raise AccountError("password", problem)
    check_team(role, team)
    user = User(
        team=team,
        username=username,
        display_name=display_name.strip(),
        role=role,
        password_hash=hash_password(password),
        is_enabled=True,
        failed_logins=0,
    )
    db.add(user)
    db.flush()
    return user


@dataclass(frozen=True)
class LoginOutcome:
    user: User | None
    message: str | None  # Japanese, shown on the log-in page when user is None


def authenticate(
    db: Session, username: str, password: str, policy: LoginPolicy, now: dt.datetime | None = None
) -> LoginOutcome:
    """Check a log-in; count failures and lock the account after `policy.max_failures`."""
    now = now or utcnow()
    wrong = LoginOutcome(None, "ユーザー名またはパスワードが正しくありません。")
    user = find_user(db, username)
    if user is None:
        return wrong
    if user.is_locked(now):
        assert user.locked_until is not None
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return LoginOutcome(
            None,
            f"ログインの失敗が続いたため、このアカウントはロックされています。"
            f"約{minutes}分後に再度お試しいただくか、システム管理者に解除を依頼してください。",
        )
    if not verify_password(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= policy.max_failures:
            user.locked_until = now + dt.timedelta(minutes=policy.lock_minutes)
            user.failed_logins = 0
        db.flush()
        return wrong
    if not user.is_enabled:
        return LoginOutcome(None, "このアカウントは無効です。システム管理者に連絡してください。")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.flush()
    return LoginOutcome(user, None)


def unlock(user: User) -> None:
    user.locked_until = None
    user.failed_logins = 0


def set_enabled(db: Session, user: User, enabled: bool, acting: User) -> None:
    if user.id == acting.id and not enabled:
        raise AccountError("user", "自分自身のアカウントは無効にできません。")
    user.is_enabled = enabled
    db.flush()


def reset_password(user: User, password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise AccountError("password", problem)
    user.password_hash = hash_password(password)
    unlock(user)


MAX_TEAM = 20


def check_team(role: str, team: int | None) -> None:
    """Only visit-team members belong to a team; its number is 1..MAX_TEAM."""
    if team is None:
        return
    if role != Role.TEAM.value:
        raise AccountError("team", "担当班は訪問チーム（市職員）のアカウントだけに設定できます。")
    if not 1 <= team <= MAX_TEAM:
        raise AccountError("team", f"担当班は1〜{MAX_TEAM}の番号で入力してください。")


def set_team(user: User, team: int | None) -> None:
    check_team(user.role, team)
    user.team = team
