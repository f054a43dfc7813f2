"""The fund and its funded programmes as IATI 2.03 activities (https://iatistandard.org/en/iati-standard/203/).

The fund is the parent activity (hierarchy 1): the donors' commitments and deposits are its incoming commitments
(11) and incoming funds (1). Each approved, active or closed programme is a child (hierarchy 2): its allocations
are commitments (2), transfers disbursements (3), the organizations' reported expenditure expenditure (4), its
budget by programme year, its results framework with indicators, baselines and targets. Nothing else is
published: no draft, score, conflict, declined proposal or person. Identifiers and the reporting organization
come from the fund definition's `iati:` section; a fund without one is not published.
"""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so
from lxml import etree

from fundmgr import clock
from fundmgr.accounts.models import Organization, OrganizationKind
from fundmgr.db import db, to_cents
from fundmgr.emails import absolute_url
from fundmgr.finance import queries as fq
from fundmgr.finance.models import Allocation, Contribution, ContributionKind, Expenditure, ExpenditureKind, Transfer
from fundmgr.funds.definition import read_reference
from fundmgr.funds.models import Fund
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.budget import budget_totals
from fundmgr.proposals.models import FUNDED_STATES, Participant, Proposal, ProposalState
from fundmgr.results.models import (
    Measure,
    Programme,
    ProgrammeIndicator,
    ProgrammeOutcome,
    ProgrammeOutput,
    ProgressReport,
    ReportingPeriod,
    ReportState,
)
from fundmgr.results.operations.establishing import add_months

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
VERSION = "2.03"
# IATI codelists used below (OrganisationType, OrganisationRole, ActivityStatus, TransactionType, ...).
ORGANIZATION_TYPES = {
    OrganizationKind.un_entity: "40",  # multilateral
    OrganizationKind.donor: "10",  # government
    OrganizationKind.government: "10",
    OrganizationKind.civil_society: "22",  # national NGO (the closest the codelist offers without knowing more)
    OrganizationKind.other: "40",
}
FUNDING, ACCOUNTABLE, EXTENDING, IMPLEMENTING = "1", "2", "3", "4"
ACTIVITY_STATUS = {ProposalState.approved: "1", ProposalState.active: "2", ProposalState.closed: "4"}
INCOMING_FUNDS, COMMITMENT, DISBURSEMENT, EXPENDITURE, INCOMING_COMMITMENT = "1", "2", "3", "4", "11"
OUTPUT, OUTCOME = "1", "2"
MEASURES = {Measure.number: "1", Measure.percentage: "2"}
DOCUMENT_CATEGORY = "A02"  # objectives / purpose of activity: the fund's public page
DAC_VOCABULARY, OWN_VOCABULARY, UN_REGIONS = "1", "99", "2"


@functools.cache
def reference_identifiers() -> dict[str, str]:
    """Organization code -> IATI organisation identifier, from the shared reference data's file."""
    return {org.code: org.iati_identifier for org in read_reference().organizations if org.iati_identifier}


def organization_ref(fund: Fund, organization: Organization) -> str | None:
    """The organization's IATI identifier: the fund file's for its own organizations, else the reference data's."""
    own = fund.iati.get("organization_identifiers", {})
    return own.get(organization.code) or reference_identifiers().get(organization.code)


def publishes(fund: Fund) -> bool:
    """Whether the fund's definition says how to publish it to IATI."""
    return bool(fund.iati)


def amount(value: Decimal) -> str:
    """Money as IATI writes it: a plain decimal string to the cent, never a float."""
    return f"{to_cents(value):f}"


def quantity(value: Decimal) -> str:
    """An indicator value without trailing zeros (12.500000 -> 12.5), never in exponent form."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def funded(fund: Fund) -> sa.ColumnElement[bool]:
    """The fund's approved, active and closed programmes: what it publishes as child activities."""
    return sa.and_(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))


def funded_programmes(fund: Fund) -> list[Proposal]:
    """The fund's programmes it publishes, by reference."""
    return list(db.session.scalars(sa.select(Proposal).where(funded(fund)).order_by(Proposal.reference)))


