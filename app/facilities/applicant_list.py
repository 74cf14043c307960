"""The facility's applicant list (申請者リスト, 004 §9(2)ウ): template, upload, validation, export.

Columns (the seed's (ア)-(カ)): name, address, date of birth; can the applicant write or is a
proxy writer needed; PIN-less face-authentication card wanted; card mailed to the facility
instead of the registered address; the reason when it is not a new application; anything else.

Upload rules: `.xlsx` (first sheet) or `.csv` (UTF-8, with or without BOM, or Shift_JIS /
CP932 as Japanese Excel saves it); the first row holds exactly the template's column names;
every problem is reported with its row (as numbered in the spreadsheet), its column and the
reason, and nothing is saved unless the whole file is valid. A list may not hold more
applicants than the facility was scheduled for (the visit's half-day parts are sized for
that number, SPEC §3). The list is due `LIST_DUE_DAYS` (7) days before the first visit.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from openpyxl.utils.exceptions import InvalidFileException

from app.bookings.birth_dates import parse_birth_date

LIST_DUE_DAYS = 7
MAX_ERRORS = 50
TEXT_MAX = {"name": 100, "address": 200, "reapplication_reason": 1000, "other": 1000}

COLUMNS: tuple[tuple[str, str], ...] = (
    ("name", "氏名"),
    ("address", "住所"),
    ("birth_date", "生年月日"),
    ("needs_proxy_writer", "代筆が必要"),
    ("face_auth_only", "顔認証カード希望（暗証番号なし）"),
    ("deliver_to_facility", "カードの郵送先を施設にする"),
    ("reapplication_reason", "再申請の理由（新規申請でない場合）"),
    ("other", "その他（状態・希望など）"),
)
YES_NO_COLUMNS = ("needs_proxy_writer", "face_auth_only", "deliver_to_facility")
REQUIRED = ("name", "address", "birth_date", *YES_NO_COLUMNS)
LABEL = dict(COLUMNS)
YES = {"はい", "○", "〇", "yes", "要", "true"}
NO = {"いいえ", "×", "no", "不要", "false"}
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ListError:
    row: int | None  # spreadsheet row (the header is row 1)
    column: str | None  # the column's name
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"{self.row}行目")
        if self.column:
            where.append(f"「{self.column}」")
        return ("・".join(where) + ": " if where else "") + self.message


class ListInvalid(ValueError):
    def __init__(self, errors: Sequence[ListError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = list(errors)


@dataclass(frozen=True)
class ApplicantRow:
    row_no: int
    name: str
    address: str
    birth_date: dt.date
    needs_proxy_writer: bool
    face_auth_only: bool
    deliver_to_facility: bool
    reapplication_reason: str | None
    other: str | None


# --- templates ----------------------------------------------------------------------------

HOW_TO = (
    "1行目の見出しは変更しないでください。2行目から1人1行で記入してください。",
    "生年月日: 1941-03-03、1941/3/3、19410303、昭和16年3月3日、S16.3.3 のいずれかの形で記入してください。",
    "「代筆が必要」「顔認証カード希望」「郵送先を施設にする」: はい／いいえ で記入してください。",
    "再申請の理由: 新規申請の方は空欄。更新・紛失・破損などの場合にその理由を記入してください。",
    "訪問日のおおむね1週間前までにご提出ください。",
)


def template_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "申請者リスト"
    ws.append([label for _key, label in COLUMNS])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFGH", (18, 36, 14, 12, 24, 22, 28, 30), strict=True):
        ws.column_dimensions[letter].width = width
    help_ws = wb.create_sheet("記入方法")
    for line in HOW_TO:
        help_ws.append([line])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_csv() -> bytes:
    """UTF-8 with BOM, so Excel opens it with the Japanese headers intact."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow([label for _key, label in COLUMNS])
    return out.getvalue().encode("utf-8-sig")


def export_xlsx(facility_name: str, applicants: Sequence[Any]) -> bytes:
    """The stored list, for the hand-over to the city (SPEC §8)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "申請者リスト"
    ws.append([f"{facility_name} 申請者リスト"])
    ws.append(["番号", *[label for _key, label in COLUMNS]])
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i, a in enumerate(applicants, start=1):
        ws.append([i, a.name, a.address, a.birth_date,
                   *["はい" if getattr(a, k) else "いいえ" for k in YES_NO_COLUMNS],
                   a.reapplication_reason or "", a.other or ""])
        ws.cell(row=ws.max_row, column=4).number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- reading ------------------------------------------------------------------------------


def _read_xlsx(data: bytes) -> list[list[Any]]:
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ListInvalid([ListError(None, None, "Excel（.xlsx）ファイルとして読み込めません。"
                                     "テンプレートに記入して .xlsx 形式で保存してください。")]) from None
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _read_csv(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "cp932"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ListInvalid([ListError(None, None, "文字コードを読み取れません。CSVは UTF-8 または"
                                     " Shift_JIS（Excelの「CSV（コンマ区切り）」）で保存してください。")])
    if "\x00" in text:
        raise ListInvalid([ListError(None, None, "CSVファイルとして読み込めません。")])
    return [list(r) for r in csv.reader(io.StringIO(text))]


def read_rows(filename: str, data: bytes) -> list[list[Any]]:
    name = (filename or "").lower()
    if not data:
        raise ListInvalid([ListError(None, None, "ファイルが空です。")])
    if name.endswith(".xlsx"):
        return _read_xlsx(data)
    if name.endswith(".csv"):
        return _read_csv(data)
    raise ListInvalid([ListError(None, None, "ファイルの形式は .xlsx または .csv にしてください。")])


# --- validation ---------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def parse_date(value: Any) -> dt.date | None:
    """A date of birth as a cell holds it: a date cell, or text in any form the home-visit
    intake reads (西暦 or 和暦, S16.3.3, 19410303, any width; `parse_birth_date`). None when
    unreadable or not a real date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return parse_birth_date(_text(value))
    except ValueError:
        return None


