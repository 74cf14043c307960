"""Plain data shared by the planner, the slot policy, the simulator and the checker.

Shapes follow the plan file of SCENARIO.md. The solver only ever sees travel as minutes
matrices (`TravelTable`); building them from coordinates is the caller's job (`routing/`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from solver.season import Half, VisitDay

# Stable reason codes (SCENARIO.md), in the order they are reported.
REASON_CODES: tuple[str, ...] = (
    "lead_time",
    "window",
    "capacity",
    "travel_cap",
    "third_visit_travel_cap",
    "large_household",
    "facility_capacity",
    "no_visit_day",
)


@dataclass(frozen=True)
class TravelTable:
    """Travel minutes between points, per visit date.

    Point 0 is the depot; point i + 1 is `point_ids[i]` (a request id). Dates share matrices
    (the offline model has only a summer and a winter one): `matrices[matrix_of[date]]`.
    """

    point_ids: tuple[str, ...]
    matrices: tuple[np.ndarray, ...]
    matrix_of: Mapping[dt.date, int]
    # Where the minutes came from (routing's source label), and whether a routing engine
    # failed so the offline estimate stood in: operators are then told times are estimates.
    source: str = "estimate"
    fallback: bool = False

    def index(self, request_id: str) -> int:
        return self.point_ids.index(request_id) + 1

    def minutes(self, on: dt.date, a: int, b: int) -> float:
        return float(self.matrices[self.matrix_of[on]][a, b])


@dataclass(frozen=True)
class Visit:
    """One half-day visit. A split facility visit has one `Visit` per half-day."""

    request: str
    date: dt.date
    half: Half
    team: int
    position: int
    applicants: int
    eta: str
    travel_from_previous_min: float | None = None


@dataclass(frozen=True)
class Unassigned:
    request: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class PlanStats:
    requests: int
    assigned: int
    applicants_assigned: int
    soft_wishes_met: int
    travel_min_total: float
    status: str
    bound_assigned: int | None
    seconds: float
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    scenario: str
    visit_days: tuple[VisitDay, ...]
    visits: tuple[Visit, ...]
    unassigned: tuple[Unassigned, ...]
    stats: PlanStats | None = None


def visit_to_dict(visit: Visit) -> dict[str, Any]:
    travel = visit.travel_from_previous_min
    return {
        "request": visit.request,
        "date": visit.date.isoformat(),
        "half": visit.half,
        "team": visit.team,
        "position": visit.position,
        "applicants": visit.applicants,
        "eta": visit.eta,
        "travel_from_previous_min": None if travel is None else round(travel, 1),
    }


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    """The plan file of SCENARIO.md."""
    data: dict[str, Any] = {
        "scenario": plan.scenario,
        "visit_days": [
            {"date": d.date.isoformat(), "kind": d.kind, "pm_slots": d.pm_slots}
            for d in plan.visit_days
        ],
        "visits": [visit_to_dict(v) for v in plan.visits],
        "unassigned": [{"request": u.request, "reasons": list(u.reasons)} for u in plan.unassigned],
    }
    if plan.stats is not None:
        s = plan.stats
        data["stats"] = {
            "requests": s.requests,
            "assigned": s.assigned,
            "applicants_assigned": s.applicants_assigned,
            "soft_wishes_met": s.soft_wishes_met,
            "travel_min_total": round(s.travel_min_total, 1),
            "status": s.status,
            "bound_assigned": s.bound_assigned,
            "seconds": round(s.seconds, 2),
            **dict(s.extra),
        }
    return data


class PlanFormatError(ValueError):
    """A malformed plan file: `key` is the dotted path of the offending value."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


_STATS_KEYS = ("requests", "assigned", "applicants_assigned", "soft_wishes_met",
               "travel_min_total", "status", "bound_assigned", "seconds")


def _get(data: Any, key: str, path: str) -> Any:
    if not isinstance(data, Mapping):
        raise PlanFormatError(path, "must be an object")
    if key not in data:
        raise PlanFormatError(f"{path}.{key}" if path else key, "is required")
    return data[key]


