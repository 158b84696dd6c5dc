"""The auditor's page in a real headless Chromium (Debian's package, driven by Playwright), by
keyboard: search by person id, open the decision, read its Chinese card, clause text and why
not, run a replay, verify the chain.  With POLICYRULES_SCREENSHOTS=DIR the screens are saved
there (docs/images/ holds the ones in docs/service.md)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_support import RENT, b1_request, city_request, service_on

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = os.environ.get("POLICYRULES_CHROMIUM", "/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not shutil.which(CHROMIUM):
        pytest.skip(f"Chromium is not installed ({CHROMIUM}); CI installs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        try:
            yield b
        finally:
            b.close()


def _shot(page: Any, name: str) -> None:
    folder = os.environ.get("POLICYRULES_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name), full_page=False)


def test_auditor_by_keyboard_in_chinese(browser: Any, tmp_path: Path) -> None:
    with service_on(tmp_path) as (url, service):
        with httpx.Client(base_url=url, timeout=20) as c:
            for i in range(3):
                assert c.post("/evaluate", json=b1_request(i)).status_code == 200
            wanted = c.post("/evaluate", json={**city_request(**RENT), "subject": "张三-0042"}).json()["id"]
            c.post("/evaluate", json={**city_request(), "subject": "李四-0043"})
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page.goto(f"{url}/audit/?lang=zh")
        assert page.locator("h1").inner_text() == "查询决定"
        assert page.locator("#results tbody tr").count() == 5
        _shot(page, "audit-search.png")
        # "/" jumps to the person id; type it; Enter submits
        page.keyboard.press("/")
        assert page.evaluate("document.activeElement.id") == "subject"
        page.keyboard.type("张三-0042")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        rows = page.locator("#results tbody tr")
        assert rows.count() == 1 and "rent_subsidy 3000.00" in rows.first.inner_text()
        # open it by keyboard: focus the link, Enter
        page.locator(f"#results a[href*='{wanted}']").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert wanted in page.locator("h1").inner_text()
        assert "✓" in page.locator("#chain-status").inner_text()
        card = page.locator("#card").inner_text()
        assert "适用上限" in card and "经营场地租费补贴" in card
        assert "政府投资创办的商贸市场" in page.locator("section[aria-labelledby='h-clauses']").inner_text()
        assert "guaranteed_loan" in page.locator("#whynot").inner_text()
        page.locator("#h-card").scroll_into_view_if_needed()
        _shot(page, "audit-decision.png")
        # replay: the link, by keyboard
        page.locator("#run-replay").focus()
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.locator(".replay-identical").count() == 2
        assert "政策文本未修改" in page.locator("section[aria-labelledby='h-replay']").inner_text()
        # an edited record: its page says so, the replay shows the difference highlighted
        rec = service.store.get(wanted)
        assert rec is not None
        body = dict(rec.body)
        body["outputs"] = {**body["outputs"], "rent_subsidy": {**body["outputs"]["rent_subsidy"], "value": "9000.00"}}
        import json

        service.store.db.run("UPDATE decisions SET body = ? WHERE id = ?", (json.dumps(body), wanted))
        page.reload()
        assert "✗" in page.locator("#chain-status").inner_text()
        diff = page.locator(".replay-diff tr.diff")
        assert diff.count() == 2 and "9000.00" in diff.first.inner_text() and "3000.00" in diff.first.inner_text()
        assert diff.first.locator("mark").inner_text() == "3000.00"
        page.evaluate("document.getElementById('h-replay').scrollIntoView()")
        _shot(page, "audit-replay-diff.png")
        page.goto(f"{url}/audit/verify?lang=zh")
        assert "链已损坏" in page.locator("#chain").inner_text()
        # the English page
        page.goto(f"{url}/audit/decisions/{wanted}?lang=en")
        assert page.locator("h2#h-card").inner_text() == "Calculation card"
        assert "cap applied" in page.locator("#card").inner_text()
        page.close()
