"""Text reaches people only through the catalogs: the pages of the access world, rendered in a pseudo-locale whose
catalog marks every message (tests/support/pseudo_locale.py), show no text that is neither marked nor data.

The catalog test (tests/test_translations.py) knows only the strings that were extracted; this one reads what a
person reads: text a template, a form or a library writes itself, choices frozen in English at import, flash
messages formatted before the language was known, e-mails, PDFs and spreadsheets. It runs on SQLite only (text
does not depend on the database), on a copy of the access world (tests/access/world.py) of the module's own:
- every GET of the routes table (tests/access/routes.py), as one role of each kind it answers (the FMU or an
  administrator, an agency, a member of the Steering Committee, a recused one, a viewer, anonymous; a
  document, PDF or spreadsheet, once), and a refusal of each kind (403, 404, sign-in);
- every POST as the role it is for, and as one it refuses by a business rule: the answer, the page it leads
  to (where its flash message shows) and the e-mails it sends; then the e-mails no POST sends (returns, the
  daily reminders and digests);
- signing in ("Welcome, ..."), and forms sent wrong (their error box and field errors).
Everyone's language is the pseudo-locale, and so is the browser's; documents written in a meeting's language
(its pack and minutes) are written in it too.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from datetime import date, timedelta
from urllib.parse import urlsplit

import flask_babel
import flask_wtf.i18n
import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from fundmgr import clock, create_app
from fundmgr.accounts.models import User
from fundmgr.db import db
from fundmgr.deadlines.cli import send_reminders
from fundmgr.extensions import mail
from fundmgr.funds.models import Fund
from fundmgr.notifications.mail import KIND_HEADER
from fundmgr.notifications.models import Channel, Notification
from fundmgr.notifications.operations import send_digests
from fundmgr.results.models import ReportingPeriod
from fundmgr.steering import documents
from fundmgr.steering.models import Assignment, WrittenProcedure
from tests.access import harness
from tests.access.harness import app_on_world_copy, client_as, payload, url_of
from tests.access.routes import CASES, FORBIDDEN, HIDDEN, KEPT, LOGIN, OK, Case, doer
from tests.access.world import World
from tests.factories import PASSWORD
from tests.support.pseudo_locale import (
    PSEUDO_LOCALE,
    KnownData,
    known_data,
    pseudo_locale_config,
    stored_texts,
    untranslated_plain_text,
    untranslated_text,
    write_pseudo_translations,
)

# one worker builds the app and the world, once; the catalogs do not depend on the database engine
pytestmark = [pytest.mark.xdist_group("pseudo_locale"), pytest.mark.once]

world_state, isolated, world = harness.world_state, harness.isolated, harness.world

# Roles that see a page differently; a page is read as the first role of each kind that it answers.
KINDS_OF_READER = (("fmu", "admin"), ("agency_lead", "agency_other"), ("sc_chair", "sc_member"),
                   ("sc_recused", "sc_declared"), ("viewer",), ("anonymous",))  # fmt: skip
# Documents (PDFs, spreadsheets) say the same to everyone who may read them: read once (rendering is slow).
DOCUMENTS = ("pdf", "xlsx", "export", "annual_file", "pack", "minutes", "letter")


def readers_of(case: Case) -> list[str]:
    """The first role of each kind of reader that the page answers; one reader for a document."""
    readers = [next(role for role in kind if case.expect[role] == OK) for kind in KINDS_OF_READER
               if any(case.expect[role] == OK for role in kind)]  # fmt: skip
    return readers[:1] if any(word in case.endpoint for word in DOCUMENTS) else readers


def first_refusal(answer: str) -> tuple[Case, str]:
    return next((c, role) for c in CASES if c.method == "GET" for role, a in c.expect.items() if a == answer)


GETS = [(case, role) for case in CASES if case.method == "GET" for role in readers_of(case)]
GETS += [first_refusal(answer) for answer in (FORBIDDEN, HIDDEN, LOGIN)]
# The language switch answers in the language chosen (one of the real ones), by design.
POST_CASES = [case for case in CASES if case.method == "POST" and case.endpoint != "pages.set_language"]
POSTS = [
    (case, role)
    for case in POST_CASES
    for role in dict.fromkeys([doer(case), *[r for r, a in case.expect.items() if a == KEPT and r != "anonymous"][:1]])
]
# People's own files, served as they sent them; a job's file, kept as it was made (in the language it was asked in:
# the world's were made in English, before the test chose its language).
UPLOADS = {"proposals.attachment", "results.evidence", "jobs.file"}
# Records kept as they were written (the audit log's export): only their headings are text of the page.
RAW_RECORDS = {"audit.export"}


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The application on SQLite, offering the pseudo-locale (its catalogs built here, never committed)."""
    tmp = tmp_path_factory.mktemp("pseudo_locale")
    folder = write_pseudo_translations(tmp / "translations")
    config = pseudo_locale_config(folder)
    with (
        app_on_world_copy("sqlite", tmp_path_factory, tmp, **config) as application,
        pytest.MonkeyPatch.context() as patch,
    ):
        patch.setattr(flask_wtf.i18n, "messages_path", lambda: str(folder))  # WTForms' own messages, marked too
        # a meeting's documents are in its language (en, fr or es): here in the pseudo-locale
        patch.setattr(documents, "force_locale", lambda _language: flask_babel.force_locale(PSEUDO_LOCALE))
        yield application


