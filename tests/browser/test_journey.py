"""The whole programme cycle in real browsers, each role signed in as itself in its own browser context: the Migration
MPTF's two stages, a concept note first, then the programme document developed from it.

Stage 1. An agency writes a concept note for a migration corridor from West Africa through North Africa to Europe,
with indicative amounts per organization, and submits it; the FMU screens it and asks two members to score it; they
score (one with the keyboard alone); at the committee's meeting the members state positions (one with the keyboard)
and the chair records the selection for development, with the programme document's deadline and an indicative
amount: no money moves, the programme document opens prefilled from the note, its reference the note's without "-CN".

Stage 2. The agency writes the programme document's budget, results matrix, programme sections and attachment and
submits it; the FMU screens it; at a second meeting the chair records the approval (allocations are made from the
fund's money); the FMU transfers the first tranche (the programme becomes active) and shortens the first reporting
period so it has ended; the lead agency writes and submits its report with the keyboard alone; the FMU accepts it; a
viewer downloads the fund's annual results PDF, which shows the new programme and its reported value.
"""

from __future__ import annotations

import io
import re
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fundmgr import clock
from fundmgr.demo.seed import DEFAULT_PASSWORD
from tests.browser.keyboard import id_of, press_on, sign_in_with_keyboard, type_into
from tests.support.browser import artifact, signed_in, switch_language
from tests.support.files import PDF_BYTES

AGENCY = "aisha.bello@fundmgr.example"  # UNICEF, leads the programme
FMU = "fatou.diallo@fundmgr.example"  # works in French; switches to English for this journey
SCORERS = ["jonas.becker@fundmgr.example", "ingrid.solberg@fundmgr.example"]
SCORER_NAMES = ["Jonas Becker", "Ingrid Solberg"]
CHAIR = "helena.marchetti@fundmgr.example"  # IOM: not recused, IOM takes no part in this programme
VIEWER = "pieter.devries@fundmgr.example"

TITLE = "Safe schooling and psychosocial support for migrant children from Senegal to Spain"
CORRIDOR = "SEN > MRT > MAR > ESP"  # Western Africa, through Northern Africa, to Southern Europe
INDICATOR = "Migrant children enrolled in primary school"


def tabs(page: Page):
    """The proposal's tabs (a page may also link to a tab from the problems it lists)."""
    return page.locator(".nav-tabs")


def flash(page: Page):
    return page.locator(".flash-messages")


def state_badge(page: Page):
    return page.locator("main .badge").first


def available_money(page: Page, url: str) -> Decimal:
    """The fund's money available for allocation, as the home page's balance card shows it."""
    page.goto(url + "/")
    card = page.locator(".card", has=page.get_by_role("heading", name="Fund balance"))
    return Decimal(card.locator(".fs-4").inner_text().removeprefix("USD ").replace(",", ""))


