"""Top-level commands: backup and restore of everything fundmgr keeps (the database and the stored files)."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from fundmgr.backup import BackupError, Summary, backup, restore


def describe(summary: Summary) -> str:
    return f"{sum(summary.rows.values())} rows of {len(summary.rows)} tables and {summary.files} stored files"


def warn_missing(summary: Summary) -> None:
    if summary.missing_files:
        click.echo(
            f"Warning: {len(summary.missing_files)} files the database points at were missing from storage "
            f"when the backup was made: {', '.join(summary.missing_files)}",
            err=True,
        )


@click.command("backup")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False))
@with_appcontext
def backup_command(path: Path) -> None:
    """Write the whole database and every stored file to one archive, PATH (a zip; SQLite or PostgreSQL)."""
    summary = backup(path)
    click.echo(f"Backed up {describe(summary)} to {path}.")
    warn_missing(summary)


@click.command("restore")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path: Path, yes: bool) -> None:
    """Replace every row of the database and every stored file with the backup in PATH (all or nothing)."""
    if not yes:
        click.confirm("This replaces every row of the database and every stored file. Continue?", abort=True)
    try:
        summary = restore(path)
    except BackupError as exc:
        raise click.ClickException(f"{exc}. Nothing was changed.") from exc
    click.echo(f"Restored {describe(summary)} from {path}.")
    warn_missing(summary)
