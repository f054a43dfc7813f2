"""A second fund written only as data (docs/examples/food-systems-fund.yaml): alone, or next to the Migration MPTF."""

from __future__ import annotations

import io
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa
import yaml
from pypdf import PdfReader

from fundmgr.accounts.models import Organization, OrganizationKind, Role, User
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.finance.operations.top_ups import top_up_problems
from fundmgr.funds import definition as d
from fundmgr.funds import queries
from fundmgr.funds.models import Fund
from fundmgr.funds.operations import upsert_organization
from fundmgr.funds.rights import require_person_with_role
from fundmgr.proposals import operations as ops
from fundmgr.proposals.forms import IndicatorForm
from fundmgr.proposals.operations import IndicatorValues
from fundmgr.proposals.operations.matrix import indicator_problems
from fundmgr.proposals.operations.stages import concept_state
from fundmgr.proposals.rules import submission_problems
from tests.factories import sign_in
from tests.support import SECOND_FUND_FILE
from tests.support.jobs import document

EXAMPLE = SECOND_FUND_FILE
MIGRATION_TERMS = ("GCM", "Global Compact", "Migratory status", "migratory", "Migration")


def organizations() -> dict[str, tuple]:
    return {o.code: (o.kind, o.acronym, o.name) for o in db.session.scalars(sa.select(Organization))}


def test_the_example_fund_loads_into_an_empty_database_alone(second_fund_app):
    """Does a fund file load on its own, the shared organizations and countries coming from the reference data?"""
    assert "reference data" in second_fund_app.load_output
    with second_fund_app.app_context():
        assert [f.code for f in db.session.scalars(sa.select(Fund))] == ["FSF"]
        fund = db.session.scalar(sa.select(Fund))
        assert {o.code for o in fund.participating_organizations} == {"FAO", "WFP", "IFAD", "UNICEF"}
        assert fund.decision_rule == "majority"
        assert fund.objectives_label == "SDG targets"
        assert fund.target_marker.code == "climate"  # the share target is on the marker the file names
        assert fund.disaggregation_codes == ["sex", "age", "household_income"]
        assert "FSF-SECRETARIAT" in organizations()


PAGES = [
    "/fund/",
    "/fund/objectives",
    "/fund/markers",
    "/finance/",
    "/finance/dashboard.pdf",
    "/finance/dashboard.xlsx",
    "/results/annual",
    "/results/annual/2026.pdf",
    "/results/annual/2026.xlsx",
    "/public/FSF",
]


@pytest.mark.parametrize("path", PAGES)
def test_the_example_fund_shows_its_own_vocabulary_and_nothing_of_migration(second_fund_app, path):
    """Do its pages and documents speak of SDG targets and its climate marker, never of GCM or migratory status?"""
    client = second_fund_app.test_client()
    with second_fund_app.app_context():
        sign_in(client, db.session.get(User, second_fund_app.fmu_id))
    response = document(client, path) if path.startswith("/results/annual/") else client.get(path)
    assert response.status_code == 200, path
    text = document_text(response)
    for term in MIGRATION_TERMS:
        assert term not in text, (path, term)
    if path in ("/fund/objectives", "/results/annual/2026.xlsx"):  # the objectives column of the indicator sheets
        assert "SDG targets" in text
    if path == "/fund/":
        assert "Climate marker: at least 50%" in text


@pytest.mark.parametrize("path", ["/finance/", "/finance/dashboard.pdf", "/finance/dashboard.xlsx"])
def test_the_funding_status_names_the_organizations_as_the_fund_calls_them(second_fund_app, path):
    """The example fund finances "Recipient UN organizations": its funding status says so, never the Migration
    MPTF's "Participating UN Organizations"."""
    client = second_fund_app.test_client()
    with second_fund_app.app_context():
        sign_in(client, db.session.get(User, second_fund_app.fmu_id))
    text = document_text(client.get(path))
    assert "Recipient UN organizations" in text
    assert "Participating UN Organization" not in text
    assert "participating organization" not in text


