"""The FMU closes a programme operationally."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr import clock
from fundmgr.db import db
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results.models import Programme
from fundmgr.results.views.programmes import ProgrammeBase
from fundmgr.web import refusals_shown_on


class OperationalClosureView(ProgrammeBase):
    """The checklist of the operational closure and the form that closes the programme (FMU).

    Reached by the proposal's id: the finance pages, below results, link to it without knowing the programme.
    """

    methods = ["GET", "POST"]

    def load(self, proposal_id: int, **view_args: Any) -> None:
        programme_id = db.session.scalar(sa.select(Programme.id).where(Programme.proposal_id == proposal_id))
        if programme_id is None:
            abort(404)
        super().load(programme_id)

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        form = rf.OperationalClosureForm()
        if request.method == "GET":
            form.closed_on.data = clock.today(self.fund)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.close_operationally(
                    self.programme,
                    closed_on=form.closed_on.data,
                    activities_ended=form.activities_ended.data,
                    actor=current_user._get_current_object(),
                )
                flash(_("The programme is closed operationally."), "success")
                return redirect(url_for("finance.programme", proposal_id=self.programme.proposal_id))
        return self.render(
            "closure_form.html",
            programme=self.programme,
            form=form,
            checklist=ops.closure_checklist(self.programme),
        )
