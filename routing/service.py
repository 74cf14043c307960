"""The configured travel service: engine, fallback to the offline estimate, and a cache.

`service_for(params)` is what callers use. A booking must never be blocked by a routing
outage, so any engine failure (timeout, HTTP error, malformed reply) falls back to the
offline formula of SCENARIO.md, logs a warning and marks the result `estimated` with a
source that says why. After a failure the engine is left alone for `cooldown_s`, so a
down server costs one timeout per minute rather than one per slot search. Successful
matrices are cached per (points, summer/winter), so a slot search over the season's
points never recomputes them; fallback results are not cached, so the engine's times come
back as soon as it does.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from routing.base import EngineError, LocateError, Location, MatrixEngine, MatrixResult, Point
from routing.engines import make_engine
from routing.estimate import estimate_matrix, is_winter
from routing.gazetteer import Gazetteer, default_gazetteer
from routing.geocode import NominatimGeocoder
from routing.params import TravelParams

log = logging.getLogger(__name__)

FALLBACK_PREFIX = "estimate (fallback: "


def as_points(points: Sequence[Point] | Sequence[Sequence[float]]) -> tuple[Point, ...]:
    """Validated (lat, lng) tuples; `ValueError` for anything that is not a coordinate."""
    out: list[Point] = []
    for k, point in enumerate(points):
        if len(point) != 2:
            raise ValueError(f"point {k}: expected [lat, lng]")
        lat, lng = float(point[0]), float(point[1])
        if not (math.isfinite(lat) and math.isfinite(lng)) or abs(lat) > 90 or abs(lng) > 180:
            raise ValueError(f"point {k}: ({lat}, {lng}) is not a coordinate")
        out.append((lat, lng))
    return tuple(out)


def _frozen(minutes: np.ndarray) -> np.ndarray:
    minutes = np.ascontiguousarray(minutes, dtype=float)
    minutes.setflags(write=False)
    return minutes


def is_fallback(result: MatrixResult) -> bool:
    """True when an engine failed and the estimate stood in for it."""
    return result.source.startswith(FALLBACK_PREFIX)


class Locator:
    """Gazetteer first (offline, instant); the geocoder only for towns it does not know."""

    def __init__(
        self, gazetteer: Gazetteer | None = None, geocoder: NominatimGeocoder | None = None
    ) -> None:
        self.gazetteer = gazetteer or default_gazetteer()
        self.geocoder = geocoder

    def locate(self, address: str) -> Location:
        try:
            return self.gazetteer.locate(address)
        except LocateError as exc:
            if self.geocoder is None or exc.reason != "unknown_town":
                raise
            try:
                found = self.geocoder.locate(address)
            except EngineError as failure:
                log.warning("geocoder failed, offline result kept: %s", failure)
                raise exc from None
            if found is None:
                raise exc from None
            return found


class EstimateService:
    """The offline model of SCENARIO.md (always `estimated`, source "estimate")."""

    def __init__(self, params: TravelParams, locator: Locator | None = None) -> None:
        self.params = params
        self.locator = locator or Locator()

    def matrix(self, points: Sequence[Point], on: dt.date | None) -> MatrixResult:
        minutes = estimate_matrix(as_points(points), on, self.params)
        return MatrixResult(_frozen(minutes), "estimate", True)

    def locate(self, address: str) -> Location:
        return self.locator.locate(address)


class EngineService:
    """A road engine's minutes, divided by `winter_factor` in winter; raises `EngineError`.

    Pairs the engine has no route for are filled from the estimate (and the result marked
    `estimated`); a reply with no route at all is treated as a failure.

    Why a pair store: a slot search asks for the season's booked points plus the caller's,
    so nearly every search is a new point set, and asking the engine for the whole matrix
    again (9 tiled requests for 150 points on openrouteservice) would keep the caller
    waiting and eat the public API's quota. The engine's minutes between the points asked
    for so far are kept (summer minutes; the winter factor is applied on the way out), and a
    new point costs one row and one column. Only points whose every pair was answered are
    kept, so a point the engine found no route to (or a reply that failed) is asked again
    next time. The engine is asked outside the lock, so concurrent searches do not queue
    behind each other's requests (or timeouts); a grown store is kept only if no other call
    changed it meanwhile. The store starts afresh past `max_points`.
    """

    def __init__(
        self,
        params: TravelParams,
        engine: MatrixEngine,
        locator: Locator | None = None,
        max_points: int = 1000,
    ) -> None:
        self.params = params
        self.engine = engine
        self.locator = locator or Locator()
        self.max_points = max_points
        self._index: dict[Point, int] = {}
        self._known = np.zeros((0, 0))
        self._version = 0
        self._lock = threading.Lock()

    def matrix(self, points: Sequence[Point], on: dt.date | None) -> MatrixResult:
        pts = as_points(points)
        n = len(pts)
        with self._lock:
            index, known, version = self._index, self._known, self._version
        index, known, carried = self._grown(pts, index, known)
        rows = [index[p] for p in pts]
        minutes = known[np.ix_(rows, rows)].copy()
        np.fill_diagonal(minutes, 0.0)
        missing = np.isnan(minutes)
        if n > 1 and missing.sum() == n * n - n:
            raise EngineError(f"{self.engine.name} found no route between any points")
        self._keep(index, known, carried, version)
        source, estimated = self.engine.name, False
        if missing.any():
            minutes[missing] = estimate_matrix(pts, None, self.params)[missing]
            source = f"{self.engine.name} ({int(missing.sum())} pairs estimated: no route)"
            estimated = True
        if is_winter(on, self.params):
            minutes = minutes / self.params.winter_factor
        return MatrixResult(_frozen(minutes), source, estimated)

    def _grown(self, pts: tuple[Point, ...], index: dict[Point, int], known: np.ndarray
               ) -> tuple[dict[Point, int], np.ndarray, int]:
        """`known` with `pts` added (the engine is asked for the new rows and columns only),
        and how many of its points were carried over from the store."""
        new = list(dict.fromkeys(p for p in pts if p not in index))
        if not new:
            return index, known, len(index)
        if len(index) + len(new) > self.max_points:
            index, known = {}, np.zeros((0, 0))
            new = list(dict.fromkeys(pts))
        everything = list(index) + new
        if len(everything) == 1:  # one point: nothing to ask (engines want two or more)
            return {everything[0]: 0}, np.zeros((1, 1)), 0
        old, added = range(len(index)), range(len(index), len(everything))
        grown = np.full((len(everything), len(everything)), np.nan)
        grown[:len(index), :len(index)] = known
        grown[len(index):, :] = self._asked(everything, added, range(len(everything)))
        if old:
            grown[:len(index), len(index):] = self._asked(everything, old, added)
        return {p: k for k, p in enumerate(everything)}, grown, len(index)

    def _keep(self, index: dict[Point, int], known: np.ndarray, carried: int,
              version: int) -> None:
        """Store `known` for later calls, without the new points that have an unanswered
        pair (the `carried` ones have none among themselves: only complete points are kept)."""
        unanswered = np.isnan(known)
        np.fill_diagonal(unanswered, False)
        gap = unanswered.any(axis=0) | unanswered.any(axis=1)
        gap[:carried] = False
        complete = np.flatnonzero(~gap)
        with self._lock:
            if self._version != version or len(complete) > self.max_points:
                return
            points = list(index)
            self._index = {points[k]: i for i, k in enumerate(complete)}
            self._known = known[np.ix_(complete, complete)]
            self._version += 1

    def _asked(self, points: list[Point], sources: range, destinations: range) -> np.ndarray:
        minutes = np.array(self.engine.durations_between(points, sources, destinations),
                           dtype=float)
        if minutes.shape != (len(sources), len(destinations)):
            raise EngineError(f"{self.engine.name} returned shape {minutes.shape}, not "
                              f"{len(sources)}x{len(destinations)}")
        return minutes

    def locate(self, address: str) -> Location:
        return self.locator.locate(address)


class FallbackService:
    """`primary`'s answer, or the offline estimate (logged and marked) when it fails."""

    def __init__(
        self,
        primary: EngineService,
        cooldown_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.params = primary.params
        self.cooldown_s = cooldown_s
        self._clock = clock
        self._down_until = -math.inf
        self._last_reason = ""

    def matrix(self, points: Sequence[Point], on: dt.date | None) -> MatrixResult:
        pts = as_points(points)
        if self._clock() < self._down_until:
            return self._estimate(pts, on, f"{self._last_reason}; engine skipped for a while")
        try:
            return self.primary.matrix(pts, on)
        except EngineError as exc:
            reason = str(exc)
        except Exception as exc:  # a bug or a surprise in a client library: still never block
            log.exception("travel engine raised unexpectedly")
            reason = f"{self.primary.engine.name} error {type(exc).__name__}"
        self._last_reason = reason
        self._down_until = self._clock() + self.cooldown_s
        log.warning("travel engine failed, using the offline estimate: %s", reason)
        return self._estimate(pts, on, reason)

    def _estimate(self, pts: tuple[Point, ...], on: dt.date | None, reason: str) -> MatrixResult:
        minutes = estimate_matrix(pts, on, self.params)
        return MatrixResult(_frozen(minutes), f"{FALLBACK_PREFIX}{reason})", True)

    def locate(self, address: str) -> Location:
        return self.primary.locate(address)


class CachedService:
    """An LRU cache of matrices keyed by (points, winter?) in front of any service.

    The date only matters through summer/winter, so a season of 42 visit days shares two
    entries. Fallback results are not stored. Returned arrays are read-only and shared.
    """

    def __init__(self, inner: EstimateService | FallbackService, maxsize: int = 32) -> None:
        self.inner = inner
        self.params = inner.params
        self.maxsize = maxsize
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[tuple[tuple[Point, ...], bool], MatrixResult] = OrderedDict()
        self._lock = threading.Lock()

    def matrix(self, points: Sequence[Point], on: dt.date | None) -> MatrixResult:
        pts = as_points(points)
        key = (pts, is_winter(on, self.params))
        with self._lock:
            cached = self._entries.get(key)
            if cached is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return cached
            self.misses += 1
        result = self.inner.matrix(pts, on)
        if not is_fallback(result):
            with self._lock:
                self._entries[key] = result
                while len(self._entries) > self.maxsize:
                    self._entries.popitem(last=False)
        return result

    def locate(self, address: str) -> Location:
        return self.inner.locate(address)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def build_service(params: TravelParams, cooldown_s: float = 60.0) -> CachedService:
    """A new service for `params` (engine + fallback + cache); see `service_for`."""
    geocoder = (
        NominatimGeocoder(params.geocoder_url, params.timeout_s) if params.geocoder_url else None
    )
    locator = Locator(geocoder=geocoder)
    engine = make_engine(params)
    if engine is None:
        return CachedService(EstimateService(params, locator))
    return CachedService(FallbackService(EngineService(params, engine, locator), cooldown_s))


@lru_cache(maxsize=8)
def service_for(params: TravelParams) -> CachedService:
    """The process-wide service for `params`: equal parameters share one cache."""
    return build_service(params)


def forget_cached_points() -> None:
    """Drop every process-wide service, with the matrices and engine stores it kept: their
    keys are the visits' precise coordinates, which a deletion of personal data rounds away
    in the database (SPEC §9), so the process must not keep them either. The next search
    builds a fresh service (one full matrix request on an online engine)."""
    service_for.cache_clear()
