"""The attack suite: fundmgr as production runs it, attacked over real HTTP.

One server for the whole suite: gunicorn with the README's two workers (`fundmgr.wsgi:app`, production
configuration) on a fresh PostgreSQL database, migrated and loaded with the fund and the demo data. The
attackers are `bench.client.Client`s: they sign in through the sign-in form and send the CSRF token they read
from the pages, as a browser does. What the server wrote is counted afterwards straight from the database,
through `target.app` (the same database, in this process), which also sets up what a test needs beforehand.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import Flask

from bench.client import Client, Response
from bench.server import Server
from fundmgr.db import db
from fundmgr.demo.seed import DEFAULT_PASSWORD
from fundmgr.finance.models import ContributionKind
from fundmgr.finance.operations import ContributionData, record_contribution
from fundmgr.funds.models import Fund, Organization
from tests.support.database import BuiltOnce

RACERS = 10  # identical requests sent at once: a double click is two, a stuck "submit" button pressed again ten
FMU = "fatou.diallo@fundmgr.example"
FMU_2 = "tomas.herrera@fundmgr.example"


# Each module of the suite: the production database (row locks and all), one worker (it starts the one server).
ATTACK_MARKS = [pytest.mark.postgres_only, pytest.mark.xdist_group("attack")]


@pytest.fixture(autouse=True)
def isolated() -> None:
    """The attack suite works on the server's own database, not in the per-test transaction."""


@dataclass
class Target:
    """The server under attack, and the app on its database for setting up and counting."""

    url: str
    app: Flask

    def browser(self, email: str) -> Browser:
        """A browser signed in as email through the sign-in form."""
        browser = Browser(self.url)
        browser.sign_in(email, DEFAULT_PASSWORD)
        return browser

    def count(self, query: sa.Select) -> Any:
        with self.app.app_context():
            try:
                return db.session.scalar(query)
            finally:
                db.session.remove()

    def setup(self, build: Callable[[], Any]) -> Any:
        """Run build() in the app (operations, as the FMU would have done earlier) and commit what it wrote."""
        with self.app.app_context():
            try:
                result = build()
                db.session.commit()
                return result
            finally:
                db.session.remove()


class Browser(Client):
    """One person's browser: tabs share its cookies (its session)."""

    def tab(self) -> Browser:
        other = Browser(f"http://{self.host}:{self.port}")
        other.cookies = dict(self.cookies)
        return other

    def submit(self, form_page: str, action: str, fields: dict[str, Any]) -> Response:
        """Open the page holding the form, then send the form with the page's CSRF token."""
        return self.post(action, {"csrf_token": self.form_token(form_page), **fields})


def at_once(sends: list[Callable[[], Response]]) -> list[Response]:
    """Send every request at the same instant (one thread each); their answers. A request that raised fails."""
    start = threading.Barrier(len(sends))
    answers: list[Response] = []

    def run(send: Callable[[], Response]) -> None:
        start.wait()
        answers.append(send())

    threads = [threading.Thread(target=run, args=(send,)) for send in sends]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(answers) == len(sends), "a request got no answer"
    return answers


def same_form_at_once(browser: Browser, form_page: str, action: str, fields: dict[str, Any]) -> list[Response]:
    """RACERS tabs of one browser send the same form at the same instant (the token read once, as a page has it)."""
    token = browser.form_token(form_page)
    tabs = [browser.tab() for _ in range(RACERS)]
    return at_once([lambda tab=tab: tab.post(action, {"csrf_token": token, **fields}) for tab in tabs])


def statuses(answers: list[Response]) -> list[int]:
    return sorted(answer.status for answer in answers)


def no_server_error(answers: list[Response]) -> bool:
    return all(answer.status < 500 for answer in answers)


@pytest.fixture(scope="session")
def target(built_once: BuiltOnce, served_demo_database, tmp_path_factory: pytest.TempPathFactory) -> Target:
    """gunicorn (2 workers, production configuration) on a PostgreSQL database with the demo data."""
    return built_once.get("attack", lambda: served_demo(*served_demo_database, tmp_path_factory.mktemp("attack")))


@contextmanager
def served_demo(url: str, app: Flask, tmp: Path) -> Iterator[Target]:
    with app.app_context():
        fund = db.session.scalar(sa.select(Fund))
        donor = db.session.scalar(sa.select(Organization).where(Organization.code == "GOV-DEU"))
        # money enough for every approval the attacks race for
        deposit = ContributionData(
            donor=donor, kind=ContributionKind.deposit, on_date=date(2025, 1, 6), currency="USD",
            amount=Decimal("50000000.00"), rate_to_usd=Decimal("1"), reference="SAA-ATTACK",
        )  # fmt: skip
        record_contribution(fund, deposit, actor=None)
        db.session.commit()
        db.session.remove()
    # e-mails are recorded by Flask-Mail, not written to the checkout's instance/outbox/
    env = {"FUNDMGR_MAIL_SUPPRESS_SEND": "true"}
    with Server(url, tmp / "storage", log=tmp / "gunicorn.log", env=env) as server:
        yield Target(server.url, app)
