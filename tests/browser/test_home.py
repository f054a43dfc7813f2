"""The app in a real browser: home page in each language, sign-in, language switch."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.finance.models import Allocation, Expenditure, ExpenditureKind
from fundmgr.proposals.models import Proposal
from tests.support.browser import artifact, switch_language


def test_home_page_in_spanish(live_server, contexts, request):
    """Does a Spanish-speaking visitor get the home page in Spanish, with the fund's Spanish name?"""
    page = request.node.make_context("es-ES").new_page()
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Fondo Fiduciario de Asociados Múltiples para la Migración"
    )
    expect(page.get_by_role("link", name="Iniciar sesión").first).to_be_visible()
    page.screenshot(path=str(artifact("home-es.png")), full_page=True)


def test_sign_in_and_switch_language(live_server, page, languages_restored):
    """Can a user sign in, switch to French from the menu, and keep it after signing in again?"""
    live_server.login(page, "pieter.devries@fundmgr.example")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    switch_language(page, "Français")
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("button", name="Le Fonds")).to_be_visible()
    page.locator("nav .dropdown-toggle", has_text="Pieter").click()
    page.get_by_role("button", name="Se déconnecter").click()
    expect(page.get_by_role("heading", name="Se connecter")).to_be_visible()
    live_server.login(page, "pieter.devries@fundmgr.example")
    expect(page.locator("html")).to_have_attribute("lang", "fr")


PHONE = {"width": 390, "height": 844}
PROGRAMME_OWED = "MIG-2023-0001"  # Nadia Rahman's organization's running programme: its last year's certified
# expenditure is taken away for the test (and put back after), so that it is due


@pytest.fixture
def expenditure_owed(live_server) -> Iterator[None]:
    """Last year's certified annual expenditure of Nadia Rahman's organization on a running programme of the demo
    removed for the test, then put back as it was: her organization owes it (it was due by the fund's calendar)."""
    with live_server.app.app_context():
        nadia = db.session.scalar(sa.select(User).where(User.email == "nadia.rahman@fundmgr.example"))
        proposal = db.session.scalar(sa.select(Proposal).where(Proposal.reference == PROGRAMME_OWED))
        last_year = clock.today(proposal.fund).year - 1
        rows = list(db.session.scalars(
            sa.select(Expenditure).join(Allocation, Allocation.id == Expenditure.allocation_id)
            .where(Allocation.proposal_id == proposal.id, Allocation.organization_id == nadia.organization_id,
                   Expenditure.year == last_year, Expenditure.kind == ExpenditureKind.annual)
        ))  # fmt: skip
        kept = [{c.key: getattr(row, c.key) for c in sa.inspect(Expenditure).column_attrs} for row in rows]
        for row in rows:
            db.session.delete(row)
        db.session.commit()
        db.session.remove()
    yield
    with live_server.app.app_context():
        if kept:
            db.session.execute(sa.insert(Expenditure), kept)
        db.session.commit()
        db.session.remove()


@pytest.mark.parametrize(
    ("email", "work"),
    [
        ("fatou.diallo@fundmgr.example", "/proposals/?status=submitted"),  # the FMU: what to screen
        ("karim.haddad@fundmgr.example", "/steering/"),  # a Steering Committee member: reviews due, meetings
        ("helena.marchetti@fundmgr.example", "/steering/"),  # the chair
        ("nadia.rahman@fundmgr.example", "/proposals/?status=returned"),  # agency staff: drafts, returned ones
        ("pieter.devries@fundmgr.example", "/finance/"),  # a donor's viewer: the fund's money
        ("admin@fundmgr.example", "/proposals/?status=submitted"),
    ],
)
def test_each_roles_own_work_is_on_a_phones_first_screen(live_server, page, request, email, work):
    """On a 390 x 844 phone, the person's own work is in the first screen (in their own language); the fund's
    description is folded below it. Agency staff whose organization owes certified expenditure see it there too,
    and reach the form that reports it."""
    owes = email == "nadia.rahman@fundmgr.example"
    if owes:
        request.getfixturevalue("expenditure_owed")
    page.set_viewport_size(PHONE)
    live_server.login(page, email)
    page.goto(live_server.url + "/")
    if owes:
        due = page.locator("#expenditure-due")
        link = due.get_by_role("link", name=re.compile(PROGRAMME_OWED + r" certified expenditure for \d{4}"))
        expect(link).to_be_visible()
        box = link.bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= PHONE["height"], "the expenditure due is in the first screen"
        expect(due.locator("li").filter(has_text=PROGRAMME_OWED)).to_contain_text("Overdue")
    first_card = page.locator("#my-work .card").first
    expect(first_card.locator(f'a[href^="{work}"]').first).to_be_visible()
    box = first_card.bounding_box()
    assert box is not None
    assert box["y"] + min(box["height"], 200) <= PHONE["height"]  # the card's top and its first lines show
    about = page.locator("#about-fund")
    expect(about).not_to_have_attribute("open", "")
    assert about.bounding_box()["y"] > box["y"]
    expect(about.locator(".lead")).to_be_hidden()
    about.locator("summary").click()
    expect(about.locator(".lead")).to_be_visible()
    if owes:  # from the home page to the form, on the phone
        link.click()
        page.get_by_role("link", name=re.compile("Report expenditure")).first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Report expenditure")
        expect(page.locator("form select[name=year]")).to_be_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        page.screenshot(path=str(artifact("expenditure-due-phone.png")))
