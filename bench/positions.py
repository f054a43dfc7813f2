"""Where a member's position (or vote) costs its time: CPU per request, SQL statements, and the row locks it takes.

    python -m bench.positions                        # a fund at scale 0.1 in a throwaway database, then the figures
    python -m bench.positions --reuse                # the database of an earlier run, kept
    python -m bench.positions --profile              # and a pyinstrument profile of the answers
    python -m bench.positions --reuse --served       # the benchmark's positions line alone, against gunicorn
    python -m bench.positions --reuse --served --timing --workers 2 --threads 4  # another server, and its time
    python -m bench.positions --reuse --rule majority  # the fund decides by majority from now on: members vote

In-process (the Flask test client, CSRF on, the production code path) against PostgreSQL: 50 members state then
change their answer on live items one after the other (no contention), so that the figures are the request's own
cost, read as CPU time (the machine is shared: wall-clock would measure the neighbours). Each row lock the request
takes is reported with the statements and the CPU time spent while it is held (from the locking statement to the
commit).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bench.client import csrf_token
from bench.dataset import BENCH_PASSWORD, MEMBERS
from bench.load import answering
from bench.pages import FMU, member_email
from bench.server import WORKER_CLASS, WORKERS

DATABASE = "fundmgr_bench_positions"
# A locking clause (a statement may have several: FOR SHARE OF a FOR UPDATE OF b) and the table it names, if any.
LOCKING = re.compile(r" FOR (UPDATE|SHARE|NO KEY UPDATE|KEY SHARE)(?: OF (\w+))?")


@dataclass
class Locks:
    """The row locks of the request under way: each locking statement's table and mode, and the statements and CPU
    time from the first lock to the end of the transaction."""

    taken: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    first_lock_cpu: float | None = None
    held_cpu: list[float] = field(default_factory=list)
    statements: int = 0
    statements_held: int = 0
    held_statements: list[int] = field(default_factory=list)

    def executed(self, statement: str) -> None:
        self.statements += 1
        text = " ".join(statement.split())
        self.texts.append(text)
        clauses = LOCKING.findall(text)
        for mode, locked in clauses:  # each clause's table: named after OF, else the statement's first FROM
            table = locked or text.split(" FROM ", 1)[1].split()[0]
            self.taken.append(f"{table} FOR {mode}")
        if clauses and self.first_lock_cpu is None:
            self.first_lock_cpu = time.thread_time()
        if self.first_lock_cpu is not None:
            self.statements_held += 1

    def ended(self) -> None:
        if self.first_lock_cpu is not None:
            self.held_cpu.append(time.thread_time() - self.first_lock_cpu)
            self.held_statements.append(self.statements_held)
        self.first_lock_cpu, self.statements_held = None, 0


def by_package(stats: Any) -> list[tuple[str, float, float]]:
    """A profile's own time grouped by the package of each function (sqlalchemy, psycopg, fundmgr, ...)."""
    seconds: dict[str, float] = {}
    for (filename, _line, _name), (_calls, _primitive, own, _cumulative, _callers) in stats.stats.items():
        if "site-packages/" in filename:
            package = filename.split("site-packages/", 1)[1].split("/", 1)[0]
        elif "/fundmgr/" in filename or "/bench/" in filename:
            package = "fundmgr" if "/fundmgr/" in filename else "bench"
        else:
            package = "python (standard library, built-ins)"
        seconds[package] = seconds.get(package, 0.0) + own
    total = sum(seconds.values()) or 1.0
    return [(p, s, s / total) for p, s in sorted(seconds.items(), key=lambda kv: -kv[1])][:12]


def signed_in(app: Any, email: str) -> tuple[Any, str]:
    """A test client signed in through the form, and a CSRF token of its session."""
    client = app.test_client()
    page = client.get("/account/login")
    answer = client.post("/account/login", data={"csrf_token": csrf_token(page.get_data(as_text=True)),
                                                   "email": email, "password": BENCH_PASSWORD, "next": ""})  # fmt: skip
    if answer.status_code != 302:
        raise RuntimeError(f"{email} could not sign in (HTTP {answer.status_code})")
    return client, csrf_token(client.get("/").get_data(as_text=True))


