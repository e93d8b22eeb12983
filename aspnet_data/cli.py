"""``python -m aspnet_data``: build, export, import and back up ASPnet Atlas databases."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

import duckdb
import psycopg

from . import demo, notifications, pg, reports, settings, transfer
from .db import Database, _first_line, advance_sequences, latest_schema_version, open_database, quote_ident
from .errors import AtlasError, DatabaseError, FieldError

# The tables an export holds, in dependency order (importing in this order satisfies every
# foreign key): all but the login sessions, which belong to the running site.
TABLES = tuple(t for t in transfer.TABLES if t != "sessions")


class CliError(AtlasError):
    """An error reported as one line, with exit status 1."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, as argparse does, without the usage block
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="python -m aspnet_data", description="Manage an ASPnet Atlas database.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=_Parser)

    def add_db(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--db",
            type=_target,
            default=_target(settings.database_path()),
            help="database file or postgresql:// URL (default: ASPNET_DATABASE_URL, else ASPNET_DB, "
            "else data/aspnet.duckdb in the project folder)",
        )

    p = sub.add_parser("init", help="create an empty database with the current schema")
    add_db(p)

    p = sub.add_parser("demo", help="build a deterministic demo network")
    add_db(p)
    p.add_argument(
        "--institutions",
        type=_non_negative,
        default=demo.DEFAULT_INSTITUTIONS,
        help=f"number of institutions (default: {demo.DEFAULT_INSTITUTIONS:,})",
    )
    p.add_argument("--seed", type=int, default=demo.DEFAULT_SEED, help=f"random seed (default: {demo.DEFAULT_SEED})")
    p.add_argument("--force", action="store_true", help="replace the file if it exists")
    p.add_argument("--if-missing", action="store_true", help="do nothing if the file already exists")

    p = sub.add_parser("export", help="write every table to a folder as CSV or Parquet")
    add_db(p)
    p.add_argument("folder", type=Path, help="folder to write (created; must be empty if it exists)")
    p.add_argument("--format", choices=("csv", "parquet"), default="parquet", help="file format (default: parquet)")

    p = sub.add_parser("import", help="create a database from a folder written by export")
    add_db(p)
    p.add_argument("folder", type=Path, help="folder written by export")

    p = sub.add_parser("user", help="manage accounts (the first admin of a real deployment)")
    user_sub = p.add_subparsers(dest="user_command", required=True, metavar="ACTION", parser_class=_Parser)
    q = user_sub.add_parser(
        "add", help="create an account; the password is read from ASPNET_NEW_PASSWORD or asked twice (never a default)"
    )
    add_db(q)
    q.add_argument("--username", required=True)
    q.add_argument("--name", required=True, help="display name")
    q.add_argument("--role", required=True, choices=("admin", "coordinator", "analyst"))
    q.add_argument("--email")
    q.add_argument("--network", help="ISO3 code of the network (coordinators)")

    p = sub.add_parser("backup", help="write a consistent copy of the database to a new file")
    add_db(p)
    p.add_argument("path", type=Path, help="backup file to create (must not exist)")

    p = sub.add_parser(
        "restore",
        help="replace the database file with a backup, or restore a PostgreSQL backup into a new, "
        "empty database (checksums verified)",
    )
    add_db(p)
    p.add_argument("backup", type=Path, help="backup file written by backup")
    p.add_argument("--force", action="store_true", help="replace an existing database file")

    p = sub.add_parser("migrate", help="bring the database's schema up to this version (one process at a time)")
    add_db(p)

    p = sub.add_parser(
        "reminders",
        help="queue today's annual-report reminders in the outbox (a month before the deadline, once after it); "
        "run it daily: each school is reminded once per year and kind",
    )
    add_db(p)

    p = sub.add_parser(
        "notify",
        help="queue the e-mail of mentions and direct messages in the outbox: --kind instant for those who "
        "chose at once (run it every minute), --kind daily for the daily digests (run it daily); one mail per "
        "person with something new",
    )
    add_db(p)
    p.add_argument("--kind", choices=("instant", "daily"), required=True, help="which run")

    p = sub.add_parser(
        "copy", help="copy a whole database into an empty one: a DuckDB file into PostgreSQL, or back (verified)"
    )
    p.add_argument("--from", dest="source", type=_target, required=True, help="database file or postgresql:// URL")
    p.add_argument("--to", dest="target", type=_target, required=True, help="database file (new) or postgresql:// URL")
    return parser


