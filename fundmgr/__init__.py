"""fundmgr: grant management for UN pooled funds."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response
from flask.typing import ResponseReturnValue
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, SecurityError
from werkzeug.middleware.proxy_fix import ProxyFix

from fundmgr.audit_labels import action_label
from fundmgr.config import load_config
from fundmgr.confirmation import undo_url
from fundmgr.db import db as database  # not `db`: that name is the fundmgr.db module
from fundmgr.extensions import babel, bootstrap, csrf, limiter, login_manager, mail, migrate
from fundmgr.i18n import (
    LANGUAGE_NAMES,
    format_day,
    format_file_size,
    format_moment,
    format_money,
    format_number,
    format_percent,
    init_form_messages,
    init_translations,
    language_name,
    localize,
    request_locale,
    select_locale,
    territory_name,
)

# Alembic's scripts ship inside the package (package data), like the templates and static files.
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def create_app(config_overrides: dict[str, Any] | None = None) -> Flask:
    """Build the application: configuration, extensions, blueprints, error pages, commands."""
    app = Flask(__name__, instance_relative_config=True)  # templates/ and static/ of the package
    load_config(app, config_overrides)
    if app.config["PROXY_COUNT"]:
        # Behind N proxies: the client's address and scheme are what the Nth proxy from here says, no further.
        count = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)  # type: ignore[method-assign]
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    init_extensions(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def init_extensions(app: Flask) -> None:
    from fundmgr import models  # noqa: F401 - every model known to the metadata and Alembic
    from fundmgr.accounts.models import AnonymousUser
    from fundmgr.instrumentation import init_query_counting
    from fundmgr.web import init_web

    database.init_app(app)
    migrate.init_app(app, database, directory=str(MIGRATIONS), render_as_batch=True, compare_type=True)
    babel.init_app(app, locale_selector=select_locale)
    init_translations(app)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.anonymous_user = AnonymousUser
    login_manager.session_protection = "basic"
    csrf.init_app(app)
    init_form_messages()
    bootstrap.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    init_web(app)
    init_query_counting(app)


@sa.event.listens_for(sa.engine.Engine, "connect")
def configure_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """SQLite: enforce foreign keys, let readers run beside a writer, let SQLAlchemy own BEGIN.

    pysqlite's own transaction handling breaks SAVEPOINT; SQLAlchemy documents this fix.
    """
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()


@sa.event.listens_for(sa.engine.Engine, "begin")
def begin_sqlite(connection: sa.Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")


def register_blueprints(app: Flask) -> None:
    from fundmgr import audit_views, pages
    from fundmgr.accounts.blueprint import bp as accounts_bp
    from fundmgr.calls.blueprint import bp as calls_bp
    from fundmgr.finance.blueprint import bp as finance_bp
    from fundmgr.funds.blueprint import bp as funds_bp
    from fundmgr.jobs.blueprint import init_jobs
    from fundmgr.notifications.blueprint import bp as notifications_bp
    from fundmgr.opendata.blueprint import bp as opendata_bp
    from fundmgr.proposals.blueprint import bp as proposals_bp
    from fundmgr.results.blueprint import bp as results_bp
    from fundmgr.steering.blueprint import bp as steering_bp

    for bp in (
        pages.bp,
        audit_views.bp,
        accounts_bp,
        funds_bp,
        proposals_bp,
        calls_bp,
        finance_bp,
        steering_bp,
        results_bp,
    ):
        app.register_blueprint(bp)
    app.register_blueprint(opendata_bp)
    init_jobs(app)
    app.register_blueprint(notifications_bp)
    from fundmgr.deadlines.blueprint import bp as deadlines_bp

    app.register_blueprint(deadlines_bp)
    from fundmgr.api import init_api

    init_api(app)


CSRF_MESSAGE = _l("The form expired or was not sent from this site. Nothing was saved; please try again.")


def register_error_handlers(app: Flask) -> None:
    from fundmgr.web import ERROR_TITLES, concurrent_change, render_error

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> ResponseReturnValue:
        database.session.rollback()
        return render_error(400, str(CSRF_MESSAGE))

    @app.errorhandler(sa.exc.DBAPIError)
    def database_error(exc: sa.exc.DBAPIError) -> ResponseReturnValue:
        """A view outside FundView that lost a race: the same clean refusal (409); any other error stays a 500."""
        database.session.rollback()
        refusal = concurrent_change(exc)
        if refusal is None:
            raise exc
        return render_error(refusal.status_code, refusal.message)

    @app.errorhandler(SecurityError)
    def untrusted_host(exc: SecurityError) -> ResponseReturnValue:
        # A Host that is not in TRUSTED_HOSTS: no page can be built for it (links would name that host).
        return Response(str(ERROR_TITLES[400]), status=400, mimetype="text/plain")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> ResponseReturnValue:
        if exc.code is None or exc.code < 400:
            return exc
        if exc.code >= 500:
            database.session.rollback()
        return render_error(exc.code)


def register_template_helpers(app: Flask) -> None:
    from flask_login import current_user

    from fundmgr import clock
    from fundmgr.accounts.models import Role
    from fundmgr.funds import rights, seats
    from fundmgr.funds.queries import all_funds, current_fund, my_funds
    from fundmgr.web import form_problems

    def holds_on_current_fund(user: Any, roles: tuple[Role, ...] | None) -> bool:
        role = rights.role_on(user, current_fund())
        return role is not None and (roles is None or role in roles)

    def holds(*roles: str) -> bool:
        """Templates: whether the signed-in person holds one of the roles on the fund they work in."""
        return holds_on_current_fund(current_user, tuple(Role(role) for role in roles) or None)

    def my_role() -> Role | None:
        """Templates: the signed-in person's role on the fund they work in (None: no role there)."""
        return rights.role_on(current_user, current_fund())

    def my_seat() -> Any:
        """Templates: the seat term the signed-in person holds (or stands in for) on the committee of the fund they
        work in today; None when they sit on none."""
        fund = current_fund()
        return seats.term_of(current_user, fund) if fund is not None else None

    def holds_on(user: Any, fund: Any, *roles: str) -> bool:
        """Templates (e-mails): whether a person holds one of the roles on a named fund."""
        return rights.has_role(user, fund, *(Role(role) for role in roles))

    app.extensions["fundmgr.holds"] = holds_on_current_fund

    def moment(value: Any) -> str:
        """Templates: a date and time in the reader's language and the fund's time zone, which it names."""
        return format_moment(value, clock.zone_of(current_fund()))

    def day(value: Any) -> str:
        """Templates: a day in the reader's language (a moment's day in the fund's time zone)."""
        return format_day(value, clock.zone_of(current_fund()))

    app.jinja_env.filters.update(
        moment=moment,
        day=day,
        l10n=localize,
        money=format_money,
        number=format_number,
        percent=format_percent,
        territory=territory_name,
        filesize=format_file_size,
        language_name=language_name,
        action_label=action_label,
    )
    app.jinja_env.globals.update(
        current_fund=current_fund,
        all_funds=all_funds,
        my_funds=my_funds,
        holds=holds,
        holds_on=holds_on,
        my_role=my_role,
        my_seat=my_seat,
        get_locale=request_locale,
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        form_problems=form_problems,
        undo_url=undo_url,
    )


def register_commands(app: Flask) -> None:
    """Every `flask ...` command, here and only here (README.md's table lists them; tests/test_cli.py checks)."""
    from fundmgr.cli import backup_command, restore_command
    from fundmgr.deadlines.cli import send_reminders_command
    from fundmgr.demo.cli import seed_demo_command
    from fundmgr.funds.cli import create_user_command, fund_group, reference_group
    from fundmgr.jobs.cli import cron_command, prune_documents_command, worker_command
    from fundmgr.notifications.cli import send_digests_command
    from fundmgr.results.cli import report_group, results_group
    from fundmgr.steering.cli import steering_group, verify_decisions_command

    for command in (
        reference_group,
        fund_group,
        create_user_command,
        seed_demo_command,
        backup_command,
        restore_command,
        send_digests_command,
        send_reminders_command,
        steering_group,
        verify_decisions_command,
        report_group,
        results_group,
        worker_command,
        cron_command,
        prune_documents_command,
    ):
        app.cli.add_command(command)
