"""The IATI 2.03 activity file: valid against the official schema and codelists, and the IATI Standard Ruleset.

The schema and codelists are the official IATI 2.03 files shipped by pyIATI 0.4.1 (a test dependency; its code is
never imported, only its files are read). The IATI Standard Ruleset checks tested here:

- every rule of the ruleset file pyIATI ships (rulesets/standard_ruleset.json), interpreted for the file:
  an activity has a planned or actual start date and a sector; planned and actual start dates precede the end
  dates; identifiers and organization references hold no "/", "&", "|" or "?"; recipient-country and
  recipient-region percentages sum to 100; a participating organization has a ref or a narrative; transaction
  dates and value dates are not in the future; budget and result period starts precede their ends; an
  indicator has at most one reference; a baseline, target or actual of a quantitative indicator has a value;
- and the Standard's further rules that apply to what fundmgr publishes: actual start and end dates not in the
  future; sector percentages sum to 100 per vocabulary; a budget period is no longer than a year; every value
  has a value-date; every activity identifier starts with the reporting organization's identifier; a child
  activity names its parent; an organization's identifier starts with a registration agency's prefix of the
  OrganisationRegistrationAgency codelist; policy markers and significances come from their codelists.
"""

from __future__ import annotations

import functools
import gzip
import json
import re
from datetime import date
from decimal import Decimal
from importlib.metadata import distribution
from pathlib import Path

import pytest
import sqlalchemy as sa
from lxml import etree

from fundmgr import clock
from fundmgr.accounts import operations as account_ops
from fundmgr.accounts.models import TokenScope, User
from fundmgr.accounts.operations import TOKEN_LIFETIMES
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.finance import queries as fq
from fundmgr.funds.models import Fund
from fundmgr.jobs.models import Job, JobState
from fundmgr.opendata import iati
from fundmgr.opendata.iati import recipients, split_hundred
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalState
from fundmgr.storage import delete_stored

STANDARD = Path(str(distribution("pyIATI").locate_file("iati/resources/standard/2-03")))
# DAC purpose codes added to the CRS list after pyIATI 0.4.1 took its copy of the Sector codelist (2018); the
# current list (https://iatistandard.org/en/iati-standard/203/codelists/sector/) has them.
NEWER_DAC_CODES = {"15190"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(STANDARD / "schemas" / "iati-activities-schema.xsd")))


@functools.cache
def codelist(name: str) -> frozenset[str]:
    tree = etree.parse(str(STANDARD / "codelists" / f"{name}.xml"))
    return frozenset(tree.xpath("//codelist-item/code/text()"))


@pytest.fixture(scope="module")
def published_bytes(demo_app) -> bytes:
    """The demo fund's IATI file, as anyone fetches it without signing in: made once for the module's tests,
    which only read it (the demo is committed; nothing is written by fetching it)."""
    answer = demo_app.test_client().get("/iati/activities.xml")
    assert answer.status_code == 200
    assert answer.mimetype == "application/xml"
    with demo_app.app_context():  # fetching it built it (a job), outside any test's transaction: forget that job
        db.session.execute(sa.delete(Job).where(Job.kind == "iati"))
        db.session.commit()
    return answer.data


@pytest.fixture
def published(published_bytes) -> etree._ElementTree:
    """The file parsed afresh for each test (a test may change its tree)."""
    return etree.ElementTree(etree.fromstring(published_bytes))


def test_the_file_validates_against_the_official_iati_203_activity_schema(published, schema):
    """Would the IATI Validator accept the file's structure?"""
    assert schema.validate(published), [f"{e.line}: {e.message}" for e in schema.error_log][:10]


def test_the_fund_is_the_parent_and_each_funded_programme_a_child(published, fund):
    """One parent activity for the fund, one child per approved, active or closed programme, linked both ways."""
    activities = published.getroot()
    (parent,) = activities.xpath("iati-activity[@hierarchy='1']")
    assert parent.findtext("iati-identifier") == "XM-DAC-41114-MIG00"
    funded = db.session.scalars(sa.select(Proposal.reference).where(Proposal.state.in_(FUNDED_STATES))).all()
    children = {a.findtext("iati-identifier"): a for a in activities.xpath("iati-activity[@hierarchy='2']")}
    assert set(children) == {f"XM-DAC-41114-MIG00-{reference}" for reference in funded}
    assert set(parent.xpath("related-activity[@type='2']/@ref")) == set(children)
    for child in children.values():
        assert child.xpath("related-activity[@type='1']/@ref") == ["XM-DAC-41114-MIG00"]
        assert child.xpath("sector[@vocabulary='1']/@code") == ["15190"]
        assert child.xpath("result/indicator/period/target/@value"), "the programme matrix's targets are published"
    assert parent.xpath("tag[@vocabulary='99']/@vocabulary-uri") == ["https://mptf.undp.org/fund/mig00"] * 5
    assert {n.get(XML_LANG) for n in parent.xpath("title/narrative")} == {None, "fr", "es"}


