"""The machinery of the access and hostile-input tests: one world for every module, forms read as a browser does.

The world (tests/access/world.py) takes seconds to build: it is built once in the run per database engine, by the
first process to ask, in a database of its own, committed there, and copied (`app` here: the world's application,
on a copy made once per test process and database; `world_database`). Each module that uses it holds
one transaction on it (what a module builds beside the world, such as a second fund, goes into it and is rolled
back at the module's end), and each test runs in a savepoint of that transaction, rolled back at the test's end,
so every test, POSTs included, starts from the same world. A test module uses it with

    app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

(`app` is the world's application, `isolated` replaces the suite's per-test transaction for that module). A module
with an application of its own (the pseudo-locale's) leaves out `app`, and makes it with `app_on_world_copy`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import pickle
import re
import shutil
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Flask, url_for
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from fundmgr import create_app
from fundmgr.audit import AuditEntry
from fundmgr.db import db
from fundmgr.storage import path_for
from tests.access.routes import Case, doer
from tests.access.world import World, build_world
from tests.factories import counted_from, migration_fund, proposal_maker, sign_in, user_maker
from tests.support.database import (
    BuiltOnce,
    ConnectionBoundSession,
    DatabaseCopy,
    app_config,
    app_on_new_database,
    new_database,
)
from tests.support.seeded_demo import built_database, once_in_the_run
from tests.support.text_pdfs import laid_out_pdfs, page_text, text_only_pdf


@pytest.fixture(scope="session")
def app(backend: str, built_once: BuiltOnce, tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """The world's application: a database of its own, a copy of the world's (once per test process and
    database)."""
    return built_once.get(
        ("world app", backend),
        lambda: app_on_world_copy(backend, tmp_path_factory, tmp_path_factory.mktemp(f"world-{backend}")),
    )


# The world in each database made from the world's (by its URL), as its builder left it.
WORLDS: dict[str, World] = {}
# The forms read as their owners see them, per database and per what a module adds beside the world (see
# form_seen_by): every module starts from the same world, so a page is read once per process, not per module.
FORMS: dict[tuple[str, str], dict[tuple[Any, ...], Any]] = {}


@contextmanager
def app_on_world_copy(backend: str, factory: pytest.TempPathFactory, folder: Path, **config) -> Iterator[Flask]:
    """The application on a new database, a copy of the world's (the built one and the world committed in it, with
    its stored files); dropped afterwards."""
    database, world = world_database(backend, factory)
    with app_on_new_database(backend, folder, copy_of=database, **config) as application:
        WORLDS[application.config["SQLALCHEMY_DATABASE_URI"]] = world
        yield application


def world_of(app: Flask) -> World:
    """The ids of the world in the application's database (made by `app_on_world_copy`)."""
    return WORLDS[app.config["SQLALCHEMY_DATABASE_URI"]]


def world_database(backend: str, factory: pytest.TempPathFactory) -> tuple[DatabaseCopy, World]:
    """A database of the backend's kind holding the world (committed), built once in this run by the first process
    to ask (to be copied, never used: building the world takes seconds, copying it a fraction of one), and the
    world's ids."""
    made = once_in_the_run(
        factory, f"world-{backend}", lambda folder: make_world(backend, folder, built_database(backend, factory))
    )
    world = pickle.loads(Path(made["world"]).read_bytes())  # noqa: S301 (written by a process of this run)
    return DatabaseCopy(made["database"], Path(made["storage"])), world


