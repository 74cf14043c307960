"""The offline Otaru gazetteer: town and 丁目 points from `fixtures/otaru_towns.csv`.

The call centre must place an address while the caller is on the line, with no internet
guaranteed, so the lookup is a pure in-memory match against the city's 丁目 list
(Geolonia japanese-addresses, CC BY 4.0; see README). It returns the 丁目's representative
point, or the town's point when the address names no 丁目 or the town has none.

Decisions (tested in tests/routing/test_gazetteer.py):
- A chome-less town (相生町) ignores any number that follows: precision "town".
- A town with 丁目 but none given (稲穂5番地, 稲穂) gets precision "town" at the town's
  representative point: the 丁目 point nearest the centroid of its 丁目 (always a real,
  populated point; a plain centroid of a coastal town can fall in the sea).
- A 丁目 that does not exist (稲穂9丁目) is an error listing the valid ones, not a silent
  town match: it is almost always a mis-heard number the operator should ask again.
- An address in another municipality (札幌市…, 余市郡…) is an error that says so.
- Coordinates are inside the city when they lie within `CITY_AREA_MARGIN_KM` of one of its
  town or 丁目 points (`check_in_area`); anything farther is an error that says so.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from routing.base import LocateError, Location, Point
from routing.estimate import great_circle_km
from routing.normalize import fold, numbers_and_dashes

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "otaru_towns.csv"

_ZIP = re.compile(r"^〒?\d{3}-?\d{4}")
_PREFIXES = ("日本国", "日本", "北海道", "小樽市", "小樽")
_OTHER_PREFECTURE = re.compile(r"^(東京都|京都府|大阪府|[^\d市郡区]{2,3}県)")
_OTHER_DISTRICT = re.compile(r"^([^\d]{1,5}?郡[^\d]{1,5}?[町村])")
_OTHER_CITY = re.compile(r"^([^\d]{1,5}?市)")
# "2丁目", "2丁", "2-5-1", "2ノ5" or a lone "2": a 丁目 number (in a town that has 丁目).
_CHOME = re.compile(r"^(\d+)(?:丁目|丁|-|ノ|$)")
_HEAD = re.compile(r"^(.+?)(?=\d|丁目|番|号|-|$)")

_RETRY = "住所を確かめるか、緯度・経度を手入力してください。"

#: How far (km) a point may lie from the nearest town or 丁目 point of the gazetteer and still
#: count as inside the city. The points cover every inhabited part of Otaru and the widest gap
#: between neighbouring points is about 4 km (the rural 銭函4・5丁目), so 5 km keeps every home
#: inside while refusing the next towns' centres (余市町 ~6 km, 札幌駅 ~14 km) and anything
#: farther (a slip of a digit, another city's coordinates). Right at the city border (札幌市
#: 手稲区星置 is ~3 km from 銭函) a point cannot be told apart; there the address decides.
CITY_AREA_MARGIN_KM = 5.0


@dataclass(frozen=True)
class Town:
    """One town (町名) with its 丁目 points; `point` is the town's representative point."""

    name: str
    point: Point
    chome: dict[int, Point]


def _representative(points: Iterable[Point]) -> Point:
    pts = list(points)
    lat = sum(p[0] for p in pts) / len(pts)
    lng = sum(p[1] for p in pts) / len(pts)
    return min(pts, key=lambda p: (p[0] - lat) ** 2 + (p[1] - lng) ** 2)


