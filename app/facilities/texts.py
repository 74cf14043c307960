"""Japanese labels of the facility pages (SPEC §8, 004 §8(2)オ(イ), §9(2))."""

from __future__ import annotations

FACILITY_TYPES: tuple[tuple[str, str], ...] = (
    ("tokuyo", "特別養護老人ホーム"),
    ("roken", "介護老人保健施設"),
    ("group_home", "グループホーム"),
    ("yuryo", "有料老人ホーム・サービス付き高齢者向け住宅"),
    ("disability", "障がい者支援施設"),
    ("hospital", "病院・療養施設"),
    ("other", "その他"),
)

STATUS_LABELS: dict[str, str] = {
    "new": "新規（折り返し待ち）",
    "contacted": "連絡済（日程調整中）",
    "scheduled": "訪問日決定",
    "visited": "訪問済",
    "withdrawn": "取り下げ",
}

HALF_LABELS: dict[str, str] = {"am": "午前", "pm": "午後"}

EVENT_LABELS: dict[str, str] = {
    "created": "受付",
    "contacted": "折り返し連絡",
    "scheduled": "訪問日決定",
    "home_booked": "個人宅枠で予約",
    "unscheduled": "訪問日取消",
    "visited": "訪問済",
    "withdrawn": "取り下げ",
    "meeting_added": "事前打合せ登録",
    "meeting_cancelled": "事前打合せ取消",
    "checklist": "準備確認",
    "list_uploaded": "申請者リスト登録",
    "time_agreed": "訪問時刻の調整",
    "outcome": "訪問結果の記録",
    "outcome_fixed": "訪問結果の修正",
    "list_shared": "申請者リストを小樽市へ共有",
    "list_confirmed": "申請者リストの人数を確認（登録済みのリストのまま）",
    "deleted": "個人情報の削除",
}

LIST_STATUS_LABELS: dict[str, str] = {
    "received": "受領済",
    "mismatch": "要確認",
    "missing": "未提出",
    "late": "提出期限超過",
    "not_needed": "－",
}

CALLBACK_SCRIPT = (
    "福祉施設での出張申請受付は、実施に向けた調整のため、後ほど担当の管理者から"
    "折り返しご連絡いたします。"
)
