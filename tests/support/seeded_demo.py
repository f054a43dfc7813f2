"""The demo seeded once per database engine for the whole test run, whichever process asks for it first.

Seeding the demo takes many seconds; copying a seeded database takes a fraction of one (a PostgreSQL template, an
SQLite backup, and the stored files). The tests reading the demo (`demo_app`), the migration tests walking it down
(`own_demo`, `downgrade_demo`) and the browser tests' live server each start from a copy of it, in whichever xdist
worker they run: the first process to ask seeds it in the folder the run's processes share (the controller's base
temporary folder; a worker's is inside it), under a file lock the others wait on, and writes down where it is. The
database is never used itself, only copied; the PostgreSQL one is dropped when the run ends (`drop_seeded_demos`,
called by the controlling process).
"""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

import pytest
from argon2 import PasswordHasher

from fundmgr import create_app
from fundmgr.accounts import operations as account_operations
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD, seed_demo
from tests.support.database import (
    DatabaseCopy,
    app_config,
    build_database,
    create_postgres_database,
    drop_postgres_database,
)


def run_folder(factory: pytest.TempPathFactory) -> Path:
    """The folder every process of this test run shares: the controller's base temporary folder."""
    base = factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def seeded_demo(backend: str, factory: pytest.TempPathFactory) -> tuple[DatabaseCopy, list[str]]:
    """The demo seeded once in this run on the backend's kind of database (to be copied, never used), and what
    seeding printed."""
    folder = run_folder(factory)
    record = folder / f"seeded-demo-{backend}.json"
    with open(folder / f"seeded-demo-{backend}.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the other processes wait here while the first one seeds
        if not record.exists():
            record.write_text(json.dumps(seed(backend, folder / f"seeded-demo-{backend}")))
    seeded = json.loads(record.read_text())
    return DatabaseCopy(seeded["database"], Path(seeded["storage"])), seeded["lines"]


def seed(backend: str, folder: Path) -> dict:
    """A new database migrated, holding the bundled fund and the whole demo, closed; where it is."""
    folder.mkdir(parents=True, exist_ok=True)
    if backend == "postgresql":
        database, url = create_postgres_database()
    else:
        database = str(folder / "demo.sqlite3")
        url = f"sqlite:///{database}"
    application = create_app(app_config(url, folder))
    build_database(application)
    with pytest.MonkeyPatch.context() as patch, application.app_context():
        # the demo's accounts hashed cheaply (argon2id all the same): seconds saved; a server rehashes a password with
        # the production parameters when its account signs in
        patch.setattr(account_operations, "hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
        lines = seed_demo(DEFAULT_PASSWORD).lines
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # a PostgreSQL template database takes no connections
    return {"database": database, "storage": str(folder / "storage"), "lines": lines, "backend": backend}


def drop_seeded_demos(base: Path) -> None:
    """Drop the PostgreSQL demo the run seeded, if any (its base temporary folder: the controller's)."""
    record = base / "seeded-demo-postgresql.json"
    if record.exists():
        drop_postgres_database(json.loads(record.read_text())["database"])
