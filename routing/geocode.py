"""Online geocoding with geopy's Nominatim, for addresses the offline gazetteer cannot place.

Only used when `TravelParams.geocoder_url` is set (a self-hosted Nominatim, or the public one
within its usage policy: a real user agent and at most one request a second, which a call
centre's pace stays well under). Results outside Otaru's bounding box are discarded, so a
street name that also exists in Sapporo never lands a visit there.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from routing.base import EngineError, Location

# Otaru city's extent (from the gazetteer's points, padded by about 5 km).
OTARU_BOX = ((43.05, 140.80), (43.30, 141.33))
USER_AGENT = "otaru-outreach-scheduler/0.1 (MyNumber-card home visits)"


def inside_otaru(lat: float, lng: float) -> bool:
    (south, west), (north, east) = OTARU_BOX
    return south <= lat <= north and west <= lng <= east


class NominatimGeocoder:
    """`GET {url}/search?q=...&format=json` bounded to Otaru; precision "geocoder"."""

    def __init__(self, url: str, timeout_s: float = 5.0) -> None:
        from geopy.geocoders import Nominatim

        parts = urlsplit(url if "://" in url else "https://" + url)
        if not parts.netloc:
            raise ValueError(f"travel.geocoder_url {url!r} has no host")
        domain = parts.netloc + parts.path.rstrip("/")
        self._nominatim = Nominatim(
            domain=domain, scheme=parts.scheme, user_agent=USER_AGENT, timeout=timeout_s
        )

    def locate(self, address: str) -> Location | None:
        """The best match inside Otaru, None when there is none; `EngineError` on failure."""
        from geopy.exc import GeopyError

        query = address if "小樽" in address else "北海道小樽市 " + address
        (south, west), (north, east) = OTARU_BOX
        try:
            found = self._nominatim.geocode(
                query,
                exactly_one=True,
                country_codes="jp",
                viewbox=[(north, west), (south, east)],
                bounded=True,
            )
        except GeopyError as exc:
            raise EngineError(f"nominatim failed: {type(exc).__name__}") from None
        except (ValueError, TypeError, KeyError) as exc:  # a reply geopy cannot parse
            raise EngineError(f"nominatim reply unreadable: {type(exc).__name__}") from None
        if found is None or not inside_otaru(found.latitude, found.longitude):
            return None
        return Location(found.latitude, found.longitude, "geocoder", str(found.address))
