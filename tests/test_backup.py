"""`flask backup` and `flask restore` round-trip the whole database and the stored files, or change nothing."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from fundmgr.accounts.models import Role
from fundmgr.backup import tables
from fundmgr.db import db
from fundmgr.proposals import operations as proposal_ops
from fundmgr.proposals.models import Attachment, AttachmentKind
from fundmgr.storage import KEY_COLUMN, read_stored, stored_keys, write_stored
from tests.support.database import app_on_new_database
from tests.support.files import PDF_BYTES, office_bytes, upload

pytestmark = pytest.mark.both_engines  # the dump and restore of each engine

# the demo's reports carry no uploaded files; sign-ins (server sessions) and throttling counters come with use;
# its committee decides by consensus (positions), so nobody votes; nobody has made an API token; no programme has
# asked for an extension yet
EMPTY_IN_THE_DEMO = {"report_evidence", "user_sessions", "rate_limit_counters", "votes", "api_tokens", "extensions",
                     # what the demo does not show yet: technical review, documents asked for and publications
                     # (the round trip of each is tested with its own rows elsewhere)
                     "review_invitations", "review_comments", "jobs", "publications",
                     "publication_files"}  # fmt: skip


def all_rows(engine: sa.Engine) -> dict[str, list[tuple]]:
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(sa.select(table).order_by(*table.primary_key.columns))
            ]
            for table in tables()
        }


def stored_files() -> dict[str, bytes]:
    """Every file in the current app's storage, by key."""
    return {key: read_stored(key) for key in stored_keys()}


def referenced_files() -> dict[str, bytes]:
    """The stored files the database's rows name (a file no row names, such as one left by another test of the same
    process on the shared demo, is not the fund's data and is not backed up)."""
    keys: set[str] = set()
    with db.engine.connect() as connection:
        for table in tables():
            if KEY_COLUMN in table.c:
                keys |= {key for (key,) in connection.execute(sa.select(table.c[KEY_COLUMN])) if key}
    return {key: read_stored(key) for key in keys}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


@contextmanager
def fresh_database(backend: str, tmp_path: Path, name: str) -> Iterator[Flask]:
    """An app on a new, migrated, empty database of the backend's kind (dropped afterwards)."""
    with app_on_new_database(backend, tmp_path / name) as app:
        with app.app_context():
            flask_migrate.upgrade()
        yield app


@pytest.fixture
def other_database(backend, tmp_path):
    """A second, freshly migrated database of the same kind."""
    with fresh_database(backend, tmp_path, "restored") as app:
        yield app


def attach(proposal, filename: str, data: bytes) -> Attachment:
    attachment = proposal_ops.add_attachment(
        proposal, AttachmentKind.other, upload(filename, data), actor=proposal.created_by
    )
    db.session.commit()
    return attachment


