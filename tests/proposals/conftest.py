"""Helpers for the proposal tests: real uploads, a draft ready for submission, the role users."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable

import pytest
from werkzeug.datastructures import FileStorage

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.proposals import operations as ops
from fundmgr.proposals.models import AttachmentKind, Proposal, ProposalState

# A complete, valid one-page PDF (what WeasyPrint or a scanner would produce, in miniature).
PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def office_bytes(kind: str) -> bytes:
    """A minimal Office Open XML package: a Word document or an Excel workbook."""
    main = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}[kind]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr(main, "<document/>")
    return buffer.getvalue()


def upload(filename: str = "endorsement.pdf", data: bytes = PDF_BYTES) -> FileStorage:
    return FileStorage(stream=io.BytesIO(data), filename=filename)


@pytest.fixture
def make_ready_draft(make_proposal) -> Callable[..., Proposal]:
    """A draft that meets every rule of the fund, endorsement letter attached: make_ready_draft(lead=...)."""

    def _make(**kwargs) -> Proposal:
        proposal = make_proposal(ProposalState.draft, **kwargs)
        ops.add_attachment(proposal, AttachmentKind.endorsement_letter, upload(), actor=proposal.created_by)
        db.session.commit()
        return proposal

    return _make


@pytest.fixture
def submitted(make_ready_draft) -> Callable[..., Proposal]:
    """A proposal submitted through the operation (version 1 frozen): submitted(lead=...)."""

    def _make(**kwargs) -> Proposal:
        proposal = make_ready_draft(**kwargs)
        ops.submit_proposal(proposal, actor=proposal.created_by)
        db.session.commit()
        return proposal

    return _make


@pytest.fixture
def fmu(make_user):
    return make_user(Role.fmu)
