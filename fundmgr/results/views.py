"""Pages of results: the framework, programmes, periods, progress reports and their review, reports to download."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.errors import DomainError, ValidationFailed
from fundmgr.exports import download
from fundmgr.funds.models import ThematicArea
from fundmgr.funds.queries import active, current_fund
from fundmgr.i18n import LANGUAGE_NAMES, current_language, localize
from fundmgr.numbers import INDICATOR_VALUE, number_text
from fundmgr.pdf import pdf_response
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalState
from fundmgr.results import forms as rf
from fundmgr.results import operations as ops
from fundmgr.results import queries as q
from fundmgr.results import reports
from fundmgr.results.models import (
    AggregationRule,
    Evidence,
    FundIndicator,
    FundOutcome,
    FundOutput,
    Measure,
    ResultsFramework,
    ReviewDecision,
    manages_results,
)
from fundmgr.results.values import IndicatorEntry
from fundmgr.storage import send_stored
from fundmgr.web import FundView, db_int


def today() -> date:
    return date.today()


def attempt(action: Callable[[], Any]) -> list[str]:
    """Run an operation; when it refuses the input, roll back and return the problems to show with the form."""
    try:
        action()
    except ValidationFailed as exc:
        db.session.rollback()
        return exc.problems
    return []


class ResultsView(FundView):
    """Base of results pages: the current fund, and templates under templates/results/."""

    def load(self, **view_args: Any) -> None:
        self.fund = current_fund()
        if self.fund is None:
            abort(404)

    def render(self, template: str, **context: Any) -> str:
        return render_template(f"results/{template}", fund=self.fund, **context)


# --- Programmes --------------------------------------------------------------------------------------


class ProgrammesView(ResultsView):
    """Funded programmes the user may see, with their reporting status and progress, filterable and paginated."""

    def process(self):
        area = request.args.get("area", type=db_int)
        state = request.args.get("state", "")
        query = q.programmes_query(self.fund, current_user)
        if area:
            query = query.where(Proposal.primary_area_id == area)
        if state in {s.value for s in FUNDED_STATES}:
            query = query.where(Proposal.state == ProposalState(state))
        query = q.with_reporting(query.order_by(Proposal.reference))
        page = db.paginate(query, per_page=current_app.config["PAGE_SIZE"], error_out=False)
        readings = q.latest_accepted([i.id for p in page.items for i in p.indicators], today())
        progress = {p.id: programme_share(p, readings) for p in page.items}
        return self.render(
            "programmes.html",
            page=page,
            progress=progress,
            today=today(),
            areas=active(self.fund.thematic_areas),
            area=area,
            state=state,
            states=sorted(FUNDED_STATES, key=lambda s: s.value),
        )


def programme_share(programme, readings) -> Any:
    """A programme's overall progress: the mean of its outcomes' progress."""
    items = q.programme_progress(programme, readings)
    return q.mean(q.outcome_progress(items[i.id] for i in o.indicators) for o in programme.outcomes)


class ProgrammeBase(ResultsView):
    """Base of a programme's pages: 404 for a programme the user may not know about."""

    def load(self, programme_id: int, **view_args: Any) -> None:
        self.programme = q.load_programme(programme_id)
        if self.programme is None or not self.programme.can_view(current_user):
            abort(404)
        self.fund = self.programme.proposal.fund
        self.framework = q.framework_for(self.fund)


class ProgrammeView(ProgrammeBase):
    """A programme's live matrix with its latest accepted figures, and its reporting periods."""

    def process(self):
        readings = q.latest_accepted([i.id for i in self.programme.indicators], today())
        items = q.programme_progress(self.programme, readings)
        return self.render(
            "programme.html",
            programme=self.programme,
            items=items,
            outcome_progress={
                o.id: q.outcome_progress(items[i.id] for i in o.indicators) for o in self.programme.outcomes
            },
            today=today(),
        )


