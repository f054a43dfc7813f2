"""fundmgr at a large fund's scale: pages, positions (or votes) and PDFs measured against the floor in one run.

    make bench                                   # scale 1 (5,000 proposals, 2,000 programmes)
    make bench BENCH_ARGS="--queries-10x"        # and SQL statements per page at 10x
    python -m bench --scale 0.1 --seconds 3 --skip-pdf   # a quick look

Generates the fund into a throwaway PostgreSQL database (created and dropped), serves it with
gunicorn (2 workers, production configuration) on 127.0.0.1, measures every page with wrk
(p50/p95/p99, requests per second) next to the floor (/health on the same server), has 50 members
state then change positions at once on live agenda items (or vote, in a fund deciding by majority), counts SQL
statements per page (X-Query-Count), times the annual results PDF for 200 programmes against WeasyPrint on a plain
document of as many pages, solves a portfolio proposal of 5,000 candidates with 20 constraints (bench/portfolio.py;
alone: python -m bench.portfolio), then prints a table and writes the figures to bench-results/ as JSON.

    python -m bench --keep --profile ranking   # pyinstrument profile of one page (after a --keep run)
    python -m bench --overlap                  # only the overlap check (recall, false alarms, time at 5,000)
    python -m bench --pdf-only --pdf-repeat 3  # only the annual results PDF against its floor, fastest of 3
    python -m bench --scale 10 --keep --database fundmgr_bench10   # generate once and keep it, then
    python -m bench --scale 10 --from fundmgr_bench10              # measure on a copy of it, generating nothing
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import psycopg
import sqlalchemy as sa

from bench import load, pdf, portfolio
from bench.client import Client
from bench.dataset import BENCH_PASSWORD, MEMBERS, generate
from bench.pages import API, FMU, PUBLIC, Page, api_secret, find_targets, measured_pages, member_email
from bench.server import WORKERS, Server
from fundmgr import clock

P95_GOAL_MS = {1: 50, 10: 60}  # a page's p95 at scale 1 and at scale 10 (between them: the scale 10 goal)
FLOOR_SHARE_GOAL = 0.5  # of the layout floor's throughput
ANSWERS_P95_GOAL_MS = 100
ANSWER_ROUNDS = 5
# A run is flagged as taken on a busy machine when the load average before it starts (nothing of the benchmark runs
# yet) is above this share of the cores, or when before some page it is above the cores plus this margin (the
# benchmark itself keeps about the cores busy: two workers, wrk and PostgreSQL).
BUSY_START_SHARE = 0.5
BUSY_PAGE_MARGIN = 1.0
PDF_PROGRAMMES = 200  # the annual results report's size in the PDF measure


def p95_goal(scale: float) -> int:
    """The p95 goal of a page at this scale of the fund."""
    return P95_GOAL_MS[1] if scale <= 1 else P95_GOAL_MS[10]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scale", type=float, default=1.0, help="size of the fund, 0.1 to 10 (default 1)")
    parser.add_argument("--seconds", type=float, default=10, help="measured seconds per page (default 10)")
    parser.add_argument("--connections", type=int, default=WORKERS, help="wrk connections (default: one per worker)")
    parser.add_argument("--queries-10x", action="store_true", help="also count SQL statements per page at scale 10")
    parser.add_argument("--skip-pdf", action="store_true", help="leave out the annual report PDF")
    parser.add_argument(
        "--pdf-only", action="store_true", help="only the annual report PDF against its floor (no pages, no load)"
    )
    parser.add_argument(
        "--pdf-repeat", type=int, default=1, help="render the PDF and its floor this many times; the fastest count"
    )
    parser.add_argument(
        "--postgres",
        default=os.environ.get("FUNDMGR_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"),
        help="a PostgreSQL server URL (a database of it to connect to first)",
    )
    parser.add_argument("--database", default="fundmgr_bench", help="the throwaway database (created and dropped)")
    parser.add_argument("--out", type=Path, default=Path("bench-results"), help="folder for the JSON file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards (for --profile)")
    parser.add_argument(
        "--from",
        dest="template",
        metavar="DATABASE",
        help="measure on a copy of a database an earlier run generated today at this scale and kept (--keep)",
    )
    parser.add_argument("--profile", metavar="PAGE", help="profile one page with pyinstrument on a kept database")
    parser.add_argument(
        "--overlap", action="store_true", help="only the overlap check: seeded near-duplicates among 5,000 notes"
    )
    parser.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("BEFORE.json", "AFTER.json"),
        help="print two runs' figures side by side (e.g. scale 1 and scale 10, or before and after a change)",
    )
    args = parser.parse_args(argv)
    if not 0.1 <= args.scale <= 10:
        parser.error("--scale must be between 0.1 and 10")
    if args.template is not None and args.template == args.database:
        parser.error("--from names the kept database to copy: measure on another (--database)")
    return args


# --- Databases ------------------------------------------------------------------------------------------------


def database_url(server: str, name: str) -> str:
    return server.rsplit("/", 1)[0] + "/" + name


def recreate_database(server: str, name: str) -> str:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(server, name)


def copy_database(server: str, template: str, name: str) -> str:
    """A fresh copy of a kept database (PostgreSQL copies its files: seconds, where generating takes minutes)."""
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    return database_url(server, name)


def kept_dataset(server: str, template: str, scale: float) -> dict[str, Any]:
    """What the run that generated a kept database wrote (noted on the database as its comment): refused unless it
    was generated today (its dates are relative to the day it was made) and at this scale."""
    with psycopg.connect(server) as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", [template]
        ).fetchone()
    try:
        dataset = json.loads(row[0]) if row and row[0] else None
    except ValueError:  # another comment: not the benchmark's
        dataset = None
    if not isinstance(dataset, dict):
        sys.exit(f"{template} is not a database the benchmark generated and kept (--keep)")
    if str(dataset.get("today")) != clock.today().isoformat() or dataset.get("scale") != scale:
        sys.exit(f"{template} was generated on {dataset.get('today')} at scale {dataset.get('scale')}: "
                 f"generate it again today at scale {scale:g} (--keep)")  # fmt: skip
    return dataset | {"copied_from": template}


def drop_database(server: str, name: str) -> None:
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench_app(url: str):
    from bench.floor import add_layout_floor
    from fundmgr import create_app

    return add_layout_floor(
        create_app(
            {
                "ENV_NAME": "testing",
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": url,
                "STORAGE_DIR": tempfile.gettempdir(),
            }
        )
    )


def build_dataset(url: str, scale: float) -> dict[str, Any]:
    """Migrate, load the fund, generate the data in bulk, then VACUUM ANALYZE (as autovacuum would have)."""
    from bench import annual_report  # its build_app migrates and loads the fund and its results framework
    from fundmgr.db import db

    started = time.perf_counter()
    app = annual_report.build_app(url, Path(tempfile.gettempdir()))
    migrated = time.perf_counter() - started
    with app.app_context():
        started = time.perf_counter()
        result = generate(scale)
        db.session.commit()
        generated = time.perf_counter() - started
        started = time.perf_counter()
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
            size = conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar()
        analyzed = time.perf_counter() - started
        dataset = result | {
            "migrate_seconds": round(migrated, 1),
            "generate_seconds": round(generated, 1),
            "analyze_seconds": round(analyzed, 1),
            "database_mb": round(size / 2**20),
        }
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            # what was written, kept with the database for a later run measuring a copy of it (--from)
            comment = json.dumps(dataset, default=str).replace("'", "''")
            conn.exec_driver_sql(f"COMMENT ON DATABASE \"{db.engine.url.database}\" IS '{comment}'")
        db.session.remove()
        db.engine.dispose()
    return dataset


def targets_and_pages(url: str) -> tuple[Any, list[Page], str]:
    """The generated fund's objects, the pages that show them, and a fresh API token of the FMU to read the API."""
    from fundmgr.db import db

    app = bench_app(url)
    with app.app_context():
        targets = find_targets()
        secret = api_secret(API.removeprefix("api:"))
        db.engine.dispose()
    return targets, measured_pages(targets), secret


