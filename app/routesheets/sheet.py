"""The daily route sheet of one team: every stop of the day in order, with times and travel.

Times (documented here once):
- The time *told* to each caller is the booking's `eta` (the planner's; SPEC §3).
- Travel minutes between stops are the planner's own: the season's travel table
  (`app.bookings.planning.season_problem` -> `solver.travel_table` -> `routing`), so the
  sheet shows the same numbers `with_travel` gives the checker. The legs from and back to the
  city hall come from the same table (its point 0 is the depot). On the sheet every leg is
  rounded *up* to whole minutes.
- Departure from the city hall = the start of the first stop's told time minus the travel
  to it (e.g. 10:00 - 12 min -> 09:48 for the AM; 14:00 - 12 min -> 13:48 for the PM).
- Estimated arrival at a later stop = the later of (arrival at the previous stop + time on
  site there + travel) and the start of its own told window: the team never arrives before
  the time the caller was given. Time on site is an estimate: `ON_SITE_BASE_MIN` plus
  `ON_SITE_PER_APPLICANT_MIN` per applicant. An arrival after the told window's end is
  flagged so the team can phone ahead.
- Return to the city hall = the last stop's arrival + time on site + travel back.

A home stop carries what the team checks at the door (SPEC §7): the date of birth (with the
Japanese era, as most identity documents print it, and the age on the visit day), who booked
it when it was not the applicant, why the applicant cannot go out, the condition in plain
words, the identity documents with a warning when they may not be enough
(`texts.id_documents_shortfall`), and what to collect.

A stop is a home visit or, on facility days, a facility visit (issue 6): the same `Stop` with
`kind="facility"`, no receipt number, the facility's name, `contact_person`, applicant count,
the preparation checklist (`checklist`: the confirmed items; `checklist_missing`: the short
names of the rest), whether the applicant list has arrived (`list_state`) and, until its
personal data are deleted, the list itself (`applicant_lines`) for the team on the day. Its
`told` is the planner's 10:00 / 14:00 (what `check_plan` verifies); when the manager agreed
another time with the facility (`agreed_time`), the team arrives then: departure and return
follow the agreed time, and the sheet shows both.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.bookings import texts
from app.bookings.birth_dates import age_on, era_of
from app.bookings.models import Booking
from app.bookings.planning import request_id, season_problem
from app.bookings.records import STATUS_LABELS
from app.facilities import checklist
from app.facilities.models import FacilityRequest, FacilityVisit
from app.facilities.operations import list_mismatch
from app.facilities.planning import PLANNED_VISIT_STATUSES, facility_request_id
from app.seasons.models import SeasonRecord
from app.seasons.operations import season_config
from solver.problem import PlanningProblem
from solver.season import Depot, Request

ON_SITE_BASE_MIN = 20
ON_SITE_PER_APPLICANT_MIN = 10

RENEWAL_TASK = "【更新】旧マイナンバーカードを回収する（本人確認は旧カードで行う）"
LOST_TASK = "【再交付】手数料2,000円をちょうどの金額で受け取る（釣り銭なし）・特急発行"

RENEWAL_CERTIFICATE_MISSING = "資格確認書の入手状況を確認する（受付時点では未入手）"
RENEWAL_CERTIFICATE_UNKNOWN = ("資格確認書を持っているか確認する（カードを保険証として使っている場合、"
                               "旧カード回収後に必要）")

# The condition (SPEC §7 f) in plain words, by answer; True marks what the team must plan for.
CONDITION_PHRASES: tuple[tuple[str, dict[str, tuple[str, bool]]], ...] = (
    ("can_photo", {"yes": ("顔写真の撮影可", False), "no": ("顔写真の撮影不可", True),
                   "": ("顔写真の撮影可否は未確認", True)}),
    ("can_write", {"yes": ("自署可", False), "no": ("自署不可（代筆が必要）", True),
                   "": ("自署の可否は未確認", True)}),
    ("helper_present", {"yes": ("介助者が同席", False), "no": ("介助者の同席なし", False),
                        "": ("介助者の同席は未確認", False)}),
)
PARKING_PHRASES = {"yes": "駐車スペースあり", "no": "駐車スペースなし", "": "駐車スペースは未確認"}

# The facility checklist's items by a short name, for the compact list of unconfirmed ones.
CHECK_SHORT_NAMES: dict[str, str] = {
    "procedure": "手順", "documents_day": "当日の提出書類", "list_requested": "リスト提出の依頼",
    "id_documents": "本人確認書類", "photo_place": "撮影場所", "power": "記入場所・電源",
    "residents": "申請予定者の状況", "face_auth_only": "顔認証カード希望", "delivery": "郵送先",
    "custody": "カードの管理", "premeeting": "事前打合せ",
}

# When each Japanese era began (identity documents print the birth date in the era).
SHEET_RECORD_TYPE = "route_sheet"


class NoSuchSheet(LookupError):
    """The date is not a visit day of the season."""


@dataclass(frozen=True)
class ApplicantLine:
    """One resident of a facility's applicant list, as the team needs it on site (SPEC §8):
    no address (the city's application forms carry it)."""

    number: int
    name: str
    birth_date: str  # as `birth_date_text` gives it
    proxy_writer: bool  # cannot write: a proxy writer (代筆) is needed
    face_auth_only: bool  # wants the PIN-less face-authentication card
    deliver_to_facility: bool  # the card is mailed to the facility
    reapplication_reason: str  # "" for a new application
    other: str


@dataclass(frozen=True)
class Stop:
    """One stop of a half-day route, as the team reads it on paper."""

    number: int  # 1.. over the whole day (AM first): the number drawn on the sketch
    half: str
    position: int  # within its half-day (the planner's)
    kind: str  # "home" (facility: issue 6)
    booking_id: int | None
    receipt_no: int | None
    told: str  # the time told to the caller (eta)
    arrival: str  # estimated arrival, HH:MM
    late: bool  # estimated arrival after the told window
    travel_min: float  # from the previous stop (or the city hall), the planner's minutes
    on_site_min: int
    name: str
    name_kana: str
    address: str
    phone: str
    town: str
    lat: float
    lng: float
    applicants: int
    application_type: str  # label
    conditions: tuple[tuple[str, bool], ...]  # (plain words, needs planning for)
    parking: str  # plain words
    notes: tuple[str, ...]
    id_documents: tuple[str, ...]
    tasks: tuple[str, ...]  # what to collect / check
    status: str
    status_label: str
    applications_taken: int | None
    outcome_notes: str
    outcome_recorded: bool
    # home stops only
    birth_date: str = ""  # "1941-03-03（昭和16年3月3日）・85歳" (age on the visit day)
    caller: str = ""  # who booked it, when not the applicant: name (relationship) and phone
    eligibility: str = ""  # why the applicant cannot go out: the reason and its detail
    id_warning: str = ""  # the documents may not prove identity ("" = they do)
    # facility stops only
    facility_visit_id: int | None = None
    facility_id: int | None = None
    contact_person: str = ""
    agreed_time: str = ""  # HH:MM agreed with the facility, "" = the planner's time
    checklist: tuple[str, ...] = ()  # the confirmed items, "label: answer"
    checklist_missing: tuple[str, ...] = ()  # short names of the items not confirmed yet
    list_received: bool = False
    list_state: str = ""
    list_count: int = 0  # residents on the list (also after the deletion: the rows stay)
    list_deleted: bool = False
    applicant_lines: tuple[ApplicantLine, ...] = ()  # until the list's data are deleted

    @property
    def anchor(self) -> str:
        """The stop's id on the page (outcome forms redirect back to it)."""
        return f"stop-f{self.facility_visit_id}" if self.kind == "facility" else f"stop-{self.booking_id}"

    @property
    def travel_shown(self) -> int:
        return math.ceil(self.travel_min - 1e-9)

    @property
    def over_booking_note(self) -> str:
        """More applications taken than booked: accepted (people join on the day), but said
        next to the result so a typo can be caught. "" otherwise."""
        if not (self.outcome_recorded and self.status == "visited"
                and (self.applications_taken or 0) > self.applicants):
            return ""
        booked = "予定" if self.kind == "facility" else "予約"
        return f"{booked}の{self.applicants}人より多い件数です（当日の追加でなければ修正を）"


@dataclass(frozen=True)
class HalfRoute:
    half: str
    label: str
    departure: str  # from the city hall, HH:MM
    stops: tuple[Stop, ...]
    return_travel_min: float
    return_at: str

    @property
    def return_travel_shown(self) -> int:
        return math.ceil(self.return_travel_min - 1e-9)

    @property
    def applicants(self) -> int:
        return sum(s.applicants for s in self.stops)


@dataclass(frozen=True)
class RouteSheet:
    season_title: str
    date: dt.date
    team: int
    day_kind: str  # home / facility
    depot: Depot
    halves: tuple[HalfRoute, ...]  # only the halves with stops, AM first

    @property
    def stops(self) -> tuple[Stop, ...]:
        return tuple(s for h in self.halves for s in h.stops)

    @property
    def record_id(self) -> str:
        return f"{self.date.isoformat()}/team{self.team}"

    @property
    def booking_ids(self) -> tuple[int, ...]:
        return tuple(s.booking_id for s in self.stops if s.booking_id is not None)

    @property
    def facility_visit_ids(self) -> tuple[int, ...]:
        return tuple(s.facility_visit_id for s in self.stops if s.facility_visit_id is not None)


# Which visits a route sheet shows: those still planned, and those whose outcome was recorded
# (a visit cancelled on the day stays on the sheet; one cancelled beforehand does not).
BOOKING_ON_SHEET = or_(Booking.status == "booked", Booking.outcome_recorded_at.is_not(None))
FACILITY_VISIT_ON_SHEET = or_(FacilityVisit.status.in_(PLANNED_VISIT_STATUSES),
                              FacilityVisit.outcome_recorded_at.is_not(None))


def sheet_bookings(db: Session, season_id: int, on: dt.date, team: int) -> list[Booking]:
    """The day's visits of one team: active ones, and those whose outcome was recorded (a
    visit cancelled on the day stays on the sheet; one cancelled beforehand does not)."""
    return list(db.scalars(
        select(Booking).where(
            Booking.season_id == season_id, Booking.visit_date == on, Booking.team == team,
            BOOKING_ON_SHEET,
        ).order_by(Booking.half, Booking.position)
    ))


def sheet_facility_visits(db: Session, season_id: int, on: dt.date, team: int) -> list[FacilityVisit]:
    """The day's facility half-day parts of one team: booked or visited, and those cancelled
    on the day (outcome recorded), as with home visits."""
    return list(db.scalars(
        select(FacilityVisit).where(
            FacilityVisit.season_id == season_id, FacilityVisit.visit_date == on,
            FacilityVisit.team == team, FACILITY_VISIT_ON_SHEET,
        ).order_by(FacilityVisit.half)
    ))


def facility_point(facility: FacilityRequest) -> Request:
    """The facility as a point of the day's travel table. Built here rather than with
    `facility_request`: a part cancelled on the day stays on the sheet but leaves the plan."""
    return Request(id=facility_request_id(facility), kind="facility",
                   received=facility.scheduled_on or facility.received_on, lat=facility.lat,
                   lng=facility.lng, applicants=max(1, facility.scheduled_applicants or 1))


def on_site_minutes(applicants: int) -> int:
    return ON_SITE_BASE_MIN + ON_SITE_PER_APPLICANT_MIN * applicants


def told_window(eta: str) -> tuple[int, int]:
    """ "10:00" -> (600, 600); "10:30-11:30" -> (630, 690), in minutes after midnight."""
    parts = [p.strip() for p in eta.split("-")]
    start = _minutes(parts[0])
    return start, _minutes(parts[-1]) if len(parts) > 1 else start


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def clock_time(minutes: float) -> str:
    whole = int(minutes)
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _ceil(minutes: float) -> int:
    return math.ceil(minutes - 1e-9)


def depot_minutes(problem: PlanningProblem, on: dt.date, booking: Booking, back: bool) -> float:
    """Travel between the city hall (point 0 of the travel table) and a booking's place."""
    index = problem.point_index[request_id(booking)]
    a, b = (index, 0) if back else (0, index)
    return problem.travel.minutes(on, a, b)


def era_date(born: dt.date) -> str:
    """1941-03-03 -> "昭和16年3月3日" (the first year of an era is 元年), with the era table
    the intake reads dates of birth by (`app.bookings.birth_dates`)."""
    found = era_of(born)
    if found is None:
        return f"{born.year}年{born.month}月{born.day}日"
    era, year = found
    return f"{era.name}{era.year_label(year)}{born.month}月{born.day}日"


def birth_date_text(born: dt.date | None, on: dt.date) -> str:
    """The date of birth as the team compares it with an identity document: ISO, the era
    date and the age on the visit day. "" when unknown (deleted)."""
    if born is None:
        return ""
    return f"{born.isoformat()}（{era_date(born)}）・{age_on(born, on)}歳"


def caller_text(booking: Booking) -> str:
    """Who booked the visit when it was not the applicant (SPEC §6, §7 a): the team may have
    to phone them or meet them at the door. "" when the applicant called."""
    if booking.caller_relationship in ("", "self"):
        return ""
    relationship = texts.label(texts.CALLER_RELATIONSHIPS, booking.caller_relationship)
    text = f"{booking.caller_name or '（氏名なし）'}（{relationship or booking.caller_relationship}）"
    return text + (f"　電話 {booking.caller_phone}" if booking.caller_phone else "")


def eligibility_text(booking: Booking) -> str:
    """Why the applicant cannot go out (SPEC §7 b): the reason and the operator's notes."""
    reason = texts.label(texts.ELIGIBILITY_REASONS, booking.eligibility)
    detail = (booking.eligibility_detail or "").strip()
    return "　".join(p for p in (reason, detail) if p)


def condition_phrases(details: dict) -> tuple[tuple[str, bool], ...]:
    """The condition answers (yes / no / unknown or missing) as plain words."""
    out = []
    for key, phrases in CONDITION_PHRASES:
        answer = details.get(key)
        out.append(phrases.get(answer if answer in ("yes", "no") else "", phrases[""]))
    return tuple(out)


def home_tasks(booking: Booking, details: dict) -> tuple[str, ...]:
    """What to collect or check by the application type (SPEC §7 c). A renewal's 資格確認書
    reminder stays unless the caller said they have one: the old card is collected, and
    someone who uses it as their health-insurance card needs the certificate."""
    tasks: list[str] = []
    if booking.application_type == "renewal":
        tasks.append(RENEWAL_TASK)
        certificate = details.get("has_shikaku_kakuninsho")
        if certificate == "no":
            tasks.append(RENEWAL_CERTIFICATE_MISSING)
        elif certificate != "yes":
            tasks.append(RENEWAL_CERTIFICATE_UNKNOWN)
    elif booking.application_type == "lost":
        tasks.append(LOST_TASK)
        if details.get("card_suspended") != "yes":
            tasks.append("カードの一時停止（フリーダイヤル）が済んでいるか確認する")
    return tuple(tasks)


def _stop(number: int, booking: Booking, arrival: int, travel: float) -> Stop:
    d = booking.details or {}
    _start, end = told_window(booking.eta)
    notes = tuple(n for n in (d.get("visit_notes") or "", d.get("other_notes") or "") if n)
    return Stop(
        number=number, half=booking.half, position=booking.position, kind="home",
        booking_id=booking.id, receipt_no=booking.receipt_no, told=booking.eta,
        arrival=clock_time(arrival), late=arrival > end, travel_min=travel,
        on_site_min=on_site_minutes(booking.applicants),
        name=booking.name or "", name_kana=booking.name_kana or "",
        address=booking.address or "", phone=booking.phone or "", town=booking.town or "",
        lat=booking.lat, lng=booking.lng, applicants=booking.applicants,
        application_type=texts.label(texts.APPLICATION_TYPES, booking.application_type),
        conditions=condition_phrases(d),
        parking=PARKING_PHRASES.get(d.get("parking") or "", PARKING_PHRASES[""]),
        notes=notes,
        id_documents=tuple(texts.label(texts.ID_DOCUMENTS, v) for v in d.get("id_documents") or ()),
        tasks=home_tasks(booking, d),
        status=booking.status, status_label=STATUS_LABELS[booking.status],
        applications_taken=booking.applications_taken,
        outcome_notes=booking.outcome_notes or "",
        outcome_recorded=booking.outcome_recorded_at is not None,
        birth_date=birth_date_text(booking.birth_date, booking.visit_date),
        caller=caller_text(booking), eligibility=eligibility_text(booking),
        id_warning=texts.id_documents_shortfall(d.get("id_documents"), booking.application_type,
                                                booking.caller_relationship),
    )


def facility_checks(facility: FacilityRequest) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The preparation checklist for the team: the confirmed items in full, and the short
    names of the items nobody confirmed (listed compactly, so they do not bury the answers).
    Once the applicant list has arrived, asking for it no longer matters."""
    confirmed: list[str] = []
    missing: list[str] = []
    for row in checklist.rows(facility):
        if row.done:
            confirmed.append(f"{row.item.label}: {row.value_label}")
        elif not (row.item.key == "list_requested" and facility.list_uploaded_at is not None):
            missing.append(CHECK_SHORT_NAMES.get(row.item.key, row.item.label))
    return tuple(confirmed), tuple(missing)


def applicant_lines(facility: FacilityRequest, on: dt.date) -> tuple[ApplicantLine, ...]:
    """The facility's applicant list for the team, or () once its personal data are deleted
    (or before it arrived). Ages are on the visit day."""
    if facility.personal_data_deleted_on is not None:
        return ()
    return tuple(
        ApplicantLine(
            number=n, name=a.name or "", birth_date=birth_date_text(a.birth_date, on),
            proxy_writer=a.needs_proxy_writer, face_auth_only=a.face_auth_only,
            deliver_to_facility=a.deliver_to_facility,
            reapplication_reason=a.reapplication_reason or "", other=a.other or "")
        for n, a in enumerate(facility.applicants, start=1))


def facility_half_route(
    problem: PlanningProblem, on: dt.date, visit: FacilityVisit, number: int
) -> HalfRoute:
    """A facility half-day: one stop, at the planner's told time or the time agreed with the
    facility (the team goes at the agreed time)."""
    facility = visit.facility
    index = problem.point_index[facility_request_id(facility)]
    travel = problem.travel.minutes(on, 0, index)
    back = problem.travel.minutes(on, index, 0)
    start, _end = told_window(visit.agreed_time or visit.eta)
    on_site = on_site_minutes(visit.applicants)
    mismatch = list_mismatch(facility)
    received = facility.list_uploaded_at is not None and mismatch is None
    listed = len(facility.applicants)
    if facility.personal_data_deleted_on is not None:
        list_state = f"削除済（{listed}名分）"
    elif mismatch is not None:
        list_state = mismatch.status_label()
    elif received:
        list_state = f"受領済（{listed}名）"
    else:
        list_state = "未提出"
    notes = tuple(n for n in (facility.notes or "",) if n)
    confirmed, missing = facility_checks(facility)
    stop = Stop(
        number=number, half=visit.half, position=1, kind="facility", booking_id=None,
        receipt_no=None, told=visit.eta, arrival=clock_time(start),
        late=False, travel_min=travel, on_site_min=on_site, name=facility.name, name_kana="",
        address=facility.address, phone=facility.phone, town=facility.town or "",
        lat=facility.lat, lng=facility.lng, applicants=visit.applicants,
        application_type="福祉施設", conditions=(),
        parking="－", notes=notes, id_documents=(),
        tasks=(*confirmed, f"申請者リスト: {list_state}"),
        status=visit.status,
        status_label=("当日取消" if visit.status == "cancelled"
                      else STATUS_LABELS.get(visit.status, visit.status)),
        applications_taken=visit.applications_taken, outcome_notes=visit.outcome_notes or "",
        outcome_recorded=visit.outcome_recorded_at is not None,
        facility_visit_id=visit.id, contact_person=facility.contact_person or "",
        agreed_time=visit.agreed_time or "", checklist=confirmed, checklist_missing=missing,
        list_received=received, list_state=list_state, list_count=listed,
        facility_id=facility.id, list_deleted=facility.personal_data_deleted_on is not None,
        applicant_lines=applicant_lines(facility, on),
    )
    return HalfRoute(
        half=visit.half, label=texts.HALF_LABELS[visit.half],
        departure=clock_time(start - _ceil(travel)), stops=(stop,), return_travel_min=back,
        return_at=clock_time(start + on_site + _ceil(back)),
    )


def half_route(
    problem: PlanningProblem, on: dt.date, half: str, bookings: Sequence[Booking], first_number: int
) -> HalfRoute:
    ordered = sorted(bookings, key=lambda b: b.position)
    stops: list[Stop] = []
    departure = 0
    previous: Booking | None = None
    ready = 0  # when the team can leave the previous place
    for offset, booking in enumerate(ordered):
        start, _end = told_window(booking.eta)
        if previous is None:
            travel = depot_minutes(problem, on, booking, back=False)
            departure = start - _ceil(travel)
            arrival = start
        else:
            travel = problem.minutes(on, request_id(previous), request_id(booking))
            arrival = max(start, ready + _ceil(travel))
        stops.append(_stop(first_number + offset, booking, arrival, travel))
        ready = arrival + on_site_minutes(booking.applicants)
        previous = booking
    assert previous is not None
    back = depot_minutes(problem, on, previous, back=True)
    return HalfRoute(
        half=half, label=texts.HALF_LABELS[half], departure=clock_time(departure),
        stops=tuple(stops), return_travel_min=back, return_at=clock_time(ready + _ceil(back)),
    )


def build_route_sheet(db: Session, record: SeasonRecord, on: dt.date, team: int) -> RouteSheet:
    """The route sheet of `team` on `on` (no halves when nothing is booked)."""
    config = season_config(record)
    kinds = {d.date: d.kind for d in config.season.visit_days or ()}
    if on not in kinds:
        raise NoSuchSheet(on)
    bookings = sheet_bookings(db, record.id, on, team)
    parts = sheet_facility_visits(db, record.id, on, team)
    halves: list[HalfRoute] = []
    if bookings or parts:
        facilities = list({p.facility.id: p.facility for p in parts}.values())
        problem = season_problem(config, record.name, bookings,
                                 extra=[facility_point(f) for f in facilities])
        number = 1
        for half in ("am", "pm"):
            mine = [b for b in bookings if b.half == half]
            if mine:
                route = half_route(problem, on, half, mine, number)
                halves.append(route)
                number += len(route.stops)
            for part in (p for p in parts if p.half == half):
                halves.append(facility_half_route(problem, on, part, number))
                number += 1
    return RouteSheet(
        season_title=record.title, date=on, team=team, day_kind=kinds[on], depot=config.depot,
        halves=tuple(halves),
    )
