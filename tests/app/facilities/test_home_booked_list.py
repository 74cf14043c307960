"""The applicant list of a facility of 5 or fewer booked into a home slot (004 §2 イ/オ,
§9(2)ウ): the linked booking's day is its visit day for the list's due date, status and
to-do steps, and its list travels in the hand-over package with the booking's slip."""

from __future__ import annotations

import datetime as dt
import io

import pytest
import pyzipper

from app.facilities import applicant_list as al
from app.facilities import scheduling
from app.facilities.operations import store_applicant_list
from app.facilities.todo import todos
from app.privacy import deletion, handover
from solver.season import SeasonConfig
from tests.app.facilities.test_mark_visited import home_booked
from tests.app.test_facilities import TODAY
from tests.app.test_facility_lifecycle import CITY, RESIDENTS, release_week
from tests.app.test_facility_lists import HEADER
from tests.conftest import make_user

RULES = SeasonConfig().rules


@pytest.fixture
def managers(db):
    return make_user(db, "manager", "home-a"), make_user(db, "manager", "home-b")


def _store(db, facility, user) -> None:
    store_applicant_list(db, facility, al.validate([HEADER, *RESIDENTS], 4, TODAY), user,
                         "list.xlsx")
    db.flush()


def _week(db, season, week: dt.date) -> handover.WeekStatus:
    return next(w for w in handover.week_statuses(db, season, TODAY) if w.week_start == week)


def test_the_booking_day_gives_the_list_its_due_date_status_and_steps(
        manager_client, db, season, managers):
    facility, booking = home_booked(db, season, managers[0])
    db.commit()
    day = booking.visit_date
    due = day - dt.timedelta(days=7)
    assert scheduling.first_visit_date(facility) == day
    steps = {t.key: t for t in todos(facility, RULES, TODAY)}
    assert (steps["list"].label, steps["list"].due) == ("申請者リストの受領", due)
    late = {t.key: t for t in todos(facility, RULES, due + dt.timedelta(days=1))}
    assert late["list"].late
    queue = manager_client.get("/manager/facilities").get_data(as_text=True)
    assert f'class="list-missing" data-facility="{facility.id}"' in queue
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert 'id="list-status">未提出<' in page
    assert f"提出期限 {due.month}月{due.day}日" in page

    _store(db, facility, managers[0])
    db.commit()
    steps = {t.key: t for t in todos(facility, RULES, TODAY)}
    assert "list" not in steps and steps["share"].due == due
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert 'id="list-status">受領済<' in page


def test_the_list_goes_in_the_package_with_the_booking_slip(db, season, managers):
    preparer, approver = managers
    facility, booking = home_booked(db, season, preparer)
    _store(db, facility, preparer)
    week = handover.week_start(booking.visit_date)
    assert handover.facility_week(facility) == week
    assert _week(db, season, week).facility_lists_unshared == 1
    released = release_week(db, season, week, preparer, approver, TODAY)
    assert released.package.facility_ids == [facility.id]
    assert [b.id for b in released.bookings] == [booking.id]
    with pyzipper.AESZipFile(io.BytesIO(released.archive)) as z:
        z.setpassword(released.password.encode())
        names = z.namelist()
    assert f"shinseisha_list_{week.isoformat()}_F{facility.id}.xlsx" in names
    assert any(n.startswith("uketsukehyo_") for n in names)  # the slip as before
    assert handover.facility_list_shared(facility)
    assert "share" not in {t.key for t in todos(facility, RULES, TODAY)}
    assert _week(db, season, week).status == "sent"
    # deletion still follows the booking (its slip is shared, the visit not yet made)
    assert deletion.facility_deletion_state(facility, TODAY, 30).state == "active"

    # A list uploaded again is a new list: unshared until the next package.
    _store(db, facility, preparer)
    assert not handover.facility_list_shared(facility)
    assert _week(db, season, week).facility_lists_unshared == 1
    assert "share" in {t.key for t in todos(facility, RULES, TODAY)}


def test_a_home_booking_cancelled_beforehand_gives_no_due_date_and_no_package(
        db, season, managers):
    preparer, _approver = managers
    facility, booking = home_booked(db, season, preparer)
    _store(db, facility, preparer)
    booking.status = "cancelled"
    db.flush()
    assert scheduling.first_visit_date(facility) is None
    assert handover.facility_week(facility) is None
    assert not {"list", "share"} & {t.key for t in todos(facility, RULES, TODAY)}
    week = handover.week_start(booking.visit_date)
    with pytest.raises(handover.HandoverError, match="申請者リスト"):
        handover.prepare(db, season, week, CITY, (CITY,), preparer)


def test_a_home_facility_without_a_list_puts_only_the_slip_in_the_package(
        db, season, managers):
    preparer, approver = managers
    facility, booking = home_booked(db, season, preparer)
    week = handover.week_start(booking.visit_date)
    released = release_week(db, season, week, preparer, approver, TODAY)
    assert released.package.facility_ids == []
    assert not handover.facility_list_shared(facility)
