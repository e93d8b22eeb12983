"""PostgreSQL as the system of record: replicas' analytic copies kept fresh from the change
feed, a lost listening connection, the feed's pruning, and the database being unavailable."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from aspnet_data import directory, editing, pg
from aspnet_data.db import open_database
from aspnet_data.errors import DatabaseUnavailable
from aspnet_data.permissions import Actor

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def replicas(scratch_copy):
    """Two processes' views of one PostgreSQL database (each with its own analytic copy)."""
    if not pg.is_url(scratch_copy):
        pytest.skip("replicas share only a PostgreSQL database")
    one, two = open_database(scratch_copy), open_database(scratch_copy)
    yield one, two
    one.close()
    two.close()


def wait_for(condition, seconds: float = 2.0) -> float:
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > seconds:
            raise AssertionError(f"not within {seconds} s")
        time.sleep(0.02)
    return time.monotonic() - started


def analytic_name(db, school: int) -> str | None:
    return db.analytics.scalar("SELECT name FROM institutions WHERE id = ?", [school])


def test_an_edit_on_one_replica_reaches_the_others_copy_by_itself_row_by_row(replicas):
    one, two = replicas
    school = one.scalar("SELECT min(id) FROM institutions WHERE status = 'member'")
    before = analytic_name(two, school)
    copy = two._copy
    loaded, applied = copy.tables_loaded, copy.rows_applied
    record = editing.institution_record(one, school)
    editing.update_institution(one, ADMIN, school, {"name": "Fresh Name School"}, expected_version=record["version"])
    assert before != "Fresh Name School"
    lag = wait_for(lambda: analytic_name(two, school) == "Fresh Name School")
    assert lag < 2.0
    # Only the changed row travelled: no table was reloaded.
    assert copy.tables_loaded == loaded and 1 <= copy.rows_applied - applied <= 3
    # The directory (an analytic read) finds it under the new name on the other replica.
    found = directory.list_institutions(two, directory.Selection(q="Fresh Name School"))
    assert school in found["id"].to_list()
    assert two.data_version == one.data_version


def test_a_withdrawal_and_a_new_school_reach_the_copy(replicas):
    one, two = replicas
    network = one.scalar("SELECT network FROM institutions GROUP BY network ORDER BY count(*) DESC LIMIT 1")
    active = two.analytics.scalar(
        "SELECT count(*) FROM institutions WHERE network = ? AND status <> 'withdrawn'", [network]
    )
    school = one.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
    record = editing.institution_record(one, school)
    editing.withdraw_institution(one, ADMIN, school, expected_version=record["version"])
    wait_for(
        lambda: (
            two.analytics.scalar(
                "SELECT count(*) FROM institutions WHERE network = ? AND status <> 'withdrawn'", [network]
            )
            == active - 1
        )
    )


def test_without_the_listening_connection_a_poll_keeps_the_copy_fresh(replicas):
    one, two = replicas
    copy = two.analytics and two._copy
    copy._stop.set()
    copy._listener.join(timeout=5)
    copy._listening = False
    school = one.scalar("SELECT max(id) FROM institutions WHERE status = 'member'")
    record = editing.institution_record(one, school)
    editing.update_institution(one, ADMIN, school, {"name": "Polled Name School"}, expected_version=record["version"])
    assert wait_for(lambda: analytic_name(two, school) == "Polled Name School", seconds=3.0) < 3.0


def test_a_copy_behind_the_pruned_feed_reloads_whole(replicas):
    one, two = replicas
    copy = two.analytics and two._copy
    copy._stop.set()
    copy._listener.join(timeout=5)
    school = one.scalar("SELECT min(id) FROM institutions WHERE status = 'candidate'")
    record = editing.institution_record(one, school)
    editing.update_institution(one, ADMIN, school, {"name": "After Pruning School"}, expected_version=record["version"])
    # The feed is pruned past the copy's version (as after a long pause of that replica).
    one.write(lambda cur: cur.execute("UPDATE row_changes SET changed_at = changed_at - INTERVAL '1 day'"))
    one._copy = None
    pg.AnalyticCopy.prune(copy)
    loaded = copy.tables_loaded
    copy.heard(one.scalar("SELECT CAST(value AS BIGINT) FROM meta WHERE key = 'data_version'"))
    assert analytic_name(two, school) == "After Pruning School"
    assert copy.tables_loaded > loaded


def test_an_unreachable_server_is_a_clear_refusal_and_the_copy_still_reads(replicas, monkeypatch):
    one, _ = replicas
    count = one.analytics.scalar("SELECT count(*) FROM institutions")

    def down(*args, **kwargs):
        raise DatabaseUnavailable("PostgreSQL is unavailable: connection refused")

    monkeypatch.setattr(one, "_connection", down)
    with pytest.raises(DatabaseUnavailable):
        editing.institution_record(one, 1)
    with pytest.raises(DatabaseUnavailable):
        one.write(lambda cur: cur.execute("UPDATE institutions SET pupils = 1 WHERE id = 1"))
    assert one.analytics.scalar("SELECT count(*) FROM institutions") == count


def test_the_copy_is_stored_compressed_in_key_order_and_removed_with_its_process(scratch_copy, tmp_path):
    if not pg.is_url(scratch_copy):
        pytest.skip("only a PostgreSQL database has an analytic copy")
    # A copy left behind by a process that was killed is removed by the next one to start.
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    orphan = Path(tempfile.gettempdir()) / f"{pg.COPY_PREFIX}{int(ended.stdout)}-left"
    orphan.mkdir()
    (orphan / "copy.duckdb").write_bytes(b"x" * 1024)
    db = open_database(scratch_copy)
    try:
        db.analytics.scalar("SELECT 1")
        assert not orphan.exists()
        copy = db._copy
        folder = copy._folder
        assert folder.is_dir() and folder.name.startswith(f"{pg.COPY_PREFIX}{os.getpid()}-")
        # Compressed as the embedded file is (DuckDB compresses what it checkpoints), rows in id order.
        compressed = copy.db.scalar(
            "SELECT count(*) FROM pragma_storage_info('institutions') WHERE compression <> 'Uncompressed'"
        )
        assert compressed > 0
        ids = copy.db.scalar("SELECT list(id ORDER BY rowid) FROM institutions")
        assert ids == sorted(ids) and len(ids) == db.scalar("SELECT count(*) FROM institutions")
    finally:
        db.close()
    assert not folder.exists()
