"""`flask backup` and `flask restore` round-trip the whole database."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from fundmgr import create_app
from fundmgr.accounts.models import Role
from fundmgr.backup import tables
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD, seed_demo
from tests.conftest import app_config, create_postgres_database, drop_postgres_database

EMPTY_IN_THE_DEMO = {"report_evidence"}  # the demo's reports carry no uploaded files


def all_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in tables()
        }


@contextmanager
def fresh_database(backend: str, tmp_path: Path, name: str) -> Iterator[Flask]:
    """An app on a new, migrated, empty database of the backend's kind (dropped afterwards)."""
    pg_name = None
    if backend == "postgresql":
        pg_name, url = create_postgres_database()
    else:
        url = f"sqlite:///{tmp_path / f'{name}.sqlite3'}"
    app = create_app(app_config(url, tmp_path / name))
    with app.app_context():
        flask_migrate.upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.engine.dispose()
        if pg_name:
            drop_postgres_database(pg_name)


@pytest.fixture
def other_database(backend, tmp_path):
    """A second, freshly migrated database of the same kind."""
    with fresh_database(backend, tmp_path, "restored") as app:
        yield app


def test_backup_and_restore_round_trip(committed, make_user, make_proposal, other_database, tmp_path):
    """Is a restored database equal, row for row and to the cent, to the one backed up?"""
    make_user(Role.fmu, name="Zoë Ünicode Œuvre")
    make_proposal(title="Données probantes — «migration»", direct={"IOM": "700000.01", "UNHCR": "499999.99"})
    path = tmp_path / "backup.jsonl.gz"
    result = committed.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    source = all_rows(db.engine)

    with other_database.app_context():  # the CLI runs in the app context it finds
        restored = other_database.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
        assert restored.exit_code == 0, restored.output
        copy = all_rows(db.engine)
        # a row added after the restore gets a fresh id (sequences moved past the restored rows)
        make_user(Role.viewer, name="After restore")
    assert copy == source
    assert any(row for row in source["budget_lines"])


def test_restore_refuses_another_schema_revision(committed, other_database, tmp_path):
    """Is a backup of another schema revision refused, with nothing changed?"""
    path = tmp_path / "backup.jsonl.gz"
    committed.test_cli_runner().invoke(args=["backup", str(path)])
    with gzip.open(path, "rt") as handle:
        lines = handle.readlines()
    header = json.loads(lines[0])
    header["revision"] = "0000deadbeef"
    with gzip.open(path, "wt") as handle:
        handle.writelines([json.dumps(header) + "\n", *lines[1:]])
    with other_database.app_context():
        before = all_rows(db.engine)
        result = other_database.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
        assert result.exit_code != 0
        assert "Nothing was changed" in result.output
        assert all_rows(db.engine) == before


def test_restore_refuses_a_file_that_is_not_a_backup(app, tmp_path):
    path = tmp_path / "x.gz"
    path.write_bytes(b"not gzip")
    result = app.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
    assert result.exit_code != 0
    assert "not a fundmgr backup" in result.output


def test_the_whole_demo_round_trips(committed, backend, tmp_path):
    """Is the full demo (every kind of record, made by the app's own operations) restored equal, to the cent?"""
    path = tmp_path / "demo.jsonl.gz"
    with fresh_database(backend, tmp_path, "demo") as source, source.app_context():
        seed_demo(DEFAULT_PASSWORD)
        db.session.commit()
        assert source.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
        original = all_rows(db.engine)
    with fresh_database(backend, tmp_path, "copy") as target, target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
        assert restored.exit_code == 0, restored.output
        copy = all_rows(db.engine)
    assert copy == original
    empty = sorted(name for name, rows in original.items() if not rows)
    # so every kind of record the app keeps was backed up and restored
    assert set(empty) <= {"alembic_version"} | EMPTY_IN_THE_DEMO, empty
