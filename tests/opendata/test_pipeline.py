"""The public pipeline: a page and a PDF booklet per fund, without sign-in, in three languages, kept while nothing
published changes, and the leak test over both."""

from __future__ import annotations

import subprocess
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape

from fundmgr.db import db
from fundmgr.finance.queries import amount_requested, endorsed_by_endorsement_date
from fundmgr.funds.models import Country
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.models import Corridor, CorridorStop, ProposalArea, ProposalState
from tests.opendata.test_public import MARK, mark_everything_unpublished

HEADINGS = {"en": "Indicative amount", "fr": "Montant indicatif", "es": "Importe indicativo"}


def text_of(pdf: bytes) -> str:
    """The PDF's text as pdftotext reads it, white space made single spaces."""
    text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True).stdout
    return " ".join(text.decode().split())


def split_first(fund):
    """The first pipeline proposal split 60/40 between its primary area and another."""
    proposal = endorsed_by_endorsement_date(fund)[0]
    other = next(a for a in fund.thematic_areas if a.id != proposal.primary_area_id)
    proposal.area_rows = [ProposalArea(area_id=proposal.primary_area_id, share=Decimal(60)),
                          ProposalArea(area_id=other.id, share=Decimal(40))]  # fmt: skip
    db.session.commit()
    return proposal, other


def test_anyone_reads_the_pipeline_and_its_booklet_in_each_language(demo_app, fund):
    """Each endorsed proposal with its place, organizations, areas with their shares and indicative amount, on the
    page and in the booklet, in English, French and Spanish; nothing else is listed."""
    proposal, other = split_first(fund)
    pipeline = endorsed_by_endorsement_date(fund)
    assert len(pipeline) >= 2
    others = db.session.scalars(sa.select(ProposalArea).where(ProposalArea.proposal_id == proposal.id)).all()
    assert len(others) == 2
    client = demo_app.test_client()
    for language in LANGUAGES:
        headers = {"Accept-Language": language}
        page = client.get(f"/public/{fund.code}/pipeline", headers=headers)
        assert page.status_code == 200
        assert HEADINGS[language] in page.text
        booklet = client.get(f"/public/{fund.code}/pipeline.pdf", headers=headers)
        assert booklet.status_code == 200
        assert booklet.mimetype == "application/pdf"
        text = text_of(booklet.data)
        assert HEADINGS[language] in text
        for p in pipeline:
            assert f'id="pipeline-{p.reference}"' in page.text
            if language == "en":  # a concept note's indicative total, not the budget grid it does not have yet
                requested = p.indicative_total if p.is_concept_note else p.latest_version.total
                assert requested > 0
                assert f"{requested:,.2f}" in page.text
            assert str(escape(p.title)) in page.text
            assert p.reference in text
            if language == "en":  # the organizations' acronyms are translated (OIM, OIM)
                assert all(part.organization.label in page.text for part in p.participants)
        assert page.text.count('id="pipeline-') == len(pipeline)
    english = client.get(f"/public/{fund.code}/pipeline").text
    assert f"{proposal.primary_area.number}. {escape(proposal.primary_area.label)} (60%)" in english
    assert f"{other.number}. {escape(other.label)} (40%)" in english


def test_the_pipeline_is_kept_until_it_changes(demo_app, fund):
    """The ETag of the page and of the booklet stays while nothing published changes (the visitor's copy is
    confirmed with a 304); a proposal leaving the pipeline changes both, and the next booklet no longer lists it."""
    client = demo_app.test_client()
    page = client.get(f"/public/{fund.code}/pipeline")
    booklet = client.get(f"/public/{fund.code}/pipeline.pdf")
    assert page.headers["Cache-Control"] == "private, max-age=300"
    for answer, path in ((page, "pipeline"), (booklet, "pipeline.pdf")):
        again = client.get(f"/public/{fund.code}/{path}", headers={"If-None-Match": answer.headers["ETag"]})
        assert again.status_code == 304
        assert not again.data
    leaving = endorsed_by_endorsement_date(fund)[0]
    leaving.state = ProposalState.rejected
    db.session.commit()
    for answer, path in ((page, "pipeline"), (booklet, "pipeline.pdf")):
        fresh = client.get(f"/public/{fund.code}/{path}", headers={"If-None-Match": answer.headers["ETag"]})
        assert fresh.status_code == 200
        assert fresh.headers["ETag"] != answer.headers["ETag"]
    assert leaving.reference not in text_of(client.get(f"/public/{fund.code}/pipeline.pdf").data)
    assert leaving.reference in text_of(booklet.data)


