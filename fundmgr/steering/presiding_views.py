"""The committee's choices of people: who presides over a meeting in the chair's place (a form of the meeting page)
and who stands in for a seat's holder (a form of the Committee page)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.choices import options
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import FUND_MANAGERS
from fundmgr.funds.seats import SeatTerm, terms_on
from fundmgr.steering import operations as ops
from fundmgr.steering.forms import AlternateForm, PresidingForm
from fundmgr.steering.models import Meeting
from fundmgr.steering.presiding import may_run_meeting
from fundmgr.steering.queries import sc_members
from fundmgr.steering.views import SteeringView
from fundmgr.web import form_problems, in_fund


def presiding_form(meeting: Meeting) -> PresidingForm:
    """The form, its choices the people holding or standing in for a seat on the meeting's day."""
    form = PresidingForm(member=meeting.designated_presiding_id or 0)
    people: dict[int, Any] = {}
    for term in terms_on(meeting.fund, meeting.held_on):
        for person in (term.holder, term.alternate):
            if person is not None:
                people.setdefault(person.id, (person, term.seat.code))
    form.member.choices = options([(0, _("Nobody designated"))] + [
        (person.id, f"{person.name} ({code})") for person, code in sorted(people.values(), key=lambda p: p[0].name)
    ])  # fmt: skip
    return form


class DesignatePresidingView(SteeringView):
    """The FMU, the chair or the vice-chair designates who presides when neither chair may (meeting page)."""

    methods = ["POST"]

    def load(self, meeting_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.meeting = in_fund(db.session.get(Meeting, meeting_id), self.fund)

    def can_access(self, user: User) -> bool:
        """Whoever runs the meeting: the chair, the vice-chair or the FMU."""
        return self.meeting.can_view(user) and may_run_meeting(user, self.meeting)

    def process(self):
        form = presiding_form(self.meeting)
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        member = db.session.get(User, form.member.data) if form.member.data else None
        ops.designate_presiding(self.meeting, member, actor=current_user)
        if member is None:
            flash(_("No member is designated to preside in the chair's place."), "success")
        else:
            flash(_("%(name)s presides when the chair and the vice-chair may not.", name=member.name), "success")
        return redirect(url_for("steering.meeting", meeting_id=self.meeting.id))


def alternate_form(fund: Any, term: SeatTerm | None = None) -> AlternateForm:
    form = AlternateForm(alternate=(term.alternate_id or 0) if term is not None else 0)
    form.alternate.choices = options([(0, _("No alternate"))] + [(m.id, f"{m.name} ({m.organization.label})")
                                                                 for m in sc_members(fund)])  # fmt: skip
    return form


class ChangeAlternateView(SteeringView):
    """The FMU names another alternate (or none) for a running term (Committee page)."""

    methods = ["POST"]
    roles = FUND_MANAGERS

    def load(self, term_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.term = db.session.get(SeatTerm, term_id)
        if self.term is None or self.term.seat.fund_id != self.fund.id:
            abort(404)

    def process(self):
        form = alternate_form(self.fund, self.term)
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        alternate = db.session.get(User, form.alternate.data) if form.alternate.data else None
        ops.change_alternate(self.term, alternate, actor=current_user)
        flash(_("The alternate on seat %(seat)s is recorded.", seat=self.term.seat.code), "success")
        return redirect(url_for("steering.committee"))
