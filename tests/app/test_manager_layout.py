"""Every manager page in a 1280 px wide window, the city office's laptop: nothing runs off the
page to the right (a wide table may scroll inside its own box), and each row of links in the
header stays on one line."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from app import create_app
from tests.app.test_browser import _login, browser, demo_server  # noqa: F401 (fixture)

pytestmark = pytest.mark.browser

WIDTH = 1280
RECIPIENT = "kojinbango-shuccho-shinsei@city.otaru.example.jp"
# What an operator pastes into a facility's notes: one unbroken "word" of ~250 characters.
MAP_LINK = ("https://www.google.com/maps/place/%E7%89%B9%E5%88%A5%E9%A4%8A%E8%AD%B7%E8%80%81"
            "%E4%BA%BA%E3%83%9B%E3%83%BC%E3%83%A0/@43.1940123,140.9970456,17z/data=!3m1!4b1!4m6"
            "!3m5!1s0x5f0ae0c2a1b2c3d4:0x1a2b3c4d5e6f7a8b!8m2!3d43.1940123!4d140.9970456!16s")

# The page's width, and the outermost elements that reach past the window's right edge.
MEASURE = """() => {
  const edge = document.documentElement.clientWidth;
  const past = el => el.getBoundingClientRect().right > edge + 0.5;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className.trim()
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const boxes = [...document.body.querySelectorAll('*')]
    .filter(el => past(el) && !(el.parentElement !== document.body && past(el.parentElement)));
  // Text that runs out of its box (a long word): the box holding it.
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const range = document.createRange();
    range.selectNodeContents(node);
    if (range.getBoundingClientRect().right > edge + 0.5 && !past(node.parentElement)) {
      texts.push(node.parentElement);
    }
  }
  const offenders = [...new Set([...boxes, ...texts])].map(name);
  const navs = [...document.querySelectorAll('header.top nav')].map(nav => {
    const links = [...nav.querySelectorAll('a')];
    return {label: nav.getAttribute('aria-label') || 'header',
            lines: new Set(links.map(a => Math.round(a.getBoundingClientRect().top))).size,
            split: links.filter(a => a.getClientRects().length > 1).map(a => a.textContent.trim())};
  });
  return {scrollWidth: document.documentElement.scrollWidth, offenders, navs};
}"""


def manager_pages() -> list[str]:
    """Every manager page that needs no argument, read from the app's routes so that a new
    page is checked too; downloads and the re-planning result (reached by applying a plan,
    below) left out."""
    app = create_app("testing", {"DATABASE_URL": "sqlite://"})
    return sorted(rule.rule for rule in app.url_map.iter_rules()
                  if rule.rule.startswith("/manager") and "GET" in (rule.methods or ())
                  and not rule.arguments and not rule.rule.endswith((".xlsx", ".csv", ".pdf"))
                  and rule.endpoint != "managers.replan_done")


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """As test_browser's, with a (long) hand-over address so packages can be made."""
    with demo_server(tmp_path_factory.mktemp("layout"),
                     HANDOVER_RECIPIENTS=(RECIPIENT,)) as url:
        yield url


@pytest.fixture
def manager_page(live_server: str, browser: Any) -> Iterator[Any]:  # noqa: F811
    page = browser.new_page(viewport={"width": WIDTH, "height": 800})
    _login(page, live_server, "manager")
    yield page
    page.close()


def layout_problems(page: Any) -> list[str]:
    """What is wrong with the page as shown now, in words for the assertion message."""
    found = page.evaluate(MEASURE)
    problems = []
    if found["scrollWidth"] > WIDTH:
        problems.append(f"{found['scrollWidth']} px wide, past the edge: {found['offenders']}")
    for nav in found["navs"]:
        if nav["lines"] > 1 or nav["split"]:
            problems.append(f"links of {nav['label']} on {nav['lines']} lines, "
                            f"split inside: {nav['split']}")
    return problems


def test_the_check_sees_a_page_wider_than_the_window(live_server, manager_page):
    """The measurement itself: an element wider than the window is reported."""
    manager_page.goto(live_server + "/manager/")
    assert "px wide" not in " ".join(layout_problems(manager_page))
    manager_page.evaluate("""() => { const wide = document.createElement('div');
        wide.style.width = '1400px'; wide.style.height = '1em'; wide.id = 'too-wide';
        document.querySelector('main').appendChild(wide); }""")
    assert "div#too-wide" in " ".join(layout_problems(manager_page))


