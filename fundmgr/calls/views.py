"""The call pages: the fund's calls, opening and editing one, its outcome, the public list, a proposal's call."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import Role
from fundmgr.calls import operations as ops
from fundmgr.calls import queries as q
from fundmgr.calls.forms import PlainForm, call_form, choose_call_form, chosen_call_id, details_of
from fundmgr.calls.models import Call, CallState
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds import queries as fq
from fundmgr.lists import Column, ListExport, Listing, ListSpec, enum_filter, enum_order
from fundmgr.proposals.exports import export_rows
from fundmgr.proposals.models import Proposal
from fundmgr.proposals.queries import PROPOSALS, export_loads
from fundmgr.web import FundView, form_problems, in_fund, refusals_shown_on


def call_window(call: Call) -> str:
    return f"{call.opens_on.isoformat()} – {call.closes_on.isoformat() if call.closes_on else _('rolling')}"


# The fund's calls: newest first.
CALLS = ListSpec(
    name="calls",
    columns=(
        Column("reference", _l("Reference"), (Call.reference,), lambda c: c.reference),
        Column("title", _l("Title"), value=lambda c: c.label),
        Column("window", _l("Window"), (Call.opens_on, Call.closes_on), call_window, first="desc"),
        Column("ceiling", _l("Ceiling per joint programme"), (Call.ceiling,), lambda c: c.ceiling, first="desc",
               css="text-end"),
        Column("status", _l("Status"), enum_order(Call.state, CallState), lambda c: str(c.phase_title)),
    ),
    default_sort="window",
    tiebreak=(Call.id,),
    search=(Call.reference, sa.cast(Call.title, sa.Text)),
    search_label=_l("Words in the reference or title"),
    filters=(
        enum_filter("status", _l("Status"), Call.state, CallState, aliases=("state",)),
    ),
)  # fmt: skip


class CallListView(FundView):
    """The fund's calls: published and closed ones for everyone on the fund, drafts for its managers (the list
    component)."""

    def process(self):
        fund = fq.current_fund()
        listing = CALLS.listing(q.calls_of(fund, current_user).order_by(None), fund)
        return render_template("calls/list.html", listing=listing, fund=fund)


class CallExportView(FundView):
    """The filtered, sorted calls as CSV or Excel: the same query as the page, without its pages."""

    def load(self, fmt: str) -> None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        self.fmt = fmt

    def process(self):
        fund = fq.current_fund()
        listing = CALLS.listing(q.calls_of(fund, current_user).order_by(None), fund)
        return listing.download(self.fmt, f"calls-{fund.code.lower()}", _("Calls for proposals"))


class NewCallView(FundView):
    """The FMU opens a call (a draft until it is published)."""

    methods = ["GET", "POST"]
    roles = (Role.fmu, Role.admin)

    def process(self):
        fund = fq.current_fund()
        form = call_form(fund)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                call = ops.open_call(fund, details_of(form), actor=current_user)
                flash(_("The call %(ref)s is drafted; publish it when it is ready.", ref=call.reference), "success")
                return redirect(url_for("calls.detail", call_id=call.id))
        return render_template("calls/form.html", form=form, call=None), 422 if form_problems(form) else 200


class CallBaseView(FundView):
    """Loads the call: 404 for a draft to those who may not know it exists."""

    def load(self, call_id: int) -> None:
        self.call: Call = in_fund(db.session.get(Call, call_id), fq.current_fund())
        if not self.call.can_view(current_user):
            abort(404)

    def back_url(self) -> str:
        return url_for("calls.detail", call_id=self.call.id)


class CallDetailView(CallBaseView):
    """A call: its terms, its outcome counted from its proposals, and the proposals one may know about (the
    proposals' list component)."""

    export_title = _l("Proposals")

    def listing(self) -> Listing:
        query = q.proposals_of(self.call, current_user).order_by(None).options(*export_loads())  # its export too
        return PROPOSALS.listing(query, self.call.fund)

    def export_name(self) -> str:
        return f"proposals-{self.call.reference.lower()}"

    def export_table(self, listing: Listing) -> tuple[list[str], list[list[Any]]]:
        return export_rows(listing.rows(), self.call.fund, current_user)

    def process(self):
        return render_template("calls/detail.html", call=self.call, outcome=q.outcome(self.call),
                               listing=self.listing(), fund=self.call.fund, action_form=PlainForm())  # fmt: skip


class CallProposalsExportView(ListExport, CallDetailView):
    """The call's proposals one may know about, filtered and sorted, as CSV or Excel."""


class EditCallView(CallBaseView):
    """The FMU changes a draft call's terms."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.call.can_manage(user)

    def process(self):
        form = call_form(self.call.fund, self.call)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.edit_call(self.call, details_of(form), actor=current_user)
                flash(_("The call is saved."), "success")
                return redirect(url_for("calls.detail", call_id=self.call.id))
        return render_template("calls/form.html", form=form, call=self.call), 422 if form_problems(form) else 200


class PublishCallView(CallBaseView):
    """The FMU publishes a draft call: it shows on the public list and takes proposals in its window."""

    methods = ["POST"]

    def can_access(self, user) -> bool:
        return self.call.can_manage(user)

    def process(self):
        if not PlainForm().validate_on_submit():
            raise ValidationFailed([_("The form expired; please try again.")])
        ops.publish_call(self.call, actor=current_user)
        flash(_("The call is published."), "success")
        return redirect(url_for("calls.detail", call_id=self.call.id))


class CloseCallView(CallBaseView):
    """The FMU closes a call: it takes no more proposals."""

    methods = ["POST"]

    def can_access(self, user) -> bool:
        return self.call.can_manage(user)

    def process(self):
        if not PlainForm().validate_on_submit():
            raise ValidationFailed([_("The form expired; please try again.")])
        consequence = _("It then takes no more proposals; a closed call cannot be opened again.")
        if page := unconfirmed(_("Close the call?"), consequence, back=url_for("calls.detail", call_id=self.call.id)):
            return page
        ops.close_call(self.call, actor=current_user)
        flash(_("The call is closed: it takes no more proposals."), "success")
        return redirect(url_for("calls.detail", call_id=self.call.id))


class PublicCallsView(FundView):
    """The published calls of every fund still taking proposals, for anyone, signed in or not."""

    login_required = False
    fund_scoped = False

    def process(self):
        return render_template("calls/public.html", calls=q.public_calls())


class ProposalCallView(FundView):
    """The agencies say which open call their proposal answers, before they submit it."""

    methods = ["GET", "POST"]

    def load(self, proposal_id: int) -> None:
        self.proposal: Proposal = in_fund(db.session.get(Proposal, proposal_id), fq.current_fund())
        if not self.proposal.can_view(current_user):
            abort(404)

    def can_access(self, user) -> bool:
        return self.proposal.can_edit(user, check_state=False)

    def back_url(self) -> str:
        return url_for("proposals.detail", proposal_id=self.proposal.id)

    def process(self):
        calls = q.open_calls(self.proposal.fund)
        current = db.session.get(Call, self.proposal.call_id) if self.proposal.call_id else None
        if current is not None and current not in calls:
            calls = [current, *calls]
        form = choose_call_form(calls, self.proposal.call_id)
        if form.validate_on_submit():
            with refusals_shown_on(form, form.call):
                chosen = next((c for c in calls if c.id == chosen_call_id(form)), None)
                ops.choose_call(self.proposal, chosen, actor=current_user)
                flash(_("The proposal’s call is saved."), "success")
                return redirect(url_for("proposals.detail", proposal_id=self.proposal.id))
        return render_template("calls/proposal_call.html", form=form, proposal=self.proposal, call=current,
                               calls=calls), 422 if form_problems(form) else 200  # fmt: skip
