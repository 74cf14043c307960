"""The manager's forms for the season's rules and calendar edits.

The settings form is built from `FIELD_LABELS` and the defaults of `solver.season`, so a new
rule value appears in the form without repeating it here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from wtforms import DateField, Field, FloatField, IntegerField, SelectField, StringField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from app.forms import Form
from app.seasons.texts import FIELD_LABELS, KIND_LABELS
from routing.params import MODELS
from solver.season import SeasonConfig

_DEFAULTS = SeasonConfig()


def default_of(key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(_DEFAULTS, section), name)


def form_name(key: str) -> str:
    return key.replace(".", "__")


def _field_for(key: str) -> Field:
    label, help_text = FIELD_LABELS[key]
    default = default_of(key)
    required = InputRequired(f"{label}を入力してください。")
    if isinstance(default, dt.date):
        return DateField(label, validators=[required], description=help_text,
                         render_kw={"type": "date"})
    if isinstance(default, bool):
        raise TypeError(key)
    if isinstance(default, int):
        return IntegerField(label, validators=[required, NumberRange(min=0, message=(
            f"{label}は0以上の整数で入力してください。"))], description=help_text)
    if key == "travel.model":
        return SelectField(label, choices=[(m, m) for m in MODELS], description=help_text)
    if isinstance(default, str) and not default:
        return StringField(label, validators=[Optional(), Length(max=300)], description=help_text)
    if isinstance(default, float):
        return FloatField(label, validators=[required, NumberRange(min=-180, message=(
            f"{label}の値が範囲外です。"))], description=help_text,
            render_kw={"step": "any"})
    return StringField(label, validators=[required, Length(max=100)], description=help_text)


class SeasonConfigForm(Form):
    title = StringField("シーズン名", validators=[InputRequired("シーズン名を入力してください。"),
                                                 Length(max=200)])


for _key in FIELD_LABELS:
    setattr(SeasonConfigForm, form_name(_key), _field_for(_key))

SECTIONS: tuple[tuple[str, str], ...] = (
    ("season", "期間と訪問日数（§1・§2）"),
    ("rules", "訪問枠・移動・予約期限（§3〜§5）"),
    ("travel", "移動時間の推定（§4）"),
    ("depot", "出発地"),
)


def fields_of_section(form: SeasonConfigForm, section: str) -> list[Field]:
    return [form[form_name(key)] for key in FIELD_LABELS if key.startswith(section + ".")]


def form_data_from_config(config: dict[str, Any]) -> dict[str, Any]:
    """Stored config JSON -> form data (dates as date objects)."""
    data: dict[str, Any] = {}
    for key in FIELD_LABELS:
        section, name = key.split(".")
        value = config.get(section, {}).get(name, default_of(key))
        if isinstance(default_of(key), dt.date) and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        data[form_name(key)] = value
    return data


def config_values_from_form(form: SeasonConfigForm) -> dict[str, dict[str, Any]]:
    """Form -> the sections of the scenario file, as the solver's parser reads them."""
    values: dict[str, dict[str, Any]] = {}
    for key in FIELD_LABELS:
        section, name = key.split(".")
        value = form[form_name(key)].data
        if isinstance(value, dt.date):
            value = value.isoformat()
        elif isinstance(default_of(key), float) and isinstance(value, int | float):
            value = float(value)
        elif isinstance(default_of(key), str) and value is None:
            value = ""
        values.setdefault(section, {})[name] = value
    return values


def _kind_choices() -> list[tuple[str, str]]:
    return list(KIND_LABELS.items())


def pm_choices(low: int, high: int) -> list[tuple[int, str]]:
    """The PM slot counts a day may have under the season's rules (§3: 2, up to 3)."""
    return [(n, f"{n}件") for n in range(low, high + 1)]


class AddDayForm(Form):
    date = DateField("日付", validators=[InputRequired("日付を入力してください。")],
                     render_kw={"type": "date"})
    kind = SelectField("種別", choices=_kind_choices())


class MoveDayForm(Form):
    to_date = DateField("移動先の日付", validators=[InputRequired("移動先の日付を入力してください。")],
                        render_kw={"type": "date"})


class SetKindForm(Form):
    kind = SelectField("種別", choices=_kind_choices())


class SetPmSlotsForm(Form):
    pm_slots = SelectField("午後の枠数", coerce=int, choices=pm_choices(_DEFAULTS.rules.home_pm_slots, _DEFAULTS.rules.home_pm_slots_max))


class PlainForm(Form):
    """A form with only the CSRF token (buttons such as remove or regenerate)."""


def field_key(form_field_name: str) -> str:
    return form_field_name.replace("__", ".")


__all__ = [
    "AddDayForm",
    "MoveDayForm",
    "PlainForm",
    "SECTIONS",
    "SeasonConfigForm",
    "SetKindForm",
    "SetPmSlotsForm",
    "config_values_from_form",
    "field_key",
    "fields_of_section",
    "pm_choices",
    "form_data_from_config",
]
