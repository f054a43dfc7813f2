"""Results: the fund's results framework, programme results matrices, reporting periods and progress reports."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.choices import TitledEnum
from fundmgr.db import Base, ScaledDecimal
from fundmgr.funds.models import Fund, Objective, ThematicArea
from fundmgr.funds.rights import is_agency_staff, is_fmu, is_fund_manager
from fundmgr.i18n import localize
from fundmgr.proposals.models import Proposal, ProposalVersion


def Quantity() -> ScaledDecimal:  # noqa: N802 - reads like a type in column definitions
    """Indicator values (people, cases, percentages): up to 10**14 with four decimals, exact on every database."""
    return ScaledDecimal(18, 4)


class AggregationRule(TitledEnum):
    """How a fund indicator combines the values of the programme indicators linked to it."""

    sum = "sum"
    average = "average"
    max = "max"
    latest = "latest"


class Measure(TitledEnum):
    """What an indicator counts: a number of things, or a percentage (whose parts do not add up)."""

    number = "number"
    percentage = "percentage"


class IndicatorStatus(TitledEnum):
    """The lead agency's judgement of an indicator at the end of a period."""

    on_track = "on_track"
    off_track = "off_track"
    achieved = "achieved"

    @property
    def badge(self) -> str:
        return {"on_track": "primary", "off_track": "warning", "achieved": "success"}[self.value]


class ReportState(TitledEnum):
    """Where a progress report is in its review."""

    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    accepted = "accepted"

    @property
    def badge(self) -> str:
        return {"draft": "secondary", "submitted": "info", "returned": "warning", "accepted": "success"}[self.value]


TITLES = {
    AggregationRule.sum: _l("Sum"),
    AggregationRule.average: _l("Average"),
    AggregationRule.max: _l("Highest value"),
    AggregationRule.latest: _l("Most recent value"),
    Measure.number: _l("Number"),
    Measure.percentage: _l("Percentage"),
    IndicatorStatus.on_track: _l("On track"),
    IndicatorStatus.off_track: _l("Off track"),
    IndicatorStatus.achieved: _l("Achieved"),
    ReportState.draft: _l("Draft"),
    ReportState.submitted: _l("Submitted, awaiting review"),
    ReportState.returned: _l("Returned for revision"),
    ReportState.accepted: _l("Accepted"),
}
for titled in (AggregationRule, Measure, IndicatorStatus, ReportState):
    titled.set_titles(TITLES)

R = ReportState
# The one transition table of progress reports (checked by fundmgr.workflow.require_transition).
REPORT_TRANSITIONS: dict[ReportState, frozenset[ReportState]] = {
    R.draft: frozenset({R.submitted}),
    R.submitted: frozenset({R.returned, R.accepted}),
    R.returned: frozenset({R.submitted}),
    R.accepted: frozenset(),
}
EDITABLE_REPORT_STATES = frozenset({R.draft, R.returned})
# A period whose report is in one of these states is no longer waiting for the lead agency.
HANDED_IN_STATES = frozenset({R.submitted, R.accepted})


# --- The fund's results framework -------------------------------------------------------------


class ResultsFramework(Base):
    """A fund's results framework: its goal, and the disaggregation dimensions indicators use."""

    __tablename__ = "results_frameworks"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id", ondelete="CASCADE"), unique=True)
    goal: so.Mapped[dict[str, str]]
    # [{"code": "sex", "name": {en, fr, es}, "categories": [{"code": "female", "name": {...}}]}]
    dimensions: so.Mapped[list[Any]] = so.mapped_column(default=list)
    note: so.Mapped[dict[str, str]] = so.mapped_column(default=dict)
    source_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, onupdate=clock.now)

    fund: so.Mapped[Fund] = so.relationship()
    outcomes: so.Mapped[list[FundOutcome]] = so.relationship(back_populates="framework", order_by="FundOutcome.number")
    indicators: so.Mapped[list[FundIndicator]] = so.relationship(
        back_populates="framework", order_by="FundIndicator.number"
    )

    audit_type = "results_framework"

    def can_edit(self, user: Any) -> bool:
        """The FMU (and administrators) maintain the fund's framework."""
        return is_fund_manager(user, self.fund)

    def dimension(self, code: str) -> dict[str, Any] | None:
        return next((d for d in self.dimensions or [] if d["code"] == code), None)


