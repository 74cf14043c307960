"""A facility request end to end in a real browser: an operator takes the call, a manager
calls back and schedules the visit from the planner's offers (issue 6 acceptance)."""

from __future__ import annotations

import pytest

from tests.app.test_browser import _login, browser, live_server  # noqa: F401 (fixtures)

pytestmark = pytest.mark.browser


def test_facility_request_through_call_back_to_a_scheduled_visit(live_server, browser):  # noqa: F811
    page = browser.new_page()
    _login(page, live_server, "operator")
    page.click("nav >> text=施設の依頼受付")
    page.fill("input[name=name]", "ブラウザ荘")
    page.select_option("select[name=facility_type]", "group_home")
    page.fill("input[name=address]", "北海道小樽市花園１丁目")
    page.fill("input[name=phone]", "0134-22-3333")
    page.fill("input[name=contact_person]", "施設 担当者")
    page.fill("input[name=estimated_applicants]", "8")
    page.fill("textarea[name=notes]", "日中は食堂が使えます")
    page.click("button[type=submit] >> text=依頼を受け付ける")
    page.wait_for_selector(".flash.success")
    flash = page.locator(".flash.success").inner_text()
    assert "折り返し期限" in flash
    facility = flash.split("依頼番号 F")[1].split("、")[0]
    page.click("header button:has-text('ログアウト')")

    _login(page, live_server, "manager")
    page.click("nav >> text=福祉施設")
    row = page.locator(f"#queue tr[data-facility='{facility}']")
    assert "新規" in row.inner_text()
    row.locator("a").first.click()
    page.fill("#callback input[name=applicants]", "23")
    page.fill("#callback textarea[name=note]", "施設長と電話で調整")
    page.click("#callback button[type=submit]")
    page.wait_for_selector(".flash.success")
    assert page.locator("#status").get_attribute("data-status") == "contacted"
    assert "2回に分けて訪問（12名・11名）" in page.locator("#scheduling").inner_text()
    first = page.locator("#facility-offers tr.offer").first
    parts = first.locator("td").nth(1).inner_text()
    first.locator("button[name=offer]").click()
    page.wait_for_selector(".flash.success")
    assert "訪問日を決定しました" in page.locator(".flash.success").inner_text()
    assert page.locator("#status").get_attribute("data-status") == "scheduled"
    assert page.locator("#visits tr.part").count() == 2
    first_day = parts.splitlines()[0].split("）")[0] + "）"  # 「7月23日（木）」
    assert first_day in page.locator("#visits").inner_text()
    # weeks before the visit: nothing pre-selected, and 訪問済 not offered yet
    assert page.locator("#status-select").input_value() == ""
    assert page.locator("#status-select option[value=visited]").count() == 0
    assert "から選べます" in page.locator("#visited-later").inner_text()
    page.click("nav >> text=福祉施設")
    assert "未提出" in page.locator(f"#lists tr[data-facility='{facility}']").inner_text()
    page.close()
