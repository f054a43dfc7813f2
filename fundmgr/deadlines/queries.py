"""Read side of deadlines: each open deadline with who has done their part, and which reminders are due.

Each kind is read in a few queries whatever the number of deadlines and people (no query per deadline).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.db import db
from fundmgr.deadlines.models import LAST_OFFSET, PAGE_KINDS, DeadlineKind, ReminderSent
from fundmgr.finance.models import Allocation, Expenditure, ExpenditureKind, FinalStatement, Transfer
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import holding, is_agency_staff
from fundmgr.proposals.models import FUNDED_STATES, Participant, Proposal, ProposalState, ProposalVersion
from fundmgr.results.models import HANDED_IN_STATES, Programme, ProgressReport, ReportingPeriod, ReportState
from fundmgr.steering.models import (
    Assignment,
    Review,
    ReviewState,
    WrittenProcedure,
    WrittenProcedureState,
    active_conflicts,
    is_recused_given,
    standing_given,
)

# A run that missed days still sends the latest reminder whose day has come, up to this many days late;
# older ones are left to the FMU's "send a reminder now" (a first run must not flood people about old deadlines).
CATCH_UP_DAYS = 7
# Reports handed in are shown (as done) while their due date is at most this many days past.
RECENT_DAYS = 30


class PartyState:
    """Where one person stands before a deadline."""

    done = "done"
    waiting = "waiting"
    recused = "recused"


NOTES = {
    "draft": _l("Draft saved, not submitted"),
    "not_started": _l("Not started"),
    "submitted": _l("Submitted"),
    "objected": _l("Objected"),
    "no_objection": _l("No objection"),
    "recused": _l("Recused: not chased"),
    "report_draft": _l("Report in draft"),
    "report_returned": _l("Returned for revision"),
    "report_submitted": _l("Report submitted"),
    "report_accepted": _l("Report accepted"),
    "no_report": _l("No report started"),
}
# The note of a report not yet handed in, by its state (None: not started).
WAITING_NOTES: dict[ReportState | None, str] = {
    None: "no_report",
    ReportState.draft: "report_draft",
    ReportState.returned: "report_returned",
}


@dataclass
class Party:
    """One person with a part in a deadline: done (and when), waiting, or recused (not chased)."""

    user: User
    state: str
    note: str = ""
    done_at: datetime | None = None
    last_reminded: datetime | None = None
    reminders: int = 0

    @property
    def note_text(self) -> str:
        return str(NOTES[self.note]) if self.note else ""


@dataclass
class Deadline:
    """A deadline and the people it concerns.

    `object_id` is the proposal version (scoring), written procedure or reporting period the deadline
    belongs to; `subject` is that object; `proposal` the proposal it is about (none: a written procedure on a
    matter of the fund).
    """

    kind: DeadlineKind
    object_id: int
    fund_id: int
    due_on: date
    subject: Any
    proposal: Proposal | None
    parties: list[Party] = field(default_factory=list)
    organization: Any = None  # reports: the lead organization that owes the report

    @property
    def key(self) -> tuple[DeadlineKind, int]:
        return (self.kind, self.object_id)

    @property
    def waiting(self) -> list[Party]:
        return [p for p in self.parties if p.state == PartyState.waiting]

    @property
    def done(self) -> list[Party]:
        return [p for p in self.parties if p.state == PartyState.done]

    @property
    def recused(self) -> list[Party]:
        return [p for p in self.parties if p.state == PartyState.recused]

    @property
    def handed_in(self) -> bool:
        """Reports: the report is submitted or accepted."""
        report = self.subject.report if self.kind is DeadlineKind.report else None
        return report is not None and report.state in HANDED_IN_STATES

    @property
    def complete(self) -> bool:
        """Everybody concerned has done their part."""
        if self.kind is DeadlineKind.report:
            return self.handed_in
        if self.kind is DeadlineKind.financial:
            return bool(self.subject.received)
        return not self.waiting

    def days_left(self, today: date) -> int:
        return clock.days_left(self.due_on, today)

    def is_past(self, today: date) -> bool:
        """Whether the deadline's day is over (in the fund's time zone, where `today` is taken)."""
        return clock.is_past(self.due_on, today)

    def is_overdue(self, today: date) -> bool:
        return self.is_past(today) and not self.complete

    def is_closed(self, today: date) -> bool:
        """Scoring and written procedures close at the end of their deadline day; reports may come late."""
        return self.kind is not DeadlineKind.report and self.is_past(today)

    @property
    def reference(self) -> str:
        if self.kind is DeadlineKind.procedure:
            return f"{self.subject.reference} · {self.proposal.reference}" if self.proposal else self.subject.reference
        if self.kind is DeadlineKind.report:
            return f"{self.of_proposal.reference} / {self.subject.number}"
        if self.kind is DeadlineKind.financial:
            return f"{self.of_proposal.reference} · {self.organization.code} · {self.subject.year}"
        return f"{self.of_proposal.reference} v{self.subject.number}"

    @property
    def of_proposal(self) -> Proposal:
        """The proposal of a deadline that has one (every kind but a written procedure on a matter of the fund)."""
        assert self.proposal is not None
        return self.proposal

    @property
    def title(self) -> str:
        """What the deadline is about: the proposal's title, or a procedure's matter of the fund."""
        return self.proposal.title if self.proposal is not None else str(self.subject.subject.title)

    @property
    def fund(self) -> Fund:
        return self.proposal.fund if self.proposal is not None else self.subject.fund

    def may_see(self, user: Any) -> bool:
        """Who may be told about it: whoever sees the proposal's content (a procedure: whoever may see it)."""
        if self.kind is DeadlineKind.procedure:
            return bool(self.subject.may_see(user))
        return self.proposal is not None and bool(self.proposal.can_see_content(user))

    def page(self) -> tuple[str, dict[str, Any]]:
        """Where the FMU follows the deadline: endpoint and arguments."""
        if self.kind is DeadlineKind.scoring:
            return "steering.proposal", {"proposal_id": self.of_proposal.id}
        if self.kind is DeadlineKind.procedure:
            return "steering.procedure", {"procedure_id": self.subject.id}
        if self.kind is DeadlineKind.financial:
            final = "finance.final_statements" if self.subject.final else "finance.expenditure"
            return final, {"proposal_id": self.of_proposal.id}
        return "results.period", {"programme_id": self.subject.programme_id, "number": self.subject.number}

    def action(self) -> tuple[str, dict[str, Any]]:
        """Where the person reminded does their part: endpoint and arguments."""
        if self.kind is DeadlineKind.scoring:
            return "steering.review", {"proposal_id": self.of_proposal.id}
        return self.page()

    def remind_endpoint(self) -> tuple[str, dict[str, Any]]:
        """The FMU's "send a reminder now" for this deadline: endpoint and arguments."""
        if self.kind is DeadlineKind.scoring:
            return "deadlines.remind_scoring", {"proposal_id": self.of_proposal.id}
        if self.kind is DeadlineKind.procedure:
            return "deadlines.remind_procedure", {"procedure_id": self.subject.id}
        return "deadlines.remind_report", {"programme_id": self.subject.programme_id, "number": self.subject.number}


