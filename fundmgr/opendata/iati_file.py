"""The IATI activity files, built by a background job and served from the last one built.

/iati/activities.xml (every publishing fund) and /iati/<fund>/activities.xml are public URLs that crawlers fetch
on their own schedule. Building a file reads every funded programme, its ledger and its results: seconds at a
large fund's scale, so it is a job (fundmgr.jobs, the same mechanism as the annual report's PDF), never the
request's work, except once: the very first request for a file that was never built builds it (see DEVELOPERS.md,
"The IATI file").

A built file is named by `content_key`: what the file depends on (the funds' IATI settings and names, the last
audited change to the fund's data, today's date, the layout). Every change the file can show is made through an
audited operation, so a new audit entry means the file may have changed; today's date is there because the
activity status and the "not in the future" rules depend on it. A request whose key differs from the last built
file's answers with the last file at once and asks for a new one (one job at a time per file: while one is
building, no other is asked for); a request whose key matches answers with the file, nothing asked. The job is
idempotent: asking again for the same key while it runs gives the same job, and running it again is harmless.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from flask import Response, current_app, request
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import ApiToken, User
from fundmgr.audit import AuditEntry, object_type_of
from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.funds.queries import all_funds
from fundmgr.jobs.kinds import Kind, Output, Progress, register
from fundmgr.jobs.models import IN_PROGRESS, Job, JobState
from fundmgr.jobs.runner import JOB_TIMEOUT, ask, run_here
from fundmgr.opendata import iati
from fundmgr.storage import serve_stored

# Bump when activities_document changes what it writes, or how the file is kept: files built before are then rebuilt
# on the next request (2: kept gzipped).
LAYOUT_VERSION = "2"
GZIP = "application/gzip"  # a job's file kept gzipped (files of layout 1 are plain XML, served as they are)
# Audited actions that never change what the file publishes (asking for jobs, accounts, tokens): they do not make
# the file stale. Named from the models (a person's entries are "users"): a sign-in must not rebuild the file.
UNPUBLISHED_OBJECTS = tuple(object_type_of(model) for model in (Job, User, ApiToken))
RETRY_AFTER = 30  # seconds a crawler is asked to wait when the first file could not be built


def build_iati(job: Job, progress: Progress) -> Output:
    """One fund's file (the job's fund), or every publishing fund's (no fund)."""
    progress(10, "collect")
    fund = db.session.get(Fund, job.fund_id) if job.fund_id else None
    data = iati.activities_document(scope(fund))
    progress(80, "compress")
    # Kept gzipped: XML shrinks about tenfold, and crawlers accept gzip, so the file goes to them as it is kept
    # (a large fund's file is hundreds of megabytes). mtime=0: the same content makes the same bytes (same key).
    compressed = gzip.compress(data, compresslevel=6, mtime=0)
    return Output(compressed, f"{fund.code}-activities.xml.gz" if fund else "activities.xml.gz", GZIP)


IATI_FILE = register(
    Kind("iati", _l("IATI activity file"), build_iati, lambda _user, _job: True, newest_only=True)  # public anyway
)


def scope(fund: Fund | None) -> list[Fund]:
    return [fund] if fund is not None else all_funds()


def content_key(fund: Fund | None) -> str:
    """What the file of `fund` (None: every fund) depends on, hashed; one statement, whatever the fund's size."""
    last_change = db.session.scalar(
        sa.select(sa.func.max(AuditEntry.id)).where(AuditEntry.object_type.not_in(UNPUBLISHED_OBJECTS))
    )
    content: dict[str, Any] = {
        "layout": LAYOUT_VERSION,
        "day": clock.today().isoformat(),
        "last_change": last_change,
        "funds": [[f.id, f.code, f.name, f.iati] for f in scope(fund)],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:32]


def jobs_of(fund: Fund | None) -> sa.Select:
    query = sa.select(Job).where(Job.kind == IATI_FILE.name)
    return query.where(Job.fund_id == fund.id) if fund is not None else query.where(Job.fund_id.is_(None))


def last_built(fund: Fund | None) -> Job | None:
    """The newest file built for this scope."""
    query = jobs_of(fund).where(Job.state == JobState.done).order_by(Job.finished_at.desc(), Job.id.desc())
    return db.session.scalar(query.limit(1))


def building(fund: Fund | None) -> Job | None:
    """The job building this scope's file, if any (one asked longer ago than a job may take is not waited for)."""
    since = clock.now() - timedelta(seconds=JOB_TIMEOUT)
    return db.session.scalar(jobs_of(fund).where(Job.state.in_(IN_PROGRESS), Job.created_at > since).limit(1))


def ask_for_file(fund: Fund | None, key: str) -> Job:
    """The job building the file for `key` (asked by nobody: the file is the fund's, not a person's)."""

    return ask(
        IATI_FILE, fund=fund, user=None, params={"key": key}, language=current_app.config["BABEL_DEFAULT_LOCALE"]
    )


def refresh(fund: Fund | None) -> Job | None:
    """Ask for a new file when the last one does not match what the file depends on now (and none is building);
    the last file built (None when there was never one)."""
    key = content_key(fund)
    latest = last_built(fund)
    if latest is not None and latest.params.get("key") == key:
        return latest
    if building(fund) is None:
        job = ask_for_file(fund, key)
        if latest is None:  # never built: this request builds it (once), instead of answering with nothing
            run_here(job)
            db.session.refresh(job)
            return job if job.state is JobState.done else None
    return latest


def being_prepared() -> Response:
    """The answer while there is no file to send: 503, and when to come back."""
    response = Response("The IATI file is being prepared.", status=503, mimetype="text/plain")
    response.headers["Retry-After"] = str(RETRY_AFTER)
    return response


def file_answer(fund: Fund | None) -> Response:
    """The last file built, with its ETag and date (gzipped to clients that accept it); 503 with Retry-After when
    there is none yet, or when the store lost it (then a new one is asked for)."""
    job = refresh(fund)
    if job is None or not job.storage_key:
        return being_prepared()
    # streamed from the store: the file of a large fund is hundreds of megabytes, and reading it whole into the
    # worker's memory for each crawler cost more than everything else the request does
    gzipped = job.content_type == GZIP
    try:
        response = serve_stored(job.storage_key, "application/xml", gzipped=gzipped)
    except FileNotFoundError:  # the store lost it (a wiped folder, an emptied bucket): built again, in the background
        current_app.logger.warning("IATI file %s is missing from storage: building it again", job.storage_key)
        if building(fund) is None:
            ask_for_file(fund, content_key(fund))
        return being_prepared()
    # each representation its own tag: the gzipped bytes are what the sha256 is of
    decompressed = gzipped and response.content_encoding != "gzip"
    response.set_etag(f"{job.sha256}-xml" if decompressed else job.sha256 or "")
    response.last_modified = job.finished_at
    return response.make_conditional(request)
