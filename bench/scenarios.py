#!/usr/bin/env python3
"""The work behind each screen on one network size, in a process of its own (so the peak
memory reported is that of this size alone).

    .venv/bin/python bench/scenarios.py 10000 out.json
    .venv/bin/python bench/scenarios.py board out.json

For each read, the same SQL statements are also run straight on DuckDB (recorded from one
run of ours, replayed on a bare connection, results fetched as Arrow): that is the floor,
the time no app layer on this database could beat.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import polars as pl
from common import (
    CACHE,
    DASHBOARD_VIEWS,
    DIRECTORY_VIEWS,
    MAP_VIEWS,
    REPEAT,
    ROOT,
    database,
    generator_version,
    largest_network,
    peak_rss_mb,
    percentiles,
    timed,
)

from aspnet_data import applications, board, bulk, dashboard, directory, maps
from aspnet_data.db import Database, open_database
from aspnet_data.permissions import Actor
from routes.map_data import COLOURS, each_school, features


class Recorder:
    """A Database that remembers the statements the app layer sends while recording."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self.statements: list[tuple[str, str, object]] | None = None

    def __getattr__(self, name):
        return getattr(self._db, name)

    @property
    def analytics(self):  # the analytic reads of the embedded file are recorded too
        return self

    def _log(self, kind: str, sql: str, params) -> None:
        if self.statements is not None:
            self.statements.append((kind, sql, params))

    def query(self, sql, params=None):
        self._log("query", sql, params)
        return self._db.query(sql, params)

    def rows(self, sql, params=None):
        self._log("rows", sql, params)
        return self._db.rows(sql, params)

    def small_query(self, sql, params, schema):
        self._log("rows", sql, params)
        return self._db.small_query(sql, params, schema)

    def scalar(self, sql, params=None):
        self._log("scalar", sql, params)
        return self._db.scalar(sql, params)

    def record(self, work) -> list[tuple[str, str, object]]:
        self.statements = []
        try:
            work(self)
            return self.statements
        finally:
            self.statements = None


def replay(con: duckdb.DuckDBPyConnection, statements) -> None:
    for kind, sql, params in statements:
        if kind == "query":  # a frame: DuckDB's cheapest full result is an Arrow table
            con.sql(sql, params=params).to_arrow_table()
        else:  # rows and scalars: Python tuples
            con.execute(sql, params).fetchall()


def ours_and_floor(db: Recorder, raw, work, repeat: int = REPEAT) -> dict:
    ours = timed(lambda: work(db), repeat=repeat)
    statements = db.record(work)
    floor = timed(lambda: replay(raw, statements), repeat=repeat)
    return ours | {
        "floor": floor,
        "statements": len(statements),
        "ratio_p50": round(ours["p50_ms"] / floor["p50_ms"], 2),
        "ratio_p95": round(ours["p95_ms"] / floor["p95_ms"], 2),
    }


