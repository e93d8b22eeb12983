#!/usr/bin/env python3
"""Capacity of the PostgreSQL deployment: page renders per second with 1 and with 2 replicas.

    .venv/bin/python bench/capacity.py 10000 out.json [--users 8] [--seconds 30]

A throwaway PostgreSQL (bench/postgres.py's server) holding the cached demo network of the
given size; for each replica count, the cluster of ``make cluster`` (ops/cluster.py: the
replicas and HAProxy) over it, loaded through HAProxy by a light client: each simulated
visitor opens Streamlit's own websocket, asks for a page as the browser does (a BackMsg
rerun_script with the page's name and query) and reads every message until the run's
``script_finished``, over a new connection (a new session) for each page: home, directory,
map, a network's profile, an institution's profile, in turn. Two loads per replica count: with
about a second of think time between pages (the time to content a visitor gets under load),
and with none (the most renders per second the replicas give). A browser per visitor would
measure Chromium, not the server: on a 2-CPU machine three Chromium visitors used 39 of 52
CPU-seconds themselves; this client's own CPU time is reported beside the replicas'.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path

import websockets
from common import database, percentiles
from load import cpu_seconds, free_port
from postgres import fresh_database, server
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from aspnet_data import transfer
from aspnet_data.db import open_database
from ops import postgres
from ops.cluster import Cluster

PAGES = ["", "directory", "map", "network", "institution"]
THINK_S = 1.0
TIMEOUT_S = 60.0


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def render(base: str, page: str, query: str) -> tuple[float, int, bool]:
    """One page load in a new session: seconds until the run finished, bytes received, and
    whether the page showed an exception."""
    started = time.perf_counter()
    received, failed = 0, False
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(url, subprotocols=["streamlit"], max_size=None) as ws:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        msg.rerun_script.page_name = page
        msg.rerun_script.context_info.timezone = "UTC"
        msg.rerun_script.context_info.url = f"{base}/{page}" + (f"?{query}" if query else "")
        await ws.send(msg.SerializeToString())
        while True:
            raw = await asyncio.wait_for(ws.recv(), TIMEOUT_S)
            received += len(raw)
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" and forward.delta.WhichOneof("type") == "new_element":
                failed = failed or forward.delta.new_element.WhichOneof("type") == "exception"
            if kind == "script_finished":
                return time.perf_counter() - started, received, failed


async def visitor(base, ids, codes, until, think, results, errors, seed) -> None:
    rng = random.Random(seed)
    while time.monotonic() < until:
        for page in PAGES:
            if time.monotonic() >= until:
                return
            query = {"institution": f"id={rng.choice(ids)}", "network": f"code={rng.choice(codes)}"}.get(page, "")
            try:
                seconds, received, failed = await render(base, page, query)
                results.append((page or "home", seconds * 1000, received))
                if failed:
                    errors.append(f"exception on /{page}?{query}")
            except Exception as exc:  # noqa: BLE001 - counted, the run goes on
                errors.append(f"{type(exc).__name__} on /{page}: {str(exc)[:120]}")
                await asyncio.sleep(1.0)  # a person who got an error page waits before trying again
            if think:
                await asyncio.sleep(think * rng.uniform(0.7, 1.3))


async def drive(base, ids, codes, users, seconds, think, replica_pids) -> dict:
    await visitor(base, ids, codes, time.monotonic() + 0.1, 0, [], [], 0)  # caches, first imports
    results: list = []
    errors: list = []
    replicas_before, own_before = sum(cpu_seconds(pid) for pid in replica_pids), own_cpu_seconds()
    started = time.monotonic()
    until = started + seconds
    await asyncio.gather(*(visitor(base, ids, codes, until, think, results, errors, n + 1) for n in range(users)))
    wall = time.monotonic() - started
    times = [ms for _, ms, _ in results]
    return {
        "users": users,
        "think_s": think,
        "seconds": round(wall, 1),
        "pages": len(results),
        "pages_per_s": round(len(results) / wall, 2),
        "time_to_finished": percentiles(times) if times else None,
        "steps": {
            name: percentiles([ms for step, ms, _ in results if step == name])
            for name in ("home", *PAGES[1:])
            if any(step == name for step, _, _ in results)
        },
        "replicas_cpu_s": round(sum(cpu_seconds(pid) for pid in replica_pids) - replicas_before, 1),
        "client_cpu_s": round(own_cpu_seconds() - own_before, 1),
        "machine_cpu_s": round(wall * (os.cpu_count() or 1), 1),
        "errors": errors[:20],
        "error_count": len(errors),
    }


def measure(size: int, users: int, seconds: float, counts: list[int]) -> dict:
    path = database(size)
    root, folder = server()
    work = Path(tempfile.mkdtemp(prefix="aspnet-capacity-"))
    try:
        url = fresh_database(root, f"capacity_{size}")
        with open_database(path) as source, open_database(url) as target:
            transfer.copy_database(source, target)
            ids = [
                r[0]
                for r in source.rows("SELECT id FROM institutions WHERE status = 'member' ORDER BY hash(id) LIMIT 200")
            ]
            codes = [r[0] for r in source.rows("SELECT iso3 FROM networks ORDER BY iso3")]
        runs = []
        for count in counts:
            cluster = Cluster(work / f"replicas-{count}", replicas=count, port=free_port(), database_url=url)
            cluster.start()
            try:
                pids = [pid for pid in cluster._replica_pids().values() if pid is not None]
                for think in (THINK_S, 0.0):
                    print(f"  {count} replica(s), {users} visitors, think {think:g} s, {seconds:g} s", flush=True)
                    load = drive(cluster.url, ids, codes, users, seconds, think, pids)
                    runs.append({"replicas": count, **asyncio.run(load)})
            finally:
                cluster.stop()
        return {"institutions": size, "client": "websocket (Streamlit protocol)", "runs": runs}
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if folder is not None:
            postgres.stop(folder, mode="immediate")
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--replicas", default="1,2")
    args = parser.parse_args()
    result = measure(args.size, args.users, args.seconds, [int(n) for n in args.replicas.split(",")])
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
