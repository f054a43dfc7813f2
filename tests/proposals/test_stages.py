"""The two stages: a concept note submitted with stage-1 content only, hostile input on its new fields refused with
nothing written, the committee's selection, pipeline and decline, the FMU's invitation, and the programme document
opened prefilled from the concept note."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.funds.models import Country
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import Corridor, CorridorStop, PartnerKind, ProposalStage, ProposalState, RiskLevel
from fundmgr.proposals.operations.stages import concept_state, sections_state
from fundmgr.proposals.rules import submission_problems
from fundmgr.proposals.sdg import parse_targets, sdg_targets
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.support import TODAY


def country(iso3: str) -> Country:
    return db.session.scalar(sa.select(Country).where(Country.iso3 == iso3))


def test_a_concept_note_with_only_stage_one_content_is_submitted(make_proposal):
    """No budget grid, no results matrix: the concept note's content and indicative amounts are enough."""
    note = make_proposal(ProposalState.draft, concept_note=True)
    assert not note.budget_lines
    assert not note.outcomes
    assert submission_problems(note) == []
    ops.submit_proposal(note, actor=note.created_by)
    db.session.commit()
    assert note.state is ProposalState.submitted
    assert note.total_amount == note.indicative_total == Decimal("1200000.00")


def test_a_concept_note_lists_its_own_missing_content_at_once(make_proposal):
    note = make_proposal(ProposalState.draft, concept_note=True)
    note.sdg_targets, note.rc_endorsement, note.problem_statement = [], False, " "
    note.participants[1].indicative_amount = None
    problems = submission_problems(note)
    assert len(problems) == 4
    assert any("SDG targets" in p for p in problems)
    assert any("Resident Coordinator" in p for p in problems)
    assert any("indicative amount of UNHCR" in p for p in problems)


def test_corridors_across_regions_or_global_scope_place_a_concept_note(make_proposal):
    """A corridor (origin -> transit -> destination, here from Central Asia through Europe) or global scope
    replaces the one country."""
    note = make_proposal(ProposalState.draft, concept_note=True, country=None)
    assert any("programme country" in p for p in submission_problems(note))
    content = ops.ConceptContent(**{k: v for k, v in concept_state(note).items() if k in (
        "problem_statement", "theory_of_change", "cooperation_framework", "knowledge_platform", "rc_endorsement",
        "sdg_targets")}, corridors=[[country("TJK"), country("TUR"), country("DEU")]])  # fmt: skip
    ops.save_concept_content(note, content, actor=note.created_by)
    assert note.corridors[0].label.count("→") == 2
    assert submission_problems(note) == []
    content.corridors, content.global_scope = [], True
    ops.save_concept_content(note, content, actor=note.created_by)
    assert submission_problems(note) == []


def test_sdg_targets_are_read_against_the_agenda():
    assert len(sdg_targets()) == 169
    assert parse_targets("10.7, 8.8 10.7;10.C 99.1 <b>x</b> 17.20") == (["10.7", "8.8", "10.c"],
                                                                       ["99.1", "<b>x</b>", "17.20"])  # fmt: skip


HOSTILE_CONTENT = {
    "unknown SDG target": {"sdg_targets": ["10.99"]},
    "script as SDG target": {"sdg_targets": ["<script>alert(1)</script>"]},
    "country twice in a corridor": {"corridors": "twice"},
    "nameless partner": {"partners": [ops.PartnerEntry("", PartnerKind.government, "role")]},
    "partner of no kind": {"partners": [ops.PartnerEntry("Ministry", None, "role")]},
    "overlong partner name": {"partners": [ops.PartnerEntry("x" * 301, PartnerKind.private_sector, "role")]},
    "overlong problem": {"problem_statement": "x" * 20001},
    "overlong knowledge platform": {"knowledge_platform": "x" * 20001},
    "negative amount": {"amounts": "negative"},
    "absurd amount": {"amounts": "absurd"},
    "amount of an outsider": {"amounts": "outsider"},
    "too many corridors": {"corridors": "many"},
}


