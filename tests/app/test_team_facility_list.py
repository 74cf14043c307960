"""A facility stop on the route sheet for the team on the day (SPEC §8): the preparation
checklist with the confirmed answers first, and the facility's applicant list (name, date of
birth, proxy writer, face-authentication card, delivery, reason, other needs) — on its own
page linked from the stop, and under the stop on the print page and the PDF. Only for a
facility visit on a sheet the member may open; every view, print and PDF of the list is a
handling-log row of the list; after the deletion the page says so instead."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select

from app.facilities import checklist
from app.privacy import deletion, handover
from app.privacy.models import HandlingLogEntry
from app.routesheets.outcomes import record_facility_outcome
from app.routesheets.sheet import build_route_sheet
from tests.app.test_facilities import TODAY
from tests.app.test_facility_lifecycle import (
    RESIDENTS,
    part_of,
    release_week,
    scheduled_facility,
    with_list,
)
from tests.app.test_route_sheets import needs_poppler, pdf_text
from tests.app.test_team_access import _member, _two_teams
from tests.conftest import make_user

UMEKO, MATSUO = RESIDENTS[0][0], RESIDENTS[1][0]


def sheet_of(visit) -> str:
    return f"/team/days/{visit.visit_date.isoformat()}/{visit.team}"


def list_url(visit) -> str:
    return f"{sheet_of(visit)}/facility/{visit.id}/applicants"


def list_rows(db) -> list[tuple[str, str, str]]:
    """The handling-log rows of sheets and lists, without the list's upload ("change")."""
    return [(e.action, e.record_type, e.record_id) for e in db.scalars(
        select(HandlingLogEntry).where(HandlingLogEntry.record_type.in_(
            ("facility_applicants", "route_sheet")), HandlingLogEntry.action != "change")
        .order_by(HandlingLogEntry.id))]


def test_the_checklist_shows_the_answers_and_lists_the_rest_compactly(team_client, db, season):
    user = make_user(db, "manager", "mgr-check")
    facility = scheduled_facility(db, season, user, applicants=12)
    visit = part_of(facility)
    checklist.save(db, facility, {"procedure": "b", "power": "食堂のコンセント"}, user)
    db.commit()
    stop = next(s for s in build_route_sheet(db, season, visit.visit_date, visit.team).stops
                if s.kind == "facility")
    assert stop.checklist == ("手順・動線・タイムスケジュール: b: 説明の後、全員の写真を先に撮影し、記入はまとめて",
                              "申請書の記入場所・電源の借用: 食堂のコンセント")
    assert stop.checklist_missing == ("当日の提出書類", "リスト提出の依頼", "本人確認書類", "撮影場所",
                                      "申請予定者の状況", "顔認証カード希望", "郵送先", "カードの管理",
                                      "事前打合せ")
    page = team_client.get(sheet_of(visit)).get_data(as_text=True)
    assert "（未確認）" not in page
    assert ('<span class="muted checklist-missing">未確認: 当日の提出書類・リスト提出の依頼・'
            "本人確認書類・") in page
    assert "申請書の記入場所・電源の借用: 食堂のコンセント" in page
    # Once the list has arrived, asking for it is no longer an open point.
    with_list(db, facility, user)
    db.commit()
    stop = next(s for s in build_route_sheet(db, season, visit.visit_date, visit.team).stops
                if s.kind == "facility")
    assert "リスト提出の依頼" not in stop.checklist_missing


def test_the_team_opens_the_applicant_list_from_the_stop_and_it_is_logged(team_client, db,
                                                                          season):
    user = make_user(db, "manager", "mgr-list")
    facility = scheduled_facility(db, season, user)
    visit = part_of(facility)
    db.commit()
    assert f'href="{list_url(visit)}"' not in team_client.get(sheet_of(visit)).get_data(
        as_text=True)
    before = team_client.get(list_url(visit))
    assert before.status_code == 200
    assert "申請者リストはまだ施設から届いていません" in before.get_data(as_text=True)
    assert list_rows(db) == [("view", "route_sheet", f"{visit.visit_date.isoformat()}/team1")]

    with_list(db, facility, user)
    db.commit()
    sheet = team_client.get(sheet_of(visit)).get_data(as_text=True)
    assert f'href="{list_url(visit)}"' in sheet and "申請者リスト: 受領済（2名）" in sheet
    assert UMEKO not in sheet  # the screen sheet links the list, it does not show it
    page = team_client.get(list_url(visit)).get_data(as_text=True)
    umeko = page.split('data-applicant="1"')[1].split("</tr>")[0]
    age = visit.visit_date.year - 1933 - ((visit.visit_date.month, visit.visit_date.day) < (2, 3))
    assert UMEKO in umeko and f"1933-02-03（昭和8年2月3日）・{age}歳" in umeko
    assert [c for c in re.findall(r"<strong>(.*?)</strong>", umeko)] == [
        "要", "希望", "施設", "紛失のため再申請"]
    assert "右手が不自由（秘密の状態）" in umeko
    matsuo = page.split('data-applicant="2"')[1].split("</tr>")[0]
    assert MATSUO in matsuo and "1935-05-06（昭和10年5月6日）" in matsuo
    assert "不要" in matsuo and "住民登録地" in matsuo and "新規" in matsuo
    assert "緑の丘ホーム302" not in page  # no address: not needed on site
    entry = db.scalar(select(HandlingLogEntry).order_by(HandlingLogEntry.id.desc()).limit(1))
    assert (entry.action, entry.record_type, entry.record_id, entry.username) == (
        "view", "facility_applicants", str(facility.id), "team1")
    assert "申請者リスト閲覧" in entry.detail and "2名" in entry.detail


