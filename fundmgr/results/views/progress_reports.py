"""Progress reports: writing, submitting, reviewing, evidence, their files, and the list of reports."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, current_app, flash, redirect, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr import clock
from fundmgr.accounts.models import Organization, Role
from fundmgr.confirmation import unconfirmed
from fundmgr.db import db
from fundmgr.errors import DomainError, ValidationFailed
from fundmgr.exports import download
from fundmgr.funds.rights import is_agency_staff, is_fmu
from fundmgr.i18n import requested_language
from fundmgr.lists import Column, Filter, ListExport, Listing, ListSpec, is_db_int, scalar
from fundmgr.pdf import pdf_response
from fundmgr.proposals.models import FUNDED_STATES, Proposal
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results import reports
from fundmgr.results.models import (
    REPORT_SECTIONS,
    Evidence,
    ProgressReport,
    ReportingPeriod,
    ReportState,
    ReviewDecision,
)
from fundmgr.results.values import IndicatorEntry
from fundmgr.results.views.base import ResultsView
from fundmgr.results.views.periods import PeriodBase
from fundmgr.storage import send_stored
from fundmgr.web import db_int, refusals_shown_on

# --- Progress reports -----------------------------------------------------------------------------


class PeriodView(PeriodBase):
    """A period's progress report: values with their parts, narratives, evidence, review history and actions."""

    def process(self):
        items = q.report_progress(self.report) if self.report else {}
        return self.render(
            "report.html",
            programme=self.programme,
            period=self.period,
            report=self.report,
            items=items,
            framework=self.framework,
            review_form=rf.ReviewForm(),
            evidence_form=rf.EvidenceForm(),
            dimensions=lambda indicator: rf.indicator_dimensions(indicator, self.framework),
            today=clock.today(self.fund),
            report_sections=REPORT_SECTIONS,
        )


class ReportEditView(PeriodBase):
    """The lead agency writes the period's report (saved as a draft until submitted)."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.report.can_edit(user) if self.report else self.programme.can_report(user)

    def process(self):
        closed = ops.why_no_report(self.period)
        if closed and request.method == "GET":
            flash(closed, "warning")  # the form does not open on a period that cannot take a report
            return redirect(self.period_url())
        form = rf.report_form_class(self.programme, self.framework)()
        if request.method == "GET" and self.report:
            rf.fill_report_form(form, self.report)
        if form.validate_on_submit():
            data = self.report_input(form)
            with refusals_shown_on(form):
                ops.save_report(self.period, data, actor=current_user)
                flash(_("The report has been saved as a draft."), "success")
                return redirect(self.period_url())
        return self.render(
            "report_form.html",
            programme=self.programme,
            period=self.period,
            report=self.report,
            form=form,
            dimensions=lambda indicator: rf.indicator_dimensions(indicator, self.framework),
            report_sections=REPORT_SECTIONS,
        )

    def report_input(self, form) -> ops.ReportInput:
        entries = {}
        for indicator in self.programme.indicators:
            parts = {
                d["code"]: {
                    c["code"]: form[rf.part_field_name(indicator.id, d["code"], c["code"])].data or ""
                    for c in d["categories"]
                }
                for d in rf.indicator_dimensions(indicator, self.framework)
            }
            entries[indicator.id] = IndicatorEntry(
                actual=form[f"actual-{indicator.id}"].data or "",
                parts=parts,
                status=form[f"status-{indicator.id}"].data or "",
                comment=form[f"comment-{indicator.id}"].data or "",
            )
        return ops.ReportInput(
            entries=entries,
            narratives={o.id: form[f"narrative-{o.id}"].data or "" for o in self.programme.outcomes},
            lessons_learned=form.lessons.data or "",
            sections={column: form[column].data or "" for column, _title, _help in REPORT_SECTIONS},
        )


class ReportActionBase(PeriodBase):
    """Base of views on an existing report (actions and downloads); refusals are flashed one problem a line."""

    methods = ["POST"]

    def load(self, programme_id: int, number: int, **view_args: Any) -> None:
        super().load(programme_id, number)
        if self.report is None:
            abort(404)

    def refused(self, exc: DomainError):
        for problem in getattr(exc, "problems", None) or [exc.message]:
            flash(problem, "danger")
        return redirect(self.back_url())


class SubmitReportView(ReportActionBase):
    """The lead agency submits the report for the FMU's review."""

    def can_access(self, user) -> bool:
        return self.programme.can_report(user)

    def process(self):
        ops.submit_report(self.report, actor=current_user)
        flash(_("The report has been submitted to the Fund Management Unit."), "success")
        return redirect(self.period_url())


class ReviewReportView(ReportActionBase):
    """The FMU returns the report with comments, or accepts it."""

    def can_access(self, user) -> bool:
        return is_fmu(user, self.fund)

    def process(self):
        form = rf.ReviewForm()
        decision = request.form.get("decision", "")
        if not form.validate_on_submit() or decision not in {d.value for d in ReviewDecision}:
            raise ValidationFailed([_("Choose to return or to accept the report.")])
        if decision == ReviewDecision.accepted.value:
            consequence = _("Its figures then count in the fund's results; the report can no longer be changed.")
            if page := unconfirmed(_("Accept the report?"), consequence, back=self.period_url()):
                return page
        ops.review_report(self.report, ReviewDecision(decision), form.comment.data or "", actor=current_user)
        if decision == ReviewDecision.accepted.value:
            flash(_("The report has been accepted; its figures now count in the fund's results."), "success")
        else:
            flash(_("The report has been returned to the lead agency."), "success")
        return redirect(self.period_url())


