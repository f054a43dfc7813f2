"""Row locks and one-per-member rows that hold when members act at the same moment."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fundmgr.db import db
from fundmgr.errors import InvalidTransition


def add_once(collection: list[Any], row: Any, refusal: str) -> None:
    """Add a member's one-per-member row (vote, answer); the unique constraint refuses a second one.

    The constraint, not a prior check, is what holds when the same member sends twice at once (two
    devices, a double click): the second insert waits for the first, then fails and is refused.
    """
    try:
        with db.session.begin_nested():
            collection.append(row)
            db.session.flush()
    except IntegrityError:
        raise InvalidTransition(refusal) from None


def lock(model: type[Any], ident: int, *, shared: bool = False, loading: tuple[Any, ...] = ()) -> Any:
    """Re-read a row under a lock held to the end of the transaction (no-op on SQLite, which serializes writers).

    Votes take a shared lock on their item, closing takes an exclusive one: closing waits for
    the votes under way, and a vote that starts after the close sees the item closed.
    `loading`: rows read with it (loader options), not locked; re-reading the row forgets the ones it had loaded.
    """
    query: sa.Select[Any] = (
        sa.select(model).where(model.id == ident).options(*loading).with_for_update(read=shared, of=model)
    )
    return db.session.execute(query.execution_options(populate_existing=True)).scalar_one()


def lock_state(obj: Any, *, shared: bool = False) -> None:
    """Lock an object's row and re-read its `state` alone under the lock (as `lock`); its other attributes and the
    rows loaded with it stay as they are: a member's vote or position needs only the item's state fresh, not its
    meeting and proposal read again."""
    db.session.refresh(obj, ["state"], with_for_update={"read": shared})
