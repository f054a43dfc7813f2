"""Uploaded files: checked by their content, stored outside the web root under the sha256 of their content.

Two backends keep the bytes, chosen by configuration: a local folder (FUNDMGR_STORAGE_DIR, the default) or an
S3-compatible bucket (FUNDMGR_STORAGE_URL=s3://bucket/prefix), which every app server shares. Keys are written
once: a new file's key is the sha256 of its content, so rows holding equal files share one object. Files kept
before content addressing keep their random keys and are read as before.

Files follow the transaction that records them: an object created during a transaction that then rolls back is
deleted (unless a committed row points at it), and a file whose row is removed is deleted only once the removal
commits, and only if no other row still points at it (a rollback keeps it).

Stored bytes are read and written only through this module's functions (write_stored, read_stored, stored_keys,
delete_stored, send_stored; path_for for the local folder), so fundmgr.backup and the views work on either backend.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import secrets
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol
from urllib.parse import urlsplit

import filetype
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Response, current_app, has_app_context, request, send_file
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


def is_key(key: str) -> bool:
    """Whether a text has the form of a storage key (letters, digits and slashes)."""
    return bool(key) and all(c.isalnum() or c == "/" for c in key)


def content_key(data: bytes) -> str:
    """The key of some bytes: their sha256 (under a folder of its first two digits), so equal files share one."""
    digest = hashlib.sha256(data).hexdigest()
    return f"{digest[:2]}/{digest}"


class Backend(Protocol):
    """Where stored bytes are kept: a local folder or an S3-compatible bucket."""

    def write(self, key: str, data: bytes) -> None: ...
    def read(self, key: str) -> bytes: ...
    def open(self, key: str) -> IO[bytes]: ...
    def exists(self, key: str) -> bool: ...
    def keys(self) -> set[str]: ...
    def delete(self, key: str) -> None: ...
    def send(self, key: str, filename: str, content_type: str) -> Response: ...
    def stream(self, key: str, content_type: str) -> Response: ...


class LocalBackend:
    """Files in a folder outside the web root (FUNDMGR_STORAGE_DIR): one machine's disk."""

    def __init__(self, root: Path):
        self.root = root

    def path(self, key: str) -> Path:
        """The file of a storage key; keys are generated here, but check anyway that none escapes the root."""
        root = self.root.resolve()
        if not is_key(key):
            raise ValueError("invalid storage key")
        path = (root / key).resolve()
        if not path.is_relative_to(root):
            raise ValueError("storage key escapes the storage folder")
        return path

    def write(self, key: str, data: bytes) -> None:
        path = self.path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.part")  # not a key: keys() never lists it
        partial.write_bytes(data)
        partial.replace(path)

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def open(self, key: str) -> IO[bytes]:
        return self.path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def keys(self) -> set[str]:
        root = self.root.resolve()
        found = (path.relative_to(root).as_posix() for path in root.rglob("*") if path.is_file())
        return {key for key in found if is_key(key)}

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def send(self, key: str, filename: str, content_type: str) -> Response:
        return send_file(self.path(key), mimetype=content_type, as_attachment=True, download_name=filename)

    def stream(self, key: str, content_type: str) -> Response:
        path = self.path(key)
        size = path.stat().st_size
        wrapper = request.environ.get("wsgi.file_wrapper")
        if wrapper is not None:  # the server copies the file to the socket itself (gunicorn: sendfile), and closes it
            body: Iterable[bytes] = wrapper(path.open("rb"), STREAM_CHUNK)
        else:
            body = chunks_of(lambda: path.open("rb"))
        return streamed(body, size, content_type)


