"""Freezing a proposal into an immutable version: the snapshot everything later relies on.

`snapshot_of` is the one place a snapshot is built from a proposal (its schema is
fundmgr.proposals.snapshot.ProposalSnapshot). Steering scores it, finance allocates from its
participants' totals, results builds the programme's live matrix from its matrix.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.db import db, to_cents
from fundmgr.funds import queries as fq
from fundmgr.funds.models import Fund
from fundmgr.proposals.budget import budget_totals
from fundmgr.proposals.models import MatrixIndicator, MatrixOutcome, MatrixOutput, Proposal, ProposalVersion
from fundmgr.proposals.snapshot import SCHEMA_VERSION, Indicator, Outcome, Output, ProposalSnapshot


def indicator_of(indicator: MatrixIndicator) -> Indicator:
    return Indicator(
        name=indicator.name,
        unit=indicator.unit,
        baseline=indicator.baseline,
        target=indicator.target,
        means_of_verification=indicator.means_of_verification,
        disaggregation=list(indicator.disaggregation or []),
    )


def matrix_of(proposal: Proposal) -> list[Outcome]:
    return [
        Outcome(
            statement=outcome.statement,
            indicators=[indicator_of(i) for i in outcome.outcome_indicators],
            outputs=[
                Output(statement=output.statement, indicators=[indicator_of(i) for i in output.indicators])
                for output in outcome.outputs
            ],
        )
        for outcome in proposal.outcomes
    ]


def details_of(proposal: Proposal) -> dict[str, Any]:
    """The descriptive fields of a proposal (what its details form edits), as plain data."""
    return {
        "title": proposal.title,
        "summary": proposal.summary,
        "country": proposal.country.iso3 if proposal.country else None,
        "region": proposal.region_code,
        "countries": sorted(c.iso3 for c in proposal.countries),
        "primary_area": proposal.primary_area.code if proposal.primary_area else None,
        "objectives": [o.number for o in proposal.objectives],
        "principles": [p.code for p in proposal.principles],
        "duration_months": proposal.duration_months,
        "start_date": proposal.start_date.isoformat() if proposal.start_date else None,
        "government_endorsement": proposal.government_endorsement,
    }


def snapshot_loads() -> tuple[Any, ...]:
    """What `snapshot_of` reads of a proposal, as eager loads: a statement per relationship, however many
    participants, budget lines, outcomes, outputs and indicators the proposal has (never one per row)."""
    outcomes = so.selectinload(Proposal.outcomes)
    return (
        so.joinedload(Proposal.country),
        so.joinedload(Proposal.primary_area),
        so.joinedload(Proposal.lead_organization),
        so.selectinload(Proposal.countries),
        so.selectinload(Proposal.objectives),
        so.selectinload(Proposal.principles),
        so.selectinload(Proposal.markers),
        so.selectinload(Proposal.participants),
        so.selectinload(Proposal.budget_lines),
        outcomes.selectinload(MatrixOutcome.indicators),
        outcomes.selectinload(MatrixOutcome.outputs).selectinload(MatrixOutput.indicators),
        so.selectinload(Proposal.attachments),
        so.selectinload(Proposal.area_rows),
        so.selectinload(Proposal.corridors),
        so.selectinload(Proposal.national_partners),
        so.selectinload(Proposal.workplan),
        so.selectinload(Proposal.risks),
    )


def snapshot_statement(*also: Any) -> sa.Select:
    """The statement of `load_for_snapshot` (its parameter `proposal_id`) with the eager loads `also` given: its caller
    builds it once and keeps it, since building it and its cache key (some twenty eager loads) took about a tenth of
    the proposal page's CPU."""
    return sa.select(Proposal).where(Proposal.id == sa.bindparam("proposal_id")).options(*snapshot_loads(), *also)


def load_for_snapshot(proposal: Proposal, statement: sa.Select) -> None:
    """Read at once everything `snapshot_of` reads of a proposal already loaded (its page, before describing its
    draft), and what the statement's other eager loads read (`snapshot_statement`): they fill the relationships not
    loaded yet, and leave those loaded (and any change) alone."""
    db.session.execute(statement, {"proposal_id": proposal.id}).all()


def category_codes_of(fund: Fund) -> dict[int, str]:
    return {c.id: c.code for c in fund.budget_categories}


def snapshot_of(proposal: Proposal) -> ProposalSnapshot:
    """Everything the proposal holds now, as the snapshot a submission freezes."""
    totals = budget_totals(proposal)
    lead_id = proposal.lead_organization_id
    category_codes = fq.per_definition("budget category codes", proposal.fund, category_codes_of)
    org_codes = {p.organization_id: p.organization.code for p in proposal.participants}
    return ProposalSnapshot(
        schema_version=SCHEMA_VERSION,
        reference=proposal.reference,
        **details_of(proposal),
        markers={m.marker.code: {"level": m.level, "justification": m.justification} for m in proposal.markers},
        lead=proposal.lead_organization.code if proposal.lead_organization else None,
        participants=[
            {
                "organization_id": p.organization_id,
                "code": p.organization.code,
                "lead": p.organization_id == lead_id,
                "indirect_rate": p.indirect_rate,
                "direct": totals.participants[p.organization_id].direct,
                "indirect": totals.participants[p.organization_id].indirect,
                "total": totals.participants[p.organization_id].total,
            }
            for p in proposal.participants
        ],
        budget={
            "years": totals.years,
            "lines": [
                {
                    "organization_id": line.organization_id,
                    "organization": org_codes[line.organization_id],
                    "category": category_codes[line.category_id],
                    "year": line.year,
                    "amount": line.amount,
                }
                for line in sorted(proposal.budget_lines, key=lambda ln: (ln.organization_id, ln.category_id, ln.year))
                if line.organization_id in totals.participants
            ],
        },
        totals={"direct": totals.direct, "indirect": totals.indirect, "total": totals.total},
        matrix=matrix_of(proposal),
        attachments=[
            {"id": a.id, "kind": a.kind.value, "filename": a.filename, "size": a.size, "sha256": a.sha256}
            for a in proposal.attachments
            if a.removed_at is None
        ],
        **stage_content_of(proposal),
    )


