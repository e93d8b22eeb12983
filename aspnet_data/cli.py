"""``python -m aspnet_data``: build, export, import and back up ASPnet Atlas databases."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import NoReturn

import duckdb

from . import demo, settings
from .db import Database, advance_sequences, latest_schema_version, open_database, quote_ident
from .errors import AtlasError, DatabaseError, FieldError

# Tables in dependency order: importing in this order satisfies every foreign key.
TABLES = (
    "regions",
    "countries",
    "networks",
    "institutions",
    "certificates",
    "users",
    "audit_log",
    "applications",
    "application_events",
    "projects",
    "project_members",
    "channels",
    "messages",
    "channel_reads",
    "outbox",
    "meta",
)


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
            type=Path,
            default=Path(settings.database_path()),
            help="database file (default: ASPNET_DB, else data/aspnet.duckdb in the project folder)",
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

    p = sub.add_parser("restore", help="replace the database with a backup (checksums verified)")
    add_db(p)
    p.add_argument("backup", type=Path, help="backup file written by backup")
    p.add_argument("--force", action="store_true", help="replace an existing database")
    return parser


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
        }[args.command](args)
    except (CliError, DatabaseError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except duckdb.Error as exc:
        print(f"error: {str(exc).strip().splitlines()[0]}", file=sys.stderr)
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
    _new_file(args.db)
    with open_database(args.db, create=True):
        pass
    print(f"created {args.db} (schema version {latest_schema_version()})")
    return 0


def _demo(args) -> int:
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
    with open_database(args.db) as db:
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
    sums = _copy_database(args.db, args.path)
    print(f"backed up {args.db} to {args.path} ({len(sums)} tables, checksums verified)")
    return 0


def _restore(args) -> int:
    if not args.backup.is_file():
        raise CliError(f"no backup at {args.backup}")
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
    return f"read_csv('{_sql_path(path)}', header=true, columns={{{spec}}}, nullstr='')"


def _sql_path(path: Path) -> str:
    """A file path as an SQL string literal body (DuckDB's COPY/ATTACH take no parameters)."""
    return str(path).replace("'", "''")
