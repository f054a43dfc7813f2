"""A version's snapshot made readable: codes turned into names in the user's language, budget tables built.

Pages, the comparison of two versions and the PDF all show a proposal through `describe`,
so they always agree. The result is plain data (no ORM objects), as PDF templates require.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _

from fundmgr.accounts.models import Organization
from fundmgr.db import db
from fundmgr.funds import queries as fq
from fundmgr.funds.models import Country, Fund
from fundmgr.i18n import format_money, format_percent, territory_name
from fundmgr.proposals.exports import share_text
from fundmgr.proposals.models import AttachmentKind, PartnerKind, Proposal, ProposalVersion, RiskLevel
from fundmgr.proposals.snapshot import Indicator, ProposalSnapshot
from fundmgr.proposals.versions import snapshot_of

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class ItemLabel:
    """An item of a fund's list as a description names it (plain data, kept per fund definition and language)."""

    number: int
    label: str
    retired: bool
    name: dict[str, str] | None = None  # an objective's full name, in every language
    objectives: frozenset[int] = frozenset()  # a thematic area's objectives, by number
    levels: dict[int, str] = field(default_factory=dict)  # a marker's level labels, by value


@dataclass(frozen=True)
class FundLabels:
    """The fund's lists by the codes (objectives: numbers) a snapshot uses."""

    areas: dict[str, ItemLabel]
    objectives: dict[int, ItemLabel]
    principles: dict[str, ItemLabel]
    markers: dict[str, ItemLabel]
    categories: dict[str, ItemLabel]


def build_fund_labels(fund: Fund) -> FundLabels:
    def item(i: Any, **more: Any) -> ItemLabel:
        return ItemLabel(number=i.number, label=i.label, retired=i.retired, **more)

    return FundLabels(
        areas={a.code: item(a, objectives=frozenset(o.number for o in a.objectives)) for a in fund.thematic_areas},
        objectives={o.number: item(o, name=dict(o.name)) for o in fund.objectives},
        principles={p.code: item(p) for p in fund.guiding_principles},
        markers={m.code: item(m, levels={v: m.level_label(v) for v in m.values}) for m in fund.markers},
        categories={c.code: item(c) for c in fund.budget_categories},
    )


def fund_labels(fund: Fund) -> FundLabels:
    """The fund's lists as descriptions name them: read once per fund definition and language, not per page."""
    return fq.per_definition("description labels", fund, build_fund_labels)


class Labels:
    """Names of the fund's reference data by the codes a snapshot uses, looked up once."""

    def __init__(self, fund: Fund, snapshot: ProposalSnapshot) -> None:
        lists = fund_labels(fund)
        self.areas, self.objectives, self.principles = lists.areas, lists.objectives, lists.principles
        self.markers, self.categories = lists.markers, lists.categories
        org_codes = {p.code for p in snapshot.participants} | {snapshot.lead} | set(snapshot.indicative_amounts)
        self.organizations = {
            o.code: o for o in db.session.scalars(sa.select(Organization).where(Organization.code.in_(org_codes)))
        }
        iso3s = set(snapshot.countries) | {snapshot.country} | {c for corridor in snapshot.corridors for c in corridor}
        self.countries = {c.iso3: c for c in db.session.scalars(sa.select(Country).where(Country.iso3.in_(iso3s)))}

    def organization(self, code: str | None) -> str:
        org = self.organizations.get(code)
        return org.label if org else (code or "")

    def country(self, iso3: str) -> str:
        country = self.countries.get(iso3)
        return country.label if country else iso3


