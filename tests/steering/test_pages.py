"""The steering pages at work through HTTP: scoring, conflicts, criteria, the live board, votes, decisions."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.finance.models import Allocation
from fundmgr.funds.models import Criterion
from fundmgr.i18n import LANGUAGES
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from fundmgr.steering.models import (
    Conflict,
    Decision,
    DecisionOutcome,
    Meeting,
    MeetingMode,
    MeetingState,
    Position,
    Review,
    ReviewState,
    Stance,
    Vote,
    VoteChoice,
)
from tests.factories import sign_in
from tests.support import TODAY

JSON = {"Accept": "application/json"}


def text(response) -> str:
    return response.get_data(as_text=True)


def review_form_data(fund, values, submit=True, **extra):
    data = {f"score_{c.id}": str(v) for c, v in zip(q.active_criteria(fund), values, strict=False)}
    data |= {"recommendation": "approve", "comment": "Well designed.", **extra}
    data["submit" if submit else "save"] = "1"
    return data


def test_a_member_scores_through_the_form(client, fund, committee, in_review, assign):
    """Draft first, then an incomplete submission (every problem listed), then a complete one."""
    proposal = in_review()
    assign(proposal)
    sign_in(client, committee.germany)
    url = f"/steering/proposals/{proposal.id}/review"
    page = client.get(url)
    assert page.status_code == 200
    assert "Alignment with the thematic area" in text(page)
    assert client.post(url, data=review_form_data(fund, [4, 4], submit=False)).status_code == 302
    response = client.post(url, data=review_form_data(fund, [4, 4, 4]))
    assert response.status_code == 200
    assert "a score is required" in text(response)
    assert "no conflict of interest" in text(response)
    db.session.expire_all()
    review = db.session.scalar(sa.select(Review))
    assert review.state is ReviewState.draft
    assert [s.value for s in review.scores][:3] == [4, 4, None]
    response = client.post(url, data=review_form_data(fund, [5, 4, 4, 4, 4, 3, 3], no_conflict="y"))
    assert response.status_code == 302
    db.session.expire_all()
    assert review.state is ReviewState.submitted
    page = text(client.get(f"/steering/proposals/{proposal.id}"))
    assert "Weighted mean" in page
    assert "4.00" in page


def test_a_recused_member_sees_the_title_and_nothing_else(client, fund, committee, in_review, assign, submit_review):
    """The UNHCR member, recused from a UNHCR proposal, sees neither scores nor reviewers, anywhere."""
    proposal = in_review(lead="IOM", partners=("UNHCR",), title="Safe migration corridors")
    assign(proposal)
    submit_review(proposal, committee.germany, 5)
    for assignment in q.assignments_of(proposal.latest_version.id):
        assignment.due_on = TODAY - timedelta(days=1)
    db.session.commit()
    sign_in(client, committee.unhcr)
    page = text(client.get(f"/steering/proposals/{proposal.id}"))
    assert "Safe migration corridors" in page
    assert "You are recused" in page
    assert "Weighted mean" not in page
    assert "Jonas Germany" not in page
    assert "5.00" not in page
    ranking = text(client.get("/steering/ranking"))
    assert "5.00" not in ranking
    assert "Proposals you are recused from" in ranking
    assert client.get(f"/steering/proposals/{proposal.id}/review").status_code == 403
    sign_in(client, committee.spain)
    assert "5.00" in text(client.get(f"/steering/proposals/{proposal.id}"))


def test_declaring_a_conflict_through_the_page(client, committee, in_review):
    proposal = in_review()
    sign_in(client, committee.germany)
    url = f"/steering/proposals/{proposal.id}/conflict"
    assert client.post(url, data={"reason": ""}, follow_redirects=True).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Conflict.id))) == 0
    response = client.post(url, data={"reason": "My ministry funds a partner."}, follow_redirects=True)
    assert "You are recused" in text(response)


def test_the_fmu_assigns_through_the_page(client, committee, in_review):
    proposal = in_review()
    sign_in(client, committee.fmu)
    page = text(client.get(f"/steering/proposals/{proposal.id}"))
    assert "Assign for scoring" in page
    assert "May not score" in page
    members = [committee.germany.id, committee.spain.id]
    due = (TODAY + timedelta(days=9)).isoformat()
    response = client.post(f"/steering/proposals/{proposal.id}/assign", data={"members": members, "due_on": due})
    assert response.status_code == 302
    assert {a.member_id for a in q.assignments_of(proposal.latest_version.id)} == set(members)


def criteria_form(fund, weights: list[str], **changes) -> dict:
    data = {}
    for i, c in enumerate(sorted(fund.criteria, key=lambda c: c.number)):
        prefix = f"rows-{i}-"
        data |= {prefix + "criterion_id": str(c.id), prefix + "code": c.code, prefix + "weight": weights[i],
                 prefix + "scale_min": "1", prefix + "scale_max": "5"}  # fmt: skip
        for language in LANGUAGES:
            data[f"{prefix}name_{language}"] = c.name[language]
            data[f"{prefix}guidance_{language}"] = c.guidance[language]
    return data | changes


def test_the_fmu_edits_the_criteria_weights_keep_summing_to_100(client, fund, committee):
    """Weights that add up to 90 % are refused with the sum; new weights adding up to 100 % are saved and audited."""
    sign_in(client, committee.fmu)
    assert "Scoring criteria" in text(client.get("/steering/criteria"))
    bad = client.post("/steering/criteria", data=criteria_form(fund, ["20", "15", "15", "15", "15", "5", "5"]))
    assert bad.status_code == 200
    assert "they add up to 90" in text(bad)
    good = criteria_form(fund, ["25", "15", "15", "15", "10", "10", "10"], **{"rows-0-name_fr": "Alignement"})
    assert client.post("/steering/criteria", data=good).status_code == 302
    db.session.expire_all()
    weights = [c.weight for c in sorted(fund.criteria, key=lambda c: c.number)]
    assert weights[0] == Decimal("0.25")
    assert weights[4] == Decimal("0.10")
    assert sum(weights) == 1
    assert fund.criteria[0].name["fr"] == "Alignement"


def test_adding_a_criterion_and_retiring_another(client, fund, committee):
    sign_in(client, committee.fmu)
    data = criteria_form(fund, ["20", "15", "15", "15", "15", "10", "10"], **{"rows-6-retired": "y"})
    data |= {"new-code": "innovation", "new-weight": "10", "new-scale_min": "1", "new-scale_max": "5"}
    data |= {f"new-{f}_{lang}": "Innovation" for f in ("name", "guidance") for lang in LANGUAGES}
    assert client.post("/steering/criteria", data=data).status_code == 302
    db.session.expire_all()
    codes = {c.code: c.retired for c in db.session.scalars(sa.select(Criterion).where(Criterion.fund_id == fund.id))}
    assert codes["innovation"] is False
    assert codes["stakeholder_engagement"] is True


def test_a_scale_already_scored_cannot_change(fund, committee, in_review, assign, submit_review):
    proposal = in_review()
    assign(proposal)
    submit_review(proposal, committee.germany, 3)
    rows = [
        ops.CriterionData(c, c.name, c.guidance, c.weight, 0, 10) for c in sorted(fund.criteria, key=lambda c: c.number)
    ]
    with pytest.raises(ValidationFailed) as refused:
        ops.update_criteria(fund, rows, actor=committee.fmu)
    assert sum("already scored" in p for p in refused.value.problems) == 7


@pytest.fixture
def running(fund, committee, in_review, assign, submit_review):
    """A meeting under way, every member present, a UNDP-UNFPA item open and an IOM-UNHCR item waiting."""
    open_one = in_review(lead="UNDP", partners=("UNFPA",), title="Labour mobility in the Pacific")
    waiting = in_review(lead="IOM", partners=("UNHCR",), title="Return and reintegration")
    for proposal in (open_one, waiting):
        assign(proposal)
        submit_review(proposal, committee.spain, 4)
    meeting = ops.schedule_meeting(fund, ops.MeetingData("SC 15", TODAY, MeetingMode.virtual, language="fr"),
                                   actor=committee.fmu)  # fmt: skip
    items = ops.add_agenda_items(meeting, [open_one, waiting], actor=committee.fmu)
    ops.record_attendance(meeting, {m.id for m in committee.members}, actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    ops.open_item(items[0], actor=committee.fmu)
    db.session.commit()
    return meeting, items


def test_votes_through_the_json_api(client, committee, by_majority, running):
    """201 for the first vote and for a change of mind (one vote counted), 403 for a member not allowed."""
    meeting, items = running
    url = f"/steering/meetings/{meeting.id}/items/{items[0].id}/vote"
    sign_in(client, committee.germany)
    first = client.post(url, data={"choice": "approve"}, headers=JSON)
    assert first.status_code == 201
    assert first.json == {"vote": {"item": items[0].id, "choice": "approve"}}
    second = client.post(url, data={"choice": "reject"}, headers=JSON)
    assert second.status_code == 201
    assert second.json == {"vote": {"item": items[0].id, "choice": "reject"}}
    bad = client.post(url, data={"choice": "maybe"}, headers=JSON)
    assert bad.status_code == 422
    sign_in(client, committee.fmu)
    assert client.post(url, data={"choice": "approve"}, headers=JSON).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 1


def test_a_vote_is_cast_once_confirmed_on_a_page_without_script(client, committee, by_majority, running):
    """Does a vote from the board's buttons ask for confirmation first (nothing recorded), then, confirmed, show
    the member's vote at the top of the board?"""
    meeting, items = running
    url = f"/steering/meetings/{meeting.id}/items/{items[0].id}/vote"
    sign_in(client, committee.germany)
    asked = client.post(url, data={"choice": "reject"})
    assert asked.status_code == 200
    page = asked.get_data(as_text=True)
    assert 'name="confirmed" value="yes"' in page
    assert "<script>" not in page
    assert "Yes, vote “Reject”" in text(asked)
    assert db.session.scalar(sa.select(sa.func.count(Vote.id))) == 0
    board = client.post(url, data={"choice": "reject", "confirmed": "yes"}, follow_redirects=True)
    assert "Your vote is recorded: Reject." in text(board)
    assert "You voted: Reject." in text(board)
    assert db.session.scalar(sa.select(Vote.choice)) is VoteChoice.reject


