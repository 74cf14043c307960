"""Facility visits (issue 6): the call-back queue, scheduling rules, pre-meetings, checklist."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app.bookings.operations import Slot, active_bookings, reserve
from app.bookings.planning import booking_visit, season_problem, with_travel
from app.bookings.texts import reason_label
from app.dates import jp_date
from app.facilities import checklist, scheduling
from app.facilities.meetings import MeetingRefused, add_meeting, blocked_facility_days
from app.facilities.operations import (
    FacilityError,
    FacilityIntake,
    create_request,
    link_home_booking,
    record_callback,
    set_status,
)
from app.facilities.planning import all_facility_visits, planned_facilities
from app.seasons.operations import season_config
from solver.check import check_plan
from solver.plan_types import REASON_CODES, Plan
from solver.policy import NEAREST
from solver.season import SeasonConfig, Wish
from tests.app.test_bookings_reserve import INAHO, first_home_day, intake
from tests.conftest import make_user

TODAY = dt.date(2026, 6, 1)
RULES = SeasonConfig().rules


NO_WISH = Wish()


def facility_intake(applicants: int, name: str = "緑の丘ホーム", wish: Wish = NO_WISH,
                    premeeting: bool = False) -> FacilityIntake:
    return FacilityIntake(
        name=name, facility_type="tokuyo", facility_type_other=None,
        address="小樽市稲穂2丁目", lat=INAHO[0], lng=INAHO[1], town="稲穂",
        location_precision="chome", phone="0134-22-1111", contact_person="施設 担当",
        estimated_applicants=applicants, wish=wish, premeeting_requested=premeeting)


def make_facility(db, season, user, applicants: int, **kwargs):
    return create_request(db, season, facility_intake(applicants, **kwargs), user, TODAY)


def facility_days(season) -> list[dt.date]:
    return [d.date for d in season.visit_days if d.kind == "facility"]


@pytest.fixture
def manager(db):
    return make_user(db, "manager")


# --- queue --------------------------------------------------------------------------------


def test_intake_lands_in_the_queue_due_two_working_days_later(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    assert facility.status == "new"
    assert facility.callback_due == dt.date(2026, 6, 3)  # Mon -> Wed
    friday = create_request(db, season, facility_intake(8), manager, dt.date(2026, 6, 5))
    assert friday.callback_due == dt.date(2026, 6, 9)  # Fri -> Tue (weekend skipped)


def test_status_moves_only_along_the_allowed_paths(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    with pytest.raises(FacilityError):
        set_status(db, facility, "visited", manager, TODAY)
    record_callback(db, facility, manager, 14, Wish(), False, "施設長と話した")
    assert (facility.status, facility.estimated_applicants) == ("contacted", 14)
    with pytest.raises(FacilityError, match="理由"):
        set_status(db, facility, "withdrawn", manager, TODAY)
    set_status(db, facility, "withdrawn", manager, TODAY, "入所者の意向がまとまらない")
    assert facility.status == "withdrawn"
    assert [e.action for e in facility.events] == ["created", "contacted", "withdrawn"]


def test_intake_below_the_seasons_facility_minimum_is_sent_to_the_home_form(db, season,
                                                                           manager):
    below = RULES.facility_min_applicants - 1
    with pytest.raises(FacilityError, match=f"{below}名（{below}名以下）.*個人宅訪問の予約枠") as e:
        make_facility(db, season, manager, below)
    assert e.value.field == "estimated_applicants"
    assert make_facility(db, season, manager, RULES.facility_min_applicants).status == "new"
    # The season's own rule value counts, not the default.
    season.config = {**season.config,
                     "rules": {**season.config.get("rules", {}), "facility_min_applicants": 8}}
    db.flush()
    with pytest.raises(FacilityError, match="7名（7名以下）.*8名以上"):
        make_facility(db, season, manager, 7)
    assert make_facility(db, season, manager, 8).estimated_applicants == 8


def test_visited_waits_for_the_last_visit_day(db, season, manager):
    facility = make_facility(db, season, manager, 21)  # split over two half-days
    offers = scheduling.facility_offers(db, season, facility, TODAY).offers
    offer = next((o for o in offers if len({p.date for p in o.parts}) == 2), offers[0])
    parts = scheduling.schedule(db, season, facility, offer.key, manager, TODAY)
    first, last = min(p.visit_date for p in parts), max(p.visit_date for p in parts)
    for today in sorted({TODAY, first, last - dt.timedelta(days=1)} - {last}):
        with pytest.raises(FacilityError, match=re.escape(f"訪問日（{jp_date(last)}）より前")) as e:
            set_status(db, facility, "visited", manager, today)
        assert e.value.field == "status"
    assert facility.status == "scheduled"
    assert {v.status for v in facility.visits} == {"booked"}
    set_status(db, facility, "visited", manager, last, applications_taken=21, completed_on=last)
    assert facility.status == "visited"
    assert {v.status for v in facility.visits} == {"visited"}


def test_visited_through_a_home_booking_waits_for_its_day(db, season, manager):
    facility = make_facility(db, season, manager, RULES.facility_min_applicants)
    record_callback(db, facility, manager, 3, Wish(), False, "3名に減った")
    day = first_home_day(season, TODAY + dt.timedelta(days=RULES.home_lead_days))
    booking = reserve(db, season, intake(), Slot(day, "am", 1, 1), manager.id, today=TODAY)
    link_home_booking(db, season, facility, booking.receipt_no, manager)
    with pytest.raises(FacilityError, match=re.escape(f"訪問日（{jp_date(day)}）より前")):
        set_status(db, facility, "visited", manager, day - dt.timedelta(days=1))
    set_status(db, facility, "visited", manager, day, applications_taken=3, completed_on=day)
    assert facility.status == "visited"


# --- scheduling rules ---------------------------------------------------------------------


def test_five_applicants_go_the_home_path_six_get_facility_days(db, season, manager):
    # Intake refuses 5 (below); a request can still shrink to 5 on the call-back.
    five = make_facility(db, season, manager, RULES.facility_min_applicants)
    record_callback(db, five, manager, RULES.facility_min_applicants - 1, Wish(), False, "")
    offers = scheduling.facility_offers(db, season, five, TODAY)
    assert offers.home_path and offers.offers == []
    with pytest.raises(FacilityError, match="個人宅訪問の予約枠"):
        scheduling.schedule(db, season, five, "x", manager, TODAY)
    six = make_facility(db, season, manager, RULES.facility_min_applicants)
    offers = scheduling.facility_offers(db, season, six, TODAY)
    assert not offers.home_path and offers.offers
    days = set(facility_days(season))
    for offer in offers.offers:
        assert len(offer.parts) == 1 and offer.parts[0].applicants == 6
        assert offer.parts[0].date in days
        assert offer.parts[0].eta == ("10:00" if offer.parts[0].half == "am" else "14:00")


def test_twenty_is_one_half_day_twenty_one_is_split(db, season, manager):
    twenty = make_facility(db, season, manager, 20)
    assert {len(o.parts) for o in scheduling.facility_offers(db, season, twenty, TODAY).offers} == {1}
    big = make_facility(db, season, manager, 21)
    answer = scheduling.facility_offers(db, season, big, TODAY)
    assert answer.split == (11, 10)
    first = answer.offers[0]
    assert [p.applicants for p in first.parts] == [11, 10]
    assert len({(p.date, p.half) for p in first.parts}) == 2
    stored = scheduling.schedule(db, season, big, first.key, manager, TODAY)
    assert sorted(v.applicants for v in stored) == [10, 11]
    assert big.status == "scheduled" and big.scheduled_applicants == 21
    # the planner sees one facility request with both parts, and the whole plan checks
    problem, plan = _season_plan(db, season)
    request = problem.request_by_id[f"F{big.id}"]
    assert request.kind == "facility" and request.applicants == 21
    assert len([v for v in plan.visits if v.request == request.id]) == 2
    assert check_plan(problem, plan) == []


def _season_plan(db, season):
    bookings = active_bookings(db, season.id)
    facilities = planned_facilities(db, season.id)
    problem = season_problem(season_config(season), season.name, bookings,
                             facilities=facilities)
    visits = with_travel(problem, [booking_visit(b) for b in bookings]
                         + all_facility_visits(facilities))
    return problem, Plan(scenario=season.name, visit_days=problem.visit_days, visits=visits,
                         unassigned=())


def test_facility_lead_time_is_one_month(db, season, manager):
    facility = make_facility(db, season, manager, 8)
    day = facility_days(season)[0]
    lead = dt.timedelta(days=RULES.facility_lead_days)
    just_in_time = scheduling.facility_offers(db, season, facility, day - lead)
    assert day in {p.date for o in just_in_time.offers for p in o.parts}
    one_day_late = scheduling.facility_offers(db, season, facility, day - lead + dt.timedelta(days=1))
    assert one_day_late.earliest == day + dt.timedelta(days=1)
    assert all(p.date > day for o in one_day_late.offers for p in o.parts)
    expected = reason_label("lead_time", RULES, scheduling.FACILITY_REASON_LABELS)
    assert expected in dict(one_day_late.excluded)[day]


def test_one_facility_per_half_day(db, season, manager):
    first = make_facility(db, season, manager, 8, name="第一ホーム")
    taken = scheduling.facility_offers(db, season, first, TODAY).offers[0]
    scheduling.schedule(db, season, first, taken.key, manager, TODAY)
    second = make_facility(db, season, manager, 8, name="第二ホーム")
    answer = scheduling.facility_offers(db, season, second, TODAY)
    used = {(p.date, p.half) for p in taken.parts}
    assert all((p.date, p.half) not in used for o in answer.offers for p in o.parts)
    with pytest.raises(FacilityError, match="選び直して"):
        scheduling.schedule(db, season, second, taken.key, manager, TODAY)
    assert second.status == "new" and second.visits == []


def test_wish_window_limits_the_offers(db, season, manager):
    late = [d for d in facility_days(season) if d >= dt.date(2026, 9, 1)]
    wish = Wish(date_from=late[0], date_to=late[1])
    facility = make_facility(db, season, manager, 8, wish=wish)
    answer = scheduling.facility_offers(db, season, facility, TODAY)
    assert answer.offers
    assert all(late[0] <= p.date <= late[1] for o in answer.offers for p in o.parts)


def test_home_reservations_are_checked_with_facility_visits_in_the_plan(db, season, manager):
    facility = make_facility(db, season, manager, 25)
    offer = scheduling.facility_offers(db, season, facility, TODAY).offers[0]
    scheduling.schedule(db, season, facility, offer.key, manager, TODAY)
    day = first_home_day(season, TODAY + dt.timedelta(days=14))
    booking = reserve(db, season, intake(), Slot(day, "am", 1, 1), manager.id, today=TODAY)
    assert booking.receipt_no == 1
    problem, plan = _season_plan(db, season)
    assert {r.kind for r in problem.requests} == {"home", "facility"}
    assert check_plan(problem, plan) == []


def test_unschedule_frees_the_half_day(db, season, manager):
    facility = make_facility(db, season, manager, 8)
    offer = scheduling.facility_offers(db, season, facility, TODAY).offers[0]
    scheduling.schedule(db, season, facility, offer.key, manager, TODAY)
    scheduling.unschedule(db, facility, "施設の都合で延期", manager)
    assert facility.status == "contacted"
    assert planned_facilities(db, season.id) == []
    again = scheduling.facility_offers(db, season, facility, TODAY)
    assert offer.key in {o.key for o in again.offers}


# --- pre-meetings -------------------------------------------------------------------------


def _non_visit_weekday(season, after: dt.date) -> dt.date:
    visit = {d.date for d in season.visit_days}
    day = after
    while day.weekday() >= 5 or day in visit or day == dt.date(2026, 7, 20):
        day += dt.timedelta(days=1)
    return day


def test_meeting_on_a_non_visit_weekday(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    day = _non_visit_weekday(season, dt.date(2026, 6, 8))
    meeting = add_meeting(db, season, facility, day, "am", "10:30", None, manager, TODAY)
    assert meeting.status == "planned"
    with pytest.raises(MeetingRefused, match="別の打合せ"):
        other = make_facility(db, season, manager, 10, name="別ホーム")
        add_meeting(db, season, other, day, "am", None, None, manager, TODAY)


@pytest.mark.parametrize(("half", "typed", "expected"), [
    ("am", "abc", "打合せの時刻は 10:30 のように「時:分」で入力してください（入力値: abc）。"),
    ("am", "午前", "「時:分」で入力してください（入力値: 午前）。"),
    ("am", "25:00", "「時:分」で入力してください（入力値: 25:00）。"),
    ("am", "7:30", "打合せの時刻は 09:00〜17:00 の間で入力してください（入力値: 07:30）。"),
    ("am", "13:00", "打合せの時刻は午前なので12:00より前で入力してください（入力値: 13:00）。"),
    ("pm", "10:30", "打合せの時刻は午後なので12:00以降で入力してください（入力値: 10:30）。"),
])
def test_meeting_time_must_be_a_time_of_its_half_day(db, season, manager, half, typed,
                                                     expected):
    facility = make_facility(db, season, manager, 12)
    day = _non_visit_weekday(season, dt.date(2026, 6, 8))
    with pytest.raises(MeetingRefused) as refused:
        add_meeting(db, season, facility, day, half, typed, None, manager, TODAY)
    assert refused.value.field == "time"
    assert any(expected in reason for reason in refused.value.reasons), refused.value.reasons
    assert facility.meetings == []


def test_meeting_time_is_stored_as_hh_mm(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    day = _non_visit_weekday(season, dt.date(2026, 6, 8))
    assert add_meeting(db, season, facility, day, "pm", "１４：３０", None, manager,
                       TODAY).time == "14:30"
    assert add_meeting(db, season, facility, day, "am", " 9:00 ", None, manager,
                       TODAY).time == "09:00"


@pytest.mark.parametrize("case", ["home_day", "weekend", "holiday", "past"])
def test_meeting_refused_with_a_clear_reason(db, season, manager, case):
    facility = make_facility(db, season, manager, 12)
    day, expected = {
        "home_day": (first_home_day(season, TODAY), "個人宅訪問日"),
        "weekend": (dt.date(2026, 6, 6), "土曜日・日曜日"),
        "holiday": (dt.date(2026, 7, 20), "祝日（海の日）"),
        "past": (dt.date(2026, 5, 29), "過去の日付"),
    }[case]
    with pytest.raises(MeetingRefused) as refused:
        add_meeting(db, season, facility, day, "pm", None, None, manager, TODAY)
    assert any(expected in reason for reason in refused.value.reasons), refused.value.reasons
    assert facility.meetings == []


def test_meeting_refused_on_a_booked_facility_day_and_after_the_visit(db, season, manager):
    booked = make_facility(db, season, manager, 8, name="予約済ホーム")
    offer = scheduling.facility_offers(db, season, booked, TODAY).offers[0]
    scheduling.schedule(db, season, booked, offer.key, manager, TODAY)
    visit_day = offer.parts[0].date
    other = make_facility(db, season, manager, 12, name="打合せホーム")
    other_half = "pm" if offer.parts[0].half == "am" else "am"
    with pytest.raises(MeetingRefused, match="既に訪問予約（予約済ホーム）"):
        add_meeting(db, season, other, visit_day, other_half, None, None, manager, TODAY)
    after = _non_visit_weekday(season, visit_day + dt.timedelta(days=1))
    with pytest.raises(MeetingRefused, match="訪問日.*より前"):
        add_meeting(db, season, booked, after, "am", None, None, manager, TODAY)


def test_meeting_on_a_free_facility_day_blocks_it_for_facility_offers(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    free_day = [d for d in facility_days(season) if d > TODAY + dt.timedelta(days=40)][0]
    add_meeting(db, season, facility, free_day, "am", None, None, manager, TODAY)
    assert blocked_facility_days(db, season) == {free_day}
    other = make_facility(db, season, manager, 8, name="別ホーム")
    answer = scheduling.facility_offers(db, season, other, TODAY)
    assert all(p.date != free_day for o in answer.offers for p in o.parts)
    assert "事前打合せが入っています" in dict(answer.excluded)[free_day]


# --- what does not fit: the nearest places and the other half's reason ------------------


def later_facility_days(season) -> list[dt.date]:
    """Facility days well past the one-month lead time from TODAY."""
    return [d for d in facility_days(season) if d > TODAY + dt.timedelta(days=40)]


def take_half_days(db, season, manager, day: dt.date, halves=("am", "pm")) -> None:
    """Other facilities are scheduled on `day`'s facility half-days."""
    for half in halves:
        other = make_facility(db, season, manager, 8, name=f"先約ホーム{half}")
        scheduling.schedule(db, season, other, f"{day.isoformat()}|{half}|1|8", manager, TODAY)


