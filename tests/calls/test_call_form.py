"""The call form refuses dates, amounts and texts that make no sense, with a message, and writes nothing."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.calls.models import Call
from fundmgr.db import db
from tests.factories import sign_in

VALID = {"title_en": "A call", "title_fr": "Un appel", "title_es": "Una convocatoria", "opens_on": "2026-01-15",
         "closes_on": "2026-03-31", "ceiling": "2,000,000.00"}  # fmt: skip
BAD = [
    ("opens_on", ""),
    ("opens_on", "2026-02-30"),
    ("opens_on", "2026-13-01"),
    ("opens_on", "15/01/2026 or so"),
    ("opens_on", "0001-01-01"),
    ("opens_on", "9999-12-31"),
    ("opens_on", "2026-01-15'; DROP TABLE calls; --"),
    ("closes_on", "2025-12-31"),  # before it opens
    ("closes_on", "20260331"),
    ("closes_on", "2101-01-01"),
    ("ceiling", ""),
    ("ceiling", "-1"),
    ("ceiling", "0"),
    ("ceiling", "12.345"),
    ("ceiling", "NaN"),
    ("ceiling", "5000000.01"),  # more than the fund's largest budget
    ("title_fr", ""),
    ("title_en", "x" * 301),
    ("description_es", "x" * 20001),
    ("areas", "999999"),
    ("regions", "XYZ"),
    ("objectives", "abc"),
]


@pytest.mark.once
@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{n}={v[:20]}" for n, v in BAD])
def test_a_bad_value_is_refused_with_a_message_and_nothing_is_written(client, make_user, name, value):
    sign_in(client, make_user(Role.fmu))
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    answer = client.post("/calls/new", data=VALID | {name: value})
    assert answer.status_code == 422
    assert 'class="invalid-feedback' in answer.get_data(as_text=True) or "alert-danger" in answer.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before


@pytest.mark.once
def test_the_valid_form_opens_the_call(client, make_user):
    """The same form, all values sensible: is the call opened (so the refusals above are the values')?"""
    sign_in(client, make_user(Role.fmu))
    assert client.post("/calls/new", data=VALID).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Call)) == 1
