"""The benchmark's SQL statement counter."""

from __future__ import annotations

from fundmgr import create_app
from tests.support.database import app_config


def test_query_count_header_counts_statements(committed, tmp_path):
    """Does a page that runs SQL report how many statements it ran?"""
    app = create_app(app_config(f"sqlite:///{tmp_path / 'q.sqlite3'}", tmp_path) | {"COUNT_QUERIES": True})
    with app.app_context():
        response = app.test_client().get("/health")
    assert int(response.headers["X-Query-Count"]) >= 1  # SELECT 1 (and the pool's ping)


def test_no_header_by_default(client):
    assert "X-Query-Count" not in client.get("/health").headers
