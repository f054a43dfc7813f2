"""A programme's progress report as PDF and Excel."""

from __future__ import annotations

from collections import Counter
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from fundmgr import clock
from fundmgr.exports import Sheet, xlsx_bytes
from fundmgr.finance import queries as finance
from fundmgr.pdf import render_pdf
from fundmgr.results import queries as q
from fundmgr.results.models import REPORT_SECTIONS, ProgressReport, ReportState
from fundmgr.results.reports.rows import (
    all_indicator_rows,
    breakdown_cells,
    breakdown_header,
    fund_facts,
    indicator_cells,
    indicator_header,
    matrix_rows,
    percent_number,
    programme_facts,
    progress_chart,
)
from fundmgr.results.rollup import mean


def programme_report_data(report: ProgressReport, lang: str) -> dict[str, Any]:
    """Everything the programme progress report shows, for one period's report (any state)."""
    programme = q.load_programme(report.period.programme_id)
    framework = q.framework_for(programme.proposal.fund)
    items = q.report_progress(report)
    outcomes = matrix_rows(programme, items, framework, lang, report)
    rows = all_indicator_rows(outcomes)
    allocated = finance.allocated_to([programme.proposal_id]).get(programme.proposal_id)
    return {
        "lang": lang,
        "fund": fund_facts(programme.proposal.fund, lang),
        "programme": programme_facts(programme, lang, allocated),
        "period": {
            "number": report.period.number,
            "start": report.period.start_date,
            "end": report.period.end_date,
            "due": report.period.due_date,
        },
        "report": {
            "state": report.state.value,
            "state_title": report.state.title,
            "accepted": report.state is ReportState.accepted,
            "submitted_at": report.submitted_at,
            "accepted_at": report.accepted_at,
            "lessons": report.lessons_learned,
            "sections": [(str(title), getattr(report, column)) for column, title, _help in REPORT_SECTIONS],
        },
        "outcomes": outcomes,
        "rows": rows,
        "status_counts": Counter(row["status_code"] for row in rows if row["status_code"]),
        "overall": percent_number(mean(o["share"] for o in outcomes)),
        "evidence": [{"filename": e.filename, "caption": e.caption, "size": e.size} for e in report.evidence],
        "chart": progress_chart(_("Progress towards target, by indicator (%)"), [(r["code"], r["bar"]) for r in rows]),
        "generated": clock.today(programme.proposal.fund),
    }


def programme_report_pdf(report: ProgressReport, lang: str) -> bytes:
    """The programme progress report for a period, as PDF, in the given language."""
    with force_locale(lang):
        return render_pdf("results/programme_report.html", programme_report_data(report, lang))


def programme_report_filename(report: ProgressReport, extension: str) -> str:
    return f"{report.programme.proposal.reference}-period-{report.period.number}.{extension}"


def programme_report_xlsx(report: ProgressReport, lang: str) -> bytes:
    """The programme progress report for a period as an Excel workbook: indicators, parts, narratives."""
    with force_locale(lang):
        data = programme_report_data(report, lang)
        sheets = [
            Sheet(
                _("Indicators"),
                indicator_header(report.programme.proposal.fund),
                [indicator_cells(row) for row in data["rows"]],
            ),
            Sheet(_("Disaggregation"), breakdown_header(), breakdown_cells(data["rows"])),
            Sheet(
                _("Narratives"),
                [_("Outcome"), _("Statement"), _("Progress made")],
                [[o["position"], o["statement"], o["narrative"]] for o in data["outcomes"]]
                + [[title, "", text] for title, text in data["report"]["sections"]]
                + [[_("Lessons learned"), "", data["report"]["lessons"]]],
            ),
        ]
        return xlsx_bytes(sheets)
