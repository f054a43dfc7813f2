"""The whole programme cycle in real browsers, each role signed in as itself in its own browser context: the Migration
MPTF's two stages, from a call the FMU opens to approved programmes, for a migration corridor across two regions and for
a global programme.

The call. The FMU opens a call (its title, description, eligibility rules and documents in the three languages, its
window from today, the thematic areas, regions and priorities it targets, its ceiling) and publishes it.

Stage 1. Two agencies write concept notes and submit them to the call: UNICEF a corridor from Western Africa through
Northern Africa to Europe, ILO a global programme in two thematic areas with their shares, reworking a note of the
fund's first call. The FMU screens each, the overlap check pointing at the earlier note the global one reworks, and
forwards them to the Steering Committee; two members score the corridor (one with the keyboard alone). At the
committee's meeting the chair records the corridor's selection for development (the programme document's deadline, an
indicative amount: no money moves; the programme document opens prefilled from the note, its reference the note's
without "-CN") and the global note's endorsement into the pipeline, which anyone reads on the public pipeline page; the
FMU then invites it to develop its programme document, funds having arrived.

Stage 2. Both agencies write their programme documents (budget, results matrix, programme sections, attachment) and
submit them; the FMU screens them; at a second meeting the members support the corridor from their own browsers (one
with the keyboard) and the chair records both approvals (allocations are made from the fund's money). The call's page
then counts what it received, selected and pipelined.

After approval, for the corridor: the FMU transfers the first tranche (the programme becomes active) and shortens the
first reporting period so it has ended; the lead agency writes and submits its report with the keyboard alone; the FMU
accepts it; a viewer downloads the fund's annual results PDF, which shows the new programme and its reported value.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from playwright.sync_api import Page, expect
from pypdf import PdfReader

from fundmgr import clock
from fundmgr.demo.seed import DEFAULT_PASSWORD
from tests.browser.keyboard import id_of, press_on, sign_in_with_keyboard, type_into
from tests.support.browser import artifact, signed_in, switch_language
from tests.support.files import PDF_BYTES

FMU = "fatou.diallo@fundmgr.example"  # works in French; switches to English for this journey (languages_restored)
SCORERS = ["jonas.becker@fundmgr.example", "ingrid.solberg@fundmgr.example"]
SCORER_NAMES = ["Jonas Becker", "Ingrid Solberg"]
CHAIR = "helena.marchetti@fundmgr.example"  # IOM: not recused, IOM takes part in neither programme
VIEWER = "pieter.devries@fundmgr.example"

CALL_TITLE = "Third call: children and workers on the move"


@dataclass(frozen=True)
class Note:
    """A concept note the journey writes, and the programme document developed from it."""

    agency: str  # the lead organization's staff, who writes both
    title: str
    summary: str
    lead: str
    partner: str
    amounts: tuple[str, str]  # the lead's and the partner's indicative amounts, as typed
    areas: tuple[tuple[str, str], ...]  # (area code, share): the primary first
    objectives: tuple[str, ...]
    principle: str
    budget: tuple[tuple[str, str], ...]  # (label of a budget cell, amount), the indirect rate added on top
    total: str  # the programme's total, indirect costs included
    indicator: str
    corridor: str = ""  # ISO codes from origin through transit to destination
    global_scope: bool = False


CORRIDOR = Note(
    agency="aisha.bello@fundmgr.example",
    title="Safe schooling and psychosocial support for migrant children from Senegal to Spain",
    summary="UNICEF and WHO work with the ministries of education along the route so that migrant children enrol in "
    "school and receive psychosocial support where they stop, from Senegal through Mauritania and Morocco to Spain.",
    lead="UNICEF",
    partner="WHO",
    amounts=("642,000", "428,000"),
    areas=(("TA5", "100"),),
    objectives=("15", "16"),
    principle="child_sensitive",
    budget=(
        ("UNICEF, Staff and other personnel costs, Year 1", "450,000"),
        ("UNICEF, Supplies, commodities, materials, Year 2", "150,000"),
        ("WHO, Staff and other personnel costs, Year 1", "400,000"),
    ),
    total="1,070,000.00",  # 1,000,000 + 7% indirect
    indicator="Migrant children enrolled in primary school",
    corridor="SEN > MRT > MAR > ESP",  # Western Africa, through Northern Africa, to Southern Europe
)
GLOBAL = Note(
    agency="rajesh.thapa@fundmgr.example",
    # the ILO reworks a note of the fund's first call, endorsed into its pipeline then: the overlap check finds it
    title="Global guidance on fair recruitment in labour migration agreements, piloted in two corridors",
    summary="Bilateral labour migration agreements often lack fair recruitment clauses for women migrant workers and "
    "are rarely monitored. ILO and UN Women will draw up global guidance from existing agreements, pilot it in two "
    "corridors and train negotiators from countries of origin and destination.",
    lead="ILO",
    partner="UN Women",
    amounts=("642,000", "535,000"),
    areas=(("TA4", "70"), ("TA2", "30")),
    objectives=("6", "7"),
    principle="gender_responsive",
    budget=(
        ("ILO, Staff and other personnel costs, Year 1", "600,000"),
        ("UN Women, Staff and other personnel costs, Year 1", "500,000"),
    ),
    total="1,177,000.00",  # 1,100,000 + 7% indirect
    indicator="Recruitment agencies applying the fair recruitment guidance",
    global_scope=True,
)


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


def open_the_call(fmu: Page, today: date) -> str:
    """The FMU opens the call from the calls page, in the three languages, and publishes it; returns its reference."""
    fmu.get_by_role("link", name="Calls", exact=True).click()
    fmu.get_by_role("link", name="Open a call").click()
    texts = {
        "Title": (CALL_TITLE, "Troisième appel : enfants et travailleurs en mouvement",
                  "Tercera convocatoria: niñez y trabajadores en movimiento"),
        "Description": ("Joint programmes for migrant children's schooling and the fair recruitment of workers.",
                        "Programmes conjoints pour la scolarité des enfants migrants et le recrutement équitable.",
                        "Programas conjuntos para la escolarización de la niñez migrante y la contratación justa."),
        "Eligibility rules": ("At least two Participating UN Organizations; the government's endorsement.",
                              "Au moins deux Organisations des Nations Unies participantes ; l'aval du gouvernement.",
                              "Al menos dos Organizaciones participantes; el respaldo del gobierno."),
        "Documents required": ("The concept note; the endorsement letter.",
                               "La note conceptuelle ; la lettre d'approbation.",
                               "La nota conceptual; la carta de respaldo."),
    }  # fmt: skip
    for label, (en, fr, es) in texts.items():
        fmu.get_by_label(f"{label} (en)").fill(en)
        fmu.get_by_label(f"{label} (fr)").fill(fr)
        fmu.get_by_label(f"{label} (es)").fill(es)
    fmu.get_by_label("Opens on").fill(today.isoformat())
    fmu.get_by_label("Closes on").fill((today + timedelta(days=60)).isoformat())
    fmu.get_by_label("Ceiling per joint programme").fill("2,000,000")
    areas = fmu.get_by_role("group", name="Thematic areas targeted")
    for area in ("Facilitating regular migration", "Improving the social inclusion"):
        areas.get_by_label(re.compile(area)).check()
    fmu.get_by_label("Regions targeted").select_option(label=["Africa", "Europe"])
    priorities = fmu.get_by_role("group", name="Priorities: objectives targeted")
    for number in ("6.", "15.", "16."):
        priorities.get_by_label(re.compile("^" + re.escape(number) + " ")).check()
    fmu.get_by_role("button", name="Save the call").click()
    expect(flash(fmu)).to_contain_text("is drafted; publish it when it is ready.")
    reference = re.search(r"The call (\S+) is drafted", flash(fmu).inner_text()).group(1)
    fmu.get_by_role("button", name="Publish the call").click()
    expect(flash(fmu)).to_contain_text("The call is published.")
    expect(fmu.locator("h1 .badge")).to_have_text("Open")
    expect(fmu.locator("main dl")).to_contain_text("Africa; Europe")
    return reference


def write_the_concept_note(page: Page, note: Note) -> int:
    """The agency's concept note, section by section; returns its id."""
    page.get_by_role("link", name="New proposal").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("New joint programme proposal")
    page.get_by_label("Title").fill(note.title)
    page.get_by_label("Summary").fill(note.summary)
    (primary, share), *others = note.areas
    page.get_by_label("Primary thematic area").select_option(primary)
    if others:
        page.get_by_label("Share of the primary area (%)").fill(share)
        for n, (area, other_share) in enumerate(others):
            page.get_by_label("Other thematic area").nth(n).select_option(area)
            page.get_by_label("Share (%)").nth(n).fill(other_share)
    objectives = page.get_by_role("group", name="Objectives")
    for number in note.objectives:
        objectives.locator(f"input[value='{number}']").check()
    page.get_by_role("group", name="Guiding principles addressed").locator(f"input[value='{note.principle}']").check()
    page.get_by_label("Duration in months").fill("24")
    page.get_by_label("The government endorses the programme").check()
    page.get_by_role("button", name="Create the draft").click()
    expect(flash(page)).to_contain_text("Draft created: it gets its reference number when it is submitted.")
    expect(page.locator("header")).to_contain_text("Concept note")
    note_id = int(re.search(r"/proposals/(\d+)/", page.url).group(1))

    # Organizations: the lead, and one more; then the concept note's own page
    page.get_by_role("group", name="Other Participating UN Organizations").get_by_label(
        re.compile("^" + re.escape(note.partner) + " – ")
    ).check()
    page.get_by_role("button", name="Save the organizations").click()
    expect(flash(page)).to_contain_text("Participating UN Organizations saved.")
    expect(page.locator(".nav-tabs .nav-link")).to_have_text(
        ["Overview", "Details", "Organizations", "Concept note", "Markers", "Attachments"]
    )  # no budget grid, no results matrix at this stage

    # The concept note: the case in brief, its geography, amounts, partners, SDGs
    page.get_by_label("The problem, in brief").fill(f"The problem that {note.title.lower()} answers, in brief.")
    page.get_by_label("Theory of change, in brief").fill("If the organizations and the government act together, "
                                                         "the people concerned are safer and better off.")  # fmt: skip
    if note.corridor:
        page.get_by_label("Migration corridors").fill(note.corridor)
    if note.global_scope:
        page.get_by_label("Global programme (no country in particular)").check()
    amounts = page.get_by_role("group", name="Indicative amounts")
    amounts.get_by_label(note.lead).fill(note.amounts[0])
    amounts.get_by_label(note.partner).fill(note.amounts[1])
    partners = page.get_by_role("group", name="National partners")
    partners.get_by_label("Partner").first.fill("Ministry of Labour and Social Affairs")
    partners.get_by_label("Kind").first.select_option(label="Government entity")
    partners.get_by_label("Role").first.fill("Takes part in the programme's steering group")
    page.get_by_label("SDG targets").fill("4.1, 10.7, 16.9" if note.corridor else "8.8, 10.7")
    page.get_by_label("Alignment with the Cooperation Framework").fill("Outcome 2 of each country's framework.")
    page.get_by_label("Use of the Network’s knowledge platform and connection hub").fill(
        "The programme shares its practices on the platform."
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


def answer_the_call(page: Page, call: str) -> None:
    """The agency says, from the draft's overview, which open call its concept note answers."""
    tabs(page).get_by_role("link", name="Overview", exact=True).click()
    page.get_by_role("link", name="Call answered…").click()
    page.get_by_label("Call for proposals").select_option(label=f"{call} “{CALL_TITLE}”")
    page.get_by_role("button", name="Save").click()
    expect(flash(page)).to_contain_text("The proposal’s call is saved.")
    expect(page.locator("main")).to_contain_text(f"Answers the call {call}")


def write_the_programme_document(page: Page, note: Note, start: date) -> None:
    """The agency develops the programme document opened from its note: the planned start, the budget grid, the
    results matrix, the programme sections and the endorsement letter."""
    tabs(page).get_by_role("link", name="Details", exact=True).click()
    page.get_by_label("Planned start date").fill(start.isoformat())
    page.locator("main form button.btn-primary").click()
    expect(flash(page)).to_contain_text("Details saved.")

    # Budget: the grid's totals follow the typing before the server recomputes them
    tabs(page).get_by_role("link", name="Budget", exact=True).click()
    for label, amount in note.budget:
        page.get_by_label(label).fill(amount)
    expect(page.locator("[data-out=total]")).to_have_text(note.total)
    page.get_by_role("button", name="Save the budget").click()
    expect(flash(page)).to_contain_text("Budget saved.")
    expect(page.locator("tr", has_text=f"Total of {note.lead}")).to_contain_text(note.amounts[0])

    # Results matrix: an outcome, an output and an indicator
    tabs(page).get_by_role("link", name="Results matrix", exact=True).click()
    page.get_by_role("link", name="Add an outcome").click()
    page.get_by_label("Statement").fill("The people the programme serves are safer and better off.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add an output").click()
    page.get_by_label("Statement").fill("The government's services reach the people the programme serves.")
    page.get_by_role("button", name="Save").click()
    page.get_by_role("link", name="Add an indicator").click()
    page.get_by_label("Indicator").fill(note.indicator)
    page.get_by_label("Unit").fill("number")
    page.get_by_label("Baseline").fill("0")
    page.get_by_label("Target").fill("2,000")
    page.get_by_label("Means of verification").fill("Registers")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("link", name=f"Edit {note.indicator}")).to_be_visible()

    # Programme sections: the workplan by year, the risk log, M&E, sustainability
    tabs(page).get_by_role("link", name="Programme sections", exact=True).click()
    page.get_by_label("Workplan").fill("1: Agree the approach with the ministries\n2: Extend it to every site")
    risks = page.get_by_role("group", name="Risk log")
    risks.get_by_label("Risk", exact=True).first.fill("People move on before the programme reaches them")
    risks.get_by_label("Likelihood").first.select_option(label="High")
    risks.get_by_label("Impact").first.select_option(label="Medium")
    risks.get_by_label("Mitigation").first.fill("Records travel with the person")
    risks.get_by_label("Owner").first.fill(note.lead)
    page.get_by_label("Monitoring and evaluation plan").fill("Quarterly visits; a final evaluation.")
    page.get_by_label("Sustainability and exit strategy").fill("The ministries take the services over.")
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
    if not page.get_by_role("button", name="Submit").count():
        tabs(page).get_by_role("link", name="Overview", exact=True).click()
    expect(page.get_by_text("The proposal meets every rule of the fund")).to_be_visible()
    page.get_by_role("button", name="Submit").click()
    expect(flash(page)).to_contain_text("Version 1 submitted to the Fund Management Unit.")
    expect(page.locator("header .badge").first).to_have_text("Submitted")
    return page.locator("header .ref-code").inner_text().strip()