def test_the_board_json_shows_votes_as_they_come_in(client, committee, by_majority, running):
    meeting, items = running
    sign_in(client, committee.spain)
    board = client.get(f"/steering/meetings/{meeting.id}/board.json").json
    assert board["item"]["reference"] == items[0].proposal.reference
    assert board["item"]["votes_cast"] == 0
    assert board["item"]["can_vote"] is True
    assert board["item"]["quorum"] == {"eligible": 7, "present": 7, "required": 3, "met": True}
    unchanged = client.get(f"/steering/meetings/{meeting.id}/board.json?since={board['revision']}").json
    assert unchanged["unchanged"] is True
    assert "html" not in unchanged
    ops.cast_vote(items[0], committee.germany, VoteChoice.approve_with_conditions, actor=committee.germany)
    db.session.commit()
    after = client.get(f"/steering/meetings/{meeting.id}/board.json?since={board['revision']}").json
    assert after["revision"] != board["revision"]
    assert "Jonas Germany" in after["html"]
    assert after["item"]["votes"]["approve_with_conditions"] == 1
    assert after["announce"] == f"{items[0].proposal.reference}: Open for votes, 1 vote cast."


def test_a_recused_member_sees_no_scores_or_votes_on_the_board(client, committee, by_majority, running):
    meeting, items = running
    ops.close_item(items[0], actor=committee.fmu)
    ops.open_item(items[1], actor=committee.fmu)
    ops.cast_vote(items[1], committee.germany, VoteChoice.approve, actor=committee.germany)
    db.session.commit()
    sign_in(client, committee.unhcr)
    board = client.get(f"/steering/meetings/{meeting.id}/board.json").json
    assert board["item"]["redacted"] is True
    assert "votes" not in board["item"]
    assert "Jonas Germany" not in board["html"]
    assert "Weighted mean" not in board["html"]
    assert "Karim UNHCR" in board["html"]  # the recusal itself is shown to everyone
    sign_in(client, committee.spain)
    board = client.get(f"/steering/meetings/{meeting.id}/board.json").json
    assert "Jonas Germany" in board["html"]
    assert "Weighted mean" in board["html"]


