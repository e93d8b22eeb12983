"""The command line against PostgreSQL: copy in and out, backup and restore, migrate, bad input."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from aspnet_data import transfer
from aspnet_data.db import open_database


def run(*args, env=None):
    proc = subprocess.run(
        [sys.executable, "-m", "aspnet_data", *map(str, args)], capture_output=True, text=True, env=env
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture()
def empty_pg(_postgres):
    return _postgres.new_database()


@pytest.fixture(scope="module")
def demo_pg(_postgres, _demo_file):
    """The test network copied into PostgreSQL by the command line."""
    url = _postgres.new_database()
    code, out, err = run("copy", "--from", _demo_file, "--to", url)
    assert code == 0, err
    assert "verified" in out
    return url


def test_copy_into_postgres_and_back_keeps_every_row(demo_pg, _demo_file, tmp_path):
    back = tmp_path / "back.duckdb"
    code, _, err = run("copy", "--from", demo_pg, "--to", back)
    assert code == 0, err
    with open_database(_demo_file) as original, open_database(back) as returned, open_database(demo_pg) as pg:
        assert transfer.digests(original) == transfer.digests(returned) == transfer.digests(pg)
        assert pg.scalar("SELECT count(*) FROM institutions") == original.scalar("SELECT count(*) FROM institutions")


def test_a_copy_continues_the_id_sequences(demo_pg, _postgres, _demo_file):
    url = _postgres.new_database(demo_pg.rsplit("/", 1)[1])
    with open_database(url) as db:
        top = db.scalar("SELECT max(id) FROM institutions")
        assert db.scalar("SELECT nextval('institution_id_seq')") == top + 1


def test_copy_into_a_database_that_holds_data_writes_nothing(demo_pg, _demo_file):
    with open_database(demo_pg) as db:
        before = transfer.digests(db)
    code, _, err = run("copy", "--from", _demo_file, "--to", demo_pg)
    assert code == 1 and err.count("\n") == 1 and "already holds data" in err
    with open_database(demo_pg) as db:
        assert transfer.digests(db) == before


def test_copy_into_an_existing_file_is_refused(demo_pg, _demo_file):
    code, _, err = run("copy", "--from", demo_pg, "--to", _demo_file)
    assert code == 1 and "already exists" in err


def test_backup_restores_into_a_new_database_with_the_same_rows(demo_pg, empty_pg, _postgres, tmp_path):
    dump = tmp_path / "aspnet.dump"
    code, out, err = run("backup", "--db", demo_pg, dump)
    assert code == 0, err
    assert "checked by a test restore" in out and dump.is_file()
    fresh = _postgres.new_database()
    code, _, err = run("restore", "--db", fresh, dump)
    assert code == 0, err
    with open_database(demo_pg) as a, open_database(fresh) as b:
        assert transfer.digests(a) == transfer.digests(b)
    # A restore into a database that holds tables is refused, and changes nothing.
    code, _, err = run("restore", "--db", fresh, dump)
    assert code == 1 and "not empty" in err and err.count("\n") == 1


def test_backup_while_another_process_writes_is_one_consistent_snapshot(demo_pg, _postgres, tmp_path):
    """Writes go on during the dump; the backup is checked against the snapshot it was taken from."""
    url = _postgres.new_database(demo_pg.rsplit("/", 1)[1])
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from aspnet_data.db import open_database\n"
            "db = open_database(sys.argv[1])\n"
            "end = time.monotonic() + 3\n"
            "while time.monotonic() < end:\n"
            '    db.write(lambda cur: cur.execute("UPDATE institutions SET pupils = coalesce(pupils, 0) + 1 '
            'WHERE id = (SELECT min(id) FROM institutions)"))\n',
            url,
        ]
    )
    try:
        code, _, err = run("backup", "--db", url, tmp_path / "live.dump")
    finally:
        writer.wait(timeout=30)
    assert code == 0, err


def test_migrate_reports_the_schema_version(empty_pg):
    code, out, err = run("migrate", "--db", empty_pg)
    assert code == 0, err
    assert "schema version" in out
    code, out, _ = run("migrate", "--db", empty_pg)
    assert code == 0 and "nothing to apply" in out


def test_several_processes_migrating_at_once_apply_each_migration_once(_postgres):
    url = _postgres.new_database()
    procs = [
        subprocess.Popen([sys.executable, "-m", "aspnet_data", "migrate", "--db", url], stdout=subprocess.PIPE)
        for _ in range(4)
    ]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    with psycopg.connect(url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == sorted(set(versions)) and len(versions) >= 9


def test_a_schema_newer_than_the_app_is_refused(_postgres):
    url = _postgres.new_database()
    with open_database(url):
        pass
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    code, _, err = run("export", "--db", url, "/tmp/never-written")
    assert code == 1 and "newer" in err and err.count("\n") == 1


@pytest.mark.parametrize(
    "url, words",
    [
        ("postgresql://postgres@127.0.0.1:1/aspnet", "cannot reach PostgreSQL"),
        ("postgresql://no such host!/x", "PostgreSQL"),
    ],
)
def test_an_unreachable_or_malformed_server_is_one_line(url, words):
    code, _, err = run("migrate", "--db", url)
    assert code == 1 and err.startswith("error:") and err.count("\n") == 1 and words in err


def test_a_wrong_password_is_one_line(_postgres):
    if _postgres.folder is None:
        pytest.skip("the suite's own cluster trusts local connections")
    url = _postgres.new_database()
    name = url.rsplit("/", 1)[1]
    _postgres.admin("CREATE ROLE atlas_pw LOGIN PASSWORD 'right'")
    hba = _postgres.folder / "data" / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all atlas_pw 127.0.0.1/32 scram-sha-256\n" + original)
    _postgres.admin("SELECT pg_reload_conf()")
    try:
        host = url.split("@", 1)[1]
        code, _, err = run("migrate", "--db", f"postgresql://atlas_pw:wrong@{host}")
        assert code == 1 and err.count("\n") == 1 and "password" in err and "wrong" not in err.split("password")[0]
    finally:
        hba.write_text(original)
        _postgres.admin("SELECT pg_reload_conf()")
        _postgres.admin(f'DROP DATABASE "{name}"')
        _postgres.admin("DROP ROLE atlas_pw")


def test_user_add_into_postgres_then_the_account_signs_in(demo_pg, _postgres):
    from aspnet_data import accounts

    url = _postgres.new_database(demo_pg.rsplit("/", 1)[1])  # the network as the command line copied it
    env = {**__import__("os").environ, "ASPNET_NEW_PASSWORD": "a long new password 2026"}
    code, out, err = run(
        "user", "add", "--db", url, "--username", "ops.admin", "--name", "Ops", "--role", "admin", env=env
    )
    assert code == 0, err
    with open_database(url) as db:
        assert accounts.authenticate(db, "ops.admin", "a long new password 2026").username == "ops.admin"
    code, _, err = run(
        "user", "add", "--db", url, "--username", "ops.admin", "--name", "Ops", "--role", "admin", env=env
    )
    assert code == 1 and "taken" in err
