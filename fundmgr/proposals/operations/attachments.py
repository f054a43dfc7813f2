"""Documents attached to a proposal."""

from __future__ import annotations

from werkzeug.datastructures import FileStorage

from fundmgr import clock
from fundmgr.accounts.models import User
from fundmgr.audit import record_audit
from fundmgr.db import db
from fundmgr.proposals.models import Attachment, AttachmentKind, Proposal
from fundmgr.proposals.operations.rights import require_editor
from fundmgr.storage import store_upload


def add_attachment(proposal: Proposal, kind: AttachmentKind, upload: FileStorage | None, *, actor: User) -> Attachment:
    """Attach a PDF, Word or Excel file (checked by content, size-limited) to a draft."""
    require_editor(proposal, actor)
    stored = store_upload(upload)
    attachment = Attachment(
        proposal=proposal,
        kind=kind,
        **stored.columns(),
        uploaded_by=actor,
    )
    db.session.add(attachment)
    db.session.flush()
    record_audit(
        "proposal.attachment_added",
        proposal,
        actor=actor,
        after={"attachment": attachment.id, "kind": kind, "filename": attachment.filename, "size": attachment.size},
    )
    return attachment


def remove_attachment(attachment: Attachment, *, actor: User) -> None:
    """Take a file off the draft; the file stays for the versions that include it."""
    require_editor(attachment.proposal, actor)
    if attachment.removed_at is not None:
        return
    attachment.removed_at = clock.now()
    db.session.flush()
    record_audit(
        "proposal.attachment_removed",
        attachment.proposal,
        actor=actor,
        before={"attachment": attachment.id, "filename": attachment.filename},
    )