def describe(snapshot: ProposalSnapshot, fund: Fund) -> dict[str, Any]:
    """Everything a reader sees of a proposal snapshot, with names in the current language."""
    labels = Labels(fund, snapshot)
    area = labels.areas.get(snapshot.primary_area)
    area_objectives = area.objectives if area else frozenset()
    return {
        "reference": snapshot.reference,
        "title": snapshot.title,
        "summary": snapshot.summary,
        "participants_label": fund.participants_label,
        "location": location_label(snapshot, labels),
        "multi_country": snapshot.region is not None,
        "primary_area": f"{area.number}. {area.label}" if area else "",
        "objectives": [
            {
                "number": n,
                "label": labels.objectives[n].label if n in labels.objectives else str(n),
                "name": labels.objectives[n].name if n in labels.objectives else "",
                "in_area": n in area_objectives,
            }
            for n in snapshot.objectives
        ],
        "principles": [labels.principles[c].label if c in labels.principles else c for c in snapshot.principles],
        "markers": markers_of(snapshot, labels),
        "duration_months": snapshot.duration_months,
        "start_date": format_date(snapshot.start_date, "long") if snapshot.start_date else "",
        "government_endorsement": snapshot.government_endorsement,
        "lead": labels.organization(snapshot.lead),
        "organizations": organizations_of(snapshot, labels),
        "budget": budget_tables(snapshot, labels),
        "matrix": matrix_of(snapshot, fund),
        "attachments": [
            {
                "id": a.id,
                "kind": AttachmentKind(a.kind).title,
                "filename": a.filename,
                "size": a.size,
            }
            for a in snapshot.attachments
        ],
        "currency": fund.currency,
        "fund": fund.label,
        "fund_name": fund.name,
        **stage_content(snapshot, labels, fund),
    }


def stage_content(snapshot: ProposalSnapshot, labels: Labels, fund: Fund) -> dict[str, Any]:
    """The concept note's content and the programme document's sections, readable (empty in a snapshot frozen
    before they were kept); the fund's own questions where it asks them or the snapshot answers them."""
    workplan: dict[int, list[str]] = defaultdict(list)
    for item in snapshot.workplan:
        workplan[item.year].append(item.activity)
    amounts = snapshot.indicative_amounts
    content = {
        "area_shares": [
            {
                "label": f"{labels.areas[a.area].number}. {labels.areas[a.area].label}"
                if a.area in labels.areas
                else a.area,
                "share": a.share,
                "share_text": share_text(a.share),
            }
            for a in snapshot.areas
        ],
        "problem_statement": snapshot.problem_statement,
        "theory_of_change": snapshot.theory_of_change,
        "corridors": [" → ".join(labels.country(c) for c in corridor) for corridor in snapshot.corridors],
        "global_scope": snapshot.global_scope,
        "partners": [
            {"name": p.name, "kind": kind_title(PartnerKind, p.kind), "role": p.role}
            for p in snapshot.national_partners
        ],
        "sdg_targets": list(snapshot.sdg_targets),
        "cooperation_framework": snapshot.cooperation_framework,
        "rc_endorsement": snapshot.rc_endorsement,
        "knowledge_platform": snapshot.knowledge_platform,
        "indicative_amounts": sorted(
            ({"label": labels.organization(code), "amount": amount} for code, amount in amounts.items()),
            key=lambda row: row["label"],
        ),
        "indicative_total": sum(amounts.values(), ZERO),
        "workplan": [{"year": year, "activities": workplan[year]} for year in sorted(workplan)],
        "risks": [
            {
                "risk": r.risk,
                "likelihood": kind_title(RiskLevel, r.likelihood),
                "impact": kind_title(RiskLevel, r.impact),
                "mitigation": r.mitigation,
                "owner": r.owner,
            }
            for r in snapshot.risks
        ],
        "me_plan": snapshot.me_plan,
        "sustainability": snapshot.sustainability,
    }
    content["shows_corridors"] = fund.asks_corridors or bool(snapshot.corridors)
    content["shows_knowledge_platform"] = fund.asks_knowledge_platform or bool(snapshot.knowledge_platform)
    content["has_concept"] = any(content[key] for key in CONCEPT_KEYS)
    content["has_sections"] = any(content[key] for key in SECTION_KEYS)
    return content


