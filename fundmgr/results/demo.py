"""Demo data for results (runs last; see fundmgr/demo/seed.py for the order of the steps).

Loads the framework, links the funded programmes' indicators to it (fundmgr/results/data/demo.yaml
says which), and writes their progress reports for the periods that have ended, through the same
operations as the web pages, acting as the demo's lead agency staff and FMU officers. Values follow
each programme's own pace towards its targets, so figures are plausible and reproducible; a few
reports are left submitted, one returned and one overdue so every queue has something in it.
"""

from __future__ import annotations

import hashlib
import io
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from weasyprint import HTML
from werkzeug.datastructures import FileStorage

from fundmgr import clock
from fundmgr.accounts.models import Organization, Role, User
from fundmgr.db import db
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.models import TopUp
from fundmgr.funds.calendar import add_months
from fundmgr.funds.models import Fund
from fundmgr.funds.rights import holding
from fundmgr.i18n import localize, territory_name
from fundmgr.numbers import plain_text
from fundmgr.proposals.models import FUNDED_STATES, Proposal, ProposalState
from fundmgr.results import operations as ops
from fundmgr.results.framework import bundled_framework, read_framework
from fundmgr.results.models import (
    Extension,
    IndicatorStatus,
    Measure,
    Programme,
    ProgrammeIndicator,
    ReportingPeriod,
    ResultsFramework,
)
from fundmgr.results.values import IndicatorEntry
from fundmgr.scenario import demo_data

DEMO_FILE = Path(__file__).parent / "data" / "demo.yaml"
# How a count splits across each dimension's groups (illustrative shares, in the framework's order).
SPLITS = {
    "sex": ["0.52", "0.46", "0.02"],
    "age": ["0.18", "0.27", "0.50", "0.05"],
    "migratory_status": ["0.62", "0.18", "0.20"],
    "disability": ["0.07", "0.93"],
}
# Programmes move at different speeds: a pace of 1 reaches the target exactly at the end.
PACES = [Decimal("1.05"), Decimal("0.9"), Decimal("1.2"), Decimal("0.7"), Decimal("1")]


@cache
def demo_script() -> dict[str, Any]:
    """Links, narratives and lessons of the demo (results/data/demo.yaml), parsed once."""
    return yaml.safe_load(DEMO_FILE.read_text(encoding="utf-8"))


def seed_results(fund: Fund) -> list[str]:
    """Load the framework, link and report on the funded programmes; a second run adds nothing."""
    lines = [load_demo_framework(fund)]
    framework = ops.framework_of(fund)
    programmes = [ops.establish_programme(p, actor=None) for p in funded_proposals(fund)]
    fmu = demo_person(fund, Role.fmu)
    linked = sum(link_programme(p, framework, fmu) for p in programmes) if fmu else 0
    counts: dict[str, int] = {}
    closing = finished(programmes)
    for outcome in report_on(programmes, framework, fmu, clock.today(fund), closing):
        counts[outcome] = counts.get(outcome, 0) + 1
    db.session.flush()
    lines.append(f"{len(programmes)} funded programmes; {linked} indicators linked to the fund's framework.")
    lines.append(
        "Progress reports written: "
        + (", ".join(f"{n} {what}" for what, n in sorted(counts.items())) or "none new")
        + "."
    )
    if fmu is not None and closing:
        lines.append(close_finished(closing, fmu, clock.today(fund)))
    asked = ask_for_an_extension(fund, programmes, fmu)
    if asked:
        lines.append(asked)
    lines += change_after_approval(fund, programmes, fmu)
    return lines


