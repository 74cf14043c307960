"""The preparation checklist per facility (004 §9(2)イ (ア)-(カ)), with who confirmed what, when.

Each item keeps its latest answer with the member of staff who confirmed it and the time;
the route sheet's facility stop shows the list to the visit team.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from app.auth.models import User
from app.calls.operations import local_time
from app.db import utcnow
from app.facilities.models import FacilityCheck, FacilityEvent, FacilityRequest

VALUE_MAX = 1000


@dataclass(frozen=True)
class CheckItem:
    key: str
    label: str
    seed: str  # the seed's item
    choices: tuple[tuple[str, str], ...] = ()  # empty: free text


PROCEDURES: tuple[tuple[str, str], ...] = (
    ("a", "a: 1名ずつ撮影・記入・説明"),
    ("b", "b: 説明の後、全員の写真を先に撮影し、記入はまとめて"),
    ("c", "c: aとbの併用"),
)

ITEMS: tuple[CheckItem, ...] = (
    CheckItem("procedure", "手順・動線・タイムスケジュール", "(ア)", PROCEDURES),
    CheckItem("documents_day", "当日提出が必要な書類の共有", "(イ)"),
    CheckItem("list_requested", "申請者リスト提出の依頼", "(ウ)",
              (("done", "依頼済"), ("not_yet", "未依頼"))),
    CheckItem("id_documents", "当日必要な本人確認書類", "(エ)"),
    CheckItem("photo_place", "顔写真の撮影場所（明るさ）", "(オ)"),
    CheckItem("power", "申請書の記入場所・電源の借用", "(カ)"),
    CheckItem("residents", "申請予定者の状況（字が書けない・寝たきり・目が開かない・撮影が難しい等）と対応", "(キ)"),
    CheckItem("face_auth_only", "顔認証マイナンバーカードの希望", "(ク)",
              (("none", "希望者なし"), ("some", "一部の方が希望"), ("all", "全員が希望"))),
    CheckItem("delivery", "カードの郵送先を施設等にする必要", "(ケ)",
              (("no", "不要（住民登録地へ）"), ("some", "一部の方は施設宛"), ("all", "全員施設宛"))),
    CheckItem("custody", "入所者のマイナンバーカードの管理方法", "(コ)"),
    CheckItem("premeeting", "市職員による事前の現地説明（事前打合せ）", "(カ)※10名以上",
              (("needed", "必要"), ("not_needed", "不要"))),
)
ITEM_BY_KEY = {item.key: item for item in ITEMS}


@dataclass(frozen=True)
class CheckRow:
    item: CheckItem
    value: str
    value_label: str
    confirmed_by: str
    confirmed_at: str  # Japan time, YYYY-MM-DD HH:MM

    @property
    def done(self) -> bool:
        return bool(self.value)


def value_label(item: CheckItem, value: str) -> str:
    return dict(item.choices).get(value, value) if item.choices else value


def rows(facility: FacilityRequest) -> list[CheckRow]:
    by_key = {c.item: c for c in facility.checks}
    out = []
    for item in ITEMS:
        check = by_key.get(item.key)
        if check is None:
            out.append(CheckRow(item, "", "", "", ""))
        else:
            out.append(CheckRow(item, check.value, value_label(item, check.value),
                                check.confirmed_by_name,
                                local_time(check.confirmed_at)))
    return out


def save(db: Session, facility: FacilityRequest, answers: dict[str, str], user: User) -> list[str]:
    """Record the answers that changed; returns the labels saved. Unknown choices refused."""
    by_key = {c.item: c for c in facility.checks}
    changed: list[str] = []
    for key, raw in answers.items():
        item = ITEM_BY_KEY.get(key)
        if item is None:
            continue
        value = (raw or "").strip()
        if len(value) > VALUE_MAX:
            raise ValueError(f"{item.label}: {VALUE_MAX}文字以内で入力してください。")
        if item.choices and value and value not in dict(item.choices):
            raise ValueError(f"{item.label}: 選択肢から選んでください。")
        check = by_key.get(key)
        if check is None:
            if not value:
                continue
            facility.checks.append(FacilityCheck(
                item=key, value=value, confirmed_by=user.id,
                confirmed_by_name=user.display_name, confirmed_at=utcnow()))
        elif check.value != value:
            check.value = value
            check.confirmed_by = user.id
            check.confirmed_by_name = user.display_name
            check.confirmed_at = utcnow()
        else:
            continue
        changed.append(item.label)
    if changed:
        facility.events.append(FacilityEvent(user_id=user.id, action="checklist",
                                             note="、".join(changed)))
    db.flush()
    return changed


def team_tasks(facility: FacilityRequest) -> tuple[str, ...]:
    """The checklist as lines for the visit team's route sheet (unconfirmed items flagged)."""
    out = []
    for row in rows(facility):
        out.append(f"{row.item.label}: {row.value_label}" if row.done
                   else f"{row.item.label}: （未確認）")
    return tuple(out)