def reads(path: Path) -> dict:
    db = Recorder(open_database(path))
    raw = duckdb.connect(str(path))
    out: dict = {"directory": {}, "dashboard": {}, "map": {}}
    for name, sel in DIRECTORY_VIEWS.items():

        def view(d, sel=sel):
            directory.facet_counts(d, sel)
            directory.list_institutions(d, sel, page=1)

        out["directory"][name] = ours_and_floor(db, raw, view)
    for name, sel in DASHBOARD_VIEWS.items():
        out["dashboard"][name] = ours_and_floor(db, raw, lambda d, sel=sel: dashboard.dashboard(d, sel), repeat=10)
    outlines = maps.json_size(maps.display_outlines())
    # What the browser receives: the app's server sends JSON gzipped (Streamlit's middleware).
    outlines_sent = len(gzip.compress(json.dumps(maps.display_outlines(), separators=(",", ":")).encode(), 6))
    for name, sel in MAP_VIEWS.items():
        # One view of the world map: the 4 x 3 tiles of 512 px around the selection's centre, as
        # a first visitor after a change loads them (the selection's schools read afresh).
        _, bounds = maps.selection_extent(db, sel)
        lat, lon, zoom = maps.zoom_for(bounds, width=900, height=520)
        z = max(0, round(zoom))
        cx, cy = maps.tile_of(lat, lon, z)
        tiles = sorted(
            {
                (min(max(x, 0), 2**z - 1), min(max(y, 0), 2**z - 1))
                for x in range(cx - 2, cx + 2)
                for y in range(cy - 1, cy + 2)
            }
        )

        def view(d, sel=sel, z=z, tiles=tiles):
            maps.forget_located()
            return [maps.map_tile(d, sel, z, x, y) for x, y in tiles]

        if maps.draws_each(db, sel):
            # Up to ASPNET_MAP_POINTS schools: each of them, one answer a colour, for every zoom.

            def view(d, sel=sel):
                maps.forget_located()
                frame = maps.each_school(d, sel)
                return [each_school(frame, colour, "en") for colour in COLOURS]

            result = ours_and_floor(db, raw, view, repeat=10)
            bodies = view(db)
            out["map"][name] = result | {
                "kind": "schools one by one",
                "items": sum(len(json.loads(b)) for b in bodies),
                "json_bytes": sum(map(len, bodies)) + outlines,
                "sent_bytes": sum(len(gzip.compress(b, 6)) for b in bodies) + outlines_sent,
            }
            continue

        result = ours_and_floor(db, raw, view, repeat=10)
        drawn = view(db)
        bodies = [json.dumps(features(t, "en"), ensure_ascii=False, separators=(",", ":")).encode() for t in drawn]
        out["map"][name] = result | {
            "kind": f"{len(tiles)} tiles at zoom {z}",
            "items": sum(len(t.points) + len(t.cells) for t in drawn),
            "json_bytes": sum(map(len, bodies)) + outlines,
            "sent_bytes": sum(len(gzip.compress(b, 6)) for b in bodies) + outlines_sent,
        }
    # The application queues: the busiest network's coordinator, and UNESCO's decisions.
    network = db.scalar(
        "SELECT network FROM applications WHERE stage = 'submitted' GROUP BY network "
        "ORDER BY count(*) DESC, network LIMIT 1"
    )
    coordinator = Actor(
        *db.rows(
            "SELECT username, role, network FROM users WHERE role = 'coordinator' "
            "AND network = ? ORDER BY username LIMIT 1",
            [network],
        )[0]
    )
    admin = Actor(
        *db.rows("SELECT username, role, network FROM users WHERE role = 'admin' ORDER BY username LIMIT 1")[0]
    )
    out["queue"] = {}
    for label, actor in (("coordinator", coordinator), ("admin", admin)):
        result = ours_and_floor(db, raw, lambda d, actor=actor: applications.queue(d, actor))
        out["queue"][label] = result | {"rows": applications.queue(db, actor).height}
    raw.close()
    db.close()
    return out


BULK_ROWS = 5_000


def bulk_upload(path: Path, repeat: int = 3) -> dict:
    """A 5,000-row file for the largest network: every existing row edited (up to 5,000),
    the rest new institutions copied from existing ones; validated, previewed, applied on
    a fresh copy of the database each time."""
    samples: dict[str, list[float]] = {"validate": [], "apply": []}
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(repeat):
            copy = Path(tmp) / "bulk.duckdb"
            shutil.copy(path, copy)
            db = open_database(copy)
            network = largest_network(db)
            actor = Actor(
                *db.rows(
                    "SELECT username, role, network FROM users WHERE role = 'coordinator' "
                    "AND network = ? ORDER BY username LIMIT 1",
                    [network],
                )[0]
            )
            # The template's first 5,000 rows (a large network's whole template is over the upload limit).
            template = pl.read_csv(
                io.BytesIO(bulk.template(db, actor, network, "csv")), infer_schema=False, n_rows=BULK_ROWS
            )
            frame = bulk.read_file(template.write_csv().encode(), "template.csv")
            edited = frame.head(BULK_ROWS).with_columns(
                pupils=pl.Series([str(1000 + n) for n in range(min(BULK_ROWS, frame.height))])
            )
            extra = BULK_ROWS - edited.height
            if extra:
                source = frame.sample(extra, with_replacement=True, seed=1)
                new = source.with_columns(
                    id=pl.lit(None, pl.String),
                    name=pl.col("name") + pl.Series([f" {n}" for n in range(extra)]),
                    name_latin=pl.lit(None, pl.String),
                    # Their own addresses: with the source's, they would be matched with it.
                    email=pl.lit(None, pl.String),
                    website=pl.lit(None, pl.String),
                )
                edited = pl.concat([edited, new])
            data = edited.write_csv().encode()

            started = time.perf_counter()
            plan = bulk.plan(db, actor, network, bulk.read_file(data, "upload.csv"))
            bulk.report_csv(plan)
            samples["validate"].append((time.perf_counter() - started) * 1000)
            assert plan.blocking == 0, plan.errors.head(5)
            started = time.perf_counter()
            counts = bulk.apply(db, actor, network, plan)
            samples["apply"].append((time.perf_counter() - started) * 1000)
            db.close()
            copy.unlink()
    return {
        "rows": BULK_ROWS,
        "network": network,
        "counts": counts,
        "validate": percentiles(samples["validate"]),
        "apply": percentiles(samples["apply"]),
    }


