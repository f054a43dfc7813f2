"""Every document in each of the three languages from its page, whatever the interface's (issue 19): each page that
offers a PDF links it in English, French and Spanish (?lang=), and the PDF is written in the language asked for."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.steering import operations as ops
from fundmgr.storage import read_stored
from tests.factories import sign_in
from tests.finance.test_views import programme  # noqa: F401 - a fixture
from tests.steering.test_documents import held, next_meeting  # noqa: F401 - fixtures

IN = {"en": "Summary", "fr": "Résumé", "es": "Resumen"}


def text_of(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).split())


def offered_languages(html: str, path: str) -> set[str]:
    """The languages a page links the document at `path` in."""
    return set(re.findall(re.escape(path) + r"\?(?:[^\"]*&amp;)?lang=(en|fr|es)", html))


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_a_version_pdf_in_each_language_from_an_english_page(client, submitted, make_user, lang):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu))  # reads the pages in English
    page = client.get(f"/proposals/{proposal.id}/versions/1").get_data(as_text=True)
    assert offered_languages(page, f"/proposals/{proposal.id}/versions/1.pdf") == {"en", "fr", "es"}
    text = text_of(client.get(f"/proposals/{proposal.id}/versions/1.pdf?lang={lang}").data)
    assert IN[lang] in text
    if lang != "en":
        assert "Summary" not in text


def test_the_proposal_page_offers_each_version_in_each_language(client, submitted, make_user):
    proposal = submitted()
    sign_in(client, make_user(Role.fmu, locale="es"))
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert offered_languages(page, f"/proposals/{proposal.id}/versions/1.pdf") == {"en", "fr", "es"}


def test_a_decision_letter_in_french_and_spanish_from_an_english_page(client, held, committee):  # noqa: F811
    decision = held.items[0].decision
    sign_in(client, committee.germany)
    page = client.get(f"/steering/decisions/{decision.id}").get_data(as_text=True)
    path = f"/steering/decisions/{decision.id}/letter.pdf"
    assert offered_languages(page, path) == {"en", "fr", "es"}
    assert "Chères et chers collègues," in text_of(client.get(path + "?lang=fr").data)
    assert "Estimados colegas:" in text_of(client.get(path + "?lang=es").data)
    assert "Dear colleagues," in text_of(client.get(path + "?lang=en").data)


def test_the_funding_status_in_spanish_from_a_french_page(client, make_user, programme):  # noqa: F811
    sign_in(client, make_user(Role.viewer, locale="fr"))
    page = client.get("/finance/").get_data(as_text=True)
    assert offered_languages(page, "/finance/dashboard.pdf") == {"en", "fr", "es"}
    text = text_of(client.get("/finance/dashboard.pdf?lang=es").data)
    assert "1.980.000,00" in text  # Spanish number format
    assert "Situación de la financiación" in text


def test_the_pipeline_booklet_in_each_language(client, fund):
    page = client.get(f"/public/{fund.code}/pipeline").get_data(as_text=True)
    booklet = re.search(r'href="([^"?]*pipeline[^"?]*\.pdf)\?lang=', page)
    assert booklet, "the pipeline page offers its booklet in each language"
    assert offered_languages(page, booklet.group(1)) == {"en", "fr", "es"}
    assert "Réserve de programmes conjoints" in text_of(client.get(booklet.group(1) + "?lang=fr").data)
    assert "Cartera de programas conjuntos en espera" in text_of(client.get(booklet.group(1) + "?lang=es").data)


# The minutes' fixed labels and the records' titles in each language; the members' words stay as written.
MINUTES = {"en": ("Attendance", "Deferred", "Chair of the Steering Committee"),
           "fr": ("Présence", "Reporté", "Présidence du Comité de pilotage"),
           "es": ("Asistencia", "Aplazado", "Presidencia del Comité Rector")}  # fmt: skip


def test_the_minutes_draft_and_approved_in_each_language_from_a_french_page(client, held, next_meeting, committee):  # noqa: F811
    """Are an English meeting's minutes offered in the three languages from their page read in French, draft and
    approved, with the labels translated and the members' words as written; is the English copy of the approved
    minutes still the signed original's bytes?"""
    committee.germany.locale = "fr"
    db.session.commit()
    sign_in(client, committee.germany)
    path = f"/steering/meetings/{held.id}/minutes.pdf"
    page = client.get(f"/steering/meetings/{held.id}/minutes").get_data(as_text=True)
    assert offered_languages(page, path) == {"en", "fr", "es"}
    assert "Attendance" in text_of(client.get(path).data), "without ?lang=, the meeting's language"
    for approved in (False, True):
        if approved:
            ops.approve_minutes(held.minutes, next_meeting, actor=committee.fmu)
            db.session.commit()
        for lang, (attendance, deferred, chair) in MINUTES.items():
            text = text_of(client.get(f"{path}?lang={lang}").data)
            assert attendance in text
            assert deferred in text
            assert (chair in text) is approved  # the signer's role, frozen in each language
            assert "Baseline data first." in text  # a member's reservation, as written
            if lang != "en":
                assert "Attendance" not in text
    assert client.get(f"{path}?lang=en").data == read_stored(held.minutes.storage_key)
    assert client.get(f"{path}?lang=fr").headers["Content-Disposition"].endswith("-minutes-fr.pdf")
