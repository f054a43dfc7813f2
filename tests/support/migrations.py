"""Running the migrations in tests: the revisions read once per process, the demo walked down them once."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import flask_migrate
import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory
from flask import Flask

from fundmgr import MIGRATIONS
from fundmgr.db import db
from tests.support.database import (
    DatabaseCopy,
    app_on_new_database,
    create_postgres_database,
    drop_postgres_database_later,
    rename_postgres_database,
)

# Alembic reads (compiles) every revision file again for each command, twice (the command, then env.py's check of
# the head): 0.3 s of a command that migrates a revision or two in less. The files do not change during the tests.
scripts: dict[str, ScriptDirectory] = {}
from_config = ScriptDirectory.from_config


def script_directory(config: Config) -> ScriptDirectory:
    """The script directory of the config's location, read the first time it is asked for."""
    location = config.get_main_option("script_location") or ""
    if location not in scripts:
        scripts[location] = from_config(config)
    return scripts[location]


@contextmanager
def revisions_read_once() -> Iterator[None]:
    """Alembic's commands (flask_migrate.upgrade, downgrade...) read the revision files only once per process."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(ScriptDirectory, "from_config", script_directory)
        yield


def revisions_from_the_head() -> list[str]:
    """Every revision, the head first (the history is one line: test_one_head)."""
    return [script.revision for script in ScriptDirectory(str(MIGRATIONS)).walk_revisions()]


class DemoWalk:
    """A copy of the demo walked down the migrations one revision at a time, once per database and test process,
    keeping a copy of the database at each revision it passes.

    A downgrade to a revision runs the same steps, one revision after the other, whether it starts from the head or
    from the revision above: the copy kept at a revision holds exactly the rows a downgrade of the demo from the
    head to it gives, without running that downgrade again for every test (`downgrade_demo`).
    """

    def __init__(self, backend: str, demo: DatabaseCopy, folder: Path) -> None:
        self.backend = backend
        self.demo = demo
        self.folder = folder
        self.stack = ExitStack()
        self.revisions = revisions_from_the_head()
        self.reached = 0  # the walk's place in self.revisions
        self.kept: dict[str, DatabaseCopy] = {self.revisions[0]: demo}
        self.app: Flask | None = None

    def close(self) -> None:
        self.stack.close()

    def before(self, revision: str) -> DatabaseCopy:
        """The demo downgraded from the head to `revision`: the copy kept there, the walk going on down to it."""
        if revision not in self.revisions:
            raise ValueError(f"{revision} is not a revision of {MIGRATIONS}")
        target = self.revisions.index(revision)
        if self.app is None:
            self.app = self.stack.enter_context(app_on_new_database(self.backend, self.folder / "walk", self.demo))
        with revisions_read_once(), self.app.app_context():
            while self.reached < target:
                self.reached += 1
                below = self.revisions[self.reached]
                flask_migrate.downgrade(revision=below)
                db.session.remove()
                db.engine.dispose()  # a PostgreSQL database copied must have no connection
                self.kept[below] = self.keep(below, db.engine.url.database or "")
        return self.kept[revision]

    def keep(self, revision: str, database: str) -> DatabaseCopy:
        """A copy of the walk's database as it stands (at `revision`), dropped with the walk."""
        if self.backend == "postgresql":
            name, _url = create_postgres_database(template=database)
            self.stack.callback(drop_postgres_database_later, name)
            return DatabaseCopy(name, self.demo.storage)
        copy = self.folder / f"at-{revision}.sqlite3"
        with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return DatabaseCopy(str(copy), self.demo.storage)


@contextmanager
def demo_walk(backend: str, demo: DatabaseCopy, folder: Path) -> Iterator[DemoWalk]:
    walk = DemoWalk(backend, demo, folder)
    try:
        yield walk
    finally:
        walk.close()


def replace_database(copy: DatabaseCopy) -> None:
    """Make the database of the application whose context this is a copy of another, as if the other's migrations
    had been run on it (its stored files stay: a migration changes no file). Its connections are closed first."""
    db.session.remove()
    db.engine.dispose()
    database = db.engine.url.database or ""
    if db.engine.dialect.name == "postgresql":
        # renamed away and dropped later, not dropped now: a drop waits for a checkpoint of the whole server
        replaced = f"{database[:40]}_old_{uuid.uuid4().hex[:6]}"
        rename_postgres_database(database, replaced)
        drop_postgres_database_later(replaced)
        create_postgres_database(template=copy.database, name=database)
    else:
        with sqlite3.connect(copy.database) as source, sqlite3.connect(database) as target:
            source.backup(target)