CONCEPT_KEYS = ("problem_statement", "theory_of_change", "corridors", "global_scope", "partners", "sdg_targets",
                "cooperation_framework", "rc_endorsement", "knowledge_platform", "indicative_amounts")  # fmt: skip
SECTION_KEYS = ("workplan", "risks", "me_plan", "sustainability")


def kind_title(kind: type[PartnerKind] | type[RiskLevel], value: str) -> str:
    """A stored enum value's title in the current language (the value itself if the enum no longer has it)."""
    try:
        return str(kind(value).title)
    except ValueError:
        return value


def location_label(snapshot: ProposalSnapshot, labels: Labels) -> str:
    if snapshot.region:
        countries = ", ".join(sorted(labels.country(c) for c in snapshot.countries))
        region = territory_name(snapshot.region)
        return f"{region}: {countries}" if countries else region
    return labels.country(snapshot.country) if snapshot.country else ""


def markers_of(snapshot: ProposalSnapshot, labels: Labels) -> list[dict[str, Any]]:
    rows = []
    for code, marker in labels.markers.items():
        # a marker the fund added after this version was frozen has no rating in it
        rating = snapshot.markers.get(code)
        if rating is None and marker.retired:
            continue
        level = rating.level if rating else None
        rows.append(
            {
                "label": marker.label,
                "level": level,
                "level_label": marker.levels.get(level, str(level)) if level is not None else "",
                "justification": rating.justification if rating else "",
            }
        )
    return rows


def organizations_of(snapshot: ProposalSnapshot, labels: Labels) -> list[dict[str, Any]]:
    rows = [
        {
            "code": p.code,
            "label": labels.organization(p.code),
            "name": labels.organizations[p.code].full_name if p.code in labels.organizations else "",
            "lead": p.lead,
            "rate": p.indirect_rate,
            "direct": p.direct,
            "indirect": p.indirect,
            "total": p.total,
        }
        for p in snapshot.participants
    ]
    return sorted(rows, key=lambda r: (not r["lead"], r["label"]))


def budget_tables(snapshot: ProposalSnapshot, labels: Labels) -> dict[str, Any]:
    """The budget by organization x category x year, with totals per organization, category and year."""
    budget = snapshot.budget
    years = list(range(1, max([budget.years, *(ln.year for ln in budget.lines)]) + 1))
    cells: dict[tuple[str, str, int], Decimal] = {
        (ln.organization, ln.category, ln.year): ln.amount for ln in budget.lines
    }
    organizations = organizations_of(snapshot, labels)
    used_categories = {ln.category for ln in budget.lines}
    categories = [
        {"code": code, "label": f"{c.number}. {c.label}"}
        for code, c in labels.categories.items()
        if not c.retired or code in used_categories
    ]
    by_org_year: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    by_category_year: dict[tuple[str, int], Decimal] = defaultdict(lambda: ZERO)
    for (org, category, year), amount in cells.items():
        by_org_year[org, year] += amount
        by_category_year[category, year] += amount
    rows = []
    for org in organizations:
        for category in categories:
            amounts = [cells.get((org["code"], category["code"], y), ZERO) for y in years]
            rows.append(
                {
                    "org": org["label"],
                    "org_code": org["code"],
                    "category": category["label"],
                    "category_code": category["code"],
                    "cells": amounts,
                    "total": sum(amounts, ZERO),
                }
            )
    totals = snapshot.totals
    return {
        "years": years,
        "late_years": [y for y in years if y > budget.years],
        "categories": categories,
        "rows": rows,
        "organizations": [org | {"by_year": [by_org_year[org["code"], y] for y in years]} for org in organizations],
        "category_totals": [
            {
                "label": c["label"],
                "by_year": [by_category_year[c["code"], y] for y in years],
                "total": sum((by_category_year[c["code"], y] for y in years), ZERO),
            }
            for c in categories
        ],
        "year_totals": [sum((by_org_year[o["code"], y] for o in organizations), ZERO) for y in years],
        "direct": totals.direct,
        "indirect": totals.indirect,
        "total": totals.total,
        "cells": cells,
    }


