"""What the API reads and answers, as marshmallow schemas: the OpenAPI document is built from them.

Money is a string of its exact decimal value (`core.Money`), never a JSON number; texts a fund gives in
several languages are answered in the user's language.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma
from flask_login import current_user
from marshmallow import fields, validate

from fundmgr.api.core import Money, PageArgs
from fundmgr.i18n import localize
from fundmgr.web import DB_INT_MAX

Id = fields.Integer
TEXT_LIMIT = 20_000


class UtcDateTime(fields.DateTime):
    """A moment in ISO 8601 with its offset (stored in UTC; SQLite gives it back without one)."""

    def _serialize(self, value: Any, attr: Any, obj: Any, **kwargs: Any) -> Any:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return super()._serialize(value, attr, obj, **kwargs)


def localized(attribute: str) -> fields.Function:
    """A text the fund gives in several languages, in the user's."""
    return fields.Function(lambda obj: localize(getattr(obj, attribute)) or "", dump_only=True)


def code_of(attribute: str) -> fields.Function:
    """The code of a related organization (or null)."""
    return fields.Function(lambda obj: getattr(getattr(obj, attribute), "code", None), dump_only=True,
                           allow_none=True)  # fmt: skip


def enum_value(attribute: str) -> fields.Function:
    return fields.Function(lambda obj: getattr(getattr(obj, attribute), "value", None), dump_only=True,
                           allow_none=True)  # fmt: skip


def page_schema(name: str, item: type[ma.Schema]) -> type[ma.Schema]:
    """A page of a list: its items and the cursor of the next page (null on the last)."""
    return ma.Schema.from_dict(
        {"items": fields.List(fields.Nested(item), required=True), "next_cursor": fields.String(allow_none=True)},
        name=name,
    )


# --- Funds ------------------------------------------------------------------------------------


class FundSchema(ma.Schema):
    code = fields.String()
    name = fields.String()
    currency = fields.String()
    role = fields.String(allow_none=True, metadata={"description": "the caller's role on the fund"})


class FundListSchema(ma.Schema):
    items = fields.List(fields.Nested(FundSchema), required=True)
    next_cursor = fields.String(allow_none=True)


class FundingStatusLineSchema(ma.Schema):
    label = fields.String()
    amount = Money()
    style = fields.String(metadata={"description": "line, total or detail"})


class FundingStatusSchema(ma.Schema):
    currency = fields.String()
    lines = fields.List(fields.Nested(FundingStatusLineSchema))


# --- Proposals and decisions -----------------------------------------------------------------


def filter_text(description: str) -> fields.String:
    """A filter of a list, as the pages' filters take it (at most 200 characters)."""
    return fields.String(validate=validate.Length(max=200), metadata={"description": description})


class ProposalFilters(PageArgs):
    """The proposals list page's filters (fundmgr.proposals.queries.ProposalFilters), and the call."""

    state = filter_text("only proposals in this state")
    area = filter_text("thematic area code")
    region = filter_text("M49 region code (the proposal's region or one of its countries')")
    country = filter_text("ISO 3166 alpha-3 code of one of the proposal's countries")
    organization = filter_text("code of a participating organization")
    marker = filter_text('at least a level on a marker, "<marker code>:<level>", e.g. "gender:2"')
    q = filter_text("words in the reference, title or summary")
    call_id = fields.Integer(validate=validate.Range(1, DB_INT_MAX), metadata={"description": "only this call's"})


class ProposalSchema(ma.Schema):
    id = Id()
    reference = fields.String()
    state = enum_value("state")
    title = fields.String()
    summary = fields.Function(
        lambda p: p.summary if p.can_see_content(current_user) else None,  # a recused member sees the title only
        dump_only=True, allow_none=True, metadata={"description": "null where the caller is recused"},
    )  # fmt: skip
    lead_organization = code_of("lead_organization")
    call_id = fields.Integer(allow_none=True)
    total_amount = Money()
    start_date = fields.Date(allow_none=True)
    duration_months = fields.Integer(allow_none=True)
    submitted_at = UtcDateTime(allow_none=True)


ProposalPage = page_schema("ProposalPage", ProposalSchema)


class DecisionFilters(PageArgs):
    proposal_id = fields.Integer(validate=validate.Range(1, DB_INT_MAX))


class DecisionSchema(ma.Schema):
    id = Id()
    reference = fields.String()
    proposal_id = Id()
    outcome = enum_value("outcome")
    approved_amount = Money(allow_none=True)
    conditions = fields.String()
    decided_on = fields.Date()


DecisionPage = page_schema("DecisionPage", DecisionSchema)


