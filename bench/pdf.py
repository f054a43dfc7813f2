"""The fund's annual results report for 200 programmes, next to the floor: WeasyPrint on a plain document
of the same page count. Each render runs in a fresh process, so its peak memory is its own.

    python -m bench.pdf report --database-url URL --year 2025
    python -m bench.pdf floor --pages 251
"""

from __future__ import annotations

import argparse
import io
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PARAGRAPH = (
    "The programme supports the national authorities and local partners in governing migration. "
    "Activities ran as planned; partners met quarterly and the figures below were verified by the lead agency. "
)


def rss_mb() -> float:
    """The process's resident memory now (Linux)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() / 2**20


def cpu_seconds() -> float:
    """The process's CPU time so far: on a shared machine, what a render costs whatever else runs."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def peak_rss_mb() -> float:
    """The process's own peak resident memory (Linux): the high-water mark of its address space, VmHWM.

    Not getrusage's ru_maxrss: Linux carries it across execve, so a fresh child started by the benchmark (which
    has just funded 200 programmes) reports the parent's peak whenever its own is lower: both renders then showed
    the same figure (737/737 MB). VmHWM belongs to the address space the child's exec made."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024  # kB
    raise RuntimeError("no VmHWM in /proc/self/status")


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def plain_html(pages: int) -> str:
    """A plain document of the given number of A4 pages: a heading and text on each."""
    body = "".join(
        f'<section style="page-break-after: always"><h1>Section {n}</h1>{"<p>" + PARAGRAPH * 6 + "</p>"}</section>'
        for n in range(1, pages + 1)
    )
    return (
        f"<!doctype html><html><head><style>@page {{ size: A4; margin: 2cm }}</style></head><body>{body}</body></html>"
    )


def floor(pages: int) -> dict:
    import weasyprint

    weasyprint.HTML(string=plain_html(1)).write_pdf()  # fonts loaded, as in a warm server
    before = rss_mb()
    started, cpu = time.perf_counter(), cpu_seconds()
    pdf = weasyprint.HTML(string=plain_html(pages)).write_pdf()
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu_seconds() - cpu, 2),
        "pages": page_count(pdf),
        "bytes": len(pdf),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def report(database_url: str, year: int, lang: str) -> dict:
    import sqlalchemy as sa
    import weasyprint

    from bench.annual_report import timed_report
    from fundmgr import create_app
    from fundmgr.db import db
    from fundmgr.funds.models import Fund

    app = create_app({"ENV_NAME": "testing", "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url})
    with app.app_context(), app.test_request_context():
        fund = db.session.scalar(sa.select(Fund).order_by(Fund.id))
        weasyprint.HTML(string=plain_html(1)).write_pdf()
        before = rss_mb()
        data_seconds, seconds, cpu, pdf = timed_report(fund, year, lang)
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "data_seconds": round(data_seconds, 2),
        "pages": page_count(pdf),
        "bytes": len(pdf),
        "rss_before_mb": round(before),
        "peak_rss_mb": round(peak_rss_mb()),
    }


def in_child(*args: str) -> dict:
    """Run one measurement in a fresh interpreter and read its JSON line."""
    done = subprocess.run(  # noqa: S603 - our own module, in our own interpreter
        [sys.executable, "-m", "bench.pdf", *args],
        cwd=Path(__file__).resolve().parent.parent,  # the folder that holds bench/, whatever the caller's cwd
        capture_output=True,
        text=True,
        check=True,
        timeout=1800,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def build_programmes(database_url: str, programmes: int, year: int) -> float:
    """Fund `programmes` programmes through the real operations in an empty database (bench.annual_report)."""
    from bench import annual_report
    from fundmgr.db import db
    from fundmgr.funds.models import Fund

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="fundmgr-bench-pdf-") as tmp:
        app = annual_report.build_app(database_url, Path(tmp))
        with app.app_context(), app.test_request_context():
            generator = annual_report.Generator(db.session.scalar(db.select(Fund)))
            while generator.count < programmes:
                generator.add(year)
            db.session.commit()
        with app.app_context():
            db.engine.dispose()
    return time.perf_counter() - started


def fastest(runs: list[dict]) -> dict:
    """The run that took the least time, with every run's seconds: on a shared machine the fastest is the one least
    slowed by other work."""
    return min(runs, key=lambda run: run["seconds"]) | {"all_seconds": [run["seconds"] for run in runs]}


def measure(database_url: str, programmes: int, year: int, repeat: int = 1) -> dict:
    """Build the programmes, then render the report and the floor with the report's page count, one after the other
    `repeat` times (each in a fresh process); the fastest of each is compared, and the peaks of memory."""
    built = build_programmes(database_url, programmes, year)
    reports, floors = [], []
    for _ in range(repeat):
        reports.append(in_child("report", "--database-url", database_url, "--year", str(year)))
        floors.append(in_child("floor", "--pages", str(reports[-1]["pages"])))
    annual, plain = fastest(reports), fastest(floors)
    return {
        "programmes": programmes,
        "year": year,
        "generated_seconds": round(built, 1),
        "report": annual,
        "floor": plain,
        "ratio": round(annual["seconds"] / plain["seconds"], 1) if plain["seconds"] else None,
        "cpu_ratio": round(annual["cpu_seconds"] / plain["cpu_seconds"], 1) if plain["cpu_seconds"] else None,
        "memory_ratio": round(annual["peak_rss_mb"] / plain["peak_rss_mb"], 1) if plain["peak_rss_mb"] else None,
        # the render's own growth over what its process held before (the report's process holds the whole app)
        "memory_growth_ratio": growth_ratio(annual, plain),
    }


def growth_ratio(annual: dict, plain: dict) -> float | None:
    """The report's peak over its process's memory before the render, as a multiple of the floor's."""
    grown = plain["peak_rss_mb"] - plain["rss_before_mb"]
    return round((annual["peak_rss_mb"] - annual["rss_before_mb"]) / grown, 1) if grown > 0 else None


def line(p: dict) -> str:
    """The PDF's figures in one sentence, as the benchmark prints them."""
    r, f = p["report"], p["floor"]
    runs = f" (fastest of {len(r['all_seconds'])})" if len(r.get("all_seconds", [])) > 1 else ""
    return (
        f"Annual results PDF, {p['programmes']} programmes: {r['pages']} pages in {r['seconds']} s{runs} "
        f"(data {r['data_seconds']} s), peak memory {r['peak_rss_mb']} MB (from {r['rss_before_mb']} MB); "
        f"floor, WeasyPrint on a plain document of {f['pages']} pages: {f['seconds']} s, peak {f['peak_rss_mb']} MB "
        f"(from {f['rss_before_mb']} MB); {p['ratio']}x the floor's time ({p.get('cpu_ratio')}x its CPU time), "
        f"{p.get('memory_ratio')}x its peak memory ({p.get('memory_growth_ratio')}x its growth during the render)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="what", required=True)
    one = sub.add_parser("report")
    one.add_argument("--database-url", required=True)
    one.add_argument("--year", type=int, required=True)
    one.add_argument("--lang", default="en")
    other = sub.add_parser("floor")
    other.add_argument("--pages", type=int, required=True)
    args = parser.parse_args()
    result = report(args.database_url, args.year, args.lang) if args.what == "report" else floor(args.pages)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
