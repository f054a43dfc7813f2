"""The job page (progress, then the file), its download, and "My documents"."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import abort, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.jobs.kinds import KINDS, STEPS
from fundmgr.jobs.models import Job, JobState
from fundmgr.lists import Column, Filter, ListExport, Listing, ListSpec, enum_filter, enum_order
from fundmgr.storage import send_stored
from fundmgr.web import FundView

REFRESH_SECONDS = 2  # how often the page of a job in progress reloads itself (a meta refresh, no script)


def asked_redirect(job: Job) -> Any:
    """The answer to a request for a document: at once, to its job page (303: the browser then GETs it)."""
    return redirect(url_for("jobs.job", job_id=job.id), 303)


class JobBaseView(FundView):
    """A job is its asker's (and administrators'): anyone else is told it does not exist."""

    fund_scoped = False  # a person's own page; the kind's own rule is checked on the job

    def load(self, job_id: int) -> None:
        self.job = db.session.get(Job, job_id)
        if self.job is None or self.job.kind not in KINDS or not may_see(current_user, self.job):
            abort(404)


def may_see(user: User, job: Job) -> bool:
    """The asker, or an administrator, while they still hold the right the kind asks for."""
    if not (user.is_authenticated and (job.asked_by_id == user.id or user.is_admin)):
        return False
    return KINDS[job.kind].may_see(user, job)


class JobView(JobBaseView):
    """How far a document is; the link to its file once it is ready (the page reloads itself until then)."""

    def process(self) -> Any:
        return render_template(
            "jobs/job.html", job=self.job, kind=KINDS[self.job.kind], step=STEPS.get(self.job.step, ""),
            refresh=REFRESH_SECONDS if self.job.in_progress else None,
        )  # fmt: skip


class JobFileView(JobBaseView):
    """The file of a job that is done (the permission checked again by `load`)."""

    def process(self) -> Any:
        job = self.job
        if job.state is not JobState.done or not job.storage_key:
            abort(404)
        return send_stored(job.storage_key, job.filename or "document", job.content_type or "application/octet-stream")


def kind_title(job: Job) -> str:
    return str(KINDS[job.kind].title) if job.kind in KINDS else job.kind


# The documents one asked for, newest first.
JOBS = ListSpec(
    name="documents",
    columns=(
        Column("document", _l("Document"), (Job.kind,), kind_title),
        Column("file", _l("File"), (Job.filename,), lambda j: j.filename or "", shown=False),
        Column("asked", _l("Asked for"), (Job.created_at,), lambda j: j.created_at, first="desc"),
        Column("state", _l("State"), enum_order(Job.state, JobState), lambda j: str(j.state.title)),
    ),
    default_sort="asked",
    tiebreak=(Job.id,),
    search=(Job.filename,),
    search_label=_l("Words in the file name"),
    filters=(
        enum_filter("state", _l("State"), Job.state, JobState),
        Filter("kind", _l("Document"), lambda q, v, _c: q.where(Job.kind == v),
               lambda _c: sorted(((k, str(kind.title)) for k, kind in KINDS.items()), key=lambda c: c[1].casefold()),
               valid=KINDS.__contains__),
    ),
)  # fmt: skip


class MyDocumentsView(FundView):
    """The documents one asked for lately, newest first (the list component)."""

    fund_scoped = False
    export_title = _l("My documents")

    def listing(self) -> Listing:
        return JOBS.listing(sa.select(Job).where(Job.asked_by_id == current_user.id))

    def export_name(self) -> str:
        return "my-documents"

    def process(self) -> Any:
        return render_template("jobs/mine.html", listing=self.listing(), kinds=KINDS, steps=STEPS)


class MyDocumentsExportView(ListExport, MyDocumentsView):
    """The filtered, sorted list of one's documents as CSV or Excel."""
