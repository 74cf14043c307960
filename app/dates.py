"""How a calendar date is written for people: the one rule every page and message follows.

- 「10月2日（金）」 on screen, where the season's year is obvious (a season runs within one
  programme year, and every page is about the current season).
- 「2026年10月2日（金）」 (`year=True`) where a page can span years (the privacy log, the
  deletion and handover records, opinions kept beyond a season) or is printed or exported
  for the city (the booking slip, the route sheet's print page and PDF, the handover package,
  the completion report): a paper read months later must not be ambiguous.

Machine formats stay ISO (YYYY-MM-DD): URLs, form field values, the JSON API, spreadsheet
cells that are real dates, the solver's files, data attributes for scripts. Timestamps
(`|jst`, "2026-10-02 14:30") are records of when something was done and keep their form.
"""

from __future__ import annotations

import datetime as dt

from solver.calendar_rules import WEEKDAY_NAMES
from solver.calendar_rules import jp_date as _month_day_weekday


def jp_date(day: dt.date | str | None, year: bool = False) -> str:
    """「10月2日（金）」, or 「2026年10月2日（金）」 with `year`; "" for None.

    A string is read as an ISO date (stored JSON such as a history entry's earlier visit)."""
    if day is None or day == "":
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    if isinstance(day, dt.datetime):
        # A timestamp is stored in UTC; its calendar date needs Japan time (`|jst`), so
        # passing one here is a mistake, not a shortcut.
        raise TypeError("jp_date takes a date; format timestamps with local_time")
    text = _month_day_weekday(day)
    return f"{day.year}年{text}" if year else text


def weekday_name(day: dt.date) -> str:
    """「金」: a date's weekday, for tables that put it in a column of its own."""
    return WEEKDAY_NAMES[day.weekday()]