@pytest.fixture(autouse=True)
def everyone_reads_the_pseudo_locale(world: World) -> None:
    """Each account's language (its pages and its e-mails) is the pseudo-locale, within the test."""
    db.session.execute(sa.update(User).values(locale=PSEUDO_LOCALE))
    db.session.commit()


@pytest.fixture
def known(world: World) -> KnownData:
    """The world's stored texts (typed by people, or reference data): they may appear unmarked. Read once."""
    if "known" not in world.extra:
        world.extra["known"] = known_data(stored_texts(db.session))
    return world.extra["known"]


def reader(app: Flask, world: World, role: str, language: str = PSEUDO_LOCALE) -> FlaskClient:
    client = client_as(app, world, role)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language  # the browser's language (for anonymous pages)
    return client


def problems_in(response, known: KnownData, endpoint: str = "") -> list[str]:
    """Unmarked text in an answer, whatever its kind: a page, JSON for a script, a PDF, a spreadsheet."""
    kind = response.mimetype or ""
    if kind == "text/html":
        return untranslated_text(response.get_data(as_text=True), known)
    if kind == "application/json":
        data = json.loads(response.get_data(as_text=True)) or {}
        found = untranslated_text(data["html"], known) if isinstance(data.get("html"), str) else []
        return found + [p for key in ("announce", "error", "message") if isinstance(data.get(key), str)
                        for p in untranslated_plain_text(data[key], known)]  # fmt: skip
    if kind == "application/pdf":
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=response.data, capture_output=True,
                              check=True).stdout.decode()  # fmt: skip
        return untranslated_plain_text(text, known)
    rows = spreadsheet_rows(response)
    if endpoint in RAW_RECORDS:
        rows = rows[:1]
    return [problem for row in rows for cell in row if isinstance(cell, str)
            for problem in untranslated_plain_text(cell, known)]  # fmt: skip


def spreadsheet_rows(response) -> list[list[object]]:
    """The rows of a CSV or Excel answer (with each sheet's name as a row of its own); none for anything else."""
    kind = response.mimetype or ""
    if kind == "text/csv":
        return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    if not kind.endswith("spreadsheetml.sheet"):
        return []
    import openpyxl

    book = openpyxl.load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [row for sheet in book.worksheets for row in ([sheet.title], *sheet.iter_rows(values_only=True))]
    book.close()
    return [list(row) for row in rows]


def read_through(client: FlaskClient, response, known: KnownData, endpoint: str = "") -> list[str]:
    """Unmarked text in an answer, or, for a redirect, in the page it leads to (where its flash message shows)."""
    location = response.headers.get("Location", "")
    while response.status_code in (301, 302, 303) and urlsplit(location).netloc in ("", "localhost"):
        response.close()
        response, endpoint = client.get(location), ""
        location = response.headers.get("Location", "")
    try:
        if endpoint in UPLOADS or 300 <= response.status_code < 400:
            return []
        return problems_in(response, known, endpoint)
    finally:
        response.close()


def typed(data) -> list[str]:
    """What a test types into a form (and the names of the files it sends): data on the pages that follow."""
    values = [v for _name, v in data.items(multi=True)] if data is not None else []  # an empty form sends nothing
    return [v if isinstance(v, str) else v[1] for v in values if isinstance(v, str | tuple)]


def email_problems(outbox, known: KnownData) -> list[str]:
    found = []
    for message in outbox:
        found += untranslated_plain_text(message.subject, known) + untranslated_plain_text(message.body or "", known)
        found += untranslated_text(message.html or "", known)
    return found


@pytest.mark.parametrize(("case", "role"), GETS, ids=[f"{c.id}-{r}" for c, r in GETS])
def test_every_page_passes_through_the_catalogs(app, world, known, case: Case, role: str):
    """Does the page (or file, or refusal) show this role only marked text and data?"""
    client = reader(app, world, role)
    found = read_through(client, client.get(url_of(case, world)), known, case.endpoint)
    assert found == [], f"{case.id} as {role} shows text that is not in the catalogs: {found}"


@pytest.mark.parametrize(("case", "role"), POSTS, ids=[f"{c.id}-{r}" for c, r in POSTS])
def test_every_action_answers_through_the_catalogs(app, world, known, case: Case, role: str):
    """Do the action's answer, the page it leads to (its flash message) and its e-mails pass through the catalogs?"""
    data = payload(app, world, case)
    known = known.including(typed(data))
    client = reader(app, world, role)
    with mail.record_messages() as outbox:
        found = read_through(client, client.post(url_of(case, world), data=data), known)
    found += email_problems(outbox, known)
    assert found == [], f"{case.id} as {role} shows text that is not in the catalogs: {found}"


