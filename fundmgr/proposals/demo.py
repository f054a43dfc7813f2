"""Demo data for proposals (see fundmgr/demo/seed.py for the order of the steps).

Every proposal of demo.yaml is written through the same operations as the web pages, by the
demo's own people: agency staff of the lead organization draft and submit, FMU officers
screen. Each one is brought to its demo status where that status is in the intake part of
the cycle; later statuses stop at "in review" for the steering package's demo to continue.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

import sqlalchemy as sa
from weasyprint import HTML
from werkzeug.datastructures import FileStorage

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.db import db, to_cents
from fundmgr.funds.models import Country, Fund
from fundmgr.funds.queries import active
from fundmgr.proposals import operations as ops
from fundmgr.proposals.budget import budget_totals, programme_years
from fundmgr.proposals.models import (
    AttachmentKind,
    NationalPartner,
    Participant,
    PartnerKind,
    Proposal,
    ProposalMarker,
    ProposalStage,
    ProposalState,
    ProposalVersion,
    RiskLevel,
)
from fundmgr.proposals.operations.drafts import CONCEPT_SUFFIX
from fundmgr.scenario import demo_data

INTAKE_STATUSES = {"draft", "submitted", "screening", "returned", "withdrawn", "in_review"}
# How a participant's direct costs spread over the UNSDG categories (illustrative).
CATEGORY_SHARES = {
    "staff": 30,
    "contractual_services": 25,
    "transfers_grants": 20,
    "travel": 10,
    "general_operating": 15,
}
RETURN_REASONS = (
    "The endorsement letter attached is signed by a provincial directorate, not by the Ministry of Health; "
    "the fund needs the national government's endorsement. Please attach a letter from the Ministry and "
    "confirm the government's endorsement before resubmitting."
)
# A proposal returned once at screening and resubmitted, so that its two versions can be compared.
REVISION_REASONS = (
    "The summary does not say how civil society and migrants' associations will take part in the national "
    "implementation plan, which the fund's whole-of-society principle requires. Please add it and resubmit."
)
REVISION_ADDENDUM = (
    " Migrants' associations and civil society organizations sit on the plan's consultative council from its "
    "first session and co-chair the working group on regularization."
)
WITHDRAWAL_REASON = (
    "The government has asked the UN Country Team to merge this programme into the new national "
    "reintegration strategy financed by another partner; the agencies withdraw the proposal."
)


def seed_proposals(fund: Fund) -> list[str]:
    """Create the demo proposals that are not there yet; returns report lines."""
    specs = demo_proposals()
    existing = set(db.session.scalars(sa.select(Proposal.title).where(Proposal.fund_id == fund.id)))
    created = [seed_one(fund, spec) for spec in specs if spec["title"]["en"] not in existing]
    db.session.flush()
    by_state: dict[str, int] = {}
    for proposal in created:
        by_state[proposal.state.value] = by_state.get(proposal.state.value, 0) + 1
    states = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items()))
    return [f"{len(created)} demo proposals created ({states or 'none new'}); {len(specs)} in the demo file."]


def demo_proposals() -> list[dict[str, Any]]:
    return demo_data().get("proposals") or []


def demo_user(role: Role, organization_code: str | None = None) -> User:
    """The first demo person of the role (and organization) in demo.yaml."""
    for spec in demo_data()["users"]:
        if spec["role"] == role.value and organization_code in (None, spec["organization"]):
            user = db.session.scalar(sa.select(User).where(User.email == spec["email"]))
            if user is not None:
                return user
    raise LookupError(f"no demo {role.value} user for {organization_code}")


def seed_one(fund: Fund, spec: dict[str, Any]) -> Proposal:
    """One demo proposal, drafted, budgeted and brought to its demo status; one the committee took up in the past
    is written and submitted on its `submitted_on` day (its reference is of that year)."""
    if not spec.get("submitted_on"):
        return draft_and_advance(fund, spec)
    with clock.as_of(spec["submitted_on"]):
        return draft_and_advance(fund, spec)


def draft_and_advance(fund: Fund, spec: dict[str, Any]) -> Proposal:
    agency = demo_user(Role.agency, spec["lead"])
    endorsed = spec["government_endorsement"] or spec["status"] != "draft"  # a returned one loses it below
    proposal = ops.create_proposal(
        fund, demo_details(fund, spec, endorsed=endorsed), actor=agency, stage=ProposalStage.programme_document
    )
    organizations = {o.code: o for o in fund.participating_organizations}
    ops.set_participants(
        proposal,
        lead=organizations[spec["lead"]],
        organizations=[organizations[code] for code in spec["participants"]],
        actor=agency,
    )
    markers = {m.code: m for m in active(fund.markers)}
    ops.save_markers(
        proposal,
        {markers[code].id: (level, justification(markers[code], level)) for code, level in spec["markers"].items()},
        actor=agency,
    )
    ops.save_budget(proposal, amounts=budget_cells(proposal, Decimal(spec["budget_total"])), actor=agency)
    add_matrix(proposal, spec["results"], agency)
    ops.save_programme_sections(proposal, demo_sections(proposal), actor=agency)
    if endorsed:
        letter = FileStorage(io.BytesIO(endorsement_letter(spec["title"]["en"])), filename="endorsement-letter.pdf")
        ops.add_attachment(proposal, AttachmentKind.endorsement_letter, letter, actor=agency)
    advance(proposal, spec, agency)
    return proposal


def demo_details(fund: Fund, spec: dict[str, Any], *, endorsed: bool) -> ops.ProposalDetails:
    countries = {c.iso3: c for c in db.session.scalars(sa.select(Country))}
    objectives = {o.number: o for o in fund.objectives}
    principles = {p.code: p for p in fund.guiding_principles}
    start = spec["start"]
    return ops.ProposalDetails(
        title=spec["title"]["en"],
        summary=spec["summary"]["en"].strip(),
        country=countries.get(spec["country"]) if spec["country"] else None,
        region_code=spec["region"],
        countries=[countries[c] for c in spec["countries"]],
        primary_area=next(a for a in fund.thematic_areas if a.code == spec["thematic_area"]),
        objectives=[objectives[n] for n in spec["objectives"]],
        principles=[principles[c] for c in spec["principles"]],
        duration_months=spec["duration_months"],
        start_date=start if isinstance(start, date) else date.fromisoformat(str(start)),
        government_endorsement=endorsed,
    )


def justification(marker, level: int) -> str:
    return (
        f"Rated {marker.level_label(level)}: the results matrix sets targets for this dimension, "
        "indicators are disaggregated where relevant, and the activities and budget reflect it."
    )


def total_with_indirect(direct: Decimal, rate: Decimal) -> Decimal:
    return direct + to_cents(direct * rate)


def direct_for(total: Decimal, rate: Decimal) -> Decimal | None:
    """Direct costs whose total with indirect costs is exactly `total`, if a cent amount gives it."""
    guess = to_cents(total / (1 + rate))
    cent = Decimal("0.01")
    for step in (0, 1, -1, 2, -2):
        direct = guess + step * cent
        if total_with_indirect(direct, rate) == total:
            return direct
    return None


def split(amount: Decimal, weights: list[int]) -> list[Decimal]:
    """Split an amount by weights into cents; the last part takes the remainder so the parts add up."""
    parts = [to_cents(amount * w / sum(weights)) for w in weights[:-1]]
    return [*parts, amount - sum(parts, Decimal("0.00"))]


def participant_directs(total: Decimal, rates: list[Decimal]) -> list[Decimal]:
    """Each participant's direct costs so that all totals with indirect costs add up to `total` to the cent."""
    weights = [3] + [2] * (len(rates) - 1)  # the lead carries a larger share
    shares = split(total, weights)
    directs = [to_cents(share / (1 + rate)) for share, rate in zip(shares[:-1], rates[:-1], strict=True)]
    for _attempt in range(10):
        rest = total - sum((total_with_indirect(d, r) for d, r in zip(directs, rates, strict=False)), Decimal("0"))
        last = direct_for(rest, rates[-1])
        if last is not None:
            return [*directs, last]
        directs[0] -= Decimal("0.01")  # a total no cent amount reaches: move a cent to the last participant
    raise ValueError(f"cannot split {total} exactly")


