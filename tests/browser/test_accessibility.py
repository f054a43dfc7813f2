"""Accessibility: axe-core finds no serious or critical violation on the main pages of every package.

Each person is signed in in their own language (the FMU officer works in French), and visits the pages
of their work on the demo data: lists, a proposal and each section of a draft with its budget grid,
screening, the Steering Committee's pages with a live board and its vote and decision forms, the review
form, the finance dashboard, ledger and money forms, the results pages and the report form, the fund's
reference pages, the account page and the error pages.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from fundmgr import clock
from fundmgr.db import db
from fundmgr.finance.models import Allocation, Contribution
from fundmgr.proposals.models import ProposalState
from fundmgr.results.models import FundIndicator, FundOutcome, ProgressReport, ReportState
from fundmgr.steering.models import Decision, Meeting, WrittenProcedure
from tests.browser.demo import first, programme_of, proposal
from tests.support.browser import LiveServer, signed_in

SERIOUS = {"serious", "critical"}
REFERENCE_PAGES = ["/fund/", "/fund/thematic-areas", "/fund/objectives", "/fund/principles", "/fund/markers",
                   "/fund/budget-categories", "/fund/criteria", "/fund/organizations", "/fund/countries"]  # fmt: skip
OK = 200


def pages_to_check(meeting_id: int) -> dict[str, list[tuple[str, int]]]:
    """Each demo person's pages as (path, expected status); run in the live server's app context."""
    draft = proposal(ProposalState.draft, lead="ILO")
    d = f"/proposals/{draft.id}"
    indicator = draft.outcomes[0].outputs[0].indicators[0].id
    version = f"/proposals/{proposal(ProposalState.screening, lead='ILO').id}/versions/1"
    screening, in_review = proposal(ProposalState.screening), proposal(ProposalState.in_review)
    approved, active = proposal(ProposalState.approved), proposal(ProposalState.active, lead="IOM")
    programme = programme_of(active)
    r = f"/results/programmes/{programme.id}"
    due = next(p for p in programme.periods if p.report is None and p.start_date <= clock.today())
    accepted = next(p for p in programme.periods if p.report and p.report.state is ReportState.accepted)
    submitted = db.session.scalars(sa.select(ProgressReport).where(ProgressReport.state == ReportState.submitted))
    to_review = submitted.first().period
    m = f"/steering/meetings/{meeting_id}"
    item = db.session.get(Meeting, meeting_id).items[0]
    contribution = f"/finance/contributions/{first(Contribution)}"
    to_transfer = f"/finance/allocations/{first(Allocation, Allocation.proposal_id == approved.id)}"
    transferred = f"/finance/allocations/{first(Allocation, Allocation.proposal_id == active.id)}"
    agency = [  # ILO: a draft, section by section
        "/",
        "/proposals/",
        "/proposals/new",
        d,
        f"{d}/details",
        f"{d}/organizations",
        f"{d}/markers",
        f"{d}/budget",
        f"{d}/matrix",
        f"{d}/matrix/outcomes/new",
        f"{d}/matrix/indicators/{indicator}",
        f"{d}/attachments",
        f"{d}/withdraw",
        version,
        "/account/",
    ]
    lead_agency = [  # IOM leads an active programme: results and the report form
        "/results/",
        r,
        f"{r}/periods/{accepted.number}",
        f"{r}/periods/{due.number}/edit",
        "/results/reports",
        f"/proposals/{active.id}",
    ]
    fmu = [  # in French
        "/",
        "/proposals/?state=screening",
        f"/proposals/{screening.id}",
        f"/proposals/{screening.id}/screening",
        "/steering/",
        f"/steering/proposals/{in_review.id}",
        "/steering/ranking",
        "/steering/portfolio",
        "/steering/pipeline",
        "/steering/criteria",
        "/steering/meetings",
        "/steering/meetings/new",
        m,
        f"{m}/board",
        f"{m}/items/{item.id}/decision",
        "/steering/written-procedures",
        f"/steering/written-procedures/{first(WrittenProcedure)}",
        f"/steering/written-procedures/new?proposal={in_review.id}",
        "/steering/decisions",
        f"/steering/decisions/{first(Decision)}",
        "/finance/",
        "/finance/ledger",
        "/finance/contributions",
        contribution,
        "/finance/contributions/new",
        f"{contribution}/correct",
        "/finance/interest/new",
        "/finance/programmes",
        f"/finance/programmes/{approved.id}",
        f"{to_transfer}/transfer",
        f"{to_transfer}/release",
        f"{transferred}/refund",
        "/finance/pipeline",
        "/results/",
        "/results/reports",
        "/results/framework",
        "/results/framework/goal",
        "/results/framework/outcomes/new",
        f"/results/framework/outcomes/{first(FundOutcome)}",
        "/results/framework/indicators/new",
        f"/results/framework/indicators/{first(FundIndicator)}",
        r,
        f"{r}/links",
        f"{r}/periods/{due.number}/dates",
        f"{r}/periods/new",
        f"/results/programmes/{to_review.programme_id}/periods/{to_review.number}",
        "/results/annual",
        "/deadlines/",
        "/audit/",
        "/account/",
        "/notifications/",
        "/notifications/preferences",
    ]
    member = [  # scoring and voting
        "/",
        "/steering/",
        f"/steering/proposals/{in_review.id}",
        f"/steering/proposals/{in_review.id}/review",
        f"{m}/board",
        "/steering/meetings",
        "/steering/decisions",
        "/steering/written-procedures",
        "/steering/portfolio",
        "/notifications/",
        "/notifications/preferences",
    ]
    return {
        "anonymous": [("/", OK), ("/account/login", OK), ("/account/reset", OK), ("/no-such-page", 404)],
        "rajesh.thapa@fundmgr.example": [(path, OK) for path in agency]
        + [("/finance/ledger", 403), (f"/proposals/{screening.id + 10_000}", 404)],
        "nadia.rahman@fundmgr.example": [(path, OK) for path in lead_agency],
        "fatou.diallo@fundmgr.example": [(path, OK) for path in fmu],
        "grace.wanjiru@fundmgr.example": [(path, OK) for path in member],
        "pieter.devries@fundmgr.example": [
            (path, OK) for path in ["/", "/finance/", "/results/annual", *REFERENCE_PAGES]
        ],
    }


@pytest.fixture
def pages(live_server: LiveServer, live_meeting: int) -> dict[str, list[tuple[str, int]]]:
    with live_server.app.app_context():
        pages = pages_to_check(live_meeting)
        db.session.remove()  # SQLite: no read transaction may stay open while the server writes
    return pages


def violations(page: Page, axe: Axe) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule and element."""
    found = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {', '.join(map(str, node['target']))} — {v['help']}"
        for v in found
        if v["impact"] in SERIOUS
        for node in v["nodes"]
    ]


