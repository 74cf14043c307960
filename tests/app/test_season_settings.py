"""The manager's season settings form (issue 2 §3): validation, Japanese messages, no loss."""

from __future__ import annotations

import re

from app.seasons.forms import form_data_from_config, form_name
from app.seasons.models import SeasonChange


def _form(season, **changes):
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
    response = manager_client.post_form("/manager/season", _form(season, **{"rules.teams": 2}))
    assert response.status_code == 302
    db.refresh(season)
    assert season.config["rules"]["teams"] == 2
    change = db.query(SeasonChange).filter_by(season_id=season.id).order_by(SeasonChange.id.desc()).first()
    assert "訪問チーム数" in change.summary


def test_cross_field_rule_is_refused_naming_the_field(manager_client, db, season):
    data = _form(season, **{"rules.home_pm_slots": 4, "rules.home_pm_slots_max": 3})
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "午後の訪問件数（基本）" in page and "超えないように" in page
    # What the manager typed is still in the form.
    assert re.search(r'name="rules__home_pm_slots"[^>]*value="4"', page)
    db.refresh(season)
    assert season.config["rules"]["home_pm_slots"] == 2


def test_non_numeric_and_missing_values_get_field_messages(manager_client, db, season):
    data = _form(season, **{"rules.travel_cap_min": "三十", "rules.teams": ""})
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "訪問チーム数を入力してください" in page
    assert "1件目→2件目の移動上限（分）" in page
    db.refresh(season)
    assert season.config["rules"]["travel_cap_min"] == 30.0


def test_dates_in_the_wrong_order_are_refused(manager_client, db, season):
    data = _form(season, **{"season.visits_to": "2026-06-01"})
    response = manager_client.post_form("/manager/season", data)
    assert response.status_code == 422
    assert "訪問開始日" in response.get_data(as_text=True)
    db.refresh(season)
    assert season.config["season"]["visits_to"] == "2026-12-24"


def test_changing_dates_warns_when_the_calendar_no_longer_fits(manager_client, db, season):
    data = _form(season, **{"season.visits_to": "2026-11-30"})
    response = manager_client.post_form("/manager/season", data, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "設定を保存しました" in page
    assert "現在のカレンダーは新しい設定に合いません" in page


def test_a_routing_engine_needs_its_url_and_keeps_a_stored_api_key(manager_client, db, season):
    refused = manager_client.post_form("/manager/season", _form(season, **{"travel.model": "osrm"}))
    assert refused.status_code == 422
    assert "経路サーバーのURL" in refused.get_data(as_text=True)
    season.config = {**season.config, "travel": {**season.config["travel"], "api_key": "k-123"}}
    db.commit()
    saved = manager_client.post_form("/manager/season", _form(
        season, **{"travel.model": "osrm", "travel.url": "http://127.0.0.1:5001"}))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    db.refresh(season)
    travel = season.config["travel"]
    assert (travel["model"], travel["url"], travel["api_key"]) == ("osrm", "http://127.0.0.1:5001",
                                                                   "k-123")
