"""Bulk writing for the benchmark's dataset: COPY on PostgreSQL, executemany elsewhere.

Rows are plain dicts of Python values (Decimal, date, datetime, enum members, dicts and lists
for JSON columns) keyed by column name, with their primary keys given. They are buffered per
table and written in the metadata's dependency order, so a child row is never written before
its parent. Columns a row leaves out get the column's Python default (as the ORM would), so
COPY never leaves a NOT NULL column empty.
"""

from __future__ import annotations

import enum
import json
from collections import defaultdict
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fundmgr.db import ScaledDecimal, db


class BulkWriter:
    """Buffers rows per table and writes them in dependency order through one connection."""

    def __init__(self, connection: sa.Connection, *, flush_rows: int = 200_000) -> None:
        self.connection = connection
        self.flush_rows = flush_rows
        self.tables = {t.name: t for t in db.metadata.sorted_tables}
        self.order = [t.name for t in db.metadata.sorted_tables]
        self.buffers: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.buffered = 0
        self.written: dict[str, int] = defaultdict(int)
        self.next_ids: dict[str, int] = {}
        self.postgres = connection.dialect.name == "postgresql"

    def next_id(self, table: str) -> int:
        """A fresh primary key for a row of the table (after those already in the database)."""
        if table not in self.next_ids:
            current = self.connection.execute(sa.select(sa.func.max(self.tables[table].c.id))).scalar()
            self.next_ids[table] = (current or 0) + 1
        ident = self.next_ids[table]
        self.next_ids[table] = ident + 1
        return ident

    def add(self, table: str, row: dict[str, Any]) -> dict[str, Any]:
        self.buffers[table].append(row)
        self.buffered += 1
        if self.buffered >= self.flush_rows:
            self.flush()
        return row

    def flush(self) -> None:
        for name in self.order:
            rows = self.buffers.pop(name, None)
            if rows:
                self.write(self.tables[name], rows)
                self.written[name] += len(rows)
        self.buffered = 0

    def write(self, table: sa.Table, rows: list[dict[str, Any]]) -> None:
        given = set().union(*(row.keys() for row in rows))
        if unknown := given - set(table.c.keys()):
            raise KeyError(f"{table.name} has no columns {sorted(unknown)}")
        columns = [c for c in table.columns if c.name in given or c.default is not None]
        defaults = {c.name: c.default for c in columns if c.default is not None}
        complete = [
            {c.name: row[c.name] if c.name in row else default_of(defaults.get(c.name)) for c in columns}
            for row in rows
        ]
        if self.postgres:
            self.copy(table, columns, complete)
        else:
            self.connection.execute(table.insert(), complete)

    def copy(self, table: sa.Table, columns: list[sa.Column], rows: list[dict[str, Any]]) -> None:
        """COPY FROM STDIN through psycopg: the fastest path into PostgreSQL."""
        converters = [converter_for(c) for c in columns]
        names = ", ".join(f'"{c.name}"' for c in columns)
        raw = self.connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([convert(row[c.name]) for c, convert in zip(columns, converters, strict=True)])

    def finish(self) -> dict[str, int]:
        """Write what is buffered and move PostgreSQL's id sequences past the ids given here."""
        self.flush()
        if self.postgres:
            for name in self.written:
                if "id" not in self.tables[name].c:
                    continue
                sequence = self.connection.exec_driver_sql(f"SELECT pg_get_serial_sequence('{name}', 'id')").scalar()
                if sequence:
                    # names from the metadata and the catalog, not from input
                    past = f'GREATEST((SELECT COALESCE(MAX(id), 1) FROM "{name}"), (SELECT last_value FROM {sequence}))'  # noqa: S608
                    self.connection.exec_driver_sql(f"SELECT setval('{sequence}', {past})")
        return dict(self.written)


def default_of(default: Any) -> Any:
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)
    return default.arg


def converter_for(column: sa.Column) -> Any:
    """How a Python value becomes COPY text for the column's type."""
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator) and isinstance(kind.impl_instance, sa.JSON):
        # a typed JSON column (a version's snapshot) turns its value into JSON data itself
        return lambda v: None if v is None else json.dumps(kind.process_bind_param(v, None), ensure_ascii=False)
    if isinstance(kind, sa.JSON):
        return lambda v: None if v is None else json.dumps(v, ensure_ascii=False)
    if isinstance(kind, ScaledDecimal):
        quantum = Decimal(1).scaleb(-kind.scale)
        return lambda v: None if v is None else Decimal(v).quantize(quantum)
    if isinstance(kind, sa.Enum):
        return lambda v: v.value if isinstance(v, enum.Enum) else v
    return lambda v: v
