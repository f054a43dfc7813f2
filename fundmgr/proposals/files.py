"""Stored files follow the transaction that records them: a rollback deletes what it stored.

`store_upload` writes the file before the database row commits; if the transaction then
fails (a refused rule, a lost connection), the file would be left behind with nothing
pointing at it. Keys stored during a transaction wait in the session's `info` until it ends.
"""

from __future__ import annotations

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import has_app_context

from fundmgr.storage import delete_stored

PENDING = "fundmgr.proposals.pending_files"


def forget_on_rollback(session: so.Session, key: str) -> None:
    """Delete the stored file `key` if the session's transaction rolls back."""
    session.info.setdefault(PENDING, []).append(key)


@sa.event.listens_for(so.Session, "after_commit")
def keep_pending_files(session: so.Session) -> None:
    session.info.pop(PENDING, None)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def delete_pending_files(session: so.Session, previous_transaction: so.SessionTransaction) -> None:
    # a savepoint rolled back inside the transaction does not undo the upload's row
    if previous_transaction.nested or previous_transaction.parent is not None or not has_app_context():
        return
    for key in session.info.pop(PENDING, []):
        delete_stored(key)
