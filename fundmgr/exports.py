"""Tabular exports (CSV and Excel) that spreadsheet programs cannot be tricked by.

A cell that starts with = + - @ (or a tab or carriage return) would run as a formula
in Excel or LibreOffice; such text cells are prefixed with an apostrophe. Numbers stay
numbers, money stays exact (Decimal written with two decimals).

A CSV file is also read with separators other than its own: French and Spanish Excel split on ";",
others on tabs or "|". So in CSV every field is quoted, and every piece of text that would start a cell
under any of those separators is neutralised too (`ok;=2+5` is written `"ok;'=2+5"`).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from flask import Response

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# A separator some spreadsheet splits CSV on (or a line break), then blanks, then a formula trigger.
SPLIT_FORMULA = re.compile(r"([,;|\t\r\n])(\s*)([=+\-@])")


def safe_cell(value: Any) -> Any:
    """Neutralize text that a spreadsheet would evaluate; leave numbers and dates alone."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def safe_csv_field(value: Any) -> Any:
    """A CSV field that starts no formula whichever separator (, ; tab |) the spreadsheet splits on."""
    value = safe_cell(value)
    if isinstance(value, str):
        value = SPLIT_FORMULA.sub(r"\1\2'\3", value)
    return value


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """CSV in UTF-8 with a byte-order mark, so Excel opens accents correctly; every field quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL)
    writer.writerow([safe_csv_field(h) for h in header])
    for row in rows:
        writer.writerow([safe_csv_field(text_of(v)) for v in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def text_of(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return "" if value is None else value


class Sheet:
    """One worksheet of a workbook: a title, a header row and data rows."""

    def __init__(self, title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self.title = title[:31]  # Excel's limit on sheet names
        self.header = list(header)
        self.rows = rows


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """An Excel workbook with one sheet per Sheet; money in a #,##0.00 number format."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    bold = workbook.add_format({"bold": True, "bg_color": "#E8F1F8", "border": 1})
    money = workbook.add_format({"num_format": "#,##0.00"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for sheet in sheets:
        worksheet = workbook.add_worksheet(safe_sheet_title(sheet.title))
        worksheet.write_row(0, 0, [safe_cell(h) for h in sheet.header], bold)
        widths = [len(str(h)) for h in sheet.header]
        for r, row in enumerate(sheet.rows, start=1):
            for c, value in enumerate(row):
                write_cell(worksheet, r, c, value, money, day)
                if c < len(widths):
                    widths[c] = max(widths[c], min(len(str(text_of(value))), 60))
        for c, width in enumerate(widths):
            worksheet.set_column(c, c, width + 2)
        worksheet.freeze_panes(1, 0)
    workbook.close()
    return buffer.getvalue()


def write_cell(worksheet: Any, row: int, col: int, value: Any, money: Any, day: Any) -> None:
    if isinstance(value, Decimal):
        # Excel holds doubles; 2-decimal amounts below 10**13 survive exactly
        worksheet.write_number(row, col, float(value), money)
    elif isinstance(value, bool):
        worksheet.write_boolean(row, col, value)
    elif isinstance(value, int | float):
        worksheet.write_number(row, col, value)
    elif isinstance(value, datetime):
        worksheet.write_datetime(row, col, value.replace(tzinfo=None), day)
    elif isinstance(value, date):
        worksheet.write_datetime(row, col, datetime(value.year, value.month, value.day), day)  # noqa: DTZ001 - Excel has no zones
    elif value is None:
        worksheet.write_blank(row, col, None)
    else:
        worksheet.write_string(row, col, safe_cell(str(value)))


def safe_sheet_title(title: str) -> str:
    for char in "[]:*?/\\":
        title = title.replace(char, " ")
    return title.strip("'") or "Sheet"


def download(data: bytes, filename: str, kind: str) -> Response:
    """An attachment answer for CSV or XLSX bytes."""
    mimetype = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }[kind]
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )
