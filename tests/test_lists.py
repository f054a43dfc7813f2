"""The one list component (fundmgr/lists.py): sort by each shown column both ways, search, filter, pages, an export
that holds exactly the filtered list, the state in the URL, hostile query strings; then each list built on it."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from fundmgr import clock
from fundmgr.accounts.models import Role, User
from fundmgr.accounts.views import USERS
from fundmgr.audit import record_audit
from fundmgr.audit_views import AUDIT_LOG
from fundmgr.calls import operations as call_ops
from fundmgr.calls.views import CALLS
from fundmgr.db import db
from fundmgr.finance import operations as finance_ops
from fundmgr.finance.lists import CONTRIBUTIONS, LEDGER, PROGRAMME_MONEY
from fundmgr.finance.models import Contribution, ContributionKind, EntryKind, LedgerEntry
from fundmgr.funds.models import FundRole, ThematicArea
from fundmgr.funds.views import PEOPLE
from fundmgr.jobs.models import Job, JobState
from fundmgr.jobs.views import JOBS
from fundmgr.notifications.models import Channel, Notification
from fundmgr.notifications.views import NOTIFICATIONS
from fundmgr.proposals.models import ProposalState
from fundmgr.proposals.queries import PROPOSALS
from fundmgr.results import queries as results_queries
from fundmgr.results.views.programmes import PROGRAMMES
from fundmgr.results.views.progress_reports import OVERDUE
from fundmgr.steering import operations as steering_ops
from fundmgr.steering.decision_views import DECISIONS
from fundmgr.steering.meeting_views import MEETINGS
from fundmgr.steering.models import DecisionOutcome, DecisionSubject, MeetingMode
from fundmgr.steering.procedure_views import PROCEDURES
from fundmgr.steering.views import REVIEWS
from tests.calls.test_calls import details as call_details
from tests.factories import sign_in
from tests.support import TODAY

pytestmark = pytest.mark.both_engines  # sorting, searching and totals in SQL differ between the engines

HOSTILE = {
    "sort": "title; DROP TABLE proposals",
    "dir": "sideways",
    "page": "-3",
    "per_page": "1000000",
    "status": "<script>alert(1)</script>",
}


def test_reading_the_query_string():
    """Are known settings read, old names understood, and unusable ones ignored and named?"""
    state = PROPOSALS.read({"q": " water ", "status": "submitted", "sort": "title", "dir": "desc", "page": "2",
                            "per_page": "50"})  # fmt: skip
    assert (state.q, state["status"], state.sort, state.direction, state.page, state.per_page) == (
        "water", "submitted", "title", "desc", 2, 50)  # fmt: skip
    assert state.ignored == []
    assert PROPOSALS.read({"state": "submitted"})["status"] == "submitted"  # the name older links use
    assert (PROPOSALS.read({"sort": "total-desc"}).sort, PROPOSALS.read({"sort": "total-desc"}).direction) == (
        "total", "desc")  # fmt: skip
    default = PROPOSALS.read({})
    assert (default.sort, default.direction, default.page, default.per_page) == ("updated", "desc", 1, None)
    hostile = PROPOSALS.read(HOSTILE)
    assert hostile == default
    assert set(hostile.ignored) == {"sort", "dir", "page", "per_page", "status"}
    assert PROPOSALS.read({"q": "x" * 5000}).q == "x" * 200
    assert AUDIT_LOG.read({"actor": "99999999999999999999"}).ignored == ["actor"]


def test_the_url_holds_only_what_differs_from_the_defaults(app):
    with app.test_request_context("/proposals/?status=draft&sort=title&page=3"):
        state = PROPOSALS.read({"status": "draft", "sort": "title", "page": "3"})
        assert state.args() == {"status": "draft", "sort": "title", "page": 3}
        assert state.args(page=1, sort="updated", direction="desc") == {"status": "draft"}
        assert state.aria_sort("title") == "ascending"
        assert state.aria_sort("reference") is None
        # a click on the sorted column's header turns it round, on another sorts by it from the first page
        assert "dir=desc" in state.sort_url("title")
        assert "page" not in state.sort_url("title")
        assert "sort=total" in state.sort_url("total")
        assert "dir" not in state.sort_url("total")


@pytest.fixture
def proposals(make_proposal):
    made = [
        make_proposal(title="Bravo", lead="IOM", direct={"IOM": "300000.00", "UNHCR": "100000.00"}),
        make_proposal(ProposalState.submitted, title="Alpha water", lead="UNICEF", partners=("UNDP",),
                      direct={"UNICEF": "900000.00", "UNDP": "100000.00"}),
        make_proposal(ProposalState.in_review, title="Charlie", lead="ILO", partners=("UNDP",), area="TA2",
                      direct={"ILO": "500000.00", "UNDP": "100000.00"}),
    ]  # fmt: skip
    return made


def listed_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/proposals/\d+">([^<]*)</a>', html)


def test_proposals_sort_by_each_shown_column(client, make_user, proposals):
    """Does every sortable header of the page sort, both ways, and say so with aria-sort?"""
    sign_in(client, make_user(Role.fmu))
    for key in [c.key for c in PROPOSALS.shown if c.sortable]:
        for direction in ("asc", "desc"):
            html = client.get(f"/proposals/?sort={key}&dir={direction}").get_data(as_text=True)
            assert sorted(listed_titles(html)) == ["Alpha water", "Bravo", "Charlie"]
            sorted_header = re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"', html)
            assert sorted_header == ["ascending" if direction == "asc" else "descending"]
            assert "alert-warning" not in html


def test_proposals_sort_search_filter_page_and_export_through_the_page(app, client, make_user, proposals,
                                                                        monkeypatch):  # fmt: skip
    sign_in(client, make_user(Role.fmu))
    assert listed_titles(client.get("/proposals/?sort=title").get_data(as_text=True)) == [
        "Alpha water", "Bravo", "Charlie"]  # fmt: skip
    assert listed_titles(client.get("/proposals/?sort=title&dir=desc").get_data(as_text=True)) == [
        "Charlie", "Bravo", "Alpha water"]  # fmt: skip
    assert listed_titles(client.get("/proposals/?sort=total").get_data(as_text=True)) == [
        "Alpha water", "Charlie", "Bravo"]  # fmt: skip
    assert listed_titles(client.get("/proposals/?q=WATER").get_data(as_text=True)) == ["Alpha water"]
    assert listed_titles(client.get("/proposals/?organization=UNDP&sort=title").get_data(as_text=True)) == [
        "Alpha water", "Charlie"]  # fmt: skip
    assert listed_titles(client.get("/proposals/?state=submitted").get_data(as_text=True)) == ["Alpha water"]
    monkeypatch.setitem(app.config, "PAGE_SIZE", 2)
    html = client.get("/proposals/?sort=title&page=2").get_data(as_text=True)
    assert listed_titles(html) == ["Charlie"]
    assert listed_titles(client.get("/proposals/?sort=title&per_page=1&page=2").get_data(as_text=True)) == ["Bravo"]
    # the export holds the filtered list in the list's order, not a page of it
    rows = list(
        csv.reader(
            io.StringIO(
                client.get("/proposals/export.csv?organization=UNDP&sort=title&dir=desc&page=2").data.decode(
                    "utf-8-sig"
                )
            )
        )
    )
    assert [r[1] for r in rows[1:]] == ["Charlie", "Alpha water"]
    sheet = load_workbook(io.BytesIO(client.get("/proposals/export.xlsx?q=water").data)).active
    assert [c.value for c in sheet["B"]][1:] == ["Alpha water"]


def test_the_export_links_and_headers_keep_the_state(client, make_user, proposals):
    sign_in(client, make_user(Role.fmu))
    html = client.get("/proposals/?organization=UNDP&sort=title&per_page=1&page=2").get_data(as_text=True)
    assert 'href="/proposals/export.csv?organization=UNDP&amp;sort=title&amp;per_page=1"' in html
    header = re.search(r'<th scope="col" aria-sort="ascending"><a [^>]*href="([^"]*)"', html)
    assert header.group(1) == "/proposals/?organization=UNDP&amp;sort=title&amp;dir=desc&amp;per_page=1"  # page 1


def test_hostile_settings_are_ignored_and_said(client, make_user, proposals):
    """An unknown sort, a negative page, a huge page size, injected text: the list, with a message, never a 5xx."""
    sign_in(client, make_user(Role.fmu))
    for endpoint in ["/proposals/", "/audit/", "/proposals/export.csv", "/audit/export.csv"]:
        response = client.get(endpoint, query_string=HOSTILE | {"q": "%' OR 1=1 --", "actor": "-1x"})
        assert response.status_code == 200
        if not endpoint.endswith(".csv"):
            html = response.get_data(as_text=True)
            assert "could not be used and were ignored" in html
            assert "<script>alert(1)</script>" not in html
        assert client.get(endpoint, query_string={"page": "99999"}).status_code == 200  # beyond the last: empty


@pytest.fixture
def entries(make_user):
    fmu = make_user(Role.fmu, name="Officer")
    other = make_user(Role.fmu, name="Another officer")
    record_audit("user.updated", other, actor=fmu, summary="renamed the water desk")
    record_audit("user.created", fmu, actor=other)
    record_audit("proposal.submitted", fmu, actor=None)
    return fmu


def test_audit_log_sorts_by_each_shown_column(client, entries):
    sign_in(client, entries)
    for key in [c.key for c in AUDIT_LOG.shown if c.sortable]:
        for direction in ("asc", "desc"):
            html = client.get(f"/audit/?sort={key}&dir={direction}&per_page=100").get_data(as_text=True)
            assert re.findall(r'aria-sort="(\w+)"', html) == ["ascending" if direction == "asc" else "descending"]
            assert 'title="user.updated"' in html
            assert 'title="proposal.submitted"' in html


def test_audit_log_sort_search_and_export_through_the_page(client, entries):
    sign_in(client, entries)
    html = client.get("/audit/?sort=action&dir=asc&action=user.").get_data(as_text=True)
    assert re.findall(r'title="(user\.\w+)"', html) == ["user.created", "user.updated"]
    html = client.get("/audit/?sort=action&dir=desc&action=user.").get_data(as_text=True)
    assert re.findall(r'title="(user\.\w+)"', html) == ["user.updated", "user.created"]
    html = client.get("/audit/?q=WATER desk").get_data(as_text=True)
    assert re.findall(r'title="([a-z_]+\.\w+)"', html) == ["user.updated"]
    rows = list(csv.reader(io.StringIO(
        client.get("/audit/export.csv?sort=action&action=user.").data.decode("utf-8-sig"))))  # fmt: skip
    assert rows[0][:4] == ["Time (UTC)", "Actor", "Action", "Object"]
    assert [r[2] for r in rows[1:]] == ["user.created", "user.updated"]


# --- Programmes (results) ---


@pytest.fixture
def programmes(make_programme):
    return [
        make_programme(title="Bravo", lead="IOM", area="TA1"),
        make_programme(title="Alpha water", lead="UNICEF", state=ProposalState.approved),
        make_programme(title="Charlie", lead="ILO", state=ProposalState.closed),
    ]


def programme_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/results/programmes/\d+"><span class="ref-code">[^<]*</span> ([^<]*)</a>', html)


def test_programmes_sort_by_each_shown_column(client, make_user, programmes):
    sign_in(client, make_user(Role.fmu))
    for key in [c.key for c in PROGRAMMES.shown if c.sortable]:
        for direction in ("asc", "desc"):
            html = client.get(f"/results/?sort={key}&dir={direction}").get_data(as_text=True)
            assert sorted(programme_titles(html)) == ["Alpha water", "Bravo", "Charlie"]
            assert re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"', html) == [
                "ascending" if direction == "asc" else "descending"]  # fmt: skip
            assert "alert-warning" not in html


def test_programmes_sort_search_filter_and_export_through_the_page(client, make_user, programmes):
    sign_in(client, make_user(Role.fmu))
    get = lambda url: programme_titles(client.get(url).get_data(as_text=True))  # noqa: E731
    assert get("/results/?sort=programme") == ["Alpha water", "Bravo", "Charlie"]
    assert get("/results/?sort=programme&dir=desc") == ["Charlie", "Bravo", "Alpha water"]
    assert get("/results/?sort=lead") == ["Charlie", "Bravo", "Alpha water"]  # ILO, IOM, UNICEF
    assert get("/results/?q=WATER") == ["Alpha water"]
    assert get("/results/?state=closed") == ["Charlie"]  # the name the page always used
    area = programmes[0].proposal.primary_area_id
    assert get(f"/results/?area={area}") == ["Bravo"]
    html = client.get(f"/results/?area={area}&sort=programme").get_data(as_text=True)
    assert f'href="/results/programmes.csv?area={area}&amp;sort=programme"' in html
    export = client.get("/results/programmes.csv?sort=programme&dir=desc&state=closed&page=2")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Reference", "Programme", "Lead"]
    assert [r[1] for r in rows[1:]] == ["Charlie"]
    sheet = load_workbook(io.BytesIO(client.get("/results/programmes.xlsx?sort=programme&dir=desc").data)).active
    assert [c.value for c in sheet["B"]][1:] == ["Charlie", "Bravo", "Alpha water"]


def test_programmes_hostile_settings_are_ignored(client, make_user, programmes):
    sign_in(client, make_user(Role.fmu))
    for endpoint in ["/results/", "/results/programmes.csv", "/results/programmes.xlsx"]:
        response = client.get(endpoint, query_string=HOSTILE | {"q": "%' OR 1=1 --", "area": "-1x", "state": "draft"})
        assert response.status_code == 200
        if endpoint == "/results/":
            html = response.get_data(as_text=True)
            assert "could not be used and were ignored" in html
        assert client.get(endpoint, query_string={"page": "99999", "area": "9" * 30}).status_code == 200


# --- The decisions register (steering) ---


@pytest.fixture
def decisions(meeting, committee, make_deposit):
    """Three decisions of a meeting in session on matters of the fund: direct costs (an amount), targets twice."""
    make_deposit("1000000.00")
    steering_ops.record_attendance(meeting, {m.id for m in committee.members}, actor=committee.fmu)
    steering_ops.start_meeting(meeting, actor=committee.fmu)
    made = [
        steering_ops.decide_matter(meeting, steering_ops.MatterData(
            DecisionSubject.direct_costs, DecisionOutcome.approve, "Direct costs of the water desk",
            Decimal("400000.00")), actor=committee.fmu),
        steering_ops.decide_matter(meeting, steering_ops.MatterData(
            DecisionSubject.allocation_targets, DecisionOutcome.approve, "Targets for 2027"), actor=committee.fmu),
        steering_ops.decide_matter(meeting, steering_ops.MatterData(
            DecisionSubject.allocation_targets, DecisionOutcome.reject, "Targets for 2028"), actor=committee.fmu),
    ]  # fmt: skip
    db.session.commit()
    return committee, [d.reference for d in made]


def decision_references(html: str) -> list[str]:
    return re.findall(r'<a href="/steering/decisions/\d+">([^<]*)</a>', html)


def test_decisions_sort_by_each_shown_column(client, decisions):
    committee, references = decisions
    sign_in(client, committee.fmu)
    for key in [c.key for c in DECISIONS.shown if c.sortable]:
        for direction in ("asc", "desc"):
            html = client.get(f"/steering/decisions?sort={key}&dir={direction}").get_data(as_text=True)
            assert sorted(decision_references(html)) == sorted(references)
            assert re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"', html) == [
                "ascending" if direction == "asc" else "descending"]  # fmt: skip
            assert "alert-warning" not in html


def test_decisions_sort_search_filter_and_export_through_the_page(client, decisions):
    committee, (costs, targets, rejected) = decisions
    sign_in(client, committee.fmu)
    get = lambda url: decision_references(client.get(url).get_data(as_text=True))  # noqa: E731
    assert get("/steering/decisions?sort=reference") == [costs, targets, rejected]
    assert get("/steering/decisions?sort=reference&dir=desc") == [rejected, targets, costs]
    assert get("/steering/decisions?sort=amount")[0] == costs  # the largest first
    assert get("/steering/decisions?sort=outcome&dir=desc")[0] == rejected  # the cycle's order: reject last
    assert get("/steering/decisions?q=WATER desk") == [costs]
    assert get("/steering/decisions?outcome=reject") == [rejected]
    assert get("/steering/decisions?subject=allocation_targets&sort=reference") == [targets, rejected]
    html = client.get("/steering/decisions?subject=allocation_targets&sort=reference").get_data(as_text=True)
    assert 'href="/steering/decisions.csv?subject=allocation_targets&amp;sort=reference"' in html
    export = client.get("/steering/decisions.csv?subject=allocation_targets&sort=reference&dir=desc&page=2")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Reference", "Subject"]
    assert [r[1] for r in rows[1:]] == [rejected, targets]
    sheet = load_workbook(io.BytesIO(client.get("/steering/decisions.xlsx?q=water").data)).active
    assert [c.value for c in sheet["B"]][1:] == [costs]


def test_decisions_hostile_settings_are_ignored(client, decisions):
    committee, _references = decisions
    sign_in(client, committee.fmu)
    for endpoint in ["/steering/decisions", "/steering/decisions.csv", "/steering/decisions.xlsx"]:
        response = client.get(endpoint, query_string=HOSTILE | {"q": "%' OR 1=1 --", "outcome": "-1x", "subject": "x"})
        assert response.status_code == 200
        if endpoint == "/steering/decisions":
            html = response.get_data(as_text=True)
            assert "could not be used and were ignored" in html
            assert "<script>alert(1)</script>" not in html
        assert client.get(endpoint, query_string={"page": "99999"}).status_code == 200


# --- Calls for proposals ---


@pytest.fixture
def calls(fund, make_user):
    """A draft (the FMU's only), a published call and a closed one, their windows and ceilings distinct."""
    fmu = make_user(Role.fmu)

    def call(title: str, days: int, ceiling: str):
        return call_ops.open_call(fund, call_details(fund, title={"en": title, "fr": title, "es": title},
                                                     opens_on=TODAY - timedelta(days=days),
                                                     ceiling=Decimal(ceiling)), actor=fmu)  # fmt: skip

    draft = call("Bravo draft", 5, "1000000.00")
    published = call("Alpha water", 20, "3000000.00")
    call_ops.publish_call(published, actor=fmu)
    closed = call("Charlie", 40, "2000000.00")
    call_ops.publish_call(closed, actor=fmu)
    call_ops.close_call(closed, actor=fmu)
    db.session.commit()
    return fmu, draft, published, closed


def call_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/calls/\d+">([^<]*)</a>', html)


def test_calls_sort_by_each_shown_column(client, calls):
    sign_in(client, calls[0])
    for key in [c.key for c in CALLS.shown if c.sortable]:
        for direction in ("asc", "desc"):
            html = client.get(f"/calls/?sort={key}&dir={direction}").get_data(as_text=True)
            assert sorted(call_titles(html)) == ["Alpha water", "Bravo draft", "Charlie"]
            assert re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"', html) == [
                "ascending" if direction == "asc" else "descending"]  # fmt: skip
            assert "alert-warning" not in html


