"""The two stages: a concept note's own content, its selection, and the programme document opened from it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.models import Country
from fundmgr.funds.rights import require_person_with_role
from fundmgr.numbers import MONEY, number_text
from fundmgr.proposals.models import (
    Corridor,
    CorridorStop,
    NationalPartner,
    Participant,
    PartnerKind,
    Proposal,
    ProposalArea,
    ProposalMarker,
    ProposalStage,
    ProposalState,
    Risk,
    RiskLevel,
    WorkplanItem,
)
from fundmgr.proposals.operations.budgets import refresh_total
from fundmgr.proposals.operations.drafts import CONCEPT_SUFFIX, next_reference
from fundmgr.proposals.operations.lifecycle import lock_proposal, move_proposal
from fundmgr.proposals.operations.rights import require_editor, text_problem
from fundmgr.proposals.sdg import sdg_targets

MAX_ROWS = 50  # corridors, partners, workplan activities or risks on one proposal
MAX_AMOUNT = Decimal("1000000000000.00")


# --- A concept note's content ---------------------------------------------------------------------


@dataclass
class PartnerEntry:
    name: str
    kind: PartnerKind | None
    role: str = ""


@dataclass
class ConceptContent:
    """What the concept note page holds beyond the details form: the case, geography, partners and amounts."""

    problem_statement: str = ""
    theory_of_change: str = ""
    cooperation_framework: str = ""
    knowledge_platform: str = ""
    rc_endorsement: bool = False
    global_scope: bool = False
    sdg_targets: list[str] = field(default_factory=list)
    corridors: list[list[Country]] = field(default_factory=list)
    partners: list[PartnerEntry] = field(default_factory=list)
    # indicative amount by organization id (None: not given yet)
    amounts: dict[int, Decimal | None] = field(default_factory=dict)


def amount_problems(amount: Decimal | None, label: str) -> list[str]:
    if amount is not None and not ZERO_AMOUNT <= amount < MAX_AMOUNT:
        return [
            _("%(field)s must be a positive amount below %(max)s.", field=label, max=number_text(MAX_AMOUNT, MONEY))
        ]
    return []


ZERO_AMOUNT = Decimal("0.00")


def content_problems(proposal: Proposal, content: ConceptContent) -> list[str]:
    """What makes the content ill-formed (what only submission checks is left out)."""
    problems: list[str] = []
    texts = [
        (content.problem_statement, _("The problem")),
        (content.theory_of_change, _("The theory of change")),
        (content.cooperation_framework, _("The Cooperation Framework alignment")),
        (content.knowledge_platform, _("The use of the knowledge platform")),
    ]
    for text, label in texts:
        problems += text_problem(text, label)
    unknown = [code for code in content.sdg_targets if code not in sdg_targets()]
    if unknown:
        problems.append(_("These are not SDG targets: %(codes)s.", codes=", ".join(c[:20] for c in unknown[:10])))
    if content.corridors and not proposal.fund.asks_corridors:
        problems.append(_("This fund does not place programmes on migration corridors."))
    if len(content.corridors) > MAX_ROWS or len(content.partners) > MAX_ROWS:
        problems.append(_("A proposal lists at most %(n)d corridors and %(n)d partners.", n=MAX_ROWS))
    for n, countries in enumerate(content.corridors, start=1):
        if len({c.id for c in countries}) != len(countries):
            problems.append(_("Corridor %(n)d names a country twice.", n=n))
    for partner in content.partners:
        if not partner.name.strip():
            problems.append(_("Give each national partner a name."))
        if partner.kind is None:
            problems.append(_("Choose what kind of partner “%(name)s” is.", name=partner.name[:300]))
        problems += text_problem(partner.name, _("A partner’s name"), 300) + text_problem(partner.role, _("A role"))
    participants = {p.organization_id for p in proposal.participants}
    if set(content.amounts) - participants:
        problems.append(
            _("Give indicative amounts to the proposal’s %(organizations)s only.",
              organizations=proposal.fund.participants_label)
        )  # fmt: skip
    for amount in content.amounts.values():
        problems += amount_problems(amount, _("The indicative amount"))
    return problems


def concept_state(proposal: Proposal) -> dict:
    return {
        "problem_statement": proposal.problem_statement, "theory_of_change": proposal.theory_of_change,
        "cooperation_framework": proposal.cooperation_framework, "knowledge_platform": proposal.knowledge_platform,
        "rc_endorsement": proposal.rc_endorsement, "global_scope": proposal.global_scope,
        "sdg_targets": list(proposal.sdg_targets), "corridors": [c.label for c in proposal.corridors],
        "partners": [[p.name, p.kind.value, p.role] for p in proposal.national_partners],
        "amounts": {p.organization.code: p.indicative_amount for p in proposal.participants},
    }  # fmt: skip


def save_concept_content(proposal: Proposal, content: ConceptContent, *, actor: User) -> dict[str, Any] | None:
    """Set a draft's case, SDG targets, corridors, national partners, indicative amounts and RC endorsement.
    Returns the national partners it removed, for `restore_removed` to put back (or None)."""
    require_editor(proposal, actor)
    problems = content_problems(proposal, content)
    if problems:
        raise ValidationFailed(problems)
    before = concept_state(proposal)
    apply_content(proposal, content)
    refresh_total(proposal)
    db.session.flush()
    after = concept_state(proposal)
    record_audit("proposal.concept_updated", proposal, actor=actor, before=before, after=after)
    gone = [[n, *partner] for n, partner in enumerate(before["partners"]) if partner not in after["partners"]]
    return {"kind": "national_partners", "partners": gone} if gone else None


def apply_content(proposal: Proposal, content: ConceptContent) -> None:
    proposal.problem_statement = content.problem_statement.strip()
    proposal.theory_of_change = content.theory_of_change.strip()
    proposal.cooperation_framework = content.cooperation_framework.strip()
    proposal.knowledge_platform = content.knowledge_platform.strip()
    proposal.rc_endorsement = content.rc_endorsement
    proposal.global_scope = content.global_scope
    proposal.sdg_targets = list(dict.fromkeys(content.sdg_targets))
    proposal.corridors = [
        Corridor(position=n, stops=[CorridorStop(position=i, country=c) for i, c in enumerate(countries)])
        for n, countries in enumerate(content.corridors)
        if countries
    ]
    proposal.national_partners = [
        NationalPartner(position=n, name=p.name.strip(), kind=p.kind, role=p.role.strip())
        for n, p in enumerate(content.partners)
    ]
    for participant in proposal.participants:
        if participant.organization_id in content.amounts:
            participant.indicative_amount = content.amounts[participant.organization_id]


# --- A programme document's own sections ----------------------------------------------------------


@dataclass
class RiskEntry:
    risk: str
    likelihood: RiskLevel | None
    impact: RiskLevel | None
    mitigation: str = ""
    owner: str = ""


@dataclass
class ProgrammeSections:
    """The workplan by year, the risk log, the M&E plan and the sustainability and exit strategy."""

    me_plan: str = ""
    sustainability: str = ""
    workplan: list[tuple[int, str]] = field(default_factory=list)
    risks: list[RiskEntry] = field(default_factory=list)


def sections_problems(sections: ProgrammeSections) -> list[str]:
    problems = text_problem(sections.me_plan, _("The M&E plan")) + text_problem(
        sections.sustainability, _("The sustainability and exit strategy"))  # fmt: skip
    if len(sections.workplan) > MAX_ROWS or len(sections.risks) > MAX_ROWS:
        problems.append(_("A programme lists at most %(n)d activities and %(n)d risks.", n=MAX_ROWS))
    for year, activity in sections.workplan:
        if not 1 <= year <= 20:
            problems.append(_("A workplan year is a number between 1 and %(n)d.", n=20))
        if not activity.strip():
            problems.append(_("Describe each activity of the workplan."))
        problems += text_problem(activity, _("An activity"))
    for risk in sections.risks:
        if not risk.risk.strip():
            problems.append(_("Describe each risk of the log."))
        if risk.likelihood is None or risk.impact is None:
            problems.append(_("Give each risk its likelihood and impact."))
        problems += text_problem(risk.risk, _("A risk")) + text_problem(risk.mitigation, _("A mitigation"))
        problems += text_problem(risk.owner, _("A risk’s owner"), 300)
    return list(dict.fromkeys(problems))


def sections_state(proposal: Proposal) -> dict:
    return {
        "me_plan": proposal.me_plan, "sustainability": proposal.sustainability,
        "workplan": [[w.year, w.activity] for w in proposal.workplan],
        "risks": [[r.risk, r.likelihood.value, r.impact.value, r.mitigation, r.owner] for r in proposal.risks],
    }  # fmt: skip


def save_programme_sections(proposal: Proposal, sections: ProgrammeSections, *, actor: User) -> None:
    """Set a programme document's workplan, risk log, M&E plan and sustainability and exit strategy."""
    require_editor(proposal, actor)
    if proposal.is_concept_note:
        raise InvalidTransition(_("A concept note has no workplan or risk log: its programme document will."))
    problems = sections_problems(sections)
    if problems:
        raise ValidationFailed(problems)
    before = sections_state(proposal)
    proposal.me_plan = sections.me_plan.strip()
    proposal.sustainability = sections.sustainability.strip()
    proposal.workplan = [
        WorkplanItem(year=year, position=n, activity=activity.strip())
        for n, (year, activity) in enumerate(sorted(sections.workplan, key=lambda w: w[0]))
    ]
    proposal.risks = [Risk(position=n, risk=r.risk.strip(), likelihood=r.likelihood, impact=r.impact,
                           mitigation=r.mitigation.strip(), owner=r.owner.strip())
                      for n, r in enumerate(sections.risks)]  # fmt: skip
    db.session.flush()
    record_audit("proposal.sections_updated", proposal, actor=actor, before=before, after=sections_state(proposal))


