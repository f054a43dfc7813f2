"""Public open data (no sign-in): the IATI activity file, each fund's public page and its published documents;
the FMU's dossier and what the FMU publishes."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.calls.forms import PlainForm
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance import queries as fq
from fundmgr.funds import rights
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import current_fund
from fundmgr.i18n import current_language, requested_language
from fundmgr.jobs.kinds import Kind, Output, Progress, register
from fundmgr.jobs.models import Job
from fundmgr.jobs.runner import ask
from fundmgr.jobs.views import asked_redirect
from fundmgr.lists import number
from fundmgr.opendata import dossier, iati, iati_file, pipeline
from fundmgr.opendata import operations as ops
from fundmgr.opendata.forms import annual_publication_form, summary_form, summary_of
from fundmgr.opendata.models import Publication, PublicationFile
from fundmgr.opendata.public import public_fund, published_documents
from fundmgr.pdf import pdf_response, render_pdf
from fundmgr.proposals.models import Proposal
from fundmgr.results.views.annual import report_years
from fundmgr.steering.models import Decision
from fundmgr.storage import send_stored
from fundmgr.web import FundView, form_problems, in_fund, refusals_shown_on

# Published answers may be kept a few minutes. The IATI file is the same for everyone: shared caches may keep it.
# The page varies by language (the session's or the browser's) and carries the session's CSRF token in its
# language form, so only the visitor's own browser keeps it, and not at all once someone is signed in (the menu).
PUBLIC_MAX_AGE = 300


def cached(response: Response, *, shared: bool) -> Response:
    """The answer with how long it may be kept, and by whom (a 503 is never kept)."""
    if response.status_code == 503:
        response.headers["Cache-Control"] = "no-store"
    elif current_user.is_authenticated:
        response.headers["Cache-Control"] = "private, max-age=0"
    else:
        response.headers["Cache-Control"] = f"{'public' if shared else 'private'}, max-age={PUBLIC_MAX_AGE}"
    response.vary.update({"Cookie", "Accept-Language"})
    return response


def fund_by_code(code: str) -> Fund:
    fund = db.session.scalar(sa.select(Fund).where(Fund.code == code))
    if fund is None:
        abort(404)
    return fund


class PublicView(FundView):
    """A page anyone may read, signed in or not, whatever their roles."""

    login_required = False
    fund_scoped = False  # public: no role on the fund is needed


class ActivitiesView(PublicView):
    """Every published fund and its funded programmes as IATI 2.03 activities (XML): the last file built by the
    IATI job, which this request asks to rebuild when what it publishes changed (fundmgr.opendata.iati_file)."""

    def process(self) -> ResponseReturnValue:
        return cached(iati_file.file_answer(None), shared=True)


class FundActivitiesView(PublicView):
    """One fund's IATI 2.03 activities (404 when the fund does not publish to IATI)."""

    def load(self, fund_code: str) -> None:
        self.fund = fund_by_code(fund_code)
        if not iati.publishes(self.fund):
            abort(404)

    def process(self) -> ResponseReturnValue:
        return cached(iati_file.file_answer(self.fund), shared=True)


class FundPageView(PublicView):
    """The fund's public factsheet: funding status, donors, programmes and delivery, countries, pipeline."""

    def load(self, fund_code: str) -> None:
        self.fund = fund_by_code(fund_code)

    def process(self) -> ResponseReturnValue:
        page = public_fund(self.fund, max(1, number(request.args.get("page", "")) or 1))
        published = iati.publishes(self.fund)
        return cached(
            Response(
                render_template(
                    "opendata/fund_page.html",
                    page=page,
                    publishes_iati=published,
                    areas={area.code: area for area in self.fund.thematic_areas},
                )
            ),
            shared=False,
        )


def build_dossier(job: Job, progress: Progress) -> Output:
    """A funded programme's dossier, file by file."""
    proposal = db.session.get(Proposal, job.params["proposal_id"])
    assert proposal is not None
    return Output(dossier.dossier_zip(proposal, progress), dossier.dossier_filename(proposal), "application/zip")


def may_see_dossier(user: User, job: Job) -> bool:
    """The fund's managers who may still see the programme."""
    proposal = db.session.get(Proposal, job.params["proposal_id"])
    return proposal is not None and proposal.can_view(user) and rights.is_fund_manager(user, proposal.fund)


DOSSIER = register(Kind("dossier", _l("Programme dossier"), build_dossier, may_see_dossier))


class PipelinePageView(PublicView):
    """The fund's pipeline: the proposals the Steering Committee endorsed, waiting for money (no sign-in)."""

    def load(self, fund_code: str) -> None:
        self.fund = fund_by_code(fund_code)

    def process(self) -> ResponseReturnValue:
        listing = pipeline.pipeline_listing(self.fund)
        entries = pipeline.entries_of(listing.page.items)
        total = fq.pipeline_total(self.fund)
        page = listing.page
        return conditional(
            lambda: Response(
                render_template("opendata/pipeline.html", fund=self.fund, entries=entries, listing=listing, total=total)
            ),
            pipeline.tag(self.fund, entries, page.page, page.per_page, page.total, total),
        )


