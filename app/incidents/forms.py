"""The incident form. Fields only parse here (a date, a time, a whole number); what is
required and what is refused is decided by app/incidents/operations.py, which reports every
refused field at once, each message beside its field."""

from __future__ import annotations

from typing import Any

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Optional

from app.forms import Form
from app.incidents.operations import NOTIFIED, IncidentInput, input_fields


class Needed:
    """Marks a field required on the page (the badge); the service does the check."""

    field_flags = {"required": True}

    def __call__(self, form: Any, field: Any) -> None:
        return None


def _area(rows: int = 4) -> dict[str, Any]:
    return {"rows": rows, "cols": 70}


class IncidentForm(Form):
    discovered_on = DateField("発見日", validators=[Needed(), Optional()],
                              render_kw={"type": "date"})
    discovered_time = TimeField("発見時刻（日本時間）", validators=[Needed(), Optional()],
                                render_kw={"type": "time"})
    circumstances = TextAreaField("発生状況", validators=[Needed()], render_kw=_area(),
                                  description="いつ・何が起きたか（漏えい・滅失・毀損、またはそのおそれ）")
    place = StringField("発生場所", validators=[Needed()], render_kw={"size": 50})
    data_content = TextAreaField("個人情報の内容", validators=[Needed()], render_kw=_area(3),
                                 description="例: 受付票（氏名・住所・電話番号）")
    persons_count = IntegerField("人数", validators=[Needed(), Optional()],
                                 render_kw={"inputmode": "numeric", "size": 8},
                                 description="分からないときは見込みの人数")
    receipt_numbers = StringField("対象の受付番号（任意）", render_kw={"size": 50},
                                  description="予約の受付番号を「,」か空白で区切って入力（例: 12, 15）")
    measures = TextAreaField("被害拡大防止の措置", render_kw=_area())
    reported_on = DateField("小樽市への報告日", validators=[Optional()],
                            render_kw={"type": "date"})
    reported_time = TimeField("小樽市への報告時刻", validators=[Optional()],
                              render_kw={"type": "time"})
    reported_to = StringField("報告先（小樽市の担当者）", render_kw={"size": 30})
    city_instructions = TextAreaField("小樽市の指示", render_kw=_area(3))
    notified = RadioField("本人への通知", choices=list(NOTIFIED.items()), default="no",
                          validate_choice=False)
    notified_on = DateField("本人への通知日", validators=[Optional()], render_kw={"type": "date"})
    closed = BooleanField("対応完了にする")

    def to_input(self) -> IncidentInput:
        return IncidentInput(**{name: getattr(self, name).data for name in input_fields()})
