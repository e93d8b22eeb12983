#!/usr/bin/env python3
"""Many users at once: headless Chromium sessions against one app server on loopback.

    .venv/bin/python bench/load.py 1000000 out.json [--sessions 20]

The server is started on the cached demo network. One session first opens every page
(so the caches are warm, as on a server in use) and closes; the server's memory is read
then. Then all sessions start together, each in its own browser context (its own
cookies and websocket, so its own Streamlit session), and open the directory, the map
and an institution's profile in turn. Timed: from the navigation until the content is
on screen (the directory's table, the map's canvas, the profile's title). Errors:
exceptions shown by the app, JavaScript errors, failed requests and any HTTP status of
400 or more (except requests the browser cancels itself when the next page is opened). The
server's memory is read with every session still open; its peak is the kernel's
high-water mark.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from common import ROOT, database, percentiles

from aspnet_data.db import open_database

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
TIMEOUT_MS = 180_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory of the server and its peak (VmHWM), in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return {"rss_mb": fields["VmRSS"], "peak_mb": fields["VmHWM"]}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_server(path: Path) -> tuple[subprocess.Popen, str]:
    """The app served from the database ``path``: (process, base URL)."""
    return start_streamlit(ROOT / "serve.py", {"ASPNET_DB": str(path), "ASPNET_COOKIE_SECRET": "bench-load-secret"})


def start_streamlit(script: Path, settings: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``streamlit run script`` on a free port with the bench's options and ``settings`` added to
    this process's environment, once it answers its health check: (process, base URL)."""
    port = free_port()
    env = {**os.environ, **settings}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(script),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 120
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return proc, url
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"{script.name} did not start")
        time.sleep(0.3)


async def visit(
    browser,
    base: str,
    institution: int,
    results: list,
    errors: list,
    hold: asyncio.Event | None,
    ready: asyncio.Event | None = None,
):
    """One user: directory, then map, then a profile; each timed until its content shows."""
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_navigation_timeout(TIMEOUT_MS)
    page.on("pageerror", lambda exc: errors.append(f"javascript: {exc}"))
    # Requests the browser itself cancels when the next page is opened (net::ERR_ABORTED)
    # are not failures of the server.
    page.on(
        "requestfailed",
        lambda r: (
            errors.append(f"failed: {r.method} {r.url} {r.failure}") if "ERR_ABORTED" not in (r.failure or "") else None
        ),
    )

    def response(r) -> None:
        if r.status >= 400:
            errors.append(f"{r.status} {r.url}")

    page.on("response", response)
    steps = [
        ("directory", "/directory", "[data-testid='stDataFrame']"),
        ("map", "/map", "[data-testid='stDeckGlJsonChart'] canvas"),
        ("profile", f"/institution?id={institution}", "h1"),
    ]
    try:
        for name, path, selector in steps:
            started = time.perf_counter()
            await page.goto(base + path)
            await page.locator(selector).first.wait_for(state="visible", timeout=TIMEOUT_MS)
            results.append((name, (time.perf_counter() - started) * 1000))
            if await page.locator("[data-testid='stException']").count():
                errors.append(f"app exception on {path}")
    except Exception as exc:  # noqa: BLE001 - every failure is counted, none stops the run
        errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0]}")
    try:
        if ready is not None:
            ready.set()
        if hold is not None:
            await hold.wait()  # keep the session open until the server's memory is read
    finally:
        await context.close()


async def load(base: str, pid: int, institutions: list[int], sessions: int) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        warm: list = []
        warm_errors: list = []
        await visit(browser, base, institutions[0], warm, warm_errors, None)
        await asyncio.sleep(2)
        idle = memory_mb(pid)
        results: list = []
        errors: list = []
        hold = asyncio.Event()
        cpu_before = cpu_seconds(pid)
        started = time.perf_counter()
        readies = [asyncio.Event() for _ in range(sessions)]
        tasks = [
            asyncio.create_task(
                visit(browser, base, institutions[n % len(institutions)], results, errors, hold, readies[n])
            )
            for n in range(sessions)
        ]
        await asyncio.gather(*(ready.wait() for ready in readies))
        wall = time.perf_counter() - started
        server_cpu = cpu_seconds(pid) - cpu_before
        await asyncio.sleep(2)
        loaded = memory_mb(pid)
        hold.set()
        await asyncio.gather(*tasks)
        await browser.close()
    by_step = {
        name: percentiles([ms for step, ms in results if step == name])
        for name in ("directory", "map", "profile")
        if any(step == name for step, _ in results)
    }
    return {
        "sessions": sessions,
        "pages_shown": len(results),
        "wall_s": round(wall, 1),
        "steps": by_step,
        "server_cpu_s": round(server_cpu, 1),
        "cpus": os.cpu_count(),
        "errors": errors + [f"warm-up: {e}" for e in warm_errors],
        "server_idle": idle,
        "server_loaded": loaded,
        "per_session_mb": round((loaded["rss_mb"] - idle["rss_mb"]) / sessions, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--sessions", type=int, default=20)
    args = parser.parse_args()
    path = database(args.size)
    with open_database(path, read_only=True) as db:
        institutions = [
            r[0]
            for r in db.rows(
                "SELECT id FROM institutions WHERE status = 'member' ORDER BY hash(id) LIMIT ?", [args.sessions]
            )
        ]
    proc, base = start_server(path)
    try:
        result = asyncio.run(load(base, proc.pid, institutions, args.sessions))
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
    args.out.write_text(json.dumps({"institutions": args.size, **result}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
