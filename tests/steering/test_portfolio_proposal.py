"""The portfolio proposal page: the FMU asks, the committee reads the selection and why each proposal is out."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from io import BytesIO

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.steering import operations as ops
from fundmgr.steering.documents import meeting_pack_pdf, minutes_pdf
from fundmgr.steering.models import DecisionOutcome, MeetingMode, PortfolioRun, Stance
from tests.factories import sign_in
from tests.support import TODAY


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def scored(fund, committee, in_review, assign, submit_review):
    """Three proposals in review scored 5, 4 and 3, each needing USD 1,284,000.00; two in Ecuador, one in Tajikistan."""

    def _make():
        made = []
        for title, value, country in (("Best in Ecuador", 5, "ECU"), ("Second in Ecuador", 4, "ECU"),
                                      ("Third in Tajikistan", 3, "TJK")):  # fmt: skip
            proposal = in_review(lead="UNDP", partners=("UNFPA",), title=title, country=country)
            assign(proposal)
            submit_review(proposal, committee.germany, value)
            made.append(proposal)
        return made

    return _make


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(data)).pages)


def ask(client, **fields):
    data = {"budget": "3,000,000.00", "submit": "1"} | fields
    return client.post("/steering/portfolio/proposal", data=data)


def test_a_budget_bound_proposal_says_how_much_more_it_needs(client, committee, scored):
    """With money for two, the third is out for the budget, by the amount it lacks and its distance in score."""
    scored()
    sign_in(client, committee.fmu)
    assert ask(client).status_code == 302
    page = text(client.get("/steering/portfolio/proposal"))
    assert "Best in Ecuador" in page
    assert "Second in Ecuador" in page
    assert "Budget: needs USD 852,000.00 more." in page  # 1,284,000.00 needed, 432,000.00 left
    assert "Score 1.00 below the last one taken." in page
    assert "432,000.00" in page  # remaining: 3,000,000.00 − 2 × 1,284,000.00


def test_a_cap_bound_proposal_names_the_country_whose_cap_is_reached(client, committee, scored):
    """At most one per country: the second in Ecuador is out for Ecuador, and the third one is taken instead."""
    scored()
    sign_in(client, committee.fmu)
    assert ask(client, per_country="1").status_code == 302
    page = text(client.get("/steering/portfolio/proposal"))
    assert "Limit of proposals per country reached for Ecuador." in page
    run = db.session.scalar(sa.select(PortfolioRun))
    titles = {c["reference"]: c["title"] for c in run.candidates}
    assert sorted(titles[r] for r in run.result["selected"]) == ["Best in Ecuador", "Third in Tajikistan"]


def test_a_must_exclude_is_the_reason_given(client, committee, scored):
    best, *_rest = scored()
    sign_in(client, committee.fmu)
    assert ask(client, exclude=str(best.id)).status_code == 302
    page = text(client.get("/steering/portfolio/proposal"))
    assert "Excluded by the Fund Management Unit." in page


def test_the_same_request_gives_the_same_answer(fund, committee, scored):
    """Ties included: three equal needs, a budget for two; asked twice, the same two."""
    scored()
    request = ops.PortfolioRequest(budget=Decimal("3000000.00"))
    first = ops.propose_portfolio(fund, request, actor=committee.fmu)
    second = ops.propose_portfolio(fund, request, actor=committee.fmu)
    assert first.result == second.result


def test_a_recused_member_sees_the_title_only(client, committee, in_review, assign, submit_review):
    """The chair (IOM) is recused from an IOM-led proposal: no score and no reason for it on the page."""
    mine = in_review(title="Led by IOM")
    assign(mine)
    submit_review(mine, committee.germany, 4)
    ops.propose_portfolio(mine.fund, ops.PortfolioRequest(budget=Decimal("1.00")), actor=committee.fmu)
    db.session.commit()
    sign_in(client, committee.chair)
    page = text(client.get("/steering/portfolio/proposal"))
    assert "You are recused from these proposals" in page
    assert "Budget: needs" not in page
    assert "Ask for a portfolio proposal" not in page


def test_only_the_fmu_asks_and_a_refused_request_writes_nothing(client, fund, committee, scored):
    scored()
    sign_in(client, committee.germany)
    assert ask(client).status_code == 403
    with pytest.raises(NotAllowed):
        ops.propose_portfolio(fund, ops.PortfolioRequest(budget=Decimal("1.00")), actor=committee.germany)
    sign_in(client, committee.fmu)
    refused = ask(client, budget="0", area_floor_TA1="60", area_ceiling_TA1="40")
    assert refused.status_code == 200
    assert "The budget must be more than zero." in text(refused)
    assert "A floor is above its ceiling (TA1)." in text(refused)
    with pytest.raises(ValidationFailed):
        ops.propose_portfolio(fund, ops.PortfolioRequest(budget=Decimal("5.00"), include={1}, exclude={1}),
                              actor=committee.fmu)  # fmt: skip
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PortfolioRun)) == 0


def test_the_pack_shows_the_recommendation_with_its_reasons_and_where_the_decisions_departed(
    fund, committee, scored, frozen_clock
):
    """Recommended: the two best; the committee defers the best and endorses the third: both are departures."""
    best, _second, third = scored()
    frozen_clock(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    ops.propose_portfolio(fund, ops.PortfolioRequest(budget=Decimal("3000000.00")), actor=committee.fmu)
    frozen_clock(datetime(2026, 11, 2, 10, 0, tzinfo=UTC))
    meeting = ops.schedule_meeting(fund, ops.MeetingData("Portfolio meeting", TODAY, MeetingMode.hybrid),
                                   actor=committee.fmu)  # fmt: skip
    items = ops.add_agenda_items(meeting, [best, third], actor=committee.fmu)
    before = pdf_text(meeting_pack_pdf(meeting, committee.fmu))
    assert "Portfolio proposal (recommendation)" in before
    assert "Budget: needs USD 852,000.00 more." in before
    assert "departed" not in before
    ops.record_attendance(meeting, {m.id for m in committee.members[:6]}, actor=committee.fmu)
    ops.start_meeting(meeting, actor=committee.fmu)
    frozen_clock(datetime(2026, 11, 2, 11, 0, tzinfo=UTC))
    ops.propose_portfolio(fund, ops.PortfolioRequest(budget=Decimal("9000000.00")), actor=committee.fmu)  # later
    for item, outcome in ((items[0], DecisionOutcome.defer), (items[1], DecisionOutcome.endorse)):
        ops.open_item(item, actor=committee.fmu)
        ops.state_position(item, committee.germany, ops.PositionData(Stance.support), actor=committee.germany)
        ops.record_decision(item, ops.DecisionData(outcome, "Revise." if outcome is DecisionOutcome.defer else ""),
                            actor=committee.fmu)  # fmt: skip
    after = pdf_text(meeting_pack_pdf(meeting, committee.fmu))
    assert "Budget: needs USD 852,000.00 more." in after  # what was recommended when the meeting began
    assert "Where the decisions departed from the recommendation" in after
    assert "Best in Ecuador: recommended, decided: Deferred for revision." in after
    assert "Third in Tajikistan: not recommended, decided: Endorsed into the pipeline." in after
    ops.end_meeting(meeting, actor=committee.fmu)
    minutes = pdf_text(minutes_pdf(meeting, committee.fmu))
    assert "Where the decisions departed from the recommendation" in minutes
    assert "Best in Ecuador: recommended, decided: Deferred for revision." in minutes


@pytest.mark.once
def test_a_candidate_in_two_areas_reaches_the_optimiser_and_the_targets_split_to_the_cent():
    """A 60/40 candidate's gap of 10,000.01 counts 6,000.01 to its primary area and 4,000.00 to the other, in the
    optimiser's options and in the targets the pack shows; a run stored before areas were kept counts it wholly."""
    from fundmgr.steering.optimiser import Group
    from fundmgr.steering.portfolio_proposal import options_of, part_in

    candidate = {
        "reference": "MIG-1",
        "score": "4.0000",
        "gap": "10000.01",
        "area": "TA1",
        "region": "019",
        "country": "EC",
        "organization": "IOM",
        "marker": False,
        "areas": [["TA1", "60.00"], ["TA2", "40.00"]],
    }
    (option,) = options_of([candidate])
    assert option.areas == (("TA1", 600_001), ("TA2", 400_000))
    assert part_in(candidate, Group.area, "TA1") == Decimal("6000.01")
    assert part_in(candidate, Group.area, "TA2") == Decimal("4000.00")
    assert part_in(candidate, Group.region, "019") == Decimal("10000.01")
    stored_before = {key: value for key, value in candidate.items() if key != "areas"}
    (old,) = options_of([stored_before])
    assert old.areas == ()
    assert old.part_in(Group.area, "TA1") == 1_000_001
    assert part_in(stored_before, Group.area, "TA2") == Decimal("0.00")
