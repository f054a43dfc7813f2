"""The overlap check at screening: the fund's other proposals that look like this one, best first, with the reason.

Three signals: similar text (title and summary, as TF-IDF vectors of words and word pairs compared by cosine: words
every proposal uses weigh little, a programme's own places, partners and figures weigh much), shared countries (its
country, a region's countries, and the countries of its migration corridors), and shared organizations. A proposal
is listed when its score reaches `THRESHOLD`; text weighs most, since two programmes in one country with the same
agencies are common and are not overlaps by themselves.

Fast at a large fund's scale: each proposal's word counts are hashed once (scikit-learn's HashingVectorizer needs no
vocabulary, so one proposal's row never depends on the others) and kept per fund in the worker's memory, hashed
again only for the texts changed since; a check weighs the rows by the fund's current document frequencies and takes
one sparse product (`python -m bench --overlap` measures it at 5,000 notes).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from fundmgr.db import db
from fundmgr.proposals.models import Corridor, CorridorStop, Participant, Proposal, proposal_countries

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import HashingVectorizer

# Weights of the three signals in the score (0-100) and the score from which a proposal is listed; calibrated on the
# benchmark's seeded near-duplicates (README, "Benchmark").
TEXT_WEIGHT, COUNTRY_WEIGHT, ORGANIZATION_WEIGHT = 0.8, 0.1, 0.1
THRESHOLD = 55.0
LIMIT = 10
N_FEATURES = 2**20


@cache
def hasher() -> HashingVectorizer:
    """The word and word-pair hasher. scikit-learn loads on the first check, not with the app: importing it takes
    seconds, which every worker, test process and command would otherwise pay at start-up."""
    import numpy as np  # like scikit-learn, with the first check (some 10 MB in every process otherwise)
    from sklearn.feature_extraction.text import HashingVectorizer

    return HashingVectorizer(
        ngram_range=(1, 2), n_features=N_FEATURES, alternate_sign=False, norm=None, dtype=np.float32
    )


@dataclass(frozen=True)
class Likeness:
    """Another proposal that looks like the one checked: its score (0-100) and what it shares."""

    id: int
    score: float
    text_score: float
    shared_countries: frozenset[int]
    shared_organizations: frozenset[int]


def text_of(title: str, summary: str) -> str:
    return f"{title}\n{summary}"


def word_counts(texts: list[str]) -> sparse.csr_matrix:
    """One row of hashed word and word-pair counts per text."""
    return hasher().transform(texts).tocsr()


def text_scores(query: sparse.csr_matrix, counts: sparse.csr_matrix) -> np.ndarray:
    """The cosine (0-100) of the query's TF-IDF vector with each row's, weighted by the rows' document frequencies."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    weights = TfidfTransformer(sublinear_tf=True).fit(counts)
    return np.asarray((weights.transform(counts) @ weights.transform(query).T).todense()).ravel() * 100


def share(a: frozenset[int], b: frozenset[int]) -> float:
    """The share of the smaller set that the two hold in common (1: one holds the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def text_floor(threshold: float = THRESHOLD) -> float:
    """The text score below which no proposal can reach the threshold, whatever it shares."""
    return (threshold - 100 * (COUNTRY_WEIGHT + ORGANIZATION_WEIGHT)) / TEXT_WEIGHT


def rank(
    ids: list[int],
    scores: np.ndarray,
    countries: dict[int, frozenset[int]],
    organizations: dict[int, frozenset[int]],
    checked: int,
    *,
    limit: int = LIMIT,
    threshold: float = THRESHOLD,
) -> list[Likeness]:
    """Of the notes (ids, with their text scores against the checked one), those whose score reaches the threshold,
    best first. Countries and organizations add at most their weights: only a note whose text is close enough can
    reach the threshold, which spares most of them the rest."""
    floor = text_floor(threshold)
    mine_c, mine_o = countries.get(checked, frozenset()), organizations.get(checked, frozenset())
    found = []
    for index in (scores >= floor).nonzero()[0]:  # a 1-D array: np.flatnonzero without numpy loaded here
        other = ids[index]
        if other == checked:
            continue
        theirs_c, theirs_o = countries.get(other, frozenset()), organizations.get(other, frozenset())
        text = float(scores[index])
        score = (TEXT_WEIGHT * text + COUNTRY_WEIGHT * 100 * share(mine_c, theirs_c)
                 + ORGANIZATION_WEIGHT * 100 * share(mine_o, theirs_o))  # fmt: skip
        if score >= threshold:
            found.append(Likeness(other, round(score, 1), round(text, 1), mine_c & theirs_c, mine_o & theirs_o))
    found.sort(key=lambda likeness: (-likeness.score, likeness.id))
    return found[:limit]


@dataclass
class FundIndex:
    """A fund's proposals' hashed word counts, kept between checks and refreshed for those changed since."""

    ids: list[int] = field(default_factory=list)
    texts: dict[int, str] = field(default_factory=dict)
    counts: Any = None

    def refresh(self, fund_id: int) -> None:
        """Bring the rows up to date with the fund's submitted proposals: hash again only the texts that changed."""
        current = {pid: text_of(title, summary) for pid, title, summary in db.session.execute(
            sa.select(Proposal.id, Proposal.title, Proposal.summary)
            .where(Proposal.fund_id == fund_id, Proposal.version_count > 0)
        )}  # fmt: skip
        if current == self.texts and self.counts is not None:
            return
        position = {pid: n for n, pid in enumerate(self.ids)}
        kept = [pid for pid in self.ids if self.texts[pid] == current.get(pid)]
        new_ids = [pid for pid, text in current.items() if self.texts.get(pid) != text]
        blocks = []
        if kept:
            blocks.append(self.counts[[position[pid] for pid in kept]])
        if new_ids:
            blocks.append(word_counts([current[pid] for pid in new_ids]))
        self.ids = kept + new_ids
        from scipy import sparse

        self.counts = sparse.vstack(blocks).tocsr() if blocks else sparse.csr_matrix((0, N_FEATURES))
        self.texts = current


