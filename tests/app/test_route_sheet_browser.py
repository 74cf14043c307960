"""The visit team's pages in a real browser, as a team member uses them on a phone (390 px).

The demo season runs as on 2026-07-15 (as `APP_TODAY=2026-07-15 make run`): some past days
still lack their results, so the sheets have outcome forms.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from app.demo import DEMO_USERS
from tests.app.test_browser import browser, demo_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

TODAY = "2026-07-15"
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with demo_server(tmp_path_factory.mktemp("sheet"), APP_TODAY=TODAY) as url:
        yield url


def log_in(page: Any, base: str, role: str = "team", path: str = "/login") -> None:
    """Log in on the page at `path` (the log-in page, with or without `next`)."""
    username, _name, _role, password = next(u for u in DEMO_USERS if u[2] == role)
    if path:
        page.goto(base + path)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def box(locator: Any) -> dict[str, float]:
    result = locator.bounding_box()
    assert result is not None
    return result


@pytest.mark.parametrize("width", [390, 700, 900])
def test_the_header_keeps_the_brand_clear_of_the_users_name(team_server, browser, width):  # noqa: F811
    page = browser.new_page(viewport={"width": width, "height": 800})
    log_in(page, team_server)
    brand, who = box(page.locator("header .brand")), box(page.locator("header .who"))
    overlaps = (brand["x"] < who["x"] + who["width"] and who["x"] < brand["x"] + brand["width"]
                and brand["y"] < who["y"] + who["height"] and who["y"] < brand["y"] + brand["height"])
    assert not overlaps, (brand, who)
    assert page.locator("header .brand").evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    page.close()


# --- the list of days -------------------------------------------------------------------------

def test_the_days_list_leads_with_today_and_the_missing_results(team_server, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    log_in(page, team_server)
    assert page.url.endswith("/team/")
    cards = page.locator(".day-card")
    assert cards.nth(0).get_attribute("id") == "today" and TODAY in cards.nth(0).inner_text()
    assert cards.nth(1).get_attribute("id") == "next"
    assert box(page.locator("#today"))["y"] < box(page.locator("#upcoming"))["y"]
    missing = page.locator("#missing li")
    assert missing.count() >= 1
    assert re.search(r"結果未入力 \d+件", missing.first.inner_text())
    assert not page.locator("details#quiet").evaluate("e => e.open")
    for link in page.locator(".sheet-links a").all():
        if link.is_visible():
            assert link.evaluate("e => e.getClientRects().length") == 1, link.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.close()
