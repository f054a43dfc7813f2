"""Background jobs: asking for a document answers at once with its page, which offers the file when ready.

Most tests run jobs in-process (JOBS_INLINE = "request": a job runs before the asking request answers). Those
marked with `redis_queue` send them through a real Redis to a real RQ worker, on a queue of their own.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_mail import Message

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.jobs import runner, tasks
from fundmgr.jobs.kinds import KINDS, Kind, register
from fundmgr.jobs.models import Job, JobState
from fundmgr.results.views.annual import ANNUAL_REPORT
from tests.factories import sign_in
from tests.support.jobs import job_id_of

REDIS_URL = os.environ.get("FUNDMGR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def annual(year: int = 2025, kind: str = "xlsx", lang: str = "en") -> dict:
    return {"year": year, "kind": kind, "lang": lang}


def test_asking_for_the_annual_report_answers_with_its_page_then_the_file(client, make_user):
    """The ask answers at once with the job's page; the page offers the PDF; My documents lists it."""
    viewer = make_user(Role.viewer, org="GOV-NLD")
    sign_in(client, viewer)
    asked = client.post("/results/annual/2025.pdf?lang=fr")
    job_id = job_id_of(asked)
    page = client.get(asked.headers["Location"])
    assert "The document is ready." in page.text
    assert f'href="/jobs/{job_id}/file"' in page.text
    pdf = client.get(f"/jobs/{job_id}/file")
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF-")
    assert pdf.headers["Content-Disposition"] == "attachment; filename=MIG-results-2025-fr.pdf"
    pdf.close()
    mine = client.get("/jobs/").text
    assert f'href="/jobs/{job_id}"' in mine
    assert "MIG-results-2025-fr.pdf" in mine
    job = db.session.get(Job, job_id)
    assert (job.state, job.progress, job.asked_by_id) == (JobState.done, 100, viewer.id)


def test_the_job_page_speaks_the_readers_language_and_refreshes_while_in_progress(client, make_user, fund):
    viewer = make_user(Role.viewer, org="GOV-NLD")
    job = runner.ask(ANNUAL_REPORT, fund=fund, user=viewer, params=annual(), language="es")
    db.session.commit()
    sign_in(client, viewer)
    client.post("/language", data={"locale": "es"})
    page = client.get(f"/jobs/{job.id}")
    assert '<meta http-equiv="refresh"' in page.text
    assert "Esperando para empezar" in page.text  # its state, in the reader's language
    assert client.get(f"/jobs/{job.id}/file").status_code == 404  # nothing to download yet


def test_asking_twice_while_in_progress_gives_one_job_and_a_done_job_is_not_rebuilt(fund, make_user):
    """A double click queues one job; running it again keeps its file; asking once it is done makes a new one."""
    viewer = make_user(Role.viewer, org="GOV-NLD")
    first = runner.ask(ANNUAL_REPORT, fund=fund, user=viewer, params=annual(), language="en")
    again = runner.ask(ANNUAL_REPORT, fund=fund, user=viewer, params=annual(), language="en")
    other_year = runner.ask(ANNUAL_REPORT, fund=fund, user=viewer, params=annual(2024), language="en")
    db.session.commit()
    assert first.id == again.id != other_year.id
    runner.run(first.id)
    key = first.storage_key
    runner.run(first.id)
    assert (first.state, first.storage_key, first.attempts) == (JobState.done, key, 1)
    later = runner.ask(ANNUAL_REPORT, fund=fund, user=viewer, params=annual(), language="en")
    assert later.id != first.id


def test_a_job_is_its_askers_and_the_administrators_only(client, fund, make_user):
    """Someone else is told it does not exist; an administrator sees it; the asker who lost the role does not."""
    viewer, other, admin = make_user(Role.viewer, org="GOV-NLD"), make_user(Role.fmu), make_user(Role.admin)
    job = runner.ask(ANNUAL_REPORT, fund=fund, user=viewer, params=annual(), language="en")
    db.session.commit()
    runner.run(job.id)
    for person, status in ((other, 404), (admin, 200), (viewer, 200)):
        sign_in(client, person)
        assert client.get(f"/jobs/{job.id}").status_code == status
        answer = client.get(f"/jobs/{job.id}/file")
        answer.close()
        assert answer.status_code == status
    sign_in(client, other)
    assert f'href="/jobs/{job.id}"' not in client.get("/jobs/").text
    for role in list(viewer.fund_roles):
        db.session.delete(role)
    db.session.commit()
    sign_in(client, viewer)
    assert client.get(f"/jobs/{job.id}/file").status_code in (403, 404)


@pytest.fixture
def failing_kind() -> Iterator[Kind]:
    def build(job, progress):
        progress(30, "render")
        raise RuntimeError("the printer caught fire")

    kind = register(Kind("test-failing", "A document that fails", build, lambda user, job: True))
    yield kind
    del KINDS[kind.name]


def test_a_job_that_fails_says_so_and_can_be_asked_again(client, fund, make_user, failing_kind):
    viewer = make_user(Role.viewer, org="GOV-NLD")
    job = runner.ask(failing_kind, fund=fund, user=viewer, params={}, language="en")
    db.session.commit()
    runner.run(job.id)
    assert (job.state, job.error, job.step) == (JobState.failed, "the printer caught fire", "failed")
    sign_in(client, viewer)
    assert "could not be prepared" in client.get(f"/jobs/{job.id}").text
    assert runner.ask(failing_kind, fund=fund, user=viewer, params={}, language="en").id != job.id