def budget_cells(proposal: Proposal, total: Decimal) -> dict[tuple[int, int, int], Decimal]:
    """Budget lines adding up, indirect costs included, to exactly `total`."""
    participants = sorted(proposal.participants, key=lambda p: p.organization_id != proposal.lead_organization_id)
    directs = participant_directs(total, [p.indirect_rate for p in participants])
    categories = {c.code: c for c in proposal.fund.budget_categories}
    years = programme_years(proposal.duration_months)
    cells = {}
    for participant, direct in zip(participants, directs, strict=True):
        by_category = split(direct, list(CATEGORY_SHARES.values()))
        for code, amount in zip(CATEGORY_SHARES, by_category, strict=True):
            for year, part in enumerate(split(amount, [1] * years), start=1):
                cells[(participant.organization_id, categories[code].id, year)] = part
    return cells


def add_matrix(proposal: Proposal, results: list[dict[str, Any]], actor: User) -> None:
    for result in results:
        outcome = ops.add_outcome(proposal, result["outcome"]["en"], actor=actor)
        for item in result["outputs"]:
            output = ops.add_output(outcome, item["output"]["en"], actor=actor)
            for indicator in item["indicators"]:
                values = ops.IndicatorValues(
                    name=indicator["name"]["en"],
                    unit=indicator["unit"]["en"],
                    baseline=Decimal(indicator["baseline"]),
                    target=Decimal(indicator["target"]),
                    means_of_verification=indicator["means_of_verification"]["en"],
                    disaggregation=list(indicator["disaggregation"]),
                )
                ops.add_indicator(outcome, output, values, actor=actor)