def test_the_board_page_works_without_script(client, committee, running):
    meeting, _items = running
    sign_in(client, committee.morocco)
    page = text(client.get(f"/steering/meetings/{meeting.id}/board"))
    assert 'id="stance-support"' in page
    assert "steering-board.js" in page
    assert "Refresh" in page
    assert "<script>" not in page


def test_the_fmu_runs_the_meeting_through_the_pages(client, fund, committee, in_review, make_deposit):
    """Schedule, build the agenda, record attendance, start, open, record the approval."""
    make_deposit("2000000.00")
    proposal = in_review(lead="UNDP", partners=("UNFPA",))
    sign_in(client, committee.fmu)
    form = {"title": "SC 16", "held_on": TODAY.isoformat(), "mode": "in_person", "language": "es", "quorum": ""}
    response = client.post("/steering/meetings/new", data=form)
    assert response.status_code == 302
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.title == "SC 16"))
    base = f"/steering/meetings/{meeting.id}"
    assert client.post(f"{base}/agenda", data={"proposals": [proposal.id]}).status_code == 302
    present = [m.id for m in committee.members[:5]]
    assert client.post(f"{base}/attendance", data={"present": present}).status_code == 302
    assert client.post(f"{base}/start").status_code == 302
    db.session.expire_all()
    item = meeting.items[0]
    assert client.post(f"{base}/items/{item.id}/open").status_code == 302
    form = client.get(f"{base}/items/{item.id}/decision")
    assert "1,284,000.00" in text(form)
    refused = client.post(f"{base}/items/{item.id}/decision", data={"outcome": "approve_with_conditions",
                                                                    "approved_amount": "1,000,000.00"})  # fmt: skip
    assert refused.status_code == 200
    assert "State the conditions" in text(refused)
    # one amount per organization, prefilled with its budget; the committee's split must add up to the approval
    ids = {p.organization.code: p.organization_id for p in proposal.participants}
    assert "Amount for UNFPA" in text(form)
    approve = {"outcome": "approve", "approved_amount": "1,000,000.00"}
    split = {f"org_{ids['UNDP']}": "500,000.00", f"org_{ids['UNFPA']}": "400,000.00"}
    wrong = client.post(f"{base}/items/{item.id}/decision", data=approve | split)
    assert wrong.status_code == 200
    assert "add up to 900,000.00, not the approved amount (1,000,000.00)" in text(wrong)
    assert "Pro rata: 583,333.33" in text(wrong)  # UNDP's part of 1,000,000, pro rata of its 749,000 in 1,284,000
    assert db.session.scalar(sa.select(sa.func.count(Decision.id))) == 0
    split[f"org_{ids['UNFPA']}"] = "500,000.00"
    done = client.post(f"{base}/items/{item.id}/decision", data=approve | split)
    assert done.status_code == 302
    db.session.expire_all()
    decision = db.session.scalar(sa.select(Decision))
    assert decision.approved_amount == Decimal("1000000.00")
    allocated = db.session.execute(sa.select(Allocation.organization_id, Allocation.total)).tuples().all()
    assert dict(allocated) == {ids["UNDP"]: Decimal("500000.00"), ids["UNFPA"]: Decimal("500000.00")}
    assert proposal.state is ProposalState.approved
    trace = text(client.get(f"/steering/decisions/{decision.id}"))
    assert meeting.reference in trace
    assert "UNDP" in trace


