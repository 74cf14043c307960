"""Travel-model parameters: the single definition of their defaults (SPEC §4, SCENARIO.md "travel").

They live in `routing/` because only the travel model reads them; the season configuration
(`solver.season`) embeds this dataclass rather than repeating its values.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TravelParams:
    """How travel minutes are estimated between two points.

    `model = "estimate"` is the offline formula of SCENARIO.md: great-circle km x `circuity`
    / `speed_kmh` x 60, divided by `winter_factor` on dates from `winter_from` (MM-DD) to the
    end of the year.
    """

    model: str = "estimate"
    speed_kmh: float = 25.0
    circuity: float = 1.35
    winter_from: str = "12-01"
    winter_factor: float = 0.8
