"""The portfolio proposal between the database and the optimiser: candidates and rules as stored JSON, the answer,
and what a page or the meeting pack says about it (how each target is met, why each proposal is out).

A run is computed from its stored `rules` and `candidates` only (`solve`), so what the pack shows is what was
recommended at the time. Amounts and scores are stored as decimal text; the optimiser works in integer cents.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from fundmgr.db import apportion, db, to_cents
from fundmgr.finance.queries import fundable, region_parents, target_marker, top_region
from fundmgr.funds.models import Fund
from fundmgr.i18n import territory_name
from fundmgr.numbers import MONEY, number_text
from fundmgr.proposals.models import Proposal, ProposalMarker
from fundmgr.proposals.queries import area_shares_of
from fundmgr.steering.models import DecisionOutcome, Meeting
from fundmgr.steering.optimiser import Group, LeftOut, Option, Outcome, Reason, Rules, ShareBound, optimise
from fundmgr.steering.queries import (
    PIPELINE_STATES,
    latest_portfolio_run,
    proposals_in,
    score_proposals,
    score_visibility,
)
from fundmgr.steering.scoring import rank

ZERO = Decimal("0.00")
CENTS = Decimal(100)


def cents(amount: Decimal) -> int:
    return int(to_cents(amount) * CENTS)


def money(amount_in_cents: int) -> Decimal:
    return (Decimal(amount_in_cents) / CENTS).quantize(Decimal("0.01"))


def optional(text: Any) -> Decimal | None:
    return Decimal(text) if text is not None else None


# --- Candidates --------------------------------------------------------------------------------


def candidate_rows(fund: Fund) -> list[dict[str, Any]]:
    """The proposals before the committee (in review or endorsed) with what they still need, in ranking order
    (the stable order of the optimiser: score, then reviews, then reference); unscored ones last, with no score."""
    proposals = proposals_in(fund, PIPELINE_STATES)
    ordered = rank(list(score_proposals(fund, proposals).values()))
    scores = {s.proposal.id: s.weighted_mean for s in ordered}
    in_order = [s.proposal for s in ordered] + sorted(
        (p for p in proposals if p.id not in scores), key=lambda p: p.reference
    )
    gaps = {row.proposal.id: row.gap for row in fundable(fund, in_order)}
    area_codes = {a.id: a.code for a in fund.thematic_areas}
    shares = area_shares_of(p.id for p in in_order)
    regions = region_of(in_order)
    levels = marker_levels(fund, in_order)
    rows = []
    for proposal in in_order:
        score = scores.get(proposal.id)
        rows.append(
            {
                "id": proposal.id,
                "reference": proposal.reference,
                "title": proposal.title,
                "score": str(score.quantize(Decimal("0.0001"))) if score is not None else None,
                "gap": str(gaps[proposal.id]),
                "area": proposal.primary_area.code if proposal.primary_area else "",
                # every area with its share in percent, the primary first (a run stored before has none)
                "areas": [[area_codes.get(a, ""), str(share)] for a, share in shares[proposal.id] if a is not None],
                "region": regions.get(proposal.id, ""),
                "country": proposal.country.iso2 if proposal.country else "",
                "organization": proposal.lead_organization.label if proposal.lead_organization else "",
                "marker": levels.get(proposal.id, False),
            }
        )
    return rows


def region_of(proposals: Sequence[Proposal]) -> dict[int, str]:
    """The UN M49 region of each proposal's country (or of its multi-country region)."""
    parents = region_parents()
    result = {}
    for proposal in proposals:
        code = proposal.country.region_code if proposal.country else proposal.region_code
        result[proposal.id] = top_region(code, parents) or ""
    return result


def marker_levels(fund: Fund, proposals: Sequence[Proposal]) -> dict[int, bool]:
    """Whether each proposal is rated at or above the fund's target marker level."""
    marker = target_marker(fund)
    min_level = (fund.marker_share or {}).get("min_level")
    if marker is None or min_level is None or not proposals:
        return {}
    rows = db.session.execute(
        sa.select(ProposalMarker.proposal_id, ProposalMarker.level).where(
            ProposalMarker.marker_id == marker.id, ProposalMarker.proposal_id.in_([p.id for p in proposals])
        )
    )
    return {pid: (level or 0) >= min_level for pid, level in rows}


