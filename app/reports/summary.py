"""The monthly and completion report (SPEC §11; seed 004 §10, seed 001 §8).

Counts only: bookings, planned and taken applications, visits done, not at home, cancelled,
still open; facility days planned and visited, facilities and half-days visited and their
applications; facility requests received (visited or not) and facility half-days cancelled on
the day; all applications; calls received — per month, per town and per age band (there also
the facility applicants whose date of birth their applicant list gives, and how many have
none known); and
the opinions from citizens and facility staff (004 §10(3)): their count by source and their
list, which holds no personal data (app/opinions). Everything here
survives the deletion of personal data (town and age band stay on the booking), so the
report counts a visit the same before and after its personal data are deleted. Sex is not
asked at intake (SPEC §7), so there is no breakdown by sex.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.bookings.forms import age_on
from app.bookings.models import Booking
from app.calls.export import weekly_counts_xlsx
from app.calls.models import CallRecord
from app.calls.operations import local_date, report_period, weekly_counts
from app.dates import jp_date
from app.facilities.models import FacilityRequest, FacilityVisit
from app.facilities.planning import shareable_parts
from app.opinions.export import SHEET_TITLE as OPINIONS_SHEET
from app.opinions.export import write_opinions
from app.opinions.kinds import OPINION_SOURCES
from app.opinions.operations import counts_by_source, list_opinions
from app.privacy.deletion import AGE_BANDS, UNKNOWN_AGE, age_band, booking_age_band
from app.seasons.models import SeasonRecord
from solver.scenario_io import parse_config

SEX_NOTE = "性別は受付時に聞き取っていないため、性別の集計はありません。"
NO_TOWN = "町名不明"


@dataclass
class Counts:
    """The figures of one row (a month, a town, an age band or the whole season)."""

    bookings: int = 0  # bookings received (予約受付件数)
    planned_visits: int = 0  # visits not cancelled beforehand
    planned_applications: int = 0  # 申請予定件数 of those
    visited: int = 0
    applications: int = 0  # 申請受付件数 taken on visits
    not_home: int = 0
    cancelled_on_day: int = 0
    pending: int = 0  # still booked: visit ahead, or its outcome not recorded yet
    cancelled: int = 0  # cancelled before the day
    facility_days: int = 0  # facility days of the calendar (planned, 004 §8(2)ア)
    facility_visit_days: int = 0  # days on which a facility was visited
    facilities: int = 0  # facilities visited (counted in the month of their first visit)
    facility_visited: int = 0  # facility half-days visited (outcome on the route sheet)
    facility_applications: int = 0  # applications taken at facilities
    facility_requests: int = 0  # facility requests received, visited or not (by received_on)
    facility_cancelled_on_day: int = 0  # facility half-days cancelled on the visit day
    # Age bands only: people on facilities' applicant lists whose date of birth is known.
    facility_applicants: int = 0
    calls: int = 0

    @property
    def all_applications(self) -> int:
        """Applications taken at homes and at facilities (004 §3(2)ア(エ): 申請受付件数合計)."""
        return self.applications + self.facility_applications

    def add_booking(self, b: Booking) -> None:
        self.bookings += 1
        self.add_visit(b)

    def add_visit(self, b: Booking) -> None:
        recorded = b.outcome_recorded_at is not None
        if b.status == "cancelled" and not recorded:
            self.cancelled += 1
            return
        self.planned_visits += 1
        self.planned_applications += b.applicants
        if b.status == "visited":
            self.visited += 1
            self.applications += b.applications_taken or 0
        elif b.status == "not_home":
            self.not_home += 1
        elif b.status == "cancelled":
            self.cancelled_on_day += 1
        else:
            self.pending += 1


COLUMNS: tuple[tuple[str, str], ...] = (
    ("bookings", "予約受付件数"),
    ("planned_visits", "訪問予定件数"),
    ("planned_applications", "申請予定件数"),
    ("visited", "訪問済"),
    ("applications", "申請受付件数"),
    ("not_home", "不在"),
    ("cancelled_on_day", "当日取消"),
    ("pending", "予約中・結果未記録"),
    ("cancelled", "事前取消"),
)
_FACILITY_CANCELLED = ("facility_cancelled_on_day", "福祉施設の当日取消（半日）")
_SAME_DAY = [attr for attr, _ in COLUMNS].index("cancelled_on_day") + 1
# The facility same-day cancels stand beside the home ones (当日取消).
MONTH_COLUMNS: tuple[tuple[str, str], ...] = (
    *COLUMNS[:_SAME_DAY], _FACILITY_CANCELLED, *COLUMNS[_SAME_DAY:],
    ("facility_requests", "福祉施設の訪問依頼受付件数"), ("facilities", "福祉施設数（訪問済）"), ("facility_days", "福祉施設訪問日数（予定）"),
    ("facility_visit_days", "福祉施設訪問日数（訪問済）"),
    ("facility_visited", "福祉施設訪問済（半日）"), ("facility_applications", "福祉施設の申請受付件数"),
    ("all_applications", "申請受付件数合計（個人宅＋福祉施設）"), ("calls", "受電件数"))
AGE_COLUMNS: tuple[tuple[str, str], ...] = (
    *COLUMNS, ("facility_applicants", "福祉施設の申請予定者（名簿で生年月日あり・人数）"))
# How the rows relate, printed under the tables so a reader can check the sums.
HOME_NOTE = ("予約受付件数から事前取消までは個人宅の予約（申請者5名以下の福祉施設を含む）です。"
             "予約受付件数は予約を受けた月、それ以外は訪問予定日の月で数えます。"
             "訪問予定件数 ＝ 訪問済＋不在＋当日取消＋予約中・結果未記録、"
             "予約受付件数 ＝ 訪問予定件数＋事前取消。"
             "福祉施設の訪問依頼受付件数は依頼を受けた月に、訪問に至ったかどうかに関わらず"
             "受けた依頼をすべて数えます。福祉施設の当日取消は訪問予定日の月で数えます。")
AGE_NOTE = ("年齢階級別の「福祉施設の申請予定者」は、福祉施設の申請者リストの生年月日から"
            "最初の訪問日時点の年齢で数えた人数です（個人宅の欄は予約の件数）。"
            "取下げた施設と、申請者5名以下で個人宅の枠に予約した施設（個人宅の予約として数えます）"
            "は含みません。")


@dataclass
class Report:
    title: str
    today: dt.date
    months: dict[str, Counts] = field(default_factory=dict)
    towns: dict[str, Counts] = field(default_factory=dict)
    age_bands: dict[str, Counts] = field(default_factory=dict)
    total: Counts = field(default_factory=Counts)
    deleted: int = 0
    # Facility applicants with no known date of birth: listed without one, or planned on
    # the visits of a facility that has not sent its applicant list.
    facility_applicants_no_dob: int = 0
    opinions: dict[str, int] = field(default_factory=dict)  # by source (OPINION_SOURCES key)

    @property
    def no_dob_note(self) -> str:
        return f"生年月日の分からない福祉施設の申請予定者: {self.facility_applicants_no_dob}名" \
               "（申請者リスト未提出の施設は訪問予定の人数で数えます）"

    def max_of(self, rows: dict[str, Counts], attr: str) -> int:
        return max((getattr(c, attr) for c in rows.values()), default=0) or 1


def _month(day: dt.date) -> str:
    """The month's sort key, "2026-06"."""
    return f"{day.year}-{day.month:02d}"


