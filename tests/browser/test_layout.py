"""Pages keep their shape on a laptop and on a phone: long labels wrap instead of squeezing the text beside them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import artifact

NARROWEST_TITLE_PX = 150  # a title squeezed to one word per line is narrower than this


@pytest.mark.parametrize("width", [1366, 390])
def test_the_ranking_keeps_titles_readable_beside_a_long_disagreement(live_server, page, width):
    """Does a long "Disagreement: …" flag wrap, leaving the proposal titles readable and nothing off the page?"""
    page.set_viewport_size({"width": width, "height": 900})
    live_server.login(page, "fatou.diallo@fundmgr.example")
    page.goto(live_server.url + "/steering/ranking")
    flags = page.locator("td .badge.text-bg-warning")  # "Disagreement: …" in the account's language
    expect(flags.first).to_be_visible()
    page.screenshot(path=str(artifact(f"ranking-{width}.png")), full_page=True)
    titles = page.locator("tbody td.cell-title a")
    narrowest = min(box["width"] for box in (titles.nth(i).bounding_box() for i in range(titles.count())))
    assert narrowest >= NARROWEST_TITLE_PX
    # the table may scroll inside its own frame on a phone, but the page itself never scrolls sideways
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
