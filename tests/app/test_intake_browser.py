"""The intake and change pages in a real browser, as an operator with a caller on the line:
where the focus goes, the birth date said back as it is typed, the idle log-out warning."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from app.bookings import texts
from app.bookings.birth_dates import parse_birth_date, reading
from tests.app.test_browser import _fill_intake, _login, browser, live_server  # noqa: F401
from tests.conftest import SEASON_TODAY

pytestmark = pytest.mark.browser

INTAKE = "/operator/bookings/new"


@pytest.fixture
def page(live_server: str, browser: Any) -> Any:  # noqa: F811
    """A logged-in operator on the intake page, in a context of its own (own cookies and
    local storage), its clock under the test's control."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.clock.install()
    _login(page, live_server, "operator")
    page.goto(live_server + INTAKE)
    yield page
    context.close()


def focused(page: Any) -> str:
    """The focused element, as `tag#id` (`tag.text` when it has no id)."""
    return page.evaluate("""() => { const e = document.activeElement;
        return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '.' + e.textContent.trim()); }""")


def in_view(page: Any, selector: str) -> bool:
    """Whole in the window, give or take the part of a pixel by which scrolling (in whole
    pixels) misses an element laid out at a fractional position."""
    return page.evaluate("""(s) => { const r = document.querySelector(s).getBoundingClientRect();
        return r.top > -1 && r.bottom < window.innerHeight + 1; }""", selector)


def test_after_a_search_the_offers_are_in_view_with_the_focus_on_their_heading(page):
    _fill_intake(page, "小樽 フォーカス", "ｵﾀﾙ ﾌｫｰｶｽ")  # half-width kana, as some keyboards type
    assert focused(page) == "h2#offers-title"
    assert in_view(page, "#offers-title") and page.evaluate("window.scrollY") > 500
    page.keyboard.press("Tab")  # the next stop is the first offer's button
    assert page.evaluate("document.activeElement.name") == "offer"
    assert page.input_value("input[name=name_kana]") == "オタル フォーカス"


def test_a_refused_save_focuses_the_summary_whose_links_reach_each_field(page):
    page.fill("input[name=name]", "小樽 花子")
    page.click("button[value=search]")
    page.wait_for_selector(".errors")
    assert focused(page) == "strong.入力内容を確認してください。"
    assert not page.locator("#offers").count()
    page.click(".errors a[href='#birth_date']")
    assert focused(page) == "input#birth_date"
    page.click(".errors a[href='#caller_relationship-0']")
    assert focused(page) == "input#caller_relationship-0"
    assert in_view(page, "#caller_relationship-label")
    required = page.locator("[data-field=birth_date] .required-badge")
    assert required.inner_text() == "必須"
    assert page.locator("[data-field=caller_name] .required-badge").count() == 0


TYPED = ["昭和19年3月15日", "S19.3.15", "ｓ１９．３．１５", "昭19.3.15", "1944/3/15", "19440315",
         "１９４４－０３－１５", "昭和十九年三月十五日", "平成元年1月8日", "大正15年12月25日",
         "昭和64年1月7日", "R1.5.1", "1944-09-11"]
UNREADABLE = ["昭和64年1月8日", "平成元年1月7日", "昭和19年2月30日", "S19", "昭和", "1944/13/1"]


def test_the_birth_date_is_said_back_as_it_is_typed_as_the_server_reads_it(page):
    echo = page.locator("#birth_date-echo")
    phone_top = page.locator("#phone").bounding_box()["y"]
    for typed in TYPED:
        page.fill("#birth_date", typed)
        assert echo.inner_text() == reading(parse_birth_date(typed), SEASON_TODAY), typed
    for typed in UNREADABLE:
        page.fill("#birth_date", typed)
        assert echo.inner_text() == "", typed
    page.fill("#birth_date", "S19.3.15")
    assert page.locator("#phone").bounding_box()["y"] == phone_top  # nothing moved
    _fill_intake(page, "小樽 和暦", "オタル ワレキ")  # searches (with a 西暦 birth date)
    page.fill("#birth_date", "S19.3.15")
    with page.expect_navigation():
        page.click("button[value=search]")
    assert page.input_value("#birth_date") == "S19.3.15"  # kept as typed
    assert echo.inner_text() == "1944年3月15日（昭和19年）・82歳"  # the server's reading