def _month_label(key: str) -> str:
    """"2026-06" as the city's staff write it: 「2026年6月」."""
    year, month = key.split("-")
    return f"{year}年{int(month)}月"


def season_report(db: Session, record: SeasonRecord, today: dt.date) -> Report:
    bookings = list(db.scalars(select(Booking).where(Booking.season_id == record.id)))
    report = Report(title=record.title, today=today)
    months: dict[str, Counts] = {}

    def month(key: str) -> Counts:
        return months.setdefault(key, Counts())

    for b in bookings:
        # Bookings count in the month they were received, visits in the month of the visit.
        month(_month(b.received_on)).bookings += 1
        month(_month(b.visit_date)).add_visit(b)
        report.total.add_booking(b)
        report.towns.setdefault(b.town or NO_TOWN, Counts()).add_booking(b)
        report.age_bands.setdefault(booking_age_band(b), Counts()).add_booking(b)
        report.deleted += b.personal_data_deleted_on is not None
    for day in record.visit_days:
        if day.kind == "facility":
            month(_month(day.date)).facility_days += 1
            report.total.facility_days += 1
    days: set[dt.date] = set()
    facilities: set[int] = set()
    for visit in db.scalars(select(FacilityVisit).where(
            FacilityVisit.season_id == record.id, FacilityVisit.status == "visited")
            .order_by(FacilityVisit.visit_date, FacilityVisit.half)):
        for counts in (month(_month(visit.visit_date)), report.total):
            counts.facility_visited += 1
            counts.facility_applications += visit.applications_taken or 0
            counts.facility_visit_days += visit.visit_date not in days
            counts.facilities += visit.facility_id not in facilities
        days.add(visit.visit_date)
        facilities.add(visit.facility_id)
    for (received_on,) in db.execute(
            select(FacilityRequest.received_on).where(FacilityRequest.season_id == record.id)):
        month(_month(received_on)).facility_requests += 1
        report.total.facility_requests += 1
    for (visit_date,) in db.execute(select(FacilityVisit.visit_date).where(
            FacilityVisit.season_id == record.id, FacilityVisit.status == "cancelled",
            FacilityVisit.outcome_recorded_at.is_not(None))):
        month(_month(visit_date)).facility_cancelled_on_day += 1
        report.total.facility_cancelled_on_day += 1
    _add_facility_applicants(db, record.id, report)
    for (received_at,) in db.execute(
            select(CallRecord.received_at).where(CallRecord.season_id == record.id)):
        month(_month(local_date(received_at))).calls += 1
        report.total.calls += 1
    report.opinions = counts_by_source(db, record.id)
    report.months = {_month_label(key): counts for key, counts in sorted(months.items())}
    report.towns = dict(sorted(report.towns.items(), key=lambda kv: (-kv[1].bookings, kv[0])))
    order = [name for _, name in AGE_BANDS] + [UNKNOWN_AGE]
    report.age_bands = {k: report.age_bands[k] for k in order if k in report.age_bands}
    return report