_INDEXES: dict[int, FundIndex] = {}
_LOCK = threading.Lock()


def places_and_organizations(ids: list[int]) -> tuple[dict[int, frozenset[int]], dict[int, frozenset[int]]]:
    """The proposals' countries (their corridors' included) and organizations (lead included), in four queries."""
    countries: dict[int, set[int]] = defaultdict(set)
    organizations: dict[int, set[int]] = defaultdict(set)
    for pid, country_id, lead_id in db.session.execute(
        sa.select(Proposal.id, Proposal.country_id, Proposal.lead_organization_id).where(Proposal.id.in_(ids))
    ):
        if country_id is not None:
            countries[pid].add(country_id)
        if lead_id is not None:
            organizations[pid].add(lead_id)
    countries_query = sa.select(proposal_countries.c.proposal_id, proposal_countries.c.country_id)
    for pid, country_id in db.session.execute(countries_query.where(proposal_countries.c.proposal_id.in_(ids))):
        countries[pid].add(country_id)
    corridors_query = sa.select(Corridor.proposal_id, CorridorStop.country_id).join(
        Corridor, CorridorStop.corridor_id == Corridor.id
    )
    for pid, country_id in db.session.execute(corridors_query.where(Corridor.proposal_id.in_(ids))):
        countries[pid].add(country_id)
    for pid, org_id in db.session.execute(
        sa.select(Participant.proposal_id, Participant.organization_id).where(Participant.proposal_id.in_(ids))
    ):
        organizations[pid].add(org_id)
    return ({pid: frozenset(c) for pid, c in countries.items()},
            {pid: frozenset(o) for pid, o in organizations.items()})  # fmt: skip


@dataclass(frozen=True)
class Overlap:
    """A proposal that looks like the one screened, as the screening page lists it."""

    proposal: Proposal
    likeness: Likeness

    @property
    def shared_countries(self) -> list[str]:
        stops = [stop.country for corridor in self.proposal.corridors for stop in corridor.stops]
        countries = [c for c in [*self.proposal.countries, self.proposal.country, *stops] if c is not None]
        return sorted({c.label for c in countries if c.id in self.likeness.shared_countries})

    @property
    def shared_organizations(self) -> list[str]:
        organizations = [p.organization for p in self.proposal.participants]
        return sorted({o.label for o in organizations if o.id in self.likeness.shared_organizations})


def overlaps_of(proposal: Proposal, *, limit: int = LIMIT) -> list[Overlap]:
    """The fund's other submitted proposals (any year, any state) that look like this one, best first."""
    with _LOCK:
        index = _INDEXES.setdefault(proposal.fund_id, FundIndex())
        index.refresh(proposal.fund_id)
        ids, counts = index.ids, index.counts
    if not ids:
        return []
    scores = text_scores(word_counts([text_of(proposal.title, proposal.summary)]), counts)
    # only a proposal whose text comes close enough can be listed: read the places and organizations of those alone
    close = [ids[n] for n in (scores >= text_floor()).nonzero()[0]]
    countries, organizations = places_and_organizations([proposal.id, *close])
    # a concept note and its own programme document are one programme at two stages, not an overlap
    stages = {proposal.concept_note_id, proposal.programme_document.id if proposal.programme_document else None}
    found = [f for f in rank(ids, scores, countries, organizations, proposal.id, limit=limit + 1)
             if f.id not in stages][:limit]  # fmt: skip
    loaded = {p.id: p for p in db.session.scalars(sa.select(Proposal).where(Proposal.id.in_([f.id for f in found])))}
    return [Overlap(loaded[likeness.id], likeness) for likeness in found]
