"""The fund's results framework: loading the bundled file, reloading, refusing a malformed one, editing it."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import NotAllowed, ValidationFailed
from fundmgr.funds.definition import DefinitionError
from fundmgr.results import operations as ops
from fundmgr.results.framework import bundled_framework, parse_framework, read_framework
from fundmgr.results.models import AggregationRule, FundIndicator, Measure

SMALL = """
fund: MIG
goal: {en: "Safe migration", fr: "Migration sûre", es: "Migración segura"}
dimensions:
  - code: sex
    name: {en: Sex, fr: Sexe, es: Sexo}
    categories:
      - {code: female, name: {en: Female, fr: Femmes, es: Mujeres}}
      - {code: male, name: {en: Male, fr: Hommes, es: Hombres}}
outcomes:
  - code: OC1
    area: TA2
    statement: {en: "Migrants are protected", fr: "Les migrants sont protégés", es: "Los migrantes están protegidos"}
    indicators:
      - code: IN1
        name: {en: "Migrants assisted", fr: "Migrants aidés", es: "Migrantes asistidos"}
        unit: {en: persons, fr: personnes, es: personas}
        baseline: "0"
        target: "500"
        disaggregation: [sex]
      - code: IN2
        name: {en: "Laws revised", fr: "Lois révisées", es: "Leyes revisadas"}
        unit: {en: laws, fr: lois, es: leyes}
        target: "4"
"""


def test_the_bundled_framework_covers_every_thematic_area(fund, framework):
    """Does the shipped Migration MPTF framework have an outcome per area, indicators, and four dimensions?"""
    assert [o.area.code for o in framework.outcomes] == ["TA1", "TA2", "TA3", "TA4", "TA5"]
    assert len(framework.indicators) == 22
    assert {d["code"] for d in framework.dimensions} == {"sex", "age", "migratory_status", "disability"}
    detention = next(i for i in framework.indicators if i.code == "IN2.3")
    assert (detention.baseline, detention.target, detention.rule) == (
        Decimal(1200),
        Decimal(300),
        AggregationRule.latest,
    )
    assert detention.name["es"].startswith("Número de niños y niñas en detención")
    remittances = next(i for i in framework.indicators if i.code == "IN4.2")
    assert (remittances.measure, remittances.rule) == (Measure.percentage, AggregationRule.average)
    assert "Illustrative" in framework.note["en"]


def test_loading_the_same_file_again_changes_nothing(fund, framework):
    spec, sha256 = read_framework(bundled_framework())
    entries = db.session.scalar(sa.select(sa.func.count(AuditEntry.id)))
    again, changed = ops.load_framework(fund, spec, sha256, actor=None)
    assert again.id == framework.id
    assert changed is False
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == entries


def test_a_new_file_updates_by_code_and_retires_what_it_dropped(fund, framework):
    """Indicators the file no longer holds are retired (programmes may link to them), not deleted."""
    in_1_1 = next(i for i in framework.indicators if i.code == "IN1.1")
    spec = parse_framework(SMALL)
    loaded, changed = ops.load_framework(fund, spec, "other-sha", actor=None)
    db.session.flush()
    assert changed is True
    current = {i.code for i in loaded.indicators if not i.retired}
    assert current == {"IN1", "IN2"}
    assert db.session.get(FundIndicator, in_1_1.id).retired is True
    assert [o.code for o in loaded.outcomes if not o.retired] == ["OC1"]
    assert loaded.goal["fr"] == "Migration sûre"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("target: \"500\"", "target: lots"), "outcomes.0.indicators.0.target"),
        (("disaggregation: [sex]", "disaggregation: [religion]"), "names unknown dimensions ['religion']"),
        (("        target: \"4\"", "        target: \"4\"\n        measure: percentage\n        rule: sum"),
         "percentages cannot be summed"),
        (("code: IN2", "code: IN1"), "code 'IN1' appears twice"),
        (("es: \"Migración segura\"", "de: \"Sichere Migration\""), "goal.es: Field required"),
    ],
)  # fmt: skip
def test_a_malformed_file_is_refused_naming_the_field(change, message):
    with pytest.raises(DefinitionError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_framework(SMALL.replace(*change))


def test_a_file_naming_an_unknown_area_or_another_fund_is_refused(fund):
    with pytest.raises(DefinitionError, match=r"unknown thematic areas \['TA9'\]"):
        ops.load_framework(fund, parse_framework(SMALL.replace("area: TA2", "area: TA9")), "x", actor=None)
    with pytest.raises(DefinitionError, match=r"the file is for fund OTHER, not MIG"):
        ops.load_framework(fund, parse_framework(SMALL.replace("fund: MIG", "fund: OTHER")), "x", actor=None)


def test_a_framework_disaggregates_only_by_the_funds_own_dimensions(fund):
    """Is a framework dimension the fund's definition does not name (household income, for MIG) refused?"""
    other = SMALL.replace("disaggregation: [sex]", "disaggregation: [household_income]").replace(
        "  - code: sex\n    name: {en: Sex, fr: Sexe, es: Sexo}",
        "  - code: household_income\n    name: {en: Income, fr: Revenu, es: Ingresos}",
    )
    with pytest.raises(
        DefinitionError, match=r"dimensions: \['household_income'\] are not disaggregations of fund MIG"
    ):
        ops.load_framework(fund, parse_framework(other), "x", actor=None)


