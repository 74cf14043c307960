"""Generating and editing the visit-day calendar through the manager's pages (issue 2 §4)."""

from __future__ import annotations

import datetime as dt

import holidays

from app.seasons.models import SeasonChange, SeasonRecord
from app.seasons.operations import create_season, season_config, visit_days_of
from solver import calendar_rules
from solver.season import SeasonConfig


def _days(db, season):
    db.expire_all()
    return visit_days_of(db.get(SeasonRecord, season.id))


def test_generate_fills_an_empty_season_with_the_configured_days(manager_client, db):
    record = create_season(db, "otaru-2026", "小樽市 2026年度", SeasonConfig())
    db.commit()
    response = manager_client.post_form("/manager/calendar/generate", follow_redirects=True)
    assert response.status_code == 200
    assert "訪問日カレンダーを生成しました" in response.get_data(as_text=True)
    days = _days(db, record)
    config = SeasonConfig()
    assert sum(d.kind == "home" for d in days) == config.season.home_days
    assert sum(d.kind == "facility" for d in days) == config.season.facility_days


def test_infeasible_settings_are_reported_with_the_rule_and_change_nothing(manager_client, db, season):
    before = _days(db, season)
    season.config = {**season.config, "season": {**season.config["season"],
                                                 "visits_from": "2026-07-01",
                                                 "visits_to": "2026-07-28",
                                                 "home_days": 54, "facility_days": 6}}
    db.commit()
    response = manager_client.post_form("/manager/calendar/generate")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "この変更はできません" in page and "§2" in page
    assert _days(db, season) == before


def test_calendar_page_shows_every_visit_day(manager_client, season):
    page = manager_client.get("/manager/calendar").get_data(as_text=True)
    for day in season.visit_days:
        assert f'data-date="{day.date.isoformat()}"' in page


def test_setting_pm_slots_to_three_is_saved_and_logged(manager_client, db, season):
    home = next(d for d in season.visit_days if d.kind == "home")
    response = manager_client.post_form(f"/manager/calendar/{home.date}/pm", {"pm_slots": 3})
    assert response.status_code == 302
    assert next(d for d in _days(db, season) if d.date == home.date).pm_slots == 3
    assert db.query(SeasonChange).filter(SeasonChange.summary.contains("午後枠")).count() == 1


def test_pm_slots_outside_the_rule_are_refused(manager_client, db, season):
    home = next(d for d in season.visit_days if d.kind == "home")
    response = manager_client.post_form(f"/manager/calendar/{home.date}/pm", {"pm_slots": 4})
    assert response.status_code == 422
    assert next(d for d in _days(db, season) if d.date == home.date).pm_slots == home.pm_slots


def test_moving_a_day_to_a_weekend_is_refused_and_changes_nothing(manager_client, db, season):
    before = _days(db, season)
    day = before[3].date
    saturday = day + dt.timedelta(days=(5 - day.weekday()) % 7)
    response = manager_client.post_form(f"/manager/calendar/{day}/move", {"to_date": saturday.isoformat()})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "この変更はできません" in page
    assert _days(db, season) == before


def test_adding_a_day_on_a_national_holiday_is_refused(manager_client, db, season):
    before = _days(db, season)
    jp = holidays.country_holidays("JP", years=2026)
    holiday = next(d for d in sorted(jp) if d >= dt.date(2026, 7, 1) and d.weekday() < 5)
    response = manager_client.post_form("/manager/calendar/add",
                                        {"date": holiday.isoformat(), "kind": "home"})
    assert response.status_code == 422
    assert "祝" in response.get_data(as_text=True)
    assert _days(db, season) == before


def test_swapping_a_facility_day_to_home_is_saved_and_counts_follow(manager_client, db, season):
    days = _days(db, season)
    facility = next(d for d in days if d.kind == "facility")
    response = manager_client.post_form(f"/manager/calendar/{facility.date}/kind", {"kind": "home"})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert next(d for d in _days(db, season) if d.date == facility.date).kind == "home"
    db.refresh(season)
    defaults = SeasonConfig().season
    assert season.config["season"]["facility_days"] == defaults.facility_days - 1
    assert season.config["season"]["home_days"] == defaults.home_days + 1


