"""Local fake routing servers that speak the engines' real wire formats.

Each runs `http.server` in a thread on 127.0.0.1 with a random port. `mode` makes it misbehave
the ways real servers do: "ok", "500", "malformed" (200 with a body that is not JSON),
"wrong_shape" (a durations matrix one row short), "slow" (answers after `delay_s`),
"no_route" (null for every pair but the diagonal) and "some_null" (null for the pair 0->1).

Formats (openrouteservice API v2, OSRM HTTP API v5, Nominatim /search):
- ORS:  POST /v2/matrix/{profile}[/json] {"locations": [[lng, lat], ...], "metrics":
  ["duration"], "sources"?, "destinations"?} -> {"durations": [[s, ...]], "sources": [...],
  "destinations": [...], "metadata": {...}}
- OSRM: GET /table/v1/{profile}/{lng},{lat};...?annotations=duration[&sources=0;1
  &destinations=2;3] -> {"code": "Ok", "durations": [[s, ...]], "sources": [...],
  "destinations": [...]}; errors -> 400 {"code": "InvalidQuery", "message": ...}
- Nominatim: GET /search?q=...&format=json&limit=1 -> [{"lat": "..", "lon": "..",
  "display_name": ".."}] or [].
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit


def fake_seconds(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The fake road network: 1 second per 10 m of Manhattan distance in degrees x 1e5."""
    return round((abs(a[0] - b[0]) + abs(a[1] - b[1])) * 1e4, 1)


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


@dataclass
class FakeServer:
    mode: str = "ok"
    delay_s: float = 1.0
    seen: list[Seen] = field(default_factory=list)
    url: str = ""
    in_flight: int = 0
    most_in_flight: int = 0  # the most requests being answered at the same time
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def calls(self) -> int:
        return len(self.seen)


Reply = tuple[int, Any]


def ors_routes_asked(seen: list[Seen]) -> int:
    """Sources x destinations over the ORS matrix requests in `seen`."""
    total = 0
    for request in seen:
        n = len(request.body["locations"])
        total += len(request.body.get("sources") or range(n)) * len(
            request.body.get("destinations") or range(n))
    return total


def _matrix(lnglats: list[list[float]], sources: list[int], destinations: list[int],
            mode: str) -> list[list[float | None]]:
    rows: list[list[float | None]] = []
    for i in sources:
        row: list[float | None] = []
        for j in destinations:
            a = (lnglats[i][1], lnglats[i][0])
            b = (lnglats[j][1], lnglats[j][0])
            null = (mode == "no_route" and a != b) or (mode == "some_null" and (i, j) == (0, 1))
            row.append(None if null else fake_seconds(a, b))
        rows.append(row)
    if mode == "wrong_shape":
        rows = rows[:-1]
    return rows


def ors_reply(handler: BaseHTTPRequestHandler, body: Any, mode: str) -> Reply:
    if handler.command != "POST" or not re.fullmatch(r"/v2/matrix/[a-z-]+(/json)?",
                                                     urlsplit(handler.path).path):
        return 404, {"error": {"code": 404, "message": "not found"}}
    if not isinstance(body, dict) or "duration" not in body.get("metrics", ["duration"]):
        return 400, {"error": {"code": 6002, "message": "bad request"}}
    locations = body["locations"]
    sources = body.get("sources") or list(range(len(locations)))
    destinations = body.get("destinations") or list(range(len(locations)))
    return 200, {
        "durations": _matrix(locations, sources, destinations, mode),
        "destinations": [{"location": locations[j], "snapped_distance": 1.0}
                         for j in destinations],
        "sources": [{"location": locations[i], "snapped_distance": 1.0} for i in sources],
        "metadata": {"service": "matrix", "engine": {"version": "8.0.0"}},
    }


def osrm_reply(handler: BaseHTTPRequestHandler, body: Any, mode: str) -> Reply:
    parts = urlsplit(handler.path)
    found = re.fullmatch(r"/table/v1/([a-z]+)/([-0-9.,;]+)", unquote(parts.path))
    if handler.command != "GET" or not found:
        return 400, {"code": "InvalidUrl", "message": "URL string malformed"}
    locations = [[float(x) for x in pair.split(",")] for pair in found.group(2).split(";")]
    query = parse_qs(parts.query)
    if query.get("annotations") != ["duration"]:
        return 400, {"code": "InvalidOptions", "message": "annotations"}
    sources = [int(k) for k in query["sources"][0].split(";")] if "sources" in query else \
        list(range(len(locations)))
    destinations = [int(k) for k in query["destinations"][0].split(";")] \
        if "destinations" in query else list(range(len(locations)))
    waypoint = [{"hint": "", "distance": 1.0, "name": "", "location": loc} for loc in locations]
    return 200, {
        "code": "Ok",
        "durations": _matrix(locations, sources, destinations, mode),
        "sources": [waypoint[i] for i in sources],
        "destinations": [waypoint[j] for j in destinations],
    }


def nominatim_reply(places: dict[str, tuple[float, float]]) -> Callable[..., Reply]:
    """A Nominatim that knows `places` (substring of q -> (lat, lng))."""

    def reply(handler: BaseHTTPRequestHandler, body: Any, mode: str) -> Reply:
        parts = urlsplit(handler.path)
        query = parse_qs(parts.query)
        if parts.path != "/search" or query.get("format") != ["json"]:
            return 400, {"error": "bad request"}
        text = query.get("q", [""])[0]
        for name, (lat, lng) in places.items():
            if name in text:
                return 200, [{"place_id": 1, "lat": str(lat), "lon": str(lng),
                              "display_name": f"{name}, 小樽市, 北海道, 日本",
                              "class": "place", "type": "house", "importance": 0.5}]
        return 200, []

    return reply


@contextmanager
def serve(reply: Callable[[BaseHTTPRequestHandler, Any, str], Reply],
          mode: str = "ok", delay_s: float = 1.0) -> Iterator[FakeServer]:
    state = FakeServer(mode=mode, delay_s=delay_s)

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = None
            parts = urlsplit(self.path)
            state.seen.append(Seen(self.command, parts.path, parse_qs(parts.query), body,
                                   dict(self.headers)))
            with state.lock:
                state.in_flight += 1
                state.most_in_flight = max(state.most_in_flight, state.in_flight)
            try:
                self._answer(body)
            finally:
                with state.lock:
                    state.in_flight -= 1

        def _answer(self, body: Any) -> None:
            if state.mode == "slow":
                time.sleep(state.delay_s)
            if state.mode == "500":
                status, payload = 500, b'{"error": {"code": 500, "message": "internal"}}'
            elif state.mode == "malformed":
                status, payload = 200, b'{"durations": [[0, 1'
            else:
                status, data = reply(self, body, state.mode)
                payload = json.dumps(data).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except OSError:  # the client gave up (timeout test)
                pass

        do_GET = _handle
        do_POST = _handle

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
