"""Every field on every page the main roles can reach has a label (HTTP level, no browser).

The demo world is seeded in the test's transaction, with a Steering Committee meeting in session
(the live board's vote form and the decision form exist only then). For each role the test follows
the links of the pages it is shown, from the home page, as a person clicking around would: every
GET page reachable that way must answer (no link leads a role to an error page), and every visible
input, select and textarea on it must have a label: a <label for> (or a wrapping <label>) with text,
an aria-label, or an aria-labelledby pointing to text on the page.
"""

from __future__ import annotations

import itertools
from collections import Counter, deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.exceptions import HTTPException

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.proposals.models import Proposal, ProposalStage, ProposalState
from fundmgr.results.models import Programme
from tests.demo_meeting import meeting_in_session
from tests.factories import sign_in

pytestmark = pytest.mark.once  # labels are in the templates: the database engine does not change them

# Demo accounts: the roles, and the agencies whose pages differ (one drafting, one reporting).
PEOPLE = {
    "anonymous": None,
    "agency with a draft (ILO)": "rajesh.thapa@fundmgr.example",
    "lead agency of active programmes (IOM)": "nadia.rahman@fundmgr.example",
    "fmu": "fatou.diallo@fundmgr.example",
    "sc_member": "grace.wanjiru@fundmgr.example",
    "viewer": "pieter.devries@fundmgr.example",
    "admin": "admin@fundmgr.example",
}
# Besides the start pages (a proposal in each state), one page per endpoint: every form, not every object.
PAGES_PER_ENDPOINT = 1
# GET endpoints that are not HTML pages (downloads, data), or that no link of the demo leads to.
NOT_PAGES = {
    "static", "bootstrap.static", "pages.health", "steering.board_data", "audit.export",
    "proposals.export", "results.programmes_export", "steering.decisions_export", "steering.meetings_export",
    "calls.export", "finance.ledger_export", "finance.contributions_export", "finance.programmes_export",
    "accounts.users_export", "funds.people_export", "jobs.mine_export", "calls.proposals_export",
    "steering.index_export", "steering.procedures_export", "notifications.export", "results.overdue_export",
    "proposals.attachment", "proposals.version_pdf", "finance.dashboard_pdf",
    "finance.dashboard_xlsx", "finance.ledger_xlsx", "steering.minutes", "results.evidence",
    "results.report_pdf", "results.report_xlsx",
    "opendata.pipeline_booklet",
    "jobs.job", "jobs.file",  # a document asked for, and its file: the demo has none (tests/jobs/)
    "finance.final_statement_file",  # the uploaded statements (a PDF download)
    "accounts.reset_password",  # reached from the e-mailed link (tests/test_password_reset.py)
    "proposals.compare",  # offered once a proposal has two versions; none has in the demo
    "steering.decision_letter",  # a PDF download
    # offered for draft minutes: the demo's are all approved (the last by written procedure); the sweep reads the
    # page's labels (tests/browser/test_sweep.py), tests/steering/test_minutes_procedures.py its form
    "steering.new_minutes_procedure",
    "api-docs.openapi_json",  # the OpenAPI document (JSON), linked from the API's documentation page
    # a published document's PDF, linked from the public page once the FMU publishes one: the demo publishes none
    # (tests/opendata/test_publications.py downloads it)
    "opendata.public_document",

    # downloads: the IATI files (the fund's own is
    # linked from its public page; tests/opendata/test_iati.py)
    "opendata.iati_activities", "opendata.fund_iati_activities",
    # the financial closure form, linked from an operationally closed programme's money page; the crawl meets
    # another programme first (tests/results/test_closure.py fills the form through the pages)
    "finance.close",
}  # fmt: skip
FIELDS = {"input", "select", "textarea"}
UNLABELLED_TYPES = {"hidden", "submit", "button", "reset", "image"}  # buttons are named by their text or value


@dataclass
class Page:
    """What the parser found on a page: links, fields, labels and the text of every element with an id."""

    links: list[str] = field(default_factory=list)
    fields: list[dict[str, str]] = field(default_factory=list)
    label_for: dict[str, str] = field(default_factory=dict)
    wrapped: set[int] = field(default_factory=set)  # indexes of fields inside a <label> with text
    text_by_id: dict[str, str] = field(default_factory=dict)
    ids: Counter = field(default_factory=Counter)


