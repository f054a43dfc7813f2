"""Attachments: PDF, Word and Excel only, judged by content, size-limited, stored outside the web root."""

from __future__ import annotations

from pathlib import Path

import pytest

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import AttachmentKind
from fundmgr.storage import path_for
from tests.factories import sign_in
from tests.support.files import PDF_BYTES, office_bytes, unique_pdf, upload


@pytest.mark.parametrize(
    ("filename", "data"),
    [("letter.pdf", PDF_BYTES), ("programme.docx", office_bytes("docx")), ("budget.xlsx", office_bytes("xlsx"))],
)
def test_pdf_word_and_excel_files_are_stored_outside_the_web_root(app, make_proposal, filename, data):
    proposal = make_proposal()
    attachment = ops.add_attachment(proposal, AttachmentKind.other, upload(filename, data), actor=proposal.created_by)
    stored = path_for(attachment.storage_key)
    assert stored.read_bytes() == data
    assert stored.is_relative_to(Path(app.config["STORAGE_DIR"]).resolve())
    assert not stored.is_relative_to(Path(app.static_folder).resolve())
    assert filename not in str(stored)  # random names, not the uploader's


@pytest.mark.parametrize(
    ("filename", "data", "message"),
    [
        ("letter.pdf", office_bytes("docx"), "not a PDF document"),  # the name says PDF, the content does not
        ("programme.docx", office_bytes("xlsx"), "not a DOCX document"),
        ("budget.xlsx", b"MZ\x90\x00 an executable", "not a XLSX document"),
        ("notes.txt", b"plain text", "Only these file types are accepted: DOCX, PDF, XLSX."),
        ("letter.pdf", b"", "The file is empty."),
    ],
)
def test_files_are_judged_by_their_content(make_proposal, filename, data, message):
    proposal = make_proposal()
    with pytest.raises(ValidationFailed, match=message):
        ops.add_attachment(proposal, AttachmentKind.other, upload(filename, data), actor=proposal.created_by)


def test_files_above_the_size_limit_are_refused(app, make_proposal, monkeypatch):
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 1024 * 1024)
    proposal = make_proposal()
    big = PDF_BYTES + b"0" * (1024 * 1024)
    with pytest.raises(ValidationFailed, match="larger than 1 MB"):
        ops.add_attachment(proposal, AttachmentKind.other, upload("big.pdf", big), actor=proposal.created_by)


def test_a_rolled_back_upload_leaves_no_file_behind(make_proposal):
    proposal = make_proposal()
    attachment = ops.add_attachment(
        proposal, AttachmentKind.other, upload(data=unique_pdf()), actor=proposal.created_by
    )
    stored = path_for(attachment.storage_key)
    assert stored.exists()
    db.session.rollback()
    assert not stored.exists()


def test_a_committed_upload_stays(make_proposal):
    proposal = make_proposal()
    attachment = ops.add_attachment(proposal, AttachmentKind.other, upload(), actor=proposal.created_by)
    db.session.commit()
    db.session.rollback()  # a later rollback does not touch what was committed
    assert path_for(attachment.storage_key).exists()


def test_upload_and_download_through_the_pages(client, make_proposal):
    """Does an upload through the form come back as a download, never inline, under its own name?"""
    proposal = make_proposal()
    sign_in(client, proposal.created_by)
    response = client.post(
        f"/proposals/{proposal.id}/attachments",
        data={"kind": "endorsement_letter", "file": upload("Lettre d’approbation.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    attachment = proposal.current_attachments[0]
    download = client.get(f"/proposals/{proposal.id}/attachments/{attachment.id}")
    assert download.data == PDF_BYTES
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.mimetype == "application/pdf"
    download.close()


def test_a_refused_upload_shows_why_and_saves_nothing(client, make_proposal):
    proposal = make_proposal()
    sign_in(client, proposal.created_by)
    response = client.post(
        f"/proposals/{proposal.id}/attachments",
        data={"kind": "full_document", "file": upload("programme.pdf", office_bytes("docx"))},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "not a PDF document, although its name says so" in response.get_data(as_text=True)
    db.session.expire_all()
    assert proposal.attachments == []


def test_removed_files_leave_the_draft_but_stay_in_versions(submitted, make_user):
    proposal = submitted()
    letter = proposal.attachments[0]
    ops.start_screening(proposal, actor=make_user(Role.fmu))
    ops.return_for_revision(proposal, "Please attach a signed letter.", actor=make_user(Role.fmu))
    ops.remove_attachment(letter, actor=proposal.created_by)
    assert proposal.current_attachments == []
    assert proposal.versions[0].snapshot.attachments[0].id == letter.id
    assert path_for(letter.storage_key).exists()
