"""Load on the running server: wrk for the pages, threads for the members taking part at once (positions or votes,
as the fund decides), X-Query-Count."""

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
    load_before: float = 0.0  # the machine's 1-minute load average before and after the measured run
    load_after: float = 0.0


def wrk_available() -> bool:
    return shutil.which("wrk") is not None


def run_wrk(url: str, headers: dict[str, str], *, seconds: float, connections: int, threads: int = 1) -> dict:
    """One wrk run (bounded by its duration and a 60 s timeout per request), sending these headers besides its own;
    its figures as a dict."""
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
            *(option for name, value in headers.items() for option in ("-H", f"{name}: {value}")),
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
    headers = client.credentials | dict(page.headers)
    run_wrk(base_url + page.path, headers, seconds=1, connections=connections)
    figures = run_wrk(base_url + page.path, headers, seconds=seconds, connections=connections)
    if figures["requests"] < MIN_REQUESTS:
        figures = bounded_run(client, page.path, MIN_REQUESTS, connections, dict(page.headers))
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


def bounded_run(client: Client, path: str, total: int, connections: int, headers: dict[str, str]) -> dict:
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
            answer = client.get(path, headers=headers)
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
            answer = clients[page.user].get(page.path, headers=dict(page.headers))
            if answer.status != 200:
                raise RuntimeError(f"{page.path} answered HTTP {answer.status}")
            seen.append(int(answer.headers["x-query-count"]))
        counts[page.key] = min(seen)
    return counts


# --- Members taking part at once ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answering:
    """How members take part on a live item, as their fund decides: under consensus they state positions (the
    position route; a reservation states its text, an objection its reason), under majority they vote. Each member
    answers once, then changes their answer; `first` and `change` give the n-th member's form for each."""

    rule: str
    route: str  # the item's POST route
    table: str  # where the answers are stored, one row per member and item
    column: str  # the stored answer
    noun: str  # "positions" or "votes", for the output

    def first(self, n: int) -> dict[str, str]:
        if self.rule == "consensus":
            if n % 5 == 4:
                return {"stance": "reservation", "text": "Add sex- and age-disaggregated baselines within 6 months."}
            return {"stance": "support"}
        return {"choice": "approve"}

    def change(self, n: int) -> dict[str, str]:
        if self.rule == "consensus":
            if n % 10 == 6:
                return {"stance": "object", "text": "No return without consent.", "minute_by_name": "y"}
            if n % 5 == 4:
                return {"stance": "support"}
            return {"stance": "reservation", "text": "Agree data-sharing arrangements before the second tranche."}
        return {"choice": "reject" if n % 5 == 4 else "approve_with_conditions"}

    def stored_value(self, form: dict[str, str]) -> str:
        return form["stance"] if self.rule == "consensus" else form["choice"]


def answering(decision_rule: str) -> Answering:
    """The one place the benchmark follows the fund's decision rule."""
    if decision_rule == "consensus":
        return Answering("consensus", "position", "positions", "stance", "positions")
    return Answering(decision_rule, "vote", "votes", "choice", "votes")


@dataclass
class AnswerRound:
    item_id: int
    members: int
    recorded: int  # first answers answered 201
    changed: int  # changed answers answered 201
    p50_ms: float
    p95_ms: float
    max_ms: float
    seconds: float  # from the first answer sent to the last first answer answered


@dataclass
class AnswerResult:
    """Members answering at once on live items: positions under consensus, votes under majority."""

    rule: str
    noun: str
    rounds: list[AnswerRound]
    answers: int  # first answers sent
    recorded: int
    changed: int
    stored: int  # rows in the database for the rounds' items
    duplicates_stored: int  # a member stored twice on one item
    lost: int  # a member's last answer not what is stored (missing, or an earlier one)
    p50_ms: float  # of every answer, first and changed
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


Answer = tuple[int, float, float, float]  # status, seconds, sent, answered


