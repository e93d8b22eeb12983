"""Moving a whole ASPnet Atlas database between engines (DuckDB file <-> PostgreSQL), verified.

:func:`copy_database` copies every table of one open database into another, empty one, in
one transaction of the target, and :func:`digests` gives each table's row count and a digest
of its rows that both engines compute alike (values are read into Python and normalised), so
a copy is checked row by row whichever way it went.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from .db import Database, advance_sequences, quote_ident
from .errors import DatabaseError

# Tables in dependency order: loading in this order satisfies every foreign key.
TABLES = (
    "regions",
    "countries",
    "networks",
    "institutions",
    "certificates",
    "users",
    "sessions",
    "notification_settings",
    "audit_log",
    "applications",
    "application_events",
    "projects",
    "project_members",
    "channels",
    "messages",
    "channel_reads",
    "channel_members",
    "message_reports",
    "files",
    "message_files",
    "project_materials",
    "outbox",
    "import_mappings",
    "membership_events",
    "invitations",
    "reports",
    "report_activities",
    "report_scores",
    "report_reminders",
    "inactive_reviews",
    "change_requests",
    "meta",
)
# Meta keys that belong to one database (not copied): the PostgreSQL change feed's bookkeeping.
_LOCAL_META = ("changes_kept_from",)
BATCH = 20_000
# Rows read at a time from a table holding files (up to 10 MB each) rather than BATCH.
SMALL_BATCHES = {"files": 8}


class TargetNotEmpty(DatabaseError):
    """``copy`` refuses to write into a database that already holds data."""


def columns(db: Database, table: str) -> list[tuple[str, str]]:
    return _columns(db.cursor(), table)


def _is_duckdb(cur: object) -> bool:
    return isinstance(cur, duckdb.DuckDBPyConnection)


def _columns(cur: Any, table: str) -> list[tuple[str, str]]:
    return cur.execute(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position",
        [table],
    ).fetchall()


def _keys(cur: Any, table: str) -> list[str]:
    """The primary key's columns (every column for a table without one)."""
    if _is_duckdb(cur):
        rows = cur.execute(
            "SELECT constraint_column_names FROM duckdb_constraints() "
            "WHERE table_name = ? AND constraint_type = 'PRIMARY KEY'",
            [table],
        ).fetchall()
        found = list(rows[0][0]) if rows else []
    else:
        found = [
            r[0]
            for r in cur.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = CAST(? AS regclass) AND i.indisprimary "
                "ORDER BY array_position(i.indkey, a.attnum)",
                [table],
            ).fetchall()
        ]
    return found or [c for c, _ in _columns(cur, table)]


def _batches(cur: Any, table: str, names: list[str]) -> Iterator[list[tuple]]:
    """The rows of ``table`` in key order, a batch at a time, as ``cur`` sees them."""
    order = ", ".join(quote_ident(k) for k in _keys(cur, table))
    select = f"SELECT {', '.join(quote_ident(c) for c in names)} FROM {quote_ident(table)} ORDER BY {order}"
    size = SMALL_BATCHES.get(table, BATCH)
    if _is_duckdb(cur):
        result = cur.execute(select)
        while rows := result.fetchmany(size):
            yield rows
        return
    with _pg_connection(cur) as conn, conn.cursor(name=f"read_{table}") as named:
        named.itersize = size
        named.execute(select)
        while rows := named.fetchmany(size):
            yield rows


@contextlib.contextmanager
def _pg_connection(cur: Any) -> Iterator[Any]:
    """The connection of a PostgreSQL cursor's transaction, or a pooled one in a transaction
    (a named cursor needs one)."""
    if getattr(cur, "_conn", None) is not None:
        yield cur._conn
        return
    with cur._owner._connection() as conn, conn.transaction():
        yield conn


def _normal(value: object) -> object:
    if isinstance(value, bytes | bytearray | memoryview):  # a file's content: its digest, not a copy of it
        return ("bytes", hashlib.blake2b(bytes(value), digest_size=16).hexdigest())
    if isinstance(value, float):
        return "nan" if math.isnan(value) else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return tuple(_normal(v) for v in value)
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True)
    return value