def stage_content_of(proposal: Proposal) -> dict[str, Any]:
    """The concept note's content (areas with shares, the case, corridors, partners, SDG targets, alignment,
    endorsement, knowledge platform, indicative amounts) and the programme document's sections, as plain data."""
    return {
        # the shares only when the proposal gave them (else it is all in its primary area)
        "areas": [{"area": area.code, "share": share} for area, share in proposal.area_shares]
        if proposal.area_rows
        else [],
        "problem_statement": proposal.problem_statement,
        "theory_of_change": proposal.theory_of_change,
        "corridors": [[stop.country.iso3 for stop in corridor.stops] for corridor in proposal.corridors],
        "global_scope": proposal.global_scope,
        "national_partners": [
            {"name": p.name, "kind": p.kind.value, "role": p.role} for p in proposal.national_partners
        ],
        "sdg_targets": list(proposal.sdg_targets or []),
        "cooperation_framework": proposal.cooperation_framework,
        "rc_endorsement": proposal.rc_endorsement,
        "knowledge_platform": proposal.knowledge_platform,
        "indicative_amounts": {
            p.organization.code: p.indicative_amount for p in proposal.participants if p.indicative_amount is not None
        },
        "workplan": [{"year": w.year, "activity": w.activity} for w in proposal.workplan],
        "risks": [
            {
                "risk": r.risk,
                "likelihood": r.likelihood.value,
                "impact": r.impact.value,
                "mitigation": r.mitigation,
                "owner": r.owner,
            }
            for r in proposal.risks
        ],
        "me_plan": proposal.me_plan,
        "sustainability": proposal.sustainability,
    }


def freeze_version(proposal: Proposal, *, actor: User) -> ProposalVersion:
    """Record the proposal's current content as its next immutable version."""
    return add_version(proposal, snapshot_of(proposal), actor=actor)


def revised_budget(snapshot: ProposalSnapshot, changes: Mapping[tuple[int, str, int], Decimal]) -> ProposalSnapshot:
    """The snapshot with the direct costs of some (organization, category, year) lines changed by the amounts given
    (negative: taken away; a line not in the budget yet is added), and its totals (each organization's indirect costs
    at its rate) computed again. ValueError when a line would fall below zero."""
    data = snapshot.model_dump(mode="python")
    lines = data["budget"]["lines"]
    for key, amount in changes.items():
        line = next((ln for ln in lines if (ln["organization_id"], ln["category"], ln["year"]) == key), None)
        if line is None:
            code = next(p["code"] for p in data["participants"] if p["organization_id"] == key[0])
            line = {"organization_id": key[0], "organization": code, "category": key[1], "year": key[2],
                    "amount": Decimal(0)}  # fmt: skip
            lines.append(line)
        line["amount"] = Decimal(line["amount"]) + amount
        if line["amount"] < 0:
            raise ValueError("a budget line would fall below zero")
    lines.sort(key=lambda ln: (ln["organization_id"], ln["category"], ln["year"]))
    for participant in data["participants"]:
        own = [Decimal(ln["amount"]) for ln in lines if ln["organization_id"] == participant["organization_id"]]
        participant["direct"] = sum(own, Decimal("0.00"))
        participant["indirect"] = to_cents(participant["direct"] * Decimal(participant["indirect_rate"]))
        participant["total"] = participant["direct"] + participant["indirect"]
    direct = sum((p["direct"] for p in data["participants"]), Decimal("0.00"))
    indirect = sum((p["indirect"] for p in data["participants"]), Decimal("0.00"))
    data["totals"] = {"direct": direct, "indirect": indirect, "total": direct + indirect}
    return ProposalSnapshot.model_validate(data)


def add_version(proposal: Proposal, snapshot: ProposalSnapshot, *, actor: User) -> ProposalVersion:
    """Record a snapshot as the proposal's next immutable version (a submission, or a budget revision)."""
    version = ProposalVersion(
        proposal=proposal,
        number=proposal.version_count + 1,
        submitted_by_id=actor.id,
        submitted_at=clock.now(),
        snapshot=snapshot,
        direct_total=snapshot.totals.direct,
        indirect_total=snapshot.totals.indirect,
        total=snapshot.totals.total,
    )
    proposal.version_count = version.number
    db.session.add(version)
    db.session.flush()
    return version