class FundOutcome(Base):
    """An outcome of the fund's framework, tied to one thematic area."""

    __tablename__ = "fund_outcomes"
    __table_args__ = (sa.UniqueConstraint("framework_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    framework_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("results_frameworks.id", ondelete="CASCADE"), index=True
    )
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    number: so.Mapped[int]
    area_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("thematic_areas.id"), index=True)
    statement: so.Mapped[dict[str, str]]
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    framework: so.Mapped[ResultsFramework] = so.relationship(back_populates="outcomes")
    area: so.Mapped[ThematicArea] = so.relationship()
    outputs: so.Mapped[list[FundOutput]] = so.relationship(back_populates="outcome", order_by="FundOutput.number")
    indicators: so.Mapped[list[FundIndicator]] = so.relationship(
        back_populates="outcome", order_by="FundIndicator.number"
    )

    audit_type = "fund_outcome"

    @property
    def label(self) -> str:
        return localize(self.statement)


class FundOutput(Base):
    """An output under an outcome of the fund's framework."""

    __tablename__ = "fund_outputs"
    __table_args__ = (sa.UniqueConstraint("outcome_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fund_outcomes.id", ondelete="CASCADE"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    number: so.Mapped[int]
    statement: so.Mapped[dict[str, str]]
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    outcome: so.Mapped[FundOutcome] = so.relationship(back_populates="outputs")

    audit_type = "fund_output"

    @property
    def label(self) -> str:
        return localize(self.statement)


class FundIndicator(Base):
    """An indicator of the fund's framework; programme indicators linked to it roll up by its rule."""

    __tablename__ = "fund_indicators"
    __table_args__ = (sa.UniqueConstraint("framework_id", "code"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    framework_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("results_frameworks.id", ondelete="CASCADE"), index=True
    )
    outcome_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("fund_outcomes.id"), index=True)
    output_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("fund_outputs.id"), index=True)
    code: so.Mapped[str] = so.mapped_column(sa.String(40))
    number: so.Mapped[int]
    name: so.Mapped[dict[str, str]]
    unit: so.Mapped[dict[str, str]]
    measure: so.Mapped[Measure] = so.mapped_column(default=Measure.number)
    baseline: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    target: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    means_of_verification: so.Mapped[dict[str, str]] = so.mapped_column(default=dict)
    disaggregation: so.Mapped[list[Any]] = so.mapped_column(default=list)
    rule: so.Mapped[AggregationRule] = so.mapped_column(default=AggregationRule.sum)
    retired: so.Mapped[bool] = so.mapped_column(default=False)

    framework: so.Mapped[ResultsFramework] = so.relationship(back_populates="indicators")
    outcome: so.Mapped[FundOutcome] = so.relationship(back_populates="indicators")
    output: so.Mapped[FundOutput | None] = so.relationship()

    audit_type = "fund_indicator"

    @property
    def label(self) -> str:
        return f"{self.code} {localize(self.name)}"


# What a fund indicator's roll-up sums (fundmgr.results.queries.combine_totals reads them), in this order.
TOTAL_COLUMNS = (
    "actual_sum", "actual_known", "actual_max",
    "baseline_sum", "baseline_known", "baseline_max",
    "target_sum", "target_known", "target_max",
)  # fmt: skip


class FundIndicatorTotals(Base):
    """A fund indicator's roll-up as of today, kept by the operations that change it (fundmgr.results.standings):
    over the standings of the programme indicators linked to it, how many there are, the latest as-of date, the sum,
    count of known values and maximum of their values, baselines and targets, and the newest one's (for `latest`).
    No row: no linked indicator has an accepted value."""

    __tablename__ = "fund_indicator_totals"

    fund_indicator_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("fund_indicators.id", ondelete="CASCADE"), primary_key=True
    )
    count: so.Mapped[int]
    as_of: so.Mapped[date | None]
    actual_sum: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    actual_known: so.Mapped[int]
    actual_max: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    baseline_sum: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    baseline_known: so.Mapped[int]
    baseline_max: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    target_sum: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    target_known: so.Mapped[int]
    target_max: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    newest_actual: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    newest_baseline: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    newest_target: so.Mapped[Decimal | None] = so.mapped_column(Quantity())


