"""From the operator's form to the plain `Intake` the booking service takes.

The address is placed with the routing module's offline gazetteer; coordinates typed by hand
win over it (the operator can always correct a location).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from app.bookings.forms import IntakeForm, age_on
from app.bookings.operations import Intake, Slot
from app.clock import today
from routing.base import LocateError, Location
from routing.params import TravelParams
from solver.season import HALVES, SeasonConfig

PRECISION_LABELS: dict[str, str] = {
    "chome": "丁目まで一致",
    "town": "町名まで一致（丁目は代表点）",
    "geocoder": "ジオコーダーで検索（位置を確認してください）",
    "manual": "緯度・経度を手入力",
}


class IntakeProblem(ValueError):
    """A problem with one field that the form's own validators cannot see."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LocationView:
    lat: float
    lng: float
    precision: str
    matched: str

    @property
    def precision_label(self) -> str:
        """How exactly the address was placed. A town that has 丁目, placed without one, is
        flagged: its representative point can lie several km from the house (銭函 spans
        about 11 km), so the travel times the offers rest on may be far off."""
        from routing.gazetteer import default_gazetteer

        if self.precision == "town":
            span = default_gazetteer().chome_range(self.matched)
            if span is not None:
                return (f"町名まで一致。丁目が分からないため{self.matched}の代表点で移動時間を"
                        f"計算しています。丁目（{span[0]}〜{span[1]}丁目）を確認してください")
        return PRECISION_LABELS.get(self.precision, self.precision)


def locate_address(address: str, travel: TravelParams | None = None) -> Location:
    """The season's address lookup: the offline gazetteer, then the configured online
    geocoder (if any) for towns the gazetteer does not know. Raises `LocateError`."""
    from routing import service_for
    from routing.locate import locate_address as offline

    if travel is None or not travel.geocoder_url:
        return offline(address)
    return service_for(travel).locate(address)


def locate_point(address: str, lat: float | None, lng: float | None,
                 travel: TravelParams | None = None) -> LocationView:
    """Coordinates typed by hand win over the address; else the address is looked up. Either
    way the point must lie inside the city, else `IntakeProblem` on "lat" (typed coordinates)
    or "address" (an online geocoder's answer). The pages and the JSON API all place here."""
    from routing.locate import check_in_area

    if lat is not None and lng is not None:
        location = LocationView(lat, lng, "manual", address)
    else:
        try:
            found = locate_address(address, travel)
        except LocateError as exc:
            raise IntakeProblem("address", str(exc)) from None
        location = LocationView(found.lat, found.lng, found.precision, found.matched)
    manual = location.precision == "manual"
    try:
        check_in_area(location.lat, location.lng,
                      "緯度・経度" if manual else f"住所「{location.matched}」の位置")
    except LocateError as exc:
        raise IntakeProblem("lat" if manual else "address", str(exc)) from None
    return location


def place(form: IntakeForm, travel: TravelParams | None = None) -> LocationView:
    """Where the form's caller lives (see `locate_point`)."""
    return locate_point(form.address.data or "", form.lat.data, form.lng.data, travel)


def _town(location: LocationView) -> str | None:
    """The town part of the matched name (kept after personal data are deleted)."""
    if location.precision == "manual":
        return None
    return location.matched.split(" ")[0].rstrip("0123456789丁目") or None


def intake_from_form(form: IntakeForm, config: SeasonConfig) -> tuple[Intake, LocationView]:
    born: dt.date | None = form.birth_date.data
    if form.eligibility.data == "age75" and born is not None:
        age = age_on(born, today())
        if age < config.rules.eligible_age:
            raise IntakeProblem(
                "eligibility",
                f"生年月日から{age}歳のため「{config.rules.eligible_age}歳以上」に当たりません。"
                "別の理由を選んでください。",
            )
    location = place(form, config.travel)
    details: dict[str, Any] = {
        "id_documents": list(form.id_documents.data or []),
        "can_photo": form.can_photo.data,
        "can_write": form.can_write.data,
        "helper_present": form.helper_present.data,
        "parking": form.parking.data,
        "visit_notes": (form.visit_notes.data or "").strip(),
        "other_notes": (form.other_notes.data or "").strip(),
        "has_shikaku_kakuninsho": form.has_shikaku_kakuninsho.data,
        "card_suspended": form.card_suspended.data,
    }
    wish = form.wish()
    intake = Intake(
        caller_relationship=form.caller_relationship.data or "",
        caller_name=(form.caller_name.data or "").strip() or None,
        caller_phone=form.caller_phone.data or None,
        name=(form.name.data or "").strip(),
        name_kana=(form.name_kana.data or "").strip(),
        birth_date=born,
        phone=form.phone.data or "",
        address=(form.address.data or "").strip(),
        lat=location.lat,
        lng=location.lng,
        town=_town(location),
        location_precision=location.precision,
        eligibility=form.eligibility.data or "",
        eligibility_detail=(form.eligibility_detail.data or "").strip(),
        applicants=form.applicants.data or 1,
        application_type=form.application_type.data or "",
        details=details,
        wish=wish,
    )
    return intake, location


def offer_key(slot: Slot) -> str:
    """`date|half|team|position|route`: the route part (booking ids in visit order, "-" for an
    empty half-day) lets the booking refuse an offer that went stale (see `Slot`)."""
    route = ".".join(str(i) for i in slot.route) if slot.route else "-"
    return f"{slot.date.isoformat()}|{slot.half}|{slot.team}|{slot.position}|{route}"


def parse_offer_key(key: str) -> Slot | None:
    try:
        date, half, team, position, route = key.split("|")
        if half not in HALVES:
            return None
        ids = () if route == "-" else tuple(int(i) for i in route.split("."))
        return Slot(dt.date.fromisoformat(date), half, int(team), int(position),  # type: ignore[arg-type]
                    ids)
    except ValueError:
        return None