def test_the_portfolio_tries_a_selection(client, fund, committee, in_review, assign, submit_review, make_deposit):
    """Default: what the money funds in ranking order; ticking another proposal shows its effect."""
    make_deposit("1500000.00")
    best = in_review(lead="UNDP", partners=("UNFPA",), area="TA1", title="Data for policy")
    second = in_review(lead="UNDP", partners=("UNFPA",), area="TA5", title="Inclusion in cities")
    for proposal, value in ((best, 5), (second, 3)):
        assign(proposal)
        submit_review(proposal, committee.germany, value)
    sign_in(client, committee.fmu)
    page = text(client.get("/steering/portfolio"))
    assert "Data for policy" in page
    assert "1,284,000.00" in page
    tried = text(client.get(f"/steering/portfolio?try=1&select={second.id}"))
    assert "Back to the default selection" in tried
    assert "100.0%" in tried  # TA5 holds the whole portfolio with that selection


def test_the_portfolio_shows_how_a_selection_moves_the_gender_marker_share(
    fund, committee, in_review, assign, submit_review, make_deposit
):
    """The marker row counts a selected proposal's money at or above the fund's level (gender 2) and not one below."""
    from fundmgr.steering.portfolio import build_portfolio

    make_deposit("3000000.00")
    rated = in_review(lead="UNDP", partners=("UNFPA",), area="TA1", marker_level=2)
    below = in_review(lead="UNDP", partners=("UNFPA",), area="TA5", marker_level=1)
    for proposal in (rated, below):
        assign(proposal)
        submit_review(proposal, committee.germany, 4)
    both = build_portfolio(committee.fmu, fund, {rated.id, below.id}).gender
    assert both is not None
    assert both.funded_share is None, "nothing funded yet"
    assert both.after_share == Decimal(rated.total_amount) / (rated.total_amount + below.total_amount)
    assert build_portfolio(committee.fmu, fund, {rated.id}).gender.after_share == 1
    assert build_portfolio(committee.fmu, fund, {below.id}).gender.after_share == 0


def test_the_pipeline_lists_endorsed_proposals_for_viewers_without_scores(client, committee, make_proposal, make_user):
    make_proposal(ProposalState.endorsed, lead="UNDP", partners=("UNFPA",), title="Pipeline programme")
    viewer = make_user(Role.viewer, org="GOV-NLD")
    sign_in(client, viewer)
    page = text(client.get("/steering/pipeline"))
    assert "Pipeline programme" in page
    assert "Weighted mean" not in page
    assert "Not yet" in page