def stored_answers_reader(url: str, how: load.Answering):
    """Reads back the answers stored for items (positions or votes, as the fund decides): (item, member, answer)."""

    def read(item_ids: list[int]) -> list[tuple[int, str, str]]:
        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
            return conn.execute(
                f"SELECT a.item_id, u.email, a.{how.column} FROM {how.table} a JOIN users u ON u.id = a.member_id "  # noqa: S608
                "WHERE a.item_id = ANY(%s)",
                [item_ids],
            ).fetchall()

    return read


# --- Runs against the server ----------------------------------------------------------------------------------


def signed_in(base_url: str, users: set[str], api_token: str | None = None) -> dict[str, Client]:
    """A client per page user: signed in through the form, holding the API token, or anonymous (PUBLIC)."""
    clients = {}
    for user in sorted(users):
        client = Client(base_url)
        if user == API:
            client.bearer = api_token
        elif user != PUBLIC:
            client.sign_in(user, BENCH_PASSWORD)
        clients[user] = client
    return clients


def open_board(clients: dict[str, Client], base_url: str, targets: Any) -> None:
    """The first live item open with ten members' positions (or votes, as the fund decides): the board the members
    poll."""
    how = load.answering(targets.decision_rule)
    chair = clients[FMU]
    token = chair.form_token(f"/steering/meetings/{targets.meeting_id}/board")
    item = f"/steering/meetings/{targets.meeting_id}/items/{targets.item_ids[0]}"
    if chair.post(f"{item}/open", {"csrf_token": token}).status != 302:
        raise RuntimeError("could not open the first live item")
    for n in range(11, 21):
        member = Client(base_url)
        member.sign_in(member_email(n), BENCH_PASSWORD)
        answer = member.post(
            f"{item}/{how.route}", {"csrf_token": member.form_token("/")} | how.first(n), accept="application/json"
        )
        if answer.status != 201:
            raise RuntimeError(f"{how.route} on the first live item answered HTTP {answer.status}")


