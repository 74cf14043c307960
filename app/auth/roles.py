"""The four kinds of staff and what each may do (SPEC §12: named staff only)."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    OPERATOR = "operator"  # call-centre operators: bookings, callers' personal data
    MANAGER = "manager"  # programme managers: season, calendar, capacity, re-planning
    TEAM = "team"  # city visit teams: the day's route sheets
    ADMIN = "admin"  # account administration only: no personal data


ROLE_LABELS: dict[Role, str] = {
    Role.OPERATOR: "オペレーター",
    Role.MANAGER: "管理者",
    Role.TEAM: "訪問チーム（市職員）",
    Role.ADMIN: "システム管理者",
}

# Roles whose work needs callers' personal data (SPEC §12 第1, 第5). Admin is deliberately
# absent: account administration never shows an applicant's name, address or phone.
PERSONAL_DATA_ROLES: frozenset[Role] = frozenset({Role.OPERATOR, Role.MANAGER, Role.TEAM})