class LinksView(ProgrammeBase):
    """The FMU links programme indicators to the fund's indicators and to GCM objectives."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        fund_indicators = [i for i in (self.framework.indicators if self.framework else []) if not i.retired]
        objectives = active(self.fund.objectives)
        form = rf.links_form_class(self.programme, fund_indicators, objectives)()
        problems: list[str] = []
        if request.method == "GET":
            for indicator in self.programme.indicators:
                form[f"fund-{indicator.id}"].data = str(indicator.fund_indicator_id or "")
                form[f"objectives-{indicator.id}"].data = [str(o.id) for o in indicator.objectives]
                form[f"measure-{indicator.id}"].data = indicator.measure.value
        elif form.validate_on_submit():
            by_id = {str(i.id): i for i in fund_indicators}
            objectives_by_id = {str(o.id): o for o in objectives}
            links = [
                ops.IndicatorLink(
                    indicator=indicator,
                    fund_indicator=by_id.get(form[f"fund-{indicator.id}"].data or ""),
                    objectives=[objectives_by_id[o] for o in form[f"objectives-{indicator.id}"].data or []],
                    measure=Measure(form[f"measure-{indicator.id}"].data),
                )
                for indicator in self.programme.indicators
            ]
            problems = attempt(lambda: ops.set_indicator_links(self.programme, links, actor=current_user))
            if not problems:
                flash(_("The links have been saved."), "success")
                return redirect(url_for("results.programme", programme_id=self.programme.id))
        return self.render("links.html", programme=self.programme, form=form, problems=problems)


# --- Reporting periods -----------------------------------------------------------------------------------


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
        problems: list[str] = []
        if form.validate_on_submit():
            dates = {"start": form.start.data, "end": form.end.data, "due": form.due.data}
            if self.period:
                problems = attempt(lambda: ops.update_period(self.period, **dates, actor=current_user))
            else:
                problems = attempt(lambda: ops.add_period(self.programme, **dates, actor=current_user))
            if not problems:
                flash(_("The reporting periods have been saved."), "success")
                return redirect(url_for("results.programme", programme_id=self.programme.id))
        return self.render(
            "period_form.html", programme=self.programme, period=self.period, form=form, problems=problems
        )


class PeriodRemoveView(ProgrammeBase):
    """The FMU removes the last period of a programme, when nothing was reported on it."""

    methods = ["POST"]

    def load(self, programme_id: int, number: int, **view_args: Any) -> None:
        super().load(programme_id)
        self.period = q.period_of(self.programme, number) or abort(404)

    def can_access(self, user) -> bool:
        return self.programme.can_manage(user)

    def process(self):
        ops.remove_period(self.period, actor=current_user)
        flash(_("Period %(n)d has been removed.", n=self.period.number), "success")
        return redirect(url_for("results.programme", programme_id=self.programme.id))


# --- Progress reports --------------------------------------------------------------------------------------


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
            today=today(),
        )


class ReportEditView(PeriodBase):
    """The lead agency writes the period's report (saved as a draft until submitted)."""

    methods = ["GET", "POST"]

    def can_access(self, user) -> bool:
        return self.report.can_edit(user) if self.report else self.programme.can_report(user)

    def process(self):
        form = rf.report_form_class(self.programme, self.framework)()
        if request.method == "GET" and self.report:
            rf.fill_report_form(form, self.report)
        problems: list[str] = []
        if form.validate_on_submit():
            data = self.report_input(form)
            problems = attempt(lambda: ops.save_report(self.period, data, actor=current_user, today=today()))
            if not problems:
                flash(_("The report has been saved as a draft."), "success")
                return redirect(self.period_url())
        return self.render(
            "report_form.html",
            programme=self.programme,
            period=self.period,
            report=self.report,
            form=form,
            problems=problems,
            dimensions=lambda indicator: rf.indicator_dimensions(indicator, self.framework),
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
        ops.submit_report(self.report, actor=current_user, today=today())
        flash(_("The report has been submitted to the Fund Management Unit."), "success")
        return redirect(self.period_url())


class ReviewReportView(ReportActionBase):
    """The FMU returns the report with comments, or accepts it."""

    def can_access(self, user) -> bool:
        return user.role is Role.fmu

    def process(self):
        form = rf.ReviewForm()
        decision = request.form.get("decision", "")
        if not form.validate_on_submit() or decision not in {d.value for d in ReviewDecision}:
            raise ValidationFailed([_("Choose to return or to accept the report.")])
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
        ops.remove_evidence(self.evidence, actor=current_user)
        flash(_("The file has been removed."), "success")
        return redirect(self.period_url())


def requested_language() -> str:
    """The language asked for (?lang=), else the user's."""
    lang = request.args.get("lang", "")
    return lang if lang in LANGUAGE_NAMES else current_language()


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


# --- Lists of reports -------------------------------------------------------------------------------------------


class ReportsView(ResultsView):
    """Reports to act on: the FMU's review queue and overdue reports; a lead agency's reports due."""

    roles = (Role.fmu, Role.admin, Role.agency)

    def process(self):
        day = today()
        if current_user.role is Role.agency:
            return self.render("reports.html", due=q.due_for_lead(self.fund, current_user, day), today=day)
        to_review = db.session.scalars(q.reports_to_review(self.fund)).all()
        overdue = db.paginate(
            q.overdue_periods(self.fund, day), per_page=current_app.config["PAGE_SIZE"], error_out=False
        )
        return self.render("reports.html", to_review=to_review, overdue=overdue, today=day)


# --- The fund's framework and its roll-ups ------------------------------------------------------------------


class FrameworkBase(ResultsView):
    """Base of the framework's pages."""

    def load(self, **view_args: Any) -> None:
        super().load()
        self.framework = q.framework_for(self.fund)


class FrameworkView(FrameworkBase):
    """The fund's results framework with each indicator rolled up from accepted programme reports."""

    def process(self):
        day = today()
        return self.render(
            "framework.html",
            framework=self.framework,
            areas=q.area_rollups(self.fund, day, self.framework) if self.framework else [],
            today=day,
        )


class FrameworkEditBase(FrameworkBase):
    """Base of the FMU's framework forms: 404 when no framework is loaded, 403 for other roles."""

    methods = ["GET", "POST"]

    def load(self, **view_args: Any) -> None:
        super().load()
        if self.framework is None:
            abort(404)

    def can_access(self, user) -> bool:
        return self.framework.can_edit(user)

    def item(self, model: type, item_id: int | None) -> Any:
        """An item of this framework by id (None for a new one); 404 for another fund's or an unknown one."""
        if item_id is None:
            return None
        item = db.session.get(model, item_id) or abort(404)
        owner = item.outcome if isinstance(item, FundOutput) else item
        if owner.framework_id != self.framework.id:
            abort(404)
        return item

    def saved(self):
        flash(_("The results framework has been saved."), "success")
        return redirect(url_for("results.framework"))

    def form_page(self, form, title: str, problems: list[str], **context: Any) -> str:
        return self.render("framework_form.html", form=form, title=title, problems=problems, **context)


class GoalEditView(FrameworkEditBase):
    """The FMU edits the fund's goal."""

    def process(self):
        form = rf.GoalForm()
        if request.method == "GET":
            rf.fill_texts(form, "goal", self.framework.goal)
        problems: list[str] = []
        if form.validate_on_submit():
            problems = attempt(lambda: ops.update_goal(self.framework, rf.texts_of(form, "goal"), actor=current_user))
            if not problems:
                return self.saved()
        return self.form_page(form, _("The fund's goal"), problems, prefixes=["goal"])


class OutcomeEditView(FrameworkEditBase):
    """The FMU adds an outcome or edits one."""

    def load(self, outcome_id: int | None = None, **view_args: Any) -> None:
        super().load()
        self.outcome = self.item(FundOutcome, outcome_id)

    def process(self):
        form = rf.OutcomeForm()
        areas = active(self.fund.thematic_areas)
        form.area.choices = rf.choices((a.id, f"{a.number}. {a.label}") for a in areas)
        if request.method == "GET" and self.outcome:
            form.area.data = self.outcome.area_id
            rf.fill_texts(form, "statement", self.outcome.statement)
        problems: list[str] = []
        if form.validate_on_submit():
            area = db.session.get(ThematicArea, form.area.data)
            statement = rf.texts_of(form, "statement")
            problems = attempt(
                lambda: ops.save_outcome(
                    self.framework, self.outcome, area=area, statement=statement, actor=current_user
                )
            )
            if not problems:
                return self.saved()
        title = _("Outcome %(code)s", code=self.outcome.code) if self.outcome else _("New outcome")
        return self.form_page(form, title, problems, fields=["area"], prefixes=["statement"])


class OutputEditView(FrameworkEditBase):
    """The FMU adds an output under an outcome or edits one."""

    def load(self, outcome_id: int | None = None, output_id: int | None = None, **view_args: Any) -> None:
        super().load()
        self.output = self.item(FundOutput, output_id)
        self.outcome = self.output.outcome if self.output else self.item(FundOutcome, outcome_id)

    def process(self):
        form = rf.OutputForm()
        if request.method == "GET" and self.output:
            rf.fill_texts(form, "statement", self.output.statement)
        problems: list[str] = []
        if form.validate_on_submit():
            statement = rf.texts_of(form, "statement")
            problems = attempt(
                lambda: ops.save_output(
                    self.framework, self.outcome, self.output, statement=statement, actor=current_user
                )
            )
            if not problems:
                return self.saved()
        title = _("Output %(code)s", code=self.output.code) if self.output else _("New output")
        return self.form_page(form, title, problems, prefixes=["statement"])


class FundIndicatorEditView(FrameworkEditBase):
    """The FMU adds an indicator to the framework or edits one."""

    def load(self, indicator_id: int | None = None, **view_args: Any) -> None:
        super().load()
        self.indicator = self.item(FundIndicator, indicator_id)

    def process(self):
        form = rf.FundIndicatorForm()
        form.parent.choices = rf.choices(parent_choices(self.framework))
        form.disaggregation.choices = rf.choices((d["code"], localize(d["name"])) for d in self.framework.dimensions)
        if request.method == "GET":
            self.fill(form)
        problems: list[str] = []
        if form.validate_on_submit():
            spec = self.spec(form)
            problems = attempt(
                lambda: ops.save_fund_indicator(self.framework, self.indicator, spec, actor=current_user)
            )
            if not problems:
                return self.saved()
        title = _("Indicator %(code)s", code=self.indicator.code) if self.indicator else _("New indicator")
        return self.render("indicator_form.html", form=form, title=title, problems=problems, indicator=self.indicator)

    def fill(self, form) -> None:
        indicator = self.indicator
        if indicator is None:
            outcome = request.args.get("outcome", type=db_int)
            form.parent.data = f"outcome-{outcome}" if outcome else ""
            return
        form.parent.data = f"output-{indicator.output_id}" if indicator.output_id else f"outcome-{indicator.outcome_id}"
        for prefix, texts in (
            ("name", indicator.name),
            ("unit", indicator.unit),
            ("mov", indicator.means_of_verification),
        ):
            rf.fill_texts(form, prefix, texts)
        form.measure.data, form.rule.data = indicator.measure.value, indicator.rule.value
        form.baseline.data = number_text(indicator.baseline, INDICATOR_VALUE)
        form.target.data = number_text(indicator.target, INDICATOR_VALUE)
        form.disaggregation.data = list(indicator.disaggregation)

    def spec(self, form) -> ops.IndicatorSpec:
        kind, _sep, item_id = form.parent.data.partition("-")
        output = db.session.get(FundOutput, int(item_id)) if kind == "output" else None
        outcome = output.outcome if output else db.session.get(FundOutcome, int(item_id))
        return ops.IndicatorSpec(
            outcome=outcome,
            output=output,
            name=rf.texts_of(form, "name"),
            unit=rf.texts_of(form, "unit"),
            measure=Measure(form.measure.data),
            rule=AggregationRule(form.rule.data),
            baseline=form.baseline.data or "",
            target=form.target.data or "",
            means_of_verification=rf.texts_of(form, "mov"),
            disaggregation=form.disaggregation.data or [],
        )


def parent_choices(framework: ResultsFramework) -> list[tuple[str, str]]:
    """Where an indicator can sit: an outcome (outcome indicator) or one of its outputs."""
    choices = []
    for outcome in framework.outcomes:
        if outcome.retired:
            continue
        choices.append((f"outcome-{outcome.id}", f"{outcome.code} {outcome.label}"))
        choices += [(f"output-{o.id}", f"— {o.code} {o.label}") for o in outcome.outputs if not o.retired]
    return choices


class FundIndicatorRetireView(FrameworkEditBase):
    """The FMU retires a fund indicator (or brings it back)."""

    methods = ["POST"]

    def load(self, indicator_id: int, **view_args: Any) -> None:
        super().load()
        self.indicator = self.item(FundIndicator, indicator_id)

    def process(self):
        retire = request.form.get("retired") == "1"
        ops.set_indicator_retired(self.indicator, retire, actor=current_user)
        flash(
            _("Indicator %(code)s retired.", code=self.indicator.code) if retire else _("Indicator restored."),
            "success",
        )
        return redirect(url_for("results.framework"))


# --- The fund's annual results report ----------------------------------------------------------------------


def report_years(fund) -> list[int]:
    """Years an annual report can cover, latest first: from the fund's start (or first programme) to this one."""
    first = q.first_programme_start(fund)
    starts = [today().year, fund.established.year if fund.established else None, first.year if first else None]
    return list(range(today().year, min(y for y in starts if y) - 1, -1))


class AnnualView(ResultsView):
    """Choose the year and language of the fund's annual results report; see its headline figures."""

    def process(self):
        form = rf.AnnualReportForm(request.args)
        years = report_years(self.fund)
        form.year.choices = rf.choices((y, str(y)) for y in years)
        year = form.year.data if form.year.data in years else years[0]
        lang = form.lang.data if form.lang.data in LANGUAGE_NAMES else current_language()
        form.year.data, form.lang.data = year, lang
        return self.render(
            "annual.html", form=form, year=year, lang=lang, figures=reports.headline_figures(self.fund, year)
        )


class AnnualFileView(ResultsView):
    """The fund's annual results report for a year, as PDF or Excel (accepted figures only)."""

    def load(self, year: int, kind: str, **view_args: Any) -> None:
        super().load()
        if kind not in ("pdf", "xlsx") or not 2000 <= year <= today().year + 1:
            abort(404)
        self.year, self.kind = year, kind

    def process(self):
        lang = requested_language()
        filename = reports.annual_report_filename(self.fund, self.year, lang, self.kind)
        if self.kind == "pdf":
            return pdf_response(reports.annual_report_pdf(self.fund, self.year, lang), filename)
        return download(reports.annual_report_xlsx(self.fund, self.year, lang), filename, "xlsx")


def home_summary(user) -> dict[str, Any]:
    """What the home card shows: reports due (lead agency), to review and overdue (FMU)."""
    fund = current_fund()
    if fund is None or not user.is_authenticated:
        return {}
    day = today()
    if user.role is Role.agency:
        due = q.due_for_lead(fund, user, day)
        return {"due": due, "overdue": [p for p in due if p.due_date < day]}
    if manages_results(user):
        return {
            "to_review": q.count(q.reports_to_review(fund)),
            "overdue": q.count(q.overdue_periods(fund, day)),
        }
    return {}
