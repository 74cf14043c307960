"""Slot offers for a caller: which (day, half-day) can take the visit, and why not.

The slot policy lives in `solver/`; this module only turns the season's bookings into the
solver's plain data and the answer into rows for the page and the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from app.bookings import texts
from app.bookings.intake_types import OfferRow
from app.bookings.operations import Intake
from app.seasons.models import SeasonRecord


@dataclass(frozen=True)
class OfferResult:
    offers: list[OfferRow]
    reasons: list[tuple[dt.date, list[str]]] = field(default_factory=list)
    estimated: bool = False


def search_offers(db: Session, record: SeasonRecord, intake: Intake) -> OfferResult:
    raise NotImplementedError("slot policy not wired yet")


def reason_labels(codes: tuple[str, ...]) -> list[str]:
    return [texts.REASON_LABELS.get(code, code) for code in codes]
