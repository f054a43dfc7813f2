"""A version's frozen content: read strictly, money exact, one canonical form and its hash."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from pydantic import ValidationError

from fundmgr.proposals.display import describe_version
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.snapshot import ProposalSnapshot, read_snapshot
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
    return data


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
    assert text.startswith('{"attachments":[{"filename":"letter.pdf","id":7,')
    assert '"totals":{"direct":"1200000.00","indirect":"84000.00","total":"1284000.00"}' in text


@pytest.mark.parametrize("field", sorted(ProposalSnapshot.model_fields))
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
