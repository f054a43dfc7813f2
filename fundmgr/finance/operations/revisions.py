"""Budget revisions: direct costs moved between two budget lines (categories or organizations) of a programme,
never changing the approved total; an approval freezes the revised budget as the proposal's next version and,
between organizations, moves the allocation with it (see changes.py for the request and decision)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit, snapshot
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance.models import Allocation, BudgetRevision
from fundmgr.finance.operations.allocations import Share, add_allocation, earmarked_available
from fundmgr.finance.operations.changes import decide_change, next_number, request_problems
from fundmgr.finance.operations.checks import amount_problems, lock_fund, money
from fundmgr.finance.operations.transfers import give_back
from fundmgr.finance.queries import allocation_money
from fundmgr.funds.queries import active
from fundmgr.i18n import format_percent
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Proposal, ProposalVersion
from fundmgr.proposals.snapshot import ProposalSnapshot
from fundmgr.proposals.versions import BudgetMove, add_version, moved_budget


@dataclass
class RevisionData:
    """What the lead agency asks: direct costs moved from one budget line of a programme year to another."""

    from_organization_id: Any
    from_category: Any
    to_organization_id: Any
    to_category: Any
    year: Any
    amount: Any
    reason: Any

    @property
    def move(self) -> BudgetMove:
        return BudgetMove(
            (self.from_organization_id, self.from_category, self.year),
            (self.to_organization_id, self.to_category, self.year),
            self.amount,
        )


def moved_between_organizations(base: ProposalSnapshot, revised: ProposalSnapshot, organization_id: int) -> Decimal:
    """How much of its total (direct and indirect costs) an organization gives up in the revision."""
    before = next(p.total for p in base.participants if p.organization_id == organization_id)
    after = next(p.total for p in revised.participants if p.organization_id == organization_id)
    return before - after


def left_to_transfer(proposal: Proposal, organization_id: int) -> list[tuple[Allocation, Decimal]]:
    """The organization's allocations of the programme with money not transferred yet, the latest first."""
    allocations = db.session.scalars(
        sa.select(Allocation)
        .where(Allocation.proposal_id == proposal.id, Allocation.organization_id == organization_id)
        .order_by(Allocation.id.desc())
    ).all()
    return [(m.allocation, m.to_transfer) for m in allocation_money(allocations) if m.to_transfer > 0]


def revised_snapshot(proposal: Proposal, base: ProposalVersion, data: RevisionData) -> tuple[ProposalSnapshot | None,
                                                                                                list[str]]:  # fmt: skip
    """The revised budget, or everything wrong with the move."""
    problems = []
    organizations = {p.organization_id for p in base.snapshot.participants}
    categories = {c.code for c in active(proposal.fund.budget_categories)}
    if data.from_organization_id not in organizations or data.to_organization_id not in organizations:
        problems.append(_("Choose the programme's Participating UN Organizations."))
    if data.from_category not in categories or data.to_category not in categories:
        problems.append(_("Choose the budget categories."))
    if not isinstance(data.year, int) or not 1 <= data.year <= base.snapshot.budget.years:
        problems.append(_("Choose a year of the programme's budget."))
    problems += amount_problems(data.amount, _("The amount"))
    if problems:
        return None, problems
    if data.move.source == data.move.target:
        return None, [_("Move the amount to another budget line.")]
    try:
        revised = moved_budget(base.snapshot, data.move)
    except ValueError:
        holds_less = _(
            "The budget line moved from holds less than %(amount)s.", amount=money(data.amount, proposal.fund)
        )
        return None, [holds_less]
    if revised.totals.total != base.snapshot.totals.total:
        return None, [
            _("The move would change the approved total by %(difference)s (the organizations' indirect cost rates "
              "differ): adjust the amount.", difference=money(revised.totals.total - base.snapshot.totals.total,
                                                               proposal.fund))
        ]  # fmt: skip
    moved = moved_between_organizations(base.snapshot, revised, data.from_organization_id)
    available = sum((left for _a, left in left_to_transfer(proposal, data.from_organization_id)), Decimal(0))
    if moved > available:
        return None, [
            _("Only %(available)s of the organization's allocations is not transferred yet; %(moved)s cannot move.",
              available=money(available, proposal.fund), moved=money(moved, proposal.fund))
        ]  # fmt: skip
    return revised, []