# --- A funded programme's live results matrix ---------------------------------------------------


class Programme(Base):
    """The results side of a funded proposal: its live matrix (from the approved version) and its periods."""

    __tablename__ = "programmes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    proposal_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposals.id"), unique=True)
    version_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("proposal_versions.id"))
    # Implementation dates follow reality (fundmgr.results.schedule): the start is the first transfer's date (or
    # one the FMU set, with its reason), the end follows from the duration; both are kept here for queries.
    start_date: so.Mapped[date] = so.mapped_column(index=True)  # the programmes started in a span (the roll-ups)
    end_date: so.Mapped[date]
    start_source: so.Mapped[str] = so.mapped_column(sa.String(20), default="planned", server_default="planned")
    start_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    duration_months: so.Mapped[int]
    established_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    proposal: so.Mapped[Proposal] = so.relationship()
    version: so.Mapped[ProposalVersion] = so.relationship()
    outcomes: so.Mapped[list[ProgrammeOutcome]] = so.relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="ProgrammeOutcome.position"
    )
    indicators: so.Mapped[list[ProgrammeIndicator]] = so.relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="ProgrammeIndicator.id"
    )
    periods: so.Mapped[list[ReportingPeriod]] = so.relationship(
        back_populates="programme", cascade="all, delete-orphan", order_by="ReportingPeriod.number"
    )

    audit_type = "programme"

    @property
    def display_name(self) -> str:
        return self.proposal.display_name

    @property
    def fund_id(self) -> int:
        return self.proposal.fund_id

    def last_ended_period(self, today: date) -> ReportingPeriod | None:
        """The latest period whose last day is over, if any."""
        ended = [period for period in self.periods if period.has_ended(today)]
        return ended[-1] if ended else None

    def can_view(self, user: Any) -> bool:
        """Whoever may see the funded proposal may see its results matrix."""
        return self.proposal.can_view(user)

    def can_manage(self, user: Any) -> bool:
        """The FMU links indicators to the fund's framework and adjusts reporting periods."""
        return is_fund_manager(user, self.proposal.fund)

    def can_see_unpublished(self, user: Any) -> bool:
        """The FMU and the programme's own agencies see reports before they are accepted."""
        fund = self.proposal.fund
        return is_fund_manager(user, fund) or (is_agency_staff(user, fund) and self.proposal.takes_part(user))

    def can_report(self, user: Any) -> bool:
        """Only agency staff of the lead organization write and submit progress reports."""
        return self.proposal.is_lead(user)