def write_the_concept_note(page: Page) -> int:
    """The agency's concept note, section by section; returns its id."""
    page.get_by_role("link", name="New proposal").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New joint programme proposal")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_label("Summary").fill(
        "UNICEF and WHO work with the ministries of education along the route so that migrant children enrol in "
        "school and receive psychosocial support where they stop, from Senegal through Mauritania and Morocco to Spain."
    )
    page.get_by_label("Primary thematic area").select_option("TA5")
    objectives = page.get_by_role("group", name="Objectives")
    objectives.locator("input[value='15']").check()
    objectives.locator("input[value='16']").check()
    page.get_by_role("group", name="Guiding principles addressed").locator("input[value='child_sensitive']").check()
    page.get_by_label("Duration in months").fill("24")
    page.get_by_label("The government endorses the programme").check()
    page.get_by_role("button", name="Create the draft").click()
    expect(flash(page)).to_contain_text("Draft created: it gets its reference number when it is submitted.")
    expect(page.locator("header")).to_contain_text("Concept note")
    note_id = int(re.search(r"/proposals/(\d+)/", page.url).group(1))

    # Organizations: UNICEF leads, WHO takes part; then the concept note's own page
    page.get_by_role("group", name="Other Participating UN Organizations").locator("input[value='WHO']").check()
    page.get_by_role("button", name="Save the organizations").click()
    expect(flash(page)).to_contain_text("Participating UN Organizations saved.")
    expect(page.locator(".nav-tabs .nav-link")).to_have_text(
        ["Overview", "Details", "Organizations", "Concept note", "Markers", "Attachments"]
    )  # no budget grid, no results matrix at this stage

    # The concept note: the case in brief, the corridor (its countries in two regions), amounts, partners, SDGs
    page.get_by_label("The problem, in brief").fill(
        "Children travelling with their families along the Atlantic route miss years of school."
    )
    page.get_by_label("Theory of change, in brief").fill(
        "If schools on the route enrol migrant children and support them, they keep learning on the move."
    )
    page.get_by_label("Migration corridors").fill(CORRIDOR)
    amounts = page.get_by_role("group", name="Indicative amounts")
    amounts.get_by_label("UNICEF").fill("642,000")
    amounts.get_by_label("WHO").fill("428,000")
    partners = page.get_by_role("group", name="National partners")
    partners.get_by_label("Partner").first.fill("Ministry of National Education of Mauritania")
    partners.get_by_label("Kind").first.select_option(label="Government entity")
    partners.get_by_label("Role").first.fill("Enrols the children and trains the teachers")
    page.get_by_label("SDG targets").fill("4.1, 10.7, 16.9")
    page.get_by_label("Alignment with the Cooperation Framework").fill("Outcome 2 of each country's framework.")
    page.get_by_label("Use of the Network’s knowledge platform and connection hub").fill(
        "The programme shares its enrolment practices on the platform."
    )
    page.get_by_label("The Resident Coordinator endorses the concept note").check()
    page.get_by_role("button", name="Save the concept note").click()
    expect(flash(page)).to_contain_text("Concept note saved.")

    # Markers
    tabs(page).get_by_role("link", name="Markers", exact=True).click()
    for marker in ("Gender marker", "Human rights marker", "Child-sensitivity marker"):
        group = page.get_by_role("group", name=marker)
        group.get_by_label("Level").select_option("2")
        group.get_by_label("Justification").fill("Targets and indicators are disaggregated by sex and age.")
    page.get_by_role("button", name="Save the markers").click()
    expect(flash(page)).to_contain_text("Markers saved.")
    return note_id


