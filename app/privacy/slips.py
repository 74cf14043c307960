"""A week's reception slips (受付票) as .xlsx and PDF, the content of the hand-over package.

One row (xlsx) or one page (PDF) per booking with every field the operator took down, so the
city's staff have what the slip page shows. Rendered in memory only: the files exist on disk
nowhere but inside the encrypted archive (app/privacy/handover.py).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.bookings import texts
from app.bookings.models import Booking
from app.bookings.records import STATUS_LABELS
from app.dates import jp_date
from app.routesheets.pdf import BASE, TITLE
from app.xlsx import table_xlsx

WEEKDAYS = "月火水木金土日"


def _details(booking: Booking) -> dict[str, Any]:
    return dict(booking.details or {})


def correction_label(booking: Booking) -> str:
    """Empty for a first slip; says which earlier slip this one replaces or cancels."""
    earlier = booking.correction_of
    if earlier is None:
        return ""
    if booking.status == "cancelled":
        return f"取消の連絡（{jp_date(earlier, year=True)} 共有分）"
    return f"訂正版（{jp_date(earlier, year=True)} 共有分を差し替え）"


# What a cancellation notice carries: enough for the city to find the slip it already has
# and strike it out. Sending the birth date, address, phone, the reason for not coming to
# the city hall (often health: 要配慮個人情報) and the notes again would hand over personal
# data the city does not need for a visit that will not happen (特記事項 第3, 第7).
CANCELLATION_FIELDS = frozenset((
    "受付番号", "予約日", "訪問予定日", "曜日", "時間帯", "訪問時間（案内）", "チーム", "訪問順",
    "状態", "訂正・取消", "氏名", "フリガナ", "町名", "申請予定件数",
))


def is_cancellation_notice(booking: Booking) -> bool:
    """A slip that tells the city an earlier slip's visit was cancelled before its day."""
    return (booking.status == "cancelled" and booking.correction_of is not None
            and booking.outcome_recorded_at is None)


def slip_fields(booking: Booking) -> list[tuple[str, object]]:
    """(label, value) of one slip, in the slip page's order; a cancellation notice leaves
    every field but `CANCELLATION_FIELDS` empty."""
    fields = _all_slip_fields(booking)
    if is_cancellation_notice(booking):
        return [(label, value if label in CANCELLATION_FIELDS else "") for label, value in fields]
    return fields


def _all_slip_fields(booking: Booking) -> list[tuple[str, object]]:
    d = _details(booking)
    docs = "、".join(texts.label(texts.ID_DOCUMENTS, str(x)) for x in d.get("id_documents") or [])
    caller = texts.label(texts.CALLER_RELATIONSHIPS, booking.caller_relationship)
    if booking.caller_name:
        caller += f"（{booking.caller_name} {booking.caller_phone or ''}）"
    return [
        ("受付番号", booking.receipt_no),
        ("予約日", booking.received_on),
        ("訪問予定日", booking.visit_date),
        ("曜日", WEEKDAYS[booking.visit_date.weekday()]),
        ("時間帯", texts.HALF_LABELS[booking.half]),
        ("訪問時間（案内）", booking.eta),
        ("チーム", booking.team),
        ("訪問順", booking.position),
        ("状態", STATUS_LABELS[booking.status]),
        ("訂正・取消", correction_label(booking)),
        ("氏名", booking.name or ""),
        ("フリガナ", booking.name_kana or ""),
        ("生年月日", booking.birth_date),
        ("住所", booking.address or ""),
        ("町名", booking.town or ""),
        ("連絡先", booking.phone or ""),
        ("電話をかけた方", caller),
        ("申請予定件数", booking.applicants),
        ("来庁が困難な理由", texts.label(texts.ELIGIBILITY_REASONS, booking.eligibility)),
        ("理由の詳細", booking.eligibility_detail or ""),
        ("申請の種類", texts.label(texts.APPLICATION_TYPES, booking.application_type)),
        ("本人確認書類", docs),
        ("顔写真の撮影", texts.label(texts.TRI_STATE, d.get("can_photo"))),
        ("字が書ける", texts.label(texts.TRI_STATE, d.get("can_write"))),
        ("介助者の同席", texts.label(texts.TRI_STATE, d.get("helper_present"))),
        ("駐車スペース", texts.label(texts.TRI_STATE, d.get("parking"))),
        ("訪問時の注意", d.get("visit_notes") or ""),
        ("その他", d.get("other_notes") or ""),
    ]


def slips_xlsx(title: str, bookings: Sequence[Booking]) -> bytes:
    return table_xlsx("受付票", f"{title} 受付票（{len(bookings)}件）",
                      [label for label, _ in slip_fields_header()],
                      ([value for _, value in slip_fields(b)] for b in bookings), wrap_header=True)


def slip_fields_header() -> list[tuple[str, object]]:
    """The column labels alone (an empty package still has its header row)."""
    labels = ("受付番号", "予約日", "訪問予定日", "曜日", "時間帯", "訪問時間（案内）", "チーム",
              "訪問順", "状態", "訂正・取消", "氏名", "フリガナ", "生年月日", "住所", "町名", "連絡先",
              "電話をかけた方", "申請予定件数", "来庁が困難な理由", "理由の詳細", "申請の種類",
              "本人確認書類", "顔写真の撮影", "字が書ける", "介助者の同席", "駐車スペース",
              "訪問時の注意", "その他")
    return [(label, "") for label in labels]


def slips_pdf(title: str, bookings: Sequence[Booking]) -> bytes:
    """One A4 page per slip, Japanese text in the route sheets' font (app/routesheets/pdf.py)."""
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm,
                            topMargin=15 * mm, bottomMargin=15 * mm, title=f"{title} 受付票")
    story: list[object] = []
    for i, booking in enumerate(bookings):
        if i:
            story.append(PageBreak())
        story.append(Paragraph(escape(f"受付票　受付番号 {booking.receipt_no}　{title}"), TITLE))
        story.append(Spacer(1, 4 * mm))
        rows = [[Paragraph(escape(label), BASE), Paragraph(escape(_text(value)), BASE)]
                for label, value in slip_fields(booking)]
        table = Table(rows, colWidths=[40 * mm, 140 * mm])
        table.setStyle(TableStyle([
            ("GRID", (0, 0), (-1, -1), 0.5, "#999999"),
            ("BACKGROUND", (0, 0), (0, -1), "#eef1f4"),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ]))
        story.append(table)
    if not bookings:
        story.append(Paragraph(escape(f"{title} 受付票: 対象の予約はありません。"), TITLE))
    doc.build(story)
    return buffer.getvalue()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.date):
        return jp_date(value, year=True)  # a paper for the city: the date with its year
    return str(value)
