"""The sweep: every page of the access world, in the browser, on a desktop and on a phone.

Every GET of the routes table (tests/access/routes.py) that answers a page, read once per width as the role that
sees the most of it (the first of `SEERS` that it answers; each role's home page as that role), and the refusals
people meet (403, 404); at 1366 and at 390 pixels wide:
- nothing is wider than the screen (the page does not scroll sideways; a wide table scrolls in its own box);
- axe-core, with the rules of WCAG 2.2 AA, finds nothing serious or critical: every rule on the desktop; on the phone
  the rule whose finding depends on the width (`LAYOUT_RULES`: a table scrolling in its box) on every page, and every
  rule but the colours' on each role's first page (see `axe_checks`);
- on the desktop, read in the pseudo-locale (tests/support/pseudo_locale.py), the page as the browser shows it
  (after its scripts ran) holds no text that is neither marked by the catalogs nor data: French and Spanish get
  every string; on the phone the page is in French, the longest of the languages, where a line breaks first.
Each page is saved as a JPEG of its first screen under test-artifacts/sweep/<width>/ for a person to look at.

The world (tests/access/world.py) is copied, committed, into an SQLite database of this module's own, and served
by a live server; nothing is changed by the sweep (GETs only). The accessibility of what is not a page of the
table (forms showing their errors, open menus) is tests/browser/test_accessibility.py's.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import flask_babel
import flask_wtf.i18n
import pytest
import sqlalchemy as sa
from axe_playwright_python.sync_playwright import Axe
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.serving import make_server

from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.steering import documents
from tests.access.harness import app_on_world_copy, url_of, world_of
from tests.access.routes import CASES, FORBIDDEN, HIDDEN, OK, Case
from tests.access.world import ROLES, World
from tests.factories import PASSWORD
from tests.support.browser import ARTIFACTS, LiveServer
from tests.support.pseudo_locale import (
    PSEUDO_LOCALE,
    KnownData,
    known_data,
    pseudo_locale_config,
    stored_texts,
    untranslated_text,
    write_pseudo_translations,
)

DESKTOP, PHONE = 1366, 390
WIDTHS = {DESKTOP: (PSEUDO_LOCALE, "eo"), PHONE: ("fr", "fr-FR")}  # each width's language: the account's, the browser's
# Who sees the most of a page: the fund's managers (every action), then whoever works on it.
SEERS = ("fmu", "admin", "agency_lead", "sc_chair", "sc_member", "reviewer", "sc_declared", "sc_recused",
         "agency_other", "viewer", "anonymous")  # fmt: skip
# Pages of people not signed in: read as they see them (signed in, they lead elsewhere).
ANONYMOUS_PAGES = {"accounts.login", "accounts.reset_request", "accounts.reset_password", "calls.public",
                   "opendata.fund_page", "opendata.pipeline"}  # fmt: skip
# Answers that are not pages: files, data for scripts and machines.
NOT_PAGES = ("export", "pdf", "xlsx", "iati", "attachment", "evidence", "jobs.file", "openapi_json", "health",
             "board_data", "public_document", "booklet", "decision_letter", "statement_file")  # fmt: skip
PDF_PAGES = {"steering.minutes"}  # the minutes as a PDF (steering.minutes_record is their page)
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
EVERY_RULE = {"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
# Colours are the same at every width, and their check is the slowest of all: on the desktop only.
BUT_COLOURS = EVERY_RULE | {"rules": {"color-contrast": {"enabled": False}}}
# What a narrow screen changes for axe-core on these pages: a region that scrolls there alone (a wide table in its
# `.table-responsive` box) must be reachable by the keyboard. The rest of what axe reads is the same at both widths:
# the templates show and hide nothing by width but base.html's menu, folded behind a button on a phone (the same on
# every page of a role: read with every rule on each role's first page), and our stylesheets size nothing by width
# (no media rules: a target is as large on a phone). So the desktop pass reads every rule on every page.
LAYOUT_RULES = ["scrollable-region-focusable"]
LAYOUT = {"runOnly": {"type": "rule", "values": LAYOUT_RULES}, "resultTypes": ["violations"]}
SERIOUS = {"serious", "critical"}
SCREENSHOTS = ARTIFACTS / "sweep"


@dataclass(frozen=True)
class Visit:
    """One page of the sweep: the case it comes from, who reads it, and the answer they get."""

    case: Case
    role: str
    status: int = 200

    @property
    def name(self) -> str:
        return f"{self.case.id.replace(':', '_').replace('.', '-')}-{self.role}"


def is_page(case: Case) -> bool:
    return (case.method == "GET" and case.endpoint not in PDF_PAGES
            and not any(word in case.endpoint for word in NOT_PAGES))  # fmt: skip


def seer(case: Case) -> str:
    if case.endpoint in ANONYMOUS_PAGES:
        return "anonymous"
    return next(role for role in SEERS if case.expect[role] == OK)


def visits() -> list[Visit]:
    pages = [case for case in CASES if is_page(case)]
    found = [Visit(case, role) for case in pages if case.endpoint == "pages.home" for role in ROLES]
    found += [Visit(case, seer(case)) for case in pages if case.endpoint != "pages.home"]
    for answer, status in ((FORBIDDEN, 403), (HIDDEN, 404)):  # the refusals people meet, once each
        case, role = next((c, r) for c in pages for r in SEERS[:-1] if c.expect[r] == answer)
        found.append(Visit(case, role, status))
    return found


VISITS = visits()
ROLES_SWEPT = list(dict.fromkeys(v.role for v in VISITS))


@dataclass
class Swept:
    """The served world: its server, its ids, the texts that are data, every visit's URL."""

    server: LiveServer
    world: World
    known: KnownData
    urls: dict[str, str]  # by visit name


