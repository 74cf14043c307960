"""The manager's re-planning forms: the change and its reason, then the confirmation."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.bookings.replanning import CHANGE_KINDS, MAX_TEAMS, ChangeRequest
from app.forms import Form


class ReplanForm(Form):
    """Field-level checks only; whether the change is possible is the service's job."""

    kind = RadioField("変更の種類", choices=list(CHANGE_KINDS.items()),
                      validators=[InputRequired("変更の種類を選んでください。")])
    date = DateField("訪問日", validators=[Optional()], render_kw={"type": "date"},
                     description="訪問日の中止・午後の訪問枠の変更のとき")
    pm_slots = SelectField("午後の訪問枠", coerce=int, validators=[Optional()],
                           description="午後の訪問枠の変更のとき: その日の新しい件数")
    teams = IntegerField("訪問チーム数", validators=[Optional(), NumberRange(
        min=1, max=MAX_TEAMS, message=f"1〜{MAX_TEAMS}の整数で入力してください。")],
        description="訪問チーム数の変更のとき: 新しいチーム数")
    reason = TextAreaField("理由", validators=[
        InputRequired("理由を入力してください。"),
        Length(max=500, message="理由は500文字以内で入力してください。")],
        description="例: 大雪のため、職員の体調不良のため。予約の履歴に残ります。")

    def change(self) -> ChangeRequest:
        kind = self.kind.data or ""
        return ChangeRequest(
            kind=kind,
            date=self.date.data if kind in ("cancel_day", "pm_slots") else None,
            slots=self.pm_slots.data if kind == "pm_slots" else None,
            teams=self.teams.data if kind == "teams" else None,
        )


class ReplanApplyForm(Form):
    token = HiddenField()
    confirm_drops = BooleanField("訪問できなくなる方の予約を取り消すことを確認しました")