class Gazetteer:
    """Address -> `Location` over a fixed town list (build once, query many times)."""

    def __init__(self, towns: Iterable[Town]) -> None:
        self.towns: dict[str, Town] = {t.name: t for t in towns}
        keys: dict[str, str] = {}
        for town in self.towns.values():
            keys[fold(town.name)] = town.name
        # Old-style names with or without 町 (稲穂町2丁目, 相生1-2), unless that is a real name.
        for town in self.towns.values():
            key = fold(town.name)
            alias = key[:-1] if key.endswith("町") else key + "町"
            keys.setdefault(alias, town.name)
        # Longest first, so 朝里川温泉 wins over 朝里 and 新光町 over 新光.
        self._keys = sorted(keys.items(), key=lambda kv: -len(kv[0]))
        # Every town and 丁目 point, for `check_in_area`.
        named = [(t.name, t.point) for t in self.towns.values()]
        named += [(f"{t.name}{n}丁目", p) for t in self.towns.values() for n, p in t.chome.items()]
        self._points = ([name for name, _ in named], np.array([p[0] for _, p in named]),
                        np.array([p[1] for _, p in named]))

    def check_in_area(self, lat: float, lng: float, what: str = "緯度・経度") -> None:
        """Raise `LocateError` (reason "outside_area") unless (lat, lng) lies within
        `CITY_AREA_MARGIN_KM` of a town or 丁目 point; `what` names the point in the message."""
        names, lats, lngs = self._points
        km = great_circle_km(np.full_like(lats, lat), np.full_like(lngs, lng), lats, lngs)
        if not np.isfinite(km).all():
            raise LocateError(f"{what}は数値で入力してください。", reason="outside_area")
        nearest = int(np.argmin(km))
        if km[nearest] <= CITY_AREA_MARGIN_KM:
            return
        raise LocateError(
            f"{what}（{lat}, {lng}）は小樽市の区域外です（最も近い小樽市の町「{names[nearest]}」"
            f"から約{km[nearest]:,.0f}km）。小樽市内の位置を入力するか、緯度・経度を空欄にして"
            "住所から探してください。",
            reason="outside_area",
        )

    @classmethod
    def from_csv(cls, path: Path = FIXTURE) -> Gazetteer:
        """Read the town,chome,lat,lng,... CSV (an empty chome = a town without 丁目)."""
        plain: dict[str, Point] = {}
        chome: dict[str, dict[int, Point]] = {}
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                point = (float(row["lat"]), float(row["lng"]))
                if row["chome"].strip():
                    chome.setdefault(row["town"], {})[int(row["chome"])] = point
                else:
                    plain[row["town"]] = point
        towns = [Town(name, point, {}) for name, point in plain.items()]
        towns += [Town(name, _representative(pts.values()), pts) for name, pts in chome.items()]
        return cls(towns)

    def locate(self, address: str) -> Location:
        """Place an Otaru address, or raise `LocateError` with a message for the operator."""
        text = fold(address)
        if not text:
            raise LocateError("住所が入力されていません。" + _RETRY, reason="empty")
        text = _strip_prefixes(text)
        if not text:
            raise LocateError(
                "町名がありません（例: 稲穂2丁目5-1）。" + _RETRY, reason="no_town"
            )
        for key, name in self._keys:
            if text.startswith(key):
                return self._within(self.towns[name], numbers_and_dashes(text[len(key):]))
        self._reject_other_municipality(text)
        head_match = _HEAD.match(text)
        suggestions = self.suggest(head_match.group(1) if head_match else text)
        typed = " ".join(address.split())
        typed = typed if len(typed) <= 30 else typed[:29] + "…"
        message = f"「{typed}」に当たる小樽市の町名が見つかりません。"
        if suggestions:
            message += "近い町名: " + "、".join(suggestions) + "。"
        raise LocateError(message + _RETRY, suggestions, reason="unknown_town")

    def suggest(self, head: str, limit: int = 3) -> list[str]:
        """Up to `limit` town names closest to `head` (compared over the name's length)."""
        scores: dict[str, float] = {}
        for key, name in self._keys:
            best = max(
                difflib.SequenceMatcher(None, head[:n], key).ratio()
                for n in range(max(1, len(key) - 1), len(key) + 2)
            )
            scores[name] = max(scores.get(name, 0.0), best)
        ranked = sorted((s, n) for n, s in scores.items() if s >= 0.5)
        ranked.sort(key=lambda sn: -sn[0])
        return [name for _, name in ranked[:limit]]

    def chome_range(self, town_name: str) -> tuple[int, int] | None:
        """The first and last 丁目 of a town, or None for a town without 丁目 (or unknown)."""
        town = self.towns.get(town_name)
        if town is None or not town.chome:
            return None
        return min(town.chome), max(town.chome)

    def _within(self, town: Town, rest: str) -> Location:
        if not town.chome:
            return Location(town.point[0], town.point[1], "town", town.name)
        found = _CHOME.match(rest)
        if not found:
            return Location(town.point[0], town.point[1], "town", town.name)
        number = int(found.group(1))
        if number not in town.chome:
            valid = sorted(town.chome)
            raise LocateError(
                f"{town.name}に{number}丁目はありません（{valid[0]}〜{valid[-1]}丁目）。"
                "丁目を聞き直すか、緯度・経度を手入力してください。",
                [town.name],
                reason="bad_chome",
            )
        lat, lng = town.chome[number]
        return Location(lat, lng, "chome", f"{town.name}{number}丁目")

    def _reject_other_municipality(self, text: str) -> None:
        for pattern in (_OTHER_PREFECTURE, _OTHER_DISTRICT, _OTHER_CITY):
            found = pattern.match(text)
            if found:
                raise LocateError(
                    f"小樽市外の住所のようです（{found.group(1)}）。小樽市内の住所を入力するか、"
                    "緯度・経度を手入力してください。",
                    reason="other_city",
                )


def _strip_prefixes(text: str) -> str:
    """Drop a leading postcode, 日本, 北海道 and 小樽市 in any order and combination."""
    previous = None
    while previous != text:
        previous = text
        text = _ZIP.sub("", text)
        for prefix in _PREFIXES:
            if text.startswith(prefix):
                text = text[len(prefix):]
    return text


@lru_cache(maxsize=1)
def default_gazetteer() -> Gazetteer:
    """The Otaru gazetteer from the bundled fixture, loaded once per process."""
    return Gazetteer.from_csv()
