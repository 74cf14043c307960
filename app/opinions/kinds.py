"""Who an opinion came from, and what it is about (kept short: the city reads them by hand)."""

from __future__ import annotations

OPINION_SOURCES: dict[str, str] = {
    "citizen": "市民",
    "facility_staff": "施設職員",
    "other": "その他",
}

OPINION_TOPICS: dict[str, str] = {
    "booking": "予約・受付",
    "visit": "訪問",
    "procedure": "制度・手続",
    "other": "その他",
}