# --- The three kinds ------------------------------------------------------------------------------


def proposal_options(*path: Any) -> Any:
    """Load a proposal's participants (for recusals) in one query, without their organizations."""
    return so.selectinload(*path, Proposal.participants).lazyload(Participant.organization)


def scoring_deadlines(fund: Fund, *, proposal_ids: Sequence[int] | None = None) -> list[Deadline]:
    """Proposals in review whose current version is assigned for scoring: who submitted, who not, who is recused."""
    query = (
        sa.select(Assignment, ProposalVersion)
        .join(ProposalVersion, ProposalVersion.id == Assignment.version_id)
        .join(Assignment.proposal)
        .where(
            Proposal.fund_id == fund.id,
            Proposal.state == ProposalState.in_review,
            ProposalVersion.number == Proposal.version_count,  # the current version only
        )
        .options(
            so.contains_eager(Assignment.proposal),
            proposal_options(Assignment.proposal),
            so.defer(ProposalVersion.snapshot),
        )
        .order_by(Assignment.due_on, Proposal.reference, Assignment.id)
    )
    if proposal_ids is not None:
        query = query.where(Proposal.id.in_(proposal_ids))
    rows = db.session.execute(query).unique().all()
    if not rows:
        return []
    reviews = {
        (r.version_id, r.member_id): r
        for r in db.session.execute(
            sa.select(Review.version_id, Review.member_id, Review.state, Review.submitted_at).where(
                Review.version_id.in_({version.id for _a, version in rows})
            )
        )
    }
    conflicts = active_conflicts(list({a.proposal.id for a, _v in rows}))
    deadlines: dict[tuple[int, date], Deadline] = {}
    for assignment, version in rows:
        key = (version.id, assignment.due_on)
        deadline = deadlines.get(key)
        if deadline is None:
            deadline = deadlines[key] = Deadline(
                DeadlineKind.scoring, version.id, fund.id, assignment.due_on, version, assignment.proposal
            )
        member, review = assignment.member, reviews.get((version.id, assignment.member_id))
        if review is not None and review.state is ReviewState.submitted:
            party = Party(member, PartyState.done, "submitted", review.submitted_at)
        elif is_recused_given(assignment.proposal, member, conflicts):
            party = Party(member, PartyState.recused, "recused")
        else:
            party = Party(member, PartyState.waiting, "draft" if review is not None else "not_started")
        deadline.parties.append(party)
    return list(deadlines.values())