# --- Selection and the programme document ---------------------------------------------------------


def selection_problems(proposal: Proposal, deadline: date | None, amount: Decimal | None) -> list[str]:
    """A concept note's selection names a deadline for the programme document and an indicative amount."""
    problems = []
    if not proposal.is_concept_note:
        problems.append(_("Only a concept note is selected for development."))
    if deadline is None:
        problems.append(_("Give the deadline for the programme document."))
    elif clock.is_past(deadline, clock.today(proposal.fund)):
        problems.append(_("The deadline for the programme document cannot be in the past."))
    if amount is None or amount <= ZERO_AMOUNT:
        problems.append(_("The indicative amount is required and must be more than zero."))
    else:
        problems += amount_problems(amount, _("The indicative amount"))
    return problems


def select_concept_note(
    proposal: Proposal, *, deadline: date, amount: Decimal, actor: User | None, summary: str = ""
) -> Proposal:
    """The concept note is selected for development: its programme document opens, prefilled from it."""
    move_proposal(proposal, ProposalState.selected, actor=actor, action="proposal.selected", summary=summary,
                  details={"development_deadline": deadline, "selected_amount": amount})  # fmt: skip
    proposal.development_deadline = deadline
    proposal.selected_amount = amount
    return open_programme_document(proposal, actor=actor)


