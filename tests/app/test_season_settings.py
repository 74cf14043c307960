"""The manager's season settings form (issue 2 §3): validation, Japanese messages, no loss."""

from __future__ import annotations

import re

from app.seasons.forms import form_data_from_config, form_name
from app.seasons.models import SeasonChange


def season_form(season, **changes):
    """The settings form as the page would post it, with `changes` (dotted keys) applied."""
    data = {"title": season.title}
    for name, value in form_data_from_config(season.config).items():
        data[name] = value.isoformat() if hasattr(value, "isoformat") else value
    for key, value in changes.items():
        data[form_name(key)] = value
    return data


def test_settings_page_shows_every_rule_value_with_its_spec_section(manager_client, season):
    page = manager_client.get("/manager/season").get_data(as_text=True)
    for label in ("午前の訪問件数", "午後の訪問件数（最大）", "1件目→2件目の移動上限（分）",
                  "福祉施設の予約期限（日前）", "訪問チーム数", "冬期の速度係数", "出発地の名称"):
        assert label in page
    assert 'value="小樽市役所"' in page
    assert "§4" in page


def test_valid_change_is_saved_and_recorded(manager_client, db, season):
    response = manager_client.post_form("/manager/season", season_form(season, **{"rules.teams": 2}))
    assert response.status_code == 302
    db.refresh(season)
    assert season.config["rules"]["teams"] == 2
    change = db.query(SeasonChange).filter_by(season_id=season.id).order_by(SeasonChange.id.desc()).first()
    assert "訪問チーム数" in change.summary


def test_cross_field_rule_is_refused_naming_the_field(manager_client, db, season):
    data = season_form(season, **{"rules.home_pm_slots": 4, "rules.home_pm_slots_max": 3})
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "午後の訪問件数（基本）" in page and "超えないように" in page
    # What the manager typed is still in the form.
    assert re.search(r'name="rules__home_pm_slots"[^>]*value="4"', page)
    db.refresh(season)
    assert season.config["rules"]["home_pm_slots"] == 2


def test_non_numeric_and_missing_values_get_field_messages(manager_client, db, season):
    data = season_form(season, **{"rules.travel_cap_min": "三十", "rules.teams": ""})
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "訪問チーム数を入力してください" in page
    assert "1件目→2件目の移動上限（分）" in page
    db.refresh(season)
    assert season.config["rules"]["travel_cap_min"] == 30.0


def test_dates_in_the_wrong_order_are_refused(manager_client, db, season):
    data = season_form(season, **{"season.visits_to": "2026-06-01"})
    response = manager_client.post_form("/manager/season", data)
    assert response.status_code == 422
    assert "訪問開始日" in response.get_data(as_text=True)
    db.refresh(season)
    assert season.config["season"]["visits_to"] == "2026-12-24"


