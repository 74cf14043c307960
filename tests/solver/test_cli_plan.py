"""`python -m solver plan` / `check`: the file contract of SCENARIO.md, end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from solver.__main__ import main
from tests.solver.factories import (
    make_scenario,
    random_requests,
    run_solver,
    scenario_to_dict,
)

ROOT = Path(__file__).resolve().parents[2]




def test_plan_then_check_roundtrip(scenario_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    done = run_solver("plan", str(scenario_file), "--time-limit", "5", "--out", str(out))
    assert done.returncode == 0, done.stderr
    plan = json.loads(out.read_text(encoding="utf-8"))
    assert set(plan) == {"scenario", "visit_days", "visits", "unassigned", "stats"}
    assert {"requests", "assigned", "applicants_assigned", "soft_wishes_met",
            "travel_min_total", "status", "bound_assigned", "seconds"} <= set(plan["stats"])
    assert plan["stats"]["assigned"] > 0
    visit = plan["visits"][0]
    assert set(visit) == {"request", "date", "half", "team", "position", "applicants", "eta",
                          "travel_from_previous_min"}
    checked = run_solver("check", str(scenario_file), str(out))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout == ""


def test_plan_prints_to_stdout(scenario_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(scenario_file), "--time-limit", "3"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["stats"]["requests"] == 15


def test_check_reports_violations_with_exit_1(scenario_file: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "plan.json"
    assert main(["plan", str(scenario_file), "--time-limit", "3", "--out", str(out)]) == 0
    plan = json.loads(out.read_text(encoding="utf-8"))
    plan["visits"][0]["eta"] = "09:00"
    plan["stats"]["assigned"] += 1
    out.write_text(json.dumps(plan), encoding="utf-8")
    capsys.readouterr()
    assert main(["check", str(scenario_file), str(out)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert {line.split(":")[0] for line in lines} == {"eta", "stats"}


@pytest.mark.parametrize("mutate,key", [
    (lambda d: d["rules"].update(travel_cap_min="thirty"), "rules.travel_cap_min"),
    (lambda d: d["requests"][0].pop("lat"), "requests[0].lat"),
    (lambda d: d["requests"][1].update(kind="hospital"), "requests[1].kind"),
    (lambda d: d["season"]["visit_days"][0].update(pm_slots=7), "season.visit_days[0].pm_slots"),
    (lambda d: d["requests"][0]["wish"].update(half="evening"), "requests[0].wish.half"),
])
def test_malformed_scenario_exits_2_naming_the_key(
    scenario_file: Path, tmp_path: Path, mutate: Any, key: str
) -> None:
    data = json.loads(scenario_file.read_text(encoding="utf-8"))
    data["requests"][0].setdefault("wish", {})
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    done = run_solver("plan", str(bad), "--time-limit", "1")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and key in lines[0]
    assert run_solver("check", str(bad), str(bad)).returncode == 2


def test_malformed_plan_exits_2(scenario_file: Path, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"scenario": "x", "visit_days": [], "visits": [{"date": "?"}]}),
                    encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["check", str(scenario_file), str(plan)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "visits[0]" in err[0]
    plan.write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["check", str(scenario_file), str(plan)])
    assert exc.value.code == 2


@pytest.mark.parametrize("mutate,key", [
    (lambda d: d["requests"][1].update(id=d["requests"][0]["id"]), "requests[1].id"),
    (lambda d: d["requests"][0].update(applicants=0), "requests[0].applicants"),
    (lambda d: d["requests"][0]["wish"].update({"from": "2026-08-01", "to": "2026-07-01"}),
     "requests[0].wish.to"),
    (lambda d: d["requests"][0].update(received="2026-13-01"), "requests[0].received"),
    (lambda d: d["rules"].update(teems=2), "rules.teems"),
    (lambda d: d["rules"].update(teams=0), "rules.teams"),
    (lambda d: d.update(requests={}), "requests"),
    (lambda d: d["season"]["visit_days"].append(dict(d["season"]["visit_days"][0])),
     "season.visit_days[8].date"),
    (lambda d: d["season"]["visit_days"][0].update(kind="hospital"),
     "season.visit_days[0].kind"),
])
def test_more_malformed_scenarios_exit_2_in_process(
    scenario_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], mutate: Any,
    key: str,
) -> None:
    data = json.loads(scenario_file.read_text(encoding="utf-8"))
    data["requests"][0].setdefault("wish", {})
    mutate(data)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(SystemExit) as exc:
        main(["plan", str(bad), "--time-limit", "1"])
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and key in lines[0], lines


def test_check_judges_a_calendar_the_plan_brings(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    """Without season.visit_days the plan's own calendar is used, so §2 is checked too."""
    data = scenario_to_dict(make_scenario(random_requests(3, seed=1)))
    del data["season"]["visit_days"]
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps(data), encoding="utf-8")
    saturday = {"date": "2026-06-20", "kind": "home", "pm_slots": 2}
    plan = {"scenario": data["name"], "visit_days": [saturday], "visits": [],
            "unassigned": [{"request": r["id"], "reasons": ["capacity"]}
                           for r in data["requests"]]}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(plan), encoding="utf-8")
    assert main(["check", str(scenario), str(path)]) == 1
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines and all(line.startswith("visit_days: ") for line in lines)
    assert any(line.startswith("visit_days: weekday:") for line in lines)
