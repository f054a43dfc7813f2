"""Undo within the page for content taken away from a draft beyond its results matrix: budget lines cleared in the
grid, participating UN organizations and national partners taken off; one restore route for all of them."""

from __future__ import annotations

from decimal import Decimal

from fundmgr.db import db
from fundmgr.proposals import operations as ops
from fundmgr.proposals.grid import cell_name, rate_name
from fundmgr.proposals.models import PartnerKind, ProposalState
from fundmgr.proposals.operations.stages import concept_state
from tests.factories import sign_in


def lines_of(proposal) -> list[tuple[int, int, int, Decimal]]:
    db.session.expire_all()
    return sorted((ln.organization_id, ln.category_id, ln.year, ln.amount) for ln in proposal.budget_lines)


def test_clearing_a_budget_row_can_be_undone(client, make_proposal):
    """Clearing one organization's row of the grid removes its lines; the message's Undo puts them back."""
    proposal = make_proposal(lead="IOM", partners=("UNHCR",))
    before = lines_of(proposal)
    unhcr = next(p for p in proposal.participants if p.organization.code == "UNHCR")
    form = {rate_name(p.organization_id): str(p.indirect_rate) for p in proposal.participants}
    for org_id, category_id, year, amount in before:
        form[cell_name(org_id, category_id, year)] = "" if org_id == unhcr.organization_id else str(amount)
    sign_in(client, proposal.created_by)
    shown = client.post(f"/proposals/{proposal.id}/budget", data=form, follow_redirects=True).get_data(as_text=True)
    assert "the lines you cleared were removed" in shown
    assert f'action="/proposals/{proposal.id}/restore"' in shown
    assert all(org_id != unhcr.organization_id for org_id, *_ in lines_of(proposal))
    back = client.post(f"/proposals/{proposal.id}/restore")
    assert back.headers["Location"].endswith(f"/proposals/{proposal.id}/budget")
    assert lines_of(proposal) == before
    again = client.post(f"/proposals/{proposal.id}/restore", follow_redirects=True).get_data(as_text=True)
    assert "There is nothing to undo." in again


def test_a_budget_save_that_clears_nothing_offers_no_undo(client, make_proposal):
    proposal = make_proposal()
    form = {rate_name(p.organization_id): str(p.indirect_rate) for p in proposal.participants}
    for org_id, category_id, year, amount in lines_of(proposal):
        form[cell_name(org_id, category_id, year)] = str(amount)
    sign_in(client, proposal.created_by)
    shown = client.post(f"/proposals/{proposal.id}/budget", data=form, follow_redirects=True).get_data(as_text=True)
    assert "Budget saved." in shown
    assert f'action="/proposals/{proposal.id}/restore"' not in shown


def test_removing_a_participating_organization_can_be_undone(client, make_proposal):
    """Taking UNHCR off takes its budget with it; Undo brings back the organization, its rate and its lines."""
    proposal = make_proposal(lead="IOM", partners=("UNHCR",))
    unhcr = next(p for p in proposal.participants if p.organization.code == "UNHCR")
    unhcr.indirect_rate = Decimal("0.05")
    db.session.commit()
    before = lines_of(proposal)
    sign_in(client, proposal.created_by)
    shown = client.post(f"/proposals/{proposal.id}/organizations", data={"lead": "IOM"}, follow_redirects=True)
    assert f'action="/proposals/{proposal.id}/restore"' in shown.get_data(as_text=True)
    db.session.expire_all()
    assert [p.organization.code for p in proposal.participants] == ["IOM"]
    back = client.post(f"/proposals/{proposal.id}/restore")
    assert back.headers["Location"].endswith(f"/proposals/{proposal.id}/organizations")
    db.session.expire_all()
    assert sorted((p.organization.code, p.indirect_rate) for p in proposal.participants)[1] == (
        "UNHCR",
        Decimal("0.05"),
    )
    assert lines_of(proposal) == before


def test_removing_a_national_partner_can_be_undone(make_proposal):
    """The concept note's save returns the partners it took off; the one restore puts them back in place."""
    note = make_proposal(ProposalState.draft, concept_note=True)
    state = concept_state(note)
    content = ops.ConceptContent(
        **{k: state[k] for k in ("problem_statement", "theory_of_change", "cooperation_framework",
                                 "knowledge_platform", "rc_endorsement", "global_scope", "sdg_targets")},
        partners=[ops.PartnerEntry("Ministry of Labour", PartnerKind.government, "Licenses recruiters."),
                  ops.PartnerEntry("Migrant Workers Union", PartnerKind.civil_society, "Counsels workers.")],
    )  # fmt: skip
    ops.save_concept_content(note, content, actor=note.created_by)
    before = [(p.name, p.kind, p.role) for p in note.national_partners]
    content.partners = content.partners[1:]
    removed = ops.save_concept_content(note, content, actor=note.created_by)
    assert removed["kind"] == "national_partners"
    assert [p.name for p in note.national_partners] == ["Migrant Workers Union"]
    ops.restore_removed(note, removed, actor=note.created_by)
    db.session.commit()
    db.session.expire_all()
    assert [(p.name, p.kind, p.role) for p in note.national_partners] == before
    assert [p.position for p in note.national_partners] == [0, 1]
