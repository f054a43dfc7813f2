"""The Committee page: the fund's seats by constituency, who holds each (and who stands in) and since when, the
history of every seat; the FMU appoints and ends terms there."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import options
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import FUND_MANAGERS, is_fund_manager
from fundmgr.funds.seats import SeatTerm, rules_of, seats_of
from fundmgr.steering import operations as ops
from fundmgr.steering.forms import EndTermForm, TermForm
from fundmgr.steering.presiding_views import alternate_form
from fundmgr.steering.queries import sc_members
from fundmgr.steering.views import SteeringView
from fundmgr.web import form_problems, refusals_shown_on


def term_form(fund: Any, seats: list[Any]) -> TermForm:
    form = TermForm()
    members = sc_members(fund)
    form.seat.choices = options([(s.id, f"{s.code} · {s.label}") for s in seats])
    form.holder.choices = options([(m.id, f"{m.name} ({m.organization.label})") for m in members])
    form.alternate.choices = options([(0, _("No alternate"))] + [(m.id, f"{m.name} ({m.organization.label})")
                                                                 for m in members])  # fmt: skip
    return form


class CommitteeView(SteeringView):
    """The committee's seats and terms; the FMU appoints a holder and an alternate for a term."""

    methods = ["GET", "POST"]

    def can_access(self, user: User) -> bool:
        """Whoever works with the committee sees it; only the FMU (and administrators) appoint terms."""
        return request.method == "GET" or is_fund_manager(user, self.fund)

    def process(self):
        seats = seats_of(self.fund)
        manager = is_fund_manager(current_user, self.fund)
        form = term_form(self.fund, seats) if manager else None
        if form is not None and form.validate_on_submit():
            seat = next((s for s in seats if s.id == form.seat.data), None) or abort(404)
            data = ops.TermData(
                holder=db.session.get(User, form.holder.data),
                alternate=db.session.get(User, form.alternate.data) if form.alternate.data else None,
                starts_on=form.starts_on.data,
                ends_on=form.ends_on.data,
            )
            with refusals_shown_on(form):
                ops.appoint_term(seat, data, actor=current_user)
                flash(_("The term on seat %(seat)s is recorded.", seat=seat.code), "success")
                return redirect(url_for("steering.committee"))
        today = clock.today(self.fund)
        return self.render(
            "committee.html", seats=seats, today=today, rules=rules_of(self.fund), form=form,
            end_form=EndTermForm() if manager else None,
            alternate_choices=alternate_form(self.fund).alternate.choices if manager else [],
        )  # fmt: skip


class EndTermView(SteeringView):
    """The FMU ends a term on a day (a button of the Committee page)."""

    methods = ["POST"]
    roles = FUND_MANAGERS

    def load(self, term_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.term = db.session.get(SeatTerm, term_id)
        if self.term is None or self.term.seat.fund_id != self.fund.id:
            abort(404)

    def process(self):
        form = EndTermForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        question = _("End the term on seat %(seat)s?", seat=self.term.seat.code)
        consequence = _("%(holder)s no longer holds the seat after the term’s last day.", holder=self.term.holder.name)
        if page := unconfirmed(question, consequence, back=url_for("steering.committee")):
            return page
        ops.end_term(self.term, form.ends_on.data, actor=current_user)
        flash(_("The term on seat %(seat)s ends on %(day)s.", seat=self.term.seat.code,
                day=form.ends_on.data.isoformat()), "success")  # fmt: skip
        return redirect(url_for("steering.committee"))