def reset_live_items(app: Any, meeting_id: int) -> None:
    """The live meeting's items as the generator left them: pending, with no positions or votes."""
    from fundmgr.db import db
    from fundmgr.steering.models import AgendaItem, ItemState, Position, Vote

    with app.app_context():
        live = sa.select(AgendaItem.id).where(AgendaItem.meeting_id == meeting_id).scalar_subquery()
        for table in (Position, Vote):
            db.session.execute(sa.delete(table).where(table.item_id.in_(live)))
        db.session.execute(sa.update(AgendaItem).where(AgendaItem.id.in_(live)).values(
            state=ItemState.pending, opened_at=None, closed_at=None, presided_by_id=None))  # fmt: skip
        db.session.commit()
        db.engine.dispose()


class Refusals:
    """A member's client that notes each answer other than 201 Created (status and body) in `refused`: a run under
    load once had 43 of 250 answers unacknowledged, with no word of why."""

    def __init__(self, client: Any, email: str, refused: list[str]) -> None:
        self.client, self.email, self.refused = client, email, refused

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def post(self, path: str, form: dict[str, str], **kwargs: Any) -> Any:
        answer = self.client.post(path, form, **kwargs)
        if answer.status != 201:
            body = " ".join(answer.text.split())[:300]
            self.refused.append(f"{self.email} {path}: HTTP {answer.status} after {answer.seconds:.2f} s: {body}")
        return answer


def set_decision_rule(url: str, rule: str) -> None:
    """The benchmark's fund decides by this rule from now on (a second fund "written only as data" may decide by
    majority: its members' votes must answer as fast as positions). Its past meetings keep what they recorded."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute("UPDATE funds SET decision_rule = %s", (rule,))


def served(url: str, database: str, args: argparse.Namespace) -> None:
    """The benchmark's rounds alone, on the database of an earlier run: gunicorn as `make bench` starts it (or with
    `--workers`, `--worker-class`, `--threads` to compare), 50 members signed in, each live item opened, answered at
    once, changed at once, closed; the positions line with the load average before and after; with `--timing`,
    where the answers' time went (the worker's CPU, its database time, the rest of its wall time, and the wait
    before a worker took the request)."""
    import tempfile
    from pathlib import Path

    from bench.__main__ import ANSWER_ROUNDS, bench_app, signed_in, stored_answers_reader
    from bench.pages import find_targets
    from bench.server import Server
    from fundmgr.db import db

    app = bench_app(url)
    with app.app_context():
        targets = find_targets()
        db.engine.dispose()
    reset_live_items(app, targets.meeting_id)
    how = answering(targets.decision_rule)
    configuration = {"workers": args.workers, "worker_class": args.worker_class, "threads": args.threads}
    with tempfile.TemporaryDirectory(prefix="fundmgr-positions-") as tmp, \
            Server(url, Path(tmp), log=Path(tmp) / "gunicorn.log", timing=Path(tmp) / "timing.jsonl" if args.timing
                   else None, **configuration) as server:  # fmt: skip
        chair = signed_in(server.url, {FMU})[FMU]
        members = list(signed_in(server.url, {member_email(n) for n in range(1, MEMBERS + 1)}).items())
        for _email, member in members:
            member.form_token("/")
        refused: list[str] = []
        members = [(email, Refusals(member, email, refused)) for email, member in members]
        before = os.getloadavg()[0]
        if server.timing:
            server.timing.write_text("")  # the answers' requests only, not the sign-ins
        result = load_rounds(chair, members, targets, how, stored_answers_reader(url, how), ANSWER_ROUNDS)
        after = os.getloadavg()[0]
        timings = served_timings(server.timing, how.route) if server.timing else None
    print(f"{how.noun.capitalize()}: {MEMBERS} members at once, {len(result.rounds)} items: p50 {result.p50_ms} ms, "
          f"p95 {result.p95_ms} ms, p99 {result.p99_ms} ms, max {result.max_ms} ms; {result.recorded} of "
          f"{result.answers} recorded, {result.changed} changed; {result.stored} stored, {result.duplicates_stored} "
          f"twice, {result.lost} lost (load average {before:.1f} before, {after:.1f} after; "
          f"gunicorn {args.workers} {args.worker_class} workers"
          f"{f', {args.threads} threads each' if args.threads > 1 else ''}; database {database})")  # fmt: skip
    if timings:
        print(timings)
    for line in refused:  # each answer that was not 201 Created: what the server said
        print(f"  {line}")


def served_timings(timing: Any, route: str) -> str:
    """The answers' time in the workers (bench.served_timing): medians and p95 of wall, CPU and database time."""
    import json

    from bench.load import percentile

    lines = [json.loads(line) for line in timing.read_text().splitlines()]
    answers = [t for t in lines if t["path"].endswith(f"/{route}")]
    if not answers:
        return "  no timing noted"

    def figures(key: str) -> str:
        values = [t[key] for t in answers]
        return f"median {statistics.median(values):.1f}, p95 {percentile(values, 0.95):.1f}, sum {sum(values):.0f}"

    waiting = [t["wall_ms"] - t["cpu_ms"] - t["db_ms"] for t in answers]
    statements: dict[str, list[float]] = {}
    for t in answers:
        for n, (text, ms) in enumerate(t["statements"]):
            statements.setdefault(f"{n + 1}. {text}", []).append(ms)
    each = "".join(f"\n    {text[:60]:<60} median {statistics.median(ms):6.1f} ms, p95 {percentile(ms, 0.95):6.1f} ms"
                   for text, ms in statements.items())  # fmt: skip
    return (f"  in the workers, {len(answers)} answers (ms): wall {figures('wall_ms')}; CPU {figures('cpu_ms')}; "
            f"database {figures('db_ms')}; neither (waiting for a core, GC, ...) median "
            f"{statistics.median(waiting):.1f}, sum {sum(waiting):.0f}; each statement:{each}")  # fmt: skip