def child_identifier(fund: Fund, proposal: Proposal) -> str:
    """A programme's IATI identifier: the fund's activity identifier and the programme's reference."""
    return f"{fund.iati['activity_identifier']}-{proposal.reference}"


class Writer:
    """Small helpers over lxml that keep the element order the 2.03 schema asks for in the callers."""

    @staticmethod
    def sub(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
        element = etree.SubElement(parent, tag, {k.replace("_", "-"): v for k, v in attributes.items()})
        if text is not None:
            element.text = text
        return element

    @classmethod
    def narratives(cls, parent: etree._Element, texts: dict[str, str] | str) -> etree._Element:
        """A narrative per language ({en, fr, es}); a plain text is written once, in the file's default language."""
        if isinstance(texts, str):
            cls.sub(parent, "narrative", texts)
            return parent
        for language in LANGUAGES:
            if texts.get(language):
                narrative = cls.sub(parent, "narrative", texts[language])
                if language != LANGUAGES[0]:
                    narrative.set(XML_LANG, language)
        return parent

    @classmethod
    def organization(
        cls, parent: etree._Element, tag: str, organization: Organization, fund: Fund, **attributes: str
    ) -> None:
        """An organization with its IATI identifier (when it has one), IATI type and names."""
        ref = organization_ref(fund, organization)
        element = cls.sub(parent, tag, **({"ref": ref} if ref else {}), type=ORGANIZATION_TYPES[organization.kind],
                          **attributes)  # fmt: skip
        cls.narratives(element, organization.name)

    @classmethod
    def period(cls, parent: etree._Element, tag: str, start: date, end: date, value: Decimal, currency: str) -> None:
        element = cls.sub(parent, tag, type="1", status="2") if tag == "budget" else cls.sub(parent, tag)
        cls.sub(element, "period-start", iso_date=start.isoformat())
        cls.sub(element, "period-end", iso_date=end.isoformat())
        cls.sub(element, "value", amount(value), currency=currency, value_date=start.isoformat())

    @classmethod
    def transaction(
        cls, parent: etree._Element, kind: str, on: date, value: Decimal, currency: str, *, reference: str = ""
    ) -> etree._Element:
        element = cls.sub(parent, "transaction", ref=reference) if reference else cls.sub(parent, "transaction")
        cls.sub(element, "transaction-type", code=kind)
        cls.sub(element, "transaction-date", iso_date=on.isoformat())
        cls.sub(element, "value", amount(value), currency=currency, value_date=on.isoformat())
        return element


W = Writer


def activities_document(funds: list[Fund]) -> bytes:
    """The IATI 2.03 activity file of the given funds (those without an `iati:` section are left out)."""
    root = etree.Element(
        "iati-activities", {"version": VERSION, "generated-datetime": clock.now().isoformat("T", "seconds")}
    )
    for fund in funds:
        if not publishes(fund):
            continue
        programmes = funded_programmes(fund)
        fund_activity(root, fund, programmes)
        for start in range(0, len(programmes), BATCH):
            batch = loaded_batch(programmes[start : start + BATCH])
            for proposal in batch.proposals:
                programme_activity(root, fund, proposal, batch)
                db.session.expire(proposal)  # lets the batch's rows go
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# Programmes read at once: a handful of statements per batch instead of a dozen per programme (a fund of 20,000
# programmes took minutes), while the batch's rows leave the session's weakly held identity map once written.
BATCH = 500


@dataclass
class Batch:
    """Programmes with everything their activities print, read in a few statements."""

    proposals: list[Proposal]
    programmes: dict[int, Programme]  # by proposal id
    allocations: dict[int, list[Allocation]]  # by proposal id, in id order
    expenditure: dict[int, list[tuple[Allocation, int, Decimal]]]  # by proposal id


def loaded_batch(proposals: list[Proposal]) -> Batch:
    """Load the proposals' participants, places, markers, budget, programme, results framework with accepted
    values, allocations with transfers and expenditure, one statement per kind of row."""
    ids = [p.id for p in proposals]
    loaded = list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.id.in_(ids))
            .options(
                so.selectinload(Proposal.participants),
                so.selectinload(Proposal.countries),
                so.joinedload(Proposal.country),
                so.joinedload(Proposal.lead_organization),
                so.joinedload(Proposal.primary_area),
                so.selectinload(Proposal.markers),
                so.selectinload(Proposal.budget_lines),
            )
            .execution_options(populate_existing=True)
        )
    )
    order = {pid: n for n, pid in enumerate(ids)}
    loaded.sort(key=lambda p: order[p.id])
    programmes = {
        p.proposal_id: p
        for p in db.session.scalars(
            sa.select(Programme)
            .where(Programme.proposal_id.in_(ids))
            .options(
                so.selectinload(Programme.outcomes).selectinload(ProgrammeOutcome.outputs)
                .selectinload(ProgrammeOutput.indicators),
                so.selectinload(Programme.outcomes).selectinload(ProgrammeOutcome.indicators),
                so.selectinload(Programme.periods).selectinload(ReportingPeriod.report)
                .selectinload(ProgressReport.values),
            )
        )
    }  # fmt: skip
    allocations: dict[int, list[Allocation]] = defaultdict(list)
    for allocation in db.session.scalars(
        sa.select(Allocation)
        .where(Allocation.proposal_id.in_(ids))
        .options(so.selectinload(Allocation.transfers))
        .order_by(Allocation.id)
    ):
        allocations[allocation.proposal_id].append(allocation)
    expenditure: dict[int, list[tuple[Allocation, int, Decimal]]] = defaultdict(list)
    for allocation, year, spent in expenditure_by_year([a for rows in allocations.values() for a in rows]):
        expenditure[allocation.proposal_id].append((allocation, year, spent))
    return Batch(loaded, programmes, allocations, expenditure)