# --- Calls for proposals -----------------------------------------------------------------------


class CallFilters(PageArgs):
    state = fields.String(validate=validate.OneOf(["draft", "published", "closed"]),
                          metadata={"description": "only calls in this state"})  # fmt: skip


class CallSchema(ma.Schema):
    id = Id()
    reference = fields.String()
    state = enum_value("state")
    phase = fields.String(metadata={"description": "draft, upcoming, open or closed (the fund's date)"})
    title = localized("title")
    description = localized("description")
    eligibility = localized("eligibility")
    documents = localized("documents")
    opens_on = fields.Date()
    closes_on = fields.Date(allow_none=True, metadata={"description": "null: a rolling call"})
    ceiling = Money(metadata={"description": "the most one joint programme may ask for"})
    areas = fields.Function(lambda c: [a.code for a in c.areas], dump_only=True,
                            metadata={"description": "thematic area codes"})  # fmt: skip
    regions = fields.Function(lambda c: [r.code for r in c.regions], dump_only=True,
                              metadata={"description": "M49 region codes"})  # fmt: skip
    published_at = UtcDateTime(allow_none=True)
    closed_at = UtcDateTime(allow_none=True)


CallPage = page_schema("CallPage", CallSchema)


# --- Money ------------------------------------------------------------------------------------


class ProgrammeMoneyFilters(PageArgs):
    proposal_id = fields.Integer(validate=validate.Range(1, DB_INT_MAX))
    organization = fields.String(validate=validate.Length(max=40), metadata={"description": "organization code"})


class AllocationSchema(ma.Schema):
    id = Id()
    proposal_id = Id()
    organization = code_of("organization")
    direct = Money()
    indirect = Money()
    total = Money()
    decided_on = fields.Date()
    reference = fields.String()


AllocationPage = page_schema("AllocationPage", AllocationSchema)


class TransferSchema(ma.Schema):
    id = Id()
    allocation_id = Id()
    tranche = fields.Integer()
    amount = Money()
    on_date = fields.Date()
    reference = fields.String()


TransferPage = page_schema("TransferPage", TransferSchema)


class ContributionFilters(PageArgs):
    donor = fields.String(validate=validate.Length(max=40), metadata={"description": "donor organization code"})


class ContributionSchema(ma.Schema):
    id = Id()
    donor = code_of("donor")
    kind = enum_value("kind")
    on_date = fields.Date()
    currency = fields.String()
    amount = Money()
    rate_to_usd = Money()
    usd_amount = Money()
    reference = fields.String()
    corrects_id = fields.Integer(allow_none=True)


ContributionPage = page_schema("ContributionPage", ContributionSchema)


class ExpenditureFilters(ProgrammeMoneyFilters):
    year = fields.Integer(validate=validate.Range(1900, 2999))


class ExpenditureSchema(ma.Schema):
    id = Id()
    allocation_id = Id()
    year = fields.Integer()
    category = fields.Function(lambda e: e.category.code, dump_only=True)
    kind = enum_value("kind")
    amount = Money()
    updated_at = UtcDateTime()


ExpenditurePage = page_schema("ExpenditurePage", ExpenditureSchema)


class ExpenditureInput(ma.Schema):
    """A figure of expenditure: what the organization spent in a year and budget category."""

    year = fields.Integer(required=True, strict=True, validate=validate.Range(1900, 2999))
    category = fields.String(required=True, validate=validate.Length(min=1, max=40),
                             metadata={"description": "budget category code"})  # fmt: skip
    kind = fields.String(required=True, validate=validate.OneOf(["interim", "annual"]))
    amount = fields.String(
        required=True,
        validate=[validate.Length(max=40), validate.Regexp(r"^-?[0-9]+(\.[0-9]+)?$")],
        metadata={"description": 'exact decimal amount as a string, e.g. "1250.50"'},
    )


# --- Results ----------------------------------------------------------------------------------


class FundIndicatorSchema(ma.Schema):
    id = Id()
    code = fields.String()
    name = localized("name")
    unit = localized("unit")
    measure = enum_value("measure")
    baseline = Money(allow_none=True)
    target = Money(allow_none=True)
    output_id = fields.Integer(allow_none=True)


class FundOutputSchema(ma.Schema):
    id = Id()
    code = fields.String()
    statement = localized("statement")


class FundOutcomeSchema(ma.Schema):
    id = Id()
    code = fields.String()
    statement = localized("statement")
    outputs = fields.List(fields.Nested(FundOutputSchema))
    indicators = fields.List(fields.Nested(FundIndicatorSchema))