def test_a_facility_day_inside_the_facility_lead_time_is_refused(manager_client, db, season):
    """No facility could book a day less than facility_lead_days after booking opens (§5)."""
    days = _days(db, season)
    rules, opens = SeasonConfig().rules, SeasonConfig().season.booking_opens
    early = next(d for d in days if (d.date - opens).days < rules.facility_lead_days)
    response = manager_client.post_form(f"/manager/calendar/{early.date}/kind", {"kind": "facility"})
    assert response.status_code == 422
    assert "§5" in response.get_data(as_text=True)
    assert _days(db, season) == days


def test_bad_dates_in_urls_are_404_not_500(manager_client, season):
    assert manager_client.post_form("/manager/calendar/2026-13-45/remove").status_code == 404


def test_an_edit_that_would_break_confirmed_bookings_is_refused_naming_them(
        manager_client, db, season):
    from app.bookings.operations import Slot, reserve
    from tests.app.test_bookings_reserve import HANAZONO, INAHO, TODAY, intake
    from tests.conftest import make_user

    user = make_user(db, "operator", "other")
    day = min(d.date for d in season.visit_days if d.kind == "home" and d.date >= dt.date(2026, 6, 22))
    booked = [reserve(db, season, intake(where, name=f"予約{n}"), Slot(day, "am", 1, n), user.id,
                      today=TODAY) for n, where in enumerate((INAHO, HANAZONO), start=1)]
    db.commit()
    before = _days(db, season)

    removed = manager_client.post_form(f"/manager/calendar/{day}/remove")
    page = removed.get_data(as_text=True)
    assert removed.status_code == 422
    assert "確定済みの予約" in page and f"受付番号 {booked[0].receipt_no}" in page
    assert _days(db, season) == before
    # The page explaining the refusal shows the calendar as it still is, the day included.
    assert f"訪問日 {len(before)}日" in page and f'data-date="{day}"' in page

    settings = {"title": season.title}
    from app.seasons.forms import form_data_from_config, form_name
    for name, value in form_data_from_config(season.config).items():
        settings[name] = value.isoformat() if hasattr(value, "isoformat") else value
    settings[form_name("rules.home_am_slots")] = 1
    refused = manager_client.post_form("/manager/season", settings)
    assert refused.status_code == 422
    assert "確定済みの予約が新しい設定に合わなくなる" in refused.get_data(as_text=True)
    db.refresh(season)
    assert season.config["rules"]["home_am_slots"] == 2


def test_edits_on_days_without_bookings_still_work(manager_client, db, season):
    home = [d for d in season.visit_days if d.kind == "home"][-1]
    response = manager_client.post_form(f"/manager/calendar/{home.date}/pm", {"pm_slots": 3})
    assert response.status_code == 302


def test_the_calendar_generator_status_is_shown_in_japanese(manager_client, season):
    for url in ("/manager/", "/manager/calendar"):
        page = manager_client.get(url).get_data(as_text=True)
        assert "生成済み" in page and "OPTIMAL" not in page and "FEASIBLE" not in page


def _cell(page: str, day: dt.date) -> str:
    return page.split(f'data-date="{day.isoformat()}"')[1].split("</td>")[0]


def _td_class(page: str, day: dt.date) -> str:
    before = page.split(f'data-date="{day.isoformat()}"')[0]
    return before.rsplit('<td class="', 1)[1].split('"', 1)[0]


