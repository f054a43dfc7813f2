"""A version's frozen content: read strictly, money exact, one canonical form and its hash."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from pydantic import ValidationError

from fundmgr.proposals.display import describe_version
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.snapshot import STAGE_FIELDS, ProposalSnapshot, read_snapshot
from tests.factories import store_unchecked_snapshot

Path = tuple[str | int, ...]


@pytest.fixture
def stored(make_proposal) -> dict[str, Any]:
    """A submitted version's content as the database holds it, with a value in every field."""
    data = make_proposal(ProposalState.submitted).latest_version.snapshot.stored()
    data["countries"] = ["KGZ", "TJK"]
    data["attachments"] = [
        {"id": 7, "kind": "endorsement_letter", "filename": "letter.pdf", "size": 2048, "sha256": "0f" * 32}
    ]
    return data | STAGE_CONTENT


# The two stages' content, a value in each field (what a concept note and its programme document add).
STAGE_CONTENT: dict[str, Any] = {
    "areas": [{"area": "TA2", "share": "60.00"}, {"area": "TA3", "share": "40.00"}],
    "problem_statement": "Migrants lack safe access to services along the route.",
    "theory_of_change": "If officials are trained, migrants reach services safely.",
    "corridors": [["GTM", "MEX", "USA"]],
    "global_scope": True,
    "national_partners": [{"name": "Ministry of Labour", "kind": "government", "role": "Co-chairs the board"}],
    "sdg_targets": ["10.7", "8.8"],
    "cooperation_framework": "Outcome 3 of the Cooperation Framework.",
    "rc_endorsement": True,
    "knowledge_platform": "Good practices shared on the platform.",
    "indicative_amounts": {"IOM": "700000.00", "UNHCR": "500000.00"},
    "workplan": [{"year": 1, "activity": "Train border officials"}],
    "risks": [{"risk": "Elections delay the law", "likelihood": "medium", "impact": "high",
               "mitigation": "Engage early", "owner": "IOM"}],
    "me_plan": "A baseline in year 1, a final evaluation.",
    "sustainability": "The ministry takes over the centres.",
}  # fmt: skip


def leaves(value: Any, path: Path = ()) -> Iterator[Path]:
    """The path of every single value in stored data."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path


def other(value: Any) -> Any:
    """Another valid value of the same kind: the next day, number or flag; a longer text."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if value is None:
        return "143"  # a code (the region, in this data)
    try:
        return (date.fromisoformat(value) + timedelta(days=1)).isoformat()
    except ValueError:
        pass
    try:
        return str(Decimal(value) + 1)
    except InvalidOperation:
        return value + "s"


def changed(data: dict[str, Any], path: Path) -> dict[str, Any]:
    result = copy.deepcopy(data)
    *parents, last = path
    holder = result
    for key in parents:
        holder = holder[key]
    holder[last] = other(holder[last])
    return result


def test_equal_content_gives_equal_hashes(stored):
    """Is the hash of a version's content the same however it was written down and read back?"""
    snapshot = read_snapshot(stored)
    assert read_snapshot(copy.deepcopy(stored)).sha256() == snapshot.sha256()
    reordered = dict(reversed(stored.items()))
    assert read_snapshot(reordered).canonical_json() == snapshot.canonical_json()
    same_numbers = copy.deepcopy(stored)
    same_numbers["participants"][0]["indirect_rate"] = "0.07"  # stored as 0.070000
    same_numbers["matrix"][0]["outputs"][0]["indicators"][0]["target"] = "200.000"  # stored as 200
    assert read_snapshot(same_numbers).sha256() == snapshot.sha256()


def test_any_changed_field_changes_the_hash(stored):
    """Does changing any one value anywhere in a version's content give another hash?"""
    original = read_snapshot(stored).sha256()
    paths = [p for p in leaves(stored) if p != ("schema_version",)]
    assert {p[0] for p in paths} == set(ProposalSnapshot.model_fields) - {"schema_version"}
    hashes = {path: read_snapshot(changed(stored, path)).sha256() for path in paths}
    assert original not in hashes.values()
    assert len(set(hashes.values())) == len(paths)


def test_the_canonical_form_sorts_keys_and_writes_money_as_exact_strings(stored):
    """Is the hashed text one fixed form: sorted keys, no spaces, amounts as strings with their cents?"""
    text = read_snapshot(stored).canonical_json()
    assert text.startswith('{"areas":[{"area":"TA2","share":"60.00"},{"area":"TA3","share":"40.00"}],'
                           '"attachments":[{"filename":"letter.pdf","id":7,')  # fmt: skip
    assert '"indicative_amounts":{"IOM":"700000.00","UNHCR":"500000.00"}' in text
    assert '"totals":{"direct":"1200000.00","indirect":"84000.00","total":"1284000.00"}' in text


