"""The route sheet as a visit team member uses it, in a real browser: on a phone (390 px),
through an idle logout in the middle of a visit, and on paper.

The demo season runs as on 2026-07-15 (as `APP_TODAY=2026-07-15 make run`): some past days
still lack their results, so the sheets have outcome forms.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.dates import jp_date
from app.demo import DEMO_USERS
from tests.app.test_browser import browser, demo_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

TODAY = "2026-07-15"
PHONE = {"width": 390, "height": 844}
DRAFT_PREFIX = "route-sheet-draft:"


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


def sheets_to_record(page: Any, base: str) -> list[str]:
    """The sheets of past days whose results are still missing (the list's alert)."""
    page.goto(base + "/team/")
    return [a.get_attribute("href") for a in page.locator("#missing a:text-is('ルート表')").all()]


def open_form(page: Any) -> Any:
    """The first stop's outcome form not yet recorded."""
    form = page.locator("details.outcome[open] form[data-draft]").first
    assert form.count() == 1
    return form


def box(locator: Any) -> dict[str, float]:
    result = locator.bounding_box()
    assert result is not None
    return result


def drafts(page: Any) -> dict[str, str]:
    return page.evaluate(
        "p => Object.fromEntries(Object.keys(sessionStorage).filter(k => k.startsWith(p))"
        ".map(k => [k, sessionStorage.getItem(k)]))", DRAFT_PREFIX)


# --- a phone ------------------------------------------------------------------------------

def test_on_a_phone_each_stop_is_a_readable_card_with_big_tap_targets(team_server, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    log_in(page, team_server)
    sheet = sheets_to_record(page, team_server)[0]
    page.goto(team_server + sheet)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    stops = page.locator("tr.stop")
    assert stops.count() >= 1
    for i in range(stops.count()):
        stop = stops.nth(i)
        assert box(stop.locator("td.place"))["width"] >= 250
        assert box(stop.locator("td.checks"))["width"] >= 250
        # the number and the times side by side on top, the place below them
        assert box(stop.locator("td.times"))["y"] < box(stop.locator("td.place"))["y"]
        tel = stop.locator("td.place a.tel")
        assert tel.get_attribute("href").startswith("tel:")
        assert re.fullmatch(r"tel:\+?\d+", tel.get_attribute("href"))
        assert box(tel)["height"] >= 44
    form = open_form(page)
    for label in form.locator("[data-field$=outcome] li label").all():
        assert box(label)["height"] >= 44
        assert box(label)["height"] < 60, "a choice's label wraps"
    for radio in form.locator("input[type=radio]").all():
        assert box(radio)["width"] >= 20
    save = form.locator("button.save")
    assert box(save)["height"] >= 44 and box(save)["width"] >= 250
    assert box(page.locator("details.outcome summary").first)["height"] >= 44
    page.close()


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


# --- an idle logout in the middle of a visit ------------------------------------------------

def test_a_result_typed_after_the_session_expired_is_kept_and_saved_after_logging_in(
        team_server, browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, team_server)
    sheet = sheets_to_record(page, team_server)[0]
    page.goto(team_server + sheet)
    form = open_form(page)
    action = form.get_attribute("action")
    form.locator("input[type=radio][value=visited]").check()
    form.locator("input[name$=applications_taken]").fill("2")
    form.locator("textarea[name$=notes]").fill("写真は椅子に座って撮影")

    context.clear_cookies()  # the idle logout: the session is gone
    form.locator("button.save").click()
    page.wait_for_selector("#expired")
    text = page.locator("#expired").inner_text()
    assert "この端末" in text and "もう一度ログイン" in text
    page.click("#expired a.button")
    assert "/login?next=" in page.url
    log_in(page, team_server, path="")
    assert page.url.split("#")[0] == team_server + sheet  # back on the sheet

    page.wait_for_selector(".draft-restored")
    notice = "保存されていない入力を戻しました。内容を確かめて保存してください。"
    assert notice in page.locator(".draft-restored").inner_text()
    form = page.locator(f"form[action='{action}']")
    assert notice in form.inner_text()
    assert form.locator("input[type=radio][value=visited]").is_checked()
    assert form.locator("input[name$=applications_taken]").input_value() == "2"
    assert form.locator("textarea[name$=notes]").input_value() == "写真は椅子に座って撮影"

    form.locator("button.save").click()
    page.wait_for_selector(".saved-note")
    note = page.locator(".saved-note")
    assert "「訪問済（申請受付）」で記録しました" in note.inner_text()
    assert "（訪問済（" not in page.content()
    top = box(note)["y"]
    assert 0 <= top < PHONE["height"], "the confirmation is off screen"
    assert drafts(page) == {}
    page.reload()
    assert page.locator(".draft-restored").count() == 0
    assert "写真は椅子に座って撮影" in page.locator("main").inner_text()  # saved
    context.close()


# base.html's idle log-out warning shares the time of the last page load across tabs in
# localStorage: a timestamp, no personal data; the only key allowed there.
IDLE_CLOCK_KEYS = {"idle-logout-last-request"}


def local_keys(page) -> set[str]:
    return set(page.evaluate("Object.keys(localStorage)"))


def test_logging_out_drops_the_drafts(team_server, browser):  # noqa: F811
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    log_in(page, team_server)
    page.goto(team_server + sheets_to_record(page, team_server)[-1])
    open_form(page).locator("textarea[name$=notes]").fill("下書き")
    assert len(drafts(page)) == 1
    assert all(json_ok(v) for v in drafts(page).values())
    assert local_keys(page) <= IDLE_CLOCK_KEYS  # drafts never in localStorage
    page.click("header button:has-text('ログアウト')")
    page.wait_for_selector("input[name=username]")
    assert drafts(page) == {}
    assert local_keys(page) <= IDLE_CLOCK_KEYS
    context.close()


def json_ok(value: str) -> bool:
    return value.startswith("{") and '"values"' in value


# --- the list of days -------------------------------------------------------------------------

def test_the_days_list_leads_with_today_and_the_missing_results(team_server, browser):  # noqa: F811
    page = browser.new_page(viewport=PHONE)
    log_in(page, team_server)
    assert page.url.endswith("/team/")
    cards = page.locator(".day-card")
    assert cards.nth(0).get_attribute("id") == "today" and jp_date(TODAY) in cards.nth(0).inner_text()
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


# --- paper -------------------------------------------------------------------------------------

def pdf_page_texts(path: Path) -> list[str]:
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True,
                          text=True).stdout
    count = int(re.search(r"Pages:\s+(\d+)", info).group(1))  # type: ignore[union-attr]
    return [subprocess.run(["pdftotext", "-layout", "-f", str(n), "-l", str(n), str(path), "-"],
                           check=True, capture_output=True, text=True).stdout
            for n in range(1, count + 1)]


def test_printed_pages_repeat_the_day_and_never_end_on_a_half_days_heading(
        team_server, browser, tmp_path):  # noqa: F811
    page = browser.new_page()
    log_in(page, team_server)
    page.goto(team_server + "/team/")
    busiest = max(page.locator("#upcoming tbody tr").all(),
                  key=lambda r: int(re.search(r"(\d+)件", r.inner_text()).group(1)))
    sheet = busiest.locator("a:text-is('ルート表')").get_attribute("href")
    day = sheet.split("/")[3]
    for heights in range(120, 240, 20):  # short pages put the page breaks everywhere
        page.goto(team_server + sheet + "/print")
        page.add_style_tag(content=f"@page {{ size:210mm {heights}mm; }}")
        pdf = tmp_path / f"sheet{heights}.pdf"
        page.pdf(path=str(pdf), prefer_css_page_size=True)
        texts = pdf_page_texts(pdf)
        assert len(texts) >= 2
        for n, text in enumerate(texts, start=1):
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            if n > 1:
                assert jp_date(day, year=True) in lines[0] and "第1班" in lines[0], (
                    heights, n, lines[:2])
            assert not re.search(r"(午前|午後)\s+\d\d:\d\d .*出発$", lines[-1]), (heights, n, lines[-3:])
    page.close()


def test_printing_the_sheet_page_keeps_the_whole_sketch(team_server, browser):  # noqa: F811
    page = browser.new_page(viewport={"width": 718, "height": 1000})  # A4 less 10 mm margins
    log_in(page, team_server)
    page.goto(team_server + sheets_to_record(page, team_server)[0])
    page.emulate_media(media="print")
    sketch = box(page.locator(".sheet-sketch svg"))
    assert sketch["x"] + sketch["width"] <= 718 - 2
    assert page.locator("tr.running").first.is_visible()
    page.close()


# A4 portrait (210 mm) less the print pages' 10 mm side margins, in CSS px (96 per inch).
PRINTABLE_PX = 718
COUNT_BOX = "□ 訪問済（申請　　件）"

# Where each "□ 訪問済（申請　　件）" of the page lies: the line tops its text is set on, its
# right end, and the right end of its cell's content box (whatever the markup around it).
COUNT_BOXES_JS = """text => {
  const found = [];
  for (const cell of document.querySelectorAll('table.route td.result')) {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode, at = node.data.indexOf(text);
      if (at < 0 || !node.parentElement.getClientRects().length) continue;  // hidden
      const range = document.createRange();
      range.setStart(node, at); range.setEnd(node, at + text.length);
      const rects = [...range.getClientRects()].filter(r => r.width > 0);
      const box = cell.getBoundingClientRect(), style = getComputedStyle(cell);
      found.push({tops: [...new Set(rects.map(r => Math.round(r.top)))],
                  right: Math.max(...rects.map(r => r.right)),
                  cellRight: box.right - parseFloat(style.paddingRight)});
    }
  }
  return found;
}"""


def sheets_for_paper(page: Any, base: str) -> list[str]:
    """The sheets whose result columns hold the boxes to tick: the past days still to be
    recorded and, if there is one ahead, a facility day."""
    sheets = sheets_to_record(page, base)
    page.goto(base + "/team/")
    facility = page.locator("#upcoming tbody tr:has-text('福祉施設') a:text-is('ルート表')")
    if facility.count():
        sheets.append(facility.first.get_attribute("href"))
    return sheets


def assert_count_boxes_on_one_line(page: Any, where: str) -> int:
    boxes = page.evaluate(COUNT_BOXES_JS, COUNT_BOX)
    for b in boxes:
        assert len(b["tops"]) == 1, (where, "the count's box wraps", b)
        assert b["right"] <= b["cellRight"] + 0.5, (where, "the count's box overflows its cell", b)
    for right in page.evaluate(
            "[...document.querySelectorAll('table.route')].map(t => t.getBoundingClientRect().right)"):
        assert right <= PRINTABLE_PX, (where, "the table runs past the A4 page", right)
    assert page.evaluate("document.documentElement.scrollWidth") <= PRINTABLE_PX, where
    return len(boxes)


@pytest.fixture
def untouched_team_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo season as loaded: no result recorded yet by this module's other tests, which
    share `team_server` (every stop still to record has its boxes)."""
    with demo_server(tmp_path_factory.mktemp("paper"), APP_TODAY=TODAY) as url:
        yield url


def test_the_print_pages_result_boxes_keep_the_count_on_one_line_within_a4(
        untouched_team_server, browser, tmp_path):  # noqa: F811
    team_server = untouched_team_server
    page = browser.new_page(viewport={"width": PRINTABLE_PX, "height": 1000})
    log_in(page, team_server)
    sheets = sheets_for_paper(page, team_server)
    page.emulate_media(media="print")
    boxes = 0
    for sheet in sheets:
        page.goto(team_server + sheet + "/print")
        boxes += assert_count_boxes_on_one_line(page, sheet)
    assert boxes >= 3
    # And on paper: Chromium's own PDF of the page, read back by poppler, line by line.
    page.goto(team_server + sheets[0] + "/print")
    pdf = tmp_path / "print.pdf"
    page.pdf(path=str(pdf), format="A4", prefer_css_page_size=True)
    lines = [line for text in pdf_page_texts(pdf) for line in text.splitlines()]
    counts = [line for line in lines if "訪問済（申請" in line]
    assert counts and all("件）" in line for line in counts), counts
    page.close()


def test_printing_the_sheet_page_gives_the_result_boxes_of_the_print_page(
        team_server, browser):  # noqa: F811
    """Ctrl+P on the sheet itself: where the screen has the form to record a result, paper
    has the print page's boxes to tick (the form is not printed)."""
    page = browser.new_page(viewport={"width": PRINTABLE_PX, "height": 1000})
    log_in(page, team_server)
    sheet = sheets_to_record(page, team_server)[0]
    page.goto(team_server + sheet)
    to_record = page.locator("tr.stop:has(details.outcome summary:text-is('結果を記録'))")
    assert to_record.count() >= 1
    ids = [to_record.nth(i).get_attribute("id") for i in range(to_record.count())]
    for stop_id in ids:  # on screen: the form, no boxes
        result = page.locator(f"#{stop_id} td.result")
        assert result.locator("form").is_visible()
        assert "□" not in result.inner_text()
    page.emulate_media(media="print")
    for stop_id in ids:
        result = page.locator(f"#{stop_id} td.result")
        assert not result.locator("form").is_visible()
        text = result.inner_text()
        assert COUNT_BOX in text and "□ 当日取消" in text and "メモ:" in text, text
        if "facility" not in (page.locator(f"#{stop_id}").get_attribute("class") or ""):
            assert "□ 不在" in text
    assert assert_count_boxes_on_one_line(page, sheet) == len(ids)
    page.close()
