"""Reading and writing the scenario file contract of SCENARIO.md.

Parsing is strict: any bad value raises `ScenarioError` naming the key (dotted path) and the
problem, which the CLI turns into exit status 2 and the web app into a form error. Every key
of `rules` and `travel` is optional; its default is the dataclass default in `solver.season`.
`config_problems` reads a configuration the same way but returns every problem at once, so
the manager's settings form can mark each field it refuses in a single round.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

from routing.params import MODELS as TRAVEL_MODELS
from routing.params import TravelParams
from solver.season import (
    DAY_KINDS,
    HALVES,
    Depot,
    Request,
    Rules,
    Scenario,
    Season,
    SeasonConfig,
    VisitDay,
    VisitTimes,
    Wish,
)


class ScenarioError(ValueError):
    """A malformed scenario: `key` is the dotted path of the offending value."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


class Problems(list[ScenarioError]):
    """The problems found so far. The section parsers add to it and go on with the next key;
    a cross-field rule is skipped when one of its keys already failed (its value is unknown,
    and a second message on the same mistake would only confuse)."""

    @contextmanager
    def catch(self) -> Iterator[None]:
        try:
            yield
        except ScenarioError as exc:
            self.append(exc)

    def failed(self, *keys: str) -> bool:
        return any(p.key in keys for p in self)

    def raise_first(self) -> None:
        if self:
            raise self[0]


def _own(problems: Problems | None) -> Problems:
    return Problems() if problems is None else problems


T = TypeVar("T")
_MM_DD = re.compile(r"^(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$")
_HTTP_URL = re.compile(r"^https?://[^/\s]+")


def parse_date(value: Any, key: str) -> dt.date:
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise ScenarioError(key, "must be a date string YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ScenarioError(key, f"{value!r} is not a date (YYYY-MM-DD)") from None


def _number(value: Any, key: str, *, integer: bool, minimum: float | None = None) -> Any:
    ok_type = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type):
        raise ScenarioError(key, "must be an integer" if integer else "must be a number")
    if minimum is not None and value < minimum:
        raise ScenarioError(key, f"must be at least {minimum:g}")
    return value if integer else float(value)


def _mapping(value: Any, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ScenarioError(key, "must be an object")
    return value


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], prefix: str,
                    problems: Problems | None = None) -> None:
    found = _own(problems)
    for name in data:
        if name not in allowed:
            with found.catch():
                raise ScenarioError(f"{prefix}.{name}" if prefix else name, "unknown key")
    if problems is None:
        found.raise_first()


def _numeric_dataclass(cls: type[T], data: Any, prefix: str, problems: Problems,
                       minimum: float = 0) -> T:
    """Build a dataclass of numbers from `data`, keeping defaults for absent (and bad) keys."""
    data = _mapping(data, prefix)
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    _reject_unknown(data, set(fields), prefix, problems)
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in fields:
            continue
        default = fields[name].default
        with problems.catch():
            values[name] = _number(
                value, f"{prefix}.{name}", integer=isinstance(default, int), minimum=minimum
            )
    return cls(**values)


def parse_rules(data: Any, problems: Problems | None = None) -> Rules:
    found = _own(problems)
    rules = _numeric_dataclass(Rules, data, "rules", found)
    names = {f.name for f in dataclasses.fields(Rules)}
    checks = [
        (rules.home_pm_slots <= rules.home_pm_slots_max, "home_pm_slots",
         "must not exceed home_pm_slots_max"),
        (rules.teams >= 1, "teams", "must be at least 1"),
        (rules.min_days_per_week <= rules.max_days_per_week, "min_days_per_week",
         "must not exceed max_days_per_week"),
        (rules.facility_min_applicants <= rules.facility_max_per_half_day,
         "facility_min_applicants", "must not exceed facility_max_per_half_day"),
        (rules.large_household >= 1, "large_household", "must be at least 1"),
        (rules.home_am_slots >= 1, "home_am_slots", "must be at least 1"),
    ]
    for ok, name, problem in checks:
        # The rule's keys: its own and the other rule value its problem text names.
        keys = [f"rules.{n}" for n in (name, *problem.split()) if n in names]
        if not ok and not found.failed(*keys):
            found.append(ScenarioError(f"rules.{name}", problem))
    if problems is None:
        found.raise_first()
    return rules