@pytest.mark.parametrize("case", HOSTILE_CONTENT, ids=list(HOSTILE_CONTENT))
def test_hostile_concept_content_is_refused_and_nothing_written(make_proposal, case):
    note = make_proposal(ProposalState.draft, concept_note=True)
    before = concept_state(note)
    lead = note.lead_organization_id
    values = dict(HOSTILE_CONTENT[case])
    special = {
        "twice": [[country("TJK"), country("TJK")]],
        "many": [[country("TJK"), country("DEU")]] * 51,
        "negative": {lead: Decimal("-1.00")},
        "absurd": {lead: Decimal("1e13")},
        "outsider": {999_999: Decimal("5.00")},
    }
    values = {k: special.get(v, v) if isinstance(v, str) else v for k, v in values.items()}
    with pytest.raises(ValidationFailed):
        ops.save_concept_content(note, ops.ConceptContent(**values), actor=note.created_by)
    db.session.rollback()
    db.session.expire_all()
    assert concept_state(note) == before


HOSTILE_SECTIONS = {
    "year zero": {"workplan": [(0, "Train officials")]},
    "empty activity": {"workplan": [(1, " ")]},
    "risk without likelihood": {"risks": [ops.RiskEntry("Turnover", None, RiskLevel.high)]},
    "nameless risk": {"risks": [ops.RiskEntry("", RiskLevel.low, RiskLevel.high)]},
    "overlong owner": {"risks": [ops.RiskEntry("Turnover", RiskLevel.low, RiskLevel.high, "", "x" * 301)]},
    "overlong M&E plan": {"me_plan": "x" * 20001},
}


@pytest.mark.parametrize("case", HOSTILE_SECTIONS, ids=list(HOSTILE_SECTIONS))
def test_hostile_programme_sections_are_refused_and_nothing_written(make_proposal, case):
    document = make_proposal(ProposalState.draft)
    before = sections_state(document)
    with pytest.raises(ValidationFailed):
        ops.save_programme_sections(document, ops.ProgrammeSections(**HOSTILE_SECTIONS[case]),
                                    actor=document.created_by)  # fmt: skip
    db.session.rollback()
    db.session.expire_all()
    assert sections_state(document) == before


def test_a_concept_note_has_no_workplan(make_proposal):
    note = make_proposal(ProposalState.draft, concept_note=True)
    with pytest.raises(InvalidTransition):
        ops.save_programme_sections(note, ops.ProgrammeSections(me_plan="x"), actor=note.created_by)


def selection(days=60, amount="1000000.00"):
    return steering_ops.DecisionData(DecisionOutcome.select, development_deadline=TODAY + timedelta(days=days),
                                     indicative_amount=Decimal(amount))  # fmt: skip


def test_the_committee_selects_a_concept_note_and_its_programme_document_opens_prefilled(
    committee, make_proposal, decide_by_procedure
):
    note = make_proposal(ProposalState.in_review, concept_note=True, partners=("UNHCR", "ILO"), area="TA3",
                         direct={"IOM": "600000.00", "UNHCR": "400000.00", "ILO": "200000.00"})  # fmt: skip
    decision = decide_by_procedure(note, selection())
    assert decision.outcome is DecisionOutcome.select
    assert decision.development_deadline == TODAY + timedelta(days=60)
    assert note.state is ProposalState.selected
    assert note.selected_amount == Decimal("1000000.00")
    document = note.programme_document
    assert document.stage is ProposalStage.programme_document
    assert document.state is ProposalState.draft
    assert document.reference == note.reference.removesuffix("-CN")
    assert {p.organization.code: p.indicative_amount for p in document.participants} == {
        "IOM": Decimal("600000.00"), "UNHCR": Decimal("400000.00"), "ILO": Decimal("200000.00")}  # fmt: skip
    assert document.primary_area.code == "TA3"
    assert document.country == note.country
    assert document.objectives == note.objectives
    assert document.principles == note.principles
    assert document.sdg_targets == ["10.7", "8.8"]
    assert [(p.name, p.kind) for p in document.national_partners] == [("Ministry of Labour", PartnerKind.government)]
    assert [m.level for m in document.markers] == [m.level for m in note.markers]
    # the document still needs the budget grid, the results matrix and its own sections
    problems = submission_problems(document)
    for missing in ("has no budget", "outcome", "workplan", "risk log", "monitoring and evaluation", "sustainability"):
        assert any(missing in p for p in problems), missing


