"""Test setup: the suite runs on SQLite and, when it is reachable, on PostgreSQL (DEVELOPERS.md "Where a test runs").

The schema is built once per database by running the Alembic migrations, the fund
definition is loaded once, and each test runs inside a transaction that is rolled
back at its end (application code may commit freely: commits release savepoints).
In CI (CI=true) an unreachable PostgreSQL fails the run instead of being skipped.

The fixtures of each domain are plugins in tests/fixtures/ (one name per concept, usable from any folder);
plain helpers and constants are in tests/support/. Nothing imports a conftest.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path

import pytest
from _pytest.nodeid import NodeId
from flask import Flask
from flask.testing import FlaskClient

from fundmgr import clock, create_app
from fundmgr.db import db
from tests.support.database import (
    BACKENDS,
    BuiltOnce,
    ConnectionBoundSession,
    RequestScopedClient,
    app_config,
    clean_committed_data,
    wait_for_drops,
)
from tests.support.seeded_demo import app_on_built_copy, drop_seeded_demos

pytest_plugins = [
    "tests.factories",
    "tests.fixtures.people",
    "tests.fixtures.proposals",
    "tests.fixtures.finance",
    "tests.fixtures.steering",
    "tests.fixtures.results",
    "tests.fixtures.notifications",
    "tests.fixtures.deadlines",
    "tests.fixtures.demo",
    "tests.fixtures.funds",
    "tests.fixtures.storage",
]
# Fixtures of an application on a database of its own: a test asking for one runs in that database.
OWN_DATABASE_APPS = ("demo_app", "second_fund_app")
# xdist groups whose tests share what their process builds once per engine (the migration tests' walk of the demo):
# split into one group per engine, so that the two workers share the work instead of one doing both engines'.
PER_ENGINE_GROUPS = {"migrations"}


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the tests run on: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture(scope="session")
def built_once() -> Iterator[BuiltOnce]:
    """The session's databases and servers, each built once per process (see BuiltOnce)."""
    built = BuiltOnce()
    yield built
    built.close()
    wait_for_drops()  # the databases of this process dropped in the background (see drop_postgres_database_later)


@pytest.fixture(scope="session")
def app(backend: str, built_once: BuiltOnce, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The application on a migrated database holding the bundled fund definition (a copy of the one built in the
    run, tests.support.seeded_demo)."""
    return built_once.get(
        ("app", backend), lambda: app_on_built_copy(backend, tmp_path_factory, tmp_path_factory.mktemp(backend))
    )


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Run each test in a transaction rolled back at the end; commits inside only release savepoints."""
    if "committed" in request.fixturenames:
        yield
        return
    for name in OWN_DATABASE_APPS:
        if name in request.fixturenames:
            app = request.getfixturevalue(name)  # the test reads the demo, or the second fund: its own database
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
                "class_": ConnectionBoundSession,
            }
        )
        try:
            yield
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture(autouse=True)
def one_rate_limit_store(app: Flask) -> Iterator[None]:
    """Flask-Limiter keeps one store per process, set by the last app made: a test that makes another app (a
    production one, a worker) must not leave the tests' app counting in that app's store."""
    from fundmgr.extensions import limiter

    state = dict(vars(limiter))
    yield
    vars(limiter).update(state)


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def frozen_clock() -> Iterator[Callable[[date | datetime], None]]:
    """Freeze the application's clock (fundmgr.clock, as the demo's replay does) until the test ends.

    Call it with an aware datetime (that instant) or a date (that day for every fund, at noon UTC); call it
    again to move the clock. Code the test runs in other threads (a live server, concurrent jobs) keeps the
    real time: freeze it there with `clock.as_of`.
    """
    with ExitStack() as frozen:
        yield lambda when: frozen.enter_context(clock.as_of(when))


