"""`flask steering ...`: commands of the Steering Committee's secretariat."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fundmgr.db import db
from fundmgr.errors import DomainError
from fundmgr.steering.operations import conclude_written_procedure, due_procedures


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
