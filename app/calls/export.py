"""The weekly call count as an Excel workbook for the city (SPEC §11)."""

from __future__ import annotations

from collections.abc import Sequence

from app.calls.kinds import CALL_KINDS
from app.calls.operations import WeekCount
from app.xlsx import table_xlsx


def weekly_counts_xlsx(title: str, weeks: Sequence[WeekCount]) -> bytes:
    rows: list[list[object]] = [
        [week.week_start, week.week_end, *(week.counts[kind] for kind in CALL_KINDS), week.total]
        for week in weeks
    ]
    if weeks:
        rows.append(["合計", "", *(sum(w.counts[k] for w in weeks) for k in CALL_KINDS),
                     sum(w.total for w in weeks)])
    return table_xlsx("週別受電件数", f"{title} 週別受電件数",
                      ["週（月曜）", "週（日曜）", *CALL_KINDS.values(), "合計"], rows,
                      widths=(12, 12))