def activity_head(root: etree._Element, fund: Fund, identifier: str, hierarchy: str) -> etree._Element:
    spec = fund.iati
    activity = W.sub(
        root,
        "iati-activity",
        last_updated_datetime=clock.now().isoformat(timespec="seconds"),
        default_currency=fund.currency,
        hierarchy=hierarchy,
    )
    activity.set(XML_LANG, LANGUAGES[0])
    W.sub(activity, "iati-identifier", identifier)
    reporting = W.sub(activity, "reporting-org", ref=spec["reporting_org"]["ref"], type=spec["reporting_org"]["type"])
    W.narratives(reporting, spec["reporting_org"]["name"])
    return activity


def fund_activity(root: etree._Element, fund: Fund, programmes: list[Proposal]) -> None:
    """The fund as the parent activity: donors, money in, thematic areas, its programmes."""
    spec, today = fund.iati, clock.today(fund)
    activity = activity_head(root, fund, spec["activity_identifier"], "1")
    W.narratives(W.sub(activity, "title"), fund.name)
    W.narratives(W.sub(activity, "description", type="1"), fund.description)
    contributions = list(
        db.session.scalars(
            sa.select(Contribution).where(Contribution.fund_id == fund.id, Contribution.on_date <= today)
            .order_by(Contribution.on_date, Contribution.id)
        )
    )  # fmt: skip
    for donor in sorted({c.donor for c in contributions}, key=lambda o: o.code):
        W.organization(activity, "participating-org", donor, fund, role=FUNDING)
    reporting_org = spec["reporting_org"]
    extending = W.sub(
        activity, "participating-org", ref=reporting_org["ref"], type=reporting_org["type"], role=EXTENDING
    )
    W.narratives(extending, reporting_org["name"])
    implementers = db.session.scalars(
        sa.select(Organization)
        .where(Organization.id.in_(
            sa.select(Participant.organization_id).join(Proposal, Proposal.id == Participant.proposal_id)
            .where(funded(fund))
        ))
        .order_by(Organization.code)
    )  # fmt: skip
    for organization in implementers:
        W.organization(activity, "participating-org", organization, fund, role=IMPLEMENTING)
    W.sub(activity, "activity-status", code="2")
    # The schema asks for a date: the fund's establishment, else its first contribution (both actual starts),
    # else a planned start of today (a fund loaded but not yet capitalized).
    started = [day for day in (fund.established, *(c.on_date for c in contributions[:1])) if day and day <= today]
    W.sub(activity, "activity-date", type="2" if started else "1", iso_date=min(started, default=today).isoformat())
    W.sub(activity, "activity-scope", code="1")  # global
    for sector in spec["sectors"]:
        W.sub(activity, "sector", vocabulary=DAC_VOCABULARY, code=sector["code"], percentage=sector["percentage"])
    for area in fund.thematic_areas:
        if not area.retired:
            tag = W.sub(activity, "tag", vocabulary=OWN_VOCABULARY, code=area.code, **vocabulary_uri(fund))
            W.narratives(tag, area.name)
    for contribution in contributions:
        kind = INCOMING_COMMITMENT if contribution.kind is ContributionKind.commitment else INCOMING_FUNDS
        transaction = W.transaction(activity, kind, contribution.on_date, contribution.usd_amount, fund.currency,
                                    reference=contribution.reference)  # fmt: skip
        W.organization(transaction, "provider-org", contribution.donor, fund)
    document_link(activity, fund)
    for proposal in programmes:
        W.sub(activity, "related-activity", ref=child_identifier(fund, proposal), type="2")