def procedure_deadlines(fund: Fund, *, procedure_ids: Sequence[int] | None = None) -> list[Deadline]:
    """Open written procedures: which eligible members have answered (and how), who has not, who is recused."""
    query = (
        sa.select(WrittenProcedure)
        .where(WrittenProcedure.fund_id == fund.id, WrittenProcedure.state == WrittenProcedureState.open)
        .options(
            so.joinedload(WrittenProcedure.proposal),
            proposal_options(WrittenProcedure.proposal),
            so.selectinload(WrittenProcedure.responses),
        )
        .order_by(WrittenProcedure.deadline, WrittenProcedure.id)
    )
    if procedure_ids is not None:
        query = query.where(WrittenProcedure.id.in_(procedure_ids))
    procedures = list(db.session.scalars(query).unique())
    if not procedures:
        return []
    members = list(
        db.session.scalars(
            sa.select(User).where(holding(fund, Role.sc_member), User.is_active_account.is_(True)).order_by(User.name)
        )
    )
    conflicts = active_conflicts(list({p.proposal.id for p in procedures if p.proposal is not None}))
    deadlines = []
    for procedure in procedures:
        deadline = Deadline(
            DeadlineKind.procedure, procedure.id, fund.id, procedure.deadline, procedure, procedure.proposal
        )
        answers = {r.member_id: r for r in procedure.responses}
        for member in members:
            answer = answers.pop(member.id, None)
            if answer is not None:
                note = "objected" if answer.objects else "no_objection"
                deadline.parties.append(Party(member, PartyState.done, note, answer.responded_at))
            elif procedure.proposal is not None and not standing_given(procedure.proposal, member, conflicts).decides:
                deadline.parties.append(Party(member, PartyState.recused, "recused"))
            else:
                deadline.parties.append(Party(member, PartyState.waiting, "not_started"))
        for answer in answers.values():  # answered, and no longer an active member since
            note = "objected" if answer.objects else "no_objection"
            deadline.parties.append(Party(answer.member, PartyState.done, note, answer.responded_at))
        deadlines.append(deadline)
    return deadlines