def test_operators_calendar_opens_at_this_month_with_earlier_months_folded(
        app, operator_client, season):
    app.config["APP_TODAY"] = dt.date(2026, 9, 10)
    page = operator_client.get("/operator/").get_data(as_text=True)
    folded, shown = page.split('id="earlier-months"')[1].split("</details>", 1)
    assert "2026年6月" in folded and "2026年8月" in folded and "2026年9月" not in folded
    assert shown.index("2026年9月") < shown.index("2026年10月")
    assert "2026年6月" not in shown
    june = min(d.date for d in season.visit_days if d.date.month == 6)
    assert f'data-date="{june.isoformat()}"' in folded  # still reachable


def test_operators_calendar_greys_past_days_and_days_inside_the_lead_time(
        app, operator_client, season):
    today = dt.date(2026, 9, 10)
    app.config["APP_TODAY"] = today
    rules = SeasonConfig().rules
    homes = sorted(d.date for d in season.visit_days if d.kind == "home")
    past = max(d for d in homes if d < today)
    inside = max(d for d in homes if d < today + dt.timedelta(days=rules.home_lead_days))
    bookable = min(d for d in homes if d >= today + dt.timedelta(days=rules.home_lead_days))
    page = operator_client.get("/operator/").get_data(as_text=True)
    for day, why in ((past, "past"), (inside, "lead")):
        cell = _cell(page, day)
        assert f'data-closed="{why}"' in cell and "受付期限切れ" in cell and "空き" not in cell
        assert "closed" in _td_class(page, day).split()
    assert "空き 午前" in _cell(page, bookable) and "受付期限切れ" not in _cell(page, bookable)
    assert "closed" not in _td_class(page, bookable).split()


def test_a_facility_day_closes_at_the_facility_lead_time(app, operator_client, season):
    rules = SeasonConfig().rules
    facility = min(d.date for d in season.visit_days if d.kind == "facility")
    app.config["APP_TODAY"] = facility - dt.timedelta(days=rules.facility_lead_days - 1)
    assert 'data-closed="lead"' in _cell(operator_client.get("/operator/").get_data(
        as_text=True), facility)
    app.config["APP_TODAY"] = facility - dt.timedelta(days=rules.facility_lead_days)
    assert "data-closed" not in _cell(operator_client.get("/operator/").get_data(
        as_text=True), facility)


def test_the_managers_calendar_greys_nothing(app, manager_client, season):
    app.config["APP_TODAY"] = dt.date(2026, 9, 10)
    page = manager_client.get("/manager/calendar").get_data(as_text=True)
    assert "data-closed" not in page and "受付期限切れ" not in page


