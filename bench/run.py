#!/usr/bin/env python3
"""ASPnet Atlas benchmark: the work behind each screen on networks of several sizes.

    make bench                                          # 10,000, 100,000 and 1,000,000
    .venv/bin/python bench/run.py --sizes 10000 --no-load

Demo networks are built once into bench/cache/ (same seed, so the same data every run).
Each size is measured in a process of its own (bench/scenarios.py: ours and the SQL
floor, the application queues, a 5,000-row bulk upload, every page's rerun, peak
memory), then Datasette on a SQLite copy (bench/peer.py), then the board, then 20
browsers at once against a real server (bench/load.py), a 5,000-row national list in a
ministry's own format imported into the largest network (bench/imports.py, also in
bench/results/imports.md), the membership queues (bench/membership.py, membership.md), the
annual reports: the reporting tab, the review queues, the national report (bench/reports.py,
reports.md), the open-data API over HTTP beside Datasette's (bench/api.py, api.md; alone:
``--only-api``).
The e-mail of mentions and direct messages: a daily digest for every coordinator with 100,000
direct messages, at the smallest size (bench/notifications.py, notifications.md).
Shared files: a 10 MB PDF and a 10 MB photograph uploaded to a project space and downloaded, on the
embedded file and on PostgreSQL, at the smallest size (bench/files.py, files.md).
Page speed: every public page and the main coordinator pages in headless Chromium beside a bare
Streamlit page of the same content (bench/pages.py, pages.md; ``--pages-sizes``).
Results go to bench/results/latest.md and latest.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import api
import files
import imports
import membership
import notifications
import pages
import reports
from common import DASHBOARD_VIEWS, DIRECTORY_VIEWS, MAP_VIEWS, REPEAT, RESULTS, ROOT, save_results

HERE = Path(__file__).resolve().parent
TARGETS = {  # (10,000, 1,000,000)
    "directory_ms": (30, 300),
    "floor_ratio": 1.3,
    "datasette_ratio": 5,
    "map_bytes": 2_000_000,
    "map_ms": (None, 300),
    "dashboard_ms": (150, 1500),
    "page_ms": (300, 1500),
    "load_server_mb": 1500,
}


def child(script: str, *args: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        print(f"· {script} {' '.join(args)}", file=sys.stderr, flush=True)
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(HERE / script), *args, str(out)],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONWARNINGS": "ignore"},
        )
        print(f"  done in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
        return json.loads(out.read_text(encoding="utf-8"))


def _sizes_header(results: list[dict]) -> list[str]:
    return ["| view | " + " | ".join(f"{r['institutions']:,}" for r in results) + " |", "|---|" + "---|" * len(results)]


def _cell(m: dict) -> str:
    return f"{m['p50_ms']:g} / {m['p95_ms']:g}"


def _limit(pair: tuple, size: int):
    low, high = pair
    return low if size <= 10_000 else high if size >= 1_000_000 else None


def markdown(results: list[dict], peers: dict[int, dict], board: dict | None, loads: list[dict]) -> str:
    misses: list[str] = []
    lines = [
        "# Benchmark results",
        "",
        f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, CPython {platform.python_version()}. "
        f"Times in ms as p50 / p95 over {REPEAT} runs after 3 warm-up runs (dashboard, map: 10 runs); "
        "× floor is our p95 divided by the p95 of the same SQL run straight on DuckDB.",
        "",
    ]

    lines += ["## Directory: every facet count + search + one page of rows", ""] + _sizes_header(results)
    for name in DIRECTORY_VIEWS:
        cells = []
        for r in results:
            m = r["directory"][name]
            peer = peers.get(r["institutions"], {}).get(name)
            cell = f"{_cell(m)} · ×{m['ratio_p95']:g} floor"
            if peer:
                speedup = peer["p50_ms"] / m["p50_ms"]
                cell += f" · Datasette {peer['p50_ms']:g} ({speedup:.1f}× slower)"
                if r["institutions"] >= 1_000_000 and speedup < TARGETS["datasette_ratio"]:
                    misses.append(f"directory '{name}' only {speedup:.1f}× faster than Datasette at 1,000,000")
            limit = _limit(TARGETS["directory_ms"], r["institutions"])
            if limit and m["p95_ms"] > limit:
                misses.append(f"directory '{name}' p95 {m['p95_ms']} ms at {r['institutions']:,} (target {limit})")
            if m["ratio_p95"] > TARGETS["floor_ratio"]:
                misses.append(f"directory '{name}' ×{m['ratio_p95']} floor at {r['institutions']:,} (target ×1.3)")
            cells.append(cell)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    lines += ["", "## Dashboard: every aggregate for one selection", ""] + _sizes_header(results)
    for name in DASHBOARD_VIEWS:
        cells = []
        for r in results:
            m = r["dashboard"][name]
            cells.append(f"{_cell(m)} · ×{m['ratio_p95']:g} floor")
            limit = _limit(TARGETS["dashboard_ms"], r["institutions"])
            if limit and m["p95_ms"] > limit:
                misses.append(f"dashboard '{name}' p95 {m['p95_ms']} ms at {r['institutions']:,} (target {limit})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    lines += ["", "## Map data, and what the browser receives (outlines included)", ""] + _sizes_header(results)
    for name in MAP_VIEWS:
        cells = []
        for r in results:
            m = r["map"][name]
            sent = m.get("sent_bytes", m["json_bytes"])
            cells.append(
                f"{_cell(m)} · ×{m['ratio_p95']:g} floor · {m['kind']} {m['items']:,} · "
                f"{sent / 1e6:.2f} MB sent ({m['json_bytes'] / 1e6:.2f} MB of JSON)"
            )
            if sent > TARGETS["map_bytes"]:
                misses.append(f"map '{name}' {sent / 1e6:.2f} MB sent at {r['institutions']:,}")
            limit = _limit(TARGETS["map_ms"], r["institutions"])
            if limit and m["p95_ms"] > limit:
                misses.append(f"map '{name}' p95 {m['p95_ms']} ms at {r['institutions']:,} (target {limit})")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")

    lines += ["", "## Application queues (oldest first, with age)", ""] + _sizes_header(results)
    for who in ("coordinator", "admin"):
        lines.append(
            f"| {who} | "
            + " | ".join(
                f"{_cell(r['queue'][who])} · ×{r['queue'][who]['ratio_p95']:g} floor · "
                f"{r['queue'][who]['rows']:,} waiting"
                for r in results
            )
            + " |"
        )

    lines += [
        "",
        "## Bulk upload of 5,000 rows to the largest network (3 runs, each on a fresh copy)",
        "",
        *_sizes_header(results),
    ]
    lines.append("| read + validate + preview | " + " | ".join(_cell(r["bulk"]["validate"]) for r in results) + " |")
    lines.append(
        "| apply (one transaction, audited) | "
        + " | ".join(
            f"{_cell(r['bulk']['apply'])} · {r['bulk']['counts']['changed']:,} changed, "
            f"{r['bulk']['counts']['added']:,} added"
            for r in results
        )
        + " |"
    )

    lines += [
        "",
        "## Each page's script rerun with a warm cache (AppTest, whole app, 5 reruns)",
        "",
        *_sizes_header(results),
    ]
    for page in results[0]["pages"]:
        cells = []
        for r in results:
            m = r["pages"][page]
            cells.append(_cell(m))
            limit = _limit(TARGETS["page_ms"], r["institutions"])
            if limit and m["p95_ms"] > limit:
                misses.append(f"page {page} rerun p95 {m['p95_ms']} ms at {r['institutions']:,} (target {limit})")
        lines.append(f"| {page} | " + " | ".join(cells) + " |")

    lines += [
        "",
        "## Peak memory of the measuring process (MB)",
        "",
        *_sizes_header(results),
        "| after the reads | " + " | ".join(f"{r['peak_rss_mb_reads']:,}" for r in results) + " |",
        "| after bulk upload and page reruns | " + " | ".join(f"{r['peak_rss_mb']:,}" for r in results) + " |",
    ]

    if board:
        lines += [
            "",
            "## Message board",
            "",
            f"Opening a channel (latest 50 threads and every unread count) with {board['messages']:,} "
            f"messages, for a reader who has read nothing: p50 {board['p50_ms']} ms, p95 {board['p95_ms']} ms "
            f"(×{board['ratio_p95']:g} floor).",
        ]

    for load in loads:
        steps = load["steps"]
        lines += [
            "",
            f"## {load['sessions']} browsers at once, {load['institutions']:,} institutions",
            "",
            "Each headless Chromium session opens the directory, the map and a profile; time from the "
            "navigation until the content is on screen, ms.",
            "",
            "| page | p50 | p95 |",
            "|---|---|---|",
        ]
        lines += [f"| {name} | {m['p50_ms']:,.0f} | {m['p95_ms']:,.0f} |" for name, m in steps.items()]
        lines += [
            "",
            f"Pages shown: {load['pages_shown']} of {3 * load['sessions']}; errors: {len(load['errors'])}"
            + ("" if not load["errors"] else " (" + "; ".join(load["errors"][:5]) + ")")
            + ". "
            f"Server memory: {load['server_idle']['rss_mb']:,} MB warm and idle, "
            f"{load['server_loaded']['rss_mb']:,} MB with {load['sessions']} sessions open "
            f"({load['per_session_mb']:g} MB per session), peak {load['server_loaded']['peak_mb']:,} MB. "
            f"All pages were on screen after {load['wall_s']:g} s, during which the server used "
            f"{load['server_cpu_s']:g} CPU-seconds of the {load['cpus'] * load['wall_s']:.0f} the machine has: "
            "the rest went to the browsers themselves.",
        ]
        if load["errors"] or load["pages_shown"] < 3 * load["sessions"]:
            misses.append(f"load run at {load['institutions']:,}: {len(load['errors'])} errors")
        if load["server_loaded"]["peak_mb"] > TARGETS["load_server_mb"]:
            misses.append(f"load run at {load['institutions']:,}: server peak {load['server_loaded']['peak_mb']} MB")

    lines += ["", "## Targets missed", ""] + ([f"- {m}" for m in misses] or ["None."])
    return "\n".join(lines) + "\n"


def postgres_markdown(pgs: list[dict]) -> str:
    """The PostgreSQL deployment beside the embedded file, per size (bench/postgres.py)."""
    if not pgs:
        return ""
    head = "| | " + " | ".join(f"{r['institutions']:,}" for r in pgs) + " |"
    rule = "|---|" + "---|" * len(pgs)
    lines = [
        "",
        "## PostgreSQL beside the embedded file",
        "",
        "p50 / p95 ms, embedded -> PostgreSQL (ratio of p50s).",
        "",
    ]
    lines += [head, rule]
    for label in pgs[0]["screens"]:
        cells = []
        for r in pgs:
            m = r["screens"][label]
            e, p = m["embedded"], m["postgres"]
            cells.append(
                f"{e['p50_ms']:.1f} / {e['p95_ms']:.1f} -> {p['p50_ms']:.1f} / {p['p95_ms']:.1f} ({m['ratio_p50']}x)"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")

    def row(label: str, cell) -> None:
        lines.append(f"| {label} | " + " | ".join(cell(r) for r in pgs) + " |")

    row(
        "saved edit, embedded",
        lambda r: f"{r['save']['embedded']['p50_ms']:.1f} / {r['save']['embedded']['p95_ms']:.1f}",
    )
    row(
        "saved edit, PostgreSQL",
        lambda r: f"{r['save']['postgres']['p50_ms']:.1f} / {r['save']['postgres']['p95_ms']:.1f}",
    )
    row(
        "copy's refresh after one edit",
        lambda r: f"{r['refresh_one_edit']['p50_ms']:.1f} / {r['refresh_one_edit']['p95_ms']:.1f}",
    )
    row(
        "freshness lag, one process to another",
        lambda r: (
            f"{r['freshness_lag']['p50_ms']:.0f} / {r['freshness_lag']['p95_ms']:.0f} "
            f"({r['freshness_lag']['seen']} of {r['freshness_lag']['edits']} edits)"
        ),
    )
    row("analytic copy's full load (s)", lambda r: f"{r['copy_load_s']}")
    row("copy of the file into PostgreSQL (s)", lambda r: f"{r['copy_s']}")
    row("peak memory (MB)", lambda r: f"{r['peak_rss_mb']}")
    return "\n".join(lines) + "\n"


def capacity_markdown(caps: list[dict]) -> str:
    """Renders per second through HAProxy with 1 and 2 replicas (bench/capacity.py)."""
    if not caps:
        return ""
    lines = [
        "",
        "## Capacity: replicas behind HAProxy on PostgreSQL",
        "",
        "Light client (Streamlit's websocket protocol, a new session per page: home, directory, map, "
        "a network's and an institution's profile in turn); time until the page's run finished, "
        "p50 / p95 ms. CPU-seconds of the replicas and of the client beside the machine's.",
        "",
        "| institutions | replicas | visitors | think time | pages/s | time to run finished | "
        "replicas' CPU-s | client's CPU-s | machine's CPU-s | errors |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for cap in caps:
        for r in cap["runs"]:
            t = r["time_to_finished"] or {"p50_ms": float("nan"), "p95_ms": float("nan")}
            lines.append(
                f"| {cap['institutions']:,} | {r['replicas']} | {r['users']} | {r['think_s']:g} s | "
                f"{r['pages_per_s']:g} | {t['p50_ms']:.0f} / {t['p95_ms']:.0f} | {r['replicas_cpu_s']:g} | "
                f"{r['client_cpu_s']:g} | {r['machine_cpu_s']:g} | {r['error_count']} |"
            )
    return "\n".join(lines) + "\n"


def summary(results: list[dict], peers: dict, board: dict | None, loads: list[dict]) -> str:
    """The README's table: the worst case of each measure, per size, against its target."""

    def row(label: str, target: str, cell) -> str:
        return f"| {label} | {target} | " + " | ".join(cell(r) for r in results) + " |"

    def worst(r, section, key="p95_ms"):
        return max(m[key] for m in r[section].values())

    def datasette(r):
        peer = peers.get(r["institutions"]) or peers.get(str(r["institutions"]))
        if not peer:
            return "—"
        return f"{min(peer[n]['p50_ms'] / r['directory'][n]['p50_ms'] for n in r['directory']):.1f}×"

    lines = [
        "| measure (worst case over the views timed) | target | "
        + " | ".join(f"{r['institutions']:,}" for r in results)
        + " |",
        "|---|---|" + "---|" * len(results),
        row("directory view p95", "≤ 30 ms at 10k, ≤ 300 ms at 1M", lambda r: f"{worst(r, 'directory'):.0f} ms"),
        row(
            "directory ÷ the same SQL on bare DuckDB (p95)",
            "≤ 1.3",
            lambda r: f"{max(m['ratio_p95'] for m in r['directory'].values()):.2f}",
        ),
        row("Datasette ÷ directory (p50, its slowest ratio)", "≥ 5 at 1M", datasette),
        row("map data built, p95", "≤ 300 ms at 1M", lambda r: f"{worst(r, 'map'):.0f} ms"),
        row(
            "map data sent (gzip, as the server sends it)",
            "≤ 2 MB",
            lambda r: f"{max(m.get('sent_bytes', m['json_bytes']) for m in r['map'].values()) / 1e6:.2f} MB",
        ),
        row(
            "dashboard, every aggregate, p95",
            "≤ 150 ms at 10k, ≤ 1.5 s at 1M",
            lambda r: f"{worst(r, 'dashboard'):.0f} ms",
        ),
        row(
            "page rerun with a warm cache, p95 (slowest page)",
            "≤ 0.3 s at 10k, ≤ 1.5 s at 1M",
            lambda r: f"{worst(r, 'pages'):.0f} ms",
        ),
        row("application queue p95", "", lambda r: f"{worst(r, 'queue'):.0f} ms"),
        row(
            "bulk upload of 5,000 rows: validate + preview / apply (p50)",
            "",
            lambda r: f"{r['bulk']['validate']['p50_ms'] / 1000:.2f} s / {r['bulk']['apply']['p50_ms'] / 1000:.2f} s",
        ),
        row("peak memory of the measuring process", "", lambda r: f"{r['peak_rss_mb']:,.0f} MB"),
    ]
    if board:
        lines.append(f"\nOpening a board channel with {board['messages']:,} messages: p95 {board['p95_ms']:.0f} ms.")
    for load in loads:
        steps = load["steps"]
        lines.append(
            f"\n{load['sessions']} Chromium sessions at once on {load['institutions']:,} institutions (directory, map, "
            f"profile each): {load['pages_shown']} of {3 * load['sessions']} pages shown, "
            f"{len(load['errors'])} errors; "
            f"server {load['server_loaded']['rss_mb']:,.0f} MB with all sessions open "
            f"({load['per_session_mb']:g} MB per session, peak {load['server_loaded']['peak_mb']:,.0f} MB); "
            f"time to content p50 / p95 "
            + ", ".join(f"{name} {m['p50_ms'] / 1000:.0f} / {m['p95_ms'] / 1000:.0f} s" for name, m in steps.items())
            + f" (the server used {load['server_cpu_s']:g} of the machine's "
            f"{load['cpus'] * load['wall_s']:.0f} CPU-seconds; the browsers the rest)."
        )
    return "\n".join(lines)