def count_pass(url: str, storage: Path, log: Path) -> dict[str, int]:
    targets, pages, secret = targets_and_pages(url)
    with Server(url, storage, count_queries=True, log=log) as server:
        clients = signed_in(server.url, {page.user for page in pages}, secret)
        open_board(clients, server.url, targets)
        return load.query_counts(clients, pages)


def load_pass(url: str, storage: Path, log: Path, args: argparse.Namespace) -> tuple[list[load.PageResult], Any]:
    targets, pages, secret = targets_and_pages(url)
    results = []
    with Server(url, storage, log=log) as server:
        clients = signed_in(server.url, {page.user for page in pages}, secret)
        for page in pages:
            check = clients[page.user].get(page.path, headers=dict(page.headers))
            if check.status != 200:
                raise RuntimeError(f"{page.path} answered HTTP {check.status} before the run")
            before = os.getloadavg()[0]
            result = load.measure_page(
                server.url, page, clients[page.user], seconds=args.seconds, connections=args.connections
            )
            result.load_before, result.load_after = round(before, 2), round(os.getloadavg()[0], 2)
            print(
                f"  {page.title:<48} p95 {result.p95_ms:8.1f} ms  {result.rps:8.1f} req/s  "
                f"(load average {result.load_before:.1f} before, {result.load_after:.1f} after)",
                flush=True,
            )
            results.append(result)
        # the board's first item closes; then rounds of 50 members at once on the next ones, stating then changing
        # positions (or votes, as the fund decides)
        chair = clients[FMU]
        token = chair.form_token(f"/steering/meetings/{targets.meeting_id}/board")
        item = f"/steering/meetings/{targets.meeting_id}/items/{targets.item_ids[0]}"
        if chair.post(f"{item}/close", {"csrf_token": token, "confirmed": "yes"}).status != 302:
            raise RuntimeError("could not close the first live item")
        members = list(signed_in(server.url, {member_email(n) for n in range(1, MEMBERS + 1)}).items())
        for _email, member in members:
            member.form_token("/")
        how = load.answering(targets.decision_rule)
        answers = load.answer_rounds(
            chair, members, targets.meeting_id, targets.item_ids[1 : 1 + ANSWER_ROUNDS], how,
            stored_answers_reader(url, how),
        )  # fmt: skip
    return results, answers


# --- Output ---------------------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    memory = next(
        (
            int(ln.split()[1]) // 1024
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        ),
        None,
    )
    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split(" Copyright")[0]  # noqa: S607
    return {
        # other work on the machine during the run shows in every figure: the load before it starts
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "cores": os.cpu_count(),
        "cpu": cpu,
        "memory_mb": memory,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "wrk": wrk.strip(),
    }