def facility_age_date(facility: FacilityRequest) -> dt.date:
    """The day a facility's applicants' ages are taken on: its first visit that the team makes
    (as `purge_facility` stores the band), else its first booked day, else the day it was
    scheduled or received."""
    parts = shareable_parts(facility) or facility.visits
    return min((v.visit_date for v in parts),
               default=facility.scheduled_on or facility.received_on)


def _add_facility_applicants(db: Session, season_id: int, report: Report) -> None:
    """Facility applicants by age band, from the applicant lists (the stored band once the
    list's personal data are deleted); the rest are counted as of no known date of birth."""
    facilities = db.scalars(select(FacilityRequest).where(
        FacilityRequest.season_id == season_id, FacilityRequest.status != "withdrawn",
        FacilityRequest.home_booking_id.is_(None)))
    for facility in facilities:
        if facility.list_uploaded_at is None:
            report.facility_applicants_no_dob += sum(v.applicants
                                                     for v in shareable_parts(facility))
            continue
        on = facility_age_date(facility)
        for a in facility.applicants:
            band = a.age_band or (age_band(age_on(a.birth_date, on)) if a.birth_date else None)
            if band is None or band == UNKNOWN_AGE:
                report.facility_applicants_no_dob += 1
                continue
            report.age_bands.setdefault(band, Counts()).facility_applicants += 1
            report.total.facility_applicants += 1


def _sheet(book: Workbook, title: str, head: str, rows: Iterable[tuple[str, Counts]],
           columns: tuple[tuple[str, str], ...], total: Counts | None) -> None:
    sheet = book.create_sheet(title)
    sheet.append([head, *(label for _, label in columns)])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for key, counts in rows:
        sheet.append([key, *(getattr(counts, attr) for attr, _ in columns)])
    if total is not None:
        sheet.append(["合計", *(getattr(total, attr) for attr, _ in columns)])
        for cell in sheet[sheet.max_row]:
            cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 16


def report_xlsx(db: Session, record: SeasonRecord, report: Report) -> bytes:
    """The completion report workbook: summary, per month, per town, per age band, weekly
    calls (the same sheet as the operators' weekly export), the opinions (the same table as
    the managers' opinion export)."""
    book = Workbook()
    summary = book.active
    summary.title = "集計"
    summary.append([f"{report.title} 業務完了報告（{jp_date(report.today, year=True)}時点）"])
    summary["A1"].font = Font(bold=True)
    season = parse_config(record.config, record.name).season
    summary.append(["コールセンター開設期間",
                    f"{jp_date(season.booking_opens, year=True)}〜"
                    f"{jp_date(season.booking_closes, year=True)}"])
    summary.append(["出張申請受付の実施期間",
                    f"{jp_date(season.visits_from, year=True)}〜{jp_date(season.visits_to, year=True)}"])
    for attr, label in MONTH_COLUMNS:
        summary.append([label, getattr(report.total, attr)])
    summary.append(["個人情報削除済の予約", report.deleted])
    summary.append(["生年月日の分からない福祉施設の申請予定者", report.facility_applicants_no_dob])
    for source, label in OPINION_SOURCES.items():
        summary.append([f"御意見（{label}）", report.opinions[source]])
    summary.append([HOME_NOTE])
    summary.append([AGE_NOTE])
    summary.append([SEX_NOTE])
    summary.column_dimensions["A"].width = 24
    _sheet(book, "月別", "月", report.months.items(), MONTH_COLUMNS, report.total)
    _sheet(book, "町名別", "町名", report.towns.items(), COLUMNS, report.total)
    _sheet(book, "年齢階級別", "年齢階級（訪問日時点）", report.age_bands.items(), AGE_COLUMNS,
           report.total)
    ages = book["年齢階級別"]
    ages.append([report.no_dob_note])
    ages.append([AGE_NOTE])
    calls_data = weekly_counts_xlsx(record.title, weekly_counts(
        db, record.id, report_period(record, report.today)))
    weekly = load_workbook(io.BytesIO(calls_data)).active
    target = book.create_sheet("週別受電件数")
    for row in weekly.iter_rows(values_only=True):
        target.append(list(row))
    for cell in target["A"][2:] + target["B"][2:]:
        if isinstance(cell.value, dt.datetime | dt.date):
            cell.number_format = "yyyy-mm-dd"
    write_opinions(book.create_sheet(OPINIONS_SHEET), record.title,
                   list_opinions(db, record.id, "all"))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def bar_width(value: int, largest: int) -> float:
    """Percentage width of a CSS bar."""
    return round(100 * value / largest, 1) if largest else 0.0
