"""A funded programme's whole file in one zip, with a manifest of every file's sha256.

Built by a background job (fundmgr.jobs), its progress shown file by file. The files come from the builders the
pages use: each version's PDF, each decision's letter and the approved minutes of its meeting, each progress
report's PDF, the stored attachments and evidence; tables are CSV (fundmgr.exports).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import json
import zipfile
from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import format_date, get_locale
from werkzeug.utils import secure_filename

from fundmgr import clock
from fundmgr.db import db
from fundmgr.exports import csv_bytes
from fundmgr.finance.models import Allocation, Expenditure
from fundmgr.pdf import render_pdf
from fundmgr.proposals.display import compare, describe_version
from fundmgr.proposals.models import Proposal
from fundmgr.results.models import Programme, ReportState
from fundmgr.results.reports import programme_report_filename, programme_report_pdf
from fundmgr.steering.documents import decision_letter_filename, decision_letter_pdf
from fundmgr.steering.models import Decision
from fundmgr.storage import read_stored


def version_pdf(version: Any) -> bytes:
    """A submitted version as the version page's PDF (the same template and data)."""
    data = {"d": describe_version(version), "version": {
        "number": version.number,
        "submitted_at": format_date(version.submitted_at, "long"),
        "submitted_by": version.submitted_by.name,
    }}  # fmt: skip
    return render_pdf("proposals/version.html", data)


Progress = Callable[[int, str], None]  # (percent, step): how far the dossier is (fundmgr.jobs)


def no_progress(percent: int, step: str) -> None:
    """Nobody follows the progress."""


def dossier_files(proposal: Proposal, progress: Progress = no_progress) -> dict[str, bytes]:
    """Every file of the dossier by its path in the zip (the manifest is added by `dossier_zip`); progress after
    each PDF, the slow part (versions up to 40 %, progress reports up to 70 %)."""
    files: dict[str, bytes] = {}
    ref = proposal.reference
    versions = proposal.versions
    for number, version in enumerate(versions, start=1):
        files[f"versions/{ref}-v{version.number}.pdf"] = version_pdf(version)
        progress(5 + 35 * number // len(versions), "files")
    for old, new in itertools.pairwise(versions):
        diff = compare(describe_version(old), describe_version(new))
        files[f"versions/compare-v{old.number}-v{new.number}.json"] = json_bytes(diff)
    screenings = [
        {"version": v.number, "started_at": v.screening.started_at, "completed_at": v.screening.completed_at,
         "outcome": v.screening.outcome.value if v.screening.outcome else None, "reasons": v.screening.reasons}
        for v in versions if v.screening is not None
    ]  # fmt: skip
    files["screening.json"] = json_bytes(screenings)
    for attachment in proposal.attachments:
        files[f"attachments/{attachment.id}-{secure_filename(attachment.filename)}"] = read_stored(
            attachment.storage_key
        )
    decisions = list(db.session.scalars(sa.select(Decision).where(Decision.proposal_id == proposal.id)))
    for decision in decisions:
        files[f"decisions/{decision_letter_filename(decision)}"] = decision_letter_pdf(decision, str(get_locale()))
        minutes = decision.item.meeting.minutes if decision.item is not None else None
        if minutes is not None and minutes.is_frozen and minutes.storage_key:
            # the approved minutes as signed (the meeting's whole record: the item's decision is in it)
            files[f"decisions/minutes-{decision.item.meeting.reference}.pdf"] = read_stored(minutes.storage_key)
    files["decisions/decisions.json"] = json_bytes([
        {"reference": d.reference, "outcome": d.outcome.value, "decided_on": d.decided_on, "conditions": d.conditions,
         "approved_amount": d.approved_amount}
        for d in decisions
    ])  # fmt: skip
    money_tables(files, proposal)
    reports(files, proposal, progress)
    return files


def money_tables(files: dict[str, bytes], proposal: Proposal) -> None:
    allocations = list(db.session.scalars(sa.select(Allocation).where(Allocation.proposal_id == proposal.id)))
    files["money/allocations.csv"] = csv_bytes(
        ["reference", "organization", "decided_on", "direct", "indirect", "total"],
        [(a.reference, a.organization.code, a.decided_on, a.direct, a.indirect, a.total) for a in allocations],
    )
    files["money/transfers.csv"] = csv_bytes(
        ["reference", "allocation", "organization", "tranche", "on_date", "amount"],
        [(t.reference, a.reference, a.organization.code, t.tranche, t.on_date, t.amount)
         for a in allocations for t in a.transfers],
    )  # fmt: skip
    spent = db.session.scalars(sa.select(Expenditure).where(Expenditure.allocation_id.in_([a.id for a in allocations])))
    files["money/expenditure.csv"] = csv_bytes(
        ["allocation", "organization", "year", "category", "kind", "amount"],
        [(e.allocation.reference, e.allocation.organization.code, e.year, e.category.code, e.kind.value, e.amount)
         for e in spent],
    )  # fmt: skip


def reports(files: dict[str, bytes], proposal: Proposal, progress: Progress = no_progress) -> None:
    """Progress reports sent to the FMU (their PDF, as the report page gives it) and their evidence files."""
    programme = db.session.scalar(sa.select(Programme).where(Programme.proposal_id == proposal.id))
    if programme is None:
        return
    for number, period in enumerate(programme.periods, start=1):
        progress(40 + 30 * number // len(programme.periods), "files")
        report = period.report
        if report is None or report.state is ReportState.draft:  # an organization's unsent work is its own
            continue
        files[f"reports/{programme_report_filename(report, 'pdf')}"] = programme_report_pdf(report, str(get_locale()))
        for evidence in report.evidence:
            path = f"reports/period-{period.number}/evidence/{evidence.id}-{secure_filename(evidence.filename)}"
            files[path] = read_stored(evidence.storage_key)


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, default=str, ensure_ascii=False, indent=2, sort_keys=True).encode()


def dossier_zip(proposal: Proposal, progress: Progress = no_progress) -> bytes:
    """The zip: every file, then manifest.json naming each with its size and sha256; progress as files are added."""
    progress(5, "collect")
    files = dossier_files(proposal, progress)
    manifest = {
        "programme": proposal.reference,
        "generated_at": clock.now().isoformat(timespec="seconds"),
        "files": [
            {"path": path, "size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
            for path, data in sorted(files.items())
        ],
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (path, data) in enumerate(sorted(files.items()), start=1):
            archive.writestr(path, data)
            progress(70 + 20 * number // len(files), "files")
        archive.writestr("manifest.json", json_bytes(manifest))
    return buffer.getvalue()


def dossier_filename(proposal: Proposal) -> str:
    return f"{proposal.reference}-dossier.zip"
