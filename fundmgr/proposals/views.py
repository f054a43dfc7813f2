"""Proposal pages: lists and exports, the draft's sections, submission, screening, versions and PDFs."""

from __future__ import annotations

from functools import cache
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import Role
from fundmgr.confirmation import offer_undo, pending_undo, unconfirmed
from fundmgr.db import db
from fundmgr.errors import DomainError, ValidationFailed
from fundmgr.funds import queries as fq
from fundmgr.funds import rights
from fundmgr.funds.models import Fund
from fundmgr.i18n import requested_language
from fundmgr.numbers import MONEY, PERCENTAGE, number_symbols
from fundmgr.pdf import pdf_response, render_pdf
from fundmgr.proposals import forms
from fundmgr.proposals import operations as ops
from fundmgr.proposals.display import compare, describe_draft, describe_version
from fundmgr.proposals.exports import export_rows
from fundmgr.proposals.grid import BudgetGrid
from fundmgr.proposals.models import (
    COMMENTABLE_STATES,
    Attachment,
    AttachmentKind,
    MatrixIndicator,
    MatrixOutcome,
    MatrixOutput,
    Proposal,
    ProposalState,
    ProposalVersion,
    ReviewInvitation,
    Screening,
)
from fundmgr.proposals.overlap import overlaps_of
from fundmgr.proposals.queries import (
    PROPOSALS,
    count_by_state,
    export_loads,
    may_read_technical_review,
    reviewers_to_invite,
    row_loads,
    technical_review_of,
    visible_proposals,
)
from fundmgr.proposals.rules import submission_problems
from fundmgr.proposals.versions import load_for_snapshot, snapshot_statement
from fundmgr.storage import send_stored
from fundmgr.web import FundView, db_int, form_problems, in_fund, refusals_shown_on, wants_json


def fund_or_404() -> Fund:
    fund = fq.current_fund()
    if fund is None:
        abort(404)
    return fund


# --- Lists ---


HOME_STATES = frozenset({ProposalState.draft, ProposalState.returned, ProposalState.deferred,
                         ProposalState.submitted, ProposalState.screening, ProposalState.in_review})  # fmt: skip


def proposal_counts(fund: Fund) -> dict[str, int]:
    """For the home page: how many proposals the user may see are in the states that call for action."""
    return {state.value: n for state, n in count_by_state(current_user, fund, HOME_STATES).items()}


class ProposalListView(FundView):
    """The proposals the user may see, filtered, searched, sorted and paginated (the list component)."""

    def process(self):
        fund = fund_or_404()
        listing = PROPOSALS.listing(visible_proposals(current_user, fund).options(*row_loads()), fund)
        return render_template("proposals/list.html", fund=fund, listing=listing)


class ProposalExportView(FundView):
    """The filtered, sorted list as CSV or Excel: the same query as the page, without its pages."""

    def load(self, fmt: str) -> None:
        if fmt not in ("csv", "xlsx"):
            abort(404)
        self.fmt = fmt

    def process(self):
        fund = fund_or_404()
        listing = PROPOSALS.listing(visible_proposals(current_user, fund).options(*export_loads()), fund)
        table = export_rows(listing.rows(), fund, current_user)
        return listing.download(self.fmt, f"proposals-{fund.code.lower()}", _("Proposals"), table)


# --- One proposal ---


class ProposalBaseView(FundView):
    """Loads the proposal: 404 for those who may not know it exists, 403 for a recused SC member."""

    def load(self, proposal_id: int, **view_args: Any) -> None:
        self.proposal = in_fund(db.session.get(Proposal, proposal_id), fq.current_fund())
        if not self.proposal.can_view(current_user):
            abort(404)

    def can_access(self, user) -> bool:
        return self.proposal.can_see_content(user)

    def render(self, template: str, status: int = 200, **context: Any):
        return render_template(f"proposals/{template}", proposal=self.proposal, **context), status

    def detail_url(self) -> str:
        return url_for("proposals.detail", proposal_id=self.proposal.id)

    def back_url(self) -> str:
        return self.detail_url()


