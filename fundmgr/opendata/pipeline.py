"""The fund's public pipeline: the proposals the Steering Committee endorsed, as the public may read them.

Each entry names only what the fund publishes about a pipeline proposal: reference, title, where it takes place
(its country or region, its migration corridors, or global scope), its participating organizations (never a
person), its thematic areas with their shares, the SDG targets it contributes to and its indicative amount (the
total of its latest submitted version). Never a draft, a score, a conflict, a declined or withdrawn proposal:
only proposals in state `endorsed` are read (fundmgr.finance.queries.endorsed_by_endorsement_date).

The page (one page of the pipeline at a time, its total over all of it) and the PDF booklet (the whole pipeline)
are rendered on demand from these entries; `tag` hashes the entries in the
visitor's language, so an answer is kept (HTTP ETag and the booklet cache below) exactly as long as nothing
published changed: an endorsement, an approval or a rejection that moves a proposal out of the pipeline, a new
name of a country or area, all change the tag and the next request renders afresh.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from fundmgr.finance import queries as fq
from fundmgr.funds.models import Fund
from fundmgr.i18n import current_language
from fundmgr.lists import Column, Listing, ListSpec
from fundmgr.proposals.exports import area_share_labels, location_text
from fundmgr.proposals.models import Proposal, ProposalState

# Bump when the page or booklet templates change what they show: old ETags must not match the new rendering.
LAYOUT_VERSION = "2"  # 2: corridors, global scope and SDG targets
BOOKLETS_KEPT = 12  # rendered booklets kept in memory (a few funds x three languages)


@dataclass(frozen=True)
class PipelineEntry:
    """A pipeline proposal as the public sees it (plain data: the PDF template touches no database)."""

    reference: str
    title: str
    place: str  # the country, or the region and its countries
    corridors: list[str]  # "Guatemala → Mexico → United States", origin first, in the visitor's language
    global_scope: bool  # a global programme (no country in particular)
    organizations: list[str]  # the lead first
    areas: list[str]  # "2. Labour mobility (60%)", the primary first
    sdg_targets: list[str]  # target codes ("10.7"), in the order the proposal gives them
    amount: Decimal


def organizations_of(proposal: Proposal) -> list[str]:
    lead = proposal.lead_organization
    others = sorted(
        p.organization.label for p in proposal.participants if p.organization_id != proposal.lead_organization_id
    )
    return [lead.label, *others] if lead else others


def pipeline_entries(fund: Fund) -> list[PipelineEntry]:
    """The endorsed proposals in the order the Steering Committee endorsed them, in the current language."""
    return entries_of(fq.endorsed_by_endorsement_date(fund))


def entries_of(proposals: Iterable[Proposal]) -> list[PipelineEntry]:
    """Pipeline proposals (eager-loaded: fq.pipeline_loading) as entries, in the current language."""
    return [
        PipelineEntry(
            reference=p.reference,
            title=p.title,
            place=location_text(p),
            corridors=[corridor.label for corridor in p.corridors],
            global_scope=p.global_scope,
            organizations=organizations_of(p),
            areas=area_share_labels(p),
            sdg_targets=list(p.sdg_targets or []),
            amount=fq.amount_requested(p),
        )
        for p in proposals
    ]


# The public page lists the pipeline one page at a time, in the order of endorsement.
PIPELINE = ListSpec(
    name="pipeline",
    columns=(Column("endorsed", _l("Endorsed into the pipeline"), lambda: (fq.endorsed_at(),)),),
    default_sort="endorsed",
    tiebreak=(Proposal.id,),
)


def pipeline_listing(fund: Fund) -> Listing:
    """The request's page of the fund's pipeline (its proposals eager-loaded for their entries)."""
    base = sa.select(Proposal).where(Proposal.fund_id == fund.id, Proposal.state == ProposalState.endorsed)
    return PIPELINE.listing(base.options(*fq.pipeline_loading()), fund)


def tag(fund: Fund, entries: list[PipelineEntry], *shown: Any) -> str:
    """What the answers depend on, hashed: the fund, the language, the layout, every entry and what else the answer
    `shown` (a page of the pipeline: its place among the pages, the pipeline's size and total)."""
    content = {
        "fund": [fund.code, fund.currency, fund.name, fund.concept_note],
        "language": current_language(),
        "layout": LAYOUT_VERSION,
        "entries": [asdict(entry) for entry in entries],
        "shown": [str(value) for value in shown],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:32]


_booklets: OrderedDict[str, bytes] = OrderedDict()
_booklets_lock = threading.Lock()


def booklet(key: str, render: Callable[[], bytes]) -> bytes:
    """The booklet rendered for `key` (a `tag`), rendered now if it was not kept; the oldest kept are dropped."""
    with _booklets_lock:
        if key in _booklets:
            _booklets.move_to_end(key)
            return _booklets[key]
    data = render()
    with _booklets_lock:
        _booklets[key] = data
        while len(_booklets) > BOOKLETS_KEPT:
            _booklets.popitem(last=False)
    return data
