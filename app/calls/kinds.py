"""The kinds of call the operators log with one click (SPEC §11: bookings and questions)."""

from __future__ import annotations

CALL_KINDS: dict[str, str] = {
    "booking": "個人宅の予約",
    "facility": "福祉施設からの依頼",
    "question": "問合せ・質問",
    "change": "予約の変更・取消",
    "other": "その他",
}
