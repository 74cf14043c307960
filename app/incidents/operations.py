"""Record and update personal-data incidents (特記事項 第12), list them, and say how long an
open one has gone on.

Validation collects every refused field at once (`IncidentErrors`: field -> Japanese
message) so the form shows each message beside its field. Receipt numbers of affected
bookings must be bookings of the season. An incident can be closed only once the city has
been told (第12 requires the report before anything else).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, fields
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.auth.models import User
from app.bookings.models import Booking
from app.db import utcnow
from app.incidents.models import Incident, IncidentRevision

JST = ZoneInfo("Asia/Tokyo")
RECORD_TYPE = "incident"  # the handling log's record type (app/privacy/operations.py)
TEXT_MAX = 2000
PLACE_MAX = 200
REPORTED_TO_MAX = 100
PERSONS_MAX = 1_000_000
RECEIPT_MAX = 2**31 - 1
NOTIFIED: dict[str, str] = {"no": "未通知", "yes": "通知済み"}
FILTERS: dict[str, str] = {"open": "対応中のみ", "all": "すべて"}


class IncidentErrors(ValueError):
    """Refused inputs: form field -> Japanese message naming the field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class IncidentInput:
    """What the form holds (Japan dates and times as typed)."""

    discovered_on: dt.date | None = None
    discovered_time: dt.time | None = None
    circumstances: str | None = ""
    place: str | None = ""
    data_content: str | None = ""
    persons_count: int | None = None
    receipt_numbers: str | None = ""
    measures: str | None = ""
    reported_on: dt.date | None = None
    reported_time: dt.time | None = None
    reported_to: str | None = ""
    city_instructions: str | None = ""
    notified: str | None = "no"
    notified_on: dt.date | None = None
    closed: bool = False


# Incident attribute -> label, in page order: what a revision lists.
LABELS: dict[str, str] = {
    "discovered_at": "発見日時",
    "circumstances": "発生状況",
    "place": "発生場所",
    "data_content": "個人情報の内容",
    "persons_count": "人数",
    "receipt_numbers": "対象の受付番号",
    "measures": "被害拡大防止の措置",
    "reported_at": "小樽市への報告日時",
    "reported_to": "報告先（小樽市の担当者）",
    "city_instructions": "小樽市の指示",
    "notified": "本人への通知",
    "notified_on": "本人への通知日",
    "closed_on": "対応完了日",
}


def now_jst() -> dt.datetime:
    """Japan wall-clock now; on the day `APP_TODAY` pins (tests, rehearsals) when it is set."""
    now = utcnow().replace(tzinfo=dt.UTC).astimezone(JST).replace(tzinfo=None)
    pinned = current_app.config.get("APP_TODAY") if has_app_context() else None
    if pinned:
        day = pinned if isinstance(pinned, dt.date) else dt.date.fromisoformat(str(pinned))
        now = dt.datetime.combine(day, now.time())
    return now


