"""Asking for a job, and running it: on RQ when FUNDMGR_QUEUE_URL names a Redis, else in-process.

`ask` records the job (or returns the one already in progress for the same request) and, once the transaction
commits, hands it over: to the queue (`flask --app fundmgr worker` runs it), to this process's job threads (at
most HEAVY_CONCURRENCY at once), or,
with JOBS_INLINE = "request" (the tests), to the end of the request itself. `run` is the same everywhere: it
builds the file in the asker's language, reporting progress, keeps it (fundmgr.storage) and marks the job done,
or failed with the error. Running a job again is harmless: a job already done keeps its file.
"""

from __future__ import annotations

import hashlib
import json
import threading
import traceback
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, current_app, g, has_request_context
from flask_babel import force_locale
from flask_login import login_user

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.jobs.kinds import Kind, Output, kind_of
from fundmgr.jobs.models import IN_PROGRESS, Job, JobState
from fundmgr.storage import store_generated

COMMITTED = "fundmgr.jobs.to_dispatch"  # key of Session.info: ids of jobs asked for in this transaction
RUN_IN_REQUEST = "fundmgr_jobs_after_request"  # key of g: ids to run once the request's work is done
EXECUTOR = "fundmgr_jobs_executor"  # key of app.extensions
EXECUTOR_LOCK = threading.Lock()
JOB_TIMEOUT = 3600  # seconds a document may take on a worker


def request_key(kind: Kind, fund: Fund | None, user: Any, params: dict[str, Any]) -> str:
    """The same request (kind, fund, asker, parameters) always has the same key (asker None: the system)."""
    text = json.dumps([kind.name, fund.id if fund else None, user.id if user else None, params], sort_keys=True,
                      default=str)  # fmt: skip
    return hashlib.sha256(text.encode()).hexdigest()


def ask(kind: Kind, *, fund: Fund | None, user: Any, params: dict[str, Any], language: str) -> Job:
    """Ask for a document: the job in progress for the same request, else a new one (audited), started once the
    transaction commits. `user` None: a document the system keeps up to date (the IATI file), asked by nobody."""
    key = request_key(kind, fund, user, params)
    waiting = in_progress(key)
    if waiting is not None:
        return waiting
    job = Job(kind=kind.name, fund_id=fund.id if fund else None, asked_by_id=user.id if user else None, params=params,
              request_key=key, language=language)  # fmt: skip
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except sa.exc.IntegrityError:  # the same request, asked at the same moment (uq_jobs_in_progress): that job
        waiting = in_progress(key)
        if waiting is None:
            raise
        return waiting
    record_audit("job.ask", job, actor=user, after={"kind": kind.name, "params": params}, fund_id=job.fund_id)
    db.session().info.setdefault(COMMITTED, []).append(job.id)
    return job


def run_here(job: Job) -> None:
    """Run a job just asked for in this request, now, instead of handing it over once the transaction commits
    (the first IATI file: a crawler gets the file rather than nothing). What the request had in `g` is kept."""
    pending = db.session().info.get(COMMITTED, [])
    if job.id in pending:
        pending.remove(job.id)
    db.session.commit()
    kept = dict(g.__dict__) if has_request_context() else None
    try:
        run(job.id)
    finally:
        if kept is not None:
            g.__dict__.clear()
            g.__dict__.update(kept)


def in_progress(key: str) -> Job | None:
    """The job in progress for a request, if any."""
    return db.session.scalar(sa.select(Job).where(Job.request_key == key, Job.state.in_(IN_PROGRESS)))


@sa.event.listens_for(so.Session, "after_commit")
def dispatch_committed(session: so.Session) -> None:
    """Jobs asked for in a transaction start once it commits (a worker could not see them before)."""
    for job_id in session.info.pop(COMMITTED, []):
        dispatch(job_id)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def forget_rolled_back(session: so.Session, previous_transaction: Any) -> None:
    if previous_transaction.parent is None:
        session.info.pop(COMMITTED, None)