def invite_to_develop(proposal: Proposal, *, deadline: date | None, amount: Decimal | None, actor: User) -> Proposal:
    """When funds arrive, the FMU invites a pipeline concept note to develop its programme document."""
    require_person_with_role(actor, proposal.fund, Role.fmu)
    lock_proposal(proposal)
    if proposal.state is not ProposalState.endorsed:
        raise InvalidTransition(_("Only a concept note in the pipeline is invited to develop its programme document."))
    problems = selection_problems(proposal, deadline, amount)
    if problems:
        raise ValidationFailed(problems)
    assert deadline is not None
    assert amount is not None
    return select_concept_note(proposal, deadline=deadline, amount=amount, actor=actor,
                               summary=_("Invited to develop the programme document"))  # fmt: skip


def programme_reference(note: Proposal) -> str:
    """The programme document's reference: its concept note's without the suffix (MIG-2026-0042-CN -> MIG-2026-0042)."""
    if note.reference.endswith(CONCEPT_SUFFIX):
        return note.reference.removesuffix(CONCEPT_SUFFIX)
    return next_reference(note.fund, clock.today(note.fund).year)


def open_programme_document(note: Proposal, *, actor: User | None) -> Proposal:
    """A draft programme document prefilled from the selected concept note: organizations with their amounts,
    areas, alignment, markers, geography, partners, SDG targets and the case; the budget grid, the results matrix
    and the programme sections are left to write."""
    if note.state is not ProposalState.selected or note.programme_document is not None:
        raise InvalidTransition(_("Only a selected concept note opens its programme document, once."))
    with db.session.no_autoflush:  # the document is built whole before it is written
        document = Proposal(
            fund=note.fund, stage=ProposalStage.programme_document, concept_note=note,
            reference=programme_reference(note), title=note.title, summary=note.summary, call_id=note.call_id,
            country_id=note.country_id, region_code=note.region_code, countries=list(note.countries),
            primary_area_id=note.primary_area_id, objectives=list(note.objectives), principles=list(note.principles),
            duration_months=note.duration_months, government_endorsement=note.government_endorsement,
            lead_organization_id=note.lead_organization_id, created_by_id=note.created_by_id,
            problem_statement=note.problem_statement, theory_of_change=note.theory_of_change,
            global_scope=note.global_scope, sdg_targets=list(note.sdg_targets),
            cooperation_framework=note.cooperation_framework, rc_endorsement=note.rc_endorsement,
            knowledge_platform=note.knowledge_platform,
        )  # fmt: skip
        document.participants = [
            Participant(
                organization_id=p.organization_id, indirect_rate=p.indirect_rate, indicative_amount=p.indicative_amount
            )
            for p in note.participants
        ]
        document.markers = [
            ProposalMarker(marker_id=m.marker_id, level=m.level, justification=m.justification) for m in note.markers
        ]
        document.corridors = [
            Corridor(
                position=c.position, stops=[CorridorStop(position=s.position, country_id=s.country_id) for s in c.stops]
            )
            for c in note.corridors
        ]
        document.national_partners = [NationalPartner(position=p.position, name=p.name, kind=p.kind, role=p.role)
                                      for p in note.national_partners]  # fmt: skip
        document.area_rows = [ProposalArea(area_id=row.area_id, share=row.share) for row in note.area_rows]
        db.session.add(document)
    db.session.flush()
    record_audit("proposal.document_opened", document, actor=actor, after={"concept_note": note.reference},
                 summary=document.title)  # fmt: skip
    return document
