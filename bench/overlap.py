"""The overlap check measured: does it find seeded near-duplicates among 5,000 concept notes, and how fast?

    python -m bench --overlap              # 5,000 notes, 250 of them rewordings of others
    python -m bench.overlap --notes 1000   # the same, smaller

Generates concept notes of one fund from a bank of sentences about migration (each note five to seven sentences
with its own countries, groups, partners and figures), then rewords some of them as an agency resubmitting under
another title would: a third of the words swapped for synonyms, the sentences shuffled, one dropped and one added,
the title rewritten. Each original is checked against all the notes: a check that lists its rewording is a hit;
every other note a check lists is a false alarm (notes without a rewording are checked too). Then the same notes are
written into a throwaway SQLite database and one check (`fundmgr.proposals.overlap.overlaps_of`, reading the fund's
notes from the database) is timed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

COUNTRIES = ["Senegal", "Mali", "Niger", "Morocco", "Tunisia", "Ethiopia", "Somalia", "Kenya", "Guatemala",
             "Honduras", "El Salvador", "Mexico", "Ecuador", "Colombia", "Tajikistan", "Kyrgyzstan", "Nepal",
             "Bangladesh", "Philippines", "Indonesia", "Fiji", "Samoa", "North Macedonia", "Serbia", "Jordan",
             "Lebanon", "Chile", "Peru", "Djibouti", "Gambia"]  # fmt: skip
GROUPS = ["returning migrants", "migrant women", "unaccompanied children", "seasonal workers", "young people",
          "displaced families", "migrant domestic workers", "people in transit", "diaspora associations",
          "survivors of trafficking", "climate-displaced communities", "migrant health workers"]  # fmt: skip
TOPICS = ["labour mobility", "ethical recruitment", "border governance", "migration data", "reintegration",
          "counter-trafficking", "climate mobility", "access to health services", "social protection", "remittances",
          "regular pathways", "consular protection", "local integration", "skills recognition"]  # fmt: skip
PARTNERS = ["the Ministry of Labour", "the Ministry of Interior", "the national statistics office",
            "municipal authorities", "the ombudsperson", "trade unions", "employers' organizations",
            "migrant associations", "women's organizations", "the national human rights institution",
            "universities", "the ministry of health"]  # fmt: skip
ACTIONS = ["train", "support", "equip", "advise", "accompany", "strengthen the capacity of", "work with",
           "coordinate with"]  # fmt: skip
SENTENCES = [
    "The programme will {action} {partner} to improve {topic} for {group} in {country}.",
    "In {country}, {group} face barriers to {topic} because institutions lack data and coordination.",
    "About {number} {group} will benefit directly from better {topic} services over {months} months.",
    "A national working group on {topic} chaired by {partner} will meet every quarter.",
    "The agencies will {action} {partner} to adopt standard operating procedures on {topic}.",
    "Local authorities in {city} will open {number2} one-stop centres offering counselling to {group}.",
    "Evidence from a baseline survey of {number} households will inform the {topic} strategy of {country}.",
    "{partner_cap} and {partner2} will co-design referral pathways for {group}.",
    "The programme builds on a pilot in {city} that reached {number2} {group} last year.",
    "A communication campaign will counter misinformation about {topic} in {city} and border areas.",
    "The joint programme aligns with the Cooperation Framework of {country} and its national development plan.",
    "Grants will be given to {number2} organizations of {group} to run peer support groups.",
    "Officials of {partner} will be trained in human rights-based approaches to {topic}.",
    "The corridor between {country} and {country2} will be the focus of the work on {topic}.",
    "Sex- and age-disaggregated indicators will track progress on {topic} each year.",
    "A legal review will identify gaps in the laws of {country} on {topic} and propose amendments.",
    "Digital tools will help {partner} register {group} and follow their cases.",
    "Two learning exchanges between {country} and {country2} will share practice on {topic}.",
    "The knowledge platform of the Network will publish the programme's lessons on {topic}.",
    "Resident Coordinator's Office staff will convene the partners twice a year to review results.",
]
SYLLABLES = ["ka", "lo", "mbe", "ta", "ri", "nu", "sa", "go", "di", "ve", "zu", "ha", "pe", "ko", "mi", "ra", "tse",
             "bo", "na", "fe", "gu", "li", "sho", "wa"]  # fmt: skip
SENTENCES += [
    "Work starts in the districts of {district} and {district2}, where {group} are most numerous.",
    "The {ngo} network, active in {district} since {since}, will host the case workers.",
    "The {acronym} platform set up by {partner} in {district2} will be extended to {topic}.",
    "Mayors of {district} and {district2} signed a memorandum with {partner} in {since}.",
    "{number3} staff of the {ngo} network will be trained on {topic} in {district}.",
]
EXTRA = [
    "A mid-term review will adjust the activities to what the partners learn.",
    "The government has committed staff time and office space to the programme.",
    "Particular attention goes to persons with disabilities among the beneficiaries.",
    "An independent evaluation will close the programme.",
]
SYNONYMS = {
    "programme": "initiative", "improve": "enhance", "support": "assist", "barriers": "obstacles",
    "institutions": "authorities", "lack": "miss", "data": "information", "coordination": "cooperation",
    "benefit": "gain", "directly": "immediately", "better": "improved", "services": "provision",
    "working": "technical", "group": "team", "meet": "convene", "every": "each", "quarter": "three months",
    "agencies": "organizations", "adopt": "take up", "standard": "common", "procedures": "protocols",
    "open": "set up", "centres": "offices", "offering": "providing", "counselling": "advice",
    "evidence": "findings", "survey": "study", "households": "families", "inform": "shape",
    "strategy": "policy", "co-design": "jointly develop", "referral": "orientation", "pathways": "routes",
    "builds": "draws", "pilot": "trial", "reached": "served", "last": "previous", "campaign": "drive",
    "counter": "fight", "misinformation": "false information", "areas": "zones", "aligns": "is in line",
    "national": "country's", "development": "growth", "plan": "agenda", "grants": "small grants",
    "given": "awarded", "run": "organize", "peer": "mutual", "groups": "circles", "officials": "civil servants",
    "trained": "taught", "approaches": "methods", "focus": "priority", "work": "action", "indicators": "measures",
    "track": "follow", "progress": "advances", "year": "twelve months", "legal": "juridical",
    "review": "assessment", "identify": "find", "gaps": "shortcomings", "laws": "legislation",
    "propose": "suggest", "amendments": "changes", "digital": "online", "tools": "applications",
    "help": "enable", "register": "record", "follow": "manage", "cases": "files", "learning": "study",
    "exchanges": "visits", "share": "exchange", "practice": "experience", "publish": "disseminate",
    "lessons": "learning", "staff": "personnel", "convene": "bring together", "partners": "stakeholders",
    "twice": "two times", "results": "achievements", "train": "coach", "equip": "provide equipment to",
    "advise": "counsel", "accompany": "mentor", "strengthen": "reinforce", "face": "encounter",
}  # fmt: skip
TITLE_FORMS = [
    "{Topic} for {group} in {country}",
    "Improving {topic} for {group} in {country}",
    "{Topic} and the protection of {group}: {country}",
    "Towards safe {topic} in {country}",
]
REWORDED_TITLE_FORMS = [
    "Enhancing {topic} with {group} in {country}",
    "{country}: {topic} for {group}",
    "Better {topic} for {group} ({country})",
]
ORGANIZATIONS = ["IOM", "ILO", "UNDP", "UNICEF", "UNHCR", "UN Women", "UNODC", "WHO", "UNFPA", "OHCHR"]


@dataclass
class SeededNote:
    id: int
    title: str
    summary: str
    countries: frozenset[int]
    organizations: frozenset[int]
    twin: int | None = None


def fill(template: str, slots: dict[str, Any]) -> str:
    return template.format(**slots)


def slots_for(rng: random.Random) -> dict[str, Any]:
    country, country2 = rng.sample(COUNTRIES, 2)
    partner, partner2 = rng.sample(PARTNERS, 2)
    topic = rng.choice(TOPICS)
    return {
        "country": country, "country2": country2, "group": rng.choice(GROUPS), "topic": topic,
        "Topic": topic[0].upper() + topic[1:], "partner": partner, "partner2": partner2,
        "partner_cap": partner[0].upper() + partner[1:], "action": rng.choice(ACTIONS),
        "city": name(rng).title(), "district": name(rng).title(), "district2": name(rng).title(),
        "ngo": name(rng).title(), "acronym": name(rng).upper(), "since": rng.randrange(2005, 2019),
        "number3": rng.randrange(12, 400),
        "number": rng.randrange(500, 20000, 50), "number2": rng.randrange(3, 60), "months": rng.choice([18, 24, 36]),
    }  # fmt: skip


def name(rng: random.Random) -> str:
    """A place or organization name of two to three syllables (the notes' own proper nouns)."""
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))