def screen_and_forward(fmu: Page, url: str, proposal_id: int, looks_like: str = "") -> None:
    """The FMU screens the submission, every check passed, and forwards it to the Steering Committee; the overlap
    check beside the checklist lists the fund's earlier proposal it looks like, with the countries or organizations
    they share."""
    fmu.goto(f"{url}/proposals/{proposal_id}")
    fmu.get_by_role("button", name="Start screening").click()
    checks = fmu.locator("main form ol > li")
    expect(checks.first).to_be_visible()
    if looks_like:
        overlaps = fmu.get_by_role("region", name="Proposals of this fund that look like this one")
        expect(overlaps.get_by_role("row", name=re.compile(re.escape(looks_like)))).to_contain_text("Shared ")
    for check in checks.all():
        check.get_by_label("Passed", exact=True).check()
    fmu.get_by_role("button", name="Forward to Steering Committee review").click()
    expect(flash(fmu)).to_contain_text("Forwarded to the Steering Committee’s review.")
    expect(fmu.locator("header .badge").first).to_have_text("In Steering Committee review")


def hold_meeting(fmu: Page, url: str, day: date, title: str, references: list[str]) -> str:
    """The FMU schedules a meeting, puts the proposals on its agenda, records attendance, starts the meeting and
    opens the first item; returns the live board's address."""
    fmu.goto(f"{url}/steering/meetings")
    fmu.get_by_role("link", name="Schedule a meeting").click()
    fmu.get_by_label("Title").fill(title)
    fmu.get_by_label("Date").fill(day.isoformat())
    fmu.get_by_label("Mode").select_option("virtual")
    fmu.get_by_role("button", name="Schedule the meeting").click()
    expect(flash(fmu)).to_contain_text("is scheduled.")
    to_add = fmu.get_by_role("group", name="Proposals to add")
    for reference in references:
        to_add.get_by_label(re.compile(re.escape(reference) + r"\b")).check()
    fmu.get_by_role("button", name="Add to the agenda").click()
    expect(fmu.get_by_role("heading", name="Agenda").locator("..")).to_contain_text(CORRIDOR.title)
    present = fmu.get_by_role("group", name="Members present")
    for box in present.get_by_role("checkbox").all():
        box.check()
    fmu.get_by_role("button", name="Record attendance").click()
    expect(flash(fmu)).to_contain_text("Attendance is recorded.")
    fmu.get_by_role("button", name="Start the meeting").click()
    expect(fmu.get_by_role("heading", level=1)).to_have_text("Live board")
    open_item(fmu, references[0])
    return fmu.url