# --- Solving -----------------------------------------------------------------------------------


def options_of(candidates: Sequence[dict[str, Any]]) -> list[Option]:
    """The scored candidates that still need money, as the optimiser's options (in the stored order)."""
    return [
        Option(
            key=c["reference"],
            score=Decimal(c["score"]),
            cost=cents(Decimal(c["gap"])),
            area=c["area"],
            areas=area_parts(cents(Decimal(c["gap"])), c.get("areas") or []),
            region=c["region"],
            country=c["country"],
            organization=c["organization"],
            marker=bool(c["marker"]),
        )
        for c in candidates
        if c["score"] is not None and Decimal(c["gap"]) > 0
    ]


def area_parts(cost: int, areas: Sequence[Sequence[str]]) -> tuple[tuple[str, int], ...]:
    """A candidate's cost in cents split over its areas' shares to the cent (`apportion`); empty (all of it in its
    primary area) when it has one area or none."""
    if len(areas) < 2:
        return ()
    parts = apportion(Decimal(cost), [Decimal(share) for _code, share in areas], Decimal(1))
    return tuple((code, int(part)) for (code, _share), part in zip(areas, parts, strict=True))


def rules_of(rules: dict[str, Any]) -> Rules:
    """The optimiser's rules from the stored ones."""
    return Rules(
        budget=cents(Decimal(rules["budget"])),
        shares=tuple(
            ShareBound(Group(s["group"]), s["code"], optional(s["floor"]), optional(s["ceiling"]))
            for s in rules["shares"]
        ),
        marker_floor=optional(rules["marker_floor"]),
        country_cap=cents(Decimal(rules["country_cap"])) if rules["country_cap"] is not None else None,
        organization_cap=cents(Decimal(rules["organization_cap"])) if rules["organization_cap"] is not None else None,
        per_country=rules["per_country"],
        include=frozenset(rules["include"]),
        exclude=frozenset(rules["exclude"]),
    )


