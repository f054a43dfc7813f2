"""The public pages and the API's lists cost the same number of SQL statements however many programmes the fund
has: rows are eager-loaded or aggregated, never read one programme at a time."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.finance.models import ExpenditureKind
from fundmgr.finance.operations import record_expenditure, record_transfer
from fundmgr.proposals.models import ProposalState
from fundmgr.results.operations.establishing import establish_programme
from tests.api.test_tokens_and_auth import bearer, make_token
from tests.factories import sign_in


def count_statements(app, client, url, headers=None) -> int:
    """How many SQL statements one GET of `url` runs (it must answer 200)."""
    statements = []

    def count(*_args, **_kwargs):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        answer = client.get(url, headers=headers or {})
        assert answer.status_code == 200, (url, answer.status_code)
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)
    return len(statements)


KINDS = (
    (ProposalState.active, {"partners": ("UNHCR", "UNICEF")}),
    (ProposalState.approved, {"partners": ("UNDP",), "country": None, "region": "011"}),
)


def add_programmes(approve, make_proposal, n: int) -> None:
    """2n funded programmes (allocated, transferred, spent, with their results matrix; several organizations, a
    country or a region) and n pipeline concept notes."""
    for _round in range(n):
        for state, kw in KINDS:
            proposal, allocations = approve("100000.00", state=state, **kw)
            for allocation in allocations:
                record_transfer(allocation, amount=Decimal("10000.00"), on_date=date(2024, 7, 1),
                                reference=f"TR-{allocation.id}", actor=None)  # fmt: skip
                record_expenditure(allocation, year=2024, category=proposal.fund.budget_categories[0],
                                   kind=ExpenditureKind.interim, amount=Decimal("1000.00"), actor=None)  # fmt: skip
            establish_programme(proposal, actor=None)
            db.session.commit()
        make_proposal(ProposalState.endorsed, concept_note=True, partners=("UNHCR", "UNDP"))


N = 2


@pytest.fixture
def grow(make_deposit, approve, make_proposal):
    """grow(n): n more rounds of programmes (the fund holding the money for them)."""
    make_deposit("50000000.00")
    return lambda n: add_programmes(approve, make_proposal, n)


@pytest.mark.parametrize(
    "path", ["/public/{fund}", "/public/{fund}/pipeline", "/iati/activities.xml", "/iati/{fund}/activities.xml"]
)
def test_a_public_page_costs_the_same_statements_for_n_and_3n_programmes(app, fund, grow, path):
    """Counted for 2N then 6N funded programmes (and N then 3N pipeline notes), each time by a new visitor."""
    url = path.format(fund=fund.code)
    grow(N)
    count_statements(app, app.test_client(), url)  # the process's first answer may fill caches of its own
    few = count_statements(app, app.test_client(), url)
    grow(2 * N)
    count_statements(app, app.test_client(), url)  # the IATI file: this one answers and asks for the new file
    many = count_statements(app, app.test_client(), url)
    assert many == few, f"{url}: {few} statements for {2 * N} programmes, {many} for {6 * N}"


@pytest.mark.parametrize(
    "path",
    ["proposals", "programmes", "transfers", "allocations", "contributions", "expenditure", "decisions",
     "funding-status", "calls"],
)  # fmt: skip
def test_an_api_list_costs_the_same_statements_for_n_and_3n_programmes(app, fund, grow, make_user, path):
    headers = bearer(make_token(make_user(Role.fmu)))
    url = f"/api/v1/funds/{fund.code}/{path}"
    grow(N)
    count_statements(app, app.test_client(), url, headers)
    few = count_statements(app, app.test_client(), url, headers)
    grow(2 * N)
    many = count_statements(app, app.test_client(), url, headers)
    assert many == few, f"{url}: {few} statements for {2 * N} programmes, {many} for {6 * N}"


COUNTRIES = ("TJK", "KEN", "GIN", "MEX", "SEN", "PHL")


def add_pipeline(make_proposal, n: int, start: int) -> None:
    """n endorsed proposals (full proposals and concept notes), each in a country not used before and in two
    thematic areas: a page that read a country or the areas one proposal at a time would cost more for more."""
    from fundmgr.funds.models import ThematicArea
    from fundmgr.proposals.models import ProposalArea

    for k in range(start, start + n):
        proposal = make_proposal(
            ProposalState.endorsed, country=COUNTRIES[k % len(COUNTRIES)], concept_note=k % 2 == 1, area="TA2"
        )
        other = db.session.scalar(
            sa.select(ThematicArea).where(ThematicArea.fund_id == proposal.fund_id, ThematicArea.code == "TA1")
        )
        proposal.area_rows = [
            ProposalArea(area=proposal.primary_area, share=Decimal("60")),
            ProposalArea(area=other, share=Decimal("40")),
        ]
    db.session.commit()


@pytest.mark.parametrize("path", ["/steering/pipeline", "/public/{fund}/pipeline", "/public/{fund}"])
def test_a_pipeline_page_costs_the_same_statements_for_more_notes_in_more_countries(
    app, fund, grow, make_proposal, make_user, path
):
    """The FMU's pipeline, the public pipeline and the public fund page: counted with 2 then 6 endorsed proposals
    (each in its own country and in two thematic areas) and 2N then 6N funded programmes."""
    url = path.format(fund=fund.code)
    client = app.test_client()
    if path.startswith("/steering"):
        sign_in(client, make_user(Role.fmu))
    grow(N)
    add_pipeline(make_proposal, 2, 0)
    count_statements(app, client, url)  # the process's first answer may fill caches of its own
    few = count_statements(app, client, url)
    grow(2 * N)
    add_pipeline(make_proposal, 4, 2)
    many = count_statements(app, client, url)
    assert many == few, f"{url}: {few} statements with 2 endorsed proposals, {many} with 6"


def test_building_the_iati_file_costs_the_same_statements_for_n_and_3n_programmes(app, fund, grow):
    """The job that builds the IATI file reads its programmes in batches: a fund of 20,000 programmes once took
    minutes, reading each programme's rows one programme at a time."""
    from fundmgr.opendata.iati import activities_document

    def statements(programmes: int) -> int:
        counted = []
        with app.app_context():
            listener = lambda *_args, **_kwargs: counted.append(1)  # noqa: E731
            sa.event.listen(db.engine, "before_cursor_execute", listener)
            try:
                document = activities_document([db.session.get(type(fund), fund.id)])
            finally:
                sa.event.remove(db.engine, "before_cursor_execute", listener)
        assert document.count(b"<iati-activity ") == 1 + programmes, document[:200]  # the fund and each programme
        return len(counted)

    grow(N)
    few = statements(2 * N)
    grow(2 * N)
    many = statements(6 * N)
    assert many == few, f"{few} statements for {2 * N} programmes, {many} for {6 * N}"
