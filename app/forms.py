"""The base class of every page form: WTForms' built-in messages in Japanese.

WTForms ships a Japanese catalogue (`wtforms/locale/ja`), but Flask-WTF only consults it
through Flask-Babel, which this app does not use; and several of its entries read poorly to
city staff ("無効なfloat値です。", "フィールドは …", an empty entry that falls back to English,
"This field cannot be edited." translated as "required"). So `Form` hands WTForms a
translations object that answers with `MESSAGES` first and WTForms' own catalogue for any
message a later WTForms adds. Pages show each message after the field's label
("申請予定件数: 整数で入力してください。"), so the messages do not repeat the label; a form's
own message that already names its field ("申請希望者の氏名を入力してください。") is shown as is
(`error_line`), so no page reads "氏名: 氏名を入力してください".

A form built with `meta={"locales": False}` keeps WTForms' English messages (the JSON API
words them itself, naming the field: app/bookings/api_io.py).
"""

from __future__ import annotations

import gettext
import re
from typing import Any

from flask_wtf import FlaskForm
from wtforms import Field
from wtforms.i18n import messages_path

# WTForms' English message (for plural messages, the singular) -> what staff read.
MESSAGES: dict[str, str] = {
    "This field is required.": "入力してください。",
    "Invalid input.": "入力内容が正しくありません。",
    "Not a valid integer value.": "整数で入力してください。",
    "Not a valid decimal value.": "数値で入力してください。",
    "Not a valid float value.": "数値で入力してください。",
    "Not a valid date value.": "日付の形式が正しくありません（例: 2026-06-25）。",
    "Not a valid datetime value.": "日時の形式が正しくありません（例: 2026-06-25 10:30）。",
    "Not a valid time value.": "時刻の形式が正しくありません（例: 10:30）。",
    "Not a valid week value.": "週の形式が正しくありません（例: 2026-W26）。",
    "Not a valid choice.": "選択肢の中から選んでください。",
    "Invalid Choice: could not coerce.": "選択肢の中から選んでください。",
    "Invalid choice(s): one or more data inputs could not be coerced.":
        "選択肢にない値が含まれています。",
    "'%(value)s' is not a valid choice for this field.":
        "「%(value)s」は選択肢にありません。",
    "Field must be at least %(min)d character long.": "%(min)d文字以上で入力してください。",
    "Field cannot be longer than %(max)d character.": "%(max)d文字以内で入力してください。",
    "Field must be exactly %(max)d character long.": "%(max)d文字で入力してください。",
    "Field must be between %(min)d and %(max)d characters long.":
        "%(min)d〜%(max)d文字で入力してください。",
    "Number must be at least %(min)s.": "%(min)s以上の数値を入力してください。",
    "Number must be at most %(max)s.": "%(max)s以下の数値を入力してください。",
    "Number must be between %(min)s and %(max)s.": "%(min)s〜%(max)sの数値を入力してください。",
    "Date must be at least %(min)s.": "%(min)s以降の日付を入力してください。",
    "Date must be at most %(max)s.": "%(max)s以前の日付を入力してください。",
    "Date must be between %(min)s and %(max)s.": "%(min)s〜%(max)sの日付を入力してください。",
    "Field must be equal to %(other_name)s.": "「%(other_name)s」と同じ内容を入力してください。",
    "Invalid value, must be one of: %(values)s.": "次のいずれかを入力してください: %(values)s。",
    "Invalid value, can't be any of: %(values)s.": "次の値は使えません: %(values)s。",
    "Invalid email address.": "メールアドレスの形式が正しくありません。",
    "Invalid URL.": "URLの形式が正しくありません。",
    "This field cannot be edited.": "この項目は変更できません。",
    "This field is disabled and cannot have a value.": "この項目には入力できません。",
    "Invalid CSRF Token.": "画面の有効期限が切れました。ページを再読み込みしてください。",
    "CSRF token missing.": "画面の有効期限が切れました。ページを再読み込みしてください。",
    "CSRF token expired.": "画面の有効期限が切れました。ページを再読み込みしてください。",
    "CSRF failed.": "画面の有効期限が切れました。ページを再読み込みしてください。",
}


class JapaneseMessages:
    """A WTForms translations object: `MESSAGES`, then WTForms' own Japanese catalogue."""

    def __init__(self) -> None:
        self._catalogue = gettext.translation("wtforms", messages_path(), ["ja"])

    def gettext(self, string: str) -> str:
        return MESSAGES.get(string) or self._catalogue.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return MESSAGES.get(singular) or self._catalogue.ngettext(singular, plural, n)


JAPANESE = JapaneseMessages()

# A label's note in brackets: "申請予定件数（人数）" is named by "申請予定件数は…".
_LABEL_NOTE = re.compile(r"（[^）]*）|\([^)]*\)")


def names_field(label: str, message: str) -> bool:
    """Whether `message` already names the field labelled `label` (its label without the
    bracketed note), so putting the label in front would say it twice."""
    core = _LABEL_NOTE.sub("", label).strip()
    return bool(core) and core in message


def error_line(field: Field, message: str) -> str:
    """One error as the page shows it, under the field and in the summary at the top: the
    label once and the reason once. WTForms' own messages are reasons only
    ("入力してください。") and get the label in front; a message that names its field already,
    and one on a hidden field (whose label staff never see, e.g. "Csrf Token"), is shown as
    it is."""
    if getattr(field.widget, "input_type", None) == "hidden" or names_field(
            field.label.text, message):
        return message
    return f"{field.label.text}: {message}"


class Form(FlaskForm):
    """FlaskForm with Japanese built-in messages; every page form derives from it."""

    class Meta:
        locales = ["ja"]

        def get_translations(self, form: Any) -> Any:
            return JAPANESE if self.locales else None

        def error_line(self, field: Field, message: str) -> str:
            """`error_line` for templates, which reach it through any field: `f.meta`."""
            return error_line(field, message)

    def validate(self, extra_validators: Any = None) -> bool:
        """As FlaskForm's, but a value that could not be read ("1.5" for a whole number,
        text for a date) shows only that message: the range and cross-field checks that
        WTForms still runs on the unreadable value would add wrong ones ("both latitude and
        longitude are needed" when both were typed). A blank field keeps the field's own
        "please enter ..." message instead of the reader's "not a number"."""
        valid = super().validate(extra_validators)
        for field in self:
            if not field.process_errors or not field.errors:
                continue  # `Optional()` cleared the reader's error of a blank field
            blank = not field.raw_data or not str(field.raw_data[0]).strip()
            others = [e for e in field.errors if e not in field.process_errors]
            field.errors = others if blank and others else list(field.process_errors)
        return valid
