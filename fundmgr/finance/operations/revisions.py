"""Budget revisions: direct costs moved between several budget lines (organization, category, programme year) of a
programme at once, never changing the approved total; an approval freezes the revised budget as the proposal's next
version and, between organizations, moves the allocations with it (see changes.py for the request and decision)."""

from __future__ import annotations

from collections import defaultdict
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
from fundmgr.finance.models import Allocation, BudgetRevision, BudgetRevisionLine
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
from fundmgr.proposals.versions import add_version, revised_budget

MAX_LINES = 40


@dataclass
class LineData:
    """One budget line the request changes: the direct costs of an organization, category and programme year go up
    (a positive amount) or down (a negative one)."""

    organization_id: Any
    category: Any
    year: Any
    amount: Any
    number: int | None = None  # the row it was typed on, which the problems name (else its place in the list)

    @property
    def key(self) -> tuple[Any, Any, Any]:
        return (self.organization_id, self.category, self.year)


@dataclass
class RevisionData:
    """What the lead agency asks: several budget lines changed at once, adding up to zero, and why."""

    lines: list[LineData]
    reason: Any


def moved_between_organizations(base: ProposalSnapshot, revised: ProposalSnapshot, organization_id: int) -> Decimal:
    """How much of its total (direct and indirect costs) an organization gives up in the revision (negative: gains)."""
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


def line_problems(proposal: Proposal, base: ProposalVersion, lines: list[LineData]) -> list[str]:
    """Everything wrong with the lines themselves (each named by its number), all at once."""
    problems: list[str] = []
    organizations = {p.organization_id for p in base.snapshot.participants}
    categories = {c.code for c in active(proposal.fund.budget_categories)}
    years = base.snapshot.budget.years
    if len(lines) < 2:
        problems.append(_("Change at least two budget lines: what one gives, another receives."))
    if len(lines) > MAX_LINES:
        problems.append(_("A revision changes at most %(count)d budget lines.", count=MAX_LINES))
    seen: set[tuple[Any, Any, Any]] = set()
    for place, line in enumerate(lines, start=1):
        number = line.number or place
        own = []
        if line.organization_id not in organizations:
            own.append(_("choose one of the programme's organizations"))
        if line.category not in categories:
            own.append(_("choose a budget category"))
        if not isinstance(line.year, int) or isinstance(line.year, bool) or not 1 <= line.year <= years:
            own.append(_("choose a year of the programme's budget"))
        amount = line.amount
        if isinstance(amount, Decimal) and amount.is_finite() and amount < 0:
            amount = -amount
        own += [p[:1].lower() + p[1:] for p in amount_problems(amount, _("The amount"))]
        if not own and line.key in seen:
            own.append(_("the same budget line is changed twice"))
        seen.add(line.key)
        if own:
            problems.append(_("Line %(number)d: %(problems)s.", number=number,
                              problems="; ".join(p.rstrip(".") for p in own)))  # fmt: skip
    return problems


def revised_snapshot(
    proposal: Proposal, base: ProposalVersion, lines: list[LineData]
) -> tuple[ProposalSnapshot | None, list[str]]:
    """The revised budget, or everything wrong with the lines, all at once."""
    problems = line_problems(proposal, base, lines)
    if problems:
        return None, problems
    fund = proposal.fund
    net = sum((line.amount for line in lines), Decimal("0.00"))
    if net != 0:
        problems.append(_("The lines add up to %(net)s: what the revision takes from some lines must be added to "
                          "others, to the cent.", net=money(net, fund)))  # fmt: skip
    held = {(ln.organization_id, ln.category, ln.year): ln.amount for ln in base.snapshot.budget.lines}
    codes = {p.organization_id: p.code for p in base.snapshot.participants}
    labels = {c.code: c.label for c in fund.budget_categories}
    for place, line in enumerate(lines, start=1):
        number = line.number or place
        before = held.get(line.key, Decimal("0.00"))
        if before + line.amount < 0:
            problems.append(_("Line %(number)d: the budget line (%(organization)s, %(category)s, year %(year)d) holds "
                              "%(held)s; %(amount)s cannot be taken from it.", number=number,
                              organization=codes[line.organization_id], category=labels[line.category],
                              year=line.year, held=money(before, fund), amount=money(-line.amount, fund)))  # fmt: skip
    if problems:
        return None, problems
    revised = revised_budget(base.snapshot, {line.key: line.amount for line in lines})
    if revised.totals.total != base.snapshot.totals.total:
        problems.append(
            _("The revision would change the approved total by %(difference)s (the organizations' indirect cost rates "
              "differ): adjust the amounts.", difference=money(revised.totals.total - base.snapshot.totals.total,
                                                                fund))
        )  # fmt: skip
    # the rule of every revision: an organization gives up only money not transferred to it yet
    for organization_id in sorted({line.organization_id for line in lines}, key=lambda o: codes[o]):
        moved = moved_between_organizations(base.snapshot, revised, organization_id)
        if moved <= 0:
            continue
        available = sum((left for _a, left in left_to_transfer(proposal, organization_id)), Decimal(0))
        if moved > available:
            problems.append(
                _("%(organization)s: only %(available)s of its allocations is not transferred yet; %(moved)s cannot "
                  "move.", organization=codes[organization_id], available=money(available, fund),
                  moved=money(moved, fund))
            )  # fmt: skip
    return (None, problems) if problems else (revised, [])