FULL = reason_label("facility_capacity", RULES, scheduling.FACILITY_REASON_LABELS)


def test_every_reason_code_has_a_facility_sentence():
    for code in (*REASON_CODES, "meeting"):
        sentence = reason_label(code, RULES, scheduling.FACILITY_REASON_LABELS)
        assert sentence != code and "{" not in sentence, code
    assert "福祉施設" in FULL
    assert str(RULES.facility_lead_days) in reason_label(
        "lead_time", RULES, scheduling.FACILITY_REASON_LABELS)


def test_a_wish_with_no_free_facility_half_day_names_the_nearest_places(db, season, manager):
    days = later_facility_days(season)
    day = days[1]
    take_half_days(db, season, manager, day)
    facility = make_facility(db, season, manager, 8, wish=Wish(date_from=day, date_to=day))
    answer = scheduling.facility_offers(db, season, facility, TODAY)
    assert answer.offers == [] and answer.half_reasons == []
    assert answer.excluded == [(day, [FULL])]
    assert answer.reason_rows == [(day, None, [FULL])]
    starts = [o.parts[0] for o in answer.nearest]
    assert 1 <= len(starts) <= NEAREST
    assert all(p.date != day for o in answer.nearest for p in o.parts)
    # closest to the wished day first, beginning with a neighbouring facility day
    distance = [abs((p.date - day).days) for p in starts]
    assert distance == sorted(distance)
    assert distance[0] == min(abs((d - day).days) for d in (days[0], days[2]))
    assert answer.nearest_after == all(p.date > day for p in starts)
    # the nearest places are not bookable until the facility widens the period
    with pytest.raises(FacilityError, match="選び直して"):
        scheduling.schedule(db, season, facility, answer.nearest[0].key, manager, TODAY)