class ProposalDetailView(ProposalBaseView):
    """A proposal: the live draft for its agencies and the FMU, the latest version for the others."""

    def can_access(self, user) -> bool:
        return True  # a recused member sees the title and the recusal

    def process(self):
        if self.proposal.is_recused(current_user):
            return self.render("recused.html")
        return detail_page(self.proposal)


@cache
def page_statement() -> sa.Select:
    """The statement that loads a draft's description and what the proposal's page shows besides it: the programme
    document developed from it (the stage) and its versions with the latest one's screening and checklist. Built
    once per process (`snapshot_statement`)."""
    screenings = so.selectinload(Proposal.versions).joinedload(ProposalVersion.screening)
    return snapshot_statement(so.joinedload(Proposal.programme_document), screenings.selectinload(Screening.items))


def detail_page(proposal: Proposal, problems: list[str] | None = None, status: int = 200):
    """The proposal page; `problems` are those a refused submission found."""
    own_draft = proposal.can_see_draft(current_user)
    if own_draft:  # its matrix, budget and organizations at once, not row by row; the page's stage and versions too
        load_for_snapshot(proposal, page_statement())
    description = describe_draft(proposal) if own_draft else describe_version(proposal.latest_version)
    if problems is None and proposal.can_edit(current_user):
        problems = submission_problems(proposal)
    page = render_template(
        "proposals/detail.html",
        proposal=proposal,
        d=description,
        problems=problems,
        refused=status != 200,
        action_form=forms.PlainForm(),
        showing_version=not own_draft,
        reads_technical_review=may_read_technical_review(current_user, proposal),
        invitations=technical_review_of(proposal, current_user),
    )
    return page, status


class NewProposalView(FundView):
    """Start a draft: agency staff of a participating organization."""

    methods = ["GET", "POST"]
    roles = (Role.agency,)

    def process(self):
        fund = fund_or_404()
        form = forms.DetailsForm(fund)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                proposal = ops.create_proposal(fund, form.details(), actor=current_user)
                message = _("Draft created: it gets its reference number when it is submitted. "
                            "Now choose the %(organizations)s.", organizations=fund.participants_label)  # fmt: skip
                flash(message, "success")
                return redirect(url_for("proposals.organizations", proposal_id=proposal.id))
        return render_template("proposals/new.html", form=form, fund=fund)


class DraftSectionView(ProposalBaseView):
    """Base of the pages that edit a part of a draft: agency staff of the proposal, while it is editable."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.proposal.can_edit(user, check_state=False)

    def process(self):
        if not self.proposal.is_editable:
            flash(_("This proposal is “%(state)s”: it cannot be changed now.", state=self.proposal.state.title),
                  "warning")  # fmt: skip
            return redirect(self.detail_url())
        return self.edit()

    def edit(self):
        raise NotImplementedError

    def saved(self, message: str, endpoint: str | None = None):
        flash(message, "success")
        return redirect(url_for(endpoint or "proposals.detail", proposal_id=self.proposal.id))


class EditDetailsView(DraftSectionView):
    """Edit a draft's title, summary, place, alignment, duration, start date and endorsement."""

    def edit(self):
        if request.method == "POST":
            form = forms.DetailsForm(self.proposal.fund)
        else:
            form = forms.DetailsForm.of(self.proposal)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.update_details(self.proposal, form.details(), actor=current_user)
                return self.saved(_("Details saved."))
        return self.render("details.html", form=form)


