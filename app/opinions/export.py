"""The opinions as an Excel table for the city (004 §10(3)); the same table is a sheet of the
completion report (app/reports/summary.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from openpyxl.worksheet.worksheet import Worksheet

from app.opinions.kinds import OPINION_SOURCES, OPINION_TOPICS
from app.opinions.models import Opinion
from app.xlsx import table_xlsx, write_table

SHEET_TITLE = "御意見"
COLUMNS = ("受付日", "御意見をいただいた方", "内容の分類", "御意見の内容", "市への報告日")
WIDTHS = (12, 14, 12, 80, 12)


def table_title(title: str) -> str:
    return f"{title} 市民・施設職員からの御意見"


def opinion_rows(opinions: Iterable[Opinion]) -> list[Sequence[object]]:
    return [[o.received_on, OPINION_SOURCES[o.source], OPINION_TOPICS[o.topic] if o.topic else None,
             o.summary, o.reported_on or "未報告"] for o in opinions]


def write_opinions(sheet: Worksheet, title: str, opinions: Iterable[Opinion]) -> None:
    write_table(sheet, table_title(title), COLUMNS, opinion_rows(opinions),
                widths=WIDTHS)


def opinions_xlsx(title: str, opinions: Iterable[Opinion]) -> bytes:
    return table_xlsx(SHEET_TITLE, table_title(title), COLUMNS,
                      opinion_rows(opinions), widths=WIDTHS)