class EvidenceUploadView(ReportActionBase):
    """The lead agency attaches a file to the report being written."""

    def can_access(self, user) -> bool:
        return self.report.can_edit(user)

    def process(self):
        form = rf.EvidenceForm()
        if not form.validate_on_submit():
            raise ValidationFailed([_("Choose a file to upload.")])
        ops.add_evidence(self.report, form.file.data, form.caption.data or "", actor=current_user)
        flash(_("The file has been attached."), "success")
        return redirect(self.period_url())


class EvidenceBase(ReportActionBase):
    """Base of a report's evidence file views: 404 for a file of another report."""

    def load(self, programme_id: int, number: int, evidence_id: int, **view_args: Any) -> None:
        super().load(programme_id, number)
        self.evidence = db.session.get(Evidence, evidence_id)
        if self.evidence is None or self.evidence.report_id != self.report.id:
            abort(404)


class EvidenceDownloadView(EvidenceBase):
    """Download a report's evidence file (whoever may see the report)."""

    methods = ["GET"]

    def process(self):
        return send_stored(self.evidence.storage_key, self.evidence.filename, self.evidence.content_type)


class EvidenceRemoveView(EvidenceBase):
    """The lead agency removes a file from the report being written."""

    def can_access(self, user) -> bool:
        return self.report.can_edit(user)

    def process(self):
        question = _("Remove “%(name)s” from the report?", name=self.evidence.filename)
        if page := unconfirmed(question, back=self.period_url()):
            return page
        ops.remove_evidence(self.evidence, actor=current_user)
        flash(_("The file has been removed."), "success")
        return redirect(self.period_url())


class ReportPdfView(ReportActionBase):
    """The period's progress report as a PDF (in the user's language, or ?lang=)."""

    methods = ["GET"]

    def process(self):
        data = reports.programme_report_pdf(self.report, requested_language())
        return pdf_response(data, reports.programme_report_filename(self.report, "pdf"))


class ReportXlsxView(ReportActionBase):
    """The period's progress report as an Excel workbook."""

    methods = ["GET"]

    def process(self):
        data = reports.programme_report_xlsx(self.report, requested_language())
        return download(data, reports.programme_report_filename(self.report, "xlsx"), "xlsx")


# --- Lists of reports -----------------------------------------------------------------------------


def report_state() -> tuple[Any, ...]:
    """The period's report's state in the cycle's order (none: first), in SQL."""
    state = sa.select(ProgressReport.state).where(ProgressReport.period_id == ReportingPeriod.id).scalar_subquery()
    return (sa.case(*[(state == member, n) for n, member in enumerate(ReportState, 1)], else_=0),)


def report_text(period: ReportingPeriod) -> str:
    return str(period.report.state.title) if period.report else _("Not started")


def lead_choices(fund: Any) -> list[tuple[str, str]]:
    leads = db.session.scalars(
        sa.select(Organization).where(Organization.id.in_(
            sa.select(Proposal.lead_organization_id).where(Proposal.fund_id == fund.id, Proposal.state.in_(
                FUNDED_STATES)))))  # fmt: skip
    return sorted(((str(o.id), o.label) for o in leads), key=lambda choice: choice[1].casefold())


# Reports past their due date, the longest overdue first (what the FMU chases).
OVERDUE = ListSpec(
    name="overdue",
    columns=(
        Column("programme", _l("Programme"), (Proposal.reference,),
               lambda r: f"{r.programme.proposal.reference} {r.programme.proposal.title}"),
        Column("period", _l("Period"), (ReportingPeriod.number,), lambda r: r.number),
        Column("lead", _l("Lead"), scalar(Organization.code, Organization.id, Proposal.lead_organization_id),
               lambda r: r.programme.proposal.lead_organization.label if r.programme.proposal.lead_organization
               else ""),
        Column("due", _l("Due"), (ReportingPeriod.due_date,), lambda r: r.due_date),
        Column("report", _l("Report"), report_state, report_text),
    ),
    default_sort="due",
    tiebreak=(ReportingPeriod.id,),
    search=(Proposal.reference, Proposal.title),
    search_label=_l("Words in the programme's title or reference"),
    filters=(
        Filter("lead", _l("Lead"), lambda qy, v, _f: qy.where(Proposal.lead_organization_id == db_int(v)),
               lead_choices, valid=is_db_int),
    ),
)  # fmt: skip


class ReportsView(ResultsView):
    """Reports to act on: the FMU's review queue and overdue reports (the list component); a lead agency's
    reports due."""

    roles = (Role.fmu, Role.admin, Role.agency)
    export_title = _l("Overdue reports")

    def listing(self) -> Listing:
        return OVERDUE.listing(q.overdue_periods(self.fund, clock.today(self.fund)).order_by(None), self.fund)

    def export_name(self) -> str:
        return f"overdue-reports-{self.fund.code.lower()}"

    def process(self):
        day = clock.today(self.fund)
        if is_agency_staff(current_user, self.fund):
            return self.render("reports.html", due=q.due_for_lead(self.fund, current_user, day), today=day)
        waiting = q.reports_to_review(self.fund)
        to_review = db.session.scalars(waiting.limit(current_app.config["PAGE_SIZE"])).all()
        return self.render(
            "reports.html",
            to_review=to_review,
            to_review_total=q.reports_waiting(self.fund),
            overdue=self.listing(),
            today=day,
        )


class OverdueExportView(ListExport, ReportsView):
    """The filtered, sorted overdue reports as CSV or Excel (the FMU's and administrators': agencies see their
    own reports due instead)."""

    def can_access(self, user: Any) -> bool:
        return not is_agency_staff(user, self.fund)
