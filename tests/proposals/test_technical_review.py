"""Technical reviewers: invited by the FMU under the committee's conflict rules, they see only the proposals they
are invited to and comment for the FMU and the Steering Committee, through the pages; every act is audited."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import ProposalState, ReviewComment, ReviewInvitation
from fundmgr.proposals.queries import PROPOSALS, list_query
from fundmgr.steering.models import Conflict
from tests.factories import sign_in


@pytest.fixture
def reviewer(make_user):
    """A technical reviewer from UNFPA (not taking part in the IOM-UNHCR proposals)."""
    return make_user(Role.technical_reviewer, org="UNFPA", name="Ana Expert")


def test_an_invited_reviewer_comments_for_the_fmu_and_the_committee(client, make_proposal, fmu, reviewer, make_user):
    proposal = make_proposal(ProposalState.in_review)
    other = make_proposal(ProposalState.in_review, title="Not for the reviewer")
    db.session.commit()
    sign_in(client, reviewer)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404  # not invited: not known

    sign_in(client, fmu)
    page = client.get(f"/proposals/{proposal.id}/technical-review")
    assert "Ana Expert" in page.text  # among those who may be invited
    answer = client.post(f"/proposals/{proposal.id}/technical-review/invite", data={"reviewer": str(reviewer.id)})
    assert answer.status_code == 302

    sign_in(client, reviewer)
    assert client.get(f"/proposals/{proposal.id}").status_code == 200
    assert client.get(f"/proposals/{other.id}").status_code == 404
    listed = db.session.scalars(list_query(reviewer, proposal.fund, PROPOSALS.read({}))).all()
    assert listed == [proposal]
    answer = client.post(f"/proposals/{proposal.id}/technical-review/comments", data={"body": "  "})
    assert answer.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(ReviewComment.id))) == 0
    answer = client.post(f"/proposals/{proposal.id}/technical-review/comments",
                         data={"body": "The corridor analysis <b>misses</b> transit countries."})  # fmt: skip
    assert answer.status_code == 302

    member = make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-")
    db.session.commit()
    for person in (fmu, member):
        sign_in(client, person)
        for path in (f"/proposals/{proposal.id}", f"/proposals/{proposal.id}/technical-review"):
            text = client.get(path).text
            assert "The corridor analysis &lt;b&gt;misses&lt;/b&gt; transit countries." in text
    agency = proposal.created_by
    sign_in(client, agency)
    assert "misses" not in client.get(f"/proposals/{proposal.id}").text
    assert client.get(f"/proposals/{proposal.id}/technical-review").status_code == 403
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.action.like("review.%"))))
    assert actions == {"review.invited", "review.commented"}

    sign_in(client, fmu)
    invitation = db.session.scalar(sa.select(ReviewInvitation))
    answer = client.post(
        f"/proposals/{proposal.id}/technical-review/{invitation.id}/withdraw", data={"confirmed": "yes"}
    )
    assert answer.status_code == 302
    sign_in(client, reviewer)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_the_committees_conflict_rules_keep_a_reviewer_out(make_proposal, fmu, reviewer, make_user):
    """A reviewer of an organization taking part, or with a declared conflict, is neither invited nor heard."""
    proposal = make_proposal(ProposalState.in_review)
    unhcr = make_user(Role.technical_reviewer, org="UNHCR")
    with pytest.raises(ValidationFailed, match="conflict of interest"):
        ops.invite_reviewer(proposal, unhcr, actor=fmu)
    ops.invite_reviewer(proposal, reviewer, actor=fmu)
    with pytest.raises(ValidationFailed, match="already invited"):
        ops.invite_reviewer(proposal, reviewer, actor=fmu)
    db.session.add(Conflict(proposal_id=proposal.id, member_id=reviewer.id, reason="Former consultant"))
    db.session.flush()
    with pytest.raises(NotAllowed, match="conflict of interest"):
        ops.comment_on(proposal, "Fine.", actor=reviewer)


@pytest.mark.parametrize("state", [ProposalState.draft, ProposalState.endorsed, ProposalState.rejected])
def test_technical_review_is_open_only_from_submission_to_decision(make_proposal, fmu, reviewer, state):
    proposal = make_proposal(state)
    with pytest.raises(ValidationFailed, match="from submission until"):
        ops.invite_reviewer(proposal, reviewer, actor=fmu)


def test_only_the_fmu_invites_and_only_the_invited_comment(make_proposal, reviewer, make_user):
    proposal = make_proposal(ProposalState.screening)
    member = make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-")
    for actor in (member, reviewer, proposal.created_by, None):
        with pytest.raises(NotAllowed):
            ops.invite_reviewer(proposal, reviewer, actor=actor)
    with pytest.raises(NotAllowed, match="not invited"):
        ops.comment_on(proposal, "Hello", actor=reviewer)
    with pytest.raises(NotAllowed):
        ops.comment_on(proposal, "Hello", actor=member)
