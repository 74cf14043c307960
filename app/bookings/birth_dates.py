"""Dates of birth as callers say them: 和暦 or 西暦, in any character width.

Elderly callers give their birth date in the Japanese era (「昭和19年3月15日」), and operators
type what they hear: 「昭和19年3月15日」, 「S19.3.15」, 「昭19.3.15」, 「1944/3/15」,
「19440315」, often with full-width digits from the Japanese input method. `parse_birth_date`
reads all of these into a `date`, and `reading` says the result back
(「1944年3月15日（昭和19年）・82歳」) so the operator can confirm it with the caller.

The eras' first and last days are the official ones: an era change on an emperor's death took
effect that same day up to 昭和 (so 1912-07-30 is both 明治45年 and 大正元年, 1926-12-25 both
大正15年 and 昭和元年) and on the next day since (昭和64年1月7日 is the last day of 昭和,
平成元年1月8日 the first of 平成).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Era:
    name: str  # 昭和
    short: str  # 昭
    letter: str  # S
    first: dt.date
    last: dt.date | None  # None: the current era

    def year_label(self, year: int) -> str:
        """「元年」 for the first year, 「19年」 otherwise (without the era name)."""
        return "元年" if year == 1 else f"{year}年"


# Dates of 明治 before 1873 were lunar-calendar dates; no caller was born then and the form
# refuses years before 1900 anyway, so they are read as Gregorian without conversion.
ERAS: tuple[Era, ...] = (
    Era("明治", "明", "M", dt.date(1868, 1, 25), dt.date(1912, 7, 30)),
    Era("大正", "大", "T", dt.date(1912, 7, 30), dt.date(1926, 12, 25)),
    Era("昭和", "昭", "S", dt.date(1926, 12, 25), dt.date(1989, 1, 7)),
    Era("平成", "平", "H", dt.date(1989, 1, 8), dt.date(2019, 4, 30)),
    Era("令和", "令", "R", dt.date(2019, 5, 1), None),
)

FORMS_MESSAGE = ("形式が正しくありません。「昭和19年3月15日」「S19.3.15」「1944-03-15」"
                 "「1944/3/15」「19440315」のように入力してください。")

_ERA_NAMES = "|".join([e.name for e in ERAS] + [e.short for e in ERAS]
                      + [e.letter for e in ERAS])
_SEP_YEAR = r"(?:年|[./-])"
_SEP_MONTH = r"(?:月|[./-])"
_TAIL = r"日?(?:生まれ|生)?"
# ASCII digits only (NFKC has made full-width ones ASCII): the page's live echo reads the
# same forms with the same patterns in JavaScript (app/templates/bookings/intake.html).
_ERA_RE = re.compile(rf"^(?P<era>{_ERA_NAMES})\.?(?P<year>元|\d{{1,2}}){_SEP_YEAR}"
                     rf"(?P<month>\d{{1,2}}){_SEP_MONTH}(?P<day>\d{{1,2}}){_TAIL}$", re.ASCII)
_WESTERN_RE = re.compile(rf"^(?P<year>\d{{4}}){_SEP_YEAR}(?P<month>\d{{1,2}}){_SEP_MONTH}"
                         rf"(?P<day>\d{{1,2}}){_TAIL}$", re.ASCII)
_COMPACT_RE = re.compile(r"^(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})$", re.ASCII)
_KANJI_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")}
_KANJI_NUMBER = re.compile("[〇一二三四五六七八九十]+")


def _kanji_number(run: str) -> str:
    """「十九」 -> "19", 「六十四」 -> "64", 「一九四四」 -> "1944" (what a caller's words
    look like when an operator types them as heard)."""
    if "十" not in run:
        return "".join(str(_KANJI_DIGITS[c]) for c in run)
    tens, _, ones = run.partition("十")
    if len(tens) > 1 or len(ones) > 1 or "十" in ones:
        return run  # not a number below 100: leave it for the format message
    return str((_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0))


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC also spells out the era ligatures such as 「㍼」), no
    spaces, era letters in upper case, kanji numerals as digits."""
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", "", text).upper()
    return _KANJI_NUMBER.sub(lambda m: _kanji_number(m.group(0)), text)


def _era(token: str) -> Era:
    return next(e for e in ERAS if token in (e.name, e.short, e.letter))


def _calendar_date(year: int, month: int, day: int, said: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        if not 1 <= month <= 12:
            raise ValueError(f"{said}の月が正しくありません（1〜12）。") from None
        raise ValueError(f"{said}に{month}月{day}日はありません。") from None


def parse_birth_date(text: str) -> dt.date:
    """The date a caller gave, in any of the forms in the module's docstring. Raises
    `ValueError` with a Japanese message (the form shows it after the field's label):
    the accepted forms, or why the date does not exist (「昭和64年1月8日はありません…」)."""
    value = normalise(text)
    if match := _ERA_RE.match(value):
        era = _era(match["era"])
        year = 1 if match["year"] == "元" else int(match["year"])
        month, day = int(match["month"]), int(match["day"])
        said = f"{era.name}{era.year_label(year)}"
        if year < 1:
            raise ValueError(f"{said}はありません。")
        born = _calendar_date(era.first.year + year - 1, month, day, said)
        if born < era.first or (era.last is not None and born > era.last):
            raise ValueError(f"{said}{month}月{day}日はありません（{_span(era)}）。")
        return born
    match = _WESTERN_RE.match(value) or _COMPACT_RE.match(value)
    if match:
        year = int(match["year"])
        return _calendar_date(year, int(match["month"]), int(match["day"]), f"{year}年")
    raise ValueError(FORMS_MESSAGE)


def _span(era: Era) -> str:
    """「昭和は元年12月25日から64年1月7日まで」: the days the era covers, in its own years."""
    def said(day: dt.date) -> str:
        return f"{era.year_label(day.year - era.first.year + 1)}{day.month}月{day.day}日"

    until = f"{said(era.last)}まで" if era.last else ""
    return f"{era.name}は{said(era.first)}から{until}"


def era_of(day: dt.date) -> tuple[Era, int] | None:
    """The era and its year for `day`; on a day two eras share, the new one (the later era
    is what a caller born that day says)."""
    for era in reversed(ERAS):
        if day >= era.first:
            return era, day.year - era.first.year + 1
    return None


def age_on(born: dt.date, on: dt.date) -> int:
    """Age in completed years on date `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def eras_json() -> str:
    """The era table for the page's live echo: [name, short, letter, first, last or ""]."""
    return json.dumps([[e.name, e.short, e.letter, e.first.isoformat(),
                        e.last.isoformat() if e.last else ""] for e in ERAS], ensure_ascii=False)


def reading(born: dt.date, today: dt.date) -> str:
    """The date said back to the caller: 「1944年3月15日（昭和19年）・82歳」."""
    text = f"{born.year}年{born.month}月{born.day}日"
    found = era_of(born)
    if found:
        era, year = found
        text += f"（{era.name}{era.year_label(year)}）"
    return f"{text}・{age_on(born, today)}歳"
