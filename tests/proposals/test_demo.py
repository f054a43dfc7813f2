"""The demo proposals: written through the operations, budgets exact, statuses reached, idempotent."""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.demo.seed import seed_organizations, seed_users
from fundmgr.proposals.demo import participant_directs, seed_proposals
from fundmgr.proposals.models import AttachmentKind, Proposal, ProposalStage, ProposalState
from fundmgr.scenario import demo_data
from tests.support.passwords import cheap_password_hashing


def test_demo_proposals_reach_their_status_with_exact_budgets(fund):
    """Does every demo proposal exist once, at its intake status, with the demo file's budget to the cent?"""
    seed_organizations(fund)
    with cheap_password_hashing():  # 58 people: ten seconds at production's cost, for a test of proposals
        seed_users(fund, "demo-password-123")
    seed_proposals(fund)
    db.session.commit()
    proposals = {p.title: p for p in db.session.scalars(sa.select(Proposal).where(Proposal.fund_id == fund.id))}
    beyond_intake = {"endorsed", "approved", "active", "closed", "deferred", "rejected"}
    for spec in demo_data()["proposals"]:
        proposal = proposals[spec["title"]["en"]]
        expected = "in_review" if spec["status"] in beyond_intake else spec["status"]
        assert proposal.state is ProposalState(expected), spec["key"]
        assert proposal.total_amount == Decimal(spec["budget_total"]), spec["key"]
        if proposal.version_count:  # the reference is of the year of the first submission
            year = proposal.versions[0].submitted_at.year
            assert proposal.reference.startswith(f"MIG-{year}-"), spec["key"]
            if spec.get("submitted_on"):  # the programmes the committee took up years ago: their year
                assert year == spec["submitted_on"].year, spec["key"]
        else:
            assert (proposal.reference_number, proposal.reference) == (None, "Draft"), spec["key"]
        if proposal.version_count:
            assert proposal.latest_version.total == Decimal(spec["budget_total"])
    returned = proposals[
        "Access to HIV and health services for migrants and mobile populations along the Maputo Corridor"
    ]
    assert returned.latest_screening.reasons
    assert not returned.government_endorsement
    assert not any(a.kind is AttachmentKind.endorsement_letter for a in returned.current_attachments)

    assert seed_proposals(fund)[0].startswith("0 demo proposals created")
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == len(proposals)


def test_participant_budgets_add_up_to_the_cent_with_indirect_costs():
    """Can any total be split so that direct plus 7% indirect costs of each organization add up exactly?"""
    rates = [Decimal("0.07")] * 3
    for total in ("1800000.00", "1000000.01", "2345678.91", "4999999.99"):
        directs = participant_directs(Decimal(total), rates)
        assert sum(d + (d * Decimal("0.07")).quantize(Decimal("0.01"), "ROUND_HALF_UP") for d in directs) == Decimal(
            total
        )


def test_the_demos_technical_reviewer_comments_on_the_one_proposal_she_is_invited_to(demo_app, client):
    """The demo's expert (UNFPA, of the Network's working groups) reviews one proposal before the committee: she
    sees it and her comment, the FMU reads it, and she sees no other proposal."""
    from fundmgr.accounts.models import User
    from tests.factories import sign_in

    reviewer = db.session.scalar(sa.select(User).where(User.email == "mariam.tadesse@fundmgr.example"))
    spec = next(s for s in demo_data()["proposals"] if s.get("technical_review"))
    documents = sa.select(Proposal).where(Proposal.stage == ProposalStage.programme_document)
    reviewed = db.session.scalar(documents.where(Proposal.title == spec["title"]["en"]))
    other = db.session.scalar(sa.select(Proposal).where(Proposal.state == ProposalState.in_review,
                                                        Proposal.id != reviewed.id).limit(1))  # fmt: skip
    sign_in(client, reviewer)
    page = client.get(f"/proposals/{reviewed.id}/technical-review").get_data(as_text=True)
    assert "disaggregated by sex, age and migratory status" in page
    assert client.get(f"/proposals/{other.id}").status_code in (403, 404)
    fmu = db.session.scalar(sa.select(User).where(User.email == "fatou.diallo@fundmgr.example"))
    sign_in(client, fmu)
    page = client.get(f"/proposals/{reviewed.id}/technical-review").get_data(as_text=True)
    assert "Mariam Tadesse" in page
    assert "disaggregated by sex, age and migratory status" in page
