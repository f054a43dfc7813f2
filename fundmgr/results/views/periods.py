"""A programme's reporting periods, adjusted by the FMU."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.confirmation import unconfirmed
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results.views.programmes import ProgrammeBase
from fundmgr.web import refusals_shown_on


class PeriodBase(ProgrammeBase):
    """Base of a period's pages: 404 for a report the user may not see (e.g. a viewer and a draft)."""

    def load(self, programme_id: int, number: int, **view_args: Any) -> None:
        super().load(programme_id)
        self.period = q.period_of(self.programme, number)
        if self.period is None:
            abort(404)
        self.report = self.period.report
        visible = (
            self.report.can_view(current_user) if self.report else self.programme.can_see_unpublished(current_user)
        )
        if not visible:
            abort(404)

    def back_url(self) -> str:
        return self.period_url()

    def period_url(self) -> str:
        return url_for("results.period", programme_id=self.programme.id, number=self.period.number)


class PeriodDatesView(ProgrammeBase):
    """The FMU adds a reporting period or changes one's dates."""

    methods = ["GET", "POST"]

    def load(self, programme_id: int, number: int | None = None, **view_args: Any) -> None:
        super().load(programme_id)
        self.period = q.period_of(self.programme, number) if number is not None else None
        if number is not None and self.period is None:
            abort(404)

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        form = rf.PeriodForm()
        if request.method == "GET" and self.period:
            form.start.data, form.end.data, form.due.data = (
                self.period.start_date,
                self.period.end_date,
                self.period.due_date,
            )
        if form.validate_on_submit():
            dates = {"start": form.start.data, "end": form.end.data, "due": form.due.data}
            with refusals_shown_on(form):
                if self.period:
                    ops.update_period(self.period, **dates, actor=current_user)
                else:
                    ops.add_period(self.programme, **dates, actor=current_user)
                flash(_("The reporting periods have been saved."), "success")
                return redirect(url_for("results.programme", programme_id=self.programme.id))
        return self.render("period_form.html", programme=self.programme, period=self.period, form=form)


class PeriodRemoveView(ProgrammeBase):
    """The FMU removes the last period of a programme, when nothing was reported on it."""

    methods = ["POST"]

    def load(self, programme_id: int, number: int, **view_args: Any) -> None:
        super().load(programme_id)
        self.period = q.period_of(self.programme, number) or abort(404)

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        back = url_for("results.programme", programme_id=self.programme.id)
        if page := unconfirmed(_("Remove period %(n)d?", n=self.period.number), back=back):
            return page
        ops.remove_period(self.period, actor=current_user)
        flash(_("Period %(n)d has been removed.", n=self.period.number), "success")
        return redirect(url_for("results.programme", programme_id=self.programme.id))


class ProgrammeStartView(ProgrammeBase):
    """The FMU sets the date a programme started, with a reason; its end and periods follow."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        form = rf.ProgrammeStartForm()
        if request.method == "GET":
            form.start.data, form.reason.data = self.programme.start_date, self.programme.start_reason
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.set_programme_start(
                    self.programme, start=form.start.data, reason=form.reason.data or "", actor=current_user
                )
                flash(_("The programme's dates and reporting periods have been updated."), "success")
                return redirect(url_for("results.programme", programme_id=self.programme.id))
        return self.render("programme_start.html", programme=self.programme, form=form)
