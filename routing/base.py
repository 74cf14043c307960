"""The one small interface the solver and the web app use for travel and addresses.

Everything else in `routing/` (the offline estimate, the gazetteer, the routing engines, the
fallback and the cache) hides behind `TravelService`, so callers never care which engine is
configured, and a routing outage can never change what a caller has to handle.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np

#: A (lat, lng) point in degrees (WGS84).
Point = tuple[float, float]


@dataclass(frozen=True)
class Location:
    """Where an address was placed and how precisely.

    `precision` is "chome" (the 丁目's representative point), "town" (the town's
    representative point: the address gave no 丁目, or the town has none) or "geocoder" (a
    Nominatim result, used only when the offline gazetteer could not place the address).
    `matched` is the canonical name that was matched, e.g. "稲穂2丁目" or "相生町".
    """

    lat: float
    lng: float
    precision: str
    matched: str


@dataclass(frozen=True, eq=False)
class MatrixResult:
    """Travel minutes between points, and where they came from.

    `minutes[i, j]` is the time from point i to point j (read-only: results are cached and
    shared). `estimated` is True whenever any value comes from the offline formula instead of a
    road network, so the operator can be told the times are estimates; `source` says which
    engine answered, or why the estimate was used.
    """

    minutes: np.ndarray
    source: str
    estimated: bool


class LocateError(ValueError):
    """An address that cannot be placed; str() is the Japanese message for the operator.

    `suggestions` holds up to three town names close to what was typed (possibly empty).
    `reason` is a stable code: "empty", "no_town", "other_city", "unknown_town",
    "bad_chome", "not_found" (the online geocoder found nothing either) or "outside_area"
    (coordinates outside the city, `routing.gazetteer.Gazetteer.check_in_area`).
    """

    def __init__(
        self, message: str, suggestions: Sequence[str] = (), reason: str = "not_found"
    ) -> None:
        super().__init__(message)
        self.message = message
        self.suggestions: tuple[str, ...] = tuple(suggestions)
        self.reason = reason


class EngineError(RuntimeError):
    """A routing engine or geocoder failed; the message is the short reason that is logged."""


@runtime_checkable
class TravelService(Protocol):
    """Travel minutes on a date (vectorised) and address lookup."""

    def matrix(self, points: Sequence[Point], on: dt.date | None) -> MatrixResult:
        """Minutes between every ordered pair of (lat, lng) points on date `on`."""
        ...

    def locate(self, address: str) -> Location:
        """Place an address; raises `LocateError` with a message for the operator."""
        ...


class MatrixEngine(Protocol):
    """A road-network engine: summer driving minutes between points, or `EngineError`.

    Engines are not told the date: they know nothing about snow, so the service applies the
    winter factor itself (and the same way for every engine and for the estimate).
    """

    name: str

    def durations_between(self, points: Sequence[Point], sources: Sequence[int],
                          destinations: Sequence[int]) -> np.ndarray:
        """Minutes from `points[sources]` to `points[destinations]` (a len(sources) x
        len(destinations) matrix); NaN where the engine found no route."""
        ...
