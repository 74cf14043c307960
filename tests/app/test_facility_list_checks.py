"""A stored applicant list whose size no longer matches a re-booking (SPEC §8, 004 §9(2)ウ):
shown as needing checking everywhere its status appears, and not shared with the city
until the office uploads a new list or confirms the stored one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.facilities import applicant_list as al
from app.facilities import scheduling
from app.facilities.models import FacilityEvent
from app.facilities.operations import (
    FacilityError,
    confirm_applicant_list,
    list_mismatch,
    record_callback,
    store_applicant_list,
)
from app.privacy import handover
from app.routesheets.sheet import build_route_sheet
from solver.season import Wish
from tests.app.test_facilities import TODAY, make_facility
from tests.app.test_facility_lifecycle import CITY, release_week
from tests.app.test_facility_lists import HEADER, _names, _upload, xlsx
from tests.conftest import make_user

NEEDS_CHECK = "要確認：人数が予約（14名）と異なります（リスト27名）"


def _book(db, season, facility, user) -> None:
    offer = scheduling.facility_offers(db, season, facility, TODAY).offers[0]
    scheduling.schedule(db, season, facility, offer.key, user, TODAY)


def _rebooked(db, season, user):
    """27 listed, then the visit re-booked for 14: the stored list needs checking."""
    facility = make_facility(db, season, user, 27)
    _book(db, season, facility, user)
    store_applicant_list(db, facility, al.validate([HEADER, *_names(27)], 27, TODAY), user,
                         "list.xlsx")
    scheduling.unschedule(db, facility, "人数が減った", user)
    record_callback(db, facility, user, 14, Wish(), False, "14名に")
    _book(db, season, facility, user)
    db.commit()
    assert list_mismatch(facility) is not None
    return facility


def _week(db, season, facility) -> handover.WeekStatus:
    week = handover.week_start(scheduling.first_visit_date(facility))
    return next(w for w in handover.week_statuses(db, season, TODAY) if w.week_start == week)


@pytest.fixture
def managers(db):
    return make_user(db, "manager", "chk-a"), make_user(db, "manager", "chk-b")


def test_a_list_needing_checking_is_not_shown_as_received_anywhere(
        manager_client, db, season, managers):
    facility = _rebooked(db, season, managers[0])
    queue = manager_client.get("/manager/facilities").get_data(as_text=True)
    assert f'class="list-mismatch" data-facility="{facility.id}"' in queue
    assert NEEDS_CHECK in queue
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    status = page.split('id="list-status">', 1)[1].split("<", 1)[0]
    assert status == NEEDS_CHECK
    assert 'id="list-confirm"' in page
    day = scheduling.first_visit_date(facility)
    visit = next(v for v in facility.visits if v.status == "booked")
    stop = next(s for s in build_route_sheet(db, season, day, visit.team).stops
                if s.kind == "facility")
    assert stop.list_state == NEEDS_CHECK and not stop.list_received
    assert f"申請者リスト: {NEEDS_CHECK}" in stop.tasks


def test_a_list_needing_checking_is_held_back_from_the_hand_over(db, season, managers):
    preparer, _approver = managers
    facility = _rebooked(db, season, preparer)
    status = _week(db, season, facility)
    assert (status.facility_lists_unshared, status.facility_lists_held) == (0, 1)
    assert status.status == "none"
    with pytest.raises(handover.HandoverError, match="申請者リスト"):
        handover.prepare(db, season, status.week_start, CITY, (CITY,), preparer)


def test_a_package_prepared_before_the_re_booking_is_refused_at_release(db, season, managers):
    preparer, approver = managers
    facility = make_facility(db, season, preparer, 27)
    _book(db, season, facility, preparer)
    store_applicant_list(db, facility, al.validate([HEADER, *_names(27)], 27, TODAY), preparer,
                         "list.xlsx")
    week = handover.week_start(scheduling.first_visit_date(facility))
    package = handover.prepare(db, season, week, CITY, (CITY,), preparer)
    handover.approve(db, package, approver, True, (CITY,))
    scheduling.unschedule(db, facility, "人数が減った", preparer)
    record_callback(db, facility, preparer, 14, Wish(), False, "14名に")
    _book(db, season, facility, preparer)
    db.flush()
    with pytest.raises(handover.HandoverError, match=f"F{facility.id}"):
        handover.release(db, season, package, preparer, "download", (CITY,), None, TODAY)


def test_the_office_confirms_the_stored_list_and_it_is_shared(
        manager_client, db, season, managers):
    preparer, approver = managers
    facility = _rebooked(db, season, preparer)
    url = f"/manager/facilities/{facility.id}/applicants/confirm"
    ok = manager_client.post_form(url, {})
    assert ok.status_code == 302
    db.expire_all()
    assert list_mismatch(facility) is None
    event = db.scalars(select(FacilityEvent).where(FacilityEvent.facility_id == facility.id)
                       .order_by(FacilityEvent.id.desc())).first()
    assert event.action == "list_confirmed" and "リスト27名" in event.note
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert 'id="list-status">受領済<' in page and 'id="list-confirm"' not in page
    assert "申請者リストの人数を確認" in page  # the history
    # nothing left to confirm: refused, and nothing recorded
    again = manager_client.post_form(url, {})
    assert again.status_code == 409
    assert "確認が必要な申請者リストはありません" in again.get_data(as_text=True)
    assert sum(1 for e in facility.events if e.action == "list_confirmed") == 1
    status = _week(db, season, facility)
    assert (status.facility_lists_unshared, status.facility_lists_held) == (1, 0)
    released = release_week(db, season, status.week_start, preparer, approver, TODAY)
    assert released.package.facility_ids == [facility.id]


def test_a_confirmation_does_not_cover_a_later_re_booking(db, season, managers):
    user = managers[0]
    facility = _rebooked(db, season, user)
    confirm_applicant_list(db, facility, user)
    assert list_mismatch(facility) is None
    scheduling.unschedule(db, facility, "もう一度", user)
    record_callback(db, facility, user, 12, Wish(), False, "12名に")
    _book(db, season, facility, user)
    db.flush()
    mismatch = list_mismatch(facility)
    assert mismatch is not None and (mismatch.listed, mismatch.booked) == (27, 12)
    assert confirm_applicant_list(db, facility, user).booked == 12
    with pytest.raises(FacilityError, match="確認が必要な申請者リストはありません"):
        confirm_applicant_list(db, facility, user)


def test_a_new_upload_clears_the_check_and_confirm_is_refused_without_a_mismatch(
        manager_client, db, season, managers):
    facility = _rebooked(db, season, managers[0])
    assert _upload(manager_client, facility.id, "list.xlsx", xlsx(_names(14))).status_code == 302
    db.expire_all()
    assert list_mismatch(facility) is None
    refused = manager_client.post_form(f"/manager/facilities/{facility.id}/applicants/confirm",
                                       {})
    assert refused.status_code == 409
    assert not any(e.action == "list_confirmed" for e in facility.events)