def demo_sections(proposal: Proposal) -> ops.ProgrammeSections:
    """The programme document's own sections: each output of its matrix in the workplan of each programme year, and
    the demo file's risk log, M&E plan and exit strategy (`programme_sections`)."""
    common = demo_data()["programme_sections"]
    outputs = [output.statement for outcome in proposal.outcomes for output in outcome.outputs]
    years = range(1, programme_years(proposal.duration_months) + 1)
    return ops.ProgrammeSections(
        me_plan=common["me_plan"].strip(),
        sustainability=common["sustainability"].strip(),
        workplan=[(year, output) for year in years for output in outputs],
        risks=[
            ops.RiskEntry(
                risk=r["risk"],
                likelihood=RiskLevel(r["likelihood"]),
                impact=RiskLevel(r["impact"]),
                mitigation=r["mitigation"],
                owner=r["owner"],
            )
            for r in common["risks"]
        ],
    )


@cache
def endorsement_letter(title: str) -> bytes:
    """A one-page endorsement letter as a real PDF (WeasyPrint, no external resources)."""
    html = (
        "<html><body style='font-family: sans-serif; font-size: 11pt'>"
        "<p>Ministry of Foreign Affairs</p><p>To the Resident Coordinator of the United Nations</p>"
        f"<p>The Government endorses the joint programme proposal “{escape(title)}” submitted to the "
        "Migration Multi-Partner Trust Fund, and will take part in its steering and implementation.</p>"
        "<p>Minister (signed)</p><p><em>Demo document: fictitious.</em></p></body></html>"
    )
    return HTML(string=html).write_pdf()


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def advance(proposal: Proposal, spec: dict[str, Any], agency: User) -> None:
    """Bring the proposal to its demo status, or to "in review" when the status lies beyond intake."""
    status = spec["status"] if spec["status"] in INTAKE_STATUSES else "in_review"
    if status == "draft":
        return
    ops.submit_proposal(proposal, actor=agency)
    if status == "withdrawn":
        ops.withdraw_proposal(proposal, WITHDRAWAL_REASON, actor=agency)
        return
    if status == "submitted":
        return
    officer = demo_user(Role.fmu)
    ops.start_screening(proposal, actor=officer)
    checks = {item.check.code: item.check_id for item in proposal.latest_screening.items}
    if status == "screening":
        some = dict(list(checks.items())[:3])
        ops.record_screening(proposal, {cid: (True, "") for cid in some.values()}, actor=officer)
        return
    if status == "returned":
        answers = {cid: (code != "government_endorsement", "") for code, cid in checks.items()}
        answers[checks["government_endorsement"]] = (False, "Letter from a provincial directorate only.")
        ops.record_screening(proposal, answers, actor=officer)
        ops.return_for_revision(proposal, RETURN_REASONS, actor=officer)
        # the agencies set the endorsement aside until the Ministry's letter arrives
        letter = proposal.current_attachments[0]
        ops.remove_attachment(letter, actor=agency)
        ops.update_details(proposal, demo_details(proposal.fund, spec, endorsed=False), actor=agency)
        return
    if spec.get("revised_after_return"):
        checks = revise_after_return(proposal, spec, agency, officer, checks)
    ops.record_screening(proposal, {cid: (True, "") for cid in checks.values()}, actor=officer)
    ops.forward_to_review(proposal, actor=officer)
    if review := spec.get("technical_review"):
        # the FMU invites an expert of the Network's working groups, who comments for the committee
        reviewer = db.session.scalar(sa.select(User).where(User.email == review["reviewer"]))
        ops.invite_reviewer(proposal, reviewer, actor=officer)
        ops.comment_on(proposal, review["comment"], actor=reviewer)


