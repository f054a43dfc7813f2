"""Who is listed as done, not done or recused before each kind of deadline, read in a few queries."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.deadlines import queries as q
from fundmgr.deadlines.models import DeadlineKind
from fundmgr.proposals.models import ProposalState
from fundmgr.results import operations as results_ops
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.support.deadlines import DUE
from tests.support.results import entries_for, submitted_report

pytestmark = pytest.mark.usefixtures("yearly_from_the_start")

FULL = {"Number of migrants assisted": "10", "Number of officials trained": "150",
        "Share of trained officials applying the guidelines": "45"}  # fmt: skip


def states(deadline: q.Deadline) -> dict[str, str]:
    return {p.user.name: p.state for p in deadline.parties}


def test_scoring_lists_who_submitted_who_has_not_and_who_is_recused(fund, committee, scoring, submit_review):
    """Submitted: done (when); draft or nothing: not done; a member who declared a conflict since: recused."""
    proposal, _members = scoring
    submit_review(proposal, committee.ilo, 4)
    steering_ops.save_review(proposal, committee.germany, steering_ops.ReviewInput(), actor=committee.germany)
    steering_ops.declare_conflict(proposal, committee.morocco, "My ministry co-finances it.", actor=committee.morocco)
    db.session.commit()

    (deadline,) = q.scoring_deadlines(fund)
    assert (deadline.kind, deadline.object_id, deadline.due_on) == (
        DeadlineKind.scoring, proposal.latest_version.id, DUE)  # fmt: skip
    assert states(deadline) == {
        "Ingrid ILO": "done",
        "Jonas Germany": "waiting",
        "Carmen Spain": "waiting",
        "Yasmine Morocco": "recused",
        "Grace Stakeholder": "waiting",
    }
    notes = {p.user.name: p.note for p in deadline.parties}
    assert notes["Jonas Germany"] == "draft"
    assert notes["Carmen Spain"] == "not_started"
    assert deadline.done[0].done_at is not None
    assert not deadline.complete


def test_scoring_of_a_proposal_no_longer_in_review_is_not_a_deadline(fund, scoring):
    proposal, _members = scoring
    proposal.state = ProposalState.endorsed  # decided: scoring is over
    db.session.commit()
    assert q.scoring_deadlines(fund) == []


def test_a_written_procedure_lists_every_eligible_member(fund, committee, procedure):
    """Answered (objection or not): done; the chair (IOM) and UNHCR's member are recused; the rest not done."""
    steering_ops.respond_to_procedure(procedure, committee.ilo, objects=False, reason="", actor=committee.ilo)
    steering_ops.respond_to_procedure(procedure, committee.spain, objects=True, reason="Too costly.",
                                      actor=committee.spain)  # fmt: skip
    db.session.commit()
    (deadline,) = q.procedure_deadlines(fund)
    assert deadline.due_on == DUE
    assert states(deadline) == {
        "Helena Chair": "recused",
        "Karim UNHCR": "recused",
        "Ingrid ILO": "done",
        "Carmen Spain": "done",
        "Jonas Germany": "waiting",
        "Yasmine Morocco": "waiting",
        "Grace Stakeholder": "waiting",
    }
    assert {p.user.name: p.note for p in deadline.done} == {"Ingrid ILO": "no_objection", "Carmen Spain": "objected"}


@pytest.fixture
def programme(make_programme):
    return make_programme(lead="IOM", partners=("UNHCR",))