def dispatch(job_id: int) -> None:
    """Hand a committed job to whatever runs jobs here."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config.get("QUEUE_URL"):
        rq_queue = queue()
        rq_queue.enqueue(run_on_worker, job_id, job_id=f"{rq_queue.name}-job-{job_id}", job_timeout=JOB_TIMEOUT)
    elif app.config.get("JOBS_INLINE") == "request":
        if has_request_context():  # outside a request (a test's own setup) the caller runs it
            g.setdefault(RUN_IN_REQUEST, []).append(job_id)
    else:
        in_process_executor(app).submit(run_in_app, app, job_id)


def in_process_executor(app: Flask) -> ThreadPoolExecutor:
    """Without a queue: this process's threads for jobs, as many as HEAVY_CONCURRENCY (the rest wait their turn)."""
    executor = app.extensions.get(EXECUTOR)
    if executor is None:
        with EXECUTOR_LOCK:
            executor = app.extensions.get(EXECUTOR) or ThreadPoolExecutor(
                max_workers=max(1, int(app.config["HEAVY_CONCURRENCY"])), thread_name_prefix="fundmgr-job"
            )
            app.extensions[EXECUTOR] = executor
    return executor


def run_after_request(response: Any) -> Any:
    """JOBS_INLINE = "request": the jobs asked for in this request run before it answers (the tests)."""
    for job_id in g.pop(RUN_IN_REQUEST, []):
        run(job_id)
    return response


def run_in_app(app: Flask, job_id: int) -> None:
    """Run a job in an app context of its own (a thread, a worker), its database session closed after."""
    with app.app_context():
        try:
            run(job_id)
        finally:
            db.session.remove()


def run_on_worker(job_id: int) -> None:
    """What RQ runs: the worker command holds the app context (fundmgr.jobs.cli)."""
    try:
        run(job_id)
    finally:
        db.session.remove()


def run(job_id: int) -> None:
    """Build the job's file as its asker, in their language; done keeps the file, an error marks it failed."""
    job = db.session.get(Job, job_id)
    if job is None or job.state is JobState.done:
        return  # rolled back before it started, or already done: nothing to do again
    asker = db.session.get(User, job.asked_by_id) if job.asked_by_id else None
    fund = db.session.get(Fund, job.fund_id) if job.fund_id else None
    job.state, job.started_at, job.attempts, job.error = JobState.running, clock.now(), job.attempts + 1, None
    db.session.commit()
    with job_request_context(), force_locale(job.language):
        if asker is not None:
            login_user(asker)
        g.current_fund = fund
        try:
            output = kind_of(job).build(job, lambda percent, step: progress(job, percent, step))
        except Exception as exc:
            db.session.rollback()
            fail(job, exc)
            return
        finish(job, output)


def job_request_context() -> Any:
    """A request context off any request, at the address people reach fundmgr at (SERVER_NAME, else BASE_URL): the
    trusted-host check passes and links are built as in a request."""
    config = current_app.config
    base_url = f"http://{config['SERVER_NAME']}" if config.get("SERVER_NAME") else config.get("BASE_URL")
    return current_app.test_request_context(base_url=base_url)


def progress(job: Job, percent: int, step: str) -> None:
    """Show how far a job is (committed at once: the job page reads it from another request)."""
    job.progress, job.step = max(0, min(100, percent)), step
    db.session.commit()


def finish(job: Job, output: Output) -> None:
    """Keep the file and mark the job done."""
    progress(job, 95, "store")
    stored = store_generated(output.data, output.filename, output.content_type)
    for name, value in stored.columns().items():
        setattr(job, name, value)
    job.state, job.progress, job.step, job.finished_at = JobState.done, 100, "done", clock.now()
    db.session.commit()


def fail(job: Job, exc: BaseException) -> None:
    """Mark the job failed with its error (the details in the log)."""
    current_app.logger.error("Job %s (%s) failed: %s", job.id, job.kind, "".join(traceback.format_exception(exc)))
    job = db.session.get(Job, job.id) or job
    job.state, job.step, job.finished_at = JobState.failed, "failed", clock.now()
    job.error = (str(exc) or type(exc).__name__)[:1000]
    db.session.commit()


def queue() -> Any:
    """The RQ queue of FUNDMGR_QUEUE_URL (named QUEUE_NAME: installations sharing a Redis keep theirs apart)."""
    from redis import Redis
    from rq import Queue

    config = current_app.config
    return Queue(config["QUEUE_NAME"], connection=Redis.from_url(config["QUEUE_URL"]))
