"""Acts run at the same moment in threads, each in its own app context (its own session and connection)."""

from __future__ import annotations

import threading

from fundmgr.db import db
from fundmgr.errors import DomainError


def run_at_once(app, jobs) -> list[str]:
    """Run each job (a function of nothing) in its own thread and app context, all released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[str] = []

    def worker(job):
        barrier.wait()
        with app.app_context():
            try:
                job()
                db.session.commit()
                results.append("ok")
            except DomainError as exc:
                db.session.rollback()
                results.append(exc.message)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results
