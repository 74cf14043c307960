"""What the operator sees and says during a booking call (SPEC §6-§7, 004 §8(2)オ・カ).

Choices are (stored value, Japanese label). Talk scripts are shown inline in the intake form
when the matching answer is chosen, so the operator reads the right guidance to the caller.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

from app.dates import jp_date
from solver.season import Rules

# §6: who may book. Anyone else is refused politely.
CALLER_RELATIONSHIPS: tuple[tuple[str, str], ...] = (
    ("self", "本人"),
    ("household", "同居の家族"),
    ("relative", "三親等以内の親族（別居）"),
    ("proxy_present", "本人に頼まれ、本人の目の前で電話している方"),
    ("facility", "福祉施設の職員（入所者5名以下の施設訪問）"),
    ("other", "上記以外（ケアマネジャー、知人など）"),
)
# A welfare facility books for its residents (SPEC §8); with 5 or fewer applicants the visit
# goes into a home slot (SPEC §3), so its staff are allowed callers of the home intake.
FACILITY_CALLER = "facility"
ALLOWED_CALLERS: frozenset[str] = frozenset(
    {"self", "household", "relative", "proxy_present", FACILITY_CALLER})
REFUSE_CALLER_SCRIPT = (
    "申し訳ございません。このご予約は、ご本人様、同居のご家族、三親等以内のご親族、"
    "またはご本人様の目の前でご本人様に頼まれてお電話されている方からのみお受けしております。"
    "お手数ですが、ご本人様またはご家族様からお電話いただけますようお願いいたします。"
)

# §1 / §7 b: why the applicant cannot come to the city hall.
ELIGIBILITY_REASONS: tuple[tuple[str, str], ...] = (
    ("age75", "75歳以上"),
    ("disability", "障がいがある"),
    ("illness", "病気・療養中"),
    ("facility", "福祉施設に入所・入居している"),
    ("other", "その他の理由で来庁が困難"),
)

# §7 c: new application, renewal, or lost / self-caused damage.
NEW_APPLICATION = "new"  # a first application: no earlier card (see OLD_CARD)
APPLICATION_TYPES: tuple[tuple[str, str], ...] = (
    (NEW_APPLICATION, "新規申請"),
    ("renewal", "更新（有効期限切れ・期限間近）"),
    ("lost", "紛失・自己責任による破損等（再交付）"),
)

RENEWAL_SCRIPT = (
    "更新の場合、訪問時に今お持ちのマイナンバーカードを回収します。"
    "カードを健康保険証（マイナ保険証）として使っていて資格確認書をお持ちでない場合は、"
    "ご加入の健康保険の保険者にご連絡いただき、訪問日までに資格確認書を入手してください。"
    "本人確認は今お持ちのマイナンバーカードで行います。"
)
LOST_SCRIPT = (
    "紛失・破損の場合は、まずマイナンバー総合フリーダイヤル（0120-95-0178）に連絡して"
    "カードの一時停止をしてください。紛失の状況に応じて警察への届出もお願いします。"
    "再交付の手数料2,000円を訪問当日にお支払いいただきます。職員はお釣りを持参できませんので、"
    "ちょうどの金額をご用意ください。再交付は原則として特急発行で行います。"
    "必要に応じて、資格確認書の入手方法もご案内します。"
)

# The card being renewed. 004 §8(2)オ(ア) e: 「※ 更新の場合は、旧マイナンバーカードにて本人確認を
# 行う。」 — it identifies a renewal; a new (first) application has no earlier card, so the
# intake refuses it there (IntakeForm.validate_id_documents) and it never counts for one. The
# intake page disables (and unticks) its box while 新規申請 is chosen.
OLD_CARD = "old_mynumber"
OLD_CARD_ON_NEW_APPLICATION = (
    "新規申請では「旧マイナンバーカード」は選べません（旧カードでの本人確認は更新の場合のみ）。"
    "ほかに用意できる書類を選んでください。")
# §7 e: identity documents the applicant can show.
ID_DOCUMENTS: tuple[tuple[str, str], ...] = (
    ("driver_license", "運転免許証・運転経歴証明書"),
    ("passport", "パスポート"),
    ("disability_cert", "身体障害者手帳等の障害者手帳"),
    ("residence_card", "在留カード・特別永住者証明書"),
    (OLD_CARD, "旧マイナンバーカード（更新の場合）"),
    ("health_insurance", "資格確認書・健康保険証"),
    ("pension_book", "年金手帳・年金証書"),
    ("other", "その他（備考に記入）"),
)
ID_DOCUMENTS_SCRIPT = (
    "出張申請では、ご本人確認のため書類を確認します。顔写真付きの書類（運転免許証、"
    "障害者手帳など）は1点、顔写真のない書類（資格確認書、年金手帳など）は2点ご用意ください。"
)
# The documents of ID_DOCUMENTS that carry the holder's face photo: one of them is enough.
# The rest (資格確認書・健康保険証, 年金手帳・年金証書) need a second document; "other" is not
# known to have a photo, so it counts as one more document without one.
PHOTO_ID_DOCUMENTS: frozenset[str] = frozenset(
    {"driver_license", "passport", "disability_cert", "residence_card", OLD_CARD})


def id_documents_shortfall(documents: object, application_type: str | None,
                           caller_relationship: str | None = None) -> str:
    """Why the documents named at intake may not meet `ID_DOCUMENTS_SCRIPT` (one with a face
    photo, or two without), or "" when they do.

    A warning for the operator and the visit team, never a refusal: the caller can still find
    a second document before the visit. Renewals always pass: they are verified with the old
    card (SPEC §7 e). Each box of the form counts as one document, so a single box like
    「資格確認書・健康保険証」 is one document, not two. A facility booking for its residents
    passes too: each resident's documents are checked against the facility's list. The old
    card (`OLD_CARD`) counts for nothing on a new application."""
    if application_type == "renewal" or caller_relationship == FACILITY_CALLER:
        return ""
    chosen = {str(d) for d in documents} if isinstance(documents, (list, tuple, set)) else set()
    if application_type == NEW_APPLICATION:
        chosen.discard(OLD_CARD)  # not a document of a first application (saved before the check)
    if chosen & PHOTO_ID_DOCUMENTS or len(chosen) >= 2:
        return ""
    if not chosen:
        return "本人確認書類が未確認：顔写真付き1点か、写真なし2点が必要"
    if chosen == {"other"}:
        return "「その他」の書類1点のみ：顔写真付きでなければもう1点要確認"
    return "写真なし書類1点のみ：もう1点要確認"

# §7 f: condition, yes / no / unknown.
TRI_STATE: tuple[tuple[str, str], ...] = (("yes", "はい"), ("no", "いいえ"), ("unknown", "不明"))

HALF_LABELS: dict[str, str] = {"am": "午前", "pm": "午後"}

def prepare_script(application_type: str, details: Mapping[str, object] | None = None) -> str:
    """What the operator tells the caller to prepare once the booking is made (§7 c, e): only
    what applies to this application — a new applicant hears nothing of renewals or fees."""
    if application_type == "renewal":
        items = ["今お持ちのマイナンバーカード（本人確認に使い、訪問時に回収します）"]
        if (details or {}).get("has_shikaku_kakuninsho") != "yes":
            items.append("資格確認書（カードを健康保険証として使っている場合、"
                         "訪問日までにご加入の健康保険の保険者から入手してください）")
    elif application_type == "lost":
        items = ["本人確認書類", "再交付の手数料2,000円ちょうど（職員はお釣りを持参できません）"]
    else:
        items = ["本人確認書類"]
    return (f"訪問日までに次のものをご用意ください: {'、'.join(items)}。"
            "当日は職員が顔写真を撮影します。")


def visit_when(day: dt.date, half: str, eta: str) -> str:
    """A visit as the pages tell it to the caller: "10月19日（月）午後 14:30〜15:30頃"
    (the stored eta says 14:30-15:30; callers hear a range, never a hyphen)."""
    return (f"{jp_date(day)}{HALF_LABELS.get(half, half)} "
            f"{eta.replace('-', '〜')}頃")


def label(choices: tuple[tuple[str, str], ...], value: str | None) -> str:
    return dict(choices).get(value or "", "")


def describe_before(before: Mapping[str, object]) -> str:
    """A history entry's earlier visit fields (BookingEvent.before) as the slip shows them:
    {"visit_date": "2026-06-25", "half": "am", "team": 1, "position": 1, "eta": "10:00"} ->
    "訪問日 2026年6月25日（木）・午前・1班・訪問順 1・訪問時間 10:00" (the slip is printed for
    the city, so its dates carry the year)."""
    parts = []
    for key, value in before.items():
        if key == "visit_date":
            parts.append(f"訪問日 {jp_date(str(value), year=True)}")
        elif key == "half":
            parts.append(HALF_LABELS.get(str(value), str(value)))
        elif key == "team":
            parts.append(f"{value}班")
        elif key == "position":
            parts.append(f"訪問順 {value}")
        elif key == "eta":
            parts.append(f"訪問時間 {value}")
        elif key == "shared_on":
            parts.append(f"小樽市共有日 {jp_date(str(value), year=True)}")
        else:
            parts.append(f"{key} {value}")
    return "・".join(parts)


# SCENARIO.md reason codes, as the operator reads them to the caller.
# Why a day cannot take a home visit, by the solver's reason code (SCENARIO.md). The numbers
# come from the season's rules (`reason_label`), never from here.
REASON_LABELS: dict[str, str] = {
    "lead_time": "予約期限（訪問日の{home_lead_days}日前）を過ぎています",
    "window": "ご希望の期間外です",
    "capacity": "予約枠が埋まっています",
    "travel_cap": "同じ時間帯の他の訪問先から遠く、移動時間が{travel_cap_min:g}分を超えます",
    "third_visit_travel_cap": "午後3件目は前の訪問先から{third_visit_travel_cap_min:g}分以内の場合のみ"
                              "受付できます",
    "large_household": "{large_household}名以上の世帯は半日を占有するため、既に予約のある時間帯には"
                       "入れません",
    "facility_capacity": "福祉施設の受付人数の上限を超えます",
    "no_visit_day": "個人宅の訪問日ではありません（福祉施設の訪問日など）",
}


def reason_label(code: str, rules: Rules, labels: Mapping[str, str] = REASON_LABELS) -> str:
    """The operator's sentence for a reason code, with the season's own rule values."""
    template = labels.get(code)
    return template.format(**dataclasses.asdict(rules)) if template else code