def reword(text: str, rng: random.Random, share: float) -> str:
    words = text.split(" ")
    for i, word in enumerate(words):
        bare = word.strip(".,:;").lower()
        if bare in SYNONYMS and rng.random() < share:
            words[i] = word.lower().replace(bare, SYNONYMS[bare])
    return " ".join(words)


def generate(notes: int, twins: int, seed: int = 2019) -> list[SeededNote]:
    """`notes` concept notes, of which `twins` are rewordings of as many others."""
    rng = random.Random(seed)
    country_ids = {name: n for n, name in enumerate(COUNTRIES, start=1)}
    organization_ids = {code: n for n, code in enumerate(ORGANIZATIONS, start=1)}
    result: list[SeededNote] = []
    specs = []
    for n in range(notes - twins):
        slots = slots_for(rng)
        sentences = [fill(t, slots) for t in rng.sample(SENTENCES, rng.randint(6, 8))]
        organizations = ["IOM", *rng.sample(ORGANIZATIONS[1:], rng.randint(1, 3))]
        title = fill(rng.choice(TITLE_FORMS), slots)
        specs.append((slots, sentences))
        result.append(SeededNote(n + 1, title, " ".join(sentences),
                                 frozenset({country_ids[slots["country"]], country_ids[slots["country2"]]}),
                                 frozenset(organization_ids[o] for o in organizations)))  # fmt: skip
    for original in rng.sample(result, twins):
        slots, sentences = specs[original.id - 1]
        kept = [reword(s, rng, 0.35) for s in sentences]
        rng.shuffle(kept)
        kept.pop()
        kept.insert(rng.randrange(len(kept) + 1), rng.choice(EXTRA))
        twin = SeededNote(len(result) + 1, fill(rng.choice(REWORDED_TITLE_FORMS), slots), " ".join(kept),
                          original.countries, original.organizations, twin=original.id)  # fmt: skip
        original.twin = twin.id
        result.append(twin)
    return result


