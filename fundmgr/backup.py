"""Backup and restore of everything fundmgr keeps: the database and the stored files, in one archive.

The archive is a zip file holding `database.jsonl` (one line per table row; values keep their exact
form: Decimal as text, dates in ISO), every stored file the database points at (under `files/<key>`,
read and written through fundmgr.storage: the local folder or the S3 bucket alike), and `manifest.json`:
the format, the schema revision, the row count per table, and the sha256 of the rows and of each file.
The same on SQLite and PostgreSQL.

Restore checks the whole archive before changing anything (a damaged, truncated or mismatched archive,
or one of another schema revision, is refused and nothing changes). It then adds the archive's files to
storage, replaces every row in one transaction (taking the files back out if that fails), and only once
that has committed removes the stored files the backup does not have.
"""

from __future__ import annotations

import base64
import enum
import hashlib
import io
import json
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, Final, Literal

import pydantic
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from pydantic import BaseModel

from fundmgr import clock
from fundmgr.db import db
from fundmgr.storage import KEY_COLUMN, delete_stored, is_key, read_stored, stored_keys, write_stored

FORMAT: Final = "fundmgr-backup/2"
MANIFEST = "manifest.json"
DATABASE = "database.jsonl"
FILES = "files/"
BATCH = 1000
# What reading a damaged or truncated member raises (CRC mismatch, broken deflate stream, cut short).
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError)


class BackupError(Exception):
    """A backup file that cannot be restored here."""


class Manifest(pydantic.BaseModel):
    """What an archive holds, with the sha256 of each part; restore trusts nothing it does not list."""

    model_config = pydantic.ConfigDict(extra="forbid")

    format: Literal["fundmgr-backup/2"]
    revision: str | None
    created_at: datetime
    rows: dict[str, int]  # per table
    database_sha256: str
    files: dict[str, str]  # storage key -> sha256
    missing_files: list[str]  # keys the database pointed at whose file was not in storage


@dataclass
class Summary:
    """What a backup wrote or a restore brought back."""

    rows: dict[str, int]
    files: int
    missing_files: list[str] = field(default_factory=list)