def elapsed_text(since: dt.datetime, now: dt.datetime) -> str:
    """「3日5時間」: how long an incident has gone on since its discovery."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days}日{hours}時間"
    return f"{hours}時間{minutes}分"


def _text(value: str | None) -> str:
    return (value or "").replace("\r\n", "\n").strip()


def _check_text(errors: dict[str, str], field: str, label: str, value: str, limit: int,
                required: bool) -> None:
    if required and not value:
        errors[field] = f"{label}を入力してください。"
    elif "\x00" in value:  # PostgreSQL cannot store it in a text column
        errors[field] = f"{label}に使えない文字が含まれています。"
    elif len(value) > limit:
        errors[field] = f"{label}は{limit}文字以内で入力してください。"


def parse_receipt_numbers(db: Session, season_id: int, raw: str) -> tuple[list[int], str | None]:
    """The receipt numbers in `raw` (separated by commas, 「、」 or spaces; full-width digits
    too), sorted and unique, and the reason they are refused, or None."""
    plain = unicodedata.normalize("NFKC", raw).strip()
    if not plain:
        return [], None
    parts = [p for p in re.split(r"[,、\s]+", plain) if p]
    # ASCII digits only: str.isdigit() accepts characters int() cannot read.
    bad = [p for p in parts if not re.fullmatch(r"[0-9]{1,10}", p) or not 0 < int(p) <= RECEIPT_MAX]
    if bad:
        return [], ("対象の受付番号は数字で、区切りは「,」か空白で入力してください"
                    f"（正しくない値: {'、'.join(bad[:5])}）。")
    numbers = sorted({int(p) for p in parts})
    known = set(db.scalars(select(Booking.receipt_no).where(
        Booking.season_id == season_id, Booking.receipt_no.in_(numbers))))
    unknown = [str(n) for n in numbers if n not in known]
    if unknown:
        return [], f"対象の受付番号 {'、'.join(unknown[:10])} の予約はこの期間にありません。"
    return numbers, None


def _validated(db: Session, season_id: int, data: IncidentInput,
               now: dt.datetime) -> dict[str, object]:
    """The incident's attribute values from `data`, or IncidentErrors."""
    errors: dict[str, str] = {}
    values: dict[str, object] = {}
    if data.discovered_on is None:
        errors["discovered_on"] = "発見日を入力してください。"
    if data.discovered_time is None:
        errors["discovered_time"] = "発見時刻を入力してください。"
    discovered = None
    if data.discovered_on and data.discovered_time:
        discovered = dt.datetime.combine(data.discovered_on, data.discovered_time)
        if discovered > now:
            errors["discovered_on"] = "発見日時に先の日時は入力できません。"
    values["discovered_at"] = discovered
    for field, limit, required in (("circumstances", TEXT_MAX, True),
                                   ("place", PLACE_MAX, True),
                                   ("data_content", TEXT_MAX, True),
                                   ("measures", TEXT_MAX, False),
                                   ("reported_to", REPORTED_TO_MAX, False),
                                   ("city_instructions", TEXT_MAX, False)):
        value = _text(getattr(data, field))
        _check_text(errors, field, LABELS[field], value, limit, required)
        values[field] = value
    if data.persons_count is None:
        errors["persons_count"] = "人数を入力してください（分からないときは見込みの人数）。"
    elif not 1 <= data.persons_count <= PERSONS_MAX:
        errors["persons_count"] = f"人数は1から{PERSONS_MAX:,}までの整数で入力してください。"
    values["persons_count"] = data.persons_count
    numbers, problem = parse_receipt_numbers(db, season_id, data.receipt_numbers or "")
    if problem:
        errors["receipt_numbers"] = problem
    values["receipt_numbers"] = ", ".join(str(n) for n in numbers)
    if len(str(values["receipt_numbers"])) > 2000:
        errors["receipt_numbers"] = "対象の受付番号が多すぎます（2000文字以内）。"

    reported = None
    if data.reported_on or data.reported_time or values["reported_to"]:
        if data.reported_on is None:
            errors["reported_on"] = "小樽市への報告日を入力してください（報告したときは日・時刻・報告先のすべて）。"
        if data.reported_time is None:
            errors["reported_time"] = "小樽市への報告時刻を入力してください。"
        if not values["reported_to"] and "reported_to" not in errors:
            errors["reported_to"] = "報告先（小樽市の担当者）を入力してください。"
        if data.reported_on and data.reported_time:
            reported = dt.datetime.combine(data.reported_on, data.reported_time)
            if reported > now:
                errors["reported_on"] = "小樽市への報告日時に先の日時は入力できません。"
            elif discovered and reported < discovered:
                errors["reported_on"] = "小樽市への報告日時が発見日時より前になっています。"
    values["reported_at"] = reported

    notified = data.notified or "no"
    if notified not in NOTIFIED:
        errors["notified"] = "本人への通知を選択肢の中から選んでください。"
    elif notified == "yes" and data.notified_on is None:
        errors["notified_on"] = "本人に通知した日を入力してください。"
    elif notified == "no" and data.notified_on is not None:
        errors["notified_on"] = "通知日は本人への通知を「通知済み」にしたときだけ入力してください。"
    elif data.notified_on and data.notified_on > now.date():
        errors["notified_on"] = "本人への通知日に先の日付は入力できません。"
    elif data.notified_on and discovered and data.notified_on < discovered.date():
        errors["notified_on"] = "本人への通知日が発見日より前になっています。"
    values["notified"] = notified
    values["notified_on"] = data.notified_on

    if data.closed and reported is None:
        errors["closed"] = "小樽市へ報告するまで対応完了にはできません（第12: 速やかに報告）。"
    values["closed_on"] = now.date() if data.closed else None
    if errors:
        raise IncidentErrors(errors)
    return values