def _date(value: Any, key: str) -> dt.date:
    if not isinstance(value, str):
        raise PlanFormatError(key, "must be a date string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise PlanFormatError(key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _int(value: Any, key: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PlanFormatError(key, "must be an integer")
    return value


def _num(value: Any, key: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanFormatError(key, "must be a number")
    return float(value)


def _list(value: Any, key: str) -> list[Any]:
    if not isinstance(value, list):
        raise PlanFormatError(key, "must be a list")
    return value


def _str(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise PlanFormatError(key, "must be a string")
    return value


def plan_from_dict(data: Any, scenario: Any = None) -> Plan:
    """Read a plan file (SCENARIO.md) back; raises `PlanFormatError` naming the bad key.

    Only the shape is checked here; whether the plan obeys the rules is `solver.check`'s job.
    `scenario` is accepted for symmetry with the callers and is not needed to parse.
    """
    if not isinstance(data, Mapping):
        raise PlanFormatError("plan", "must be an object")
    name = _str(data.get("scenario", scenario.name if scenario is not None else ""), "scenario")
    days = []
    for i, d in enumerate(_list(_get(data, "visit_days", ""), "visit_days")):
        key = f"visit_days[{i}]"
        kind = _get(d, "kind", key)
        if kind not in ("home", "facility"):
            raise PlanFormatError(f"{key}.kind", "must be 'home' or 'facility'")
        days.append(VisitDay(date=_date(_get(d, "date", key), f"{key}.date"), kind=kind,
                             pm_slots=_int(_get(d, "pm_slots", key), f"{key}.pm_slots")))
    visits = []
    for i, v in enumerate(_list(_get(data, "visits", ""), "visits")):
        key = f"visits[{i}]"
        half = _get(v, "half", key)
        if half not in ("am", "pm"):
            raise PlanFormatError(f"{key}.half", "must be 'am' or 'pm'")
        travel = v.get("travel_from_previous_min")
        visits.append(Visit(
            request=_str(_get(v, "request", key), f"{key}.request"),
            date=_date(_get(v, "date", key), f"{key}.date"),
            half=half,
            team=_int(_get(v, "team", key), f"{key}.team"),
            position=_int(_get(v, "position", key), f"{key}.position"),
            applicants=_int(_get(v, "applicants", key), f"{key}.applicants"),
            eta=_str(_get(v, "eta", key), f"{key}.eta"),
            travel_from_previous_min=None if travel is None else _num(
                travel, f"{key}.travel_from_previous_min"),
        ))
    unassigned = []
    for i, u in enumerate(_list(data.get("unassigned", []), "unassigned")):
        key = f"unassigned[{i}]"
        reasons = _list(_get(u, "reasons", key), f"{key}.reasons")
        unassigned.append(Unassigned(
            request=_str(_get(u, "request", key), f"{key}.request"),
            reasons=tuple(_str(r, f"{key}.reasons[{j}]") for j, r in enumerate(reasons)),
        ))
    stats = None
    if data.get("stats") is not None:
        s = data["stats"]
        if not isinstance(s, Mapping):
            raise PlanFormatError("stats", "must be an object")
        for k in _STATS_KEYS:
            _get(s, k, "stats")
        bound = s["bound_assigned"]
        stats = PlanStats(
            requests=_int(s["requests"], "stats.requests"),
            assigned=_int(s["assigned"], "stats.assigned"),
            applicants_assigned=_int(s["applicants_assigned"], "stats.applicants_assigned"),
            soft_wishes_met=_int(s["soft_wishes_met"], "stats.soft_wishes_met"),
            travel_min_total=_num(s["travel_min_total"], "stats.travel_min_total"),
            status=_str(s["status"], "stats.status"),
            bound_assigned=None if bound is None else _int(bound, "stats.bound_assigned"),
            seconds=_num(s["seconds"], "stats.seconds"),
            extra={k: v for k, v in s.items() if k not in _STATS_KEYS},
        )
    return Plan(scenario=name, visit_days=tuple(days), visits=tuple(visits),
                unassigned=tuple(unassigned), stats=stats)
