"""Changes after approval (top-ups, budget revisions): the lead agency's request, the FMU's or the Steering
Committee's decision."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr import clock
from fundmgr.db import db
from fundmgr.finance import operations as ops
from fundmgr.finance.forms import ChangeDecisionForm, RevisionForm, TopUpForm
from fundmgr.finance.models import BudgetRevision, TopUp
from fundmgr.finance.views import FinanceView, acting_user, load_programme
from fundmgr.funds.queries import active
from fundmgr.web import in_fund, refusals_shown_on


class RequestView(FinanceView):
    """Base of the lead agency's requests on a programme."""

    methods = ["GET", "POST"]

    def load(self, proposal_id: int) -> None:
        super().load()
        self.proposal = load_programme(self.fund, proposal_id)

    def can_access(self, user) -> bool:
        return ops.may_ask(user, self.proposal)


class TopUpRequestView(RequestView):
    """The lead agency asks for a top-up of its programme."""

    def process(self):
        form = TopUpForm()
        form.organization.choices = [(o.id, o.label) for o in ops.top_up_organizations(self.proposal)]
        if form.validate_on_submit():
            with refusals_shown_on(form):
                top_up = ops.request_top_up(
                    self.proposal,
                    organization_id=form.organization.data,
                    amount=form.amount.data,
                    reason=form.reason.data or "",
                    actor=acting_user(),
                )
                flash(_("The top-up is requested; the Fund Management Unit reviews it."), "success")
                return redirect(url_for("finance.top_up", top_up_id=top_up.id))
        return self.render("top_up_form.html", proposal=self.proposal, form=form)


class RevisionRequestView(RequestView):
    """The lead agency asks for a budget revision of its programme: several budget lines changed at once ("Add a
    line" shows the form again with one more blank row, without script)."""

    def process(self):
        form = RevisionForm()
        version = self.proposal.latest_version
        adding = request.method == "POST" and form.add_line.data
        if adding and len(form.lines) < form.lines.max_entries:
            form.lines.append_entry()
        self.offer_choices(form, version)
        if not adding and form.validate_on_submit():
            with refusals_shown_on(form):
                lines = [
                    ops.LineData(row.organization.data, row.category.data, row.year.data, row.signed_amount(), number)
                    for number, row in enumerate((entry.form for entry in form.lines), start=1)
                    if not row.is_blank()
                ]
                data = ops.RevisionData(lines, form.reason.data or "")
                revision = ops.request_revision(self.proposal, data, actor=acting_user())
                flash(_("The budget revision is requested; the Fund Management Unit reviews it."), "success")
                return redirect(url_for("finance.revision", revision_id=revision.id))
        return self.render("revision_form.html", proposal=self.proposal, form=form, version=version)

    def offer_choices(self, form: RevisionForm, version: Any) -> None:
        """Each row's organizations, categories and years, with a blank choice (a row left blank is no line)."""
        blank = [("", "")]
        organizations = (
            blank + [(p.organization_id, p.code) for p in version.snapshot.participants] if version else blank
        )
        categories = blank + [(c.code, c.label) for c in active(self.fund.budget_categories)]
        years = blank + [(y, str(y)) for y in range(1, (version.snapshot.budget.years if version else 1) + 1)]
        for entry in form.lines:
            entry.form.organization.choices = organizations
            entry.form.category.choices = categories
            entry.form.year.choices = years


class ChangeView(FinanceView):
    """Base of a request's page, with the decision form for whoever decides it now (`model`: TopUp or
    BudgetRevision; `decide`: its operation)."""

    methods = ["GET", "POST"]
    model: Any
    decide: Any
    template: str
    done_message: Any

    def load(self, **view_args: Any) -> None:
        super().load()
        (change_id,) = view_args.values()
        self.change = in_fund(db.session.get(self.model, change_id), self.fund)
        proposal = self.change.proposal
        if not (ops.may_know(current_user, proposal) and proposal.can_see_content(current_user)):
            abort(404)

    def can_access(self, user) -> bool:
        """Whoever may know of it reads it; only whoever decides it now sends the form."""
        return request.method == "GET" or ops.may_decide(user, self.change)

    def process(self):
        form = ChangeDecisionForm()
        deciding = ops.may_decide(current_user, self.change)
        if request.method == "GET":
            form.decided_on.data = clock.today(self.fund)
        if deciding and form.validate_on_submit():
            with refusals_shown_on(form):
                self.decide(
                    self.change,
                    decision=form.decision.data,
                    note=form.note.data or "",
                    reference=form.reference.data or "",
                    decided_on=form.decided_on.data,
                    actor=acting_user(),
                )
                flash(str(self.done_message), "success")
                return redirect(url_for("finance.programme", proposal_id=self.change.proposal_id))
        return self.render(self.template, change=self.change, form=form, deciding=deciding)


class TopUpView(ChangeView):
    """A request for a top-up, and the decision form for whoever decides it now."""

    model = TopUp
    decide = staticmethod(ops.decide_top_up)
    template = "top_up.html"
    done_message = _l("The decision on the top-up is recorded.")


class RevisionView(ChangeView):
    """A request for a budget revision (the versions compared), and the decision form for whoever decides it now."""

    model = BudgetRevision
    decide = staticmethod(ops.decide_revision)
    template = "revision.html"
    done_message = _l("The decision on the budget revision is recorded.")
