"""The command line: every command, and a clear one-line error for bad input."""

import subprocess
import sys

import pytest

from aspnet_data.cli import TABLES, main
from aspnet_data.db import open_database

ROOT_TABLES = [t for t in TABLES if t != "meta"]


def run(*args):
    """Run the CLI in a subprocess: exit code and stderr as a user sees them."""
    proc = subprocess.run([sys.executable, "-m", "aspnet_data", *map(str, args)], capture_output=True, text=True)
    return proc.returncode, proc.stdout, proc.stderr


def test_help_lists_every_command():
    code, out, _ = run("--help")
    assert code == 0
    for command in ("init", "demo", "export", "import", "backup"):
        assert command in out


@pytest.mark.parametrize("command", ["init", "demo", "export", "import", "backup"])
def test_each_command_has_help(command, capsys):
    # In this process: the subprocess above runs the command line as a user does.
    with pytest.raises(SystemExit) as ended:
        main([command, "--help"])
    assert ended.value.code == 0 and "--db" in capsys.readouterr().out


def test_unknown_option_is_one_line_and_exit_2():
    code, _, err = run("demo", "--bogus")
    assert code == 2
    assert err.count("\n") == 1 and "--bogus" in err


def test_bad_institution_count_is_refused():
    code, _, err = run("demo", "--institutions", "many")
    assert code == 2 and "many" in err


def test_missing_database_is_one_line_error(tmp_path):
    code, _, err = run("export", "--db", tmp_path / "missing.duckdb", tmp_path / "out")
    assert code == 1
    assert err.startswith("error: no database at") and err.count("\n") == 1
    assert not (tmp_path / "missing.duckdb").exists()


def test_unreadable_database_is_one_line_error(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("not a database")
    code, _, err = run("export", "--db", bad, tmp_path / "out")
    assert code == 1 and err.startswith("error:") and err.count("\n") == 1


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.duckdb"
    with open_database(path, create=True) as db:
        db.cursor().execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    code, _, err = run("export", "--db", path, tmp_path / "out")
    assert code == 1 and "newer" in err and err.count("\n") == 1


def test_init_creates_an_empty_schema_and_refuses_to_overwrite(tmp_path):
    path = tmp_path / "new.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    with open_database(path) as db:
        assert db.scalar("SELECT count(*) FROM institutions") == 0
    code, _, err = run("init", "--db", path)
    assert code == 1 and "already exists" in err


@pytest.mark.duckdb_only
def test_demo_if_missing_keeps_an_existing_file(scratch_copy):
    before = scratch_copy.stat().st_mtime_ns
    assert main(["demo", "--db", str(scratch_copy), "--if-missing"]) == 0
    assert scratch_copy.stat().st_mtime_ns == before


@pytest.mark.duckdb_only
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_export_import_round_trip_gives_the_same_database(db, tmp_path, fmt):
    folder = tmp_path / "export"
    # The session fixture holds the file open in this process: export from a copy.
    copy = tmp_path / "src.duckdb"
    assert main(["backup", "--db", db.path, str(copy)]) == 0
    assert main(["export", "--db", str(copy), str(folder), "--format", fmt]) == 0
    assert sorted(p.name for p in folder.iterdir()) == sorted([f"{t}.{fmt}" for t in TABLES] + ["manifest.json"])
    target = tmp_path / "imported.duckdb"
    assert main(["import", "--db", str(target), str(folder)]) == 0
    with open_database(target) as imported:
        assert imported.checksums(ROOT_TABLES) == db.checksums(ROOT_TABLES)
        # New rows continue after the imported ids.
        assert imported.scalar("SELECT nextval('institution_id_seq')") > db.scalar("SELECT max(id) FROM institutions")


@pytest.mark.duckdb_only
def test_import_with_wrong_columns_writes_nothing(db, tmp_path):
    copy = tmp_path / "src.duckdb"
    main(["backup", "--db", db.path, str(copy)])
    folder = tmp_path / "export"
    main(["export", "--db", str(copy), str(folder), "--format", "csv"])
    networks = folder / "networks.csv"
    lines = networks.read_text(encoding="utf-8").splitlines()
    lines[0] = lines[0].replace("national_commission", "commission")
    networks.write_text("\n".join(lines) + "\n", encoding="utf-8")
    target = tmp_path / "imported.duckdb"
    code, _, err = run("import", "--db", target, folder)
    assert code == 1
    assert "networks.csv" in err and "national_commission" in err and err.count("\n") == 1
    assert not target.exists()
    assert not any(p.name.startswith("imported") for p in tmp_path.iterdir())


def test_import_without_manifest_is_refused(tmp_path):
    (tmp_path / "folder").mkdir()
    code, _, err = run("import", "--db", tmp_path / "x.duckdb", tmp_path / "folder")
    assert code == 1 and "manifest" in err


@pytest.mark.duckdb_only
def test_backup_is_a_consistent_copy(db, tmp_path):
    target = tmp_path / "backup.duckdb"
    assert main(["backup", "--db", db.path, str(target)]) == 0
    with open_database(target) as copy:
        assert copy.checksums(ROOT_TABLES) == db.checksums(ROOT_TABLES)
    code, _, err = run("backup", "--db", db.path, target)
    assert code == 1 and "already exists" in err


def test_user_add_creates_the_first_admin_from_the_environment(tmp_path, monkeypatch):
    from aspnet_data import accounts

    path = tmp_path / "real.duckdb"
    assert main(["init", "--db", str(path)]) == 0
    monkeypatch.setenv("ASPNET_NEW_PASSWORD", "First-admin-pass-1")
    assert main(["user", "add", "--db", str(path), "--username", "chief", "--name", "Chief", "--role", "admin"]) == 0
    with open_database(path) as db:
        assert db.scalar("SELECT count(*) FROM users") == 1  # no demo accounts in a real database
        assert accounts.authenticate(db, "chief", "First-admin-pass-1").role == "admin"


def test_user_add_refuses_a_weak_or_missing_password(tmp_path):
    path = tmp_path / "real.duckdb"
    main(["init", "--db", str(path)])
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aspnet_data",
            "user",
            "add",
            "--db",
            str(path),
            "--username",
            "chief",
            "--name",
            "Chief",
            "--role",
            "admin",
        ],
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 1 and "ASPNET_NEW_PASSWORD" in proc.stderr
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "aspnet_data",
            "user",
            "add",
            "--db",
            str(path),
            "--username",
            "chief",
            "--name",
            "Chief",
            "--role",
            "admin",
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", "ASPNET_NEW_PASSWORD": "short"},
    )
    assert proc.returncode == 1 and "too short" in proc.stderr and proc.stderr.count("\n") == 1


@pytest.mark.duckdb_only
def test_backup_and_restore_round_trip_gives_identical_tables(db, tmp_path):
    backup = tmp_path / "backup.duckdb"
    assert main(["backup", "--db", db.path, str(backup)]) == 0
    target = tmp_path / "restored.duckdb"
    assert main(["restore", "--db", str(target), str(backup)]) == 0
    tables = [r[0] for r in db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")]
    with open_database(target) as restored:
        assert restored.checksums(tables) == db.checksums(tables)
    code, _, err = run("restore", "--db", target, backup)
    assert code == 1 and "--force" in err
    assert main(["restore", "--db", str(target), str(backup), "--force"]) == 0
    code, _, err = run("restore", "--db", tmp_path / "x.duckdb", tmp_path / "missing.duckdb")
    assert code == 1 and "no backup" in err
