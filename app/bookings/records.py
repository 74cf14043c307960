"""The reception list (受付一覧表) and reception slip (受付票) of SPEC §9, as rows and .xlsx."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.bookings import texts
from app.bookings.models import Booking
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


def fold_name(name: str) -> str:
    """A name without spaces and with full- and half-width forms unified (ｵﾀﾙ = オタル)."""
    return "".join(unicodedata.normalize("NFKC", name).split())


def shared_label(booking: Booking) -> object:
    """小樽市共有日: the share date, or the outdated slip's date while its correction waits."""
    if booking.shared_on is not None:
        return booking.shared_on
    earlier = booking.correction_of
    return f"{earlier.isoformat()}（訂正待ち）" if earlier else None


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
