"""Nothing lost: a failure in the middle of an operation leaves the database and the stored files as they were,
and the audit log of each main object is one click away for the FMU and administrators.

(That every change is in the audit log, by its user, is checked by the access matrix for every POST that
changed something; that it round-trips a backup, by tests/test_backup.py.)

A failure is forced through the pages: a function an operation calls is made to fail once it has done its
own writing (a version frozen, an allocation made, a file stored...). The user gets the error page saying
nothing was saved, and every table, the audit log included, and every stored file are as before.
"""

from __future__ import annotations

import importlib
from typing import Any

import pytest
import sqlalchemy as sa
from flask import url_for

from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.models import DecisionOutcome
from tests.access import harness
from tests.access.harness import client_as, fingerprint, payload, storage_listing
from tests.access.routes import CASES, doer
from tests.access.world import World

BY_ID = {case.id: case for case in CASES}

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world


class ForcedFailure(RuntimeError):
    """The failure a test forces in the middle of an operation."""


class FailAfter:
    """Wraps a function: the n-th call does its work, then fails."""

    def __init__(self, function: Any, n: int = 1) -> None:
        self.function, self.n, self.calls = function, n, 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self.function(*args, **kwargs)
        self.calls += 1
        if self.calls == self.n:
            db.session.flush()  # what the function wrote really reached the database
            raise ForcedFailure("the disk is full")
        return result


# (what fails, the form posted, the module where the operation looks the function up, the function made to fail,
# on which call)
FAILURES = [
    ("a submission, after its version is frozen", "proposals.submit:POST",
     "fundmgr.proposals.operations.submission", "freeze_version", 1),
    ("a new attachment, once its file is stored", "proposals.attachments:POST",
     "fundmgr.proposals.operations.attachments", "record_audit", 1),
    ("a budget, once its lines are written", "proposals.budget:POST", "fundmgr.proposals.operations.budgets",
     "refresh_total", 1),
    ("a screening forwarded, once the proposal has moved", "proposals.screening:POST",
     "fundmgr.proposals.operations.submission", "move_proposal", 1),
    ("an approval, after its first allocation", "steering.decide:POST", "fundmgr.finance.operations.allocations",
     "record_audit", 1),
    ("an approval, once the programme's results matrix is established", "steering.decide:POST",
     "fundmgr.results.operations.establishing", "record_audit", 1),
    ("scoring criteria, after the first one", "steering.criteria:POST", "fundmgr.steering.operations.criteria",
     "record_audit", 1),
    ("a contribution's correction, after its reversal", "finance.correct_contribution:POST",
     "fundmgr.finance.operations.contributions", "mirror_entries", 1),
    ("a transfer, once its ledger entry is written", "finance.new_transfer:POST",
     "fundmgr.finance.operations.transfers", "add_entry", 1),
    ("an organization's expenditure, once it is written", "finance.report_expenditure:POST",
     "fundmgr.finance.operations.expenditure", "record_audit", 1),
    ("a budget revision of several lines approved, once its revised version is frozen", "finance.revision:POST",
     "fundmgr.finance.operations.revisions", "add_version", 1),
    ("a report's acceptance, once it is logged", "results.report_review:POST",
     "fundmgr.results.operations.progress_reports", "record_audit", 1),
    ("a programme's start date, once its periods are drawn again", "results.programme_start:POST",
     "fundmgr.results.operations.dates", "record_audit", 1),
    ("new evidence, once its file is stored", "results.evidence_upload:POST",
     "fundmgr.results.operations.evidence", "record_audit", 1),
    ("a password change, once the new hash is set", "accounts.profile:POST", "fundmgr.accounts.operations",
     "record_audit", 1),
    ("a reminder sent by hand, once its notifications are queued", "deadlines.remind_scoring:POST",
     "fundmgr.deadlines.operations", "record_audit", 1),
]  # fmt: skip


