"""What facility visits and pre-meetings add to the operators' capacity calendar (SPEC §2:
operators see free capacity *including* meetings)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.facilities.meetings import planned_meetings
from app.facilities.models import FacilityVisit
from app.facilities.planning import PLANNED_VISIT_STATUSES
from app.facilities.texts import HALF_LABELS
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config


def facility_booked_counts(db: Session, record: SeasonRecord) -> dict[tuple[dt.date, str], int]:
    """Facility half-days taken per (date, half): by a visit, or (the whole facility day) by
    a pre-meeting; added to the home bookings' counts."""
    counts: dict[tuple[dt.date, str], int] = {}
    for visit in db.scalars(select(FacilityVisit).where(
            FacilityVisit.season_id == record.id,
            FacilityVisit.status.in_(PLANNED_VISIT_STATUSES))):
        key = (visit.visit_date, visit.half)
        counts[key] = counts.get(key, 0) + 1
    facility_days = {d.date for d in record.visit_days if d.kind == "facility"}
    teams = season_config(record).rules.teams
    for meeting in planned_meetings(db, record.id):
        if meeting.date in facility_days:
            for half in HALF_LABELS:
                counts[(meeting.date, half)] = max(counts.get((meeting.date, half), 0), teams)
    return counts


def meeting_labels(db: Session, record: SeasonRecord) -> dict[dt.date, list[str]]:
    out: dict[dt.date, list[str]] = {}
    for meeting in planned_meetings(db, record.id):
        time = f" {meeting.time}" if meeting.time else ""
        out.setdefault(meeting.date, []).append(
            f"事前打合せ {HALF_LABELS[meeting.half]}{time}（{meeting.facility.name}）")
    return out


def merged_counts(home: dict[tuple[dt.date, str], int],
                  facility: dict[tuple[dt.date, str], int]) -> dict[tuple[dt.date, str], int]:
    out = dict(home)
    for key, n in facility.items():
        out[key] = out.get(key, 0) + n
    return out