def quality(notes: list[SeededNote], queries: int, threshold: float | None = None) -> dict[str, Any]:
    """Recall over every original with a twin; false alarms over those and as many notes without one."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfTransformer

    from fundmgr.proposals.overlap import THRESHOLD, rank, text_of, word_counts

    counts = word_counts([text_of(n.title, n.summary) for n in notes])
    vectors = TfidfTransformer(sublinear_tf=True).fit_transform(counts)  # as text_scores weighs them
    ids = [n.id for n in notes]
    countries = {n.id: n.countries for n in notes}
    organizations = {n.id: n.organizations for n in notes}
    by_id = {n.id: n for n in notes}
    with_twin = [n for n in notes if n.twin is not None and by_id[n.twin].twin == n.id and n.id < n.twin]
    without = [n for n in notes if n.twin is None][:queries]
    hits = listed = false = 0
    for seeded in [*with_twin, *without]:
        scores = np.asarray((vectors @ vectors[seeded.id - 1].T).todense()).ravel() * 100
        found = rank(ids, scores, countries, organizations, seeded.id, threshold=threshold or THRESHOLD)
        listed += len(found)
        false += sum(1 for f in found if f.id != seeded.twin)
        hits += any(f.id == seeded.twin for f in found) if seeded.twin else 0
    return {
        "notes": len(notes), "pairs": len(with_twin), "checked_without_twin": len(without),
        "recall": hits / len(with_twin), "listed": listed, "false_alarms": false,
        "false_alarm_share": false / listed if listed else 0.0,
    }  # fmt: skip


def timed_check(notes: list[SeededNote], rounds: int) -> dict[str, Any]:
    """One check through the app (the fund's notes read from the database), timed on a throwaway SQLite file."""
    import sqlalchemy as sa

    from bench import annual_report
    from fundmgr.accounts.models import Organization, Role, User
    from fundmgr.db import db
    from fundmgr.funds.models import Country, Fund
    from fundmgr.proposals.models import Participant, Proposal, ProposalState, proposal_countries
    from fundmgr.proposals.overlap import overlaps_of

    folder = Path(tempfile.mkdtemp(prefix="fundmgr-overlap-"))
    app = annual_report.build_app(f"sqlite:///{folder / 'overlap.sqlite'}", folder)
    with app.app_context():
        fund = db.session.scalar(sa.select(Fund).where(Fund.code == "MIG"))
        countries = db.session.scalars(sa.select(Country.id).order_by(Country.id).limit(len(COUNTRIES))).all()
        organizations = [o.id for o in fund.participating_organizations][: len(ORGANIZATIONS)]
        author = User(email="bench@example.org", name="Bench", role=Role.agency, password_hash="-",  # noqa: S106
                      session_token="-", organization_id=db.session.scalar(sa.select(Organization.id).limit(1)))  # noqa: S106 # fmt: skip
        db.session.add(author)
        db.session.flush()
        db.session.execute(sa.insert(Proposal), [
            {"id": n.id, "fund_id": fund.id, "reference": f"BENCH-{n.id:05d}", "state": ProposalState.submitted,
             "title": n.title, "summary": n.summary, "created_by_id": author.id, "version_count": 1,
             "total_amount": Decimal("1000000.00"), "start_date": date(2020, 1, 1)}
            for n in notes
        ])  # fmt: skip
        db.session.execute(proposal_countries.insert(), [
            {"proposal_id": n.id, "country_id": countries[c - 1]} for n in notes for c in n.countries
        ])  # fmt: skip
        db.session.execute(sa.insert(Participant), [
            {"proposal_id": n.id, "organization_id": organizations[o - 1], "indirect_rate": Decimal("0.07")}
            for n in notes for o in n.organizations
        ])  # fmt: skip
        db.session.commit()
        checked = db.session.get(Proposal, next(n.id for n in notes if n.twin))

        def once() -> tuple[float, int]:
            db.session.expire_all()
            started = time.perf_counter()
            found = overlaps_of(checked)
            return time.perf_counter() - started, len(found)

        cold, listed = once()  # the worker's first check: every text hashed
        seconds = [once()[0] for _ in range(rounds)]
        edited = db.session.get(Proposal, notes[-1].id)
        edited.summary += " A sentence added by the agencies."
        db.session.commit()
        after_edit = once()[0]
        db.session.remove()
    return {"notes": len(notes), "rounds": rounds, "cold_s": cold, "median_s": statistics.median(seconds),
            "max_s": max(seconds), "after_edit_s": after_edit, "listed": listed}  # fmt: skip


def measure(notes: int = 5000, twins: int = 250, rounds: int = 5) -> dict[str, Any]:
    seeded = generate(notes, twins)
    return {"quality": quality(seeded, queries=twins), "time": timed_check(seeded, rounds)}


def report(result: dict[str, Any]) -> str:
    q, t = result["quality"], result["time"]
    return "\n".join([
        f"Overlap check: {q['notes']} notes, {q['pairs']} reworded pairs, {q['checked_without_twin']} notes "
        "without a twin checked as well",
        f"  recall {q['recall']:.3f} (goal >= 0.9); false alarms {q['false_alarms']} of {q['listed']} listed "
        f"= {q['false_alarm_share']:.3f} (goal <= 0.05)",
        f"  one check against {t['notes']} notes read from the database: median {t['median_s'] * 1000:.0f} ms, "
        f"slowest {t['max_s'] * 1000:.0f} ms of {t['rounds']} (goal < 1 s); after one proposal's text changed "
        f"{t['after_edit_s'] * 1000:.0f} ms; a worker's first check (hashing every text) {t['cold_s'] * 1000:.0f} ms",
    ])  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.overlap", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--notes", type=int, default=5000, help="concept notes in the fund (default 5000)")
    parser.add_argument("--twins", type=int, default=250, help="of which rewordings of others (default 250)")
    parser.add_argument("--rounds", type=int, default=5, help="timed checks (default 5)")
    args = parser.parse_args(argv)
    print(report(measure(args.notes, args.twins, args.rounds)), flush=True)


if __name__ == "__main__":
    main()