def encode(value: Any) -> Any:
    if isinstance(value, BaseModel):  # a typed JSON column's value (a version's snapshot): its stored JSON
        return value.model_dump(mode="json")
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return {"$decimal": format(value, "f")}
    if isinstance(value, datetime):
        return {"$datetime": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def decode(value: Any) -> Any:
    if isinstance(value, dict) and len(value) == 1:
        ((key, raw),) = value.items()
        if key == "$decimal":
            return Decimal(raw)
        if key == "$datetime":
            return datetime.fromisoformat(raw)
        if key == "$date":
            return date.fromisoformat(raw)
        if key == "$bytes":
            return base64.b64decode(raw)
    return value


def decode_row(table: sa.Table, row: dict[str, Any]) -> dict[str, Any]:
    """A backup row as column values; enum columns get their enum members back."""
    values = {}
    for name, raw in row.items():
        value = decode(raw)
        enum_class = getattr(table.c[name].type, "enum_class", None)
        if enum_class is not None and value is not None:
            value = enum_class(value)
        values[name] = value
    return values


def self_referencing(table: sa.Table) -> list[sa.Column]:
    """Columns of a table that refer to the same table (e.g. a region's parent)."""
    return [fk.parent for fk in table.foreign_keys if fk.column.table is table]


def current_revision(connection: sa.Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def tables() -> list[sa.Table]:
    """Every table of the application, parents before children."""
    return list(db.metadata.sorted_tables)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def backup(path: Path) -> Summary:
    """Write the database and the stored files it points at to one archive at path (replaced only once complete)."""
    partial = path.with_name(f"{path.name}.part")
    try:
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            revision, rows, database_sha256, keys = dump_database(archive)
            files, missing = {}, []
            for key in sorted(keys):
                try:
                    data = read_stored(key)
                except (FileNotFoundError, ValueError):
                    missing.append(key)
                    continue
                # uploads are PDF, Office and image files: already compressed
                archive.writestr(FILES + key, data, compress_type=zipfile.ZIP_STORED)
                files[key] = sha256(data)
            manifest = Manifest(
                format=FORMAT, revision=revision, created_at=clock.now(), rows=rows,
                database_sha256=database_sha256, files=files, missing_files=missing,
            )  # fmt: skip
            archive.writestr(MANIFEST, manifest.model_dump_json(indent=1))
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return Summary(rows=rows, files=len(files), missing_files=missing)


def dump_database(archive: zipfile.ZipFile) -> tuple[str | None, dict[str, int], str, set[str]]:
    """Write every row to the archive; returns the revision, row counts, the rows' sha256 and the storage keys."""
    counts: dict[str, int] = {}
    keys: set[str] = set()
    digest = hashlib.sha256()
    with db.engine.connect() as connection, archive.open(DATABASE, "w", force_zip64=True) as member:
        if connection.dialect.name == "postgresql":  # one snapshot for every table (SQLite's transaction is one)
            connection.execution_options(isolation_level="REPEATABLE READ")
        out = io.BufferedWriter(member, 1 << 20)
        revision = current_revision(connection)
        for table in tables():
            counts[table.name] = 0
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(sa.select(table).order_by(*order)).mappings():
                line = (json.dumps({"t": table.name, "r": {k: encode(v) for k, v in row.items()}}) + "\n").encode()
                out.write(line)
                digest.update(line)
                counts[table.name] += 1
                if row.get(KEY_COLUMN):
                    keys.add(row[KEY_COLUMN])
        out.flush()
    return revision, counts, digest.hexdigest(), keys


def restore(path: Path) -> Summary:
    """Replace every row and every stored file with the archive's; refuse it, changing nothing, unless all checks."""
    with open_archive(path) as archive:
        manifest = read_manifest(archive, path)
        check_database(manifest)
        verify_members(archive, manifest)
        take_back_files = put_files(archive, manifest)
        try:
            rows = load_database(archive, manifest)
        except BaseException:
            take_back_files()
            raise
    for key in stored_keys() - set(manifest.files):
        delete_stored(key)
    return Summary(rows=rows, files=len(manifest.files), missing_files=manifest.missing_files)


def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        with path.open("rb") as handle:
            gzipped = handle.read(2) == b"\x1f\x8b"  # fundmgr-backup/1: gzip'd rows, no files
        if gzipped:
            raise BackupError(
                f"{path} is a database-only backup made by an earlier fundmgr; this one cannot restore it"
            ) from exc
        raise BackupError(f"{path} is not a fundmgr backup, or it is damaged or cut short: {exc}") from exc


def read_manifest(archive: zipfile.ZipFile, path: Path) -> Manifest:
    try:
        raw = read_member(archive, MANIFEST)
    except KeyError as exc:
        raise BackupError(f"{path} is not a fundmgr backup (it has no {MANIFEST})") from exc
    try:
        manifest = Manifest.model_validate_json(raw)
    except pydantic.ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"])
        raise BackupError(f"{path} has a manifest fundmgr did not write ({where}: {problem['msg']})") from exc
    bad_keys = [key for key in manifest.files if not is_key(key)]
    if bad_keys:
        raise BackupError(f"the manifest names files that are not storage keys: {', '.join(bad_keys[:5])}")
    return manifest


def check_database(manifest: Manifest) -> None:
    """Refuse an archive of another schema revision, or with tables this schema does not know."""
    with db.engine.connect() as connection:
        revision = current_revision(connection)
    if manifest.revision != revision:
        raise BackupError(
            f"the backup is of schema revision {manifest.revision}, the database is at {revision}: "
            "migrate the database (flask db upgrade) to the backup's revision first"
        )
    unknown = sorted(set(manifest.rows) - {t.name for t in tables()})
    if unknown:
        raise BackupError(f"the backup has tables this schema does not know: {', '.join(unknown)}")


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except DAMAGED as exc:
        raise BackupError(f"{name} in the backup is damaged: {exc}") from exc


def verify_members(archive: zipfile.ZipFile, manifest: Manifest) -> None:
    """Check that the archive holds exactly what its manifest lists, each part with its sha256."""
    expected = {DATABASE: manifest.database_sha256, **{FILES + key: sha for key, sha in manifest.files.items()}}
    present = set(archive.namelist()) - {MANIFEST}
    if present != set(expected):
        missing, extra = sorted(set(expected) - present), sorted(present - set(expected))
        raise BackupError(f"the backup does not hold what its manifest lists (missing: {missing}, not listed: {extra})")
    for name, expected_sha in expected.items():
        digest = hashlib.sha256()
        try:
            with archive.open(name) as member:
                while chunk := member.read(1 << 20):
                    digest.update(chunk)
        except DAMAGED as exc:
            raise BackupError(f"{name} in the backup is damaged: {exc}") from exc
        if digest.hexdigest() != expected_sha:
            raise BackupError(f"{name} in the backup is not what was backed up (its sha256 is not the manifest's)")


def put_files(archive: zipfile.ZipFile, manifest: Manifest) -> Callable[[], None]:
    """Add the archive's files to storage; returns what puts storage back as it was (on any failure here, done)."""
    previous: dict[str, bytes | None] = {}  # what each key written held before: None for nothing

    def take_back() -> None:
        for key, data in previous.items():
            if data is None:
                delete_stored(key)
            else:
                write_stored(key, data)

    try:
        for key, expected_sha in manifest.files.items():
            try:
                current = read_stored(key)
            except FileNotFoundError:
                current = None
            if current is not None and sha256(current) == expected_sha:
                continue  # the same file is already there
            data = read_member(archive, FILES + key)
            if sha256(data) != expected_sha:
                raise BackupError(f"{FILES + key} in the backup changed while it was being restored")
            previous[key] = current
            write_stored(key, data)
    except BaseException:
        take_back()
        raise
    return take_back


def read_rows(archive: zipfile.ZipFile) -> Iterator[dict[str, Any]]:
    try:
        with archive.open(DATABASE) as member:
            for line in io.TextIOWrapper(member, encoding="utf-8"):
                yield json.loads(line)
    except DAMAGED as exc:
        raise BackupError(f"{DATABASE} in the backup is damaged: {exc}") from exc


def load_database(archive: zipfile.ZipFile, manifest: Manifest) -> dict[str, int]:
    """Replace every row with the archive's, in one transaction; returns the row count per table."""
    by_name = {t.name: t for t in tables()}
    counts = dict.fromkeys(by_name, 0)
    kept_keys = set(manifest.files) | set(manifest.missing_files)
    try:
        with db.engine.begin() as connection:
            if current_revision(connection) != manifest.revision:
                raise BackupError("the database was migrated while the backup was being checked")
            defer_foreign_keys(connection)
            for emptied in reversed(tables()):
                connection.execute(emptied.delete())
            pending: dict[str, list[dict[str, Any]]] = {}
            self_links: list[tuple[sa.Table, dict[str, Any]]] = []
            for line in read_rows(archive):
                table = by_name.get(line["t"])
                if table is None:
                    raise BackupError(f"the backup has a table {line['t']!r} this schema does not know")
                row = decode_row(table, line["r"])
                if row.get(KEY_COLUMN) and row[KEY_COLUMN] not in kept_keys:
                    raise BackupError(f"a row of {table.name} points at a file the backup does not list")
                links = {c.name: row[c.name] for c in self_referencing(table) if row.get(c.name) is not None}
                if links:  # a row may point at a later row of its own table: link it once all are in
                    # (with the values of columns the update would otherwise stamp anew, such as updated_at)
                    stamped = {c.name: row[c.name] for c in table.columns if c.onupdate is not None and c.name in row}
                    keys = {c.name: row[c.name] for c in table.primary_key.columns}
                    self_links.append((table, {**keys, **links, **stamped}))
                    row.update(dict.fromkeys(links))
                pending.setdefault(table.name, []).append(row)
                counts[table.name] += 1
                if len(pending[table.name]) >= BATCH:
                    flush_rows(connection, by_name, pending)
            flush_rows(connection, by_name, pending)
            for table, values in self_links:
                key_names = [c.name for c in table.primary_key.columns]
                condition = sa.and_(*(table.c[k] == values[k] for k in key_names))
                connection.execute(
                    table.update().where(condition).values({k: v for k, v in values.items() if k not in key_names})
                )
            if {name: n for name, n in counts.items() if n} != {name: n for name, n in manifest.rows.items() if n}:
                raise BackupError("the backup's rows differ from the counts its manifest lists")
            reset_sequences(connection)
    except (ValueError, KeyError, TypeError, ArithmeticError, sa.exc.SQLAlchemyError) as exc:
        # the sha256 matched, so the archive was written this way: say what went wrong and keep nothing
        raise BackupError(f"the backup's rows cannot be loaded ({type(exc).__name__}: {exc})") from exc
    return counts


def defer_foreign_keys(connection: sa.Connection) -> None:
    """Check the foreign keys the table order cannot honour at commit, not row by row: a cycle the order breaks
    (minutes approved by a written procedure about them) has one side point at a table emptied or filled later."""
    if connection.dialect.name == "postgresql":
        connection.execute(sa.text("SET CONSTRAINTS ALL DEFERRED"))  # those declared DEFERRABLE
    elif connection.dialect.name == "sqlite":
        connection.execute(sa.text("PRAGMA defer_foreign_keys = ON"))  # until this transaction ends


def flush_rows(connection: sa.Connection, by_name: dict[str, sa.Table], pending: dict[str, list]) -> None:
    """Insert what is pending, parents first (rows of a table arrive in the backup's table order)."""
    for table in tables():
        rows = pending.pop(table.name, None)
        if rows:
            connection.execute(by_name[table.name].insert(), rows)


def reset_sequences(connection: sa.Connection) -> None:
    """On PostgreSQL, move each id sequence past the restored rows so new rows get fresh ids."""
    if connection.dialect.name != "postgresql":
        return
    for table in tables():
        for column in table.primary_key.columns:
            if column.autoincrement is True or (column.autoincrement == "auto" and isinstance(column.type, sa.Integer)):
                next_id = sa.select(sa.func.coalesce(sa.func.max(column), 0) + 1).scalar_subquery()
                sequence = sa.func.pg_get_serial_sequence(table.name, column.name)
                connection.execute(sa.select(sa.func.setval(sequence, next_id, False)))