def parse_travel(data: Any, problems: Problems | None = None) -> TravelParams:
    found = _own(problems)
    data = _mapping(data, "travel")
    allowed = {f.name for f in dataclasses.fields(TravelParams)}
    _reject_unknown(data, allowed, "travel", found)
    values: dict[str, Any] = {}
    if "model" in data:
        with found.catch():
            if data["model"] not in TRAVEL_MODELS:
                raise ScenarioError(
                    "travel.model",
                    f"unknown model {data['model']!r} (use one of {', '.join(TRAVEL_MODELS)})",
                )
            values["model"] = data["model"]
    for name in ("speed_kmh", "circuity", "winter_factor", "timeout_s"):
        if name in data:
            with found.catch():
                number = _number(data[name], f"travel.{name}", integer=False)
                if number <= 0:
                    raise ScenarioError(f"travel.{name}", "must be greater than 0")
                values[name] = number
    if "winter_from" in data:
        with found.catch():
            value = data["winter_from"]
            if not isinstance(value, str) or not _MM_DD.match(value):
                raise ScenarioError("travel.winter_from", "must be MM-DD")
            values["winter_from"] = value
    # Optional routing-engine keys (routing/params.py): strings, URLs checked for a scheme.
    for name in ("url", "api_key", "profile", "geocoder_url"):
        if name in data:
            with found.catch():
                value = data[name]
                if not isinstance(value, str):
                    raise ScenarioError(f"travel.{name}", "must be a string")
                if name.endswith("url") and value and not _HTTP_URL.match(value):
                    raise ScenarioError(f"travel.{name}", "must start with http:// or https://")
                values[name] = value
    params = TravelParams(**values)
    if not found.failed("travel.model", "travel.url", "travel.api_key"):
        with found.catch():
            if params.model == "osrm" and not params.url:
                raise ScenarioError("travel.url", "model 'osrm' needs the URL of an OSRM server")
            if params.model == "ors" and not (params.url or params.ors_api_key):
                raise ScenarioError("travel.url", "model 'ors' needs a server URL, travel.api_key "
                                                  "or the ORS_API_KEY environment variable")
    if problems is None:
        found.raise_first()
    return params


def parse_depot(data: Any, problems: Problems | None = None) -> Depot:
    found = _own(problems)
    data = _mapping(data, "depot")
    _reject_unknown(data, {"name", "lat", "lng"}, "depot", found)
    values: dict[str, Any] = {}
    if "name" in data:
        with found.catch():
            if not isinstance(data["name"], str) or not data["name"].strip():
                raise ScenarioError("depot.name", "must be a non-empty string")
            values["name"] = data["name"]
    for name in ("lat", "lng"):
        if name in data:
            with found.catch():
                values[name] = _number(data[name], f"depot.{name}", integer=False)
    _check_lat_lng(values.get("lat", Depot.lat), values.get("lng", Depot.lng), "depot", found)
    if problems is None:
        found.raise_first()
    return Depot(**values)


def _check_lat_lng(lat: float, lng: float, prefix: str, problems: Problems | None = None) -> None:
    found = _own(problems)
    if not -90 <= lat <= 90 and not found.failed(f"{prefix}.lat"):
        with found.catch():
            raise ScenarioError(f"{prefix}.lat", "must be between -90 and 90")
    if not -180 <= lng <= 180 and not found.failed(f"{prefix}.lng"):
        with found.catch():
            raise ScenarioError(f"{prefix}.lng", "must be between -180 and 180")
    if problems is None:
        found.raise_first()


def parse_visit_day(data: Any, key: str, rules: Rules) -> VisitDay:
    data = _mapping(data, key)
    _reject_unknown(data, {"date", "kind", "pm_slots"}, key)
    if "date" not in data:
        raise ScenarioError(f"{key}.date", "is required")
    day = parse_date(data["date"], f"{key}.date")
    kind = data.get("kind", "home")
    if kind not in DAY_KINDS:
        raise ScenarioError(f"{key}.kind", f"must be one of {', '.join(DAY_KINDS)}")
    pm_slots = _number(data.get("pm_slots", rules.home_pm_slots), f"{key}.pm_slots", integer=True)
    if not rules.home_pm_slots <= pm_slots <= rules.home_pm_slots_max:
        raise ScenarioError(
            f"{key}.pm_slots",
            f"must be between {rules.home_pm_slots} and {rules.home_pm_slots_max}",
        )
    return VisitDay(date=day, kind=kind, pm_slots=pm_slots)


