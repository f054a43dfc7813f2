"""`flask seed-demo`: load the demo fund, accounts and data (idempotent)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from fundmgr import clock
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD, SeedReport, seed_demo
from fundmgr.funds.rights import role_on
from fundmgr.funds.seats import seat_labels


@click.command("seed-demo")
@click.option("--password", default=None, help="Password of every demo account (default: FUNDMGR_DEMO_PASSWORD).")
@click.option("--quiet", is_flag=True, help="Do not print the demo accounts.")
@with_appcontext
def seed_demo_command(password: str | None, quiet: bool) -> None:
    """Load the Migration MPTF definition and realistic demo data; running it again adds nothing."""
    password = password or current_app.config["DEMO_PASSWORD"] or DEFAULT_PASSWORD
    report = seed_demo(password)
    db.session.commit()
    for line in report.lines:
        click.echo(line)
    if not quiet:
        click.echo(f"\nDemo accounts (password for all: {password})")
        click.echo(account_table(report))


def account_table(report: SeedReport) -> str:
    """Who each demo account is: role on the fund, organization, language, committee seat (the chair stands out)."""
    fund = report.fund
    seats = seat_labels(fund, clock.today(fund)) if fund else {}
    rows = [("role", "organization", "language", "committee seat", "e-mail")]
    for user in report.users:
        role = role_on(user, fund) or user.role
        seat = seats.get(user.id, "")
        rows.append((role.value, user.organization.code, user.locale or "en", seat, user.email))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join(
        "  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1]
        for row in rows
    )
