"""No-cost extensions: the lead agency's request, the FMU's or the Steering Committee's decision."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.db import db
from fundmgr.funds.rights import is_fund_manager, is_sc_member
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results.models import Extension, ExtensionState
from fundmgr.results.views.base import ResultsView
from fundmgr.results.views.programmes import ProgrammeBase
from fundmgr.web import in_fund, refusals_shown_on


class ExtensionRequestView(ProgrammeBase):
    """The lead agency asks for a no-cost extension of its programme."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.programme.can_report(user)

    def process(self):
        form = rf.ExtensionForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                extension = ops.request_extension(
                    self.programme,
                    new_end_date=form.new_end_date.data,
                    reason=form.reason.data or "",
                    actor=current_user._get_current_object(),
                )
                flash(_("The extension is requested; the Fund Management Unit reviews it."), "success")
                return redirect(url_for("results.extension", extension_id=extension.id))
        return self.render(
            "extension_form.html", programme=self.programme, form=form, last_day=ops.last_day_to_ask(self.programme)
        )


def may_decide(user: Any, extension: Extension) -> bool:
    """The FMU decides (or forwards) a request; once forwarded, a member of the Steering Committee records the
    committee's decision."""
    fund = extension.programme.proposal.fund
    if extension.state is ExtensionState.forwarded:
        return is_sc_member(user, fund)
    return extension.state is ExtensionState.requested and is_fund_manager(user, fund)


class ExtensionView(ResultsView):
    """A request for a no-cost extension, and the decision form for whoever decides it now."""

    methods = ["GET", "POST"]

    def load(self, extension_id: int, **view_args: Any) -> None:
        super().load()
        self.extension = in_fund(db.session.get(Extension, extension_id), self.fund)
        programme = self.extension.programme
        seen = programme.can_see_unpublished(current_user) or is_sc_member(current_user, self.fund)
        if not (seen and programme.proposal.can_see_content(current_user)):
            abort(404)

    def can_access(self, user) -> bool:
        """Whoever may know of it reads it; only whoever decides it now sends the form."""
        return request.method == "GET" or may_decide(user, self.extension)

    def process(self):
        form = rf.ExtensionDecisionForm()
        deciding = may_decide(current_user, self.extension)
        if deciding and form.validate_on_submit():
            with refusals_shown_on(form):
                ops.decide_extension(
                    self.extension,
                    decision=form.decision.data,
                    note=form.note.data or "",
                    actor=current_user._get_current_object(),
                )
                flash(_("The decision on the extension is recorded."), "success")
                return redirect(url_for("results.programme", programme_id=self.extension.programme_id))
        return self.render("extension.html", extension=self.extension, form=form, deciding=deciding)
