"""The register of personal-data incidents (特記事項 第12): managers record what happened,
where, which personal data and how many persons; the report to the city, its instructions,
the notice to the persons and the closing come later, each update appended to the history."""

from __future__ import annotations

import io

from openpyxl import load_workbook
from sqlalchemy import func, select

from app.incidents.export import COLUMNS
from app.incidents.models import Incident, IncidentRevision
from app.privacy.models import HandlingLogEntry
from tests.app.test_bookings_reserve import make_booking
from tests.conftest import SEASON_TODAY

TODAY = SEASON_TODAY.isoformat()  # 2026-06-01, pinned by APP_TODAY
YESTERDAY = "2026-05-31"
NEW = "/manager/incidents/new"


def form(**overrides):
    data = {"discovered_on": YESTERDAY, "discovered_time": "10:30",
            "circumstances": "受付票1枚を帰庁途中に紛失したおそれ", "place": "コールセンター",
            "data_content": "受付票（氏名・住所・電話番号）", "persons_count": "1",
            "receipt_numbers": "", "measures": "経路を捜索中", "reported_on": "",
            "reported_time": "", "reported_to": "", "city_instructions": "", "notified": "no",
            "notified_on": ""}
    data.update(overrides)
    return data


def field_error(page: str, name: str) -> str | None:
    """The message shown beside field `name` (the macro's `data-field` block), if any."""
    start = page.find(f'data-field="{name}"')
    if start < 0:
        return None
    end = page.find('data-field="', start + 1)
    block = page[start:end if end > 0 else len(page)]
    marker = 'class="field-error">'
    at = block.find(marker)
    return None if at < 0 else block[at + len(marker):block.find("</p>", at)]


def log_rows(db, action):
    return db.scalar(select(func.count()).select_from(HandlingLogEntry).where(
        HandlingLogEntry.record_type == "incident", HandlingLogEntry.action == action))


def test_a_manager_records_an_incident_and_it_is_logged(manager_client, db, season):
    response = manager_client.post_form(NEW, form())
    assert response.status_code == 302
    incident = db.scalar(select(Incident))
    assert incident.place == "コールセンター" and incident.persons_count == 1
    assert incident.discovered_at.isoformat() == f"{YESTERDAY}T10:30:00"
    assert incident.reported_at is None and incident.closed_on is None
    assert len(incident.revisions) == 1
    assert log_rows(db, "change") == 1
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "小樽市へ未報告" in page and "受付票1枚を帰庁途中に紛失したおそれ" in page
    assert log_rows(db, "view") == 1


def test_receipt_numbers_of_the_season_are_kept_and_others_refused(manager_client, db, season):
    booking = make_booking(db, season, _someone(db))
    page = manager_client.post_form(NEW, form(receipt_numbers=f"{booking.receipt_no}, 999")
                                    ).get_data(as_text=True)
    assert field_error(page, "receipt_numbers") == "対象の受付番号 999 の予約はこの期間にありません。"
    assert 'value="' + f"{booking.receipt_no}, 999" + '"' in page  # typed text kept
    page = manager_client.post_form(NEW, form(receipt_numbers="1,abc")).get_data(as_text=True)
    assert "正しくない値: abc" in field_error(page, "receipt_numbers")
    for odd in ("٣", "0", "99999999999"):  # a digit int() reads but is not ASCII; out of range
        page = manager_client.post_form(NEW, form(receipt_numbers=odd)).get_data(as_text=True)
        assert f"正しくない値: {odd}" in field_error(page, "receipt_numbers"), odd
    assert db.scalar(select(func.count()).select_from(Incident)) == 0
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in str(booking.receipt_no))
    assert manager_client.post_form(NEW, form(receipt_numbers=f"{full_width}、")
                                    ).status_code == 302
    assert db.scalar(select(Incident.receipt_numbers)) == str(booking.receipt_no)


def _someone(db):
    from tests.conftest import make_user
    return make_user(db, "operator", "someone").id


