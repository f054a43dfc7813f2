"""How long the documents people asked for are kept: a job's file is a copy the system can make again, and it may
hold personal data, so it goes after DOCUMENT_RETENTION_DAYS; a file of a `newest_only` kind (the IATI file) goes
as soon as a newer one of the same scope is built. Files go from the store once no row points at them (content
addressing: a published annual report may share its object with a job's)."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.jobs.kinds import KINDS
from fundmgr.jobs.models import Job, JobState
from fundmgr.storage import delete_after_commit

FINISHED = (JobState.done, JobState.failed)


def newest_files(kinds: list[str]) -> sa.Select:
    """The id of the newest file of each kind and scope (one fund, or every fund: fund_id NULL)."""
    ranked = (
        sa.select(
            Job.id,
            sa.func.row_number()
            .over(partition_by=(Job.kind, Job.fund_id), order_by=(Job.finished_at.desc(), Job.id.desc()))
            .label("rank"),
        )
        .where(Job.kind.in_(kinds), Job.state == JobState.done)
        .subquery()
    )
    return sa.select(ranked.c.id).where(ranked.c.rank == 1)


def prunable(now: datetime, keep_days: int) -> sa.Select:
    """Finished jobs past the retention period, and files of a `newest_only` kind older than their scope's newest;
    never a job in progress, never the newest file of a `newest_only` kind (what crawlers are served)."""
    replaced = [kind.name for kind in KINDS.values() if kind.newest_only]
    old = Job.finished_at < now - timedelta(days=keep_days)
    return sa.select(Job).where(
        Job.state.in_(FINISHED),
        sa.or_(old, Job.kind.in_(replaced)),
        sa.or_(Job.kind.not_in(replaced), Job.id.not_in(newest_files(replaced))),
    )


def prune_documents(now: datetime, keep_days: int) -> int:
    """Delete the jobs `prunable` finds, with their files once the deletion commits; how many were deleted."""
    jobs = db.session.scalars(prunable(now, keep_days).with_for_update(skip_locked=True)).all()
    for job in jobs:
        if job.storage_key:
            delete_after_commit(job.storage_key)
        db.session.delete(job)
    db.session.flush()
    return len(jobs)