def report_deadlines(
    fund: Fund,
    today: date,
    *,
    horizon: int,
    include_done: bool = False,
    since: date | None = None,
    period_ids: Sequence[int] | None = None,
) -> list[Deadline]:
    """Reporting periods of funded programmes whose report is due within `horizon` days, or has ended and is not
    handed in (a returned report is outstanding again); with include_done also those handed in recently.
    `since` leaves out reports due before that day. The lead organization's agency staff are responsible."""
    handed_in = ProgressReport.state.in_(HANDED_IN_STATES)
    outstanding = sa.and_(
        sa.or_(ProgressReport.id.is_(None), ~handed_in),
        sa.or_(
            clock.is_past(ReportingPeriod.end_date, today), ReportingPeriod.due_date <= today + timedelta(days=horizon)
        ),
    )
    recent = sa.and_(
        handed_in,
        ReportingPeriod.due_date >= today - timedelta(days=RECENT_DAYS),
        ReportingPeriod.due_date <= today + timedelta(days=horizon),
    )
    query = (
        sa.select(ReportingPeriod)
        .join(ReportingPeriod.programme)
        .join(Programme.proposal)
        .outerjoin(ReportingPeriod.report)
        .where(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))
        .where(sa.or_(outstanding, recent) if include_done else outstanding)
        .options(
            so.contains_eager(ReportingPeriod.programme)
            .contains_eager(Programme.proposal)
            .joinedload(Proposal.lead_organization),
            so.contains_eager(ReportingPeriod.report).joinedload(ProgressReport.submitted_by),
        )
        .order_by(ReportingPeriod.due_date, Proposal.reference, ReportingPeriod.number)
    )
    if since is not None:
        query = query.where(ReportingPeriod.due_date >= since)
    if period_ids is not None:
        query = query.where(ReportingPeriod.id.in_(period_ids))
    periods = list(db.session.scalars(query).unique())
    if not periods:
        return []
    staff: dict[int | None, list[User]] = defaultdict(list)
    lead_ids = {p.programme.proposal.lead_organization_id for p in periods} - {None}
    for user in db.session.scalars(
        sa.select(User)
        .where(holding(fund, Role.agency), User.is_active_account.is_(True), User.organization_id.in_(lead_ids))
        .order_by(User.name)
    ):
        staff[user.organization_id].append(user)
    deadlines = []
    for period in periods:
        proposal = period.programme.proposal
        deadline = Deadline(DeadlineKind.report, period.id, fund.id, period.due_date, period, proposal,
                            organization=proposal.lead_organization)  # fmt: skip
        report = period.report
        for user in staff.get(proposal.lead_organization_id, []):
            if report is not None and report.state in HANDED_IN_STATES:
                note = "report_accepted" if report.state is ReportState.accepted else "report_submitted"
                party = Party(user, PartyState.done, note, report.submitted_at)
            else:
                party = Party(user, PartyState.waiting, WAITING_NOTES[report.state if report else None])
            deadline.parties.append(party)
        deadlines.append(deadline)
    return deadlines


# --- Annual financial reports of the participating organizations (the fund's reporting calendar) ----------


@dataclass
class FinancialReportDue:
    """One organization's annual financial report on one programme and year (certified annual expenditure), or its
    certified final financial statements (`final`, on the year of the financial closure): due by the fund's
    calendar. `allocation` is the organization's first allocation of the programme (the reminders' object)."""

    proposal: Proposal
    organization: Any
    year: int
    due_on: date
    received: bool
    allocation: Allocation | None = None
    final: bool = False

    def is_past(self, today: date) -> bool:
        return clock.is_past(self.due_on, today)


