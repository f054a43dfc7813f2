"""The overlap check at screening: the fund's other proposals that look like the one screened, with the reason."""

from __future__ import annotations

import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.models import Country
from fundmgr.proposals.models import Corridor, CorridorStop, ProposalState
from fundmgr.proposals.overlap import overlaps_of
from tests.factories import sign_in

SUMMARY = (
    "In the districts of Kalambo and Tessaoua, returning migrants lack access to reintegration services. IOM and "
    "UNHCR will train the Ministry of Labour and the Kalambo Women's Network, open 12 one-stop centres and give "
    "grants to 40 migrant associations; 6,500 returnees will receive counselling and job placement."
)
REWORDED = (
    "Returning migrants in Tessaoua and Kalambo districts cannot reach reintegration services. The Ministry of "
    "Labour and the Kalambo Women's Network will be coached by IOM and UNHCR, who will set up 12 one-stop offices "
    "and award small grants to 40 migrant associations; 6,500 returnees will get advice and job placement."
)
UNRELATED = (
    "Climate change pushes fishing communities of the Pacific to move inland. The programme maps disaster "
    "displacement risk with the national statistics office and drafts planned relocation guidelines with villages."
)


def proposal_with(make_proposal, state, title, summary, **kw):
    proposal = make_proposal(state, title=title, **kw)
    proposal.summary = summary
    db.session.commit()
    return proposal


def test_a_reworded_proposal_is_listed_with_its_reasons_and_an_unrelated_one_is_not(make_proposal):
    """Is a resubmission under new words found, with the shared country and organizations, and not a stranger?"""
    screened = proposal_with(make_proposal, ProposalState.screening, "Reintegration of returning migrants", SUMMARY)
    twin = proposal_with(make_proposal, ProposalState.rejected, "Sustainable reintegration for returnees", REWORDED)
    proposal_with(make_proposal, ProposalState.approved, "Planned relocation in the Pacific", UNRELATED,
                  country="FJI", lead="UNDP", partners=("UNICEF",))  # fmt: skip
    found = overlaps_of(screened)
    assert [o.proposal.id for o in found] == [twin.id]
    assert found[0].shared_countries == [screened.country.label]
    assert found[0].shared_organizations == sorted(p.organization.label for p in screened.participants)
    assert found[0].likeness.score >= 55


def test_concept_notes_on_the_same_corridor_share_its_countries(make_proposal):
    """A concept note placed by its corridor (no country of its own) and a reworded one on a corridor through some
    of the same countries: are the corridors' countries shared, and do they count in the score?"""

    def on_corridor(proposal, *codes):
        countries = {c.iso3: c for c in db.session.scalars(sa.select(Country).where(Country.iso3.in_(codes)))}
        proposal.country = None
        proposal.corridors = [Corridor(position=0, stops=[CorridorStop(position=n, country=countries[code])
                                                          for n, code in enumerate(codes)])]  # fmt: skip
        db.session.commit()
        return proposal

    screened = on_corridor(proposal_with(make_proposal, ProposalState.screening, "Reintegration of returning migrants",
                                         SUMMARY, concept_note=True), "SEN", "MRT", "MAR", "ESP")  # fmt: skip
    twin = on_corridor(proposal_with(make_proposal, ProposalState.rejected, "Sustainable reintegration for returnees",
                                     REWORDED, concept_note=True), "SEN", "MAR", "ESP")  # fmt: skip
    [found] = overlaps_of(screened)
    assert found.proposal.id == twin.id
    assert len(found.shared_countries) == 3
    assert found.likeness.score >= found.likeness.text_score * 0.8 + 10  # every country of the shorter corridor


def test_a_draft_never_submitted_is_not_compared(make_proposal):
    screened = proposal_with(make_proposal, ProposalState.screening, "Reintegration of returning migrants", SUMMARY)
    proposal_with(make_proposal, ProposalState.draft, "Sustainable reintegration for returnees", REWORDED)
    assert overlaps_of(screened) == []


def test_the_screening_page_shows_the_fmu_the_proposals_that_look_alike(client, make_proposal, make_user):
    screened = proposal_with(make_proposal, ProposalState.screening, "Reintegration of returning migrants", SUMMARY)
    from fundmgr.proposals import operations as ops

    fmu = make_user(Role.fmu)
    screened.state = ProposalState.submitted
    ops.start_screening(screened, actor=fmu)
    twin = proposal_with(make_proposal, ProposalState.endorsed, "Sustainable reintegration for returnees", REWORDED)
    db.session.commit()
    page = sign_in(client, fmu).get(f"/proposals/{screened.id}/screening").get_data(as_text=True)
    assert twin.reference in page
    assert "Shared countries: Tajikistan" in page
