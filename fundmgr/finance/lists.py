"""The finance pages' lists (the list component, fundmgr/lists.py): ledger entries, contributions, programmes' money.

Sums a page shows under a list are the filtered list's (`Listing.total`, in SQL): they do not change with the page.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fundmgr.accounts.models import Organization, OrganizationKind
from fundmgr.db import db
from fundmgr.finance.models import Contribution, ContributionKind, EntryKind, LedgerEntry
from fundmgr.finance.queries import ALLOCATION_KINDS
from fundmgr.funds.models import ThematicArea
from fundmgr.funds.queries import area_choices
from fundmgr.lists import Column, Filter, ListSpec, enum_filter, enum_order, is_db_int, scalar
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalState
from fundmgr.proposals.queries import state_order
from fundmgr.web import db_int


def area_filter(column: Any) -> Filter:
    """The earmark (thematic area) of the row."""
    return Filter("area", _l("Earmark"), lambda q, v, _f: q.where(column == db_int(v)), area_choices, valid=is_db_int)


def proposal_reference(column: Any) -> Any:
    return sa.select(Proposal.reference).where(Proposal.id == column).scalar_subquery()


def entry_party() -> tuple[Any, ...]:
    """The programme's reference, else the donor's code (through the contribution)."""
    donor = (
        sa.select(Organization.code)
        .join(Contribution, Contribution.donor_id == Organization.id)
        .where(Contribution.id == LedgerEntry.contribution_id)
        .scalar_subquery()
    )
    return (sa.func.coalesce(proposal_reference(LedgerEntry.proposal_id), donor),)


def party_text(entry: LedgerEntry) -> str:
    if entry.proposal is not None:
        return entry.proposal.reference
    return entry.contribution.donor.label if entry.contribution is not None else ""


# Every entry of the fund's ledger: newest first. Entries are never changed (corrections are new entries).
LEDGER = ListSpec(
    name="ledger",
    columns=(
        Column("date", _l("Date"), (LedgerEntry.on_date,), lambda e: e.on_date, first="desc"),
        Column("kind", _l("Kind"), enum_order(LedgerEntry.kind, EntryKind), lambda e: str(e.kind.title)),
        Column("amount", _l("Amount"), (LedgerEntry.amount,), lambda e: e.amount, first="desc", css="money"),
        Column("earmark", _l("Earmark"), scalar(ThematicArea.code, ThematicArea.id, LedgerEntry.area_id),
               lambda e: e.area.code if e.area else ""),
        Column("party", _l("Programme or donor"), entry_party, party_text),
        Column("reference", _l("Reference"), (LedgerEntry.reference,), lambda e: e.reference),
        Column("note", _l("Note"), value=lambda e: e.note, shown=False),
    ),
    default_sort="date",
    tiebreak=(LedgerEntry.id,),
    search=(LedgerEntry.reference, LedgerEntry.note, proposal_reference(LedgerEntry.proposal_id)),
    search_label=_l("Words in the reference, note or programme reference"),
    filters=(enum_filter("kind", _l("Kind"), LedgerEntry.kind, EntryKind), area_filter(LedgerEntry.area_id)),
)  # fmt: skip


def donor_choices(_fund: Any) -> list[tuple[str, str]]:
    donors = db.session.scalars(sa.select(Organization).where(Organization.kind == OrganizationKind.donor))
    return sorted(((str(d.id), d.label) for d in donors), key=lambda choice: choice[1].casefold())


def contribution_kind_text(c: Contribution) -> str:
    return str(c.kind.title)


# Donors' commitments and deposits, newest first; a corrected entry stays next to its reversal and replacement.
CONTRIBUTIONS = ListSpec(
    name="contributions",
    columns=(
        Column("date", _l("Date"), (Contribution.on_date,), lambda c: c.on_date, first="desc"),
        Column("donor", _l("Donor"), scalar(Organization.code, Organization.id, Contribution.donor_id),
               lambda c: c.donor.label),
        Column("kind", _l("Kind"), enum_order(Contribution.kind, ContributionKind), contribution_kind_text),
        Column("currency", _l("Currency"), (Contribution.currency,), lambda c: c.currency, shown=False),
        Column("amount", _l("Amount"), (Contribution.amount,), lambda c: c.amount, first="desc", css="money"),
        Column("rate", _l("Rate"), (Contribution.rate_to_usd,), lambda c: c.rate_to_usd, first="desc", css="money"),
        Column("usd", _l("Amount in the fund's currency"), (Contribution.usd_amount,), lambda c: c.usd_amount,
               first="desc", css="money"),
        Column("earmark", _l("Earmark"), scalar(ThematicArea.code, ThematicArea.id, Contribution.area_id),
               lambda c: c.area.code if c.area else ""),
        Column("agreement", _l("Agreement"), (Contribution.reference,), lambda c: c.reference),
    ),
    default_sort="date",
    tiebreak=(Contribution.id,),
    search=(Contribution.reference, Contribution.note,
            sa.select(Organization.code).where(Organization.id == Contribution.donor_id).scalar_subquery()),
    search_label=_l("Words in the agreement, note or donor"),
    filters=(
        enum_filter("kind", _l("Kind"), Contribution.kind, ContributionKind),
        Filter("donor", _l("Donor"), lambda q, v, _f: q.where(Contribution.donor_id == db_int(v)), donor_choices,
               valid=is_db_int),
        area_filter(Contribution.area_id),
    ),
)  # fmt: skip


def net_of(*kinds: EntryKind) -> Any:
    """A programme's net amount of these ledger kinds, positive (allocated, transferred), as a correlated
    subquery in SQL, so the list sorts by it."""
    total = (
        sa.select(sa.func.sum(LedgerEntry.amount))
        .where(LedgerEntry.proposal_id == Proposal.id, LedgerEntry.kind.in_(kinds))
        .scalar_subquery()
    )
    return -sa.func.coalesce(total, 0)


def allocated() -> tuple[Any, ...]:
    return (net_of(*ALLOCATION_KINDS),)


def transferred() -> tuple[Any, ...]:
    return (net_of(EntryKind.transfer, EntryKind.refund),)


def to_transfer() -> tuple[Any, ...]:
    return (net_of(*ALLOCATION_KINDS) - net_of(EntryKind.transfer, EntryKind.refund),)


def funded_state_choices(_fund: Any) -> list[tuple[str, str]]:
    return [(s.value, str(s.title)) for s in ProposalState if s in FUNDED_STATES]


# Funded programmes with what was allocated and transferred to each (rows: the programmes' ProgrammeMoney).
PROGRAMME_MONEY = ListSpec(
    name="programme-money",
    columns=(
        Column("programme", _l("Programme"), (Proposal.reference,), lambda m: m.proposal.reference),
        Column("title", _l("Title"), (Proposal.title,), lambda m: m.proposal.title, shown=False),
        Column("lead", _l("Lead"), scalar(Organization.code, Organization.id, Proposal.lead_organization_id),
               lambda m: m.proposal.lead_organization.label if m.proposal.lead_organization else ""),
        Column("area", _l("Thematic area"), scalar(ThematicArea.number, ThematicArea.id, Proposal.primary_area_id),
               lambda m: m.proposal.primary_area.number if m.proposal.primary_area else ""),
        Column("state", _l("State"), state_order, lambda m: str(m.proposal.state.title)),
        Column("allocated", _l("Allocated"), allocated, lambda m: m.allocated, first="desc", css="money"),
        Column("transferred", _l("Transferred"), transferred, lambda m: m.transferred, first="desc", css="money"),
        Column("to_transfer", _l("To transfer"), to_transfer, lambda m: m.to_transfer, first="desc", css="money"),
    ),
    default_sort="programme",
    tiebreak=(Proposal.id,),
    search=(Proposal.reference, Proposal.title),
    search_label=_l("Words in the title or reference"),
    filters=(
        Filter("state", _l("State"), lambda q, v, _f: q.where(Proposal.state == ProposalState(v)),
               funded_state_choices, valid=lambda v: v in {s.value for s in FUNDED_STATES}),
        Filter("area", _l("Thematic area"), lambda q, v, _f: q.where(Proposal.primary_area_id == db_int(v)),
               area_choices, valid=is_db_int),
    ),
)  # fmt: skip
