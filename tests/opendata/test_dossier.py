"""A programme's dossier: one click gives the FMU a zip of its whole file, each file's sha256 in the manifest."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile

import sqlalchemy as sa

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.finance.models import Allocation
from fundmgr.jobs import runner
from fundmgr.proposals.models import Proposal, ProposalState
from fundmgr.steering.models import Decision
from tests.factories import sign_in
from tests.support.jobs import document


def most_complete_programme() -> Proposal:
    """The demo's funded programme with the most versions (then the most transfers)."""
    funded = db.session.scalars(
        sa.select(Proposal).where(Proposal.state.in_([ProposalState.active, ProposalState.closed]))
    ).all()
    return max(funded, key=lambda p: (p.version_count, p.id))


def test_the_fmu_downloads_a_programmes_whole_file_with_a_manifest(demo_app, fund, make_user, monkeypatch):
    """Every version's PDF, the comparisons, screening, decisions and letters, money tables and reports, each
    listed in manifest.json with a sha256 that matches its bytes."""
    proposal = most_complete_programme()
    client = sign_in(demo_app.test_client(), make_user(Role.fmu))
    detail = client.get(f"/proposals/{proposal.id}")
    assert f'action="/programmes/{proposal.id}/dossier.zip"' in detail.text  # the one click
    shown = []  # the job's progress, as its page showed it
    monkeypatch.setattr(runner, "progress", lambda job, percent, step, real=runner.progress: (
        shown.append(percent), real(job, percent, step)))  # fmt: skip
    answer = document(client, f"/programmes/{proposal.id}/dossier.zip")
    assert answer.status_code == 200
    assert answer.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(answer.data))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["programme"] == proposal.reference
    listed = {entry["path"]: entry["sha256"] for entry in manifest["files"]}
    assert set(listed) == set(archive.namelist()) - {"manifest.json"}
    for path, digest in listed.items():
        assert hashlib.sha256(archive.read(path)).hexdigest() == digest, path
    versions = [p for p in listed if p.startswith("versions/") and p.endswith(".pdf")]
    assert len(versions) == proposal.version_count
    assert archive.read(versions[0]).startswith(b"%PDF")
    if proposal.version_count > 1:
        assert any(p.startswith("versions/compare-") for p in listed)
    decisions = db.session.scalars(sa.select(Decision).where(Decision.proposal_id == proposal.id)).all()
    letters = [p for p in listed if p.startswith("decisions/") and p.endswith("-decision-letter.pdf")]
    assert len(letters) == len(decisions) > 0
    allocations = db.session.scalars(sa.select(Allocation).where(Allocation.proposal_id == proposal.id)).all()
    table = archive.read("money/allocations.csv").decode("utf-8-sig")
    assert all(a.reference in table for a in allocations)
    assert {"screening.json", "money/transfers.csv", "money/expenditure.csv"} <= set(listed)
    reports = [p for p in listed if p.startswith("reports/") and p.endswith(".pdf")]
    assert reports
    assert archive.read(reports[0]).startswith(b"%PDF")
    assert any(p.startswith("decisions/minutes-") for p in listed), "the approved minutes of the deciding meeting"
    assert shown == sorted(shown)
    assert len(shown) > len(listed)  # file by file


def test_only_the_fund_managers_take_a_dossier_and_only_of_a_funded_programme(demo_app, fund, make_user):
    """An organization taking part is refused (403); a proposal still in review has none (404); a visitor signs in."""
    proposal = most_complete_programme()
    url = f"/programmes/{proposal.id}/dossier.zip"
    assert demo_app.test_client().post(url).status_code == 302
    lead = proposal.lead_organization
    staff = sign_in(demo_app.test_client(), make_user(Role.agency, org=lead.code))
    assert staff.post(url).status_code == 403
    assert f'action="{url}"' not in staff.get(f"/proposals/{proposal.id}").text
    in_review = db.session.scalars(sa.select(Proposal).where(Proposal.state == ProposalState.in_review)).first()
    fmu = sign_in(demo_app.test_client(), make_user(Role.fmu))
    assert fmu.post(f"/programmes/{in_review.id}/dossier.zip").status_code == 404
