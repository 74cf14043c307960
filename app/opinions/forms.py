"""The opinion form. Every message names the field and the reason (Japanese); the service
(app/opinions/operations.py) checks the same and refuses personal data in the summary."""

from __future__ import annotations

from typing import Any

from wtforms import (
    DateField,
    RadioField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import InputRequired, Length

from app import clock
from app.forms import Form
from app.opinions.kinds import OPINION_SOURCES, OPINION_TOPICS
from app.opinions.operations import NO_PERSONAL_DATA, SUMMARY_MAX, personal_data_problem


class OpinionForm(Form):
    received_on = DateField("受付日", default=clock.today, render_kw={"type": "date"},
                            validators=[InputRequired("受付日を入力してください。")])
    source = RadioField("御意見をいただいた方", choices=list(OPINION_SOURCES.items()),
                        validators=[InputRequired("御意見をいただいた方を選んでください。")])
    topic = SelectField("内容の分類（任意）",
                        choices=[("", "選ばない"), *OPINION_TOPICS.items()])
    summary = TextAreaField(
        "御意見の内容", description=NO_PERSONAL_DATA, render_kw={"rows": 6, "cols": 70},
        validators=[InputRequired("御意見の内容を入力してください。"),
                    Length(max=SUMMARY_MAX,
                           message=f"御意見の内容は{SUMMARY_MAX}文字以内で入力してください。")])

    def validate_summary(self, field: Any) -> None:
        problem = personal_data_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class MarkReportedForm(Form):
    """The opinions ticked on the list (check boxes in its table rows, named `opinion_ids`)."""

    opinion_ids = SelectMultipleField("市に報告済みにする御意見", coerce=int,
                                      validate_choice=False)