def verdicts(pages: list[dict[str, Any]], scale: float) -> None:
    """Each page's throughput as a share of both floors, and whether it meets the goals at this scale."""
    health = next(p for p in pages if p["key"] == "floor")
    layout = next(p for p in pages if p["key"] == "layout")
    for page in pages:
        page["health_share"] = round(page["rps"] / health["rps"], 3) if health["rps"] else None
        page["floor_share"] = round(page["rps"] / layout["rps"], 3) if layout["rps"] else None
        page["p95_ok"] = page["p95_ms"] <= p95_goal(scale)
        page["throughput_ok"] = (page["floor_share"] or 0) >= FLOOR_SHARE_GOAL


def busy_reasons(result: dict[str, Any]) -> list[str]:
    """Why the figures were taken on a busy machine (other work running), if they were."""
    cores = result["machine"]["cores"] or 1
    reasons = []
    start = result["machine"]["load_average"][0]
    if start > BUSY_START_SHARE * cores:
        reasons.append(f"load average {start:g} before the run on {cores} cores")
    loaded = [p for p in result.get("pages", []) if p["load_before"] > cores + BUSY_PAGE_MARGIN]
    if loaded:
        highest = max(loaded, key=lambda p: p["load_before"])
        reasons.append(
            f"load average above {cores + BUSY_PAGE_MARGIN:g} before {len(loaded)} of {len(result['pages'])} pages "
            f"(up to {highest['load_before']:g}, before {highest['key']})"
        )
    return reasons


def table(result: dict[str, Any]) -> str:
    m, d, s = result["machine"], result["dataset"], result["settings"]
    counts = d["counts"]
    answers = "positions" if counts.get("positions") else "votes"
    after = m.get("load_average_after", [m["load_average"][0]])[0]
    lines = [
        f"fundmgr benchmark, {result['started'][:16].replace('T', ' ')} UTC: {m['cores']} cores ({m['cpu']}), "
        f"{m['memory_mb']} MB, load average {m['load_average'][0]:g} at the start and {after:g} at the end, "
        f"PostgreSQL {result['postgres']}, gunicorn {WORKERS} sync workers, {m['wrk']} "
        f"({s['connections']} connections, {s['seconds']:g} s per page)",
        f"dataset: scale {d['scale']:g}, {counts.get('proposals', 0):,} proposals, {counts.get('programmes', 0):,} "
        f"funded programmes ({counts.get('programme_indicators', 0):,} indicators), "
        f"{counts.get('reviews', 0):,} reviews, "
        f"{counts.get(answers, 0):,} {answers}, "
        f"{d['rows']['budget_lines']:,} budget lines, {d['total_rows']:,} rows, "
        f"{d['database_mb']} MB; generated in {d['generate_seconds']} s"
        + (f" (measured on a copy of {d['copied_from']})" if d.get("copied_from") else ""),
        f"goals: p95 at most {s['goal_p95_ms']} ms, throughput at least {s['goal_floor_share']:g} of the layout floor",
    ]
    if result.get("busy"):
        lines.append("BUSY MACHINE, figures not comparable: " + "; ".join(result["busy"]))
    lines += [
        "",
        f"{'page':<48} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'req/s':>8} {'x layout':>8} {'x health':>8} "
        f"{'SQL 1x':>7} {'SQL 10x':>8} {'load':>10}  goal",
    ]
    q1, q10 = result.get("queries_1x", {}), result.get("queries_10x", {})
    for p in result["pages"]:
        goal = (
            "floor"
            if p["key"] in ("floor", "layout")
            else ("ok" if p["p95_ok"] and p["throughput_ok"] else "p95" if not p["p95_ok"] else "req/s")
        )
        if p["errors"] or p["non200"]:
            goal += f" ({p['errors']} errors, {p['non200']} not 200)"
        load = f"{p['load_before']:.1f}>{p['load_after']:.1f}"
        lines.append(
            f"{p['title'][:48]:<48} {p['p50_ms']:>8.1f} {p['p95_ms']:>8.1f} {p['p99_ms']:>8.1f} {p['rps']:>8.1f} "
            f"{p['floor_share']:>8.2f} {p['health_share']:>8.2f} {q1.get(p['key'], ''):>7} "
            f"{q10.get(p['key'], ''):>8} {load:>10}  {goal}"
        )
    a = result.get("answers")
    if a:
        title = f"{a['noun'].capitalize()}: {MEMBERS} members at once, {len(a['rounds'])} items"
        lines.append(
            f"{title:<48} {a['p50_ms']:>8.1f} {a['p95_ms']:>8.1f} {a['p99_ms']:>8.1f}   "
            f"{a['recorded']} of {a['answers']} recorded, {a['changed']} changed; {a['stored']} stored, "
            f"{a['duplicates_stored']} twice, {a['lost']} lost; "
            + ("ok" if a["p95_ms"] <= ANSWERS_P95_GOAL_MS else f"p95 above {ANSWERS_P95_GOAL_MS} ms")
        )
    if result.get("portfolio"):
        lines += ["", portfolio.line(result["portfolio"])]
    if result.get("pdf"):
        lines += ["", pdf.line(result["pdf"])]
    return "\n".join(lines)


