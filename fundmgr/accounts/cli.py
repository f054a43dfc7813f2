"""`flask create-user`: create an account from the command line."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from fundmgr.accounts.models import Constituency, Organization, Role
from fundmgr.accounts.operations import create_user
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.i18n import LANGUAGES


@click.command("create-user")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organization", "organization_code", required=True, help="Organization code, e.g. IOM.")
@click.option("--constituency", type=click.Choice([c.value for c in Constituency]), default=None)
@click.option("--locale", type=click.Choice(LANGUAGES), default=None)
@click.password_option(help="Prompted for (twice) when not given.")
@with_appcontext
def create_user_command(
    email: str, name: str, role: str, organization_code: str, constituency: str | None, locale: str | None,
    password: str,
) -> None:  # fmt: skip
    """Create a user account."""
    org = db.session.scalar(sa.select(Organization).where(Organization.code == organization_code))
    if org is None:
        raise click.ClickException(f"Unknown organization {organization_code!r}; load a fund definition first.")
    try:
        user = create_user(
            email=email,
            name=name,
            role=Role(role),
            organization=org,
            constituency=Constituency(constituency) if constituency else None,
            locale=locale,
            password=password,
            actor=None,
        )
        db.session.commit()
    except ValidationFailed as exc:
        db.session.rollback()
        raise click.ClickException("; ".join(exc.problems)) from exc
    click.echo(f"Created {user.email} ({user.role.value}, {org.code}).")
