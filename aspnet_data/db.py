"""The one place that talks to DuckDB.

A :class:`Database` wraps one DuckDB connection per process and hands each thread its
own cursor (Streamlit runs every session in a thread of one process). Reads return
polars frames; writes go through :meth:`Database.write`, which runs a function inside a
transaction, retries it on DuckDB's write-write conflicts, and bumps the data version
that cached readers key on.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeAlias, TypeVar

import duckdb
import polars as pl
import psycopg.errors

from .errors import DatabaseError, SchemaTooNewError

T = TypeVar("T")

Cursor: TypeAlias = duckdb.DuckDBPyConnection
"""What a write runs on: this thread's cursor, inside the transaction :meth:`Database.write` opened."""
ColumnType: TypeAlias = pl.DataType | type[pl.DataType]
"""A column's type as polars takes it: a class (``pl.String``) or an instance (``pl.List(pl.String)``)."""
Schema: TypeAlias = dict[str, ColumnType]
"""The column types of a frame, in column order."""

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
_MIGRATION_NAME = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")


UNIQUE_VIOLATIONS: tuple[type[Exception], ...] = (duckdb.ConstraintException, psycopg.errors.UniqueViolation)
"""What either engine raises when a write breaks a uniqueness rule (a key taken meanwhile)."""


def is_url(target: str | Path) -> bool:
    """Whether ``target`` names a PostgreSQL database (a ``postgresql://`` URL) rather than a file."""
    return str(target).startswith(("postgresql://", "postgres://"))


def quote_ident(name: str) -> str:
    """Quote an SQL identifier (table or column name). Values are never formatted in."""
    return '"' + name.replace('"', '""') + '"'


