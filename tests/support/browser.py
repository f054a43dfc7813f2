"""Browser test helpers: the live server's handle, signing people in, the language menu, screenshots."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page, expect

from fundmgr.demo.seed import DEFAULT_PASSWORD
from tests.support import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
ARTIFACTS = REPO / "test-artifacts"


@dataclass
class LiveServer:
    url: str
    app: Flask

    def login(self, page: Page, email: str, password: str = DEFAULT_PASSWORD) -> Page:
        """Sign in through the real login form."""
        page.goto(f"{self.url}/account/login")
        page.fill("#email", email)
        page.fill("#password", password)
        page.locator("form button[type=submit]").click()
        page.wait_for_load_state()
        return page


def new_context(browser: Browser, locale: str = "en-GB") -> BrowserContext:
    context = browser.new_context(locale=locale, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(30_000)  # the suite keeps both cores busy; a loaded machine is slow
    return context


def signed_in(live_server: LiveServer, make_context, email: str, locale: str = "en-GB") -> Page:
    """A new browser context (its own cookies: a separate person) with this demo account signed in."""
    page = make_context(locale).new_page()
    live_server.login(page, email)
    expect(page).not_to_have_url(re.compile(r"/account/login"))
    return page


def switch_language(page: Page, name: str) -> None:
    """Choose a language from the menu (remembered in the account of whoever is signed in)."""
    page.locator("#language-menu").click()
    page.get_by_role("button", name=name).click()


def artifact(name: str) -> Path:
    """Where a test saves a screenshot meant to be looked at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name
