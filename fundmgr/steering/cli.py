"""`flask steering ...`: commands of the Steering Committee's secretariat."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fundmgr.db import db
from fundmgr.errors import DomainError
from fundmgr.funds.models import Fund
from fundmgr.steering.operations import conclude_written_procedure, due_procedures
from fundmgr.steering.verification import fund_findings


def close_written_procedures() -> list[str]:
    """Conclude every open written procedure past its deadline; one that cannot be carried out stays open."""
    lines = []
    for procedure in due_procedures():
        try:
            with db.session.begin_nested():
                conclude_written_procedure(procedure, actor=None)
        except DomainError as exc:
            lines.append(f"{procedure.reference}: not concluded: {exc.message}")
        else:
            lines.append(f"{procedure.reference}: {procedure.state.value}")
    return lines


@click.group("steering")
def steering_group() -> None:
    """Commands of the Steering Committee's secretariat."""


@steering_group.command("close-written-procedures")
@with_appcontext
def close_written_procedures_command() -> None:
    """Conclude the written procedures whose deadline has passed (adopted without objection)."""
    lines = close_written_procedures()
    db.session.commit()
    for line in lines or ["No written procedure is due."]:
        click.echo(line)


@click.command("verify-decisions")
@click.option("--fund", "fund_code", default=None, help="Verify only this fund's record (its code).")
@with_appcontext
def verify_decisions_command(fund_code: str | None) -> None:
    """Recompute every link of the decision record from the stored data and the chain; fail on any mismatch."""
    query = sa.select(Fund).order_by(Fund.code)
    if fund_code is not None:
        query = query.where(Fund.code == fund_code)
    funds = list(db.session.scalars(query))
    if fund_code is not None and not funds:
        raise click.ClickException(f"No fund has the code {fund_code}.")
    checked, findings = 0, []
    for fund in funds:
        count, found = fund_findings(fund)
        checked += count
        findings += found
    for finding in findings:
        click.echo(f"MISMATCH {finding.line()}", err=True)
    if findings:
        raise SystemExit(1)
    click.echo(f"OK: {checked} records verified.")