def matrix_of(snapshot: ProposalSnapshot, fund: Fund) -> list[dict[str, Any]]:
    def indicator(i: Indicator) -> dict[str, Any]:
        # values as the snapshot writes them (200, 12.5), not as Decimal
        return i.stored() | {"disaggregation_labels": [fund.disaggregation_title(d) for d in i.disaggregation]}

    return [
        {
            "number": str(o),
            "statement": outcome.statement,
            "indicators": [indicator(i) for i in outcome.indicators],
            "outputs": [
                {
                    "number": f"{o}.{p}",
                    "statement": output.statement,
                    "indicators": [indicator(i) for i in output.indicators],
                }
                for p, output in enumerate(outcome.outputs, start=1)
            ],
        }
        for o, outcome in enumerate(snapshot.matrix, start=1)
    ]


def describe_draft(proposal: Proposal) -> dict[str, Any]:
    """The proposal as it stands now (the live draft)."""
    return describe(snapshot_of(proposal), proposal.fund)


def describe_version(version: ProposalVersion) -> dict[str, Any]:
    return describe(version.snapshot, version.proposal.fund)


# --- Comparing two versions field by field ---


def matrix_lines(description: dict[str, Any]) -> list[str]:
    lines = []
    for outcome in description["matrix"]:
        lines.append(_("Outcome %(n)s: %(text)s", n=outcome["number"], text=outcome["statement"]))
        for item in outcome["indicators"]:
            lines.append(indicator_line(item))
        for output in outcome["outputs"]:
            lines.append(_("Output %(n)s: %(text)s", n=output["number"], text=output["statement"]))
            lines.extend(indicator_line(item) for item in output["indicators"])
    return lines


def indicator_line(item: dict[str, Any]) -> str:
    return _(
        "Indicator: %(name)s (%(unit)s) baseline %(baseline)s, target %(target)s; verified by %(means)s",
        name=item["name"],
        unit=item["unit"] or "-",
        baseline=item["baseline"] if item["baseline"] is not None else "-",
        target=item["target"] if item["target"] is not None else "-",
        means=item["means_of_verification"] or "-",
    )