def _yes_no(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    text = unicodedata.normalize("NFKC", _text(value)).lower()
    if text in {v.lower() for v in YES} or text == "○":
        return True
    if text in {v.lower() for v in NO}:
        return False
    return None


def _header_errors(header: list[Any]) -> list[ListError]:
    found = [_text(h) for h in header]
    while found and not found[-1]:
        found.pop()
    expected = [label for _key, label in COLUMNS]
    if found == expected:
        return []
    errors = [ListError(1, label, "この列がありません（テンプレートの見出しのままにしてください）。")
              for label in expected if label not in found]
    errors += [ListError(1, name or f"{i + 1}列目", "テンプレートにない列です。")
               for i, name in enumerate(found) if name not in expected]
    if not errors:
        errors.append(ListError(1, None, "列の順番がテンプレートと違います: "
                                         + "、".join(expected) + " の順にしてください。"))
    return errors


def validate(rows: list[list[Any]], max_applicants: int, today: dt.date) -> list[ApplicantRow]:
    """Every applicant of a valid file, or `ListInvalid` with every problem found."""
    if not rows or all(not any(_text(c) for c in r) for r in rows):
        raise ListInvalid([ListError(None, None, "ファイルに何も記入されていません。")])
    errors = _header_errors(rows[0])
    if errors:
        raise ListInvalid(errors)
    out: list[ApplicantRow] = []
    seen: dict[tuple[str, dt.date], int] = {}
    for row_no, raw in enumerate(rows[1:], start=2):
        cells = {key: (raw[i] if i < len(raw) else None) for i, (key, _l) in enumerate(COLUMNS)}
        if len(raw) > len(COLUMNS) and any(_text(c) for c in raw[len(COLUMNS):]):
            errors.append(ListError(row_no, None, "見出しのない列に値があります。"))
        if not any(_text(v) for v in cells.values()):
            continue  # blank line
        values: dict[str, Any] = {}
        for key in REQUIRED:
            if not _text(cells[key]):
                errors.append(ListError(row_no, LABEL[key], "入力してください。"))
        for key, limit in TEXT_MAX.items():
            text = _text(cells[key])
            if len(text) > limit:
                errors.append(ListError(row_no, LABEL[key], f"{limit}文字以内にしてください。"))
            values[key] = text
        born = parse_date(cells["birth_date"]) if _text(cells["birth_date"]) else None
        if _text(cells["birth_date"]) and born is None:
            typed = _text(cells["birth_date"])
            hint = ("Excelの日付が数値になっています。セルの表示形式を「日付」にするか、"
                    if typed.isascii() and typed.isdigit() and len(typed) <= 5 else "")
            errors.append(ListError(row_no, LABEL["birth_date"],
                                    f"日付として読めません（入力値: {typed}）。{hint}"
                                    "1941-03-03 や 昭和16年3月3日 の形で入力してください。"))
        elif born is not None and born > today:
            errors.append(ListError(row_no, LABEL["birth_date"],
                                    f"未来の日付です（{born.isoformat()}）。"))
        elif born is not None and born.year < 1900:
            errors.append(ListError(row_no, LABEL["birth_date"],
                                    f"1900年より前の日付です（{born.isoformat()}）。"))
        for key in YES_NO_COLUMNS:
            if _text(cells[key]):
                answer = _yes_no(cells[key])
                if answer is None:
                    errors.append(ListError(row_no, LABEL[key],
                                            f"「はい」か「いいえ」で入力してください"
                                            f"（入力値: {_text(cells[key])}）。"))
                values[key] = answer
        if born is not None and values["name"]:
            person = (re.sub(r"\s", "", unicodedata.normalize("NFKC", values["name"])), born)
            if person in seen:
                errors.append(ListError(row_no, LABEL["name"],
                                        f"{seen[person]}行目と同じ人（氏名と生年月日が同じ）です。"))
            else:
                seen[person] = row_no
        out.append(ApplicantRow(
            row_no=row_no, name=values["name"], address=values["address"],
            birth_date=born or dt.date.min,
            needs_proxy_writer=bool(values.get("needs_proxy_writer")),
            face_auth_only=bool(values.get("face_auth_only")),
            deliver_to_facility=bool(values.get("deliver_to_facility")),
            reapplication_reason=values["reapplication_reason"] or None,
            other=values["other"] or None,
        ))
        if len(errors) >= MAX_ERRORS:
            break
    if not out and not errors:
        errors.append(ListError(None, None, "申請者が1人も記入されていません（2行目から記入してください）。"))
    if len(out) > max_applicants:
        errors.append(ListError(None, None,
                                f"申請者が{len(out)}名で、訪問予定の{max_applicants}名を超えています。"
                                "人数が増える場合は、先に訪問日程（人数）を見直してください。"))
    if errors:
        raise ListInvalid(errors[:MAX_ERRORS])
    return out


def parse_upload(filename: str, data: bytes, max_applicants: int,
                 today: dt.date) -> list[ApplicantRow]:
    return validate(read_rows(filename, data), max_applicants, today)


def list_due(first_visit: dt.date | None) -> dt.date | None:
    return None if first_visit is None else first_visit - dt.timedelta(days=LIST_DUE_DAYS)


def list_status(uploaded: bool, first_visit: dt.date | None, today: dt.date) -> str:
    """received / missing (not yet due) / late (past the due date) / not_needed."""
    if uploaded:
        return "received"
    due = list_due(first_visit)
    if due is None:
        return "not_needed"
    return "late" if today > due else "missing"