def financial_report_deadlines(fund: Fund, today: date, *, include_done: bool = False) -> list[FinancialReportDue]:
    """Each organization of a funded programme owes certified annual expenditure for every calendar year the
    programme ran in, once the year is over (due `annual_financial_due` of the next year), and after the financial
    closure its certified final financial statements (due `final_financial_due` of the next year: received once the
    FMU records their receipt, see fundmgr.finance.operations.final_statements); received when recorded. An
    organization's top-ups count with it."""
    calendar = fund.calendar
    rows = db.session.execute(
        sa.select(Allocation, Programme.start_date, Programme.end_date)
        .join(Programme, Programme.proposal_id == Allocation.proposal_id)
        .join(Proposal, Proposal.id == Allocation.proposal_id)
        .where(Allocation.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))
        .where(sa.exists().where(Transfer.allocation_id == Allocation.id))
        .order_by(Allocation.id)
        .options(so.joinedload(Allocation.proposal), so.joinedload(Allocation.organization))
    ).all()
    certified = set(
        db.session.execute(
            sa.select(Allocation.proposal_id, Allocation.organization_id, Expenditure.year)
            .join(Allocation, Allocation.id == Expenditure.allocation_id)
            .where(Expenditure.fund_id == fund.id, Expenditure.kind == ExpenditureKind.annual)
            .distinct()
        ).tuples()
    )
    finals = set(
        db.session.execute(
            sa.select(FinalStatement.proposal_id, FinalStatement.organization_id).where(
                FinalStatement.fund_id == fund.id
            )
        ).tuples()
    )
    owing: dict[tuple[int, int], tuple[Allocation, date, date]] = {}
    for allocation, start, end in rows:
        owing.setdefault((allocation.proposal_id, allocation.organization_id), (allocation, start, end))
    result = []
    for (proposal_id, organization_id), (allocation, start, end) in owing.items():
        due = [
            (year, calendar.financial_due_on(year), False)
            for year in range(start.year, min(end.year, today.year - 1) + 1)
        ]
        closed_on = allocation.proposal.financially_closed_on
        if closed_on is not None:
            due.append((closed_on.year, calendar.final_financial_due_on(closed_on), True))
        for year, due_on, final in due:
            received = (
                (proposal_id, organization_id) in finals if final else (proposal_id, organization_id, year) in certified
            )
            if received and not include_done:
                continue
            result.append(
                FinancialReportDue(allocation.proposal, allocation.organization, year, due_on, received, allocation,
                                   final)
            )  # fmt: skip
    result.sort(key=lambda d: (d.due_on, d.proposal.reference, d.organization.code))
    return result


def expenditure_due(user: Any, fund: Fund | None) -> list[tuple[FinancialReportDue, bool]]:
    """The home page of agency staff: the certified expenditure (or final statements) their organization owes on
    each of its programmes, each with whether it is overdue, by the fund's reporting calendar (the deadlines page's
    and the reminders' computation)."""
    if fund is None or not getattr(user, "is_authenticated", False) or user.organization_id is None:
        return []
    if not is_agency_staff(user, fund):
        return []
    today = clock.today(fund)
    owed = financial_report_deadlines(fund, today)
    return [(d, d.is_past(today)) for d in owed if d.organization.id == user.organization_id]


def financial_deadlines(fund: Fund, today: date, *, reach: int, since: date) -> list[Deadline]:
    """The financial reports not received, due between `since` and `reach` days from today, as deadlines on which
    the organization's agency staff are reminded."""
    owed = [
        d
        for d in financial_report_deadlines(fund, today)
        if since <= d.due_on <= today + timedelta(days=reach) and d.allocation is not None
    ]
    if not owed:
        return []
    staff: dict[int | None, list[User]] = defaultdict(list)
    for user in db.session.scalars(
        sa.select(User)
        .where(holding(fund, Role.agency), User.is_active_account.is_(True))
        .where(User.organization_id.in_({d.organization.id for d in owed}))
        .order_by(User.name)
    ):
        staff[user.organization_id].append(user)
    deadlines = []
    for owing in owed:
        assert owing.allocation is not None  # kept above
        deadline = Deadline(DeadlineKind.financial, owing.allocation.id, fund.id, owing.due_on, owing, owing.proposal,
                            organization=owing.organization)  # fmt: skip
        deadline.parties = [
            Party(user, PartyState.waiting, "no_report") for user in staff.get(owing.organization.id, [])
        ]
        deadlines.append(deadline)
    return deadlines


