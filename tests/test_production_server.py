"""The production entry point (`gunicorn fundmgr.wsgi:app`) serves the app in the production configuration."""

from __future__ import annotations

import pytest

from bench.client import Client
from bench.server import Server

pytestmark = pytest.mark.once  # on SQLite here; the attack suite serves PostgreSQL from the same entry point


def test_gunicorn_serves_the_app_from_its_production_entry_point(app, tmp_path):
    """Does `gunicorn fundmgr.wsgi:app`, on the tests' database, answer with the fund's pages and their headers?"""
    with Server(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path / "storage", log=tmp_path / "gunicorn.log") as server:
        client = Client(server.url)
        home = client.get("/")
        sign_in = client.get("/account/login")

    assert home.status == 200
    assert "Migration Multi-Partner Trust Fund" in home.text
    assert home.headers.get("x-frame-options") == "DENY"
    assert "script-src 'self'" in home.headers.get("content-security-policy", "")
    assert sign_in.status == 200
    assert 'name="csrf_token"' in sign_in.text
