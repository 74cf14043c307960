"""Travel-model parameters: the single definition of their defaults (SPEC §4, SCENARIO.md "travel").

They live in `routing/` because only the travel model reads them; the season configuration
(`solver.season`) embeds this dataclass rather than repeating its values.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any

#: Every value `TravelParams.model` may take: the offline formula and the two routing engines.
MODELS: tuple[str, ...] = ("estimate", "ors", "osrm")

#: The keys every scenario file has always had; the engine keys below are optional extras that
#: are only written out when set, so existing season files round-trip unchanged.
BASE_KEYS: tuple[str, ...] = ("model", "speed_kmh", "circuity", "winter_from", "winter_factor")


ORS_API_KEY_ENV = "ORS_API_KEY"


@dataclass(frozen=True)
class TravelParams:
    """How travel minutes are estimated between two points.

    `model = "estimate"` is the offline formula of SCENARIO.md: great-circle km x `circuity`
    / `speed_kmh` x 60, divided by `winter_factor` on dates from `winter_from` (MM-DD) to the
    end of the year.

    `model = "ors"` (openrouteservice matrix API) and `model = "osrm"` (OSRM table service)
    ask a routing server at `url` (ORS may instead use the public API with `api_key`); their
    durations are divided by `winter_factor` in winter too, since neither engine knows about
    snow. Any engine failure falls back to the estimate (see `routing.service`).
    `geocoder_url` (a Nominatim domain such as ``http://127.0.0.1:8080``) is asked for
    addresses the offline gazetteer cannot place; empty means offline only.
    """

    model: str = "estimate"
    speed_kmh: float = 25.0
    circuity: float = 1.35
    winter_from: str = "12-01"
    winter_factor: float = 0.8
    # Optional engine settings (ignored by the offline estimate).
    url: str = ""
    api_key: str = field(default="", repr=False)  # never printed in logs or reprs

    @property
    def ors_api_key(self) -> str:
        """The ORS key: the season's own, else the `ORS_API_KEY` environment variable, so a
        deployment can keep the secret out of the database."""
        return self.api_key or os.environ.get(ORS_API_KEY_ENV, "")
    timeout_s: float = 5.0
    profile: str = ""  # "" = the engine's car profile ("driving-car" for ORS, "driving" for OSRM)
    geocoder_url: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The JSON "travel" section: the base keys always, engine keys only when not default."""
        values = dataclasses.asdict(self)
        defaults = TravelParams()
        return {
            name: value
            for name, value in values.items()
            if name in BASE_KEYS or value != getattr(defaults, name)
        }