def test_past_days_cannot_be_edited_nor_a_day_moved_onto_the_past(app, manager_client, db, season):
    today = dt.date(2026, 9, 10)
    app.config["APP_TODAY"] = today
    before = _days(db, season)
    past = max((d for d in before if d.kind == "home" and d.date < today), key=lambda d: d.date)
    future = min((d for d in before if d.kind == "home" and d.date > today), key=lambda d: d.date)
    free_past = past.date - dt.timedelta(days=1)  # any past date: refused before other rules
    for url, data in [
        (f"/manager/calendar/{past.date}/kind", {"kind": "facility"}),
        (f"/manager/calendar/{past.date}/pm", {"pm_slots": 3}),
        (f"/manager/calendar/{past.date}/remove", {}),
        (f"/manager/calendar/{past.date}/move", {"to_date": future.date + dt.timedelta(days=1)}),
        (f"/manager/calendar/{future.date}/move", {"to_date": free_past}),
        ("/manager/calendar/add", {"date": free_past, "kind": "home"}),
    ]:
        response = manager_client.post_form(url, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, url
        assert "過ぎた日のため、カレンダーを変更できません" in page, url
        assert _days(db, season) == before, url
    page = manager_client.get("/manager/calendar").get_data(as_text=True)
    assert f"/manager/calendar/{past.date}/remove" not in page  # no edit controls on the past
    assert f"/manager/calendar/{future.date}/remove" in page
    # Today itself may still be edited (as the re-planning may cancel today).
    app.config["APP_TODAY"] = future.date
    response = manager_client.post_form(f"/manager/calendar/{future.date}/pm", {"pm_slots": 3})
    assert response.status_code == 302


def test_removing_a_booked_day_says_so_and_points_to_the_re_planning_even_when_a_rule_also_refuses(
        manager_client, db, season):
    from app.bookings.operations import Slot, reserve
    from tests.app.test_bookings_reserve import INAHO, TODAY, intake
    from tests.conftest import make_user

    user = make_user(db, "operator", "other")
    home = sorted(d.date for d in season.visit_days if d.kind == "home" and d.date >= dt.date(2026, 6, 22))
    # A day whose removal breaks a calendar rule too (a week or a month left short).
    day = next(d for d in home if calendar_rules.apply_edit(
        visit_days_of(season), calendar_rules.RemoveDay(d), season_config(season)).problems)
    reserve(db, season, intake(INAHO, name="予約あり"), Slot(day, "am", 1, 1), user.id, today=TODAY)
    db.commit()
    before = _days(db, season)
    cell = manager_client.get("/manager/calendar").get_data(as_text=True).split(
        f'data-date="{day}"')[1].split("</td>")[0]
    assert "予約 1件" in cell
    removed = manager_client.post_form(f"/manager/calendar/{day}/remove")
    page = removed.get_data(as_text=True)
    assert removed.status_code == 422
    assert "確定済みの予約が1件あります" in page and 'href="/manager/replan"' in page
    assert _days(db, season) == before


def _three_pm_visits(manager_client, db, season) -> dt.date:
    """A home day given a 3rd PM slot by the manager, then booked full in the afternoon."""
    from app.bookings.operations import Slot, reserve
    from tests.app.test_bookings_reserve import HANAZONO, INAHO, TODAY, intake
    from tests.conftest import make_user

    user = make_user(db, "operator", "other")
    day = min(d.date for d in season.visit_days if d.kind == "home" and d.date >= dt.date(2026, 6, 22))
    assert manager_client.post_form(f"/manager/calendar/{day}/pm", {"pm_slots": 3}).status_code == 302
    for n, where in enumerate((INAHO, HANAZONO, INAHO), start=1):
        reserve(db, season, intake(where, name=f"午後{n}"), Slot(day, "pm", 1, n), user.id, today=TODAY)
    db.commit()
    return day


def test_pm_slots_back_to_two_under_three_pm_visits_names_the_day_and_half(
        manager_client, db, season):
    day = _three_pm_visits(manager_client, db, season)
    refused = manager_client.post_form(f"/manager/calendar/{day}/pm", {"pm_slots": 2})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    weekday = "月火水木金土日"[day.weekday()]
    assert f"{day.month}月{day.day}日（{weekday}）午後（第1班）: 予約枠が埋まっています" in page
    assert "予約: 予約枠" not in page
    assert next(d for d in _days(db, season) if d.date == day).pm_slots == 3


def test_regenerating_never_breaks_confirmed_bookings(manager_client, db, season):
    _three_pm_visits(manager_client, db, season)
    before = _days(db, season)
    # A new calendar has every day at the season's 2 PM slots: the 3rd PM visit would be lost.
    refused = manager_client.post_form("/manager/calendar/generate")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert "再生成できません" in page and "予約枠が埋まっています" in page
    assert _days(db, season) == before


def test_once_the_visits_have_begun_the_calendar_is_not_regenerated(app, manager_client, db, season):
    before = _days(db, season)
    first = before[0].date
    app.config["APP_TODAY"] = first + dt.timedelta(days=1)
    page = manager_client.get("/manager/calendar").get_data(as_text=True)
    assert 'id="no-regenerate"' in page and "/manager/calendar/generate" not in page
    refused = manager_client.post_form("/manager/calendar/generate")
    assert refused.status_code == 422
    assert "訪問期間が始まっているため" in refused.get_data(as_text=True)
    assert _days(db, season) == before
    app.config["APP_TODAY"] = first  # on the first visit day itself it still may be
    assert 'id="no-regenerate"' not in manager_client.get("/manager/calendar").get_data(as_text=True)