def open_item(fmu: Page, reference: str) -> None:
    """The FMU opens the item from the board's agenda."""
    fmu.get_by_role("button", name=f"Open {reference}", exact=True).click()
    expect(fmu.locator("#board-item")).to_contain_text(reference)
    expect(fmu.locator("#item-state")).to_have_text("Open for votes")


def record_decision(chair: Page, meeting_url: str, outcome: str, **fields: str) -> None:
    """The chair records the decision on the open item from the live board (the fields: label -> value typed)."""
    chair.goto(meeting_url)
    chair.get_by_role("link", name="Record the decision").click()
    chair.get_by_label(outcome, exact=True).check()
    for label, value in fields.items():
        chair.get_by_label(label).fill(value)
    chair.get_by_role("button", name="Record the decision").click()
    expect(flash(chair)).to_contain_text("is recorded.")
    expect(chair.locator("#decision")).to_contain_text(outcome)


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


def test_from_a_call_the_fmu_opens_to_approved_programmes_and_the_funds_annual_report(
    live_server, contexts, request, languages_restored
):
    make = request.node.make_context
    url = live_server.url
    today = clock.today()  # the server's date (UTC)
    year = (today - timedelta(days=1)).year  # the first period must have ended by yesterday, in the report's year
    start = date(year, 1, 1)
    deadline = today + timedelta(days=60)

    # === The call =====================================================================================
    fmu = signed_in(live_server, make, FMU)
    expect(fmu.locator("html")).to_have_attribute("lang", "fr")
    switch_language(fmu, "English")
    expect(fmu.locator("html")).to_have_attribute("lang", "en")
    call = open_the_call(fmu, today)
    call_url = fmu.url

    # === Stage 1: the concept notes ===================================================================
    # --- Each agency writes its concept note, says it answers the call, and submits it
    corridor_agency = signed_in(live_server, make, CORRIDOR.agency)
    corridor_note_id = write_the_concept_note(corridor_agency, CORRIDOR)
    answer_the_call(corridor_agency, call)
    corridor_note = submit(corridor_agency)
    assert re.fullmatch(r"MIG-\d{4}-\d{4}-CN", corridor_note)
    expect(corridor_agency.locator("main")).to_contain_text("Senegal → Mauritania → Morocco → Spain")
    expect(corridor_agency.locator("main")).to_contain_text(CORRIDOR.total)  # the indicative total

    global_agency = signed_in(live_server, make, GLOBAL.agency)
    global_note_id = write_the_concept_note(global_agency, GLOBAL)
    answer_the_call(global_agency, call)
    global_note = submit(global_agency)
    expect(global_agency.locator("main dt:text-is('Global scope') + dd")).to_have_text("Yes")
    expect(global_agency.locator("main")).to_contain_text(GLOBAL.total)

    # --- The FMU screens them (the overlap check finds the first call's note the global one reworks, with the
    # organization they share) and forwards them to the Steering Committee ...
    screen_and_forward(fmu, url, corridor_note_id)
    screen_and_forward(fmu, url, global_note_id, "Global guidance on bilateral labour migration agreements")

    # ... and asks two members to score the corridor
    fmu.goto(f"{url}/steering/proposals/{corridor_note_id}")
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
    jonas.get_by_role("link", name=CORRIDOR.title).click()
    jonas.get_by_role("link", name="Score this proposal").click()
    # `.all()` does not wait: the review form must be the page before its criteria are listed
    expect(jonas.get_by_role("heading", level=1)).to_contain_text("Your review of")
    for criterion in jonas.locator("main form fieldset.card").all():
        criterion.get_by_label("4", exact=True).check()
    jonas.get_by_role("group", name="Overall recommendation").get_by_label("Recommend for funding").check()
    jonas.get_by_label("I declare that I have no conflict of interest with this proposal.").check()
    jonas.get_by_role("button", name="Submit the review").click()
    expect(flash(jonas)).to_contain_text("Your review is submitted.")

    ingrid = make("en-GB").new_page()
    sign_in_with_keyboard(ingrid, url, SCORERS[1], DEFAULT_PASSWORD)
    ingrid.goto(f"{url}/steering/proposals/{corridor_note_id}")
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

    # --- The committee meets: the chair selects the corridor for development, with the deadline of its programme
    # document and an indicative amount, and endorses the global note into the pipeline
    meeting_url = hold_meeting(fmu, url, today, "Extraordinary session on concept notes (browser journey)",
                               [corridor_note, global_note])  # fmt: skip
    chair = signed_in(live_server, make, CHAIR)
    before = available_money(chair, url)  # the fund's money before any decision of the journey
    record_decision(chair, meeting_url, "Selected for development by consensus", **{
        "Programme document due by (a selection)": deadline.isoformat(),
        "Indicative amount (a selection, USD)": "1,070,000",
    })  # fmt: skip
    fmu.goto(meeting_url)
    open_item(fmu, global_note)
    record_decision(chair, meeting_url, "Endorsed into the pipeline by consensus")
    end_meeting(fmu, meeting_url)

    # --- Anyone reads the pipeline without signing in: the global note is on it
    visitor = make("en-GB").new_page()
    visitor.goto(f"{url}/public/MIG/pipeline")
    expect(visitor.locator(f"[id='pipeline-{global_note}']")).to_contain_text(GLOBAL.title)
    expect(visitor.locator("main")).not_to_contain_text(CORRIDOR.title)  # selected, no longer in the pipeline

    # --- Funds arrive: the FMU invites the global note to develop its programme document
    fmu.goto(f"{url}/proposals/{global_note_id}")
    fmu.get_by_role("link", name="Invite to develop the programme document").click()
    fmu.get_by_label("Programme document due by").fill(deadline.isoformat())
    fmu.get_by_label("Indicative amount").fill("1,177,000")
    fmu.get_by_role("button", name="Invite to develop the programme document").click()
    expect(flash(fmu)).to_contain_text("is invited to develop its programme document")

    # === Stage 2: the programme documents =============================================================
    # --- Each agency finds its note selected, with the terms, and the programme document opened from it
    documents = {}
    for agency, note_id, note_reference, note in ((corridor_agency, corridor_note_id, corridor_note, CORRIDOR),
                                                  (global_agency, global_note_id, global_note, GLOBAL)):  # fmt: skip
        reference = note_reference.removesuffix("-CN")
        agency.goto(f"{url}/proposals/{note_id}")
        expect(agency.locator("header .badge").first).to_have_text("Selected for development")
        expect(agency.get_by_role("note")).to_contain_text(f"indicative amount {note.total}")
        agency.get_by_role("link", name=f"Programme document {reference}").click()
        expect(agency.locator("header .ref-code")).to_have_text(reference)
        expect(agency.locator("header")).to_contain_text("Programme document")
        expect(agency.get_by_role("note")).to_contain_text(f"Developed from the concept note {note_reference}")
        documents[reference] = int(re.search(r"/proposals/(\d+)", agency.url).group(1))
        write_the_programme_document(agency, note, start)
        assert submit(agency) == reference
    corridor, global_ = documents

    # --- The FMU screens them; the committee meets again, the members support the corridor from their own browsers
    # (Ingrid with the keyboard) and the chair records both approvals: the fund's money is allocated at once
    for proposal_id in documents.values():
        screen_and_forward(fmu, url, proposal_id)
    meeting_url = hold_meeting(fmu, url, today, "Extraordinary session on programme documents (browser journey)",
                               [corridor, global_])  # fmt: skip
    state_positions(jonas, ingrid, meeting_url)
    chair.goto(meeting_url)
    expect(chair.locator("#positions-stated")).to_have_text("(2)")
    chair.get_by_role("link", name="Record the decision").click()
    chair.get_by_label("Approved by consensus", exact=True).check()
    expect(chair.get_by_label("Approved amount (USD)")).to_have_value(CORRIDOR.total)
    chair.get_by_role("button", name="Record the decision").click()
    expect(flash(chair)).to_contain_text("is recorded.")
    expect(chair.locator("#decision")).to_contain_text(f"Approved by consensus · USD {CORRIDOR.total}")
    fmu.goto(meeting_url)
    open_item(fmu, global_)
    record_decision(chair, meeting_url, "Approved by consensus")
    expect(chair.locator("#decision")).to_contain_text(f"USD {GLOBAL.total}")
    # the approvals allocated the programmes' money; the concept notes' selection, endorsement and invitation none
    assert available_money(chair, url) == before - Decimal("1070000.00") - Decimal("1177000.00")
    end_meeting(fmu, meeting_url)

    # --- The call's page counts what it received and selected: each concept note once, its programme document with it
    fmu.goto(call_url)
    for bucket, count in (("Received", "2"), ("Screened", "2"), ("Selected for development or approved", "2"),
                          ("In the pipeline (endorsed)", "0"), ("Not selected", "0")):  # fmt: skip
        expect(fmu.get_by_role("row", name=re.compile("^" + re.escape(bucket))).get_by_role("cell").first).to_have_text(
            count
        )

    # --- The FMU moves the corridor's first tranche: the programme becomes active
    corridor_id = documents[corridor]
    fmu.goto(f"{url}/finance/programmes/{corridor_id}")
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
    fmu.get_by_role("link", name=CORRIDOR.title).click()
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
    agency = corridor_agency
    agency.goto(programme_url)
    press_on(agency, "main a:text-is('Period 1')")
    press_on(agency, "main a:text('Write the report')")
    fieldset = agency.locator("main fieldset", has_text=CORRIDOR.indicator)
    indicator_id = fieldset.locator("input[id^=actual-]").get_attribute("id").removeprefix("actual-")
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

    # --- A viewer downloads the fund's annual results report: the programme and its value are in it
    viewer = signed_in(live_server, make, VIEWER)
    viewer.goto(f"{url}/results/annual?year={year}&lang=en")
    viewer.get_by_role("button", name="Prepare the PDF").click()
    expect(viewer.get_by_text("The document is ready.")).to_be_visible()
    with viewer.expect_download() as download:
        viewer.get_by_role("link", name=re.compile(r"^Download ")).click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in pdf.pages))
    assert corridor in text
    assert CORRIDOR.title in text
    assert CORRIDOR.indicator in text
    assert "1,250" in text
    viewer.screenshot(path=str(artifact("journey-annual.png")), full_page=True)
