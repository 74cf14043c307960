"""Road-network engines: openrouteservice's matrix API and OSRM's table service.

Both return summer driving minutes between chosen sources and destinations
(`MatrixEngine.durations_between`: a whole matrix, or only one new caller's row and column
against the season's points) or raise `EngineError` with a short reason; they never fall back
themselves (that is `routing.service`'s job, so every engine degrades the same way). Large
rectangles are asked for in tiles that stay within each server's default limits (ORS: 2,500
routes per request by default on a self-hosted server and 3,500 on the public API; OSRM:
`--max-table-size` 100), and reassembled.
Client libraries are imported lazily so the offline path never pays for them.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from routing.base import EngineError, Point
from routing.params import TravelParams

ORS_PUBLIC_URL = "https://api.openrouteservice.org"


def rectangle_tiles(sources: Sequence[int], destinations: Sequence[int], block: int,
                    max_locations: int | None = None) -> Iterator[tuple[list[int], list[int]]]:
    """(sources, destinations) index lists covering sources x destinations in tiles of at
    most block x block routes and `max_locations` (default 4 x block) locations, so that a
    thin rectangle (one new caller against the season) goes in a few requests rather than
    one per block."""
    budget = block * block
    most = max(2, max_locations or 4 * block)
    thin = min(len(destinations), block, most - 1)
    src_step = max(1, min(budget // max(1, thin), most - thin))
    for i in range(0, len(sources), src_step):
        src = list(sources[i:i + src_step])
        width = max(1, min(budget // len(src), most - len(src)))
        for j in range(0, len(destinations), width):
            yield src, list(destinations[j:j + width])


def assembled(sources: Sequence[int], destinations: Sequence[int],
              planned: Iterable[tuple[list[int], list[int]]],
              ask: Callable[[list[int], list[int]], np.ndarray]) -> np.ndarray:
    """The sources x destinations matrix from the answers to each planned tile."""
    out = np.zeros((len(sources), len(destinations)))
    at_src = {k: i for i, k in enumerate(sources)}
    at_dst = {k: j for j, k in enumerate(destinations)}
    for src, dst in planned:
        out[np.ix_([at_src[k] for k in src], [at_dst[k] for k in dst])] = ask(src, dst)
    return out


def duration_block(raw: Any, rows: int, cols: int, engine: str) -> np.ndarray:
    """A reply's `durations` (seconds, null = no route) as a rows x cols matrix of minutes."""
    if (
        not isinstance(raw, list)
        or len(raw) != rows
        or not all(isinstance(row, list) and len(row) == cols for row in raw)
    ):
        raise EngineError(f"{engine} reply has no {rows}x{cols} durations matrix")
    out = np.empty((rows, cols), dtype=float)
    for i, row in enumerate(raw):
        for j, value in enumerate(row):
            if value is None:
                out[i, j] = math.nan
            elif isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise EngineError(f"{engine} reply has a bad duration {value!r}")
            else:
                out[i, j] = value / 60.0
    return out


def _tile_request(points: Sequence[Point], src: Sequence[int], dst: Sequence[int]) -> tuple[
    list[Point], list[int] | None, list[int] | None
]:
    """Locations to send for one tile, with source/destination indices unless it is square."""
    if list(src) == list(dst):
        return [points[k] for k in src], None, None
    locations = [points[k] for k in src] + [points[k] for k in dst]
    return locations, list(range(len(src))), list(range(len(src), len(src) + len(dst)))


