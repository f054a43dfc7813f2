"""The production server the benchmark measures: gunicorn, two sync workers, the production configuration."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import BinaryIO

from bench.client import Client

WORKERS = 2
WORKER_CLASS = "sync"
START_SECONDS = 180  # how long gunicorn may take to answer its first request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(database_url: str, storage: Path, *, count_queries: bool) -> dict[str, str]:
    """The production configuration, with what a plain-HTTP run on 127.0.0.1 needs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FUNDMGR_") and k != "DATABASE_URL"}
    env |= {
        "DATABASE_URL": database_url,
        "FUNDMGR_ENV_NAME": "production",
        "FUNDMGR_SECRET_KEY": secrets.token_hex(32),
        # the benchmark talks plain HTTP to 127.0.0.1: Secure cookies would never come back
        "FUNDMGR_SESSION_COOKIE_SECURE": "false",
        "FUNDMGR_REMEMBER_COOKIE_SECURE": "false",
        # 50 members sign in from one address within a minute
        "FUNDMGR_LOGIN_RATE_LIMIT": "100000 per minute",
        # wrk reads the API with one token at hundreds of requests a second: the limit is measured, not enforced
        "FUNDMGR_API_RATE_LIMIT": "10000000 per minute",
        "FUNDMGR_STORAGE_DIR": str(storage),
    }
    if count_queries:
        env["FUNDMGR_COUNT_QUERIES"] = "1"
    return env


class Server:
    """gunicorn serving fundmgr on a free port of 127.0.0.1 until stopped."""

    def __init__(
        self,
        database_url: str,
        storage: Path,
        *,
        count_queries: bool = False,
        log: Path | None = None,
        env: dict[str, str] | None = None,
        workers: int = WORKERS,
        worker_class: str = WORKER_CLASS,
        threads: int = 1,
        timing: Path | None = None,
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = server_environment(database_url, storage, count_queries=count_queries) | (env or {})
        self.env["FUNDMGR_BASE_URL"] = self.url  # production refuses to start without it; requests name this host
        self.log = log
        # other configurations to compare (`python -m bench.positions --served --workers 3`); the benchmark serves
        # the defaults, the production configuration docs/deployment.md recommends
        self.workers, self.worker_class, self.threads = workers, worker_class, threads
        self.timing = timing  # where bench.served_timing notes each request's wall, CPU and database time
        if timing:
            self.env["FUNDMGR_BENCH_TIMING"] = str(timing)
        self.process: subprocess.Popen | None = None
        self.output: BinaryIO | None = None

    def __enter__(self) -> Server:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(self.workers),
            "--worker-class",
            self.worker_class,
            "--threads",
            str(self.threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "600",
            "--log-level",
            "warning",
            *(["--config", "python:bench.served_timing"] if self.timing else []),
            "bench.wsgi:app",
        ]
        self.output = self.log.open("ab") if self.log else None
        output = self.output or subprocess.DEVNULL
        self.process = subprocess.Popen(command, env=self.env, stdout=output, stderr=output)  # noqa: S603
        # gunicorn imports the app in each worker: on a loaded 2-core machine that alone has taken most of a minute
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.process.returncode} (see {self.log})")
            try:
                if Client(self.url).get("/health", timeout=5).status == 200:
                    return self
            except OSError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn did not answer within {START_SECONDS} seconds (see {self.log})")

    def __exit__(self, *_exc) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.output:
            self.output.close()
