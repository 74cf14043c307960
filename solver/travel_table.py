"""Adapter from coordinates to the solver's travel minutes: the only solver module that
imports `routing` (the season's configured travel service: engine, fallback, cache).

The planner, checker and slot policy only ever read a `TravelTable`; this module builds one
with the travel model of the scenario (SCENARIO.md "estimate"), computing one matrix per
class of dates that share travel times (summer / winter for the estimate), so a season of
42 days costs two matrices. The web app calls `build_problem` the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

import numpy as np

from routing import service_for
from routing.estimate import is_winter
from routing.service import is_fallback
from solver.plan_types import TravelTable, Visit
from solver.problem import PlanningProblem, make_problem, resolve_visit_days
from solver.season import Request, Scenario, SeasonConfig, VisitDay


def build_travel_table(
    config: SeasonConfig, requests: Sequence[Request], dates: Iterable[dt.date]
) -> TravelTable:
    """Travel minutes between the depot (point 0) and every request, for each date."""
    points = [(config.depot.lat, config.depot.lng)] + [(r.lat, r.lng) for r in requests]
    service = service_for(config.travel)
    matrices: list[np.ndarray] = []
    sources: list[str] = []
    fallback = False
    class_index: dict[bool, int] = {}
    matrix_of: dict[dt.date, int] = {}
    for on in sorted(set(dates)):
        key = is_winter(on, config.travel)
        if key not in class_index:
            class_index[key] = len(matrices)
            result = service.matrix(points, on)
            matrices.append(result.minutes)
            sources.append(result.source)
            fallback = fallback or is_fallback(result)
        matrix_of[on] = class_index[key]
    return TravelTable(
        point_ids=tuple(r.id for r in requests), matrices=tuple(matrices), matrix_of=matrix_of,
        source="; ".join(dict.fromkeys(sources)) or config.travel.model, fallback=fallback,
    )


def build_problem(
    scenario: Scenario,
    visit_days: Sequence[VisitDay] | None = None,
    pinned: Sequence[Visit] = (),
    shared: Iterable[str] = (),
) -> PlanningProblem:
    """The planning problem of a scenario: visit days resolved, travel table built."""
    days = tuple(visit_days) if visit_days is not None else resolve_visit_days(scenario.config)
    travel = build_travel_table(scenario.config, scenario.requests, (d.date for d in days))
    return make_problem(scenario, travel, days, pinned=pinned, shared=shared)