def test_only_a_facility_visit_on_a_sheet_the_member_may_open(app, db, season, operator_client,
                                                              manager_client):
    _two_teams(db, season)
    user = make_user(db, "manager", "mgr-access")
    facility = with_list(db, scheduled_facility(db, season, user), user)
    visit = part_of(facility)
    db.commit()
    assert visit.team == 1
    assert _member(app, db, 2).get(list_url(visit)).status_code == 403  # another team's
    assert operator_client.get(list_url(visit)).status_code == 403
    member = _member(app, db, 1)
    assert member.get(list_url(visit)).status_code == 200
    assert manager_client.get(list_url(visit)).status_code == 200
    other_day = next(d.date for d in season.visit_days if d.date != visit.visit_date)
    assert member.get(f"/team/days/{other_day.isoformat()}/1/facility/{visit.id}/applicants"
                      ).status_code == 404  # not on that sheet
    assert member.get(f"{sheet_of(visit)}/facility/999999/applicants").status_code == 404
    team_2 = f"/team/days/{visit.visit_date.isoformat()}/2/facility/{visit.id}/applicants"
    assert member.get(team_2).status_code == 403  # not this member's sheet at all
    assert manager_client.get(team_2).status_code == 404  # team 2's sheet has no such stop
    views = db.scalars(select(HandlingLogEntry.username).where(
        HandlingLogEntry.record_type == "facility_applicants", HandlingLogEntry.action == "view"))
    assert sorted(views) == ["manager1", "member1"]


def test_after_the_deletion_the_page_says_so_and_shows_no_resident(app, team_client, db,
                                                                    season):
    user = make_user(db, "manager", "mgr-del")
    other = make_user(db, "manager", "mgr-del2")
    facility = with_list(db, scheduled_facility(db, season, user), user)
    visit = part_of(facility)
    release_week(db, season, handover.week_start(visit.visit_date), user, other, TODAY)
    record_facility_outcome(db, visit, "visited", 2, "", user, visit.visit_date)
    deletion.purge_facility(db, facility, user, visit.visit_date + dt.timedelta(days=1))
    db.commit()
    page = team_client.get(list_url(visit)).get_data(as_text=True)
    assert "申請者リストの個人情報を削除しました（2名分）" in page
    assert UMEKO not in page and 'data-applicant="' not in page
    sheet = team_client.get(sheet_of(visit)).get_data(as_text=True)
    assert "申請者リスト: 削除済（2名分）" in sheet and list_url(visit) not in sheet
    printed = team_client.get(sheet_of(visit) + "/print").get_data(as_text=True)
    assert "applicant-list-row" not in printed
    assert ("view", "facility_applicants", str(facility.id)) not in list_rows(db)


def test_the_print_page_and_the_pdf_carry_the_list_and_log_it(team_client, db, season, tmp_path):
    user = make_user(db, "manager", "mgr-print")
    facility = with_list(db, scheduled_facility(db, season, user), user)
    visit = part_of(facility)
    db.commit()
    record = f"{visit.visit_date.isoformat()}/team1"
    printed = team_client.get(sheet_of(visit) + "/print").get_data(as_text=True)
    row = printed.split('class="applicant-list-row"')[1].split("</table>")[0]
    assert "緑の丘ホーム 申請者リスト（2名）" in row and UMEKO in row and MATSUO in row
    assert "紛失のため再申請" in row and "緑の丘ホーム302" not in row
    assert list_rows(db) == [("print", "facility_applicants", str(facility.id)),
                             ("print", "route_sheet", record)]
    entry = db.scalar(select(HandlingLogEntry).where(
        HandlingLogEntry.record_type == "route_sheet"))
    assert "福祉施設 緑の丘ホーム（申請者リスト2名）" in entry.detail


@needs_poppler
def test_the_pdf_prints_the_list_under_the_facility_stop(team_client, db, season, tmp_path):
    user = make_user(db, "manager", "mgr-pdf2")
    facility = with_list(db, scheduled_facility(db, season, user), user)
    visit = part_of(facility)
    db.commit()
    text = pdf_text(tmp_path, team_client.get(sheet_of(visit) + "/sheet.pdf").data)
    joined = re.sub(r"\s", "", text)
    for expected in ("緑の丘ホーム申請者リスト（2名）", re.sub(r"\s", "", UMEKO),
                     "1933-02-03（昭和8年2月3日）", "紛失のため再申請", re.sub(r"\s", "", MATSUO),
                     "住民登録地"):
        assert expected in joined, expected
    assert joined.index("申請者リスト（2名）") > joined.index("準備の確認事項")
    assert "緑の丘ホーム302" not in joined
    assert [r[:2] for r in list_rows(db)] == [("export", "facility_applicants"),
                                              ("export", "route_sheet")]


def test_more_applications_than_planned_at_a_facility_get_a_notice(app, team_client, db, season):
    user = make_user(db, "manager", "mgr-over")
    facility = scheduled_facility(db, season, user, applicants=8)
    visit = part_of(facility)
    db.commit()
    app.config["APP_TODAY"] = visit.visit_date
    response = team_client.post_form(
        f"{sheet_of(visit)}/facility-outcome/{visit.id}",
        {f"f{visit.id}-outcome": "visited", f"f{visit.id}-applications_taken": "9"},
        follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    db.refresh(visit)
    assert (visit.status, visit.applications_taken) == ("visited", 9)
    assert "申請受付件数（9件）が予定の8人より多くなっています。" in page
    assert '<span class="warn more-than-booked">予定の8人より多い件数です' in page