def load_rounds(chair: Any, members: list[Any], targets: Any, how: Any, stored: Any, rounds: int) -> Any:
    from bench.load import answer_rounds

    items = targets.item_ids[1 : 1 + rounds]  # the first live item is the board's, as in `make bench`
    return answer_rounds(chair, members, targets.meeting_id, items, how, stored)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.positions", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    server = os.environ.get("FUNDMGR_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--postgres", default=server, help="a PostgreSQL server URL (a database of it)")
    parser.add_argument("--database", default=DATABASE, help="the database (kept afterwards, for --reuse)")
    parser.add_argument("--reuse", action="store_true", help="the database of an earlier run")
    parser.add_argument("--items", type=int, default=2, help="live items answered (50 members, twice each)")
    parser.add_argument("--verbose", action="store_true", help="print the refused answers")
    parser.add_argument("--cprofile", action="store_true", help="print a cProfile of the answers, in CPU time")
    parser.add_argument("--profile", action="store_true", help="print a pyinstrument profile of the answers")
    rounds = "instead: the benchmark's rounds (50 members at once on 5 items) against gunicorn"
    parser.add_argument("--served", action="store_true", help=rounds)
    parser.add_argument("--workers", type=int, default=WORKERS, help=f"--served: gunicorn workers ({WORKERS})")
    parser.add_argument("--worker-class", default=WORKER_CLASS, help=f"--served: their class ({WORKER_CLASS})")
    parser.add_argument("--threads", type=int, default=1, help="--served: threads per worker (gthread), 1")
    timing = "--served: note each answer's wall, CPU and database time in the workers (bench.served_timing)"
    parser.add_argument("--timing", action="store_true", help=timing)
    rule = "first set the fund's decision rule in the database (kept): majority measures votes, consensus positions"
    parser.add_argument("--rule", choices=("consensus", "majority"), help=rule)
    args = parser.parse_args(argv)

    from bench.__main__ import bench_app, build_dataset, database_url, recreate_database
    from bench.pages import find_targets
    from fundmgr.db import db
    from fundmgr.steering.models import AgendaItem, ItemState

    if args.reuse:
        url = database_url(args.postgres, args.database)
    else:
        print(f"Generating the fund at scale 0.1 into {args.database}...", flush=True)
        url = recreate_database(args.postgres, args.database)
        build_dataset(url, 0.1)
    if args.rule:
        set_decision_rule(url, args.rule)
    if args.served:
        return served(url, args.database, args)
    app = bench_app(url)
    app.config |= {"WTF_CSRF_ENABLED": True, "LOGIN_RATE_LIMIT": "100000 per minute"}
    locks = Locks()
    with app.app_context():
        targets = find_targets()
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a, **_k: locks.executed(a[2]))
        sa.event.listen(db.engine, "commit", lambda *_a: locks.ended())
        sa.event.listen(db.engine, "rollback", lambda *_a: locks.ended())
    how = answering(targets.decision_rule)
    chair, chair_token = signed_in(app, FMU)
    members = [signed_in(app, member_email(n)) for n in range(1, MEMBERS + 1)]
    profiler, cprofiler = None, None
    if args.cprofile:
        import cProfile

        cprofiler = cProfile.Profile(time.thread_time)
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
    cpu, statements, statuses, held, held_statements = [], [], [], [], []
    cpu_of: dict[str, list[float]] = {"first answers": [], "changes": []}
    if args.reuse:
        reset_live_items(app, targets.meeting_id)
    with app.app_context():
        query = sa.select(AgendaItem.id, AgendaItem.state).where(AgendaItem.meeting_id == targets.meeting_id)
        states: dict[int, ItemState] = {item_id: state for item_id, state in db.session.execute(query).tuples()}
    for item_id, state in states.items():  # an item left open by an earlier run closes
        if state is ItemState.open:
            chair.post(f"/steering/meetings/{targets.meeting_id}/items/{item_id}/close",
                       data={"csrf_token": chair_token, "confirmed": "yes"})  # fmt: skip
    items = [i for i, state in states.items() if state is ItemState.pending][: args.items]
    if len(items) < args.items:
        sys.exit(f"only {len(items)} items of the live meeting are still to open: run without --reuse")
    for item_id in items:
        action = f"/steering/meetings/{targets.meeting_id}/items/{item_id}"
        opened = chair.post(f"{action}/open", data={"csrf_token": chair_token, "confirmed": "yes"})
        if opened.status_code != 302:
            raise RuntimeError(f"opening item {item_id} answered HTTP {opened.status_code}")
        for kind, form_of in (("first answers", how.first), ("changes", how.change)):
            for n, (client, token) in enumerate(members):
                locks.taken.clear()
                locks.texts.clear()
                locks.held_cpu.clear()
                locks.held_statements.clear()
                before_statements, started = locks.statements, time.thread_time()
                if profiler:
                    profiler.start()
                if cprofiler:
                    cprofiler.enable()
                answer = client.post(f"{action}/{how.route}", data={"csrf_token": token} | form_of(n),
                                     headers={"Accept": "application/json"})  # fmt: skip
                if profiler:
                    profiler.stop()
                if cprofiler:
                    cprofiler.disable()
                cpu.append((time.thread_time() - started) * 1000)
                cpu_of[kind].append(cpu[-1])
                statements.append(locks.statements - before_statements)
                statuses.append(answer.status_code)
                if answer.status_code != 201 and args.verbose:
                    print(f"  {member_email(n + 1)}: HTTP {answer.status_code} {answer.get_data(as_text=True)[:200]}")
                member_locks, member_statements = list(locks.taken), list(locks.texts)
                held.append(sum(locks.held_cpu) * 1000)
                held_statements.append(sum(locks.held_statements))
        chair.post(f"{action}/close", data={"csrf_token": chair_token, "confirmed": "yes"})
    print(f"{len(cpu)} {how.noun} on {len(items)} items ({targets.decision_rule}); HTTP {sorted(set(statuses))}")
    print(f"  CPU per request: median {statistics.median(cpu):.1f} ms, p95 "
          f"{sorted(cpu)[int(0.95 * len(cpu)) - 1]:.1f} ms, mean {statistics.mean(cpu):.1f} ms")  # fmt: skip
    for kind, figures in cpu_of.items():
        print(f"    {kind}: CPU median {statistics.median(figures):.1f} ms, mean {statistics.mean(figures):.1f} ms")
    print(f"  SQL statements per request: median {statistics.median(statements):g}, min {min(statements)}, "
          f"max {max(statements)}")  # fmt: skip
    print(f"  row locks of the last answer: {', '.join(member_locks) or 'none'}")
    print(f"  held from the first lock to the commit: median {statistics.median(held):.2f} ms CPU, "
          f"{statistics.median(held_statements):g} statements")  # fmt: skip
    if args.verbose:
        print("  the last answer's statements:", *(f"    {t[:300]}" for t in member_statements), sep="\n")
    print(f"  load average {os.getloadavg()[0]:.1f}")
    if cprofiler:
        import pstats

        stats = pstats.Stats(cprofiler)
        stats.sort_stats("cumulative").print_stats(60)
        print("CPU time by package (own time of its functions):")
        for package, seconds, share in by_package(stats):
            print(f"  {package:<32} {seconds * 1000 / len(cpu):7.2f} ms per request {share:6.1%}")
    if profiler:
        print(profiler.output_text(unicode=True, color=False, show_all=False))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
