"""A job someone asked for: its kind, fund, parameters, state, progress and resulting file."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base


class JobState(TitledEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


JobState.set_titles(
    {
        JobState.queued: _l("Waiting to start"),
        JobState.running: _l("Being prepared"),
        JobState.done: _l("Ready"),
        JobState.failed: _l("Failed"),
    }
)
IN_PROGRESS = (JobState.queued, JobState.running)
IN_PROGRESS_SQL = "state IN ('queued', 'running')"


class Job(Base):
    """One document asked for. `request_key` names the request (kind, fund, asker, parameters): while a job for it
    is in progress, asking again gives that job (a double click queues one)."""

    __tablename__ = "jobs"
    __table_args__ = (
        sa.Index("ix_jobs_asked_by", "asked_by_id", "created_at"),
        sa.Index(
            "uq_jobs_in_progress",
            "request_key",
            unique=True,
            sqlite_where=sa.text(IN_PROGRESS_SQL),
            postgresql_where=sa.text(IN_PROGRESS_SQL),
        ),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    kind: so.Mapped[str] = so.mapped_column(sa.String(40))
    fund_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("funds.id", ondelete="CASCADE"))
    asked_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    params: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)
    request_key: so.Mapped[str] = so.mapped_column(sa.String(64))
    language: so.Mapped[str] = so.mapped_column(sa.String(10))
    state: so.Mapped[JobState] = so.mapped_column(default=JobState.queued)
    progress: so.Mapped[int] = so.mapped_column(default=0)  # percent
    step: so.Mapped[str] = so.mapped_column(sa.String(40), default="")  # a key of kinds.STEPS
    filename: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str | None] = so.mapped_column(sa.String(120))
    size: so.Mapped[int | None]
    sha256: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    storage_key: so.Mapped[str | None] = so.mapped_column(sa.String(200))
    error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    attempts: so.Mapped[int] = so.mapped_column(default=0)
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    started_at: so.Mapped[datetime | None]
    finished_at: so.Mapped[datetime | None]

    asked_by: so.Mapped[User | None] = so.relationship(foreign_keys=[asked_by_id])

    audit_type = "job"

    @property
    def in_progress(self) -> bool:
        return self.state in IN_PROGRESS

    def __repr__(self) -> str:
        return f"<Job {self.id} {self.kind} {self.state.value}>"
