"""CPU ms and SQL statements per request of some benchmark pages, in process (`python -m bench.cpu_pages
--database fundmgr_bench10 dashboard detail ...`): signs in as `python -m bench --profile` does, warms up, then
times N requests with time.process_time() (this process's CPU only: the database's work is not in it)."""

from __future__ import annotations

import argparse
import os
import statistics
import time

import sqlalchemy as sa

from bench.__main__ import API, PUBLIC, bench_app, database_url, targets_and_pages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", required=True)
    parser.add_argument("-n", type=int, default=20)
    parser.add_argument("pages", nargs="+")
    args = parser.parse_args()
    os.environ["FUNDMGR_COUNT_QUERIES"] = "1"
    from fundmgr.accounts.models import User
    from fundmgr.accounts.sessions import SESSION_KEY, start_session
    from fundmgr.db import db

    url = database_url(args.postgres, args.database)
    _targets, pages, secret = targets_and_pages(url)
    app = bench_app(url)  # counting statements: FUNDMGR_COUNT_QUERIES, read by create_app
    for key in args.pages:
        page = next(p for p in pages if p.key == key)
        client = app.test_client()
        headers = {"Authorization": f"Bearer {secret}"} if page.user == API else {}
        if page.user not in (API, PUBLIC):
            with app.app_context():
                user = db.session.scalar(sa.select(User).where(User.email == page.user))
                session_id, session_key = user.get_id(), start_session(user)
                db.session.commit()
            with client.session_transaction() as session:
                session["_user_id"], session["_fresh"], session[SESSION_KEY] = session_id, True, session_key
        for _ in range(3):
            answer = client.get(page.path, headers=headers)
            assert answer.status_code == 200, (key, answer.status_code)
        cpu, wall = [], []
        for _ in range(args.n):
            c0, w0 = time.process_time(), time.perf_counter()
            answer = client.get(page.path, headers=headers)
            cpu.append((time.process_time() - c0) * 1000)
            wall.append((time.perf_counter() - w0) * 1000)
        print(
            f"{key:16} cpu median {statistics.median(cpu):6.1f} ms  mean {statistics.mean(cpu):6.1f} ms  "
            f"wall median {statistics.median(wall):6.1f} ms  statements {answer.headers.get('X-Query-Count')}  "
            f"({page.path})",
            flush=True,
        )


if __name__ == "__main__":
    main()
