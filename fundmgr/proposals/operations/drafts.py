"""A draft proposal: its creation, details, participating organizations and markers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from fundmgr.accounts.models import Organization, Role, User
from fundmgr.audit import record_audit
from fundmgr.db import CENT, db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.models import Country, Fund, GuidingPrinciple, Objective, ThematicArea
from fundmgr.funds.queries import active
from fundmgr.funds.rights import require_person_with_role
from fundmgr.numbers import AREA_SHARE, number_text
from fundmgr.proposals.models import (
    HUNDRED,
    Participant,
    Proposal,
    ProposalArea,
    ProposalCounter,
    ProposalMarker,
    ProposalStage,
    ProposalState,
)
from fundmgr.proposals.operations.budgets import refresh_total
from fundmgr.proposals.operations.lifecycle import lock_proposal
from fundmgr.proposals.operations.rights import require_editor, text_problem
from fundmgr.proposals.versions import details_of
from fundmgr.storage import delete_after_commit

MAX_DURATION_MONTHS = 240
CONCEPT_SUFFIX = "-CN"
ZERO = Decimal(0)


# --- Creating a draft and its details -------------------------------------------------------------


@dataclass
class ProposalDetails:
    """What the details form of a proposal holds, as objects of the fund."""

    title: str
    summary: str = ""
    country: Country | None = None
    region_code: str | None = None
    countries: list[Country] = field(default_factory=list)
    primary_area: ThematicArea | None = None
    # the primary area's share in percent (100 when it is the only one) and the other areas with theirs
    primary_share: Decimal = HUNDRED
    other_areas: list[tuple[ThematicArea, Decimal]] = field(default_factory=list)
    objectives: list[Objective] = field(default_factory=list)
    principles: list[GuidingPrinciple] = field(default_factory=list)
    duration_months: int | None = None
    start_date: date | None = None
    government_endorsement: bool = False


def next_reference(fund: Fund, year: int) -> str:
    """The next reference of the fund for the year, e.g. MIG-2026-0042; concurrent drafts never share one."""
    counter = locked_counter(fund, year)
    if counter is None:
        try:
            with db.session.begin_nested():
                db.session.add(ProposalCounter(fund_id=fund.id, year=year, last_number=0))
        except IntegrityError:
            pass  # another transaction created it first; the lock below waits for it
        counter = locked_counter(fund, year)
        assert counter is not None  # created just above, by this transaction or another
    counter.last_number += 1
    return f"{fund.code}-{year}-{counter.last_number:04d}"


def locked_counter(fund: Fund, year: int) -> ProposalCounter | None:
    return db.session.scalar(
        sa.select(ProposalCounter)
        .where(ProposalCounter.fund_id == fund.id, ProposalCounter.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def create_proposal(
    fund: Fund, details: ProposalDetails, *, actor: User, stage: ProposalStage = ProposalStage.concept_note
) -> Proposal:
    """Start a draft concept note led by the actor's organization (its reference, MIG-2026-0042-CN, is given at the
    first submission).

    A programme document is opened from a selected concept note (operations.stages); `stage` makes one directly
    only for the demo, which derives the concept notes of its programmes afterwards as the migration did."""
    require_person_with_role(actor, fund, Role.agency)
    if actor.organization_id not in {o.id for o in fund.participating_organizations}:
        raise NotAllowed(
            _(
                "Your organization is not one of the %(organizations)s of this fund.",
                organizations=fund.participants_label,
            )
        )
    proposal = Proposal(
        fund=fund,
        stage=stage,
        title="",
        created_by=actor,
        lead_organization_id=actor.organization_id,
    )
    proposal.participants.append(
        Participant(organization_id=actor.organization_id, indirect_rate=fund.indirect_cost_rate)
    )
    db.session.add(proposal)
    apply_details(proposal, details)
    db.session.flush()
    record_audit("proposal.created", proposal, actor=actor, after=audited_details(proposal), summary=proposal.title)
    return proposal


def audited_details(proposal: Proposal) -> dict[str, Any]:
    """The details as the audit trail records them: with the thematic areas' shares."""
    return {**details_of(proposal), "area_shares": {a.code: str(share) for a, share in proposal.area_shares}}


