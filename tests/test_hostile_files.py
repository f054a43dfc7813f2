"""Hostile uploads through both upload pages (proposal attachments, report evidence).

Files whose content is not what their name says, files that are too large, and file names built to
escape the storage folder or to break the download's headers. A refused file leaves nothing behind
(no row, no stored file); an accepted one is stored under its content's sha256 inside the storage folder and
downloads as an attachment with a clean name.
"""

from __future__ import annotations

import io
import re
import zipfile
from email.message import Message
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import url_for
from flask.testing import FlaskClient

from fundmgr.db import db
from fundmgr.proposals.models import Attachment
from fundmgr.results.models import Evidence
from fundmgr.storage import content_key
from tests.access import harness
from tests.access.harness import client_as, recording_writes, storage_listing
from tests.access.world import RAW_MARKUP, World
from tests.support import TODAY
from tests.support.files import HOSTILE_FILE_NAMES, PDF_BYTES, UNSAFE_IN_NAME, office_bytes, unique_pdf

# The world (tests/access/harness.py): built once per process and database, each test in a savepoint of it.
app, world_state, isolated, world = harness.app, harness.world_state, harness.isolated, harness.world

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde" + b"\x00" * 32
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'


def zip_with(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name in names:
            package.writestr(name, "<x/>")
    return buffer.getvalue()


# Where each upload page is, who uses it, and what else its form needs.
UPLOADS = {
    "attachment": ("proposals.attachments", lambda w: {"proposal_id": w.proposals["draft"]}, {"kind": "other"}),
    "evidence": ("results.evidence_upload",
                 lambda w: {"programme_id": w.ids["programme"], "number": w.ids["draft_period"]}, {"caption": "x"}),
}  # fmt: skip
# The certified final financial statements (PDF only): the world's programme is not closed, so every upload is
# refused, the file's own problem listed with the others.
REFUSING = {"final_statement": ("finance.final_statements", lambda w: {"proposal_id": w.proposals["active"]},
                                {"organization": "0", "certified_total": "0.00",
                                 "received_on": TODAY.isoformat()})}  # fmt: skip

# (file name, content, what the refusal says): the name promises what the content is not.
MISLABELLED = [
    ("letter.pdf", PNG, "not a PDF"),
    ("letter.pdf", HTML, "not a PDF"),
    ("letter.pdf", EXE, "not a PDF"),
    ("letter.pdf", b"  %PDF-1.4 hidden behind spaces", "not a PDF"),
    ("letter.pdf", b"", "empty"),
    ("budget.xlsx", PDF_BYTES, "not a XLSX"),
    ("budget.xlsx", office_bytes("docx"), "not a XLSX"),
    ("budget.xlsx", zip_with("[Content_Types].xml", "evil.sh"), "not a XLSX"),
    ("budget.xlsx", b"PK\x03\x04 a broken zip", "not a XLSX"),
    ("programme.docx", office_bytes("xlsx"), "not a DOCX"),
    ("programme.docx", EXE, "not a DOCX"),
    ("page.html", HTML, "Only these file types"),
    ("drawing.svg", SVG, "Only these file types"),
    ("setup.exe", EXE, "Only these file types"),
    ("letter.pdf.exe", PDF_BYTES, "Only these file types"),
    ("letter", PDF_BYTES, "Only these file types"),
    ("photo.png", JPEG, None),  # evidence takes photos, judged by content; attachments take no photos at all
    ("photo.jpg", PNG, None),
    ("photo.jpg", GIF, None),
    ("photo.png", HTML, None),
]
REFUSED = re.compile(r'invalid-feedback|alert-danger|role="alert"')


class Answer:
    """The answer to an upload and the page it leads to."""

    def __init__(self, response, page: str) -> None:
        self.status_code, self.page = response.status_code, page


def uploader(app, world: World, where: str = "attachment") -> FlaskClient:
    """The agency lead's browser (the FMU's for the final statements, which it records on any organization's behalf;
    signing in opens a server session: do it before recording the upload's writes)."""
    return client_as(app, world, "fmu" if where in REFUSING else "agency_lead")


def upload_to(
    app, world: World, where: str, filename: str, content: bytes, client: FlaskClient | None = None
) -> Answer:
    endpoint, params, fields = (UPLOADS | REFUSING)[where]
    client = client or uploader(app, world, where)
    data = dict(fields) | {"file": (io.BytesIO(content), filename)}
    with client.post(url_for(endpoint, **params(world)), data=data, content_type="multipart/form-data") as response:
        page = response.get_data(as_text=True)
        response.request.environ["wsgi.input"].close()  # the test client spools a large body to a file it keeps
    if response.status_code == 302:
        with client.get(response.headers["Location"]) as followed:
            return Answer(followed, followed.get_data(as_text=True))
    return Answer(response, page)


def stored_rows(where: str) -> list:
    model = Attachment if where == "attachment" else Evidence
    return list(db.session.scalars(sa.select(model).order_by(model.id)))


@pytest.mark.parametrize("where", [*UPLOADS, *REFUSING])
@pytest.mark.parametrize(("filename", "content", "message"), MISLABELLED)
def test_a_file_whose_content_is_not_what_its_name_says_is_refused(app, world, where, filename, content, message):
    """Is a file refused (with the reason, nothing stored) when its content is not what its name says?"""
    files_before = storage_listing(app)
    client = uploader(app, world, where)
    with recording_writes() as writes:
        response = upload_to(app, world, where, filename, content, client=client)
    text = response.page
    assert response.status_code in (200, 422)
    expected = message or ("not a" if where == "evidence" else "Only these file types")
    if where == "final_statement" and not filename.endswith(".pdf"):
        expected = "Only these file types are accepted: PDF."
    assert expected in text.replace("’", "'")
    assert not writes.statements
    assert storage_listing(app) == files_before


@pytest.mark.parametrize("where", UPLOADS)
@pytest.mark.parametrize("filename", HOSTILE_FILE_NAMES, ids=range(len(HOSTILE_FILE_NAMES)))
def test_a_file_name_cannot_escape_the_storage_folder_or_the_download_header(app, world, where, filename):
    """Is a hostile file name stored cleaned, the file kept under its content's sha256 (never the name), and
    downloaded safely?"""
    root = Path(app.config["STORAGE_DIR"]).resolve()
    files_before = storage_listing(app)
    content = unique_pdf()
    response = upload_to(app, world, where, filename, content)
    page = response.page
    assert response.status_code < 500
    assert not RAW_MARKUP.search(page)
    assert "<img src=x" not in page
    new_files = set(storage_listing(app)) - set(files_before)
    rows = stored_rows(where)
    if not new_files:  # refused (a name left without a usable extension, or a header the server cannot read)
        assert REFUSED.search(page)
        return
    assert new_files == {content_key(content)}
    assert all((root / key).resolve().is_relative_to(root) for key in new_files)
    row = rows[-1]
    assert not UNSAFE_IN_NAME.search(row.filename), row.filename
    assert not row.filename.startswith(".")
    assert 0 < len(row.filename) <= 150
    assert row.filename.lower().endswith(".pdf")
    download = url_for("proposals.attachment", proposal_id=row.proposal_id, attachment_id=row.id) if (
        where == "attachment") else url_for("results.evidence", programme_id=world.ids["programme"],
                                            number=world.ids["draft_period"], evidence_id=row.id)  # fmt: skip
    with client_as(app, world, "agency_lead").get(download) as answer:
        assert answer.status_code == 200
        assert answer.data == content
        disposition = answer.headers["Content-Disposition"]
        assert answer.headers["Content-Type"] == "application/pdf"
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert "\r" not in disposition
    assert "\n" not in disposition
    header = Message()
    header["Content-Disposition"] = disposition
    assert header.get_content_disposition() == "attachment"
    sent_name = header.get_filename()
    assert sent_name.endswith(".pdf")
    assert not UNSAFE_IN_NAME.search(sent_name)


@pytest.mark.parametrize("where", UPLOADS)
def test_a_file_above_the_size_limit_is_refused_with_a_message(app, world, where, monkeypatch):
    """Is a file one byte over the limit refused, saying so, with nothing stored?"""
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    files_before = storage_listing(app)
    base = unique_pdf()  # a new file each run: equal files share one stored object
    big = base + b"%" * (1024 * 1024 - len(base) + 1)
    client = uploader(app, world)
    with recording_writes() as writes:
        response = upload_to(app, world, where, "big.pdf", big, client=client)
    assert "larger than 1 MB" in response.page
    assert not writes.statements
    assert storage_listing(app) == files_before
    exactly = upload_to(app, world, where, "exactly.pdf", big[:-1])  # at the limit: accepted
    assert len(storage_listing(app)) == len(files_before) + 1, exactly.page[-1500:]


def test_a_request_above_the_servers_limit_is_refused_before_it_is_read(app, world):
    """Is a request larger than MAX_CONTENT_LENGTH (25 MB) answered 413 with a message, nothing stored?"""
    files_before = storage_listing(app)
    huge = PDF_BYTES + b"%" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    client = uploader(app, world)
    with recording_writes() as writes:
        response = upload_to(app, world, "attachment", "huge.pdf", huge, client=client)
    assert response.status_code == 413
    assert "larger than allowed" in response.page
    assert not writes.statements
    assert storage_listing(app) == files_before
