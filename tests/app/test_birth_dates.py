"""Reading dates of birth as callers say them (app/bookings/birth_dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.bookings.birth_dates import FORMS_MESSAGE, parse_birth_date, reading

SHOWA_19 = dt.date(1944, 3, 15)


@pytest.mark.parametrize("text", [
    "昭和19年3月15日", "S19.3.15", "s19.3.15", "昭19.3.15", "昭和19.3.15", "S.19.3.15",
    "1944-03-15", "1944/3/15", "1944.3.15", "1944年3月15日", "19440315",
    "１９４４－０３－１５", "昭和１９年３月１５日", "Ｓ１９．３．１５", "１９４４０３１５",
    " 昭和 19年 3月 15日 ", "昭和十九年三月十五日", "昭和19年3月15日生まれ", "㍼19年3月15日",
])
def test_every_way_an_operator_types_the_same_day(text):
    assert parse_birth_date(text) == SHOWA_19


@pytest.mark.parametrize(("text", "day"), [
    # Each era's first and last day. Up to 昭和 the new era began on the day the emperor
    # died, so that day has two names; 平成 began the day after 昭和's last day.
    ("明治45年7月30日", dt.date(1912, 7, 30)),
    ("大正元年7月30日", dt.date(1912, 7, 30)),
    ("大正15年12月25日", dt.date(1926, 12, 25)),
    ("昭和元年12月25日", dt.date(1926, 12, 25)),
    ("昭和64年1月7日", dt.date(1989, 1, 7)),
    ("平成元年1月8日", dt.date(1989, 1, 8)),
    ("H1.1.8", dt.date(1989, 1, 8)),
    ("平成31年4月30日", dt.date(2019, 4, 30)),
    ("令和元年5月1日", dt.date(2019, 5, 1)),
    ("R1.5.1", dt.date(2019, 5, 1)),
    ("T1.7.30", dt.date(1912, 7, 30)),
    ("M33.1.1", dt.date(1900, 1, 1)),
    ("平成4年2月29日", dt.date(1992, 2, 29)),
])
def test_era_boundaries_are_the_official_ones(text, day):
    assert parse_birth_date(text) == day


@pytest.mark.parametrize(("text", "message"), [
    ("昭和64年1月8日", "昭和64年1月8日はありません（昭和は元年12月25日から64年1月7日まで）。"),
    ("平成元年1月7日", "平成元年1月7日はありません（平成は元年1月8日から31年4月30日まで）。"),
    ("平成31年5月1日", "平成31年5月1日はありません"),
    ("令和元年4月30日", "令和元年4月30日はありません（令和は元年5月1日から）。"),
    ("昭和元年12月24日", "昭和元年12月24日はありません"),
    ("大正元年7月29日", "大正元年7月29日はありません"),
    ("明治45年7月31日", "明治45年7月31日はありません"),
    ("昭和0年1月1日", "昭和0年はありません"),
    ("昭和18年2月29日", "昭和18年に2月29日はありません。"),
    ("1944/13/1", "1944年の月が正しくありません"),
    ("1944-02-30", "1944年に2月30日はありません。"),
])
def test_days_that_do_not_exist_are_refused_saying_why(text, message):
    with pytest.raises(ValueError) as refused:
        parse_birth_date(text)
    assert message in str(refused.value)


@pytest.mark.parametrize("text", ["昭和", "S19", "19.3.15", "44/3/15", "1944315", "三月十五日",
                                  "平成百年1月1日", "X19.3.15", "10 May 1942"])
def test_unreadable_text_gets_the_accepted_forms(text):
    with pytest.raises(ValueError) as refused:
        parse_birth_date(text)
    assert str(refused.value) == FORMS_MESSAGE
    for form in ("昭和19年3月15日", "S19.3.15", "1944-03-15", "19440315"):
        assert form in FORMS_MESSAGE


@pytest.mark.parametrize(("born", "said"), [
    (SHOWA_19, "1944年3月15日（昭和19年）・82歳"),
    (dt.date(1944, 9, 11), "1944年9月11日（昭和19年）・81歳"),  # birthday tomorrow
    (dt.date(1944, 9, 10), "1944年9月10日（昭和19年）・82歳"),  # birthday today
    (dt.date(1989, 1, 8), "1989年1月8日（平成元年）・37歳"),
    (dt.date(1926, 12, 25), "1926年12月25日（昭和元年）・99歳"),  # the shared day: the new era
    (dt.date(1912, 7, 29), "1912年7月29日（明治45年）・114歳"),
])
def test_the_reading_says_the_date_era_and_age(born, said):
    assert reading(born, dt.date(2026, 9, 10)) == said
