"""The whole intake of a proposal with the keyboard alone: Tab to move, typing, Space and Enter; no clicks."""

from __future__ import annotations

from playwright.sync_api import expect

from fundmgr.demo.seed import DEFAULT_PASSWORD
from tests.browser.keyboard import id_of, press_on, sign_in_with_keyboard, tab_to, type_date, type_into
from tests.support.browser import artifact
from tests.support.files import PDF_BYTES

AGENCY = "aisha.bello@fundmgr.example"  # UNICEF


def test_an_agency_completes_and_submits_a_proposal_with_the_keyboard_only(live_server, page):
    sign_in_with_keyboard(page, live_server.url, AGENCY, DEFAULT_PASSWORD)
    press_on(page, "main a[href='/proposals/new']")  # the home card's link
    expect(page.get_by_role("heading", level=1)).to_have_text("New joint programme proposal")

    # Details
    type_into(page, "#title", "Birth registration for children on the move in Kyrgyzstan")
    type_into(page, "#summary", "Mobile teams register births and issue documents in areas of high return.")
    type_into(page, "#country", "Kyrgyzstan")
    type_into(page, "#primary_area", "5")
    press_on(page, id_of(page, "objectives", "4"), "Space")
    press_on(page, id_of(page, "objectives", "15"), "Space")
    press_on(page, id_of(page, "principles", "child_sensitive"), "Space")
    type_into(page, "#duration_months", "24")
    type_date(page, "#start_date", "03", "2027")
    press_on(page, "#government_endorsement", "Space")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Draft created: it gets its reference number when it is submitted.")).to_be_visible()

    # Organizations: UNICEF leads, UNHCR takes part
    press_on(page, id_of(page, "partners", "UNHCR"), "Space")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Participating UN Organizations saved.")).to_be_visible()

    # Budget, with live totals while typing
    unicef_staff = page.locator("input.budget-cell").first
    type_into(page, f"#{unicef_staff.get_attribute('id')}", "600,000")
    unhcr_cell = page.locator("tbody").nth(1).locator("input.budget-cell").first
    type_into(page, f"#{unhcr_cell.get_attribute('id')}", "400000.50")
    expect(page.locator("[data-out=total]")).to_have_text("1,070,000.54")  # 1,000,000.50 + 7% (70,000.035 -> .04)
    with page.expect_navigation():
        page.keyboard.press("Enter")  # Enter in a field sends its form
    expect(page.get_by_text("Budget saved.")).to_be_visible()

    # Markers
    press_on(page, "a.nav-link:text('Markers')")
    for n, select in enumerate(page.locator("main select").all()):
        type_into(page, f"#{select.get_attribute('id')}", "2")
        expect(select).to_have_value("2")
        type_into(page, f"#{page.locator('main textarea').nth(n).get_attribute('id')}", "Disaggregated targets.")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Markers saved.")).to_be_visible()

    # Results matrix: an outcome, an output, an indicator
    press_on(page, "a.nav-link:text('Results matrix')")
    press_on(page, "main a:text('Add an outcome')")
    type_into(page, "#statement", "Children born abroad hold identity documents.")
    press_on(page, "main form button.btn-primary")
    press_on(page, "main a:text('Add an output')")
    type_into(page, "#statement", "Mobile registration teams work in areas of high return.")
    press_on(page, "main form button.btn-primary")
    press_on(page, "main a:text('Add an indicator')")
    type_into(page, "#name", "Children registered")
    type_into(page, "#unit", "persons")
    type_into(page, "#baseline", "0")
    type_into(page, "#target", "7,000")
    type_into(page, "#means_of_verification", "Civil registry records")
    press_on(page, id_of(page, "disaggregation", "sex"), "Space")
    press_on(page, "main form button.btn-primary")
    expect(page.locator("main .fw-semibold", has_text="Children registered")).to_be_visible()

    # The endorsement letter: Space on the file input opens the file chooser
    press_on(page, "a.nav-link:text('Attachments')")
    tab_to(page, "#file")
    with page.expect_file_chooser() as chooser:
        page.keyboard.press("Space")
    chooser.value.set_files({"name": "endorsement.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_role("link", name="endorsement.pdf")).to_be_visible()

    # Submit from the overview
    press_on(page, "a.nav-link:text('Overview')")
    expect(page.get_by_text("The proposal meets every rule of the fund")).to_be_visible()
    expect(page.get_by_text("March 3, 2027")).to_be_visible()
    press_on(page, "main form button:text('Submit')")
    expect(page.get_by_text("Version 1 submitted to the Fund Management Unit.")).to_be_visible()
    expect(page.locator("header .badge")).to_have_text("Submitted")
    expect(page.get_by_text("1,070,000.54").first).to_be_visible()
    page.screenshot(path=str(artifact("proposal-submitted.png")), full_page=True)
