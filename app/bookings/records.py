"""The reception list (受付一覧表) and reception slip (受付票) of SPEC §9, as rows and .xlsx."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.bookings import texts
from app.bookings.models import Booking
from app.dates import jp_date
from app.xlsx import table_xlsx

STATUS_LABELS: dict[str, str] = {
    "booked": "予約済",
    "cancelled": "取消",
    "visited": "訪問済",
    "not_home": "不在",
}

# (header, how to read it from a booking) — every column SPEC §9 asks for, then context.
LIST_COLUMNS: tuple[str, ...] = (
    "受付番号", "予約日", "訪問予定日", "時間帯", "訪問時間（案内）", "申請予定件数",
    "小樽市共有日", "訪問終了日", "個人情報削除日", "状態", "町名",
)


@dataclass(frozen=True)
class ListRow:
    booking_id: int
    values: tuple[object, ...]


def reception_list(db: Session, season_id: int) -> list[Booking]:
    return list(db.scalars(
        select(Booking).where(Booking.season_id == season_id).order_by(Booking.receipt_no)
        .options(selectinload(Booking.history))
    ))


def same_person(db: Session, season_id: int, name: str, birth_date: object) -> list[int]:
    """Receipt numbers of the season's live bookings for a person of this name and birth date:
    a caller who rings twice (or two relatives calling for the same person) would otherwise
    get two visits."""
    found = db.scalars(select(Booking).where(
        Booking.season_id == season_id, Booking.status == "booked",
        Booking.birth_date == birth_date))
    return sorted(b.receipt_no for b in found if fold_name(b.name or "") == fold_name(name))


# ぁ (U+3041) .. ゖ (U+3096) sit 0x60 below their katakana ァ .. ヶ.
_HIRAGANA_TO_KATAKANA = {code: code + 0x60 for code in range(0x3041, 0x3097)}


def fold_name(name: str) -> str:
    """A name without spaces, with full- and half-width forms unified (ｵﾀﾙ = オタル) and
    hiragana read as katakana (おたる = オタル): callers spell their フリガナ either way."""
    return "".join(unicodedata.normalize("NFKC", name).split()).translate(_HIRAGANA_TO_KATAKANA)


# What a caller may put between the digits of a phone number (after NFKC).
_PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―ー−()]")
SEARCH_LIMIT = 50
PHONE_MIN_DIGITS = 4  # fewer digits would match half the season's phone numbers
SEARCH_KINDS: dict[str, str] = {
    "number": "受付番号・電話番号",
    "phone": "電話番号",
    "name": "氏名・フリガナ",
}


@dataclass(frozen=True)
class SearchResult:
    """The bookings an operator's search found. `kind` says what the term was taken for
    (a key of SEARCH_KINDS) — the handling log records it instead of the term itself."""

    kind: str
    bookings: list[Booking]
    more: bool = False  # more than SEARCH_LIMIT matched: only the first ones are shown
    problem: str = ""


def phone_digits(value: str | None) -> str:
    """Only the digits of a phone number (full-width ones too): 0134-22-0000 -> 0134220000."""
    return "".join(c for c in unicodedata.normalize("NFKC", value or "") if "0" <= c <= "9")


def search_kind(term: str) -> str:
    """What a search term is: digits starting with 0 are a phone number (Japanese numbers all
    start with 0, receipt numbers never do), other digits a receipt number or the end of a
    phone number, anything else a name or its フリガナ."""
    compact = _PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", term))
    if compact and all("0" <= c <= "9" for c in compact):
        return "phone" if compact.startswith("0") else "number"
    return "name"


def _matches(booking: Booking, kind: str, term: str) -> bool:
    if kind == "name":
        folded = fold_name(term)
        return any(folded in fold_name(value) for value in (booking.name, booking.name_kana)
                   if value)
    digits = phone_digits(term)
    if kind == "number" and str(booking.receipt_no) == digits:
        return True
    return len(digits) >= PHONE_MIN_DIGITS and any(
        digits in phone_digits(value) for value in (booking.phone, booking.caller_phone))


def search(db: Session, season_id: int, term: str) -> SearchResult:
    """The season's bookings an operator looks for while a caller who lost their receipt
    number is on the line: by receipt number, by (part of) the applicant's name or フリガナ,
    or by (part of) the applicant's or the caller's phone number. Bookings still booked come
    first, then the cancelled and visited ones (a caller may ask whether a cancellation went
    through)."""
    kind = search_kind(term)
    if kind == "phone" and len(phone_digits(term)) < PHONE_MIN_DIGITS:
        return SearchResult(kind, [], problem=(
            f"電話番号は{PHONE_MIN_DIGITS}桁以上で入力してください。"))
    found = [b for b in db.scalars(select(Booking).where(Booking.season_id == season_id))
             if _matches(b, kind, term)]
    found.sort(key=lambda b: (b.status != "booked", b.receipt_no))
    return SearchResult(kind, found[:SEARCH_LIMIT], more=len(found) > SEARCH_LIMIT)


def shared_label(booking: Booking) -> object:
    """小樽市共有日: the share date, or the outdated slip's date while its correction waits."""
    if booking.shared_on is not None:
        return booking.shared_on
    earlier = booking.correction_of
    return f"{jp_date(earlier, year=True)}（訂正待ち）" if earlier else None


def list_row(booking: Booking) -> ListRow:
    return ListRow(booking.id, (
        booking.receipt_no,
        booking.received_on,
        booking.visit_date,
        texts.HALF_LABELS[booking.half],
        booking.eta,
        booking.applicants,
        shared_label(booking),
        booking.visit_completed_on,
        booking.personal_data_deleted_on,
        STATUS_LABELS[booking.status],
        booking.town or "",
    ))


def reception_list_xlsx(title: str, bookings: Sequence[Booking]) -> bytes:
    return table_xlsx("受付一覧表", f"{title} 受付一覧表", LIST_COLUMNS,
                      (list_row(b).values for b in bookings),
                      widths=(9, 12, 12, 7, 14, 9, 12, 12, 12, 8, 14))
