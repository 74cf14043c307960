"""The facility applicant list (004 §9(2)ウ): templates, a good file, and every kind of bad
file is refused with its row, column and reason, saving nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app.facilities import applicant_list as al
from app.facilities import scheduling
from app.facilities.models import FacilityApplicant
from app.privacy.models import HandlingLogEntry
from tests.app.test_facilities import TODAY, make_facility

HEADER = [label for _key, label in al.COLUMNS]
GOOD = [
    ["小樽 花子", "小樽市稲穂2丁目1-1", "1938-04-01", "いいえ", "はい", "はい", "", ""],
    ["小樽 次郎", "小樽市稲穂2丁目1-1", "昭和12年5月6日", "はい", "いいえ", "いいえ", "更新", "車椅子"],
    ["小樽 三郎", "小樽市花園1丁目", dt.date(1940, 1, 2), "○", "×", "いいえ", "", ""],
]


def xlsx(rows: list[list[object]], header: list[str] = HEADER) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def test_templates_have_the_seed_columns():
    ws = load_workbook(io.BytesIO(al.template_xlsx())).worksheets[0]
    assert [c.value for c in ws[1]] == HEADER
    assert al.template_csv().decode("utf-8-sig").strip() == ",".join(HEADER)
    # a blank template read back is "nothing filled in", not a crash
    with pytest.raises(al.ListInvalid, match="1人も"):
        al.parse_upload("t.xlsx", al.template_xlsx(), 20, TODAY)


def test_good_xlsx_and_shift_jis_csv():
    rows = al.parse_upload("list.xlsx", xlsx(GOOD), 3, TODAY)
    assert [r.name for r in rows] == ["小樽 花子", "小樽 次郎", "小樽 三郎"]
    assert rows[1].birth_date == dt.date(1937, 5, 6) and rows[1].needs_proxy_writer
    assert rows[1].reapplication_reason == "更新" and rows[0].reapplication_reason is None
    assert rows[2].needs_proxy_writer and not rows[2].face_auth_only
    from_csv = al.parse_upload("list.csv", csv_bytes(GOOD, "cp932"), 3, TODAY)
    assert [(r.name, r.birth_date) for r in from_csv] == [(r.name, r.birth_date) for r in rows]


BAD_CASES = {
    "wrong columns": ("list.xlsx", lambda: xlsx(GOOD, HEADER[:2] + ["誕生日"] + HEADER[3:]),
                      "1行目・「生年月日」: この列がありません"),
    "missing name": ("list.xlsx", lambda: xlsx([GOOD[0], ["", *GOOD[1][1:]]]),
                     "3行目・「氏名」: 入力してください。"),
    "bad date of birth": ("list.xlsx", lambda: xlsx([[*GOOD[0][:2], "1938-13-45", *GOOD[0][3:]]]),
                          "2行目・「生年月日」: 日付として読めません（入力値: 1938-13-45）"),
    "future date of birth": ("list.xlsx", lambda: xlsx([[*GOOD[0][:2], "2030-01-01", *GOOD[0][3:]]]),
                             "2行目・「生年月日」: 未来の日付です"),
    "unknown yes/no": ("list.xlsx", lambda: xlsx([[*GOOD[0][:3], "たぶん", *GOOD[0][4:]]]),
                       "2行目・「代筆が必要」: 「はい」か「いいえ」で入力してください（入力値: たぶん）"),
    "more rows than scheduled": ("list.xlsx", lambda: xlsx(GOOD), "申請者が3名で、訪問予定の2名を超えています"),
    "empty file": ("list.csv", lambda: b"", "ファイルが空です。"),
    "not an xlsx": ("list.xlsx", lambda: "氏名,住所".encode(), "Excel（.xlsx）ファイルとして読み込めません"),
    "duplicate person": ("list.xlsx", lambda: xlsx([GOOD[0], GOOD[1], GOOD[0]]),
                         "4行目・「氏名」: 2行目と同じ人"),
    "bad encoding csv": ("list.csv", lambda: csv_bytes(GOOD[:1]).replace(b"\xe5", b"\xff\xfe\x80"),
                         "文字コードを読み取れません"),
    "header only": ("list.csv", lambda: csv_bytes([]), "申請者が1人も記入されていません"),
    "wrong file type": ("list.pdf", lambda: b"%PDF-1.4", "ファイルの形式は .xlsx または .csv"),
}


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_files_are_refused_with_row_column_and_reason(case):
    filename, make, expected = BAD_CASES[case]
    limit = 2 if case == "more rows than scheduled" else 20
    with pytest.raises(al.ListInvalid) as refused:
        al.parse_upload(filename, make(), limit, TODAY)
    messages = [str(e) for e in refused.value.errors]
    assert any(expected in m for m in messages), messages


def test_list_due_one_week_before_and_late_after():
    visit = dt.date(2026, 7, 15)
    assert al.list_due(visit) == dt.date(2026, 7, 8)
    assert al.list_status(False, visit, dt.date(2026, 7, 8)) == "missing"
    assert al.list_status(False, visit, dt.date(2026, 7, 9)) == "late"
    assert al.list_status(True, visit, dt.date(2026, 7, 9)) == "received"
    assert al.list_status(False, None, TODAY) == "not_needed"


# --- through the page ---------------------------------------------------------------------


def _scheduled(db, season, applicants: int = 8):
    from tests.conftest import make_user

    manager = make_user(db, "manager", "scheduler")
    facility = make_facility(db, season, manager, applicants)
    offer = scheduling.facility_offers(db, season, facility, TODAY).offers[0]
    scheduling.schedule(db, season, facility, offer.key, manager, TODAY)
    db.commit()
    return facility


def _upload(client, facility_id: int, filename: str, data: bytes):
    return client.post_form(f"/manager/facilities/{facility_id}/applicants",
                            {"file": (io.BytesIO(data), filename)},
                            content_type="multipart/form-data")


def test_upload_page_saves_a_good_file_and_nothing_from_a_bad_one(manager_client, db, season):
    facility = _scheduled(db, season)
    bad = _upload(manager_client, facility.id, "list.xlsx", xlsx([GOOD[0], ["", *GOOD[1][1:]]]))
    assert bad.status_code == 422
    page = bad.get_data(as_text=True)
    assert "ファイルに誤りがあるため登録しませんでした" in page
    assert "3行目・「氏名」: 入力してください。" in page
    count = select(func.count()).select_from(FacilityApplicant).where(
        FacilityApplicant.facility_id == facility.id)
    assert db.scalar(count) == 0
    good = _upload(manager_client, facility.id, "list.xlsx", xlsx(GOOD))
    assert good.status_code == 302
    assert db.scalar(count) == 3
    # a later bad file keeps the stored list
    assert _upload(manager_client, facility.id, "list.csv", b"").status_code == 422
    assert db.scalar(count) == 3
    listing = manager_client.get(f"/manager/facilities/{facility.id}/applicants")
    assert "小樽 次郎" in listing.get_data(as_text=True)
    export = manager_client.get(f"/manager/facilities/{facility.id}/applicants.xlsx")
    ws = load_workbook(io.BytesIO(export.data)).worksheets[0]
    assert ws.cell(row=3, column=2).value == "小樽 花子"
    actions = db.scalars(select(HandlingLogEntry.action).where(
        HandlingLogEntry.record_type == "facility_applicants",
        HandlingLogEntry.record_id == str(facility.id)).order_by(HandlingLogEntry.id)).all()
    assert actions == ["change", "view", "export"]


def test_dashboard_lists_missing_and_late_lists(manager_client, db, season, app):
    facility = _scheduled(db, season)
    first = scheduling.first_visit_date(facility)
    page = manager_client.get("/manager/facilities").get_data(as_text=True)
    assert f'class="list-missing" data-facility="{facility.id}"' in page
    app.config["APP_TODAY"] = first - dt.timedelta(days=6)
    page = manager_client.get("/manager/facilities").get_data(as_text=True)
    assert f'class="list-late overdue" data-facility="{facility.id}"' in page
    assert "提出期限超過" in page


@pytest.mark.parametrize("typed, born", [
    ("S12.5.6", dt.date(1937, 5, 6)), ("昭和12.5.6", dt.date(1937, 5, 6)),
    ("ｓ１２／５／６", dt.date(1937, 5, 6)), ("H元.1.8", dt.date(1989, 1, 8)),
    ("19370506", dt.date(1937, 5, 6)), ("昭和12年5月6日", dt.date(1937, 5, 6)),
])
def test_dates_of_birth_as_japanese_offices_write_them(typed, born):
    assert al.parse_date(typed) == born


def test_a_date_that_excel_turned_into_a_number_is_explained():
    row = ["小樽 次郎", "小樽市稲穂2丁目1-1", 13641, "はい", "いいえ", "いいえ", "", ""]
    with pytest.raises(al.ListInvalid) as caught:
        al.parse_upload("list.xlsx", xlsx([row]), 10, TODAY)
    assert "2行目・「生年月日」" in str(caught.value)
    assert "Excelの日付が数値になっています" in str(caught.value)


def _names(n: int) -> list[list[object]]:
    return [[f"小樽 {i}郎", "小樽市稲穂2丁目1-1", dt.date(1940, 1, 1) + dt.timedelta(days=i),
             "いいえ", "いいえ", "いいえ", "", ""] for i in range(1, n + 1)]


def test_a_replacing_upload_says_what_it_replaced_and_a_list_short_of_the_booking(
        manager_client, db, season):
    facility = _scheduled(db, season, applicants=14)
    first = _upload(manager_client, facility.id, "list.xlsx", xlsx(_names(14)))
    assert first.status_code == 302
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert "申請者リストを登録しました（14名）。" in page
    assert "置き換え" not in page and "より少なくなっています" not in page
    second = _upload(manager_client, facility.id, "list.xlsx", xlsx(_names(3)))
    assert second.status_code == 302
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert "前のリスト（14名）を新しいリスト（3名）に置き換えました。" in page
    assert "申請者リストは3名で、予約の14名より少なくなっています（訪問は14名の予定です）" in page
    history = [e.note for e in facility.events if e.action == "list_uploaded"]
    assert history[-1] == "list.xlsx（3名、前のリスト 14名を置き換え）"


def test_a_list_stored_before_a_smaller_re_booking_is_flagged_not_deleted(
        manager_client, db, season):
    from app.facilities.operations import list_mismatch, record_callback, store_applicant_list
    from app.facilities.todo import todos
    from solver.season import SeasonConfig, Wish
    from tests.conftest import make_user

    rules = SeasonConfig().rules
    manager = make_user(db, "manager", "rebooker")
    facility = _scheduled(db, season, applicants=27)
    store_applicant_list(db, facility, al.validate([HEADER, *_names(27)], 27, TODAY), manager,
                         "list.xlsx")
    assert list_mismatch(facility) is None
    assert "share" in {t.key for t in todos(facility, rules, TODAY)}
    scheduling.unschedule(db, facility, "人数が減った", manager)
    record_callback(db, facility, manager, 14, Wish(), False, "14名に")
    offer = scheduling.facility_offers(db, season, facility, TODAY).offers[0]
    scheduling.schedule(db, season, facility, offer.key, manager, TODAY)
    db.commit()
    assert len(facility.applicants) == 27  # nobody's data is deleted
    mismatch = list_mismatch(facility)
    assert mismatch is not None and (mismatch.listed, mismatch.booked) == (27, 14)
    steps = {t.key: t for t in todos(facility, rules, TODAY)}
    assert "share" not in steps and "list" not in steps
    assert steps["list_mismatch"].label.startswith("申請者リストの人数（27名）が予約（14名）と合いません")
    assert steps["list_mismatch"].due == al.list_due(scheduling.first_visit_date(facility))
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert 'id="list-mismatch"' in page
    assert "申請者リストの人数（27名）が予約（14名）と合いません" in page
    queue = manager_client.get("/manager/facilities").get_data(as_text=True)
    assert "申請者リストの人数（27名）が予約（14名）と合いません" in queue
    # a list matching the new booking clears the flag
    assert _upload(manager_client, facility.id, "list.xlsx", xlsx(_names(14))).status_code == 302
    db.expire_all()
    assert list_mismatch(facility) is None
    page = manager_client.get(f"/manager/facilities/{facility.id}").get_data(as_text=True)
    assert 'id="list-mismatch"' not in page


def test_a_list_stored_after_the_booking_is_not_flagged_for_being_short(db, season):
    from app.facilities.operations import list_mismatch, store_applicant_list
    from tests.conftest import make_user

    facility = _scheduled(db, season, applicants=14)
    store_applicant_list(db, facility, al.validate([HEADER, *_names(12)], 14, TODAY),
                         make_user(db, "manager", "uploader"), "list.xlsx")
    assert list_mismatch(facility) is None  # told at upload time (StoredList.shortfall)
