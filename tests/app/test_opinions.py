"""Opinions from citizens and facility staff (004 §10(3)): recorded without personal data by
operators, visit teams and managers; listed, marked as reported and exported by managers."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.dates import jp_date
from app.opinions.export import COLUMNS
from app.opinions.kinds import OPINION_SOURCES, OPINION_TOPICS
from app.opinions.models import Opinion
from app.opinions.operations import (
    NO_PERSONAL_DATA,
    SUMMARY_MAX,
    OpinionError,
    counts_by_source,
    list_opinions,
    mark_reported,
    personal_data_problem,
    record_opinion,
)
from tests.conftest import SEASON_TODAY, make_user

TODAY = SEASON_TODAY


def _record(db, season, user, summary="訪問の時間帯をもっと選べるとよい", source="citizen",
            topic=None, received_on=TODAY):
    return record_opinion(db, season.id, user.id, received_on=received_on, source=source,
                          topic=topic, summary=summary, today=TODAY)


# --- service ----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    "折り返しは090-1234-5678まで",
    "電話 0134-12-3456 の方",  # 10 digits with hyphens
    "０９０１２３４５６７８に連絡",  # full-width digits
    "０１３４－１２－３４５６",  # full-width digits and hyphens
    "0134ー12ー3456",  # the long-vowel mark typed as a hyphen
    "09012345678",
])
def test_a_phone_number_like_run_of_digits_is_refused(text):
    problem = personal_data_problem(text)
    assert problem and "電話番号" in problem and NO_PERSONAL_DATA in problem


@pytest.mark.parametrize("text", ["連絡は taro.otaru@example.jp へ", "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ"])
def test_an_email_address_is_refused(text):
    problem = personal_data_problem(text)
    assert problem and "メールアドレス" in problem


@pytest.mark.parametrize("text", [
    "2026-06-01 10:30の訪問はとても丁寧だった",  # a date and a time are not a phone number
    "受付番号123の件、9時から17時まで待った",
    "@マークの付いた案内は分かりにくい",
    "申請者は3名、施設の職員は12名",
])
def test_ordinary_text_is_accepted(text):
    assert personal_data_problem(text) is None


def test_recording_an_opinion_stores_it_unreported(db, season):
    user = make_user(db, "operator")
    opinion = _record(db, season, user, summary="  予約の電話がつながりにくい  ", topic="booking")
    db.commit()
    stored = db.get(Opinion, opinion.id)
    assert (stored.season_id, stored.received_on, stored.source, stored.topic, stored.summary,
            stored.recorded_by) == (season.id, TODAY, "citizen", "booking",
                                    "予約の電話がつながりにくい", user.id)
    assert stored.recorded_at is not None
    assert stored.reported_on is None and stored.reported_by is None


@pytest.mark.parametrize(("changes", "field", "words"), [
    ({"source": "caller"}, "source", "御意見をいただいた方"),
    ({"topic": "complaint"}, "topic", "内容の分類"),
    ({"summary": "   "}, "summary", "御意見の内容を入力"),
    ({"summary": "あ" * (SUMMARY_MAX + 1)}, "summary", f"{SUMMARY_MAX}文字以内"),
    ({"summary": "090-1234-5678の方から"}, "summary", "電話番号"),
    ({"summary": "a@b.jp"}, "summary", "メールアドレス"),
    ({"summary": "a\x00b"}, "summary", "使えない文字"),
    ({"received_on": TODAY + dt.timedelta(days=1)}, "received_on", "受付日"),
    ({"received_on": None}, "received_on", "受付日"),
])
def test_refused_input_names_its_field_and_saves_nothing(db, season, changes, field, words):
    user = make_user(db, "team")
    with pytest.raises(OpinionError) as refused:
        _record(db, season, user, **changes)
    assert refused.value.field == field and words in refused.value.message
    assert db.scalar(select(Opinion)) is None


def test_the_database_refuses_an_unknown_source_or_topic(db, season):
    user = make_user(db, "operator")
    for values in ({"source": "caller"}, {"source": "citizen", "topic": "complaint"}):
        with db.begin_nested(), pytest.raises(IntegrityError):
            db.add(Opinion(season_id=season.id, received_on=TODAY, summary="x",
                           recorded_by=user.id, **values))
            db.flush()


def test_marking_reported_sets_today_and_who_and_keeps_an_earlier_report(db, season):
    clerk = make_user(db, "operator")
    manager = make_user(db, "manager")
    first, second, third = (_record(db, season, clerk, summary=f"御意見{n}") for n in range(3))
    earlier = TODAY - dt.timedelta(days=3)
    first.reported_on, first.reported_by = earlier, clerk.id
    marked = mark_reported(db, season.id, [first.id, second.id, 99999, 10**30], manager.id,
                           TODAY)
    assert marked == [second]
    assert (second.reported_on, second.reported_by) == (TODAY, manager.id)
    assert (first.reported_on, first.reported_by) == (earlier, clerk.id)
    assert third.reported_on is None
    for nothing in ([], [10**30]):
        with pytest.raises(OpinionError) as refused:
            mark_reported(db, season.id, nothing, manager.id, TODAY)
    assert refused.value.field == "opinion_ids"


def test_listing_filters_unreported_and_counts_by_source(db, season):
    user = make_user(db, "operator")
    old = _record(db, season, user, summary="古い", source="facility_staff",
                  received_on=TODAY - dt.timedelta(days=2))
    new = _record(db, season, user, summary="新しい")
    done = _record(db, season, user, summary="報告済み", source="facility_staff",
                   received_on=TODAY - dt.timedelta(days=1))
    mark_reported(db, season.id, [done.id], user.id, TODAY)
    assert list_opinions(db, season.id) == [old, new]
    assert list_opinions(db, season.id, "all") == [old, done, new]
    assert counts_by_source(db, season.id) == {"citizen": 1, "facility_staff": 2, "other": 0}


# --- pages ------------------------------------------------------------------------------------


FORM = {"received_on": TODAY.isoformat(), "source": "facility_staff", "topic": "visit",
        "summary": "訪問時の説明が分かりやすかった"}


@pytest.mark.parametrize("role", ["operator", "team", "manager"])
def test_each_recording_role_reaches_the_form_from_the_navigation_and_records(
        request, db, season, role):
    client = request.getfixturevalue(f"{role}_client")
    home = client.get("/operator/calls" if role == "operator" else "/team/"
                      if role == "team" else "/manager/").get_data(as_text=True)
    assert 'href="/opinions/new">御意見の記録</a>' in home
    page = client.get("/opinions/new").get_data(as_text=True)
    assert "氏名・住所・電話番号など個人が特定できる情報は書かないでください" in page
    assert f'value="{TODAY.isoformat()}"' in page  # received today unless changed
    response = client.post_form("/opinions/new", FORM)
    assert response.status_code == 302
    opinion = db.scalar(select(Opinion))
    user = db.scalar(select(User).where(User.username == f"{role}1"))
    assert (opinion.source, opinion.topic, opinion.summary, opinion.recorded_by) == (
        "facility_staff", "visit", FORM["summary"], user.id)
    assert "御意見を記録しました" in client.get("/opinions/new").get_data(as_text=True)


def test_the_call_log_links_operators_to_the_opinion_form(operator_client, season):
    page = operator_client.get("/operator/calls").get_data(as_text=True)
    assert 'id="record-opinion"' in page and 'href="/opinions/new"' in page


def test_a_summary_with_a_phone_number_is_refused_and_what_was_typed_stays(
        operator_client, db, season):
    typed = "０１３４－１２－３４５６の方から、訪問の時間を知りたいとの御意見"
    response = operator_client.post_form("/opinions/new", {**FORM, "summary": typed})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "御意見の内容に電話番号のような数字（10桁以上）が含まれています。" in page
    assert typed in page
    assert re.search(r'<input checked[^>]* value="facility_staff"', page)
    assert '<option selected value="visit">' in page
    assert db.scalar(select(Opinion)) is None


def test_missing_source_and_summary_are_named(team_client, db, season):
    response = team_client.post_form("/opinions/new", {"received_on": TODAY.isoformat()})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "御意見をいただいた方を選んでください。" in page
    assert "御意見の内容を入力してください。" in page
    assert db.scalar(select(Opinion)) is None


def test_managers_list_mark_reported_and_download(manager_client, db, season):
    clerk = make_user(db, "operator")
    a = _record(db, season, clerk, summary="予約の電話がつながりにくい", topic="booking")
    b = _record(db, season, clerk, summary="施設での説明が丁寧", source="facility_staff",
                received_on=TODAY - dt.timedelta(days=1))
    db.commit()
    page = manager_client.get("/manager/opinions/").get_data(as_text=True)
    assert "予約の電話がつながりにくい" in page and "施設での説明が丁寧" in page
    assert "市民 1件" in page and "施設職員 1件" in page
    assert "operator 職員" in page  # who recorded it

    none = manager_client.post_form("/manager/opinions/reported", {})
    assert none.status_code == 422
    assert "市に報告済みにする御意見を選んでください。" in none.get_data(as_text=True)

    done = manager_client.post_form("/manager/opinions/reported", {"opinion_ids": [str(b.id)]})
    assert done.status_code == 302
    db.expire_all()
    manager = db.scalar(select(User).where(User.username == "manager1"))
    assert (db.get(Opinion, b.id).reported_on, db.get(Opinion, b.id).reported_by) == (
        TODAY, manager.id)
    assert db.get(Opinion, a.id).reported_on is None

    unreported = manager_client.get("/manager/opinions/").get_data(as_text=True)
    assert "施設での説明が丁寧" not in unreported and "予約の電話がつながりにくい" in unreported
    everything = manager_client.get("/manager/opinions/?show=all").get_data(as_text=True)
    assert f"報告済 {jp_date(TODAY, year=True)}（manager 職員）" in everything

    response = manager_client.get("/manager/opinions/opinions.xlsx?show=all")
    assert response.status_code == 200
    rows = list(load_workbook(io.BytesIO(response.data)).active.iter_rows(values_only=True))
    assert rows[0][0] == f"{season.title} 市民・施設職員からの御意見"
    assert rows[1] == COLUMNS
    assert [(r[0].date(), *r[1:4]) for r in rows[2:]] == [
        (TODAY - dt.timedelta(days=1), OPINION_SOURCES["facility_staff"], None, "施設での説明が丁寧"),
        (TODAY, OPINION_SOURCES["citizen"], OPINION_TOPICS["booking"], "予約の電話がつながりにくい"),
    ]
    assert rows[2][4].date() == TODAY and rows[3][4] == "未報告"
    only_open = manager_client.get("/manager/opinions/opinions.xlsx")
    open_rows = list(load_workbook(io.BytesIO(only_open.data)).active.iter_rows(values_only=True))
    assert [r[3] for r in open_rows[2:]] == ["予約の電話がつながりにくい"]


def test_the_report_counts_opinions_by_source_and_lists_them(manager_client, db, season):
    clerk = make_user(db, "team")
    for source in ("citizen", "citizen", "other"):
        _record(db, season, clerk, summary=f"{source}の御意見", source=source)
    db.commit()
    page = manager_client.get("/manager/reports/").get_data(as_text=True)
    assert '<td data-opinions="citizen">2</td>' in page
    assert '<td data-opinions="facility_staff">0</td>' in page
    assert '<td data-opinions="other">1</td>' in page
    book = load_workbook(io.BytesIO(manager_client.get("/manager/reports/report.xlsx").data))
    figures = {row[0]: row[1] for row in book["集計"].iter_rows(min_row=2, values_only=True)}
    assert (figures["御意見（市民）"], figures["御意見（施設職員）"], figures["御意見（その他）"]) == (
        2, 0, 1)
    rows = list(book["御意見"].iter_rows(values_only=True))
    assert rows[1] == COLUMNS
    assert sorted(r[3] for r in rows[2:]) == ["citizenの御意見", "citizenの御意見", "otherの御意見"]