def test_the_transactions_reconcile_with_the_funding_status(published, fund):
    """Incoming funds are the deposits, disbursements the transfers, to the cent, as the dashboard shows them."""
    balances = fq.balances(fund)
    root = published.getroot()

    def total(hierarchy: str, kind: str) -> Decimal:
        path = f"iati-activity[@hierarchy='{hierarchy}']/transaction[transaction-type/@code='{kind}']/value/text()"
        return sum((Decimal(v) for v in root.xpath(path)), Decimal(0))

    assert total("1", "1") == balances.received
    assert total("2", "3") == balances.transferred
    assert total("2", "4") == balances.expenditure
    kinds = set(root.xpath("//transaction/transaction-type/@code"))
    assert kinds == {"11", "1", "2", "3", "4"}
    assert all(len(v.split(".")[1]) == 2 for v in root.xpath("//transaction/value/text()")), "money to the cent"


CODED = [
    ("//activity-status/@code", "ActivityStatus"),
    ("//activity-date/@type", "ActivityDateType"),
    ("//activity-scope/@code", "ActivityScope"),
    ("//participating-org/@role", "OrganisationRole"),
    ("//participating-org/@type | //reporting-org/@type | //provider-org/@type | //receiver-org/@type",
     "OrganisationType"),
    ("//transaction-type/@code", "TransactionType"),
    ("//@currency | //@default-currency", "Currency"),
    ("//recipient-country/@code", "Country"),
    ("//sector/@vocabulary", "SectorVocabulary"),
    ("//tag/@vocabulary", "TagVocabulary"),
    ("//budget/@type", "BudgetType"),
    ("//budget/@status", "BudgetStatus"),
    ("//result/@type", "ResultType"),
    ("//indicator/@measure", "IndicatorMeasure"),
    ("//description/@type", "DescriptionType"),
    ("//related-activity/@type", "RelatedActivityType"),
    ("//document-link/category/@code", "DocumentCategory"),
    ("//document-link/language/@code | //@xml:lang", "Language"),
    ("//document-link/@format", "FileFormat"),
    ("//policy-marker/@vocabulary", "PolicyMarkerVocabulary"),
    ("//policy-marker[@vocabulary='1']/@code", "PolicyMarker"),
    ("//policy-marker/@significance", "PolicySignificance"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "name"), CODED, ids=[name for _path, name in CODED])
def test_every_code_is_in_the_official_codelist(published, path, name):
    """Does every coded value come from the IATI 2.03 codelist its attribute names?"""
    used = set(published.getroot().xpath(path))
    assert used, f"nothing coded at {path}"
    assert used <= codelist(name)


def test_every_dac_sector_is_a_dac_purpose_code(published):
    sectors = set(published.getroot().xpath("//sector[@vocabulary='1']/@code"))
    assert sectors <= codelist("Sector") | NEWER_DAC_CODES


def test_organizations_carry_their_iati_identifiers_from_the_reference_data(published):
    """IOM, UNHCR and the donors are named by their IATI identifiers (XM-DAC-...), each of a registration agency
    the OrganisationRegistrationAgency codelist knows, and the same organization always by the same one."""
    root = published.getroot()
    orgs = root.xpath("//participating-org | //provider-org | //receiver-org")
    refs = {(o.findtext("narrative"), o.get("ref")) for o in orgs if o.get("ref")}
    names = dict(refs)
    assert names["International Organization for Migration"] == "XM-DAC-47066"
    assert names["Office of the United Nations High Commissioner for Refugees"] == "XM-DAC-41121"
    assert len(names) == len(refs), "one identifier per organization"
    agencies = codelist("OrganisationRegistrationAgency")
    assert all(re.sub(r"-[^-]+$", "", ref) in agencies for _name, ref in refs)
    assert any(ref == "XM-DAC-5" for _name, ref in refs), "a donor (Germany) by its DAC code"


