"""Query parameters and URL ids full of junk never break a page (no 5xx) and never come back unescaped.

Every GET route of the access matrix is asked, by a role that may see it, with every query parameter
the app reads set to junk: negative and huge numbers, SQL, NUL bytes, digits that are not ASCII
digits, markup, 5,000 characters (each page a turn of these values, each value a third of the pages),
repeated parameters. Its URL ids are replaced with zero and
huge numbers. Hypothesis then fuzzes the filters of the lists.
"""

from __future__ import annotations

from collections import defaultdict
from urllib.parse import urlencode

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.access import harness
from tests.access.harness import client_as
from tests.access.routes import CASES, OK, Case
from tests.access.world import RAW_MARKUP, World
from tests.support import rotating, sampled_rows

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

# Every query parameter the app reads (request.args, the list filters, the annual report's form, paging).
PARAMETERS = ["page", "per_page", "sort", "status", "area", "region", "country", "organization", "marker", "q",
              "kind", "extra", "try", "select", "since", "lang", "year", "outcome", "output", "old", "new", "next",
              "object_type", "object_id", "action", "actor", "proposal", "state", "fmt", "when", "show",
              "as_at", "dir", "subject"]  # fmt: skip
# url_for's own options: a page copying its query string into links must not obey them.
URL_FOR_OPTIONS = ["_external", "_scheme", "_anchor", "_method"]
JUNK = ["-1", "99999999999999999999999999", "NaN", "'; DROP TABLE proposals;--", "%", "\\", "a\x00b",
        "<script>alert(1)</script>", "²", "𝟙", "x" * 5000, "//evil.example/", "javascript:alert(1)"]  # fmt: skip
# Documents (PDFs, workbooks) are expensive to make: a few of the worst values.
DOCUMENT_JUNK = ["²", "a\x00b", "'; DROP TABLE proposals;--", "x" * 5000]
# Each page gets a turn of the junk (tests.support.rotating): every value meets about a third of the pages, and
# every page a third of the values (a half of the documents').
JUNK_PER_PAGE, DOCUMENT_JUNK_PER_PAGE = 4, 2
HUGE_IDS = [0, 2**31, 2**63, 10**30]
GETS = [case for case in CASES if case.method == "GET"]


def reader_of(case: Case) -> str:
    return "fmu" if case.expect["fmu"] == OK else next(r for r, a in case.expect.items() if a == OK)


def is_document(case: Case) -> bool:
    return any(word in case.id for word in ("pdf", "xlsx", "csv", "pack", "minutes"))


def check(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[-2000:]
    if response.mimetype == "text/html":
        assert not RAW_MARKUP.search(response.get_data(as_text=True))
        assert "javascript:alert" not in response.headers.get("Location", "")
    location = response.headers.get("Location", "")
    assert not location.startswith(("//", "http://evil", "https://evil", "javascript:")), location


def junk_for(case: Case) -> list[str]:
    """The junk values a page is sent: a turn of JUNK_PER_PAGE of them (DOCUMENT_JUNK_PER_PAGE for a document), so
    every kind of junk meets a share of the pages (the values are read by the same few helpers on every page:
    `db_int`, the lists' settings) without sending every value to every page."""
    index = GETS.index(case)
    if is_document(case):
        return rotating(DOCUMENT_JUNK, index, DOCUMENT_JUNK_PER_PAGE)
    return rotating(JUNK, index, JUNK_PER_PAGE)


@pytest.mark.parametrize("case", sampled_rows(GETS, lambda c: c.id))
def test_junk_query_parameters_never_break_a_page(app, world: World, case: Case):
    """Does every page answer junk in every query parameter (one value at a time, then repeated) without a 5xx?"""
    client = client_as(app, world, reader_of(case))
    url = url_for(case.endpoint, **case.params(world))
    for value in junk_for(case):
        with client.get(f"{url}?{urlencode(dict.fromkeys(PARAMETERS, value))}") as response:
            check(response)
    repeated = urlencode([(name, value) for name in PARAMETERS for value in ("1", "²", "x")])
    with client.get(f"{url}?{repeated}") as response:
        check(response)
    with client.get(f"{url}?{urlencode(dict.fromkeys(URL_FOR_OPTIONS, 'javascript'))}") as response:
        check(response)
        assert "javascript:" not in response.get_data(as_text=True)


def with_ids(case: Case) -> bool:
    """Whether the case's URL holds a number (an id, a version or period number, a year)."""
    stand_in = World(ids=defaultdict(lambda: 1), proposals=defaultdict(lambda: 1), reset_token="token")
    return any(isinstance(value, int) for value in case.params(stand_in).values())


@pytest.mark.parametrize("case", sampled_rows([c for c in GETS if with_ids(c)], lambda c: c.id))
def test_zero_and_huge_ids_in_the_url_are_not_found(app, world: World, case: Case):
    """Is an id of 0, or one larger than any database integer, answered 404 (never 5xx)?"""
    params = case.params(world)
    client = client_as(app, world, reader_of(case))
    for name in [name for name, value in params.items() if isinstance(value, int)]:
        for huge in HUGE_IDS:
            with client.get(url_for(case.endpoint, **(params | {name: huge}))) as response:
                assert response.status_code == 404, (name, huge, response.status_code)


PROPERTY = settings(max_examples=30, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
FILTER_VALUES = st.one_of(st.text(max_size=40), st.integers(min_value=-(10**25), max_value=10**25).map(str),
                          st.sampled_from(JUNK))  # fmt: skip


@PROPERTY
@given(args=st.dictionaries(st.sampled_from(PARAMETERS), FILTER_VALUES, max_size=8))
@pytest.mark.parametrize("endpoint", ["proposals.list", "results.programmes", "audit.log", "steering.portfolio",
                                      "steering.decisions",
                                      "finance.ledger", "finance.contributions", "fund.countries",
                                      "deadlines.index"])  # fmt: skip
def test_list_filters_take_any_text(app, world: World, endpoint: str, args: dict[str, str]):
    """Whatever is typed into a list's filters, sort or page, the list answers without a 5xx."""
    endpoint = endpoint.replace("fund.", "funds.")
    with client_as(app, world, "fmu").get(f"{url_for(endpoint)}?{urlencode(args)}") as response:
        check(response)
