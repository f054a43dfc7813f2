"""The test databases: SQLite always, PostgreSQL when reachable; built by the migrations with the bundled fund."""

from __future__ import annotations

import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Hashable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import psycopg
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession

from fundmgr import create_app
from fundmgr.db import db
from fundmgr.funds import definition
from fundmgr.funds.operations import load_fund_file

T = TypeVar("T")

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


def create_postgres_database(template: str | None = None, name: str | None = None) -> tuple[str, str]:
    """A fresh database on the test server for this process (or of the given name), empty or a copy of the template
    database; returns (name, SQLAlchemy URL)."""
    name = name or f"fundmgr_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    base = PG_SERVER.rsplit("/", 1)[0]
    return name, f"postgresql+psycopg://{base.split('://', 1)[1]}/{name}"


def drop_postgres_database(name: str) -> None:
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Every DROP DATABASE waits for a checkpoint of the whole server (seconds when other databases are being written):
# the test databases no test uses any more are dropped by these threads, several at once so that one checkpoint
# serves them, while the tests go on; the process waits for them at its end (`wait_for_drops`).
DROPPERS = ThreadPoolExecutor(max_workers=8, thread_name_prefix="drop-database")
dropping: list[Future] = []


def drop_postgres_database_later(name: str) -> None:
    """Drop the database (which nothing may use any more) in the background."""
    dropping.append(DROPPERS.submit(drop_postgres_database, name))


def wait_for_drops() -> None:
    """Wait until the databases given to drop_postgres_database_later are dropped (raising if one could not be)."""
    while dropping:
        dropping.pop().result()


def rename_postgres_database(name: str, new_name: str) -> None:
    """Rename the database, which nothing may be connected to."""
    with psycopg.connect(PG_SERVER, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" RENAME TO "{new_name}"')


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
        "JOBS_INLINE": "request",  # a job asked for runs before the request answers, on the test's transaction
    }


def load_bundled_fund(app: Flask) -> None:
    """Load the bundled fund into the app's migrated database, as `make run` does after migrating."""
    with app.app_context():
        load_fund_file(definition.bundled_definition(), actor=None)
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


def clean_committed_data() -> None:
    """Delete what a committed test wrote, keeping the baseline (fund, geography, organizations)."""
    keep = {"alembic_version", "funds", "organizations", "regions", "countries", "fund_organizations",
            "fund_own_organizations",
            "area_objectives", "thematic_areas", "objectives", "guiding_principles", "markers",
            "budget_categories", "criteria", "eligibility_checks", "committee_rules", "committee_constituencies",
            "committee_seats"}  # fmt: skip
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            if table.name not in keep:
                conn.execute(table.delete())


@contextmanager
def app_on_new_database(backend: str, folder: Path, copy_of: DatabaseCopy | None = None, **config) -> Iterator[Flask]:
    """The application on a new database of the backend's kind, empty or a copy of another (its rows and stored
    files), its files in folder; dropped afterwards."""
    folder.mkdir(parents=True, exist_ok=True)
    pg_name, url = new_database(backend, folder / "fundmgr.sqlite3", copy_of)
    if copy_of:
        shutil.copytree(copy_of.storage, folder / "storage", dirs_exist_ok=True)
    application = create_app(app_config(url, folder) | config)
    application.test_client_class = RequestScopedClient
    try:
        yield application
    finally:
        with application.app_context():
            db.engine.dispose()
        if pg_name:
            drop_postgres_database_later(pg_name)


def new_database(backend: str, sqlite_file: Path, copy_of: DatabaseCopy | None = None) -> tuple[str | None, str]:
    """A new database of the backend's kind (an SQLite one in sqlite_file), empty or a copy of another's rows; its
    PostgreSQL name (None for SQLite) and SQLAlchemy URL."""
    if backend == "postgresql":
        return create_postgres_database(template=copy_of.database if copy_of else None)
    if copy_of:
        with sqlite3.connect(copy_of.database) as source, sqlite3.connect(sqlite_file) as target:
            source.backup(target)
    return None, f"sqlite:///{sqlite_file}"


@dataclass(frozen=True)
class DatabaseCopy:
    """What a new database starts from: another database (a PostgreSQL name or an SQLite file) and its stored files.
    Copying a built database takes a fraction of a second where building it again (the demo) takes many."""

    database: str
    storage: Path


class BuiltOnce:
    """Expensive things of the test session (databases, servers), each built once per key, closed at its end.

    pytest tears down a session fixture whenever the `backend` parameter it depends on changes value, and under
    xdist a process switches between the databases many times; a fixture that keeps what it builds here builds
    it once per process instead of once per switch.
    """

    def __init__(self) -> None:
        self.stack = ExitStack()
        self.built: dict[Hashable, Any] = {}

    def get(self, key: Hashable, build: Callable[[], AbstractContextManager[T]]) -> T:
        """What build() makes for the key: made (entered) the first time it is asked for, then the same."""
        if key not in self.built:
            self.built[key] = self.stack.enter_context(build())
        return self.built[key]

    def close(self) -> None:
        self.stack.close()
