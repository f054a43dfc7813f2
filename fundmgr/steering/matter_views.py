"""Deciding a matter of the fund in a meeting under way: the targets, a call, the direct costs (the form and the
matter it gives are shared with circulating one by written procedure: procedure_views)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import flash, request
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.calls.models import Call, CallState
from fundmgr.choices import options
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.steering import operations as ops
from fundmgr.steering.forms import MatterForm
from fundmgr.steering.meeting_views import MeetingBaseView
from fundmgr.steering.models import DecisionOutcome, DecisionSubject
from fundmgr.steering.presiding import may_run_meeting
from fundmgr.steering.voting import meeting_quorum
from fundmgr.web import refusals_shown_on


def with_draft_calls(form: MatterForm, fund: Fund) -> MatterForm:
    """The form offering the fund's draft calls (those the committee may open), its amount in the fund's currency."""
    drafts = db.session.scalars(sa.select(Call).where(Call.fund_id == fund.id, Call.state == CallState.draft)
                                .order_by(Call.id))  # fmt: skip
    form.call.choices = options([(0, "—")] + [(c.id, c.display_name) for c in drafts])
    return form.in_currency(fund.currency)


def matter_data(form: MatterForm, fund: Fund) -> ops.MatterData:
    """The matter as the operations take it (a call of another fund is not found: the operation asks for one)."""
    call = db.session.get(Call, form.call.data) if form.call.data else None
    return ops.MatterData(
        subject=DecisionSubject(form.subject.data), outcome=DecisionOutcome(form.outcome.data),
        matter=form.matter.data or "", amount=form.amount.data,
        call=call if call is not None and call.fund_id == fund.id else None,
    )  # fmt: skip


class MatterView(MeetingBaseView):
    """Whoever runs the meeting records what the committee, in session, decides on a matter of the fund."""

    methods = ["GET", "POST"]

    def can_access(self, user: User) -> bool:
        """The chair, the vice-chair or the FMU, who run the meeting."""
        return may_run_meeting(user, self.meeting)

    def process(self):
        form = with_draft_calls(MatterForm(), self.fund)
        if self.meeting.by_consensus:
            form.by_consensus()
        if request.method == "POST" and form.validate_on_submit():
            data = matter_data(form, self.fund)
            with refusals_shown_on(form):
                decision = ops.decide_matter(self.meeting, data, actor=current_user)
                flash(_("Decision %(ref)s is recorded.", ref=decision.reference), "success")
                return self.back()
        return self.render("matter_form.html", meeting=self.meeting, form=form, quorum=meeting_quorum(self.meeting))
