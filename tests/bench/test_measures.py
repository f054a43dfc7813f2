"""The benchmark's own arithmetic and its reading of pages."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from bench.client import csrf_token
from bench.load import answering, percentile, stored_check
from fundmgr.db import db
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


@pytest.mark.parametrize("rule", ["consensus", "majority"])
def test_members_answer_then_change_their_answer_as_their_fund_decides(rule, client, fund, committee, live_item):
    """Does the app take the benchmark's first answers and changes (positions under consensus, with a reservation's
    text and an objection's reason; votes under majority) and keep each member's last answer once?"""
    fund.decision_rule = rule
    db.session.commit()
    item = live_item()
    how = answering(rule)
    action = f"/steering/meetings/{item.meeting_id}/items/{item.id}/{how.route}"
    voices = committee.members[2:]  # the chair (IOM) and UNHCR are recused from an IOM-UNHCR proposal
    last = {}
    for n, member in enumerate(voices, start=2):
        sign_in(client, member)
        for form in (how.first(n), how.change(n)):
            assert client.post(action, data=form, headers={"Accept": "application/json"}).status_code == 201
        last[(item.id, member.email)] = how.stored_value(how.change(n))
    assert all(how.first(n) != how.change(n) for n in range(50))  # every member changes their answer
    rows = db.session.execute(
        sa.text(f"SELECT a.item_id, u.email, a.{how.column} FROM {how.table} a JOIN users u ON u.id = a.member_id")
    ).all()
    assert stored_check([tuple(r) for r in rows], last) == (len(voices), 0, 0)
    if rule == "consensus":
        assert set(last.values()) == {"support", "reservation", "object"}


def test_an_answer_stored_twice_or_not_the_last_one_is_counted():
    """Does the check count a member stored twice, and a member whose last answer is missing or an earlier one?"""
    last = {(1, "a"): "support", (1, "b"): "object", (1, "c"): "reservation", (2, "a"): "support"}
    rows = [(1, "a", "support"), (1, "a", "support"), (1, "b", "support"), (2, "a", "support")]
    assert stored_check(rows, last) == (4, 1, 3)  # a twice on 1; a (twice), b (earlier answer) and c (missing) lost


def page_figures(key: str, rps: float, p95: float, load: float = 0.5) -> dict:
    return {"key": key, "rps": rps, "p95_ms": p95, "load_before": load}


def test_pages_are_measured_against_both_floors_and_the_goal_of_their_scale():
    """Is a page's throughput a share of the layout floor (the goal) and of /health (for reference), and is its p95
    held to 50 ms at scale 1 and 60 ms at scale 10?"""
    from bench.__main__ import verdicts

    pages = [page_figures("floor", 400, 3), page_figures("layout", 100, 20), page_figures("ranking", 40, 55)]
    verdicts(pages, scale=1)
    ranking = pages[2]
    assert (ranking["floor_share"], ranking["health_share"]) == (0.4, 0.1)
    assert (ranking["p95_ok"], ranking["throughput_ok"]) == (False, False)
    verdicts(pages, scale=10)
    assert ranking["p95_ok"]


def test_a_run_on_a_busy_machine_is_flagged():
    """Is a run flagged when the machine was loaded before it started, or well beyond the benchmark's own load
    before some page, and left unflagged on a quiet machine?"""
    from bench.__main__ import busy_reasons

    quiet = {"machine": {"cores": 2, "load_average": [0.3]}, "pages": [page_figures("floor", 1, 1, load=2.4)]}
    assert busy_reasons(quiet) == []
    started_busy = {"machine": {"cores": 2, "load_average": [4.2]}, "pages": []}
    assert busy_reasons(started_busy) == ["load average 4.2 before the run on 2 cores"]
    pages = [page_figures("floor", 1, 1, load=2.0), page_figures("ranking", 1, 1, load=7.5)]
    reasons = busy_reasons({"machine": {"cores": 2, "load_average": [0.2]}, "pages": pages})
    assert reasons == ["load average above 3 before 1 of 2 pages (up to 7.5, before ranking)"]
