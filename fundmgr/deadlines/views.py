"""The FMU's deadlines page: who has done their part before each deadline, and "send a reminder now"."""

from __future__ import annotations

from typing import Any

from babel.lists import format_list
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from fundmgr import clock
from fundmgr.db import db
from fundmgr.deadlines import operations as ops
from fundmgr.deadlines import queries as q
from fundmgr.deadlines.forms import KIND_CHOICES, SHOW_CHOICES, WHEN_CHOICES, RemindForm
from fundmgr.deadlines.models import PAGE_KINDS, DeadlineKind
from fundmgr.deadlines.warnings import early_warnings
from fundmgr.errors import InvalidTransition, ValidationFailed
from fundmgr.funds.queries import current_fund
from fundmgr.funds.rights import FUND_MANAGERS
from fundmgr.i18n import current_language
from fundmgr.proposals.models import Proposal
from fundmgr.results.models import ReportingPeriod
from fundmgr.steering.models import WrittenProcedure
from fundmgr.web import FundView, in_fund, safe_next_url

MAX_SEARCH = 100


class DeadlinesView(FundView):
    """Upcoming and overdue deadlines of the current fund, per kind, with who has done their part and who has not."""

    roles = FUND_MANAGERS

    def load(self, **_view_args: Any) -> None:
        self.fund = current_fund()
        if self.fund is None:
            abort(404)

    def process(self):
        day = clock.today(self.fund)
        kind = request.args.get("kind", "")
        when = request.args.get("when", "")
        show = request.args.get("show", "waiting")
        search = request.args.get("q", "")[:MAX_SEARCH].strip()
        kinds = [DeadlineKind(kind)] if kind in {k.value for k in PAGE_KINDS} else list(PAGE_KINDS)
        deadlines = q.fund_deadlines(self.fund, day, kinds=kinds, include_done=show == "all")
        if when == "overdue":
            deadlines = [d for d in deadlines if d.is_past(day)]
        elif when == "upcoming":
            deadlines = [d for d in deadlines if not d.is_past(day)]
        if search:
            deadlines = [d for d in deadlines if matches(d, search.casefold())]
        q.attach_reminders(deadlines)
        return render_template(
            "deadlines/index.html",
            fund=self.fund,
            today=day,
            sections=[(k, [d for d in deadlines if d.kind is k]) for k in kinds],
            filters={"kind": kind, "when": when, "show": show if show == "all" else "waiting", "q": search},
            kind_choices=KIND_CHOICES,
            when_choices=WHEN_CHOICES,
            show_choices=SHOW_CHOICES,
            form=RemindForm(),
            days_before=format_list([str(d) for d in self.fund.reminder_days or []], locale=current_language()),
            financial=q.financial_report_deadlines(self.fund, day, include_done=show == "all"),
            calendar=self.fund.calendar,
            warnings=early_warnings(self.fund, day),
        )


def matches(deadline: q.Deadline, text: str) -> bool:
    """Whether the search text is in the deadline's reference or title, or a concerned person's name or organization."""
    haystack = [deadline.reference, deadline.title]
    for party in deadline.parties:
        haystack += [party.user.name, party.user.organization.label]
    return any(text in value.casefold() for value in haystack)


class RemindView(FundView):
    """The FMU sends a reminder now to everyone who has not done their part before one deadline."""

    methods = ["POST"]
    roles = FUND_MANAGERS

    def find(self) -> q.Deadline | None:
        raise NotImplementedError

    def process(self):
        form = RemindForm()
        if not form.validate_on_submit():
            raise ValidationFailed([_("The form expired; please try again.")])
        deadline = self.find()
        if deadline is None:
            raise InvalidTransition(_("Nobody has a part left to do before this deadline."))
        sent = ops.remind_now(deadline, actor=current_user)
        flash(ngettext("A reminder was sent to %(num)d person.", "A reminder was sent to %(num)d people.",
                       len(sent)), "success")  # fmt: skip
        return redirect(self.back_url())

    def back_url(self) -> str:
        return safe_next_url(request.form.get("next")) or url_for("deadlines.index")


class RemindScoringView(RemindView):
    """Remind the SC members who have not submitted their scores of a proposal in review."""

    def load(self, proposal_id: int) -> None:
        self.proposal = in_fund(db.session.get(Proposal, proposal_id), current_fund())

    def find(self) -> q.Deadline | None:
        return q.scoring_deadline_of(self.proposal)


class RemindProcedureView(RemindView):
    """Remind the eligible members who have not answered an open written procedure."""

    def load(self, procedure_id: int) -> None:
        self.procedure = in_fund(db.session.get(WrittenProcedure, procedure_id), current_fund())

    def find(self) -> q.Deadline | None:
        return q.procedure_deadline_of(self.procedure)


class RemindReportView(RemindView):
    """Remind the lead agency's staff of a progress report not handed in."""

    def load(self, programme_id: int, number: int) -> None:
        self.period = db.session.scalar(
            db.select(ReportingPeriod).where(ReportingPeriod.programme_id == programme_id,
                                             ReportingPeriod.number == number)
        ) or abort(404)  # fmt: skip
        in_fund(self.period, current_fund(), self.period.programme.proposal.fund_id)

    def find(self) -> q.Deadline | None:
        return q.report_deadline_of(self.period)
