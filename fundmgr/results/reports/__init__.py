"""Results reports: the programme progress report for a period and the fund's annual results report.

Each report is built once as plain data (no ORM objects reach the templates), in the language asked,
then rendered as PDF (WeasyPrint, charts as SVG) or written as an Excel workbook from the same data.
"""

from fundmgr.results.reports.annual import (
    annual_report_data,
    annual_report_filename,
    annual_report_pdf,
    annual_report_xlsx,
    headline_figures,
)
from fundmgr.results.reports.programme import programme_report_filename, programme_report_pdf, programme_report_xlsx

__all__ = [
    "annual_report_data",
    "annual_report_filename",
    "annual_report_pdf",
    "annual_report_xlsx",
    "headline_figures",
    "programme_report_filename",
    "programme_report_pdf",
    "programme_report_xlsx",
]
