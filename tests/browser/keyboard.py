"""Moving through pages as a keyboard user does: Tab to reach an element, typing, Space and Enter."""

from __future__ import annotations

from playwright.sync_api import FileChooser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError


def tab_to(page: Page, selector: str, limit: int = 500) -> None:
    """Press Tab until the element has the focus (as a keyboard user moves through a page)."""
    target = page.locator(selector)
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def type_into(page: Page, selector: str, text: str) -> None:
    tab_to(page, selector)
    page.keyboard.type(text)


def press_on(page: Page, selector: str, key: str = "Enter") -> None:
    """Focus an element with Tab and press a key: Enter follows a link or sends a form, Space ticks a box."""
    tab_to(page, selector)
    if key == "Enter":
        with page.expect_navigation():
            page.keyboard.press(key)
    else:
        page.keyboard.press(key)


def type_date(page: Page, selector: str, day_and_month: str, year: str) -> None:
    """Type a date as the interface language writes it (fundmgr/dates.py); day and month alike, so either order
    the language uses fits."""
    tab_to(page, selector)
    typed = f"{day_and_month}/{day_and_month}/{year}"
    page.keyboard.type(typed)
    expect(page.locator(selector)).to_have_value(typed)


def id_of(page: Page, name: str, value: str) -> str:
    """The selector of the checkbox or radio button with this name and value."""
    return "#" + page.locator(f"input[name='{name}'][value='{value}']").get_attribute("id")


def focus_is_visible(page: Page) -> bool:
    """Whether the focused element shows a focus ring (an outline), so a keyboard user sees where they are."""
    return page.evaluate(
        "() => { const s = getComputedStyle(document.activeElement);"
        " return s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 || s.boxShadow !== 'none'; }"
    )


def sign_in_with_keyboard(page: Page, url: str, email: str, password: str) -> None:
    page.goto(f"{url}/account/login")
    type_into(page, "#email", email)
    type_into(page, "#password", password)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_file_with_space(page: Page) -> FileChooser:
    """Press Space on the focused file input and return the file chooser it opens. Chromium opens it only for a
    press it counts as the person's activation of the page; on a loaded machine it has once let the first press go
    by (the chooser never came within 30 s), so a second press is allowed, as a person would press again."""
    for attempt in range(2):
        try:
            with page.expect_file_chooser(timeout=10_000) as chooser:
                page.keyboard.press("Space")
            return chooser.value
        except PlaywrightTimeoutError:
            if attempt:
                raise
    raise AssertionError("unreachable")