def make_world(backend: str, folder: Path, built: DatabaseCopy) -> dict:
    """A copy of the built database holding the world, closed; where it is, and where its ids are (pickled)."""
    folder.mkdir(parents=True, exist_ok=True)
    database, url = new_database(backend, folder / "world.sqlite3", built)
    shutil.copytree(built.storage, folder / "storage", dirs_exist_ok=True)
    application = create_app(app_config(url, folder))
    # its stored documents (the jobs' PDFs) are laid out by WeasyPrint, whichever module asks for it first
    with application.app_context(), laid_out_pdfs(), counted_from(1_000_000):
        fund = migration_fund()
        make_user = user_maker()
        world = build_world(fund, make_user, proposal_maker(fund, make_user))
        db.session.commit()
        db.session.remove()
        db.engine.dispose()  # a PostgreSQL template database takes no connections
    (folder / "world.pickle").write_bytes(pickle.dumps(world))
    return {"database": database or str(folder / "world.sqlite3"), "storage": str(folder / "storage"),
            "world": str(folder / "world.pickle"), "backend": backend}  # fmt: skip


@dataclass
class WorldState:
    """The module's connection to the world's database (its transaction holds what the module adds beside the
    world) and the module's view of the world (its ids; its own `extra` values)."""

    app: Flask
    connection: sa.Connection | None = None
    world: World | None = None
    transaction: sa.Transaction | None = None


@pytest.fixture(scope="module")
def world_state(app: Flask) -> Iterator[WorldState]:
    state = WorldState(app)
    yield state
    if state.connection is not None:
        if state.transaction is not None and state.transaction.is_active:
            state.transaction.rollback()
        state.connection.close()


@pytest.fixture(autouse=True)
def isolated(request: pytest.FixtureRequest, app: Flask, world_state: WorldState) -> Iterator[None]:
    """Replaces the suite's per-test transaction: the test runs in a savepoint of the module's transaction."""
    with in_world(request, app, world_state):
        yield


@contextmanager
def in_world(request: pytest.FixtureRequest, app: Flask, state: WorldState,
             beside: Callable[[], None] | None = None) -> Iterator[None]:  # fmt: skip
    """A savepoint of the module's transaction on the world (built by the process's first test that needs it;
    with `beside`, whatever a module builds once next to it, e.g. a second fund); the test's session is bound to
    the module's connection."""
    with app.app_context():
        original = db.session
        nested = None
        try:
            if state.connection is None:
                state.connection = db.engine.connect()
                state.transaction = state.connection.begin()
            db.session = bound_session(state.connection)
            if state.world is None:
                world = world_of(app)
                forms = FORMS.setdefault((app.config["SQLALCHEMY_DATABASE_URI"], getattr(beside, "__name__", "")), {})
                state.world = dataclasses.replace(world, extra=dict(world.extra), forms=forms)
            if beside is not None:
                beside()
            nested = state.connection.begin_nested()
            yield
        finally:
            db.session.remove()
            db.session = original
            if nested is not None and nested.is_active:
                nested.rollback()
            if state.world is not None:
                restore_files(state.world)


def bound_session(connection: sa.Connection) -> Any:
    """A session (scoped, as Flask-SQLAlchemy's) on the connection: its commits only release savepoints."""
    return db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": ConnectionBoundSession}
    )


@contextmanager
def fresh_state(state: WorldState) -> Iterator[None]:
    """A savepoint inside the test's: what happens within is undone at its end (one per example or try)."""
    assert state.connection is not None
    db.session.remove()
    nested = state.connection.begin_nested()
    try:
        yield
    finally:
        db.session.remove()
        if nested.is_active:
            nested.rollback()
        restore_files(state.world)


@pytest.fixture(scope="module")
def text_only_pdfs() -> Iterator[None]:
    """For a module that reads only the words of PDFs (tests/support/text_pdfs.py): each PDF rendered from its
    template, not laid out. WeasyPrint is called in one place, `fundmgr.pdf.write_html` (render_pdf, and
    render_long_pdf for a document of one part)."""
    from fundmgr.opendata import pipeline

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("fundmgr.pdf.write_html", text_only_pdf)
        # the pipeline's booklets are kept per process: none made before is served here, none made here elsewhere
        patch.setattr(pipeline, "_booklets", type(pipeline._booklets)())
        yield


