"""gunicorn hooks that note where each served request spends its time (`python -m bench.positions --served
--timing`): in the worker, from the request parsed to the response built, its wall time, its CPU time, and the wall
time of its SQL statements and commit (PostgreSQL, the network to it and its lock waits); one line per request, as
JSON, appended to the file named by FUNDMGR_BENCH_TIMING. What the client measures beyond the worker's wall time is
queueing (waiting for a free worker) and the HTTP exchange."""

from __future__ import annotations

import json
import os
import threading
import time

_state = threading.local()


def _database_time(conn, _cursor=None, statement: str = "COMMIT", *_args, **_kwargs) -> None:
    _state.db_started = time.perf_counter()
    _state.statement = " ".join(statement.split()[:4])


def _database_done(*_args, **_kwargs) -> None:
    started = getattr(_state, "db_started", None)
    if started is not None:
        seconds = time.perf_counter() - started
        _state.db += seconds
        _state.statements.append((_state.statement, round(seconds * 1000, 2)))
        _state.db_started = None


def post_worker_init(worker) -> None:
    """Time the app's SQL statements and commits in this worker."""
    import sqlalchemy as sa
    import sqlalchemy.orm as so

    from fundmgr.db import db

    with worker.wsgi.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", _database_time)
    sa.event.listen(engine, "after_cursor_execute", _database_done)
    # a commit's wall time: from the Session's commit to the connection's (the DBAPI commit runs in between)
    sa.event.listen(engine, "commit", _database_time)
    sa.event.listen(so.Session, "after_commit", _database_done)
    _state.file = open(os.environ["FUNDMGR_BENCH_TIMING"], "a", buffering=1)  # noqa: SIM115


def pre_request(worker, req) -> None:
    _state.db, _state.db_started, _state.statements = 0.0, None, []
    _state.wall, _state.cpu = time.perf_counter(), time.thread_time()


def post_request(worker, req, environ, resp) -> None:
    wall, cpu = time.perf_counter() - _state.wall, time.thread_time() - _state.cpu
    line = {"path": req.path, "wall_ms": wall * 1000, "cpu_ms": cpu * 1000, "db_ms": _state.db * 1000,
            "pid": os.getpid(), "statements": _state.statements}  # fmt: skip
    _state.file.write(json.dumps(line) + "\n")
