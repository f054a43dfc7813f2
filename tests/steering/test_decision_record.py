"""The decision record: each decision and approval of minutes chained per fund, and `flask verify-decisions`
finding any stored score, vote, version, amount or link changed behind the application's back."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.proposals.models import ProposalVersion
from fundmgr.steering.models import (
    AgendaItem,
    Decision,
    DecisionRecord,
    Meeting,
    Position,
    RecordKind,
    Review,
    ReviewState,
    Score,
    Vote,
)
from fundmgr.steering.records import GENESIS


def verify(app, *args: str):
    return app.test_cli_runner().invoke(args=["verify-decisions", *args])


def links(fund) -> list[DecisionRecord]:
    query = sa.select(DecisionRecord).where(DecisionRecord.fund_id == fund.id).order_by(DecisionRecord.sequence)
    return list(db.session.scalars(query))


def link_of(decision: Decision) -> DecisionRecord:
    return db.session.scalar(sa.select(DecisionRecord).where(DecisionRecord.decision_id == decision.id))


def approval(fund) -> Decision:
    """A demo approval taken in a meeting (with scores, money and a ranking)."""
    query = sa.select(Decision).where(
        Decision.fund_id == fund.id, Decision.approved_amount.is_not(None), Decision.item_id.is_not(None)
    )
    return db.session.scalars(query.order_by(Decision.id)).first()


def fails_naming(app, decision_or_label: str, field: str) -> str:
    result = verify(app)
    assert result.exit_code != 0, result.output
    lines = [line for line in result.output.splitlines() if decision_or_label in line]
    assert lines, result.output
    assert any(field in line for line in lines), result.output
    return result.output


def test_the_demos_record_holds_every_decision_and_approval_in_one_chain(demo_app, fund):
    """Every demo decision and approved minutes has its link, numbered from 1, each chained to the one before."""
    chain = links(fund)
    on_their_own = sa.select(sa.func.count(Decision.id)).where(
        Decision.fund_id == fund.id, Decision.minutes_id.is_(None)
    )
    decisions = db.session.scalar(on_their_own)
    assert sum(link.kind is RecordKind.decision for link in chain) == decisions > 0
    # an approval of minutes is a decision fixed by the minutes' own link
    approvals = db.session.scalars(sa.select(Decision).where(Decision.fund_id == fund.id,
                                                              Decision.minutes_id.is_not(None))).all()  # fmt: skip
    assert sorted(link.minutes_id for link in chain if link.kind is RecordKind.minutes) == sorted(
        d.minutes_id for d in approvals) != []  # fmt: skip
    assert [link.sequence for link in chain] == list(range(1, len(chain) + 1))
    assert [link.previous_hash for link in chain] == [GENESIS] + [link.record_hash for link in chain[:-1]]
    payload = json.loads(link_of(approval(fund)).payload)
    assert payload["proposal"]["version_sha256"] == approval(fund).version.snapshot.sha256()
    assert payload["scores"]
    assert payload["criteria"]
    assert payload["allocations"]
    assert payload["origin"]["quorum"]


def test_verify_decisions_passes_on_the_demo(demo_app, fund):
    result = verify(demo_app)
    assert result.exit_code == 0, result.output
    assert f"OK: {len(links(fund))} records verified." in result.output
    assert verify(demo_app, "--fund", fund.code).exit_code == 0
    assert verify(demo_app, "--fund", "NOPE").exit_code != 0


def test_a_score_changed_in_the_database_breaks_the_decisions_link(demo_app, fund):
    decision = approval(fund)
    score_id = db.session.scalar(
        sa.select(Score.id)
        .join(Review)
        .where(Review.version_id == decision.version_id, Review.state == ReviewState.submitted, Score.value > 1)
        .limit(1)
    )
    db.session.execute(sa.text("UPDATE review_scores SET value = value - 1 WHERE id = :id"), {"id": score_id})
    db.session.expire_all()
    output = fails_naming(demo_app, decision.reference, "scores")
    assert "ranking" in output  # the ranking recomputed from the stored scores no longer matches either


def test_a_vote_or_position_changed_in_the_database_breaks_the_link(demo_app, fund):
    decision = approval(fund)
    item = decision.item
    if item.positions:
        db.session.execute(sa.update(Position).where(Position.id == item.positions[0].id).values(text="Changed."))
    else:
        db.session.execute(sa.update(Vote).where(Vote.id == item.votes[0].id).values(choice="reject"))
    db.session.expire_all()
    fails_naming(demo_app, decision.reference, "origin.")


def test_the_versions_content_changed_in_the_database_breaks_the_link(demo_app, fund):
    decision = approval(fund)
    snapshot = decision.version.snapshot.stored() | {"title": "A better title"}
    db.session.execute(
        sa.update(ProposalVersion.__table__)
        .where(ProposalVersion.__table__.c.id == decision.version_id)
        .values(snapshot=snapshot)
    )
    db.session.expire_all()
    fails_naming(demo_app, decision.reference, "proposal.version_sha256")


def test_an_amount_changed_in_the_database_breaks_the_link(demo_app, fund):
    decision = approval(fund)
    allocation = db.session.scalars(sa.select(Allocation).where(Allocation.reference == decision.reference)).first()
    db.session.execute(
        sa.update(Allocation.__table__)
        .where(Allocation.__table__.c.id == allocation.id)
        .values(direct=Allocation.__table__.c.direct + 100, total=Allocation.__table__.c.total + 100)
    )
    db.session.expire_all()
    fails_naming(demo_app, decision.reference, "allocations")


def test_a_deleted_link_is_found(demo_app, fund):
    chain = links(fund)
    gone = chain[1]
    db.session.execute(sa.delete(DecisionRecord).where(DecisionRecord.id == gone.id))
    db.session.expire_all()
    output = fails_naming(demo_app, f"#{chain[2].sequence} ", "chain is broken")
    assert "link #2 is missing" in output
    assert "no link records" in output


def test_a_reordered_chain_is_found(demo_app, fund):
    first, second = links(fund)[:2]
    table = DecisionRecord.__table__
    for record_id, sequence in ((first.id, -1), (second.id, 1), (first.id, 2)):
        db.session.execute(sa.update(table).where(table.c.id == record_id).values(sequence=sequence))
    db.session.expire_all()
    fails_naming(demo_app, "#1 ", "chain is broken")


def test_a_rewritten_payload_is_found_even_with_its_hash_recomputed(demo_app, fund):
    """Changing the recorded amount and the payload's hash still leaves the link's hash and the chain to match."""
    link = link_of(approval(fund))
    payload = json.loads(link.payload)
    payload["decision"]["approved_amount"] = "1"
    from fundmgr.steering.records import canonical_json, sha256_text

    text = canonical_json(payload)
    table = DecisionRecord.__table__
    db.session.execute(
        sa.update(table).where(table.c.id == link.id).values(payload=text, payload_hash=sha256_text(text))
    )
    db.session.expire_all()
    output = fails_naming(demo_app, f"#{link.sequence} ", "hash does not match")
    assert "decision.approved_amount" in output


@pytest.mark.parametrize("kind", ["decision", "minutes"])
def test_the_minutes_and_the_letter_print_the_decisions_hash(demo_app, fund, kind):
    """The decision letter and the approved minutes print the hash of the decision's link."""
    from fundmgr.steering.documents import decision_letter_data, minutes_content

    decision = approval(fund)
    link = link_of(decision)
    if kind == "decision":
        data = decision_letter_data(decision)
        assert data["record_hash"] == link.record_hash
    else:
        item = db.session.get(AgendaItem, decision.item_id)
        content = minutes_content(db.session.get(Meeting, item.meeting_id))
        hashes = [i["decision"]["record_hash"] for i in content["items"] if i["decision"]]
        assert link.record_hash in hashes


