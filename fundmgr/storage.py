"""Uploaded files: checked by their content, stored outside the web root under random names.

Files follow the transaction that records them: a file stored during a transaction that
then rolls back is deleted (nothing would point at it), and a file whose row is removed is
deleted only once the removal commits (a rollback keeps it).

Stored bytes are read and written only through this module's functions (path_for, write_stored,
read_stored, stored_keys, delete_stored, send_stored), so another place to keep them, such as an
S3-compatible store, would change this module alone.
"""

from __future__ import annotations

import hashlib
import io
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import filetype
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, current_app, has_app_context, send_file
from flask_babel import gettext as _
from werkzeug.datastructures import FileStorage

from fundmgr.db import db
from fundmgr.errors import ValidationFailed

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
}
# The part that makes an Office Open XML package a document or a workbook.
OOXML_MAIN_PART = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
DOCUMENT_TYPES = frozenset({"pdf", "docx", "xlsx"})
IMAGE_TYPES = frozenset({"png", "jpg", "jpeg"})  # photos as evidence of results


@dataclass(frozen=True)
class StoredFile:
    """What is kept about a stored upload; the key is the only way back to the bytes."""

    key: str
    filename: str
    content_type: str
    size: int
    sha256: str

    def columns(self) -> dict[str, Any]:
        """The columns a row keeping this upload holds (its key in `storage_key`, how `flask backup` finds it)."""
        return {
            "filename": self.filename,
            "content_type": self.content_type,
            "size": self.size,
            "sha256": self.sha256,
            "storage_key": self.key,
        }


def storage_root() -> Path:
    root = Path(current_app.config["STORAGE_DIR"]).resolve()
    root.mkdir(parents=True, exist_ok=True)
    return root


def is_key(key: str) -> bool:
    """Whether a text has the form of a storage key (letters, digits and slashes)."""
    return bool(key) and all(c.isalnum() or c == "/" for c in key)


def path_for(key: str) -> Path:
    """The file of a storage key; keys are generated here, but check anyway that none escapes the root."""
    root = storage_root()
    if not is_key(key):
        raise ValueError("invalid storage key")
    path = (root / key).resolve()
    if not path.is_relative_to(root):
        raise ValueError("storage key escapes the storage folder")
    return path


def sniff(head: bytes, stream: IO[bytes], extension: str) -> bool:
    """Whether the bytes really are a file of the kind the extension names."""
    if extension == "pdf":
        return head.startswith(b"%PDF-")
    if extension in IMAGE_TYPES:
        kind = filetype.guess(head)
        return kind is not None and kind.mime == CONTENT_TYPES[extension]
    kind = filetype.guess(head)
    if kind is None or kind.extension not in ("zip", "docx", "xlsx"):
        return False
    try:
        stream.seek(0)
        with zipfile.ZipFile(stream) as package:
            names = set(package.namelist())
    except zipfile.BadZipFile:
        return False
    return "[Content_Types].xml" in names and OOXML_MAIN_PART[extension] in names


def clean_filename(name: str) -> str:
    """The file's own name without any folder part, control characters or excess length."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in '<>:"|?*').strip(" .")
    return name[-150:] or "file"


def store_upload(upload: FileStorage | None, *, allowed: frozenset[str] = DOCUMENT_TYPES) -> StoredFile:
    """Check an upload (type by content, size) and store it; refuse it with a message otherwise."""
    if upload is None or not upload.filename:
        raise ValidationFailed([_("Choose a file to upload.")])
    filename = clean_filename(upload.filename)
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    kinds = ", ".join(sorted(k.upper() for k in allowed))
    if extension not in allowed:
        raise ValidationFailed([_("Only these file types are accepted: %(kinds)s.", kinds=kinds)])
    limit = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed([_("The file is larger than %(mb)d MB.", mb=limit // (1024 * 1024))])
    if not data:
        raise ValidationFailed([_("The file is empty.")])
    if not sniff(data[:8192], io.BytesIO(data), extension):
        raise ValidationFailed(
            [
                _(
                    "The file’s content is not a %(kind)s document, although its name says so.",
                    kind=extension.upper(),
                )
            ]
        )
    key = f"{secrets.token_hex(1)}/{secrets.token_hex(16)}"
    write_stored(key, data)
    db.session().info.setdefault(STORED_IN_TRANSACTION, []).append(key)
    return StoredFile(
        key=key, filename=filename, content_type=CONTENT_TYPES[extension], size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
    )  # fmt: skip


def store_generated(data: bytes, filename: str, content_type: str) -> StoredFile:
    """Keep a document the app made (approved minutes) like an upload: under a new key, removed if the transaction
    rolls back."""
    key = f"{secrets.token_hex(1)}/{secrets.token_hex(16)}"
    write_stored(key, data)
    db.session().info.setdefault(STORED_IN_TRANSACTION, []).append(key)
    return StoredFile(key=key, filename=filename, content_type=content_type, size=len(data),
                      sha256=hashlib.sha256(data).hexdigest())  # fmt: skip


def send_stored(key: str, filename: str, content_type: str) -> Response:
    """A download of a stored file, always as an attachment (never rendered inline)."""
    return send_file(path_for(key), mimetype=content_type, as_attachment=True, download_name=filename)


def write_stored(key: str, data: bytes) -> None:
    """Keep the bytes under the key, replacing what it held; never half-written (a crash leaves the old bytes)."""
    path = path_for(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.part")  # not a key: stored_keys() never lists it
    partial.write_bytes(data)
    partial.replace(path)


def read_stored(key: str) -> bytes:
    """The bytes kept under the key; FileNotFoundError when there are none."""
    return path_for(key).read_bytes()


def stored_keys() -> set[str]:
    """The key of every stored file."""
    root = storage_root()
    keys = (path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
    return {key for key in keys if is_key(key)}


def delete_stored(key: str) -> None:
    """Remove a stored file now."""
    path_for(key).unlink(missing_ok=True)


def delete_after_commit(key: str) -> None:
    """Remove a stored file once the current transaction commits (its row is being deleted)."""
    db.session().info.setdefault(REMOVED_IN_TRANSACTION, []).append(key)


STORED_IN_TRANSACTION = "fundmgr.storage.stored"
REMOVED_IN_TRANSACTION = "fundmgr.storage.removed"


@sa.event.listens_for(so.Session, "after_commit")
def settle_files_after_commit(session: so.Session) -> None:
    session.info.pop(STORED_IN_TRANSACTION, None)
    for key in session.info.pop(REMOVED_IN_TRANSACTION, []):
        delete_stored(key)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def settle_files_after_rollback(session: so.Session, previous_transaction: so.SessionTransaction) -> None:
    # a savepoint rolled back inside the transaction does not undo what the outer one recorded
    if previous_transaction.nested or previous_transaction.parent is not None or not has_app_context():
        return
    session.info.pop(REMOVED_IN_TRANSACTION, None)
    for key in session.info.pop(STORED_IN_TRANSACTION, []):
        delete_stored(key)
