"""Two production servers (`gunicorn fundmgr.wsgi:app`, as the README runs it) on two ports, sharing one PostgreSQL
database, one S3-compatible bucket (moto's server mode) and one Redis queue worked by one `flask --app fundmgr
worker`, and nothing else: what a platform puts behind its load balancer (docs/deployment.md). Whatever one server
does, the other sees.

The servers are started once for the module; each test is one thing a person would notice if the servers kept
state of their own: a session, the sign-in limit, the live board, a file, a job.
"""

from __future__ import annotations

import gzip
import os
import secrets
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from bench.client import Client, csrf_token
from bench.server import Server, server_environment
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD
from fundmgr.proposals.models import Attachment, Proposal, ProposalState
from fundmgr.storage import S3Backend
from tests.support.files import unique_pdf
from tests.support.served import free_proposal, meeting_under_way, open_on_agenda

# on the attack suite's demo database, in its xdist group: seeded once for both
pytestmark = [pytest.mark.postgres_only, pytest.mark.xdist_group("attack")]

MEMBER = "jonas.becker@fundmgr.example"  # a donor on the Steering Committee, recused from no demo proposal
SIGN_IN_LIMIT = 6  # per hour: a window that starts at the first attempt, so none closes during the test
# The platform's Redis: the test Redis's db 15 (tests/jobs), on a queue named for this run, so that parallel runs
# and the jobs tests never take each other's jobs.
REDIS_URL = os.environ.get("FUNDMGR_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
JOB_WAIT = 120  # seconds the worker has to build a meeting pack on a busy machine


@pytest.fixture(autouse=True)
def isolated() -> None:
    """These tests work on the platform's own database, not in the per-test transaction."""


@dataclass
class Platform:
    """What the test runs: the servers, the environment every process of the platform shares, and an app on the
    same database for setting up and checking; the worker runs the queue named `queue_name` (None without Redis).
    """

    servers: list[Server]
    environment: dict[str, str]
    app: Flask
    folder: Path
    member: dict[str, str] = field(default_factory=dict)  # the member's session cookie, signed in on the first
    board: str = ""  # the live board of the meeting under way
    item_id: int = 0  # the item open on it
    drafter: dict[str, str] = field(default_factory=dict)  # the session of a draft's author (may attach files)
    draft_id: int = 0
    queue_name: str | None = None

    def stored_keys(self) -> set[str]:
        """The keys in the platform's bucket."""
        return S3Backend(self.environment["FUNDMGR_STORAGE_URL"], self.environment["FUNDMGR_S3_ENDPOINT_URL"]).keys()

    def browser(self, server: int, cookies: dict[str, str] | None = None) -> Client:
        """A browser talking to one of the servers, with the given session cookie."""
        client = Client(self.servers[server].url)
        client.cookies = dict(cookies or {})
        return client


@pytest.fixture(scope="module")
def platform(served_demo_database, s3_emulator, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Two gunicorn servers (two workers each) on the demo, one database, one bucket, one secret key."""
    folder = tmp_path_factory.mktemp("platform")
    url, app = served_demo_database
    with app.app_context():
        item = open_on_agenda(meeting_under_way("Two servers"), free_proposal())
        draft = db.session.scalars(
            sa.select(Proposal).where(Proposal.state == ProposalState.draft).order_by(Proposal.id)
        ).first()
        ids = (item.meeting_id, item.id, draft.created_by.email, draft.id)
        db.session.commit()
        db.session.remove()
    shared = s3_emulator.environment(s3_emulator.new_bucket()) | {
        "FUNDMGR_SECRET_KEY": secrets.token_hex(32),  # one key: a session signed by one server holds on all
        "FUNDMGR_LOGIN_RATE_LIMIT": f"{SIGN_IN_LIMIT} per hour",
        "FUNDMGR_MAIL_SUPPRESS_SEND": "true",
    }
    queue_name = f"platform-{uuid.uuid4().hex[:12]}" if redis_reachable() else None
    if queue_name:  # the servers queue jobs there; the worker started below runs them
        shared |= {"FUNDMGR_QUEUE_URL": REDIS_URL, "FUNDMGR_QUEUE_NAME": queue_name}
    worker: subprocess.Popen | None = None
    # no FUNDMGR_STORAGE_DIR of use: each server gets a folder of its own, which must stay empty
    servers = [Server(url, folder / f"local-{n}", log=folder / f"gunicorn-{n}.log", env=shared) for n in (0, 1)]
    try:
        for server in servers:
            server.__enter__()
        environment = server_environment(url, folder / "local-cli", count_queries=False) | shared
        platform = Platform(servers, environment | {"FUNDMGR_BASE_URL": servers[0].url}, app, folder)
        platform.queue_name = queue_name
        if queue_name:
            worker = start_worker(platform)
        platform.board, platform.item_id = f"/steering/meetings/{ids[0]}/board", ids[1]
        platform.draft_id = ids[3]
        # every sign-in from this address counts against the limit: all are done here, before it is reached
        platform.member, platform.drafter = (signed_in(platform, email) for email in (MEMBER, ids[2]))
        yield platform
    finally:
        for server in servers:
            server.stop()
        if worker is not None:
            stop_worker(worker)
        if queue_name:
            forget_queue(queue_name)


def redis_reachable() -> bool:
    """Whether the test Redis answers (CI must have one: there, its absence fails the run)."""
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    try:
        with Redis.from_url(REDIS_URL) as connection:
            return bool(connection.ping())
    except RedisDown:
        if os.environ.get("CI") == "true":
            raise
        return False


def start_worker(platform: Platform) -> subprocess.Popen:
    """`flask --app fundmgr worker`, as the deployment guide runs it, with the servers' environment (database,
    secret key, object store, queue); its output in the platform's folder."""
    log = (platform.folder / "worker.log").open("ab")
    command = [sys.executable, "-m", "flask", "--app", "fundmgr", "worker"]
    worker = subprocess.Popen(command, env=platform.environment, stdout=log, stderr=log)
    log.close()  # the child holds its own descriptor
    time.sleep(0.5)
    if worker.poll() is not None:
        raise RuntimeError(f"the worker exited with {worker.returncode} (see {platform.folder / 'worker.log'})")
    return worker


def stop_worker(worker: subprocess.Popen) -> None:
    """The worker this module started (by its own process), asked to stop, then made to."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def forget_queue(name: str) -> None:
    """Remove what RQ kept in Redis for the platform's queue (its jobs, registries, the worker's keys)."""
    from redis import Redis

    with Redis.from_url(REDIS_URL) as connection:
        for key in connection.scan_iter(f"*{name}*"):
            connection.delete(key)


def signed_in(platform: Platform, email: str) -> dict[str, str]:
    """The session cookie of a sign-in through the first server."""
    browser = platform.browser(0)
    browser.sign_in(email, DEFAULT_PASSWORD)
    return browser.cookies


def test_a_session_signed_in_on_one_server_works_on_the_other(platform):
    """Does the member's session cookie, from a sign-in on the first server, open their pages on the second?"""
    for server in (0, 1):
        page = platform.browser(server, platform.member).get("/account/")
        assert page.status == 200, server
        assert "Jonas" in page.text
    assert platform.browser(1).get("/account/").status == 302  # without it: to the sign-in page


