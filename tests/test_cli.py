"""The command line: every `flask ...` command fundmgr registers is in README.md's table, and nothing more."""

from __future__ import annotations

import re
from pathlib import Path

import click

README = Path(__file__).resolve().parents[1] / "README.md"
# A row of the table: | `flask --app fundmgr fund load [PATH]` | ... | -> "fund load"
ROW = re.compile(r"^\| `flask --app fundmgr ([a-z][a-z0-9 -]*?)(?: [^a-z`][^`]*)?` \|", re.MULTILINE)


def registered(command: click.Command, prefix: str = "") -> set[str]:
    """Every command a person can run, sub-commands of groups by their full name."""
    name = f"{prefix}{command.name}"
    if isinstance(command, click.Group):
        return {path for sub in command.commands.values() for path in registered(sub, f"{name} ")}
    return {name}


def test_readme_lists_every_command_and_only_them(app):
    """Does README.md's command table name exactly the commands `flask --app fundmgr` offers?"""
    commands = {path for command in app.cli.commands.values() for path in registered(command)}
    documented = set(ROW.findall(README.read_text(encoding="utf-8")))
    flask_migrate = {path for path in commands if path.startswith("db ")} - documented
    assert documented == commands - flask_migrate
    assert "db upgrade" in documented
