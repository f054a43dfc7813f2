"""Loading fund definitions: validated, idempotent, refused with the field named, a second fund is data."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from fundmgr.accounts.models import Organization
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.funds import queries as fq
from fundmgr.funds.definition import REFERENCE_FILE, DefinitionError, bundled_definition, parse_definition
from fundmgr.funds.models import Country, Criterion, Fund, Objective, Region, ThematicArea
from fundmgr.i18n import LANGUAGES
from tests.factories import sign_in


def bundled() -> dict:
    return yaml.safe_load(bundled_definition().read_text(encoding="utf-8"))


def write(tmp_path: Path, data: dict, name: str = "fund.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_bundled_fund_matches_the_migration_mptf(fund):
    """Is the Migration MPTF loaded with its 5 areas, 23 objectives and 10 principles, names in 3 languages?"""
    assert fund.code == "MIG"
    assert [a.number for a in fund.thematic_areas] == [1, 2, 3, 4, 5]
    assert [o.number for o in fund.objectives] == list(range(1, 24))
    assert len(fund.guiding_principles) == 10
    assert len(fund.budget_categories) == 7
    assert {m.code for m in fund.markers} >= {"gender", "human_rights"}
    assert str(fund.aa_fee_rate) == "0.010000"
    assert str(fund.indirect_cost_rate) == "0.070000"
    assert fund.time_zone == "Europe/Zurich"  # the FMU sits in Geneva: its deadlines end at midnight there
    for area in fund.thematic_areas:
        assert set(area.name) == set(LANGUAGES)
    area5 = fund.thematic_areas[4]
    assert area5.name["es"] == "Fomento de la inclusión social y la integración de los migrantes"


def test_objective_to_area_mapping_is_many_to_many(fund):
    """Does objective 23 belong to every area, and 7 to area 2, as the fund's mapping says?"""
    by_number = {o.number: o for o in fund.objectives}
    assert {a.number for a in by_number[23].areas} == {1, 2, 3, 4, 5}
    assert 2 in {a.number for a in by_number[7].areas}
    assert sorted(o.number for o in fund.thematic_areas[0].objectives) == [1, 3, 17, 23]


def test_geography_is_loaded_with_m49_regions(fund):
    """Are countries classified into UN M49 regions, with CLDR names in each language?"""
    senegal = db.session.scalar(sa.select(Country).where(Country.iso3 == "SEN"))
    assert (senegal.region_code, senegal.subregion_code, senegal.intermediate_code) == ("002", "202", "011")
    assert db.session.get(Region, "002") is not None
    assert count(Country) > 240


def test_loading_the_same_file_again_changes_nothing(app, fund):
    """Is `fund load` idempotent: no change, no audit entry the second time?"""
    runner = app.test_cli_runner()
    audits = count(AuditEntry)
    result = runner.invoke(args=["fund", "load"])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output
    assert count(AuditEntry) == audits


def test_an_updated_file_updates_the_fund_and_retires_dropped_items(app, fund, tmp_path):
    """Does a changed definition update values, retire removed criteria, and audit it?"""
    data = bundled()
    data["money"]["budget_max"] = "6000000.00"
    dropped = data["criteria"].pop()
    data["criteria"][0]["weight"] = str(
        sum(map(__import__("decimal").Decimal, [data["criteria"][0]["weight"], dropped["weight"]]))
    )
    result = app.test_cli_runner().invoke(args=["fund", "load", str(write(tmp_path, data))])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert str(fund.budget_max) == "6000000.00"
    retired = db.session.scalar(sa.select(Criterion).where(Criterion.code == dropped["code"]))
    assert retired.retired
    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "fund.updated")).one()
    assert entry.before["budget_max"] == "5000000.00"
    assert entry.after["budget_max"] == "6000000.00"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["thematic_areas"][1]["name"].pop("fr"), "thematic_areas.1.name.fr"),
        (lambda d: d["money"].update(indirect_cost_rate="seven"), "money.indirect_cost_rate"),
        (lambda d: d["money"].update(budget_min="9000000.00"), "budget_min must not exceed budget_max"),
        (lambda d: d["criteria"][0].update(weight="0.9"), "criteria weights must sum to 1"),
        (lambda d: d["thematic_areas"][0]["objectives"].append(99), "objectives [99] that are not defined"),
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d["markers"][0].update(levels=[]), "markers.0.levels"),
        (lambda d: d.update(time_zone="Geneva"), "time_zone: Value error, unknown time zone 'Geneva'"),
        (lambda d: d["targets"]["marker_share"].update(marker="climate"), "names the unknown marker 'climate'"),
        (lambda d: d["targets"]["marker_share"].update(min_level=7), "min_level 7 is not a level of gender"),
        (lambda d: d.pop("objectives_title"), "objectives_title: Field required"),
    ],
)
def test_malformed_file_is_refused_naming_the_field(app, fund, tmp_path, mutate, field):
    """Is a broken definition refused with a message that names the field, and nothing changed?"""
    data = bundled()
    mutate(data)
    before = (count(AuditEntry), count(ThematicArea), fund.definition_sha256)
    result = app.test_cli_runner().invoke(args=["fund", "load", str(write(tmp_path, data))])
    assert result.exit_code != 0
    assert field in result.output
    assert "nothing was changed" in result.output
    db.session.expire_all()
    assert (count(AuditEntry), count(ThematicArea), fund.definition_sha256) == before


