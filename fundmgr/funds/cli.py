"""`flask fund ...`: load and list fund definitions; `flask create-user`: an account holding a role on a fund."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fundmgr.accounts.models import Organization, Role
from fundmgr.accounts.operations import create_user
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.funds.definition import REFERENCE_FILE, DefinitionError, bundled_definition, read_reference
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import grant_role, load_fund_file, load_reference
from fundmgr.i18n import LANGUAGES, localize


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


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organization", "organization_code", required=True, help="Organization code, e.g. IOM.")
@click.option(
    "--fund", "fund_code", default=None, help="Code of the fund the role is held on (needed when several are loaded)."
)
@click.option("--locale", type=click.Choice(LANGUAGES), default=None)
@click.password_option(help="Prompted for (twice) when not given.")
@with_appcontext
def create_user_command(
    email: str, name: str, role: str, organization_code: str, fund_code: str | None,
    locale: str | None, password: str,
) -> None:  # fmt: skip
    """Create a user account holding a role on a fund (an administrator: on every fund)."""
    org = db.session.scalar(sa.select(Organization).where(Organization.code == organization_code))
    if org is None:
        raise click.ClickException(f"Unknown organization {organization_code!r}; load a fund definition first.")
    fund = None
    if Role(role) is not Role.admin:
        funds = list(db.session.scalars(sa.select(Fund).order_by(Fund.code)))
        if fund_code is not None:
            fund = next((f for f in funds if f.code == fund_code), None)
            if fund is None:
                raise click.ClickException(f"Unknown fund {fund_code!r}; `flask fund list` shows the funds loaded.")
        elif len(funds) == 1:
            fund = funds[0]
        else:
            codes = ", ".join(f.code for f in funds) or "none loaded"
            raise click.ClickException(f"Name the fund the role is held on with --fund ({codes}).")
    try:
        user = create_user(
            email=email,
            name=name,
            role=Role(role),
            organization=org,
            locale=locale,
            password=password,
            actor=None,
        )
        if fund is not None:
            grant_role(user, fund, Role(role), actor=None)
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(exc.problems)) from exc
    where = f"on {fund.code}" if fund is not None else "on every fund"
    click.echo(f"Created {user.email} ({role} {where}, {org.code}).")
