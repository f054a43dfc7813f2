"""The whole intake of a concept note with the keyboard alone: Tab to move, typing, Space and Enter; no clicks."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from fundmgr.demo.seed import DEFAULT_PASSWORD
from tests.browser.keyboard import (
    choose_file_with_space,
    id_of,
    press_on,
    sign_in_with_keyboard,
    tab_to,
    type_date,
    type_into,
)
from tests.support.browser import artifact
from tests.support.files import PDF_BYTES

AGENCY = "aisha.bello@fundmgr.example"  # UNICEF


def test_an_agency_completes_and_submits_a_concept_note_with_the_keyboard_only(live_server, page):
    sign_in_with_keyboard(page, live_server.url, AGENCY, DEFAULT_PASSWORD)
    press_on(page, "main a[href='/proposals/new']")  # the home card's link
    expect(page.get_by_role("heading", level=1)).to_have_text("New joint programme proposal")

    # Details: no country, the programme is global (said on the concept note's page)
    type_into(page, "#title", "Legal identity for children on the move, worldwide")
    type_into(page, "#summary", "Mobile teams register births and issue documents wherever migrant children are.")
    type_into(page, "#primary_area", "5")
    press_on(page, id_of(page, "objectives", "4"), "Space")
    press_on(page, id_of(page, "objectives", "15"), "Space")
    press_on(page, id_of(page, "principles", "child_sensitive"), "Space")
    type_into(page, "#duration_months", "24")
    type_date(page, "#start_date", "03", "2027")
    press_on(page, "#government_endorsement", "Space")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Draft created: it gets its reference number when it is submitted.")).to_be_visible()

    # Organizations: UNICEF leads, UNHCR takes part; saving leads to the concept note's page
    press_on(page, id_of(page, "partners", "UNHCR"), "Space")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Participating UN Organizations saved.")).to_be_visible()
    expect(page.locator(".nav-tabs .nav-link[aria-current=page]")).to_have_text("Concept note")

    # The concept note: the case in brief, global scope, indicative amounts, a national partner, SDG targets
    type_into(page, "#problem_statement", "Children born on the move often have no birth certificate.")
    type_into(page, "#theory_of_change", "If registration comes to them, children get a legal identity.")
    press_on(page, "#global_scope", "Space")
    expect(page.locator("#global_scope")).to_be_checked()
    amounts = page.locator("main input[id^=amount_]")
    expect(amounts).to_have_count(2)
    type_into(page, f"#{amounts.nth(0).get_attribute('id')}", "600,000")
    type_into(page, f"#{amounts.nth(1).get_attribute('id')}", "400000.50")
    type_into(page, "#partners-0-name", "Civil registry offices")
    type_into(page, "#partners-0-kind", "Government")  # typing picks the option, as in any select
    expect(page.locator("#partners-0-kind")).to_have_value("government")
    type_into(page, "#partners-0-role", "Register the births")
    type_into(page, "#sdg_targets", "16.9, 10.7")
    type_into(page, "#cooperation_framework", "The frameworks' outcomes on legal identity.")
    type_into(page, "#knowledge_platform", "Registration practices shared on the platform.")
    press_on(page, "#rc_endorsement", "Space")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Concept note saved.")).to_be_visible()

    # Taking the national partner off (its row emptied) is undone within the page, from the message's Undo button
    press_on(page, ".nav-tabs a.nav-link:text('Concept note')")
    for emptied in ("#partners-0-name", "#partners-0-role"):
        tab_to(page, emptied)
        page.keyboard.press("Control+A")
        page.keyboard.press("Delete")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("the national partners you took off were removed")).to_be_visible()
    expect(page.locator("#partners-0-name")).to_have_value("")
    press_on(page, "#undo")
    expect(page.get_by_text("Put back in the draft.")).to_be_visible()
    expect(page.locator("#partners-0-name")).to_have_value("Civil registry offices")
    expect(page.locator("#partners-0-role")).to_have_value("Register the births")

    # Markers
    press_on(page, ".nav-tabs a.nav-link:text('Markers')")
    for n, select in enumerate(page.locator("main select").all()):
        type_into(page, f"#{select.get_attribute('id')}", "2")
        expect(select).to_have_value("2")
        type_into(page, f"#{page.locator('main textarea').nth(n).get_attribute('id')}", "Disaggregated targets.")
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_text("Markers saved.")).to_be_visible()

    # The endorsement letter: Space on the file input opens the file chooser
    press_on(page, ".nav-tabs a.nav-link:text('Attachments')")
    expect(page.locator(".nav-tabs .nav-link[aria-current=page]")).to_contain_text("Attachments")
    page.wait_for_load_state("load")
    tab_to(page, "#file")
    chooser = choose_file_with_space(page)
    chooser.set_files({"name": "endorsement.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    press_on(page, "main form button.btn-primary")
    expect(page.get_by_role("link", name="endorsement.pdf")).to_be_visible()

    # Submit from the overview: the note gets its reference, with the concept note's suffix
    press_on(page, ".nav-tabs a.nav-link:text('Overview')")
    expect(page.get_by_text("The proposal meets every rule of the fund")).to_be_visible()
    expect(page.get_by_text("March 3, 2027")).to_be_visible()
    press_on(page, "main form button:text('Submit')")
    expect(page.get_by_text("Version 1 submitted to the Fund Management Unit.")).to_be_visible()
    expect(page.locator("header .badge").first).to_have_text("Submitted")
    expect(page.locator("header .ref-code")).to_have_text(re.compile(r"^MIG-\d{4}-\d{4}-CN$"))
    concept = page.locator("#concept-content")
    expect(concept).to_contain_text("1,000,000.50")  # the indicative total
    expect(concept).to_contain_text("16.9, 10.7")
    expect(concept).to_contain_text("Civil registry offices")
    page.screenshot(path=str(artifact("concept-note-submitted.png")), full_page=True)