def test_an_unknown_fund_has_no_pipeline(client):
    assert client.get("/public/NOSUCHFUND/pipeline").status_code == 404
    assert client.get("/public/NOSUCHFUND/pipeline.pdf").status_code == 404


def test_nothing_unpublished_leaks_to_the_pipeline_page_or_booklet(demo_app, fund):
    """Drafts, declined and withdrawn proposals, scores, reviews, conflicts, positions, screening notes and every
    person's name and e-mail are marked; neither the page nor the booklet shows one, in any language."""
    counts = mark_everything_unpublished()
    assert all(not count.endswith(": 0") for count in counts), counts
    client = demo_app.test_client()
    for language in LANGUAGES:
        headers = {"Accept-Language": language}
        page = client.get(f"/public/{fund.code}/pipeline", headers=headers)
        text = text_of(client.get(f"/public/{fund.code}/pipeline.pdf", headers=headers).data)
        for shown in (page.text, text):
            assert MARK not in shown.lower()
            assert "@" not in shown, "no e-mail address"
        for p in endorsed_by_endorsement_date(fund):
            assert p.reference in text


CORRIDOR_WORDS = {"en": "Corridor", "fr": "Corridor", "es": "Corredor"}


def test_the_pipeline_shows_each_notes_corridors_and_sdg_targets_in_each_language(demo_app, fund):
    """A concept note's migration corridors (origin to destination, countries named in the visitor's language),
    global scope and SDG targets, on the page and in the booklet, in English, French and Spanish."""
    first, second = endorsed_by_endorsement_date(fund)[:2]
    countries = {
        c.iso3: c for c in db.session.scalars(sa.select(Country).where(Country.iso3.in_(["GTM", "MEX", "USA"])))
    }
    first.corridors = [Corridor(position=0, stops=[CorridorStop(position=i, country=countries[code])
                                                   for i, code in enumerate(("GTM", "MEX", "USA"))])]  # fmt: skip
    first.sdg_targets = ["10.7", "8.8", "16.9"]
    second.global_scope = True
    second.sdg_targets = ["17.18"]
    db.session.commit()
    client = demo_app.test_client()
    for language in LANGUAGES:
        headers = {"Accept-Language": language}
        page = client.get(f"/public/{fund.code}/pipeline", headers=headers).text
        text = text_of(client.get(f"/public/{fund.code}/pipeline.pdf", headers=headers).data)
        with force_locale(language):
            corridor = " → ".join(countries[code].label for code in ("GTM", "MEX", "USA"))
            heading, everywhere = _("SDG targets"), _("Global programme (no country in particular)")
        row = page.split(f'id="pipeline-{first.reference}"')[1].split("</tr>")[0]
        assert "10.7, 8.8, 16.9" in row
        assert f"{CORRIDOR_WORDS[language]}" in row
        assert str(escape(corridor)) in row
        other = page.split(f'id="pipeline-{second.reference}"')[1].split("</tr>")[0]
        assert "17.18" in other
        assert str(escape(everywhere)) in other
        assert str(escape(heading)) in page
        for shown in ("10.7, 8.8, 16.9", "17.18", heading, corridor.split(" → ")[0]):
            assert shown in text, (language, shown)


def test_the_pipeline_page_shows_one_page_and_the_total_of_all(client, fund, make_proposal):
    """Two programmes a page: the first two endorsed, a link to the next page, and the total of the whole pipeline."""
    endorsed = [make_proposal(ProposalState.endorsed, title=f"Pipeline programme {k}") for k in range(3)]
    page = client.get(f"/public/{fund.code}/pipeline?per_page=2").get_data(as_text=True)
    assert sum(f"Pipeline programme {k}<" in page for k in range(3)) == 2
    assert f"/public/{fund.code}/pipeline?per_page=2&amp;page=2" in page
    assert f"{sum((amount_requested(p) for p in endorsed), Decimal(0)):,.2f}" in page
    second = client.get(f"/public/{fund.code}/pipeline?per_page=2&page=2")
    assert second.get_etag() != client.get(f"/public/{fund.code}/pipeline?per_page=2").get_etag()
