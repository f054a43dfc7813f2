"""Funded programmes: the live matrix from the approved version, reporting periods, links to the framework."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.errors import InvalidTransition, NotAllowed, ValidationFailed
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.operations import approve_proposal
from fundmgr.results import operations as ops
from fundmgr.results.models import Measure, Programme
from tests.support.results import entries_for


def test_an_approved_programme_gets_its_matrix_and_periods(make_programme):
    programme = make_programme(start=date(2024, 1, 1), duration_months=24)
    assert programme.start_date == date(2024, 1, 1)
    assert programme.end_date == date(2025, 12, 31)
    [outcome] = programme.outcomes
    assert outcome.statement == "Migrants in the target districts access protection services."
    assert [i.name for i in outcome.outcome_indicators] == ["Number of migrants assisted"]
    assert [o.statement for o in outcome.outputs] == ["Service providers are trained."]
    assist, train, share = programme.indicators
    assert (assist.baseline, assist.target, assist.disaggregation) == (Decimal(0), Decimal(1000), ["sex"])
    assert (share.baseline, share.target, share.measure) == (Decimal(20), Decimal(60), Measure.percentage)
    assert train.measure is Measure.number
    assert [(p.number, p.start_date, p.end_date, p.due_date) for p in programme.periods] == [
        (1, date(2024, 1, 1), date(2024, 12, 31), date(2025, 3, 31)),  # the annual report: 31 March of the next year
        (2, date(2025, 1, 1), date(2025, 12, 31), date(2026, 4, 30)),  # the final report: 4 months after the end
    ]


def test_periods_are_calendar_years_and_the_last_ends_with_the_programme(make_programme):
    programme = make_programme(start=date(2024, 7, 1), duration_months=30)
    assert [(p.start_date, p.end_date, p.due_date) for p in programme.periods] == [
        (date(2024, 7, 1), date(2024, 12, 31), date(2025, 3, 31)),
        (date(2025, 1, 1), date(2025, 12, 31), date(2026, 3, 31)),
        (date(2026, 1, 1), date(2026, 12, 31), date(2027, 4, 30)),
    ]


def test_periods_follow_the_fund_definition(make_programme, fund):
    """A fund that reports every six months, 30 days after each period, gets such periods (configuration, not code)."""
    fund.reporting_calendar = {"basis": "programme_year", "period_months": 6, "due_days_after_period": 30}
    programme = make_programme(start=date(2024, 1, 31), duration_months=12)
    assert [(p.start_date, p.end_date, p.due_date) for p in programme.periods] == [
        (date(2024, 1, 31), date(2024, 7, 30), date(2024, 8, 29)),
        (date(2024, 7, 31), date(2025, 1, 30), date(2025, 3, 1)),
    ]


def test_establishing_twice_changes_nothing(make_programme):
    programme = make_programme()
    assert ops.establish_programme(programme.proposal, actor=None) is programme
    established = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "programme.established")).all()
    assert len(established) == 1
    assert established[0].after["indicators"] == 3


def test_a_proposal_not_yet_funded_has_no_programme(make_proposal):
    with pytest.raises(InvalidTransition):
        ops.establish_programme(make_proposal(ProposalState.endorsed), actor=None)


def test_approval_establishes_the_programme_in_the_same_transaction(make_proposal, make_user, framework):
    """The steering package approves; the results side follows through the signal, and rolls back with it."""
    proposal = make_proposal(ProposalState.in_review)
    chair = make_user(Role.sc_member)
    savepoint = db.session.begin_nested()
    approve_proposal(proposal, actor=chair)
    programme = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
    assert programme is not None
    assert [i.name for i in programme.indicators] == ["Number of officials trained"]  # the factory's matrix
    assert programme.start_date == date(2027, 1, 1)
    savepoint.rollback()
    assert db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id)) is None


def test_the_fmu_moves_and_adds_periods(make_programme, make_user):
    programme = make_programme()
    fmu = make_user(Role.fmu)
    second = programme.periods[1]
    ops.update_period(second, start=date(2025, 1, 1), end=date(2025, 6, 30), due=date(2025, 8, 31), actor=fmu)
    added = ops.add_period(programme, start=date(2025, 7, 1), end=date(2025, 12, 31), due=date(2026, 4, 30), actor=fmu)
    assert added.number == 3
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reporting_period.changed"))
    assert entry.before["end_date"] == "2025-12-31"
    assert entry.after["end_date"] == "2025-06-30"


def test_a_period_cannot_be_moved_outside_the_programmes_dates(make_programme, make_user):
    """The programme runs 2024-01-01 to 2025-12-31: a period before its start or after its end is refused, clearly."""
    programme = make_programme()
    fmu = make_user(Role.fmu)
    message = r"A period must lie within the programme's dates, 2024-01-01 to 2025-12-31."
    with pytest.raises(ValidationFailed, match=message):
        ops.update_period(
            programme.periods[0], start=date(2023, 7, 1), end=date(2023, 12, 31), due=date(2024, 3, 31), actor=fmu
        )
    with pytest.raises(ValidationFailed, match=message):
        ops.add_period(programme, start=date(2026, 1, 1), end=date(2026, 6, 30), due=date(2026, 8, 31), actor=fmu)
    assert [(p.start_date, p.end_date) for p in programme.periods] == [
        (date(2024, 1, 1), date(2024, 12, 31)),
        (date(2025, 1, 1), date(2025, 12, 31)),
    ]


def test_period_dates_that_overlap_or_run_backwards_are_refused(make_programme, make_user):
    programme = make_programme()
    fmu = make_user(Role.fmu)
    first = programme.periods[0]
    with pytest.raises(ValidationFailed) as refused:
        ops.update_period(first, start=date(2024, 1, 1), end=date(2025, 2, 1), due=date(2025, 1, 1), actor=fmu)
    assert refused.value.problems == [
        "The report cannot be due before the period ends.",
        "The dates overlap period 2.",
    ]
    with pytest.raises(ValidationFailed, match=r"The period must start before it ends."):
        ops.add_period(programme, start=date(2026, 5, 1), end=date(2026, 4, 1), due=date(2026, 6, 1), actor=fmu)


def test_only_the_last_period_without_a_report_can_be_removed(make_programme, make_user, lead_of):
    programme = make_programme()
    fmu = make_user(Role.fmu)
    first, second = programme.periods
    with pytest.raises(ValidationFailed, match=r"Only the last period"):
        ops.remove_period(first, actor=fmu)
    ops.save_report(second, entries_for(programme, {}), actor=lead_of(programme))
    with pytest.raises(ValidationFailed, match=r"A period with a progress report cannot be removed."):
        ops.remove_period(second, actor=fmu)


def test_the_last_period_without_a_report_is_removed(make_programme, make_user):
    programme = make_programme()
    ops.remove_period(programme.periods[-1], actor=make_user(Role.fmu))
    db.session.commit()
    db.session.expire_all()
    assert [p.number for p in programme.periods] == [1]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "reporting_period.removed"))
    assert entry.before == {"number": 2, "start_date": "2025-01-01", "end_date": "2025-12-31", "due_date": "2026-04-30"}


@pytest.mark.parametrize("role", [Role.agency, Role.sc_member, Role.viewer])
def test_only_the_fmu_adjusts_periods(make_programme, make_user, role):
    programme = make_programme(lead="IOM")
    with pytest.raises(NotAllowed):
        ops.remove_period(programme.periods[-1], actor=make_user(role, org="IOM"))


def test_the_fmu_links_indicators_to_the_fund_framework_and_gcm_objectives(make_programme, make_user, framework, fund):
    programme = make_programme()
    assist = programme.indicators[0]
    in_2_1 = next(i for i in framework.indicators if i.code == "IN2.1")
    objective_7 = next(o for o in fund.objectives if o.number == 7)
    ops.set_indicator_links(
        programme,
        [ops.IndicatorLink(assist, in_2_1, [objective_7], Measure.number)],
        actor=make_user(Role.fmu),
    )
    assert assist.fund_indicator is in_2_1
    assert [o.number for o in assist.objectives] == [7]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "programme.links_changed"))
    assert entry.before == {str(assist.id): {"fund_indicator": None, "objectives": [], "measure": "number"}}
    assert entry.after == {str(assist.id): {"fund_indicator": "IN2.1", "objectives": [7], "measure": "number"}}


def test_a_link_must_compare_like_with_like(make_programme, make_user, framework):
    programme = make_programme()
    assist, _train, share = programme.indicators
    percentage = next(i for i in framework.indicators if i.code == "IN4.2")
    count = next(i for i in framework.indicators if i.code == "IN2.1")
    with pytest.raises(ValidationFailed) as refused:
        ops.set_indicator_links(
            programme,
            [
                ops.IndicatorLink(assist, percentage, [], Measure.number),
                ops.IndicatorLink(share, count, [], Measure.percentage),
            ],
            actor=make_user(Role.fmu),
        )
    assert len(refused.value.problems) == 2
    assert refused.value.problems[0].startswith("Number of migrants assisted: a number cannot roll up into “IN4.2")
    assert assist.fund_indicator is None