def parse_season(data: Any, rules: Rules, name: str, problems: Problems | None = None) -> Season:
    found = _own(problems)
    data = _mapping(data, "season")
    allowed = {
        "booking_opens", "booking_closes", "visits_from", "visits_to", "home_days",
        "facility_days", "visit_days", "closed_days", "holiday_country",
    }
    _reject_unknown(data, allowed, "season", found)
    values: dict[str, Any] = {"name": name}
    for key in ("booking_opens", "booking_closes", "visits_from", "visits_to"):
        if key in data:
            with found.catch():
                values[key] = parse_date(data[key], f"season.{key}")
    for key in ("home_days", "facility_days"):
        if key in data:
            with found.catch():
                values[key] = _number(data[key], f"season.{key}", integer=True, minimum=0)
    if "closed_days" in data:
        closed = data["closed_days"]
        with found.catch():
            if not isinstance(closed, list) or not all(
                isinstance(c, str) and _MM_DD.match(c) for c in closed
            ):
                raise ScenarioError("season.closed_days", "must be a list of MM-DD strings")
            values["closed_days"] = tuple(closed)
    if "holiday_country" in data:
        with found.catch():
            if not isinstance(data["holiday_country"], str):
                raise ScenarioError("season.holiday_country", "must be a country code such as JP")
            values["holiday_country"] = data["holiday_country"]
    if "visit_days" in data and data["visit_days"] is not None:
        with found.catch():
            values["visit_days"] = _parse_visit_days(data["visit_days"], rules)
    season = Season(**values)

    def order_known(*keys: str) -> bool:
        return not found.failed(*(f"season.{key}" for key in keys))

    with found.catch():
        if season.visits_from > season.visits_to and order_known("visits_from", "visits_to"):
            raise ScenarioError("season.visits_to", "must not be before visits_from")
    with found.catch():
        if season.booking_opens > season.visits_from and order_known("booking_opens",
                                                                     "visits_from"):
            raise ScenarioError("season.booking_opens", "must not be after visits_from")
    with found.catch():
        if season.booking_closes < season.booking_opens and order_known("booking_closes",
                                                                        "booking_opens"):
            raise ScenarioError("season.booking_closes", "must not be before booking_opens")
    if problems is None:
        found.raise_first()
    return season


def _parse_visit_days(data: Any, rules: Rules) -> tuple[VisitDay, ...]:
    """A stored calendar, checked strictly (it is never typed into the settings form)."""
    if not isinstance(data, list):
        raise ScenarioError("season.visit_days", "must be a list")
    days = tuple(
        parse_visit_day(item, f"season.visit_days[{i}]", rules) for i, item in enumerate(data)
    )
    seen: set[dt.date] = set()
    for i, day in enumerate(days):
        if day.date in seen:
            raise ScenarioError(f"season.visit_days[{i}].date", f"{day.date} is listed twice")
        seen.add(day.date)
    return tuple(sorted(days, key=lambda d: d.date))


def parse_wish(data: Any, key: str) -> Wish:
    data = _mapping(data, key)
    _reject_unknown(data, {"from", "to", "weekdays", "half"}, key)
    date_from = parse_date(data["from"], f"{key}.from") if data.get("from") else None
    date_to = parse_date(data["to"], f"{key}.to") if data.get("to") else None
    if date_from and date_to and date_from > date_to:
        raise ScenarioError(f"{key}.to", "must not be before from")
    weekdays = data.get("weekdays") or []
    if not isinstance(weekdays, list) or not all(
        isinstance(w, int) and not isinstance(w, bool) and 0 <= w <= 6 for w in weekdays
    ):
        raise ScenarioError(f"{key}.weekdays", "must be a list of integers 0 (Monday) to 6")
    half = data.get("half")
    if half is not None and half not in HALVES:
        raise ScenarioError(f"{key}.half", "must be 'am' or 'pm'")
    return Wish(date_from=date_from, date_to=date_to, weekdays=tuple(sorted(set(weekdays))),
                half=half)