class PageParser(HTMLParser):
    """Collects links, form fields and labels with the standard library's tolerant HTML parser."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[tuple[str, str | None, list[str]]] = []  # (tag, id, text parts)
        self.labels: list[tuple[str | None, list[str], list[int]]] = []  # (for, text, fields inside)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if "id" in attributes:
            self.page.ids[attributes["id"]] += 1
        if tag == "a" and attributes.get("href"):
            self.page.links.append(attributes["href"])
        if tag == "label":
            self.labels.append((attributes.get("for"), [], []))
        if tag in FIELDS and attributes.get("type", "").lower() not in UNLABELLED_TYPES and "hidden" not in attributes:
            self.page.fields.append({"tag": tag} | attributes)
            for _for, _text, inside in self.labels:
                inside.append(len(self.page.fields) - 1)
        if tag not in self.VOID:
            self.open.append((tag, attributes.get("id"), []))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID:
            self.handle_endtag(tag)

    def handle_data(self, data: str) -> None:
        for _tag, _id, text in self.open:
            text.append(data)
        for _for, text, _inside in self.labels:
            text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.labels:
            target, text, inside = self.labels.pop()
            words = " ".join("".join(text).split())
            if target:
                self.page.label_for[target] = (self.page.label_for.get(target, "") + " " + words).strip()
            elif words:
                self.page.wrapped.update(inside)
        for n in range(len(self.open) - 1, -1, -1):  # close up to the matching tag (HTML tolerates omissions)
            if self.open[n][0] == tag:
                for _tag, element_id, text in self.open[n:]:
                    if element_id:
                        self.page.text_by_id[element_id] = " ".join("".join(text).split())
                del self.open[n:]
                break


def parse(html: str) -> Page:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser.page


def unlabelled(page: Page) -> list[str]:
    """The fields of the page that no label, aria-label or aria-labelledby names, described for a person."""
    problems = []
    for n, f in enumerate(page.fields):
        described = f"<{f['tag']} name={f.get('name')!r} id={f.get('id')!r}>"
        if f.get("aria-label", "").strip() or n in page.wrapped:
            continue
        if f.get("aria-labelledby"):
            if all(page.text_by_id.get(i) for i in f["aria-labelledby"].split()):
                continue
            problems.append(f"{described}: aria-labelledby points to no text")
        elif f.get("id") and page.label_for.get(f["id"]):
            if page.ids[f["id"]] > 1:
                problems.append(f"{described}: its id is used {page.ids[f['id']]} times, so its label is ambiguous")
        else:
            problems.append(f"{described}: no label")
    return problems


def endpoint_of(app: Flask, path: str) -> str | None:
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method="GET")
    except HTTPException:
        return None
    return endpoint


@dataclass
class Crawl:
    pages: dict[str, str] = field(default_factory=dict)  # url -> endpoint
    errors: list[str] = field(default_factory=list)
    unlabelled: list[str] = field(default_factory=list)
    fields: int = 0


def start_pages(user: User | None) -> list[str]:
    """The home page, a draft call for its managers, and one proposal the person may see in each stage and state
    (and its money and results pages).

    The crawl visits a few pages per endpoint only; starting from each state makes sure the pages of
    every stage (a draft's sections, screening, a programme to transfer money to or report on) are in.
    """
    urls = ["/"]
    if user is None:
        return urls
    from fundmgr.calls.models import Call, CallState

    draft_call = db.session.scalar(sa.select(Call).where(Call.state == CallState.draft).order_by(Call.id))
    if draft_call is not None and draft_call.can_manage(user):
        urls.append(f"/calls/{draft_call.id}")  # a draft's page leads to its edit form
    for stage, state in itertools.product(ProposalStage, ProposalState):
        proposals = db.session.scalars(sa.select(Proposal).where(Proposal.stage == stage, Proposal.state == state))
        proposal = next((p for p in proposals if p.can_view(user)), None)
        if proposal is None:
            continue
        urls.append(f"/proposals/{proposal.id}")
        if state in (ProposalState.approved, ProposalState.active):
            urls.append(f"/finance/programmes/{proposal.id}")
            programme = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
            urls.append(f"/results/programmes/{programme.id}")
    return urls


def crawl(app: Flask, client: FlaskClient, start: list[str]) -> Crawl:
    """Follow the links a person is shown, from the start pages; check the labels of each HTML page."""
    result = Crawl()
    seen_per_endpoint: Counter = Counter()
    queue, queued = deque(start), set(start)
    while queue:
        url = queue.popleft()
        with client.get(url) as response:
            status, mimetype = response.status_code, response.mimetype
            html = response.get_data(as_text=True) if mimetype == "text/html" else ""
        if status >= 400:
            result.errors.append(f"{url} answers {status}")
            continue
        if status in (301, 302, 303) or mimetype != "text/html":
            continue  # a redirect (e.g. to sign in), a download
        result.pages[url] = endpoint_of(app, urlsplit(url).path) or "?"
        page = parse(html)
        result.fields += len(page.fields)
        result.unlabelled += [f"{url}: {problem}" for problem in unlabelled(page)]
        for href in page.links:
            target = urlsplit(urljoin(url, href))
            if target.scheme not in ("", "http") or target.netloc not in ("", "localhost"):
                continue
            link = target.path + (f"?{target.query}" if target.query else "")
            endpoint = endpoint_of(app, target.path)
            if link in queued or endpoint in (None, "static", "bootstrap.static"):
                continue
            if target.path.endswith((".pdf", ".xlsx", ".csv", ".json", ".zip", ".xml")):
                continue  # downloads have no fields, and rendering them is slow
            if seen_per_endpoint[endpoint] >= PAGES_PER_ENDPOINT:
                continue
            seen_per_endpoint[endpoint] += 1
            queued.add(link)
            queue.append(link)
    return result


@pytest.fixture
def demo_world(demo_app: Flask) -> Flask:
    """The demo data, and a meeting in session inside the test's transaction."""
    meeting_in_session("Extraordinary session (label check)")
    db.session.commit()
    return demo_app


def test_every_field_on_every_page_each_role_reaches_has_a_label(demo_world):
    app = demo_world
    report, problems, covered = {}, [], set()
    for role, email in PEOPLE.items():
        client = app.test_client()
        user = db.session.scalar(sa.select(User).where(User.email == email)) if email else None
        if user:
            sign_in(client, user)
        result = crawl(app, client, start_pages(user))
        covered |= set(result.pages.values())
        report[role] = (len(result.pages), len(set(result.pages.values())), result.fields)
        problems += [f"{role}: {p}" for p in result.errors + result.unlabelled]
    assert not problems, "\n".join(problems)
    # the crawl reached every page of the app, but for the downloads and what no link leads to
    pages = {r.endpoint for r in app.url_map.iter_rules() if "GET" in r.methods} - NOT_PAGES
    pages = {endpoint for endpoint in pages if not endpoint.startswith("api.")}  # JSON for tokens (tests/api)
    assert pages <= covered, f"no link of the demo leads to {sorted(pages - covered)}"
    assert all(fields for role, (_pages, _endpoints, fields) in report.items() if PEOPLE[role]), report


def test_the_label_check_tells_a_labelled_field_from_an_unlabelled_one():
    """The checker itself: each way of labelling passes, each way of failing to is reported."""
    page = parse("""
        <form><input type="hidden" name="csrf_token"><button>Send</button><input type="submit" value="Go">
        <label for="a">Title</label><input id="a" name="a">
        <label>Budget <input name="b"></label>
        <input name="c" aria-label="Search">
        <p id="d-name">Year</p><select name="d" aria-labelledby="d-name"></select>
        <input name="e" id="e">
        <label for="f"> </label><textarea name="f" id="f"></textarea>
        <input name="g" aria-labelledby="nowhere">
        <label for="h">Twice</label><input id="h" name="h1"><input id="h" name="h2">
        <label><input name="i"></label>
        </form>""")
    assert unlabelled(page) == [
        "<input name='e' id='e'>: no label",
        "<textarea name='f' id='f'>: no label",
        "<input name='g' id=None>: aria-labelledby points to no text",
        "<input name='h1' id='h'>: its id is used 2 times, so its label is ambiguous",
        "<input name='h2' id='h'>: its id is used 2 times, so its label is ambiguous",
        "<input name='i' id=None>: no label",
    ]