def test_the_gender_marker_is_the_dac_gender_equality_policy_marker(published, fund):
    """A programme rated 2 (significant) on the gender marker publishes DAC policy marker 1 with significance 1,
    3 (principal) significance 2; the human rights marker (no DAC marker) in the fund's own vocabulary."""
    significance = {0: "0", 1: "0", 2: "1", 3: "2"}
    children = {a.findtext("iati-identifier"): a for a in published.getroot().xpath("iati-activity[@hierarchy='2']")}
    funded = db.session.scalars(sa.select(Proposal).where(Proposal.state.in_(FUNDED_STATES))).all()
    checked = 0
    for proposal in funded:
        activity = children[f"XM-DAC-41114-MIG00-{proposal.reference}"]
        levels = {r.marker.code: r.level for r in proposal.markers if r.level is not None}
        if "gender" in levels:
            assert activity.xpath("policy-marker[@vocabulary='1']/@code") == ["1"]
            assert activity.xpath("policy-marker[@vocabulary='1']/@significance") == [significance[levels["gender"]]]
            checked += 1
        if "human_rights" in levels:
            assert activity.xpath("policy-marker[@vocabulary='99']/@code")[0] == "human_rights"
    assert checked


# --- The IATI Standard Ruleset ---------------------------------------------------------------------------------


def ruleset() -> dict:
    return json.loads((STANDARD / "rulesets" / "standard_ruleset.json").read_text())


def first_date(context: etree._Element, path: str, today: date) -> date | None:
    if path == "NOW":
        return today
    found = context.xpath(path)
    return date.fromisoformat(str(found[0])[:10]) if found else None


def broken_rules(root: etree._Element, today: date) -> list[str]:
    """Each rule of the Standard Ruleset the file breaks, as 'context kind case'."""
    broken = []
    for context_path, rules in ruleset().items():
        for context in root.xpath(context_path.replace("//iati-organisation", "//no-organisation-here")):
            for kind, body in rules.items():
                for case in body["cases"]:
                    if not passes(kind, case, context, today):
                        broken.append(f"{context_path} {kind} {case}")
    return broken


def passes(kind: str, case: dict, context: etree._Element, today: date) -> bool:
    if kind == "atleast_one":
        return any(context.xpath(path) for path in case["paths"])
    if kind == "no_more_than_one":
        return sum(len(context.xpath(path)) for path in case["paths"]) <= 1
    if kind == "date_order":
        less, more = first_date(context, case["less"], today), first_date(context, case["more"], today)
        return less is None or more is None or less <= more
    if kind == "regex_matches":
        return all(re.fullmatch(case["regex"], str(value)) for path in case["paths"] for value in context.xpath(path))
    if kind == "sum":
        values = [Decimal(v) for path in case["paths"] for v in context.xpath(path)]
        return not values or sum(values) == Decimal(case["sum"])
    raise AssertionError(f"a rule kind this test does not know: {kind}")


def test_the_file_passes_the_iati_standard_ruleset(published, fund):
    """Every rule of the official ruleset file holds on every activity (dates not in the future, percentages...)."""
    assert broken_rules(published.getroot(), clock.today(fund)) == []


def test_the_ruleset_check_catches_a_transaction_dated_in_the_future(published, fund):
    """The interpreter above can fail: a transaction dated tomorrow breaks the ruleset."""
    root = published.getroot()
    (date_element, *_rest) = root.xpath("//transaction/transaction-date")
    date_element.set("iso-date", date.fromordinal(clock.today(fund).toordinal() + 1).isoformat())
    assert any("transaction date_order" in rule for rule in broken_rules(root, clock.today(fund)))


def test_actual_dates_are_not_in_the_future(published, fund):
    today = clock.today(fund).isoformat()
    actual = published.getroot().xpath("//activity-date[@type='2' or @type='4']/@iso-date")
    assert actual
    assert max(actual) <= today


def test_sector_percentages_sum_to_100_per_vocabulary(published):
    for activity in published.getroot().iter("iati-activity"):
        for vocabulary in set(activity.xpath("sector/@vocabulary")):
            shares = activity.xpath(f"sector[@vocabulary='{vocabulary}']/@percentage")
            assert sum(Decimal(share) for share in shares) == 100


def test_budget_periods_are_no_longer_than_a_year_and_values_have_their_date(published):
    budgets = published.getroot().xpath("//budget")
    assert budgets
    for budget in budgets:
        start = date.fromisoformat(budget.find("period-start").get("iso-date"))
        end = date.fromisoformat(budget.find("period-end").get("iso-date"))
        assert start < end
        assert (end - start).days < 366
    values = published.getroot().xpath("//value")
    assert values
    assert all(value.get("value-date") for value in values)