def _shown(attribute: str, value: object) -> str | None:
    """A value as the revision history shows it."""
    if value is None or value == "":
        return None
    if attribute == "notified":
        return NOTIFIED.get(str(value), str(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def record_incident(db: Session, season_id: int, user_id: int, data: IncidentInput,
                    now: dt.datetime) -> Incident:
    """Store a new incident and its first revision."""
    values = _validated(db, season_id, data, now)
    incident = Incident(season_id=season_id, recorded_by=user_id, **values)
    incident.revisions.append(IncidentRevision(user_id=user_id, changes=[
        [label, None, _shown(a, values[a])] for a, label in LABELS.items()
        if _shown(a, values[a]) is not None]))
    db.add(incident)
    db.flush()
    return incident


def update_incident(db: Session, incident: Incident, user_id: int, data: IncidentInput,
                    now: dt.datetime) -> list[list[str | None]]:
    """Apply `data` to `incident` and append a revision of what changed (old -> new); an
    incident already closed keeps its first closing date. Returns the changes ([] if none:
    then no revision is written)."""
    values = _validated(db, incident.season_id, data, now)
    if values["closed_on"] and incident.closed_on:
        values["closed_on"] = incident.closed_on
    changes: list[list[str | None]] = []
    for attribute in LABELS:  # page order
        value, old = values[attribute], getattr(incident, attribute)
        if _shown(attribute, old) != _shown(attribute, value):
            changes.append([LABELS[attribute], _shown(attribute, old), _shown(attribute, value)])
            setattr(incident, attribute, value)
    if changes:
        incident.revisions.append(IncidentRevision(user_id=user_id, changes=changes))
    db.flush()
    return changes


def input_of(incident: Incident) -> IncidentInput:
    """The form's values for `incident` as it stands."""
    return IncidentInput(
        discovered_on=incident.discovered_at.date(), discovered_time=incident.discovered_at.time(),
        circumstances=incident.circumstances, place=incident.place,
        data_content=incident.data_content, persons_count=incident.persons_count,
        receipt_numbers=incident.receipt_numbers, measures=incident.measures,
        reported_on=incident.reported_at.date() if incident.reported_at else None,
        reported_time=incident.reported_at.time() if incident.reported_at else None,
        reported_to=incident.reported_to, city_instructions=incident.city_instructions,
        notified=incident.notified, notified_on=incident.notified_on,
        closed=incident.closed_on is not None)


def input_fields() -> list[str]:
    return [f.name for f in fields(IncidentInput)]


def get_incident(db: Session, season_id: int, incident_id: int) -> Incident | None:
    if not 0 < incident_id <= RECEIPT_MAX:
        return None
    return db.scalar(select(Incident).where(Incident.season_id == season_id,
                                            Incident.id == incident_id))


def list_incidents(db: Session, season_id: int, show: str = "all") -> list[Incident]:
    """The season's incidents, newest discovery first; `show` is a key of FILTERS."""
    query = select(Incident).where(Incident.season_id == season_id)
    if show == "open":
        query = query.where(Incident.closed_on.is_(None))
    return list(db.scalars(query.order_by(Incident.discovered_at.desc(), Incident.id.desc())))


def staff_names(db: Session, user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    return dict(db.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
