"""The ranking page shows one page of the ranking at a time: across its pages, the order and the rank numbers are
those of the whole ranking (scoring.rank over every proposal the reader may see), and its links keep the filters;
the pipeline and the portfolio are paged too, their totals and selection over every proposal."""

from __future__ import annotations

import re
from html import unescape

import pytest

from fundmgr.db import db
from fundmgr.finance.queries import amount_requested
from fundmgr.proposals.models import ProposalState
from fundmgr.steering import operations as ops
from fundmgr.steering import queries as q
from tests.factories import sign_in

pytestmark = pytest.mark.both_engines


def ranking_rows(html: str) -> list[tuple[str, int | None, int | None]]:
    """(reference, rank, rank in area) of each row of the ranking table."""
    body = re.search(r'<tbody data-list="ranking">(.*?)</tbody>', html, re.S)
    assert body, "the page has no ranking table"
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S):
        cells = [
            unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        reference = re.search(r'class="ref-code">([^<]+)<', row).group(1)
        rows.append((reference, *(int(n) if n.isdigit() else None for n in cells[:2])))
    return rows


@pytest.fixture
def ranked_fund(fund, committee, in_review, assign, submit_review):
    """Proposals in two areas, in review and endorsed, with equal means (one pair with equal review counts too),
    unscored ones, one Germany has not scored (hidden from Germany until the deadline) and one Germany is in conflict
    on."""
    scores = [  # (area, Germany's score or None, the other members' scores)
        ("TA1", 4, (4, 4)), ("TA2", 3, (3,)), ("TA1", 3, (3, 3)), ("TA2", 3, (3, 3)), ("TA1", 5, ()),
        ("TA2", None, (2, 5)), ("TA1", 2, (1,)), ("TA2", 4, (4, 4)), ("TA1", None, ()), ("TA2", 1, ()),
        ("TA1", 5, (4,)), ("TA2", 3, (3, 3)),
    ]  # fmt: skip
    proposals = []
    for k, (area, own, others) in enumerate(scores):
        proposal = in_review(area=area, title=f"Programme {k}")
        assign(proposal)
        if own is not None:
            submit_review(proposal, committee.germany, own)
        for member, value in zip((committee.morocco, committee.stakeholder), others, strict=False):
            submit_review(proposal, member, value)
        if k % 3 == 2:
            proposal.state = ProposalState.endorsed
        proposals.append(proposal)
    ops.declare_conflict(proposals[10], committee.germany, "A co-financing ministry.", actor=committee.germany)
    db.session.commit()
    return proposals


@pytest.mark.parametrize("reader", ["fmu", "germany"])
def test_the_ranking_pages_together_equal_the_whole_ranking(app, fund, committee, ranked_fund, reader):
    """Four rows a page: read page after page, the references, ranks and ranks in area are the full computation's;
    a proposal's page gives its ranks too."""
    user = getattr(committee, reader)
    full = q.ranking_for(user, fund, q.proposals_in(fund, q.PIPELINE_STATES))
    expected = [(e.proposal.reference, e.rank, e.area_rank) for e in full.entries]
    client = app.test_client()
    sign_in(client, user)
    shown: list[tuple[str, int | None, int | None]] = []
    for page in range(1, 6):
        shown += ranking_rows(client.get(f"/steering/ranking?per_page=4&page={page}").get_data(as_text=True))
    assert shown == expected
    assert len({rank for _ref, rank, _area in expected}) < len(expected)  # the data has ties
    page = client.get("/steering/ranking").get_data(as_text=True)
    assert all(p.reference in page for p in full.hidden + full.recused)
    for entry in full.entries[2:4]:  # a proposal's page says its place in the whole ranking
        html = client.get(f"/steering/proposals/{entry.proposal.id}").get_data(as_text=True)
        assert f"Rank {entry.rank} overall, {entry.area_rank} in its thematic area." in unescape(html)


def test_a_filtered_ranking_keeps_the_global_ranks_and_its_links_keep_the_filters(app, fund, committee, ranked_fund):
    """Filtered by an area, the rows are that area's in ranking order with their overall ranks; the next page's
    link keeps the filter and the page size."""
    area = ranked_fund[1].primary_area
    full = q.ranking_for(committee.fmu, fund, q.proposals_in(fund, q.PIPELINE_STATES))
    expected = [(e.proposal.reference, e.rank, e.area_rank) for e in full.entries if e.proposal.primary_area == area]
    client = app.test_client()
    sign_in(client, committee.fmu)
    html = client.get(f"/steering/ranking?area={area.id}&per_page=2").get_data(as_text=True)
    assert ranking_rows(html) == expected[:2]
    links = {link for link in re.findall(r'href="(/steering/ranking\?[^"]*)"', unescape(html))
             if re.search(r"[?&]page=2(&|$)", link)}  # fmt: skip
    assert links
    assert all(f"area={area.id}" in link and "per_page=2" in link for link in links)
    second = client.get(sorted(links)[0]).get_data(as_text=True)
    assert ranking_rows(second) == expected[2:4]


def test_the_pipeline_pages_total_every_endorsed_proposal(app, fund, committee, ranked_fund):
    """One proposal a page: the page lists one, what the pipeline needs is the total of all of them."""
    endorsed = [p for p in ranked_fund if p.state == ProposalState.endorsed]
    client = app.test_client()
    sign_in(client, committee.fmu)
    html = client.get("/steering/pipeline?per_page=1").get_data(as_text=True)
    assert sum(p.reference in html for p in endorsed) == 1
    assert f"{sum(amount_requested(p) for p in endorsed):,.2f}" in html


def test_the_portfolio_pages_keep_a_tried_selection(app, fund, committee, ranked_fund):
    """A tried selection stays selected on every page: ticked where shown, hidden fields elsewhere, in the links."""
    client = app.test_client()
    sign_in(client, committee.fmu)
    chosen = [ranked_fund[0].id, ranked_fund[7].id]
    query = "&".join(f"select={pid}" for pid in chosen)
    html = unescape(client.get(f"/steering/portfolio?try=1&{query}&per_page=2").get_data(as_text=True))
    boxes = dict(re.findall(r'name="select" value="(\d+)" id="select-\d+" ?(checked)?', html))
    hidden = re.findall(r'type="hidden" name="select" value="(\d+)"', html)
    assert len(boxes) == 2
    assert {int(pid) for pid in hidden} | {int(pid) for pid, ticked in boxes.items() if ticked} == set(chosen)
    links = [link for link in re.findall(r'href="(/steering/portfolio\?[^"]*)"', html) if "page=2" in link]
    assert links
    assert all("try=1" in link and all(f"select={pid}" in link for pid in chosen) for link in links)


def test_the_pipeline_and_the_portfolio_keep_the_ranking_order_and_say_so(app, fund, committee, ranked_fund):
    """Asked for the reverse order (dir=desc), the pipeline and the portfolio keep the ranking order, in which the
    money funds them, and say the setting was ignored."""
    client = app.test_client()
    sign_in(client, committee.fmu)
    for path in ("/steering/pipeline", "/steering/portfolio"):
        shown = unescape(client.get(path).get_data(as_text=True))
        asked = unescape(client.get(f"{path}?dir=desc").get_data(as_text=True))
        references = re.findall(r'class="ref-code">([^<]+)<', shown)
        assert len(references) > 1
        assert re.findall(r'class="ref-code">([^<]+)<', asked) == references
        assert "could not be used and were ignored: dir." in asked
        assert "ignored" not in shown


def test_a_members_portfolio_lists_the_ranked_then_the_hidden_never_the_recused(app, fund, committee, ranked_fund):
    """A member's portfolio lists the proposals ranked for them in ranking order, then those whose scores they may
    not see yet by reference; never one they are recused from."""
    full = q.ranking_for(committee.germany, fund, q.proposals_in(fund, q.PIPELINE_STATES))
    assert full.hidden
    assert full.recused
    expected = [e.proposal.reference for e in full.entries] + sorted(p.reference for p in full.hidden)
    client = app.test_client()
    sign_in(client, committee.germany)
    html = unescape(client.get("/steering/portfolio?per_page=50").get_data(as_text=True))
    assert re.findall(r'class="ref-code">([^<]+)<', html) == expected
    assert all(p.reference not in html for p in full.recused)
