"""What a link of the decision record fixes, computed from the stored data, and how a link is hashed.

One function builds each payload, both when the decision is taken and when the record is verified: the version
decided on (the sha256 of its frozen content), the criteria and their weights, every submitted review's scores,
the ranking those scores give, the conflicts declared and the recusals applied, the quorum and who was present,
the votes or positions (or a written procedure's answers), the decision and the allocations carrying its
reference; for approved minutes, the sha256 of the stored PDF's bytes.

Only what cannot legitimately change after the decision goes in, read as of the decision: a conflict declared or
waived later is not one the committee had before it. The criteria may be reweighted later, so verifying takes the
criteria and the proposals ranked together from the record itself and recomputes the ranking from the stored
scores. Every query goes through the session of the object given (the migration building the chain has its own).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from fundmgr.finance.models import Allocation, LedgerEntry
from fundmgr.funds.models import Fund
from fundmgr.proposals.models import Proposal, ProposalVersion
from fundmgr.steering.models import (
    AgendaItem,
    Conflict,
    Decision,
    Meeting,
    Minutes,
    RecordKind,
    Review,
    ReviewState,
    WrittenProcedure,
    is_recused_given,
)
from fundmgr.steering.scoring import aggregate, rank
from fundmgr.storage import read_stored

SCHEMA = 1
# The link before a fund's first one.
GENESIS = "0" * 64


def canonical_json(value: Any) -> str:
    """The one serialisation: sorted keys, no spaces, text as it is (as proposal snapshots are hashed)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def exact(value: Decimal | None) -> str | None:
    """A number as plain digits without trailing zeros, whichever database (or form) it came from."""
    if value is None:
        return None
    text = format(value.normalize(), "f")
    return "0" if text in ("-0", "0") else text


def link_hash(fund_code: str, sequence: int, kind: str, payload_hash: str, previous_hash: str) -> str:
    """The hash of one link: what it fixes, where it stands, and the link before it."""
    return sha256_text(canonical_json({"fund": fund_code, "sequence": sequence, "kind": kind,
                                       "payload": payload_hash, "previous": previous_hash}))  # fmt: skip


def session_of(obj: Any) -> so.Session:
    session = so.object_session(obj)
    assert session is not None, "a payload is computed from stored rows"
    return session


# --- A decision -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordedCriterion:
    """A criterion as the record fixes it: what scoring.aggregate reads (id, weight), and its code."""

    id: int
    code: str
    weight: Decimal


def conflicts_as_of(session: so.Session, proposal_ids: list[int], at: datetime) -> list[Conflict]:
    """The conflicts declared on the proposals up to the instant of the decision."""
    if not proposal_ids:
        return []
    query = (
        sa.select(Conflict)
        .where(Conflict.proposal_id.in_(proposal_ids), Conflict.declared_at <= at)
        .order_by(Conflict.proposal_id, Conflict.member_id)
    )
    return list(session.scalars(query))


def waived_by(session: so.Session, conflict_ids: list[int], at: datetime) -> set[int]:
    """Of these conflicts, those waived by the instant of the decision."""
    if not conflict_ids:
        return set()
    query = sa.select(Conflict.id).where(Conflict.id.in_(conflict_ids), Conflict.waived_at <= at)
    return set(session.scalars(query))


def submitted_reviews_of(session: so.Session, version_ids: list[int]) -> dict[int, list[Review]]:
    by_version: dict[int, list[Review]] = {v: [] for v in version_ids}
    query = (
        sa.select(Review)
        .where(Review.version_id.in_(version_ids), Review.state == ReviewState.submitted)
        .options(so.selectinload(Review.scores))
        .order_by(Review.id)
    )
    for review in session.scalars(query):
        by_version[review.version_id].append(review)
    return by_version


def fund_criteria(fund: Fund) -> list[dict[str, Any]]:
    """The criteria in force when the decision is taken, with their weights."""
    return [{"code": c.code, "weight": exact(c.weight)} for c in sorted(fund.criteria, key=lambda c: c.number)
            if not c.retired]  # fmt: skip


def ranked_together(decision: Decision) -> list[dict[str, Any]]:
    """The proposal versions ranked with the one decided on: the meeting's agenda, or the procedure's one."""
    pairs = [(i.proposal, i.version) for i in decision.item.meeting.items] if decision.item else []
    pairs = pairs or [(decision.proposal, decision.version)]
    return [{"proposal": p.reference, "version": v.id} for p, v in pairs]


