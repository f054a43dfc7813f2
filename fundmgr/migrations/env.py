"""Alembic environment: runs migrations against the app's database (SQLite or PostgreSQL)."""

import logging
from logging.config import fileConfig

import sqlalchemy as sa
import sqlalchemy.orm as so
from alembic import context
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)

db = current_app.extensions["migrate"].db
target_metadata = db.metadata


def skip_empty_autogenerate(context, revision, directives):
    """Do not write a revision file when autogenerate finds no change."""
    if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
        directives[:] = []
        logging.getLogger("alembic.env").info("No changes in schema detected.")


def run_migrations_offline() -> None:
    """Emit SQL for the app's database URL without connecting."""
    context.configure(url=db.engine.url, target_metadata=target_metadata, literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()


def at_the_head(connection: sa.Connection) -> bool:
    """Has the database reached the newest revision, where the models and the schema agree?"""
    heads = set(ScriptDirectory.from_config(config).get_heads())
    return set(MigrationContext.configure(connection).get_current_heads()) == heads


def complete_at_the_head(connection: sa.Connection) -> None:
    """Data steps that read the current models, run once the schema matches them.

    A revision's data migration may not use the models: a later revision changes them, and the revision would
    then read columns its database does not have yet. What must be computed by the app's own code (the decision
    record's links of decisions taken before the record existed, revision 3f9a7c2e51b4) runs here instead, after
    every upgrade that reaches the head; each step does only what is missing, so it is a no-op once done.
    """
    from fundmgr.steering.operations.records import build_chain

    with so.Session(bind=connection) as session:
        build_chain(session)
        session.flush()


def run_migrations_online() -> None:
    """Connect and migrate; batch mode lets SQLite alter tables."""
    configure_args = dict(current_app.extensions["migrate"].configure_args)
    configure_args.setdefault("process_revision_directives", skip_empty_autogenerate)
    with db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()
        if not getattr(config.cmd_opts, "autogenerate", False) and at_the_head(connection):
            complete_at_the_head(connection)
            connection.commit()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
