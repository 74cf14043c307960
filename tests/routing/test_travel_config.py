"""The "travel" section of a scenario: engine keys are optional and round-trip; defaults unchanged."""

from __future__ import annotations

import dataclasses

import pytest

from routing.params import TravelParams
from solver.scenario_io import ScenarioError, config_to_dict, parse_config, parse_travel
from tests.solver.factories import make_scenario

DEFAULT_SECTION = {"model": "estimate", "speed_kmh": 25.0, "circuity": 1.35,
                   "winter_from": "12-01", "winter_factor": 0.8}


def test_default_section_is_unchanged():
    assert parse_travel({}) == TravelParams()
    assert parse_travel(DEFAULT_SECTION) == TravelParams()
    assert TravelParams().to_dict() == DEFAULT_SECTION


def test_engine_keys_parse_and_round_trip_through_the_season_config():
    section = {"model": "ors", "url": "http://ors.example:8080/ors", "timeout_s": 3,
               "profile": "driving-hgv", "geocoder_url": "https://nominatim.example"}
    params = parse_travel(section)
    assert (params.model, params.url, params.timeout_s, params.profile) == (
        "ors", "http://ors.example:8080/ors", 3.0, "driving-hgv")
    config = dataclasses.replace(make_scenario([], []).config, travel=params)
    stored = config_to_dict(config)
    assert stored["travel"] == {**DEFAULT_SECTION, **section, "timeout_s": 3.0}
    assert parse_config(stored).travel == params


def test_default_config_serialises_exactly_the_five_keys():
    stored = config_to_dict(make_scenario([], []).config)
    assert stored["travel"] == DEFAULT_SECTION


def test_api_key_is_kept_but_never_printed():
    params = parse_travel({"model": "ors", "api_key": "secret-key"})
    assert params.api_key == "secret-key"
    assert "secret-key" not in repr(params)


@pytest.mark.parametrize(("section", "key"), [
    ({"model": "google"}, "travel.model"),
    ({"model": "osrm"}, "travel.url"),
    ({"model": "ors"}, "travel.url"),
    ({"model": "osrm", "url": "osrm.local:5000"}, "travel.url"),
    ({"url": 5}, "travel.url"),
    ({"timeout_s": 0}, "travel.timeout_s"),
    ({"geocoder_url": "ftp://x"}, "travel.geocoder_url"),
    ({"engine": "osrm"}, "travel.engine"),
])
def test_bad_engine_settings_name_the_key(section, key):
    with pytest.raises(ScenarioError) as error:
        parse_travel(section)
    assert error.value.key == key
