"""Uploaded files on either backend: the local folder and an S3-compatible bucket (moto's server mode).

Each test runs twice, once per backend (`storage_backend`): an upload downloads only for who may see it, equal
files share one write-once object under their content's sha256, files follow the transaction, and `flask backup`
and `flask restore` carry the objects.
"""

from __future__ import annotations

import gzip
import io

import flask_migrate
import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from fundmgr.accounts.models import Role
from fundmgr.db import db
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Attachment, AttachmentKind
from fundmgr.results import operations as results_ops
from fundmgr.storage import content_key, delete_stored, read_stored, stored_keys, write_stored
from tests.factories import sign_in
from tests.support.database import app_on_new_database
from tests.support.files import unique_pdf, upload
from tests.support.results import entries_for

pytestmark = pytest.mark.once  # the files, not the database engine: the multi-server test runs on PostgreSQL


def attach(proposal, data: bytes) -> Attachment:
    return proposal_ops.add_attachment(proposal, AttachmentKind.other, upload(data=data), actor=proposal.created_by)


def test_an_upload_downloads_only_for_who_may_see_it(storage_backend, client, make_proposal, make_user):
    """Is a file uploaded through the page kept under its content's key, downloaded as an attachment by its
    uploader, and refused to an agency that has no part in the proposal?"""
    proposal = make_proposal()
    content = unique_pdf()
    sign_in(client, proposal.created_by)
    response = client.post(
        f"/proposals/{proposal.id}/attachments",
        data={"kind": "endorsement_letter", "file": upload("letter.pdf", content)},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    db.session.expire_all()
    attachment = proposal.current_attachments[0]
    assert attachment.storage_key == content_key(content)
    assert read_stored(attachment.storage_key) == content
    url = f"/proposals/{proposal.id}/attachments/{attachment.id}"
    with client.get(url) as download:
        assert download.status_code == 200
        assert download.data == content
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.mimetype == "application/pdf"
    sign_in(client, make_user(Role.agency, org="UNICEF"))
    with client.get(url) as refused:
        assert refused.status_code in (403, 404)
        assert content not in refused.data


def test_a_rolled_back_upload_deletes_only_the_object_it_created(storage_backend, make_proposal):
    """Does a rollback delete a new object, and keep one an earlier committed row already points at?"""
    proposal = make_proposal()
    new = unique_pdf()
    attach(proposal, new)
    assert content_key(new) in stored_keys()
    db.session.rollback()
    assert content_key(new) not in stored_keys()

    shared = unique_pdf()
    first = attach(make_proposal(), shared)
    db.session.commit()
    again = attach(proposal, shared)
    assert again.storage_key == first.storage_key  # written once, shared
    db.session.rollback()
    assert read_stored(first.storage_key) == shared


def test_a_removed_file_is_deleted_after_commit_once_no_row_points_at_it(storage_backend, make_programme, lead_of):
    """Two pieces of evidence with the same photo share one object: removing one keeps it, removing both
    deletes it, each time only once the removal commits."""
    programme = make_programme(lead="IOM")
    lead = lead_of(programme)
    report = results_ops.save_report(programme.periods[0], entries_for(programme, {}), actor=lead)
    photo = bytes.fromhex("89504e470d0a1a0a") + unique_pdf()  # a PNG by its signature, unique
    one, two = (
        results_ops.add_evidence(report, FileStorage(io.BytesIO(photo), filename="photo.png"), "", actor=lead)
        for _ in range(2)
    )
    db.session.commit()
    key = one.storage_key
    assert two.storage_key == key
    results_ops.remove_evidence(one, actor=lead)
    db.session.commit()
    assert read_stored(key) == photo  # the other piece still points at it
    results_ops.remove_evidence(two, actor=lead)
    assert key in stored_keys()  # not before the commit
    db.session.commit()
    assert key not in stored_keys()


def test_a_deleted_drafts_files_are_deleted_with_it_unless_another_proposal_holds_them(storage_backend, make_proposal):
    """Deleting a draft takes its files from the store once the deletion commits; a file another proposal
    attached too (one object for equal content) stays."""
    draft, other = make_proposal(), make_proposal()
    own, shared = unique_pdf(), unique_pdf()
    attach(draft, own)
    attach(draft, shared)
    attach(other, shared)
    db.session.commit()
    proposal_ops.delete_draft(draft, actor=draft.created_by)
    assert content_key(own) in stored_keys()  # not before the commit
    db.session.commit()
    assert content_key(own) not in stored_keys()
    assert read_stored(content_key(shared)) == shared


def test_backup_and_restore_carry_the_objects(storage_backend, s3_emulator, committed, make_proposal, tmp_path):
    """Does `flask backup` hold the objects of the backend in use, and `flask restore` put them back in a new
    installation's store of the same kind, leaving it holding those only?"""
    content = unique_pdf()
    attach(make_proposal(), content)
    db.session.commit()
    path = tmp_path / "backup.zip"
    result = committed.test_cli_runner().invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    elsewhere = {"STORAGE_URL": s3_emulator.new_bucket(), "S3_ENDPOINT_URL": s3_emulator.endpoint_url}
    config = elsewhere if storage_backend == "s3" else {}
    with app_on_new_database("sqlite", tmp_path / "restored", **config) as other, other.app_context():
        flask_migrate.upgrade()
        write_stored("00/notinthebackup", content)
        restored = other.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
        assert restored.exit_code == 0, restored.output
        keys = db.session.scalars(sa.select(Attachment.storage_key)).all()
        assert content_key(content) in keys
        assert stored_keys() == set(keys)
        assert read_stored(content_key(content)) == content
        delete_stored(content_key(content))


def test_the_iati_file_is_served_from_either_store_gzipped_or_plain(storage_backend, client):
    """The IATI file, kept gzipped in the store, reaches a crawler that accepts gzip as it is kept and one that does
    not decompressed, from the local folder and from the bucket alike."""
    plain = client.get("/iati/activities.xml")
    compressed = client.get("/iati/activities.xml", headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == compressed.status_code == 200
    assert compressed.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(compressed.data) == plain.data
    assert plain.data.startswith(b"<?xml")
    assert b"<iati-activities" in plain.data