@pytest.mark.parametrize(("what", "case_id", "module", "function", "n"), FAILURES, ids=[f[0] for f in FAILURES])
def test_a_failure_inside_an_operation_leaves_everything_as_it_was(app, world, monkeypatch, what, case_id, module,
                                                                    function, n):  # fmt: skip
    """Does a failure half-way through leave every table (the audit log too) and every stored file unchanged?"""
    case = BY_ID[case_id]
    data = payload(app, world, case)
    if case.endpoint == "steering.decide":
        data["outcome"] = "approve"
    target = importlib.import_module(module)
    failing = FailAfter(getattr(target, function), n)
    monkeypatch.setattr(target, function, failing)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)  # the user's view: the error page
    client = client_as(app, world, doer(case))  # before the fingerprint: signing in opens a server session
    tables, files = fingerprint(exclude=()), storage_listing(app)

    with client.post(url_for(case.endpoint, **case.params(world)), data=data) as response:
        page = response.get_data(as_text=True)

    assert failing.calls == n, f"{module}.{function} was not reached: the failure was not forced"
    assert response.status_code == 500
    assert "Nothing was saved" in page
    db.session.expire_all()
    assert fingerprint(exclude=()) == tables
    assert storage_listing(app) == files


def test_an_approval_whose_move_fails_takes_its_allocations_back(app, world, monkeypatch):
    """Does a decision whose lifecycle move fails (after the money was allocated) leave no allocation behind?"""
    case = BY_ID["steering.decide:POST"]
    data = payload(app, world, case)
    data["outcome"] = "approve"
    failing = FailAfter(steering_ops.LIFECYCLE_MOVES[DecisionOutcome.approve])
    monkeypatch.setitem(steering_ops.LIFECYCLE_MOVES, DecisionOutcome.approve, failing)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    client = client_as(app, world, "fmu")  # before the fingerprint: signing in opens a server session
    tables = fingerprint(exclude=())
    with client.post(url_for(case.endpoint, **case.params(world)), data=data) as response:
        assert response.status_code == 500
    assert failing.calls == 1
    db.session.expire_all()
    assert fingerprint(exclude=()) == tables


# --- The audit log of each main object --------------------------------------------------------------

HISTORIES = [
    ("proposals.detail", lambda w: {"proposal_id": w.proposals["review"]}, "proposal",
     lambda w: w.proposals["review"]),
    ("steering.meeting", lambda w: {"meeting_id": w.ids["live_meeting"]}, "meeting", lambda w: w.ids["live_meeting"]),
    ("steering.decision", lambda w: {"decision_id": w.ids["decision"]}, "decision", lambda w: w.ids["decision"]),
    ("steering.procedure", lambda w: {"procedure_id": w.ids["procedure"]}, "written_procedure",
     lambda w: w.ids["procedure"]),
    ("finance.contribution", lambda w: {"contribution_id": w.ids["contribution"]}, "contribution",
     lambda w: w.ids["contribution"]),
    ("finance.programme", lambda w: {"proposal_id": w.proposals["active"]}, "allocation",
     lambda w: w.ids["allocation"]),
    ("results.programme", lambda w: {"programme_id": w.ids["programme"]}, "programme", lambda w: w.ids["programme"]),
    ("results.period", lambda w: {"programme_id": w.ids["programme"], "number": w.ids["accepted_period"]},
     "progress_report", lambda w: w.ids["accepted_report"]),
]  # fmt: skip


@pytest.mark.parametrize("role", ["fmu", "admin", "agency_lead", "sc_member", "viewer"])
@pytest.mark.parametrize(("endpoint", "params", "object_type", "object_id"), HISTORIES, ids=[h[0] for h in HISTORIES])
def test_main_object_pages_link_to_their_history(app, world: World, role, endpoint, params, object_type, object_id):
    """Does each main object's page link the FMU and administrators (only) to its history, before/after included?"""
    client = client_as(app, world, role)
    page = client.get(url_for(endpoint, **params(world))).get_data(as_text=True)
    ident = object_id(world)
    link = url_for("audit.log", object_type=object_type, object_id=ident, _external=False).replace("&", "&amp;")
    if role not in ("fmu", "admin"):
        assert "/audit/" not in page
        return
    assert link in page
    log = client.get(link.replace("&amp;", "&")).get_data(as_text=True)
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(ident))
    ).all()
    assert entries, "the object has no history to show"
    assert f"{len(entries)} entries" in log or f"{len(entries)} entry" in log
    assert all(entry.action in log for entry in entries[:25])