class EditOrganizationsView(DraftSectionView):
    """Choose the lead and the other participating organizations."""

    def edit(self):
        proposal = self.proposal
        form = forms.OrganizationsForm(proposal.fund)
        if request.method == "GET":
            form.lead.data = proposal.lead_organization.code if proposal.lead_organization else ""
            form.partners.data = [p.organization.code for p in proposal.participants
                                  if p.organization_id != proposal.lead_organization_id]  # fmt: skip
        if form.validate_on_submit():
            with refusals_shown_on(form):
                removed = ops.set_participants(
                    proposal, lead=form.chosen_lead, organizations=form.chosen_partners, actor=current_user
                )
                if removed:
                    offer_removal_undo(proposal, removed, "proposals.organizations",
                                       _("%(organizations)s saved; those you took off left the draft with their "
                                         "budget.", organizations=proposal.fund.participants_label))  # fmt: skip
                    return redirect(url_for("proposals.organizations", proposal_id=proposal.id))
                next_page = "proposals.concept" if proposal.is_concept_note else "proposals.budget"
                return self.saved(
                    _("%(organizations)s saved.", organizations=proposal.fund.participants_label), next_page
                )
        return self.render("organizations.html", form=form)


class EditMarkersView(DraftSectionView):
    """Rate the draft on each of the fund's markers, with a justification."""

    def edit(self):
        markers = fq.active(self.proposal.fund.markers)
        form = forms.markers_form(markers, self.proposal, request.form if request.method == "POST" else None)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.save_markers(self.proposal, forms.marker_ratings(form), actor=current_user)
                return self.saved(_("Markers saved."))
        return self.render("markers.html", form=form)


class EditBudgetView(DraftSectionView):
    """The budget grid: direct costs per organization, category and year; indirect rates; live totals."""

    def edit(self):
        grid = BudgetGrid.of(self.proposal)
        form = forms.PlainForm()
        if form.validate_on_submit():
            amounts, rates = grid.read(request.form)
            form.form_errors.extend(grid.error_list())
            if not form.form_errors:
                with refusals_shown_on(form):
                    removed = ops.save_budget(self.proposal, amounts=amounts, rates=rates, actor=current_user)
                    if removed:
                        offer_removal_undo(self.proposal, removed, "proposals.budget",
                                           _("Budget saved; the lines you cleared were removed."))  # fmt: skip
                        return redirect(url_for("proposals.budget", proposal_id=self.proposal.id))
                    return self.saved(_("Budget saved."), "proposals.budget")
        decimal, group = number_symbols()
        return self.render(
            "budget.html", 422 if form_problems(form) else 200, grid=grid, form=form,
            decimal_symbol=decimal, group_symbol=group, amount_rules=MONEY.limits(), rate_rules=PERCENTAGE.limits(),
        )  # fmt: skip


class MatrixView(ProposalBaseView):
    """The draft results matrix: outcomes, outputs, indicators, with links to change them."""

    def can_access(self, user) -> bool:
        return self.proposal.can_edit(user, check_state=False)

    def process(self):
        return self.render("matrix.html", action_form=forms.PlainForm())


MATRIX_KINDS: dict[str, type] = {"outcomes": MatrixOutcome, "outputs": MatrixOutput, "indicators": MatrixIndicator}


def proposal_id_of(item: MatrixOutcome | MatrixOutput | MatrixIndicator) -> int:
    return item.proposal_id if isinstance(item, MatrixOutcome) else item.outcome.proposal_id