def test_a_programme_document_is_placed_by_its_concept_notes_corridor(committee, make_proposal, decide_by_procedure):
    """A note placed by a corridor across regions (West Africa, through North Africa, to Europe) opens a programme
    document placed by the same corridor: it is not asked for one country."""
    note = make_proposal(ProposalState.in_review, concept_note=True, country=None)
    stops = [CorridorStop(position=n, country=country(c)) for n, c in enumerate(("SEN", "MRT", "MAR", "ESP"))]
    note.corridors = [Corridor(position=0, stops=stops)]
    decide_by_procedure(note, selection())
    document = note.programme_document
    assert [c.label for c in document.corridors] == [note.corridors[0].label]
    assert not any("programme country" in p for p in submission_problems(document))
    document.corridors = []
    assert any("programme country" in p for p in submission_problems(document))


@pytest.mark.parametrize(("outcome", "state"), [(DecisionOutcome.endorse, ProposalState.endorsed),
                                                (DecisionOutcome.reject, ProposalState.rejected)])  # fmt: skip
def test_the_committee_pipelines_or_declines_a_concept_note(make_proposal, decide_by_procedure, outcome, state):
    note = make_proposal(ProposalState.in_review, concept_note=True)
    decide_by_procedure(note, steering_ops.DecisionData(outcome))
    assert note.state is state
    assert note.programme_document is None


def test_a_decision_fits_the_stage(committee, make_proposal):
    """A concept note is not approved; a selection needs its terms; a programme document is not selected."""
    note = make_proposal(ProposalState.in_review, concept_note=True)
    document = make_proposal(ProposalState.in_review)

    def refused(proposal, data):
        with pytest.raises(ValidationFailed) as refusal:
            steering_ops.circulate_written_procedure(proposal, data, rationale="x", deadline=TODAY,
                                                     actor=committee.fmu)  # fmt: skip
        return " ".join(refusal.value.problems)

    assert "not approved" in refused(note, steering_ops.DecisionData(DecisionOutcome.approve, "", Decimal("5.00")))
    assert "deadline" in refused(note, steering_ops.DecisionData(DecisionOutcome.select))
    assert "in the past" in refused(note, selection(days=-1))
    assert "Only a concept note" in refused(document, selection())
    assert "Only a selection" in refused(note, steering_ops.DecisionData(
        DecisionOutcome.endorse, development_deadline=TODAY))  # fmt: skip


def test_the_fmu_invites_a_pipeline_concept_note_to_develop(committee, make_proposal, decide_by_procedure):
    note = make_proposal(ProposalState.in_review, concept_note=True)
    decide_by_procedure(note, steering_ops.DecisionData(DecisionOutcome.endorse))
    with pytest.raises(NotAllowed):
        ops.invite_to_develop(note, deadline=TODAY, amount=Decimal("5.00"), actor=note.created_by)
    with pytest.raises(ValidationFailed):
        ops.invite_to_develop(note, deadline=None, amount=Decimal("0.00"), actor=committee.fmu)
    document = ops.invite_to_develop(note, deadline=TODAY + timedelta(days=30), amount=Decimal("900000.00"),
                                     actor=committee.fmu)  # fmt: skip
    db.session.commit()
    assert note.state is ProposalState.selected
    assert note.programme_document is document
    with pytest.raises(InvalidTransition):
        ops.invite_to_develop(note, deadline=TODAY + timedelta(days=30), amount=Decimal("5.00"), actor=committee.fmu)
