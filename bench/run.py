#!/usr/bin/env python3
"""ASPnet Atlas benchmark: the work behind each screen, timed on networks of several sizes.

    make bench                                   # 10,000, 100,000 and 1,000,000 institutions
    .venv/bin/python bench/run.py --sizes 10000  # one size

Demo networks are built once into bench/cache/ (same seed, so the same data every run).
Each scenario runs a few times to warm up, then REPEAT times; p50 and p95 are reported.
Results go to bench/results/latest.md and latest.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aspnet_data import board, dashboard, directory, maps  # noqa: E402
from aspnet_data.permissions import Actor  # noqa: E402
from aspnet_data.db import open_database  # noqa: E402
from aspnet_data.directory import Selection  # noqa: E402

CACHE = ROOT / "bench" / "cache"
RESULTS = ROOT / "bench" / "results"
REPEAT = 30

DIRECTORY_VIEWS = {
    "everything": Selection(),
    "search 'ecole'": Selection(q="ecole"),
    "theme + region": Selection().with_values("theme", ["esd"]).with_values("region", ["EUR", "AFR"]),
    "country + level + search": Selection(q="school").with_values("country", ["IND"]).with_values("level", ["secondary"]),
    "years + status + sort": Selection(year_from=1990, year_to=2010, sort="joined", descending=True)
    .with_values("status", ["member", "withdrawn"]),
}
DASHBOARD_VIEWS = {
    "everything": Selection(),
    "two regions, one level": Selection().with_values("region", ["AFR", "ARB"]).with_values("level", ["secondary"]),
}
MAP_VIEWS = {
    "world": Selection(),
    "one region, one theme": Selection().with_values("region", ["LAC"]).with_values("theme", ["heritage"]),
}


def database(size: int) -> Path:
    """The demo network of ``size`` institutions, rebuilt whenever the generator changes."""
    CACHE.mkdir(parents=True, exist_ok=True)
    generator = hashlib.sha256()
    sources = [ROOT / "aspnet_data" / "demo.py", ROOT / "aspnet_data" / "demo_names.py",
               *sorted((ROOT / "aspnet_data" / "migrations").glob("*.sql"))]
    for source in sources:
        generator.update(source.read_bytes())
    path = CACHE / f"aspnet-{size}-{generator.hexdigest()[:10]}.duckdb"
    if not path.exists():
        print(f"building the {size:,}-institution network...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "aspnet_data", "demo", "--db", str(path), "--institutions", str(size)],
                       check=True, cwd=ROOT)
    return path


def timed(work, repeat: int = REPEAT) -> dict:
    for _ in range(3):
        work()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {"p50_ms": round(statistics.median(samples), 2),
            "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2)}


def run(size: int) -> dict:
    db = open_database(database(size))
    out = {"institutions": size, "directory": {}, "map": {}}
    for name, sel in DIRECTORY_VIEWS.items():
        def view(sel=sel):
            directory.facet_counts(db, sel)
            directory.list_institutions(db, sel, page=1)
        out["directory"][name] = timed(view)
    out["dashboard"] = {name: timed(lambda sel=sel: dashboard.dashboard(db, sel), repeat=10)
                        for name, sel in DASHBOARD_VIEWS.items()}
    outlines = maps.json_size(maps.display_outlines())
    for name, sel in MAP_VIEWS.items():
        result = timed(lambda sel=sel: maps.map_view(db, sel), repeat=10)
        view = maps.map_view(db, sel)
        result.update(kind=view.kind, items=len(view.rows), json_bytes=maps.json_size(view.rows) + outlines)
        out["map"][name] = result
    db.close()
    return out


def _timings(title: str, section: str, views, results: list[dict]) -> list[str]:
    lines = ["", f"## {title}", "",
             "| view | " + " | ".join(f"{r['institutions']:,} p50 / p95" for r in results) + " |",
             "|---|" + "---|" * len(results)]
    for name in views:
        lines.append(f"| {name} | " + " | ".join(
            f"{r[section][name]['p50_ms']} / {r[section][name]['p95_ms']}" for r in results) + " |")
    return lines


def board_benchmark(messages: int = 100_000) -> dict:
    """Opening a channel (its latest threads, every unread count) with ``messages`` on the board."""
    import shutil

    path = CACHE / f"board-{messages}.duckdb"
    if not path.exists():
        shutil.copy(database(10_000), path)
        with open_database(path) as db:
            existing = db.scalar("SELECT count(*) FROM messages")
            db.write(lambda cur: cur.execute(
                """INSERT INTO messages (id, channel_id, thread_id, author, body, created_at)
                   SELECT nextval('message_id_seq'), 1 + (k % 8), NULL,
                          (SELECT min(username) FROM users WHERE role = 'coordinator'),
                          'Board benchmark message ' || k, TIMESTAMP '2026-01-01' + INTERVAL (k) SECOND
                   FROM range(?) t(k)""", [messages - existing]))
    db = open_database(path)
    actor = Actor(*db.rows("SELECT username, role, network FROM users WHERE role = 'coordinator' "
                           "ORDER BY username DESC LIMIT 1")[0])
    general = int(db.scalar("SELECT id FROM channels WHERE kind = 'all'"))

    def open_channel():
        board.channels(db, actor)
        board.threads(db, actor, general, limit=50)

    result = timed(open_channel) | {"messages": int(db.scalar("SELECT count(*) FROM messages"))}
    db.close()
    return result


def markdown(results: list[dict], board_result: dict | None = None) -> str:
    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}; "
             f"{REPEAT} runs per directory view after 3 warm-up runs."]
    lines += _timings("Directory: facet counts + one page of rows (ms)", "directory", DIRECTORY_VIEWS, results)
    lines += _timings("Dashboard: every aggregate for one selection (ms)", "dashboard", DASHBOARD_VIEWS, results)
    lines += ["", "## Map data (ms, and bytes sent to the browser with the outlines)", "",
              "| view | " + " | ".join(f"{r['institutions']:,}" for r in results) + " |",
              "|---|" + "---|" * len(results)]
    for name in MAP_VIEWS:
        cells = [f"{r['map'][name]['p50_ms']} / {r['map'][name]['p95_ms']} ms · {r['map'][name]['kind']} "
                 f"{r['map'][name]['items']:,} · {r['map'][name]['json_bytes'] / 1e6:.2f} MB" for r in results]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    if board_result:
        lines += ["", "## Message board", "",
                  f"Opening a channel (latest 50 threads and every unread count) with {board_result['messages']:,} "
                  f"messages: p50 {board_result['p50_ms']} ms, p95 {board_result['p95_ms']} ms."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated network sizes")
    args = parser.parse_args()
    results = [run(int(size)) for size in args.sizes.split(",")]
    board_result = board_benchmark()
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(json.dumps({"networks": results, "board": board_result}, indent=2),
                                         encoding="utf-8")
    text = markdown(results, board_result)
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
