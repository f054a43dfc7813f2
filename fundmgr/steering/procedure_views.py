"""Pages of written procedures: the list, circulating one (on a proposal or a matter of the fund), answering,
concluding or withdrawing it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.choices import options
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.rights import FUND_MANAGERS, is_sc_member
from fundmgr.lists import Column, ListExport, Listing, ListSpec, enum_filter, enum_order
from fundmgr.proposals.models import Proposal
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering.documents import allocations_of
from fundmgr.steering.forms import ActionForm, MatterProcedureForm, ResponseForm, WrittenProcedureForm
from fundmgr.steering.matter_views import matter_data, with_draft_calls
from fundmgr.steering.models import DecisionOutcome, WrittenProcedure, WrittenProcedureState, recused_proposal_ids
from fundmgr.steering.views import ActionView, SteeringView, form_problems
from fundmgr.web import db_int, in_fund, refusals_shown_on


def objections_text(procedure: WrittenProcedure) -> Any:
    """How many members objected; a dash for a member recused from the proposal (as on the page)."""
    return "–" if procedure.is_recused(current_user) else len(procedure.objections)


def proposal_of(column: Any) -> Any:
    return sa.select(column).where(Proposal.id == WrittenProcedure.proposal_id).scalar_subquery()


# Written procedures, the latest circulated first. The objections are not a sort: a recused member does not see
# how many there are, and an order by them would tell.
PROCEDURES = ListSpec(
    name="procedures",
    columns=(
        Column("reference", _l("Reference"), (WrittenProcedure.reference,), lambda p: p.reference),
        Column("proposal", _l("Subject"), lambda: (WrittenProcedure.subject, proposal_of(Proposal.reference)),
               lambda p: p.subject_text),
        Column("outcome", _l("Proposed decision"), enum_order(WrittenProcedure.outcome, DecisionOutcome),
               lambda p: str(p.outcome.title)),
        Column("deadline", _l("Deadline"), (WrittenProcedure.deadline,), lambda p: p.deadline, first="desc"),
        Column("state", _l("State"), enum_order(WrittenProcedure.state, WrittenProcedureState),
               lambda p: str(p.state.title)),
        Column("objections", _l("Objections"), value=objections_text, css="money"),
        Column("circulated", _l("Circulated"), (WrittenProcedure.circulated_at,), lambda p: p.circulated_at,
               first="desc", shown=False),
    ),
    default_sort="circulated",
    tiebreak=(WrittenProcedure.id,),
    search=(WrittenProcedure.reference, WrittenProcedure.matter, proposal_of(Proposal.reference),
            proposal_of(Proposal.title)),
    search_label=_l("Words in the reference, the proposal or the matter"),
    filters=(
        enum_filter("state", _l("State"), WrittenProcedure.state, WrittenProcedureState),
        enum_filter("outcome", _l("Proposed decision"), WrittenProcedure.outcome, DecisionOutcome),
    ),
)  # fmt: skip


class ProcedureListView(SteeringView):
    """Written procedures, the latest circulated first (the list component)."""

    export_title = _l("Written procedures")

    def listing(self) -> Listing:
        query = (
            sa.select(WrittenProcedure)
            .where(WrittenProcedure.fund_id == self.fund.id)
            .options(so.joinedload(WrittenProcedure.proposal), so.selectinload(WrittenProcedure.responses))
        )
        return PROCEDURES.listing(query, self.fund)

    def export_name(self) -> str:
        return f"written-procedures-{self.fund.code.lower()}"

    def process(self):
        listing = self.listing()
        recused = recused_proposal_ids(current_user, [p.proposal for p in listing.page.items if p.proposal is not None])
        return self.render("procedures.html", listing=listing, recused=recused)


class ProcedureListExportView(ListExport, ProcedureListView):
    """The filtered, sorted written procedures as CSV or Excel."""


class ProcedureNewView(SteeringView):
    """The FMU circulates a proposed decision to the members with a deadline for objections."""

    methods = ["GET", "POST"]
    roles = FUND_MANAGERS

    def process(self):
        candidates = q.proposals_in(self.fund, q.PIPELINE_STATES)
        form = WrittenProcedureForm(proposal=request.args.get("proposal", type=db_int)).in_currency(self.fund.currency)
        form.proposal.choices = options([(p.id, f"{p.reference} · {p.title}") for p in candidates])
        if form.validate_on_submit():
            proposal = next(p for p in candidates if p.id == form.proposal.data)
            data = form.decision_data()
            with refusals_shown_on(form):
                procedure = ops.circulate_written_procedure(
                    proposal, data, rationale=form.rationale.data or "", deadline=form.deadline.data,
                    actor=current_user,
                )  # fmt: skip
                flash(_("Written procedure %(ref)s is circulated.", ref=procedure.reference), "success")
                return redirect(url_for("steering.procedure", procedure_id=procedure.id))
        return self.render("procedure_form.html", form=form)


class MatterProcedureNewView(SteeringView):
    """The FMU circulates a proposed decision on a matter of the fund (the targets, a call, the direct costs), as a
    meeting would decide it as a whole, with a deadline for objections."""

    methods = ["GET", "POST"]
    roles = FUND_MANAGERS

    def process(self):
        form = with_draft_calls(MatterProcedureForm(), self.fund)
        if request.method == "POST" and form.validate_on_submit():
            data = matter_data(form, self.fund)
            with refusals_shown_on(form):
                procedure = ops.circulate_matter_procedure(
                    self.fund, data, rationale=form.rationale.data or "", deadline=form.deadline.data,
                    actor=current_user,
                )  # fmt: skip
                flash(_("Written procedure %(ref)s is circulated.", ref=procedure.reference), "success")
                return redirect(url_for("steering.procedure", procedure_id=procedure.id))
        return self.render("procedure_matter_form.html", form=form)


class ProcedureBaseView(SteeringView):
    """Base of the pages and actions on one written procedure."""

    def load(self, procedure_id: int, **_view_args: Any) -> None:
        self.load_fund()
        self.procedure = in_fund(db.session.get(WrittenProcedure, procedure_id), self.fund)

    def back(self) -> Any:
        return redirect(url_for("steering.procedure", procedure_id=self.procedure.id))


class ProcedureView(ProcedureBaseView):
    """A written procedure: the proposed decision, the deadline, the answers (a recused member sees none)."""

    def process(self):
        procedure, user = self.procedure, current_user
        recused = procedure.is_recused(user)
        can_answer = (
            is_sc_member(user, self.fund) and not recused and procedure.response_of(user) is None
            and procedure.state.value == "open" and not procedure.deadline_passed()
        )  # fmt: skip
        return self.render(
            "procedure.html",
            procedure=procedure,
            recused=recused,
            can_answer=can_answer,
            eligible=[] if recused else ops.eligible_for_procedure(procedure),
            response_form=ResponseForm(),
            action_form=ActionForm(),
            allocations=allocations_of(procedure.decision) if procedure.decision else [],
        )


class ProcedureRespondView(ProcedureBaseView):
    """A member answers a written procedure: no objection, or an objection with its reason."""

    methods = ["POST"]

    def can_access(self, user: User) -> bool:
        """SC members answer written procedures."""
        return is_sc_member(user, self.fund)

    def process(self):
        form = ResponseForm()
        if not form.validate_on_submit():
            raise ValidationFailed(form_problems(form))
        ops.respond_to_procedure(self.procedure, current_user, objects=form.objects.data == "yes",
                                 reason=form.reason.data or "", actor=current_user)  # fmt: skip
        flash(_("Your answer is recorded."), "success")
        return self.back()


PROCEDURE_MOVED = {
    WrittenProcedureState.adopted: _l("The written procedure is concluded: adopted, nobody objected."),
    WrittenProcedureState.objected: _l("The written procedure is concluded: a member objected, so it was not adopted."),
    WrittenProcedureState.withdrawn: _l("The written procedure has been withdrawn."),
}


class ProcedureMoveView(ProcedureBaseView, ActionView):
    """Base of the FMU's buttons that move a written procedure: `operation(procedure, actor=...)`."""

    roles = FUND_MANAGERS
    operation: Any

    def act(self):
        self.operation(self.procedure, actor=current_user)
        flash(str(PROCEDURE_MOVED[self.procedure.state]), "success")
        return self.back()


class ConcludeProcedureView(ProcedureMoveView):
    """The FMU concludes a written procedure: adopted, or objected."""

    operation = staticmethod(ops.conclude_written_procedure)

    def question(self) -> tuple[str, str]:
        return _("Conclude the written procedure?"), _("Its outcome is recorded from the answers given; members "
                                                       "can no longer answer it.")  # fmt: skip


class WithdrawProcedureView(ProcedureMoveView):
    """The FMU withdraws a written procedure."""

    operation = staticmethod(ops.withdraw_written_procedure)

    def question(self) -> tuple[str, str]:
        return _("Withdraw the written procedure?"), _("Members can no longer answer it.")
