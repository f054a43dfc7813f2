"""The journey's key pages in French and in Spanish, each person signed in with their own demo account.

On every page: the document's language, the headings the page must show (as the catalog translates
them), no English heading, label or button whose translation exists, and amounts written the
language's way (1 234,56 in French, 1.234,56 in Spanish) on the money pages and in the budget grid
while typing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from urllib.parse import urljoin

import pytest
import sqlalchemy as sa
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from fundmgr import clock
from fundmgr.db import db
from fundmgr.proposals.models import ProposalState
from fundmgr.results.models import ProgressReport, ReportState
from tests.browser.demo import programme_of, proposal
from tests.support import REPO
from tests.support.browser import signed_in, switch_language

ENGLISH_AMOUNT = re.compile(r"\b\d{1,3}(?:,\d{3})+\.\d{2}\b")
REPORTER = "nadia.rahman@fundmgr.example"  # IOM leads the active programme whose report form is shown
# What a person reads as the page's structure and controls.
TEXTS = "h1, h2, h3, h4, h5, h6, legend, caption, th, label, button, input[type=submit], .btn, .nav-link, .badge"


@dataclass(frozen=True)
class Language:
    code: str
    locale: str
    amount: re.Pattern  # an amount of at least a thousand, grouped and with two decimals
    typed: str  # an amount as a person types it
    shown: str  # the same amount as the page shows it
    agency: str  # a participating organization's focal point: a draft's budget grid
    draft_lead: str  # the lead organization of the draft they edit
    fmu: str
    member: str  # a Steering Committee member with a review to write on the proposal in the meeting


FRENCH = Language(
    "fr", "fr-FR", re.compile(r"\b\d{1,3}(?:\u202f\d{3})+,\d{2}\b"), "12 345,67", "12\u202f345,67",
    agency="pierre.lambert@fundmgr.example", draft_lead="ILO", fmu="fatou.diallo@fundmgr.example",
    member="yasmine.elalaoui@fundmgr.example",
)  # fmt: skip
SPANISH = Language(
    "es", "es-ES", re.compile(r"\b\d{1,3}(?:\.\d{3})+,\d{2}\b"), "12.345,67", "12.345,67",
    agency="sofia.mendoza@fundmgr.example", draft_lead="UNHCR", fmu="tomas.herrera@fundmgr.example",
    member="carmen.ruiz@fundmgr.example",
)  # fmt: skip


@cache
def translations(language: str) -> dict[str, str]:
    """The catalog's translations that differ from the English text (placeholders and plurals left out)."""
    with (REPO / "fundmgr" / "translations" / language / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=language)
    return {
        m.id: m.string
        for m in catalog
        if m.id and isinstance(m.id, str) and m.string and not m.fuzzy and "%" not in m.id and m.string != m.id
    }


def translated(language: str, english: str) -> str:
    text = translations(language).get(english)
    assert text, f"the {language} catalog does not translate {english!r}"
    return text


def check_page(page: Page, language: Language, path: str, *headings: str) -> None:
    """The page is in the language: its lang, the translated headings it must show, no English left."""
    response = page.goto(urljoin(page.url, path))
    assert response.status == 200, path
    expect(page.locator("html")).to_have_attribute("lang", language.code)
    texts = page.locator(f"main :is({TEXTS}), nav :is({TEXTS})").evaluate_all(
        "elements => elements.map(e => e.tagName === 'INPUT' ? e.value : e.innerText)"
    )
    shown = {" ".join(t.split()) for t in texts}
    for english in headings:
        assert translated(language.code, english) in shown, (path, english, sorted(shown))
    untranslated = sorted(t for t in shown if t in translations(language.code))
    assert not untranslated, f"{path}: English left on the page: {untranslated}"


def check_amounts(page: Page, language: Language) -> None:
    """The page's amounts are written the language's way, none the English way."""
    text = page.locator("main").inner_text()
    assert language.amount.search(text), page.url
    assert not ENGLISH_AMOUNT.search(text), (page.url, ENGLISH_AMOUNT.search(text).group())