def test_each_refused_field_gets_its_japanese_message_and_keeps_the_typed_text(
        manager_client, db, season):
    page = manager_client.post_form(NEW, form(
        discovered_on="", discovered_time="", circumstances="", place="",
        data_content="", persons_count="", measures="取った措置はここに残る")
    ).get_data(as_text=True)
    assert field_error(page, "discovered_on") == "発見日を入力してください。"
    assert field_error(page, "discovered_time") == "発見時刻を入力してください。"
    assert field_error(page, "circumstances") == "発生状況を入力してください。"
    assert field_error(page, "place") == "発生場所を入力してください。"
    assert field_error(page, "data_content") == "個人情報の内容を入力してください。"
    assert field_error(page, "persons_count").startswith("人数を入力してください")
    assert "取った措置はここに残る" in page
    assert db.scalar(select(func.count()).select_from(Incident)) == 0


def test_values_out_of_range_are_refused(manager_client, db, season):
    cases = [
        ({"discovered_on": "2026-06-02"}, "discovered_on", "発見日時に先の日時は入力できません。"),
        ({"discovered_time": "25:00"}, "discovered_time", "時刻の形式が正しくありません"),
        ({"persons_count": "0"}, "persons_count", "人数は1から"),
        ({"persons_count": "三"}, "persons_count", "整数で入力してください。"),
        ({"place": "あ" * 201}, "place", "発生場所は200文字以内で入力してください。"),
        ({"circumstances": "a\x00b"}, "circumstances", "発生状況に使えない文字が含まれています。"),
        ({"reported_on": YESTERDAY}, "reported_time", "小樽市への報告時刻を入力してください。"),
        ({"reported_on": YESTERDAY, "reported_time": "11:00"}, "reported_to",
         "報告先（小樽市の担当者）を入力してください。"),
        ({"reported_on": YESTERDAY, "reported_time": "09:00", "reported_to": "市民課 小樽"},
         "reported_on", "小樽市への報告日時が発見日時より前になっています。"),
        ({"notified": "yes"}, "notified_on", "本人に通知した日を入力してください。"),
        ({"notified_on": TODAY}, "notified_on", "通知日は本人への通知を「通知済み」にしたときだけ"),
        ({"notified": "yes", "notified_on": "2026-05-01"}, "notified_on",
         "本人への通知日が発見日より前になっています。"),
        ({"notified": "maybe"}, "notified", "本人への通知を選択肢の中から選んでください。"),
        ({"closed": "y"}, "closed", "小樽市へ報告するまで対応完了にはできません"),
    ]
    for overrides, name, message in cases:
        response = manager_client.post_form(NEW, form(**overrides))
        page = response.get_data(as_text=True)
        assert response.status_code == 422, overrides
        error = field_error(page, name)
        assert error and message in error, (overrides, error)
    assert db.scalar(select(func.count()).select_from(Incident)) == 0
    # The same values, once consistent, are allowed.
    assert manager_client.post_form(NEW, form(
        discovered_on=TODAY, discovered_time="00:00", persons_count="1000000", place="あ" * 200,
        reported_on=TODAY, reported_time="00:00", reported_to="市民課 小樽",
        notified="yes", notified_on=TODAY, closed="y")).status_code == 302
    assert db.scalar(select(Incident.closed_on)).isoformat() == TODAY


