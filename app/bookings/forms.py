"""The home-visit intake form (SPEC §6-§7). Every message names the field and the reason."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from wtforms import (
    DateField,
    FloatField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget, TextInput

from app import clock
from app.bookings import texts
from app.bookings.birth_dates import age_on as age_on  # re-exported for its callers
from app.bookings.birth_dates import eras_json, parse_birth_date, reading
from app.forms import Form
from solver.season import Wish

PHONE_RE = re.compile(r"^0\d{1,4}-?\d{1,4}-?\d{3,4}$")
KANA_RE = re.compile(r"^[\u30A0-\u30FF\u3040-\u309F\s　ー・]+$")


def normalise_phone(value: str | None) -> str:
    """Full-width digits and hyphens to ASCII; spaces removed."""
    if not value:
        return ""
    table = str.maketrans("０１２３４５６７８９－ー―‐（）", "0123456789----()")
    return re.sub(r"[\s()]", "", value.translate(table))


def to_katakana(value: str | None) -> str | None:
    """フリガナ as typed on any keyboard, in full-width katakana: half-width katakana
    (「ｵﾀﾙ ﾊﾅｺ」, NFKC also joins ｶﾞ into ガ) and hiragana become full-width katakana, so the
    check below and the stored name never depend on the operator's input mode."""
    if not value:
        return value
    text = unicodedata.normalize("NFKC", value)
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" or c in "ゝゞ" else c for c in text)
    return re.sub(r"\s+", " ", text).strip()


class BirthDateField(DateField):
    """A date of birth typed as the caller says it: 和暦 or 西暦, any width
    (app/bookings/birth_dates.py). A text box, not the browser's date picker, which can take
    neither 「昭和19年」 nor a quick 「S19.3.15」. What was typed is shown again as typed; the
    date it was read as is said back by `reading`. A `DateField`, so the JSON API and its
    OpenAPI document keep treating it as a date (ISO dates read as before)."""

    widget = TextInput()

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        self.data = None
        text = str(valuelist[0]).strip()
        if text:
            self.data = parse_birth_date(text)  # ValueError -> the field's message

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return self.data.isoformat() if self.data else ""

    def __call__(self, **kwargs: Any) -> Any:
        """The input, with what the page's live echo needs to say the date back as it is
        typed: the era table and today (for the age; `APP_TODAY` in a rehearsal)."""
        kwargs.setdefault("data-eras", eras_json())
        kwargs.setdefault("data-today", clock.today().isoformat())
        return super().__call__(**kwargs)

    def reading(self) -> str:
        """「1944年3月15日（昭和19年）・82歳」 for a date read without error, else ""."""
        if self.data is None or self.errors:
            return ""
        return reading(self.data, clock.today())


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


# The caller's details are typed on the operator's own browser: its autofill would offer the
# operator's name and address, or an earlier caller's, to pick by one stray key press.
NO_AUTOFILL = {"autocomplete": "off"}


def _required(label: str) -> InputRequired:
    return InputRequired(f"{label}を入力してください。")


class RequiredUnlessFacilityCaller:
    """Hard: an answer is needed, except from a welfare facility's staff booking for 5 or
    fewer residents (SPEC §3, §8), whose dates of birth come on the facility's list. Marks
    the field required (「必須」) as InputRequired does, since nearly every caller must answer."""

    field_flags = {"required": True}

    def __init__(self, message: str) -> None:
        self.message = message

    def __call__(self, form: Any, field: Any) -> None:
        if field.raw_data and str(field.raw_data[0]).strip():
            return
        field.errors[:] = []
        if form.caller_relationship.data == texts.FACILITY_CALLER:
            raise StopValidation()
        raise StopValidation(self.message)


def _choose(label: str) -> InputRequired:
    return InputRequired(f"{label}を選んでください。")