def test_calls_sort_search_filter_and_export_through_the_page(client, make_user, calls):
    sign_in(client, calls[0])
    get = lambda url: call_titles(client.get(url).get_data(as_text=True))  # noqa: E731
    assert get("/calls/") == ["Bravo draft", "Alpha water", "Charlie"]  # the newest first
    assert get("/calls/?sort=window&dir=asc") == ["Charlie", "Alpha water", "Bravo draft"]
    assert get("/calls/?sort=ceiling") == ["Alpha water", "Charlie", "Bravo draft"]  # the largest first
    assert get("/calls/?sort=ceiling&dir=asc") == ["Bravo draft", "Charlie", "Alpha water"]
    assert get("/calls/?sort=status") == ["Bravo draft", "Alpha water", "Charlie"]  # draft, published, closed
    assert get("/calls/?q=WATER") == ["Alpha water"]
    assert get("/calls/?status=closed") == ["Charlie"]
    assert get("/calls/?state=draft") == ["Bravo draft"]
    html = client.get("/calls/?status=published&sort=ceiling").get_data(as_text=True)
    assert 'href="/calls/export.csv?status=published&amp;sort=ceiling"' in html
    export = client.get("/calls/export.csv?sort=ceiling&dir=asc&page=2")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["Reference", "Title"]
    assert [r[1] for r in rows[1:]] == ["Bravo draft", "Charlie", "Alpha water"]
    sheet = load_workbook(io.BytesIO(client.get("/calls/export.xlsx?q=water").data)).active
    assert [c.value for c in sheet["B"]][1:] == ["Alpha water"]
    # the draft stays the FMU's, in the page and in the export
    sign_in(client, make_user(Role.agency, org="IOM"))
    assert get("/calls/") == ["Alpha water", "Charlie"]
    export = client.get("/calls/export.csv?status=draft")
    assert len(list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))) == 1


