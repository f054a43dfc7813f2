"""Accessibility of what a page shows when it talks back: forms showing their errors, open menus.

Every page of the routes table, as the role that sees the most of it, at a desktop's and a phone's width, is
tests/browser/test_sweep.py's; here axe-core (no serious or critical violation) reads the states a plain visit
does not reach, on the demo data.
"""

from __future__ import annotations

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from fundmgr import clock
from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.proposals.models import ProposalState
from tests.browser.demo import first, proposal
from tests.support.browser import signed_in

SERIOUS = {"serious", "critical"}


def violations(page: Page, axe: Axe) -> list[str]:
    """axe-core's serious and critical violations on the page, one line per rule and element."""
    found = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {', '.join(map(str, node['target']))} — {v['help']}"
        for v in found
        if v["impact"] in SERIOUS
        for node in v["nodes"]
    ]


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
