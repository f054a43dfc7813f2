"""The schema comes only from the migrations, and they match the models."""

from __future__ import annotations

from pathlib import Path

import flask_migrate
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from fundmgr import MIGRATIONS, create_app
from fundmgr.db import db
from tests.conftest import app_config, create_postgres_database, drop_postgres_database


def test_models_and_migrations_agree(app):
    """Does the migrated database hold exactly what the models declare?"""
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_one_head():
    """Is the migration history a single line (no unmerged branches)?"""
    script = ScriptDirectory(str(MIGRATIONS))
    assert len(script.get_heads()) == 1


def test_upgrade_downgrade_upgrade(backend, tmp_path: Path):
    """Can an empty database be migrated up, all the way down, and up again?"""
    pg_name = None
    if backend == "postgresql":
        pg_name, url = create_postgres_database()
    else:
        url = f"sqlite:///{tmp_path / 'roundtrip.sqlite3'}"
    app = create_app(app_config(url, tmp_path))
    try:
        with app.app_context():
            flask_migrate.upgrade()
            flask_migrate.downgrade(revision="base")
            assert set(db.inspect(db.engine).get_table_names()) <= {"alembic_version"}
            flask_migrate.upgrade()
            assert "users" in db.inspect(db.engine).get_table_names()
            db.engine.dispose()
    finally:
        if pg_name:
            drop_postgres_database(pg_name)
