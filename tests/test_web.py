"""Pages, languages, error pages and the headers every answer carries."""

from __future__ import annotations

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from tests.factories import sign_in

REFERENCE_PAGES = [
    "/fund/", "/fund/thematic-areas", "/fund/objectives", "/fund/principles", "/fund/markers",
    "/fund/budget-categories", "/fund/criteria", "/fund/organizations", "/fund/countries",
    "/fund/countries?region=202",
]  # fmt: skip


@pytest.mark.parametrize("url", REFERENCE_PAGES)
@pytest.mark.parametrize("role", list(Role))
def test_reference_pages_open_for_every_role(client, make_user, url, role):
    """Can every signed-in role browse the fund's reference data?"""
    sign_in(client, make_user(role))
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("url", REFERENCE_PAGES)
def test_reference_pages_need_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")


def test_thematic_areas_page_shows_areas_and_objectives(client, make_user):
    sign_in(client, make_user(Role.agency))
    html = client.get("/fund/thematic-areas").get_data(as_text=True)
    assert "Improving the social inclusion and integration of migrants" in html
    assert "Objective 1</a>: Collect and utilize accurate and disaggregated data" in html


def test_countries_filtered_by_region(client, make_user):
    """Does the region filter keep only that region's countries, named from CLDR?"""
    sign_in(client, make_user(Role.viewer))
    html = client.get("/fund/countries?region=202").get_data(as_text=True)
    assert "Senegal" in html
    assert "Morocco" not in html  # Northern Africa, not Sub-Saharan


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("es", "Fomento de la inclusión social y la integración de los migrantes"),
        ("fr", "Sénégal"),
    ],
)
def test_reference_data_in_the_users_language(client, make_user, locale, text):
    """Are fund names and country names shown in the user's language?"""
    sign_in(client, make_user(Role.viewer, locale=locale))
    html = client.get("/fund/thematic-areas").get_data(as_text=True) + client.get("/fund/countries").get_data(
        as_text=True
    )
    assert text in html


def test_language_choice_is_remembered_for_visitors_and_users(client, make_user):
    """Does the chosen language stick across requests, and on the account when signed in?"""
    response = client.post("/language", data={"locale": "es", "next": "/account/login"})
    assert response.headers["Location"] == "/account/login"
    assert 'lang="es"' in client.get("/").get_data(as_text=True)
    user = make_user(Role.agency)
    sign_in(client, user)
    client.post("/language", data={"locale": "fr"})
    db.session.refresh(user)
    assert user.locale == "fr"
    assert 'lang="fr"' in client.get("/").get_data(as_text=True)


def test_browser_language_is_the_default(client):
    assert 'lang="es"' in client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"}).get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    client.post("/language", data={"locale": "xx"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("locale", "title"),
    [("en", "Page not found"), ("fr", "Page introuvable"), ("es", "Página no encontrada")],
)
def test_404_page_in_each_language(client, locale, title):
    """Is the 404 page translated?"""
    client.post("/language", data={"locale": locale})
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert title in response.get_data(as_text=True)


def test_security_headers(client):
    """Does every answer forbid inline script, framing and MIME sniffing?"""
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_have_no_inline_script(client, make_user):
    sign_in(client, make_user(Role.fmu))
    for url in ["/", *REFERENCE_PAGES, "/account/"]:
        html = client.get(url).get_data(as_text=True)
        assert "<script>" not in html
        assert "onclick=" not in html


def test_bootstrap_is_served_locally(client):
    """Is Bootstrap served by the app itself (no CDN)?"""
    html = client.get("/").get_data(as_text=True)
    assert "cdn." not in html
    with client.get("/bootstrap/static/css/bootstrap.min.css") as response:
        assert response.status_code == 200


def test_health(client):
    assert client.get("/health").get_json() == {"status": "ok"}
