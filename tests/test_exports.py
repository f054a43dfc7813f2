"""CSV and Excel exports: formulas neutralised, money exact, accents intact."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from fundmgr.exports import Sheet, csv_bytes, safe_cell, xlsx_bytes


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_triggers_become_text(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize("value", ["Plain", "1+1", Decimal("-5.00"), -5, None])
def test_other_values_are_left_alone(value):
    assert safe_cell(value) == value


def test_csv_keeps_accents_and_exact_money():
    data = csv_bytes(["Título", "Monto"], [["Migración =x", Decimal("1234567.89")], ["=evil()", Decimal("0.10")]])
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [["Título", "Monto"], ["Migración =x", "1234567.89"], ["'=evil()", "0.10"]]


def test_xlsx_has_numbers_for_money_and_text_for_formulas():
    data = xlsx_bytes([Sheet("Budget", ["Org", "Amount"], [['=HYPERLINK("x")', Decimal("749000.00")]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == '\'=HYPERLINK("x")'
    assert sheet["A2"].data_type == "s"
    assert sheet["B2"].value == 749000
    assert sheet["B2"].number_format == "#,##0.00"