def test_a_split_visit_names_every_part_of_its_nearest_places(db, season, manager):
    day = later_facility_days(season)[1]
    take_half_days(db, season, manager, day)
    big = RULES.facility_max_per_half_day + 1
    facility = make_facility(db, season, manager, big, wish=Wish(date_from=day, date_to=day))
    answer = scheduling.facility_offers(db, season, facility, TODAY)
    assert answer.offers == [] and answer.nearest
    for place in answer.nearest:
        assert [p.applicants for p in place.parts] == list(answer.split)
        assert all(p.date != day for p in place.parts)


def test_a_day_offered_in_one_half_says_why_not_the_other(db, season, manager):
    day = later_facility_days(season)[1]
    take_half_days(db, season, manager, day, halves=("am",))
    facility = make_facility(db, season, manager, 8, wish=Wish(date_from=day, date_to=day))
    answer = scheduling.facility_offers(db, season, facility, TODAY)
    assert [(p.date, p.half) for o in answer.offers for p in o.parts] == [(day, "pm")]
    assert [(h.date, h.half, h.codes, h.labels) for h in answer.half_reasons] == [
        (day, "am", ("facility_capacity",), [FULL])]
    assert answer.reason_rows == [(day, "am", [FULL])]
    assert answer.excluded == [] and answer.nearest == []


def test_a_free_wish_has_no_nearest_places_nor_half_reasons(db, season, manager):
    day = later_facility_days(season)[1]
    facility = make_facility(db, season, manager, 8, wish=Wish(date_from=day, date_to=day))
    answer = scheduling.facility_offers(db, season, facility, TODAY)
    assert {(p.date, p.half) for o in answer.offers for p in o.parts} == {(day, "am"),
                                                                          (day, "pm")}
    assert answer.nearest == [] and answer.half_reasons == [] and answer.reason_rows == []


# --- checklist ----------------------------------------------------------------------------


def test_checklist_records_who_confirmed_what(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    saved = checklist.save(db, facility, {"procedure": "b", "power": "食堂のコンセント2口",
                                           "custody": ""}, manager)
    assert saved == ["手順・動線・タイムスケジュール", "申請書の記入場所・電源の借用"]
    rows = {r.item.key: r for r in checklist.rows(facility)}
    assert rows["procedure"].value_label.startswith("b:")
    assert rows["procedure"].confirmed_by == manager.display_name
    assert not rows["custody"].done
    assert checklist.save(db, facility, {"procedure": "b"}, manager) == []
    with pytest.raises(ValueError, match="選択肢"):
        checklist.save(db, facility, {"procedure": "z"}, manager)
    tasks = checklist.team_tasks(facility)
    assert "申請書の記入場所・電源の借用: 食堂のコンセント2口" in tasks
    assert "入所者のマイナンバーカードの管理方法: （未確認）" in tasks


def test_intake_notes_speak_of_weekday_wishes_only_when_some_were_given(db, season, manager):
    """A facility that named no weekday or half-day must not be told that none matches."""
    late = [d for d in facility_days(season) if d >= dt.date(2026, 9, 1)]
    plain = make_facility(db, season, manager, 8, wish=Wish(date_from=late[0], date_to=late[1]))
    outlook = scheduling.facility_offers(db, season, plain, TODAY)
    assert outlook.offers and not outlook.soft_wish
    assert not any("曜日・時間帯" in n for n in scheduling.intake_notes(outlook))
    not_friday = [d for d in late if d.weekday() != 4]
    assert not_friday
    picky = make_facility(db, season, manager, 8, name="金曜ホーム",
                          wish=Wish(date_from=not_friday[0], date_to=not_friday[0], weekdays=(4,)))
    outlook = scheduling.facility_offers(db, season, picky, TODAY)
    assert outlook.offers and outlook.soft_wish and not outlook.offers[0].meets_wishes
    assert any("曜日・時間帯" in n for n in scheduling.intake_notes(outlook))


# --- the manager's to-do --------------------------------------------------------------------


def _todo(facility, today):
    from app.facilities.todo import todos

    return {t.key: t for t in todos(facility, RULES, today)}


def test_todo_follows_the_request_from_call_back_to_outcome(db, season, manager):
    day = later_facility_days(season)[0]
    facility = make_facility(db, season, manager, 12, wish=Wish(date_from=day, date_to=day))
    steps = _todo(facility, TODAY)
    assert list(steps) == ["callback", "schedule", "meeting", "checklist"]
    assert steps["callback"].due == facility.callback_due and not steps["callback"].late
    assert steps["schedule"].due == day - dt.timedelta(days=RULES.facility_lead_days)
    assert _todo(facility, facility.callback_due + dt.timedelta(days=1))["callback"].late
    assert f"未確認 {len(checklist.ITEMS)}/{len(checklist.ITEMS)}" in steps["checklist"].label

    scheduling.schedule(db, season, facility, f"{day.isoformat()}|am|1|12", manager, TODAY)
    checklist.save(db, facility, {"premeeting": "not_needed"}, manager)
    steps = _todo(facility, TODAY)
    assert list(steps) == ["checklist", "list"]  # the checklist says no meeting is needed
    assert steps["list"].due == day - dt.timedelta(days=7) and not steps["list"].late
    assert steps["checklist"].due == day - dt.timedelta(days=1)
    assert _todo(facility, day - dt.timedelta(days=6))["list"].late
    on_the_day = _todo(facility, day)
    assert on_the_day["checklist"].late and "outcome" in on_the_day
    after = _todo(facility, day + dt.timedelta(days=1))
    assert "checklist" not in after and after["outcome"].late  # nothing to prepare any more


def test_todo_asks_for_the_meeting_of_ten_or_more(db, season, manager):
    small = make_facility(db, season, manager, 8)
    big = make_facility(db, season, manager, 10, name="大きなホーム")
    assert "meeting" not in _todo(small, TODAY) and "meeting" in _todo(big, TODAY)
    add_meeting(db, season, big, _non_visit_weekday(season, TODAY), "am", None, None, manager,
                TODAY)
    assert "meeting" not in _todo(big, TODAY)
    set_status(db, big, "withdrawn", manager, TODAY, "中止")
    assert _todo(big, TODAY) == {}


def test_meeting_refusal_names_the_day_and_the_time_together(db, season, manager):
    facility = make_facility(db, season, manager, 12)
    with pytest.raises(MeetingRefused) as refused:
        add_meeting(db, season, facility, dt.date(2026, 6, 6), "am", "25:00", None, manager,
                    TODAY)
    problems = refused.value.by_field
    assert set(problems) == {"date", "time"}
    assert any("土曜日・日曜日" in r for r in problems["date"])
    assert problems["time"] == ["打合せの時刻は 10:30 のように「時:分」で入力してください（入力値: 25:00）。"]
    assert facility.meetings == []
