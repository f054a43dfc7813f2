"""The app in a real browser: home page in each language, sign-in, language switch."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

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
def test_each_roles_own_work_is_on_a_phones_first_screen(live_server, page, email, work):
    """On a 390 x 844 phone, the person's own work is in the first screen (in their own language); the fund's
    description is folded below it."""
    page.set_viewport_size(PHONE)
    live_server.login(page, email)
    page.goto(live_server.url + "/")
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