def test_identifiers_start_with_the_reporting_organizations(published):
    for activity in published.getroot().iter("iati-activity"):
        reporting = activity.find("reporting-org").get("ref")
        assert activity.findtext("iati-identifier").startswith(reporting + "-")


# --- Routes ------------------------------------------------------------------------------------------------------


def test_one_funds_file_and_an_unknown_fund(client, fund):
    """/iati/<fund>/activities.xml answers for a publishing fund, 404 for an unknown or unpublished one."""
    answer = client.get(f"/iati/{fund.code}/activities.xml")
    assert answer.status_code == 200
    assert b"<iati-identifier>XM-DAC-41114-MIG00</iati-identifier>" in answer.data
    assert answer.headers["Cache-Control"] == "public, max-age=300"  # the same for everyone: shared caches keep it
    assert client.get("/iati/NOSUCHFUND/activities.xml").status_code == 404
    fund.iati = {}
    db.session.commit()
    assert client.get(f"/iati/{fund.code}/activities.xml").status_code == 404
    assert b"iati-activity" not in client.get("/iati/activities.xml").data


def test_a_second_fund_publishes_under_its_own_identifier_and_sectors(second_fund_app, schema):
    """The example fund (its own definition file) publishes its own activity, valid, with its two sectors."""
    answer = second_fund_app.test_client().get("/iati/activities.xml")
    tree = etree.ElementTree(etree.fromstring(answer.data))
    assert schema.validate(tree), [e.message for e in schema.error_log][:5]
    (activity,) = tree.getroot()
    fund = db.session.scalars(sa.select(Fund)).one()
    assert activity.findtext("iati-identifier") == fund.iati["activity_identifier"] == "XM-DAC-41114-FSF00"
    assert activity.xpath("sector/@code") == ["31120", "31161"]
    assert not activity.xpath("tag/@vocabulary-uri")  # the example gives no URI for its vocabulary


@pytest.mark.once
def test_a_programme_without_countries_is_published_for_its_un_region():
    """A regional programme names its UN M49 region (IATI region vocabulary 2) for all of its work."""
    activity = etree.Element("iati-activity")
    recipients(activity, Proposal(region_code="145"))
    (region,) = activity
    assert (region.tag, dict(region.attrib)) == (
        "recipient-region", {"code": "145", "vocabulary": "2", "percentage": "100"}
    )  # fmt: skip
    assert codelist("RegionVocabulary") >= {region.get("vocabulary")}


@pytest.mark.once
def test_shares_between_countries_sum_to_exactly_100():
    assert split_hundred(3) == ["33.33", "33.33", "33.34"]
    assert split_hundred(1) == ["100"]


def iati_jobs() -> list[Job]:
    return list(db.session.scalars(sa.select(Job).where(Job.kind == "iati").order_by(Job.id)))


