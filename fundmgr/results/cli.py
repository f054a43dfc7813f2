"""`flask report ...` (results reports as files) and `flask results ...` (the results framework)."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fundmgr.db import db
from fundmgr.funds.definition import DefinitionError
from fundmgr.funds.models import Fund
from fundmgr.i18n import LANGUAGE_NAMES
from fundmgr.proposals.models import Proposal
from fundmgr.results import reports
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.models import Programme
from fundmgr.results.operations import load_framework
from fundmgr.results.queries import period_of

LANGUAGE = click.Choice(list(LANGUAGE_NAMES))
OUTPUT = click.Path(dir_okay=False, writable=True, path_type=Path)


def find_fund(code: str | None) -> Fund:
    """The fund named by its code, or the only (first) fund loaded."""
    query = sa.select(Fund).order_by(Fund.id)
    if code:
        query = query.where(Fund.code == code)
    fund = db.session.scalar(query.limit(1))
    if fund is None:
        raise click.ClickException(f"no fund {code or ''} loaded; run `flask --app fundmgr fund load` first")
    return fund


def write(path: Path, data: bytes) -> None:
    path.write_bytes(data)
    click.echo(f"Wrote {path} ({len(data):,} bytes).")


@click.group("report")
def report_group() -> None:
    """Results reports as files: the same PDFs (or Excel workbooks, with a .xlsx name) as on the web."""


@report_group.command("fund-annual")
@click.option("--year", type=int, required=True, help="The year the report covers.")
@click.option("--lang", type=LANGUAGE, default="en", show_default=True, help="The report's language.")
@click.option("--fund", "fund_code", default=None, help="The fund's code (default: the first fund loaded).")
@click.option("-o", "--output", type=OUTPUT, required=True, help="The file to write (.pdf or .xlsx).")
@with_appcontext
def fund_annual_command(year: int, lang: str, fund_code: str | None, output: Path) -> None:
    """The fund's annual results report for a year (accepted figures only)."""
    fund = find_fund(fund_code)
    if output.suffix.lower() == ".xlsx":
        write(output, reports.annual_report_xlsx(fund, year, lang))
    else:
        write(output, reports.annual_report_pdf(fund, year, lang))


@report_group.command("programme")
@click.argument("programme")
@click.option("--period", type=int, required=True, help="The period's number (1 for the first).")
@click.option("--lang", type=LANGUAGE, default="en", show_default=True, help="The report's language.")
@click.option("-o", "--output", type=OUTPUT, required=True, help="The file to write (.pdf or .xlsx).")
@with_appcontext
def programme_command(programme: str, period: int, lang: str, output: Path) -> None:
    """A programme's progress report for one period.

    PROGRAMME is the programme's number (as in its page's address) or its proposal reference.
    """
    found = db.session.scalar(
        sa.select(Programme)
        .join(Programme.proposal)
        .where(Programme.id == int(programme) if programme.isdigit() else Proposal.reference == programme)
    )
    if found is None:
        raise click.ClickException(f"no programme {programme}")
    reporting_period = period_of(found, period)
    if reporting_period is None or reporting_period.report is None:
        raise click.ClickException(f"programme {programme} has no report for period {period}")
    report = reporting_period.report
    if output.suffix.lower() == ".xlsx":
        write(output, reports.programme_report_xlsx(report, lang))
    else:
        write(output, reports.programme_report_pdf(report, lang))


@click.group("results")
def results_group() -> None:
    """The fund's results framework."""


@results_group.command("load-framework")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@click.option("--fund", "fund_code", default=None, help="The fund's code (default: the one the file names).")
@with_appcontext
def load_framework_command(path: Path | None, fund_code: str | None) -> None:
    """Load or update a fund's results framework from its file (default: the bundled Migration MPTF one).

    Idempotent: loading an unchanged file changes nothing. A malformed file is refused with a
    message naming the field, and nothing is written.
    """
    path = path or bundled_framework()
    try:
        spec, sha256 = read_framework(path)
        framework, changed = load_framework(find_fund(fund_code or spec.fund), spec, sha256, actor=None)
        db.session.commit()
    except DefinitionError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: results framework refused, nothing was changed.\n{exc}") from exc
    state = "loaded" if changed else "unchanged"
    click.echo(
        f"Results framework of {framework.fund.code} {state} from {path}: "
        f"{len([o for o in framework.outcomes if not o.retired])} outcomes, "
        f"{len([i for i in framework.indicators if not i.retired])} indicators."
    )