programme_indicator_objectives = sa.Table(
    "programme_indicator_objectives",
    Base.metadata,
    sa.Column("indicator_id", sa.ForeignKey("programme_indicators.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("objective_id", sa.ForeignKey("objectives.id"), primary_key=True),
)


class ProgrammeOutcome(Base):
    """An outcome of a programme's live matrix."""

    __tablename__ = "programme_outcomes"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    position: so.Mapped[int]
    statement: so.Mapped[str] = so.mapped_column(sa.Text)

    programme: so.Mapped[Programme] = so.relationship(back_populates="outcomes")
    outputs: so.Mapped[list[ProgrammeOutput]] = so.relationship(
        back_populates="outcome", cascade="all, delete-orphan", order_by="ProgrammeOutput.position"
    )
    # every indicator under this outcome, its outputs' included
    indicators: so.Mapped[list[ProgrammeIndicator]] = so.relationship(order_by="ProgrammeIndicator.id", viewonly=True)

    @property
    def outcome_indicators(self) -> list[ProgrammeIndicator]:
        """Indicators measuring the outcome itself rather than one of its outputs."""
        return [i for i in self.indicators if i.output_id is None]


class ProgrammeOutput(Base):
    """An output under an outcome of a programme's live matrix."""

    __tablename__ = "programme_outputs"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    outcome_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programme_outcomes.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    statement: so.Mapped[str] = so.mapped_column(sa.Text)

    outcome: so.Mapped[ProgrammeOutcome] = so.relationship(back_populates="outputs")
    indicators: so.Mapped[list[ProgrammeIndicator]] = so.relationship(order_by="ProgrammeIndicator.id", viewonly=True)


class ProgrammeIndicator(Base):
    """An indicator of a programme's live matrix, optionally linked to a fund indicator and to the fund's objectives."""

    __tablename__ = "programme_indicators"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    outcome_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programme_outcomes.id", ondelete="CASCADE"), index=True
    )
    output_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("programme_outputs.id", ondelete="CASCADE"), index=True
    )
    position: so.Mapped[int]
    name: so.Mapped[str] = so.mapped_column(sa.String(500))
    unit: so.Mapped[str] = so.mapped_column(sa.String(100), default="")
    measure: so.Mapped[Measure] = so.mapped_column(default=Measure.number)
    baseline: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    target: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    means_of_verification: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    disaggregation: so.Mapped[list[Any]] = so.mapped_column(default=list)
    fund_indicator_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("fund_indicators.id"), index=True)
    # Its standing, kept by the operations that change it (fundmgr.results.standings): the value of its most recent
    # accepted report that gives one, and the end of that report's period; None while no accepted report gives one.
    latest_actual: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    latest_as_of: so.Mapped[date | None]

    programme: so.Mapped[Programme] = so.relationship(back_populates="indicators")
    outcome: so.Mapped[ProgrammeOutcome] = so.relationship()
    output: so.Mapped[ProgrammeOutput | None] = so.relationship()
    fund_indicator: so.Mapped[FundIndicator | None] = so.relationship()
    objectives: so.Mapped[list[Objective]] = so.relationship(
        secondary=programme_indicator_objectives, order_by=Objective.number
    )


class ReportingPeriod(Base):
    """A period a programme reports on, with the date its progress report is due."""

    __tablename__ = "reporting_periods"
    __table_args__ = (
        sa.UniqueConstraint("programme_id", "number"),
        # the periods still waiting for their report, by due date: what is overdue, read without the fund's history
        sa.Index(
            "ix_reporting_periods_outstanding",
            "due_date",
            sqlite_where=sa.text("NOT handed_in"),
            postgresql_where=sa.text("NOT handed_in"),
        ),
        sa.CheckConstraint("start_date <= end_date", name="starts_before_end"),
        sa.CheckConstraint("due_date >= end_date", name="due_after_end"),
    )

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    number: so.Mapped[int]
    start_date: so.Mapped[date]
    end_date: so.Mapped[date]
    due_date: so.Mapped[date] = so.mapped_column(index=True)
    # whether its report is handed in (HANDED_IN_STATES), kept by the operations that change the report's state
    handed_in: so.Mapped[bool] = so.mapped_column(default=False, server_default=sa.false())

    programme: so.Mapped[Programme] = so.relationship(back_populates="periods")
    report: so.Mapped[ProgressReport | None] = so.relationship(back_populates="period", uselist=False)

    audit_type = "reporting_period"

    @property
    def fund_id(self) -> int:
        return self.programme.fund_id

    def has_started(self, today: date) -> bool:
        """Whether the period's first day has come: its report can be written from then on."""
        return self.start_date <= today

    def has_ended(self, today: date) -> bool:
        """Whether the period's last day is over: its report is owed from then on."""
        return clock.is_past(self.end_date, today)

    def days_left(self, today: date) -> int:
        """Days until the report is due: 0 on the due date, negative once it is late."""
        return clock.days_left(self.due_date, today)

    def is_overdue(self, today: date) -> bool:
        """Past its due date without a report handed in (a returned report is outstanding again)."""
        return clock.is_past(self.due_date, today) and (
            self.report is None or self.report.state not in HANDED_IN_STATES
        )


