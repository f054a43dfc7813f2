"""Running the migrations in tests: the revisions read once per process, the demo walked down them once."""

from __future__ import annotations

import os
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
    head to it gives, without running that downgrade again for every test (`downgrade_demo`). The copy is handed
    over to the test that asks for it (moved into its database's place, not copied again); a test asking for the
    same revision later gets it walked down again from the nearest copy kept above, a step or two.
    """

    def __init__(self, backend: str, demo: DatabaseCopy, folder: Path) -> None:
        self.backend = backend
        self.demo = demo
        self.folder = folder
        self.stack = ExitStack()
        self.revisions = revisions_from_the_head()
        self.reached = 0  # the walk's place in self.revisions
        self.kept: dict[str, DatabaseCopy] = {}  # by revision, until handed over
        self.app: Flask | None = None
        self.copies = 0

    def close(self) -> None:
        self.stack.close()
        if self.backend == "postgresql":
            for copy in self.kept.values():
                drop_postgres_database_later(copy.database)

    def take(self, revision: str) -> DatabaseCopy:
        """The demo downgraded from the head to `revision`, the caller's to keep: the copy kept there (the walk going
        on down to it), or, when it was taken already, a copy walked down again from the nearest one kept above."""
        if revision not in self.revisions[1:]:
            raise ValueError(f"{revision} is not a revision below the head of {MIGRATIONS}")
        target = self.revisions.index(revision)
        if self.app is None:
            self.app = self.stack.enter_context(app_on_new_database(self.backend, self.folder / "walk", self.demo))
        if self.reached < target:
            self.walk_down(self.app, target, keep=True)
        elif revision not in self.kept:
            above = max((n for n in range(1, target) if self.revisions[n] in self.kept), default=0)
            start = self.kept[self.revisions[above]] if above else self.demo
            with app_on_new_database(self.backend, self.folder / f"again-{self.new_name()}", start) as again:
                self.walk_down(again, target, keep=False, start=above)
                self.kept[revision] = self.keep(revision, again)
        return self.kept.pop(revision)

    def walk_down(self, app: Flask, target: int, *, keep: bool, start: int | None = None) -> None:
        """Downgrade the app's database one revision at a time to the target's place in the revisions, keeping a copy
        at each revision passed (the walk's own database) or only running the steps (a walk again)."""
        place = self.reached if start is None else start
        with revisions_read_once(), app.app_context():
            while place < target:
                place += 1
                flask_migrate.downgrade(revision=self.revisions[place])
                db.session.remove()
                db.engine.dispose()  # a PostgreSQL database copied must have no connection
                if keep:
                    self.reached = place
                    self.kept[self.revisions[place]] = self.keep(self.revisions[place], app)

    def keep(self, revision: str, app: Flask) -> DatabaseCopy:
        """A copy of the app's database as it stands (at `revision`), dropped with the walk unless handed over."""
        with app.app_context():
            database = db.engine.url.database or ""
            db.engine.dispose()
        if self.backend == "postgresql":
            name, _url = create_postgres_database(template=database)
            return DatabaseCopy(name, self.demo.storage)
        copy = self.folder / f"at-{revision}-{self.new_name()}.sqlite3"
        with sqlite3.connect(database) as source, sqlite3.connect(copy) as target:
            source.backup(target)
        return DatabaseCopy(str(copy), self.demo.storage)

    def new_name(self) -> int:
        self.copies += 1
        return self.copies


@contextmanager
def demo_walk(backend: str, demo: DatabaseCopy, folder: Path) -> Iterator[DemoWalk]:
    walk = DemoWalk(backend, demo, folder)
    try:
        yield walk
    finally:
        walk.close()


def replace_database(copy: DatabaseCopy) -> None:
    """Make the database of the application whose context this is the given one, moved into its place (renamed),
    as if the other's migrations had been run on it (its stored files stay: a migration changes no file). Its
    connections are closed first; the copy is gone from where it was."""
    db.session.remove()
    db.engine.dispose()
    database = db.engine.url.database or ""
    if db.engine.dialect.name == "postgresql":
        # renamed away and dropped later, not dropped now: a drop waits for a checkpoint of the whole server
        replaced = f"{database[:40]}_old_{uuid.uuid4().hex[:6]}"
        rename_postgres_database(database, replaced)
        drop_postgres_database_later(replaced)
        rename_postgres_database(copy.database, database)
    else:
        os.replace(copy.database, database)
