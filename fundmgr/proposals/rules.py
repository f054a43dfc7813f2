"""The fund's rules a proposal must meet to be submitted, each problem told in the user's language.

Drafts may break any of them; `submission_problems` lists every one still broken, so the
submit page can show them all at once and the submit operation can refuse while any remains.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from flask_babel import gettext as _

from fundmgr.funds.models import Country, Fund
from fundmgr.funds.queries import active
from fundmgr.i18n import format_money, format_percent
from fundmgr.proposals.budget import BudgetTotals, budget_totals
from fundmgr.proposals.models import AttachmentKind, Proposal
from fundmgr.proposals.sdg import sdg_targets

ZERO = Decimal("0.00")

# Rules other packages add (fundmgr.calls: the call must be open, the budget within its ceiling); each is called
# as rule(proposal) -> problems, and its problems are listed with the others.
# A rule's problems are fixed on the page (endpoint) named with it.
SUBMISSION_RULES: list[tuple[Callable[[Proposal], list[str]], str]] = []


class Problem(str):
    """A broken rule, told as text, with the endpoint of the page where the user fixes it."""

    endpoint: str

    def __new__(cls, text: str, endpoint: str) -> Problem:
        problem = super().__new__(cls, text)
        problem.endpoint = endpoint
        return problem


def submission_problems(proposal: Proposal) -> list[Problem]:
    """Every rule of the fund the proposal does not meet yet (empty: it may be submitted), each with its page: a
    concept note's rules of stage 1, a programme document's of stage 2, then the rules other packages add."""
    groups = concept_note_groups(proposal) if proposal.is_concept_note else programme_document_groups(proposal)
    groups += [(rule(proposal), endpoint) for rule, endpoint in SUBMISSION_RULES]
    return [Problem(text, endpoint) for texts, endpoint in groups for text in texts]


def programme_document_groups(proposal: Proposal) -> list[tuple[list[str], str]]:
    """A programme document's rules, each with its page: the full budget grid, the results matrix, the sections."""
    totals = budget_totals(proposal)
    return [
        (description_problems(proposal), "proposals.details"),
        # placed as its concept note was: corridors (whose countries may lie in several regions) or global scope
        # stand for the one country, and the document, which cannot change them, keeps them
        (concept_location_problems(proposal), "proposals.details"),
        (alignment_problems(proposal), "proposals.details"),
        (marker_problems(proposal), "proposals.markers"),
        (duration_problems(proposal), "proposals.details"),
        (government_problems(proposal), "proposals.details"),
        (letter_problems(proposal), "proposals.attachments"),
        (organization_problems(proposal), "proposals.organizations"),
        (budget_problems(proposal, totals), "proposals.budget"),
        (matrix_problems(proposal), "proposals.matrix"),
        (programme_section_problems(proposal, totals.years), "proposals.sections"),
    ]


def concept_note_groups(proposal: Proposal) -> list[tuple[list[str], str]]:
    """A concept note's rules, each with its page: the short content of stage 1, indicative amounts instead of a
    budget grid, no matrix."""
    return [
        (description_problems(proposal), "proposals.details"),
        (case_problems(proposal), "proposals.concept"),
        (concept_location_problems(proposal), "proposals.details"),
        (alignment_problems(proposal), "proposals.details"),
        (marker_problems(proposal), "proposals.markers"),
        (concept_duration_problems(proposal), "proposals.details"),
        (concept_endorsement_problems(proposal), "proposals.concept"),
        (organization_problems(proposal), "proposals.organizations"),
        (indicative_amount_problems(proposal), "proposals.concept"),
        (partner_problems(proposal), "proposals.concept"),
        (sdg_problems(proposal), "proposals.concept"),
    ]


def case_problems(proposal: Proposal) -> list[str]:
    """The problem, the theory of change, the Cooperation Framework and, where the fund asks it, the knowledge
    platform, each in brief."""
    texts = [
        (proposal.problem_statement, _("Describe the problem the programme addresses.")),
        (proposal.theory_of_change, _("State the programme’s theory of change.")),
        (proposal.cooperation_framework, _("Explain how the programme aligns with the Cooperation Framework.")),
    ]
    if proposal.fund.asks_knowledge_platform:
        texts.append((proposal.knowledge_platform,
                      _("Explain how the programme uses and feeds the Network’s knowledge platform and connection "
                        "hub.")))  # fmt: skip
    return [problem for text, problem in texts if not text.strip()]


def concept_location_problems(proposal: Proposal) -> list[str]:
    """One country, a region's countries, migration corridors (where the fund places programmes on them), or global
    scope."""
    if not proposal.fund.asks_corridors:
        return [] if proposal.global_scope else location_problems(proposal)
    problems = []
    for n, corridor in enumerate(proposal.corridors, start=1):
        if len(corridor.stops) < 2:
            problems.append(_("Corridor %(n)d names fewer than two countries (origin and destination).", n=n))
    if proposal.global_scope or proposal.corridors:
        return problems
    return problems + location_problems(proposal)