class OrsEngine:
    """openrouteservice `POST /v2/matrix/{profile}` through the official Python client."""

    name = "ors"

    def __init__(self, params: TravelParams, block: int = 50) -> None:
        import openrouteservice

        base_url = (params.url or ORS_PUBLIC_URL).rstrip("/")
        key = params.ors_api_key
        if base_url == ORS_PUBLIC_URL and not key:
            raise ValueError("travel.model 'ors' needs travel.url (own server), travel.api_key "
                             "or the ORS_API_KEY environment variable")
        self.profile = params.profile or "driving-car"
        self.block = block
        self._ors = openrouteservice
        self._client = openrouteservice.Client(
            key=key or None,
            base_url=base_url,
            timeout=params.timeout_s,
            retry_timeout=params.timeout_s,
            retry_over_query_limit=False,
        )

    def durations_between(self, points: Sequence[Point], sources: Sequence[int],
                          destinations: Sequence[int]) -> np.ndarray:
        return assembled(sources, destinations,
                         rectangle_tiles(sources, destinations, self.block),
                         lambda src, dst: self._tile(points, src, dst))

    def _tile(self, points: Sequence[Point], src: Sequence[int], dst: Sequence[int]) -> np.ndarray:
        locations, sources, destinations = _tile_request(points, src, dst)
        body = self._request(locations, sources, destinations)
        raw = body.get("durations") if isinstance(body, dict) else None
        return duration_block(raw, len(src), len(dst), self.name)

    def _request(
        self, locations: list[Point], sources: list[int] | None, destinations: list[int] | None
    ) -> Any:
        exceptions = self._ors.exceptions
        try:
            return self._client.distance_matrix(
                locations=[[lng, lat] for lat, lng in locations],
                profile=self.profile,
                sources=sources,
                destinations=destinations,
                metrics=["duration"],
            )
        except exceptions.Timeout:
            raise EngineError("ors timed out") from None
        except exceptions.ApiError as exc:
            raise EngineError(f"ors HTTP {exc.status}") from None
        except exceptions.HTTPError as exc:
            raise EngineError(f"ors reply is not JSON (HTTP {exc.status_code})") from None
        except Exception as exc:  # connection refused, DNS, TLS...: any failure falls back
            raise EngineError(f"ors request failed: {type(exc).__name__}") from None


class OsrmEngine:
    """OSRM `GET /table/v1/{profile}/{lng,lat;...}?annotations=duration` over requests."""

    name = "osrm"

    def __init__(self, params: TravelParams, block: int = 100) -> None:
        if not params.url:
            raise ValueError("travel.model 'osrm' needs travel.url (the OSRM server)")
        self.base_url = params.url.rstrip("/")
        self.profile = params.profile or "driving"
        self.timeout_s = params.timeout_s
        self.block = block

    def durations_between(self, points: Sequence[Point], sources: Sequence[int],
                          destinations: Sequence[int]) -> np.ndarray:
        import requests

        with requests.Session() as session:
            # Coordinates travel in the URL: no more per request than a square tile
            # (2 x block), which stays under common proxies' 8 KB request-line limit.
            return assembled(sources, destinations,
                             rectangle_tiles(sources, destinations, self.block, 2 * self.block),
                             lambda src, dst: self._tile(session, points, src, dst))

    def _tile(self, session: Any, points: Sequence[Point], src: Sequence[int],
              dst: Sequence[int]) -> np.ndarray:
        locations, sources, destinations = _tile_request(points, src, dst)
        body = self._request(session, locations, sources, destinations)
        return duration_block(body.get("durations"), len(src), len(dst), self.name)

    def _request(
        self,
        session: Any,
        locations: list[Point],
        sources: list[int] | None,
        destinations: list[int] | None,
    ) -> dict[str, Any]:
        import requests

        coords = ";".join(f"{lng:.6f},{lat:.6f}" for lat, lng in locations)
        # Built by hand: OSRM expects literal ";" between indices, not %3B.
        query = "annotations=duration"
        if sources is not None and destinations is not None:
            query += "&sources=" + ";".join(map(str, sources))
            query += "&destinations=" + ";".join(map(str, destinations))
        url = f"{self.base_url}/table/v1/{self.profile}/{coords}?{query}"
        try:
            response = session.get(url, timeout=self.timeout_s)
        except requests.Timeout:
            raise EngineError("osrm timed out") from None
        except requests.RequestException as exc:
            raise EngineError(f"osrm request failed: {type(exc).__name__}") from None
        try:
            body = response.json()
        except ValueError:
            raise EngineError(f"osrm reply is not JSON (HTTP {response.status_code})") from None
        if not isinstance(body, dict):
            raise EngineError("osrm reply is not a JSON object")
        if response.status_code != 200 or body.get("code") != "Ok":
            raise EngineError(
                f"osrm HTTP {response.status_code} code {body.get('code')!r}: "
                f"{str(body.get('message', ''))[:80]}"
            )
        return body


def make_engine(params: TravelParams) -> OrsEngine | OsrmEngine | None:
    """The engine `params.model` names, or None for the offline estimate."""
    if params.model == "ors":
        return OrsEngine(params)
    if params.model == "osrm":
        return OsrmEngine(params)
    if params.model == "estimate":
        return None
    raise ValueError(f"unknown travel.model {params.model!r}")
