"""Each rule of the fund that submission checks, one problem per broken rule."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.models import Country
from fundmgr.proposals.models import BudgetLine, Participant
from fundmgr.proposals.rules import submission_problems
from tests.factories import organization, sign_in


def country(iso3: str) -> Country:
    return db.session.scalar(sa.select(Country).where(Country.iso3 == iso3))


def test_a_complete_draft_has_no_problem(make_ready_draft):
    assert submission_problems(make_ready_draft()) == []


def test_one_objective_must_belong_to_the_primary_area(make_ready_draft, fund):
    """Objectives from other areas are fine, as long as one is the primary area's (TA2: 2, 7, 8, 12, 13, 23)."""
    proposal = make_ready_draft(area="TA2")
    by_number = {o.number: o for o in fund.objectives}
    proposal.objectives = [by_number[5], by_number[6]]
    problems = submission_problems(proposal)
    assert len(problems) == 1
    assert "primary thematic area" in problems[0]
    assert "2, 7, 8, 12, 13, 23" in problems[0]
    proposal.objectives = [by_number[5], by_number[13]]
    assert submission_problems(proposal) == []


def test_a_joint_programme_needs_two_organizations_and_a_lead_among_them(make_ready_draft):
    proposal = make_ready_draft(partners=())
    assert any("at least 2 Participating UN Organizations; this one has 1" in p for p in submission_problems(proposal))
    proposal = make_ready_draft(partners=("UNHCR",))
    proposal.lead_organization = organization("UNICEF")
    assert submission_problems(proposal) == ["The lead organization must be one of the Participating UN Organizations."]


@pytest.mark.parametrize(
    ("level", "justification", "expected"),
    [
        (0, "Explained.", "must be at least 1"),
        (2, "  ", "Justify the level"),
        (None, "", "Rate the programme on the Gender marker"),
    ],
)
def test_markers_are_rated_at_the_required_level_and_justified(make_ready_draft, level, justification, expected):
    proposal = make_ready_draft()
    gender = next(m for m in proposal.markers if m.marker.code == "gender")
    gender.level, gender.justification = level, justification
    problems = submission_problems(proposal)
    assert len(problems) == 1
    assert expected in problems[0]


@pytest.mark.parametrize(("months", "ok"), [(11, False), (12, True), (48, True), (49, False)])
def test_duration_within_the_funds_limits(make_ready_draft, months, ok):
    proposal = make_ready_draft(duration_months=months)
    problems = [p for p in submission_problems(proposal) if "duration" in p]
    assert (problems == []) is ok


def test_start_date_and_endorsement_are_required(make_ready_draft):
    proposal = make_ready_draft()
    proposal.start_date = None
    proposal.government_endorsement = False
    for attachment in proposal.attachments:
        attachment.removed_at = attachment.uploaded_at
    assert submission_problems(proposal) == [
        "Give the planned start date.",
        "The government must endorse the programme before it is submitted.",
        "Attach the government’s endorsement letter.",
    ]


@pytest.mark.parametrize(
    ("direct", "ok"),
    [
        ({"IOM": "500000.00", "UNHCR": "434579.44"}, True),  # with 7% indirect costs: 1,000,000.00 exactly
        ({"IOM": "500000.00", "UNHCR": "434579.43"}, False),  # 999,999.99
        ({"IOM": "3000000.00", "UNHCR": "1672897.20"}, True),  # 5,000,000.00 exactly
        ({"IOM": "3000000.00", "UNHCR": "1672897.21"}, False),  # 5,000,000.01
    ],
)
def test_total_budget_within_the_funds_range_to_the_cent(make_ready_draft, direct, ok):
    proposal = make_ready_draft(direct=direct)
    problems = [p for p in submission_problems(proposal) if "total budget" in p]
    assert (problems == []) is ok


def test_rates_above_the_cap_years_beyond_the_duration_and_empty_budgets(make_ready_draft):
    proposal = make_ready_draft(duration_months=24)
    unhcr = next(p for p in proposal.participants if p.organization.code == "UNHCR")
    unhcr.indirect_rate = Decimal("0.08")
    iom = organization("IOM")
    proposal.budget_lines.append(BudgetLine(organization=iom, category=proposal.fund.budget_categories[0], year=3,
                                            amount=Decimal("10.00")))  # fmt: skip
    proposal.participants.append(Participant(organization=organization("UNICEF"), indirect_rate=Decimal("0.07")))
    db.session.flush()
    problems = submission_problems(proposal)
    assert "The indirect cost rate of UNHCR may not exceed 7.00%." in problems
    assert "The budget has amounts in year 3, beyond the programme’s 2 years." in problems
    assert "UNICEF has no budget." in problems


def test_multi_country_programmes_name_countries_of_their_region(make_ready_draft):
    proposal = make_ready_draft(country=None, region="011")  # Western Africa
    proposal.countries = [country("GIN")]
    assert submission_problems(proposal) == ["A multi-country programme names at least two countries."]
    proposal.countries = [country("GIN"), country("LBR"), country("KEN")]
    assert submission_problems(proposal) == ["These countries are not in the programme’s region: Kenya."]
    proposal.countries = [country("GIN"), country("LBR")]
    assert submission_problems(proposal) == []


def test_indicators_need_baseline_target_and_verification(make_ready_draft):
    proposal = make_ready_draft()
    indicator = proposal.outcomes[0].outputs[0].indicators[0]
    indicator.baseline = None
    indicator.means_of_verification = ""
    assert submission_problems(proposal) == [
        "The indicator “Number of officials trained” has no baseline, means of verification."
    ]


def test_problems_come_in_the_users_language(client, make_ready_draft):
    """Does a French-speaking lead see the fund's names in French in the problems listed?"""
    proposal = make_ready_draft()
    proposal.created_by.locale = "fr"
    gender = next(m for m in proposal.markers if m.marker.code == "gender")
    gender.level = None
    db.session.commit()
    sign_in(client, proposal.created_by)
    html = client.post(f"/proposals/{proposal.id}/submit").get_data(as_text=True)
    assert "Marqueur de genre" in html


def test_problem_list_for_an_fmu_reader_is_not_shown(client, make_ready_draft, make_user):
    proposal = make_ready_draft()
    sign_in(client, make_user(Role.fmu))
    assert "Before it can be submitted" not in client.get(f"/proposals/{proposal.id}").get_data(as_text=True)


def test_each_problem_links_to_the_page_that_fixes_it(client, make_ready_draft, make_user):
    """The problems listed on the draft's page are links to the tab where the user fixes each one."""
    proposal = make_ready_draft(partners=())
    proposal.summary = ""
    proposal.outcomes.clear()
    db.session.flush()
    problems = {p.endpoint for p in submission_problems(proposal)}
    assert {"proposals.details", "proposals.organizations", "proposals.matrix"} <= problems
    sign_in(client, make_user(Role.agency, org=proposal.lead_organization.code))
    html = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert f'<a href="/proposals/{proposal.id}/details">Write a summary of the programme.</a>' in html
    assert f'<a href="/proposals/{proposal.id}/matrix">Add at least one outcome' in html