def test_calls_hostile_settings_are_ignored(client, calls):
    sign_in(client, calls[0])
    for endpoint in ["/calls/", "/calls/export.csv", "/calls/export.xlsx"]:
        response = client.get(endpoint, query_string=HOSTILE | {"q": "%' OR 1=1 --", "state": "-1x"})
        assert response.status_code == 200
        if endpoint == "/calls/":
            html = response.get_data(as_text=True)
            assert "could not be used and were ignored" in html
            assert "<script>alert(1)</script>" not in html
        assert client.get(endpoint, query_string={"page": "99999"}).status_code == 200


# --- Steering Committee meetings ---


@pytest.fixture
def meetings(fund, committee, in_review):
    """Three meetings: a virtual one with an item, an in-person one cancelled, a hybrid one in French."""

    def schedule(title: str, days: int, mode: MeetingMode, language: str = "en"):
        return steering_ops.schedule_meeting(fund, steering_ops.MeetingData(
            title=title, held_on=TODAY + timedelta(days=days), mode=mode, location="Geneva", language=language),
            actor=committee.fmu)  # fmt: skip

    bravo = schedule("Bravo water meeting", 10, MeetingMode.virtual)
    steering_ops.add_agenda_items(bravo, [in_review()], actor=committee.fmu)
    alpha = schedule("Alpha", 20, MeetingMode.in_person)
    steering_ops.cancel_meeting(alpha, actor=committee.fmu)
    schedule("Charlie", 5, MeetingMode.hybrid, "fr")
    db.session.commit()
    return committee


