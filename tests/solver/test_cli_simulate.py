"""`python -m solver simulate`: the file contract of SCENARIO.md, end to end."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.solver.factories import (
    make_scenario,
    make_visit_days,
    random_requests,
    scenario_to_dict,
)

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    days = make_visit_days(8, kinds=["home"] * 3 + ["facility"] + ["home"] * 4, step=4)
    scenario = make_scenario(random_requests(14, 1, seed=3, last=dt.date(2026, 7, 1)), days)
    path = tmp_path / "scenario.json"
    path.write_text(json.dumps(scenario_to_dict(scenario)), encoding="utf-8")
    return path


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "solver", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("policy", ["fcfs", "smart"])
def test_simulate_then_check(scenario_file: Path, tmp_path: Path, policy: str) -> None:
    out = tmp_path / "plan.json"
    done = _run("simulate", str(scenario_file), "--policy", policy, "--out", str(out))
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert set(plan) == {"scenario", "visit_days", "visits", "unassigned", "stats"}
    assert plan["stats"]["status"] == "SIMULATED" and plan["stats"]["policy"] == policy
    assert plan["stats"]["requests"] == 15 and plan["stats"]["assigned"] > 0
    checked = _run("check", str(scenario_file), str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_simulate_prints_to_stdout(scenario_file: Path) -> None:
    done = _run("simulate", str(scenario_file), "--policy", "smart")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["stats"]["requests"] == 15


def test_malformed_scenario_exits_2_with_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"name": "x", "requests": [{"id": 1}]}), encoding="utf-8")
    done = _run("simulate", str(bad), "--policy", "fcfs")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and done.stdout == ""


def test_policy_is_required(scenario_file: Path) -> None:
    done = _run("simulate", str(scenario_file), "--policy", "random")
    assert done.returncode == 2