# --- What the annual report's page counts, kept per year --------------------------------------------

# The figures a funded programme counts in (ResultsYearTotal.figure, with what its key names): in each year it runs
# (from its start's year to its end's), its state, its country, its indicators, those with a standing and those at
# their target; in its start's year, each thematic area it has a share in (wholly its primary area when it gave no
# shares); in the year each of its periods ends, the period's accepted report.
STATE, COUNTRY, INDICATORS, REPORTED, ACHIEVED = "state", "country", "indicators", "reported", "achieved"
STARTED_IN_AREA, ACCEPTED = "started_in_area", "accepted"


class ResultsYearTotal(Base):
    """How many of a fund's funded programmes (or their indicators, or reports) count in one figure in a year, kept
    by the operations that change them (`fundmgr.results.standings.refresh_year_figures`): the annual report's page
    reads these few rows, not every programme, indicator and report of the year. The indicators reported and at
    target are those of the standings (figures as of today or later)."""

    __tablename__ = "results_year_totals"

    fund_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("funds.id"), primary_key=True)
    year: so.Mapped[int] = so.mapped_column(primary_key=True)
    figure: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)  # state, country or area id; "": none
    count: so.Mapped[int]


class ProgrammeYearFigure(Base):
    """What one programme adds to its fund's ResultsYearTotal rows, as last counted: what a refresh of the programme
    takes back before it adds the programme's figures anew."""

    __tablename__ = "programme_year_figures"

    programme_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programmes.id", ondelete="CASCADE"), primary_key=True
    )
    year: so.Mapped[int] = so.mapped_column(primary_key=True)
    figure: so.Mapped[str] = so.mapped_column(sa.String(20), primary_key=True)
    key: so.Mapped[str] = so.mapped_column(sa.String(40), primary_key=True)
    count: so.Mapped[int]


# --- Progress reports ------------------------------------------------------------------------

# The narrative sections of a progress report a donor reads, in the report's order: (column, title, what to write).
REPORT_SECTIONS: list[tuple[str, Any, Any]] = [
    (
        "challenges",
        _l("Challenges and risks"),
        _l("What slowed the programme, the risks met and how they were managed."),
    ),
    (
        "principles_applied",
        _l("Markers and guiding principles"),
        _l("How gender equality, human rights, the guiding principles and the other markers were applied."),
    ),
    (
        "partnerships",
        _l("Partnerships and participation"),
        _l("Work with governments and partners, and how migrants and communities took part."),
    ),
    ("human_story", _l("A human-interest story"), _l("One person's or one community's story, told with consent.")),
]