def vocabulary_uri(fund: Fund) -> dict[str, str]:
    uri = fund.iati.get("thematic_vocabulary_uri")
    return {"vocabulary_uri": uri} if uri else {}


def document_link(activity: etree._Element, fund: Fund, anchor: str = "") -> None:
    link = W.sub(activity, "document-link", format="text/html",
                 url=absolute_url("opendata.fund_page", fund_code=fund.code) + anchor)  # fmt: skip
    W.narratives(W.sub(link, "title"), fund.name)
    W.sub(link, "category", code=DOCUMENT_CATEGORY)
    for language in LANGUAGES:
        W.sub(link, "language", code=language)


def programme_activity(root: etree._Element, fund: Fund, proposal: Proposal, batch: Batch) -> None:
    """One funded programme as a child activity of the fund (read with its batch)."""
    spec, today = fund.iati, clock.today(fund)
    programme = batch.programmes.get(proposal.id)
    allocations = batch.allocations.get(proposal.id, [])
    start, end = programme_dates(proposal, programme)
    activity = activity_head(root, fund, child_identifier(fund, proposal), "2")
    W.narratives(W.sub(activity, "title"), proposal.title)
    if proposal.summary:
        W.narratives(W.sub(activity, "description", type="1"), proposal.summary)
    funder = W.sub(activity, "participating-org", ref=spec["reporting_org"]["ref"], type=spec["reporting_org"]["type"],
                   role=FUNDING, activity_id=spec["activity_identifier"])  # fmt: skip
    W.narratives(funder, fund.name)
    if proposal.lead_organization is not None:
        W.organization(activity, "participating-org", proposal.lead_organization, fund, role=ACCOUNTABLE)
    for participant in sorted(proposal.participants, key=lambda p: p.organization.code):
        W.organization(activity, "participating-org", participant.organization, fund, role=IMPLEMENTING)
    W.sub(activity, "activity-status", code=ACTIVITY_STATUS[proposal.state])
    transfers = [t for a in allocations for t in a.transfers if t.on_date <= today]
    if start:
        W.sub(activity, "activity-date", type="1", iso_date=start.isoformat())
    first_transfer = min((t.on_date for t in transfers), default=None)
    if first_transfer:
        W.sub(activity, "activity-date", type="2", iso_date=first_transfer.isoformat())
    if end:
        W.sub(activity, "activity-date", type="3", iso_date=end.isoformat())
        if proposal.state is ProposalState.closed and end <= today:
            W.sub(activity, "activity-date", type="4", iso_date=end.isoformat())
    recipients(activity, proposal)
    for sector in spec["sectors"]:
        W.sub(activity, "sector", vocabulary=DAC_VOCABULARY, code=sector["code"], percentage=sector["percentage"])
    if proposal.primary_area is not None:
        sector = W.sub(activity, "sector", vocabulary=OWN_VOCABULARY, code=proposal.primary_area.code,
                       percentage="100", **vocabulary_uri(fund))  # fmt: skip
        W.narratives(sector, proposal.primary_area.name)
    policy_markers(activity, fund, proposal)
    if start:
        for year_start, year_end, value in yearly_budget(proposal, start):
            W.period(activity, "budget", year_start, year_end, value, fund.currency)
    programme_transactions(activity, fund, allocations, transfers, batch.expenditure.get(proposal.id, []), today)
    document_link(activity, fund, f"#programme-{proposal.reference}")
    W.sub(activity, "related-activity", ref=spec["activity_identifier"], type="1")
    if programme is not None:
        results(activity, programme)


