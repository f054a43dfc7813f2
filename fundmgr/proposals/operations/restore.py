"""Undo a removal from a draft: one rule for the results matrix, the budget grid and the partners.

Each operation that takes content away from a draft returns what it took, as plain data (JSON) with a "kind";
the page keeps it (fundmgr/confirmation.py `offer_undo`) and its Undo button brings it here, which puts it back
through the same operations as the pages use (checked and audited there).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr.accounts.models import Organization, User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.proposals.models import NationalPartner, PartnerKind, Proposal
from fundmgr.proposals.operations.budgets import save_budget
from fundmgr.proposals.operations.drafts import set_participants
from fundmgr.proposals.operations.matrix import put_back, restore_matrix_item
from fundmgr.proposals.operations.rights import require_editor

MATRIX_KINDS = ("outcomes", "outputs", "indicators")


def restore_removed(proposal: Proposal, removed: dict[str, Any], *, actor: User) -> None:
    """Put back what a removal from the draft took away, where it stood."""
    require_editor(proposal, actor)
    kind = removed.get("kind")
    if kind in MATRIX_KINDS:
        restore_matrix_item(proposal, removed, actor=actor)
    elif kind == "budget":
        save_budget(proposal, amounts=cells(removed["cells"]), actor=actor)
    elif kind == "organizations":
        restore_organizations(proposal, removed, actor=actor)
    elif kind == "national_partners":
        restore_national_partners(proposal, removed["partners"], actor=actor)
    else:
        raise ValidationFailed([_("There is nothing to undo.")])


def cells(rows: list[list[Any]]) -> dict[tuple[int, int, int], Decimal]:
    return {(int(org), int(category), int(year)): Decimal(amount) for org, category, year, amount in rows}


def restore_organizations(proposal: Proposal, removed: dict[str, Any], *, actor: User) -> None:
    """The organizations that left come back with their indirect rates, indicative amounts and budget lines."""
    lead = proposal.lead_organization
    if lead is None:
        raise ValidationFailed([_("There is nothing to undo.")])
    others = [p.organization for p in proposal.participants if p.organization_id != lead.id]
    returning = [db.session.get(Organization, org_id) for org_id, _rate, _amount in removed["organizations"]]
    set_participants(proposal, lead=lead, organizations=others + [o for o in returning if o is not None], actor=actor)
    participants = {p.organization_id: p for p in proposal.participants}
    for org_id, _rate, amount in removed["organizations"]:
        if org_id in participants and amount:
            participants[org_id].indicative_amount = Decimal(amount)
    rates = {org_id: Decimal(rate) for org_id, rate, _amount in removed["organizations"] if org_id in participants}
    save_budget(proposal, amounts=cells(removed["cells"]), rates=rates, actor=actor)


def restore_national_partners(proposal: Proposal, partners: list[list[Any]], *, actor: User) -> None:
    """The removed national partners come back where they stood in the list."""
    for position, name, kind, role in partners:
        partner = NationalPartner(name=name, kind=PartnerKind(kind), role=role)
        put_back(proposal.national_partners, partner, position + 1)
    for n, partner in enumerate(proposal.national_partners):
        partner.position = n
    db.session.flush()
    record_audit("proposal.national_partners_restored", proposal, actor=actor,
                 after={"restored": [name for _position, name, _kind, _role in partners]})  # fmt: skip
