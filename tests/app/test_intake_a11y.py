"""The intake page as an operator uses it with a caller on the line: by keyboard, with a
screen reader or a magnifier. What assistive technology reads (labels, groups, errors,
each offer's name) is checked in the browser, as the browser computes it."""

from __future__ import annotations

from typing import Any

import pytest

from app.dates import jp_date
from tests.app.test_browser import _fill_intake, _login, browser, live_server  # noqa: F401

pytestmark = pytest.mark.browser

INTAKE = "/operator/bookings/new"


@pytest.fixture
def page(live_server: str, browser: Any) -> Any:  # noqa: F811
    """A logged-in operator on the intake page, in a context of its own."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    _login(page, live_server, "operator")
    page.goto(live_server + INTAKE)
    yield page
    context.close()


def test_each_control_has_a_label_and_each_group_is_a_fieldset_named_by_its_legend(page):
    unlabelled = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#intake-form input:not([type=hidden]), #intake-form select, #intake-form textarea'))
        .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-labelledby'))
        .map(e => e.id)""")
    assert unlabelled == []
    groups = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#intake-form input[type=radio], #intake-form input[type=checkbox]')).map(e => {
          const set = e.closest('fieldset.field'), list = e.closest('li').parentElement;
          return [e.name, set && set.firstElementChild.tagName === 'LEGEND',
                  list.tagName === 'UL' && !list.hasAttribute('role')];
        })""")
    assert groups and all(in_set and in_list for _name, in_set, in_list in groups), groups
    # The legend names the group, as a screen reader announces it on entering it.
    group = page.get_by_role("group", name="電話をかけている方 必須")
    assert group.get_by_role("radio").count() == 6
    assert page.get_by_role("group", name="用意できる本人確認書類 必須").get_by_role(
        "checkbox", name="パスポート").count() == 1


def test_a_refused_field_says_it_is_invalid_and_points_at_its_message(page):
    page.fill("#name", "小樽 花子")
    page.click("button[value=search]")
    page.wait_for_selector(".errors")
    described = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#intake-form [aria-invalid=true]')).map(e => [e.id, (e.getAttribute('aria-describedby')
          || '').split(' ').map(id => (document.getElementById(id) || {}).textContent || '')])""")
    invalid = {id_: texts for id_, texts in described}
    # every choice of a refused group, and a refused text box, carries its message
    for choice in range(6):
        assert invalid[f"caller_relationship-{choice}"] == ["電話をかけている方を選んでください。"]
    assert "生年月日を入力してください。" in invalid["birth_date"]
    assert "name" not in invalid


def test_the_browser_offers_no_autofill_of_the_operators_own_details(page):
    """Autofill would put the operator's own name, phone or address (or the previous
    caller's) into the caller's answers."""
    assert page.get_attribute("#intake-form", "autocomplete") == "off"
    text_boxes = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#intake-form input:not([type=hidden]):not([type=radio]):not([type=checkbox])'))
        .map(e => [e.id, e.getAttribute('autocomplete')])""")
    assert {"caller_name", "caller_phone", "name", "name_kana", "phone", "address",
            "birth_date"} <= {id_ for id_, _ in text_boxes}
    personal = {"caller_name", "caller_phone", "name", "name_kana", "birth_date", "phone",
                "address", "lat", "lng"}
    assert [id_ for id_, value in text_boxes if id_ in personal and value != "off"] == []


def offer_names(page: Any) -> list[str]:
    """Each offer button's accessible name, as the browser computes it for a screen reader."""
    buttons = page.locator("button[name=offer]")
    return [" ".join(buttons.nth(i).evaluate("""b => b.getAttribute('aria-labelledby')
        .split(' ').map(id => document.getElementById(id).textContent.trim()).join(' ')""").split())
            for i in range(buttons.count())]


