"""A facility marked 訪問済 by hand on its page (app/facilities/operations.py::set_status,
the `facilities.set_status` view) records the result the route sheet would: the applications
taken and the completion date, so the reports count it.

Facility half-days get the total shared out (`split_applications`); a facility of 5 or fewer
booked into a home slot gets the result on that booking, as the route sheet records it."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.bookings.models import Booking
from app.bookings.operations import Slot, reserve
from app.dates import jp_date
from app.facilities import scheduling
from app.facilities.models import FacilityRequest, FacilityVisit
from app.facilities.operations import (
    FacilityError,
    link_home_booking,
    record_callback,
    set_status,
    split_applications,
)
from app.privacy.models import HandlingLogEntry
from app.reports.summary import season_report
from app.routesheets.outcomes import (
    record_facility_outcome,
    record_outcome,
    record_route_sheet_outcome,
)
from solver.season import SeasonConfig, Wish
from tests.app.test_bookings_reserve import first_home_day, intake
from tests.app.test_facilities import TODAY, make_facility
from tests.conftest import make_user

RULES = SeasonConfig().rules


@pytest.fixture
def manager(db):
    return make_user(db, "manager", "manager_by_hand")


def scheduled(db, season, user, applicants: int, parts: int = 1) -> FacilityRequest:
    """A facility booked on facility days, in `parts` half-days (the first such offer)."""
    facility = make_facility(db, season, user, applicants)
    offers = scheduling.facility_offers(db, season, facility, TODAY).offers
    offer = next(o for o in offers if len(o.parts) == parts)
    scheduling.schedule(db, season, facility, offer.key, user, TODAY)
    db.flush()
    return facility


def home_booked(db, season, user) -> tuple[FacilityRequest, Booking]:
    """A facility that shrank to 5 or fewer on the call-back and was booked into a home slot."""
    facility = make_facility(db, season, user, RULES.facility_min_applicants)
    record_callback(db, facility, user, RULES.facility_min_applicants - 1, Wish(), False, "")
    day = first_home_day(season, TODAY + dt.timedelta(days=RULES.home_lead_days))
    booking = reserve(db, season, intake(applicants=RULES.facility_min_applicants - 1),
                      Slot(day, "am", 1, 1), user.id, today=TODAY)
    link_home_booking(db, season, facility, booking.receipt_no, user)
    return facility, booking


def last_day(facility: FacilityRequest) -> dt.date:
    return max(v.visit_date for v in facility.visits)


def assert_untouched(facility: FacilityRequest) -> None:
    assert facility.status == "scheduled"
    assert {(v.status, v.applications_taken, v.visit_completed_on, v.outcome_recorded_at)
            for v in facility.visits} == {("booked", None, None, None)}


# --- allowed ------------------------------------------------------------------------------


def test_one_half_day_records_the_count_and_completion_date(db, season, manager):
    facility = scheduled(db, season, manager, 8)
    day = last_day(facility)
    later = day + dt.timedelta(days=3)  # the manager records it a few days afterwards
    set_status(db, facility, "visited", manager, later, "施設長から電話で報告",
               applications_taken=7, completed_on=day + dt.timedelta(days=1))
    (visit,) = facility.visits
    assert facility.status == "visited"
    assert (visit.status, visit.applications_taken, visit.visit_completed_on) == (
        "visited", 7, day + dt.timedelta(days=1))
    assert visit.outcome_recorded_by == manager.id and visit.outcome_recorded_at is not None
    event = facility.events[-1]
    assert event.action == "visited"
    assert event.note == (f"申請受付 7件、訪問完了日 {(day + dt.timedelta(days=1)).isoformat()}"
                          "／施設長から電話で報告")
    entry = db.query(HandlingLogEntry).order_by(HandlingLogEntry.id.desc()).first()
    assert (entry.action, entry.record_type, entry.record_id) == (
        "change", "facility_visit", str(visit.id))


def test_zero_applications_and_walk_ins_up_to_the_route_sheets_limit(db, season, manager):
    facility = scheduled(db, season, manager, 8)
    day = last_day(facility)
    # The route sheet takes up to max(the part's applicants, 20) for a half-day.
    with pytest.raises(FacilityError, match="申請受付件数は0〜20の数字") as refused:
        set_status(db, facility, "visited", manager, day, applications_taken=21,
                   completed_on=day)
    assert refused.value.field == "applications_taken"
    set_status(db, facility, "visited", manager, day, applications_taken=0, completed_on=day)
    assert [v.applications_taken for v in facility.visits] == [0]


def test_a_facility_over_several_half_days_shares_the_total_out(db, season, manager):
    facility = scheduled(db, season, manager, 24, parts=2)
    assert [v.applicants for v in facility.visits] == [12, 12]
    day = last_day(facility)
    set_status(db, facility, "visited", manager, day, applications_taken=30, completed_on=day)
    assert [(v.status, v.applications_taken, v.visit_completed_on) for v in facility.visits] == [
        ("visited", 18, day), ("visited", 12, day)]
    first, second = facility.visits
    assert re.search(r"申請受付 30件（.+ 18件・.+ 12件）", facility.events[-1].note)
    # Each share is one the route sheet accepts, so a part can be corrected there.
    record_facility_outcome(db, first, "visited", 16, "", manager, day)
    assert (first.applications_taken, facility.status) == (16, "visited")


def test_parts_already_recorded_on_the_route_sheet_keep_their_result(db, season, manager):
    facility = scheduled(db, season, manager, 24, parts=2)
    first, second = facility.visits
    record_facility_outcome(db, first, "visited", 11, "", manager, first.visit_date)
    day = second.visit_date
    with pytest.raises(FacilityError, match="0〜20の数字"):  # only the second part is open
        set_status(db, facility, "visited", manager, day, applications_taken=25,
                   completed_on=day)
    set_status(db, facility, "visited", manager, day, applications_taken=9, completed_on=day)
    assert [(v.applications_taken, v.visit_completed_on) for v in facility.visits] == [
        (11, first.visit_date), (9, day)]


@pytest.mark.parametrize(("total", "shares"), [
    (0, [0, 0]), (5, [5, 0]), (12, [12, 0]), (13, [12, 1]), (24, [12, 12]), (32, [20, 12]),
    (40, [20, 20]),
])
def test_split_fills_each_part_to_its_applicants_then_to_its_limit(total, shares):
    parts = [FacilityVisit(applicants=12), FacilityVisit(applicants=12)]
    assert split_applications(total, parts) == shares


def test_split_refuses_more_than_the_parts_take():
    with pytest.raises(ValueError):
        split_applications(41, [FacilityVisit(applicants=12), FacilityVisit(applicants=12)])


# --- refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(("taken", "field", "message"), [
    (None, "applications_taken", "訪問済の場合は申請受付件数を入力してください。"),
    (-1, "applications_taken", "申請受付件数は0〜20の数字で入力してください。"),
    (21, "applications_taken", "申請受付件数は0〜20の数字で入力してください。"),
])
def test_a_missing_or_out_of_range_count_is_refused_on_its_field(db, season, manager, taken,
                                                                  field, message):
    facility = scheduled(db, season, manager, 8)
    day = last_day(facility)
    with pytest.raises(FacilityError) as refused:
        set_status(db, facility, "visited", manager, day, applications_taken=taken,
                   completed_on=day)
    assert (refused.value.field, refused.value.message) == (field, message)
    assert_untouched(facility)


def test_a_completion_date_missing_before_the_visit_or_in_the_future_is_refused(db, season,
                                                                                manager):
    facility = scheduled(db, season, manager, 8)
    day = last_day(facility)
    today = day + dt.timedelta(days=2)
    cases = [
        (None, "訪問済の場合は訪問完了日を入力してください。"),
        (day - dt.timedelta(days=1), f"最後の訪問日（{jp_date(day)}）より前の日付は入力できません"
                                     f"（入力値: {jp_date(day - dt.timedelta(days=1), year=True)}）。"),
        (today + dt.timedelta(days=1), f"今日（{jp_date(today)}）より後の日付は入力できません"
                                       f"（入力値: {jp_date(today + dt.timedelta(days=1), year=True)}）。"),
    ]
    for completed_on, message in cases:
        with pytest.raises(FacilityError) as refused:
            set_status(db, facility, "visited", manager, today, applications_taken=5,
                       completed_on=completed_on)
        assert (refused.value.field, refused.value.message) == ("completed_on", message)
    assert_untouched(facility)


def test_before_the_visit_day_the_status_is_refused(db, season, manager):
    facility = scheduled(db, season, manager, 8)
    day = last_day(facility)
    with pytest.raises(FacilityError, match=re.escape(f"訪問日（{jp_date(day)}）より前")) as refused:
        set_status(db, facility, "visited", manager, day - dt.timedelta(days=1),
                   applications_taken=5, completed_on=day - dt.timedelta(days=1))
    assert refused.value.field == "status"
    assert_untouched(facility)


def test_a_facility_cancelled_on_the_day_on_the_route_sheet_is_refused(db, season, manager):
    facility = scheduled(db, season, manager, 8)
    (visit,) = facility.visits
    record_facility_outcome(db, visit, "cancelled", None, "", manager, visit.visit_date)
    assert facility.status == "scheduled"
    with pytest.raises(FacilityError, match="ルート表の訪問結果を訂正") as refused:
        set_status(db, facility, "visited", manager, visit.visit_date, applications_taken=3,
                   completed_on=visit.visit_date)
    assert refused.value.field == "status"
    assert (facility.status, visit.status, visit.applications_taken) == (
        "scheduled", "cancelled", 0)


def test_other_statuses_ignore_the_result_fields(db, season, manager):
    facility = scheduled(db, season, manager, 8)
    set_status(db, facility, "withdrawn", manager, TODAY, "中止", applications_taken=99,
               completed_on=dt.date(2030, 1, 1))
    assert facility.status == "withdrawn"
    assert [(v.status, v.applications_taken) for v in facility.visits] == [("cancelled", None)]


# --- a home booking (5 or fewer) ----------------------------------------------------------


def test_a_home_booked_facility_records_the_result_on_its_booking(db, season, manager):
    facility, booking = home_booked(db, season, manager)
    day = booking.visit_date
    with pytest.raises(FacilityError) as refused:  # the home route sheet's limit
        set_status(db, facility, "visited", manager, day, applications_taken=21,
                   completed_on=day)
    assert (refused.value.field, booking.status) == ("applications_taken", "booked")
    set_status(db, facility, "visited", manager, day + dt.timedelta(days=1),
               applications_taken=4, completed_on=day + dt.timedelta(days=1))
    assert facility.status == "visited" and facility.visits == []
    assert (booking.status, booking.applications_taken, booking.visit_completed_on) == (
        "visited", 4, day + dt.timedelta(days=1))
    assert booking.outcome_recorded_by == manager.id
    assert [e.action for e in booking.history][-1] == "outcome"
    assert f"受付番号 {booking.receipt_no}" in facility.events[-1].note


def test_a_home_booking_recorded_on_the_route_sheet_is_corrected_not_added(db, season,
                                                                           manager):
    facility, booking = home_booked(db, season, manager)
    day = booking.visit_date
    record_outcome(db, booking, "visited", 2, "", manager, day)
    before = season_report(db, season, day).total.applications
    set_status(db, facility, "visited", manager, day, applications_taken=3, completed_on=day)
    assert (booking.applications_taken, [e.action for e in booking.history][-1]) == (
        3, "outcome_fixed")
    assert season_report(db, season, day).total.applications == before + 1


def test_the_route_sheet_closes_a_facility_booked_into_a_home_slot(db, season, manager):
    facility, booking = home_booked(db, season, manager)
    day = booking.visit_date
    record_route_sheet_outcome(db, booking, "visited", 3, "", manager, day)
    assert (facility.status, facility.events[-1].action) == ("visited", "visited")
    assert f"受付番号 {booking.receipt_no}" in facility.events[-1].note


def test_a_route_sheet_correction_reopens_the_facility(db, season, manager):
    facility, booking = home_booked(db, season, manager)
    day = booking.visit_date
    record_route_sheet_outcome(db, booking, "visited", 3, "", manager, day)
    record_route_sheet_outcome(db, booking, "not_home", None, "", manager, day)
    assert (facility.status, facility.events[-1].action) == ("scheduled", "outcome_fixed")


def test_a_route_sheet_result_leaves_other_bookings_facilities_alone(db, season, manager):
    facility, _booking = home_booked(db, season, manager)
    other = reserve(db, season, intake(), Slot(_booking.visit_date, "pm", 1, 1), manager.id,
                    today=TODAY)
    record_route_sheet_outcome(db, other, "visited", 1, "", manager, other.visit_date)
    assert facility.status == "scheduled"


def test_a_home_booking_cancelled_beforehand_is_refused(db, season, manager):
    facility, booking = home_booked(db, season, manager)
    booking.status = "cancelled"
    db.flush()
    with pytest.raises(FacilityError, match="訪問日より前に取り消されて") as refused:
        set_status(db, facility, "visited", manager, booking.visit_date, applications_taken=1,
                   completed_on=booking.visit_date)
    assert (refused.value.field, facility.status) == ("status", "scheduled")


# --- the reports ----------------------------------------------------------------------------


def test_the_report_counts_applications_of_a_facility_marked_by_hand(db, season, manager):
    facility = scheduled(db, season, manager, 24, parts=2)
    day = last_day(facility)
    before = season_report(db, season, day).total
    applications, half_days = before.facility_applications, before.facility_visited
    set_status(db, facility, "visited", manager, day, applications_taken=23, completed_on=day)
    after = season_report(db, season, day).total
    assert after.facility_applications == applications + 23
    assert after.facility_visited == half_days + 2


def test_the_report_counts_a_home_booked_facility_marked_by_hand(db, season, manager):
    facility, booking = home_booked(db, season, manager)
    day = booking.visit_date
    before = season_report(db, season, day).total
    set_status(db, facility, "visited", manager, day, applications_taken=4, completed_on=day)
    after = season_report(db, season, day).total
    assert (after.applications, after.visited) == (before.applications + 4, before.visited + 1)


# --- the page -----------------------------------------------------------------------------


def _page_facility(db, season, app, applicants: int = 8) -> FacilityRequest:
    facility = scheduled(db, season, make_user(db, "operator", "op_by_hand"), applicants)
    db.commit()
    app.config["APP_TODAY"] = last_day(facility) + dt.timedelta(days=1)
    return facility


def test_the_page_asks_for_the_result_with_today_as_the_completion_date(app, manager_client,
                                                                         db, season):
    facility = _page_facility(db, season, app)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    today = app.config["APP_TODAY"].isoformat()
    assert 'id="visited-fields"' in page
    assert re.search(rf'name="completed_on" type="date" value="{today}"', page)
    assert 'name="applications_taken"' in page and "（0〜20件）" in page


def test_the_page_marks_visited_and_the_report_counts_it(app, manager_client, db, season):
    facility = _page_facility(db, season, app)
    before = season_report(db, season, app.config["APP_TODAY"]).total.facility_applications
    url = f"/manager/facilities/{facility.id}/status"
    done = manager_client.post_form(url, {"status": "visited", "applications_taken": "６",
                                          "completed_on": last_day(facility).isoformat()})
    assert done.status_code == 302
    page = manager_client.get(done.headers["Location"]).get_data(as_text=True)
    assert (f"状態を「訪問済」にしました（申請受付 6件、訪問完了日 "
            f"{last_day(facility).isoformat()}）。") in page
    db.expire_all()
    after = season_report(db, season, app.config["APP_TODAY"]).total.facility_applications
    assert after == before + 6


@pytest.mark.parametrize(("form", "shown", "kept"), [
    ({"applications_taken": ""}, "訪問済の場合は申請受付件数を入力してください。",
     'name="applications_taken" type="number" value=""'),
    ({"applications_taken": "abc"}, "申請受付件数は数字で入力してください。",
     'value="abc"'),
    ({"applications_taken": "99"}, "申請受付件数は0〜20の数字で入力してください。",
     'value="99"'),
    ({"applications_taken": "5", "completed_on": "2099-01-01"},
     "訪問完了日: 今日（{today}）より後の日付は入力できません（入力値: 2099年1月1日（木））。",
     'value="2099-01-01"'),
    ({"applications_taken": "5", "completed_on": ""},
     "訪問済の場合は訪問完了日を入力してください。", 'value="5"'),
    ({"applications_taken": "5", "completed_on": "2026-02-30"},
     "訪問完了日: 日付の形式が正しくありません", 'value="2026-02-30"'),
])
def test_a_bad_value_is_shown_on_its_field_and_the_input_is_kept(app, manager_client, db,
                                                                   season, form, shown, kept):
    facility = _page_facility(db, season, app)
    response = manager_client.post_form(f"/manager/facilities/{facility.id}/status",
                                         {"status": "visited", "note": "電話で報告", **form})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert shown.format(today=jp_date(app.config["APP_TODAY"])) in page
    assert kept in page
    assert '<option value="visited" selected>' in page and "電話で報告</textarea>" in page
    db.expire_all()
    assert_untouched(db.get(FacilityRequest, facility.id))


def test_the_page_ignores_the_result_fields_when_withdrawing(app, manager_client, db, season):
    facility = _page_facility(db, season, app)
    response = manager_client.post_form(
        f"/manager/facilities/{facility.id}/status",
        {"status": "withdrawn", "note": "中止", "applications_taken": "abc",
         "completed_on": "x"})
    assert response.status_code == 302
    db.expire_all()
    assert db.get(FacilityRequest, facility.id).status == "withdrawn"


def test_the_page_fills_in_the_count_the_route_sheet_recorded_on_a_home_booking(
        app, manager_client, db, season):
    user = make_user(db, "operator", "op_by_hand")
    facility, booking = home_booked(db, season, user)
    record_outcome(db, booking, "visited", 3, "", user, booking.visit_date)
    db.commit()
    app.config["APP_TODAY"] = booking.visit_date
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert re.search(r'name="applications_taken" type="number" value="3"', page)
    assert f"個人宅枠の予約（受付番号 {booking.receipt_no}" in page
    assert "ルート表で記録済みの結果（訪問済 3件）はこの内容に訂正されます。" in page


def _status_select(page: str) -> str:
    return re.search(r'<select name="status" id="status-select">(.*?)</select>', page,
                     re.S).group(1)


def test_the_status_select_offers_visited_only_from_the_last_visit_day_and_preselects_nothing(
        app, manager_client, db, season):
    facility = _page_facility(db, season, app)
    last = last_day(facility)
    url = f"/manager/facilities/{facility.id}"
    app.config["APP_TODAY"] = last - dt.timedelta(days=20)
    page = manager_client.get(url).get_data(as_text=True)
    options = _status_select(page)
    assert '<option value="" selected>選んでください</option>' in options
    assert 'value="visited"' not in options and 'id="visited-fields"' not in page
    assert '<option value="withdrawn">取り下げ</option>' in options
    assert f"「訪問済」は最後の訪問日（{jp_date(last)}）から選べます。" in page
    # the server still refuses it, and a status left unchosen is named
    early = manager_client.post_form(f"{url}/status", {"status": "visited",
                                                       "applications_taken": "3",
                                                       "completed_on": last.isoformat()})
    assert early.status_code == 422
    assert f"訪問日（{jp_date(last)}）より前には結果を記録できません。" in early.get_data(
        as_text=True)
    unchosen = manager_client.post_form(f"{url}/status", {"status": "", "note": "メモ"})
    assert unchosen.status_code == 422
    assert "状態を選んでください。" in unchosen.get_data(as_text=True)
    db.expire_all()
    assert_untouched(db.get(FacilityRequest, facility.id))
    app.config["APP_TODAY"] = last
    options = _status_select(manager_client.get(url).get_data(as_text=True))
    assert '<option value="" selected>選んでください</option>' in options
    assert '<option value="visited">訪問済</option>' in options
