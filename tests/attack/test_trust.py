"""Trust over real HTTP: a session ends on the server, a forged Host gets nothing, CSV starts no formula, and
heavy documents never hold the server (issue 20). Sign-in throttling across workers has a server of its own
(tests/test_ratelimits.py): this one lets everyone sign in from one address."""

from __future__ import annotations

import http.client

import sqlalchemy as sa

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from tests.attack.conftest import ATTACK_MARKS, FMU, Browser, Target, at_once
from tests.test_exports import SEPARATOR_ATTACK, formula_cells

pytestmark = ATTACK_MARKS

VIEWER = "pieter.devries@fundmgr.example"
ADMIN = "admin@fundmgr.example"


def signed_out(answer) -> bool:
    """The answer a visitor who is not signed in gets for a page that needs it: off to the sign-in form."""
    return answer.status == 302 and "/account/login" in answer.headers.get("location", "")


def test_a_session_cookie_copied_before_sign_out_is_refused_after_it(target: Target):
    """Someone copies the viewer's cookie; she signs out; the copy opens nothing any more."""
    viewer = target.browser(VIEWER)
    copy = Browser(target.url)
    copy.cookies = dict(viewer.cookies)
    assert copy.get("/account/").status == 200  # the copy works while the session lives
    assert viewer.post("/account/logout", {"csrf_token": viewer.form_token("/account/")}).status == 302
    assert signed_out(copy.get("/account/"))


def test_an_administrator_ends_every_session_of_a_person(target: Target):
    """A laptop is lost: the administrator ends the FMU officer's sessions, and both of her browsers are out."""
    office, laptop = target.browser(FMU), target.browser(FMU)
    officer = target.count(sa.select(User.id).where(User.email == FMU))
    admin = target.browser(ADMIN)
    answer = admin.submit("/account/users", f"/account/users/{officer}/end-sessions", {"confirmed": "yes"})
    assert answer.status == 302
    assert signed_out(office.get("/account/"))
    assert signed_out(laptop.get("/account/"))


def request_with_host(target: Target, method: str, path: str, host: str, body: str = "") -> int:
    """A request whose Host header names another site (a client chooses it freely); its status."""
    browser = Browser(target.url)
    connection = http.client.HTTPConnection(browser.host, browser.port, timeout=60)
    headers = {"Host": host, "Content-Type": "application/x-www-form-urlencoded"}
    try:
        connection.request(method, path, body=body or None, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_request_for_a_host_that_is_not_this_site_is_refused(target: Target):
    """A password reset asked with Host: evil.example would have mailed a link to evil.example: it is refused,
    and the site's own host still works."""
    assert request_with_host(target, "GET", "/account/reset", "evil.example") == 400
    assert request_with_host(target, "POST", "/account/reset", "evil.example", f"email={FMU}") == 400
    assert Browser(target.url).get("/account/reset").status == 200


def test_the_audit_log_csv_starts_no_formula_under_any_separator(target: Target):
    """A title written to start a formula in French or Spanish Excel (which split on ";") comes out inert."""

    def write() -> None:
        admin = db.session.scalar(sa.select(User).where(User.email == ADMIN))
        record_audit("user.updated", admin, actor=admin, summary=SEPARATOR_ATTACK, after={"name": SEPARATOR_ATTACK})

    target.setup(write)
    answer = target.browser(ADMIN).get("/audit/export.csv")
    assert answer.status == 200
    assert "=cmd" in answer.text
    assert formula_cells(answer.text) == []


def test_heavy_documents_asked_at_once_never_hold_the_server(target: Target):
    """A viewer asks for the annual PDF four times at once: each ask answers at once (never a failure), all of them
    lead to the one job (a double click queues one), and the health probe still answers."""
    viewer = target.browser(VIEWER)
    year = 2025
    health = Browser(target.url)
    token = viewer.form_token("/results/annual")
    tabs = [viewer.tab() for _ in range(4)]
    asks = [lambda tab=tab: tab.post(f"/results/annual/{year}.pdf", {"csrf_token": token}) for tab in tabs]
    answers = at_once([*asks, lambda: health.get("/health")])
    statuses = sorted(answer.status for answer in answers)
    assert 200 in statuses  # the probe
    # 303 to the job; 503 the moment of the ask's slot taken by another ask (come back in seconds)
    assert all(status in (200, 303, 503) for status in statuses), statuses
    jobs = {answer.headers["location"] for answer in answers if answer.status == 303}
    assert len(jobs) == 1, jobs
