"""`python -m solver simulate`: the file contract of SCENARIO.md, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.solver.factories import (
    run_solver,
)

ROOT = Path(__file__).resolve().parents[2]




@pytest.mark.parametrize("policy", ["fcfs", "smart"])
def test_simulate_then_check(scenario_file: Path, tmp_path: Path, policy: str) -> None:
    out = tmp_path / "plan.json"
    done = run_solver("simulate", str(scenario_file), "--policy", policy, "--out", str(out))
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert set(plan) == {"scenario", "visit_days", "visits", "unassigned", "stats"}
    assert plan["stats"]["status"] == "SIMULATED" and plan["stats"]["policy"] == policy
    assert plan["stats"]["requests"] == 15 and plan["stats"]["assigned"] > 0
    checked = run_solver("check", str(scenario_file), str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_simulate_prints_to_stdout(scenario_file: Path) -> None:
    done = run_solver("simulate", str(scenario_file), "--policy", "smart")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stats"]["requests"] == 15


def test_malformed_scenario_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "requests": [{"id": 1}]}), encoding="utf-8")
    done = run_solver("simulate", str(bad), "--policy", "fcfs")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_policy_is_required(scenario_file: Path) -> None:
    done = run_solver("simulate", str(scenario_file), "--policy", "random")
    assert done.returncode == 2