class FrameworkSchema(ma.Schema):
    goal = localized("goal")
    outcomes = fields.List(fields.Nested(FundOutcomeSchema))


class ProgrammeSchema(ma.Schema):
    id = Id()
    proposal_id = Id()
    reference = fields.Function(lambda p: p.proposal.reference, dump_only=True)
    title = fields.Function(lambda p: p.proposal.title, dump_only=True)
    start_date = fields.Date()
    end_date = fields.Date()


ProgrammePage = page_schema("ProgrammePage", ProgrammeSchema)


class ProgrammeIndicatorSchema(ma.Schema):
    id = Id()
    outcome_id = Id()
    output_id = fields.Integer(allow_none=True)
    name = fields.String()
    unit = fields.String()
    measure = enum_value("measure")
    baseline = Money(allow_none=True)
    target = Money(allow_none=True)
    disaggregation = fields.List(fields.String())
    fund_indicator_id = fields.Integer(allow_none=True)


class ProgrammeOutputSchema(ma.Schema):
    id = Id()
    position = fields.Integer()
    statement = fields.String()


class ProgrammeOutcomeSchema(ma.Schema):
    id = Id()
    position = fields.Integer()
    statement = fields.String()
    outputs = fields.List(fields.Nested(ProgrammeOutputSchema))


class PeriodSchema(ma.Schema):
    id = Id()
    number = fields.Integer()
    start_date = fields.Date()
    end_date = fields.Date()
    due_date = fields.Date()
    report_id = fields.Function(lambda p: seen_report(p) and p.report.id, dump_only=True, allow_none=True)
    report_state = fields.Function(lambda p: seen_report(p) and p.report.state.value, dump_only=True,
                                   allow_none=True)  # fmt: skip


def seen_report(period: Any) -> bool | None:
    """Whether the caller may read the period's report (None: it has none): drafts are the programme's own."""
    if period.report is None:
        return None
    return period.report.can_view(current_user) or None


class MatrixSchema(ProgrammeSchema):
    outcomes = fields.List(fields.Nested(ProgrammeOutcomeSchema))
    indicators = fields.List(fields.Nested(ProgrammeIndicatorSchema))
    periods = fields.List(fields.Nested(PeriodSchema))


class IndicatorValueSchema(ma.Schema):
    indicator_id = Id()
    actual = Money(allow_none=True)
    status = enum_value("status")
    comment = fields.String()
    breakdown = fields.Dict(keys=fields.String(), values=fields.Dict(keys=fields.String(), values=fields.String()))


class NarrativeSchema(ma.Schema):
    outcome_id = Id()
    text = fields.String()


class ReportSchema(ma.Schema):
    id = Id()
    period_id = Id()
    programme_id = fields.Function(lambda r: r.period.programme_id, dump_only=True)
    state = enum_value("state")
    lessons_learned = fields.String()
    submitted_at = UtcDateTime(allow_none=True)
    accepted_at = UtcDateTime(allow_none=True)
    values = fields.List(fields.Nested(IndicatorValueSchema))
    narratives = fields.List(fields.Nested(NarrativeSchema))


ReportPage = page_schema("ReportPage", ReportSchema)


class IndicatorValueInput(ma.Schema):
    """What the programme reached on one indicator: the total (or the parts), a status, a comment."""

    indicator_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, DB_INT_MAX))
    actual = fields.String(load_default="", validate=validate.Length(max=40),
                           metadata={"description": "exact decimal as a string; empty when not measured"})  # fmt: skip
    status = fields.String(load_default="", validate=validate.Length(max=40))
    comment = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMIT))
    parts = fields.Dict(
        keys=fields.String(validate=validate.Length(max=40)),
        values=fields.Dict(keys=fields.String(validate=validate.Length(max=40)),
                           values=fields.String(validate=validate.Length(max=40))),
        load_default=dict,
        metadata={"description": "values by dimension and category, e.g. {\"sex\": {\"female\": \"60\"}}"},
    )  # fmt: skip


class NarrativeInput(ma.Schema):
    outcome_id = fields.Integer(required=True, strict=True, validate=validate.Range(1, DB_INT_MAX))
    text = fields.String(required=True, validate=validate.Length(max=TEXT_LIMIT))


class ReportInput(ma.Schema):
    """A progress report's draft: every indicator's value, each outcome's narrative, the lessons learned."""

    values = fields.List(fields.Nested(IndicatorValueInput), load_default=list, validate=validate.Length(max=500))
    narratives = fields.List(fields.Nested(NarrativeInput), load_default=list, validate=validate.Length(max=500))
    lessons_learned = fields.String(load_default="", validate=validate.Length(max=TEXT_LIMIT))