class WishFields(Form):
    """The caller's wish (SPEC §7 d): a hard period, soft weekdays and half-day."""

    wish_from = DateField("希望期間（から）", validators=[Optional()], render_kw={"type": "date"})
    wish_to = DateField("希望期間（まで）", validators=[Optional()], render_kw={"type": "date"})
    wish_weekdays = MultiCheckboxField("希望曜日", coerce=int, choices=list(
        enumerate(("月", "火", "水", "木", "金"))))
    wish_half = SelectField("希望時間帯", choices=[("", "指定なし"), ("am", "午前"), ("pm", "午後")],
                            validators=[Optional()])

    def validate_wish_to(self, field: Any) -> None:
        if field.data and self.wish_from.data and field.data < self.wish_from.data:
            raise ValidationError("希望期間の終わりが始まりより前になっています。")

    def wish(self) -> Wish:
        return Wish(date_from=self.wish_from.data, date_to=self.wish_to.data,
                    weekdays=tuple(sorted(self.wish_weekdays.data or ())),
                    half=self.wish_half.data or None)  # type: ignore[arg-type]


class IntakeForm(WishFields):
    """§7 a-i plus the caller's relationship (§6) and the wish (§7 d)."""

    caller_relationship = RadioField("電話をかけている方", choices=texts.CALLER_RELATIONSHIPS,
                                     validators=[_choose("電話をかけている方")])
    caller_name = StringField("電話をかけている方の氏名", validators=[Optional(), Length(max=100)],
                              render_kw=NO_AUTOFILL)
    caller_phone = StringField("電話をかけている方の連絡先", validators=[Optional(), Length(max=20)],
                               render_kw=NO_AUTOFILL)

    name = StringField("申請希望者の氏名", validators=[_required("申請希望者の氏名"), Length(max=100)],
                       render_kw=NO_AUTOFILL)
    name_kana = StringField("フリガナ", validators=[_required("フリガナ"), Length(max=100)],
                            filters=[to_katakana], render_kw=NO_AUTOFILL)
    birth_date = BirthDateField(
        "生年月日", validators=[RequiredUnlessFacilityCaller("生年月日を入力してください。")],
        description="和暦も可（例: 昭和19年3月15日、S19.3.15）",
        render_kw={**NO_AUTOFILL, "placeholder": "例: 昭和19年3月15日"})
    phone = StringField("連絡先電話番号", validators=[_required("連絡先電話番号"), Length(max=20)],
                        render_kw=NO_AUTOFILL)
    address = StringField("住所", validators=[_required("住所"), Length(max=200)],
                          render_kw=NO_AUTOFILL)
    lat = FloatField("緯度", validators=[Optional(), NumberRange(-90, 90, "緯度が範囲外です。")],
                     render_kw=NO_AUTOFILL)
    lng = FloatField("経度", validators=[Optional(), NumberRange(-180, 180, "経度が範囲外です。")],
                     render_kw=NO_AUTOFILL)

    eligibility = RadioField("来庁が困難な理由", choices=texts.ELIGIBILITY_REASONS,
                             validators=[_choose("来庁が困難な理由")])
    eligibility_detail = TextAreaField("外出困難な事情", validators=[_required("外出困難な事情"),
                                                               Length(max=1000)])
    applicants = IntegerField("申請予定件数（人数）", default=1, validators=[
        _required("申請予定件数"), NumberRange(1, 20, "申請予定件数は1〜20で入力してください。")])
    application_type = RadioField("申請の種類", choices=texts.APPLICATION_TYPES,
                                  validators=[_choose("申請の種類")])
    has_shikaku_kakuninsho = RadioField("資格確認書を持っているか", choices=texts.TRI_STATE,
                                        validators=[Optional()])
    card_suspended = RadioField("カードの一時停止（フリーダイヤル）済みか", choices=texts.TRI_STATE,
                                validators=[Optional()])


    id_documents = MultiCheckboxField("用意できる本人確認書類", choices=texts.ID_DOCUMENTS,
                                      validators=[InputRequired("用意できる本人確認書類を1つ以上選んでください。")])
    can_photo = RadioField("顔写真の撮影ができるか", choices=texts.TRI_STATE, validators=[_choose("顔写真の撮影ができるか")])
    can_write = RadioField("字が書けるか", choices=texts.TRI_STATE, validators=[_choose("字が書けるか")])
    helper_present = RadioField("介助者（家族など）が同席できるか", choices=texts.TRI_STATE,
                                validators=[_choose("介助者が同席できるか")])
    parking = RadioField("駐車スペース", choices=texts.TRI_STATE, validators=[_choose("駐車スペース")])
    visit_notes = TextAreaField("訪問時に気を付けること", validators=[Optional(), Length(max=1000)])
    other_notes = TextAreaField("その他（市と協議した事項など）", validators=[Optional(), Length(max=1000)])

    def validate_caller_relationship(self, field: Any) -> None:
        if field.data and field.data not in texts.ALLOWED_CALLERS:
            raise ValidationError(texts.REFUSE_CALLER_SCRIPT)

    def validate_id_documents(self, field: Any) -> None:
        if (self.application_type.data == texts.NEW_APPLICATION
                and texts.OLD_CARD in (field.data or ())):
            raise ValidationError(texts.OLD_CARD_ON_NEW_APPLICATION)

    def validate_name_kana(self, field: Any) -> None:
        if field.data and not KANA_RE.match(field.data):
            raise ValidationError("フリガナはカタカナ（またはひらがな）で入力してください。")

    def validate_phone(self, field: Any) -> None:
        phone = normalise_phone(field.data)
        if phone and not PHONE_RE.match(phone):
            raise ValidationError("形式が正しくありません（例: 0134-12-3456）。")
        field.data = phone

    def validate_caller_phone(self, field: Any) -> None:
        if field.data:
            self.validate_phone(field)

    def validate_birth_date(self, field: Any) -> None:
        if field.data and field.data > clock.today():
            raise ValidationError("生年月日が未来の日付になっています。")
        if field.data and field.data.year < 1900:
            raise ValidationError("生年月日の年が正しくありません。")

    def validate(self, extra_validators: Any = None) -> bool:
        """Field validators, then the answers that are required only given another answer
        (an empty optional field stops WTForms' own chain before inline validators run)."""
        valid = super().validate(extra_validators)
        for field, message in self._conditional_answers():
            if not field.errors:
                field.errors = [*field.errors, message]
            valid = False
        return valid

    def _conditional_answers(self) -> list[tuple[Any, str]]:
        missing = []
        caller = self.caller_relationship.data
        if (caller in texts.ALLOWED_CALLERS and caller != "self"
                and not (self.caller_name.data or "").strip()):
            missing.append((self.caller_name,
                            "本人以外からの電話の場合は、電話をかけている方の氏名を入力してください。"))
        if self.application_type.data == "renewal" and not self.has_shikaku_kakuninsho.data:
            missing.append((self.has_shikaku_kakuninsho,
                            "更新の場合は、資格確認書を持っているか確認してください。"))
        if self.application_type.data == "lost" and not self.card_suspended.data:
            missing.append((self.card_suspended,
                            "紛失・破損の場合は、カードの一時停止の状況を確認してください。"))
        return missing

    def validate_lat(self, field: Any) -> None:
        if (field.data is None) != (self.lng.data is None):
            raise ValidationError("緯度と経度は両方入力してください。")


class ChangeForm(WishFields):
    """Moving a booking to another day: the caller's new wish and the reason (SPEC §9).

    The reason is needed to make the change, not to look for days: the operator searches
    while the caller is deciding, and records why once a day is chosen (`reason_given`)."""

    reason = TextAreaField(
        "変更の理由", description="日時を変更するときに必要です（空いている日を探すだけなら空欄で構いません）。",
        validators=[Length(max=500, message="変更の理由は500文字以内で入力してください。")])

    def reason_given(self) -> bool:
        """Whether a reason was typed; if not, says so on the field (the change is refused)."""
        if (self.reason.data or "").strip():
            return True
        self.reason.errors = [*self.reason.errors, "変更の理由を入力してください。"]
        return False
