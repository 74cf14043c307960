"""The staff roster for the city (個人情報取扱特記事項 第5: the contractor reports in writing
who handles personal data). Built from the accounts themselves, so the list the city holds
is the list of people who can actually log in."""

from __future__ import annotations

from collections.abc import Sequence

from app.auth.models import User
from app.auth.roles import PERSONAL_DATA_ROLES, ROLE_LABELS
from app.calls.operations import local_time
from app.xlsx import table_xlsx

ROSTER_COLUMNS: tuple[str, ...] = (
    "ログインID", "氏名", "役割", "個人情報の取扱い", "担当班", "状態", "作成日時（日本時間）",
    "最終ログイン（日本時間）",
)


def roster_row(user: User) -> list[object]:
    handles = "あり" if user.role_enum in PERSONAL_DATA_ROLES else "なし（アカウント管理のみ）"
    team = (user.team or "すべて") if user.role == "team" else ""
    return [user.username, user.display_name, ROLE_LABELS[user.role_enum], handles, team,
            "有効" if user.is_enabled else "無効（ログイン不可）", local_time(user.created_at),
            local_time(user.last_login_at) if user.last_login_at else ""]


def roster_xlsx(users: Sequence[User]) -> bytes:
    enabled = sum(1 for u in users if u.is_enabled)
    return table_xlsx("作業従事者", f"作業従事者（アカウント）一覧（有効 {enabled}名／全 {len(users)}名）",
                      ROSTER_COLUMNS, (roster_row(u) for u in users),
                      widths=(14, 16, 18, 22, 8, 18, 18, 18))
