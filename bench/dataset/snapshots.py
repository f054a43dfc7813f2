"""A proposal's content as rows and as the version snapshot fundmgr.proposals.versions would freeze."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from bench.dataset.context import ZERO, World
from bench.dataset.plans import ProposalPlan, VersionPlan
from bench.writer import BulkWriter
from fundmgr.db import to_cents
from fundmgr.proposals.budget import programme_years
from fundmgr.proposals.snapshot import SCHEMA_VERSION, ProposalSnapshot


def write_matrix(
    out: BulkWriter, matrix: list[dict[str, Any]], tables: tuple[str, str], owner: dict[str, int], indicators: Any
) -> list[int]:
    """A results matrix's outcomes and outputs (a draft's or a programme's), each one's indicators through
    `indicators(outcome_id, output_id, items)`, in the order build_matrix gives them; returns the outcome ids."""
    outcome_ids = []
    for o_position, outcome in enumerate(matrix, start=1):
        outcome_id = out.next_id(tables[0])
        out.add(tables[0], owner | {"id": outcome_id, "position": o_position, "statement": outcome["statement"]})
        outcome_ids.append(outcome_id)
        indicators(outcome_id, None, outcome["indicators"])
        for p_position, output in enumerate(outcome["outputs"], start=1):
            output_id = out.next_id(tables[1])
            out.add(
                tables[1],
                {"id": output_id, "outcome_id": outcome_id, "position": p_position, "statement": output["statement"]},
            )
            indicators(outcome_id, output_id, output["indicators"])
    return outcome_ids


def budget_of(content: dict[str, Any]) -> dict[str, Any]:
    """Totals per participant and overall (Decimal), as fundmgr.proposals.budget.budget_totals computes them."""
    direct: dict[int, Decimal] = defaultdict(lambda: ZERO)
    for org, _category, _year, amount in content["lines"]:
        direct[org] += amount
    participants = []
    for org, rate in content["participants"]:
        d = direct[org]
        i = to_cents(d * rate)
        participants.append((org, rate, d, i, d + i))
    d_total = sum((p[2] for p in participants), ZERO)
    i_total = sum((p[3] for p in participants), ZERO)
    return {
        "participants": participants,
        "totals": {"direct": d_total, "indirect": i_total, "total": d_total + i_total},
    }


def snapshot(
    plan: ProposalPlan, content: dict[str, Any], version: VersionPlan, w: World, attachments: list[dict[str, Any]]
) -> ProposalSnapshot:
    """The version's frozen content, as fundmgr.proposals.versions.snapshot_of builds it from a draft."""
    budget = budget_of(content)
    codes = dict(w.punos)
    category_codes = dict(w.categories)

    countries = {cid: iso3 for cid, _iso2, iso3, _r in w.countries}
    markers = {
        code: {
            "level": level,
            "justification": "The programme's analysis, activities and indicators address this dimension.",
        }
        for _mid, code, level in content["markers"]
    }
    return ProposalSnapshot(
        schema_version=SCHEMA_VERSION,
        reference=plan.reference,
        title=content["title"],
        summary=content["summary"],
        country=countries[content["country_id"]] if content["country_id"] else None,
        region=content["region"],
        countries=sorted(countries[c] for c in content["countries"]),
        primary_area=plan.area["code"],
        objectives=list(content["objectives"]),
        principles=[code for _pid, _number, code in content["principles"]],
        duration_months=content["duration"],
        start_date=version.start_date.isoformat(),
        government_endorsement=True,
        markers=markers,
        lead=codes[content["lead"]],
        participants=[
            {
                "organization_id": org,
                "code": codes[org],
                "lead": org == content["lead"],
                "indirect_rate": rate,
                "direct": d,
                "indirect": i,
                "total": t,
            }
            for org, rate, d, i, t in budget["participants"]
        ],
        budget={
            "years": programme_years(content["duration"]),
            "lines": [
                {
                    "organization_id": org,
                    "organization": codes[org],
                    "category": category_codes[category],
                    "year": year,
                    "amount": amount,
                }
                for org, category, year, amount in sorted(content["lines"], key=lambda ln: (ln[0], ln[1], ln[2]))
            ],
        },
        totals=budget["totals"],
        matrix=[
            {
                "statement": o["statement"],
                "indicators": [indicator_data(i) for i in o["indicators"]],
                "outputs": [
                    {"statement": p["statement"], "indicators": [indicator_data(i) for i in p["indicators"]]}
                    for p in o["outputs"]
                ],
            }
            for o in content["matrix"]
        ],
        attachments=[
            {
                "id": a["id"],
                "kind": a["kind"].value,
                "filename": a["filename"],
                "size": a["size"],
                "sha256": a["sha256"],
            }
            for a in attachments
        ],
    )


def indicator_data(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": item["name"],
        "unit": item["unit"],
        "baseline": item["baseline"],
        "target": item["target"],
        "means_of_verification": item["means_of_verification"],
        "disaggregation": list(item["disaggregation"]),
    }