def test_an_update_appends_a_revision_and_keeps_the_history(manager_client, db, season):
    manager_client.post_form(NEW, form())
    incident = db.scalar(select(Incident))
    url = f"/manager/incidents/{incident.id}"
    assert manager_client.post_form(url, form(
        reported_on=YESTERDAY, reported_time="11:15", reported_to="小樽市 市民課 担当A",
        city_instructions="本人へ電話で連絡すること")).status_code == 302
    assert manager_client.post_form(url, form(
        reported_on=YESTERDAY, reported_time="11:15", reported_to="小樽市 市民課 担当A",
        city_instructions="本人へ電話で連絡すること", notified="yes", notified_on=TODAY,
        closed="y")).status_code == 302
    db.expire_all()
    incident = db.get(Incident, incident.id)
    assert incident.reported_to == "小樽市 市民課 担当A"
    assert incident.closed_on.isoformat() == TODAY and incident.notified == "yes"
    revisions = list(db.scalars(select(IncidentRevision).order_by(IncidentRevision.id)))
    assert len(revisions) == 3
    assert ["小樽市への報告日時", None, f"{YESTERDAY} 11:15"] in revisions[1].changes
    assert ["本人への通知", "未通知", "通知済み"] in revisions[2].changes
    page = manager_client.get(url).get_data(as_text=True)
    assert "受付票1枚を帰庁途中に紛失したおそれ" in page and "本人へ電話で連絡すること" in page
    assert "小樽市へ未報告" not in page
    # Nothing changed: no revision; a refused update changes nothing.
    before = len(revisions)
    manager_client.post_form(url, form(
        reported_on=YESTERDAY, reported_time="11:15", reported_to="小樽市 市民課 担当A",
        city_instructions="本人へ電話で連絡すること", notified="yes", notified_on=TODAY,
        closed="y"))
    response = manager_client.post_form(url, form(place=""))
    assert response.status_code == 422
    assert field_error(response.get_data(as_text=True), "place") == "発生場所を入力してください。"
    assert db.scalar(select(func.count()).select_from(IncidentRevision)) == before
    assert manager_client.get("/manager/incidents/999999").status_code == 404


def test_the_manager_home_flags_open_incidents_until_reported(manager_client, db, season):
    home = manager_client.get("/manager/").get_data(as_text=True)
    assert "対応中の事案はありません。" in home
    manager_client.post_form(NEW, form(discovered_on="2026-05-29", discovered_time="09:00"))
    incident = db.scalar(select(Incident))
    home = manager_client.get("/manager/").get_data(as_text=True)
    card = home[home.index('id="incident-status"'):]
    assert f"事案 No.{incident.id}" in card and "発見から3日" in card
    assert '<strong class="tag late">小樽市へ未報告</strong>' in card
    assert "小樽市へ未報告の事案が1件あります。" in card
    url = f"/manager/incidents/{incident.id}"
    reported = {"reported_on": "2026-05-29", "reported_time": "12:00", "reported_to": "市民課"}
    manager_client.post_form(url, form(discovered_on="2026-05-29", discovered_time="09:00",
                                       **reported))
    card = manager_client.get("/manager/").get_data(as_text=True)
    card = card[card.index('id="incident-status"'):]
    assert "小樽市へ報告済み" in card and "小樽市へ未報告" not in card
    manager_client.post_form(url, form(discovered_on="2026-05-29", discovered_time="09:00",
                                       closed="y", **reported))
    assert "対応中の事案はありません。" in manager_client.get("/manager/").get_data(as_text=True)


def test_the_list_and_the_export_for_the_city(manager_client, db, season):
    manager_client.post_form(NEW, form())
    manager_client.post_form(NEW, form(place="訪問先への移動中", discovered_time="08:00",
                                       reported_on=YESTERDAY, reported_time="09:00",
                                       reported_to="市民課", closed="y"))
    page = manager_client.get("/manager/incidents/").get_data(as_text=True)
    assert "コールセンター" in page and "訪問先への移動中" in page
    page = manager_client.get("/manager/incidents/?show=open").get_data(as_text=True)
    assert "コールセンター" in page and "訪問先への移動中" not in page
    response = manager_client.get("/manager/incidents/incidents.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "第12" in rows[0][0]
    assert rows[1] == COLUMNS
    by_place = {r[3]: r for r in rows[2:]}
    assert by_place["コールセンター"][8] == "未報告" and by_place["コールセンター"][12] == "対応中"
    assert by_place["訪問先への移動中"][8] == f"{YESTERDAY} 09:00"
    assert log_rows(db, "export") == 1


def test_the_register_is_linked_from_the_handling_log_page(manager_client, season):
    page = manager_client.get("/manager/privacy/log").get_data(as_text=True)
    assert 'href="/manager/incidents/"' in page


def test_other_roles_are_refused(operator_client, db, season):
    assert operator_client.get("/manager/incidents/").status_code == 403
    assert operator_client.post_form(NEW, form()).status_code == 403
    assert db.scalar(select(func.count()).select_from(Incident)) == 0
