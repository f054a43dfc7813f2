"""Top-level commands: backup and restore of the whole database."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fundmgr.backup import BackupError, backup, restore


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write the whole database to PATH (gzip'd JSON lines; works on SQLite and PostgreSQL)."""
    counts = backup(path)
    click.echo(f"Backed up {sum(counts.values())} rows of {len(counts)} tables to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace the whole database's content with the backup in PATH (one transaction)."""
    if not yes:
        click.confirm("This replaces every row of the database. Continue?", abort=True)
    try:
        counts = restore(path)
    except BackupError as exc:
        raise click.ClickException(f"{exc}. Nothing was changed.") from exc
    click.echo(f"Restored {sum(counts.values())} rows of {len(counts)} tables from {path}.")
