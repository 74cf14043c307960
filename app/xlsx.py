"""Excel tables as the city receives them: a bold title row, a bold header row, the rows,
dates as yyyy-mm-dd. One helper, so every export of the app looks the same."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet


def write_table(
    sheet: Worksheet, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]],
    widths: Sequence[float] = (), wrap_header: bool = False,
) -> None:
    """Fill `sheet`: title in A1, `columns` in row 2, then `rows`."""
    sheet.append([title])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(columns))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        if wrap_header:
            cell.alignment = Alignment(wrap_text=True)
    for row in rows:
        sheet.append(list(row))
    for sheet_row in sheet.iter_rows(min_row=3):
        for cell in sheet_row:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


def workbook_bytes(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def table_xlsx(
    sheet_title: str, title: str, columns: Sequence[str], rows: Iterable[Sequence[object]],
    widths: Sequence[float] = (), wrap_header: bool = False,
) -> bytes:
    """A one-sheet workbook holding one table."""
    book = Workbook()
    sheet = book.active
    sheet.title = sheet_title
    write_table(sheet, title, columns, rows, widths, wrap_header)
    return workbook_bytes(book)