class ProgressReport(Base):
    """The lead agency's progress report on one period: values, narratives, lessons, evidence."""

    __tablename__ = "progress_reports"
    # the reports of a state by submission time (those waiting for review): the first page read in order, not every
    # report (not a partial index: the state is a bound parameter, which a generic plan cannot match to a predicate)
    __table_args__ = (sa.Index("ix_progress_reports_state_submitted_at", "state", "submitted_at"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    period_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("reporting_periods.id"), unique=True)
    state: so.Mapped[ReportState] = so.mapped_column(default=ReportState.draft, index=True)
    lessons_learned: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # The sections a donor reads beside the results (REPORT_SECTIONS): each a text of the lead agency.
    challenges: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    principles_applied: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    partnerships: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    human_story: so.Mapped[str] = so.mapped_column(sa.Text, default="", server_default="")
    created_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=clock.now, onupdate=clock.now)
    submitted_at: so.Mapped[datetime | None]
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    accepted_at: so.Mapped[datetime | None]

    period: so.Mapped[ReportingPeriod] = so.relationship(back_populates="report")
    created_by: so.Mapped[User] = so.relationship(foreign_keys=[created_by_id])
    submitted_by: so.Mapped[User | None] = so.relationship(foreign_keys=[submitted_by_id])
    values: so.Mapped[list[IndicatorValue]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="IndicatorValue.indicator_id"
    )
    narratives: so.Mapped[list[OutcomeNarrative]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="OutcomeNarrative.outcome_id"
    )
    evidence: so.Mapped[list[Evidence]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="Evidence.uploaded_at"
    )
    reviews: so.Mapped[list[ReportReview]] = so.relationship(
        back_populates="report", cascade="all, delete-orphan", order_by="ReportReview.reviewed_at"
    )

    audit_type = "progress_report"

    @property
    def programme(self) -> Programme:
        return self.period.programme

    @property
    def fund_id(self) -> int:
        return self.period.programme.fund_id

    @property
    def display_name(self) -> str:
        return f"{self.programme.proposal.reference} / {self.period.number}"

    @property
    def is_editable(self) -> bool:
        return self.state in EDITABLE_REPORT_STATES

    @property
    def last_review(self) -> ReportReview | None:
        return self.reviews[-1] if self.reviews else None

    def value_for(self, indicator_id: int) -> IndicatorValue | None:
        return next((v for v in self.values if v.indicator_id == indicator_id), None)

    def narrative_for(self, outcome_id: int) -> str:
        return next((n.text for n in self.narratives if n.outcome_id == outcome_id), "")

    def can_view(self, user: Any) -> bool:
        """The FMU and the programme's agencies see every state; others only accepted reports."""
        if not self.programme.can_view(user):
            return False
        return self.state is ReportState.accepted or self.programme.can_see_unpublished(user)

    def can_edit(self, user: Any) -> bool:
        """The lead agency edits drafts and returned reports."""
        return self.programme.can_report(user) and self.is_editable

    def can_review(self, user: Any) -> bool:
        """The FMU reviews submitted reports."""
        return is_fmu(user, self.programme.proposal.fund) and self.state is ReportState.submitted


class IndicatorValue(Base):
    """A report's actual value for one indicator (cumulative since the programme started), with its parts."""

    __tablename__ = "indicator_values"
    __table_args__ = (sa.UniqueConstraint("report_id", "indicator_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    indicator_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("programme_indicators.id", ondelete="CASCADE"), index=True
    )
    actual: so.Mapped[Decimal | None] = so.mapped_column(Quantity())
    status: so.Mapped[IndicatorStatus | None]
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    # {"sex": {"female": "60", "male": "40"}}: exact decimal strings per dimension and category
    breakdown: so.Mapped[dict[str, Any]] = so.mapped_column(default=dict)

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="values")
    indicator: so.Mapped[ProgrammeIndicator] = so.relationship()


class OutcomeNarrative(Base):
    """What a report says about progress towards one outcome."""

    __tablename__ = "outcome_narratives"
    __table_args__ = (sa.UniqueConstraint("report_id", "outcome_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    outcome_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programme_outcomes.id", ondelete="CASCADE"))
    text: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="narratives")