@pytest.fixture
def world(world_state: WorldState) -> World:
    """The ids of the world (built by `isolated`)."""
    assert world_state.world is not None
    return world_state.world


def restore_files(world: World) -> None:
    """Put back the world's stored files a test deleted (a committed removal deletes its file)."""
    for key, data in world.files.items():
        path = path_for(key)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)


# --- Signing in -----------------------------------------------------------------------------------


def client_as(app: Flask, world: World, role: str) -> FlaskClient:
    """A fresh test client, signed in as the role's user (anonymous: not signed in)."""
    client = app.test_client()
    user_id = world.users[role]
    if user_id is not None:
        from fundmgr.accounts.models import User

        sign_in(client, db.session.get(User, user_id))
    return client


# --- Forms, read as a browser reads them ----------------------------------------------------------


@dataclass
class HtmlForm:
    method: str
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    buttons: list[tuple[str, str]] = field(default_factory=list)
    options: dict[str, list[str]] = field(default_factory=dict)  # the values a radio, checkbox or select offers
    text: list[str] = field(default_factory=list)  # the fields people type text into
    kinds: dict[str, str] = field(default_factory=dict)  # each field's input type (textarea, select...)
    limits: dict[str, int] = field(default_factory=dict)  # maxlength the page sets on a field
    asks: str = ""  # the question the form or one of its buttons asks first (data-confirm)

    def names(self, prefix: str) -> list[str]:
        """Field names (typed or chosen) starting with prefix, in page order, without repeats."""
        seen = [n for n, _v in self.fields] + list(self.options) + self.text
        return list(dict.fromkeys(n for n in seen if n.startswith(prefix)))


class FormParser(HTMLParser):
    """Collects every form of a page with what a browser would submit for it (no button pressed)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[HtmlForm] = []
        self.current: HtmlForm | None = None
        self.select: tuple[str, bool, list[tuple[str, bool]]] | None = None
        self.option: list[str] | None = None
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.current = HtmlForm(a.get("method", "get").lower(), a.get("action", ""), asks=a.get("data-confirm", ""))
            self.forms.append(self.current)
        if self.current is not None and tag == "button" and a.get("data-confirm"):
            self.current.asks = self.current.asks or a["data-confirm"]
        if self.current is None or "disabled" in a:
            return
        name = a.get("name", "")
        if name and tag in ("input", "textarea", "select"):
            self.current.kinds.setdefault(name, a.get("type", "text").lower() if tag == "input" else tag)
            if a.get("maxlength", "").isdigit():
                self.current.limits[name] = int(a["maxlength"])
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                self.current.options.setdefault(name, []).append(a.get("value", "on"))
                if "checked" in a:
                    self.current.fields.append((name, a.get("value", "on")))
            elif kind == "file":
                self.current.files.append(name)
            elif kind in ("submit", "button", "image", "reset"):
                self.current.buttons.append((name, a.get("value", "")))
            else:
                self.current.fields.append((name, a.get("value", "")))
                if kind in ("text", "email", "search", "url", "tel", "password") and "readonly" not in a:
                    self.current.text.append(name)
        elif tag == "button" and name:
            self.current.buttons.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select = (name, "multiple" in a, [])
        elif tag == "option" and self.select is not None:
            self.select[2].append((a.get("value", ""), "selected" in a))
            self.option = [] if "value" not in a else None
        elif tag == "textarea" and name:
            self.textarea = (name, [])
            self.current.text.append(name)

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)
        if self.option is not None and self.select is not None and self.select[2]:
            value, selected = self.select[2][-1]
            self.select[2][-1] = (value + data.strip(), selected)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "option":
            self.option = None
        elif tag == "textarea" and self.textarea is not None and self.current is not None:
            name, parts = self.textarea
            text = "".join(parts)
            self.current.fields.append((name, text[1:] if text.startswith("\n") else text))
            self.textarea = None
        elif tag == "select" and self.select is not None and self.current is not None:
            name, multiple, options = self.select
            self.current.options[name] = [v for v, _selected in options]
            chosen = [v for v, selected in options if selected]
            if not multiple and not chosen and options:
                chosen = [options[0][0]]
            self.current.fields += [(name, v) for v in chosen]
            self.select = None


def forms_of(html: str) -> list[HtmlForm]:
    parser = FormParser()
    parser.feed(html)
    return parser.forms


def find_form(html: str, action: str, page: str) -> HtmlForm:
    """The page's POST form whose action is the given path (an empty action posts to the page itself)."""
    path = urlsplit(action).path
    for form in forms_of(html):
        if form.method == "post" and (urlsplit(form.action).path or urlsplit(page).path) == path:
            return form
    actions = [f.action for f in forms_of(html) if f.method == "post"]
    raise AssertionError(f"no POST form to {path} on the page (forms post to {actions})")


