"""The fund's annual results report, and the results card on the home page."""

from __future__ import annotations

from typing import Any

from flask import abort, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr import clock
from fundmgr.choices import options
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import current_fund
from fundmgr.funds.rights import holds_any_role, is_agency_staff, is_fund_manager
from fundmgr.i18n import LANGUAGE_NAMES, current_language, requested_language
from fundmgr.jobs.kinds import Kind, Output, Progress, register
from fundmgr.jobs.models import Job
from fundmgr.jobs.runner import ask
from fundmgr.jobs.views import asked_redirect
from fundmgr.results import forms as rf
from fundmgr.results import queries as q
from fundmgr.results import reports
from fundmgr.results.views.base import ResultsView
from fundmgr.storage import CONTENT_TYPES


def report_years(fund) -> list[int]:
    """Years an annual report can cover, latest first: from the fund's start (or first programme) to this one."""
    year = clock.today(fund).year
    starts = [year, fund.established.year if fund.established else None, q.first_programme_year(fund)]
    return list(range(year, min(y for y in starts if y) - 1, -1))


class AnnualView(ResultsView):
    """Choose the year and language of the fund's annual results report; see its headline figures."""

    def process(self):
        form = rf.AnnualReportForm(request.args)
        years = report_years(self.fund)
        form.year.choices = options((y, str(y)) for y in years)
        year = form.year.data if form.year.data in years else years[0]
        lang = form.lang.data if form.lang.data in LANGUAGE_NAMES else current_language()
        form.year.data, form.lang.data = year, lang
        return self.render(
            "annual.html", form=form, year=year, lang=lang, figures=reports.headline_figures(self.fund, year)
        )


def build_annual_report(job: Job, progress: Progress) -> Output:
    """The annual results report of the job's year, language and format (pdf or xlsx)."""
    fund = db.session.get(Fund, job.fund_id)
    assert fund is not None
    year, kind, lang = job.params["year"], job.params["kind"], job.params["lang"]
    progress(10, "render")
    filename = reports.annual_report_filename(fund, year, lang, kind)
    if kind == "pdf":
        return Output(reports.annual_report_pdf(fund, year, lang), filename, CONTENT_TYPES["pdf"])
    return Output(reports.annual_report_xlsx(fund, year, lang), filename, CONTENT_TYPES["xlsx"])


def may_see_annual_report(user: Any, job: Job) -> bool:
    """Whoever works in the fund, as the annual report page asks."""
    fund = db.session.get(Fund, job.fund_id)
    return fund is not None and holds_any_role(user, fund)


ANNUAL_REPORT = register(Kind("annual-report", _l("Annual results report"), build_annual_report, may_see_annual_report))


class AnnualFileView(ResultsView):
    """Ask for the fund's annual results report for a year, as PDF or Excel (accepted figures only): a job."""

    methods = ["POST"]

    def load(self, year: int, kind: str, **view_args: Any) -> None:
        super().load()
        if kind not in ("pdf", "xlsx") or not 2000 <= year <= clock.today(self.fund).year + 1:
            abort(404)
        self.year, self.kind = year, kind

    def process(self):
        lang = requested_language()
        params = {"year": self.year, "kind": self.kind, "lang": lang}
        job = ask(ANNUAL_REPORT, fund=self.fund, user=current_user, params=params, language=current_language())
        return asked_redirect(job)


def home_summary(user) -> dict[str, Any]:
    """What the home card shows: reports due (lead agency), to review and overdue (FMU)."""
    fund = current_fund()
    if fund is None or not user.is_authenticated:
        return {}
    day = clock.today(fund)
    if is_agency_staff(user, fund):
        due = q.due_for_lead(fund, user, day)
        return {"due": due, "overdue": [p for p in due if p.is_overdue(day)]}
    if is_fund_manager(user, fund):
        return {
            "to_review": q.reports_waiting(fund),
            "overdue": q.count(q.overdue_periods(fund, day)),
        }
    return {}