PAGES = [  # (script, who, query)
    ("app_pages/home.py", None, {}),
    ("app_pages/directory.py", None, {}),
    ("app_pages/map.py", None, {}),
    ("app_pages/network.py", None, {"code": "network"}),
    ("app_pages/institution.py", None, {"id": "institution"}),
    ("app_pages/projects.py", None, {}),
    ("app_pages/apply.py", None, {}),
    ("app_pages/status.py", None, {}),
    ("app_pages/dashboard.py", None, {}),
    ("app_pages/brief.py", None, {"code": "network"}),
    ("app_pages/board.py", "coordinator", {}),
    ("app_pages/review.py", "coordinator", {}),
    ("app_pages/review.py", "admin", {}),
    ("app_pages/manage.py", "coordinator", {}),
    ("app_pages/quality.py", "coordinator", {}),
    ("app_pages/bulk.py", "coordinator", {}),
    ("app_pages/account.py", "coordinator", {}),
    ("app_pages/users.py", "admin", {}),
]


def page_reruns(path: Path, reruns: int = 5) -> dict:
    """Each page's script rerun with a warm cache (AppTest, the whole app around it)."""
    from tests.pages.conftest import run_app

    os.environ["ASPNET_DB"] = str(path)
    os.environ.setdefault("ASPNET_COOKIE_SECRET", "bench-secret")
    with open_database(path) as db:
        network = db.scalar("SELECT network FROM institutions GROUP BY network ORDER BY count(*) DESC LIMIT 1")
        values = {
            "network": network,
            "institution": str(
                db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
            ),
            "coordinator": db.scalar(
                "SELECT min(username) FROM users WHERE role = 'coordinator' AND network = ?", [network]
            ),
            "admin": db.scalar("SELECT min(username) FROM users WHERE role = 'admin'"),
        }
    out = {}
    for script, who, query in PAGES:
        at = run_app(
            path,
            script,
            username=values[who] if who else None,
            session={"lang": "en"},
            query={k: values[v] for k, v in query.items()},
        )
        samples = []
        for _ in range(reruns):
            started = time.perf_counter()
            at.run()
            samples.append((time.perf_counter() - started) * 1000)
            assert not at.exception, [e.value for e in at.exception]
        out[f"{script.removeprefix('app_pages/').removesuffix('.py')}" + (f" ({who})" if who else "")] = percentiles(
            samples
        ) | {"max_ms": round(max(samples), 1), "peak_rss_mb": peak_rss_mb()}
    return out


def board_channel(messages: int = 100_000) -> dict:
    """Opening a channel (its latest threads, every unread count) with ``messages`` on the board."""
    path = CACHE / f"board-{messages}-{generator_version()}.duckdb"
    if not path.exists():
        for stale in CACHE.glob(f"board-{messages}*.duckdb"):
            stale.unlink()
        shutil.copy(database(10_000), path)
        with open_database(path) as db:
            existing = db.scalar("SELECT count(*) FROM messages")
            db.write(
                lambda cur: cur.execute(
                    """INSERT INTO messages (id, channel_id, thread_id, author, body, created_at)
                   SELECT nextval('message_id_seq'), 1 + (k % 8), NULL,
                          (SELECT min(username) FROM users WHERE role = 'coordinator'),
                          'Board benchmark message ' || k, TIMESTAMP '2026-01-01' + INTERVAL (k) SECOND
                   FROM range(?) t(k)""",
                    [messages - existing],
                )
            )
    db = Recorder(open_database(path))
    raw = duckdb.connect(str(path))
    actor = Actor(
        *db.rows("SELECT username, role, network FROM users WHERE role = 'coordinator' ORDER BY username DESC LIMIT 1")[
            0
        ]
    )
    general = int(db.scalar("SELECT id FROM channels WHERE kind = 'all'"))

    def open_channel(d):
        board.channels(d, actor)
        board.threads(d, actor, general, limit=50)

    result = ours_and_floor(db, raw, open_channel) | {"messages": int(db.scalar("SELECT count(*) FROM messages"))}
    raw.close()
    db.close()
    return result


def main() -> None:
    what, target = sys.argv[1], Path(sys.argv[2])
    sys.path.insert(0, str(ROOT))
    if what == "board":
        result = {"board": board_channel()}
    else:
        size = int(what)
        path = database(size)
        result = {"institutions": size, **reads(path)}
        result["peak_rss_mb_reads"] = peak_rss_mb()
        result["pages"] = page_reruns(path)
        result["peak_rss_mb_pages"] = peak_rss_mb()
        result["bulk"] = bulk_upload(path)
    result["peak_rss_mb"] = peak_rss_mb()
    target.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")


if __name__ == "__main__":
    main()
