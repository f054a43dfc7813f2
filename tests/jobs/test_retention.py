"""How long documents are kept: `flask prune-documents` deletes the jobs finished more than the retention period
ago and every IATI file a newer one of the same scope replaced, with their stored files, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.jobs.models import Job, JobState
from fundmgr.storage import keep, read_stored, stored_keys
from tests.factories import sign_in
from tests.support.files import unique_pdf

NOW = clock.now()


@pytest.fixture
def made(fund, make_user):
    """make(kind, days_ago, state, fund, content): a job finished that many days ago, with a stored file when done."""
    asker = make_user(Role.viewer)

    def make(kind="annual-report", days_ago=0, state=JobState.done, of_fund=fund, content=None):
        finished = NOW - timedelta(days=days_ago)
        job = Job(kind=kind, fund_id=of_fund.id if of_fund else None, asked_by_id=asker.id, language="en",
                  request_key=f"{kind}-{days_ago}-{state.value}-{of_fund and of_fund.id}", state=state,
                  created_at=finished, finished_at=finished if state not in (JobState.queued, JobState.running)
                  else None)  # fmt: skip
        if state is JobState.done:
            stored = keep(content or unique_pdf(), "report.pdf", "application/pdf")
            job.storage_key, job.filename, job.sha256 = stored.key, stored.filename, stored.sha256
        db.session.add(job)
        db.session.flush()
        return job

    return make


def remaining() -> set[int]:
    return set(db.session.scalars(sa.select(Job.id)))


def prune(app) -> str:
    result = app.test_cli_runner().invoke(args=["prune-documents"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def test_old_documents_go_with_their_files_and_recent_ones_and_those_in_progress_stay(app, made):
    old, failed = made(days_ago=31), made(days_ago=40, state=JobState.failed)
    recent, running = made(days_ago=29), made(days_ago=90, state=JobState.running)
    db.session.commit()
    assert "2 documents deleted" in prune(app)
    assert remaining() == {recent.id, running.id}
    assert old.storage_key not in stored_keys()
    assert read_stored(recent.storage_key)
    assert failed.id not in remaining()


def test_a_file_another_row_points_at_stays(app, made):
    """A report published on the fund's page, or asked for again, may be the very same bytes: one object."""
    content = unique_pdf()
    old, again = made(days_ago=60, content=content), made(days_ago=1, content=content)
    db.session.commit()
    prune(app)
    assert remaining() == {again.id}
    assert old.storage_key == again.storage_key
    assert read_stored(again.storage_key) == content


def test_only_the_newest_iati_file_of_each_scope_is_kept_however_old(app, made):
    """The fund's file and the every-fund file are two scopes: each keeps its newest, crawlers' copy."""
    older, newest = made("iati", days_ago=100), made("iati", days_ago=90)
    every_fund_old, every_fund = made("iati", days_ago=3, of_fund=None), made("iati", days_ago=2, of_fund=None)
    building = made("iati", days_ago=0, state=JobState.running)
    db.session.commit()
    prune(app)
    assert remaining() == {newest.id, every_fund.id, building.id}
    assert {older.storage_key, every_fund_old.storage_key} & stored_keys() == set()


def test_my_documents_says_how_long_they_are_kept(client, make_user, app):
    sign_in(client, make_user(Role.viewer))
    page = client.get("/jobs/").get_data(as_text=True)
    assert f"kept for {app.config['DOCUMENT_RETENTION_DAYS']} days" in page