def comparable_fields(d: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields of a description as (label, text) pairs, in reading order."""
    yes, no = _("Yes"), _("No")
    fields = [
        (_("Title"), d["title"]),
        (_("Summary"), d["summary"]),
        (_("Country or region"), d["location"]),
        (_("Primary thematic area"), d["primary_area"]),
        (_("Objectives"), "; ".join(o["label"] for o in d["objectives"])),
        (_("Guiding principles"), "; ".join(d["principles"])),
    ]
    for marker in d["markers"]:
        fields.append((marker["label"], marker["level_label"]))
        fields.append((_("%(marker)s: justification", marker=marker["label"]), marker["justification"]))
    fields += [
        (_("Duration (months)"), str(d["duration_months"] or "")),
        (_("Start date"), d["start_date"]),
        (_("Government endorsement"), yes if d["government_endorsement"] else no),
        (_("Lead organization"), d["lead"]),
    ]
    for org in d["organizations"]:
        fields.append(
            (
                _("%(org)s: direct, indirect (rate), total", org=org["label"]),
                f"{format_money(org['direct'])}; {format_money(org['indirect'])} ({format_percent(org['rate'], 2)}); "
                f"{format_money(org['total'])}",
            )
        )
    budget = d["budget"]
    fields += [
        (_("Direct costs"), format_money(budget["direct"])),
        (_("Indirect support costs"), format_money(budget["indirect"])),
        (_("Total budget"), format_money(budget["total"])),
        (_("Results matrix"), "\n".join(matrix_lines(d))),
    ]
    fields += stage_fields(d)
    fields.append((_("Attachments"), "\n".join(f"{a['kind']}: {a['filename']}" for a in d["attachments"])))
    return fields


def stage_fields(d: dict[str, Any]) -> list[tuple[str, str]]:
    """The concept note's content and the programme sections as (label, text), where the version has them (a
    version frozen before they were kept has none: compared with a later one, each shows as added)."""
    yes, no = _("Yes"), _("No")
    fields = []
    if d["area_shares"]:
        fields.append((_("Thematic areas and shares"),
                       "; ".join(f"{a['label']} ({a['share_text']})" for a in d["area_shares"])))  # fmt: skip
    if d["has_concept"]:
        fields += [
            (_("Problem statement"), d["problem_statement"]),
            (_("Theory of change"), d["theory_of_change"]),
            *([(_("Migration corridors"), "\n".join(d["corridors"]))] if d["shows_corridors"] else []),
            (_("Global scope"), yes if d["global_scope"] else no),
            (_("National partners"), "\n".join(f"{p['name']} ({p['kind']}): {p['role']}" for p in d["partners"])),
            (_("SDG targets"), ", ".join(d["sdg_targets"])),
            (_("Alignment with the Cooperation Framework"), d["cooperation_framework"]),
            (_("Resident Coordinator’s endorsement"), yes if d["rc_endorsement"] else no),
            *([(_("Use of the Network’s knowledge platform and connection hub"), d["knowledge_platform"])]
              if d["shows_knowledge_platform"] else []),
            (_("Indicative amounts"),
             "\n".join(f"{a['label']}: {format_money(a['amount'])}" for a in d["indicative_amounts"])),
        ]  # fmt: skip
    if d["has_sections"]:
        fields += [
            (_("Workplan"), "\n".join(_("Year %(n)d", n=w["year"]) + ": " + "; ".join(w["activities"])
                                      for w in d["workplan"])),
            (_("Risk log"), "\n".join(
                _("%(risk)s (likelihood %(likelihood)s, impact %(impact)s); mitigation: %(mitigation)s; "
                  "owner: %(owner)s",
                  risk=r["risk"], likelihood=r["likelihood"], impact=r["impact"], mitigation=r["mitigation"] or "-",
                  owner=r["owner"] or "-")
                for r in d["risks"])),
            (_("Monitoring and evaluation plan"), d["me_plan"]),
            (_("Sustainability and exit strategy"), d["sustainability"]),
        ]  # fmt: skip
    return fields


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Field-by-field and cell-by-cell differences between two descriptions of a proposal."""
    old_fields, new_fields = dict(comparable_fields(old)), comparable_fields(new)
    rows = [
        {"label": label, "old": old_fields.get(label, ""), "new": text, "changed": old_fields.get(label, "") != text}
        for label, text in new_fields
    ]
    new_labels = {label for label, _text in new_fields}
    rows += [
        {"label": label, "old": text, "new": "", "changed": True}
        for label, text in old_fields.items()
        if label not in new_labels
    ]
    return {"fields": rows, "budget": compare_budgets(old["budget"], new["budget"])}


def compare_budgets(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The newer budget grid with each cell's former amount, over the years and rows of both."""
    years = list(range(1, max(len(old["years"]), len(new["years"])) + 1))
    keys = {(r["org_code"], r["category_code"]): r for r in old["rows"]} | {
        (r["org_code"], r["category_code"]): r for r in new["rows"]
    }
    rows = []
    for (org, category), row in keys.items():
        cells = []
        for year in years:
            before = old["cells"].get((org, category, year), ZERO)
            after = new["cells"].get((org, category, year), ZERO)
            cells.append({"old": before, "new": after, "changed": before != after})
        if any(c["old"] or c["new"] for c in cells):
            rows.append({"org": row["org"], "category": row["category"], "cells": cells})
    return {
        "years": years,
        "rows": rows,
        "totals": [
            {"label": label, "old": old[key], "new": new[key], "changed": old[key] != new[key]}
            for key, label in (
                ("direct", _("Direct costs")),
                ("indirect", _("Indirect support costs")),
                ("total", _("Total budget")),
            )
        ],
    }
