"""The fund's public page (no sign-in, three languages) and the leak test over it and the IATI file."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import escape

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.finance import queries as fq
from fundmgr.i18n import LANGUAGES
from fundmgr.opendata import operations as publishing
from fundmgr.proposals.models import PUBLISHED_STATES, Proposal, Screening
from fundmgr.steering.models import Conflict, Decision, DecisionOutcome, Position, ProcedureResponse, Review, Score
from tests.factories import sign_in

MARK = "leakmark"


def test_anyone_reads_the_public_page_without_signing_in_with_the_funding_status(demo_app, fund):
    """The factsheet: the Gateway's funding status, donors, programmes with delivery, kept a few minutes by the
    visitor's own browser (not by shared caches: the page carries the session's form token)."""
    client = demo_app.test_client()
    answer = client.get(f"/public/{fund.code}")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, max-age=300"
    page = answer.text
    for label in ("Contributions from donors (deposits)", "Balance with the Administrative Agent",
                  "Contributions by donor", "Delivery rate", "Pipeline"):  # fmt: skip
        assert label in page
    funded = fq.programme_totals(
        db.session.scalars(sa.select(Proposal).where(Proposal.state.in_({"approved", "active", "closed"}))).all()
    )
    assert funded
    for money in funded:
        assert f'id="programme-{money.proposal.reference}"' in page
    assert f'href="/iati/{fund.code}/activities.xml"' in page


def test_the_public_page_speaks_each_language(demo_app, fund):
    """French and Spanish visitors (their browser's language) read the page in theirs."""
    words = {"fr": "Contributions par donateur", "es": "Contribuciones por donante"}
    for language in LANGUAGES[1:]:
        answer = demo_app.test_client().get(f"/public/{fund.code}", headers={"Accept-Language": language})
        assert words[language] in answer.text


def test_a_signed_in_visitors_page_is_not_kept_by_shared_caches(client, fund, fmu):
    sign_in(client, fmu)
    answer = client.get(f"/public/{fund.code}")
    assert answer.status_code == 200
    assert answer.headers["Cache-Control"] == "private, max-age=0"


def test_an_unknown_fund_has_no_public_page(client):
    assert client.get("/public/NOSUCHFUND").status_code == 404


def mark_everything_unpublished() -> list[str]:
    """Write a marker into every text the fund does not publish; the people's names and e-mails too."""
    unpublished = db.session.scalars(sa.select(Proposal).where(Proposal.state.not_in(PUBLISHED_STATES))).all()
    assert {p.state.value for p in unpublished} >= {"draft", "rejected", "in_review", "deferred"}
    for proposal in unpublished:
        proposal.title = f"{MARK} draft or declined title {proposal.id}"
        proposal.summary = f"{MARK} unpublished summary"
    for proposal in db.session.scalars(sa.select(Proposal)):
        proposal.withdrawal_reason = f"{MARK} withdrawal"
    texts = [
        (Score, "comment"), (Review, "comment"), (Conflict, "reason"), (Conflict, "waiver_reason"), (Position, "text"),
        (ProcedureResponse, "reason"), (Decision, "conditions"), (Screening, "reasons"),
    ]  # fmt: skip
    counts = []
    for model, column in texts:
        rows = db.session.scalars(sa.select(model)).all()
        for row in rows:
            setattr(row, column, f"{MARK} {model.__name__} {column}")
        counts.append(f"{model.__name__}.{column}: {len(rows)}")
    funded = db.session.scalars(
        sa.select(Decision)
        .where(Decision.outcome == DecisionOutcome.approve, Decision.proposal_id.is_not(None))
        .order_by(Decision.id)
    ).first()
    withdrawn = publishing.publish_decision_summary(funded, {"en": f"{MARK} withdrawn summary"}, actor=None)
    publishing.withdraw(withdrawn, actor=None)
    counts.append("Publication.withdrawn: 1")
    for user in db.session.scalars(sa.select(User)):
        user.name = f"{MARK} Person {user.id}"
        user.email = f"{MARK}{user.id}@example.org"
    db.session.commit()
    return counts


def test_nothing_unpublished_leaks_to_the_public_page_or_the_iati_file(demo_app, fund):
    """Drafts, declined proposals, scores, reviews, conflicts, positions, conditions, screening notes, a withdrawn
    publication and every person's name and e-mail are marked; neither the public page (in each language) nor the
    IATI file shows one; the pipeline lists the endorsed notes and nothing of their review."""
    counts = mark_everything_unpublished()
    assert all(not count.endswith(": 0") for count in counts), counts  # the demo has each kind of text
    client = demo_app.test_client()
    answers = [client.get(f"/public/{fund.code}", headers={"Accept-Language": lang}) for lang in LANGUAGES]
    for path in ("/iati/activities.xml", f"/iati/{fund.code}/activities.xml"):
        client.get(path)  # a file built before the marks may answer first; this asks for the new one
        answers.append(client.get(path))
    for answer in answers:
        assert answer.status_code == 200
        assert MARK not in answer.text.lower(), answer.request.path
        assert "@" not in answer.text.replace("xml:lang", ""), "no e-mail address"
    published = db.session.scalars(sa.select(Proposal).where(Proposal.state.in_(PUBLISHED_STATES))).all()
    assert all(str(escape(p.title)) in answers[0].text for p in published), "the published programmes are there"
    pipeline = answers[0].text.split('id="pipeline-heading"')[1].split("</section>")[0]
    endorsed = [p for p in published if p.state.value == "endorsed"]
    assert endorsed
    assert all(str(escape(p.title)) in pipeline for p in endorsed), "the pipeline lists the endorsed notes"
    assert not any(word in pipeline.lower() for word in ("score", "conflict", "%")), "and nothing of their review"
