"""The weekly call count as an Excel workbook for the city (SPEC §11)."""

from __future__ import annotations

import io
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font

from app.calls.kinds import CALL_KINDS
from app.calls.operations import WeekCount


def weekly_counts_xlsx(title: str, weeks: Sequence[WeekCount]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "週別受電件数"
    sheet.append([f"{title} 週別受電件数"])
    sheet["A1"].font = Font(bold=True)
    header = ["週（月曜）", "週（日曜）", *CALL_KINDS.values(), "合計"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for week in weeks:
        sheet.append([week.week_start, week.week_end,
                      *(week.counts[kind] for kind in CALL_KINDS), week.total])
    if weeks:
        sheet.append(["合計", "", *(sum(w.counts[k] for w in weeks) for k in CALL_KINDS),
                      sum(w.total for w in weeks)])
    for column in ("A", "B"):
        sheet.column_dimensions[column].width = 12
        for cell in sheet[column][2:]:
            cell.number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