# What the actions above do not send: the returns, and the daily jobs (reminders, digests).
RETURNS = [
    ("proposals.screening:POST", {"action": "return", "reasons": "Add the letter of the ministry."}),
    ("results.report_review:POST", {"decision": "returned", "comment": "Add the photos of the training."}),
]


def test_returns_reminders_and_digests_pass_through_the_catalogs(app, world, known):
    """Do the e-mails of a return, of every reminder the daily job sends, and of the digest pass through the
    catalogs?"""
    typed_texts = []
    with mail.record_messages() as outbox:
        for case_id, changes in RETURNS:
            case = next(c for c in CASES if c.id == case_id)
            data = payload(app, world, case)
            for name, value in changes.items():
                data[name] = value
            typed_texts += typed(data)
            reader(app, world, doer(case)).post(url_of(case, world), data=data).close()
        for day in reminder_days(db.session.scalar(sa.select(Fund))):
            send_reminders(day)
        db.session.execute(sa.update(Notification).values(channel=Channel.digest, digested_at=None, read_at=None))
        send_digests()
    kinds = {message.extra_headers[KIND_HEADER] for message in outbox}
    assert {"proposal_returned", "report_returned", "report_due", "report_overdue", "digest"} <= kinds
    found = email_problems(outbox, known.including(typed_texts))
    assert found == [], f"e-mails show text that is not in the catalogs: {found}"


def reminder_days(fund: Fund) -> list[date]:
    """The days reminders fall due for the world's deadlines (scores, written procedures, reports), from today."""
    dues = [*db.session.scalars(sa.select(ReportingPeriod.due_date)), *db.session.scalars(sa.select(Assignment.due_on)),
            *db.session.scalars(sa.select(WrittenProcedure.deadline))]  # fmt: skip
    offsets = {*(fund.reminder_days or []), 0, -1}
    days = {due - timedelta(days=offset) for due in dues for offset in offsets}
    return sorted(day for day in days if day >= clock.today(fund))


def test_signing_in_welcomes_in_the_pseudo_locale(app, world, known):
    """Is "Welcome, ..." in the account's language, though the browser asked for English?"""
    client = reader(app, world, "anonymous", language="en")
    response = client.post("/account/login", data={"email": world.emails["fmu"], "password": PASSWORD})
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "⟦Welcome, Fmu Person.⟧" in page
    assert untranslated_text(page, known) == []


# Forms sent wrong: (case id, fields replaced, who sends it, what the refusal shows besides field errors)
ERROR_BOX = "⟦Please correct the following:⟧"
REFUSED_FORMS = [
    ("accounts.login:POST", {"password": "not the password"}, "anonymous", ""),
    ("accounts.profile:POST", {"current": "not the password"}, "fmu", ""),
    ("proposals.new:POST", {"title": ""}, "agency_lead", "⟦Some fields need your attention; they are marked below.⟧"),
    ("proposals.budget:POST", {"amount-": "12,34.5.6"}, "agency_lead", ERROR_BOX),
    ("finance.new_contribution:POST", {"amount": "-5", "on_date": ""}, "fmu", ""),
    ("finance.new_interest:POST", {"amount": "abc"}, "fmu", ""),
    ("finance.report_expenditure:POST", {"amount": "999999999.99"}, "agency_lead", ""),  # above what IOM received
    ("steering.new_meeting:POST", {"title": "", "held_on": "2020-13-45"}, "fmu", ERROR_BOX),
    ("steering.review:POST", {"submit": "Submit", "save": None}, "sc_member", ERROR_BOX),
    ("results.period_new:POST", {"start": "", "end": "", "due": "yesterday"}, "fmu", ""),
    ("results.outcome_new:POST", {"statement_en": ""}, "fmu", ""),
]


@pytest.mark.parametrize(("case_id", "changes", "role", "shows"), REFUSED_FORMS, ids=[f[0] for f in REFUSED_FORMS])
def test_a_refused_form_explains_itself_through_the_catalogs(app, world, known, case_id, changes, role, shows):
    """Do the error box ("Please correct the following:") and the field errors pass through the catalogs?"""
    case = next(c for c in CASES if c.id == case_id)
    data = payload(app, world, case)
    for name, value in changes.items():
        for field in [n for n in data if n.startswith(name)] if name.endswith("-") else [name]:
            data.poplist(field)
            if value is not None:
                data[field] = value
    known = known.including(typed(data))
    response = reader(app, world, role).post(url_of(case, world), data=data)
    page = response.get_data(as_text=True)
    assert response.status_code in (200, 422), f"{case_id} was not refused: {response.status_code}"
    assert "invalid-feedback" in page or "alert-danger" in page, "the page shows no refusal"
    assert shows in page
    found = untranslated_text(page, known)
    assert found == [], f"{case_id} refused shows text that is not in the catalogs: {found}"


def test_only_the_tests_may_offer_the_pseudo_locale(tmp_path):
    """Does an app outside the tests refuse to start with a language fundmgr does not speak?"""
    config = {"SECRET_KEY": "x" * 32, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"}
    with pytest.raises(RuntimeError, match="LANGUAGES"):
        create_app(config | pseudo_locale_config(tmp_path))