# --- All of them, for the FMU's page ---------------------------------------------------------------


def horizon_of(fund: Fund) -> int:
    """How far ahead report deadlines are shown and reminded: the earliest reminder (at least 30 days)."""
    return max([30, *(fund.reminder_days or [])])


def fund_deadlines(
    fund: Fund, today: date, *, kinds: Iterable[DeadlineKind] = PAGE_KINDS, include_done: bool = False
) -> list[Deadline]:
    """The fund's deadlines of the given kinds, by due date; without include_done only those someone still owes."""
    kinds = set(kinds)
    deadlines: list[Deadline] = []
    if DeadlineKind.scoring in kinds:
        deadlines += scoring_deadlines(fund)
    if DeadlineKind.procedure in kinds:
        deadlines += procedure_deadlines(fund)
    if DeadlineKind.report in kinds:
        deadlines += report_deadlines(fund, today, horizon=horizon_of(fund), include_done=include_done)
    if not include_done:
        deadlines = [d for d in deadlines if not d.complete]
    deadlines.sort(key=lambda d: (d.due_on, d.kind.value, d.reference))
    return deadlines


def of_deadlines(by_kind: dict[DeadlineKind, set[int]]) -> sa.ColumnElement[bool]:
    """Reminders of the given deadlines: (kind, object ids) pairs."""
    return sa.or_(*(sa.and_(ReminderSent.kind == k, ReminderSent.object_id.in_(ids)) for k, ids in by_kind.items()))


def attach_reminders(deadlines: Sequence[Deadline]) -> None:
    """Fill each waiting party's last reminder and reminder count, in one query."""
    by_kind: dict[DeadlineKind, set[int]] = defaultdict(set)
    for deadline in deadlines:
        by_kind[deadline.kind].add(deadline.object_id)
    if not by_kind:
        return
    rows = db.session.execute(
        sa.select(
            ReminderSent.kind,
            ReminderSent.object_id,
            ReminderSent.recipient_id,
            ReminderSent.due_on,
            sa.func.max(ReminderSent.sent_at),
            sa.func.count(ReminderSent.id),
        )
        .where(of_deadlines(by_kind))
        .group_by(ReminderSent.kind, ReminderSent.object_id, ReminderSent.recipient_id, ReminderSent.due_on)
    )
    sent = {(kind, object_id, recipient, due): (last, n) for kind, object_id, recipient, due, last, n in rows}
    for deadline in deadlines:
        for party in deadline.parties:
            last, n = sent.get((deadline.kind, deadline.object_id, party.user.id, deadline.due_on), (None, 0))
            party.last_reminded, party.reminders = last, n


# --- Which reminders are due -----------------------------------------------------------------------


def offsets_for(kind: DeadlineKind, reminder_days: Iterable[int]) -> list[int]:
    """The days before the deadline on which reminders go out, largest first, the last reminder's included."""
    return sorted({*reminder_days, LAST_OFFSET[kind]}, reverse=True)


def due_offset(kind: DeadlineKind, reminder_days: Iterable[int], days_left: int) -> int | None:
    """The reminder due when the deadline is `days_left` days away: the latest one whose day has come
    (its offset is at least days_left), if its day is at most CATCH_UP_DAYS past and the deadline still open."""
    if LAST_OFFSET[kind] == 0 and days_left < 0:
        return None  # scoring and written procedures are closed: nobody can act any more
    come = [offset for offset in offsets_for(kind, reminder_days) if offset >= days_left]
    if not come:
        return None
    offset = min(come)
    return offset if offset - days_left <= CATCH_UP_DAYS else None


