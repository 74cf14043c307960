"""Forms of the facility pages. Every message names the field and the reason (Japanese)."""

from __future__ import annotations

from typing import Any

from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, StopValidation

from app import clock
from app.bookings.forms import PHONE_RE, MultiCheckboxField, normalise_phone
from app.facilities.meetings import MEETING_TIME_LABEL, NOON, MeetingRefused, meeting_time
from app.facilities.operations import (
    WORKING_FROM,
    WORKING_TO,
    FacilityError,
    parse_clock_time,
)
from app.facilities.texts import FACILITY_TYPES, HALF_LABELS
from app.forms import Form
from app.routesheets.outcomes import CountField

WEEKDAY_CHOICES = list(enumerate(("月", "火", "水", "木", "金")))
HALF_CHOICES = [("", "指定なし"), ("am", "午前"), ("pm", "午後")]
TIME_CHOICE_RE = r"^\d{1,2}:\d{2}$"


def _required(label: str) -> InputRequired:
    return InputRequired(f"{label}を入力してください。")


class WishMixin:
    wish_from = DateField("希望期間（から）", validators=[Optional()], render_kw={"type": "date"})
    wish_to = DateField("希望期間（まで）", validators=[Optional()], render_kw={"type": "date"})
    wish_weekdays = MultiCheckboxField("希望曜日", coerce=int, choices=WEEKDAY_CHOICES)
    wish_half = SelectField("希望時間帯", choices=HALF_CHOICES, validators=[Optional()])

    def validate_wish_to(self, field: Any) -> None:
        start = self.wish_from.data  # type: ignore[attr-defined]
        if field.data and start and field.data < start:
            raise ValidationError("希望期間（まで）が希望期間（から）より前です。")


class FacilityIntakeForm(WishMixin, Form):
    """004 §8(2)オ(イ) a-d: what the operator takes down on the phone."""

    name = StringField("施設名", validators=[_required("施設名"), Length(max=100)])
    facility_type = SelectField("施設の種類", choices=[("", "選んでください"), *FACILITY_TYPES],
                                validators=[InputRequired("施設の種類を選んでください。")])
    facility_type_other = StringField("施設の種類（その他の場合）",
                                      validators=[Length(max=100)])
    address = StringField("住所", validators=[_required("住所"), Length(max=200)])
    lat = FloatField("緯度", validators=[Optional(), NumberRange(-90, 90, "緯度が範囲外です。")])
    lng = FloatField("経度", validators=[Optional(), NumberRange(-180, 180, "経度が範囲外です。")])
    phone = StringField("電話番号", validators=[_required("電話番号"), Length(max=20)])
    contact_person = StringField("ご担当者氏名", validators=[_required("ご担当者氏名"),
                                                       Length(max=100)])
    estimated_applicants = IntegerField("申請者数の目安（人）", validators=[
        _required("申請者数の目安"),
        NumberRange(1, 300, "申請者数の目安は1〜300で入力してください。")])
    premeeting_requested = BooleanField("市職員による事前の打合せを希望")
    notes = TextAreaField("その他（質問・確認事項など）", validators=[Optional(), Length(max=2000)])

    def validate_facility_type(self, field: Any) -> None:
        if field.data and field.data not in dict(FACILITY_TYPES):
            raise ValidationError("施設の種類を選んでください。")

    def validate_facility_type_other(self, field: Any) -> None:
        if self.facility_type.data == "other" and not (field.data or "").strip():
            raise ValidationError("「その他」の場合は施設の種類を入力してください。")

    def validate_phone(self, field: Any) -> None:
        phone = normalise_phone(field.data)
        if phone and not PHONE_RE.match(phone):
            raise ValidationError("形式が正しくありません（例: 0134-12-3456）。")
        field.data = phone

    def validate_lng(self, field: Any) -> None:
        if (field.data is None) != (self.lat.data is None):
            raise ValidationError("緯度と経度は両方入力してください（住所から探す場合は両方空欄）。")


class CallbackForm(WishMixin, Form):
    """What the manager agreed on the call-back."""

    applicants = IntegerField("申請者数（確認した人数）", validators=[
        _required("申請者数"), NumberRange(1, 300, "申請者数は1〜300で入力してください。")])
    premeeting_requested = BooleanField("施設が事前打合せを希望")
    note = TextAreaField("連絡の内容", validators=[Optional(), Length(max=2000)])


def _only_when_visited(form: Any, field: Any) -> None:
    """The result fields count only for 訪問済: for another status, whatever they hold
    (even text that is not a number or a date) is set aside, as `Optional` does."""
    if form.status.data != "visited":
        field.errors[:] = []
        raise StopValidation()


class StatusForm(Form):
    """A status set by hand. For 訪問済 also the result the route sheet would record; the
    form checks the shape, `operations.set_status` the rules (the route sheet's own)."""

    status = SelectField("状態", choices=[("", "選んでください"), ("contacted", "連絡済"),
                                         ("visited", "訪問済"), ("withdrawn", "取り下げ")],
                         validators=[InputRequired("状態を選んでください。")])
    applications_taken = CountField("申請受付件数", validators=[_only_when_visited, Optional()],
                                    render_kw={"min": 0, "inputmode": "numeric"})
    completed_on = DateField("訪問完了日", validators=[_only_when_visited, Optional()],
                             default=clock.today, render_kw={"type": "date"})
    note = TextAreaField("理由・メモ", validators=[Optional(), Length(max=1000)])


class UnscheduleForm(Form):
    note = TextAreaField("訪問日を取り消す理由", validators=[
        InputRequired("訪問日を取り消す理由を入力してください。"), Length(max=1000)])


class HomeBookingForm(Form):
    receipt_no = IntegerField("個人宅枠の受付番号", validators=[
        InputRequired("入力してください。"),
        NumberRange(1, None, "受付番号は1以上で入力してください。")])


class MeetingForm(Form):
    date = DateField("打合せの日", validators=[InputRequired("打合せの日を入力してください。")],
                     render_kw={"type": "date"})
    half = SelectField("時間帯", choices=[("am", "午前"), ("pm", "午後")],
                       validators=[InputRequired("時間帯を選んでください。")])
    time = StringField("時刻（任意、例 10:30）", validators=[Optional(), Length(max=20)],
                       description=f"{WORKING_FROM}〜{WORKING_TO}。午前は{NOON}より前、"
                                   f"午後は{NOON}以降。")
    notes = TextAreaField("メモ", validators=[Optional(), Length(max=1000)])

    def validate_time(self, field: Any) -> None:
        """The time's own check (`meetings.meeting_time`), so a bad time is shown together
        with a missing or unreadable date instead of after it is fixed."""
        half = self.half.data
        try:
            if half in HALF_LABELS:
                meeting_time(field.data, half)
            else:  # the half-day has its own error; check the time's format alone
                parse_clock_time(field.data or "", MEETING_TIME_LABEL, "time")
        except FacilityError as exc:
            raise ValidationError(exc.message) from None
        except MeetingRefused as exc:
            raise ValidationError(" ".join(exc.reasons)) from None


class UploadForm(Form):
    file = FileField("申請者リスト（.xlsx または .csv）")


class AgreedTimeForm(Form):
    """The time agreed with the facility for one half-day part (checked by
    `scheduling.parse_agreed_time`: HH:MM between 09:00 and 17:00; empty = the planner's)."""

    agreed_time = StringField("施設と調整した訪問時刻", validators=[Optional(), Length(max=10)],
                              description=f"例: 10:30（{WORKING_FROM}〜{WORKING_TO}）。"
                                          "空欄にすると計画の時刻に戻ります。")
