"""Test setup: every test runs on SQLite and, when it is reachable, on PostgreSQL.

The schema is built once per database by running the Alembic migrations, the fund
definition is loaded once, and each test runs inside a transaction that is rolled
back at its end (application code may commit freely: commits release savepoints).
In CI (CI=true) an unreachable PostgreSQL fails the run instead of being skipped.
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from datetime import date, datetime
from pathlib import Path

import flask_migrate
import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from fundmgr import clock, create_app
from fundmgr.db import db
from fundmgr.funds import definition
from fundmgr.funds.operations import load_fund, load_geography

pytest_plugins = ["tests.factories"]

REPO = Path(__file__).resolve().parent.parent  # the checkout: the package, tests, catalogs
PG_SERVER = os.environ.get("FUNDMGR_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test")
# The tests set their own configuration; a developer's shell settings must not leak in.
for _name in [n for n in os.environ if n.startswith("FUNDMGR_") or n == "DATABASE_URL"]:
    del os.environ[_name]


def postgres_reachable() -> bool:
    try:
        with psycopg.connect(PG_SERVER, connect_timeout=3):
            return True
    except psycopg.OperationalError:
        if os.environ.get("CI") == "true":
            raise  # CI must test PostgreSQL; a missing server is a failure, not a skip
        return False


BACKENDS = ["sqlite"] + (["postgresql"] if postgres_reachable() else [])
# The day the session started (UTC). Tests that set dates around today freeze the clock on it (the same day for
# every fund, whatever the hour), so that the fund's day never moves under them.
TODAY = clock.today()


def create_postgres_database() -> tuple[str, str]:
    """A fresh database on the test server for this process; returns (name, SQLAlchemy URL)."""
    name = f"fundmgr_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_SERVER.rsplit("/", 1)[0]
    return name, f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_config(url: str, tmp: Path) -> dict:
    return {
        "ENV_NAME": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        # limits stay on (so they can be tested) but high; tests of throttling lower them
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "HEAVY_RATE_LIMIT": "100000 per minute",
        # each test runs inside one open transaction: the database store, which commits on a connection of its
        # own, would wait on it (SQLite); tests/test_ratelimits.py tests that store with real commits
        "RATELIMIT_STORAGE_URI": "memory://",
        "STORAGE_DIR": str(tmp / "storage"),
        "SERVER_NAME": "localhost",
    }


def build_database(app: Flask) -> None:
    """Migrate an empty database and load the bundled fund, as `make run` does."""
    with app.app_context():
        flask_migrate.upgrade()
        load_geography()
        spec, sha256 = definition.read_definition(definition.bundled_definition())
        load_fund(spec, sha256, actor=None)
        db.session.commit()
        db.session.remove()


class RequestScopedClient(FlaskClient):
    """Each request gets its own app context (fresh `g`, its own database session), as in production.

    Without this, requests would reuse the app context the test pushed, sharing `g`
    (and the signed-in user) and the session's identity map between requests.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session always asks the engine for a connection; this one uses its bind."""

    def get_bind(self, *args, **kwargs):
        return self.bind


@pytest.fixture(scope="session", params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """The database the tests run on: "sqlite" or "postgresql"."""
    return request.param


@pytest.fixture(scope="session")
def app(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on a migrated database holding the bundled fund definition."""
    tmp = tmp_path_factory.mktemp(backend)
    pg_name = None
    if backend == "postgresql":
        pg_name, url = create_postgres_database()
    else:
        url = f"sqlite:///{tmp / 'test.sqlite3'}"
    application = create_app(app_config(url, tmp))
    application.test_client_class = RequestScopedClient
    build_database(application)
    yield application
    with application.app_context():
        db.engine.dispose()
    if pg_name:
        drop_postgres_database(pg_name)


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest, app: Flask) -> Iterator[None]:
    """Run each test in a transaction rolled back at the end; commits inside only release savepoints."""
    if "committed" in request.fixturenames:
        yield
        return
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


LIMIT = "10 per minute"  # the production sign-in limit


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


def clean_committed_data() -> None:
    """Delete what a committed test wrote, keeping the baseline (fund, geography, organizations)."""
    keep = {"alembic_version", "funds", "organizations", "regions", "countries", "fund_organizations",
            "area_objectives", "thematic_areas", "objectives", "guiding_principles", "markers",
            "budget_categories", "criteria", "eligibility_checks"}  # fmt: skip
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in keep:
                conn.execute(table.delete())


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run PostgreSQL-only tests (row locks, real concurrency) on PostgreSQL alone, not skipped on SQLite;
    tests that do not use the app's database (`once`) on the first database only."""
    keep, drop = [], []
    for item in items:
        backend = getattr(item, "callspec", None) and item.callspec.params.get("backend")
        postgres_only = item.get_closest_marker("postgres_only") and backend != "postgresql"
        once = item.get_closest_marker("once") and backend not in (None, BACKENDS[0])
        if postgres_only or once:
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
