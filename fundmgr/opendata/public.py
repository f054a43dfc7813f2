"""What a fund's public page shows: only what the fund publishes (figures, published programmes, countries).

Never a draft, a score, a conflict, a declined or withdrawn proposal, or a person: every row comes from the
finance dashboard (one rule, one place) or from programmes in PUBLISHED_STATES, and names organizations only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_sqlalchemy.pagination import Pagination

from fundmgr.db import db
from fundmgr.finance import queries as fq
from fundmgr.funds.models import Country, Fund
from fundmgr.opendata.models import Publication, PublicationKind
from fundmgr.proposals.models import FUNDED_STATES, PUBLISHED_STATES, Proposal, proposal_countries
from fundmgr.steering.models import Decision

ZERO = Decimal("0.00")


@dataclass
class PublicProgramme:
    """A funded programme as the public sees it: money in, money out, delivery."""

    reference: str
    title: str
    state: str
    organizations: list[str]
    countries: list[str]
    allocated: Decimal
    transferred: Decimal
    expenditure: Decimal

    @property
    def delivery(self) -> Decimal | None:
        """Expenditure over net transfers (None before any transfer)."""
        return self.expenditure / self.transferred if self.transferred else None


@dataclass
class PublicFigures:
    """The dashboard's figures the public page shows: the funding status and the contributions by donor."""

    balances: fq.Balances
    donors: list[fq.DonorFigures]


@dataclass
class PublicFund:
    """Every figure and list of the public page; the programmes one page at a time (`pages`)."""

    fund: Fund
    figures: PublicFigures
    programmes: list[PublicProgramme]
    pipeline: list[fq.PipelineTitle]
    countries: list[str]
    documents: PublishedDocuments
    pages: Pagination | None = None


@dataclass
class PublishedDocuments:
    """What the FMU approved for publication and has not withdrawn: annual reports (latest year first) and the
    public summaries of decisions on programmes the fund publishes (latest first)."""

    annual_reports: list[Publication]
    decision_summaries: list[Publication]


def published_documents(fund: Fund) -> PublishedDocuments:
    """The fund's live publications; a decision's summary only while its programme is one the fund publishes."""
    query = (
        sa.select(Publication)
        .where(Publication.fund_id == fund.id, Publication.withdrawn_at.is_(None))
        .options(  # what the page shows of each, loaded with the list (not one publication at a time)
            so.selectinload(Publication.files),
            so.selectinload(Publication.decision).joinedload(Decision.proposal),
        )
    )
    rows = list(db.session.scalars(query.order_by(Publication.year.desc(), Publication.published_at.desc())))
    return PublishedDocuments(
        annual_reports=[p for p in rows if p.kind is PublicationKind.annual_report],
        decision_summaries=[p for p in rows if p.kind is PublicationKind.decision_summary and still_public(p)],
    )


def still_public(publication: Publication) -> bool:
    """A decision's summary shows while its programme is one the fund publishes (not withdrawn or closed early)."""
    return publication.decision is not None and publication.decision.proposal.state in PUBLISHED_STATES


def public_fund(fund: Fund, page: int = 1) -> PublicFund:
    """The public page's content, from the dashboard's figures and the funded and endorsed programmes: the
    funded programmes one page at a time by reference, so that the page's cost does not grow with the fund's
    history."""
    pages = db.paginate(
        sa.select(Proposal)
        .where(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))
        .options(  # organizations and places with the page's programmes (not one programme at a time)
            so.selectinload(Proposal.participants),
            so.selectinload(Proposal.countries),
            so.joinedload(Proposal.country),
        )
        .order_by(Proposal.reference),
        page=page,
        per_page=current_app.config["PAGE_SIZE"],
        error_out=False,
    )
    funded = list(pages.items)
    spent = fq.expenditure_by_programme(fund, [p.id for p in funded])
    programmes = [
        PublicProgramme(
            reference=money.proposal.reference,
            title=money.proposal.title,
            state=str(money.proposal.state.title),
            organizations=sorted(p.organization.label for p in money.proposal.participants),
            countries=sorted(country_names(money.proposal)),
            allocated=money.allocated,
            transferred=money.transferred,
            expenditure=spent.get(money.proposal.id, ZERO),
        )
        for money in fq.programme_totals(funded)
    ]
    return PublicFund(
        fund=fund,
        figures=PublicFigures(fq.balances(fund), fq.contributions_by_donor(fund)),
        programmes=programmes,
        pipeline=fq.pipeline_titles(fund),
        countries=sorted(country.label for country in funded_countries(fund)),
        documents=published_documents(fund),
        pages=pages,
    )


def funded_countries(fund: Fund) -> list[Country]:
    """The countries of every funded programme of the fund (its country, or the countries of its region).

    Asked country by country (a few hundred), each question ending at the first funded programme found through the
    indexes on the programmes' country and on proposal_countries(country_id): not every funded programme read."""
    funded = [Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES)]
    place = so.aliased(Country)
    single = sa.select(place.id).where(sa.exists().where(Proposal.country_id == place.id, *funded))
    several = sa.select(place.id).where(
        sa.exists().where(
            proposal_countries.c.country_id == place.id, proposal_countries.c.proposal_id == Proposal.id, *funded
        )
    )
    return list(db.session.scalars(sa.select(Country).where(Country.id.in_(single.union(several)))))


def country_names(proposal: Proposal) -> set[str]:
    countries = {*proposal.countries, *([proposal.country] if proposal.country else [])}
    return {country.label for country in countries}