class MatrixItemView(DraftSectionView):
    """Add or change an outcome, an output or an indicator of the draft results matrix."""

    def load(self, proposal_id: int, kind: str, item_id: int | None = None) -> None:
        super().load(proposal_id)
        if kind not in MATRIX_KINDS:
            abort(404)
        self.kind = kind
        self.item = self.matrix_object(kind, item_id) if item_id is not None else None
        self.outcome = self.output = None
        if self.item is None and kind == "indicators" and request.args.get("output"):
            self.output = self.matrix_object("outputs", request.args.get("output", type=db_int))
            self.outcome = self.output.outcome
        elif self.item is None and kind != "outcomes":  # outputs and indicators are added under an outcome
            self.outcome = self.matrix_object("outcomes", request.args.get("outcome", type=db_int))

    def matrix_object(self, kind: str, item_id: int | None):
        item = db.session.get(MATRIX_KINDS[kind], item_id) if item_id else None
        if item is None or proposal_id_of(item) != self.proposal.id:
            abort(404)
        return item

    def edit(self):
        form = self.make_form()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                self.save(form, actor=current_user)
                return self.saved(_("Results matrix saved."), "proposals.matrix")
        return self.render("matrix_item.html", form=form, kind=self.kind, item=self.item,
                           outcome=self.outcome, output=self.output)  # fmt: skip

    def make_form(self):
        item = self.item
        if self.kind == "indicators":
            if item is None or request.method == "POST":
                return forms.IndicatorForm(self.proposal.fund)
            return forms.IndicatorForm(
                self.proposal.fund,
                data={
                    "name": item.name,
                    "unit": item.unit,
                    "baseline": item.baseline,
                    "target": item.target,
                    "means_of_verification": item.means_of_verification,
                    "disaggregation": list(item.disaggregation or []),
                },
            )
        return forms.StatementForm(data={"statement": item.statement} if item and request.method == "GET" else None)

    def save(self, form, *, actor) -> None:
        if self.item is not None:
            if self.kind == "indicators":
                ops.update_indicator(self.item, form.values(), actor=actor)
            else:
                ops.update_statement(self.item, form.statement.data, actor=actor)
        elif self.kind == "outcomes":
            ops.add_outcome(self.proposal, form.statement.data, actor=actor)
        elif self.kind == "outputs":
            ops.add_output(self.outcome, form.statement.data, actor=actor)
        else:
            ops.add_indicator(self.outcome, self.output, form.values(), actor=actor)


class RemoveMatrixItemView(MatrixItemView):
    """Remove an outcome, an output or an indicator."""

    methods = ["POST"]

    def edit(self):
        questions = {
            "outcomes": _("Remove the outcome “%(name)s”?"),
            "outputs": _("Remove the output “%(name)s”?"),
            "indicators": _("Remove the indicator “%(name)s”?"),
        }
        name = getattr(self.item, "statement", None) or self.item.name
        consequence = _("Its outputs and indicators are removed with it.") if self.kind == "outcomes" else (
            _("Its indicators are removed with it.") if self.kind == "outputs" else "")  # fmt: skip
        if page := unconfirmed(questions[self.kind] % {"name": name}, consequence, back=self.back_url()):
            return page
        removed = ops.remove_matrix_item(self.item, actor=current_user)
        offer_removal_undo(self.proposal, removed, "proposals.matrix", _("Removed from the results matrix."))
        return redirect(self.back_url())

    def back_url(self) -> str:
        return url_for("proposals.matrix", proposal_id=self.proposal.id)


def offer_removal_undo(proposal: Proposal, removed: dict[str, Any] | None, page: str, message: str) -> None:
    """After a save or a removal that took content away from a draft: the flash message with its Undo button,
    which brings `removed` back to `RestoreRemovedView` and then to `page` (the one rule for every draft page)."""
    if removed is None:
        return
    offer_undo(url_for("proposals.restore", proposal_id=proposal.id), {"page": page, "removed": removed})
    flash(message, "undo")


class RestoreRemovedView(DraftSectionView):
    """Undo the last removal from the draft: from its results matrix, budget grid or partners."""

    methods = ["POST"]

    def edit(self):
        undo = pending_undo(request.path)
        if undo is None:
            flash(_("There is nothing to undo."), "warning")
            return redirect(self.detail_url())
        ops.restore_removed(self.proposal, undo["removed"], actor=current_user)  # a refusal shows its own page
        flash(_("Put back in the draft."), "success")
        return redirect(url_for(undo["page"], proposal_id=self.proposal.id))


class AttachmentsView(DraftSectionView):
    """The draft's attachments: upload (PDF, Word, Excel, checked by content) and remove."""

    def edit(self):
        form = forms.AttachmentForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.add_attachment(self.proposal, AttachmentKind(form.kind.data), form.file.data, actor=current_user)
                return self.saved(_("File attached."), "proposals.attachments")
        return self.render("attachments.html", 422 if form_problems(form) else 200, form=form,
                           action_form=forms.PlainForm())  # fmt: skip


