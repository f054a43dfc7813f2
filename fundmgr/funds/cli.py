"""`flask fund ...`: load and list fund definitions."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fundmgr.db import db
from fundmgr.funds.definition import REFERENCE_FILE, DefinitionError, bundled_definition, read_reference
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import load_fund_file, load_reference
from fundmgr.i18n import localize


@click.group("fund")
def fund_group() -> None:
    """Fund definitions: load, update, list."""


@fund_group.command("load")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@with_appcontext
def load_command(path: Path | None) -> None:
    """Load or update a fund from its definition file (default: the bundled Migration MPTF).

    Idempotent: loading an unchanged file changes nothing. A malformed file is refused
    with a message naming the field, and nothing is written. Shared reference data
    (organizations, countries) missing from the database is loaded first.
    """
    path = path or bundled_definition()
    try:
        fund, changed, added = load_fund_file(path, actor=None)
        db.session.commit()
    except DefinitionError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: fund definition refused, nothing was changed.\n{exc}") from exc
    if added:
        click.echo(f"Loaded {added} organizations, countries and regions of the reference data.")
    state = "loaded" if changed else "unchanged"
    click.echo(f"Fund {fund.code} ({localize(fund.short_name, 'en')}) {state} from {path}.")


@fund_group.command("list")
@with_appcontext
def list_command() -> None:
    """List the funds loaded in the database."""
    for fund in db.session.scalars(sa.select(Fund).order_by(Fund.code)):
        click.echo(f"{fund.code}\t{localize(fund.name, 'en')}\t{fund.definition_sha256[:12]}")


@click.group("reference")
def reference_group() -> None:
    """Shared reference data: organizations, currencies, countries and regions."""


@reference_group.command("load")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False), required=False)
@with_appcontext
def reference_load_command(path: Path | None) -> None:
    """Load or update the reference data every fund shares (default: the bundled reference file).

    Organizations are added or renamed by their code, countries and UN M49 regions come from m49.csv;
    a malformed file is refused naming the field, and nothing is written.
    """
    path = path or REFERENCE_FILE
    try:
        added = load_reference(read_reference(path), actor=None)
        db.session.commit()
    except DefinitionError as exc:
        db.session.rollback()
        raise click.ClickException(f"{path}: reference data refused, nothing was changed.\n{exc}") from exc
    click.echo(f"Reference data loaded from {path}: {added} rows added.")
