"""Many people writing at once (Streamlit runs every session in a thread of one process).

1,000 randomized edits from 8 threads on 20 institutions, each saved with the version its
author read: every attempt either saves or is told of a conflict, no saved change is lost,
the audit log holds exactly one row per save, and each record's versions run without gaps.
Then 200 board posts from 8 threads into one channel: all stored once, in order.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict

import pytest

from aspnet_data import board, editing
from aspnet_data.permissions import Actor

from ..conftest import ROOT

THREADS = 8
EDITS = 1000
RECORDS = 20
POSTS_PER_THREAD = 25


@pytest.fixture(scope="module")
def db(module_db):
    return module_db


def run_threads(target, count):
    failures = []

    def guarded(k):
        try:
            target(k)
        except BaseException as exc:  # a thread that dies must fail the test, not vanish
            failures.append(exc)

    threads = [threading.Thread(target=guarded, args=(k,)) for k in range(count)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not failures, failures


# A new value for a field, unique to the attempt, so that every save changes something and
# every audit row can be traced to the attempt that wrote it.
NEW_VALUE = {
    "pupils": lambda uid: 1 + uid,
    "teachers": lambda uid: 1 + uid,
    "website": lambda uid: f"https://edit-{uid}.school.example",
    "email": lambda uid: f"office-{uid}@school.example",
    "name": lambda uid: f"Concurrent School {uid}",
    "city": lambda uid: f"Town {uid}",
}


def chosen_records(db) -> list[int]:
    return [
        r[0]
        for r in db.rows(
            """SELECT i.id FROM institutions i JOIN countries c ON c.iso3 = i.network
           WHERE i.status = 'member' AND c.has_outline ORDER BY i.id LIMIT ?""",
            [RECORDS],
        )
    ]


def edit_randomly(db, ids: list[int], threads: int, edits: int, *, first_thread: int = 0) -> list[dict]:
    """``edits`` randomized saves from ``threads`` threads, each with the version its author read."""
    attempts: list[dict] = []
    lock = threading.Lock()

    def editor(j):
        k = first_thread + j
        rng = random.Random(1000 + k)
        actor = Actor(f"editor{k}", "admin")
        for n in range(edits // threads):
            uid = k * (EDITS // THREADS) + n
            iid = rng.choice(ids)
            read = editing.institution_record(db, iid)
            field = rng.choice(sorted(NEW_VALUE))
            value = NEW_VALUE[field](uid)
            time.sleep(rng.random() * 0.002)  # think time: others save in between
            attempt = {"uid": uid, "thread": k, "id": iid, "read": read["version"], "field": field, "value": value}
            try:
                editing.update_institution(db, actor, iid, {field: value}, expected_version=read["version"])
                attempt["outcome"] = "saved"
            except editing.Conflict as conflict:
                attempt["outcome"] = "conflict"
                attempt["current"] = conflict.current["version"]
            except Exception as exc:
                attempt["outcome"] = f"error: {exc!r}"
            with lock:
                attempts.append(attempt)

    run_threads(editor, threads)
    return attempts


def test_randomized_concurrent_edits_lose_nothing_and_hide_no_failure(db):
    ids = chosen_records(db)
    initial = {i: editing.institution_record(db, i) for i in ids}
    started = time.perf_counter()
    attempts = edit_randomly(db, ids, THREADS, EDITS)
    elapsed = time.perf_counter() - started
    outcomes = Counter(a["outcome"] for a in attempts)
    print(f"\n{EDITS} edits from {THREADS} threads on {RECORDS} institutions in {elapsed:.1f} s: {dict(outcomes)}")
    check_edits(db, ids, initial, attempts)


@pytest.mark.postgres_only
def test_edits_from_two_processes_of_one_postgresql_lose_nothing(scratch_copy, tmp_path):
    """The same 1,000 edits from two processes (4 threads each) on one PostgreSQL database:
    optimistic locking and the audit log hold across processes as within one."""
    from aspnet_data.db import open_database

    with open_database(scratch_copy) as db:
        ids = chosen_records(db)
        initial = {i: editing.institution_record(db, i) for i in ids}
    outputs = [tmp_path / f"attempts-{k}.json" for k in range(2)]
    started = time.perf_counter()
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.unit.test_concurrency", str(scratch_copy), str(k * THREADS // 2), str(out)],
            cwd=ROOT,
        )
        for k, out in enumerate(outputs)
    ]
    assert [child.wait(timeout=600) for child in children] == [0, 0]
    elapsed = time.perf_counter() - started
    attempts = [a for out in outputs for a in json.loads(out.read_text())]
    outcomes = Counter(a["outcome"] for a in attempts)
    print(f"\n{EDITS} edits from 2 processes x {THREADS // 2} threads in {elapsed:.1f} s: {dict(outcomes)}")
    with open_database(scratch_copy) as db:
        check_edits(db, ids, initial, attempts)


def check_edits(db, ids: list[int], initial: dict[int, dict], attempts: list[dict]) -> None:
    outcomes = Counter(a["outcome"] for a in attempts)
    # Every attempt was answered: saved, or a conflict reported to its author; nothing else.
    assert len(attempts) == EDITS
    assert set(outcomes) <= {"saved", "conflict"}, [a for a in attempts if a["outcome"].startswith("error")][:3]
    assert outcomes["saved"] > 0 and outcomes["conflict"] > 0
    # A conflict is only reported when someone else really saved since the read.
    for a in attempts:
        if a["outcome"] == "conflict":
            assert a["current"] > a["read"]

    audit = db.query("""SELECT id, actor, entity_id, before, after FROM audit_log
                        WHERE entity = 'institutions' AND action = 'institution.update' AND actor LIKE 'editor%'
                        ORDER BY id""").to_dicts()
    saved = [a for a in attempts if a["outcome"] == "saved"]
    # The audit log agrees with the saves one to one: same record, author, field and value.
    by_change = {(a["id"], f"editor{a['thread']}", a["field"], json.dumps(a["value"])): a for a in saved}
    matched = set()
    for row in audit:
        after = json.loads(row["after"])
        fields = [k for k in after if k != "network"]
        assert len(fields) == 1, row
        key = (int(row["entity_id"]), row["actor"], fields[0], json.dumps(after[fields[0]]))
        assert key in by_change and key not in matched, row
        matched.add(key)
        by_change[key]["audit"] = row
    assert len(matched) == len(saved) == len(audit)

    for iid in ids:
        mine = sorted((a for a in saved if a["id"] == iid), key=lambda a: a["read"])
        v0 = initial[iid]["version"]
        # Each save turned the version it read into the next one: strictly increasing, no gap,
        # never two saves from the same version (that would be a lost update).
        assert [a["read"] for a in mine] == list(range(v0, v0 + len(mine)))
        final = editing.institution_record(db, iid)
        assert final["version"] == v0 + len(mine)
        # Replaying the saves in version order: each audit row's "before" is exactly what the
        # previous save left, and the result is the final record. Every saved change is in the
        # final state or superseded by a later save of the same field.
        state = {k: initial[iid][k] for k in NEW_VALUE}
        for a in mine:
            before = json.loads(a["audit"]["before"])
            assert before[a["field"]] == state[a["field"]], (iid, a)
            state[a["field"]] = a["value"]
        assert {k: final[k] for k in NEW_VALUE} == state
        for a in mine:
            later = [b for b in mine if b["read"] > a["read"] and b["field"] == a["field"]]
            assert final[a["field"]] == a["value"] or later


def test_board_posts_from_many_threads_are_all_stored_once_in_order(db):
    channel = db.scalar("SELECT id FROM channels WHERE kind = 'all'")
    # Three authors per thread, each posting fewer than the rate limit's ten a minute.
    authors = [
        Actor(u, "coordinator", n)
        for u, n in db.rows(
            "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT ?", [THREADS * 3]
        )
    ]
    top = db.scalar("SELECT coalesce(max(id), 0) FROM messages")
    posted: dict[int, list[tuple[int, str]]] = defaultdict(list)

    def poster(k):
        mine = authors[3 * k : 3 * k + 3]
        for n in range(POSTS_PER_THREAD):
            body = f"thread {k} post {n} \u202e\u200b😀"
            message = board.post(db, mine[n % 3], channel, body)
            posted[k].append((message, body))

    run_threads(poster, THREADS)
    stored = db.rows(
        "SELECT id, author, body, created_at FROM messages WHERE id > ? AND channel_id = ? ORDER BY id", [top, channel]
    )
    bodies = [body for _, _, body, _ in stored]
    expected = [body for k in range(THREADS) for _, body in posted[k]]
    # All stored, none lost or duplicated, each under the id its author was given.
    assert len(stored) == THREADS * POSTS_PER_THREAD
    assert sorted(bodies) == sorted(expected) and len(set(bodies)) == len(bodies)
    by_id = {i: body for i, _, body, _ in stored}
    for k in range(THREADS):
        assert all(by_id[i] == body for i, body in posted[k])
        # Each thread's posts keep the order they were made in.
        assert [i for i, _ in posted[k]] == sorted(i for i, _ in posted[k])
    # Ids and timestamps tell the same order.
    times = [created for _, _, _, created in stored]
    assert times == sorted(times)


def test_wrong_passwords_at_the_same_instant_all_count_towards_the_lock(db):
    """Failed logins are counted by the database, not by whoever read the count last: four
    wrong passwords at once (from four sessions, or four replicas) count four."""
    from aspnet_data import accounts
    from aspnet_data.errors import LoginRefused

    username = db.scalar("SELECT username FROM users WHERE role = 'analyst' ORDER BY username LIMIT 1")
    db.write(
        lambda cur: cur.execute(
            "UPDATE users SET failed_attempts = 0, locked_until = NULL WHERE username = ?", [username]
        )
    )
    barrier = threading.Barrier(4)

    def wrong(_k):
        barrier.wait()
        with pytest.raises(LoginRefused):
            accounts.authenticate(db, username, "not the password")

    run_threads(wrong, 4)
    assert db.scalar("SELECT failed_attempts FROM users WHERE username = ?", [username]) == 4
    with pytest.raises(LoginRefused) as locked:
        accounts.authenticate(db, username, "still not the password")
    assert locked.value.reason == "locked"


if __name__ == "__main__":  # one of the processes of the two-process test: URL, first thread, output
    from aspnet_data.db import open_database

    with open_database(sys.argv[1]) as shared:
        done = edit_randomly(shared, chosen_records(shared), THREADS // 2, EDITS // 2, first_thread=int(sys.argv[2]))
    with open(sys.argv[3], "w") as handle:
        json.dump(done, handle)