def form_data(form: HtmlForm | None, overrides: dict[str, Any] | None = None) -> MultiDict:
    """What the browser would send, with some fields replaced (a list: several values; None: left out)."""
    data = MultiDict(form.fields if form else [])
    for name, value in (overrides or {}).items():
        data.poplist(name)
        if value is None:
            continue
        for item in value if isinstance(value, list) else [value]:
            data.add(name, item)
    return data


# --- What a request wrote -------------------------------------------------------------------------


class WriteRecorder:
    """Every INSERT, UPDATE and DELETE sent to the database while recording (savepoint statements aside)."""

    def __init__(self) -> None:
        self.statements: list[str] = []
        self.values: list[tuple[str, str]] = []  # (table, the parameters written, as text)

    def __call__(self, conn, cursor, statement: str, parameters, context, executemany) -> None:
        if statement.lstrip().split(" ", 1)[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            self.statements.append(statement)
            self.values.append((table_of(statement), repr(parameters)))

    def stored(self, text: str, *, besides: tuple[str, ...] = ("audit_entries",)) -> bool:
        """Whether the text was written into a table (other than the audit log)."""
        return any(text in values for table, values in self.values if table not in besides)

    @property
    def tables(self) -> set[str]:
        return {table_of(s) for s in self.statements}


def table_of(statement: str) -> str:
    words = statement.replace('"', "").split()
    verb = words[0].upper()
    index = {"INSERT": 2, "UPDATE": 1, "DELETE": 2}[verb]
    return words[index].split("(")[0]


@contextmanager
def recording_writes() -> Iterator[WriteRecorder]:
    recorder = WriteRecorder()
    engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", recorder)
    try:
        yield recorder
    finally:
        sa.event.remove(engine, "before_cursor_execute", recorder)


def fingerprint(exclude: tuple[str, ...] = ("audit_entries",), only: set[str] | None = None) -> dict[str, str]:
    """A digest of every table's rows (or of the tables named): equal fingerprints, equal data."""
    digests = {}
    session = db.session
    for table in db.metadata.sorted_tables:
        if table.name in exclude or (only is not None and table.name not in only):
            continue
        rows = session.execute(sa.select(table).order_by(*table.primary_key.columns)).all()
        digests[table.name] = hashlib.sha256(repr(rows).encode()).hexdigest()
    return digests


def changed_tables(before: dict[str, str], after: dict[str, str]) -> set[str]:
    return {name for name in before if before[name] != after.get(name)}


def savepoint(state: WorldState) -> sa.NestedTransaction:
    """A savepoint of the module's connection, to compare the tables with later (`tables_changed_since`). The test's
    session is closed first: a savepoint it held, begun before this one, would take this one with it as it ends."""
    assert state.connection is not None
    db.session.remove()
    return state.connection.begin_nested()


def tables_changed_since(mark: sa.NestedTransaction, written: set[str],
                         exclude: tuple[str, ...] = ("audit_entries",)) -> set[str]:  # fmt: skip
    """The tables whose rows differ from what they were at the savepoint `mark`, among those written since (a
    table nothing wrote to cannot have changed; one written to may be as before: a write undone, a value set to
    itself). Their rows are read now, then again once rolled back to `mark`: what was done since is undone, so
    call it once every check of the new state is made. Reading the written tables only, twice, costs a fraction
    of a digest of every table before and after."""
    tables = written - set(exclude)
    after = fingerprint(exclude, only=tables) if tables else {}
    db.session.remove()
    mark.rollback()
    before = fingerprint(exclude, only=tables) if tables else {}
    db.session.remove()
    return changed_tables(before, after)


def storage_listing(app: Flask) -> dict[str, str]:
    """Every stored file and its digest."""
    root = Path(app.config["STORAGE_DIR"])
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


# --- Reading answers ------------------------------------------------------------------------------


def is_login_redirect(response) -> bool:
    """Sent to sign in (Flask-Login's redirect carries the page asked for in `next`)."""
    location = urlsplit(response.headers.get("Location", ""))
    return response.status_code == 302 and location.path == "/account/login" and "next=" in location.query


def response_text(response) -> str:
    """The text a person (or a spreadsheet) would read in an answer: pages, JSON, CSV, Excel's cells, a PDF's
    text (without spaces: PDF text comes in pieces)."""
    kind = response.mimetype or ""
    if kind.startswith(("text/", "application/json")):
        return response.get_data(as_text=True)
    if kind == "application/pdf":
        return pdf_text(response.data)
    if kind.endswith("spreadsheetml.sheet"):
        import zipfile

        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return " ".join(
                book.read(name).decode("utf-8") for name in book.namelist() if name.startswith("xl/") and
                name.endswith(".xml")
            )  # fmt: skip
    return ""


def pdf_text(data: bytes) -> str:
    """A PDF's text, without spaces; "" for an uploaded file that is a PDF only in name and header (a test's)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        pages = PdfReader(io.BytesIO(data)).pages
    except PdfReadError:
        return ""
    return re.sub(r"\s+", "", "".join(page_text(page) for page in pages))


class InlineScriptFinder(HTMLParser):
    """Inline <script> content and on* event attributes: what the CSP would block and we never write."""

    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, _value in attrs:
            if name.lower().startswith("on"):
                self.problems.append(f"<{tag} {name}=...>")
            if name.lower() in ("href", "src", "action", "formaction") and (_value or "").strip().lower().startswith(
                "javascript:"
            ):
                self.problems.append(f"<{tag} {name}=javascript:...>")
        if tag == "script":
            sources = dict(attrs)
            self.in_script = not sources.get("src")
            if sources.get("type", "") == "application/json":
                self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append(f"inline script: {data.strip()[:60]}")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False


def inline_script_problems(html: str) -> list[str]:
    finder = InlineScriptFinder()
    finder.feed(html)
    return finder.problems


def security_header_problems(response) -> list[str]:
    """The headers every answer must carry: CSP without inline script, no framing, no sniffing, a referrer policy."""
    headers = response.headers
    csp = headers.get("Content-Security-Policy", "")
    directives = {part.strip().split(" ", 1)[0]: part.strip() for part in csp.split(";") if part.strip()}
    problems = []
    script = directives.get("script-src") or directives.get("default-src", "")
    if not script or "'unsafe-inline'" in script or "'unsafe-eval'" in script:
        problems.append(f"script-src allows inline script: {script!r}")
    if directives.get("frame-ancestors") != "frame-ancestors 'none'":
        problems.append("no frame-ancestors 'none'")
    if directives.get("object-src") != "object-src 'none'":
        problems.append("no object-src 'none'")
    expected = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "strict-origin-when-cross-origin"}  # fmt: skip
    problems += [f"{name}: {headers.get(name)!r}" for name, value in expected.items() if headers.get(name) != value]
    return problems


FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_cells(response) -> list[object]:
    """Every cell of a CSV or Excel answer."""
    import csv

    import openpyxl

    kind = response.mimetype or ""
    if kind == "text/csv":
        return [
            cell for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))) for cell in row
        ]
    if kind.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
        cells = [cell for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row]
        book.close()
        return cells
    return []


def formula_cells(cells: list[object]) -> list[str]:
    """Text cells a spreadsheet would run as a formula (the neutralised ones start with an apostrophe)."""
    return [c for c in cells if isinstance(c, str) and c.startswith(FORMULA_TRIGGERS)]


# --- Sending a form as its user would ----------------------------------------------------------------

# How a page tells that what was sent was refused: a form error, a danger message, or the error page of a
# request no page can read (a NUL character, say).
REFUSAL_SHOWN = re.compile(r'invalid-feedback|alert-danger|is-invalid|role="alert"|The request could not be understood')
NOT_TYPED = frozenset({"csrf_token"})


def url_of(case: Case, world: World, params: dict[str, Any] | None = None) -> str:
    url = url_for(case.endpoint, **(params if params is not None else case.params(world)))
    return f"{url}?{case.query}" if case.query else url


def payload(app: Flask, world: World, case: Case) -> MultiDict | None:
    """What the form's user would send: the form as their browser shows it, then what they type."""
    if case.method != "POST":
        return None
    url = url_of(case, world)
    form = None
    if case.owner is not None:
        form = form_seen_by(app, world, case.owner, url, case.form_page(world) if case.form_page else url)
    data = form_data(form, case.data(world) if case.data else None)
    extra = case.extra
    if form is not None and extra:
        if "first_textarea" in extra:
            data[form.names("justification_")[0]] = extra["first_textarea"]
        if "first_amount" in extra:
            data[form.names("amount-")[0]] = extra["first_amount"]
        for name in form.names("passed_") if extra.get("pass_all") else []:
            data[name] = "yes"
        for name in form.names("score_") if extra.get("score_all") else []:
            data[name] = extra["score_all"]
        if extra.get("link_first"):
            data[form.names("objectives-")[0]] = str(world.ids["objective"])
    return data


def form_seen_by(app: Flask, world: World, owner: str, url: str, page: str) -> HtmlForm | None:
    """The form posting to url as its owner's browser shows it on page. Every test starts from the same world, so
    the page is read once per process, database, language of the owner and what a module adds beside the world
    (each role of a case sends the same form; a test that changes the owner's language gets the form as written in
    it: numbers, dates)."""
    from fundmgr.accounts.models import User

    user_id = world.users[owner]
    language = db.session.scalar(sa.select(User.locale).where(User.id == user_id)) if user_id else None
    key = (owner, language, page, url)
    if key not in world.forms:
        html = client_as(app, world, owner).get(page).get_data(as_text=True)
        world.forms[key] = find_form(html, url, page)
    return world.forms[key]


def copy_of(data: MultiDict) -> MultiDict:
    """A payload to send again: files are streams, read once, so each copy gets its own."""
    copy = MultiDict()
    for key, value in data.items(multi=True):
        if isinstance(value, tuple):
            stream, filename = value
            value = (io.BytesIO(stream.getvalue()), filename)
        copy.add(key, value)
    return copy


def form_of(app: Flask, world: World, case: Case) -> tuple[str, str, HtmlForm]:
    """The POST's URL, the page its form is on, and the form as the role it is for sees it (read once: see
    form_seen_by)."""
    url = url_of(case, world)
    page = case.form_page(world) if case.form_page else url
    form = form_seen_by(app, world, doer(case), url, page)
    assert form is not None
    return url, page, form


def typed_fields(form: HtmlForm) -> list[str]:
    """Every field whose value the sender controls, beyond choosing among offered options."""
    names = [n for n, _v in form.fields if n not in form.options] + form.text
    return [n for n in dict.fromkeys(names) if n not in NOT_TYPED]


def last_audit_id() -> int:
    """What was carried out leaves an audit entry (the access matrix checks it); what was refused leaves none."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.max(AuditEntry.id), 0)))