def change_after_approval(fund: Fund, programmes: list[Programme], fmu: User | None) -> list[str]:
    """Once, on the active programme ending last: its lead agency asks for a budget revision (a tenth of its first
    budget line moved to two other categories, approved by the FMU) and for a top-up of USD 50,000 for itself, which the
    FMU forwards and a member of the Steering Committee approves; both through the real operations."""
    member = demo_person(fund, Role.sc_member)
    if fmu is None or member is None or db.session.scalar(sa.select(TopUp.id).limit(1)) is not None:
        return []
    active = sorted((p for p in programmes if p.proposal.state is ProposalState.active), key=lambda p: p.end_date)
    for programme in reversed(active):
        proposal = programme.proposal
        lead = demo_person(fund, Role.agency, proposal.lead_organization.code if proposal.lead_organization else None)
        version = proposal.latest_version
        if lead is None or version is None or not finance_ops.may_ask(lead, proposal):
            continue
        line = next((ln for ln in version.snapshot.budget.lines if ln.organization_id == lead.organization_id
                     and ln.amount > 0), None)  # fmt: skip
        others = [c.code for c in fund.budget_categories if line is not None and c.code != line.category]
        if line is None or not others:
            continue
        moved = (line.amount / 10).quantize(Decimal("0.01"))
        half = (moved / 2).quantize(Decimal("0.01"))
        targets = [(others[0], half), (others[1 % len(others)], moved - half)]
        lines = [finance_ops.LineData(lead.organization_id, line.category, line.year, -moved)]
        for category, amount in targets if len(others) > 1 else [(others[0], moved)]:
            lines.append(finance_ops.LineData(lead.organization_id, category, line.year, amount))
        data = finance_ops.RevisionData(lines, "Training costs were lower than planned; more field visits and "
                                        "translation are needed.")  # fmt: skip
        revision = finance_ops.request_revision(proposal, data, actor=lead)
        today = clock.today(fund)
        finance_ops.decide_revision(revision, decision="approve", note="", actor=fmu, reference="FMU-REV-01",
                                    decided_on=today)  # fmt: skip
        top_up = finance_ops.request_top_up(
            proposal, organization_id=lead.organization_id, amount=Decimal("50000.00"),
            reason="Arrivals doubled in the second year; the shelters need another season.", actor=lead,
        )  # fmt: skip
        finance_ops.decide_top_up(top_up, decision="forward", note="Reviewed: the budget holds.", actor=fmu)
        finance_ops.decide_top_up(top_up, decision="approve", note="", actor=member, reference="SC-TOPUP-01",
                                  decided_on=today)  # fmt: skip
        return [
            f"Budget revision of {proposal.reference} approved; a top-up of USD 50,000.00 approved by the Steering "
            "Committee."
        ]
    return []


def ask_for_an_extension(fund: Fund, programmes: list[Programme], fmu: User | None) -> str | None:
    """Once: six months before it was due to end, the lead agency of the active programme ending soonest asked for
    a six-month no-cost extension, and the FMU approved it a week later (replayed on those days)."""
    if fmu is None or db.session.scalar(sa.select(Extension.id).limit(1)) is not None:
        return None
    for programme in sorted(
        (p for p in programmes if p.proposal.state is ProposalState.active), key=lambda p: p.end_date
    ):
        lead_code = programme.proposal.lead_organization.code if programme.proposal.lead_organization else None
        lead = demo_person(fund, Role.agency, lead_code)
        if lead is None or not programme.can_report(lead):
            continue
        asked_on = add_months(programme.end_date, -6)
        reason = "Elections in the country delayed the field work by half a year; the budget covers it."
        with clock.as_of(asked_on):
            extension = ops.request_extension(
                programme, new_end_date=add_months(programme.end_date, 6), reason=reason, actor=lead
            )
        with clock.as_of(asked_on + timedelta(days=7)):
            ops.decide_extension(extension, decision="approve", note="", actor=fmu)
        return f"No-cost extension of {programme.proposal.reference} to {programme.end_date.isoformat()}, approved."
    return None


def finished(programmes: list[Programme]) -> list[Programme]:
    """The active programmes the scenario has completed (status closed), their last period ended: to be closed."""
    titles = {localize(p["title"], "en") for p in demo_data().get("proposals") or [] if p.get("status") == "closed"}
    today = clock.today(programmes[0].proposal.fund) if programmes else None
    return [
        p
        for p in programmes
        if p.proposal.state is ProposalState.active
        and p.proposal.title in titles
        and p.periods
        and today is not None
        and p.periods[-1].has_ended(today)
    ]


def close_finished(closing: list[Programme], fmu: User, today: date) -> str:
    """Close the completed programmes through the real operations: all operationally (their final reports are
    accepted), the one that ended first financially too (its organizations certified their final expenditure)."""
    closing = sorted(closing, key=lambda p: p.periods[-1].end_date)
    for programme in closing:
        ops.close_operationally(programme, closed_on=today, activities_ended=True, actor=fmu)
    first = closing[0].proposal
    finance_ops.close_financially(first, closed_on=today, reference=f"{first.reference}-FC"[:60], actor=fmu)
    submitted = submit_final_statements(first, fmu)
    return (f"Programmes closed: {len(closing)} operationally, 1 financially ({first.reference}); "
            f"{submitted} certified final financial statements submitted.")  # fmt: skip