def ranking(session: so.Session, fund: Fund, criteria: list[dict[str, Any]], among: list[dict[str, Any]],
            at: datetime) -> list[dict[str, Any]]:  # fmt: skip
    """The ranking of the given versions from their stored scores, with the recorded weights and the conflicts as of
    the decision (a recused member's review does not count), as scoring ranks the agenda in the meeting pack."""
    by_code = {c.code: c for c in fund.criteria}
    recorded = [RecordedCriterion(by_code[c["code"]].id, c["code"], Decimal(c["weight"]))
                for c in criteria if c["code"] in by_code]  # fmt: skip
    versions = [session.get(ProposalVersion, entry["version"]) for entry in among]
    present = [v for v in versions if v is not None]
    reviews = submitted_reviews_of(session, [v.id for v in present])
    conflicts = conflicts_as_of(session, [v.proposal_id for v in present], at)
    waived = waived_by(session, [c.id for c in conflicts], at)
    active = {(c.proposal_id, c.member_id) for c in conflicts if c.id not in waived}
    scores = []
    for version in present:
        proposal = version.proposal
        admissible = [r for r in reviews[version.id] if not is_recused_given(proposal, r.member, active)]
        scores.append(aggregate(proposal, version, recorded, admissible, fund.disagreement_threshold))
    return [{"proposal": s.proposal.reference, "version": s.version.id, "weighted_mean": exact(s.weighted_mean),
             "rank": s.rank} for s in rank(scores)]  # fmt: skip


def review_entry(review: Review) -> dict[str, Any]:
    return {
        "member": review.member_id,
        "recommendation": review.recommendation.value if review.recommendation else None,
        "scores": {s.criterion.code: s.value for s in review.scores},
    }


def origin_of(decision: Decision) -> dict[str, Any]:
    """Where the decision was taken: the meeting's item (quorum, presence, votes or positions), or the written
    procedure (its deadline and the members' answers)."""
    item, procedure = decision.item, decision.procedure
    if item is not None:
        return meeting_origin(item)
    assert procedure is not None  # a decision has one origin (check constraint)
    return procedure_origin(procedure)


def procedure_origin(procedure: WrittenProcedure) -> dict[str, Any]:
    """A written procedure as the record fixes it: its deadline, rationale and the members' answers."""
    return {
        "procedure": procedure.reference,
        "deadline": procedure.deadline.isoformat(),
        "rationale": procedure.rationale,
        "answers": [{"member": r.member_id, "objects": r.objects, "reason": r.reason}
                    for r in sorted(procedure.responses, key=lambda r: r.member_id)],
    }  # fmt: skip


def meeting_origin(item: AgendaItem) -> dict[str, Any]:
    meeting = item.meeting
    return {
        "meeting": meeting.reference,
        "held_on": meeting.held_on.isoformat(),
        "item": item.position,
        "presided_by": item.presided_by_id,
        "present": sorted(a.member_id for a in meeting.attendance if a.present),
        "quorum": item.quorum_record,
        "votes": [{"member": v.member_id, "choice": v.choice.value}
                  for v in sorted(item.votes, key=lambda v: v.member_id)],
        "positions": [{"member": p.member_id, "stance": p.stance.value, "text": p.text, "by_name": p.minute_by_name}
                      for p in sorted(item.positions, key=lambda p: p.member_id)],
    }  # fmt: skip


def allocations_fixed(session: so.Session, decision: Decision) -> list[dict[str, Any]]:
    """The allocations finance made for the decision (they carry its reference), by organization."""
    query = (
        sa.select(Allocation)
        .where(Allocation.proposal_id == decision.proposal_id, Allocation.reference == decision.reference)
        .order_by(Allocation.organization_id)
    )
    return [{"organization": a.organization.code, "direct": exact(a.direct), "indirect": exact(a.indirect),
             "total": exact(a.total)} for a in session.scalars(query)]  # fmt: skip