def document_text(response) -> str:
    """The words a person reads on a page, in a PDF or in a workbook."""
    if response.mimetype == "application/pdf":
        return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(response.data)).pages)
    if response.mimetype.endswith("spreadsheetml.sheet"):
        workbook = openpyxl.load_workbook(io.BytesIO(response.data))
        cells = [str(c) for sheet in workbook for row in sheet.iter_rows(values_only=True) for c in row if c]
        return "\n".join([*workbook.sheetnames, *cells])
    return response.get_data(as_text=True)


def test_next_to_the_migration_fund_nothing_of_it_changes(app, fund):
    """Does loading the second fund leave the Migration MPTF's organizations, names and vocabulary as they were?"""
    before = organizations()
    title, disaggregations = dict(fund.objectives_title), list(fund.disaggregations)
    result = app.test_cli_runner().invoke(args=["fund", "load", str(EXAMPLE)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    after = organizations()
    assert {code: after[code] for code in before} == before
    assert set(after) - set(before) <= {"FSF-SECRETARIAT"}
    assert (fund.objectives_title, fund.disaggregations) == (title, disaggregations)
    assert fund.objectives_label == "GCM objectives"
    assert fund.participants_label == "Participating UN Organizations"
    assert fund.target_marker.code == "gender"


def test_a_fund_file_may_not_redefine_a_shared_organization(app, fund, tmp_path):
    """Is a fund file that renames IOM refused, naming the file and the field, with nothing changed?"""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["code"] = "FSF2"
    data["organizations"].append(
        {"code": "IOM", "kind": "un_entity", "acronym": {"en": "IOM", "fr": "OIM", "es": "OIM"},
         "name": {"en": "Renamed", "fr": "Renommée", "es": "Renombrada"}}
    )  # fmt: skip
    path = tmp_path / "conflict.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = organizations()
    result = app.test_cli_runner().invoke(args=["fund", "load", str(path)])
    assert result.exit_code != 0
    assert str(path) in result.output
    assert "organizations.1: 'IOM' is already defined" in result.output
    db.session.expire_all()
    assert organizations() == before
    assert db.session.scalar(sa.select(Fund).where(Fund.code == "FSF2")) is None


def test_each_fund_shows_the_shared_organizations_and_its_own_only(app, fund):
    """Does the second fund list no Migration civil-society partner, and the Migration fund not the second's own?"""
    partner = d.Organization(code="CSO-MRC", kind=OrganizationKind.civil_society, acronym=texts("MRC"),
                             name=texts("Migrant Rights Coalition"))  # fmt: skip
    upsert_organization(partner, actor=None, fund=fund)  # as the demo adds its partners
    assert app.test_cli_runner().invoke(args=["fund", "load", str(EXAMPLE)]).exit_code == 0
    food = db.session.scalar(sa.select(Fund).where(Fund.code == "FSF"))
    shown = {f.code: {o.code for o in queries.organizations(f)} for f in (fund, food)}
    assert "CSO-MRC" in shown["MIG"]
    assert "CSO-MRC" not in shown["FSF"]
    assert "FSF-SECRETARIAT" in shown["FSF"]
    assert "FSF-SECRETARIAT" not in shown["MIG"]
    assert {"IOM", "FAO", "GOV-DEU"} <= shown["MIG"] & shown["FSF"]  # the shared reference data, with both


def texts(text: str) -> d.Text:
    return d.Text(en=text, fr=text, es=text)


def test_indicators_are_disaggregated_by_the_funds_own_dimensions(app, fund):
    """Does a programme indicator of the second fund offer its household-income groups and refuse migratory status?"""
    assert app.test_cli_runner().invoke(args=["fund", "load", str(EXAMPLE)]).exit_code == 0
    food = db.session.scalar(sa.select(Fund).where(Fund.code == "FSF"))
    by_status = IndicatorValues(name="People reached", disaggregation=["migratory_status"])
    assert "Unknown disaggregation." in indicator_problems(by_status, food)
    assert indicator_problems(by_status, fund) == []
    with app.test_request_context():
        offered = [str(choice.label) for choice in IndicatorForm(food).disaggregation.choices]
    assert offered == ["Sex", "Age", "Household income group"]


def test_a_fund_may_rename_its_own_organization(app, fund, tmp_path):
    """May the second fund correct the name of the organization its file added, which is nobody else's?"""
    assert app.test_cli_runner().invoke(args=["fund", "load", str(EXAMPLE)]).exit_code == 0
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["organizations"][0]["name"]["en"] = "Joint Food Systems Fund Secretariat"
    path = tmp_path / "renamed.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["fund", "load", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert organizations()["FSF-SECRETARIAT"][2]["en"] == "Joint Food Systems Fund Secretariat"


def fund_in_euros(app, tmp_path) -> Fund:
    """The example fund, keeping its accounts in euros, loaded next to the Migration MPTF."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    data["currency"] = "EUR"
    path = tmp_path / "food-in-euros.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["fund", "load", str(path)])
    assert result.exit_code == 0, result.output
    return db.session.scalar(sa.select(Fund).where(Fund.code == "FSF"))


@pytest.mark.parametrize("path", ["/public/FSF", "/public/FSF/pipeline"])
def test_the_second_funds_public_pages_name_it_next_to_the_migration_fund(app, fund, client, tmp_path, path):
    """Does a visitor of the second fund's public pages read its name, currency and vocabulary, not those of the
    Migration MPTF (the fund a visitor without a role is shown elsewhere)?"""
    fund_in_euros(app, tmp_path)
    text = client.get(path).get_data(as_text=True)
    assert "Joint Food Systems Fund" in text
    assert "amounts in EUR" in text
    assert "amounts in USD" not in text
    assert "Migration Multi-Partner Trust Fund" not in text
    assert "MIG00" not in text
    if path == "/public/FSF":
        assert "Recipient UN organizations" in text
        assert "Participating UN Organizations" not in text


@pytest.mark.parametrize(
    "path",
    ["/finance/contributions/new", "/steering/written-procedures/new", "/steering/written-procedures/new-matter"],
)
def test_the_fmu_of_a_fund_in_euros_is_asked_for_euros(app, fund, client, make_user, tmp_path, path):
    """Are the amounts a second fund's FMU records offered in its own currency, never in US dollars?"""
    food = fund_in_euros(app, tmp_path)
    sign_in(client, make_user(Role.fmu, org="FAO", funds=[food]))
    text = client.get(path).get_data(as_text=True)
    if path == "/finance/contributions/new":  # the donor's currency, first offered as the fund's own
        assert 'selected value="EUR"' in text
        assert 'selected value="USD"' not in text
    else:
        assert "Approved amount (EUR)" in text
        assert "USD" not in text


OWN_TERM, MIGRATION_TERM = "Recipient UN organizations", "Participating UN Organization"


@pytest.fixture
def food_draft(app, fund, make_proposal):
    """The example fund next to the Migration MPTF, and a draft of it FAO leads alone (one organization short)."""
    assert app.test_cli_runner().invoke(args=["fund", "load", str(EXAMPLE)]).exit_code == 0
    food = db.session.scalar(sa.select(Fund).where(Fund.code == "FSF"))
    draft = make_proposal(lead="FAO", partners=(), area="NUTRITION", in_fund=food)
    db.session.commit()
    return draft


def test_the_second_funds_draft_pages_and_messages_name_its_organizations_its_way(client, food_draft):
    """Do the second fund's page choosing a draft's organizations, its budget page, the flash after saving and the
    problems found before submission say "Recipient UN organizations", never "Participating UN Organization"?"""
    sign_in(client, food_draft.created_by)
    base = f"/proposals/{food_draft.id}"
    chosen = client.get(f"{base}/organizations").get_data(as_text=True)
    assert "A joint programme has at least 2 Recipient UN organizations, one of them leading." in chosen
    assert "Other Recipient UN organizations" in chosen
    saved = client.post(f"{base}/organizations", data={"lead": "FAO", "partners": ["WFP"]}, follow_redirects=True)
    assert "Recipient UN organizations saved." in saved.get_data(as_text=True)
    food_draft.participants.clear()  # a draft without organizations is asked to choose them first
    db.session.commit()
    budget = client.get(f"{base}/budget").get_data(as_text=True)
    assert "Choose the Recipient UN organizations first." in budget
    problems = " ".join(submission_problems(food_draft))
    assert "A joint programme has at least 2 Recipient UN organizations; this one has 0." in problems
    for text in (chosen, saved.get_data(as_text=True), budget, problems):
        assert MIGRATION_TERM not in text


def test_the_second_funds_refusals_and_reference_pages_name_its_organizations_its_way(app, client, food_draft,
                                                                                       make_user):  # fmt: skip
    """Is an IOM officer (IOM takes no part in the second fund) refused a draft there, an agency-only act refused
    to a viewer and a top-up for nobody refused, in the fund's own words; do its organizations and budget categories
    pages use them?"""
    food = food_draft.fund
    iom = make_user(Role.agency, org="IOM", funds=[food])
    with pytest.raises(NotAllowed) as refused:
        ops.create_proposal(food, ops.ProposalDetails(title="Soil health"), actor=iom)
    assert str(refused.value) == "Your organization is not one of the Recipient UN organizations of this fund."
    with pytest.raises(NotAllowed) as refused:
        require_person_with_role(make_user(Role.viewer, org="FAO", funds=[food]), food, Role.agency)
    assert str(refused.value) == "Only staff of Recipient UN organizations may do this."
    asked = top_up_problems(food_draft, organization_id=None, amount=Decimal("1000.00"), reason="More farms.")
    assert "Choose one of the programme's Recipient UN organizations." in asked
    sign_in(client, make_user(Role.viewer, org="FAO", funds=[food]))
    pages = {
        path: client.get(path).get_data(as_text=True) for path in ("/fund/organizations", "/fund/budget-categories")
    }
    assert "Recipient UN organization of this fund" in pages["/fund/organizations"]
    assert (
        "Budgets are set per Recipient UN organization, category and programme year."
        in pages["/fund/budget-categories"]
    )
    assert not [path for path, text in pages.items() if MIGRATION_TERM in text]


def test_a_second_funds_concept_note_asks_neither_corridors_nor_the_knowledge_platform(
    app, fund, client, make_proposal, tmp_path
):
    """The Migration MPTF's own questions (migration corridors, the Network's knowledge platform) are not asked of a
    fund whose file leaves them out: its concept form has neither field, a concept note without them is complete,
    and a corridor is refused rather than kept."""
    food = fund_in_euros(app, tmp_path)
    note = make_proposal(in_fund=food, concept_note=True, lead="FAO", partners=("WFP",), area="NUTRITION")
    note.knowledge_platform = ""
    db.session.commit()
    assert submission_problems(note) == []
    sign_in(client, note.created_by)
    form = client.get(f"/proposals/{note.id}/concept").get_data(as_text=True)
    assert 'name="problem_statement"' in form
    assert 'name="corridors"' not in form
    assert "Migration corridors" not in form
    assert 'name="knowledge_platform"' not in form
    assert "knowledge platform" not in form
    page = client.get(f"/proposals/{note.id}").get_data(as_text=True)
    assert "Problem statement" in page
    assert "Migration corridors" not in page
    assert "knowledge platform" not in page
    before = concept_state(note)
    content = ops.ConceptContent(problem_statement="Diets", corridors=[[note.country, note.country]])
    with pytest.raises(ValidationFailed, match="migration corridors"):
        ops.save_concept_content(note, content, actor=note.created_by)
    assert concept_state(note) == before


def test_the_migration_funds_concept_note_still_asks_both(client, make_proposal):
    """The Migration MPTF's file turns both questions on: its form asks them, and a concept note without the use of
    the knowledge platform is not complete."""
    note = make_proposal(concept_note=True)
    sign_in(client, note.created_by)
    form = client.get(f"/proposals/{note.id}/concept").get_data(as_text=True)
    assert 'name="corridors"' in form
    assert 'name="knowledge_platform"' in form
    note.knowledge_platform = " "
    assert [str(p) for p in submission_problems(note)] == [
        "Explain how the programme uses and feeds the Network’s knowledge platform and connection hub."
    ]
