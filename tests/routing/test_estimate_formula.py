"""The offline model equals SCENARIO.md's formula to 0.01 min, checked by hand.

minutes = great-circle km x circuity / speed_kmh x 60, divided by winter_factor on dates from
winter_from (MM-DD) to 31 December. The great circle is the haversine distance on a sphere of
radius 6371.0088 km (the IUGG mean Earth radius, `routing.estimate.EARTH_RADIUS_KM`).
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from routing import service_for
from routing.estimate import EARTH_RADIUS_KM, estimate_matrix, great_circle_km, is_winter
from routing.params import TravelParams

DEPOT = (43.1907, 141.0028)      # 小樽市役所 (SCENARIO.md)
H001 = (43.19482, 140.997648)    # 稲穂1丁目
F001 = (43.2251, 140.9937)
ZENIBAKO5 = (43.183486, 141.277329)  # 銭函5丁目, the far east of the city


def by_hand(a: tuple[float, float], b: tuple[float, float], params: TravelParams,
            winter: bool) -> float:
    """The formula written out, independently of numpy."""
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2)
    km = 2 * 6371.0088 * math.asin(math.sqrt(h))
    minutes = km * params.circuity / params.speed_kmh * 60
    return minutes / params.winter_factor if winter else minutes


def test_radius_is_the_documented_one():
    assert EARTH_RADIUS_KM == 6371.0088


# Hand-computed with the defaults (25 km/h, circuity 1.35, winter factor 0.8):
# depot -> H001: 0.61993 km -> 2.0086 min (2.5107 in winter)
# depot -> F001: 3.89556 km -> 12.6216 min (15.7770 in winter)
# depot -> 銭函5: 22.27184 km -> 72.1608 min (90.2010 in winter)
@pytest.mark.parametrize(("b", "km", "summer", "winter"), [
    (H001, 0.62, 2.01, 2.51),
    (F001, 3.90, 12.62, 15.78),
    (ZENIBAKO5, 22.27, 72.16, 90.20),
])
def test_defaults_match_hand_computed_minutes(b, km, summer, winter):
    params = TravelParams()
    assert float(great_circle_km(*np.array(DEPOT), *np.array(b))) == pytest.approx(km, abs=0.005)
    m_summer = estimate_matrix([DEPOT, b], dt.date(2026, 7, 1), params)
    m_winter = estimate_matrix([DEPOT, b], dt.date(2026, 12, 1), params)
    assert m_summer[0, 1] == pytest.approx(summer, abs=0.01)
    assert m_winter[0, 1] == pytest.approx(winter, abs=0.01)
    assert m_summer[0, 1] == pytest.approx(by_hand(DEPOT, b, params, False), abs=1e-9)
    assert m_winter[1, 0] == pytest.approx(by_hand(b, DEPOT, params, True), abs=1e-9)


def test_every_pair_of_a_matrix_matches_the_formula_with_other_parameters():
    params = TravelParams(speed_kmh=30.0, circuity=1.5, winter_from="11-15", winter_factor=0.5)
    points = [DEPOT, H001, F001, ZENIBAKO5]
    on = dt.date(2026, 11, 20)
    minutes = estimate_matrix(points, on, params)
    assert minutes.shape == (4, 4)
    for i, a in enumerate(points):
        for j, b in enumerate(points):
            assert minutes[i, j] == pytest.approx(by_hand(a, b, params, True), abs=0.01)
    assert np.all(np.diag(minutes) == 0)
    np.testing.assert_allclose(minutes, minutes.T)


@pytest.mark.parametrize(("on", "winter"), [
    (dt.date(2026, 11, 30), False),
    (dt.date(2026, 12, 1), True),
    (dt.date(2026, 12, 31), True),
    (dt.date(2027, 1, 4), False),  # winter runs to the end of the year only (SCENARIO.md)
    (None, False),
])
def test_winter_runs_from_winter_from_to_the_end_of_the_year(on, winter):
    assert is_winter(on, TravelParams()) is winter


def test_the_service_returns_the_same_numbers_marked_as_estimates():
    params = TravelParams(speed_kmh=20.0)
    result = service_for(params).matrix([DEPOT, F001], dt.date(2026, 12, 24))
    assert result.minutes[0, 1] == pytest.approx(by_hand(DEPOT, F001, params, True), abs=0.01)
    assert (result.source, result.estimated) == ("estimate", True)


def test_empty_and_single_point_matrices():
    assert estimate_matrix([], None, TravelParams()).shape == (0, 0)
    assert service_for(TravelParams()).matrix([DEPOT], None).minutes.tolist() == [[0.0]]
