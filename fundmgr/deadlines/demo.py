"""Demo data for deadlines (runs after results; see fundmgr/demo/seed.py for the order of the steps).

The demo already has scoring under way (some members have scored, some have a draft, some nothing) and an
overdue progress report. This step adds a written procedure open for answers (two members have answered),
runs the daily reminders as the cron job would have (the 14-day reminders of scoring and of the procedure),
and has the FMU remind the lead agency of the overdue report by hand. Running it again adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.db import db
from fundmgr.deadlines import queries as q
from fundmgr.deadlines.cli import send_reminders
from fundmgr.deadlines.models import DeadlineKind, ReminderSent
from fundmgr.deadlines.operations import remind_now
from fundmgr.funds.models import Fund
from fundmgr.notifications.operations import in_app_only
from fundmgr.proposals.models import Proposal, ProposalStage, ProposalState
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.demo import demo_people
from fundmgr.steering.models import DecisionOutcome, WrittenProcedure, standing

RATIONALE = (
    "The contribution earmarked for thematic area 1 has arrived; the programme is the highest ranked in the "
    "pipeline for it and its budget fits the balance."
)


def seed_deadlines(fund: Fund) -> list[str]:
    """An open written procedure, the reminders the daily job has sent, a reminder sent by hand; report lines.

    Runs after the demo's notifications: what it tells people goes to their bells only, never by e-mail.
    """
    people = demo_people(fund)
    if people.fmu is None or not people.members:
        return ["Deadlines: no demo FMU officer or members; nothing done."]
    with in_app_only():
        lines = open_procedure(fund, people)
        sent, _failures = send_reminders()
        lines.append(f"Reminders sent by the daily job: {sum(sent.values())}.")
        lines += remind_overdue_report(fund, people.fmu)
    return lines


def open_procedure(fund: Fund, people) -> list[str]:
    """Circulate an approval of the first endorsed programme document by written procedure, closing in twelve days
    (the pipeline's concept notes are invited to develop theirs, not approved)."""
    exists = db.session.scalar(
        sa.select(WrittenProcedure.id).where(
            WrittenProcedure.fund_id == fund.id, WrittenProcedure.rationale == RATIONALE
        )
    )
    proposal = db.session.scalar(
        sa.select(Proposal)
        .where(
            Proposal.fund_id == fund.id,
            Proposal.state == ProposalState.endorsed,
            Proposal.stage == ProposalStage.programme_document,
        )
        .order_by(Proposal.reference)
        .limit(1)
    )
    if exists or proposal is None or steering_ops.open_procedure_on(proposal) is not None:
        return []
    start = clock.today(fund) - timedelta(days=3)
    with clock.as_of(start):
        data = steering_ops.DecisionData(DecisionOutcome.approve, "", proposal.latest_version.total)
        procedure = steering_ops.circulate_written_procedure(
            proposal, data, rationale=RATIONALE, deadline=start + timedelta(days=15), actor=people.fmu
        )
    eligible = [m for m in people.members if standing(proposal, m).decides]
    for offset, member in enumerate(eligible[:2]):
        with clock.as_of(start + timedelta(days=offset + 1)):
            steering_ops.respond_to_procedure(procedure, member, objects=False, reason="", actor=member)
    return [f"{procedure.reference}: {proposal.reference} open for answers until {procedure.deadline}."]


def remind_overdue_report(fund: Fund, fmu) -> list[str]:
    """The FMU reminds the lead agency of the first overdue report, once."""
    day = clock.today(fund)
    overdue = [d for d in q.fund_deadlines(fund, day, kinds=[DeadlineKind.report]) if d.is_overdue(day) and d.waiting]
    if not overdue:
        return []
    deadline = overdue[0]
    already = db.session.scalar(
        sa.select(ReminderSent.id).where(
            ReminderSent.kind == DeadlineKind.report,
            ReminderSent.object_id == deadline.object_id,
            ReminderSent.offset_days.is_(None),
        )
    )
    if already:
        return []
    sent = remind_now(deadline, actor=fmu)
    return [f"{deadline.reference}: the FMU reminded {len(sent)} people of the overdue report."]