def request_revision(proposal: Proposal, data: RevisionData, *, actor: User) -> BudgetRevision:
    """The lead agency asks to move direct costs between budget lines of its programme (several at once), with its
    reason."""
    if not proposal.is_lead(actor):
        raise NotAllowed(_("Only the lead organization's staff ask for a budget revision."))
    proposal_ops.lock_proposal(proposal)
    base = proposal.latest_version
    assert base is not None  # a funded programme has its approved version
    problems = request_problems(BudgetRevision, proposal, data.reason, _("Give the reason for the revision."))
    problems += revised_snapshot(proposal, base, data.lines)[1]
    if problems:
        raise ValidationFailed(problems)
    revision = BudgetRevision(
        fund_id=proposal.fund_id,
        proposal_id=proposal.id,
        number=next_number(BudgetRevision, proposal),
        base_version_id=base.id,
        reason=data.reason.strip(),
        requested_by_id=actor.id,
        lines=[
            BudgetRevisionLine(organization_id=ln.organization_id, category=ln.category, year=ln.year,
                               amount=ln.amount)
            for ln in data.lines
        ],
    )  # fmt: skip
    db.session.add(revision)
    db.session.flush()
    summary = f"{revision.display_name} {money(revision.amount, proposal.fund)}"
    record_audit(
        "budget_revision.requested", revision, actor=actor, after=snapshot(revision) | {"lines": lines_of(revision)},
        fund_id=proposal.fund_id, summary=summary,
    )  # fmt: skip
    return revision


def lines_of(revision: BudgetRevision) -> list[dict[str, Any]]:
    """The request's lines as the audit keeps them."""
    return [{"organization_id": ln.organization_id, "category": ln.category, "year": ln.year, "amount": ln.amount}
            for ln in revision.lines]  # fmt: skip


def data_of(revision: BudgetRevision) -> list[LineData]:
    return [LineData(ln.organization_id, ln.category, ln.year, ln.amount) for ln in revision.lines]


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
    """Freeze the revised budget as the next version; between organizations, release what each giving organization
    gives up from its allocations (the latest first), then allocate to each receiving one what it gains."""
    proposal = revision.proposal
    if proposal.latest_version is None or proposal.latest_version.id != revision.base_version_id:
        raise ValidationFailed([_("The budget has changed since the request: it must be asked again.")])
    lock_fund(proposal.fund)
    base = revision.base_version.snapshot
    revised, problems = revised_snapshot(proposal, revision.base_version, data_of(revision))
    if revised is None:
        raise ValidationFailed(problems)
    version = add_version(proposal, revised, actor=revision.requested_by)
    revision.version_id = version.id
    changed: dict[int, Decimal] = defaultdict(Decimal)
    for participant in base.participants:
        changed[participant.organization_id] = moved_between_organizations(base, revised, participant.organization_id)
    for organization_id, moved in sorted(changed.items()):
        left = moved
        for allocation, available in left_to_transfer(proposal, organization_id) if moved > 0 else []:
            part = min(left, available)
            give_back(allocation, part, decided_on, reference, actor=actor)
            released = {"released": part, "reference": reference.strip()}
            record_audit(
                "allocation.released", allocation, actor=actor, after=released, summary=money(part, proposal.fund)
            )
            left -= part
            if not left:
                break
    for organization_id, moved in sorted(changed.items()):
        if moved >= 0:
            continue
        gained = next(p for p in revised.participants if p.organization_id == organization_id)
        before = next(p for p in base.participants if p.organization_id == organization_id)
        share = Share(organization_id, gained.direct - before.direct, gained.indirect - before.indirect)
        add_allocation(proposal, version.id, share, earmarked_available(proposal, -moved), decided_on=decided_on,
                       reference=reference, actor=actor)  # fmt: skip
    return version
