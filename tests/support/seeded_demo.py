"""The databases built once per database engine for the whole test run, whichever process asks for one first: the
schema migrated, empty (`migrated_database`), a copy of it with the bundled fund loaded (`built_database`), and the
demo seeded on a copy of that (`seeded_demo`).

Migrating takes seconds and seeding the demo many; copying a database takes a fraction of one (a PostgreSQL template,
an SQLite backup, and the stored files). The tests' databases start from a copy of one of them, in whichever xdist
worker they run: the second fund's (`second_fund_app`) from the migrated one; the shared test database (`app`) and the
access world's (built once in the run too, tests/access/harness.py `world_database`: the access tests', the
pseudo-locale's and the sweep's databases are copies of it) from the built one; the tests reading the demo
(`demo_app`), the migration tests walking it down (`own_demo`, `downgrade_demo`), the production servers of the attack
and two-server tests (`served_demo_database`) and the browser tests' live server from the demo. The first process to
ask builds it in the folder the run's processes share (the controller's base temporary folder; a worker's is inside
it), under a file lock the others wait on, and writes down where it is. These databases are never used themselves,
only copied; the PostgreSQL ones are dropped when the run ends (`drop_seeded_demos`, called by the controlling
process).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path

import flask_migrate
import pytest
from flask import Flask

from fundmgr import create_app
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD, seed_demo
from tests.support.database import (
    DatabaseCopy,
    app_config,
    app_on_new_database,
    drop_postgres_database,
    load_bundled_fund,
    new_database,
)
from tests.support.passwords import cheap_password_hashing

# the databases made once in the run, by their records' names (the access world's: tests/access/harness.py)
KINDS = ("migrated", "built", "seeded-demo", "world")


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this test run shares: the controller's base temporary folder."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def once_in_the_run(factory: pytest.TempPathFactory, name: str, make: Callable[[Path], dict]) -> dict:
    """What make(folder) returned, made by the first process of the run to ask (the others wait for it)."""
    folder = run_folder(factory)
    record = folder / f"{name}.json"
    with open(folder / f"{name}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other processes wait here while the first one makes it
        if not record.exists():
            record.write_text(json.dumps(make(folder / name)))
    return json.loads(record.read_text())


def migrated_database(backend: str, factory: pytest.TempPathFactory) -> DatabaseCopy:
    """A database of the backend's kind migrated to the head and holding nothing else, built once in this run (to
    be copied, never used): running every migration takes seconds, on SQLite most of all."""
    migrated = once_in_the_run(factory, f"migrated-{backend}", lambda folder: migrate(backend, folder))
    return DatabaseCopy(migrated["database"], Path(migrated["storage"]))


def built_database(backend: str, factory: pytest.TempPathFactory) -> DatabaseCopy:
    """A database of the backend's kind migrated and holding the bundled fund, as `make run` leaves it before the
    demo, built once in this run (to be copied, never used)."""
    built = once_in_the_run(
        factory, f"built-{backend}", lambda folder: build(backend, folder, migrated_database(backend, factory))
    )
    return DatabaseCopy(built["database"], Path(built["storage"]))


def app_on_built_copy(
    backend: str, factory: pytest.TempPathFactory, folder: Path, **config
) -> AbstractContextManager[Flask]:
    """The application on a new database, a copy of the built one (migrated, the bundled fund); dropped afterwards."""
    return app_on_new_database(backend, folder, copy_of=built_database(backend, factory), **config)


def seeded_demo(backend: str, factory: pytest.TempPathFactory) -> tuple[DatabaseCopy, list[str]]:
    """The demo seeded once in this run on the backend's kind of database (to be copied, never used), and what
    seeding printed."""
    seeded = once_in_the_run(
        factory, f"seeded-demo-{backend}", lambda folder: seed(backend, folder, built_database(backend, factory))
    )
    return DatabaseCopy(seeded["database"], Path(seeded["storage"])), seeded["lines"]


def migrate(backend: str, folder: Path) -> dict:
    """A new database migrated to the head, empty, closed; where it is."""
    (folder / "storage").mkdir(parents=True, exist_ok=True)
    database, url = new_database(backend, folder / "migrated.sqlite3")
    application = create_app(app_config(url, folder))
    with application.app_context():
        flask_migrate.upgrade()
        db.session.remove()
        db.engine.dispose()  # a PostgreSQL template database takes no connections
    return {"database": database or str(folder / "migrated.sqlite3"), "storage": str(folder / "storage"),
            "backend": backend}  # fmt: skip


def build(backend: str, folder: Path, migrated: DatabaseCopy) -> dict:
    """A copy of the migrated database holding the bundled fund, closed; where it is."""
    (folder / "storage").mkdir(parents=True, exist_ok=True)
    database, url = new_database(backend, folder / "built.sqlite3", migrated)
    application = create_app(app_config(url, folder))
    load_bundled_fund(application)
    with application.app_context():
        db.engine.dispose()  # a PostgreSQL template database takes no connections
    return {"database": database or str(folder / "built.sqlite3"), "storage": str(folder / "storage"),
            "backend": backend}  # fmt: skip


def seed(backend: str, folder: Path, built: DatabaseCopy) -> dict:
    """A copy of the built database holding the whole demo, closed; where it is."""
    folder.mkdir(parents=True, exist_ok=True)
    database, url = new_database(backend, folder / "demo.sqlite3", built)
    shutil.copytree(built.storage, folder / "storage", dirs_exist_ok=True)
    application = create_app(app_config(url, folder))
    with cheap_password_hashing(), application.app_context():  # the demo's accounts: seconds saved
        lines = seed_demo(DEFAULT_PASSWORD).lines
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # a PostgreSQL template database takes no connections
    return {"database": database or str(folder / "demo.sqlite3"), "storage": str(folder / "storage"), "lines": lines,
            "backend": backend}  # fmt: skip


def drop_seeded_demos(base: Path) -> None:
    """Drop the PostgreSQL databases the run built once, if any (its base temporary folder: the controller's)."""
    for kind in KINDS:
        record = base / f"{kind}-postgresql.json"
        if record.exists():
            drop_postgres_database(json.loads(record.read_text())["database"])