def decision_payload(decision: Decision, recorded: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the decision was taken on, from the stored data. `recorded` (verifying) gives the criteria and the
    versions ranked together as the record fixed them; without it (deciding) they are today's."""
    if decision.is_matter:
        return matter_payload(decision)
    session = session_of(decision)
    proposal, version, fund = decision.proposal, decision.version, decision.fund
    assert proposal is not None  # a decision on a proposal names it (check constraint)
    assert version is not None
    at = decision.recorded_at
    criteria = recorded["criteria"] if recorded else fund_criteria(fund)
    among = [{"proposal": e["proposal"], "version": e["version"]} for e in recorded["ranking"]] if recorded else (
        ranked_together(decision))  # fmt: skip
    conflicts = conflicts_as_of(session, [proposal.id], at)
    waived = waived_by(session, [c.id for c in conflicts], at)
    reviews = submitted_reviews_of(session, [version.id])[version.id]
    return {
        "schema": SCHEMA,
        "kind": RecordKind.decision.value,
        "fund": fund.code,
        "decision": {
            "reference": decision.reference,
            "outcome": decision.outcome.value,
            "conditions": decision.conditions,
            "approved_amount": exact(decision.approved_amount),
            "decided_on": decision.decided_on.isoformat(),
            # a selection's terms (left out of every other decision, whose records predate them)
            **(
                {
                    "development_deadline": decision.development_deadline.isoformat(),
                    "indicative_amount": exact(decision.indicative_amount),
                }
                if decision.development_deadline is not None
                else {}
            ),
        },
        "proposal": {
            "reference": proposal.reference,
            "version": version.number,
            "version_sha256": version.snapshot.sha256(),
            "version_total": exact(version.total),
        },
        "criteria": criteria,
        "scores": [review_entry(r) for r in reviews],
        "ranking": ranking(session, fund, criteria, among, at),
        "conflicts": [
            {
                "member": c.member_id,
                "reason": c.reason,
                "waived": c.id in waived,
                "waiver_reason": c.waiver_reason if c.id in waived else "",
            }
            for c in conflicts
        ],
        "recusals": recusals_of(decision, proposal, conflicts, waived),
        "origin": origin_of(decision),
        "allocations": allocations_fixed(session, decision),
    }


def matter_payload(decision: Decision) -> dict[str, Any]:
    """What a decision on a matter of the fund fixes: the decision and its wording, the meeting that took it (who
    presided, its quorum) or the written procedure (its answers), the call it opens, the ledger entries carrying it
    out (approved direct costs)."""
    session = session_of(decision)
    meeting = session.get(Meeting, decision.meeting_id) if decision.meeting_id is not None else None
    if meeting is not None:
        origin = {"meeting": meeting.reference, "held_on": meeting.held_on.isoformat(),
                  "presided_by": decision.presided_by_id, "quorum": decision.quorum_record}  # fmt: skip
    else:
        procedure = session.get(WrittenProcedure, decision.procedure_id)
        assert procedure is not None  # a matter is decided by a meeting or a procedure (check constraint)
        origin = procedure_origin(procedure)
    call = decision.call
    entries = session.scalars(sa.select(LedgerEntry).where(LedgerEntry.decision_id == decision.id)
                              .order_by(LedgerEntry.id))  # fmt: skip
    return {
        "schema": SCHEMA,
        "kind": RecordKind.decision.value,
        "fund": decision.fund.code,
        "decision": {
            "reference": decision.reference,
            "subject": decision.subject.value,
            "matter": decision.matter,
            "outcome": decision.outcome.value,
            "approved_amount": exact(decision.approved_amount),
            "decided_on": decision.decided_on.isoformat(),
        },
        "origin": origin,
        "call": call.reference if call is not None else None,
        "ledger": [{"kind": e.kind.value, "amount": exact(e.amount), "on_date": e.on_date.isoformat()}
                   for e in entries],
    }  # fmt: skip


def recusals_of(decision: Decision, proposal: Proposal, conflicts: list[Conflict], waived: set[int]) -> list[int]:
    """Who was kept out of the decision: as the item's quorum recorded it; for a written procedure, the members with
    a conflict standing when it concluded (a member of a participating organization may not answer either)."""
    if decision.item is not None and decision.item.quorum_record is not None:
        return sorted(decision.item.quorum_record["recused"])
    return sorted(c.member_id for c in conflicts if c.id not in waived)


# --- Approved minutes -------------------------------------------------------------------------------


def minutes_payload(minutes: Minutes) -> dict[str, Any]:
    """What approving minutes fixes: the meeting, where (or by which written procedure) they were approved and who
    signed, and the sha256 of the stored PDF's bytes (read again when verifying: a file changed on disk shows)."""
    assert minutes.storage_key is not None  # approved minutes are stored (check constraint)
    try:
        file_sha256 = hashlib.sha256(read_stored(minutes.storage_key)).hexdigest()
    except FileNotFoundError:
        file_sha256 = None
    meeting = minutes.meeting
    # by id: approving sets the column, and the relationship may have been read before
    approved_in = session_of(minutes).get(Meeting, minutes.approved_in_id) if minutes.approved_in_id else None
    procedure_id = minutes.approved_by_procedure_id
    procedure = session_of(minutes).get(WrittenProcedure, procedure_id) if procedure_id else None
    # (only for minutes approved in writing: the payloads of those approved at a meeting stay as they were fixed)
    in_writing = {"approved_by_procedure": procedure.reference} if procedure is not None else {}
    return {
        "schema": SCHEMA,
        "kind": RecordKind.minutes.value,
        "fund": meeting.fund.code,
        "meeting": meeting.reference,
        "approved_in": approved_in.reference if approved_in is not None else None,
        "signed_by": minutes.signed_by_id,
        "decisions": sorted(
            [i.decision.reference for i in meeting.items if i.decision is not None]
            + [d.reference for d in meeting.matters_decided]
        ),
        "pdf_sha256": file_sha256,
        "stored_sha256": minutes.sha256,
        **in_writing,
    }


def differing_fields(recorded: Any, now: Any, path: str = "") -> list[str]:
    """The paths ("origin.votes", "scores") where the recorded payload and the one computed now differ, down to the
    second level (enough to say what was changed; the audit trail says by whom)."""
    if recorded == now:
        return []
    depth = path.count(".") + 1 if path else 0
    if isinstance(recorded, dict) and isinstance(now, dict) and depth < 2:
        keys = sorted(set(recorded) | set(now))
        return [f for k in keys for f in differing_fields(recorded.get(k), now.get(k), f"{path}.{k}" if path else k)]
    return [path or "payload"]