def update_readme(text: str) -> None:
    readme = ROOT / "README.md"
    content = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in content and end in content:
        head, rest = content.split(start, 1)
        readme.write_text(head + start + "\n" + text + "\n" + end + rest.split(end, 1)[1], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="comma-separated network sizes")
    parser.add_argument("--no-peer", action="store_true", help="skip the Datasette comparison")
    parser.add_argument("--no-load", action="store_true", help="skip the browsers-at-once run")
    parser.add_argument("--no-api", action="store_true", help="skip the open-data API run")
    parser.add_argument("--only-api", action="store_true", help="run the open-data API part alone (api.md)")
    parser.add_argument("--load-sizes", default="10000,1000000")
    parser.add_argument("--sessions", default="20")
    parser.add_argument(
        "--postgres-sizes", default="10000,100000,1000000", help="sizes measured on PostgreSQL ('' for none)"
    )
    parser.add_argument(
        "--capacity-sizes", default="10000", help="sizes served by 1 and 2 replicas behind HAProxy ('' for none)"
    )
    parser.add_argument("--pages-sizes", default="10000", help="sizes of the page-speed run in Chromium ('' for none)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    if args.only_api:
        apis = [child("api.py", str(size)) for size in sizes]
        save_results("api", apis, api.markdown)
        print(api.markdown(apis))
        return
    results = [child("scenarios.py", str(size)) for size in sizes]
    peers = {} if args.no_peer else {size: child("peer.py", str(size))["datasette"] for size in sizes}
    board = child("scenarios.py", "board")["board"]
    pgs = [child("postgres.py", size) for size in args.postgres_sizes.split(",") if size]
    caps = [child("capacity.py", size) for size in args.capacity_sizes.split(",") if size]
    imports_ = [child("imports.py", str(size)) for size in sizes]
    memberships = [child("membership.py", str(size)) for size in sizes]
    reports_ = [child("reports.py", str(size)) for size in sizes]
    shared = [child("files.py", str(min(sizes)))]
    notices = [child("notifications.py", str(min(sizes)))]
    apis = [] if args.no_api else [child("api.py", str(size)) for size in sizes]
    loads = (
        []
        if args.no_load
        else [child("load.py", size, "--sessions", args.sessions) for size in args.load_sizes.split(",")]
    )
    speeds = [child("pages.py", size) for size in args.pages_sizes.split(",") if size]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps(
            {"networks": results, "datasette": peers, "board": board, "load": loads, "postgres": pgs, "capacity": caps},
            indent=2,
        ),
        encoding="utf-8",
    )
    save_results("imports", imports_, imports.markdown)
    save_results("membership", memberships, membership.markdown)
    save_results("reports", reports_, reports.markdown)
    save_results("files", shared, files.markdown)
    save_results("notifications", notices, notifications.markdown)
    if apis:
        save_results("api", apis, api.markdown)
    if speeds:
        save_results("pages", speeds, pages.markdown)
    text = (
        markdown(results, peers, board, loads)
        + postgres_markdown(pgs)
        + capacity_markdown(caps)
        + "\n"
        + imports.markdown(imports_)
        + "\n"
        + membership.markdown(memberships)
        + "\n"
        + reports.markdown(reports_)
        + "\n"
        + files.markdown(shared)
        + "\n"
        + notifications.markdown(notices)
        + ("\n" + api.markdown(apis) if apis else "")
        + ("\n" + pages.markdown(speeds) if speeds else "")
    )
    (RESULTS / "latest.md").write_text(text, encoding="utf-8")
    if len(results) == 3 and peers and loads:  # a full run: its summary goes to the README
        update_readme(summary(results, peers, board, loads))
    print(text)


if __name__ == "__main__":
    main()
