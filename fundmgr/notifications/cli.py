"""`flask send-digests`: the daily e-mail listing each user's notifications set to the digest (for cron)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from fundmgr.notifications.operations import send_digests


@click.command("send-digests")
@with_appcontext
def send_digests_command() -> None:
    """E-mail every user their waiting digest items, each item once (safe to run twice or at once)."""
    sent, listed = send_digests()
    click.echo(f"{sent} digests sent, {listed} notifications listed.")