def test_the_sign_in_limit_counts_the_attempts_on_both_servers_together(platform):
    """Wrong passwords sent in turn to the two servers: is the limit reached once, in total, not once per server?"""
    answers = []
    for attempt in range(2 * SIGN_IN_LIMIT):
        client = platform.browser(attempt % 2)
        form = {"csrf_token": csrf_token(client.get("/account/login").text), "email": "nobody@example.org",
                "password": "wrong password", "next": ""}  # fmt: skip
        answers.append(client.post("/account/login", form).status)
    assert answers.count(200) == SIGN_IN_LIMIT - 2  # the fixture's two sign-ins from this address counted too
    assert answers[-2:] == [429, 429]  # refused by both servers
    assert answers.index(429) == answers.count(200)  # once refused, refused everywhere


def test_a_position_stated_through_one_server_shows_on_the_others_live_board(platform):
    """The member states a position on the first server: does the second's board.json show it at once?"""
    first, second = platform.browser(0, platform.member), platform.browser(1, platform.member)
    meeting_url = platform.board.rsplit("/", 1)[0]
    stated = first.post(f"{meeting_url}/items/{platform.item_id}/position",
                        {"csrf_token": first.form_token(platform.board), "stance": "support"})  # fmt: skip
    assert stated.status == 302
    board = second.get(f"{platform.board}.json", accept="application/json")
    assert board.status == 200
    item = board.json()["item"]
    assert item["id"] == platform.item_id
    assert item["my_position"] == "support"
    assert [p["stance"] for p in item["positions"]] == ["support"]


