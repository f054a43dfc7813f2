"""The budget grid: amounts typed in the user's locale, every bad cell reported, totals to the cent."""

from __future__ import annotations

from decimal import Decimal

from fundmgr.db import db
from fundmgr.proposals.budget import budget_totals
from fundmgr.proposals.grid import cell_name, rate_name
from tests.factories import organization, sign_in


def grid_form(proposal, amounts: dict[tuple[str, int, int], str], rates: dict[str, str] | None = None) -> dict:
    """A budget grid post: every cell blank except the given (organization code, category number, year)."""
    categories = {c.number: c for c in proposal.fund.budget_categories}
    form = {}
    for participant in proposal.participants:
        form[rate_name(participant.organization_id)] = (rates or {}).get(participant.organization.code, "7")
        for category in categories.values():
            for year in (1, 2):
                form[cell_name(participant.organization_id, category.id, year)] = ""
    for (code, number, year), text in amounts.items():
        form[cell_name(organization(code).id, categories[number].id, year)] = text
    return form


def test_a_french_user_saves_a_budget_and_sees_it_with_french_separators(client, make_proposal):
    """Typed "1 234 567,89", saved as 1234567.89, shown back as « 1 234 567,89 » with French separators."""
    proposal = make_proposal(duration_months=24)
    proposal.created_by.locale = "fr"
    db.session.commit()
    sign_in(client, proposal.created_by)
    form = grid_form(proposal, {("IOM", 1, 1): "1 234 567,89", ("IOM", 5, 2): "100,01", ("UNHCR", 4, 1): "500 000"},
                     rates={"UNHCR": "6,5"})  # fmt: skip
    response = client.post(f"/proposals/{proposal.id}/budget", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    totals = budget_totals(proposal)
    iom, unhcr = organization("IOM").id, organization("UNHCR").id
    assert totals.participants[iom].direct == Decimal("1234667.90")
    assert totals.participants[iom].indirect == Decimal("86426.75")  # 86426.753 rounds down
    assert totals.participants[unhcr].indirect == Decimal("32500.00")
    assert totals.total == Decimal("1853594.65")
    assert proposal.total_amount == totals.total
    html = client.get(f"/proposals/{proposal.id}/budget").get_data(as_text=True)
    assert 'value="1\u202f234\u202f567,89"' in html
    assert "1\u202f853\u202f594,65" in html


def test_every_bad_cell_is_reported_and_nothing_is_saved(client, make_proposal):
    proposal = make_proposal(duration_months=24)
    before = budget_totals(proposal).total
    sign_in(client, proposal.created_by)
    form = grid_form(proposal, {("IOM", 1, 1): "-10", ("IOM", 2, 2): "NaN", ("UNHCR", 3, 1): "12.345",
                                ("UNHCR", 4, 2): "5000"}, rates={"IOM": "9"})  # fmt: skip
    response = client.post(f"/proposals/{proposal.id}/budget", data=form)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "IOM, Staff and other personnel costs, year 1: Negative numbers are not accepted here." in html
    assert "IOM, Supplies, commodities, materials, year 2: Enter a number, such as 1,250.50." in html
    assert "UNHCR, Equipment, vehicles and furniture (including depreciation), year 1" in html
    assert html.count('aria-invalid="true"') == 3
    assert 'value="5000"' in html  # what was typed stays in the form
    db.session.expire_all()
    assert budget_totals(proposal).total == before


def test_an_indirect_rate_above_the_cap_is_refused(client, make_proposal):
    proposal = make_proposal(duration_months=24)
    sign_in(client, proposal.created_by)
    response = client.post(f"/proposals/{proposal.id}/budget", data=grid_form(proposal, {}, rates={"IOM": "7.5"}))
    assert response.status_code == 422
    assert "must lie between 0 and the fund’s cap of 7%" in response.get_data(as_text=True)
