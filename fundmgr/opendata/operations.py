"""Publishing on a fund's public page: the FMU approves a year's annual report (frozen as PDFs in each language) or
a decision's public summary for publication, and may withdraw either. Each is audited; nothing else is public."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import require_fund_manager
from fundmgr.i18n import LANGUAGES
from fundmgr.opendata.models import Publication, PublicationFile, PublicationKind
from fundmgr.proposals.models import PUBLISHED_STATES, Proposal
from fundmgr.results.reports import annual_report_filename, annual_report_pdf
from fundmgr.steering.models import Decision, DecisionOutcome
from fundmgr.steering.operations.locks import lock
from fundmgr.storage import delete_after_commit, store_generated

SUMMARY_LIMIT = 4000
# Only decisions that put a programme in the fund's pipeline or funded it are public: a declined, deferred or
# withdrawn proposal never is.
PUBLIC_OUTCOMES = frozenset({DecisionOutcome.approve, DecisionOutcome.approve_with_conditions,
                             DecisionOutcome.endorse})  # fmt: skip


def publishable_decisions(fund: Fund) -> list[Decision]:
    """The decisions whose public summary the FMU may publish: endorsing or funding a programme the fund publishes."""
    query = (
        sa.select(Decision).join(Decision.proposal)
        .where(Decision.fund_id == fund.id, Decision.outcome.in_(PUBLIC_OUTCOMES), Proposal.state.in_(PUBLISHED_STATES))
        .order_by(Decision.decided_on.desc(), Decision.id.desc())
    )  # fmt: skip
    return list(db.session.scalars(query))


def live(fund: Fund, kind: PublicationKind) -> sa.Select[tuple[Publication]]:
    """The fund's publications of a kind not withdrawn."""
    return sa.select(Publication).where(
        Publication.fund_id == fund.id, Publication.kind == kind, Publication.withdrawn_at.is_(None)
    )


def withdraw(publication: Publication, *, actor: User | None) -> None:
    """The FMU takes a document off the public page (its files are removed; the row stays for the record)."""
    require_fund_manager(actor, publication.fund)
    publication = lock(Publication, publication.id)
    if not publication.is_live:
        raise InvalidTransition(_("This document was already withdrawn."))
    publication.withdrawn_at = clock.now()
    for file in publication.files:
        delete_after_commit(file.storage_key)
    publication.files.clear()
    db.session.flush()
    record_audit("publication.withdrawn", publication, actor=actor, before={"withdrawn_at": None},
                 after={"withdrawn_at": publication.withdrawn_at}, fund_id=publication.fund_id,
                 summary=publication.label)  # fmt: skip


def publish_annual_report(fund: Fund, year: int, *, actor: User | None) -> Publication:
    """Freeze the fund's annual results report of a past or the current year as PDFs in each language and put
    them on the public page (replacing the year's earlier publication)."""
    require_fund_manager(actor, fund)
    fund = lock(Fund, fund.id)
    if not 2000 <= year <= clock.today(fund).year:
        raise ValidationFailed([_("Choose a year that has begun.")])
    for earlier in db.session.scalars(live(fund, PublicationKind.annual_report).where(Publication.year == year)):
        withdraw(earlier, actor=actor)
    publication = Publication(fund=fund, kind=PublicationKind.annual_report, year=year, summary={},
                              published_by=actor, published_at=clock.now())  # fmt: skip
    for language in LANGUAGES:
        filename = annual_report_filename(fund, year, language, "pdf")
        stored = store_generated(annual_report_pdf(fund, year, language), filename, "application/pdf")
        publication.files.append(PublicationFile(language=language, **stored.columns()))
    db.session.add(publication)
    db.session.flush()
    record_audit("publication.published", publication, actor=actor,
                 after={"kind": publication.kind, "year": year, "files": [f.sha256 for f in publication.files]},
                 fund_id=fund.id, summary=publication.label)  # fmt: skip
    return publication


def summary_problems(decision: Decision, summary: dict[str, str]) -> list[str]:
    problems = []
    published = decision.proposal is not None and decision.proposal.state in PUBLISHED_STATES  # not a matter
    if decision.outcome not in PUBLIC_OUTCOMES or not published:
        problems.append(_("Only a decision that endorsed or funded a programme the fund publishes can be published."))
    if not summary.get(LANGUAGES[0], "").strip():
        problems.append(_("Write the summary in English at least."))
    if any(len(text) > SUMMARY_LIMIT for text in summary.values()):
        problems.append(_("A summary is too long (at most %(n)d characters).", n=SUMMARY_LIMIT))
    return problems


def publish_decision_summary(decision: Decision, summary: dict[str, str], *, actor: User | None) -> Publication:
    """Put a decision's public summary (what the FMU wrote for the public, in each language) on the public page,
    replacing its earlier summary."""
    require_fund_manager(actor, decision.fund)
    decision = lock(Decision, decision.id)
    summary = {language: summary.get(language, "").strip() for language in LANGUAGES}
    problems = summary_problems(decision, summary)
    if problems:
        raise ValidationFailed(problems)
    kind = PublicationKind.decision_summary
    for earlier in db.session.scalars(live(decision.fund, kind).where(Publication.decision_id == decision.id)):
        withdraw(earlier, actor=actor)
    publication = Publication(fund_id=decision.fund_id, kind=kind, decision=decision,
                              summary={k: v for k, v in summary.items() if v}, published_by=actor,
                              published_at=clock.now())  # fmt: skip
    db.session.add(publication)
    db.session.flush()
    record_audit("publication.published", publication, actor=actor,
                 after={"kind": kind, "decision": decision.reference, "summary": publication.summary},
                 fund_id=decision.fund_id, summary=publication.label)  # fmt: skip
    return publication
