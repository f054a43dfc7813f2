"""Configuration: defaults here, overridden by FUNDMGR_* environment variables and DATABASE_URL."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask

from fundmgr.i18n import LANGUAGES

DEFAULTS: dict[str, Any] = {
    # Whenever a key is added here, document it in README.md (Configuration).
    "ENV_NAME": "production",  # production | development | testing
    "SECRET_KEY": None,  # required outside development and testing
    "SQLALCHEMY_DATABASE_URI": None,  # from DATABASE_URL; defaults to SQLite in the instance folder
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "LANGUAGES": list(LANGUAGES),
    "BABEL_DEFAULT_LOCALE": LANGUAGES[0],
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "BOOTSTRAP_SERVE_LOCAL": True,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SESSION_COOKIE_NAME": "fundmgr_session",
    "REMEMBER_COOKIE_SECURE": True,
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "PERMANENT_SESSION_LIFETIME": timedelta(hours=8),
    # The session cookie is signed and sent again only when it changes, or when the server session notes it was
    # seen (at most every TOUCH_EVERY, fundmgr.accounts.sessions): the cookie's expiry follows the server session's
    # instead of costing a signature and a Set-Cookie on every answer.
    "SESSION_REFRESH_EACH_REQUEST": False,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,
    # Where rate limits count: the database every worker shares (fundmgr.ratelimits), or Redis when
    # RATELIMIT_STORAGE_URL (FUNDMGR_RATELIMIT_STORAGE_URL) names it; never one worker's memory in production.
    "RATELIMIT_STORAGE_URI": "fundmgr://",
    "RATELIMIT_STORAGE_URL": None,
    "RATELIMIT_HEADERS_ENABLED": True,
    "LOGIN_RATE_LIMIT": "10 per minute",  # per client address, and per account (the e-mail typed)
    # Heavy documents (PDFs, spreadsheets; fundmgr.heavy): per person over all of them, and how many at once (in
    # all workers together on PostgreSQL, per worker elsewhere); more at once are answered 503 "being prepared".
    "HEAVY_RATE_LIMIT": "30 per minute",
    "HEAVY_CONCURRENCY": 1,
    # The JSON API (fundmgr.api): every request counted per token (per address without one).
    "API_RATE_LIMIT": "300 per minute",
    # flask-smorest: the OpenAPI document built from the code, at /api/v1/openapi.json
    "API_TITLE": "fundmgr",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.1.0",
    "OPENAPI_URL_PREFIX": "/api/v1",
    "OPENAPI_JSON_PATH": "openapi.json",
    # How many reverse proxies stand before the app: X-Forwarded-For/-Proto are believed from that many, no more.
    "PROXY_COUNT": 0,
    "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,  # whole request; attachments have their own limit
    "ATTACHMENT_MAX_BYTES": 20 * 1024 * 1024,
    "STORAGE_DIR": None,  # uploaded files; defaults to <instance>/storage, outside the web root
    # Uploaded files in an S3-compatible bucket instead (s3://bucket/prefix): what several app servers share.
    # Credentials from the standard AWS_* variables; S3_ENDPOINT_URL for a store other than AWS (MinIO, Ceph).
    "STORAGE_URL": None,
    "S3_ENDPOINT_URL": None,
    "DEMO_PASSWORD": None,  # set by `make run` so seed-demo can print working accounts
    "PAGE_SIZE": 25,
    # Where people reach fundmgr: the links of e-mails (also those sent by CLI commands) start with it.
    # Defaults to http://127.0.0.1:5000 in development and testing; production refuses to start without it.
    "BASE_URL": None,
    # Host names requests may name besides BASE_URL's (FUNDMGR_TRUSTED_HOSTS: a comma-separated list); any other
    # Host is refused (400). Set from BASE_URL when it is configured; development and testing without one accept any.
    "TRUSTED_HOSTS": None,
    "MAIL_SERVER": None,  # SMTP host; without one, e-mails are written to instance/outbox/ (never sent)
    "MAIL_PORT": 587,
    "MAIL_USE_TLS": True,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_DEFAULT_SENDER": "fundmgr@localhost",
    "PASSWORD_RESET_MAX_AGE": 3600,  # seconds a reset link stays valid
    # Background jobs (fundmgr.jobs): FUNDMGR_QUEUE_URL names a Redis (redis://host:6379/0) and `flask --app fundmgr
    # worker` runs them; without one they run in a thread of the web server ("thread"), or before the request
    # answers ("request", the tests).
    "QUEUE_URL": None,
    "QUEUE_NAME": "fundmgr",  # the RQ queue's name: installations sharing one Redis keep theirs apart
    "JOBS_INLINE": "thread",
    # With a queue, an e-mail that cannot be sent is tried again after each of these waits (seconds), then failed.
    "MAIL_RETRY_INTERVALS": [60, 300, 1800],
    # Days the documents people ask for (and their files) are kept before `flask prune-documents` deletes them.
    "DOCUMENT_RETENTION_DAYS": 30,
    "COUNT_QUERIES": False,  # add X-Query-Count (SQL statements per request) to responses; benchmark only
}

SQLITE_FILE = "fundmgr.sqlite3"


def load_config(app: Flask, overrides: dict[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment and test overrides, then check it."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("FUNDMGR")
    if os.environ.get("DATABASE_URL"):
        app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if overrides:
        app.config.from_mapping(overrides)
    uri = app.config["SQLALCHEMY_DATABASE_URI"] or f"sqlite:///{Path(app.instance_path) / SQLITE_FILE}"
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(uri)
    if not app.config["STORAGE_DIR"]:
        app.config["STORAGE_DIR"] = str(Path(app.instance_path) / "storage")
    if app.config["RATELIMIT_STORAGE_URL"]:
        app.config["RATELIMIT_STORAGE_URI"] = app.config["RATELIMIT_STORAGE_URL"]
    app.config["TRUSTED_HOSTS"] = trusted_hosts(app.config["BASE_URL"], app.config["TRUSTED_HOSTS"])
    if app.config["ENV_NAME"] in ("development", "testing"):
        # Local HTTP servers cannot carry Secure cookies; production keeps them.
        app.config["SESSION_COOKIE_SECURE"] = app.config["REMEMBER_COOKIE_SECURE"] = False
        app.config["BASE_URL"] = app.config["BASE_URL"] or "http://127.0.0.1:5000"
    check_config(app)


def trusted_hosts(base_url: str | None, extra: str | list[str] | None) -> list[str] | None:
    """The host names requests may name: BASE_URL's and the extra ones (a list or comma-separated text).

    None (any host) only when neither is configured: a development or test run on whatever address it has.
    """
    names = [n.strip().lower() for n in (extra.split(",") if isinstance(extra, str) else extra or [])]
    if base_url:
        names.insert(0, (urlsplit(base_url).hostname or "").lower())
    names = [n for n in dict.fromkeys(names) if n]
    return names or None


def normalize_database_url(uri: str) -> str:
    """Use the psycopg 3 driver for plain postgres URLs, as Heroku-style DATABASE_URLs omit it."""
    for prefix in ("postgres://", "postgresql://"):
        if uri.startswith(prefix):
            return "postgresql+psycopg://" + uri[len(prefix) :]
    return uri


def check_config(app: Flask) -> None:
    """Refuse to start with settings that would be unsafe in production."""
    unknown = sorted(set(app.config["LANGUAGES"]) - set(LANGUAGES))
    if unknown and app.config["ENV_NAME"] != "testing":  # the tests' pseudo-locale, never a real fund's
        raise RuntimeError(f"LANGUAGES lists {unknown}; fundmgr speaks {', '.join(LANGUAGES)}.")
    if not app.config["SECRET_KEY"]:
        if app.config["ENV_NAME"] not in ("development", "testing"):
            raise RuntimeError(
                "FUNDMGR_SECRET_KEY is not set. Set it to a long random value "
                "(e.g. `python -c 'import secrets; print(secrets.token_hex(32))'`), "
                "or set FUNDMGR_ENV_NAME=development for a local run."
            )
        # Development only: a random key per process, so sessions end at restart.
        app.config["SECRET_KEY"] = os.urandom(32).hex()
    storage_url = app.config["STORAGE_URL"]
    if storage_url and (urlsplit(storage_url).scheme != "s3" or not urlsplit(storage_url).netloc):
        raise RuntimeError(
            f"FUNDMGR_STORAGE_URL is {storage_url!r}: name an S3 bucket (s3://bucket or s3://bucket/prefix), "
            "or leave it unset to keep files in FUNDMGR_STORAGE_DIR."
        )
    if app.config["ENV_NAME"] not in ("development", "testing"):
        base_url = app.config["BASE_URL"]
        if not base_url or urlsplit(base_url).scheme not in ("http", "https") or not urlsplit(base_url).hostname:
            raise RuntimeError(
                "FUNDMGR_BASE_URL is not set to an http(s) address. Set it to the address people reach fundmgr at "
                "(e.g. https://mptf.example.org): every link in an e-mail starts with it, and requests naming "
                "another host are refused."
            )
        if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
            raise RuntimeError(
                "FUNDMGR_RATELIMIT_STORAGE_URL is memory://: each worker would count sign-in attempts on its own, "
                "so the limit would be as many times looser as there are workers. Leave it unset (the database) "
                "or name a Redis server."
            )
