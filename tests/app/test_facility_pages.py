"""Facility pages: intake by operators, the managers' queue and scheduling, pre-meetings on the
capacity calendar, the checklist on the visit team's route sheet."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from app.dates import jp_date
from app.facilities import scheduling
from app.facilities.models import FacilityRequest
from app.reports.summary import season_report
from app.seasons.operations import season_config
from solver.season import Wish
from tests.app.test_facilities import (
    FULL,
    TODAY,
    facility_days,
    later_facility_days,
    make_facility,
    take_half_days,
)
from tests.app.test_intake import md
from tests.conftest import make_user

INTAKE = {
    "name": "緑の丘ホーム", "facility_type": "tokuyo", "address": "小樽市稲穂2丁目",
    "phone": "０１３４－２２－１１１１", "contact_person": "施設 担当",
    "estimated_applicants": "12", "notes": "車椅子の方が多い",
}


def _intake(client, **changes):
    return client.post_form("/operator/facilities/new", {**INTAKE, **changes})


def _only_facility(db) -> FacilityRequest:
    return db.scalars(select(FacilityRequest)).one()


def test_operator_takes_a_request_into_the_queue(operator_client, db, season):
    response = _intake(operator_client)
    assert response.status_code == 302
    page = operator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "折り返し期限 2026-06-03" in page and "折り返しご連絡" in page
    facility = _only_facility(db)
    assert (facility.status, facility.phone, facility.town) == ("new", "0134-22-1111", "稲穂")


def test_intake_errors_name_the_field_and_keep_the_input(operator_client, db, season):
    response = _intake(operator_client, estimated_applicants="0", facility_type="other",
                       wish_from="2026-08-10", wish_to="2026-08-01")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert ">申請者数の目安は1〜300で入力してください。<" in page  # the label once
    assert "「その他」の場合は施設の種類を入力してください。" in page
    assert "希望期間（まで）が希望期間（から）より前です。" in page
    assert 'value="緑の丘ホーム"' in page
    unknown = _intake(operator_client, address="東京都千代田区1-1")
    assert unknown.status_code == 422 and "住所" in unknown.get_data(as_text=True)
    assert db.scalars(select(FacilityRequest)).all() == []


def test_intake_coordinates_outside_the_city_are_refused_on_the_field(operator_client, db,
                                                                    season):
    response = _intake(operator_client, lat="35.0", lng="139.0")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert ">緯度・経度（35.0, 139.0）は小樽市の区域外です" in page
    assert 'value="35.0"' in page and 'value="139.0"' in page and 'value="緑の丘ホーム"' in page
    assert db.scalars(select(FacilityRequest)).all() == []
    inside = _intake(operator_client, lat="43.197001", lng="140.996374")
    assert inside.status_code == 302
    assert (_only_facility(db).lat, _only_facility(db).location_precision) == (43.197001,
                                                                               "manual")


def test_manager_calls_back_schedules_and_sees_the_parts(operator_client, manager_client, db,
                                                        season):
    _intake(operator_client)
    facility = _only_facility(db)
    queue = manager_client.get("/manager/facilities").get_data(as_text=True)
    assert f'data-facility="{facility.id}" data-status="new"' in queue
    response = manager_client.post_form(f"/manager/facilities/{facility.id}/callback",
                                        {"applicants": "24", "note": "施設長と調整"})
    assert response.status_code == 302
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert "2回に分けて訪問（12名・12名）" in page
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    assert key.count(";") == 1
    done = manager_client.post_form(f"/manager/facilities/{facility.id}/schedule", {"offer": key})
    assert done.status_code == 302
    page = manager_client.get(done.headers["Location"]).get_data(as_text=True)
    assert "訪問日を決定しました" in page
    assert page.count('class="part"') == 2
    assert facility.status == "scheduled"
    again = manager_client.post_form(f"/manager/facilities/{facility.id}/schedule", {"offer": key})
    assert again.status_code == 409 and "既に訪問日が決まっている" in again.get_data(as_text=True)


def test_intake_below_the_facility_minimum_points_to_the_home_form(operator_client, db, season):
    below = season_config(season).rules.facility_min_applicants - 1
    response = _intake(operator_client, estimated_applicants=str(below))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert (f">申請者数の目安が{below}名（{below}名以下）のため、福祉施設の依頼"
            "ではなく個人宅訪問の予約枠で受け付けます。「予約受付」の画面で予約してください") in page
    assert 'value="緑の丘ホーム"' in page and f'value="{below}"' in page
    link = re.search(r'id="home-intake" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    home = operator_client.get(link).get_data(as_text=True)
    assert 'value="小樽市稲穂2丁目"' in home and f'value="{below}"' in home
    assert "緑の丘ホーム" in home
    assert db.scalars(select(FacilityRequest)).all() == []


def test_five_applicants_are_sent_to_the_home_intake_prefilled(operator_client, manager_client,
                                                              db, season):
    _intake(operator_client)
    facility = _only_facility(db)
    # The call-back finds fewer applicants than the facility minimum: the home path.
    manager_client.post_form(f"/manager/facilities/{facility.id}/callback", {"applicants": "5"})
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert "個人宅訪問の予約枠" in page and 'name="offer"' not in page
    link = re.search(r'id="home-intake" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    intake = manager_client.get(link).get_data(as_text=True)
    assert 'value="小樽市稲穂2丁目"' in intake and 'value="5"' in intake
    refused = manager_client.post_form(f"/manager/facilities/{facility.id}/home-booking",
                                       {"receipt_no": "99"})
    assert refused.status_code == 422
    assert "受付番号 99 の有効な予約が見つかりません。" in refused.get_data(as_text=True)


def test_meeting_refused_on_a_home_day_then_shown_on_the_capacity_calendar(
        operator_client, manager_client, db, season):
    _intake(operator_client)
    facility = _only_facility(db)
    home_day = next(d.date for d in season.visit_days if d.kind == "home")
    refused = manager_client.post_form(f"/manager/facilities/{facility.id}/meetings",
                                       {"date": home_day.isoformat(), "half": "am"})
    assert refused.status_code == 422
    assert "個人宅訪問日のため、打合せは入れられません" in refused.get_data(as_text=True)
    assert f'value="{home_day.isoformat()}"' in refused.get_data(as_text=True)
    free_day = [d for d in facility_days(season) if d > TODAY + dt.timedelta(days=40)][0]
    ok = manager_client.post_form(f"/manager/facilities/{facility.id}/meetings",
                                  {"date": free_day.isoformat(), "half": "pm", "time": "14:30"})
    assert ok.status_code == 302
    calendar = operator_client.get("/operator/").get_data(as_text=True)
    assert "事前打合せ 午後 14:30（緑の丘ホーム）" in calendar
    cell = calendar[calendar.index(f'data-date="{free_day.isoformat()}"'):][:600]
    assert "空き 午前 0/1施設・午後 0/1施設" in cell


def test_meeting_time_that_is_not_a_time_is_refused_on_its_field(
        operator_client, manager_client, db, season):
    _intake(operator_client)
    facility = _only_facility(db)
    free_day = [d for d in facility_days(season) if d > TODAY + dt.timedelta(days=40)][0]
    url = f"/manager/facilities/{facility.id}/meetings"
    refused = manager_client.post_form(url, {"date": free_day.isoformat(), "half": "am",
                                             "time": "abc", "notes": "玄関で待ち合わせ"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert (">打合せの時刻は 10:30 のように「時:分」で入力してください"
            "（入力値: abc）。") in page
    assert 'value="abc"' in page and "玄関で待ち合わせ</textarea>" in page
    db.refresh(facility)
    assert facility.meetings == []
    assert "abc" not in operator_client.get("/operator/").get_data(as_text=True)


@pytest.mark.parametrize("date_case", ["missing", "weekend"])
def test_meeting_date_and_time_errors_are_shown_together(
        operator_client, manager_client, db, season, date_case):
    _intake(operator_client)
    facility = _only_facility(db)
    typed, expected = {"missing": ("", "打合せの日を入力してください。"),
                       "weekend": ("2026-06-06", "土曜日・日曜日のため、打合せは入れられません")
                       }[date_case]
    refused = manager_client.post_form(f"/manager/facilities/{facility.id}/meetings",
                                       {"date": typed, "half": "am", "time": "25:00",
                                        "notes": "玄関で待ち合わせ"})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert expected in page
    assert "打合せの時刻は 10:30 のように「時:分」で入力してください（入力値: 25:00）。" in page
    assert 'value="25:00"' in page and "玄関で待ち合わせ</textarea>" in page
    db.refresh(facility)
    assert facility.meetings == []


def test_checklist_and_facility_stop_on_the_route_sheet(operator_client, manager_client,
                                                      team_client, db, season):
    _intake(operator_client)
    facility = _only_facility(db)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    manager_client.post_form(f"/manager/facilities/{facility.id}/schedule", {"offer": key})
    saved = manager_client.post_form(f"/manager/facilities/{facility.id}/checklist",
                                     {"check_procedure": "b", "check_power": "食堂のコンセント"})
    assert saved.status_code == 302
    bad = manager_client.post_form(f"/manager/facilities/{facility.id}/checklist",
                                   {"check_procedure": "x"})
    assert bad.status_code == 422 and "選択肢から選んでください" in bad.get_data(as_text=True)
    day = key.split("|")[0]
    sheet = team_client.get(f"/team/days/{day}/1").get_data(as_text=True)
    assert "緑の丘ホーム" in sheet and "福祉施設" in sheet
    assert "申請書の記入場所・電源の借用: 食堂のコンセント" in sheet
    assert "手順・動線・タイムスケジュール: b:" in sheet
    assert "申請者リスト: 未提出" in sheet and "申請 <strong>12人</strong>" in sheet


def _scheduled_through_the_pages(operator_client, manager_client, db) -> FacilityRequest:
    _intake(operator_client)
    facility = _only_facility(db)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    assert manager_client.post_form(f"/manager/facilities/{facility.id}/schedule",
                                    {"offer": key}).status_code == 302
    return facility


def test_visited_is_refused_before_the_visit_day_as_on_the_route_sheet(
        app, operator_client, manager_client, db, season):
    facility = _scheduled_through_the_pages(operator_client, manager_client, db)
    visit = next(v for v in facility.visits if v.status == "booked")
    url = f"/manager/facilities/{facility.id}/status"

    app.config["APP_TODAY"] = visit.visit_date - dt.timedelta(days=1)
    early = manager_client.post_form(url, {"status": "visited", "note": "先に記録"})
    page = early.get_data(as_text=True)
    assert early.status_code == 422
    assert f"状態: 訪問日（{jp_date(visit.visit_date)}）より前には結果を記録できません。" in page
    # 訪問済 is not offered before the visit day, not even to re-show a refused choice
    assert '<option value="" selected>選んでください</option>' in page
    assert 'value="visited"' not in page and "先に記録</textarea>" in page
    db.refresh(facility)
    db.refresh(visit)
    assert (facility.status, visit.status) == ("scheduled", "booked")
    report = season_report(db, season, visit.visit_date)
    assert report.total.facility_visited == 0

    app.config["APP_TODAY"] = visit.visit_date
    done = manager_client.post_form(url, {"status": "visited", "applications_taken": "12"})
    assert done.status_code == 302
    db.refresh(facility)
    assert facility.status == "visited"


def test_facility_page_shows_times_in_japan_time(operator_client, manager_client, db, season):
    _intake(operator_client)
    facility = _only_facility(db)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    key = re.search(r'name="offer" value="([^"]+)"', page).group(1)
    manager_client.post_form(f"/manager/facilities/{facility.id}/schedule", {"offer": key})
    manager_client.post_form(f"/manager/facilities/{facility.id}/checklist",
                             {"check_power": "食堂のコンセント"})
    db.expire_all()
    facility = _only_facility(db)
    utc = dt.datetime(2026, 6, 1, 4, 2)  # 13:02 in Japan
    for event in facility.events:
        event.at = utc
    for check in facility.checks:
        check.confirmed_at = utc
    facility.list_uploaded_at = utc
    db.commit()
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    history = page.split('id="history"')[1].split("</table>")[0]
    assert "<th>日時</th>" in history and "2026-06-01 13:02" in history
    checklist = page.split('id="checklist"')[1].split("</section>")[0]
    assert "2026-06-01 13:02" in checklist
    uploaded = page.split('id="applicant-list"')[1].split("</p>")[0]
    assert "2026-06-01 13:02" in uploaded
    assert "UTC" not in page and "04:02" not in page


def _link_answers(link: str) -> dict[str, object]:
    """The answers a home-intake link hands over, as the form would post them."""
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(link).query)
    return {k: v if k == "wish_weekdays" else v[0] for k, v in query.items()}


def test_a_facility_of_five_books_a_home_slot_with_its_staff_as_the_caller(
        operator_client, db, season):
    """The facility's staff are the caller, the facility the place; the residents' dates of
    birth come on the facility's list, so none is asked (SPEC §3, §8)."""
    from app.bookings.models import Booking

    below = season_config(season).rules.facility_min_applicants - 1
    page = _intake(operator_client, estimated_applicants=str(below), wish_weekdays=["1"],
                   wish_half="am").get_data(as_text=True)
    link = re.search(r'id="home-intake" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    home = operator_client.get(link).get_data(as_text=True)
    assert re.search(r'<input checked[^>]*name="caller_relationship"[^>]*value="facility"', home)
    assert 'value="施設 担当"' in home and 'value="緑の丘ホーム"' in home
    answers = {**_link_answers(link), "name_kana": "ミドリノオカホーム",
               "eligibility_detail": "入所者5名（寝たきりの方を含む）", "application_type": "new",
               "id_documents": ["other"], "can_photo": "unknown", "can_write": "unknown",
               "helper_present": "yes", "parking": "yes"}
    assert answers["caller_relationship"] == "facility" and answers["eligibility"] == "facility"
    assert answers["wish_weekdays"] == ["1"] and answers["wish_half"] == "am"
    found = operator_client.post_form("/operator/bookings/new", answers)
    assert found.status_code == 200, found.get_data(as_text=True)[:3000]
    key = re.search(r'name="offer" value="([^"]+)"', found.get_data(as_text=True)).group(1)
    booked = operator_client.post_form("/operator/bookings/new", {**answers, "offer": key})
    assert booked.status_code == 302
    booking = db.scalars(select(Booking)).one()
    assert (booking.caller_relationship, booking.birth_date, booking.applicants,
            booking.name) == ("facility", None, below, "緑の丘ホーム")
    slip = operator_client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "（施設の申請者リストで確認）" in slip
    # Each resident's documents are checked on the list: no single-document warning.
    assert 'id="id-documents-warning"' not in found.get_data(as_text=True)


def test_only_a_facility_caller_may_leave_the_date_of_birth_blank(operator_client, season):
    from tests.app.test_intake import answers

    for caller, refused in (("self", True), ("household", True), ("facility", False)):
        response = operator_client.post_form("/operator/bookings/new", answers(
            caller_relationship=caller, caller_name=None if caller == "self" else "施設 担当",
            birth_date=None, eligibility="illness"))
        page = response.get_data(as_text=True)
        assert ("生年月日を入力してください。" in page) == refused, caller
        assert (response.status_code == 422) == refused, caller


def test_intake_tells_the_operator_when_the_visit_will_be_split(operator_client, season):
    rules = season_config(season).rules
    many = rules.facility_max_per_half_day + 5
    response = _intake(operator_client, estimated_applicants=str(many))
    page = operator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"申請者数が{many}名のため、2回の半日訪問" in page
    few = _intake(operator_client, estimated_applicants="8")
    assert "回の半日訪問" not in operator_client.get(few.headers["Location"]).get_data(as_text=True)


def test_intake_tells_the_operator_when_nothing_fits_the_wish_yet(operator_client, season):
    """A wish inside the month's lead time: the request is taken, and the operator is told
    to say the call-back will discuss another period."""
    soon = TODAY + dt.timedelta(days=season_config(season).rules.facility_lead_days - 10)
    response = _intake(operator_client, wish_from=TODAY.isoformat(), wish_to=soon.isoformat())
    assert response.status_code == 302
    page = operator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "福祉施設の依頼を受け付けました" in page
    assert "いまご案内できる福祉施設訪問日がありません" in page
    roomy = _intake(operator_client, name="広い希望の家")
    assert "ご案内できる福祉施設訪問日がありません" not in operator_client.get(
        roomy.headers["Location"]).get_data(as_text=True)


# --- what does not fit: said as on the home-visit intake ----------------------------------


def _wishing(db, season, manager, applicants: int, day: dt.date) -> FacilityRequest:
    facility = make_facility(db, season, manager, applicants, name="希望日の家",
                             wish=Wish(date_from=day, date_to=day))
    db.commit()
    return facility


def test_scheduling_names_the_nearest_places_when_the_wish_has_no_free_half_day(
        manager_client, db, season):
    manager = make_user(db, "manager", "booker")
    days = later_facility_days(season)
    day = days[1]
    take_half_days(db, season, manager, day)
    big = season_config(season).rules.facility_max_per_half_day + 1
    facility = _wishing(db, season, manager, big, day)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert 'name="offer"' not in page and 'id="no-offers"' in page
    nearest = scheduling.facility_offers(db, season, facility, TODAY).nearest
    first = nearest[0].parts
    assert [(p.date, p.half) for p in first] == [(days[0], "am"), (days[0], "pm")]
    # the split visit's place names both half-days, its date once
    assert ('<span id="nearest-label">ご希望の期間に最も近い空き</span>は<strong id="nearest-first">'
            f"{md(days[0])}午前 10:00頃＋午後 14:00頃</strong>です"
            f'<span id="nearest-more">（ほかに {md(days[2])}午前 10:00頃＋午後 14:00頃、') in page
    assert "期間を広げられるか、施設の方にお尋ねください。" in page
    # the reasons are open under the empty list, one row for the wished day
    assert '<details id="reasons" open>' in page
    assert f"<tr><td>{jp_date(day)}</td><td>{FULL}</td></tr>" in page


def test_scheduling_says_why_the_other_half_of_an_offered_day_is_not_offered(
        manager_client, db, season):
    manager = make_user(db, "manager", "booker")
    day = later_facility_days(season)[1]
    take_half_days(db, season, manager, day, halves=("am",))
    facility = _wishing(db, season, manager, 8, day)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert re.findall(r'name="offer" value="([^"]+)"', page) == [f"{day.isoformat()}|pm|1|8"]
    assert (f'<tr data-half="am"><td>{jp_date(day)}午前</td>'
            f"<td>{FULL}</td></tr>") in page
    assert '<details id="reasons">' in page  # closed: there is an offer to read out first
    assert 'id="nearest"' not in page and 'id="no-offers"' not in page


def test_scheduling_a_free_wish_shows_the_offers_only(manager_client, db, season):
    manager = make_user(db, "manager", "booker")
    day = later_facility_days(season)[1]
    facility = _wishing(db, season, manager, 8, day)
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert sorted(re.findall(r'name="offer" value="([^"]+)"', page)) == [
        f"{day.isoformat()}|am|1|8", f"{day.isoformat()}|pm|1|8"]
    assert 'id="nearest"' not in page and 'id="no-offers"' not in page
    assert 'id="reasons"' not in page and "期間を広げられるか" not in page


def test_queue_and_detail_show_what_is_left_to_do(manager_client, db, season):
    facility = make_facility(db, season, make_user(db, "operator"), 12)
    db.commit()
    queue = manager_client.get("/manager/facilities").get_data(as_text=True)
    row = queue.split(f'data-facility="{facility.id}" data-status')[1].split("</tr>")[0]
    assert f"折り返し連絡（期限 {jp_date(facility.callback_due)}）" in row
    assert 'data-todo="meeting"' in row and "準備の確認事項（未確認 11/11項目）" in row
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    todo = page.split('id="todo"')[1].split("</section>")[0]
    assert "折り返し連絡" in todo and "訪問日の決定" in todo and "事前打合せの日程" in todo