def _json(value: object) -> str:
    """A JSON value (text, or already decoded by the driver) in one canonical spelling."""
    return json.dumps(json.loads(value) if isinstance(value, str | bytes) else value, sort_keys=True)


def digest_rows(cur: Any, table: str) -> tuple[int, str]:
    """(row count, digest of the rows in key order) of ``table`` as ``cur`` sees it, alike on
    both engines (values are normalised in Python: floats by repr, times in ISO form, JSON
    re-encoded with sorted keys)."""
    described = _columns(cur, table)
    names = [c for c, _ in described]
    json_columns = {i for i, (_, t) in enumerate(described) if t.upper() == "JSON"}
    digest = hashlib.blake2b(digest_size=16)
    count = 0
    for rows in _batches(cur, table, names):
        for row in rows:
            if table == "meta" and row[0] in _LOCAL_META:
                continue
            values = [_json(v) if i in json_columns and v is not None else _normal(v) for i, v in enumerate(row)]
            digest.update(repr(values).encode())
            count += 1
    return count, digest.hexdigest()


def digests(db: Database, tables: tuple[str, ...] = TABLES) -> dict[str, tuple[int, str]]:
    """:func:`digest_rows` of every table."""
    return {t: digest_rows(db.cursor(), t) for t in tables}


def is_empty(db: Database) -> bool:
    """Nothing stored but the rows a new database starts with (its meta keys)."""
    return all(not db.scalar(f"SELECT count(*) FROM {quote_ident(t)}") for t in TABLES if t != "meta")


def copy_database(source: Database, target: Database) -> dict[str, tuple[int, str]]:
    """Copy every table of ``source`` into the empty ``target`` (one transaction) and check the
    copy against the source, table by table; returns the digests. Nothing is written if the
    target holds data, and the copy is rolled back if any table differs."""
    if source.schema_version() != target.schema_version():
        raise DatabaseError(
            f"schema versions differ: {source.path} has {source.schema_version()}, "
            f"{target.path} has {target.schema_version()}"
        )
    if not is_empty(target):
        raise TargetNotEmpty(f"{target.path} already holds data; copy writes only into an empty database")
    expected = digests(source)
    with target.transaction() as cur:
        for table in TABLES:
            target_columns = {c for c, _ in columns(target, table)}
            names = [c for c, _ in columns(source, table) if c in target_columns]
            if table == "meta":
                cur.execute(f"DELETE FROM meta WHERE key NOT IN ({', '.join('?' for _ in _LOCAL_META)})", _LOCAL_META)
            for rows in _batches(source.cursor(), table, names):
                if table == "meta":
                    rows = [r for r in rows if r[0] not in _LOCAL_META]
                _insert(target, cur, table, names, rows)
        advance_sequences(cur)
        if target.dialect == "postgres":
            cur.execute("DELETE FROM row_changes")
        got = {t: digest_rows(cur, t) for t in TABLES}
        different = [t for t in TABLES if got.get(t) != expected.get(t)]
        if different:
            raise DatabaseError(f"the copy differs from {source.path} in: {', '.join(different)}; nothing was written")
    target.checkpoint()
    return expected


def _insert(target: Database, cur: object, table: str, names: list[str], rows: list[tuple]) -> None:
    if not rows:
        return
    if target.dialect == "postgres":
        conn = cur._conn  # type: ignore[attr-defined]
        with conn.cursor().copy(
            f"COPY {quote_ident(table)} ({', '.join(quote_ident(c) for c in names)}) FROM STDIN"
        ) as copy:
            for row in rows:
                copy.write_row(row)
        return
    kinds = dict(columns(target, table))
    frame = pl.DataFrame(rows, schema=names, orient="row", infer_schema_length=None)
    cur.register("copy_rows", frame.to_arrow())  # type: ignore[attr-defined]
    try:
        select = ", ".join(f"CAST({quote_ident(c)} AS {kinds[c]})" for c in names)
        cur.execute(  # type: ignore[attr-defined]
            f"INSERT INTO {quote_ident(table)} ({', '.join(quote_ident(c) for c in names)}) "
            f"SELECT {select} FROM copy_rows"
        )
    finally:
        cur.unregister("copy_rows")  # type: ignore[attr-defined]
