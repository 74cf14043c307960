"""The offline travel model of SCENARIO.md: great-circle distance, circuity, speed, winter."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from routing.params import TravelParams

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius


def is_winter(on: dt.date | None, params: TravelParams) -> bool:
    """True from `winter_from` (MM-DD) to the end of that calendar year."""
    if on is None:
        return False
    month, day = (int(part) for part in params.winter_from.split("-"))
    return (on.month, on.day) >= (month, day)


def great_circle_km(
    lat1: np.ndarray, lng1: np.ndarray, lat2: np.ndarray, lng2: np.ndarray
) -> np.ndarray:
    """Haversine distance in km; broadcasts like numpy."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lng2) - np.radians(lng1)
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def estimate_matrix(
    points: Sequence[tuple[float, float]], on: dt.date | None, params: TravelParams
) -> np.ndarray:
    """Minutes between every pair of (lat, lng) points on date `on` (vectorised, n x n)."""
    coords = np.asarray(points, dtype=float).reshape(-1, 2)
    lat, lng = coords[:, 0], coords[:, 1]
    km = great_circle_km(lat[:, None], lng[:, None], lat[None, :], lng[None, :])
    minutes = km * params.circuity / params.speed_kmh * 60.0
    if is_winter(on, params):
        minutes = minutes / params.winter_factor
    return minutes
