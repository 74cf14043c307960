"""Keyboard and screen-reader use of the pages besides the intake (tests/app/test_intake_a11y.py):
the change page's offers, and what base.html and app.css give every page. Checked in the
browser, as the browser computes it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.app.test_browser import _fill_intake, _login, browser, live_server  # noqa: F401
from tests.app.test_intake_a11y import offer_names

pytestmark = pytest.mark.browser


@pytest.fixture
def context(browser: Any) -> Any:  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    yield context
    context.close()


def test_each_change_offer_button_is_named_by_its_date_half_time_and_wish(live_server, context):  # noqa: F811
    page = context.new_page()
    _login(page, live_server, "operator")
    page.goto(live_server + "/operator/bookings/new")
    _fill_intake(page, "小樽 変更読上", "オタル ヘンコウヨミアゲ")
    with page.expect_navigation():
        page.locator("button[name=offer]").first.click()
    with page.expect_navigation():
        page.click("text=訪問日を変更する")
    page.fill("input[name=wish_from]", "2026-06-22")
    page.fill("input[name=wish_to]", "2026-07-31")
    page.check("input[name=wish_weekdays][value='1']")  # Tuesdays
    with page.expect_navigation():
        page.click("button[value=search]")
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('tr.offer:not(.current)'),
        tr => Array.from(tr.cells).slice(1).map(td => td.textContent.trim()))""")
    assert len(rows) > 2
    names = offer_names(page)
    assert len(names) == len(rows)
    for (day, time, wish), name in zip(rows, names, strict=True):
        assert name == f"{day} {time} {wish} この日時に変更"
    assert {wish for _d, _t, wish in rows} >= {"希望どおり"}
    assert len(set(names)) == len(names)  # no two buttons read the same
    # What the browser's accessibility tree says: the second offer by its name.
    second = page.get_by_role("button", name=names[1], exact=True)
    assert second.get_attribute("value") == page.locator("button[name=offer]").nth(1).get_attribute(
        "value")


def skip_to_main(page: Any) -> str | None:
    """Press Tab once from the page's top, check it reaches 「本文へ移動」 (shown only then),
    press Enter and Tab, and return the name of the control the focus is then in (in main)."""
    link = page.get_by_role("link", name="本文へ移動")
    box = link.bounding_box()
    assert box["y"] + box["height"] <= 0  # off the page until focused
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "#main"
    box = link.bounding_box()
    assert box["y"] >= 0 and box["height"] > 0  # now in sight
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    return page.evaluate("document.activeElement.name")


def test_the_first_tab_stop_is_a_skip_link_into_main(live_server, context):  # noqa: F811
    """On every page (base.html), logged in or not: the first Tab reaches 「本文へ移動」; Enter
    on it puts the focus in <main>, and the next Tab is main's first control, not one of the
    header's links."""
    page = context.new_page()
    page.goto(live_server + "/login")
    assert skip_to_main(page) == "username"
    _login(page, live_server, "operator")
    page.goto(live_server + "/operator/bookings/new")
    assert skip_to_main(page) == "caller_relationship"


def ring(page: Any) -> list[Any]:
    """The focused element's outline: style, width and offset in px, colour."""
    return page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
        return [s.outlineStyle, parseFloat(s.outlineWidth), parseFloat(s.outlineOffset),
                s.outlineColor]; }""")


def test_the_focus_ring_is_the_intakes_on_every_page(live_server, context):  # noqa: F811
    """The 3px accent ring apart from the control (app.css :focus-visible) is site-wide: on
    the log-in page's boxes and button as on the intake form."""
    page = context.new_page()
    page.goto(live_server + "/login")
    accent = page.evaluate("""() => { const e = document.createElement('span');
        e.style.color = 'var(--accent)'; document.body.appendChild(e);
        return getComputedStyle(e).color; }""")
    page.keyboard.press("Tab")  # 本文へ移動
    rings = {"skip-link": ring(page)}
    page.keyboard.press("Enter")
    for name in ("username", "password", "button"):
        page.keyboard.press("Tab")
        focused = page.evaluate("document.activeElement.name || document.activeElement.tagName")
        rings[name] = ring(page)
        assert focused.lower() == name
    assert rings == {name: ["solid", 3, 2, accent] for name in rings}