def indicator_spec(framework, **changes) -> ops.IndicatorSpec:
    outcome = framework.outcomes[1]
    values = {
        "outcome": outcome,
        "output": None,
        "name": {"en": "Families reunited", "fr": "Familles réunies", "es": "Familias reunidas"},
        "unit": {"en": "families", "fr": "familles", "es": "familias"},
        "measure": Measure.number,
        "rule": AggregationRule.sum,
        "baseline": "0",
        "target": "1,500",
        "disaggregation": ["migratory_status"],
    }
    return ops.IndicatorSpec(**(values | changes))


def test_the_fmu_adds_an_indicator_with_a_new_code(framework, make_user):
    fmu = make_user(Role.fmu)
    indicator = ops.save_fund_indicator(framework, None, indicator_spec(framework), actor=fmu)
    assert indicator.code == "IN23"
    assert indicator.target == Decimal(1500)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "fund_indicator.saved"))
    assert entry.before is None
    assert entry.after["target"] == "1500"
    assert entry.actor_id == fmu.id


def test_an_indicator_with_problems_is_refused_listing_them_all(framework, make_user):
    spec = indicator_spec(
        framework,
        name={"en": "Families reunited", "fr": "", "es": ""},
        target="many",
        measure=Measure.percentage,
        rule=AggregationRule.sum,
        disaggregation=["religion"],
    )
    with pytest.raises(ValidationFailed) as refused:
        ops.save_fund_indicator(framework, None, spec, actor=make_user(Role.fmu))
    assert refused.value.problems == [
        "The name is missing in: FR, ES.",
        "The target: Enter a number, such as 1,250.",
        "Percentages cannot be added up: choose average, highest or most recent value.",
        "Choose disaggregation dimensions from the framework's list.",
    ]


@pytest.mark.parametrize("role", [Role.agency, Role.sc_member, Role.viewer])
def test_only_the_fmu_and_administrators_edit_the_framework(framework, make_user, role):
    with pytest.raises(NotAllowed):
        ops.update_goal(framework, {"en": "x", "fr": "x", "es": "x"}, actor=make_user(role))


def test_retiring_an_indicator_is_audited_and_reversible(framework, make_user):
    fmu = make_user(Role.fmu)
    indicator = framework.indicators[0]
    ops.set_indicator_retired(indicator, True, actor=fmu)
    ops.set_indicator_retired(indicator, False, actor=fmu)
    actions = db.session.scalars(
        sa.select(AuditEntry.action).where(AuditEntry.object_type == "fund_indicator").order_by(AuditEntry.id)
    ).all()
    assert actions == ["fund_indicator.retired", "fund_indicator.restored"]
    assert indicator.retired is False
