"""Record opinions, list them, and mark them as reported to the city (004 §10(3)).

The summary must hold no personal data: a run of 10 or more digits (a phone number, with or
without hyphens, full-width too) or an e-mail address is refused. That is what keeps an
opinion out of the deletion run (app/privacy/deletion.py erases call-log notes, not opinions)
and its pages out of the handling log: none of them shows personal data.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.opinions.kinds import OPINION_SOURCES, OPINION_TOPICS
from app.opinions.models import Opinion

SUMMARY_MAX = 1000
ID_MAX = 2**31 - 1  # the largest INTEGER of PostgreSQL
NO_PERSONAL_DATA = "氏名・住所・電話番号など個人が特定できる情報は書かないでください。"
# After NFKC (full-width digits, "－" and "＠" become ASCII): 10+ digits, each pair of them
# joined by at most one hyphen or dash ("ー" too, as phone numbers are often typed).
_PHONE_LIKE = re.compile(r"\d(?:[-‐‑‒–—―−ー]?\d){9,}")
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# The list's filter: not yet reported to the city (the default), or everything.
FILTERS: dict[str, str] = {"unreported": "未報告のみ", "all": "すべて"}


class OpinionError(ValueError):
    """A refused input, with the form field it belongs to."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def personal_data_problem(text: str) -> str | None:
    """Why `text` looks like it holds personal data (a phone number, an e-mail address), or
    None."""
    plain = unicodedata.normalize("NFKC", text)
    if _PHONE_LIKE.search(plain):
        return ("御意見の内容に電話番号のような数字（10桁以上）が含まれています。"
                + NO_PERSONAL_DATA)
    if _EMAIL.search(plain):
        return "御意見の内容にメールアドレスが含まれています。" + NO_PERSONAL_DATA
    return None


def record_opinion(db: Session, season_id: int, user_id: int, *, received_on: dt.date | None,
                   source: str, topic: str | None, summary: str | None,
                   today: dt.date) -> Opinion:
    """Store one opinion; OpinionError (field, Japanese message) when an input is refused."""
    if received_on is None:
        raise OpinionError("received_on", "受付日を入力してください。")
    if received_on > today:
        raise OpinionError("received_on", "受付日に先の日付は入力できません。")
    if source not in OPINION_SOURCES:
        raise OpinionError("source", "御意見をいただいた方を選んでください。")
    topic = topic or None
    if topic is not None and topic not in OPINION_TOPICS:
        raise OpinionError("topic", "内容の分類を選択肢の中から選んでください。")
    summary = (summary or "").strip()
    if not summary:
        raise OpinionError("summary", "御意見の内容を入力してください。")
    if "\x00" in summary:  # PostgreSQL cannot store it in a text column
        raise OpinionError("summary", "御意見の内容に使えない文字が含まれています。")
    if len(summary) > SUMMARY_MAX:
        raise OpinionError("summary", f"御意見の内容は{SUMMARY_MAX}文字以内で入力してください。")
    problem = personal_data_problem(summary)
    if problem:
        raise OpinionError("summary", problem)
    opinion = Opinion(season_id=season_id, received_on=received_on, source=source, topic=topic,
                      summary=summary, recorded_by=user_id)
    db.add(opinion)
    db.flush()
    return opinion


def list_opinions(db: Session, season_id: int, show: str = "unreported") -> list[Opinion]:
    """The season's opinions, oldest first; `show` is a key of FILTERS."""
    query = select(Opinion).where(Opinion.season_id == season_id)
    if show != "all":
        query = query.where(Opinion.reported_on.is_(None))
    return list(db.scalars(query.order_by(Opinion.received_on, Opinion.id)))


def mark_reported(db: Session, season_id: int, opinion_ids: Iterable[int], user_id: int,
                  today: dt.date) -> list[Opinion]:
    """Mark the selected opinions as reported to the city today, by `user_id`. One already
    reported keeps its first date; ids of another season are ignored."""
    ids = {i for i in opinion_ids if 0 < i <= ID_MAX}  # no id is larger: nothing to look up
    if not ids:
        raise OpinionError("opinion_ids", "市に報告済みにする御意見を選んでください。")
    opinions = list(db.scalars(select(Opinion).where(
        Opinion.season_id == season_id, Opinion.id.in_(ids), Opinion.reported_on.is_(None))
        .order_by(Opinion.id)))
    for opinion in opinions:
        opinion.reported_on = today
        opinion.reported_by = user_id
    db.flush()
    return opinions


def counts_by_source(db: Session, season_id: int) -> dict[str, int]:
    """How many opinions came from each source (every source, 0 included)."""
    counter = Counter(db.scalars(select(Opinion.source).where(Opinion.season_id == season_id)))
    return {source: counter.get(source, 0) for source in OPINION_SOURCES}


def staff_names(db: Session, opinions: Iterable[Opinion]) -> dict[int, str]:
    """Display names of the staff who recorded or reported `opinions`, by user id."""
    rows = list(opinions)
    ids = {o.recorded_by for o in rows} | {o.reported_by for o in rows if o.reported_by}
    if not ids:
        return {}
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())