def test_the_idle_warning_comes_five_minutes_before_and_only_the_button_extends(page):
    kept_alive = []
    page.on("request", lambda r: kept_alive.append(r.url) if "keep-alive" in r.url else None)
    warning = page.locator("#idle-warning")
    page.clock.fast_forward("24:50")
    assert warning.is_hidden()
    page.clock.fast_forward("00:15")
    assert warning.is_visible()
    assert page.locator("#idle-message").inner_text() == "あと5分で自動的にログアウトします。"
    page.clock.fast_forward("02:00")
    assert page.locator("#idle-message").inner_text() == "あと3分で自動的にログアウトします。"
    assert kept_alive == []  # nothing extends the session by itself
    with page.expect_response(lambda r: "keep-alive" in r.url) as response:
        page.click("#idle-extend")
    assert response.value.status == 204
    page.wait_for_selector("#idle-warning", state="hidden")
    page.clock.fast_forward("24:00")
    assert warning.is_hidden()  # counted from the extension
    page.clock.fast_forward("02:00")
    assert warning.is_visible()
    page.clock.fast_forward("06:00")
    assert "自動的にログアウトしました" in page.locator("#idle-message").inner_text()
    assert page.locator("#idle-extend").is_hidden()
    assert page.locator("#idle-login").is_visible()
    assert len(kept_alive) == 1


def test_the_slot_refresh_does_not_keep_the_session_alive(page):
    _fill_intake(page, "小樽 待機中", "オタル タイキチュウ")
    with page.expect_request(lambda r: "/api/v1/slots" in r.url) as polled:
        page.evaluate("document.getElementById('offers').refreshOffers()")
    assert polled.value.headers.get("x-background-poll") == "1"
    response = polled.value.response()
    assert response is not None and response.status == 200
    assert "set-cookie" not in {k.lower() for k in response.headers}


def wish_cells(page: Any) -> list[tuple[str, bool]]:
    """Each offer's 希望 note and whether it is greyed (the cell or a span in it is .muted)."""
    cells = page.evaluate("""() => Array.from(document.querySelectorAll('tr.offer td.wish-note'),
        td => [td.textContent, td.matches('.muted') || !!td.querySelector('.muted')])""")
    return [(text, greyed) for text, greyed in cells]


def refreshed(page: Any) -> None:
    """Re-render the offers from the slot API at once, as the 15-second poll does."""
    with page.expect_response(lambda r: "/api/v1/slots" in r.url):
        page.evaluate("document.getElementById('offers').refreshOffers()")
    page.wait_for_function("document.querySelectorAll('tr.offer td.wish-note').length > 0")


def search_without_soft_wishes(page: Any) -> None:
    _fill_intake(page, "小樽 指定無", "オタル シテイナシ")  # wishes Tuesdays
    page.uncheck("input[name=wish_weekdays][value='1']")
    with page.expect_navigation():
        page.click("button[value=search]")


def test_without_wishes_no_offer_is_greyed_before_or_after_a_refresh(page):
    search_without_soft_wishes(page)
    first = wish_cells(page)
    assert len(first) > 3 and set(first) == {("指定なし", False)}
    refreshed(page)
    assert wish_cells(page) == first