def test_a_file_uploaded_through_one_server_downloads_through_the_other(platform):
    """The drafter attaches a PDF through the first server: does the second serve it (from the shared bucket, not
    a server's disk) to them, and refuse it to a Steering Committee member who may not see the draft?"""
    drafter = platform.browser(0, platform.drafter)
    attachments = f"/proposals/{platform.draft_id}/attachments"
    content = unique_pdf()
    fields = {"csrf_token": drafter.form_token(attachments), "kind": "other"}
    sent = drafter.request("POST", attachments, fields, file=("file", "letter.pdf", content))
    assert (sent.status, sent.headers.get("location")) == (302, attachments), sent.text[-3000:]
    with platform.app.app_context():
        key, attachment_id = db.session.execute(
            sa.select(Attachment.storage_key, Attachment.id).where(Attachment.proposal_id == platform.draft_id)
            .order_by(Attachment.id.desc())
        ).first()  # fmt: skip
        db.session.remove()
    download = platform.browser(1, drafter.cookies).get(f"{attachments}/{attachment_id}")
    assert download.status == 200
    assert download.body == content
    assert download.headers["content-disposition"].startswith("attachment")
    assert platform.browser(1, platform.member).get(f"{attachments}/{attachment_id}").status in (403, 404)
    on_disk = [path for n in (0, 1) for path in (platform.folder / f"local-{n}").rglob("*") if path.is_file()]
    assert on_disk == []  # nothing on a server's own disk
    assert key in platform.stored_keys()  # in the bucket every server reads


def test_the_iati_file_goes_from_either_server_gzipped_or_plain(platform):
    """A crawler fetches the IATI file (the first fetch builds it) from one server, then from the other: does it get
    the file as kept in the bucket (gzip) when it accepts gzip, and the XML decompressed when it does not?"""
    first = platform.browser(0).get("/iati/activities.xml")
    assert first.status == 200, first.text[-3000:]
    compressed = platform.browser(1).get("/iati/activities.xml", headers={"Accept-Encoding": "gzip"})
    plain = platform.browser(1).get("/iati/activities.xml")
    assert compressed.status == plain.status == 200
    assert compressed.headers["content-encoding"] == "gzip"
    assert int(compressed.headers["content-length"]) == len(compressed.body)
    assert "content-encoding" not in plain.headers
    for xml in (gzip.decompress(compressed.body), plain.body, first.body):
        assert xml.startswith(b"<?xml")
        assert b"</iati-activities>" in xml[-100:], "the whole file"
    # other tests change the demo meanwhile, so a new file may be built between two fetches: the same tag, same bytes
    if compressed.headers["etag"].strip('"') + "-xml" == plain.headers["etag"].strip('"'):
        assert gzip.decompress(compressed.body) == plain.body


def test_a_job_asked_through_one_server_is_done_by_the_worker_and_downloads_through_the_other(platform):
    """The member asks for the meeting pack through the first server: the server only queues it; does the worker
    build it (RQ reports its job finished), does the job's page on the second server offer the file, and does the
    second server hand over the PDF (from the shared bucket)?"""
    if platform.queue_name is None:
        pytest.skip(f"no Redis at {REDIS_URL}")
    from redis import Redis
    from rq.job import Job as RqJob

    first, second = platform.browser(0, platform.member), platform.browser(1, platform.member)
    meeting_url = platform.board.rsplit("/", 1)[0]
    asked = first.post(f"{meeting_url}/pack.pdf", {"csrf_token": first.form_token(platform.board)})
    assert asked.status == 303, asked.text[-2000:]
    job_page = asked.headers["location"].removeprefix(platform.servers[0].url)
    job_id = int(job_page.rstrip("/").rsplit("/", 1)[1])
    file_link = f"/jobs/{job_id}/file"
    deadline = time.monotonic() + JOB_WAIT
    page = second.get(job_page)
    while file_link not in page.text and time.monotonic() < deadline:
        assert page.status == 200
        time.sleep(0.5)
        page = second.get(job_page)
    assert file_link in page.text, f"not ready after {JOB_WAIT} s (see {platform.folder / 'worker.log'})"
    with Redis.from_url(REDIS_URL) as connection:
        done_by = RqJob.fetch(f"{platform.queue_name}-job-{job_id}", connection=connection)
        assert done_by.get_status() == "finished", "the worker ran it, through the queue"
        assert done_by.worker_name, "a worker took it"
    download = second.get(file_link)
    assert download.status == 200
    assert download.body.startswith(b"%PDF")
    assert download.headers["content-disposition"].startswith("attachment")
    assert platform.browser(1).get(file_link).status in (302, 403, 404), "not to someone signed out"
