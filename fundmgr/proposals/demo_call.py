"""Demo data: the other concept notes of the fund's first call (see fundmgr/demo/seed.py for the order of the steps).

The first call drew dozens of concept notes (over 74 from 56 countries and regions in the real fund). Besides the
six the Steering Committee selected (the concept notes of the first six programmes, derived from them later),
demo.yaml's `first_call.notes` lists the others as compact entries. Each is written and submitted by agency staff
of its lead organization on its day, through the same operations as the concept note pages, then screened by the
FMU a week later: most are forwarded to the committee (its 1st meeting, held by the steering demo, endorses some
into the pipeline and declines the others), a few are returned for revision, one of them then withdrawn.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fundmgr import clock
from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.funds.models import Country, Fund
from fundmgr.funds.queries import active
from fundmgr.proposals import operations as ops
from fundmgr.proposals.demo import demo_user, justification
from fundmgr.proposals.models import PartnerKind, Proposal, ProposalStage
from fundmgr.scenario import demo_data

SCREENED_AFTER = timedelta(days=7)  # the FMU screens a concept note a week after it arrives
WITHDRAWN_AFTER = timedelta(days=30)  # a returned note the agencies give up on, a month later
# the eligibility check a returned note fails, with the FMU's comment (unless the note gives its own reason)
RETURN_CHECK = ("joint_programme", "One agency carries almost all the work; the others' roles are not described.")


def first_call() -> dict[str, Any]:
    return demo_data().get("first_call") or {}


def seed_first_call_notes(fund: Fund) -> list[str]:
    """The first call's concept notes that are not there yet, each brought to the outcome of its screening (the
    committee decides the forwarded ones later); returns report lines."""
    notes = first_call().get("notes") or []
    titles = [note["title"] for note in notes]
    existing = set(db.session.scalars(sa.select(Proposal.title).where(Proposal.fund_id == fund.id,
                                                                      Proposal.title.in_(titles))))  # fmt: skip
    places = Places()
    created = [seed_note(fund, note, places) for note in notes if note["title"] not in existing]
    db.session.flush()
    if not created:
        return []
    countries = {c.id for note in created for c in [*note.countries, note.country, *corridor_countries(note)] if c}
    return [f"First call: {len(created)} more concept notes from {len(countries)} countries "
            f"({', '.join(outcome_counts(notes))})."]  # fmt: skip


def corridor_countries(note: Proposal) -> list[Country]:
    return [stop.country for corridor in note.corridors for stop in corridor.stops]


def outcome_counts(notes: list[dict[str, Any]]) -> list[str]:
    counts: dict[str, int] = {}
    for note in notes:
        counts[note["outcome"]] = counts.get(note["outcome"], 0) + 1
    return [f"{n} {outcome}" for outcome, n in sorted(counts.items())]


class Places:
    """The countries by ISO code, read once."""

    def __init__(self) -> None:
        self.countries = {c.iso3: c for c in db.session.scalars(sa.select(Country))}

    def __getitem__(self, iso3: str) -> Country:
        return self.countries[iso3]


def seed_note(fund: Fund, spec: dict[str, Any], places: Places) -> Proposal:
    """Draft the concept note, complete and submit it on its day, then screen it."""
    submitted_on = as_date(spec["submitted_on"])
    with clock.as_of(submitted_on):
        note = draft_note(fund, spec, places, first_call())
        ops.submit_proposal(note, actor=lead_staff(spec))
    with clock.as_of(submitted_on + SCREENED_AFTER):
        screen(note, spec)
    if spec["outcome"] == "withdrawn":
        with clock.as_of(submitted_on + SCREENED_AFTER + WITHDRAWN_AFTER):
            ops.withdraw_proposal(note, first_call()["withdrawal_reason"].strip(), actor=lead_staff(spec))
    return note


def lead_staff(spec: dict[str, Any]) -> Any:
    """The demo's agency staff of the note's lead organization (the first of its organizations)."""
    return demo_user(Role.agency, next(iter(spec["organizations"])))


def draft_note(fund: Fund, spec: dict[str, Any], places: Places, common: dict[str, Any]) -> Proposal:
    """The concept note written by its lead organization's staff, complete and ready to submit: details,
    organizations, markers and content (`common`: the call's texts the note's own do not replace)."""
    organizations = {o.code: o for o in fund.participating_organizations}
    codes = list(spec["organizations"])
    agency = lead_staff(spec)
    note = ops.create_proposal(fund, note_details(fund, spec, places), actor=agency)
    ops.set_participants(note, lead=organizations[codes[0]], organizations=[organizations[c] for c in codes],
                         actor=agency)  # fmt: skip
    markers = {m.code: m for m in active(fund.markers)}
    ops.save_markers(
        note,
        {markers[code].id: (level, justification(markers[code], level)) for code, level in spec["markers"].items()},
        actor=agency,
    )
    ops.save_concept_content(note, note_content(spec, places, organizations, common), actor=agency)
    return note


def as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def note_details(fund: Fund, spec: dict[str, Any], places: Places) -> ops.ProposalDetails:
    """Title, summary, place (a country or a region's countries; corridors and global scope are content), areas
    with their shares, alignment and duration; the start date waits for the programme document."""
    where = spec["where"]
    areas = {a.code: a for a in fund.thematic_areas}
    objectives = {o.number: o for o in fund.objectives}
    principles = {p.code: p for p in fund.guiding_principles}
    shares = [(areas[code], Decimal(share)) for code, share in spec["areas"].items()]
    return ops.ProposalDetails(
        title=spec["title"],
        summary=spec["summary"].strip(),
        country=places[where["country"]] if "country" in where else None,
        region_code=where.get("region"),
        countries=[places[iso3] for iso3 in where.get("countries") or []],
        primary_area=shares[0][0],
        primary_share=shares[0][1],
        other_areas=shares[1:],
        objectives=[objectives[n] for n in spec["objectives"]],
        principles=[principles[code] for code in spec["principles"]],
        duration_months=spec["months"],
        government_endorsement=True,
    )


def note_content(spec: dict[str, Any], places: Places, organizations: dict[str, Any],
                 common: dict[str, Any]) -> ops.ConceptContent:  # fmt: skip
    """The case (the summary states the problem; the call's common texts the rest), corridors or global scope,
    national partners, SDG targets and each organization's indicative amount; the Resident Coordinator endorses."""
    where = spec["where"]
    return ops.ConceptContent(
        problem_statement=spec["summary"].strip(),
        theory_of_change=common["theory_of_change"].strip(),
        cooperation_framework=common["cooperation_framework"].strip(),
        knowledge_platform=common["knowledge_platform"].strip(),
        rc_endorsement=True,
        global_scope=bool(where.get("global")),
        sdg_targets=[str(code) for code in spec["sdg"]],
        corridors=[[places[iso3] for iso3 in corridor] for corridor in where.get("corridors") or []],
        partners=[
            ops.PartnerEntry(name=name, kind=PartnerKind(kind), role=role) for kind, name, role in spec["partners"]
        ],
        amounts={organizations[code].id: Decimal(amount) for code, amount in spec["organizations"].items()},
    )


def screen(note: Proposal, spec: dict[str, Any]) -> None:
    """The FMU screens the note: every check passed and forwarded to the committee, or returned for revision (the
    note's own reason, when demo.yaml gives one, else the call's usual one)."""
    officer = demo_user(Role.fmu)
    ops.start_screening(note, actor=officer)
    checks = {item.check.code: item.check_id for item in note.latest_screening.items}
    if spec["outcome"] in ("returned", "withdrawn"):
        failed, comment = RETURN_CHECK
        reason = spec.get("returned_because") or first_call()["return_reason"]
        answers = {cid: (code != failed, (spec.get("returned_because") or comment) if code == failed else "")
                   for code, cid in checks.items()}  # fmt: skip
        ops.record_screening(note, answers, actor=officer)
        ops.return_for_revision(note, reason.strip(), actor=officer)
        return
    ops.record_screening(note, {cid: (True, "") for cid in checks.values()}, actor=officer)
    ops.forward_to_review(note, actor=officer)


def first_call_notes(fund: Fund) -> dict[str, tuple[Proposal, str]]:
    """The first call's concept notes in the database by title, with the outcome demo.yaml gives them."""
    outcomes = {note["title"]: note["outcome"] for note in first_call().get("notes") or []}
    found = db.session.scalars(
        sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.stage == ProposalStage.concept_note,
                                  Proposal.title.in_(outcomes)).order_by(Proposal.reference)
    )  # fmt: skip
    return {p.title: (p, outcomes[p.title]) for p in found}
