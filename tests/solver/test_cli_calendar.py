"""`python -m solver calendar SCENARIO.json [--out CALENDAR.json]` (SCENARIO.md "Commands")."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from solver.calendar_rules import calendar_problems
from solver.scenario_io import parse_config

ROOT = Path(__file__).resolve().parents[2]
SEASON = {"booking_opens": "2026-06-01", "visits_from": "2026-06-17", "visits_to": "2026-12-24",
          "home_days": 36, "facility_days": 6}


def _run(tmp_path: Path, scenario: dict[str, Any], *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    return subprocess.run([sys.executable, "-m", "solver", "calendar", str(path), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_calendar_prints_the_generated_days_and_status(tmp_path: Path) -> None:
    done = _run(tmp_path, {"name": "otaru-2026", "season": SEASON, "requests": []})
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["status"] == "OPTIMAL"
    assert len(out["visit_days"]) == 42
    assert set(out["visit_days"][0]) == {"date", "kind", "pm_slots"}
    config = parse_config({"season": {**SEASON, "visit_days": out["visit_days"]}})
    assert calendar_problems(config.season.visit_days or (), config) == []


def test_calendar_writes_to_out(tmp_path: Path) -> None:
    target = tmp_path / "calendar.json"
    done = _run(tmp_path, {"name": "x", "season": SEASON, "requests": []}, "--out", str(target))
    assert done.returncode == 0 and done.stdout == ""
    assert len(json.loads(target.read_text(encoding="utf-8"))["visit_days"]) == 42


def test_infeasible_settings_exit_1_with_the_rules(tmp_path: Path) -> None:
    season = {**SEASON, "visits_from": "2026-07-01", "visits_to": "2026-07-28", "home_days": 54}
    done = _run(tmp_path, {"name": "x", "season": season, "requests": []})
    assert done.returncode == 1
    out = json.loads(done.stdout)
    assert out["status"] == "INFEASIBLE" and out["visit_days"] == []
    assert any("§2" in line for line in out["problems"])


def test_given_days_are_returned_with_their_problems(tmp_path: Path) -> None:
    days = [{"date": "2026-07-04", "kind": "home", "pm_slots": 2}]
    done = _run(tmp_path, {"name": "x", "season": {**SEASON, "visit_days": days}, "requests": []})
    assert done.returncode == 0
    out = json.loads(done.stdout)
    assert out["status"] == "GIVEN" and out["visit_days"] == days
    assert any("土日" in line for line in out["problems"])
    assert dt.date.fromisoformat(out["visit_days"][0]["date"]).weekday() == 5


def test_malformed_scenario_exits_2_with_one_line(tmp_path: Path) -> None:
    done = _run(tmp_path, {"name": "x", "season": {**SEASON, "home_days": "many"}, "requests": []})
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "home_days" in done.stderr