class S3Backend:
    """Objects in an S3-compatible bucket (FUNDMGR_STORAGE_URL=s3://bucket/prefix), shared by every app server.

    Credentials come from boto3's usual sources (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, an
    instance role); FUNDMGR_S3_ENDPOINT_URL names a store other than AWS (MinIO, Ceph, a provider's endpoint).
    """

    def __init__(self, url: str, endpoint_url: str | None):
        parts = urlsplit(url)
        self.bucket = parts.netloc
        self.prefix = parts.path.strip("/")
        import boto3  # loaded with an S3 store only: boto3 and botocore hold some 10 MB in every process

        self.client = boto3.client("s3", endpoint_url=endpoint_url)
        self.ClientError = self.client.exceptions.ClientError  # botocore's, without importing it here

    def name(self, key: str) -> str:
        if not is_key(key):
            raise ValueError("invalid storage key")
        return f"{self.prefix}/{key}" if self.prefix else key

    def write(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.name(key), Body=data)  # whole or nothing

    def fetch(self, key: str) -> dict[str, Any]:
        """The object's GetObject answer (its Body streams the bytes); FileNotFoundError when there is none."""
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.name(key))
        except self.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404"):
                raise FileNotFoundError(key) from exc
            raise

    def read(self, key: str) -> bytes:
        return self.fetch(key)["Body"].read()

    def open(self, key: str) -> IO[bytes]:
        return self.fetch(key)["Body"]

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self.name(key))
        except self.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                return False
            raise
        return True

    def keys(self) -> set[str]:
        start = f"{self.prefix}/" if self.prefix else ""
        found: set[str] = set()
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=start):
            found.update(item["Key"][len(start) :] for item in page.get("Contents", []))
        return {key for key in found if is_key(key)}

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self.name(key))

    def send(self, key: str, filename: str, content_type: str) -> Response:
        # streamed through the app, after the view's permission check: the bucket stays private and reachable
        # from the app servers only, and no link outlives the check (see docs/deployment.md)
        stored = self.fetch(key)
        response = send_file(stored["Body"], mimetype=content_type, as_attachment=True, download_name=filename)
        response.content_length = stored["ContentLength"]
        return response

    def stream(self, key: str, content_type: str) -> Response:
        stored = self.fetch(key)
        return streamed(chunks_of(lambda: stored["Body"]), stored["ContentLength"], content_type)


STREAM_CHUNK = 1 << 20  # bytes read at a time from a stored file streamed through the app


def chunks_of(opened: Callable[[], IO[bytes] | Any]) -> Iterator[bytes]:
    """The file's bytes a chunk at a time: opened when the first is read (never for an answer sent without its
    body, a 304), closed once read or once the answer is closed."""
    with opened() as file:
        while chunk := file.read(STREAM_CHUNK):
            yield chunk


def streamed(body: Iterable[bytes], size: int, content_type: str) -> Response:
    """An answer streaming a stored file's bytes, inline, with its length."""
    response = Response(body, mimetype=content_type, direct_passthrough=True)
    response.content_length = size
    return response


def backend() -> Backend:
    """The current app's storage backend, made once per app (per process: a boto3 client is made after the fork)."""
    made = current_app.extensions.get(BACKEND)
    if made is None:
        url = current_app.config["STORAGE_URL"]
        if url:
            made = S3Backend(url, current_app.config["S3_ENDPOINT_URL"])
        else:
            made = LocalBackend(Path(current_app.config["STORAGE_DIR"]))
        current_app.extensions[BACKEND] = made
    return made


BACKEND = "fundmgr.storage"


def path_for(key: str) -> Path:
    """The file of a storage key in the local folder (only when files are kept there)."""
    local = backend()
    if not isinstance(local, LocalBackend):
        raise RuntimeError("files are kept in object storage, not in a local folder")
    return local.path(key)


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
    return keep(data, filename, CONTENT_TYPES[extension])


def store_generated(data: bytes, filename: str, content_type: str) -> StoredFile:
    """Keep a document the app made (approved minutes) like an upload."""
    return keep(data, filename, content_type)


def keep(data: bytes, filename: str, content_type: str) -> StoredFile:
    """Store bytes under their content's key, once (write-once: an object already there is left as it is).

    The transaction remembers the bytes: if it rolls back, an object it created is deleted unless a committed row
    points at it; once it commits, an object another transaction deleted meanwhile is written again.
    """
    key = content_key(data)
    store = backend()
    created = not store.exists(key)
    if created:
        store.write(key, data)
    stored = db.session().info.setdefault(STORED_IN_TRANSACTION, {})
    stored[key] = (data, created or stored.get(key, (b"", False))[1])
    return StoredFile(key=key, filename=filename, content_type=content_type, size=len(data),
                      sha256=key.rsplit("/", 1)[-1])  # fmt: skip


def send_stored(key: str, filename: str, content_type: str) -> Response:
    """A download of a stored file, always as an attachment (never rendered inline); the caller checked the right."""
    return backend().send(key, filename, content_type)