def answer_at_once(members: list[Client], action: str, how: Answering) -> tuple[list[Answer], list[Answer]]:
    """Every member answers at the same instant; once all have, each changes their answer at the same instant.
    Returns (status, seconds, sent, answered) of the first answers and of the changes."""
    start, answered = threading.Barrier(len(members)), threading.Barrier(len(members))
    firsts: list[Answer] = [(0, 0.0, 0.0, 0.0)] * len(members)
    changes: list[Answer] = [(0, 0.0, 0.0, 0.0)] * len(members)

    def post(member: Client, form: dict[str, str]) -> Answer:
        started = time.perf_counter()
        answer = member.post(f"{action}/{how.route}", {"csrf_token": member.token or ""} | form,
                             accept="application/json")  # fmt: skip
        return answer.status, answer.seconds, started, time.perf_counter()

    def take_part(n: int, member: Client) -> None:
        start.wait()
        firsts[n] = post(member, how.first(n))
        answered.wait()  # everyone has answered: now each changes their mind
        changes[n] = post(member, how.change(n))

    threads = [threading.Thread(target=take_part, args=(n, m)) for n, m in enumerate(members)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return firsts, changes


def stored_check(rows: list[tuple[int, str, str]], last: dict[tuple[int, str], str]) -> tuple[int, int, int]:
    """(stored, stored twice, lost) of the rows read back (item, member's email, answer) against each member's last
    answer on each item: a member twice on an item, or whose last answer is not the one stored."""
    seen: dict[tuple[int, str], list[str]] = {}
    for item_id, email, value in rows:
        seen.setdefault((item_id, email), []).append(value)
    twice = sum(1 for values in seen.values() if len(values) > 1)
    lost = sum(1 for key, value in last.items() if seen.get(key) != [value])
    return len(rows), twice, lost


def answer_rounds(
    chair: Client,
    members: list[tuple[str, Client]],
    meeting_id: int,
    item_ids: list[int],
    how: Answering,
    stored: Callable[[list[int]], list[tuple[int, str, str]]],
) -> AnswerResult:
    """For each item: the chair opens it, every member answers at the same instant (states a position, or votes),
    each then changes their answer, the chair closes it. `stored` reads the rows back: (item, email, answer)."""
    board = f"/steering/meetings/{meeting_id}/board"
    chair_token = chair.form_token(board)
    clients = [client for _email, client in members]
    rounds, latencies, last = [], [], {}
    for item_id in item_ids:
        action = f"/steering/meetings/{meeting_id}/items/{item_id}"
        opened = chair.post(f"{action}/open", {"csrf_token": chair_token})
        if opened.status != 302:
            raise RuntimeError(f"opening item {item_id} answered HTTP {opened.status}")
        firsts, changes = answer_at_once(clients, action, how)
        closed = chair.post(f"{action}/close", {"csrf_token": chair_token, "confirmed": "yes"})  # a final action
        if closed.status != 302:
            raise RuntimeError(f"closing item {item_id} answered HTTP {closed.status}")
        for n, (email, _client) in enumerate(members):
            last[(item_id, email)] = how.stored_value(how.change(n) if changes[n][0] == 201 else how.first(n))
        round_latencies = [a[1] * 1000 for a in firsts + changes]
        latencies += round_latencies
        rounds.append(
            AnswerRound(
                item_id=item_id,
                members=len(members),
                recorded=sum(1 for a in firsts if a[0] == 201),
                changed=sum(1 for a in changes if a[0] == 201),
                p50_ms=round(statistics.median(round_latencies), 1),
                p95_ms=round(percentile(round_latencies, 0.95), 1),
                max_ms=round(max(round_latencies), 1),
                seconds=round(max(a[3] for a in firsts) - min(a[2] for a in firsts), 2),
            )
        )
    count, twice, lost = stored_check(stored(item_ids), last)
    return AnswerResult(
        rule=how.rule,
        noun=how.noun,
        rounds=rounds,
        answers=sum(r.members for r in rounds),
        recorded=sum(r.recorded for r in rounds),
        changed=sum(r.changed for r in rounds),
        stored=count,
        duplicates_stored=twice,
        lost=lost,
        p50_ms=round(statistics.median(latencies), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
        max_ms=round(max(latencies), 1),
    )