def submit_final_statements(proposal: Proposal, fmu: User) -> int:
    """Each organization paid on the programme closed financially uploads its certified final financial statements
    (a one-page PDF) with their certified total: the expenditure it certified, equal to its transfers less the refund
    of the closure (the FMU submits for an organization the demo has no staff for)."""
    script = demo_script()["final_statements"]
    year = proposal.financially_closed_on.year if proposal.financially_closed_on else clock.today(proposal.fund).year
    for organization in finance_ops.owing_organizations(proposal):
        total = finance_ops.certified_expenditure(proposal, organization.id)
        fields = {"org": organization.code, "reference": proposal.reference, "title": proposal.title, "year": year,
                  "total": f"{total:,.2f}"}  # fmt: skip
        upload = FileStorage(io.BytesIO(statement_pdf(script["text"].format(**fields))),
                             filename=f"{organization.code}-final-statements-{year}.pdf")  # fmt: skip
        staff = demo_person(proposal.fund, Role.agency, organization.code)
        finance_ops.record_final_statement(
            proposal, organization_id=organization.id, document=script["reference"].format(**fields),
            certified_total=total, upload=upload, actor=staff or fmu,
            received_on=None if staff else clock.today(proposal.fund),
        )  # fmt: skip
    return len(finance_ops.owing_organizations(proposal))


def statement_pdf(text: str) -> bytes:
    """A one-page statement as a real PDF (WeasyPrint, no external resources)."""
    escaped = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    html = f"<html><body style='font-family: sans-serif; font-size: 11pt'><p>{escaped}</p></body></html>"
    return HTML(string=html).write_pdf()


def load_demo_framework(fund: Fund) -> str:
    spec, sha256 = read_framework(bundled_framework())
    framework, changed = ops.load_framework(fund, spec, sha256, actor=None)
    return f"Results framework {'loaded' if changed else 'unchanged'}: {len(framework.indicators)} indicators."


def funded_proposals(fund: Fund) -> list[Proposal]:
    return list(
        db.session.scalars(
            sa.select(Proposal)
            .where(Proposal.fund_id == fund.id, Proposal.state.in_(FUNDED_STATES))
            .order_by(Proposal.reference)
        )
    )


def demo_person(fund: Fund, role: Role, organization_code: str | None = None) -> User | None:
    """The first active user holding the role on the fund (and of the organization), demo people first."""
    query = sa.select(User).where(holding(fund, role), User.is_active_account.is_(True)).order_by(User.id)
    if organization_code:
        query = query.join(User.organization).where(Organization.code == organization_code)
    return db.session.scalar(query.limit(1))


def link_programme(programme: Programme, framework: ResultsFramework, fmu: User) -> int:
    """Link the programme's indicators as the demo file says (by indicator name); returns how many are linked."""
    by_code = {i.code: i for i in framework.indicators if not i.retired}
    wanted = demo_script().get("links", {})
    objectives = {o.number: o for o in programme.proposal.fund.objectives}
    proposal_objectives = programme.version.snapshot.objectives
    links = []
    for indicator in programme.indicators:
        target = by_code.get(wanted.get(indicator.name, ""))
        if indicator.fund_indicator_id or target is None or target.measure is not indicator.measure:
            continue
        area_objectives = {o.number for o in target.outcome.area.objectives}
        chosen = [objectives[n] for n in proposal_objectives if n in area_objectives and n in objectives]
        links.append(ops.IndicatorLink(indicator, target, chosen, indicator.measure))
    if links:
        ops.set_indicator_links(programme, links, actor=fmu)
    return sum(1 for i in programme.indicators if i.fund_indicator_id)


# --- Plausible values ------------------------------------------------------------------------------


def pace_of(reference: str) -> Decimal:
    """A programme's speed, the same on every run."""
    return PACES[int(hashlib.sha256(reference.encode()).hexdigest(), 16) % len(PACES)]


def share_done(period: ReportingPeriod, pace: Decimal) -> Decimal:
    """How far along the way from baseline to target the programme is at the end of a period."""
    programme = period.programme
    total_days = (programme.end_date - programme.start_date).days + 1
    elapsed = (period.end_date - programme.start_date).days + 1
    return min(Decimal("1.15"), pace * Decimal(elapsed) / Decimal(total_days))


def value_at(indicator: ProgrammeIndicator, share: Decimal) -> Decimal:
    baseline, target = indicator.baseline or Decimal(0), indicator.target or Decimal(0)
    exact = baseline + (target - baseline) * share
    places = Decimal("0.1") if indicator.measure is Measure.percentage else Decimal(1)
    return max(Decimal(0), exact.quantize(places, rounding=ROUND_HALF_UP))


