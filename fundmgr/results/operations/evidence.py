"""Evidence files attached to a progress report."""

from __future__ import annotations

from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.errors import ValidationFailed
from fundmgr.results.models import Evidence, ProgressReport
from fundmgr.results.operations.rights import require, require_open
from fundmgr.storage import DOCUMENT_TYPES, IMAGE_TYPES, delete_after_commit, store_upload

EVIDENCE_TYPES = DOCUMENT_TYPES | IMAGE_TYPES


def add_evidence(report: ProgressReport, upload: FileStorage | None, caption: str, *, actor: User) -> Evidence:
    """Attach a file (PDF, Word, Excel, PNG or JPEG photo, checked by content) to a report being written."""
    require(report.can_edit(actor))
    require_open(report.programme)
    if len(caption.strip()) > 300:
        raise ValidationFailed([_("The caption may have at most 300 characters.")])
    stored = store_upload(upload, allowed=EVIDENCE_TYPES)
    evidence = Evidence(
        report=report,
        caption=caption.strip(),
        **stored.columns(),
        uploaded_by=actor,
    )
    db.session.add(evidence)
    db.session.flush()
    record_audit(
        "report_evidence.added",
        evidence,
        actor=actor,
        after={"filename": stored.filename, "sha256": stored.sha256, "size": stored.size},
        fund_id=report.fund_id,
    )
    return evidence


def remove_evidence(evidence: Evidence, *, actor: User) -> None:
    """Remove a file from a report being written; the file itself is deleted once the removal is committed."""
    require(evidence.report.can_edit(actor))
    require_open(evidence.report.programme)
    record_audit(
        "report_evidence.removed",
        evidence,
        actor=actor,
        before={"filename": evidence.filename, "sha256": evidence.sha256},
        fund_id=evidence.report.fund_id,
    )
    delete_after_commit(evidence.storage_key)
    evidence.report.evidence.remove(evidence)
    db.session.flush()
