"""The route sketch: numbered stops, the path between them, the city hall and nearby town
names, drawn from coordinates only (no online map), as SVG for the page and as drawing
instructions the PDF renders the same way.

Projection: equirectangular around the route's centre (x scaled by cos(latitude)), fitted
into the box with a margin; a route spanning less than `MIN_SPAN_KM` is shown at that span so
one or two close stops do not fill the box. Town labels are the towns of
`fixtures/otaru_towns.csv` (the mean of their chome points) that fall inside the box, nearest
to the route first, skipping any that would overlap a stop or another label.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import escape

from app.routesheets.sheet import RouteSheet

TOWNS_CSV = Path(__file__).resolve().parents[2] / "fixtures" / "otaru_towns.csv"
MIN_SPAN_KM = 2.0
MAX_LANDMARKS = 14
KM_PER_DEG_LAT = 111.32

HALF_COLOURS = {"am": "#0b5cad", "pm": "#c2410c"}
HALF_DASH = {"am": "", "pm": "6 3"}  # prints distinguishably in black and white too


@dataclass(frozen=True)
class Point:
    x: float
    y: float  # downwards, as in SVG


@dataclass(frozen=True)
class Marker:
    at: Point
    number: int
    half: str


@dataclass(frozen=True)
class RouteLine:
    half: str
    points: tuple[Point, ...]


@dataclass(frozen=True)
class Label:
    at: Point
    text: str


@dataclass(frozen=True)
class Sketch:
    width: float
    height: float
    depot: Point
    depot_name: str
    markers: tuple[Marker, ...]
    paths: tuple[RouteLine, ...]
    landmarks: tuple[Label, ...]
    scale_km: float
    scale_px: float


@lru_cache(maxsize=1)
def towns() -> tuple[tuple[str, float, float], ...]:
    """(town, lat, lng): each town's mean chome point."""
    sums: dict[str, list[float]] = {}
    with TOWNS_CSV.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            acc = sums.setdefault(row["town"], [0.0, 0.0, 0.0])
            acc[0] += float(row["lat"])
            acc[1] += float(row["lng"])
            acc[2] += 1
    return tuple((town, lat / n, lng / n) for town, (lat, lng, n) in sums.items())


def build_sketch(sheet: RouteSheet, width: float = 360, height: float = 300,
                 margin: float = 24) -> Sketch:
    depot = (sheet.depot.lat, sheet.depot.lng)
    places = [depot] + [(s.lat, s.lng) for s in sheet.stops]
    lat0 = (min(p[0] for p in places) + max(p[0] for p in places)) / 2
    lng0 = (min(p[1] for p in places) + max(p[1] for p in places)) / 2
    kx = KM_PER_DEG_LAT * math.cos(math.radians(lat0))

    def km(lat: float, lng: float) -> tuple[float, float]:
        return (lng - lng0) * kx, (lat0 - lat) * KM_PER_DEG_LAT

    xs, ys = zip(*(km(*p) for p in places), strict=True)
    span_x = max(max(xs) - min(xs), MIN_SPAN_KM)
    span_y = max(max(ys) - min(ys), MIN_SPAN_KM)
    scale = min((width - 2 * margin) / span_x, (height - 2 * margin) / span_y)  # px per km
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2

    def project(lat: float, lng: float) -> Point:
        x, y = km(lat, lng)
        return Point(round(width / 2 + (x - cx) * scale, 1), round(height / 2 + (y - cy) * scale, 1))

    depot_at = project(*depot)
    markers = tuple(Marker(project(s.lat, s.lng), s.number, s.half) for s in sheet.stops)
    paths = tuple(
        RouteLine(h.half, (depot_at, *(project(s.lat, s.lng) for s in h.stops), depot_at))
        for h in sheet.halves
    )
    taken = [depot_at, *(m.at for m in markers)]
    landmarks: list[Label] = []
    candidates = sorted(
        ((project(lat, lng), name) for name, lat, lng in towns()),
        key=lambda c: min(math.dist((c[0].x, c[0].y), (t.x, t.y)) for t in taken),
    )
    for at, name in candidates:
        if len(landmarks) >= MAX_LANDMARKS:
            break
        if not (8 <= at.x <= width - 8 and 10 <= at.y <= height - 6):
            continue
        if any(math.dist((at.x, at.y), (t.x, t.y)) < 16 for t in taken):
            continue
        if any(abs(at.x - lab.at.x) < 11 * max(len(name), len(lab.text)) / 2 + 6
               and abs(at.y - lab.at.y) < 12 for lab in landmarks):
            continue
        landmarks.append(Label(at, name))
    scale_km = _nice_km(width / 4 / scale)
    return Sketch(width, height, depot_at, sheet.depot.name, markers, paths, tuple(landmarks),
                  scale_km, scale_km * scale)


def _nice_km(km: float) -> float:
    for step in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20):
        if step >= km * 0.6:
            return step
    return 50


def svg(sketch: Sketch) -> str:
    """The sketch as inline SVG markup (every text escaped)."""
    w, h = sketch.width, sketch.height
    out = [f'<svg class="route-sketch" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" '
           f'width="{w}" height="{h}" role="img" aria-label="訪問ルート略図">',
           f'<rect x="0.5" y="0.5" width="{w - 1}" height="{h - 1}" fill="#fff" stroke="#999"/>']
    for label in sketch.landmarks:
        out.append(f'<text class="town" x="{label.at.x}" y="{label.at.y}" font-size="10" '
                   f'fill="#777" text-anchor="middle">{escape(label.text)}</text>')
    for path in sketch.paths:
        points = " ".join(f"{p.x},{p.y}" for p in path.points)
        dash = f' stroke-dasharray="{HALF_DASH[path.half]}"' if HALF_DASH[path.half] else ""
        out.append(f'<polyline class="path {path.half}" points="{points}" fill="none" '
                   f'stroke="{HALF_COLOURS[path.half]}" stroke-width="2"{dash}/>')
    d = sketch.depot
    out.append(f'<rect class="depot" x="{d.x - 7}" y="{d.y - 7}" width="14" height="14" '
               f'fill="#1d2733"/>')
    out.append(f'<text x="{d.x + 10}" y="{d.y + 4}" font-size="11" font-weight="bold">'
               f'{escape(sketch.depot_name)}</text>')
    for m in sketch.markers:
        colour = HALF_COLOURS[m.half]
        out.append(f'<g class="stop {m.half}"><circle cx="{m.at.x}" cy="{m.at.y}" r="9" '
                   f'fill="#fff" stroke="{colour}" stroke-width="2"/>'
                   f'<text x="{m.at.x}" y="{m.at.y + 4}" font-size="11" font-weight="bold" '
                   f'text-anchor="middle" fill="{colour}">{m.number}</text></g>')
    sx, sy = 10, h - 10
    out.append(f'<line x1="{sx}" y1="{sy}" x2="{sx + sketch.scale_px:.1f}" y2="{sy}" '
               f'stroke="#333" stroke-width="2"/>'
               f'<text x="{sx}" y="{sy - 4}" font-size="9">{_km_text(sketch.scale_km)}</text>')
    out.append(f'<text x="{w - 10}" y="16" font-size="11" text-anchor="end">↑北</text>')
    out.append("</svg>")
    return "".join(out)


def _km_text(km: float) -> str:
    return f"{int(km * 1000)} m" if km < 1 else f"{km:g} km"


def scale_text(sketch: Sketch) -> str:
    return _km_text(sketch.scale_km)
