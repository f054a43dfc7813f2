"""The list of proposals: who sees what, filters, search, sort, pages with a constant number of queries, exports."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.models import Country
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.queries import PROPOSALS, list_query, visible_proposals
from tests.factories import sign_in


def titles(user, fund, **filters) -> set[str]:
    query = list_query(user, fund, PROPOSALS.state(**filters))
    return {p.title for p in db.session.scalars(query).unique()}


def test_each_role_sees_what_it_may(fund, make_proposal, make_user):
    make_proposal(title="IOM draft", lead="IOM", partners=("UNHCR",))
    make_proposal(ProposalState.screening, title="UNICEF screening", lead="UNICEF", partners=("UNDP",))
    make_proposal(ProposalState.in_review, title="ILO review", lead="ILO", partners=("UNDP",))
    make_proposal(ProposalState.approved, title="WFP approved", lead="WFP", partners=("UNFPA",))
    everything = {"IOM draft", "UNICEF screening", "ILO review", "WFP approved"}
    assert titles(make_user(Role.fmu), fund) == everything
    assert titles(make_user(Role.admin), fund) == everything
    assert titles(make_user(Role.agency, org="UNHCR"), fund) == {"IOM draft"}
    assert titles(make_user(Role.agency, org="UNDP"), fund) == {"UNICEF screening", "ILO review"}
    assert titles(make_user(Role.sc_member), fund) == {"ILO review", "WFP approved"}
    assert titles(make_user(Role.viewer), fund) == {"WFP approved"}


def test_filters_narrow_the_list(fund, make_proposal, make_user):
    gin = db.session.scalar(sa.select(Country).where(Country.iso3 == "GIN"))
    regional = make_proposal(ProposalState.in_review, title="Mano River", country=None, region="011", area="TA3",
                             lead="UNODC", partners=("IOM",), marker_level=3)  # fmt: skip
    regional.countries = [gin]
    make_proposal(title="Tajik remittances 100%", area="TA4", lead="IOM", partners=("UNDP",))
    make_proposal(ProposalState.in_review, title="Kenya data", country="KEN", area="TA1", lead="UNFPA",
                  partners=("UN Women",), marker_level=1)  # fmt: skip
    db.session.commit()
    fmu = make_user(Role.fmu)
    assert titles(fmu, fund, status="in_review") == {"Mano River", "Kenya data"}
    assert titles(fmu, fund, area="TA4") == {"Tajik remittances 100%"}
    assert titles(fmu, fund, region="002") == {"Mano River", "Kenya data"}  # Africa, at any level below it
    assert titles(fmu, fund, region="143") == {"Tajik remittances 100%"}  # Central Asia
    assert titles(fmu, fund, country="GIN") == {"Mano River"}
    assert titles(fmu, fund, organization="UNDP") == {"Tajik remittances 100%"}
    assert titles(fmu, fund, marker="gender:3") == {"Mano River"}
    assert titles(fmu, fund, marker="gender:2") == {"Mano River", "Tajik remittances 100%"}
    assert titles(fmu, fund, q="remittances") == {"Tajik remittances 100%"}
    assert titles(fmu, fund, q="100%") == {"Tajik remittances 100%"}  # % is searched for, not a wildcard
    assert titles(fmu, fund, q="governance") == {"Mano River", "Tajik remittances 100%", "Kenya data"}  # summary
    assert titles(fmu, fund, status="in_review", area="TA1") == {"Kenya data"}


def test_sorting_by_budget(fund, make_proposal, make_user):
    make_proposal(title="Small", direct={"IOM": "500000.00", "UNHCR": "500000.00"})
    make_proposal(title="Large", direct={"IOM": "2000000.00", "UNHCR": "500000.00"})
    fmu = make_user(Role.fmu)
    ordered = [p.title for p in db.session.scalars(list_query(fmu, fund, PROPOSALS.state(sort="total-desc"))).unique()]
    assert ordered == ["Large", "Small"]
    assert PROPOSALS.read({"sort": "nonsense", "status": "bogus"}) == PROPOSALS.read({})


def count_queries(app, client, url) -> int:
    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_a_page_costs_the_same_number_of_queries_however_many_rows(app, client, make_proposal, make_user):
    """Are rows eager-loaded, so that 3 or 12 proposals on a page take the same number of queries?"""
    sign_in(client, make_user(Role.fmu))
    for n in range(3):
        make_proposal(title=f"P{n}", partners=("UNHCR", "UNICEF"))
    count_queries(app, client, "/proposals/")  # the process's first list builds the filters' options once
    few = count_queries(app, client, "/proposals/")
    for n in range(9):
        make_proposal(title=f"Q{n}", partners=("UNDP",), country=None, region="011")
    many = count_queries(app, client, "/proposals/")
    assert many == few


def test_pages_of_the_list(app, client, make_proposal, make_user, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    for n in range(5):
        make_proposal(title=f"Programme {n}")
    sign_in(client, make_user(Role.fmu))
    html = client.get("/proposals/?page=3&sort=title").get_data(as_text=True)
    assert "Programme 4" in html
    assert "Programme 3" not in html
    assert "5 proposals" in html


def test_exports_hold_the_filtered_list(client, make_proposal, make_user):
    """Do the CSV and Excel exports hold the filtered rows, with exact totals and formulas neutralised?"""
    make_proposal(ProposalState.in_review, title='=HYPERLINK("http://evil")', area="TA1")
    make_proposal(title="Draft elsewhere", area="TA2")
    sign_in(client, make_user(Role.fmu))
    csv_rows = list(csv.reader(io.StringIO(client.get("/proposals/export.csv?area=TA1").data.decode("utf-8-sig"))))
    assert len(csv_rows) == 2
    assert csv_rows[1][1] == '\'=HYPERLINK("http://evil")'
    assert csv_rows[1][2] == "In Steering Committee review"
    assert "1284000.00" in csv_rows[1]
    workbook = load_workbook(io.BytesIO(client.get("/proposals/export.xlsx?area=TA1").data))
    sheet = workbook.active
    assert sheet.max_row == 2
    header = [c.value for c in sheet[1]]
    assert sheet.cell(2, header.index("Total budget (USD)") + 1).value == 1284000


@pytest.mark.parametrize("role", [Role.sc_member])
def test_a_recused_member_sees_only_titles_in_lists_and_exports(client, make_proposal, make_user, role):
    make_proposal(ProposalState.in_review, title="Joint IOM programme", lead="IOM")
    sign_in(client, make_user(role, org="IOM"))
    html = client.get("/proposals/").get_data(as_text=True)
    assert "Joint IOM programme" in html
    assert "You are recused from this proposal." in html
    rows = list(csv.reader(io.StringIO(client.get("/proposals/export.csv").data.decode("utf-8-sig"))))
    assert rows[1][2] == "You are recused from this proposal."
    assert len(rows[1]) == 3


def test_visible_proposals_is_a_query_others_refine(fund, make_proposal, make_user):
    make_proposal(ProposalState.in_review, title="Seen")
    query = visible_proposals(make_user(Role.sc_member, org="GOV-DEU"), fund).where(sa.literal_column("1") == 1)
    assert [p.title for p in db.session.scalars(query)] == ["Seen"]