def request_revision(proposal: Proposal, data: RevisionData, *, actor: User) -> BudgetRevision:
    """The lead agency asks to move direct costs between two budget lines of its programme, with its reason."""
    if not proposal.is_lead(actor):
        raise NotAllowed(_("Only the lead organization's staff ask for a budget revision."))
    proposal_ops.lock_proposal(proposal)
    base = proposal.latest_version
    assert base is not None  # a funded programme has its approved version
    problems = request_problems(BudgetRevision, proposal, data.reason, _("Give the reason for the revision."))
    problems += revised_snapshot(proposal, base, data)[1]
    if problems:
        raise ValidationFailed(problems)
    revision = BudgetRevision(
        fund_id=proposal.fund_id,
        proposal_id=proposal.id,
        number=next_number(BudgetRevision, proposal),
        base_version_id=base.id,
        from_organization_id=data.from_organization_id,
        from_category=data.from_category,
        to_organization_id=data.to_organization_id,
        to_category=data.to_category,
        year=data.year,
        amount=data.amount,
        reason=data.reason.strip(),
        requested_by_id=actor.id,
    )
    db.session.add(revision)
    db.session.flush()
    summary = f"{revision.display_name} {money(data.amount, proposal.fund)}"
    record_audit(
        "budget_revision.requested", revision, actor=actor, after=snapshot(revision), fund_id=proposal.fund_id,
        summary=summary,
    )  # fmt: skip
    return revision


def data_of(revision: BudgetRevision) -> RevisionData:
    return RevisionData(revision.from_organization_id, revision.from_category, revision.to_organization_id,
                        revision.to_category, revision.year, revision.amount, revision.reason)  # fmt: skip


def decide_revision(
    revision: BudgetRevision, *, decision: str, note: str, actor: User | None, reference: str = "",
    decided_on: date | None = None,
) -> ProposalVersion | None:  # fmt: skip
    """The FMU approves, refuses or (above the fund's share, where it must) forwards the request to the Steering
    Committee; an approval freezes the revised budget as the proposal's next version (returned)."""
    fund = revision.proposal.fund
    return decide_change(
        revision, decision=decision, note=note, actor=actor, reference=reference, decided_on=decided_on,
        for_committee=_("A revision moving more than %(share)s of the budget is decided by the Steering Committee: "
                        "forward it.", share=format_percent(fund.revision_committee_share, 0)),
        for_fmu=_("The FMU decides a revision this small itself."),
        carry_out=lambda day: carry_out_revision(revision, day, reference, actor),
    )  # fmt: skip


def carry_out_revision(
    revision: BudgetRevision, decided_on: date, reference: str, actor: User | None
) -> ProposalVersion:
    """Freeze the revised budget as the next version; between organizations, release the moved amount from the
    giving organization's allocations (the latest first) and allocate it to the receiving one."""
    proposal = revision.proposal
    if proposal.latest_version is None or proposal.latest_version.id != revision.base_version_id:
        raise ValidationFailed([_("The budget has changed since the request: it must be asked again.")])
    lock_fund(proposal.fund)
    revised, problems = revised_snapshot(proposal, revision.base_version, data_of(revision))
    if revised is None:
        raise ValidationFailed(problems)
    version = add_version(proposal, revised, actor=revision.requested_by)
    revision.version_id = version.id
    if revision.from_organization_id != revision.to_organization_id:
        moved = moved_between_organizations(revision.base_version.snapshot, revised, revision.from_organization_id)
        left = moved
        for allocation, available in left_to_transfer(proposal, revision.from_organization_id):
            part = min(left, available)
            give_back(allocation, part, decided_on, reference, actor=actor)
            released = {"released": part, "reference": reference.strip()}
            record_audit(
                "allocation.released", allocation, actor=actor, after=released, summary=money(part, proposal.fund)
            )
            left -= part
            if not left:
                break
        gained = next(p for p in revised.participants if p.organization_id == revision.to_organization_id)
        before = next(p for p in revision.base_version.snapshot.participants
                      if p.organization_id == revision.to_organization_id)  # fmt: skip
        share = Share(revision.to_organization_id, gained.direct - before.direct, gained.indirect - before.indirect)
        add_allocation(proposal, version.id, share, earmarked_available(proposal, moved), decided_on=decided_on,
                       reference=reference, actor=actor)  # fmt: skip
    return version