def solve(rules: dict[str, Any], candidates: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The answer to stored rules over stored candidates, as JSON: the selection and why each other one is out."""
    outcome: Outcome = optimise(options_of(candidates), rules_of(rules))
    return {
        "feasible": outcome.feasible,
        "selected": outcome.selected,
        "left_out": [left_out_json(item) for item in outcome.left_out],
    }


def left_out_json(item: LeftOut) -> dict[str, Any]:
    return {
        "reference": item.key,
        "reason": item.reason.value,
        "subject": item.subject,
        "group": item.group.value if item.group else None,
        "short_by": str(money(item.short_by)),
        "below_last": str(item.below_last) if item.below_last is not None else None,
    }


# --- What a page and the pack show --------------------------------------------------------------


@dataclass
class TargetRow:
    """One rule of the request and how the selection meets it."""

    label: str
    value: Decimal | None  # a share (None when nothing is selected), an amount or a count
    floor: Decimal | None
    ceiling: Decimal | None
    kind: str  # "share", "money" or "count"

    @property
    def met(self) -> bool:
        if self.value is None:
            return True
        return (self.floor is None or self.value >= self.floor) and (self.ceiling is None or self.value <= self.ceiling)

    @property
    def binding(self) -> bool:
        return self.value == self.floor or self.value == self.ceiling


@dataclass
class RunView:
    """A stored run as shown: candidates by reference, the selection, totals, targets and reasons in words."""

    run: Any
    candidates: dict[str, dict[str, Any]]
    selected: list[dict[str, Any]]
    left_out: list[tuple[dict[str, Any], str]]  # the candidate and the reason in words
    unscored: list[dict[str, Any]]
    total: Decimal
    remaining: Decimal
    targets: list[TargetRow]
    recused: list[dict[str, Any]] = field(default_factory=list)  # listed by title only, for this reader
    hidden_scores: set[str] = field(default_factory=set)  # references whose scores this reader may not see yet

    @property
    def feasible(self) -> bool:
        return bool(self.run.feasible)


def run_view(run: Any, fund: Fund, recused: Collection[int] = (), visible: Collection[int] | None = None) -> RunView:
    """What the page and the pack say about a stored run (from its stored rules, candidates and answer only), as a
    reader sees it: proposals they are recused from by title only (no score, no reason), and no score they may not
    see yet (`visible`: the proposal ids whose scores they see; None for all)."""
    by_reference = {c["reference"]: shown_candidate(c) for c in run.candidates}
    selected = [by_reference[r] for r in run.result["selected"]]
    total = sum((c["gap"] for c in selected), ZERO)
    hidden = {c["reference"] for c in run.candidates if visible is not None and c["id"] not in visible}
    shown = [c for c in by_reference.values() if c["id"] not in recused]
    left_out = [
        (by_reference[i["reference"]], reason_text(i, fund, with_score=i["reference"] not in hidden))
        for i in run.result["left_out"]
        if by_reference[i["reference"]]["id"] not in recused
    ]
    return RunView(
        run=run,
        candidates=by_reference,
        selected=[c for c in selected if c["id"] not in recused],
        left_out=left_out,
        unscored=[c for c in shown if c["score"] is None],
        total=total,
        remaining=run.budget - total,
        targets=target_rows(run.rules, selected, fund),
        recused=[c for c in by_reference.values() if c["id"] in recused],
        hidden_scores=hidden,
    )


def shown_candidate(candidate: dict[str, Any]) -> dict[str, Any]:
    """A stored candidate with its score and need as Decimals."""
    return candidate | {"score": optional(candidate["score"]), "gap": Decimal(candidate["gap"])}


def group_label(group: str | None, code: str, fund: Fund) -> str:
    if group == Group.area.value:
        area = next((a for a in fund.thematic_areas if a.code == code), None)
        return f"{area.number}. {area.label}" if area is not None else code
    return territory_name(code) if code else _("Global or several regions")


def target_rows(rules: dict[str, Any], selected: Sequence[dict[str, Any]], fund: Fund) -> list[TargetRow]:
    """Each rule of the request with the selection's value next to it."""
    total = sum((Decimal(c["gap"]) for c in selected), ZERO)

    def share(amount: Decimal) -> Decimal | None:
        return amount / total if total else None

    rows = [TargetRow(_("Budget"), total, None, Decimal(rules["budget"]), "money")]
    for bound in rules["shares"]:
        amount = sum((part_in(c, bound["group"], bound["code"]) for c in selected), ZERO)
        rows.append(TargetRow(group_label(bound["group"], bound["code"], fund), share(amount),
                              optional(bound["floor"]), optional(bound["ceiling"]), "share"))  # fmt: skip
    if rules["marker_floor"] is not None:
        marked = sum((Decimal(c["gap"]) for c in selected if c["marker"]), ZERO)
        rows.append(TargetRow(marker_label(fund), share(marked), Decimal(rules["marker_floor"]), None, "share"))
    countries: dict[str, list[dict[str, Any]]] = {}
    organizations: dict[str, Decimal] = {}
    for c in selected:
        if c["country"]:
            countries.setdefault(c["country"], []).append(c)
        if c["organization"]:
            organizations[c["organization"]] = organizations.get(c["organization"], ZERO) + Decimal(c["gap"])
    for code, members in sorted(countries.items()):
        name = territory_name(code)
        if rules["per_country"] is not None:
            rows.append(TargetRow(_("Proposals in %(country)s", country=name), Decimal(len(members)), None,
                                  Decimal(rules["per_country"]), "count"))  # fmt: skip
        if rules["country_cap"] is not None:
            amount = sum((Decimal(c["gap"]) for c in members), ZERO)
            rows.append(TargetRow(_("Money to %(country)s", country=name), amount, None,
                                  Decimal(rules["country_cap"]), "money"))  # fmt: skip
    if rules["organization_cap"] is not None:
        for code, amount in sorted(organizations.items()):
            rows.append(TargetRow(_("Money led by %(organization)s", organization=code), amount, None,
                                  Decimal(rules["organization_cap"]), "money"))  # fmt: skip
    return rows


def part_in(candidate: dict[str, Any], group: str, code: str) -> Decimal:
    """A selected candidate's money in a group: its share of an area (as the optimiser counts it), its whole gap
    in its region or its one area."""
    gap = Decimal(candidate["gap"])
    if group == Group.area and len(candidate.get("areas") or []) >= 2:
        parts = area_parts(cents(gap), candidate["areas"])
        return money(sum(part for c, part in parts if c == code))
    return gap if candidate[group] == code else ZERO


def marker_label(fund: Fund) -> str:
    marker = target_marker(fund)
    level = (fund.marker_share or {}).get("min_level")
    if marker is None or level is None:
        return _("Marker at the target level or above")
    return _("%(marker)s at level %(level)d or above", marker=marker.label, level=level)


def reason_text(item: dict[str, Any], fund: Fund, *, with_score: bool = True) -> str:
    """Why a proposal is left out, in words, with how far its score is from the last one taken."""
    reason = Reason(item["reason"])
    subject = item["subject"]
    currency = fund.currency
    if reason is Reason.excluded:
        text = _("Excluded by the Fund Management Unit.")
    elif reason is Reason.budget:
        amount = number_text(Decimal(item["short_by"]), MONEY)
        text = _("Budget: needs %(currency)s %(amount)s more.", currency=currency, amount=amount)
    elif reason is Reason.per_country:
        text = _("Limit of proposals per country reached for %(country)s.", country=territory_name(subject))
    elif reason is Reason.country_cap:
        text = _("Country cap for %(country)s reached.", country=territory_name(subject))
    elif reason is Reason.organization_cap:
        text = _("Cap for the organization %(organization)s reached.", organization=subject)
    elif reason is Reason.ceiling:
        text = _("Would take %(group)s above its ceiling.", group=group_label(item["group"], subject, fund))
    elif reason is Reason.floor:
        text = _("Would take %(group)s below its floor.", group=group_label(item["group"], subject, fund))
    elif reason is Reason.marker_floor:
        text = _("Would take the share of %(marker)s below its floor.", marker=marker_label(fund))
    else:
        text = _("Fits alone, but a better-scoring whole needs the money elsewhere.")
    if with_score and item["below_last"] is not None:
        below = Decimal(item["below_last"])
        gap = format_decimal(abs(below), format="0.00")
        if below >= 0:
            text += " " + _("Score %(gap)s below the last one taken.", gap=gap)
        else:
            text += " " + _("Score %(gap)s above the last one taken.", gap=gap)
    return text


def seen_by(run: Any, user: Any) -> RunView | None:
    """A stored run as this reader may see it: conflicts of interest respected as on the ranking page."""
    if run is None:
        return None
    ids = [c["id"] for c in run.candidates]
    proposals = list(db.session.scalars(sa.select(Proposal).where(Proposal.id.in_(ids)))) if ids else []
    visible, recused = score_visibility(user, run.fund, proposals)
    return run_view(run, run.fund, recused, visible)


# --- The meeting pack ----------------------------------------------------------------------------

# The outcomes that go the way of a proposal in the selection (it moves on to funding).
FOR_IT = (DecisionOutcome.approve, DecisionOutcome.approve_with_conditions, DecisionOutcome.endorse)


def pack_section(meeting: Meeting, reader: Any) -> dict[str, Any] | None:
    """The portfolio proposal as the committee saw it when the meeting began (the latest before it; before it
    begins, the latest), as the reader may see it, and where the committee's decisions departed from it."""
    run = latest_portfolio_run(meeting.fund, before=meeting.started_at)
    view = seen_by(run, reader)
    if view is None:
        return None
    recused = {c["reference"] for c in view.recused}
    shown = [d for d in departures_from(meeting, view.run) if d["reference"] not in recused]
    return {"view": view, "departures": shown, "decided": any(item.decision for item in meeting.items)}


def departures_from(meeting: Meeting, run: Any) -> list[dict[str, Any]]:
    """The meeting's decisions that went another way than the run recommended (selected but not approved or
    endorsed, or approved or endorsed without being selected)."""
    departures = []
    for item in meeting.items:
        decision = item.decision
        if decision is None:
            continue
        recommended = item.proposal.reference in run.result["selected"]
        if recommended != (decision.outcome in FOR_IT):
            departures.append({
                "reference": item.proposal.reference,
                "title": item.proposal.title,
                "recommended": recommended,
                "outcome": str(decision.outcome.title),
            })  # fmt: skip
    return departures


def minutes_departures(meeting: Meeting) -> list[dict[str, Any]] | None:
    """Where the decisions departed from the recommendation the meeting began with (None: there was none)."""
    run = latest_portfolio_run(meeting.fund, before=meeting.started_at)
    return departures_from(meeting, run) if run is not None else None