def meeting_titles(html: str) -> list[str]:
    return re.findall(r'<a href="/steering/meetings/\d+"><span class="ref-code">[^<]*</span> ([^<]*)</a>', html)


def test_meetings_sort_by_each_shown_column(client, meetings):
    sign_in(client, meetings.fmu)
    for key in [c.key for c in MEETINGS.shown if c.sortable]:
        for direction in ("asc", "desc"):
            html = client.get(f"/steering/meetings?sort={key}&dir={direction}").get_data(as_text=True)
            assert sorted(meeting_titles(html)) == ["Alpha", "Bravo water meeting", "Charlie"]
            assert re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"', html) == [
                "ascending" if direction == "asc" else "descending"]  # fmt: skip
            assert "alert-warning" not in html


def test_meetings_sort_search_filter_and_export_through_the_page(client, meetings):
    sign_in(client, meetings.fmu)
    get = lambda url: meeting_titles(client.get(url).get_data(as_text=True))  # noqa: E731
    assert get("/steering/meetings") == ["Alpha", "Bravo water meeting", "Charlie"]  # the latest date first
    assert get("/steering/meetings?sort=date&dir=asc") == ["Charlie", "Bravo water meeting", "Alpha"]
    assert get("/steering/meetings?sort=meeting&dir=desc") == ["Charlie", "Bravo water meeting", "Alpha"]
    assert get("/steering/meetings?sort=items")[0] == "Bravo water meeting"  # the most items first
    assert get("/steering/meetings?sort=mode") == ["Alpha", "Bravo water meeting", "Charlie"]  # the enum's order
    assert get("/steering/meetings?sort=language&dir=desc")[0] == "Charlie"
    assert get("/steering/meetings?sort=state&dir=desc")[0] == "Alpha"  # cancelled last
    assert get("/steering/meetings?q=WATER") == ["Bravo water meeting"]
    assert get("/steering/meetings?state=cancelled") == ["Alpha"]
    assert get("/steering/meetings?mode=hybrid") == ["Charlie"]
    html = client.get("/steering/meetings?state=scheduled&sort=meeting").get_data(as_text=True)
    assert 'href="/steering/meetings.csv?state=scheduled&amp;sort=meeting"' in html
    export = client.get("/steering/meetings.csv?state=scheduled&sort=meeting&dir=desc&page=2")
    rows = list(csv.reader(io.StringIO(export.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Date", "Reference", "Meeting"]
    assert [r[2] for r in rows[1:]] == ["Charlie", "Bravo water meeting"]
    sheet = load_workbook(io.BytesIO(client.get("/steering/meetings.xlsx?q=water").data)).active
    assert [c.value for c in sheet["C"]][1:] == ["Bravo water meeting"]


def test_meetings_hostile_settings_are_ignored(client, meetings):
    sign_in(client, meetings.fmu)
    for endpoint in ["/steering/meetings", "/steering/meetings.csv", "/steering/meetings.xlsx"]:
        response = client.get(endpoint, query_string=HOSTILE | {"q": "%' OR 1=1 --", "state": "-1x", "mode": "x"})
        assert response.status_code == 200
        if endpoint == "/steering/meetings":
            html = response.get_data(as_text=True)
            assert "could not be used and were ignored" in html
            assert "<script>alert(1)</script>" not in html
        assert client.get(endpoint, query_string={"page": "99999"}).status_code == 200


# --- Every other list, from one table: each list's data built once, then every setting tried on it ---------------


@dataclass
class Built:
    """A list's data and what the list must show of it: `rows` in all; `search` and `filter` (query arguments, rows
    kept); `total`: (query arguments, the sum the page must show) for a list that shows one."""

    user: User
    page: str
    export: str
    rows: int
    search: tuple[dict[str, str], int]
    filter: tuple[dict[str, str], int]
    total: tuple[dict[str, str], Decimal] | None = None


def list_rows(html: str, name: str) -> list[str]:
    """The rows of the list's table (form fields left out: their tokens change with each request)."""
    body = re.search(rf'<tbody data-list="{name}">(.*?)</tbody>', html, re.S)
    assert body is not None, f"no {name} table"
    return [re.sub(r"<input[^>]*>", "", row) for row in re.findall(r"<tr.*?</tr>", body.group(1), re.S)]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))[1:]


def shown_total(html: str) -> str:
    found = re.search(r"<span class=\"money\" data-total>([^<]*)</span>", html)
    assert found is not None, "no total"
    return found.group(1)


@pytest.fixture
def ledger_list(make_user, make_deposit, approve):
    make_deposit("3000000.00", donor="GOV-DEU")
    make_deposit("250000.10", donor="GOV-ESP", area="TA1")
    approve(title="Ledger water")
    entries = db.session.scalars(sa.select(LedgerEntry)).all()
    deposits = [e for e in entries if e.kind is EntryKind.deposit]
    reference = deposits[1].reference
    return Built(make_user(Role.fmu), "/finance/ledger", "/finance/ledger/entries", len(entries),
                 ({"q": reference.lower()}, sum(1 for e in entries if reference in e.reference)),
                 ({"kind": "deposit"}, len(deposits)),
                 ({"kind": "deposit"}, sum((e.amount for e in deposits), Decimal("0.00"))))  # fmt: skip


@pytest.fixture
def contributions_list(make_user, make_deposit):
    fmu = make_user(Role.fmu)
    make_deposit("1000000.00", donor="GOV-DEU")
    wrong = make_deposit("300000.33", donor="GOV-ESP")
    finance_ops.correct_contribution(wrong, replacement=finance_ops.ContributionData(
        donor=wrong.donor, kind=ContributionKind.deposit, on_date=wrong.on_date, currency="USD",
        amount=Decimal("200000.22"), rate_to_usd=Decimal("1"), area=None, reference="SAA-CORRECTED"),
        reason="Typo", actor=fmu)  # fmt: skip
    db.session.commit()
    made = db.session.scalars(sa.select(Contribution)).all()
    current = sum((c.usd_amount for c in made if c.is_current), Decimal("0.00"))
    assert current == Decimal("1200000.22")
    return Built(fmu, "/finance/contributions", "/finance/contributions", len(made),
                 ({"q": "corrected"}, 1), ({"kind": "deposit"}, len(made)), ({}, current))  # fmt: skip


@pytest.fixture
def programme_money_list(make_user, make_deposit, approve):
    make_deposit("9000000.00")
    approve(title="Alpha water")
    approve(title="Bravo", lead="ILO", state=ProposalState.active)
    approve(title="Charlie", lead="UNICEF")
    return Built(
        make_user(Role.fmu),
        "/finance/programmes",
        "/finance/programmes",
        3,
        ({"q": "WATER"}, 1),
        ({"state": "active"}, 1),
    )


@pytest.fixture
def users_list(make_user):
    admin = make_user(Role.admin, name="Zebulon Admin")
    make_user(Role.fmu, name="Yvonne Officer")
    users = db.session.scalars(sa.select(User)).all()
    return Built(admin, "/account/users", "/account/users", len(users), ({"q": "zebulon"}, 1),
                 ({"role": "admin"}, sum(1 for u in users if u.is_admin)))  # fmt: skip


@pytest.fixture
def people_list(users_list):
    fmus = db.session.scalar(sa.select(sa.func.count(sa.distinct(FundRole.user_id))).where(FundRole.role == Role.fmu))
    return Built(
        users_list.user,
        "/fund/people",
        "/fund/people",
        users_list.rows,
        ({"q": "yvonne"}, 1),
        ({"role": "fmu"}, fmus),
    )


@pytest.fixture
def documents_list(make_user):
    viewer = make_user(Role.viewer, org="GOV-NLD")
    for n, (kind, state) in enumerate([("annual-report", JobState.done), ("iati", JobState.failed),
                                       ("dossier", JobState.done)]):  # fmt: skip
        db.session.add(Job(kind=kind, asked_by_id=viewer.id, request_key=f"k{n}", language="en", state=state,
                           filename=f"file-{kind}.pdf"))  # fmt: skip
    db.session.add(Job(kind="iati", asked_by_id=make_user(Role.viewer).id, request_key="other", language="en"))
    db.session.commit()
    return Built(viewer, "/jobs/", "/jobs/export", 3, ({"q": "DOSSIER"}, 1), ({"state": "done"}, 2))


@pytest.fixture
def call_proposals_list(calls, make_proposal):
    fmu, _draft, published, _closed = calls
    for title, state in [("Alpha water", ProposalState.submitted), ("Bravo", ProposalState.in_review),
                         ("Charlie", ProposalState.submitted)]:  # fmt: skip
        make_proposal(state, title=title).call_id = published.id
    make_proposal(ProposalState.submitted, title="Not this call")
    db.session.commit()
    return Built(
        fmu,
        f"/calls/{published.id}",
        f"/calls/{published.id}/proposals",
        3,
        ({"q": "water"}, 1),
        ({"status": "submitted"}, 2),
    )


@pytest.fixture
def reviews_list(committee, make_proposal):
    for title, area in [("Alpha water", "TA1"), ("Bravo", "TA2"), ("Charlie", "TA2")]:
        make_proposal(ProposalState.in_review, title=title, area=area)
    make_proposal(ProposalState.submitted, title="Not in review")
    area = db.session.scalar(sa.select(ThematicArea.id).where(ThematicArea.code == "TA2"))
    return Built(committee.fmu, "/steering/", "/steering/reviews", 3, ({"q": "WATER"}, 1), ({"area": str(area)}, 2))


@pytest.fixture
def procedures_list(committee, make_proposal):
    for title in ("Alpha water", "Bravo", "Charlie"):
        procedure = steering_ops.circulate_written_procedure(
            make_proposal(ProposalState.in_review, title=title), steering_ops.DecisionData(DecisionOutcome.endorse),
            rationale="For the pipeline.", deadline=TODAY + timedelta(days=10), actor=committee.fmu)  # fmt: skip
    steering_ops.withdraw_written_procedure(procedure, actor=committee.fmu)
    db.session.commit()
    return Built(
        committee.fmu,
        "/steering/written-procedures",
        "/steering/written-procedures",
        3,
        ({"q": "water"}, 1),
        ({"state": "open"}, 2),
    )


@pytest.fixture
def notifications_list(make_user):
    member = make_user(Role.sc_member, org="GOV-DEU", seat="MS-DONOR-")
    for n, title in enumerate(["Meeting on water", "Meeting two", "Meeting three"]):
        db.session.add(Notification(user_id=member.id, kind="meeting_scheduled", title=title, channel=Channel.digest,
                                    read_at=clock.now() if n == 0 else None))  # fmt: skip
    db.session.add(Notification(user_id=make_user(Role.fmu).id, kind="meeting_scheduled", title="Another's",
                                channel=Channel.digest))  # fmt: skip
    db.session.commit()
    return Built(member, "/notifications/", "/notifications/export", 3, ({"q": "WATER"}, 1), ({"read": "unread"}, 2))


@pytest.fixture
def overdue_list(make_user, make_programme, fund):
    make_programme(title="Alpha water", lead="IOM")
    make_programme(title="Bravo", lead="ILO")
    periods = db.session.scalars(results_queries.overdue_periods(fund, TODAY)).all()
    water = [p for p in periods if p.programme.proposal.title == "Alpha water"]
    ilo = [p for p in periods if p.programme.proposal.lead_organization.code == "ILO"]
    assert water
    assert ilo
    assert len(periods) > 2
    ilo_id = ilo[0].programme.proposal.lead_organization_id
    return Built(make_user(Role.fmu), "/results/reports", "/results/reports/overdue", len(periods),
                 ({"q": "water"}, len(water)), ({"lead": str(ilo_id)}, len(ilo)))  # fmt: skip


LISTS = {
    "ledger_list": LEDGER,
    "contributions_list": CONTRIBUTIONS,
    "programme_money_list": PROGRAMME_MONEY,
    "users_list": USERS,
    "people_list": PEOPLE,
    "documents_list": JOBS,
    "call_proposals_list": PROPOSALS,
    "reviews_list": REVIEWS,
    "procedures_list": PROCEDURES,
    "notifications_list": NOTIFICATIONS,
    "overdue_list": OVERDUE,
}


@pytest.mark.parametrize("fixture", list(LISTS))
def test_each_list_sorts_searches_filters_pages_and_exports(request, client, fixture):
    """One list's data, built once: every sortable shown column both ways, the search, a filter, pages, both
    exports of exactly the filtered list, its total (the filtered list's, to the cent) and hostile settings."""
    spec, built = LISTS[fixture], request.getfixturevalue(fixture)
    sign_in(client, built.user)

    def rows(**args: str) -> list[str]:
        response = client.get(built.page, query_string={"per_page": "100", **args})
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        assert "could not be used" not in html
        return list_rows(html, spec.name)

    everything = rows()
    assert len(everything) == built.rows
    for column in spec.shown:
        if not column.sortable:
            continue
        for direction in ("asc", "desc"):
            html = client.get(built.page, query_string={"sort": column.key, "dir": direction, "per_page": "100"}
                              ).get_data(as_text=True)  # fmt: skip
            assert sorted(list_rows(html, spec.name)) == sorted(everything), (column.key, direction)
            assert re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)"', html) == [
                "ascending" if direction == "asc" else "descending"], column.key  # fmt: skip
            assert "could not be used" not in html
    args, kept = built.search
    assert len(rows(**args)) == kept
    args, kept = built.filter
    assert len(rows(**args)) == kept
    # pages: one row a page, the second page holds one row and links back to the first, the filters kept
    html = client.get(built.page, query_string={**args, "per_page": "1", "page": "2"}).get_data(as_text=True)
    assert len(list_rows(html, spec.name)) == (1 if kept > 1 else 0)
    assert 'aria-label="Pages"' in html or kept <= 1
    # the export holds the filtered list, not a page of it
    assert len(csv_rows(client.get(f"{built.export}.csv", query_string={**args, "per_page": "1", "page": "2"}))) == kept
    sheet = load_workbook(io.BytesIO(client.get(f"{built.export}.xlsx").data)).active
    assert sheet.max_row - 1 == built.rows
    assert client.get(f"{built.export}.pdf").status_code == 404
    if built.total is not None:
        args, total = built.total
        expected = f"{total:,.2f}"
        assert shown_total(client.get(built.page, query_string=args).get_data(as_text=True)) == expected
        paged = client.get(built.page, query_string={**args, "per_page": "1", "page": "2"}).get_data(as_text=True)
        assert shown_total(paged) == expected  # every page's total is the list's, not the page's
    # hostile settings: ignored and said, never a 5xx
    hostile = HOSTILE | {"q": "%' OR 1=1 --", **{f.name: "<script>alert(1)</script>" for f in spec.filters}}
    response = client.get(built.page, query_string=hostile)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "could not be used and were ignored" in html
    assert "<script>alert(1)</script>" not in html
    assert client.get(f"{built.export}.csv", query_string=hostile).status_code == 200
    beyond = client.get(built.page, query_string={"page": "99999"})
    assert beyond.status_code == 200
    assert not re.search(rf'<tbody data-list="{spec.name}">\s*<tr', beyond.get_data(as_text=True))


def test_a_column_of_buttons_is_named_for_screen_readers_only(client, users_list):
    """The users' list names its column of buttons to screen readers; sighted readers see the buttons, no heading."""
    sign_in(client, users_list.user)
    html = client.get(users_list.page).get_data(as_text=True)
    headers = re.findall(r'<th scope="col"[^>]*>(.*?)</th>', html, re.S)
    assert '<span class="visually-hidden">Actions</span>' in headers