@pytest.mark.parametrize("person", ["anonymous", "rajesh.thapa@fundmgr.example", "nadia.rahman@fundmgr.example",
                                    "fatou.diallo@fundmgr.example", "grace.wanjiru@fundmgr.example",
                                    "pieter.devries@fundmgr.example"])  # fmt: skip
def test_the_main_pages_have_no_serious_accessibility_violation(live_server, contexts, request, pages, person):
    make = request.node.make_context
    page = make().new_page() if person == "anonymous" else signed_in(live_server, make, person)
    axe, problems = Axe(), []
    for path, status in pages[person]:
        response = page.goto(live_server.url + path)
        assert response.status == status, path
        problems += [f"{path}: {v}" for v in violations(page, axe)]
    assert not problems, "\n".join(problems)


def test_forms_showing_their_errors_and_open_menus_have_no_serious_accessibility_violation(
    live_server, contexts, request
):
    """Refused input (nothing is saved) and open menus: what a person sees when a page talks back."""
    with live_server.app.app_context():
        draft, approved = proposal(ProposalState.draft, lead="ILO").id, proposal(ProposalState.approved).id
        allocation = first(Allocation, Allocation.proposal_id == approved)
        db.session.remove()
    make, axe, problems = request.node.make_context, Axe(), []

    def check(page: Page, what: str) -> None:
        problems.extend(f"{what}: {v}" for v in violations(page, axe))

    agency = signed_in(live_server, make, "rajesh.thapa@fundmgr.example")
    agency.goto(f"{live_server.url}/proposals/new")
    agency.get_by_role("button", name="Create the draft").click()  # no title
    expect(agency.locator("#title")).to_have_attribute("aria-invalid", "true")
    check(agency, "a new proposal without a title")
    agency.goto(f"{live_server.url}/proposals/{draft}/budget")
    agency.locator("input.budget-cell").first.fill("a lot")
    agency.get_by_role("button", name="Save the budget").click()
    expect(agency.locator("input.budget-cell").first).to_have_attribute("aria-invalid", "true")
    check(agency, "a budget with an amount that is not a number")
    for menu in ("The fund", "Rajesh Thapa", "Language: English"):
        agency.get_by_role("button", name=menu).click()
        expect(agency.locator(".dropdown-menu.show")).to_be_visible()
        check(agency, f"the {menu!r} menu open")
        agency.keyboard.press("Escape")

    fmu = signed_in(live_server, make, "fatou.diallo@fundmgr.example")
    fmu.goto(f"{live_server.url}/steering/meetings/new")
    fmu.locator("main form [type=submit]").click()  # no title, no date
    expect(fmu.locator("#problems")).to_be_visible()
    check(fmu, "a meeting without a title or a date")
    fmu.goto(f"{live_server.url}/finance/allocations/{allocation}/transfer")
    fmu.locator("#amount").fill("-5")
    fmu.locator("#on_date").fill(clock.today().isoformat())
    fmu.locator("#reference").fill("A11Y-1")
    fmu.locator("main form button.btn-primary").click()
    expect(fmu.locator("#problems")).to_be_visible()
    check(fmu, "a transfer of a negative amount")
    assert not problems, "\n".join(problems)