def fmu_client(app, fund):
    from fundmgr.accounts.models import Role, User
    from fundmgr.funds.models import FundRole
    from tests.factories import sign_in

    fmu = db.session.scalars(
        sa.select(User).join(FundRole, FundRole.user_id == User.id).where(FundRole.fund_id == fund.id,
                                                                          FundRole.role == Role.fmu)
    ).first()  # fmt: skip
    fmu.locale = "en"  # the demo's FMU officer reads French
    return sign_in(app.test_client(), fmu)


def test_the_decision_page_shows_its_hash_and_the_fmu_verifies_it(demo_app, fund):
    """The FMU reads the decision's hash on its page, follows "Verify the record" and is told it still matches; after
    an amount is changed in the database, the same page says it no longer matches and names the allocations."""
    decision = approval(fund)
    link = link_of(decision)
    client = fmu_client(demo_app, fund)
    page = client.get(f"/steering/decisions/{decision.id}").get_data(as_text=True)
    assert link.short_hash in page
    assert link.record_hash in page
    verify_url = f"/steering/decisions/{decision.id}/verify"
    assert verify_url in page
    page = client.get(verify_url).get_data(as_text=True)
    assert "The record still matches the stored data" in page
    table = Allocation.__table__
    db.session.execute(
        sa.update(table)
        .where(table.c.reference == decision.reference)
        .values(direct=table.c.direct + 1, total=table.c.total + 1)
    )
    db.session.commit()
    page = client.get(verify_url).get_data(as_text=True)
    assert "The record no longer matches" in page
    assert "allocations" in page


def test_approved_minutes_whose_stored_pdf_was_changed_are_found(demo_app, fund):
    """Approving minutes appended a link holding the sha256 of their PDF: a stored file changed on disk shows."""
    from fundmgr.steering.models import Minutes
    from fundmgr.storage import read_stored, write_stored

    link = next(link for link in links(fund) if link.kind is RecordKind.minutes)
    minutes = db.session.get(Minutes, link.minutes_id)
    assert json.loads(link.payload)["pdf_sha256"] == minutes.sha256
    original = read_stored(minutes.storage_key)
    write_stored(minutes.storage_key, original + b"\n% edited")
    try:
        fails_naming(demo_app, f"{minutes.meeting.reference} minutes", "pdf_sha256")
    finally:
        write_stored(minutes.storage_key, original)
    assert verify(demo_app).exit_code == 0
