"""`flask worker`: runs the queued jobs (FUNDMGR_QUEUE_URL); `flask cron`: queues the daily commands on time;
`flask prune-documents`: deletes the documents past their retention period."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from fundmgr import clock
from fundmgr.db import db
from fundmgr.jobs.retention import prune_documents
from fundmgr.jobs.runner import queue
from fundmgr.jobs.tasks import register_periodic


def redis_connection():
    from redis import Redis

    url = current_app.config.get("QUEUE_URL")
    if not url:
        raise click.ClickException("FUNDMGR_QUEUE_URL is not set: without a queue, jobs run in the web server.")
    return Redis.from_url(url)


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@click.option("--with-scheduler/--without-scheduler", default=True, help="Also move retries due to the queue.")
@with_appcontext
def worker_command(burst: bool, with_scheduler: bool) -> None:
    """Run queued jobs (documents, e-mails, the daily commands) in this process, in the app's context."""
    from fundmgr.jobs.worker import Worker

    redis_connection()  # a clear refusal without FUNDMGR_QUEUE_URL
    rq_queue = queue()
    # a SimpleWorker runs each job in this process, inside the app context this command holds (no fork: the
    # database engine's connections stay this process's own)
    worker = Worker([rq_queue], connection=rq_queue.connection)
    worker.work(burst=burst, with_scheduler=with_scheduler)


@click.command("cron")
@with_appcontext
def cron_command() -> None:
    """Queue the daily reminders, digests and the closing of written procedures on time (RQ's cron scheduler)."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis_connection())
    register_periodic(scheduler)
    scheduler.start()


@click.command("prune-documents")
@with_appcontext
def prune_documents_command() -> None:
    """Delete the documents asked for more than DOCUMENT_RETENTION_DAYS ago and the IATI files a newer one replaced,
    with their stored files."""
    days = int(current_app.config["DOCUMENT_RETENTION_DAYS"])
    deleted = prune_documents(clock.now(), days)
    db.session.commit()
    click.echo(f"{deleted} documents deleted (kept: the last {days} days, the newest IATI files).")