def details_problems(proposal: Proposal, details: ProposalDetails) -> list[str]:
    """What makes the details ill-formed (rules that only submission checks are left out)."""
    fund = proposal.fund
    problems = []
    if not details.title.strip():
        problems.append(_("The title is required."))
    problems += text_problem(details.title.strip(), _("The title"), 300)
    problems += text_problem(details.summary, _("The summary"))
    if details.country is not None and details.region_code is not None:
        problems.append(_("Choose either one country or a region with several countries, not both."))
    if details.countries and details.region_code is None:
        problems.append(_("Choose the region of a multi-country programme."))
    foreign = [
        item
        for item in [
            details.primary_area,
            *(a for a, _s in details.other_areas),
            *details.objectives,
            *details.principles,
        ]
        if item is not None and item.fund_id != fund.id
    ]
    if foreign:
        problems.append(_("Choose thematic areas, objectives and principles of this fund."))
    problems += area_share_problems(details)
    if details.duration_months is not None and not 1 <= details.duration_months <= MAX_DURATION_MONTHS:
        problems.append(_("The duration is a number of months between 1 and %(n)d.", n=MAX_DURATION_MONTHS))
    return problems


def area_share_problems(details: ProposalDetails) -> list[str]:
    """What is wrong with the thematic areas' shares: each above 0 and at most 100 with two decimals at most,
    no area twice, other areas only beside a primary one, all adding up to 100%."""
    other = [area for area, _share in details.other_areas]
    if other and details.primary_area is None:
        return [_("Choose the primary thematic area before other areas.")]
    if details.primary_area is None:
        return []
    problems = []
    shares = [details.primary_share, *(share for _area, share in details.other_areas)]
    if any(not ZERO < share <= HUNDRED or share != share.quantize(CENT) for share in shares):
        problems.append(
            _("Each thematic area's share is a percentage above 0 and at most 100, with two decimals at most.")
        )
    if len({area.id for area in [details.primary_area, *other]}) != len(other) + 1:
        problems.append(_("Name each thematic area once."))
    total = sum(shares, ZERO)
    if total != HUNDRED:
        problems.append(
            _(
                "The shares of the thematic areas add up to %(total)s%%; they must add up to 100%%.",
                total=number_text(total, AREA_SHARE),
            )
        )
    return problems


def apply_details(proposal: Proposal, details: ProposalDetails) -> None:
    problems = details_problems(proposal, details)
    if problems:
        raise ValidationFailed(problems)
    proposal.title = details.title.strip()
    proposal.summary = details.summary.strip()
    proposal.country = details.country
    proposal.region_code = details.region_code
    proposal.countries = list(details.countries) if details.region_code else []
    proposal.primary_area = details.primary_area
    areas = [(details.primary_area, details.primary_share), *details.other_areas] if details.primary_area else []
    kept = {row.area_id: row for row in proposal.area_rows}
    proposal.area_rows = [kept.get(area.id) or ProposalArea(area_id=area.id) for area, _share in areas]
    for row, (_area, share) in zip(proposal.area_rows, areas, strict=True):
        row.share = share
    proposal.objectives = sorted(set(details.objectives), key=lambda o: o.number)
    proposal.principles = sorted(set(details.principles), key=lambda p: p.number)
    proposal.duration_months = details.duration_months
    proposal.start_date = details.start_date
    proposal.government_endorsement = details.government_endorsement


def update_details(proposal: Proposal, details: ProposalDetails, *, actor: User) -> None:
    """Change a draft's title, summary, place, alignment, duration, start and endorsement."""
    require_editor(proposal, actor)
    before = audited_details(proposal)
    apply_details(proposal, details)
    refresh_total(proposal)  # the duration decides which years count
    db.session.flush()
    record_audit("proposal.details_updated", proposal, actor=actor, before=before, after=audited_details(proposal))


# --- Participating organizations ------------------------------------------------------------------


def participants_state(proposal: Proposal) -> dict[str, Any]:
    return {
        "lead": proposal.lead_organization.code if proposal.lead_organization else None,
        "participants": {p.organization.code: p.indirect_rate for p in proposal.participants},
    }


