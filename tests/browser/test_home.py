"""The app in a real browser: home page in each language, sign-in, language switch."""

from __future__ import annotations

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