def concept_duration_problems(proposal: Proposal) -> list[str]:
    """The duration within the fund's range (the start date waits for the programme document)."""
    return [p for p in duration_problems(proposal) if p != _("Give the planned start date.")]


def concept_endorsement_problems(proposal: Proposal) -> list[str]:
    problems = []
    if not proposal.rc_endorsement:
        problems.append(_("The Resident Coordinator must endorse the concept note before it is submitted."))
    if not proposal.government_endorsement:
        problems.append(_("The government must endorse the programme before it is submitted."))
    return problems


def indicative_amount_problems(proposal: Proposal) -> list[str]:
    """Each organization with an indicative amount, the total within the fund's range."""
    problems = [
        _("Give the indicative amount of %(org)s.", org=p.organization.label)
        for p in proposal.participants
        if p.indicative_amount is None or p.indicative_amount <= ZERO
    ]
    fund = proposal.fund
    total = proposal.indicative_total
    if not problems and not fund.budget_min <= total <= fund.budget_max:
        problems.append(
            _("The indicative total (%(total)s %(currency)s) must lie between %(min)s and %(max)s.",
              total=format_money(total), currency=fund.currency, min=format_money(fund.budget_min),
              max=format_money(fund.budget_max))
        )  # fmt: skip
    return problems


def partner_problems(proposal: Proposal) -> list[str]:
    return [
        _("Give the role of the national partner “%(name)s”.", name=p.name)
        for p in proposal.national_partners
        if not p.role.strip()
    ]


def sdg_problems(proposal: Proposal) -> list[str]:
    """At least one SDG target, each one of the Agenda's."""
    if not proposal.sdg_targets:
        return [_("Name the SDG targets the programme contributes to (e.g. 10.7).")]
    unknown = [code for code in proposal.sdg_targets if code not in sdg_targets()]
    return [_("These are not SDG targets: %(codes)s.", codes=", ".join(unknown))] if unknown else []


def programme_section_problems(proposal: Proposal, years: int) -> list[str]:
    """A programme document developed from a concept note: workplan, risk log, M&E plan, sustainability."""
    if proposal.concept_note_id is None:
        return []  # a proposal from before the two stages
    problems = []
    if not proposal.workplan:
        problems.append(_("Add the workplan’s activities for each programme year."))
    late = sorted({item.year for item in proposal.workplan if item.year > years})
    if late:
        problems.append(_("The workplan has activities in year %(years)s, beyond the programme’s %(n)d years.",
                          years=", ".join(str(y) for y in late), n=years))  # fmt: skip
    if not proposal.risks:
        problems.append(_("Add at least one risk to the risk log."))
    if not proposal.me_plan.strip():
        problems.append(_("Write the monitoring and evaluation plan."))
    if not proposal.sustainability.strip():
        problems.append(_("Write the sustainability and exit strategy."))
    return problems + partner_problems(proposal)


def description_problems(proposal: Proposal) -> list[str]:
    problems = []
    if not proposal.title.strip():
        problems.append(_("Give the proposal a title."))
    if not proposal.summary.strip():
        problems.append(_("Write a summary of the programme."))
    return problems


def in_region(country: Country, region_code: str) -> bool:
    return region_code in (country.region_code, country.subregion_code, country.intermediate_code)


def location_problems(proposal: Proposal) -> list[str]:
    if not proposal.is_multi_country:
        return (
            [] if proposal.country else [_("Choose the programme country (or a region for a multi-country programme).")]
        )
    problems = []
    if len(proposal.countries) < 2:
        problems.append(_("A multi-country programme names at least two countries."))
    outside = sorted(c.label for c in proposal.countries if not in_region(c, proposal.region_code))
    if outside:
        problems.append(
            _("These countries are not in the programme’s region: %(countries)s.", countries=", ".join(outside))
        )
    return problems


def alignment_problems(proposal: Proposal) -> list[str]:
    """A primary thematic area, at least one of its objectives, and the guiding principles addressed."""
    problems = []
    area = proposal.primary_area
    if area is None:
        problems.append(_("Choose the primary thematic area."))
    if not proposal.objectives:
        problems.append(_("Choose the objectives the programme serves."))
    elif area is not None and not {o.id for o in area.objectives} & {o.id for o in proposal.objectives}:
        problems.append(
            _(
                "At least one objective must belong to the primary thematic area “%(area)s” (objectives %(numbers)s).",
                area=area.label,
                numbers=", ".join(str(o.number) for o in area.objectives),
            )
        )
    if not proposal.principles:
        problems.append(_("Choose the guiding principles the programme addresses."))
    return problems


def marker_problems(proposal: Proposal) -> list[str]:
    """Every marker of the fund rated within its scale, at least at its required level, and justified."""
    problems = []
    ratings = {m.marker_id: m for m in proposal.markers}
    for marker in active(proposal.fund.markers):
        rating = ratings.get(marker.id)
        if rating is None or rating.level is None:
            problems.append(_("Rate the programme on the %(marker)s.", marker=marker.label))
            continue
        if rating.level not in marker.values:
            problems.append(_("The %(marker)s has no level %(level)d.", marker=marker.label, level=rating.level))
        elif rating.level < marker.required_min_level:
            problems.append(
                _(
                    "The %(marker)s must be at least %(level)d for the fund to consider the programme.",
                    marker=marker.label,
                    level=marker.required_min_level,
                )
            )
        if not rating.justification.strip():
            problems.append(_("Justify the level chosen on the %(marker)s.", marker=marker.label))
    return problems