def test_backup_and_restore_round_trip(committed, make_user, make_proposal, other_database, tmp_path):
    """Is a restored fundmgr equal, row for row, to the cent and byte for byte, to the one backed up?"""
    make_user(Role.fmu, name="Zoë Ünicode Œuvre")
    proposal = make_proposal(title="Données probantes — «migration»", direct={"IOM": "700000.01", "UNHCR": "499999.99"})
    attach(proposal, "endorsement.pdf", PDF_BYTES)
    attach(proposal, "budget.xlsx", office_bytes("xlsx"))
    path = tmp_path / "backup.zip"
    result = run(committed, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert "2 stored files" in result.output
    source = all_rows(db.engine)
    keys = {row.storage_key: row.sha256 for row in db.session.scalars(sa.select(Attachment))}
    source_files = {key: read_stored(key) for key in keys}

    with other_database.app_context():  # the CLI runs in the app context it finds
        write_stored("00/notinthebackup", PDF_BYTES)  # storage is left holding the backup's files only
        restored = run(other_database, "restore", "--yes", str(path))
        assert restored.exit_code == 0, restored.output
        copy, copy_files = all_rows(db.engine), stored_files()
        # a row added after the restore gets a fresh id (sequences moved past the restored rows)
        make_user(Role.viewer, name="After restore")
    assert copy == source
    assert any(row for row in source["budget_lines"])
    assert copy_files == source_files
    assert {key: sha256(data) for key, data in copy_files.items()} == keys  # as recorded at upload


def tampered_copies(good: Path, folder: Path) -> dict[str, tuple[Path, str]]:
    """Archives restore must refuse, each with (a phrase of) the reason it must give."""
    with zipfile.ZipFile(good) as archive:
        members = {info.filename: archive.read(info) for info in archive.infolist()}
    manifest = json.loads(members["manifest.json"])

    def rewrite(name: str, change: Callable[[dict[str, bytes], dict], None]) -> Path:
        copy, copy_manifest = dict(members), json.loads(members["manifest.json"])
        change(copy, copy_manifest)
        copy["manifest.json"] = json.dumps(copy_manifest).encode()
        path = folder / f"{name}.zip"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for member, data in copy.items():
                archive.writestr(member, data)
        return path

    a_file = next(name for name in members if name.startswith("files/"))

    def change_a_file(copy, _manifest):
        copy[a_file] = copy[a_file].replace(b"%PDF", b"%PDX")

    def drop_a_row(copy, manifest):  # consistent with its sha256: found only while loading, files already put
        copy["database.jsonl"] = copy["database.jsonl"].rstrip(b"\n").rsplit(b"\n", 1)[0] + b"\n"
        manifest["database_sha256"] = sha256(copy["database.jsonl"])

    def another_revision(_copy, manifest):
        manifest["revision"] = "0000deadbeef"

    def a_file_more(copy, _manifest):
        copy["files/ff/unlisted"] = PDF_BYTES

    raw = good.read_bytes()
    cut_short = folder / "cut-short.zip"
    cut_short.write_bytes(raw[: len(raw) * 2 // 3])
    damaged = folder / "damaged.zip"  # a byte of the rows' compressed data changed on disk
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("database.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    middle = start + info.compress_size // 2
    damaged.write_bytes(raw[:middle] + bytes([raw[middle] ^ 0xFF]) + raw[middle + 1 :])
    old_format = folder / "old.jsonl.gz"
    with gzip.open(old_format, "wt") as handle:
        handle.write(json.dumps({"format": "fundmgr-backup/1", "revision": manifest["revision"]}) + "\n")
    not_a_backup = folder / "notes.zip"
    not_a_backup.write_bytes(b"not a zip at all")
    return {
        "a stored file changed": (rewrite("file", change_a_file), "is not what was backed up"),
        "a row taken out": (rewrite("rows", drop_a_row), "rows differ from the counts"),
        "another schema revision": (rewrite("revision", another_revision), "schema revision 0000deadbeef"),
        "a file the manifest does not list": (rewrite("extra", a_file_more), "not listed: ['files/ff/unlisted']"),
        "cut short": (cut_short, "damaged or cut short"),
        "damaged on disk": (damaged, "database.jsonl in the backup is damaged"),
        "an earlier fundmgr's backup": (old_format, "database-only backup"),
        "not a backup": (not_a_backup, "not a fundmgr backup"),
    }


def test_restore_refuses_a_damaged_or_mismatched_archive_and_changes_nothing(
    committed, make_proposal, other_database, tmp_path
):
    """Does a damaged, cut-short or mismatched backup leave the database and every stored file as they were?"""
    proposal = make_proposal()
    attach(proposal, "endorsement.pdf", PDF_BYTES)
    earlier = tmp_path / "earlier.zip"
    assert run(committed, "backup", str(earlier)).exit_code == 0
    attach(proposal, "annex.pdf", PDF_BYTES + b"% annex\n")  # a file the target does not have yet
    later = tmp_path / "later.zip"
    assert run(committed, "backup", str(later)).exit_code == 0

    with other_database.app_context():
        assert run(other_database, "restore", "--yes", str(earlier)).exit_code == 0
        before, files_before = all_rows(db.engine), stored_files()
        assert len(files_before) == 1
        for case, (path, reason) in tampered_copies(later, tmp_path).items():
            result = run(other_database, "restore", "--yes", str(path))
            assert result.exit_code != 0, case
            assert reason in result.output, (case, result.output)
            assert "Nothing was changed" in result.output, case
            assert all_rows(db.engine) == before, case
            assert stored_files() == files_before, case
        # and the untouched archive still restores
        assert run(other_database, "restore", "--yes", str(later)).exit_code == 0
        assert len(stored_files()) == 2


def test_the_whole_demo_round_trips(committed, demo_app, backend, tmp_path):
    """Is the full demo (every kind of record, made by the app's own operations) restored equal, files too?"""
    path = tmp_path / "demo.zip"
    with demo_app.app_context():
        assert demo_app.test_cli_runner().invoke(args=["backup", str(path)]).exit_code == 0
        original, original_files = all_rows(db.engine), referenced_files()
    with fresh_database(backend, tmp_path, "copy") as target, target.app_context():
        restored = target.test_cli_runner().invoke(args=["restore", "--yes", str(path)])
        assert restored.exit_code == 0, restored.output
        copy, copy_files = all_rows(db.engine), stored_files()
    assert copy == original
    assert copy_files == original_files
    assert original_files  # the demo's proposals have their endorsement letters
    empty = sorted(name for name, rows in original.items() if not rows)
    # so every kind of record the app keeps was backed up and restored
    assert set(empty) <= {"alembic_version"} | EMPTY_IN_THE_DEMO, sorted(set(empty) - EMPTY_IN_THE_DEMO)
