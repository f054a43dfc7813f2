"""CPU ms and SQL statements per request of the layout floor and board.json, in process, against a copy of a kept
bench database (signing in writes a session row).

.venv/bin/python -m bench.request_cpu --database fundmgr_bench10_NAME [-n 100] [--show]
"""

from __future__ import annotations

import argparse
import statistics
import time

import sqlalchemy as sa

from bench.__main__ import bench_app, database_url
from bench.pages import FMU, LAYOUT_FLOOR_PATH, find_targets, member_email


def signed_in(app, email):
    from fundmgr.accounts.models import User
    from fundmgr.accounts.sessions import SESSION_KEY, start_session
    from fundmgr.db import db

    client = app.test_client()
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == email))
        session_id, key = user.get_id(), start_session(user)
        db.session.commit()
    with client.session_transaction() as session:
        session["_user_id"], session["_fresh"], session[SESSION_KEY] = session_id, True, key
    return client


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", required=True)
    parser.add_argument("-n", type=int, default=100)
    parser.add_argument("--show", action="store_true", help="print the statements of one request")
    args = parser.parse_args()
    from fundmgr.db import db

    url = database_url(args.postgres, args.database)
    app = bench_app(url)
    statements: list[str] = []
    with app.app_context():
        targets = find_targets()
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a, **_k: statements.append(a[2]))
    pages = [
        ("layout floor", LAYOUT_FLOOR_PATH, FMU),
        ("board.json (member02)", f"/steering/meetings/{targets.meeting_id}/board.json", member_email(2)),
        ("board.json (FMU)", f"/steering/meetings/{targets.meeting_id}/board.json", FMU),
    ]
    for title, path, email in pages:
        client = signed_in(app, email)
        for _ in range(5):
            assert client.get(path).status_code == 200
        cpu, counts = [], []
        for _ in range(args.n):
            statements.clear()
            started = time.process_time()
            answer = client.get(path)
            cpu.append((time.process_time() - started) * 1000)
            counts.append(len(statements))
            assert answer.status_code == 200
        print(
            f"{title:<24} CPU median {statistics.median(cpu):6.2f} ms, mean {statistics.mean(cpu):6.2f} ms; "
            f"statements {min(counts)}-{max(counts)}"
        )
        if args.show:
            for text in statements:
                print("    ", " ".join(text.split())[:220])


if __name__ == "__main__":
    main()