@pytest.mark.parametrize("field", sorted(set(ProposalSnapshot.model_fields) - set(STAGE_FIELDS)))
def test_a_missing_field_is_refused_by_name(stored, field):
    """Is a snapshot without one of its fields refused, naming it, rather than read with a blank?"""
    del stored[field]
    with pytest.raises(ValidationError) as refused:
        read_snapshot(stored)
    assert [(e["loc"], e["type"]) for e in refused.value.errors()] == [((field,), "missing")]


def test_a_renamed_field_is_refused_under_both_names(stored):
    """Is a field stored under another name (here a participant's total) refused, old and new name given?"""
    stored["participants"][1]["amount"] = stored["participants"][1].pop("total")
    with pytest.raises(ValidationError) as refused:
        read_snapshot(stored)
    assert sorted((e["loc"], e["type"]) for e in refused.value.errors()) == [
        (("participants", 1, "amount"), "extra_forbidden"),
        (("participants", 1, "total"), "missing"),
    ]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("totals", "total"), 1284000.0),  # a float
        (("totals", "total"), 1284000),  # a JSON number
        (("totals", "total"), "1284000.005"),  # a fraction of a cent
        (("participants", 0, "direct"), "a lot"),
        (("participants", 0, "direct"), "NaN"),
        (("duration_months",), "24"),  # text where a number belongs
        (("schema_version",), 2),  # a version this code does not know
    ],
)
def test_money_and_numbers_must_be_exact_and_of_their_type(stored, path, value):
    """Is an amount refused as a float, a bare number or with a fraction of a cent, and text for a number?"""
    *parents, last = path
    holder = stored
    for key in parents:
        holder = holder[key]
    holder[last] = value
    with pytest.raises(ValidationError) as refused:
        read_snapshot(stored)
    assert [e["loc"] for e in refused.value.errors()] == [path]


def test_a_stored_version_with_a_renamed_field_is_not_shown_with_blanks(make_proposal):
    """Does the version page refuse content whose summary was stored under another name, not show it empty?"""
    version = make_proposal(ProposalState.submitted).latest_version
    damaged = version.snapshot.stored()
    damaged["abstract"] = damaged.pop("summary")
    store_unchecked_snapshot(version, damaged)
    with pytest.raises(ValidationError, match="summary"):
        describe_version(version)


def test_a_version_takes_only_a_snapshot(make_proposal):
    """Can a version's content be replaced by plain data that skipped the model? (No.)"""
    version = make_proposal(ProposalState.submitted).latest_version
    with pytest.raises(TypeError):
        version.snapshot = version.snapshot.stored()


def test_the_stage_fields_are_every_field_with_a_default():
    optional = {name for name, info in ProposalSnapshot.model_fields.items() if not info.is_required()}
    assert optional == set(STAGE_FIELDS) == set(STAGE_CONTENT)


def test_a_snapshot_stored_before_the_stage_fields_reads_with_them_empty_and_keeps_its_hash(stored):
    """A version frozen before the concept note's content and the programme sections were kept (its JSON has none of
    their keys) still loads, with empty values, and hashes as it did (decision records hold that hash)."""
    old = {key: value for key, value in stored.items() if key not in STAGE_FIELDS}
    snapshot = read_snapshot(old)
    assert snapshot.problem_statement == ""
    assert snapshot.corridors == []
    assert snapshot.rc_endorsement is False
    assert snapshot.indicative_amounts == {}
    assert snapshot.risks == []
    assert snapshot.stored() == old
    assert snapshot.sha256() == ProposalSnapshot.model_validate(old).sha256()
    assert snapshot.canonical_json() == json.dumps(old, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_the_stage_fields_are_kept_and_change_the_hash(stored):
    snapshot = read_snapshot(stored)
    assert snapshot.stored() == stored
    assert snapshot.indicative_amounts == {"IOM": Decimal("700000.00"), "UNHCR": Decimal("500000.00")}
    assert snapshot.areas[0].share == Decimal("60.00")
    without = read_snapshot({key: value for key, value in stored.items() if key not in STAGE_FIELDS})
    assert snapshot.sha256() != without.sha256()