def offer_table(page: Any) -> list[list[Any]]:
    """Each offer row as read: おすすめ mark, offer key, the cells' text, the 希望 cell's markup."""
    return page.evaluate("""() => Array.from(document.querySelectorAll('#offer-table tr.offer'),
        tr => [tr.getAttribute('data-recommended'), tr.querySelector('button').value,
               Array.from(tr.cells, td => td.textContent.trim()),
               tr.querySelector('td.wish-note').outerHTML])""")


def test_the_refresh_renders_the_offers_as_the_server_does_with_its_wish_notes(page):
    _fill_intake(page, "小樽 再描画", "オタル サイビョウガ")  # wishes Tuesdays
    page.select_option("select[name=wish_half]", "pm")
    with page.expect_navigation():
        page.click("button[value=search]")
    served = offer_table(page)
    notes = {row[2][3] for row in served}
    assert {"希望どおり", "曜日○・午前午後×", "曜日×・午前午後○"} <= notes
    refreshed(page)
    assert offer_table(page) == served
    # The script shows the server's wording (the slot API's wish_note), not its own.
    def reworded(route: Any) -> None:
        body = route.fetch().json()
        route.fulfill(json={**body, "offers": [{**o, "wish_note": "サーバーの文言"}
                                               for o in body["offers"]]})

    page.route("**/api/v1/slots?*", reworded)
    refreshed(page)
    assert {text for text, _greyed in wish_cells(page)} == {"サーバーの文言"}


def test_the_old_card_can_be_ticked_only_when_the_application_is_not_new(page):
    """The server refuses the old MyNumber card on a 新規申請 (validate_id_documents): while
    that type is chosen its box is disabled and unticked; the other types enable it."""
    old_card = page.locator(f"input[name=id_documents][value={texts.OLD_CARD}]")
    assert old_card.is_enabled()  # no type chosen yet
    page.check("input[name=application_type][value=renewal]")
    old_card.check()
    page.check(f"input[name=application_type][value={texts.NEW_APPLICATION}]")
    assert old_card.is_disabled() and not old_card.is_checked()
    page.check("input[name=application_type][value=lost]")
    assert old_card.is_enabled() and not old_card.is_checked()  # enabled, not ticked again
    old_card.check()
    page.check(f"input[name=application_type][value={texts.NEW_APPLICATION}]")
    page.check("input[name=id_documents][value=passport]")
    with page.expect_navigation():  # the page comes back (errors: most fields are empty)
        page.click("button[value=search]")
    assert page.is_checked(f"input[name=application_type][value={texts.NEW_APPLICATION}]")
    assert page.is_checked("input[name=id_documents][value=passport]")
    assert old_card.is_disabled() and not old_card.is_checked()
    page.check("input[name=application_type][value=renewal]")
    assert old_card.is_enabled()


def test_the_change_page_searches_without_a_reason_and_asks_for_it_to_change(
        page, live_server):  # noqa: F811
    page.goto(live_server + "/operator/bookings/")
    page.locator("tr[data-booking] td:first-child a").first.click()
    page.click("text=訪問日を変更する")
    day = page.locator("#current").get_attribute("data-date")
    page.fill("input[name=wish_from]", day)
    page.fill("input[name=wish_to]", (dt.date.fromisoformat(day) + dt.timedelta(days=28)).isoformat())
    page.click("button[value=search]")
    page.wait_for_selector("#offers")
    assert focused(page) == "h2#offers-title"
    marked = page.locator("tr.offer.current")
    if marked.count():
        assert "現在の予約" in marked.inner_text() and marked.locator("button").count() == 0
    offer = page.locator("button[name=offer]").first
    target = offer.get_attribute("value")
    offer.click()
    page.wait_for_selector(".errors")
    assert focused(page) == "strong.入力内容を確認してください。"
    page.click(".errors a[href='#reason']")
    assert focused(page) == "textarea#reason"
    page.keyboard.type("通院の予定が入った")
    page.click(f"button[name=offer][value='{target}']")
    page.wait_for_selector(".flash.success")
    assert "変更しました" in page.locator(".flash.success").inner_text()