class Evidence(Base):
    """A file backing a progress report (photo, attendance list, publication)."""

    __tablename__ = "report_evidence"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    caption: so.Mapped[str] = so.mapped_column(sa.String(300), default="")
    filename: so.Mapped[str] = so.mapped_column(sa.String(200))
    content_type: so.Mapped[str] = so.mapped_column(sa.String(100))
    size: so.Mapped[int]
    sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    storage_key: so.Mapped[str] = so.mapped_column(sa.String(80), index=True)  # shared by rows with the same content
    uploaded_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="evidence")
    uploaded_by: so.Mapped[User] = so.relationship()

    audit_type = "report_evidence"


class ReviewDecision(TitledEnum):
    """What the FMU decided on a submitted report."""

    returned = "returned"
    accepted = "accepted"


TITLES.update({ReviewDecision.returned: _l("Returned for revision"), ReviewDecision.accepted: _l("Accepted")})
ReviewDecision.set_titles(TITLES)


class ReportReview(Base):
    """One FMU review of a submitted report: the decision and the comments sent to the lead agency."""

    __tablename__ = "report_reviews"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    report_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("progress_reports.id", ondelete="CASCADE"), index=True)
    reviewer_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    decision: so.Mapped[ReviewDecision]
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    reviewed_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)

    report: so.Mapped[ProgressReport] = so.relationship(back_populates="reviews")
    reviewer: so.Mapped[User] = so.relationship()


# --- No-cost extensions ------------------------------------------------------------------------------


class ExtensionState(TitledEnum):
    """Where a request for a no-cost extension is: asked, forwarded by the FMU to the committee, decided."""

    requested = "requested"
    forwarded = "forwarded"
    approved = "approved"
    refused = "refused"


ExtensionState.set_titles(
    {
        ExtensionState.requested: _l("Requested"),
        ExtensionState.forwarded: _l("Forwarded to the Steering Committee"),
        ExtensionState.approved: _l("Approved"),
        ExtensionState.refused: _l("Refused"),
    }
)
X = ExtensionState
EXTENSION_TRANSITIONS: dict[ExtensionState, frozenset[ExtensionState]] = {
    X.requested: frozenset({X.approved, X.refused, X.forwarded}),
    X.forwarded: frozenset({X.approved, X.refused}),
    X.approved: frozenset(),
    X.refused: frozenset(),
}
OPEN_EXTENSION_STATES = frozenset({X.requested, X.forwarded})


class Extension(Base):
    """The lead agency asks to end the programme later at no cost, with a reason; the FMU reviews it and decides,
    or, above the fund's threshold (`extension_committee_months`), forwards it to the Steering Committee."""

    __tablename__ = "extensions"
    __table_args__ = (sa.CheckConstraint("new_end_date > current_end_date", name="ends_later"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    programme_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("programmes.id", ondelete="CASCADE"), index=True)
    state: so.Mapped[ExtensionState] = so.mapped_column(default=ExtensionState.requested)
    reason: so.Mapped[str] = so.mapped_column(sa.Text)
    current_end_date: so.Mapped[date]
    new_end_date: so.Mapped[date]
    requested_by_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id"))
    requested_at: so.Mapped[datetime] = so.mapped_column(default=clock.now)
    review_note: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    decided_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id"))
    decided_at: so.Mapped[datetime | None]

    programme: so.Mapped[Programme] = so.relationship()
    requested_by: so.Mapped[User] = so.relationship(foreign_keys=[requested_by_id])
    decided_by: so.Mapped[User | None] = so.relationship(foreign_keys=[decided_by_id])

    audit_type = "extension"

    @property
    def fund_id(self) -> int:
        return self.programme.fund_id

    @property
    def display_name(self) -> str:
        return f"{self.programme.proposal.reference} → {self.new_end_date.isoformat()}"

    @property
    def months(self) -> int:
        """How many months later the programme would end (a started month counts)."""
        old, new = self.current_end_date, self.new_end_date
        return (new.year - old.year) * 12 + new.month - old.month + (1 if new.day > old.day else 0)

    def for_committee(self) -> bool:
        """Longer than the fund lets the FMU decide alone."""
        return self.months > self.programme.proposal.fund.extension_committee_months
