"""The incident register as an Excel table for the city (特記事項 第12)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from app.incidents.models import Incident
from app.incidents.operations import NOTIFIED
from app.xlsx import table_xlsx

SHEET_TITLE = "個人情報の漏えい等"
COLUMNS = ("No.", "発見日時", "発生状況", "発生場所", "個人情報の内容", "人数", "対象の受付番号",
           "被害拡大防止の措置", "小樽市への報告日時", "報告先", "小樽市の指示", "本人への通知",
           "対応完了日")
WIDTHS = (6, 17, 40, 20, 30, 8, 16, 40, 17, 16, 40, 16, 12)


def incident_rows(incidents: Iterable[Incident]) -> list[Sequence[object]]:
    return [[i.id, i.discovered_at.strftime("%Y-%m-%d %H:%M"), i.circumstances, i.place,
             i.data_content, i.persons_count, i.receipt_numbers, i.measures,
             i.reported_at.strftime("%Y-%m-%d %H:%M") if i.reported_at else "未報告",
             i.reported_to, i.city_instructions,
             NOTIFIED[i.notified] + (f" {i.notified_on.isoformat()}" if i.notified_on else ""),
             i.closed_on or "対応中"] for i in incidents]


def incidents_xlsx(title: str, incidents: Iterable[Incident]) -> bytes:
    return table_xlsx(SHEET_TITLE, f"{title} 個人情報の漏えい等の事案（特記事項 第12）", COLUMNS,
                      incident_rows(incidents), widths=WIDTHS)
