"""Appending to a fund's decision record, in the transaction of the decision or of the minutes' approval."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.finance.operations.checks import lock_fund
from fundmgr.funds.models import Fund
from fundmgr.steering.models import Decision, DecisionRecord, Minutes, RecordKind
from fundmgr.steering.records import GENESIS, canonical_json, decision_payload, link_hash, minutes_payload, sha256_text


def chain_head(session: so.Session, fund_id: int) -> DecisionRecord | None:
    """The fund's last link, if any."""
    query = sa.select(DecisionRecord).where(DecisionRecord.fund_id == fund_id)
    return session.scalars(query.order_by(DecisionRecord.sequence.desc()).limit(1)).first()


def append_link(session: so.Session, fund: Fund, kind: RecordKind, payload: dict[str, Any], **subject: Any
                ) -> DecisionRecord:  # fmt: skip
    """Add the next link of the fund's chain (the caller holds the fund's lock, or is alone: the migration)."""
    head = chain_head(session, fund.id)
    sequence = head.sequence + 1 if head is not None else 1
    previous = head.record_hash if head is not None else GENESIS
    text = canonical_json(payload)
    payload_hash = sha256_text(text)
    record = DecisionRecord(
        fund_id=fund.id, sequence=sequence, kind=kind, payload=text, payload_hash=payload_hash,
        previous_hash=previous, record_hash=link_hash(fund.code, sequence, kind.value, payload_hash, previous),
        **subject,
    )  # fmt: skip
    session.add(record)
    session.flush()
    return record


def lock_chain(fund: Fund) -> None:
    """Take the fund's row lock, which guards the head of its decision record, before anything of the decision is
    written (an audit entry or a decision row naming the fund would make two deciders wait on each other). Of two
    decisions of one fund at the same moment, the second waits here, then links to the first; the unique (fund,
    sequence) refuses what might slip past. Taken after the proposal's lock, as money takes it."""
    lock_fund(fund)


def audited(record: DecisionRecord, subject: str, actor: User | None) -> DecisionRecord:
    record_audit("decision_record.appended", record, actor=actor, fund_id=record.fund_id, summary=subject,
                 after={"sequence": record.sequence, "record_hash": record.record_hash})  # fmt: skip
    return record


def record_decision_link(decision: Decision, *, actor: User | None) -> DecisionRecord:
    """Fix the decision in the fund's record (part of taking it, the chain locked first: `lock_chain`)."""
    lock_chain(decision.fund)
    db.session.flush()
    record = append_link(db.session(), decision.fund, RecordKind.decision, decision_payload(decision),
                         decision_id=decision.id)  # fmt: skip
    return audited(record, decision.reference, actor)


def record_minutes_link(minutes: Minutes, *, actor: User | None) -> DecisionRecord:
    """Fix approved minutes (the hash of their PDF) in the fund's record, as a link of their own."""
    fund = minutes.meeting.fund
    lock_chain(fund)
    db.session.flush()
    record = append_link(db.session(), fund, RecordKind.minutes, minutes_payload(minutes), minutes_id=minutes.id)
    return audited(record, minutes.meeting.reference, actor)


def build_chain(session: so.Session) -> int:
    """Link every decision and every approval of minutes not yet in the record, per fund in the order they were
    taken (the migration that introduced the record, for the decisions taken before it). Returns the links made."""
    # Only what the record lacks is read: this runs after every upgrade, on a fund of any age.
    unlinked_decisions = sa.select(Decision).where(
        Decision.minutes_id.is_(None),  # an approval of minutes is fixed by the minutes' own link, below
        ~sa.exists().where(DecisionRecord.decision_id == Decision.id),
    )
    unlinked_minutes = sa.select(Minutes).where(
        Minutes.approved_at.is_not(None), ~sa.exists().where(DecisionRecord.minutes_id == Minutes.id)
    )
    events: list[tuple[Any, ...]] = []
    for decision in session.scalars(unlinked_decisions):
        events.append((decision.fund_id, decision.decided_on, decision.recorded_at, 1, decision.id, decision))
    for minutes in session.scalars(unlinked_minutes):
        assert minutes.approved_at is not None
        events.append((minutes.meeting.fund_id, minutes.approved_at.date(), minutes.approved_at, 0, minutes.id,
                       minutes))  # fmt: skip
    events.sort(key=lambda e: (e[0], e[1], e[2].replace(tzinfo=None), e[3], e[4]))
    for *_order, subject in events:
        if isinstance(subject, Decision):
            append_link(session, subject.fund, RecordKind.decision, decision_payload(subject), decision_id=subject.id)
        else:
            append_link(session, subject.meeting.fund, RecordKind.minutes, minutes_payload(subject),
                        minutes_id=subject.id)  # fmt: skip
    return len(events)
