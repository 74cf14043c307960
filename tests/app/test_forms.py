"""Every page form's built-in WTForms messages are Japanese (app/forms.py)."""

from __future__ import annotations

import gettext
import re

from wtforms.i18n import messages_path

from app.forms import JAPANESE
from tests.app.test_season_settings import season_form

ENGLISH = re.compile(r"Not a valid|not a valid choice|Field (cannot|must)|This field|Invalid |"
                     r"Number must|must be")


def test_every_message_of_the_wtforms_catalogue_has_japanese_text():
    catalogue = gettext.translation("wtforms", messages_path(), ["ja"])
    msgids = {key[0] if isinstance(key, tuple) else key
              for key in catalogue._catalog}  # type: ignore[attr-defined]
    msgids.discard("")
    assert len(msgids) > 30
    for msgid in msgids:
        text = JAPANESE.gettext(msgid)
        assert re.search(r"[ぁ-んァ-ン一-龥]", text), (msgid, text)
        assert not ENGLISH.search(text), (msgid, text)
    # The catalogue's own poor entries are replaced.
    assert JAPANESE.gettext("This field cannot be edited.") == "この項目は変更できません。"
    assert "float" not in JAPANESE.gettext("Not a valid float value.")


def test_intake_page_shows_integer_choice_date_and_float_errors_in_japanese(operator_client,
                                                                            season):
    response = operator_client.post_form("/operator/bookings/new", {
        "applicants": "1.5", "wish_weekdays": "9", "birth_date": "1942-13-40",
        "lat": "北緯43度", "lng": "141.0"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "申請予定件数（人数）: 整数で入力してください" in page
    assert "希望曜日: 「9」は選択肢にありません。" in page
    assert "生年月日: 日付の形式が正しくありません" in page
    assert "緯度: 数値で入力してください。" in page
    assert not ENGLISH.search(page), ENGLISH.search(page)
    # An unreadable value gets that one message, not the range or pairing checks as well.
    assert page.count("申請予定件数（人数）: ") == 2  # the summary and the field, once each
    assert "緯度: 緯度と経度は両方" not in page


def test_season_settings_show_length_integer_choice_and_date_errors_in_japanese(
        manager_client, db, season):
    data = season_form(season, **{"rules.teams": "1.5", "travel.model": "walk",
                                   "season.booking_opens": "2026-02-30"})
    data["title"] = "あ" * 201
    response = manager_client.post_form("/manager/season", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "シーズン名: 200文字以内で入力してください。" in page
    assert "訪問チーム数: 整数で入力してください" in page
    assert "移動時間の計算方法: 選択肢の中から選んでください。" in page
    assert "予約受付開始日: 日付の形式が正しくありません" in page
    assert not ENGLISH.search(page), ENGLISH.search(page)
    db.refresh(season)
    assert season.title == "小樽市 2026年度"


def test_replan_team_count_decimal_is_refused_in_japanese(manager_client, season):
    response = manager_client.post_form("/manager/replan/preview",
                                        {"kind": "teams", "teams": "1.5", "reason": "増員"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422, response.status_code
    assert "整数で入力してください" in page
    assert "Not a valid" not in page


def test_every_page_form_derives_from_the_japanese_base(app):
    """A form written on FlaskForm directly would show WTForms' English messages again."""
    from flask_wtf import FlaskForm

    from app.forms import Form

    assert [c for c in FlaskForm.__subclasses__() if c is not Form] == []
    assert len(Form.__subclasses__()) > 20


def test_blank_optional_fields_sent_by_a_browser_raise_no_error(operator_client, season):
    """A browser posts every input, the empty ones as ""; Optional() fields stay quiet."""
    from tests.app.test_intake import answers

    response = operator_client.post_form("/operator/bookings/new", answers(
        lat="", lng="", wish_from="", wish_to="", address="小樽市稲穂2丁目"))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "入力内容を確認してください" not in page and 'name="offer"' in page