def write_the_programme_document(page: Page, start: date) -> None:
    """The agency develops the programme document opened from its note: the planned start, the budget grid, the
    results matrix, the programme sections and the endorsement letter."""
    tabs(page).get_by_role("link", name="Details", exact=True).click()
    page.get_by_label("Planned start date").fill(start.isoformat())
    page.locator("main form button.btn-primary").click()
    expect(flash(page)).to_contain_text("Details saved.")

    # Budget: the grid's totals follow the typing before the server recomputes them
    tabs(page).get_by_role("link", name="Budget", exact=True).click()
    page.get_by_label("UNICEF, Staff and other personnel costs, Year 1").fill("450,000")
    page.get_by_label("UNICEF, Supplies, commodities, materials, Year 2").fill("150,000")
    page.get_by_label("WHO, Staff and other personnel costs, Year 1").fill("400,000")
    expect(page.locator("[data-out=total]")).to_have_text("1,070,000.00")  # 1,000,000 + 7% indirect
    page.get_by_role("button", name="Save the budget").click()
    expect(flash(page)).to_contain_text("Budget saved.")
    expect(page.locator("tr", has_text="Total of UNICEF")).to_contain_text("642,000.00")

    # Results matrix: an outcome, an output and an indicator
    tabs(page).get_by_role("link", name="Results matrix", exact=True).click()
    page.get_by_role("link", name="Add an outcome").click()
    page.get_by_label("Statement").fill("Migrant children learn in safe schools along the route.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add an output").click()
    page.get_by_label("Statement").fill("Schools enrol migrant children and offer psychosocial support.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add an indicator").click()
    page.get_by_label("Indicator").fill(INDICATOR)
    page.get_by_label("Unit").fill("children")
    page.get_by_label("Baseline").fill("0")
    page.get_by_label("Target").fill("2,000")
    page.get_by_label("Means of verification").fill("School registers")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name=f"Edit {INDICATOR}")).to_be_visible()

    # Programme sections: the workplan by year, the risk log, M&E, sustainability
    tabs(page).get_by_role("link", name="Programme sections", exact=True).click()
    page.get_by_label("Workplan").fill(
        "1: Enrol migrant children in twelve schools on the route\n2: Open psychosocial support rooms"
    )
    risks = page.get_by_role("group", name="Risk log")
    risks.get_by_label("Risk", exact=True).first.fill("Families move on before the school year ends")
    risks.get_by_label("Likelihood").first.select_option(label="High")
    risks.get_by_label("Impact").first.select_option(label="Medium")
    risks.get_by_label("Mitigation").first.fill("School records travel with the child")
    risks.get_by_label("Owner").first.fill("UNICEF")
    page.get_by_label("Monitoring and evaluation plan").fill("Quarterly school visits; a final evaluation.")
    page.get_by_label("Sustainability and exit strategy").fill("The ministries take the support rooms over.")
    page.get_by_role("button", name="Save the programme sections").click()
    expect(flash(page)).to_contain_text("Programme sections saved.")

    # The government's endorsement letter
    tabs(page).get_by_role("link", name="Attachments", exact=True).click()
    page.get_by_label("File (PDF, Word or Excel)").set_input_files(
        files=[{"name": "endorsement.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("link", name="endorsement.pdf")).to_be_visible()


def submit(page: Page) -> str:
    """The lead agency submits the draft from its overview; returns the reference it then bears."""
    tabs(page).get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_text("The proposal meets every rule of the fund")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(flash(page)).to_contain_text("Version 1 submitted to the Fund Management Unit.")
    expect(page.locator("header .badge").first).to_have_text("Submitted")
    return page.locator("header .ref-code").inner_text().strip()


def screen_and_forward(fmu: Page, url: str, proposal_id: int) -> None:
    """The FMU screens the submission, every check passed, and forwards it to the Steering Committee."""
    fmu.goto(f"{url}/proposals/{proposal_id}")
    fmu.get_by_role("button", name="Start screening").click()
    checks = fmu.locator("main form ol > li")
    expect(checks.first).to_be_visible()
    for check in checks.all():
        check.get_by_label("Passed", exact=True).check()
    fmu.get_by_role("button", name="Forward to Steering Committee review").click()
    expect(flash(fmu)).to_contain_text("Forwarded to the Steering Committee’s review.")
    expect(fmu.locator("header .badge").first).to_have_text("In Steering Committee review")


def hold_meeting(fmu: Page, url: str, day: date, title: str, reference: str) -> str:
    """The FMU schedules a meeting, puts the proposal on its agenda, records attendance, starts the meeting and
    opens the item; returns the live board's address."""
    fmu.goto(f"{url}/steering/meetings")
    fmu.get_by_role("link", name="Schedule a meeting").click()
    fmu.get_by_label("Title").fill(title)
    fmu.get_by_label("Date").fill(day.isoformat())
    fmu.get_by_label("Mode").select_option("virtual")
    fmu.get_by_role("button", name="Schedule the meeting").click()
    expect(flash(fmu)).to_contain_text("is scheduled.")
    fmu.get_by_role("group", name="Proposals to add").get_by_label(re.compile(re.escape(reference) + r"\b")).check()
    fmu.get_by_role("button", name="Add to the agenda").click()
    expect(fmu.get_by_role("heading", name="Agenda").locator("..")).to_contain_text(TITLE)
    present = fmu.get_by_role("group", name="Members present")
    for box in present.get_by_role("checkbox").all():
        box.check()
    fmu.get_by_role("button", name="Record attendance").click()
    expect(flash(fmu)).to_contain_text("Attendance is recorded.")
    fmu.get_by_role("button", name="Start the meeting").click()
    expect(fmu.get_by_role("heading", level=1)).to_have_text("Live board")
    fmu.get_by_role("button", name=f"Open {reference}", exact=True).click()
    expect(fmu.locator("#item-state")).to_have_text("Open for votes")
    return fmu.url


def state_positions(jonas: Page, ingrid: Page, meeting_url: str) -> None:
    """The members support the item from their own browsers, Ingrid with the keyboard."""
    jonas.goto(meeting_url)
    jonas.get_by_label("Support", exact=True).check()
    jonas.get_by_role("button", name="State my position").click()
    expect(jonas.locator("#my-position")).to_contain_text("Your position: Support.")
    ingrid.goto(meeting_url)
    press_on(ingrid, "#state-position")
    expect(ingrid.locator("#my-position")).to_contain_text("Your position: Support.")


def end_meeting(fmu: Page, meeting_url: str) -> None:
    fmu.goto(meeting_url.removesuffix("/board"))
    fmu.get_by_role("button", name="End the meeting").click()
    expect(fmu.locator("#confirm-dialog")).to_contain_text("End the meeting?")
    fmu.locator("#confirm-dialog-yes").click()
    expect(flash(fmu)).to_contain_text("The meeting has ended; its minutes are drafted for the committee to approve.")


def test_from_an_agencys_draft_to_the_funds_annual_report(live_server, contexts, request, languages_restored):
    make = request.node.make_context
    url = live_server.url
    today = clock.today()  # the server's date (UTC)
    year = (today - timedelta(days=1)).year  # the first period must have ended by yesterday, in the report's year
    start = date(year, 1, 1)
    deadline = today + timedelta(days=60)

    # === Stage 1: the concept note ====================================================================
    # --- The agency writes the concept note and submits it
    agency = signed_in(live_server, make, AGENCY)
    note_id = write_the_concept_note(agency)
    note_reference = submit(agency)
    assert re.fullmatch(r"MIG-\d{4}-\d{4}-CN", note_reference)
    expect(agency.locator("main")).to_contain_text("Senegal → Mauritania → Morocco → Spain")
    expect(agency.locator("main")).to_contain_text("1,070,000.00")  # the indicative total

    # --- The FMU screens it and forwards it to the Steering Committee ...
    fmu = signed_in(live_server, make, FMU)
    expect(fmu.locator("html")).to_have_attribute("lang", "fr")
    switch_language(fmu, "English")
    expect(fmu.locator("html")).to_have_attribute("lang", "en")
    screen_and_forward(fmu, url, note_id)

    # ... and asks two members to score it
    fmu.goto(f"{url}/steering/proposals/{note_id}")
    scorers = fmu.get_by_role("group", name="Members who score this proposal")
    for box in scorers.get_by_role("checkbox").all():  # everyone is proposed; two members will score
        box.uncheck()
    for name in SCORER_NAMES:
        scorers.get_by_label(name).check()
    fmu.get_by_label("Scoring deadline").fill((today + timedelta(days=14)).isoformat())
    fmu.get_by_role("button", name="Save the assignments").click()
    expect(flash(fmu)).to_contain_text("The assignments are saved.")

    # --- The members score it; Ingrid with the keyboard alone (Tab into each group of radio buttons, arrows)
    jonas = signed_in(live_server, make, SCORERS[0])
    jonas.get_by_role("link", name="Reviews").first.click()
    jonas.get_by_role("link", name=TITLE).click()
    jonas.get_by_role("link", name="Score this proposal").click()
    for criterion in jonas.locator("main form fieldset.card").all():
        criterion.get_by_label("4", exact=True).check()
    jonas.get_by_role("group", name="Overall recommendation").get_by_label("Recommend for funding").check()
    jonas.get_by_label("I declare that I have no conflict of interest with this proposal.").check()
    jonas.get_by_role("button", name="Submit the review").click()
    expect(flash(jonas)).to_contain_text("Your review is submitted.")

    ingrid = make("en-GB").new_page()
    sign_in_with_keyboard(ingrid, url, SCORERS[1], DEFAULT_PASSWORD)
    ingrid.goto(f"{url}/steering/proposals/{note_id}")
    press_on(ingrid, "main a:text('Score this proposal')")
    for name in ingrid.locator("main form input[type=radio][name^=score_][value='1']").evaluate_all(
        "radios => radios.map(r => r.name)"
    ):
        press_on(ingrid, f"#{name}-0", "Space")  # 1
        for _ in range(4):
            ingrid.keyboard.press("ArrowRight")  # 2, 3, 4, 5
        expect(ingrid.locator(f"input[name={name}]:checked")).to_have_value("5")
    press_on(ingrid, id_of(ingrid, "recommendation", "approve"), "Space")
    press_on(ingrid, "#no_conflict", "Space")
    press_on(ingrid, "#submit")
    expect(flash(ingrid)).to_contain_text("Your review is submitted.")
    # a member who has scored sees everyone's scores: 4 and 5 on every criterion
    expect(ingrid.get_by_role("row", name=re.compile("Weighted mean"))).to_contain_text("4.50")

    # --- The committee meets; the chair selects the note for development, with the deadline of its programme
    # document and an indicative amount
    meeting_url = hold_meeting(fmu, url, today, "Extraordinary session on concept notes (browser journey)",
                               note_reference)  # fmt: skip
    chair = signed_in(live_server, make, CHAIR)
    before = available_money(chair, url)
    chair.goto(meeting_url)
    chair.get_by_role("link", name="Record the decision").click()
    chair.get_by_label("Selected for development by consensus", exact=True).check()
    chair.get_by_label("Programme document due by (a selection)").fill(deadline.isoformat())
    chair.get_by_label("Indicative amount (a selection, USD)").fill("1,070,000")
    chair.get_by_role("button", name="Record the decision").click()
    expect(flash(chair)).to_contain_text("is recorded.")
    expect(chair.locator("#decision")).to_contain_text("Selected for development by consensus")
    assert available_money(chair, url) == before  # a concept note is not funded: its programme document will be
    end_meeting(fmu, meeting_url)

    # === Stage 2: the programme document ==============================================================
    # --- The agency finds its note selected, with the terms, and the programme document opened from it
    reference = note_reference.removesuffix("-CN")
    agency.goto(f"{url}/proposals/{note_id}")
    expect(agency.locator("header .badge").first).to_have_text("Selected for development")
    expect(agency.get_by_role("note")).to_contain_text("indicative amount 1,070,000.00")
    agency.get_by_role("link", name=f"Programme document {reference}").click()
    expect(agency.locator("header .ref-code")).to_have_text(reference)
    expect(agency.locator("header")).to_contain_text("Programme document")
    expect(agency.get_by_role("note")).to_contain_text(f"Developed from the concept note {note_reference}")
    proposal_id = int(re.search(r"/proposals/(\d+)", agency.url).group(1))
    write_the_programme_document(agency, start)
    assert submit(agency) == reference

    # --- The FMU screens it; the committee meets again, the members support the programme from their own browsers
    # (Ingrid with the keyboard) and the chair records the approval: the fund's money is allocated at once
    screen_and_forward(fmu, url, proposal_id)
    meeting_url = hold_meeting(fmu, url, today, "Extraordinary session on programme documents (browser journey)",
                               reference)  # fmt: skip
    state_positions(jonas, ingrid, meeting_url)
    before = available_money(chair, url)
    chair.goto(meeting_url)
    expect(chair.locator("#positions-stated")).to_have_text("(2)")
    chair.get_by_role("link", name="Record the decision").click()
    chair.get_by_label("Approved by consensus", exact=True).check()
    expect(chair.get_by_label("Approved amount (USD)")).to_have_value("1,070,000.00")
    chair.get_by_role("button", name="Record the decision").click()
    expect(flash(chair)).to_contain_text("is recorded.")
    expect(chair.locator("#decision")).to_contain_text("Approved by consensus · USD 1,070,000.00")
    assert available_money(chair, url) == before - Decimal("1070000.00")
    end_meeting(fmu, meeting_url)

    # --- The FMU moves the first tranche: the programme becomes active
    fmu.goto(f"{url}/finance/programmes/{proposal_id}")
    allocations = fmu.locator("main table").first
    expect(allocations).to_contain_text("642,000.00")  # UNICEF: 600,000 + 7%
    expect(allocations).to_contain_text("428,000.00")  # WHO: 400,000 + 7%
    fmu.get_by_role("link", name="Transfer to UNICEF").click()
    fmu.get_by_label("Amount").fill("321,000.00")
    fmu.get_by_label("Date").fill(today.isoformat())
    fmu.get_by_label("Reference").fill("JOURNEY-T1")
    fmu.get_by_role("button", name="Record").click()
    expect(flash(fmu)).to_contain_text("The transfer was recorded.")
    expect(state_badge(fmu)).to_have_text("Active")

    # ... the programme started with today's transfer; the organizations began a month earlier, which the FMU
    # records with its reason; then, the first reporting period not being over yet, ends it yesterday
    fmu.goto(f"{url}/results/")
    fmu.get_by_role("link", name=TITLE).click()
    fmu.get_by_role("link", name="Set the start date").click()
    fmu.get_by_label("Start date").fill((today - timedelta(days=30)).isoformat())
    fmu.get_by_label("Reason").fill("The organizations began the work with their own funds a month earlier.")
    fmu.get_by_role("button", name="Save").click()
    expect(flash(fmu)).to_contain_text("The programme's dates and reporting periods have been updated.")
    periods = fmu.get_by_role("table").filter(has_text="Report due")
    first_period = periods.get_by_role("row").nth(1)
    if date.fromisoformat(first_period.get_by_role("cell").nth(1).inner_text().split(" – ")[1]) >= today:
        first_period.get_by_role("link", name="Change dates").click()
        end = today - timedelta(days=1)
        fmu.get_by_label("End").fill(end.isoformat())
        fmu.get_by_label("Report due").fill((end + timedelta(days=60)).isoformat())
        fmu.get_by_role("button", name="Save").click()
        expect(flash(fmu)).to_contain_text("The reporting periods have been saved.")
    programme_url = fmu.url

    # --- The lead agency writes its report on the period with the keyboard alone, and submits it
    agency.goto(programme_url)
    press_on(agency, "main a:text-is('Period 1')")
    press_on(agency, "main a:text('Write the report')")
    indicator = agency.locator("main fieldset", has_text=INDICATOR).locator("input[id^=actual-]").get_attribute("id")
    indicator_id = indicator.removeprefix("actual-")
    type_into(agency, f"#actual-{indicator_id}", "1,250")
    type_into(agency, f"#status-{indicator_id}", "On track")
    expect(agency.locator(f"#status-{indicator_id}")).to_have_value("on_track")
    type_into(agency, f"#comment-{indicator_id}", "Enrolment campaigns in four host communities.")
    type_into(agency, "main textarea[id^=narrative-]", "Four schools opened psychosocial support rooms.")
    type_into(agency, "#lessons", "Mothers' committees speed up enrolment.")
    press_on(agency, "main form button:text('Save the draft')")
    expect(flash(agency)).to_contain_text("The report has been saved as a draft.")
    press_on(agency, "main form button:text('Submit for review')")
    expect(flash(agency)).to_contain_text("The report has been submitted to the Fund Management Unit.")

    # --- The FMU accepts it
    fmu.goto(agency.url)
    fmu.get_by_role("button", name="Accept the report").click()
    expect(fmu.locator("#confirm-dialog")).to_contain_text("Accept the report?")  # a final action asks first
    fmu.locator("#confirm-dialog-yes").click()
    expect(flash(fmu)).to_contain_text("The report has been accepted")
    expect(fmu.locator("main")).to_contain_text("1,250")
    switch_language(fmu, "Français")  # leave the demo account in its own language
    expect(fmu.locator("html")).to_have_attribute("lang", "fr")

    # --- A viewer downloads the fund's annual results report: the programme and its value are in it
    viewer = signed_in(live_server, make, VIEWER)
    viewer.goto(f"{url}/results/annual?year={year}&lang=en")
    viewer.get_by_role("button", name="Prepare the PDF").click()
    expect(viewer.get_by_text("The document is ready.")).to_be_visible()
    with viewer.expect_download() as download:
        viewer.get_by_role("link", name=re.compile(r"^Download ")).click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    assert reference in text
    assert TITLE in text
    assert INDICATOR in text
    assert "1,250" in text
    viewer.screenshot(path=str(artifact("journey-annual.png")), full_page=True)