class PipelineBookletView(PublicView):
    """The pipeline as a PDF booklet in the visitor's language or ?lang=, rendered once per change of what it lists."""

    def load(self, fund_code: str) -> None:
        self.fund = fund_by_code(fund_code)

    def process(self) -> ResponseReturnValue:
        lang = requested_language()
        with force_locale(lang):
            entries = pipeline.pipeline_entries(self.fund)
            key = pipeline.tag(self.fund, entries)
        context = {"fund_name": self.fund.name, "currency": self.fund.currency, "entries": entries,
                   "corridors": self.fund.asks_corridors}  # fmt: skip

        def rendered() -> bytes:
            with force_locale(lang):  # what the fund calls its organizations, in the booklet's language
                return render_pdf("opendata/pipeline.html", {**context, "participants": self.fund.participants_label})

        def answer() -> Response:
            data = pipeline.booklet(key, rendered)
            response = pdf_response(data, f"{self.fund.code}-pipeline-{lang}.pdf")
            response.direct_passthrough = False
            return response

        return conditional(answer, key)


def conditional(answer: Callable[[], Response], etag: str) -> Response:
    """304 when the visitor's copy carries the ETag (nothing is rendered), the answer with the ETag otherwise.

    The public pipeline's answers may be kept by the visitor's browser like the fund page (`cached`); the ETag
    lets it ask again cheaply once they expire.
    """
    response = Response(status=304) if etag in request.if_none_match else answer()
    response.set_etag(etag)
    return cached(response, shared=False)


class DossierView(FundView):
    """Ask for a funded programme's whole file as one zip (FMU and administrators): a job."""

    methods = ["POST"]

    def load(self, proposal_id: int) -> None:
        self.proposal = in_fund(db.session.get(Proposal, proposal_id), current_fund())
        if not self.proposal.is_funded or not self.proposal.can_view(current_user):
            abort(404)

    def can_access(self, user: User) -> bool:
        """Only the fund's managers (FMU, administrators) take a programme's whole file away."""
        return rights.is_fund_manager(user, self.proposal.fund)

    def process(self) -> ResponseReturnValue:
        params = {"proposal_id": self.proposal.id}
        job = ask(DOSSIER, fund=self.proposal.fund, user=current_user, params=params, language=current_language())
        return asked_redirect(job)


class PublicDocumentView(PublicView):
    """A published document's file (an annual report in one language), for anyone; a withdrawn one is gone."""

    def load(self, fund_code: str, file_id: int) -> None:
        fund = fund_by_code(fund_code)
        self.file = db.session.get(PublicationFile, file_id)
        if self.file is None or self.file.publication.fund_id != fund.id or not self.file.publication.is_live:
            abort(404)

    def process(self) -> ResponseReturnValue:
        return cached(send_stored(self.file.storage_key, self.file.filename, self.file.content_type), shared=True)


class ManagerView(FundView):
    """A page of the fund's managers (FMU, administrators) about what the fund publishes."""

    def can_access(self, user: User) -> bool:
        return rights.is_fund_manager(user, current_fund())


class PublicationsView(ManagerView):
    """What the fund publishes on its public page; the FMU publishes a year's annual report (frozen PDFs)."""

    methods = ["GET", "POST"]

    def process(self) -> ResponseReturnValue:
        fund = current_fund()
        form = annual_publication_form(report_years(fund))
        if form.validate_on_submit():
            with refusals_shown_on(form):
                publication = ops.publish_annual_report(fund, form.year.data, actor=current_user)
                flash(_("%(document)s is published on the public page.", document=publication.label), "success")
                return redirect(url_for("opendata.publications"))
        documents = published_documents(fund)
        return render_template("opendata/publications.html", form=form, documents=documents, fund=fund,
                               decisions=ops.publishable_decisions(fund), withdraw_form=PlainForm()
                               ), 422 if form_problems(form) else 200  # fmt: skip


class DecisionSummaryView(ManagerView):
    """The FMU writes and publishes a decision's public summary (endorsed or funded programmes only)."""

    methods = ["GET", "POST"]

    def load(self, decision_id: int) -> None:
        self.decision = in_fund(db.session.get(Decision, decision_id), current_fund())

    def process(self) -> ResponseReturnValue:
        current = db.session.scalar(ops.live(self.decision.fund, ops.PublicationKind.decision_summary)
                                    .where(Publication.decision_id == self.decision.id))  # fmt: skip
        form = summary_form(current.summary if current else {})
        if form.validate_on_submit():
            with refusals_shown_on(form):
                ops.publish_decision_summary(self.decision, summary_of(form), actor=current_user)
                flash(_("The decision’s summary is published on the public page."), "success")
                return redirect(url_for("opendata.publications"))
        return render_template("opendata/decision_summary.html", form=form, decision=self.decision,
                               current=current), 422 if form_problems(form) else 200  # fmt: skip


class WithdrawView(ManagerView):
    """The FMU takes a published document off the public page."""

    methods = ["POST"]

    def load(self, publication_id: int) -> None:
        self.publication = in_fund(db.session.get(Publication, publication_id), current_fund())

    def process(self) -> ResponseReturnValue:
        if not PlainForm().validate_on_submit():
            raise ValidationFailed([_("The form expired; please try again.")])
        question = _("Withdraw %(document)s from the public page?", document=self.publication.label)
        if page := unconfirmed(question, back=url_for("opendata.publications")):
            return page
        ops.withdraw(self.publication, actor=current_user)
        flash(_("The document is withdrawn from the public page."), "success")
        return redirect(url_for("opendata.publications"))