def _target(text: str) -> str | Path:
    """A postgresql:// URL as given, anything else a file path."""
    return text if pg.is_url(text) else Path(text)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {
            "init": _init,
            "demo": _demo,
            "export": _export,
            "import": _import,
            "backup": _backup,
            "restore": _restore,
            "user": _user,
            "migrate": _migrate,
            "reminders": _reminders,
            "notify": _notify,
            "copy": _copy,
        }[args.command](args)
    except (CliError, DatabaseError) as exc:
        print(f"error: {_first_line(exc)}", file=sys.stderr)
        return 1
    except (duckdb.Error, psycopg.Error) as exc:
        print(f"error: {_first_line(exc)}", file=sys.stderr)
        return 1


def _non_negative(text: str) -> int:
    try:
        value = int(text.replace("_", "").replace(",", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be zero or more")
    return value


def _new_file(path: Path, *, force: bool = False) -> None:
    if path.exists():
        if not force:
            raise CliError(f"{path} already exists (use --force to replace it)")
        path.unlink()
        Path(str(path) + ".wal").unlink(missing_ok=True)
    if not path.parent.exists():
        raise CliError(f"folder {path.parent} does not exist")


def _init(args) -> int:
    if pg.is_url(args.db):
        with open_database(args.db) as db:
            print(f"{db.path} is at schema version {db.schema_version()}")
        return 0
    _new_file(args.db)
    with open_database(args.db, create=True):
        pass
    print(f"created {args.db} (schema version {latest_schema_version()})")
    return 0


def _demo(args) -> int:
    if pg.is_url(args.db):
        return _demo_into_postgres(args)
    if args.if_missing and args.db.exists():
        print(f"{args.db} exists; keeping it")
        return 0
    _new_file(args.db, force=args.force)
    tmp = args.db.with_name(args.db.name + ".building")
    tmp.unlink(missing_ok=True)
    started = time.perf_counter()
    try:
        # Build beside the target and move it into place: an interrupted build never
        # leaves a half-filled database under the real name.
        with open_database(tmp, create=True) as db:
            summary = demo.build(
                db,
                institutions=args.institutions,
                seed=args.seed,
                progress=lambda step: print(f"  {step}...", file=sys.stderr),
            )
        tmp.replace(args.db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    print(
        f"built {args.db}: {summary.networks} networks, {summary.institutions:,} institutions, "
        f"{summary.users} accounts, {summary.applications:,} applications, {summary.projects:,} projects, "
        f"{summary.messages:,} messages in {time.perf_counter() - started:.1f} s"
    )
    return 0


def _export(args) -> int:
    folder: Path = args.folder
    if folder.exists() and any(folder.iterdir()):
        raise CliError(f"{folder} is not empty")
    with _as_file(args.db) as path, open_database(path) as db:
        folder.mkdir(parents=True, exist_ok=True)
        counts = {}
        for table in TABLES:
            target = folder / f"{table}.{args.format}"
            options = "(FORMAT parquet)" if args.format == "parquet" else "(FORMAT csv, HEADER true)"
            db.cursor().execute(f"COPY (SELECT * FROM {quote_ident(table)}) TO '{_sql_path(target)}' {options}")
            counts[table] = db.scalar(f"SELECT count(*) FROM {quote_ident(table)}")
        manifest = {"schema_version": db.schema_version(), "format": args.format, "rows": counts}
        (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    print(f"exported {len(TABLES)} tables ({sum(counts.values()):,} rows) to {folder}")
    return 0


def _import(args) -> int:
    if pg.is_url(args.db):
        with open_database(args.db) as target:
            if not transfer.is_empty(target):
                raise CliError(f"{target.path} already holds data; import writes only into an empty database")
        with tempfile.TemporaryDirectory(prefix="aspnet-import-") as scratch:
            staged = Path(scratch) / "imported.duckdb"
            _import(argparse.Namespace(**{**vars(args), "db": staged}))
            with open_database(staged) as staged_db, open_database(args.db) as target:
                transfer.copy_database(staged_db, target)
        return 0
    folder: Path = args.folder
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise CliError(f"{folder} has no manifest.json (it was not written by export)")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        fmt = manifest["format"]
        version = int(manifest["schema_version"])
    except (ValueError, KeyError, TypeError):
        raise CliError(f"{manifest_path} is not a valid export manifest") from None
    if fmt not in ("csv", "parquet"):
        raise CliError(f"{manifest_path}: unknown format {fmt!r}")
    if version > latest_schema_version():
        raise CliError(
            f"the export has schema version {version}, newer than this ASPnet Atlas understands "
            f"({latest_schema_version()})"
        )
    _new_file(args.db)
    tmp = args.db.with_name(args.db.name + ".importing")
    tmp.unlink(missing_ok=True)
    try:
        with open_database(tmp, create=True) as db:
            _check_columns(db, folder, fmt)
            cur = db.cursor()
            with db.transaction():
                cur.execute("DELETE FROM meta")
                for table in TABLES:
                    columns = _columns(db, table)
                    source = _reader(folder / f"{table}.{fmt}", fmt, columns)
                    names = ", ".join(quote_ident(c) for c, _ in columns)
                    cur.execute(f"INSERT INTO {quote_ident(table)} ({names}) SELECT {names} FROM {source}")
                advance_sequences(cur)
            db.checkpoint()
        tmp.replace(args.db)
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)
    print(f"imported {folder} into {args.db}")
    return 0


def _copy_database(source: Path, target: Path) -> dict[str, tuple[int, int]]:
    """Copy ``source`` into a new file ``target`` (written beside it, then moved into place)
    and check that every table's checksum matches; returns the checksums."""
    tmp = target.with_name(target.name + ".copying")
    tmp.unlink(missing_ok=True)
    try:
        with open_database(source) as db:
            cur = db.cursor()
            cur.execute(f"ATTACH '{_sql_path(tmp)}' AS copy_target")
            try:
                cur.execute("COPY FROM DATABASE " + quote_ident(_catalog(db)) + " TO copy_target")
            finally:
                cur.execute("DETACH copy_target")
            tables = [
                r[0]
                for r in db.rows(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY table_name"
                )
            ]
            expected = db.checksums(tables)
        with open_database(tmp) as copy:
            got = copy.checksums(tables)
        if got != expected:
            different = [t for t in tables if got.get(t) != expected.get(t)]
            raise CliError(f"the copy differs from {source} in: {', '.join(different)}; nothing was written")
        tmp.replace(target)
        return expected
    finally:
        tmp.unlink(missing_ok=True)
        Path(str(tmp) + ".wal").unlink(missing_ok=True)


def _backup(args) -> int:
    if args.path.exists():
        raise CliError(f"{args.path} already exists")
    if not args.path.parent.exists():
        raise CliError(f"folder {args.path.parent} does not exist")
    if pg.is_url(args.db):
        return _pg_backup(args.db, args.path)
    sums = _copy_database(args.db, args.path)
    print(f"backed up {args.db} to {args.path} ({len(sums)} tables, checksums verified)")
    return 0


def _restore(args) -> int:
    if not args.backup.is_file():
        raise CliError(f"no backup at {args.backup}")
    if pg.is_url(args.db):
        return _pg_restore(args.db, args.backup)
    if args.db.exists() and not args.force:
        raise CliError(f"{args.db} exists (use --force to replace it with the backup)")
    if not args.db.parent.exists():
        raise CliError(f"folder {args.db.parent} does not exist")
    staged = args.db.with_name(args.db.name + ".restoring")
    staged.unlink(missing_ok=True)
    _copy_database(args.backup, staged)
    Path(str(args.db) + ".wal").unlink(missing_ok=True)
    staged.replace(args.db)
    print(f"restored {args.db} from {args.backup} (checksums verified)")
    return 0


def _user(args) -> int:
    import getpass

    from . import accounts

    password = settings.text("ASPNET_NEW_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise CliError("no password: set ASPNET_NEW_PASSWORD or run in a terminal to type it")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise CliError("the two passwords differ")
    with open_database(args.db) as db:
        try:
            user = accounts.create_user(
                db,
                None,
                username=args.username,
                display_name=args.name,
                role=args.role,
                password=password,
                email=args.email,
                network=args.network,
            )
        except FieldError as problem:
            raise CliError(f"{problem.field}: {problem.code.replace('_', ' ')}") from None
    print(f"created {user.role} {user.username}")
    return 0


def _catalog(db: Database) -> str:
    return db.scalar("SELECT current_database()")


def _columns(db: Database, table: str) -> list[tuple[str, str]]:
    return db.rows(
        "SELECT column_name, data_type FROM information_schema.columns "
        "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
        [table],
    )


def _check_columns(db: Database, folder: Path, fmt: str) -> None:
    """Every file is present and has exactly its table's columns, before anything is written."""
    for table in TABLES:
        path = folder / f"{table}.{fmt}"
        if not path.is_file():
            raise CliError(f"{path} is missing")
        expected = [c for c, _ in _columns(db, table)]
        reader = (
            f"read_parquet('{_sql_path(path)}')"
            if fmt == "parquet"
            else f"read_csv('{_sql_path(path)}', header=true, all_varchar=true)"
        )
        try:
            found = db.query(f"SELECT * FROM {reader} LIMIT 0").columns
        except duckdb.Error as exc:
            raise CliError(f"{path} cannot be read: {str(exc).strip().splitlines()[0]}") from None
        if list(found) != expected:
            missing = [c for c in expected if c not in found]
            extra = [c for c in found if c not in expected]
            detail = "; ".join(
                part
                for part in (
                    f"missing {', '.join(missing)}" if missing else "",
                    f"unexpected {', '.join(extra)}" if extra else "",
                    "columns out of order" if not missing and not extra else "",
                )
                if part
            )
            raise CliError(f"{path} has the wrong columns for table {table}: {detail}")


def _reader(path: Path, fmt: str, columns: list[tuple[str, str]]) -> str:
    if fmt == "parquet":
        return f"read_parquet('{_sql_path(path)}')"
    spec = ", ".join(f"'{c}': '{t}'" for c, t in columns)
    # COPY writes NULL as nothing and an empty text as "": read them back as they were.
    return f"read_csv('{_sql_path(path)}', header=true, columns={{{spec}}}, nullstr='', allow_quoted_nulls=false)"


def _sql_path(path: Path) -> str:
    """A file path as an SQL string literal body (DuckDB's COPY/ATTACH take no parameters)."""
    return str(path).replace("'", "''")


# -- PostgreSQL -----------------------------------------------------------------------------------
def _reminders(args) -> int:
    if not pg.is_url(args.db) and not Path(args.db).exists():
        raise CliError(f"no database at {args.db}")
    with open_database(args.db) as database:
        sent = reports.send_reminders(database, public_url=settings.public_url())
    print(f"queued {sent:,} reminder{'s' if sent != 1 else ''} in the outbox")
    return 0


def _notify(args) -> int:
    if not pg.is_url(args.db) and not Path(args.db).exists():
        raise CliError(f"no database at {args.db}")
    with open_database(args.db) as database:
        sent = notifications.run(database, kind=args.kind)
    print(f"queued {sent:,} {args.kind} notification{'s' if sent != 1 else ''} in the outbox")
    return 0


def _migrate(args) -> int:
    if not pg.is_url(args.db) and not Path(args.db).exists():
        raise CliError(f"no database at {args.db}")
    database = Database(str(args.db)) if not pg.is_url(args.db) else None
    if database is not None:
        with database:
            applied = database.migrate()
            version = database.schema_version()
    else:
        from .pg import PostgresDatabase

        with PostgresDatabase(str(args.db), analytic_copy=False) as target:
            applied = target.migrate()
            version = target.schema_version()
    done = ", ".join(f"{v:03d}" for v in applied) or "nothing to apply"
    print(f"schema version {version} ({done})")
    return 0


def _copy(args) -> int:
    if not pg.is_url(args.source) and not Path(args.source).is_file():
        raise CliError(f"no database at {args.source}")
    if pg.is_url(args.target):
        with open_database(args.source) as source, open_database(args.target) as target:
            sums = transfer.copy_database(source, target)
    else:
        path = Path(args.target)
        if path.exists():
            raise CliError(f"{path} already exists; copy writes only into a new file")
        if not path.parent.exists():
            raise CliError(f"folder {path.parent} does not exist")
        staged = path.with_name(path.name + ".copying")
        staged.unlink(missing_ok=True)
        try:
            with open_database(args.source) as source, open_database(staged, create=True) as target:
                sums = transfer.copy_database(source, target)
            staged.replace(path)
        finally:
            staged.unlink(missing_ok=True)
            Path(str(staged) + ".wal").unlink(missing_ok=True)
    rows = sum(count for count, _ in sums.values())
    print(f"copied {len(sums)} tables ({rows:,} rows) from {_shown(args.source)} to {_shown(args.target)}, verified")
    return 0


def _shown(target: str | Path) -> str:
    return pg.redacted(str(target)) if pg.is_url(target) else str(target)


def _demo_into_postgres(args) -> int:
    with open_database(args.db) as target:
        if not transfer.is_empty(target):
            if args.if_missing:
                print(f"{target.path} holds data; keeping it")
                return 0
            raise CliError(f"{target.path} already holds data (the demo is built only into an empty database)")
    with tempfile.TemporaryDirectory(prefix="aspnet-demo-") as scratch:
        staged = Path(scratch) / "demo.duckdb"
        code = _demo(argparse.Namespace(**{**vars(args), "db": staged, "if_missing": False, "force": False}))
        with open_database(staged) as source, open_database(args.db) as target:
            transfer.copy_database(source, target)
    print(f"copied the demo into {pg.redacted(str(args.db))}")
    return code


@contextlib.contextmanager
def _as_file(target: str | Path) -> Iterator[Path]:
    """The database as a DuckDB file: itself, or a verified copy of the PostgreSQL database."""
    if not pg.is_url(target):
        yield Path(target)
        return
    with tempfile.TemporaryDirectory(prefix="aspnet-export-") as scratch:
        staged = Path(scratch) / "copy.duckdb"
        with open_database(target) as source, open_database(staged, create=True) as copy:
            transfer.copy_database(source, copy)
        yield staged


def _pg_tool(name: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / name).is_file():
            return str(folder / name)
    found = shutil.which(name)
    if not found:
        raise CliError(f"{name} not found: install PostgreSQL's client programs (apt-get install postgresql-client)")
    return found


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    query = ""
    if "?" in url.rpartition("/")[2]:
        query = "?" + url.rpartition("/")[2].split("?", 1)[1]
    return f"{base}/{name}{query}"


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".digests.json")


def _pg_backup(url: str, path: Path) -> int:
    """pg_dump of one snapshot, restored into a scratch database and compared table by table."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        snapshot = conn.execute("SELECT pg_export_snapshot()").fetchone()[0]  # type: ignore[index]
        expected = _pg_digests(conn)
        staged = path.with_name(path.name + ".part")
        result = subprocess.run(
            [_pg_tool("pg_dump"), "--format=custom", f"--snapshot={snapshot}", "--file", str(staged), url],
            capture_output=True,
            text=True,
        )
        conn.execute("COMMIT")
    if result.returncode != 0:
        staged.unlink(missing_ok=True)
        raise CliError(f"pg_dump failed: {result.stderr.strip().splitlines()[-1] if result.stderr.strip() else ''}")
    try:
        got = _restored_digests(url, staged)
        if got != expected:
            different = [t for t in expected if got.get(t) != expected[t]]
            raise CliError(f"the backup does not restore to the same data ({', '.join(different)}); nothing kept")
        _sidecar(path).write_text(json.dumps({t: list(v) for t, v in expected.items()}, indent=1), encoding="utf-8")
        staged.replace(path)
    finally:
        staged.unlink(missing_ok=True)
    rows = sum(c for c, _ in expected.values())
    print(f"backed up {pg.redacted(url)} to {path} ({len(expected)} tables, {rows:,} rows, checked by a test restore)")
    return 0


def _pg_digests(conn: psycopg.Connection) -> dict[str, tuple[int, str]]:
    from .pg import PgCursor, PostgresDatabase

    holder = PostgresDatabase.__new__(PostgresDatabase)  # the cursor runs on ``conn`` alone
    cur = PgCursor(holder, conn)
    return {t: transfer.digest_rows(cur, t) for t in transfer.TABLES}


def _restored_digests(url: str, dump: Path) -> dict[str, tuple[int, str]]:
    scratch = f"aspnet_verify_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {quote_ident(scratch)}")
    scratch_url = _with_database(url, scratch)
    try:
        _run_restore(scratch_url, dump)
        with psycopg.connect(scratch_url) as conn:  # one transaction: the digests read with named cursors
            return _pg_digests(conn)
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {quote_ident(scratch)} WITH (FORCE)")


def _run_restore(url: str, dump: Path) -> None:
    result = subprocess.run(
        [_pg_tool("pg_restore"), "--exit-on-error", "--single-transaction", "--no-owner", "-d", url, str(dump)],
        capture_output=True,
        text=True,
        env={**os.environ, "PGOPTIONS": "-c client_min_messages=warning"},
    )
    if result.returncode != 0:
        lines = result.stderr.strip().splitlines()
        raise CliError(f"pg_restore failed: {lines[0] if lines else 'exit ' + str(result.returncode)}")


def _pg_restore(url: str, dump: Path) -> int:
    """Restore a backup into a new, empty database (one transaction), checked against its digests."""
    sidecar = _sidecar(dump)
    if not sidecar.is_file():
        raise CliError(f"{sidecar} is missing: restore takes a backup written by backup")
    with psycopg.connect(url, autocommit=True) as conn:
        tables = conn.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").fetchone()
        if tables and tables[0]:
            raise CliError(f"{pg.redacted(url)} is not empty; restore into a new database (createdb NAME)")
    expected = {t: tuple(v) for t, v in json.loads(sidecar.read_text(encoding="utf-8")).items()}
    _run_restore(url, dump)
    with psycopg.connect(url) as conn:
        got = _pg_digests(conn)
    if got != expected:
        raise CliError("the restored data differs from the backup's digests")
    print(f"restored {dump} into {pg.redacted(url)} (checksums verified)")
    return 0