def test_a_report_is_owed_by_the_lead_agencys_staff_until_handed_in(fund, programme, lead_of, make_user):
    """Lead staff (IOM agency users) are responsible; partners', other roles' and inactive accounts are not."""
    lead, colleague = lead_of(programme), lead_of(programme)
    make_user(Role.agency, org="UNHCR")
    make_user(Role.fmu, org="IOM")
    make_user(Role.agency, org="IOM", is_active_account=False)
    day = date(2025, 3, 10)  # period 1 due 2025-03-01, period 2 due 2026-03-01
    (first,) = q.report_deadlines(fund, day, horizon=30)
    assert (first.kind, first.object_id, first.due_on) == (DeadlineKind.report, programme.periods[0].id,
                                                           date(2025, 3, 1))  # fmt: skip
    creator = programme.proposal.created_by  # IOM agency staff too
    assert {p.user.id for p in first.waiting} == {creator.id, lead.id, colleague.id}
    assert first.is_overdue(day)
    assert first.organization.code == "IOM"

    submitted_report(programme, 1, FULL, lead)
    assert q.report_deadlines(fund, day, horizon=30) == []
    (done,) = q.report_deadlines(fund, day, horizon=30, include_done=True)
    assert {p.state for p in done.parties} == {"done"}
    assert done.complete


def test_a_returned_report_is_outstanding_again(fund, programme, lead_of, make_user):
    lead = lead_of(programme)
    report = submitted_report(programme, 1, FULL, lead)
    results_ops.return_report(report, "Add the sex breakdown.", actor=make_user(Role.fmu))
    db.session.commit()
    (deadline,) = q.report_deadlines(fund, date(2025, 3, 10), horizon=30)
    assert {(p.user.id, p.state, p.note) for p in deadline.parties} == {
        (lead.id, "waiting", "report_returned"),
        (programme.proposal.created_by_id, "waiting", "report_returned"),
    }


def test_reports_are_listed_from_the_reminder_horizon_not_years_ahead(fund, programme, lead_of, frozen_clock):
    lead_of(programme)
    day = date(2025, 1, 20)  # period 1 ended, due in 40 days; period 2 due in a year
    assert [d.subject.number for d in q.report_deadlines(fund, day, horizon=30)] == [1]
    assert q.report_deadlines(fund, date(2024, 12, 1), horizon=30) == []  # period 1 under way, due in 3 months
    frozen_clock(date(2024, 12, 1))
    draft = results_ops.save_report(programme.periods[0], entries_for(programme, FULL), actor=lead_of(programme))
    db.session.commit()
    (deadline,) = q.report_deadlines(fund, date(2025, 2, 1), horizon=30)
    assert deadline.subject.report.id == draft.id
    assert {p.note for p in deadline.parties} == {"report_draft"}


def count_statements(action) -> int:
    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        db.session.expire_all()
        action()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_deadlines_are_read_in_a_few_queries_however_many_there_are(fund, committee, in_review, assign,
                                                                         make_programme, lead_of):  # fmt: skip
    """Every kind is read in the same few queries for one deadline or for many (no query per deadline or person)."""

    def read():
        deadlines = q.fund_deadlines(fund, date(2025, 3, 10), include_done=True)
        q.attach_reminders(deadlines)
        shown = [  # what the page shows of each
            (party.user.name, party.user.organization.label, deadline.proposal.title, deadline.reference)
            for deadline in deadlines
            for party in deadline.parties
        ]
        assert shown

    assign(in_review(), DUE)
    steering_ops.circulate_written_procedure(
        in_review(), steering_ops.DecisionData(DecisionOutcome.endorse), rationale="Endorse.",
        deadline=DUE, actor=committee.fmu,
    )  # fmt: skip
    lead_of(make_programme(lead="IOM", partners=("UNHCR",)))
    db.session.commit()
    few = count_statements(read)
    for _ in range(3):
        assign(in_review(partners=("ILO",)), DUE)
        steering_ops.circulate_written_procedure(
            in_review(), steering_ops.DecisionData(DecisionOutcome.endorse), rationale="Endorse.",
            deadline=DUE, actor=committee.fmu,
        )  # fmt: skip
        lead_of(make_programme(lead="UNDP", partners=("UNHCR",)))
    db.session.commit()
    many = count_statements(read)
    assert len(q.fund_deadlines(fund, date(2025, 3, 10), include_done=True)) == 12
    assert many == few <= 15  # 15: the fund's conflict policy, read once (who of the members decides a procedure)