def compare(before: dict[str, Any], after: dict[str, Any]) -> str:
    """Two runs side by side, page by page: p95, throughput as a share of the layout floor, SQL statements."""

    def heading(run: dict[str, Any]) -> str:
        busy = " BUSY" if run.get("busy") else ""
        return f"scale {run['dataset']['scale']:g}, {run['started'][:16].replace('T', ' ')}{busy}"

    lines = [
        f"A: {heading(before)}; B: {heading(after)}",
        "",
        f"{'page':<48} {'p95 A':>8} {'p95 B':>8} {'layout A':>8} {'layout B':>8} {'SQL A':>6} {'SQL B':>6}",
    ]
    later = {p["key"]: p for p in after["pages"]}
    for a in before["pages"]:
        b = later.get(a["key"])
        if b is None:
            continue
        lines.append(
            f"{a['title'][:48]:<48} {a['p95_ms']:>8.1f} {b['p95_ms']:>8.1f} {a.get('floor_share') or 0:>8.2f} "
            f"{b.get('floor_share') or 0:>8.2f} {before.get('queries_1x', {}).get(a['key'], ''):>6} "
            f"{after.get('queries_1x', {}).get(a['key'], ''):>6}"
        )
    return "\n".join(lines)


def postgres_version(server: str) -> str:
    with psycopg.connect(server) as conn:
        return conn.execute("SHOW server_version").fetchone()[0].split()[0]


def profile(args: argparse.Namespace) -> None:
    """Profile one page in-process (pyinstrument) against a database kept by an earlier --keep run."""
    from pyinstrument import Profiler

    from fundmgr.accounts.models import User
    from fundmgr.accounts.sessions import SESSION_KEY, start_session
    from fundmgr.db import db

    url = database_url(args.postgres, args.database)
    targets, pages, secret = targets_and_pages(url)
    page = next((p for p in pages if p.key == args.profile), None)
    if page is None:
        sys.exit(f"--profile takes one of: {', '.join(p.key for p in pages)}")
    app = bench_app(url)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {secret}"} if page.user == API else {}
    if page.user not in (API, PUBLIC):
        with app.app_context():
            user = db.session.scalar(sa.select(User).where(User.email == page.user))
            session_id, key = user.get_id(), start_session(user)  # sessions are server-side rows
            db.session.commit()
        with client.session_transaction() as session:
            session["_user_id"], session["_fresh"], session[SESSION_KEY] = session_id, True, key
    client.get(page.path, headers=headers)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for _ in range(5):
            assert client.get(page.path, headers=headers).status_code == 200
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    del targets