def utc_now() -> datetime:
    """Naive UTC timestamp, the form every TIMESTAMP column stores."""
    return datetime.now(UTC).replace(tzinfo=None)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped, in order."""
    found = []
    for path in sorted(MIGRATIONS_DIR.glob("*.sql")):
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), match.group(2), path.read_text(encoding="utf-8")))
    return found


def latest_schema_version() -> int:
    return max(version for version, _, _ in migrations())


class Database:
    """An open ASPnet Atlas database file (or ``:memory:``).

    :class:`~aspnet_data.pg.PostgresDatabase` offers the same methods on PostgreSQL.
    """

    dialect = "duckdb"

    # Writes committed through this object (each bumps the data version): a reader that kept
    # the version for a while (ui/data.data_version, for one script run) reads it again once
    # this has moved.
    commits = 0

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = str(path)
        self.read_only = read_only
        try:
            self._con = duckdb.connect(self.path, read_only=read_only)
        except duckdb.IOException as exc:
            raise DatabaseError(f"cannot open database {self.path}: {_first_line(exc)}") from exc
        except duckdb.Error as exc:
            raise DatabaseError(f"{self.path} is not a usable DuckDB database: {_first_line(exc)}") from exc
        self._local = threading.local()
        self._lock = threading.Lock()
        # Writes of this process take turns (see write()); re-entrant so that a transaction
        # opened with transaction() may call a helper that writes through the same lock.
        self._write_lock = threading.RLock()

    # -- reading ---------------------------------------------------------------
    def cursor(self) -> Cursor:
        """This thread's cursor (created on first use)."""
        cur = getattr(self._local, "cursor", None)
        if cur is None:
            with self._lock:
                cur = self._con.cursor()
            self._local.cursor = cur
        return cur

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> pl.DataFrame:
        """Run a read and return the whole result as a polars frame."""
        return self.cursor().sql(sql, params=params).pl()

    def small_query(self, sql: str, params: Sequence[Any] | dict[str, Any] | None, schema: Schema) -> pl.DataFrame:
        """A read of a few rows (a page, a record) as a polars frame of ``schema``: built from
        Python rows, which costs less than going through Arrow below a few hundred rows."""
        return pl.DataFrame(self.rows(sql, params), schema=schema, orient="row")

    def rows(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        # execute() plans the statement once; a relation (cursor.sql) binds it a second time.
        return self.cursor().execute(sql, params).fetchall()

    def scalar(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        cur = self.cursor().execute(sql, params)
        rows = cur.fetchmany(1)
        cur.complete()  # the rest of the result, if any, is dropped
        return rows[0][0] if rows else None

    def blob(self, sql: str, params: Sequence[Any] | dict[str, Any] | None = None) -> bytes | None:
        """The first value of a read, as bytes (a stored file's content), or None."""
        value = self.scalar(sql, params)
        return None if value is None else bytes(value)

    def table_exists(self, name: str) -> bool:
        return bool(
            self.scalar(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main' AND table_name = ?",
                [name],
            )
        )

    # -- writing ---------------------------------------------------------------
    def write(self, work: Callable[[Cursor], T], *, retries: int = 5) -> T:
        """Run ``work(cursor)`` in one transaction and bump the data version.

        The writes of this process (every Streamlit session is a thread of it) take turns:
        each one updates the data-version row, so two at once always conflicted, and under
        load the retries ran out and a save failed with a raw "Conflict on update" instead
        of being saved or reported as a conflict of its record. Reads never wait.

        DuckDB reports a write-write conflict (with another connection to the file) at once;
        the whole unit of work is then rolled back and run again, up to ``retries`` times.
        """
        if self.read_only:
            raise DatabaseError(f"{self.path} is open read-only")
        cur = self.cursor()
        with self._write_lock:
            for attempt in range(retries + 1):
                cur.execute("BEGIN TRANSACTION")
                try:
                    result = work(cur)
                    cur.execute(
                        "UPDATE meta SET value = CAST(CAST(value AS BIGINT) + 1 AS VARCHAR) WHERE key = 'data_version'"
                    )
                    cur.execute(
                        "UPDATE meta SET value = ? WHERE key = 'data_updated_at'",
                        [utc_now().isoformat(timespec="seconds")],
                    )
                    cur.execute("COMMIT")
                    self.commits += 1
                    return result
                except duckdb.TransactionException as exc:
                    _rollback(cur)
                    if attempt == retries or "conflict" not in str(exc).lower():
                        raise
                    time.sleep(0.005 * (2**attempt) * (0.5 + random.random()))
                except BaseException:
                    _rollback(cur)
                    raise
        raise AssertionError("unreachable")

    @contextmanager
    def transaction(self) -> Iterator[Cursor]:
        """A plain transaction without retry, for bulk jobs run by one process (CLI)."""
        cur = self.cursor()
        with self._write_lock:
            cur.execute("BEGIN TRANSACTION")
            try:
                yield cur
                cur.execute("COMMIT")
            except BaseException:
                _rollback(cur)
                raise

    # -- versions ----------------------------------------------------------------
    @property
    def analytics(self) -> Database:
        """Where the directory, map and dashboard read: the file itself (on PostgreSQL, its
        in-process DuckDB copy)."""
        return self

    @property
    def data_version(self) -> int:
        """Bumped by every write: cached readers key on it."""
        value = self.scalar("SELECT value FROM meta WHERE key = 'data_version'")
        return int(value or 0)

    @property
    def data_updated_at(self) -> datetime | None:
        value = self.scalar("SELECT value FROM meta WHERE key = 'data_updated_at'")
        return datetime.fromisoformat(value) if value else None

    def schema_version(self) -> int:
        if not self.table_exists("schema_migrations"):
            return 0
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    def migrate(self) -> list[int]:
        """Apply the migrations this file lacks, each in its own transaction."""
        current = self.schema_version()
        latest = latest_schema_version()
        if current > latest:
            raise SchemaTooNewError(
                f"{self.path} has schema version {current}, newer than this ASPnet Atlas "
                f"understands ({latest}); upgrade the application"
            )
        applied = []
        for version, name, sql in migrations():
            if version <= current:
                continue
            if self.read_only:
                raise DatabaseError(f"{self.path} needs schema migration {version:03d} but is open read-only")
            with self.transaction() as cur:
                cur.execute(sql)
                cur.execute(
                    "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    [version, name, utc_now()],
                )
            applied.append(version)
        return applied

    def checksums(self, tables: Sequence[str]) -> dict[str, tuple[int, int]]:
        """(row count, order-independent hash of all rows) per table, to compare databases."""
        out = {}
        for table in tables:
            count, digest = self.rows(
                f"SELECT count(*), coalesce(sum(hash(t)::HUGEINT), 0) FROM {quote_ident(table)} t"
            )[0]
            out[table] = (int(count), int(digest))
        return out

    def checkpoint(self) -> None:
        self.cursor().execute("CHECKPOINT")

    def close(self) -> None:
        self._con.close()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_database(path: str | Path, *, create: bool = False, read_only: bool = False) -> Database:
    """Open an ASPnet Atlas database (a DuckDB file, or a ``postgresql://`` URL), migrated to
    the current schema.

    ``create=False`` refuses a path that does not exist, so a typo never silently
    creates an empty database.
    """
    if is_url(path):
        from .pg import PostgresDatabase

        pg = PostgresDatabase(str(path))
        try:
            pg.migrate()
        except BaseException:
            pg.close()
            raise
        return pg
    p = Path(path)
    if str(path) != ":memory:":
        if not p.exists() and not create:
            raise DatabaseError(f"no database at {p} (build one with: python -m aspnet_data demo --db {p})")
        if p.exists() and p.is_dir():
            raise DatabaseError(f"{p} is a directory, not a database file")
        if not p.parent.exists():
            raise DatabaseError(f"folder {p.parent} does not exist")
    db = Database(path, read_only=read_only)
    try:
        db.migrate()
    except BaseException:
        db.close()
        raise
    return db


_SHARED: dict[str, Database] = {}
_SHARED_LOCK = threading.Lock()


def shared_database(path: str | Path) -> Database:
    """The process's one open :class:`Database` for ``path``, opened on first use.

    Every Streamlit session and every HTTP route of the server share it: DuckDB lets one
    process hold a file, and one connection hands each thread its own cursor.
    """
    key = str(path)
    with _SHARED_LOCK:
        found = _SHARED.get(key)
        if found is None:
            found = _SHARED[key] = open_database(key)
        return found


def close_shared() -> None:
    """Close every database :func:`shared_database` opened (a test's end; a server's shutdown)."""
    with _SHARED_LOCK:
        for database in _SHARED.values():
            with suppress(Exception):
                database.close()
        _SHARED.clear()


# Tables whose ids come from a sequence, and that sequence.
ID_SEQUENCES = {
    "institutions": "institution_id_seq",
    "audit_log": "audit_id_seq",
    "applications": "application_id_seq",
    "application_events": "application_event_id_seq",
    "projects": "project_id_seq",
    "channels": "channel_id_seq",
    "messages": "message_id_seq",
    "outbox": "outbox_id_seq",
    "membership_events": "membership_event_id_seq",
    "reports": "report_id_seq",
    "report_activities": "report_activity_id_seq",
    "change_requests": "change_request_id_seq",
    "message_reports": "message_report_id_seq",
    "files": "file_id_seq",
    "project_materials": "material_id_seq",
}


def advance_sequences(cur: Cursor) -> None:
    """Move every id sequence past the largest id stored (after a bulk load with explicit ids).

    DuckDB cannot ALTER a sequence's position, so the sequence is drawn until it passes;
    PostgreSQL sets it.
    """
    if isinstance(cur, duckdb.DuckDBPyConnection):
        _advance_duckdb_sequences(cur)
        return
    for table, seq in ID_SEQUENCES.items():
        cur.execute(f"SELECT setval('{seq}', (SELECT coalesce(max(id), 0) + 1 FROM {quote_ident(table)}), false)")


def _advance_duckdb_sequences(cur: Cursor) -> None:
    for table, seq in ID_SEQUENCES.items():
        top = cur.sql(f"SELECT coalesce(max(id), 0) FROM {quote_ident(table)}").fetchall()[0][0]
        current = cur.sql(
            "SELECT coalesce(max(last_value), 0) FROM duckdb_sequences() WHERE sequence_name = ?", params=[seq]
        ).fetchall()[0][0]
        if top > current:
            cur.sql(f"SELECT max(nextval('{seq}')) FROM range(?)", params=[top - current]).fetchall()


def _rollback(cur: Cursor) -> None:
    with suppress(duckdb.Error):
        cur.execute("ROLLBACK")


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
