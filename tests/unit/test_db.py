import threading

import duckdb
import pytest

from aspnet_data.db import (
    Database,
    DatabaseError,
    SchemaTooNewError,
    latest_schema_version,
    open_database,
    quote_ident,
)


@pytest.fixture()
def empty(tmp_path):
    with open_database(tmp_path / "empty.duckdb", create=True) as db:
        yield db


def test_new_database_records_every_migration(empty):
    versions = [row[0] for row in empty.rows("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == list(range(1, latest_schema_version() + 1))


def test_reopening_applies_nothing_twice(tmp_path):
    path = tmp_path / "x.duckdb"
    open_database(path, create=True).close()
    with open_database(path) as db:
        assert db.migrate() == []
        assert db.schema_version() == latest_schema_version()


def test_missing_file_is_refused_not_created(tmp_path):
    path = tmp_path / "nope.duckdb"
    with pytest.raises(DatabaseError, match="no database at"):
        open_database(path)
    assert not path.exists()


def test_garbage_file_is_a_clear_error(tmp_path):
    path = tmp_path / "garbage.duckdb"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError):
        open_database(path)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.duckdb"
    with open_database(path, create=True) as db:
        db.cursor().execute("INSERT INTO schema_migrations VALUES (999, 'future', now())")
    with pytest.raises(SchemaTooNewError, match="999"):
        open_database(path)


def test_write_bumps_data_version_and_timestamp(empty):
    before = empty.data_version
    empty.write(lambda cur: cur.execute("INSERT INTO regions VALUES ('XXX', 'a', 'b', 'c')"))
    assert empty.data_version == before + 1
    assert empty.data_updated_at is not None


def test_failed_write_leaves_nothing_behind(empty):
    before = empty.data_version

    def half_then_fail(cur):
        cur.execute("INSERT INTO regions VALUES ('YYY', 'a', 'b', 'c')")
        raise ValueError("boom")

    with pytest.raises(ValueError):
        empty.write(half_then_fail)
    assert empty.scalar("SELECT count(*) FROM regions WHERE code = 'YYY'") == 0
    assert empty.data_version == before


def test_concurrent_updates_of_one_row_are_retried_not_lost(empty):
    empty.write(lambda cur: cur.execute("INSERT INTO regions VALUES ('CNT', '0', 'b', 'c')"))
    errors = []

    def bump():
        try:
            for _ in range(20):
                empty.write(
                    lambda cur: cur.execute(
                        "UPDATE regions SET name_en = CAST(CAST(name_en AS INT) + 1 AS VARCHAR) WHERE code = 'CNT'"
                    ),
                    retries=50,
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert empty.scalar("SELECT name_en FROM regions WHERE code = 'CNT'") == "80"


def test_each_thread_gets_its_own_cursor(empty):
    seen = []
    th = threading.Thread(target=lambda: seen.append(empty.cursor()))
    th.start()
    th.join()
    assert seen[0] is not empty.cursor()


def test_query_returns_polars_with_bound_values(empty):
    frame = empty.query("SELECT ? AS text, ?::INT AS n", ["O'Brien; DROP TABLE regions", 3])
    assert frame.to_dicts() == [{"text": "O'Brien; DROP TABLE regions", "n": 3}]
    assert empty.table_exists("regions")


def test_quote_ident_escapes_quotes():
    assert quote_ident('we"ird') == '"we""ird"'
    name = quote_ident('a "b')
    con = duckdb.connect()
    con.execute(f"CREATE TABLE {name} (x INT)")
    assert con.sql(f"SELECT count(*) FROM {name}").fetchall() == [(0,)]


def test_read_only_database_refuses_writes(tmp_path):
    path = tmp_path / "ro.duckdb"
    open_database(path, create=True).close()
    with Database(path, read_only=True) as db, pytest.raises(DatabaseError, match="read-only"):
        db.write(lambda cur: None)