def policy_markers(activity: etree._Element, fund: Fund, proposal: Proposal) -> None:
    """The programme's ratings on the fund's markers: a marker with a DAC policy marker (the fund's `policy_markers`,
    e.g. gender equality 1) as that marker with the DAC significance of its level; the others in the reporting
    organization's vocabulary (99), named, without a significance (IATI gives one for DAC markers only)."""
    dac = {m["marker"]: m for m in fund.iati.get("policy_markers", [])}
    for rating in sorted(proposal.markers, key=lambda r: r.marker.number):
        if rating.level is None:
            continue
        mapped = dac.get(rating.marker.code)
        if mapped is None:
            element = W.sub(activity, "policy-marker", vocabulary=OWN_VOCABULARY, code=rating.marker.code,
                            **vocabulary_uri(fund))  # fmt: skip
            W.narratives(element, rating.marker.name)
        elif str(rating.level) in mapped["significance"]:
            W.sub(activity, "policy-marker", vocabulary=DAC_VOCABULARY, code=mapped["code"],
                  significance=mapped["significance"][str(rating.level)])  # fmt: skip


def programme_dates(proposal: Proposal, programme: Programme | None) -> tuple[date | None, date | None]:
    """Planned start and end: the established programme's, else the proposal's start and duration."""
    if programme is not None:
        return programme.start_date, programme.end_date
    if proposal.start_date is None:
        return None, None
    return proposal.start_date, add_months(proposal.start_date, proposal.duration_months or 12) - timedelta(days=1)


def recipients(activity: etree._Element, proposal: Proposal) -> None:
    """Recipient countries, else the programme's region (UN M49, IATI region vocabulary 2); shares sum to 100."""
    countries = sorted({c.iso2 for c in [*proposal.countries, *([proposal.country] if proposal.country else [])]})
    if countries:
        shares = split_hundred(len(countries))
        for code, share in zip(countries, shares, strict=True):
            W.sub(activity, "recipient-country", code=code, percentage=share)
    elif proposal.region_code:
        W.sub(activity, "recipient-region", code=proposal.region_code, vocabulary=UN_REGIONS, percentage="100")


def split_hundred(parts: int) -> list[str]:
    """100 percent in `parts` shares of two decimals that sum to exactly 100 (the last one takes the rest)."""
    share = (Decimal(100) / parts).quantize(Decimal("0.01"))
    shares = [share] * (parts - 1)
    return [f"{s:f}" for s in [*shares, Decimal(100) - sum(shares, Decimal(0))]]


def yearly_budget(proposal: Proposal, start: date) -> list[tuple[date, date, Decimal]]:
    """The budget per programme year (direct and indirect costs), each period exactly one year or less."""
    totals = budget_totals(proposal)
    by_year: dict[int, Decimal] = defaultdict(Decimal)
    for participant in totals.participants.values():
        for year, direct in participant.by_year.items():
            by_year[year] += to_cents(direct * (1 + participant.indirect_rate))
    rows = []
    for year in sorted(by_year):
        year_start = add_months(start, 12 * (year - 1))
        rows.append((year_start, add_months(start, 12 * year) - timedelta(days=1), by_year[year]))
    return rows