def test_without_a_queue_a_job_runs_in_a_thread_of_the_server(committed, fund, make_user, monkeypatch):
    """`make run`'s set-up: no queue, the job runs in this process's job threads with an app context of its own."""
    monkeypatch.setitem(committed.config, "JOBS_INLINE", "thread")
    viewer = make_user(Role.viewer, org="GOV-NLD")
    db.session.commit()
    client = sign_in(committed.test_client(), viewer)
    db.session.remove()  # the test's own reads end: the request writes (SQLite: one writer, no reader at a commit)
    job_id = job_id_of(client.post("/results/annual/2025.xlsx"))
    executor = committed.extensions.pop(runner.EXECUTOR)
    executor.shutdown(wait=True)  # the job's thread has finished
    assert db.session.get(Job, job_id).state is JobState.done


# --- A real queue: Redis and an RQ worker ---


@pytest.fixture
def redis_queue(app, monkeypatch) -> Iterator[object]:
    """A queue of this test's own on the test Redis (db 15), emptied after; FUNDMGR_QUEUE_URL set meanwhile."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown
    from rq import Queue

    connection = Redis.from_url(REDIS_URL)
    try:
        connection.ping()
    except RedisDown:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip(f"no Redis at {REDIS_URL}")
    name = f"test-{uuid.uuid4().hex[:12]}"
    monkeypatch.setitem(app.config, "QUEUE_URL", REDIS_URL)
    monkeypatch.setitem(app.config, "QUEUE_NAME", name)
    queue = Queue(name, connection=connection)
    yield queue
    for key in connection.scan_iter(f"*{name}*"):
        connection.delete(key)
    connection.close()


def work(queue) -> None:
    """What `flask --app fundmgr worker --burst` does: run every queued job in this process."""
    from fundmgr.jobs.worker import Worker

    Worker([queue], connection=queue.connection).work(burst=True)


def test_a_queued_job_is_done_by_a_real_worker(committed, redis_queue, fund, make_user):
    """With a queue, the ask only queues the job (once committed); the worker builds and keeps the file."""
    viewer = make_user(Role.viewer, org="GOV-NLD")
    db.session.commit()
    client = sign_in(committed.test_client(), viewer)
    db.session.remove()  # the test's own reads end: the request writes (SQLite: one writer, no reader at a commit)
    job_id = job_id_of(client.post("/results/annual/2025.xlsx"))
    assert db.session.get(Job, job_id).state is JobState.queued
    assert redis_queue.count == 1
    work(redis_queue)
    db.session.expire_all()
    job = db.session.get(Job, job_id)
    assert (job.state, job.progress) == (JobState.done, 100), job.error
    answer = client.get(f"/jobs/{job_id}/file")
    assert answer.data.startswith(b"PK")  # a workbook
    answer.close()


@pytest.mark.once
def test_an_email_that_cannot_be_sent_is_tried_again_later_then_failed(app, redis_queue, monkeypatch):
    """The SMTP server refuses: the worker tries again after each interval (growing), then marks the job failed."""
    from rq.job import JobStatus
    from rq.registry import FailedJobRegistry, ScheduledJobRegistry

    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", 9)  # nothing listens: connection refused
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    monkeypatch.setitem(app.config, "MAIL_RETRY_INTERVALS", [60, 600])
    monkeypatch.setattr(app.extensions["mail"], "suppress", False)
    monkeypatch.setattr(app.extensions["mail"], "server", "127.0.0.1")
    monkeypatch.setattr(app.extensions["mail"], "port", 9)
    monkeypatch.setattr(app.extensions["mail"], "use_tls", False)
    job = tasks.enqueue_email(Message(subject="Your report", recipients=["lead@example.org"], body="Due."))
    scheduled = ScheduledJobRegistry(queue=redis_queue)
    for wait in (60, 600):  # each failure schedules the next try later than the one before
        before = clock.now()
        work(redis_queue)
        job.refresh()
        assert job.get_status() == JobStatus.SCHEDULED
        when = scheduled.get_scheduled_time(job)
        assert before + timedelta(seconds=wait - 5) <= when <= clock.now() + timedelta(seconds=wait + 5)
        scheduled.remove(job)  # the wait is over
        redis_queue.enqueue_job(job)
    work(redis_queue)
    job.refresh()
    assert job.get_status() == JobStatus.FAILED
    assert job.id in FailedJobRegistry(queue=redis_queue).get_job_ids()


def test_committed_emails_go_to_the_worker_with_a_queue(app, redis_queue, monkeypatch):
    """With a queue and real sending, a message committed by a request is queued, not sent in the request."""
    from fundmgr.emails import MAIL_TRANSPORT, queue_mail

    monkeypatch.setattr(app.extensions["mail"], "suppress", False)
    monkeypatch.setitem(app.extensions, MAIL_TRANSPORT, None)
    tasks.install_mail_transport(app)
    queue_mail("lead@example.org", "Hello", "Body")
    db.session.commit()
    assert redis_queue.count == 1


def test_the_cron_scheduler_queues_the_daily_commands(app, redis_queue):
    """`flask cron` registers the reminders, the digests, the closing of written procedures and the pruning of
    old documents."""
    from rq.cron import CronScheduler

    scheduler = CronScheduler(connection=redis_queue.connection)
    tasks.register_periodic(scheduler)
    assert sorted(job.name for job in scheduler.get_jobs()) == [
        "prune-documents", "send-digests", "send-reminders", "steering close-written-procedures"
    ]  # fmt: skip
    tasks.run_command(["steering", "close-written-procedures"])  # what the worker runs: the CLI command itself
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Job)) == 0