class AttachmentBaseView(ProposalBaseView):
    """Loads an attachment of the proposal; those who read versions only reach files of a version."""

    # A download also reaches a file that one of the proposal's versions lists but another proposal holds: a concept
    # note derived from its programme's first version (when the fund moved to two stages) lists that version's files.
    reaches_listed_files = False

    def load(self, proposal_id: int, attachment_id: int) -> None:
        super().load(proposal_id)
        self.attachment = db.session.get(Attachment, attachment_id)
        if self.attachment is None:
            abort(404)
        listed = in_a_version(self.attachment, self.proposal)
        if self.attachment.proposal_id != self.proposal.id:
            if not (self.reaches_listed_files and listed):
                abort(404)
        elif not listed and not self.proposal.can_see_draft(current_user):
            abort(404)


def in_a_version(attachment: Attachment, proposal: Proposal) -> bool:
    """The file is listed in one of the proposal's submitted versions."""
    return any(a.id == attachment.id for version in proposal.versions for a in version.snapshot.attachments)


class DownloadAttachmentView(AttachmentBaseView):
    """Download an attached file (always as a download, never shown inline)."""

    reaches_listed_files = True

    def process(self):
        a = self.attachment
        return send_stored(a.storage_key, a.filename, a.content_type)


class DeleteDraftView(ProposalBaseView):
    """Delete a draft never submitted: its author or its lead organization, once confirmed."""

    methods = ["POST"]

    def can_access(self, user) -> bool:
        return self.proposal.can_delete(user)

    def process(self):
        question = _("Delete the draft “%(title)s”?", title=self.proposal.title)
        consequence = _("Everything written in it and its files are deleted with it; this cannot be undone.")
        if page := unconfirmed(question, consequence, back=self.detail_url()):
            return page
        ops.delete_draft(self.proposal, actor=current_user)
        flash(_("The draft “%(title)s” has been deleted.", title=self.proposal.title), "success")
        return redirect(url_for("proposals.list"))


class RemoveAttachmentView(AttachmentBaseView):
    """Take a file off the draft."""

    methods = ["POST"]

    def can_access(self, user) -> bool:
        return self.proposal.can_edit(user, check_state=False)

    def process(self):
        back = url_for("proposals.attachments", proposal_id=self.proposal.id)
        question = _("Remove “%(name)s” from the draft?", name=self.attachment.filename)
        if page := unconfirmed(question, back=back):
            return page
        ops.remove_attachment(self.attachment, actor=current_user)
        flash(_("“%(name)s” removed from the draft.", name=self.attachment.filename), "success")
        return redirect(url_for("proposals.attachments", proposal_id=self.proposal.id))


# --- Submission, withdrawal, screening ---


class SubmitView(ProposalBaseView):
    """Submit (or resubmit) the proposal: every rule checked, a version frozen."""

    methods = ["POST"]

    def can_access(self, user) -> bool:
        return self.proposal.is_lead(user)

    def process(self):
        ops.submit_proposal(self.proposal, actor=current_user)
        flash(_("Version %(n)d submitted to the Fund Management Unit.", n=self.proposal.version_count), "success")
        return redirect(self.detail_url())

    def refused(self, exc: DomainError):
        if isinstance(exc, ValidationFailed) and not wants_json():
            return detail_page(self.proposal, problems=exc.problems, status=exc.status_code)
        return super().refused(exc)


