#!/usr/bin/env python3
"""The same screens' work on PostgreSQL beside the embedded file, for one network size.

    .venv/bin/python bench/postgres.py 10000 out.json

A throwaway PostgreSQL (ops/postgres.py) in a temporary folder, unless ASPNET_TEST_POSTGRES
names a server. The cached demo network is copied into it (timed: that is `copy`). Then,
in this process: every read of bench/scenarios.py (directory, dashboard, map tiles, the
application queues) on the embedded file and through PostgreSQL (where the analytic reads
go to the in-process DuckDB copy and the exact ones to PostgreSQL), the edit form's exact
read, a saved edit (p50/p95), the analytic copy's full load, and its refresh after one
edit. And across processes: a second process saves edits, this one waits for each to show
in its copy: the freshness lag from one replica to another (p50/p95).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from common import DASHBOARD_VIEWS, DIRECTORY_VIEWS, REPEAT, ROOT, database, peak_rss_mb, percentiles, timed

from aspnet_data import applications, board, dashboard, directory, editing, transfer
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor
from aspnet_data.pg import AnalyticCopy, PostgresDatabase
from ops import postgres

ADMIN = Actor("admin", "admin")
LAG_EDITS = 30


def server() -> tuple[str, Path | None]:
    given = os.environ.get("ASPNET_TEST_POSTGRES")
    if given:
        return given.rstrip("/"), None
    folder = Path(tempfile.mkdtemp(prefix="aspnet-bench-pg-"))
    return postgres.start(folder).rsplit("/", 1)[0], folder


def fresh_database(root: str, name: str) -> str:
    """The URL of an empty database ``name`` (dropped first if it was there) on the server ``root``."""
    with psycopg.connect(f"{root}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"{root}/{name}"


def screens(db, actors: dict[str, Actor], school: int) -> dict:
    """name -> (work) of the reads a person waits for."""
    work = {}
    for name, sel in DIRECTORY_VIEWS.items():
        work[f"directory: {name}"] = lambda sel=sel: (
            directory.facet_counts(db, sel),
            directory.list_institutions(db, sel, page=1),
        )
    for name, sel in DASHBOARD_VIEWS.items():
        work[f"dashboard: {name}"] = lambda sel=sel: dashboard.dashboard(db, sel)
    work["edit form: one record"] = lambda: editing.institution_record(db, school)
    for label, actor in actors.items():
        work[f"queue: {label}"] = lambda actor=actor: applications.queue(db, actor)
    work["board: unread counts"] = lambda: board.channels(db, actors["coordinator"])
    return work


def lag_child(url: str, school: int, out: Path) -> None:
    """The writing replica: saves LAG_EDITS edits, a second apart, noting each commit's time."""
    db = open_database(url)
    stamps = []
    for n in range(LAG_EDITS):
        record = editing.institution_record(db, school)
        editing.update_institution(db, ADMIN, school, {"pupils": 10_000 + n}, expected_version=record["version"])
        stamps.append((10_000 + n, time.time()))
        time.sleep(0.3)
    out.write_text(json.dumps(stamps))
    db.close()


def freshness(url: str, school: int) -> dict:
    """The reading replica: how long after each commit its copy shows the edit."""
    reader = open_database(url)
    reader.analytics.scalar("SELECT 1")  # the copy loaded before the writer starts
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stamps.json"
        writer = subprocess.Popen(
            [sys.executable, __file__, "lag-child", url, str(school), str(out)], cwd=ROOT, env=dict(os.environ)
        )
        seen: dict[int, float] = {}
        deadline = time.monotonic() + 120
        while len(seen) < LAG_EDITS and time.monotonic() < deadline:
            value = reader.analytics.scalar("SELECT pupils FROM institutions WHERE id = ?", [school])
            if value is not None and value >= 10_000 and value not in seen:
                seen[value] = time.time()
            time.sleep(0.005)
        writer.wait(timeout=120)
        stamps = json.loads(out.read_text())
    reader.close()
    # A value overwritten before this replica looked is not counted (it cannot have been seen).
    lags = [(seen[v] - t) * 1000 for v, t in stamps if v in seen]
    return percentiles(lags) | {"edits": LAG_EDITS, "seen": len(lags)}


def measure(size: int) -> dict:
    path = database(size)
    root, folder = server()
    try:
        url = fresh_database(root, f"bench_{size}")
        out: dict = {"institutions": size}
        started = time.perf_counter()
        with open_database(path) as source, open_database(url) as target:
            transfer.copy_database(source, target)
        out["copy_s"] = round(time.perf_counter() - started, 1)

        embedded, shared = open_database(path), open_database(url)
        assert isinstance(shared, PostgresDatabase)
        started = time.perf_counter()
        shared.analytics.scalar("SELECT 1")
        out["copy_load_s"] = round(time.perf_counter() - started, 2)
        network = embedded.scalar(
            "SELECT network FROM applications WHERE stage = 'submitted' GROUP BY network "
            "ORDER BY count(*) DESC, network LIMIT 1"
        )
        coordinator = Actor(
            *embedded.rows(
                "SELECT username, role, network FROM users WHERE role = 'coordinator' AND network = ? "
                "ORDER BY username LIMIT 1",
                [network],
            )[0]
        )
        actors = {"coordinator": coordinator, "admin": ADMIN}
        school = embedded.scalar("SELECT min(id) FROM institutions WHERE status = 'member'")
        out["screens"] = {}
        ours, theirs = screens(embedded, actors, school), screens(shared, actors, school)
        for label in ours:
            a = timed(ours[label], repeat=REPEAT if "dashboard" not in label else 10)
            b = timed(theirs[label], repeat=REPEAT if "dashboard" not in label else 10)
            out["screens"][label] = {"embedded": a, "postgres": b, "ratio_p50": round(b["p50_ms"] / a["p50_ms"], 2)}

        def save(db, n=[0]):  # noqa: B006 - a counter across calls
            n[0] += 1
            record = editing.institution_record(db, school)
            editing.update_institution(
                db, ADMIN, school, {"teachers": 1 + n[0] % 500}, expected_version=record["version"]
            )

        out["save"] = {"embedded": timed(lambda: save(embedded)), "postgres": timed(lambda: save(shared))}

        # The copy's refresh after one edit saved by another process (here: another connection).
        other = open_database(url)
        copy = shared._copy
        assert isinstance(copy, AnalyticCopy)
        samples = []
        for n in range(REPEAT):
            record = editing.institution_record(other, school)
            editing.update_institution(other, ADMIN, school, {"pupils": 500 + n}, expected_version=record["version"])
            copy.heard(int(other.scalar("SELECT value FROM meta WHERE key = 'data_version'")))
            started = time.perf_counter()
            copy.fresh()
            samples.append((time.perf_counter() - started) * 1000)
        out["refresh_one_edit"] = percentiles(samples)
        other.close()
        embedded.close()
        shared.close()
        out["freshness_lag"] = freshness(url, school)
        out["peak_rss_mb"] = peak_rss_mb()
        return out
    finally:
        if folder is not None:
            postgres.stop(folder, mode="immediate")
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1] == "lag-child":
        lag_child(sys.argv[2], int(sys.argv[3]), Path(sys.argv[4]))
    else:
        result = measure(int(sys.argv[1]))
        Path(sys.argv[2]).write_text(json.dumps(result, indent=2), encoding="utf-8")