def test_the_agencies_see_their_decision_and_conditions_but_not_the_votes(client, committee, running, make_user):
    """The proposal's agency reads the decision and its conditions; another agency gets 404; votes stay internal."""
    _meeting, items = running
    ops.state_position(items[0], committee.germany, ops.PositionData(Stance.support), actor=committee.germany)
    decision = ops.record_decision(
        items[0], ops.DecisionData(DecisionOutcome.defer, "Show the municipalities' co-financing."),
        actor=committee.fmu,
    )  # fmt: skip
    db.session.commit()
    sign_in(client, make_user(Role.agency, org="UNFPA"))
    page = text(client.get(f"/steering/decisions/{decision.id}"))
    assert "Show the municipalities" in page
    assert "Jonas Germany" not in page
    sign_in(client, make_user(Role.agency, org="WFP"))
    assert client.get(f"/steering/decisions/{decision.id}").status_code == 404
    sign_in(client, committee.spain)
    assert "Jonas Germany: Support" in text(client.get(f"/steering/decisions/{decision.id}"))


def test_the_home_card_lists_a_members_reviews_due_and_the_next_meeting(client, committee, in_review, assign, meeting):
    proposal = in_review()
    assign(proposal)
    sign_in(client, committee.germany)
    page = text(client.get("/"))
    assert "Reviews due" in page
    assert proposal.reference in page
    assert meeting.title in page
    sign_in(client, committee.fmu)
    assert meeting.title in text(client.get("/"))


def test_the_home_page_leads_members_to_a_meeting_under_way_in_one_tap(client, committee, meeting, live_item):
    """Is a member told on the home page, above the cards, that a meeting they attend is live, with its open item
    and a link to the live board; and is nobody told so before it starts?"""
    board = f'href="/steering/meetings/{meeting.id}/board"'
    sign_in(client, committee.germany)
    assert board not in client.get("/").get_data(as_text=True)  # scheduled, not under way
    item = live_item()
    page = client.get("/").get_data(as_text=True)
    assert board in page
    assert page.index(board) < page.index("Welcome,")  # first on a phone's screen
    assert f"Open item: {item.proposal.reference}" in text(client.get("/"))
    sign_in(client, committee.fmu)
    assert board in client.get("/").get_data(as_text=True)


def test_a_french_secretary_records_an_amount_written_the_french_way(client, committee, running, make_deposit):
    """The form shows "1 284 000,00" in French and reads it back to the cent."""
    make_deposit("2000000.00")
    meeting, items = running
    committee.fmu.locale = "fr"
    db.session.commit()
    sign_in(client, committee.fmu)
    url = f"/steering/meetings/{meeting.id}/items/{items[0].id}/decision"
    form = text(client.get(url))
    assert "1\u202f284\u202f000,00" in form or "1 284 000,00" in form
    assert client.post(url, data={"outcome": "approve", "approved_amount": "1 000 000,50"}).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Decision.approved_amount)) == Decimal("1000000.50")


def test_an_objection_and_ending_the_meeting_ask_for_confirmation_on_pages_without_inline_script(
    client, committee, running
):
    """Do an objection (consensus) and the end of the meeting each ask first on a page of their own, with no inline
    script, record nothing until confirmed, then show their result?"""
    meeting, items = running
    url = f"/steering/meetings/{meeting.id}/items/{items[0].id}/position"
    sign_in(client, committee.germany)
    asked = client.post(url, data={"stance": "object", "text": "Not costed."})
    page = asked.get_data(as_text=True)
    assert asked.status_code == 200
    assert 'name="confirmed" value="yes"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)  # scripts, if any, are files
    assert db.session.scalar(sa.select(sa.func.count(Position.id))) == 0
    board = client.post(url, data={"stance": "object", "text": "Not costed.", "confirmed": "yes"},
                        follow_redirects=True)  # fmt: skip
    assert "Your position: Object" in text(board)
    ops.close_item(items[0], actor=committee.fmu)
    db.session.commit()
    sign_in(client, committee.chair)
    confirm = client.post(f"/steering/meetings/{meeting.id}/end")
    page = confirm.get_data(as_text=True)
    assert "End the meeting?" in page
    assert 'id="confirm-yes"' in page
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert db.session.get(Meeting, meeting.id).state is MeetingState.in_progress
    ended = client.post(f"/steering/meetings/{meeting.id}/end", data={"confirmed": "yes"}, follow_redirects=True)
    assert "its minutes are drafted" in text(ended)
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).state is MeetingState.closed
