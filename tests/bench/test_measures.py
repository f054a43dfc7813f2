"""The benchmark's own arithmetic and its reading of pages."""

from __future__ import annotations

from bench.client import csrf_token
from bench.load import percentile
from tests.factories import sign_in


def test_percentiles_are_nearest_rank():
    """Is the p95 of 1..100 ms 95 ms, and the median of four values the second one?"""
    values = [float(v) for v in range(100, 0, -1)]
    assert (percentile(values, 0.5), percentile(values, 0.95), percentile(values, 0.99)) == (50.0, 95.0, 99.0)
    assert percentile([4.0, 1.0, 3.0, 2.0], 0.5) == 2.0
    assert percentile([7.0], 0.99) == 7.0


def test_the_client_reads_the_csrf_token_of_the_login_form_and_of_other_forms(client, make_user):
    """Can the benchmark sign in (Flask-WTF's hidden tag) and post the other forms (the csrf macro)?"""
    login = client.get("/account/login").get_data(as_text=True)
    assert csrf_token(login).count(".") == 2  # a timed, signed token, whatever the order of the attributes
    sign_in(client, make_user())
    page = client.get("/proposals/").get_data(as_text=True)
    assert csrf_token(page)