def serve_stored(key: str, content_type: str, *, gzipped: bool = False) -> Response:
    """A file the app generated itself, shown inline and streamed from the store (never read whole into memory):
    for large generated files anyone may fetch, such as the IATI file. Never for uploads (`send_stored`).

    A file kept gzipped goes as it is to a client that accepts gzip (`Content-Encoding: gzip`), and is decompressed
    on its way to one that does not (then in chunks, without a length: its size is not kept). FileNotFoundError
    when the store has no such file."""
    store = backend()
    if not gzipped:
        return store.stream(key, content_type)
    if request.accept_encodings["gzip"]:
        response = store.stream(key, content_type)
        response.content_encoding = "gzip"
    else:  # the store taken now: the server reads the body after the request's app context has ended
        if not store.exists(key):  # found missing now, as the other answers would, not once the headers are sent
            raise FileNotFoundError(key)
        response = Response(gunzipped(lambda: store.open(key)), mimetype=content_type, direct_passthrough=True)
    response.vary.add("Accept-Encoding")  # caches keep the two answers apart
    return response


def gunzipped(opened: Callable[[], IO[bytes]]) -> Iterator[bytes]:
    """A gzipped stored file's content a chunk at a time (opened when the first is read: never for a 304)."""
    with contextlib.closing(opened()) as raw, gzip.GzipFile(fileobj=raw) as file:
        while chunk := file.read(STREAM_CHUNK):
            yield chunk


def write_stored(key: str, data: bytes) -> None:
    """Keep the bytes under the key, replacing what it held; never half-written (a crash leaves the old bytes)."""
    backend().write(key, data)


def read_stored(key: str) -> bytes:
    """The bytes kept under the key; FileNotFoundError when there are none."""
    return backend().read(key)


def stored_keys() -> set[str]:
    """The key of every stored file."""
    return backend().keys()


def delete_stored(key: str) -> None:
    """Remove a stored file now."""
    backend().delete(key)


def delete_after_commit(key: str) -> None:
    """Remove a stored file once the current transaction commits (its row is being deleted), unless another row
    still points at it (content addressing: equal files share one object)."""
    db.session().info.setdefault(REMOVED_IN_TRANSACTION, []).append(key)


def referenced(connection: sa.Connection | so.Session, key: str) -> bool:
    """Whether a row of any table with a `storage_key` column points at the key (as the connection sees them)."""
    tables = [table for table in db.metadata.sorted_tables if KEY_COLUMN in table.c]
    return any(
        connection.execute(sa.select(sa.literal(1)).where(table.c[KEY_COLUMN] == key).limit(1)).first()
        for table in tables
    )


KEY_COLUMN = "storage_key"  # a column of this name holds a storage key (fundmgr.backup backs its file up too)
STORED_IN_TRANSACTION = "fundmgr.storage.stored"  # key -> (bytes, whether this transaction created the object)
REMOVED_IN_TRANSACTION = "fundmgr.storage.removed"


@sa.event.listens_for(so.Session, "before_commit")
def keep_files_still_pointed_at(session: so.Session) -> None:
    # decided inside the transaction, which sees its own removals: after commit no SQL can run on it
    removed = session.info.get(REMOVED_IN_TRANSACTION)
    if removed:
        session.flush()
        session.info[REMOVED_IN_TRANSACTION] = [key for key in removed if not referenced(session, key)]


@sa.event.listens_for(so.Session, "after_commit")
def settle_files_after_commit(session: so.Session) -> None:
    stored = session.info.pop(STORED_IN_TRANSACTION, {})
    removed = session.info.pop(REMOVED_IN_TRANSACTION, [])
    if not (stored or removed):
        return
    store = backend()
    for key, (data, _created) in stored.items():
        if not store.exists(key):  # a concurrent removal or rollback of the same content deleted it
            store.write(key, data)
    for key in dict.fromkeys(removed):
        if key not in stored:
            store.delete(key)


@sa.event.listens_for(so.Session, "after_soft_rollback")
def settle_files_after_rollback(session: so.Session, previous_transaction: so.SessionTransaction) -> None:
    # a savepoint rolled back inside the transaction does not undo what the outer one recorded
    if previous_transaction.nested or previous_transaction.parent is not None or not has_app_context():
        return
    session.info.pop(REMOVED_IN_TRANSACTION, None)
    created = [key for key, (_data, new) in session.info.pop(STORED_IN_TRANSACTION, {}).items() if new]
    if created:
        with db.engine.connect() as connection:  # the committed rows: the rolled-back ones point at nothing
            kept = {key for key in created if referenced(connection, key)}
        for key in created:
            if key not in kept:
                delete_stored(key)
