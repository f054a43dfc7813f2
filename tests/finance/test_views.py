"""The finance pages over HTTP: who may see and do what, the forms, the exports."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pypdf
import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.finance.models import Contribution, ContributionKind, LedgerEntry, Transfer
from fundmgr.finance.queries import balances
from fundmgr.proposals.models import ProposalState
from tests.factories import organization, sign_in

D = Decimal
READERS = {Role.fmu, Role.admin, Role.sc_member, Role.viewer}
BOOKKEEPERS = {Role.fmu, Role.admin}


@pytest.fixture
def programme(make_deposit, approve):
    """A funded TA2 programme of IOM (lead) and UNHCR, with USD 696,000 left available in the fund."""
    make_deposit("2000000.00")
    proposal, allocations = approve()
    return proposal, allocations


def status_for(client, make_user, role, url, method="get", **kw):
    sign_in(client, make_user(role))
    return getattr(client, method)(url, **kw).status_code


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", ["/finance/", "/finance/dashboard.xlsx", "/finance/dashboard.pdf", "/finance/pipeline"])
def test_dashboards_are_for_fmu_sc_viewers_and_admins(client, make_user, programme, role, url):
    assert status_for(client, make_user, role, url) == (200 if role in READERS else 403)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", ["/finance/ledger", "/finance/ledger.xlsx", "/finance/contributions"])
def test_the_books_are_for_the_fmu_and_admins(client, make_user, programme, role, url):
    assert status_for(client, make_user, role, url) == (200 if role in BOOKKEEPERS else 403)


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("url", ["/finance/contributions/new", "/finance/interest/new"])
def test_only_the_fmu_records_money(client, make_user, role, url):
    assert status_for(client, make_user, role, url) == (200 if role is Role.fmu else 403)
    assert status_for(client, make_user, role, url, method="post", data={}) == (200 if role is Role.fmu else 403)


@pytest.mark.parametrize(
    "url", ["/finance/", "/finance/ledger", "/finance/programmes", "/finance/contributions/new", "/finance/pipeline"]
)
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login")


@pytest.mark.parametrize(
    ("role", "org", "expected"),
    [
        (Role.agency, "IOM", 200),  # lead of the programme
        (Role.agency, "UNHCR", 200),  # participating
        (Role.agency, "UNICEF", 404),  # another organization may not know the programme exists
        (Role.sc_member, "ILO", 200),
        (Role.sc_member, "IOM", 200),  # conflicted on the proposal; funded amounts are public (as on the Gateway)
        (Role.fmu, "IOM", 200),
        (Role.viewer, "ILO", 200),
        (Role.admin, "IOM", 200),
    ],
)
def test_a_programmes_money_page(client, make_user, programme, role, org, expected):
    proposal, (iom, _unhcr) = programme
    sign_in(client, make_user(role, org=org))
    response = client.get(f"/finance/programmes/{proposal.id}")
    assert response.status_code == expected
    if expected == 200:
        html = response.get_data(as_text=True)
        assert "749,000.00" in html
        assert "535,000.00" in html
        assert (f"/finance/allocations/{iom.id}/transfer" in html) is (role is Role.fmu)


def test_a_proposal_not_funded_has_no_money_page(client, make_user, make_proposal):
    proposal = make_proposal(ProposalState.endorsed)
    sign_in(client, make_user(Role.fmu))
    assert client.get(f"/finance/programmes/{proposal.id}").status_code == 404
    assert client.get("/finance/programmes/999999").status_code == 404


def test_agencies_list_only_their_programmes(client, make_user, make_deposit, approve):
    make_deposit("3000000.00")
    iom_programme, _ = approve()
    other, _ = approve(lead="UNDP", partners=("UNICEF",))
    sign_in(client, make_user(Role.agency, org="UNHCR"))
    html = client.get("/finance/programmes").get_data(as_text=True)
    assert iom_programme.reference in html
    assert other.reference not in html


def contribution_form(**overrides):
    form = {
        "kind": "deposit",
        "donor": str(organization("GOV-DEU").id),
        "on_date": "2025-02-03",
        "currency": "EUR",
        "amount": "2,500,000.00",
        "rate_to_usd": "1.0525",
        "area": "0",
        "reference": "SAA-2025-DEU-09",
        "note": "",
    }
    return form | overrides


def test_the_fmu_records_a_deposit(client, make_user, fund):
    sign_in(client, make_user(Role.fmu))
    response = client.post("/finance/contributions/new", data=contribution_form())
    assert response.status_code == 302
    db.session.expire_all()
    contribution = db.session.scalar(sa.select(Contribution))
    assert (contribution.amount, contribution.usd_amount) == (D("2500000.00"), D("2631250.00"))
    assert balances(fund).available == D("2604937.50")  # less the 1% fee of 26,312.50
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "2,631,250.00" in page
    assert "26,312.50" not in page.split("Ledger entries")[0]


def test_amounts_are_read_in_the_users_language(client, make_user, fund):
    sign_in(client, make_user(Role.fmu, locale="fr"))
    response = client.post("/finance/contributions/new", data=contribution_form(amount="2\u202f500\u202f000,50"))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Contribution.amount)) == D("2500000.50")


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-100", "1e6", "12,34,5", "abc", "99999999999", "0", "10.001"])
def test_bad_amounts_are_refused_with_a_message_and_nothing_written(client, make_user, amount):
    sign_in(client, make_user(Role.fmu))
    response = client.post("/finance/contributions/new", data=contribution_form(amount=amount))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html or "Please correct the following" in html
    assert db.session.scalar(sa.select(sa.func.count(Contribution.id))) == 0


def test_the_currency_list_offers_currencies_in_use_not_withdrawn_ones(client, make_user):
    sign_in(client, make_user(Role.fmu))
    html = client.get("/finance/contributions/new").get_data(as_text=True)
    assert all(f'value="{code}"' in html for code in ("USD", "EUR", "XOF", "MAD", "BDT"))
    assert not any(f'value="{code}"' in html for code in ("ATS", "DEM", "FRF", "XAU", "USN"))
    response = client.post("/finance/contributions/new", data=contribution_form(currency="ATS"))
    assert response.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(Contribution.id))) == 0


def test_donors_are_listed_by_name_in_the_users_language(client, make_user):
    sign_in(client, make_user(Role.fmu, locale="fr"))
    html = client.get("/finance/contributions/new").get_data(as_text=True)
    donors = html[html.index('name="donor"') : html.index("</select>", html.index('name="donor"'))]
    # Espagne, États-Unis, Maroc: the accent does not send the United States after Maroc
    assert donors.index("Espagne") < donors.index("États-Unis") < donors.index("Maroc") < donors.index("Norvège")


def test_every_problem_of_the_form_is_shown_at_once(client, make_user):
    sign_in(client, make_user(Role.fmu))
    response = client.post(
        "/finance/contributions/new",
        data=contribution_form(donor="0", on_date="2031-01-01", currency="USD", rate_to_usd="1.2", reference="X"),
    )
    html = response.get_data(as_text=True)
    for message in ("Choose the donor.", "The date cannot be in the future.", "has an exchange rate of 1"):
        assert message in html


def test_the_fmu_corrects_a_deposit(client, make_user, fund, make_deposit):
    deposit = make_deposit("1000.00")
    sign_in(client, make_user(Role.fmu))
    page = client.get(f"/finance/contributions/{deposit.id}/correct").get_data(as_text=True)
    assert 'value="1,000.00"' in page  # starts from the recorded values, written the user's way
    form = contribution_form(
        currency="USD", rate_to_usd="1", amount="100.00", reference=deposit.reference, reason="One zero too many."
    )
    assert client.post(f"/finance/contributions/{deposit.id}/correct", data=form).status_code == 302
    db.session.expire_all()
    assert balances(fund).received == D("100.00")
    assert db.session.scalar(sa.select(sa.func.count(Contribution.id))) == 3  # original, reversal, replacement
    # a corrected entry cannot be corrected again
    assert client.get(f"/finance/contributions/{deposit.id}/correct").status_code == 403


def test_a_correction_that_would_overdraw_is_refused_on_the_form(client, make_user, fund, programme):
    deposit = db.session.scalar(sa.select(Contribution))
    sign_in(client, make_user(Role.fmu))
    form = contribution_form(reason="Cancelled.", cancel="y")
    response = client.post(f"/finance/contributions/{deposit.id}/correct", data=form)
    assert response.status_code == 200
    assert "already allocated" in response.get_data(as_text=True)
    db.session.expire_all()
    assert balances(fund).received == D("2000000.00")


def test_the_fmu_records_interest(client, make_user, fund):
    sign_in(client, make_user(Role.fmu))
    data = {"amount": "1234.56", "on_date": "2025-12-31", "reference": "AA-2025", "note": ""}
    assert client.post("/finance/interest/new", data=data).status_code == 302
    db.session.expire_all()
    assert balances(fund).interest == D("1234.56")


def test_the_fmu_transfers_a_tranche_and_the_programme_becomes_active(client, make_user, programme):
    proposal, (iom, _unhcr) = programme
    sign_in(client, make_user(Role.fmu))
    data = {"amount": "300000.00", "on_date": "2024-07-01", "reference": "TR-1"}
    response = client.post(f"/finance/allocations/{iom.id}/transfer", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(Transfer.amount)) == D("300000.00")
    assert proposal.state is ProposalState.active
    too_much = client.post(f"/finance/allocations/{iom.id}/transfer", data=data | {"amount": "449000.01"})
    assert too_much.status_code == 200
    assert "Only USD 449,000.00 of this allocation is left to transfer" in too_much.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.agency, Role.sc_member, Role.viewer, Role.admin])
def test_only_the_fmu_moves_an_allocations_money(client, make_user, programme, role):
    _proposal, (iom, _unhcr) = programme
    data = {"amount": "1.00", "on_date": "2024-07-01", "reference": "TR"}
    for action in ("transfer", "refund", "release"):
        assert status_for(client, make_user, role, f"/finance/allocations/{iom.id}/{action}", "post", data=data) == 403
    assert db.session.scalar(sa.select(sa.func.count(Transfer.id))) == 0


def test_refund_and_release_forms(client, make_user, fund, programme):
    _proposal, (iom, unhcr) = programme
    sign_in(client, make_user(Role.fmu))
    client.post(
        f"/finance/allocations/{iom.id}/transfer",
        data={"amount": "749000.00", "on_date": "2024-07-01", "reference": "T"},
    )
    client.post(
        f"/finance/allocations/{iom.id}/refund", data={"amount": "1000.00", "on_date": "2025-07-01", "reference": "R"}
    )
    client.post(
        f"/finance/allocations/{unhcr.id}/release",
        data={"amount": "35000.00", "on_date": "2025-07-01", "reference": "L"},
    )
    db.session.expire_all()
    assert balances(fund).available == D("696000.00") + D("1000.00") + D("35000.00")


def test_the_ledger_lists_entries_and_filters_by_kind(client, make_user, programme):
    sign_in(client, make_user(Role.fmu))
    html = client.get("/finance/ledger?kind=aa_fee").get_data(as_text=True)
    assert "-20,000.00" in html
    assert "-749,000.00" not in html
    assert "-749,000.00" in client.get("/finance/ledger").get_data(as_text=True)


def test_dashboard_shows_figures_and_charts_without_script(client, make_user, programme):
    sign_in(client, make_user(Role.viewer))
    response = client.get("/finance/")
    html = response.get_data(as_text=True)
    assert "1,980,000.00" in html
    assert "696,000.00" in html
    assert html.count("<svg") == 6
    assert "<script" not in html.split("<footer")[0]


def test_dashboard_export_is_an_excel_file(client, make_user, programme):
    sign_in(client, make_user(Role.sc_member))
    response = client.get("/finance/dashboard.xlsx")
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.data[:2] == b"PK"


def test_dashboard_pdf_holds_the_figures_and_charts(client, make_user, programme):
    sign_in(client, make_user(Role.viewer, locale="es"))
    response = client.get("/finance/dashboard.pdf")
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "1.980.000,00" in text  # balance with the Administrative Agent, in Spanish number format
    assert "696.000,00" in text  # available
    assert "2. Protección de los derechos humanos" in text  # the thematic areas, named in Spanish
    assert "1.284.000,00" in text  # allocated to the programme's area
    assert text.count("100,0") >= 2  # its area and its region hold all the allocations


def test_pipeline_page_shows_what_the_money_could_fund(client, make_user, programme, make_proposal):
    make_proposal(ProposalState.endorsed, title="Fits now", direct={"IOM": "300000.00", "UNHCR": "200000.00"})
    make_proposal(ProposalState.endorsed, title="Needs more money")
    sign_in(client, make_user(Role.fmu))
    html = client.get("/finance/pipeline").get_data(as_text=True)
    assert html.index("Fits now") < html.index("Needs more money")
    assert html.count("text-bg-success") == 1
    more = client.get("/finance/pipeline?extra=1,200,000").get_data(as_text=True)
    assert more.count("text-bg-success") == 2
    wrong = client.get("/finance/pipeline?extra=NaN").get_data(as_text=True)
    assert "Enter a number" in wrong


def test_home_card_shows_the_available_balance(client, make_user, programme):
    sign_in(client, make_user(Role.sc_member))
    assert "696,000.00" in client.get("/").get_data(as_text=True)
    sign_in(client, make_user(Role.agency))
    assert "696,000.00" not in client.get("/").get_data(as_text=True)


def test_commitment_appears_without_ledger_entry(client, make_user, fund):
    sign_in(client, make_user(Role.fmu))
    client.post("/finance/contributions/new", data=contribution_form(kind="commitment"))
    db.session.expire_all()
    contribution = db.session.scalar(sa.select(Contribution))
    assert contribution.kind is ContributionKind.commitment
    assert db.session.scalar(sa.select(sa.func.count(LedgerEntry.id))) == 0
    html = client.get(f"/finance/contributions/{contribution.id}").get_data(as_text=True)
    assert "it has no ledger entry" in html
    assert date(2025, 2, 3).isoformat() in client.get("/finance/contributions").get_data(as_text=True)


def test_the_agency_officer_who_created_a_programme_finds_it_in_the_list_of_programmes(
    client, make_user, make_deposit, approve
):
    """The list shows whatever programme its page opens for: the creator's, though their organization left it."""
    make_deposit("2000000.00")
    creator = make_user(Role.agency, org="UNICEF")
    programme, _allocations = approve(lead="IOM", partners=("UNHCR",), creator=creator)
    sign_in(client, creator)
    assert client.get(f"/finance/programmes/{programme.id}").status_code == 200
    assert programme.reference in client.get("/finance/programmes").get_data(as_text=True)