@pytest.fixture(scope="module")
def sweep_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on an SQLite database of its own (a copy of the access world's, built once in the run),
    offering the pseudo-locale, as a live server runs it."""
    tmp = tmp_path_factory.mktemp("sweep")
    folder = write_pseudo_translations(tmp / "translations")
    config = pseudo_locale_config(folder) | {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None, "TESTING": False,
                                             "MAIL_SUPPRESS_SEND": True}  # fmt: skip
    with (
        app_on_world_copy("sqlite", tmp_path_factory, tmp, **config) as application,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(flask_wtf.i18n, "messages_path", lambda: str(folder))  # WTForms' own messages, marked too
        patch.setattr(documents, "force_locale", lambda _language: flask_babel.force_locale(PSEUDO_LOCALE))
        yield application


@pytest.fixture(scope="module")
def served(sweep_app: Flask) -> Iterator[dict[str, Swept]]:
    """The live server (started with the world's first test); empty until then."""
    holder: dict[str, Swept] = {}
    yield holder
    if "swept" in holder:
        holder["server"].shutdown()  # type: ignore[attr-defined]


@pytest.fixture
def swept(sweep_app: Flask, served: dict) -> Swept:
    """The world (copied with the module's database), served from the first test on."""
    if "swept" in served:
        return served["swept"]
    world = world_of(sweep_app)
    with sweep_app.app_context():
        known = known_data(stored_texts(db.session))
        db.session.remove()
    with sweep_app.test_request_context():
        urls = {visit.name: url_of(visit.case, world) for visit in VISITS}
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, sweep_app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    served["server"] = server
    served["swept"] = Swept(LiveServer(f"http://127.0.0.1:{server.server_port}", sweep_app), world, known, urls)
    return served["swept"]


def everyone_speaks(app: Flask, language: str) -> None:
    with app.app_context():
        db.session.execute(sa.update(User).values(locale=language))
        db.session.commit()
        db.session.remove()


@pytest.fixture
def reader(browser: Browser, swept: Swept, request: pytest.FixtureRequest) -> Iterator[BrowserContext]:
    """A browser context of the test's width and language, signed in as the test's role (anonymous: not)."""
    width, role = request.node.callspec.params["width"], request.node.callspec.params["role"]
    language, browser_language = WIDTHS[width]
    everyone_speaks(swept.server.app, language)
    context = browser.new_context(locale=browser_language, viewport={"width": width, "height": 900 if width == DESKTOP
                                                                      else 844})  # fmt: skip
    context.set_default_timeout(30_000)
    context.add_init_script(Axe().axe_script)  # in every page before its own scripts: not sent again per check
    if role != "anonymous":
        swept.server.login(context.new_page(), swept.world.emails[role], PASSWORD).close()
    yield context
    context.close()


# Elements reaching past the right edge of the screen, outside any box that scrolls or clips them: the deepest
# ones, which are what to fix (their ancestors only carry them).
OVERFLOWING = """() => {
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth <= width) return [];
    // Inside a box that scrolls or clips it, unless it is absolutely placed against an ancestor of that box.
    const clipped = (el) => {
        let placed = ['absolute', 'fixed'].includes(getComputedStyle(el).position);
        for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
            const style = getComputedStyle(p);
            if (placed && style.position === 'static') continue;
            if (style.overflowX !== 'visible') return true;
            placed = placed && style.position === 'absolute';
        }
        return false;
    };
    const wide = [...document.body.querySelectorAll('*')].filter((el) => {
        const box = el.getBoundingClientRect();
        return box.width > 0 && box.right > width + 1 && !clipped(el);
    });
    const deepest = wide.filter((el) => !wide.some((other) => other !== el && el.contains(other)));
    const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + [...el.classList].slice(0, 3).map((c) => '.' + c).join('');
    const path = (el) => [el.parentElement, el].filter(Boolean).map(name).join(' > ');
    return [`page ${document.documentElement.scrollWidth}px wide`,
            ...deepest.slice(0, 5).map((el) => `${path(el)} reaches ${Math.round(el.getBoundingClientRect().right)}px`
                                              + ` (${(el.textContent || '').trim().slice(0, 40)})`)];
}"""


def overflow(page: Page) -> list[str]:
    return page.evaluate(OVERFLOWING)


def axe_checks(width: int, nth: int) -> dict:
    """What axe-core checks on a role's nth page (from 0) at this width: every rule on the desktop; on the phone every
    rule but the colours' on the role's first page (the folded menu as this role sees it), then the layout's."""
    if width == DESKTOP:
        return EVERY_RULE
    return BUT_COLOURS if nth == 0 else LAYOUT


def violations(page: Page, options: dict) -> list[str]:
    """axe-core's serious and critical violations of WCAG 2.2 AA, one line per rule and element (axe is loaded
    into every page of the context), for the rules the options run."""
    found = page.evaluate("(options) => axe.run(document, options)", options)
    return [f"{v['id']} ({v['impact']}): {', '.join(map(str, node['target']))} — {v['help']}"
            for v in found["violations"] if v["impact"] in SERIOUS for node in v["nodes"]]  # fmt: skip


def screenshot(page: Page, width: int, visit: Visit) -> None:
    folder = SCREENSHOTS / str(width)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{visit.name}.jpg"), type="jpeg", quality=60)


def sweep(page: Page, swept: Swept, width: int, visits_of_role: list[Visit]) -> list[str]:
    problems = []
    for nth, visit in enumerate(visits_of_role):
        url = swept.urls[visit.name]
        response = page.goto(swept.server.url + url)
        assert response is not None, url
        assert response.status == visit.status, f"{url} as {visit.role}: {response.status}"
        page.wait_for_load_state("load")
        screenshot(page, width, visit)
        found = [f"overflow: {line}" for line in overflow(page)]
        found += [f"axe: {line}" for line in violations(page, axe_checks(width, nth))]
        if width == DESKTOP:
            found += [f"untranslated: {text!r}" for text in untranslated_text(page.content(), swept.known)]
        problems += [f"{visit.case.id} ({url}) as {visit.role}: {line}" for line in found]
    return problems


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("role", ROLES_SWEPT)
def test_every_page_fits_the_screen_reads_accessibly_and_speaks_the_language(reader, swept, width, role):
    """Is every page this role sees the most of free of sideways scrolling, serious accessibility violations and
    text outside the catalogs, on a desktop and on a phone?"""
    problems = sweep(reader.new_page(), swept, width, [v for v in VISITS if v.role == role])
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems)


def test_the_sweep_reaches_every_page_of_the_routes_table():
    """Does every GET of the table that answers a page get swept (as a role it answers), and the refusals too?"""
    pages = {case.id for case in CASES if is_page(case)}
    assert pages == {visit.case.id for visit in VISITS if visit.status == 200}
    assert {403, 404} <= {visit.status for visit in VISITS}
    assert all(visit.case.expect[visit.role] == OK for visit in VISITS if visit.status == 200)
