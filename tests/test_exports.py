"""CSV and Excel exports: formulas neutralised, money exact, accents intact."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import openpyxl
import pytest

from fundmgr.exports import Sheet, csv_bytes, safe_cell, xlsx_bytes

pytestmark = pytest.mark.both_engines  # sums of money in SQL: integer cents on SQLite, NUMERIC on PostgreSQL


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


# French and Spanish Excel split CSV on ";", others on tabs or "|": a title must start no formula under any of them.
SEPARATOR_ATTACK = "ok;=2+5;=cmd|' /C calc'!A0"
SEPARATORS = (",", ";", "\t", "|")


def formula_cells(csv_text: str) -> list[str]:
    """Every cell that would start with a formula trigger when a spreadsheet splits the text on any separator."""
    found = []
    for line in csv_text.splitlines():
        for separator in SEPARATORS:
            for cell in line.split(separator):
                if cell.strip(' "').startswith(("=", "+", "-", "@")) or cell.startswith(("\t", "\r")):
                    found.append(cell)
    return found


def test_no_csv_field_starts_a_formula_under_any_separator():
    data = csv_bytes(["Title"], [[SEPARATOR_ATTACK], ["a\t=1"], ["x, -2"], ["y|@SUM(A1)"], ["plain; text"]])
    text = data.decode("utf-8-sig")
    assert formula_cells(text) == []
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1] == ["ok;'=2+5;'=cmd|' /C calc'!A0"]  # readable, every field quoted
    assert rows[5] == ["plain; text"]
    assert all(line.startswith('"') for line in text.splitlines())


def test_proposals_csv_export_starts_no_formula_under_any_separator(client, make_proposal, make_user, fund):
    from fundmgr.accounts.models import Role
    from tests.factories import sign_in

    make_proposal(title=SEPARATOR_ATTACK)
    sign_in(client, make_user(Role.fmu))
    text = client.get("/proposals/export.csv").get_data(as_text=True)
    assert "=cmd" in text
    assert formula_cells(text) == []


def test_audit_log_csv_export_starts_no_formula_under_any_separator(client, make_user):
    from fundmgr.accounts.models import Role
    from fundmgr.audit import record_audit
    from fundmgr.db import db
    from tests.factories import sign_in

    admin = make_user(Role.admin)
    record_audit("user.updated", admin, actor=admin, summary=SEPARATOR_ATTACK, after={"name": SEPARATOR_ATTACK})
    db.session.commit()
    sign_in(client, admin)
    text = client.get("/audit/export.csv").get_data(as_text=True)
    assert "=cmd" in text
    assert formula_cells(text) == []