class WithdrawView(ProposalBaseView):
    """The lead organization withdraws the proposal, with a reason."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.proposal.is_lead(user)

    def process(self):
        form = forms.ReasonForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.withdraw_proposal(self.proposal, form.reason.data, actor=current_user)
                flash(_("The proposal has been withdrawn."), "success")
                return redirect(self.detail_url())
        return self.render("withdraw.html", form=form)


class StartScreeningView(ProposalBaseView):
    """The FMU takes up a submitted proposal for screening."""

    methods = ["POST"]
    roles = (Role.fmu,)

    def process(self):
        ops.start_screening(self.proposal, actor=current_user)
        return redirect(url_for("proposals.screening", proposal_id=self.proposal.id))


class ScreeningView(ProposalBaseView):
    """The FMU's eligibility checklist; forward to review or return for revision."""

    methods = ["GET", "POST"]
    roles = (Role.fmu,)

    def process(self):
        proposal = self.proposal
        screening = proposal.latest_screening
        if proposal.state is not ProposalState.screening or screening is None:
            return self.render("screening.html", form=None, action_form=forms.PlainForm(), overlaps=None,
                               invitations=technical_review_of(proposal, current_user))  # fmt: skip
        form = forms.screening_form(screening, request.form if request.method == "POST" else None)
        if form.validate_on_submit():
            with refusals_shown_on(form):
                self.act(form, request.form.get("action", "save"))
                return redirect(self.detail_url() if proposal.state is not ProposalState.screening else request.path)
        return self.render("screening.html", 422 if form_problems(form) else 200, form=form,
                           action_form=forms.PlainForm(), overlaps=overlaps_of(proposal),
                           invitations=technical_review_of(proposal, current_user),
                           d=describe_version(proposal.submitted_version))  # fmt: skip

    def act(self, form, action: str) -> None:
        """Save the checklist, then forward or return; a refusal undoes the whole request."""
        ops.record_screening(self.proposal, forms.screening_answers(form), actor=current_user)
        if action == "forward":
            ops.forward_to_review(self.proposal, actor=current_user)
            flash(_("Forwarded to the Steering Committee’s review."), "success")
        elif action == "return":
            ops.return_for_revision(self.proposal, form.reasons.data or "", actor=current_user)
            flash(_("Returned to the agencies for revision."), "success")
        else:
            flash(_("Checklist saved."), "success")


# --- Versions ---


class VersionBaseView(ProposalBaseView):
    """Loads a frozen version of the proposal."""

    def load(self, proposal_id: int, number: int) -> None:
        super().load(proposal_id)
        self.version: ProposalVersion | None = self.proposal.version(number)
        if self.version is None:
            abort(404)


class VersionView(VersionBaseView):
    """One submitted version, as it was frozen."""

    def process(self):
        return self.render("version.html", version=self.version, d=describe_version(self.version))


class VersionPdfView(VersionBaseView):
    """One submitted version as a PDF: cover, summary, organizations, objectives, markers, budget, matrix; in the
    reader's language or ?lang=."""

    def process(self):
        version = self.version
        lang = requested_language()
        with force_locale(lang):
            data = {"d": describe_version(version), "version": {
                "number": version.number,
                "submitted_at": format_date(version.submitted_at, "long"),
                "submitted_by": version.submitted_by.name,
                "concept_note": self.proposal.is_concept_note,
            }}  # fmt: skip
            pdf = render_pdf("proposals/version.html", data)
        return pdf_response(pdf, f"{self.proposal.reference}-v{version.number}.pdf")


class CompareView(ProposalBaseView):
    """Two versions side by side, field by field and budget cell by budget cell, changes highlighted."""

    def process(self):
        versions = self.proposal.versions
        if len(versions) < 2:
            flash(_("There is only one version: nothing to compare yet."), "info")
            return redirect(self.detail_url())
        old = self.proposal.version(request.args.get("old", versions[-2].number, type=db_int)) or versions[-2]
        new = self.proposal.version(request.args.get("new", versions[-1].number, type=db_int)) or versions[-1]
        return self.render("compare.html", old=old, new=new, diff=compare(describe_version(old), describe_version(new)))


# --- Technical review ------------------------------------------------------------------------------------


class TechnicalReviewView(ProposalBaseView):
    """The technical reviewers invited on a proposal and their comments: the FMU invites, a reviewer comments."""

    def can_access(self, user) -> bool:
        return may_read_technical_review(user, self.proposal)

    def process(self):
        return technical_review_page(self.proposal)


def technical_review_page(proposal: Proposal, *, invite_form=None, comment_form=None):
    """The page, with a form refused on the last request (status 422) or fresh ones."""
    fund_manager = rights.is_fund_manager(current_user, proposal.fund)
    open_to_comments = proposal.state in COMMENTABLE_STATES
    invitations = technical_review_of(proposal, current_user)
    if fund_manager and open_to_comments and invite_form is None:
        invite_form = forms.InviteReviewerForm(reviewers_to_invite(proposal))
    own = next((i for i in invitations if i.reviewer_id == current_user.id and i.is_open), None)
    if own is not None and open_to_comments and comment_form is None:
        comment_form = forms.ReviewCommentForm()
    refused = any(form is not None and form_problems(form) for form in (invite_form, comment_form))
    page = render_template(
        "proposals/technical_review.html",
        proposal=proposal,
        invitations=invitations,
        invite_form=invite_form if fund_manager and open_to_comments else None,
        comment_form=comment_form if own is not None and open_to_comments else None,
        action_form=forms.PlainForm(),
        fund_manager=fund_manager,
    )
    return page, 422 if refused else 200


class InviteReviewerView(ProposalBaseView):
    """The FMU invites a technical reviewer of the fund to comment on the proposal."""

    methods = ["POST"]
    roles = (Role.fmu, Role.admin)

    def process(self):
        form = forms.InviteReviewerForm(reviewers_to_invite(self.proposal))
        if form.validate_on_submit():
            with refusals_shown_on(form):
                invitation = ops.invite_reviewer(self.proposal, form.reviewers[form.reviewer.data], actor=current_user)
                flash(_("%(name)s is invited to review the proposal.", name=invitation.reviewer.name), "success")
                return redirect(url_for("proposals.technical_review", proposal_id=self.proposal.id))
        return technical_review_page(self.proposal, invite_form=form)


class WithdrawInvitationView(ProposalBaseView):
    """The FMU withdraws an invitation: the reviewer no longer sees the proposal."""

    methods = ["POST"]
    roles = (Role.fmu, Role.admin)

    def load(self, proposal_id: int, invitation_id: int) -> None:
        super().load(proposal_id)
        self.invitation = db.session.get(ReviewInvitation, invitation_id)
        if self.invitation is None or self.invitation.proposal_id != self.proposal.id:
            abort(404)

    def process(self):
        form = forms.PlainForm()
        if form.validate_on_submit():
            question = _("Withdraw the invitation to %(name)s?", name=self.invitation.reviewer.name)
            back = url_for("proposals.technical_review", proposal_id=self.proposal.id)
            if page := unconfirmed(question, _("The reviewer no longer sees the proposal."), back=back):
                return page
            with refusals_shown_on(form):
                ops.withdraw_invitation(self.invitation, actor=current_user)
                flash(_("The invitation has been withdrawn."), "success")
                return redirect(url_for("proposals.technical_review", proposal_id=self.proposal.id))
        flash(" ".join(form_problems(form)), "danger")
        return redirect(url_for("proposals.technical_review", proposal_id=self.proposal.id))


class ReviewCommentView(ProposalBaseView):
    """An invited technical reviewer comments on the proposal, for the FMU and the Steering Committee."""

    methods = ["POST"]
    roles = (Role.technical_reviewer,)

    def process(self):
        form = forms.ReviewCommentForm()
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.comment_on(self.proposal, form.body.data or "", actor=current_user)
                flash(
                    _("Your comment has been sent to the Fund Management Unit and the Steering Committee."), "success"
                )
                return redirect(url_for("proposals.technical_review", proposal_id=self.proposal.id))
        return technical_review_page(self.proposal, comment_form=form)
