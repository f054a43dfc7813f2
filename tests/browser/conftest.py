"""Browser tests: headless Debian Chromium (Playwright) against a live server with the demo data.

The live server runs the real app (CSRF on, rate limits off) on its own SQLite database, a copy of the demo
seeded once in the run (built by the migrations and `seed_demo`), in a thread on 127.0.0.1. All browser tests run
in one xdist group so the server and the browser start once. On failure every open page
is saved as a PNG under test-artifacts/.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright
from werkzeug.serving import make_server

from fundmgr.accounts.models import User
from fundmgr.db import db
from tests.demo_meeting import end_meeting, meeting_in_session
from tests.support.browser import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, LiveServer, new_context
from tests.support.database import app_on_new_database
from tests.support.seeded_demo import seeded_demo

expect.set_options(timeout=20_000)  # assertions wait longer than Playwright's 5 s: the suite loads the CPU


@pytest.hookimpl(tryfirst=True)  # before the root conftest's, which reads the `once` mark
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.xdist_group("browser"))
            item.add_marker(pytest.mark.once)  # the live server has its own database, whichever the test's


@pytest.fixture(autouse=True)
def isolated() -> None:
    """Browser tests use the live server's own database, not the per-test transaction."""


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app with the demo data (a copy of the demo seeded once in the run), served on a free port of 127.0.0.1."""
    demo, _lines = seeded_demo("sqlite", tmp_path_factory)
    config = {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None, "TESTING": False,
              "MAIL_SUPPRESS_SEND": True}  # e-mails recorded, not written to instance/outbox/ # fmt: skip
    with app_on_new_database("sqlite", tmp_path_factory.mktemp("live"), copy_of=demo, **config) as app:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app)
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_meeting(live_server: LiveServer) -> Iterator[int]:
    """The demo's Steering Committee in session: everyone present, the Ecuador proposal (in review) open for votes.

    Afterwards the meeting ends and the proposal stays in review, as the demo had it.
    """
    with live_server.app.app_context():
        meeting_id = meeting_in_session("Extraordinary session (browser test)").id
        db.session.commit()
        db.session.remove()
    yield meeting_id
    with live_server.app.app_context():
        end_meeting(meeting_id)
        db.session.commit()
        db.session.remove()


@pytest.fixture
def languages_restored(live_server: LiveServer) -> Iterator[None]:
    """Every demo account's interface language as it was before the test, whatever the test switched (teardown)."""
    with live_server.app.app_context():
        before = dict(db.session.execute(sa.select(User.id, User.locale)).all())
        db.session.remove()
    yield
    with live_server.app.app_context():
        for user in db.session.scalars(sa.select(User)):
            user.locale = before.get(user.id, user.locale)
        db.session.commit()
        db.session.remove()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture
def contexts(browser: Browser, request: pytest.FixtureRequest) -> Iterator[list[BrowserContext]]:
    """Open browser contexts (separate users) on demand with make(locale); screenshots on failure."""
    opened: list[BrowserContext] = []

    def make(locale: str = "en-GB") -> BrowserContext:
        context = new_context(browser, locale)
        opened.append(context)
        return context

    request.node.make_context = make
    yield opened
    failed = getattr(request.node, "report_call", None) and request.node.report_call.failed
    for n, context in enumerate(opened):
        if failed:
            ARTIFACTS.mkdir(exist_ok=True)
            for m, page in enumerate(context.pages):
                page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{n}-{m}.png"), full_page=True)
        context.close()


@pytest.fixture
def context(contexts: list[BrowserContext], request: pytest.FixtureRequest) -> BrowserContext:
    return request.node.make_context()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()
