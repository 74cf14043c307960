"""The one way a date is written for people (app/dates.py)."""

from __future__ import annotations

import datetime as dt

import pytest

from app.dates import jp_date


def test_a_date_reads_month_day_and_weekday_and_with_the_year_where_asked():
    day = dt.date(2026, 10, 2)
    assert jp_date(day) == "10月2日（金）"
    assert jp_date(day, year=True) == "2026年10月2日（金）"
    assert jp_date("2027-01-04", year=True) == "2027年1月4日（月）"  # stored JSON reads the same
    assert jp_date(None) == "" and jp_date("") == ""


def test_a_timestamp_is_refused_its_date_needs_japan_time():
    with pytest.raises(TypeError):
        jp_date(dt.datetime(2026, 10, 1, 16, 0))  # 01:00 on 10/2 in Japan


def test_pages_use_the_filter_and_keep_iso_where_machines_read_it(app):
    with app.app_context():
        template = app.jinja_env.from_string(
            '{{ d|jp_date }} {{ d|jp_date(year=True) }} {{ d is date }} {{ t is date }}'
            ' <a href="?date={{ d.isoformat() }}">')
        text = template.render(d=dt.date(2026, 10, 2), t=dt.datetime(2026, 10, 2, 9, 0))
    assert text == ('10月2日（金） 2026年10月2日（金） True False <a href="?date=2026-10-02">')