def test_changing_dates_warns_when_the_calendar_no_longer_fits(manager_client, db, season):
    data = season_form(season, **{"season.visits_to": "2026-11-30"})
    response = manager_client.post_form("/manager/season", data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "設定を保存しました" in page
    assert "現在のカレンダーは新しい設定に合いません" in page


def test_a_routing_engine_needs_its_url_and_keeps_a_stored_api_key(manager_client, db, season):
    refused = manager_client.post_form("/manager/season", season_form(season, **{"travel.model": "osrm"}))
    assert refused.status_code == 422
    assert "経路サーバーのURL" in refused.get_data(as_text=True)
    season.config = {**season.config, "travel": {**season.config["travel"], "api_key": "k-123"}}
    db.commit()
    saved = manager_client.post_form("/manager/season", season_form(
        season, **{"travel.model": "osrm", "travel.url": "http://127.0.0.1:5001"}))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.refresh(season)
    travel = season.config["travel"]
    assert (travel["model"], travel["url"], travel["api_key"]) == ("osrm", "http://127.0.0.1:5001",
                                                                   "k-123")


def test_routing_server_problems_are_shown_in_japanese(manager_client, db, season,
                                                         monkeypatch):
    monkeypatch.delenv("ORS_API_KEY", raising=False)
    ors = manager_client.post_form("/manager/season", season_form(season, **{"travel.model": "ors"}))
    page = ors.get_data(as_text=True)
    assert ors.status_code == 422
    assert "ors（openrouteservice）を使うには、経路サーバーのURLを入力するか" in page
    assert "needs a server URL" not in page and "environment variable" not in page
    bad_url = manager_client.post_form("/manager/season", season_form(
        season, **{"travel.model": "osrm", "travel.url": "127.0.0.1:5001"}))
    page = bad_url.get_data(as_text=True)
    assert bad_url.status_code == 422
    assert "http:// または https:// で始まるURLを入力してください。" in page
    assert "must start with" not in page
    db.refresh(season)
    assert season.config["travel"]["model"] == "estimate"


def _config_problems() -> list[str]:
    """Every problem text the solver's config parser (the settings form's validator) can raise,
    with its placeholders filled in."""
    import ast
    import inspect

    from solver import scenario_io

    reachable = {"parse_date", "_number", "_mapping", "_reject_unknown", "parse_rules",
                 "parse_travel", "parse_depot", "_check_lat_lng", "parse_visit_day",
                 "parse_season", "parse_config"}
    tree = ast.parse(inspect.getsource(scenario_io))
    problems = []
    for function in tree.body:
        if not isinstance(function, ast.FunctionDef) or function.name not in reachable:
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "ScenarioError":
                message = node.args[1]
                if isinstance(message, ast.Constant):
                    problems.append(message.value)
                elif isinstance(message, ast.JoinedStr):
                    problems.append("".join(
                        part.value if isinstance(part, ast.Constant) else "1"
                        for part in message.values))
                elif isinstance(message, ast.IfExp):
                    problems += [message.body.value, message.orelse.value]  # type: ignore[attr-defined]
            # parse_rules' cross-field checks: (ok, name, problem) tuples.
            if isinstance(node, ast.Tuple) and len(node.elts) == 3 and all(
                    isinstance(e, ast.Constant) for e in node.elts[1:]):
                problems.append(node.elts[2].value)  # type: ignore[attr-defined]
    return problems


def test_every_config_problem_of_the_solver_parser_has_a_japanese_text():
    from app.seasons.texts import translate_problem

    problems = _config_problems()
    assert "must start with http:// or https://" in problems
    assert len(problems) > 25
    for problem in problems:
        text = translate_problem(problem)
        assert text != "値が正しくありません。", problem
        assert not re.search(r"\b(must|needs|unknown|is required|listed)\b", text), (problem, text)


def test_the_command_line_keeps_the_parsers_english():
    """SCENARIO.md's contract: `python -m solver` reports the parser's own English."""
    import pytest

    from solver.scenario_io import ScenarioError, parse_travel

    with pytest.raises(ScenarioError) as error:
        parse_travel({"model": "osrm", "url": "ftp://x"})
    assert error.value.problem == "must start with http:// or https://"


def test_manager_home_names_who_made_each_change_and_the_system_when_nobody_did(
        manager_client, db, season):
    """The season was created by the loader (no member of staff): 「システム（初期設定・コマンド）」.
    A manager's change shows their display name and login id beside it."""
    response = manager_client.post_form("/manager/season", season_form(season, **{"rules.teams": 2}))
    assert response.status_code == 302
    page = manager_client.get("/manager/").get_data(as_text=True)
    rows = re.findall(r"<tr><td[^>]*>[^<]*</td><td class=\"changed-by\">(.*?)</td><td>(.*?)</td></tr>",
                      page)
    by_summary = {summary: who for who, summary in rows}
    settings = next(who for summary, who in by_summary.items() if "訪問チーム数" in summary)
    assert "manager 職員" in settings and "（manager1）" in settings
    assert by_summary["シーズンを作成しました。"] == "システム（初期設定・コマンド）"


def _field_errors(page: str, key: str) -> list[str]:
    """The error lines shown beside one field of the settings form."""
    start = page.index(f'data-field="{form_name(key)}"')
    end = page.find("data-field=", start + 1)
    return re.findall(r'id="[\w-]+-error-\d+"[^>]*>(.*?)<', page[start:end])


def test_every_rule_error_is_reported_at_once_beside_its_field_keeping_what_was_typed(
        manager_client, db, season):
    data = season_form(season, **{
        "rules.home_pm_slots": 4, "rules.home_pm_slots_max": 3,          # rules: cross-field
        "rules.min_days_per_week": 5, "rules.max_days_per_week": 2,      # rules: cross-field
        "season.visits_to": "2026-06-01",                                 # season: date order
        "travel.model": "osrm", "travel.url": "",                         # travel: needs a URL
    })
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    for key, words in (("rules.home_pm_slots", "超えないように"),
                       ("rules.min_days_per_week", "超えないように"),
                       ("season.visits_to", "訪問開始日"),
                       ("travel.url", "経路サーバーのURL")):
        errors = _field_errors(page, key)
        assert len(errors) == 1 and words in errors[0], (key, errors)
    assert re.search(r'name="rules__home_pm_slots"[^>]*value="4"', page)
    assert re.search(r'name="rules__max_days_per_week"[^>]*value="2"', page)
    assert re.search(r'name="season__visits_to"[^>]*value="2026-06-01"', page)
    db.refresh(season)
    assert season.config["rules"]["home_pm_slots"] == 2


def test_a_field_that_is_not_a_number_does_not_hide_the_rule_errors_of_the_others(
        manager_client, db, season):
    """An empty field and a broken rule elsewhere: both in one round. The rule that reads the
    empty field is not checked (its value is unknown), so that field has one message only."""
    data = season_form(season, **{"rules.home_pm_slots_max": "", "rules.home_pm_slots": 4,
                                  "season.booking_closes": "2026-05-01"})
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert _field_errors(page, "rules.home_pm_slots_max") == [
        "午後の訪問件数（最大）を入力してください。"]
    assert _field_errors(page, "rules.home_pm_slots") == []
    assert len(_field_errors(page, "season.booking_closes")) == 1


def test_the_solver_parser_lists_every_problem_and_still_raises_the_first():
    import pytest

    from solver.scenario_io import ScenarioError, config_problems, parse_config

    data = {"rules": {"home_pm_slots": 4, "home_pm_slots_max": 3, "teams": "x"},
            "season": {"visits_to": "2026-01-01"},
            "depot": {"lat": 95, "lng": 200}}
    keys = [p.key for p in config_problems(data)]
    assert keys == ["rules.teams", "rules.home_pm_slots", "season.visits_to", "depot.lat",
                    "depot.lng"]
    with pytest.raises(ScenarioError) as error:
        parse_config(data)
    assert error.value.key == "rules.teams"
    assert config_problems({}) == []