def test_the_file_is_built_by_a_job_and_served_until_what_it_publishes_changes(demo_app, fund):
    """The first request builds the file (a job, run there once); the next ones serve it as built, confirmed by its
    ETag, asking for nothing; an audited change to what it publishes makes the next request answer at once with the
    last file and ask for a new one, which the request after serves."""
    client = demo_app.test_client()
    first = client.get("/iati/activities.xml")
    assert first.status_code == 200
    assert first.mimetype == "application/xml"
    (built,) = iati_jobs()
    assert built.state is JobState.done
    assert built.asked_by_id is None
    assert built.fund_id is None
    assert first.headers["ETag"] == f'"{built.sha256}-xml"', "kept gzipped, sent decompressed: a tag of its own"
    again = client.get("/iati/activities.xml", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/iati/activities.xml").data == first.data
    assert len(iati_jobs()) == 1, "nothing changed: nothing asked"
    programme = db.session.scalars(sa.select(Proposal).where(Proposal.state == ProposalState.active)).first()
    programme.title = "A programme renamed"
    record_audit("proposal.updated", programme, actor=None, after={"title": programme.title}, fund_id=fund.id)
    db.session.commit()
    stale = client.get("/iati/activities.xml")
    assert stale.status_code == 200
    assert stale.data == first.data, "the last file, at once"
    assert len(iati_jobs()) == 2, "and a new one asked for (run after the answer here, by the worker in production)"
    fresh = client.get("/iati/activities.xml")
    assert b"A programme renamed" in fresh.data
    assert fresh.headers["ETag"] != first.headers["ETag"]
    assert len(iati_jobs()) == 2
    assert client.get(f"/iati/{fund.code}/activities.xml").status_code == 200
    assert len(iati_jobs()) == 3, "each fund's file is a job of its own"


def test_signing_in_and_making_a_token_do_not_make_the_file_stale(demo_app, fund):
    """A person signing in or making an API token is audited but publishes nothing: the next request serves the
    file as built and asks for no new one (a rebuild is minutes of a worker at a large fund's scale)."""
    client = demo_app.test_client()
    first = client.get("/iati/activities.xml")
    assert first.status_code == 200
    person = db.session.scalars(sa.select(User).where(User.is_active_account.is_(True)).order_by(User.id)).first()
    account_ops.record_sign_in(person)
    account_ops.create_api_token(person, name="crawler check", scope=TokenScope.read, days=min(TOKEN_LIFETIMES),
                                 actor=person)  # fmt: skip
    db.session.commit()
    assert client.get("/iati/activities.xml").data == first.data
    assert len(iati_jobs()) == 1, "nothing published changed: nothing asked"


def test_a_file_that_could_not_be_built_asks_the_crawler_to_come_back(demo_app, monkeypatch):
    """Never built and the build fails: 503 with Retry-After (the job failed, its error kept), no half file."""

    def broken(_funds):
        raise RuntimeError("the ledger is unreadable")

    monkeypatch.setattr(iati, "activities_document", broken)
    answer = demo_app.test_client().get("/iati/activities.xml")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert answer.headers["Cache-Control"] == "no-store", "no cache keeps the refusal"
    (job,) = iati_jobs()
    assert job.state is JobState.failed
    assert "unreadable" in job.error


def test_the_file_goes_gzipped_to_a_crawler_that_accepts_it_and_plain_to_one_that_does_not(demo_app):
    """The file is kept gzipped: a client that accepts gzip gets those bytes as they are (Content-Encoding, a
    tenth of the size), one that does not gets the same XML decompressed; each answer has its own ETag, both say
    they vary by Accept-Encoding (so shared caches keep them apart), and each is confirmed with a 304."""
    client = demo_app.test_client()
    plain = client.get("/iati/activities.xml")
    compressed = client.get("/iati/activities.xml", headers={"Accept-Encoding": "gzip, deflate, br"})
    assert compressed.status_code == plain.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert "Content-Encoding" not in plain.headers
    assert compressed.mimetype == plain.mimetype == "application/xml"
    assert gzip.decompress(compressed.data) == plain.data
    assert int(compressed.headers["Content-Length"]) == len(compressed.data) < len(plain.data) / 5
    assert b"<iati-activities" in plain.data[:500]
    assert compressed.headers["ETag"] != plain.headers["ETag"]
    for answer in (plain, compressed):
        assert "Accept-Encoding" in answer.headers["Vary"]
    assert client.get("/iati/activities.xml", headers={"Accept-Encoding": "gzip;q=0"}).data == plain.data
    again = client.get(
        "/iati/activities.xml",
        headers={"Accept-Encoding": "gzip", "If-None-Match": compressed.headers["ETag"]},
    )
    assert again.status_code == 304
    assert client.get("/iati/activities.xml", headers={"If-None-Match": compressed.headers["ETag"]}).status_code == 200
    (built,) = iati_jobs()
    assert built.filename == "activities.xml.gz", "the job's own download is the gzipped file, named as such"


@pytest.mark.parametrize("accept", ["gzip", "identity"])
def test_a_file_lost_from_storage_is_built_again_and_never_a_server_error(demo_app, accept):
    """The store lost the last file (a wiped folder, an emptied bucket): the crawler is asked to come back
    (503, Retry-After) rather than shown an error, one new job builds the file again, and it is served."""
    client = demo_app.test_client()
    headers = {"Accept-Encoding": accept}
    first = client.get("/iati/activities.xml", headers=headers)
    assert first.status_code == 200
    (built,) = iati_jobs()
    delete_stored(built.storage_key)
    lost = client.get("/iati/activities.xml", headers=headers)
    assert lost.status_code == 503
    assert int(lost.headers["Retry-After"]) > 0
    assert lost.headers["Cache-Control"] == "no-store", "no cache keeps the refusal"
    assert len(iati_jobs()) == 2, "a new file asked for"
    back = client.get("/iati/activities.xml", headers=headers)
    assert back.status_code == 200
    assert len(iati_jobs()) == 2, "asked once"
    rebuilt = iati_jobs()[-1]
    assert back.headers["ETag"].startswith(f'"{rebuilt.sha256}'), "the file built again"
    body = gzip.decompress(back.data) if accept == "gzip" else back.data
    assert etree.fromstring(body).tag == "iati-activities"
