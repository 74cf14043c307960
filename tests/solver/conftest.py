"""Fixtures of the solver tests; the builders themselves live in `tests.solver.factories`."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from solver.season import Scenario
from tests.solver.factories import (
    make_request,
    make_scenario,
    make_visit_days,
    otaru_points,
    random_requests,
    scenario_to_dict,
)


@pytest.fixture
def small_scenario() -> Scenario:
    """Six home requests and one facility on four home days and one facility day."""
    days = make_visit_days(5, kinds=["home", "home", "facility", "home", "home"])
    points = otaru_points(7, seed=1)
    requests = [
        make_request(f"H{i}", lat=lat, lng=lng, applicants=1 + i % 2)
        for i, (lat, lng) in enumerate(points[:6])
    ]
    lat, lng = points[6]
    requests.append(make_request("F1", kind="facility", lat=lat, lng=lng, applicants=12,
                                 received=dt.date(2026, 5, 1)))
    return make_scenario(requests, days)


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    """A small scenario file: 8 visit days (one facility day) and 15 requests."""
    days = make_visit_days(8, kinds=["home"] * 3 + ["facility"] + ["home"] * 4, step=4)
    scenario = make_scenario(random_requests(14, 1, seed=3, last=dt.date(2026, 7, 1)), days)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario_to_dict(scenario)), encoding="utf-8")
    return path