@dataclass(frozen=True)
class Demo:
    draft: int
    screening: int
    in_review: int
    approved: int
    programme: int
    period: int  # started, not reported on yet: its report form is empty
    submitted: str  # the page of a report the FMU has to review


def demo_for(language: Language) -> Demo:
    active = proposal(ProposalState.active, lead="IOM")
    programme = programme_of(active)
    report = db.session.scalars(sa.select(ProgressReport).where(ProgressReport.state == ReportState.submitted)).first()
    return Demo(
        draft=proposal(ProposalState.draft, lead=language.draft_lead).id,
        screening=proposal(ProposalState.screening).id,
        in_review=proposal(ProposalState.in_review).id,
        approved=proposal(ProposalState.approved).id,
        programme=programme.id,
        period=next(p.number for p in programme.periods if p.report is None and p.start_date <= clock.today()),
        submitted=f"/results/programmes/{report.programme.id}/periods/{report.period.number}",
    )


@pytest.mark.parametrize("language", [FRENCH, SPANISH], ids=["fr", "es"])
def test_the_journeys_key_pages_in_french_and_spanish(
    live_server, contexts, request, live_meeting, languages_restored, language
):
    with live_server.app.app_context():
        demo = demo_for(language)
        db.session.remove()

    def person(email: str) -> Page:
        return signed_in(live_server, request.node.make_context, email, language.locale)

    # The agency: the list, a draft and its budget grid, whose totals follow the typing in the language's way
    agency = person(language.agency)
    check_page(agency, language, "/", "Proposals")
    check_page(agency, language, "/proposals/", "Joint programme proposals", "Status", "Sort by")
    check_page(agency, language, f"/proposals/{demo.draft}", "Summary", "Attachments")
    check_page(agency, language, f"/proposals/{demo.draft}/budget", "Category", "Save the budget")
    check_amounts(agency, language)
    first = agency.locator("input.budget-cell").first
    org, category = first.get_attribute("data-org"), first.get_attribute("data-category")
    for cell in agency.locator(f"input.budget-cell[data-org='{org}'][data-category='{category}']").all():
        cell.fill("")
    first.fill(language.typed)  # not saved: the demo's budget stays as it was
    expect(agency.locator(f"[data-out='org-cat:{org}:{category}']")).to_have_text(language.shown)

    # The FMU: screening, the Steering Committee's pages, the money
    fmu = person(language.fmu)
    check_page(fmu, language, f"/proposals/{demo.screening}/screening", "Screening for completeness and eligibility")
    check_page(fmu, language, f"/steering/proposals/{demo.in_review}", "Key facts", "Scores", "Assign for scoring")
    check_page(fmu, language, f"/steering/meetings/{live_meeting}", "Agenda", "Attendance", "Live board")
    check_page(fmu, language, "/finance/", "Funding dashboard", "Funding status")
    check_amounts(fmu, language)
    check_page(fmu, language, f"/finance/programmes/{demo.approved}", "Closure", "Transfers")
    check_amounts(fmu, language)
    check_page(fmu, language, demo.submitted, "Review", "Accept the report", "Lessons learned")
    check_page(fmu, language, "/results/annual", "Annual results report", "Prepare the PDF")

    # A member: the review form and the live board with its position form (the demo fund decides by consensus)
    member = person(language.member)
    check_page(
        member, language, f"/steering/proposals/{demo.in_review}/review", "Overall recommendation", "Submit the review"
    )
    check_page(
        member,
        language,
        f"/steering/meetings/{live_meeting}/board",
        "Live board",
        "Open for votes",
        "Support",
        "Support with a reservation",
        "State my position",
    )

    # The lead agency's report form (the IOM focal point reads it in the language for once)
    programme = f"/results/programmes/{demo.programme}"
    if language is FRENCH:
        reporter = person("pierre.lambert@fundmgr.example")  # IOM, works in French
    else:
        reporter = person(REPORTER)
        switch_language(reporter, "Español")
    check_page(reporter, language, programme, "Results matrix", "Reporting periods")
    check_page(
        reporter, language, f"{programme}/periods/{demo.period}/edit",
        "Edit the progress report", "Value reached (cumulative)", "Status", "Lessons learned", "Save the draft",
    )  # fmt: skip
