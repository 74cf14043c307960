"""The call log: one-click logging and the weekly count for the city (SPEC §11)."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import load_workbook
from sqlalchemy import select

from app.calls.kinds import CALL_KINDS
from app.calls.models import CallRecord
from app.calls.operations import weekly_counts


def test_one_click_logs_a_call_with_its_kind_and_operator(operator_client, db, season):
    response = operator_client.post_form("/operator/calls", {"kind": "question", "note": ""})
    assert response.status_code == 302
    call = db.scalar(select(CallRecord))
    assert call.kind == "question" and call.note is None and call.season_id == season.id
    page = operator_client.get("/operator/calls").get_data(as_text=True)
    assert CALL_KINDS["question"] in page


def test_unknown_kind_and_long_note_are_refused_and_nothing_is_saved(operator_client, db, season):
    bad_kind = operator_client.post_form("/operator/calls", {"kind": "complaint"})
    assert bad_kind.status_code == 422
    assert "通話の種類" in bad_kind.get_data(as_text=True)
    long_note = operator_client.post_form("/operator/calls", {"kind": "other", "note": "あ" * 501})
    assert long_note.status_code == 422
    assert "500文字以内" in long_note.get_data(as_text=True)
    assert db.scalar(select(CallRecord)) is None


def _call(db, season, user_id, kind, when):
    db.add(CallRecord(season_id=season.id, user_id=user_id, kind=kind, received_at=when))


def test_weekly_counts_group_by_japan_week_and_fill_empty_weeks(db, season, operator_client):
    from app.auth.models import User

    user = db.scalar(select(User))
    # Sunday 2026-06-07 23:30 JST is 14:30 UTC: still the week of Monday 2026-06-01.
    _call(db, season, user.id, "booking", dt.datetime(2026, 6, 7, 14, 30))
    # Monday 2026-06-08 00:30 JST is Sunday 15:30 UTC: already the next week.
    _call(db, season, user.id, "question", dt.datetime(2026, 6, 7, 15, 30))
    _call(db, season, user.id, "booking", dt.datetime(2026, 6, 9, 1, 0))
    # Nothing in the week of 06-15; one call in the week of 06-22.
    _call(db, season, user.id, "change", dt.datetime(2026, 6, 24, 2, 0))
    db.commit()
    weeks = weekly_counts(db, season.id)
    assert [w.week_start for w in weeks] == [dt.date(2026, 6, 1), dt.date(2026, 6, 8),
                                             dt.date(2026, 6, 15), dt.date(2026, 6, 22)]
    assert [w.total for w in weeks] == [1, 2, 0, 1]
    assert weeks[1].counts["booking"] == 1 and weeks[1].counts["question"] == 1

    page = operator_client.get("/operator/calls/weekly").get_data(as_text=True)
    assert "6月8日（月）〜6月14日（日）" in page

    response = operator_client.get("/operator/calls/weekly.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2:7] == tuple(CALL_KINDS.values())
    totals = {row[0].date(): row[-1] for row in rows[2:-1]}
    assert totals == {dt.date(2026, 6, 1): 1, dt.date(2026, 6, 8): 2, dt.date(2026, 6, 15): 0,
                      dt.date(2026, 6, 22): 1}
    assert rows[-1][0] == "合計" and rows[-1][-1] == 4


def _weeks_of(rows):
    return [row[0].date() for row in rows[2:-1]]


def test_the_weekly_report_lists_every_week_the_call_centre_was_open(
        app, db, season, operator_client, manager_client):
    """004 §10(1): the city gets the number of calls of every week, so a week without a call
    is reported as 0 — from the opening week, not from the first call, to the current week."""
    from app.auth.models import User

    user = db.scalar(select(User))
    _call(db, season, user.id, "booking", dt.datetime(2026, 6, 9, 1, 0))
    db.commit()
    app.config["APP_TODAY"] = dt.date(2026, 7, 8)
    sheet = load_workbook(io.BytesIO(operator_client.get("/operator/calls/weekly.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    weeks = [dt.date(2026, 6, 1) + dt.timedelta(weeks=n) for n in range(6)]  # to week of 7/6
    assert _weeks_of(rows) == weeks
    assert [row[-1] for row in rows[2:-1]] == [0, 1, 0, 0, 0, 0]
    assert rows[-1][0] == "合計" and rows[-1][-1] == 1
    page = operator_client.get("/operator/calls/weekly").get_data(as_text=True)
    assert "6月1日（月）〜6月7日（日）" in page and "7月6日（月）〜7月12日（日）" in page
    assert '<tr id="weekly-total"><th>合計</th><th>1</th>' in page

    # After the call centre closed (12/24), the report ends with the week of its last day, and
    # the completion report's weekly sheet is the same table.
    app.config["APP_TODAY"] = dt.date(2027, 1, 8)
    sheet = load_workbook(io.BytesIO(operator_client.get("/operator/calls/weekly.xlsx").data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert _weeks_of(rows)[0] == dt.date(2026, 6, 1)
    assert _weeks_of(rows)[-1] == dt.date(2026, 12, 21)
    assert len(_weeks_of(rows)) == 30
    report = load_workbook(io.BytesIO(manager_client.get("/manager/reports/report.xlsx").data))
    assert list(report["週別受電件数"].iter_rows(values_only=True)) == rows
