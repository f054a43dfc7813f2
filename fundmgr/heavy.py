"""Heavy documents (PDFs, spreadsheets) must not block the server.

Rendering the annual report or a meeting pack takes seconds of a worker. Four at once, asked by one viewer,
kept every worker busy and the health probe waiting ten seconds. So every route that renders one is declared
`add_view(..., heavy=True)` and gets two limits:

- per person: HEAVY_RATE_LIMIT (e.g. "30 per minute") over all heavy routes together, counted in the shared
  rate-limit store (fundmgr.ratelimits), so a script cannot ask for hundreds (429);
- at once: HEAVY_CONCURRENCY renders in progress. On PostgreSQL the cap holds across every worker (one
  advisory lock per slot, tried without waiting); elsewhere per worker (a semaphore, tried without waiting).

Over the cap the answer comes at once: 503 with Retry-After and a page saying the document is being prepared
by another request; no worker waits. The longest documents (the annual report, a meeting pack, a dossier) are
not rendered in the request at all: their routes only ask for a job (fundmgr.jobs), which is quick, and the
limits then count the asks.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from flask import current_app, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from limits import parse

from fundmgr.db import db
from fundmgr.extensions import limiter

BUSY_MESSAGE = _l("This document is being prepared by another request; try again in a few seconds.")
RETRY_AFTER_SECONDS = 5
ADVISORY_LOCK_BASE = 0x66756E646D67_0000  # "fundmg" then the slot: fundmgr's own advisory lock ids
SCOPE = "heavy-documents"


def heavy_rate_limit() -> str:
    return current_app.config["HEAVY_RATE_LIMIT"]


def requester() -> str:
    """Whom a heavy request is counted against: the signed-in person, else the client address."""
    if current_user.is_authenticated:
        return f"user:{current_user.id}"
    return f"address:{request.remote_addr}"


def within_rate_limit() -> bool:
    """Count this heavy request against its requester; whether it is within HEAVY_RATE_LIMIT (all heavy routes
    together). Counted after the access checks, so only documents the person may have count."""
    if not limiter.enabled:
        return True
    return limiter.limiter.hit(parse(heavy_rate_limit()), SCOPE, requester())


def concurrency() -> int:
    return max(1, int(current_app.config["HEAVY_CONCURRENCY"]))


def worker_slots() -> threading.BoundedSemaphore:
    """This worker's slots (SQLite and other databases without advisory locks)."""
    slots = current_app.extensions.get("fundmgr_heavy_slots")
    if slots is None:
        slots = current_app.extensions.setdefault("fundmgr_heavy_slots", threading.BoundedSemaphore(concurrency()))
    return slots


@contextmanager
def document_slot() -> Iterator[bool]:
    """Take a slot for one heavy render if one is free, without waiting: yields whether it was taken."""
    if db.engine.dialect.name != "postgresql":
        slots = worker_slots()
        if not slots.acquire(blocking=False):
            yield False
            return
        try:
            yield True
        finally:
            slots.release()
        return
    # A session-level advisory lock on a connection of its own: held across the request's commits, released
    # explicitly (the pool reuses the connection), and by the server if the worker dies.
    with db.engine.connect() as connection:
        taken = None
        for slot in range(concurrency()):
            if connection.execute(sa.select(sa.func.pg_try_advisory_lock(ADVISORY_LOCK_BASE + slot))).scalar():
                taken = ADVISORY_LOCK_BASE + slot
                break
        connection.commit()
        if taken is None:
            yield False
            return
        try:
            yield True
        finally:
            connection.execute(sa.select(sa.func.pg_advisory_unlock(taken)))
            connection.commit()


def busy() -> Any:
    """The answer when every slot is taken: at once, 503, Retry-After, a page that says what to do."""
    from fundmgr.web import render_error  # the core's error page; web imports this module

    response, status = render_error(503, str(BUSY_MESSAGE))
    response = current_app.make_response((response, status))
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
