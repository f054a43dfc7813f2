"""The benchmark's SQL statement counter."""

from __future__ import annotations

from fundmgr import create_app
from tests.conftest import app_config


def test_query_count_header_counts_statements(backend, tmp_path):
    app = create_app(app_config(f"sqlite:///{tmp_path / 'q.sqlite3'}", tmp_path) | {"COUNT_QUERIES": True})
    response = app.test_client().get("/health")
    assert response.headers["X-Query-Count"] == "1"  # SELECT 1


def test_no_header_by_default(client):
    assert "X-Query-Count" not in client.get("/health").headers
