"""Verifying a fund's decision record: every link recomputed from the stored data, and the chain itself.

A link no longer matches when its payload is not what the stored data now give (the fields that differ are named:
a score, a vote, the version's content, an amount), when its payload or link hash is not the hash of what it holds,
or when the chain is broken (a link missing, reordered or inserted). A decision or approved minutes without a link
are reported too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _

from fundmgr.db import db
from fundmgr.funds.models import Fund
from fundmgr.steering.models import Decision, DecisionRecord, Meeting, Minutes, MinutesState, RecordKind
from fundmgr.steering.records import (
    GENESIS,
    decision_payload,
    differing_fields,
    link_hash,
    minutes_payload,
    sha256_text,
)


def broken_chain() -> str:
    return _("the chain is broken: the link before it is not the one it was chained to")


@dataclass
class Finding:
    """One link (or one decision) that no longer matches, and why."""

    fund: str
    label: str
    reason: str
    fields: list[str] = field(default_factory=list)

    def line(self) -> str:
        where = f" ({', '.join(self.fields)})" if self.fields else ""
        return f"{self.fund} {self.label}: {self.reason}{where}"


def link_label(record: DecisionRecord) -> str:
    subject = record.decision.reference if record.decision is not None else (
        f"{record.minutes.meeting.reference} minutes" if record.minutes is not None else "?")  # fmt: skip
    return f"#{record.sequence} {subject}"


def recomputed(record: DecisionRecord, stored: dict) -> dict | None:
    """The payload the stored data give now (None when the link's subject is gone)."""
    if record.kind is RecordKind.decision:
        return decision_payload(record.decision, stored) if record.decision is not None else None
    return minutes_payload(record.minutes) if record.minutes is not None else None


def record_findings(record: DecisionRecord, fund: Fund) -> list[Finding]:
    """What no longer matches in one link by itself (not its place in the chain)."""
    label = link_label(record)
    findings = []
    if sha256_text(record.payload) != record.payload_hash:
        findings.append(Finding(fund.code, label, _("the payload is not the one its hash fixed")))
    if link_hash(fund.code, record.sequence, record.kind.value, record.payload_hash, record.previous_hash) != (
        record.record_hash
    ):
        findings.append(Finding(fund.code, label, _("the link's hash does not match what it holds")))
    try:
        stored = json.loads(record.payload)
    except ValueError:
        return [*findings, Finding(fund.code, label, _("the payload is not readable"))]
    now = recomputed(record, stored)
    if now is None:
        findings.append(Finding(fund.code, label, _("the decision or minutes it records are gone")))
    else:
        fields = differing_fields(stored, now)
        if fields:
            findings.append(Finding(fund.code, label, _("the stored data no longer match the record"), fields))
    return findings


def fund_findings(fund: Fund) -> tuple[int, list[Finding]]:
    """Verify one fund's chain: (links checked, what no longer matches)."""
    records = list(
        db.session.scalars(
            sa.select(DecisionRecord).where(DecisionRecord.fund_id == fund.id).order_by(DecisionRecord.sequence)
        )
    )
    findings: list[Finding] = []
    previous = GENESIS
    for expected, record in enumerate(records, start=1):
        label = link_label(record)
        if record.sequence != expected:
            findings.append(Finding(fund.code, label, _("link #%(n)d is missing", n=expected)))
        if record.previous_hash != previous:
            findings.append(Finding(fund.code, label, broken_chain()))
        findings += record_findings(record, fund)
        previous = record.record_hash
    findings += unrecorded(fund, records)
    return len(records), findings


def unrecorded(fund: Fund, records: list[DecisionRecord]) -> list[Finding]:
    """Decisions and approved minutes of the fund that no link records."""
    decisions = {r.decision_id for r in records}
    minutes = {r.minutes_id for r in records}
    findings = [
        Finding(fund.code, d.reference, _("no link records this decision"))
        for d in db.session.scalars(sa.select(Decision).where(Decision.fund_id == fund.id).order_by(Decision.id))
        if (d.minutes_id not in minutes if d.minutes_id is not None else d.id not in decisions)
    ]
    approved = (
        sa.select(Minutes)
        .join(Minutes.meeting)
        .where(Meeting.fund_id == fund.id, Minutes.state == MinutesState.approved)
    )
    findings += [
        Finding(fund.code, f"{m.meeting.reference} minutes", _("no link records the approval of these minutes"))
        for m in db.session.scalars(approved.order_by(Minutes.id))
        if m.id not in minutes
    ]
    return findings


def decision_findings(decision: Decision) -> tuple[DecisionRecord | None, list[Finding]]:
    """One decision's link and what no longer matches in it (the verify page); the whole chain is the command's."""
    record = decision_record_of(decision)
    if record is None:
        return None, [Finding(decision.fund.code, decision.reference, _("no link records this decision"))]
    findings = record_findings(record, decision.fund)
    previous = db.session.scalar(
        sa.select(DecisionRecord.record_hash).where(
            DecisionRecord.fund_id == decision.fund_id, DecisionRecord.sequence == record.sequence - 1
        )
    )
    if (previous or GENESIS) != record.previous_hash:
        findings.append(Finding(decision.fund.code, link_label(record), broken_chain()))
    return record, findings


def decision_record_of(decision: Decision | None) -> DecisionRecord | None:
    """The link fixing the decision, if any (the letter and the minutes print its hash): an approval of minutes is
    fixed by the minutes' own link."""
    if decision is None or decision.id is None:
        return None
    if decision.minutes_id is not None:
        return db.session.scalar(sa.select(DecisionRecord).where(DecisionRecord.minutes_id == decision.minutes_id))
    return db.session.scalar(sa.select(DecisionRecord).where(DecisionRecord.decision_id == decision.id))
