"""`flask seed-demo`: load the demo fund, accounts and data (idempotent)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD, seed_demo


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
        click.echo(f"  {'role':<10} {'organization':<14} e-mail")
        for user in report.users:
            click.echo(f"  {user.role.value:<10} {user.organization.code:<14} {user.email}")
