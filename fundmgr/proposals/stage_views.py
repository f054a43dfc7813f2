"""Pages of the two stages: a concept note's content, a programme document's sections, the FMU's invitation to a
pipeline note, and the agency's page of its concept notes and programmes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds import queries as fq
from fundmgr.funds.rights import is_fmu
from fundmgr.proposals import operations as ops
from fundmgr.proposals import stage_forms
from fundmgr.proposals.models import Participant, Proposal, ProposalStage, ProposalState
from fundmgr.proposals.rules import submission_problems
from fundmgr.proposals.views import DraftSectionView, ProposalBaseView, offer_removal_undo
from fundmgr.web import FundView, form_problems, refusals_shown_on


class ConceptView(DraftSectionView):
    """Edit a concept note's case, geography, national partners, SDG targets and indicative amounts."""

    def edit(self):
        formdata = request.form if request.method == "POST" else None
        form = stage_forms.concept_form(self.proposal, formdata)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                removed = ops.save_concept_content(self.proposal, stage_forms.concept_content(form),
                                                   actor=current_user)  # fmt: skip
                if removed:
                    message = _("Concept note saved; the national partners you took off were removed.")
                    offer_removal_undo(self.proposal, removed, "proposals.concept", message)
                    return redirect(url_for("proposals.concept", proposal_id=self.proposal.id))
                return self.saved(_("Concept note saved."))
        return self.render("concept.html", 422 if form_problems(form) or form.errors else 200, form=form)


class SectionsView(DraftSectionView):
    """Edit a programme document's workplan, risk log, M&E plan and sustainability and exit strategy."""

    def edit(self):
        if self.proposal.is_concept_note:
            flash(_("A concept note has no workplan or risk log: its programme document will."), "warning")
            return redirect(self.detail_url())
        form = stage_forms.SectionsForm() if request.method == "POST" else stage_forms.SectionsForm.of(self.proposal)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.save_programme_sections(self.proposal, form.sections(), actor=current_user)
                return self.saved(_("Programme sections saved."))
        return self.render("sections.html", 422 if form_problems(form) or form.errors else 200, form=form)


class InviteView(ProposalBaseView):
    """The FMU invites a pipeline concept note to develop its programme document, when funds arrive."""

    methods = ["GET", "POST"]
    roles = (Role.fmu,)

    def can_access(self, user) -> bool:
        return is_fmu(user, self.proposal.fund) and self.proposal.is_concept_note

    def process(self):
        form = stage_forms.InviteForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                document = ops.invite_to_develop(self.proposal, deadline=form.deadline.data, amount=form.amount.data,
                                                 actor=current_user)  # fmt: skip
                flash(_("%(ref)s is invited to develop its programme document, %(doc)s.",
                        ref=self.proposal.reference, doc=document.reference), "success")  # fmt: skip
                return redirect(self.detail_url())
        return self.render("invite.html", 422 if form_problems(form) or form.errors else 200, form=form)


@dataclass
class Standing:
    """Where one of the agency's proposals stands and what the agency must do next."""

    proposal: Proposal
    next_step: str


def next_step(proposal: Proposal, user: Any) -> str:
    """What the agency must do next on the proposal (empty: nothing, it waits for others)."""
    state = proposal.state
    if state in (ProposalState.draft, ProposalState.returned, ProposalState.deferred):
        if not proposal.is_lead(user):
            return _("Contribute to the draft; the lead organization submits it.")
        count = len(submission_problems(proposal))
        if count:
            return _("Complete the draft: %(n)d problems remain before it can be submitted.", n=count)
        return _("Submit it.")
    if state is ProposalState.selected and proposal.programme_document is not None:
        due = proposal.development_deadline
        when = format_date(due, "long") if due else ""
        return _("Develop the programme document %(ref)s by %(date)s.", ref=proposal.programme_document.reference,
                 date=when) if due else _("Develop the programme document %(ref)s.",
                                          ref=proposal.programme_document.reference)  # fmt: skip
    if state is ProposalState.endorsed and proposal.is_concept_note:
        return _("In the pipeline: wait for the FMU’s invitation when funds arrive.")
    if state in (ProposalState.approved, ProposalState.active):
        return _("Report on the programme as the fund’s calendar asks.")
    return ""


class MyProposalsView(FundView):
    """The agency's concept notes and programmes: where each stands and what it must do next."""

    roles = (Role.agency,)

    def process(self):
        fund = fq.current_fund()
        taking_part = sa.select(Participant.proposal_id).where(
            Participant.organization_id == current_user.organization_id
        )
        proposals = db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.fund_id == fund.id, sa.or_(Proposal.id.in_(taking_part),
                                                       Proposal.created_by_id == current_user.id))
            .order_by(Proposal.reference)
        ).all()  # fmt: skip
        rows = [Standing(p, next_step(p, current_user)) for p in proposals]
        return render_template(
            "proposals/mine.html",
            notes=[r for r in rows if r.proposal.stage is ProposalStage.concept_note],
            documents=[r for r in rows if r.proposal.stage is ProposalStage.programme_document],
        )
