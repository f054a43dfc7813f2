"""Load on the running server: wrk for the pages, threads for the members voting at once, X-Query-Count."""

from __future__ import annotations

import json
import math
import shutil
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from bench.client import USER_AGENT, Client
from bench.pages import Page

# wrk's done() hook prints its own figures as JSON (p95 is not in its standard output).
WRK_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) bad = 0 end
function response(status, headers, body) if status ~= 200 then bad = bad + 1 end end
function done(summary, latency, requests)
  local non200 = 0
  for _, thread in ipairs(threads) do non200 = non200 + thread:get("bad") end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "non200": %d, ' ..
    '"errors": {"connect": %d, "read": %d, "write": %d, "status": %d, "timeout": %d}, ' ..
    '"p50_us": %d, "p90_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d, "mean_us": %.1f}\\n',
    summary.requests, summary.duration, summary.bytes, non200, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(95), latency:percentile(99),
    latency.max, latency.mean))
end
"""


@dataclass
class PageResult:
    key: str
    title: str
    path: str
    requests: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float
    errors: int
    non200: int
    bytes_per_response: int


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, cookie: str, *, seconds: float, connections: int, threads: int = 1) -> dict:
    """One wrk run (bounded by its duration and a 60 s timeout per request); its figures as a dict."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        command = [
            "wrk",
            f"-t{threads}",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "60s",
            "-H",
            f"Cookie: {cookie}",
            "-H",
            f"User-Agent: {USER_AGENT}",
            "-H",
            "Accept: text/html,application/json",
            "-s",
            script.name,
            url,
        ]
        output = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 120, check=True).stdout  # noqa: S603
    finally:
        Path(script.name).unlink(missing_ok=True)
    line = next((ln for ln in output.splitlines() if ln.startswith("WRK_JSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures:\n{output}")
    return json.loads(line.removeprefix("WRK_JSON "))


MIN_REQUESTS = 10


def measure_page(base_url: str, page: Page, client: Client, *, seconds: float, connections: int) -> PageResult:
    """A short warm-up, then the measured run; a page too slow for wrk to finish 10 requests in the time
    is measured with exactly 10 requests instead (as many at once as wrk's connections)."""
    cookie = client.cookie_header
    run_wrk(base_url + page.path, cookie, seconds=1, connections=connections)
    figures = run_wrk(base_url + page.path, cookie, seconds=seconds, connections=connections)
    if figures["requests"] < MIN_REQUESTS:
        figures = bounded_run(client, page.path, MIN_REQUESTS, connections)
    duration = figures["duration_us"] / 1e6
    errors = sum(figures["errors"].values())
    return PageResult(
        key=page.key,
        title=page.title,
        path=page.path,
        requests=figures["requests"],
        seconds=round(duration, 2),
        rps=round(figures["requests"] / duration, 1) if duration else 0.0,
        p50_ms=figures["p50_us"] / 1000,
        p95_ms=figures["p95_us"] / 1000,
        p99_ms=figures["p99_us"] / 1000,
        max_ms=figures["max_us"] / 1000,
        errors=errors,
        non200=figures["non200"],
        bytes_per_response=figures["bytes"] // max(1, figures["requests"]),
    )


def bounded_run(client: Client, path: str, total: int, connections: int) -> dict:
    """Exactly `total` requests, `connections` at a time; figures in wrk's shape."""
    latencies: list[float] = []
    statuses: list[int] = []
    lock = threading.Lock()
    remaining = iter(range(total))

    def worker() -> None:
        while True:
            with lock:
                if next(remaining, None) is None:
                    return
            answer = client.get(path)
            with lock:
                latencies.append(answer.seconds * 1e6)
                statuses.append(answer.status)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.perf_counter() - started
    return {
        "requests": total,
        "duration_us": int(duration * 1e6),
        "bytes": 0,
        "non200": sum(1 for status in statuses if status != 200),
        "errors": {"connect": 0, "read": 0, "write": 0, "status": 0, "timeout": 0},
        "p50_us": percentile(latencies, 0.5),
        "p90_us": percentile(latencies, 0.9),
        "p95_us": percentile(latencies, 0.95),
        "p99_us": percentile(latencies, 0.99),
        "max_us": max(latencies),
        "mean_us": statistics.mean(latencies),
    }


def query_counts(clients: dict[str, Client], pages: list[Page], requests: int = 4) -> dict[str, int]:
    """SQL statements per request of each page (X-Query-Count) once every worker's caches are warm: the
    fewest of a few requests (a worker's first request also loads the reference data it then keeps)."""
    counts = {}
    for page in pages:
        seen = []
        for _ in range(requests):
            answer = clients[page.user].get(page.path)
            if answer.status != 200:
                raise RuntimeError(f"{page.path} answered HTTP {answer.status}")
            seen.append(int(answer.headers["x-query-count"]))
        counts[page.key] = min(seen)
    return counts


# --- Members voting at once ------------------------------------------------------------------------------------


@dataclass
class VoteRound:
    item_id: int
    voters: int
    recorded: int  # 201 answers
    refused_second: int  # second votes refused (each member tries again once all have voted)
    p50_ms: float
    p95_ms: float
    max_ms: float
    seconds: float  # from the first vote sent to the last first vote answered


@dataclass
class VoteResult:
    rounds: list[VoteRound]
    votes: int
    recorded: int
    stored: int  # votes in the database for the rounds' items
    duplicates_stored: int
    p50_ms: float
    p95_ms: float
    p99_ms: float
    max_ms: float

    def as_dict(self) -> dict:
        return asdict(self)


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share 0.95: the value 95 % of the values do not exceed)."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def vote_at_once(members: list[Client], action: str) -> tuple[list[tuple[int, float, float, float]], list[int]]:
    """Every member votes at the same instant; once all have, each tries again. Returns (status, seconds,
    sent, answered) of the first votes and the status of the second ones."""
    start, voted = threading.Barrier(len(members)), threading.Barrier(len(members))
    answers: list[tuple[int, float, float, float]] = [(0, 0.0, 0.0, 0.0)] * len(members)
    seconds: list[int] = [0] * len(members)

    def vote(n: int, member: Client) -> None:
        form = {"csrf_token": member.token or "", "choice": "approve"}
        start.wait()
        started = time.perf_counter()
        first = member.post(f"{action}/vote", form, accept="application/json")
        answers[n] = (first.status, first.seconds, started, time.perf_counter())
        voted.wait()  # everyone has voted: now each tries again (a double click, a second device)
        seconds[n] = member.post(f"{action}/vote", form, accept="application/json").status

    threads = [threading.Thread(target=vote, args=(n, m)) for n, m in enumerate(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers, seconds


def vote_rounds(
    chair: Client,
    members: list[Client],
    meeting_id: int,
    item_ids: list[int],
    stored_votes: Callable[[list[int]], tuple[int, int]],
) -> VoteResult:
    """For each item: the chair opens it, every member votes at the same instant, each then tries a second
    vote (refused), the chair closes it. `stored_votes` reads the database: (votes, duplicates)."""
    board = f"/steering/meetings/{meeting_id}/board"
    chair_token = chair.form_token(board)
    rounds, latencies = [], []
    for item_id in item_ids:
        action = f"/steering/meetings/{meeting_id}/items/{item_id}"
        opened = chair.post(f"{action}/open", {"csrf_token": chair_token})
        if opened.status != 302:
            raise RuntimeError(f"opening item {item_id} answered HTTP {opened.status}")
        answers, seconds = vote_at_once(members, action)
        closed = chair.post(f"{action}/close", {"csrf_token": chair_token})
        if closed.status != 302:
            raise RuntimeError(f"closing item {item_id} answered HTTP {closed.status}")
        round_latencies = [a[1] * 1000 for a in answers]
        latencies += round_latencies
        first_sent = min(a[2] for a in answers)
        last_done = max(a[3] for a in answers)
        rounds.append(
            VoteRound(
                item_id=item_id,
                voters=len(members),
                recorded=sum(1 for a in answers if a[0] == 201),
                refused_second=sum(1 for status in seconds if status == 409),
                p50_ms=round(statistics.median(round_latencies), 1),
                p95_ms=round(percentile(round_latencies, 0.95), 1),
                max_ms=round(max(round_latencies), 1),
                seconds=round(last_done - first_sent, 2),
            )
        )
    stored, duplicates = stored_votes(item_ids)
    return VoteResult(
        rounds=rounds,
        votes=len(latencies),
        recorded=sum(r.recorded for r in rounds),
        stored=stored,
        duplicates_stored=duplicates,
        p50_ms=round(statistics.median(latencies), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        max_ms=round(max(latencies), 1),
    )