@pytest.fixture
def server_in_honolulu() -> Iterator[None]:
    """The server's own time zone ten hours behind UTC, eleven behind Geneva: nothing may read the local time."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Honolulu"
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            del os.environ["TZ"]
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def committed(app: Flask) -> Iterator[Flask]:
    """For tests that need real commits across connections (concurrency, backup): cleaned up after."""
    with app.app_context():
        yield app
        db.session.remove()
        clean_committed_data()


@pytest.fixture
def worker(tmp_path: Path) -> Iterator[Callable[..., Flask]]:
    """worker(app, **config): another instance of the app on its database (its own engine, its own per-worker
    state), with production's rate-limit store (the database); closed at the end. Use it with `committed`.
    Flask-Limiter keeps one store per process, whichever app set it last: test limits across workers against
    the production server (bench.server.Server) instead."""
    made: list[Flask] = []

    def make(app: Flask, **config) -> Flask:
        settings = app_config(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / f"worker{len(made)}") | config
        if "RATELIMIT_STORAGE_URI" not in config:
            del settings["RATELIMIT_STORAGE_URI"]  # the tests' in-memory store: back to the default
        instance = create_app(settings)
        instance.test_client_class = RequestScopedClient
        made.append(instance)
        return instance

    yield make
    for instance in made:
        with instance.app_context():
            db.engine.dispose()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The controlling process (or the only one) drops the demo database the run's processes copied."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        factory = getattr(session.config, "_tmp_path_factory", None)
        base = factory and factory._basetemp  # None: no process of the run made a temporary folder, nor the demo
        if base:
            drop_seeded_demos(base)


def marked_for_engines(item: pytest.Item) -> bool:
    """Whether the test says which databases it runs on (both, PostgreSQL alone, or the first or the last)."""
    return any(item.get_closest_marker(name) for name in ("both_engines", "postgres_only", "once", "sampled"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run PostgreSQL-only tests (row locks, real concurrency) on PostgreSQL alone, not skipped on SQLite;
    tests that do not depend on the engine (`once`) on the first database only, the pairs of a table left out of a
    sample (`sampled`) on the last one only, those marked `both_engines` on both, and every other test once,
    shared between the two (as a `split` table's cases); the demo's readers together."""
    keep, drop = [], []
    split_index: dict[tuple[str, str], int] = {}
    for item in items:
        if "demo_app" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("demo"))  # one process seeds the demo, not each of them
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
        group = item.get_closest_marker("xdist_group")
        if backend and group and group.args[0] in PER_ENGINE_GROUPS:
            item.add_marker(pytest.mark.xdist_group(backend))  # xdist joins the names: "migrations_sqlite"
        if backend is not None and (item.get_closest_marker("split") or not marked_for_engines(item)):
            # a test, or a case of a table, the engine does not change: every third on the first database, the
            # others on the last, turning with the collection order, so each file meets both (each runs once)
            case = (str(item.fspath), item.name.replace(f"[{backend}]", "[]").replace(f"[{backend}-", "["))
            index = split_index.setdefault(case, len(split_index))
            item.add_marker(pytest.mark.once if index % 3 == 0 else pytest.mark.sampled)
        postgres_only = item.get_closest_marker("postgres_only") and backend != "postgresql"
        once = item.get_closest_marker("once") and backend not in (None, BACKENDS[0])
        sampled = item.get_closest_marker("sampled") and backend not in (None, BACKENDS[-1])
        if postgres_only or once or sampled:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
    groups_in_node_ids(config, items)


def groups_in_node_ids(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Name each test's xdist group at the end of its node id, where `--dist loadgroup` reads it (`id@group`).

    pytest-xdist (3.8) writes the suffix into `item._nodeid`, which pytest 9 no longer reads (a node's id is its
    `_id`): every group was silently ignored and its tests spread over both workers, each building what the group
    shares once (the demo's walk down the migrations, the browser's server and Chromium, the attack's servers) and
    the canary's tests parted. Done here, after the groups above are marked, as xdist does it."""
    if not getattr(config.option, "loadgroup", False):  # set in the workers of a `--dist loadgroup` run
        return
    for item in items:
        names = {
            str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix):  # xdist's own suffix, should a release read it again
            item._id = NodeId.parse(item.nodeid + suffix)