def parse_request(data: Any, key: str) -> Request:
    data = _mapping(data, key)
    _reject_unknown(data, {"id", "kind", "received", "lat", "lng", "applicants", "wish"}, key)
    for required in ("id", "kind", "received", "lat", "lng", "applicants"):
        if required not in data:
            raise ScenarioError(f"{key}.{required}", "is required")
    if not isinstance(data["id"], str) or not data["id"]:
        raise ScenarioError(f"{key}.id", "must be a non-empty string")
    if data["kind"] not in ("home", "facility"):
        raise ScenarioError(f"{key}.kind", "must be 'home' or 'facility'")
    lat = _number(data["lat"], f"{key}.lat", integer=False)
    lng = _number(data["lng"], f"{key}.lng", integer=False)
    _check_lat_lng(lat, lng, key)
    return Request(
        id=data["id"],
        kind=data["kind"],
        received=parse_date(data["received"], f"{key}.received"),
        lat=lat,
        lng=lng,
        applicants=_number(data["applicants"], f"{key}.applicants", integer=True, minimum=1),
        wish=parse_wish(data.get("wish") or {}, f"{key}.wish"),
    )


def parse_config(data: Mapping[str, Any], name: str = "otaru-2026") -> SeasonConfig:
    """The season configuration part of a scenario (season, rules, travel, depot); raises
    the first problem."""
    problems = Problems()
    config = _read_config(data, name, problems)
    problems.raise_first()
    return config


def config_problems(data: Mapping[str, Any], name: str = "otaru-2026") -> list[ScenarioError]:
    """Every problem `parse_config` would find, in its order (none: the configuration is valid)."""
    problems = Problems()
    _read_config(data, name, problems)
    return list(problems)


def _read_config(data: Mapping[str, Any], name: str, problems: Problems) -> SeasonConfig:
    # A section that is not an object at all stops only itself; the others are still read.
    rules, season, travel, depot = Rules(), Season(name=name), TravelParams(), Depot()
    with problems.catch():
        rules = parse_rules(data.get("rules") or {}, problems)
    # A stored calendar is checked against valid rules only: bad rule values would refuse
    # every day and bury the one real mistake under a message per day.
    day_rules = rules if not problems else Rules()
    with problems.catch():
        season = parse_season(data.get("season") or {}, day_rules, name, problems)
    with problems.catch():
        travel = parse_travel(data.get("travel") or {}, problems)
    with problems.catch():
        depot = parse_depot(data.get("depot") or {}, problems)
    return SeasonConfig(season=season, rules=rules, travel=travel, depot=depot, times=VisitTimes())


def parse_scenario(data: Any) -> Scenario:
    """A whole scenario file (SCENARIO.md); raises `ScenarioError` on the first problem."""
    data = _mapping(data, "scenario")
    _reject_unknown(data, {"name", "season", "rules", "travel", "depot", "requests"}, "")
    name = data.get("name", "scenario")
    if not isinstance(name, str) or not name:
        raise ScenarioError("name", "must be a non-empty string")
    config = parse_config(data, name)
    raw_requests = data.get("requests", [])
    if not isinstance(raw_requests, list):
        raise ScenarioError("requests", "must be a list")
    requests = tuple(parse_request(r, f"requests[{i}]") for i, r in enumerate(raw_requests))
    ids: set[str] = set()
    for i, request in enumerate(requests):
        if request.id in ids:
            raise ScenarioError(f"requests[{i}].id", f"{request.id!r} is used twice")
        ids.add(request.id)
    return Scenario(name=name, config=config, requests=requests)


def visit_day_to_dict(day: VisitDay) -> dict[str, Any]:
    return {"date": day.date.isoformat(), "kind": day.kind, "pm_slots": day.pm_slots}


def config_to_dict(config: SeasonConfig) -> dict[str, Any]:
    """The JSON form of a season configuration; `parse_config` reads it back unchanged."""
    season = config.season
    season_dict: dict[str, Any] = {
        "booking_opens": season.booking_opens.isoformat(),
        "booking_closes": season.booking_closes.isoformat(),
        "visits_from": season.visits_from.isoformat(),
        "visits_to": season.visits_to.isoformat(),
        "home_days": season.home_days,
        "facility_days": season.facility_days,
        "closed_days": list(season.closed_days),
        "holiday_country": season.holiday_country,
    }
    if season.visit_days is not None:
        season_dict["visit_days"] = [visit_day_to_dict(d) for d in season.visit_days]
    return {
        "season": season_dict,
        "rules": dataclasses.asdict(config.rules),
        "travel": config.travel.to_dict(),
        "depot": dataclasses.asdict(config.depot),
    }
