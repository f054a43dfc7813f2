"""Whole-database backup and restore, the same on SQLite and PostgreSQL.

A backup is a gzip'd JSON-lines file: a header (format, schema revision, table names), then
one line per table and row. Values keep their exact form (Decimal as text, dates in ISO).
Restore refuses a file from another schema revision, empties every table and reloads it in
one transaction, so a failed restore leaves the database as it was.
"""

from __future__ import annotations

import base64
import enum
import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from pydantic import BaseModel

from fundmgr.db import db

FORMAT = "fundmgr-backup/1"
BATCH = 1000


class BackupError(Exception):
    """A backup file that cannot be restored here."""


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


def backup(path: Path) -> dict[str, int]:
    """Write every row of every table to path; returns the row count per table."""
    counts: dict[str, int] = {}
    with db.engine.connect() as connection, gzip.open(path, "wt", encoding="utf-8") as out:
        header = {"format": FORMAT, "revision": current_revision(connection), "tables": [t.name for t in tables()]}
        out.write(json.dumps(header) + "\n")
        for table in tables():
            counts[table.name] = 0
            order = list(table.primary_key.columns) or list(table.columns)
            for row in connection.execute(sa.select(table).order_by(*order)).mappings():
                out.write(json.dumps({"t": table.name, "r": {k: encode(v) for k, v in row.items()}}) + "\n")
                counts[table.name] += 1
    return counts


def read_lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            for line in handle:
                yield json.loads(line)
    except (OSError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path} is not a fundmgr backup: {exc}") from exc


def restore(path: Path) -> dict[str, int]:
    """Replace the whole database's content with the backup's, in one transaction."""
    lines = read_lines(path)
    header = next(lines, None)
    if not header or header.get("format") != FORMAT:
        raise BackupError(f"{path} is not a fundmgr backup")
    by_name = {t.name: t for t in tables()}
    counts = dict.fromkeys(by_name, 0)
    with db.engine.begin() as connection:
        revision = current_revision(connection)
        if header["revision"] != revision:
            raise BackupError(
                f"the backup is of schema revision {header['revision']}, the database is at {revision}: "
                "migrate the database (flask db upgrade) to the backup's revision first"
            )
        for table in reversed(tables()):
            connection.execute(table.delete())
        pending: dict[str, list[dict[str, Any]]] = {}
        self_links: list[tuple[sa.Table, dict[str, Any]]] = []
        for line in lines:
            table = by_name.get(line["t"])
            if table is None:
                raise BackupError(f"the backup has a table {line['t']!r} this schema does not know")
            row = decode_row(table, line["r"])
            links = {c.name: row[c.name] for c in self_referencing(table) if row.get(c.name) is not None}
            if links:  # a row may point at a later row of its own table: link it once all are in
                self_links.append((table, {**{c.name: row[c.name] for c in table.primary_key.columns}, **links}))
                row.update(dict.fromkeys(links))
            pending.setdefault(table.name, []).append(row)
            counts[table.name] += 1
            if len(pending[table.name]) >= BATCH:
                flush_rows(connection, by_name, pending)
        flush_rows(connection, by_name, pending)
        for table, values in self_links:
            keys = [c.name for c in table.primary_key.columns]
            condition = sa.and_(*(table.c[k] == values[k] for k in keys))
            connection.execute(
                table.update().where(condition).values({k: v for k, v in values.items() if k not in keys})
            )
        reset_sequences(connection)
    return counts


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
