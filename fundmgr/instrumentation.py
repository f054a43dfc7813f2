"""Optional per-request SQL statement counting, for the benchmark (FUNDMGR_COUNT_QUERIES=1).

Each response then carries an X-Query-Count header: the number of SQL statements the
request ran. Off by default: it costs an event handler per statement.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, g, has_request_context

from fundmgr.db import db


def count_statement(*_args: Any, **_kwargs: Any) -> None:
    if has_request_context():
        g.query_count = g.get("query_count", 0) + 1


def add_query_count(response: Response) -> Response:
    response.headers["X-Query-Count"] = str(g.get("query_count", 0))
    return response


def init_query_counting(app: Flask) -> None:
    """Count statements per request when the app is configured to."""
    if not app.config.get("COUNT_QUERIES"):
        return
    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count_statement)
    app.after_request(add_query_count)
