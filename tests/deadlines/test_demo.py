"""The demo shows real, varied deadlines: scoring under way, a written procedure open, an overdue report."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.deadlines import queries as q
from fundmgr.deadlines.demo import seed_deadlines
from fundmgr.deadlines.models import PAGE_KINDS, DeadlineKind, ReminderSent
from tests.factories import sign_in


def test_the_demo_has_deadlines_some_done_some_not_one_overdue(demo_app, fund):
    client = demo_app.test_client()
    day = clock.today(fund)
    deadlines = q.fund_deadlines(fund, day)
    kinds = {d.kind for d in deadlines}
    assert kinds == set(PAGE_KINDS)  # financial reports have their own table (tests/results/test_annual_ledger.py)
    scoring = [d for d in deadlines if d.kind is DeadlineKind.scoring]
    assert any(d.done and d.waiting for d in scoring)  # some members have scored, others not
    (procedure,) = [d for d in deadlines if d.kind is DeadlineKind.procedure]
    assert len(procedure.done) == 2
    assert procedure.waiting
    assert any(d.is_overdue(day) for d in deadlines if d.kind is DeadlineKind.report)
    sent = db.session.scalars(sa.select(ReminderSent)).all()
    assert any(r.offset_days == 14 for r in sent)
    assert any(r.offset_days is None for r in sent)

    fmu = db.session.scalar(sa.select(User).where(User.email == "fatou.diallo@fundmgr.example"))
    html = sign_in(client, fmu).get("/deadlines/").get_data(as_text=True)  # in French, the officer's language
    for kind in ("scoring", "procedure", "report"):
        assert f'id="deadline-{kind}-' in html
        assert f'action="/deadlines/{"procedures" if kind == "procedure" else kind}' in html

    count = len(sent)
    assert seed_deadlines(fund)[-1] == "Reminders sent by the daily job: 0."
    assert db.session.scalar(sa.select(sa.func.count(ReminderSent.id))) == count
