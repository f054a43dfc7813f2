"""Heavy documents (PDFs, spreadsheets) do not block the server: limited per person and in how many run at once.

A renderer held open by a threading.Event stands for a long render; the other requests must be answered
at once meanwhile. `held_render` serves the attack suite as well.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.extensions import limiter
from fundmgr.heavy import RETRY_AFTER_SECONDS
from tests.factories import sign_in

DASHBOARD_PDF = "/finance/dashboard.pdf"
BUSY = "This document is being prepared by another request; try again in a few seconds."


@contextmanager
def held_render(monkeypatch: pytest.MonkeyPatch, client, url: str = DASHBOARD_PDF) -> Iterator[dict]:
    """A request for the funding-status PDF whose rendering waits, in another thread, until the block ends."""
    started, release = threading.Event(), threading.Event()

    def slow_render(fund, figures) -> bytes:
        started.set()
        release.wait(60)
        return b"%PDF-1.4 held"

    monkeypatch.setattr("fundmgr.finance.views.funding_status_pdf", slow_render)
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(response=client.get(url)))
    thread.start()
    try:
        assert started.wait(60), "the held render never started"
        yield answer
    finally:
        release.set()
        thread.join(60)


def test_while_a_heavy_document_renders_the_server_answers_and_a_second_is_told_to_come_back(
    committed, make_user, monkeypatch
):
    """While one PDF renders, is /health answered, and another heavy document (any person's) a 503 at once?"""
    first = sign_in(committed.test_client(), make_user(Role.viewer))
    second = sign_in(committed.test_client(), make_user(Role.fmu))
    db.session.remove()
    with held_render(monkeypatch, first) as held:
        health = committed.test_client().get("/health")
        busy = second.get(DASHBOARD_PDF)
        other_document = second.get("/finance/ledger.xlsx")
    assert health.status_code == 200
    assert busy.status_code == 503
    assert busy.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert BUSY in busy.get_data(as_text=True)
    assert other_document.status_code == 503
    assert held["response"].status_code == 200
    assert held["response"].data == b"%PDF-1.4 held"
    assert second.get(DASHBOARD_PDF).status_code == 200  # the slot is free again


@pytest.mark.postgres_only
def test_the_cap_holds_across_workers_on_postgresql(committed, worker, make_user, monkeypatch):
    """On PostgreSQL, is a heavy document asked of another worker refused while one renders on the first?"""
    first = sign_in(committed.test_client(), make_user(Role.viewer))
    other_worker = worker(committed)
    second = sign_in(other_worker.test_client(), make_user(Role.fmu))
    db.session.remove()
    with held_render(monkeypatch, first):
        busy = second.get(DASHBOARD_PDF)
    assert busy.status_code == 503
    assert second.get(DASHBOARD_PDF).status_code == 200


def test_the_busy_page_is_translated(committed, make_user, monkeypatch):
    """Does a French reader get the 'being prepared' page in French?"""
    first = sign_in(committed.test_client(), make_user(Role.viewer))
    second = sign_in(committed.test_client(), make_user(Role.fmu, locale="fr"))
    db.session.remove()
    with held_render(monkeypatch, first):
        busy = second.get(DASHBOARD_PDF)
    assert busy.status_code == 503
    assert "Ce document est en cours de préparation" in busy.get_data(as_text=True)


def test_heavy_documents_are_limited_per_person(app, client, make_user, monkeypatch):
    """Past HEAVY_RATE_LIMIT heavy documents a minute, is the person refused (429) while others are not?"""
    monkeypatch.setitem(app.config, "HEAVY_RATE_LIMIT", "3 per minute")
    monkeypatch.setattr("fundmgr.finance.views.funding_status_pdf", lambda fund, figures: b"%PDF-1.4 quick")
    limiter.reset()
    try:
        sign_in(client, make_user(Role.viewer))
        answers = [client.get(url).status_code for url in [DASHBOARD_PDF, "/finance/dashboard.xlsx", DASHBOARD_PDF]]
        assert answers == [200, 200, 200]
        assert client.get(DASHBOARD_PDF).status_code == 429
        assert client.get("/finance/").status_code == 200  # pages are not heavy
        other = sign_in(app.test_client(), make_user(Role.viewer))
        assert other.get(DASHBOARD_PDF).status_code == 200
    finally:
        limiter.reset()