def test_every_manager_page_fits_a_1280_px_window(live_server, manager_page):
    pages = manager_pages()
    assert {"/manager/", "/manager/reports/", "/manager/privacy/log"} <= set(pages)
    problems = {}
    for url in pages:
        response = manager_page.goto(live_server + url)
        assert response is not None and response.status == 200, url
        problems[url] = layout_problems(manager_page)
    assert {url: p for url, p in problems.items() if p} == {}


def test_manager_pages_with_data_fit_a_1280_px_window(live_server, manager_page):
    """The same pages once they hold what a season brings: a facility whose notes carry a
    pasted map link, an opinion holding one, a hand-over package, a re-planning proposal and its call-back list."""
    page, problems = manager_page, {}

    def check(name: str) -> None:
        problems[name] = layout_problems(page)

    page.goto(live_server + "/operator/facilities/new")
    page.fill("input[name=name]", "特別養護老人ホーム 小樽はなぞの苑")
    page.select_option("select[name=facility_type]", "group_home")
    page.fill("input[name=address]", "北海道小樽市花園１丁目")
    page.fill("input[name=phone]", "0134-22-3333")
    page.fill("input[name=contact_person]", "施設 担当者")
    page.fill("input[name=estimated_applicants]", "12")
    page.fill("textarea[name=notes]", f"地図: {MAP_LINK} 玄関は裏手です")
    page.click("button[type=submit] >> text=依頼を受け付ける")
    page.wait_for_selector(".flash.success")
    facility = page.locator(".flash.success").inner_text().split("依頼番号 F")[1].split("、")[0]
    for url in (f"/manager/facilities/{facility}", f"/manager/facilities/{facility}/applicants",
                "/manager/facilities"):
        page.goto(live_server + url)
        check(url)

    page.goto(live_server + "/opinions/new")
    page.check("input[name=source][value=facility_staff]")
    page.fill("textarea[name=summary]", f"地図が分かりにくいとの御意見: {MAP_LINK}")
    page.click("button[type=submit] >> text=記録する")
    page.wait_for_selector(".flash.success")
    page.goto(live_server + "/manager/opinions/")
    check("/manager/opinions/ with an opinion")

    page.goto(live_server + "/manager/incidents/new")
    page.fill("input[name=discovered_on]", "2026-06-01")
    page.fill("input[name=discovered_time]", "00:00")
    page.fill("textarea[name=circumstances]", f"共有リンクの誤送信のおそれ: {MAP_LINK}")
    page.fill("input[name=place]", "コールセンター")
    page.fill("textarea[name=data_content]", f"受付票（氏名・住所）{MAP_LINK}")
    page.fill("input[name=persons_count]", "3")
    page.click("button[type=submit] >> text=記録する")
    page.wait_for_selector(".flash.success")
    check("incident with its history")
    for url in ("/manager/incidents/", "/manager/"):
        page.goto(live_server + url)
        check(f"{url} with an open incident")

    page.goto(live_server + "/manager/privacy/handover")
    page.locator("#handover-weeks button:has-text('パッケージを作成')").first.click()
    page.wait_for_selector("#handover-weeks .package")
    check("handover with a package")

    page.goto(live_server + "/operator/bookings/")
    day = page.locator("tr[data-booking]").first.locator("td").nth(2).locator("time").get_attribute(
        "datetime")
    page.goto(live_server + "/manager/replan")
    page.check("input[name=kind][value=cancel_day]")
    page.fill("input[name=date]", day)
    page.fill("textarea[name=reason]", "大雪のため")
    page.click("button:has-text('案を作成')")
    page.wait_for_selector("#proposal")
    check("replan proposal")
    if page.locator("input[name=confirm_drops]").count():
        page.check("input[name=confirm_drops]")
    page.click("button:has-text('この案を適用する')")
    page.wait_for_selector("h1:has-text('連絡先一覧')")
    check("replan call-back list")

    assert {name: p for name, p in problems.items() if p} == {}
