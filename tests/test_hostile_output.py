"""What people typed, in the files the app makes: spreadsheets cannot be tricked into formulas, PDFs show text.

The access world's texts are hostile (tests/access/world.py): titles start with a formula and carry
markup and script, notes and narratives start with + - @. Every CSV and Excel export must write them as
text (neutralised with a leading apostrophe), every PDF must print them literally, never as markup or links.
"""

from __future__ import annotations

import re

import pytest
from flask import url_for

from tests.access import harness
from tests.access.harness import FORMULA_TRIGGERS, client_as, formula_cells, pdf_text, spreadsheet_cells
from tests.access.routes import CASES, OK, Case
from tests.access.world import World

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

EXPORTS = [c for c in CASES if c.method == "GET" and (c.variant in ("csv", "xlsx") or c.endpoint.endswith("_xlsx")
                                                      or c.endpoint.endswith("xlsx"))]  # fmt: skip
PDFS = [c for c in CASES if c.method == "GET" and ("pdf" in c.endpoint or c.variant.endswith("pdf")
                                                   or c.endpoint in ("steering.pack", "steering.minutes"))]  # fmt: skip


# The fund's funding status holds figures and reference data (areas, regions, organizations) only:
# nothing typed in the pages reaches it, so there is nothing to neutralise, only to check.
FIGURES_ONLY = frozenset({"finance.dashboard_xlsx", "finance.dashboard_pdf"})
# Lists whose rows in the world start no cell with text people typed (people's names and roles, contributions and
# ledger entries, documents asked for, notifications, overdue periods, procedures led by a reference): checked for
# formula cells like every export, written by the one list component whose neutralising the lists above prove.
NO_TYPED_TEXT_FIRST = frozenset({
    "accounts.users_export", "finance.contributions_export", "finance.ledger_export", "funds.people_export",
    "jobs.mine_export", "notifications.export", "results.overdue_export", "steering.procedures_export",
})  # fmt: skip


def reader_of(case: Case) -> str:
    """A role that may read the document: the FMU when it may, else the first role the matrix lets in."""
    return "fmu" if case.expect["fmu"] == OK else next(r for r, a in case.expect.items() if a == OK)


def fetch(app, world: World, case: Case):
    url = url_for(case.endpoint, **case.params(world)) + (f"?{case.query}" if case.query else "")
    with client_as(app, world, reader_of(case)).get(url) as response:
        assert response.status_code == 200
        return response.mimetype, response.headers, response.get_data()


@pytest.mark.parametrize("case", EXPORTS, ids=lambda c: c.id)
def test_exports_write_formulas_as_text(app, world, case: Case):
    """Does every export neutralise a cell starting with = + - @ (and keep the text otherwise as typed)?"""
    mimetype, headers, data = fetch(app, world, case)

    class Answer:  # what spreadsheet_cells reads
        pass

    answer = Answer()
    answer.mimetype, answer.data = mimetype, data
    answer.get_data = lambda as_text=False: data.decode("utf-8") if as_text else data
    cells = spreadsheet_cells(answer)
    assert cells, "not a spreadsheet"
    assert not formula_cells(cells)
    neutralised = [c for c in cells if isinstance(c, str) and c.startswith("'") and c[1:].startswith(FORMULA_TRIGGERS)]
    assert neutralised or case.endpoint in FIGURES_ONLY | NO_TYPED_TEXT_FIRST, (
        "the export holds none of the world's formula-like texts"
    )
    assert headers["Content-Disposition"].startswith("attachment;")
    assert headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("case", PDFS, ids=lambda c: c.id)
def test_pdfs_print_markup_as_text(app, world, case: Case):
    """Does every PDF print typed markup and script literally, with no link or script of its own?"""
    mimetype, headers, data = fetch(app, world, case)
    assert mimetype == "application/pdf"
    text = pdf_text(data)
    if case.endpoint not in FIGURES_ONLY:
        assert re.search(r"<b>[A-Z]+7</b>", text), "no typed markup printed as text: nothing was proven"
        assert "<script>alert(" in text
    assert b"/JavaScript" not in data
    assert b"/JS" not in data
    assert b"evil.example" not in data.replace(b" ", b"")  # no link annotation made from typed text
    assert headers["Content-Disposition"].startswith("attachment;")
