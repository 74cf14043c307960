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
    assert "生年月日: 1942年の月が正しくありません（1〜12）。" in page
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


def _text(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


def field_labels(page: str) -> dict[str, str]:
    """Each rendered field's name -> its label text, as the `field` macro writes them (without
    the 「必須」 badge)."""
    found = re.findall(r'data-field="([^"]+)">\s*<label for="[^"]+"[^>]*>(.*?)'
                       r'(?: <span class="required-badge">必須</span>)?</label>', page, flags=re.S)
    return {name: _text(label) for name, label in found}


def error_lines(page: str) -> list[str]:
    """Every error line: under the fields and in the summary at the top (its links' text)."""
    summary = re.search(r'<div class="errors" role="alert">(.*?)</div>', page, flags=re.S)
    return (re.findall(r'class="field-error">(.*?)</p>', page, flags=re.S)
            + [_text(li) for li in re.findall(r"<li>(.*?)</li>",
                                              summary.group(1) if summary else "", flags=re.S)])


def assert_no_label_twice(page: str) -> list[str]:
    """No error line names its field twice ("氏名: 氏名を入力してください"); returns the lines.
    A field is named by its label or by the label without its bracketed note; the same words
    with another note are another field (「午後の訪問件数（最大）」 in the line of
    午後の訪問件数（基本）)."""
    labels = field_labels(page)
    lines = error_lines(page)
    assert labels and lines
    for line in lines:
        assert not re.match(r"(.+?): \1", line), line
        for label in labels.values():
            core = re.sub(r"（[^）]*）", "", label)
            bare = len(re.findall(re.escape(core) + r"(?!（)", line)) if core != label else 0
            assert line.count(label) + bare <= 1, (label, line)
    return lines


def test_intake_errors_name_each_field_once(operator_client, season):
    """Blank answers (the form's own messages name the field) next to an unreadable number
    (WTForms' message is a bare reason): each line has the label exactly once."""
    response = operator_client.post_form("/operator/bookings/new", {
        "applicants": "1.5", "phone": "12", "caller_phone": "12"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    lines = assert_no_label_twice(page)
    for line in ("申請希望者の氏名を入力してください。", "フリガナを入力してください。",
                 "申請予定件数（人数）: 整数で入力してください。",
                 "電話をかけている方の連絡先: 形式が正しくありません（例: 0134-12-3456）。"):
        assert lines.count(line) == 2, line  # under the field and in the summary
    assert "申請希望者の氏名: 申請希望者の氏名" not in page


def test_season_settings_errors_name_each_field_once(manager_client, season):
    """The form's messages, WTForms' and the service's cross-field rule on the settings page."""
    data = season_form(season, **{"rules.teams": "", "rules.home_am_slots": "-1",
                                  "rules.travel_cap_min": "三十", "travel.model": "walk"})
    data["title"] = ""
    page = manager_client.post_form("/manager/season", data).get_data(as_text=True)
    lines = assert_no_label_twice(page)
    for line in ("シーズン名を入力してください。", "訪問チーム数を入力してください。",
                 "午前の訪問件数は0以上の整数で入力してください。",
                 "1件目→2件目の移動上限（分）: 数値で入力してください。",
                 "移動時間の計算方法: 選択肢の中から選んでください。"):
        assert lines.count(line) == 2, line

    cross = season_form(season, **{"rules.home_pm_slots": 4, "rules.home_pm_slots_max": 3})
    page = manager_client.post_form("/manager/season", cross).get_data(as_text=True)
    (line, *_rest) = assert_no_label_twice(page)
    assert line.startswith("午後の訪問件数（基本）") and "超えないように" in line, line


def test_an_error_line_puts_the_label_in_front_only_when_the_message_lacks_it(app):
    from wtforms import HiddenField, IntegerField

    from app.forms import Form, error_line

    class Example(Form):
        applicants = IntegerField("申請予定件数（人数）")
        token = HiddenField()

    with app.test_request_context():
        form = Example(meta={"csrf": False})
    assert error_line(form.applicants, "整数で入力してください。") == \
        "申請予定件数（人数）: 整数で入力してください。"
    assert error_line(form.applicants, "申請予定件数は1〜20で入力してください。") == \
        "申請予定件数は1〜20で入力してください。"  # named without the bracketed note
    assert error_line(form.token, "もう一度「案を作成」してください。") == \
        "もう一度「案を作成」してください。"  # staff never see a hidden field's label
    assert form.applicants.meta.error_line(form.applicants, "入力してください。") == \
        "申請予定件数（人数）: 入力してください。"  # what the templates call
