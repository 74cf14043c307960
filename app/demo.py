"""The demo season (Otaru 2026, SPEC §1) and one demo account per role."""

from __future__ import annotations

from sqlalchemy.orm import Session

from app.auth import operations as accounts
from app.seasons import operations as seasons
from solver.season import SeasonConfig

DEMO_SEASON_TITLE = "小樽市 2026年度 出張申請受付"

# (username, display name, role, password) — for the local demo only.
DEMO_USERS: tuple[tuple[str, str, str, str], ...] = (
    ("operator", "受付 花子", "operator", "operator-demo-2026"),
    ("manager", "管理 太郎", "manager", "manager-demo-2026"),
    ("team", "訪問 一郎", "team", "team-demo-2026"),
    ("admin", "システム 管理", "admin", "admin-demo-2026"),
)


def load_demo(db: Session) -> list[str]:
    """Create what is missing (idempotent): the demo accounts and the 2026 season."""
    messages = []
    for username, name, role, password in DEMO_USERS:
        if accounts.find_user(db, username) is None:
            accounts.create_user(db, username, name, role, password)
            messages.append(f"Created demo account {username}.")
    config = SeasonConfig()
    record = seasons.active_season(db)
    if record is None:
        record = seasons.create_season(db, config.season.name, DEMO_SEASON_TITLE, config)
        messages.append(f"Created season {record.name}.")
    if not record.visit_days:
        status, seconds = seasons.generate_calendar(db, record, None)
        messages.append(
            f"Generated the visit-day calendar: {len(record.visit_days)} days "
            f"({status}, {seconds:.1f} s)."
        )
    return messages
