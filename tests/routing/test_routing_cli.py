"""`python -m routing locate|matrix` as scripts call it (subprocess, real exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.routing.fakes import osrm_reply, serve

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "routing", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)


def test_locate_prints_json():
    done = run("locate", "北海道小樽市稲穂２丁目５−１")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"lat": 43.197001, "lng": 140.996374,
                                       "precision": "chome", "matched": "稲穂2丁目"}
    assert "稲穂2丁目" in done.stdout  # ensure_ascii=False


def test_locate_not_found_exits_1_with_a_japanese_message():
    done = run("locate", "札幌市中央区北1条西2丁目")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "小樽市外の住所のようです（札幌市）" in done.stderr


def test_matrix_prints_minutes(tmp_path):
    points = tmp_path / "points.json"
    points.write_text(json.dumps([[43.1907, 141.0028], {"lat": 43.2251, "lng": 140.9937}]))
    summer = run("matrix", str(points))
    winter = run("matrix", str(points), "--date", "2026-12-01")
    assert summer.returncode == winter.returncode == 0, summer.stderr + winter.stderr
    assert json.loads(summer.stdout) == [[0.0, 12.62], [12.62, 0.0]]
    assert json.loads(winter.stdout) == [[0.0, 15.78], [15.78, 0.0]]


def test_matrix_with_a_routing_server_and_with_it_down(tmp_path):
    points = tmp_path / "points.json"
    points.write_text(json.dumps([[43.1907, 141.0028], [43.2251, 140.9937]]))
    with serve(osrm_reply) as server:
        done = run("matrix", str(points), "--model", "osrm", "--url", server.url)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [[0.0, 7.25], [7.25, 0.0]]  # fake: 0.0435 deg -> 435 s
    down = run("matrix", str(points), "--model", "osrm", "--url", server.url)
    assert down.returncode == 0
    assert json.loads(down.stdout) == [[0.0, 12.62], [12.62, 0.0]]
    assert "offline estimate" in down.stderr


@pytest.mark.parametrize(("content", "problem"), [
    ("{not json", "is not JSON"),
    ('{"lat": 43}', "expected a list"),
    ('[[43.19, "x"]]', "point 0 must hold two numbers"),
    ("[[43.19]]", "point 0: expected [lat, lng]"),
    ('[{"lat": 43.19}]', "point 0 is not"),
    ("[[95.0, 141.0]]", "is not a coordinate"),
])
def test_malformed_points_exit_2_with_one_line(tmp_path, content, problem):
    points = tmp_path / "points.json"
    points.write_text(content)
    done = run("matrix", str(points))
    assert done.returncode == 2
    assert problem in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_missing_file_and_bad_date_exit_2(tmp_path):
    assert run("matrix", str(tmp_path / "nope.json")).returncode == 2
    points = tmp_path / "points.json"
    points.write_text("[]")
    assert run("matrix", str(points), "--date", "2026-13-01").returncode == 2
    assert json.loads(run("matrix", str(points)).stdout) == []