def test_each_offer_button_is_named_by_its_date_half_time_and_wish(page):
    _fill_intake(page, "小樽 読上げ", "オタル ヨミアゲ")  # wishes Tuesdays
    rows = page.evaluate("""() => Array.from(document.querySelectorAll('#offer-table tr.offer'),
        tr => Array.from(tr.cells).slice(1).map(td => td.textContent.trim()))""")
    assert len(rows) > 2
    names = offer_names(page)
    for (day, time, wish), name in zip(rows, names, strict=True):
        assert name.startswith(f"{day} {time} {wish}") and name.endswith("この日時で予約")
    assert "おすすめ" in names[0]
    assert {wish for _d, _t, wish in rows} >= {"希望どおり"}
    # What the browser's accessibility tree says: the second offer by its name.
    second = page.get_by_role("button", name=names[1], exact=True)
    assert second.get_attribute("value") == page.locator("button[name=offer]").nth(1).get_attribute(
        "value")
    # The refresh re-renders the rows and names them the same way.
    page.evaluate("document.querySelector('tr.offer').setAttribute('data-served', 'yes')")
    page.evaluate("document.getElementById('offers').refreshOffers()")  # awaits the render
    assert page.locator("tr.offer[data-served]").count() == 0
    assert offer_names(page) == names


def sent_by(page: Any, selector: str, key: str) -> bool:
    """Whether pressing `key` in `selector` sends the intake form (the send is caught and
    stopped, so the page stays to be asked)."""
    page.evaluate("""() => { window.sent = false; document.getElementById('intake-form')
        .addEventListener('submit', e => { window.sent = true; e.preventDefault(); }); }""")
    page.focus(selector)
    page.keyboard.press(key)
    return page.evaluate("window.sent")


def test_enter_in_a_half_answered_form_does_not_send_it(page):
    page.focus("#name")
    page.keyboard.type("小樽 花子")
    for box in ("#name", "#caller_name", "#phone", "#birth_date", "#applicants", "#wish_from",
                "#caller_relationship-1", "#wish_weekdays-0"):
        assert not sent_by(page, box, "Enter"), box
    assert page.input_value("#name") == "小樽 花子"
    assert not page.locator(".errors").count()
    # Enter still types a new line in a text area, and the search button still sends.
    page.focus("#visit_notes")
    page.keyboard.type("犬がいる")
    page.keyboard.press("Enter")
    page.keyboard.type("玄関は裏")
    assert page.input_value("#visit_notes") == "犬がいる\n玄関は裏"
    assert sent_by(page, "button[value=search]", "Enter")


def focused_name(page: Any) -> str:
    """The focused control's name (the form field it answers), else its tag."""
    return page.evaluate("""() => { const e = document.activeElement;
        return e.name || e.tagName.toLowerCase(); }""")


def tab_to(page: Any, name: str, visited: list[str]) -> None:
    """Tab forwards until the focus is in the control named `name`, noting each control the
    focus stops in."""
    for _ in range(100):
        page.keyboard.press("Tab")
        here = focused_name(page)
        if not visited or visited[-1] != here:
            visited.append(here)
        if here == name:
            return
    raise AssertionError(f"Tab never reached {name}: {visited}")


# The questions in the order of the call script (SPEC §6, then §7 a-i).
CALL_SCRIPT = ["caller_relationship", "caller_name", "caller_phone",
               "name", "name_kana", "birth_date", "phone", "address", "summary",
               "eligibility", "eligibility_detail", "application_type", "applicants",
               "wish_from", "wish_to", "wish_half", "wish_weekdays", "id_documents",
               "can_photo", "can_write", "helper_present", "parking", "visit_notes", "other_notes",
               "action"]