def programme_transactions(
    activity: etree._Element,
    fund: Fund,
    allocations: list[Allocation],
    transfers: list[Transfer],
    expenditure: list[tuple[Allocation, int, Decimal]],
    today: date,
) -> None:
    """Commitments (allocations), disbursements (transfers) and expenditure reported per organization and year."""
    for allocation in allocations:
        if allocation.decided_on <= today:
            transaction = W.transaction(activity, COMMITMENT, allocation.decided_on, allocation.total, fund.currency,
                                        reference=allocation.reference)  # fmt: skip
            W.organization(transaction, "receiver-org", allocation.organization, fund)
    for transfer in sorted(transfers, key=lambda t: (t.on_date, t.id)):
        transaction = W.transaction(activity, DISBURSEMENT, transfer.on_date, transfer.amount, fund.currency,
                                    reference=transfer.reference)  # fmt: skip
        W.organization(transaction, "receiver-org", transfer.allocation.organization, fund)
    for allocation, year, spent in expenditure:
        on = min(date(year, 12, 31), today)
        transaction = W.transaction(activity, EXPENDITURE, on, spent, fund.currency)
        W.organization(transaction, "provider-org", allocation.organization, fund)


def expenditure_by_year(allocations: list[Allocation]) -> list[tuple[Allocation, int, Decimal]]:
    """Each organization's reported expenditure per year (certified annual figures, else interim ones)."""
    if not allocations:
        return []
    rows = db.session.execute(
        sa.select(Expenditure.allocation_id, Expenditure.year, Expenditure.kind, sa.func.sum(Expenditure.amount))
        .where(Expenditure.allocation_id.in_([a.id for a in allocations]))
        .group_by(Expenditure.allocation_id, Expenditure.year, Expenditure.kind)
    )
    figures: dict[tuple[int, int], list[tuple[int, ExpenditureKind, Decimal]]] = defaultdict(list)
    for allocation_id, year, kind, total in rows:
        figures[(allocation_id, year)].append((year, kind, total))
    by_id = {a.id: a for a in allocations}
    return [
        (by_id[allocation_id], year, fq.reported_total(parts))
        for (allocation_id, year), parts in sorted(figures.items())
        if fq.reported_total(parts)
    ]


def results(activity: etree._Element, programme: Programme) -> None:
    """The programme's results framework: outcomes (2) and outputs (1), each with its indicators."""
    actuals = accepted_actuals(programme)
    for outcome in programme.outcomes:
        result(activity, programme, OUTCOME, outcome.statement, outcome.outcome_indicators, actuals)
        for output in outcome.outputs:
            result(activity, programme, OUTPUT, output.statement, output.indicators, actuals)


def result(
    activity: etree._Element,
    programme: Programme,
    kind: str,
    statement: str,
    indicators: list[ProgrammeIndicator],
    actuals: dict[tuple[int, int], Decimal],
) -> None:
    """One result and its indicators; a result without indicators is left out (IATI requires at least one)."""
    if not indicators:
        return
    element = W.sub(activity, "result", type=kind, aggregation_status="0")
    W.narratives(W.sub(element, "title"), statement)
    for indicator in indicators:
        indicator_element(element, programme, indicator, actuals)


def accepted_actuals(programme: Programme) -> dict[tuple[int, int], Decimal]:
    """(indicator id, period id) -> the actual value of an accepted progress report (what the FMU accepted)."""
    found: dict[tuple[int, int], Decimal] = {}
    for period in programme.periods:
        report = period.report
        if report is None or report.state is not ReportState.accepted:
            continue
        for value in report.values:
            if value.actual is not None:
                found[(value.indicator_id, period.id)] = value.actual
    return found


def indicator_element(
    result: etree._Element, programme: Programme, indicator: ProgrammeIndicator, actuals: dict[tuple[int, int], Decimal]
) -> None:
    element = W.sub(result, "indicator", measure=MEASURES[indicator.measure], ascending="1")
    W.narratives(W.sub(element, "title"), indicator.name)
    if indicator.baseline is not None:
        W.sub(element, "baseline", year=str(programme.start_date.year), iso_date=programme.start_date.isoformat(),
              value=quantity(indicator.baseline))  # fmt: skip
    for period in programme.periods:
        actual = actuals.get((indicator.id, period.id))
        if indicator.target is None and actual is None:
            continue
        period_element = W.sub(element, "period")
        W.sub(period_element, "period-start", iso_date=period.start_date.isoformat())
        W.sub(period_element, "period-end", iso_date=period.end_date.isoformat())
        if indicator.target is not None:
            W.sub(period_element, "target", value=quantity(indicator.target))
        if actual is not None:
            W.sub(period_element, "actual", value=quantity(actual))