def test_unknown_participating_organization_changes_nothing(app, fund, tmp_path):
    data = bundled()
    data["code"] = "OTHER"
    data["participating_organizations"].append("NOT-AN-ORG")
    result = app.test_cli_runner().invoke(args=["fund", "load", str(write(tmp_path, data))])
    assert result.exit_code != 0
    assert "NOT-AN-ORG" in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(Fund).where(Fund.code == "OTHER")) is None


def test_not_yaml_is_refused():
    with pytest.raises(DefinitionError, match="not valid YAML"):
        parse_definition("code: [unclosed")
    with pytest.raises(DefinitionError, match="mapping"):
        parse_definition("- just a list")


def test_a_section_written_twice_is_refused_not_silently_replaced():
    """A definition giving one key twice (two `committee:` sections, say) is refused naming the key and line."""
    text = bundled_definition().read_text(encoding="utf-8")
    with pytest.raises(DefinitionError, match=r"the key 'committee' is given twice"):
        parse_definition(text + "\ncommittee: {}\n")


def test_a_second_fund_is_configuration(app, fund, tmp_path):
    """Can a second fund with other areas, objectives and rules be loaded from a file alone?"""
    data = bundled()
    data.update(code="CLIM", gateway_code="CLI00")
    del data["time_zone"]
    data["name"] = {
        "en": "Climate Mobility Fund",
        "fr": "Fonds mobilité climatique",
        "es": "Fondo de movilidad climática",
    }
    data["thematic_areas"] = [
        {"code": "A", "number": 1, "name": {"en": "Adaptation", "fr": "Adaptation", "es": "Adaptación"},
         "objectives": [1]},
        {"code": "B", "number": 2, "name": {"en": "Planned relocation", "fr": "Réinstallation planifiée",
                                            "es": "Reubicación planificada"}, "objectives": [1, 2]},
    ]  # fmt: skip
    data["objectives"] = data["objectives"][:2]
    data["targets"]["thematic_area_share"] = {"A": "0.5", "B": "0.5"}
    data["money"]["indirect_cost_rate"] = "0.08"
    result = app.test_cli_runner().invoke(args=["fund", "load", str(write(tmp_path, data))])
    assert result.exit_code == 0, result.output
    climate = db.session.scalar(sa.select(Fund).where(Fund.code == "CLIM"))
    assert [a.code for a in climate.thematic_areas] == ["A", "B"]
    assert str(climate.indirect_cost_rate) == "0.080000"
    assert climate.time_zone == "UTC"  # a fund that names no time zone keeps UTC's days
    assert db.session.scalar(sa.select(sa.func.count()).where(Objective.fund_id == climate.id)) == 2
    # the first fund is untouched
    db.session.refresh(fund)
    assert len(fund.thematic_areas) == 5


def test_reference_load_is_idempotent_and_renames_by_code(app, fund, tmp_path):
    """Does `flask reference load` add nothing the second time, and bring a corrected name in, audited?"""
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reference", "load"])
    assert result.exit_code == 0, result.output
    assert "0 rows added" in result.output
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    iom = next(o for o in data["organizations"] if o["code"] == "IOM")
    iom["name"]["en"] = "International Organization for Migration (UN Migration)"
    result = runner.invoke(args=["reference", "load", str(write(tmp_path, data, "reference.yaml"))])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    organization = db.session.scalar(sa.select(Organization).where(Organization.code == "IOM"))
    assert organization.name["en"] == "International Organization for Migration (UN Migration)"
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "organization.updated")) is not None


def organization_options(client) -> str:
    """The organization filter of the proposals list, as the signed-in person sees it."""
    html = client.get("/proposals/").get_data(as_text=True)
    return html[html.index('name="organization"') :].split("</select>", 1)[0]


def test_a_renamed_organization_is_offered_by_its_new_name(app, fund, fmu, client, tmp_path, monkeypatch):
    """Does the list's organization filter name IOM as `flask reference load` corrected it, at once in the server
    that loaded it, and within a minute in another one (whose kept options no statement invalidates)?"""
    monkeypatch.setattr(fq, "PER_DEFINITION", {})  # what this test builds leaves with it
    sign_in(client, fmu)
    assert ">IOM<" in organization_options(client)
    data = yaml.safe_load(REFERENCE_FILE.read_text(encoding="utf-8"))
    next(o for o in data["organizations"] if o["code"] == "IOM")["acronym"]["en"] = "UN Migration"
    result = app.test_cli_runner().invoke(args=["reference", "load", str(write(tmp_path, data, "reference.yaml"))])
    assert result.exit_code == 0, result.output
    assert ">UN Migration<" in organization_options(client)

    # Another server renames: this process is not told, and keeps the name it has for up to a minute.
    iom = db.session.scalar(sa.select(Organization).where(Organization.code == "IOM"))
    iom.acronym = {**iom.acronym, "en": "IOM-UNM"}
    db.session.commit()
    assert ">UN Migration<" in organization_options(client)
    later = fq.monotonic() + fq.SHARED_NAMES_MAX_AGE + 1
    monkeypatch.setattr(fq, "monotonic", lambda: later)
    assert ">IOM-UNM<" in organization_options(client)


def test_a_fund_in_a_currency_the_reference_data_lacks_is_refused(app, fund, tmp_path):
    data = bundled()
    data.update(code="XTS", currency="XTS")
    result = app.test_cli_runner().invoke(args=["fund", "load", str(write(tmp_path, data))])
    assert result.exit_code != 0
    assert "currency: XTS is not a currency of the reference data" in result.output