@dataclass(frozen=True)
class DueReminder:
    """A scheduled reminder to send: to whom, about which deadline, at which offset."""

    deadline: Deadline
    recipient: User
    offset: int


def scheduled_deadlines(fund: Fund, today: date) -> list[Deadline]:
    """The fund's deadlines a scheduled reminder may be due for today (those still owed, not long past)."""
    reach = max(offsets_for(DeadlineKind.report, fund.reminder_days or []))
    deadlines = [d for d in scoring_deadlines(fund) + procedure_deadlines(fund) if not d.is_past(today)]
    since = today - timedelta(days=CATCH_UP_DAYS + 1)
    deadlines += report_deadlines(fund, today, horizon=reach, since=since)
    deadlines += financial_deadlines(fund, today, reach=reach, since=since)
    return [d for d in deadlines if not d.complete]


def due_reminders(fund: Fund, today: date) -> list[DueReminder]:
    """The scheduled reminders due today: for each person who has not done their part, the latest reminder whose
    day has come, unless it, or a later one of the same deadline, was already sent to them."""
    deadlines = scheduled_deadlines(fund, today)
    candidates = []
    for deadline in deadlines:
        offset = due_offset(deadline.kind, fund.reminder_days or [], deadline.days_left(today))
        if offset is not None:
            candidates += [DueReminder(deadline, party.user, offset) for party in deadline.waiting]
    if not candidates:
        return []
    latest = latest_offsets_sent(deadlines)
    due = [
        c
        for c in candidates
        if latest.get((c.deadline.kind, c.deadline.object_id, c.recipient.id, c.deadline.due_on), c.offset + 1)
        > c.offset
    ]
    due.sort(key=lambda c: (c.deadline.kind.value, c.deadline.object_id, c.recipient.id))
    return due


def latest_offsets_sent(deadlines: Sequence[Deadline]) -> dict[tuple[DeadlineKind, int, int, date], int]:
    """The smallest offset (the latest reminder) already sent per (kind, object, recipient, due date)."""
    by_kind: dict[DeadlineKind, set[int]] = defaultdict(set)
    for deadline in deadlines:
        by_kind[deadline.kind].add(deadline.object_id)
    rows = db.session.execute(
        sa.select(
            ReminderSent.kind,
            ReminderSent.object_id,
            ReminderSent.recipient_id,
            ReminderSent.due_on,
            sa.func.min(ReminderSent.offset_days),
        )
        .where(ReminderSent.offset_days.is_not(None))
        .where(of_deadlines(by_kind))
        .group_by(ReminderSent.kind, ReminderSent.object_id, ReminderSent.recipient_id, ReminderSent.due_on)
    )
    return {(kind, object_id, recipient, due): offset for kind, object_id, recipient, due, offset in rows}


# --- One deadline, for "send a reminder now" -------------------------------------------------------


def scoring_deadline_of(proposal: Proposal) -> Deadline | None:
    """The proposal's current scoring deadline (the latest, should its assignments differ)."""
    found = scoring_deadlines(proposal.fund, proposal_ids=[proposal.id])
    return max(found, key=lambda d: d.due_on) if found else None


def procedure_deadline_of(procedure: WrittenProcedure) -> Deadline | None:
    found = procedure_deadlines(procedure.fund, procedure_ids=[procedure.id])
    return found[0] if found else None


def report_deadline_of(period: ReportingPeriod) -> Deadline | None:
    """The period's report deadline, handed in or not."""
    fund = period.programme.proposal.fund
    found = report_deadlines(fund, clock.today(fund), horizon=36500, include_done=True, period_ids=[period.id])
    return found[0] if found else None