def test_a_booking_taken_by_keyboard_alone_in_the_order_of_the_call_script(page):
    keys = page.keyboard
    visited: list[str] = []
    tab_to(page, "caller_relationship", visited)  # past the header's links
    visited.clear()
    visited.append("caller_relationship")
    keys.press("ArrowDown")  # 本人 -> 同居の家族
    assert page.is_checked("#caller_relationship-1")
    tab_to(page, "caller_name", visited)
    keys.type("小樽 一郎")
    tab_to(page, "name", visited)
    keys.type("小樽 鍵盤")
    tab_to(page, "name_kana", visited)
    keys.type("オタル ケンバン")
    tab_to(page, "birth_date", visited)
    keys.type("昭和16年3月3日")
    tab_to(page, "phone", visited)
    keys.type("0134-22-9999")
    tab_to(page, "address", visited)
    keys.type("北海道小樽市花園1丁目")
    tab_to(page, "eligibility", visited)
    keys.press("Space")  # 75歳以上
    tab_to(page, "eligibility_detail", visited)
    keys.type("足が不自由で外出が難しい")
    tab_to(page, "application_type", visited)
    keys.press("Space")  # 新規申請
    tab_to(page, "wish_half", visited)
    keys.press("ArrowDown")  # 午前
    assert page.input_value("#wish_half") == "am"
    tab_to(page, "wish_weekdays", visited)
    keys.press("Tab")
    keys.press("Space")  # 火
    tab_to(page, "id_documents", visited)
    keys.press("Space")  # 運転免許証
    for question in ("can_photo", "can_write", "helper_present", "parking"):
        tab_to(page, question, visited)
        keys.press("Space")  # はい
    tab_to(page, "action", visited)
    assert visited == CALL_SCRIPT
    with page.expect_navigation():
        keys.press("Enter")
    assert focused_name(page) == "h2"  # the offers' heading
    keys.press("Tab")
    keys.press("Tab")
    key = page.locator("button[name=offer]").nth(1).get_attribute("value")
    assert page.evaluate("document.activeElement.value") == key  # the 2nd offer
    with page.expect_navigation():
        keys.press("Enter")
    flash = page.locator(".flash.success").inner_text()
    date, half = key.split("|")[:2]
    assert flash.startswith("予約しました") and jp_date(date) in flash
    assert {"am": "午前", "pm": "午後"}[half] in flash


def test_tab_and_shift_tab_pass_every_control_with_no_trap(page):
    """Forwards from the top, the focus passes every control once to the end of the page;
    backwards, it comes back the same way (no box, date field or details keeps it)."""
    forwards: list[str] = []
    tab_to(page, "action", forwards)
    backwards = [forwards[-1]]
    for _ in range(200):
        page.keyboard.press("Shift+Tab")
        here = focused_name(page)
        if backwards[-1] != here:
            backwards.append(here)
        if here == forwards[0]:
            break
    assert backwards == forwards[::-1]


def test_the_focus_is_plainly_visible_on_every_kind_of_control(page):
    """A ring at least 2px wide in the page's accent colour, apart from the control, so it
    shows on the blue buttons too (the browser's own ring is a thin dark line)."""
    _fill_intake(page, "小樽 輪郭", "オタル リンカク")
    rings = {}
    for selector in ("#name", "#caller_relationship-1", "#wish_weekdays-0", "#wish_half",
                     "#visit_notes", "details summary", "button[value=search]",
                     "button[name=offer]"):
        page.locator(selector).first.focus()
        page.keyboard.press("Shift+Tab")  # as the keyboard reaches it (:focus-visible)
        page.keyboard.press("Tab")
        rings[selector] = page.evaluate("""() => { const s = getComputedStyle(document.activeElement);
            return [s.outlineStyle, parseFloat(s.outlineWidth), parseFloat(s.outlineOffset)]; }""")
    assert {sel: ring for sel, ring in rings.items()
            if not (ring[0] == "solid" and ring[1] >= 2 and ring[2] >= 1)} == {}


def test_at_200_percent_zoom_of_1280_px_nothing_scrolls_sideways(live_server, browser):  # noqa: F811
    """A screen magnifier's 200% of a 1280 px window is 640 CSS px: the form, its errors and
    the offers still fit the width."""
    context = browser.new_context(viewport={"width": 640, "height": 400}, device_scale_factor=2)
    page = context.new_page()
    _login(page, live_server, "operator")
    page.goto(live_server + INTAKE)
    widths = "[document.documentElement.scrollWidth, window.innerWidth]"
    page.click("button[value=search]")
    page.wait_for_selector(".errors")
    scroll_width, width = page.evaluate(widths)
    assert scroll_width <= width
    _fill_intake(page, "小樽 拡大", "オタル カクダイ")
    scroll_width, width = page.evaluate(widths)
    assert scroll_width <= width
    context.close()