def duration_problems(proposal: Proposal) -> list[str]:
    fund = proposal.fund
    problems = []
    months = proposal.duration_months
    if months is None:
        problems.append(_("Give the programme’s duration in months."))
    elif not fund.duration_months_min <= months <= fund.duration_months_max:
        problems.append(
            _(
                "The duration must lie between %(min)d and %(max)d months; it is %(months)d.",
                min=fund.duration_months_min,
                max=fund.duration_months_max,
                months=months,
            )
        )
    if proposal.start_date is None:
        problems.append(_("Give the planned start date."))
    return problems


def government_problems(proposal: Proposal) -> list[str]:
    if not proposal.government_endorsement:
        return [_("The government must endorse the programme before it is submitted.")]
    return []


def letter_problems(proposal: Proposal) -> list[str]:
    if not any(a.kind is AttachmentKind.endorsement_letter for a in proposal.current_attachments):
        return [_("Attach the government’s endorsement letter.")]
    return []


def organization_problems(proposal: Proposal) -> list[str]:
    """Enough eligible participating UN organizations, one of them leading."""
    fund = proposal.fund
    problems = []
    eligible = {o.id for o in fund.participating_organizations}
    participants = [p.organization for p in proposal.participants]
    if len(participants) < fund.min_participating_organizations:
        problems.append(
            _(
                "A joint programme has at least %(n)d %(organizations)s; this one has %(count)d.",
                n=fund.min_participating_organizations,
                organizations=fund.participants_label,
                count=len(participants),
            )
        )
    ineligible = sorted(o.label for o in participants if o.id not in eligible)
    if ineligible:
        problems.append(_("These organizations cannot take part in this fund: %(orgs)s.", orgs=", ".join(ineligible)))
    if proposal.lead_organization_id is None:
        problems.append(_("Choose the lead organization."))
    elif proposal.lead_organization_id not in {o.id for o in participants}:
        problems.append(
            _("The lead organization must be one of the %(organizations)s.", organizations=fund.participants_label)
        )
    return problems


def budget_problems(proposal: Proposal, totals: BudgetTotals) -> list[str]:
    """Each organization budgeted, rates within the cap, no year beyond the duration, total within range."""
    fund = proposal.fund
    problems = []
    for participant in proposal.participants:
        share = totals.participants[participant.organization_id]
        if share.direct <= ZERO:
            problems.append(_("%(org)s has no budget.", org=participant.organization.label))
        if participant.indirect_rate > fund.indirect_cost_rate:
            problems.append(
                _(
                    "The indirect cost rate of %(org)s may not exceed %(cap)s.",
                    org=participant.organization.label,
                    cap=format_percent(fund.indirect_cost_rate, 2),
                )
            )
    late_years = sorted(year for year, amount in totals.by_year.items() if year > totals.years and amount > ZERO)
    if late_years:
        problems.append(
            _(
                "The budget has amounts in year %(years)s, beyond the programme’s %(n)d years.",
                years=", ".join(str(y) for y in late_years),
                n=totals.years,
            )
        )
    if not fund.budget_min <= totals.total <= fund.budget_max:
        problems.append(budget_range_problem(fund, totals.total))
    return problems


def budget_range_problem(fund: Fund, total: Decimal) -> str:
    return _(
        "The total budget (%(total)s %(currency)s, indirect costs included) must lie between %(min)s and %(max)s.",
        total=format_money(total),
        currency=fund.currency,
        min=format_money(fund.budget_min),
        max=format_money(fund.budget_max),
    )


def matrix_problems(proposal: Proposal) -> list[str]:
    """Outcomes with outputs, outputs with indicators, indicators with baseline, target and verification."""
    if not proposal.outcomes:
        return [_("Add at least one outcome to the results matrix.")]
    problems = []
    for o, outcome in enumerate(proposal.outcomes, start=1):
        if not outcome.outputs:
            problems.append(_("Outcome %(n)d of the results matrix has no output.", n=o))
        for p, output in enumerate(outcome.outputs, start=1):
            if not output.indicators:
                problems.append(_("Output %(n)s of the results matrix has no indicator.", n=f"{o}.{p}"))
        for indicator in outcome.indicators:
            missing = indicator_gaps(indicator)
            if missing:
                problems.append(
                    _("The indicator “%(name)s” has no %(missing)s.", name=indicator.name, missing=", ".join(missing))
                )
    return problems


def indicator_gaps(indicator) -> list[str]:
    gaps = []
    if indicator.baseline is None:
        gaps.append(_("baseline"))
    if indicator.target is None:
        gaps.append(_("target"))
    if not indicator.means_of_verification.strip():
        gaps.append(_("means of verification"))
    return gaps