def pdf_only(args: argparse.Namespace) -> None:
    """The annual results PDF alone against its floor (`python -m bench --pdf-only`), in a throwaway database;
    printed with the load average before and after, and written to --out like a full run."""
    started = clock.now()
    before = [round(x, 2) for x in os.getloadavg()]
    print(f"Timing the annual results PDF for {PDF_PROGRAMMES} programmes (load average {before[0]:g})...", flush=True)
    name = args.database + "_pdf"
    url = recreate_database(args.postgres, name)
    try:
        figures = pdf.measure(url, PDF_PROGRAMMES, clock.today().year - 1, args.pdf_repeat)
    finally:
        drop_database(args.postgres, name)
    after = [round(x, 2) for x in os.getloadavg()]
    result = {"started": started.isoformat(timespec="seconds"), "load_average": before, "load_average_after": after}
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-pdf-{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result | {"pdf": figures}, indent=2, default=str))
    print(f"{pdf.line(figures)}\nload average {before[0]:g} before, {after[0]:g} after; figures in {path}")


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.profile:
        return profile(args)
    if args.compare:
        print(compare(*(json.loads(path.read_text()) for path in args.compare)))
        return None
    if args.overlap:
        from bench import overlap

        return overlap.main([])
    if args.pdf_only:
        return pdf_only(args)
    if not load.wrk_available():
        sys.exit("wrk is not installed: `apt-get install wrk` (make bench does it).")
    started = clock.now()
    counter = time.perf_counter()
    if args.template:
        dataset = kept_dataset(args.postgres, args.template, args.scale)
        url = copy_database(args.postgres, args.template, args.database)
    else:
        url = recreate_database(args.postgres, args.database)
    result: dict[str, Any] = {
        "started": started.isoformat(timespec="seconds"),
        "machine": machine(),
        "postgres": postgres_version(args.postgres),
        "settings": {
            "scale": args.scale,
            "seconds": args.seconds,
            "connections": args.connections,
            "workers": WORKERS,
            "wrk_threads": 1,
            "goal_p95_ms": p95_goal(args.scale),
            "goal_floor_share": FLOOR_SHARE_GOAL,
            "goal_answers_p95_ms": ANSWERS_P95_GOAL_MS,
        },
    }
    with tempfile.TemporaryDirectory(prefix="fundmgr-bench-") as tmp:
        work = Path(tmp)
        try:
            if args.template:
                print(f"Copying the fund generated at scale {args.scale:g} from {args.template}...", flush=True)
                result["dataset"] = dataset
            else:
                print(f"Generating the fund at scale {args.scale:g} into {args.database}...", flush=True)
                result["dataset"] = build_dataset(url, args.scale)
            print(
                f"  {result['dataset']['total_rows']:,} rows, generated in {result['dataset']['generate_seconds']} s",
                flush=True,
            )
            print("Counting SQL statements per page...", flush=True)
            result["queries_1x"] = count_pass(url, work, work / "gunicorn.log")
            print(f"Measuring pages ({args.seconds:g} s each) and members taking part at once...", flush=True)
            pages, answers = load_pass(url, work, work / "gunicorn.log", args)
            result["pages"] = [asdict(p) for p in pages]
            verdicts(result["pages"], args.scale)
            result["answers"] = answers.as_dict()
            print("Solving a portfolio proposal of 5,000 candidates...", flush=True)
            result["portfolio"] = portfolio.measure()
            if not args.skip_pdf:
                print("Timing the annual results PDF for 200 programmes...", flush=True)
                pdf_url = recreate_database(args.postgres, args.database + "_pdf")
                try:
                    result["pdf"] = pdf.measure(pdf_url, PDF_PROGRAMMES, clock.today().year - 1, args.pdf_repeat)
                finally:
                    drop_database(args.postgres, args.database + "_pdf")
            if args.queries_10x:
                print("Generating the fund at scale 10 and counting SQL statements per page...", flush=True)
                url = recreate_database(args.postgres, args.database)
                result["dataset_10x"] = build_dataset(url, 10)
                result["queries_10x"] = count_pass(url, work, work / "gunicorn.log")
        except BaseException:
            log = work / "gunicorn.log"
            if log.exists():
                sys.stderr.write(log.read_text()[-5000:])
            raise
        finally:
            if not args.keep:
                drop_database(args.postgres, args.database)
    result["total_seconds"] = round(time.perf_counter() - counter, 1)
    result["machine"]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    result["busy"] = busy_reasons(result)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"bench-{started.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, indent=2, default=str))
    print()
    print(table(result))
    print(f"\n{result['total_seconds']} s in all; figures in {path}")
    return None


if __name__ == "__main__":
    main()