def revise_after_return(
    proposal: Proposal, spec: dict[str, Any], agency: User, officer: User, checks: dict[str, int]
) -> dict[str, int]:
    """Return the proposal for revision, revise and resubmit it (version 2); the new screening's checks."""
    answers = {cid: (code != "thematic_alignment", "") for code, cid in checks.items()}
    answers[checks["thematic_alignment"]] = (
        False,
        "Civil society's part (whole-of-society principle) is not described.",
    )
    ops.record_screening(proposal, answers, actor=officer)
    ops.return_for_revision(proposal, REVISION_REASONS, actor=officer)
    details = demo_details(proposal.fund, spec, endorsed=True)
    details.summary += REVISION_ADDENDUM
    ops.update_details(proposal, details, actor=agency)
    ops.submit_proposal(proposal, actor=agency)
    ops.start_screening(proposal, actor=officer)
    return {item.check.code: item.check_id for item in proposal.latest_screening.items}


# --- The concept notes of the demo's programmes ---------------------------------------------------------------


def seed_concept_notes(fund: Fund) -> list[str]:
    """Each demo programme gets the concept note it was developed from, as the migration to two stages derives
    them (revision bf8cde206288): a copy of its description, place, alignment, markers and organizations with their
    share of the budget as indicative amounts, submitted with that version, and selected. The
    demo's programmes thus stand where an upgraded fund's do."""
    documents = db.session.scalars(
        sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.stage == ProposalStage.programme_document,
                                  Proposal.concept_note_id.is_(None)).order_by(Proposal.id)
    ).all()  # fmt: skip
    for document in documents:
        derive_concept_note(document)
    db.session.flush()
    return [f"{len(documents)} concept notes derived from the demo's programmes."]


def concept_reference(document: Proposal) -> str | None:
    """The concept note's reference: the programme's with the suffix; none while the programme is a draft."""
    return f"{document.reference_number}{CONCEPT_SUFFIX}" if document.reference_number else None


def derive_concept_note(document: Proposal) -> Proposal:
    first = document.versions[0] if document.versions else None
    amounts = {org_id: share.total for org_id, share in budget_totals(document).participants.items()}
    note = Proposal(
        fund=document.fund, stage=ProposalStage.concept_note, reference=concept_reference(document),
        state=ProposalState.selected if first else ProposalState.draft, version_count=1 if first else 0,
        title=document.title, summary=document.summary, country=document.country, region_code=document.region_code,
        countries=list(document.countries), primary_area=document.primary_area, objectives=list(document.objectives),
        principles=list(document.principles), duration_months=document.duration_months,
        start_date=document.start_date, government_endorsement=document.government_endorsement,
        lead_organization=document.lead_organization, created_by=document.created_by, call=document.call,
        submitted_at=document.submitted_at, total_amount=first.total if first else document.total_amount,
        rc_endorsement=True, sdg_targets=["10.7"],
        problem_statement=document.summary, theory_of_change=document.summary,
        cooperation_framework="Aligned with the Cooperation Framework's outcome on governance and migration.",
        knowledge_platform="Shares its practices on the Network's knowledge platform; peers reached through the hub.",
    )  # fmt: skip
    for participant in document.participants:
        participant.indicative_amount = amounts.get(participant.organization_id)
        note.participants.append(Participant(organization=participant.organization,
                                             indirect_rate=participant.indirect_rate,
                                             indicative_amount=participant.indicative_amount))  # fmt: skip
    note.markers = [ProposalMarker(marker=m.marker, level=m.level, justification=m.justification)
                    for m in document.markers]  # fmt: skip
    note.national_partners = [
        NationalPartner(position=0, name="Ministry of Interior", kind=PartnerKind.government,
                        role="Leads the national coordination mechanism on migration."),
    ]  # fmt: skip
    if first is not None:
        note.versions.append(ProposalVersion(number=1, submitted_at=first.submitted_at,
                                             submitted_by=first.submitted_by, snapshot=first.snapshot,
                                             direct_total=first.direct_total, indirect_total=first.indirect_total,
                                             total=first.total))  # fmt: skip
    document.concept_note = note
    db.session.add(note)
    return note
