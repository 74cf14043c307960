"""Offline address lookup for the web app: `locate_address` never touches the network.

The booking form calls this while the caller is on the phone; an address it cannot place
raises `LocateError` whose message is shown next to the address field (the operator can then
type coordinates by hand). Online geocoding, when configured, goes through
`routing.service_for(params).locate` instead.
"""

from __future__ import annotations

from routing.base import LocateError, Location
from routing.gazetteer import default_gazetteer

__all__ = ["LocateError", "Location", "check_in_area", "locate_address"]


def locate_address(text: str) -> Location:
    """Place an Otaru address with the offline gazetteer (precision "chome" or "town")."""
    return default_gazetteer().locate(text)


def check_in_area(lat: float, lng: float, what: str = "緯度・経度") -> None:
    """Raise `LocateError` (reason "outside_area") for a point outside Otaru."""
    default_gazetteer().check_in_area(lat, lng, what)