def set_participants(
    proposal: Proposal, *, lead: Organization, organizations: list[Organization], actor: User
) -> dict[str, Any] | None:
    """Set the lead and the other participating organizations; an organization that leaves takes its budget.
    Returns the organizations that left, with their rates and budget lines, for `restore_removed` (or None)."""
    require_editor(proposal, actor)
    eligible = {o.id for o in proposal.fund.participating_organizations}
    wanted = {lead.id: lead} | {o.id: o for o in organizations}
    ineligible = sorted(o.label for o in wanted.values() if o.id not in eligible)
    if ineligible:
        raise ValidationFailed(
            [_("These organizations cannot take part in this fund: %(orgs)s.", orgs=", ".join(ineligible))]
        )
    before = participants_state(proposal)
    current = {p.organization_id: p for p in proposal.participants}
    left: dict[str, Any] = {"kind": "organizations", "organizations": [], "cells": []}
    for org in sorted(wanted.values(), key=lambda o: (o.id != lead.id, o.code)):
        if org.id not in current:
            proposal.participants.append(Participant(organization=org, indirect_rate=proposal.fund.indirect_cost_rate))
    for org_id, participant in current.items():
        if org_id not in wanted:
            left["organizations"].append([org_id, str(participant.indirect_rate), str(participant.indicative_amount
                                                                                     or "")])  # fmt: skip
            proposal.participants.remove(participant)
            for line in [ln for ln in proposal.budget_lines if ln.organization_id == org_id]:
                left["cells"].append([line.organization_id, line.category_id, line.year, str(line.amount)])
                proposal.budget_lines.remove(line)
    proposal.lead_organization = lead
    refresh_total(proposal)
    db.session.flush()
    record_audit(
        "proposal.participants_updated", proposal, actor=actor, before=before, after=participants_state(proposal)
    )
    return left if left["organizations"] else None


# --- Markers --------------------------------------------------------------------------------------


def save_markers(proposal: Proposal, ratings: dict[int, tuple[int | None, str]], *, actor: User) -> None:
    """Rate the proposal on each marker of the fund (marker id -> level or None, justification)."""
    require_editor(proposal, actor)
    markers = active(proposal.fund.markers)
    problems = []
    for marker in markers:
        level, justification = ratings.get(marker.id, (None, ""))
        if level is not None and level not in marker.values:
            problems.append(_("The %(marker)s has no level %(level)d.", marker=marker.label, level=level))
        problems += text_problem(justification, marker.label)
    if problems:
        raise ValidationFailed(problems)
    before = {m.marker.code: {"level": m.level, "justification": m.justification} for m in proposal.markers}
    current = {m.marker_id: m for m in proposal.markers}
    for marker in markers:
        level, justification = ratings.get(marker.id, (None, ""))
        rating = current.get(marker.id)
        if rating is None:
            rating = ProposalMarker(marker=marker)
            proposal.markers.append(rating)
        rating.level = level
        rating.justification = justification.strip()
    db.session.flush()
    after = {m.marker.code: {"level": m.level, "justification": m.justification} for m in proposal.markers}
    record_audit("proposal.markers_updated", proposal, actor=actor, before=before, after=after)


def delete_draft(proposal: Proposal, *, actor: User) -> None:
    """Delete a draft that was never submitted, with its content and files; the audit log keeps what it held."""
    if not proposal.can_delete(actor):
        raise NotAllowed(_("Only the draft’s author or staff of its lead organization may delete it."))
    lock_proposal(proposal)
    if proposal.state is not ProposalState.draft or proposal.version_count:
        raise InvalidTransition(_("Only a draft that was never submitted can be deleted."))
    record_audit("proposal.draft_deleted", proposal, actor=actor, before=details_of(proposal), summary=proposal.title)
    for attachment in list(proposal.attachments):
        delete_after_commit(attachment.storage_key)  # nothing keeps a draft's files: no version was ever frozen
        db.session.delete(attachment)
    db.session.delete(proposal)  # its participants, markers, budget and matrix go with it
    db.session.flush()
