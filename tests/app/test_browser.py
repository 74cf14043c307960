"""End to end in a real browser: Playwright drives Debian's headless Chromium.

The app runs in a thread on 127.0.0.1 with its own SQLite file, set up exactly as
`make run` does (migrations, then the demo season).
"""

from __future__ import annotations

import contextlib
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from app import create_app, migrate
from app.dates import jp_date
from app.db import session as db_session
from app.demo import DEMO_USERS, load_demo
from tests.conftest import SEASON_TODAY

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium")
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@contextlib.contextmanager
def demo_server(db_dir: Path, **config: Any) -> Iterator[str]:
    """The app as `make run` sets it up (migrations, then the demo season) on its own SQLite
    file in `db_dir`, served from a thread; yields its base URL."""
    app = create_app("testing", {"DATABASE_URL": f"sqlite:///{db_dir / 'live.db'}",
                                 "APP_TODAY": SEASON_TODAY, **config})
    with app.app_context():
        migrate.upgrade(app.extensions["db"].engine)
        load_demo(db_session())
        db_session().commit()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("live")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.fail("chromium is not installed: run `make test`, which installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        yield b
        b.close()


def _login(page, base: str, role: str) -> None:
    username, _name, _role, password = next(u for u in DEMO_USERS if u[2] == role)
    page.goto(base + "/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")


def test_manager_logs_in_and_changes_a_days_pm_slots(live_server, browser):
    page = browser.new_page()
    _login(page, live_server, "manager")
    assert page.locator("h1").first.inner_text().startswith("小樽市")
    page.click("text=訪問日カレンダー")
    cell = page.locator("td.home[data-date]").first
    date = cell.get_attribute("data-date")
    cell.locator("summary").click()
    cell.locator(f"#pm-{date}").select_option("3")
    cell.locator("button", has_text="午後枠変更").click()
    page.wait_for_selector(".flash.success")
    assert "午後枠を3件に変更" in page.locator(".flash.success").inner_text()
    assert "午後 3件" in page.locator(f"td[data-date='{date}']").inner_text()
    page.close()


def test_a_refused_edit_shows_the_rule_and_keeps_the_calendar(live_server, browser):
    page = browser.new_page()
    _login(page, live_server, "manager")
    page.goto(live_server + "/manager/calendar")
    before = page.locator("td[data-date]").count()
    cell = page.locator("td.home[data-date]").nth(2)
    date = cell.get_attribute("data-date")
    cell.locator("summary").click()
    cell.locator(f"#move-{date}").fill("2026-08-15")  # a Saturday
    cell.locator("button", has_text="移動").click()
    page.wait_for_selector("#refused")
    assert "この変更はできません" in page.locator("#refused").inner_text()
    page.goto(live_server + "/manager/calendar")
    assert page.locator("td[data-date]").count() == before
    assert page.locator(f"td[data-date='{date}']").count() == 1
    page.close()


def test_operator_sees_the_capacity_calendar_but_not_manager_pages(live_server, browser):
    page = browser.new_page()
    _login(page, live_server, "operator")
    assert "空き状況" in page.locator("h1").inner_text()
    assert page.locator("td.facility[data-date]").count() >= 1
    response = page.goto(live_server + "/manager/calendar")
    assert response is not None and response.status == 403
    assert "権限がありません" in page.content()
    page.close()


def _fill_intake(page, name: str, kana: str) -> None:
    """Answer every question of the intake form as a caller's relative would."""
    page.check("input[name=caller_relationship][value=household]")
    page.fill("input[name=caller_name]", "小樽 一郎")
    page.fill("input[name=name]", name)
    page.fill("input[name=name_kana]", kana)
    page.fill("input[name=birth_date]", "1941-03-03")
    page.fill("input[name=phone]", "０１３４－２２－９９９９")
    page.fill("input[name=address]", "北海道小樽市花園１丁目")
    page.check("input[name=eligibility][value=age75]")
    page.fill("textarea[name=eligibility_detail]", "足が不自由で外出が難しい")
    page.check("input[name=application_type][value=renewal]")
    assert page.locator("[data-show-when='application_type=renewal']").is_visible()
    page.check("input[name=has_shikaku_kakuninsho][value=yes]")
    page.fill("input[name=wish_from]", "2026-06-22")
    page.fill("input[name=wish_to]", "2026-07-31")
    page.check("input[name=wish_weekdays][value='1']")
    page.check("input[name=id_documents][value=old_mynumber]")
    for question in ("can_photo", "can_write", "helper_present", "parking"):
        page.check(f"input[name={question}][value=yes]")
    page.click("button[value=search]")
    page.wait_for_selector("#offers")


def test_operator_books_a_visit_end_to_end_and_finds_it_in_the_reception_list(live_server, browser):
    page = browser.new_page()
    _login(page, live_server, "operator")
    page.click("nav >> text=予約受付")
    _fill_intake(page, "小樽 ブラウザ", "オタル ブラウザ")
    assert "丁目まで一致" in page.locator("#location").inner_text()
    offers = page.locator("tr.offer")
    assert offers.count() >= 1
    first = offers.first.locator("button[name=offer]")
    date = first.get_attribute("value").split("|")[0]
    first.click()
    page.wait_for_selector(".flash.success")
    flash = page.locator(".flash.success").inner_text()
    receipt_no = re.search(r"受付番号 (\d+)", flash).group(1)
    assert "小樽 ブラウザ" in page.content()  # the reception slip
    page.click("nav >> text=受付一覧表")
    row = page.locator("tr[data-booking]").filter(
        has=page.locator(f"td:first-child a:text-is('{receipt_no}')"))
    assert row.count() == 1
    assert row.locator(f'time[datetime="{date}"]').count() >= 1
    assert jp_date(date) in row.inner_text()
    page.close()


def test_offers_refresh_when_another_operator_books(live_server, browser):
    caller = browser.new_context().new_page()
    _login(caller, live_server, "operator")
    caller.goto(live_server + "/operator/bookings/new")
    _fill_intake(caller, "小樽 待機", "オタル タイキ")
    first_key = caller.locator("button[name=offer]").first.get_attribute("value")

    other = browser.new_context().new_page()
    _login(other, live_server, "manager")
    other.goto(live_server + "/operator/bookings/new")
    _fill_intake(other, "小樽 先客", "オタル センキャク")
    taken = other.locator("button[name=offer]").first
    assert taken.get_attribute("value") == first_key
    taken.click()
    other.wait_for_selector(".flash.success")

    caller.evaluate("document.getElementById('offers').refreshOffers()")
    caller.wait_for_function(
        "document.getElementById('offers-updated').textContent.includes('更新しました')")
    keys = [b.get_attribute("value") for b in caller.locator("button[name=offer]").all()]
    assert keys and first_key not in keys


def _offers_text(page) -> str:
    """What the offers section shows (hidden parts and the refresh notice left out)."""
    return re.sub(r"\s+", "", page.evaluate("""(() => {
        const s = document.getElementById('offers').cloneNode(true);
        s.querySelector('#offers-updated').remove();
        s.querySelectorAll('[hidden]').forEach(e => e.remove());
        return s.textContent; })()"""))


def test_refreshed_offers_read_as_the_page_rendered_them(live_server, browser):
    """The refresh script re-renders from the JSON API: wish marks, the recommendation, the
    per-half reasons, the deadline summary and the nearest free slots come out the same."""
    page = browser.new_page()
    _login(page, live_server, "operator")
    page.goto(live_server + "/operator/bookings/new")
    _fill_intake(page, "小樽 再描画", "オタル サイビョウガ")  # Tuesdays, 6/22-7/31
    for wish_from, wish_to, expect in (("2026-06-22", "2026-07-31", "曜日"),
                                       ("2026-06-02", "2026-06-12", "最も早い空き")):
        page.fill("input[name=wish_from]", wish_from)
        page.fill("input[name=wish_to]", wish_to)
        page.select_option("select[name=wish_half]", "am")
        page.click("button[value=search]")
        page.wait_for_selector("#offers")
        before = _offers_text(page)
        assert expect in before
        page.evaluate("""['#offer-table tbody', '#reason-table tbody', '#nearest-first',
                         '#nearest-more'].forEach(q => document.querySelector(q).textContent = '')""")
        assert _offers_text(page) != before  # wiped, so only the refresh can bring it back
        page.evaluate("document.getElementById('offers').refreshOffers()")
        assert _offers_text(page) == before
    page.close()


def test_manager_cancels_a_snowed_in_day_and_gets_the_call_back_list(live_server, browser):
    page = browser.new_page()
    _login(page, live_server, "manager")
    page.click("nav >> text=受付一覧表")
    first = page.locator("tr[data-booking]").first
    receipt_no = first.locator("td").nth(0).inner_text().strip()
    day = first.locator("td").nth(2).locator("time").get_attribute("datetime")
    page.click("nav >> text=予約の再計画")
    page.check("input[name=kind][value=cancel_day]")
    page.fill("input[name=date]", day)
    page.fill("textarea[name=reason]", "大雪のため")
    page.click("button:has-text('案を作成')")
    page.wait_for_selector("#proposal")
    moved = page.locator("#moves, #dropped").inner_text()
    assert receipt_no in moved
    if page.locator("input[name=confirm_drops]").count():
        page.check("input[name=confirm_drops]")
    page.click("button:has-text('この案を適用する')")
    page.wait_for_selector("h1:has-text('連絡先一覧')")
    assert page.locator("#no-callbacks").count() == 0
    assert receipt_no in page.locator("main").inner_text()
    page.goto(live_server + "/manager/calendar")
    assert page.locator(f"td[data-date='{day}']").count() == 0
    page.close()