def split(total: Decimal, shares: list[str]) -> list[Decimal]:
    """Whole parts of a count in the given shares that add up exactly (largest remainder)."""
    exact = [total * Decimal(s) for s in shares]
    parts = [e.to_integral_value(rounding="ROUND_FLOOR") for e in exact]
    order = sorted(range(len(parts)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: int(total - sum(parts))]:
        parts[i] += 1
    return parts


def parts_for(indicator: ProgrammeIndicator, actual: Decimal, framework: ResultsFramework) -> dict[str, dict[str, str]]:
    """The value by every dimension the indicator is disaggregated by."""
    parts = {}
    for code in indicator.disaggregation:
        dimension = framework.dimension(code)
        if dimension is None or code not in SPLITS:
            continue
        categories = [c["code"] for c in dimension["categories"]]
        if indicator.measure is Measure.percentage:  # each group's own percentage, around the overall one
            values = [
                min(Decimal(100), max(Decimal(0), actual + offset)) for offset in (3, -3, 0, 1)[: len(categories)]
            ]
        else:
            values = split(actual, SPLITS[code])
        parts[code] = {category: plain_text(value) for category, value in zip(categories, values, strict=True)}
    return parts


def status_for(indicator: ProgrammeIndicator, share: Decimal, expected: Decimal) -> str:
    if share >= 1:
        return IndicatorStatus.achieved.value
    return (IndicatorStatus.on_track if share >= expected * Decimal("0.85") else IndicatorStatus.off_track).value


def plausible_input(period: ReportingPeriod, framework: ResultsFramework, pace: Decimal) -> ops.ReportInput:
    """A complete progress report for a period at the programme's pace, with parts and narratives."""
    programme = period.programme
    share = share_done(period, pace)
    expected = share_done(period, Decimal(1))
    entries = {}
    for indicator in programme.indicators:
        actual = value_at(indicator, share)
        entries[indicator.id] = IndicatorEntry(
            actual=plain_text(actual),
            parts=parts_for(indicator, actual, framework),
            status=status_for(indicator, share, expected),
        )
    script = demo_script()
    lead = programme.proposal.lead_organization.code if programme.proposal.lead_organization else "the lead agency"
    narratives = {
        outcome.id: script["narratives"][(period.number + outcome.position) % len(script["narratives"])].format(
            lead=lead, period=period.number, country=place_of(programme.proposal)
        )
        for outcome in programme.outcomes
    }
    lessons = script["lessons"][(programme.id + period.number) % len(script["lessons"])]
    place = place_of(programme.proposal)
    sections = {column: text.format(lead=lead, country=place) for column, text in script["sections"].items()}
    return ops.ReportInput(entries=entries, narratives=narratives, lessons_learned=lessons, sections=sections)


def place_of(proposal: Proposal) -> str:
    if proposal.country:
        return territory_name(proposal.country.iso2, "en")
    return territory_name(proposal.region_code, "en") if proposal.region_code else "the region"


# --- The reporting story ----------------------------------------------------------------------------------


def report_on(
    programmes: list[Programme], framework: ResultsFramework, fmu: User | None, today: date, closing: list[Programme]
) -> list[str]:
    """Write the reports of every ended period not yet reported on (a closed programme's are frozen); returns what
    became of each. The programmes about to close have their final reports accepted."""
    if fmu is None:
        return []
    outcomes = []
    endings = last_report_endings([p for p in programmes if p not in closing], today)
    for programme in programmes:
        if programme.proposal.state is ProposalState.closed:
            continue
        lead = demo_person(programme.proposal.fund, Role.agency, programme.proposal.lead_organization.code)
        if lead is None:
            continue
        ended = [p for p in programme.periods if p.has_ended(today)]
        for period in ended:
            if period.report is not None:
                continue
            ending = endings.get(period.id, "accepted")
            if ending == "overdue":
                outcomes.append("left overdue")
                continue
            outcomes.append(write_report(period, framework, lead, fmu, ending))
    return outcomes


def last_report_endings(programmes: list[Programme], today: date) -> dict[int, str]:
    """How the story ends for the last ended period of some programmes (all others are accepted).

    Active programmes: a last report past its due date is left overdue (the first one), later ones
    are submitted and wait for review.
    """
    endings: dict[int, str] = {}
    overdue_left = False
    active = [p for p in programmes if p.proposal.state is ProposalState.active]
    for programme in active:
        last = programme.last_ended_period(today)
        if last is None:
            continue
        if clock.is_past(last.due_date, today) and not overdue_left:
            endings[last.id], overdue_left = "overdue", True
        else:
            endings[last.id] = "submitted"
    return endings


def write_report(period: ReportingPeriod, framework: ResultsFramework, lead: User, fmu: User, ending: str) -> str:
    """Write, submit and review one report as the demo's people would."""
    pace = pace_of(period.programme.proposal.reference)
    report = ops.save_report(period, plausible_input(period, framework, pace), actor=lead)
    ops.submit_report(report, actor=lead)
    if ending == "submitted":
        return "submitted, awaiting review"
    if ending == "returned":
        ops.return_report(report, demo_script()["return_comment"], actor=fmu)
        return "returned for revision"
    ops.accept_report(report, demo_script()["accept_comment"], actor=fmu)
    return "accepted"
