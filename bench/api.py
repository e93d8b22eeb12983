#!/usr/bin/env python3
"""The open-data API (/api/v1) on one size, over HTTP, against a real server.

    .venv/bin/python bench/api.py 1000000 out.json    # one size (run.py calls it so)
    .venv/bin/python bench/api.py --write              # 10k, 100k, 1M into bench/results/api.*

The server is ``streamlit run serve.py`` (the app's own process) on a copy of the cached
network in a temporary folder, with its bulk files written there too and the rate limit off
(ASPNET_API_RATE=0); it is stopped at the end, whatever happens.

Latency, one request at a time, p50 / p95 ms: /institutions for the directory's five views in
JSON, CSV, GeoJSON and Parquet (per_page 100), then every other data route, the OpenAPI
document and the manifest. The server keeps each answer per data version and request, so each
is timed three ways: cold (the same request under a host name not asked before: the answer is
kept per base URL, since its links name the server, so it is made again and its bytes stay the
same), warm (the same request again, uncompressed) and warm with ``Accept-Encoding: gzip``
(what browsers and HTTP libraries send: the server compresses on every request). The usual way
to get a new answer, a new query string, is timed too for /institutions in JSON (per_page 99,
98, ... on each request). Each request opens a new connection; kept-alive connections are timed
on their own, beside a bare uvicorn: Streamlit's listening socket is made without TCP_NODELAY,
which routes/nodelay.py sets on every connection (without it each response waited about 40 ms
for the client's delayed ACK).

Bulk files: the first request for the manifest on a new server writes them (the work of the
first request after a data change); the manifest is then removed twice to time the work
again, while a second connection asks for a warm /institutions page to show what the other
clients wait meanwhile. Each file is then downloaded whole, plain and gzip.

Requests per second: 8 client threads (http.client, each its connection kept alive, or a new
one per request) ask for one page of 100 rows of a fixed view for 15 s, warm (all the same
request) and cold (a new host name each), then Datasette (``datasette serve -i`` on
bench/peer.py's SQLite copy, 3 SQL threads, its default) is asked for its table's JSON with the
same filters and ``_size=100``, the same ways. Datasette keeps no answers, so each of its
requests runs its queries.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from common import DIRECTORY_VIEWS, REPEAT, database, largest_network, percentiles, write_sizes
from load import cpu_seconds, free_port, memory_mb
from peer import query_string, sqlite_copy

from aspnet_data import open_data
from aspnet_data.db import open_database
from aspnet_data.directory import to_params

FORMATS = ("json", "csv", "geojson", "parquet")
PER_PAGE = 100
WARM_REPEAT = REPEAT
COLD_REPEAT = REPEAT
DUMP_RUNS = 3
CONNECTIONS = 8
LOAD_SECONDS = 15.0
FIXED_VIEWS = ("everything", "theme + region")  # the requests-per-second views
LOAD_PARTS = ("before", "views", "endpoints", "dumps", "throughput", "datasette", "after")
TIMEOUT_S = 900.0
_hosts = itertools.count(1)


def fresh_host() -> str:
    """A host name no request has used: the server keeps answers per base URL."""
    return f"c{next(_hosts)}.bench.invalid"


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class Client:
    """HTTP to a server on loopback: one keep-alive connection, or a new connection per request."""

    def __init__(self, port: int, *, keep_alive: bool = False) -> None:
        self.port = port
        self.keep_alive = keep_alive
        self.conn = self._connect()
        self.headers: dict[str, str] = {}

    def _connect(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT_S)

    def _ask(self, path: str, headers: dict) -> tuple[http.client.HTTPResponse, bytes]:
        if not self.keep_alive:
            self.conn.close()
            self.conn = self._connect()
        self.conn.request("GET", path, headers=headers)
        response = self.conn.getresponse()
        return response, response.read()

    def get(self, path: str, *, host: str | None = None, gzip: bool = False, headers: dict | None = None):
        """(status, body as received, ms until the last byte; a new connection's set-up included)."""
        sent = {"Host": f"{host or '127.0.0.1'}:{self.port}", **(headers or {})}
        if gzip:
            sent["Accept-Encoding"] = "gzip"
        started = time.perf_counter()
        try:
            response, body = self._ask(path, sent)
        except (http.client.HTTPException, OSError):
            if not self.keep_alive:
                raise
            self.conn.close()  # a dropped keep-alive connection: open a new one and ask again
            self.conn = self._connect()
            response, body = self._ask(path, sent)
        elapsed = (time.perf_counter() - started) * 1000
        self.headers = {k.lower(): v for k, v in response.getheaders()}
        return response.status, body, elapsed

    def ok(self, path: str, **kwargs) -> tuple[bytes, float]:
        status, body, elapsed = self.get(path, **kwargs)
        if status != 200:
            raise RuntimeError(f"GET {path}: {status} {body[:300]!r}")
        return body, elapsed

    def close(self) -> None:
        self.conn.close()


def start(command: list[str], env: dict, ready: str, log: Path) -> tuple[subprocess.Popen, int]:
    """A server on a free port of loopback, once ``ready`` answers 200."""
    port = free_port()
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [part.replace("{port}", str(port)) for part in command], env=env, stdout=out, stderr=out
        )
    deadline = time.time() + 300
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", ready)
            if conn.getresponse().status == 200:
                conn.close()
                return proc, port
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            stop(proc)
            raise RuntimeError(f"{command[:3]} did not start: {log.read_text(errors='replace')[-2000:]}")
        time.sleep(0.3)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def start_app(db_path: Path, folder: Path) -> tuple[subprocess.Popen, int]:
    env = {
        **os.environ,
        "ASPNET_DB": str(db_path),
        "ASPNET_DUMPS_DIR": str(folder / "dumps"),
        "ASPNET_API_RATE": "0",
        "ASPNET_COOKIE_SECRET": "bench-api-secret",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("ASPNET_DATABASE_URL", None)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(Path(__file__).resolve().parent.parent / "serve.py"),
        "--server.port",
        "{port}",
        "--server.address",
        "127.0.0.1",
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    return start(command, env, "/readyz", folder / "app.log")


def start_datasette(sqlite: Path, folder: Path) -> tuple[subprocess.Popen, int]:
    command = [str(Path(sys.executable).parent / "datasette"), "serve", "-i", str(sqlite)]
    command += ["--host", "127.0.0.1", "--port", "{port}"]
    for setting, value in (("sql_time_limit_ms", 600_000), ("suggest_facets", "off"), ("max_returned_rows", 1000)):
        command += ["--setting", setting, str(value)]
    return start(command, dict(os.environ), "/-/versions.json", folder / "datasette.log")


def api_path(route: str, fmt: str = "json", query: dict[str, list[str]] | None = None) -> str:
    suffix = "" if fmt == "json" else f".{fmt}"
    pairs = [(k, v) for k, values in (query or {}).items() for v in values]
    return f"{open_data.BASE}{route}{suffix}" + (f"?{urlencode(pairs)}" if pairs else "")


def view_query(name: str, per_page: int = PER_PAGE) -> dict[str, list[str]]:
    return {**to_params(DIRECTORY_VIEWS[name]), "per_page": [str(per_page)]}


def datasette_path(sqlite: Path, name: str) -> str:
    """Datasette's table JSON for a view: the same filters and sort as the peer's, no facets, 100 rows."""
    pairs = [(k, v) for k, v in parse_qsl(query_string(DIRECTORY_VIEWS[name])) if not k.startswith(("_facet", "_size"))]
    return f"/{sqlite.stem}/institutions.json?{urlencode(pairs + [('_size', str(PER_PAGE))])}"


def timings(client: Client, path: str) -> dict:
    """Cold, warm and warm-gzip p50 / p95 of one request, and its size plain and gzip."""
    cold = [client.ok(path, host=fresh_host())[1] for _ in range(COLD_REPEAT)]
    body, _ = client.ok(path)  # the answer is now kept for the default host
    warm = [client.ok(path)[1] for _ in range(WARM_REPEAT)]
    packed, _ = client.ok(path, gzip=True)
    wire = len(packed) if client.headers.get("content-encoding") == "gzip" else None
    warm_gzip = [client.ok(path, gzip=True)[1] for _ in range(WARM_REPEAT)]
    out = {
        "path": path,
        "cold": percentiles(cold),
        "warm": percentiles(warm),
        "warm_gzip": percentiles(warm_gzip),
        "bytes": len(body),
        "gzip_bytes": wire,
    }
    if path.split("?")[0].endswith(("institutions", "institutions.geojson")) and b'"total"' in body[:4000]:
        head = json.loads(body)
        out |= {"total": head.get("total"), "count": head.get("count")}
    return out


def other_routes(iid: int, iso3: str) -> dict[str, str]:
    """Every data route but /institutions (timed per view), with its path parameters filled in."""
    out = {}
    for endpoint, _, path in open_data.routes():
        if endpoint.name == "institutions":
            continue
        route = path.removeprefix(open_data.BASE)
        out[route] = route.replace("{id}", str(iid)).replace("{iso3}", iso3)
    out["/openapi.json"] = "/openapi.json"
    return {label: f"{open_data.BASE}{path}" for label, path in out.items()}


def _watch(port: int, done: threading.Event, samples: list[float]) -> None:
    """A warm /institutions page every 50 ms on a connection of its own, until ``done``."""
    other = Client(port)
    path = api_path("/institutions", query=view_query("everything"))
    other.ok(path)
    while not done.is_set():
        samples.append(other.ok(path)[1])
        time.sleep(0.05)
    other.close()


def dumps(client: Client, port: int, folder: Path) -> dict:
    """The bulk files: written by the first manifest request, then twice more; then downloaded."""
    generation: list[float] = []
    during: list[float] = []
    manifest = None
    for run in range(DUMP_RUNS):
        done = threading.Event()
        watcher = threading.Thread(target=_watch, args=(port, done, during))
        if run:
            for found in folder.glob("*/manifest.json"):
                found.unlink()  # the bulk files are as good as old: the next request writes them again
            watcher.start()
            time.sleep(0.5)
        body, elapsed = client.ok(f"{open_data.BASE}/dumps/manifest.json")
        done.set()
        if run:
            watcher.join()
        generation.append(round(elapsed / 1000, 2))
        manifest = json.loads(body)
    assert manifest is not None
    _, warm = client.ok(f"{open_data.BASE}/dumps/manifest.json")
    files = {}
    for fmt in open_data.DUMP_FORMATS:
        path = f"{open_data.BASE}/dumps/institutions.{fmt}"
        entry = manifest["files"][f"institutions.{fmt}"]
        plain = []
        for _ in range(DUMP_RUNS):
            body, elapsed = client.ok(path)
            plain.append(elapsed)
        assert len(body) == entry["bytes"], (fmt, len(body), entry["bytes"])
        packed, packed_ms = client.ok(path, gzip=True)
        compressed = client.headers.get("content-encoding") == "gzip"
        files[fmt] = {
            "bytes": entry["bytes"],
            "rows": entry["rows"],
            "download": percentiles(plain),
            "download_gzip_ms": round(packed_ms, 1),
            "gzip_bytes": len(packed) if compressed else None,
        }
    return {
        "generation_s": generation,
        "manifest_warm_ms": round(warm, 2),
        "others_during_generation": percentiles(during) | {"max_ms": round(max(during), 1), "requests": len(during)}
        if during
        else None,
        "files": files,
    }


def throughput(port: int, path: str, *, cold: bool, keep_alive: bool, pid: int) -> dict:
    """Requests per second from CONNECTIONS threads asking ``path`` for LOAD_SECONDS."""
    clients = [Client(port, keep_alive=keep_alive) for _ in range(CONNECTIONS)]
    for c in clients:
        c.ok(path)  # connections open, the route warm
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    until = time.monotonic() + LOAD_SECONDS

    def work(client: Client) -> None:
        mine, bad = [], []
        while time.monotonic() < until:
            try:
                status, body, elapsed = client.get(path, host=fresh_host() if cold else None)
            except (http.client.HTTPException, OSError) as exc:
                bad.append(f"{type(exc).__name__}: {exc}")
                continue
            if status == 200:
                mine.append(elapsed)
            else:
                bad.append(f"{status} {body[:120]!r}")
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    client_cpu, server_cpu = own_cpu_seconds(), cpu_seconds(pid)
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    for c in clients:
        c.close()
    return {
        "requests": len(latencies),
        "per_s": round(len(latencies) / wall, 1),
        "wall_s": round(wall, 1),
        **percentiles(latencies or [float("nan")]),
        "errors": len(errors),
        "first_errors": errors[:3],
        "server_cpu_s": round(cpu_seconds(pid) - server_cpu, 1),
        "client_cpu_s": round(own_cpu_seconds() - client_cpu, 1),
    }


def bare_uvicorn(proto: int) -> dict:
    """Keep-alive GETs of 50 kB from a bare uvicorn serving a socket made with ``proto`` (as
    Streamlit makes its own: 0), to tell the transport's delay from the app's work."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.responses import Response
    from starlette.routing import Route

    async def page(request) -> Response:
        return Response(b"x" * 50_000, media_type="application/json")

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, proto)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    sock.setblocking(False)
    server = uvicorn.Server(uvicorn.Config(Starlette(routes=[Route("/", page)]), log_level="error"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    client = Client(sock.getsockname()[1], keep_alive=True)
    client.ok("/")
    samples = [client.ok("/")[1] for _ in range(WARM_REPEAT)]
    client.close()
    server.should_exit = True
    thread.join()
    sock.close()
    return percentiles(samples)


def _load() -> list[float]:
    """The machine's load average (1, 5, 15 minutes): it is shared with other work."""
    return [round(x, 1) for x in os.getloadavg()]


def measure_app(source: Path, folder: Path) -> dict:
    with open_database(source, read_only=True) as db:
        iso3 = largest_network(db)
        iid = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [iso3])
    copy = folder / "aspnet.duckdb"
    started = time.perf_counter()
    shutil.copyfile(source, copy)
    copy_s = time.perf_counter() - started
    proc, port = start_app(copy, folder)
    out: dict = {"largest_network": iso3, "institution_id": iid, "copy_s": round(copy_s, 1)}
    try:
        client = Client(port)
        out["server_started_mb"] = memory_mb(proc.pid)
        # Each route once (imports, first statements), under a host name never timed.
        for fmt in FORMATS:
            client.ok(api_path("/institutions", fmt, {"per_page": ["1"]}), host="warmup.bench.invalid")
        for path in other_routes(iid, iso3).values():
            client.ok(path, host="warmup.bench.invalid")

        out["load_average"] = {"views": _load()}
        out["views"] = {
            name: {fmt: timings(client, api_path("/institutions", fmt, view_query(name))) for fmt in FORMATS}
            for name in DIRECTORY_VIEWS
        }
        out["cold_new_query"] = {
            name: percentiles(
                [
                    client.ok(api_path("/institutions", query=view_query(name, PER_PAGE - 1 - k)))[1]
                    for k in range(COLD_REPEAT)
                ]
            )
            for name in DIRECTORY_VIEWS
        }
        out["load_average"]["endpoints"] = _load()
        out["endpoints"] = {label: timings(client, path) for label, path in other_routes(iid, iso3).items()}
        path = api_path("/institutions", query=view_query("everything"))
        client.ok(path)
        etag = client.headers["etag"]
        revalidated = []
        for _ in range(WARM_REPEAT):
            status, _, elapsed = client.get(path, headers={"If-None-Match": etag})
            assert status == 304, status
            revalidated.append(elapsed)
        out["revalidated"] = percentiles(revalidated)
        client.close()
        out["keep_alive"] = {}
        for label, route in (
            ("/healthz", "/healthz"),
            ("/api/v1/institutions, everything, warm", path),
            ("/api/v1/openapi.json", f"{open_data.BASE}/openapi.json"),
        ):
            timed_both = {}
            for how, keep_alive in (("keep_alive", True), ("new_connection", False)):
                each = Client(port, keep_alive=keep_alive)
                each.ok(route)
                timed_both[how] = percentiles([each.ok(route)[1] for _ in range(WARM_REPEAT)])
                each.close()
            out["keep_alive"][label] = timed_both

        # The bulk files after the timed answers: their writing holds gigabytes at 1,000,000.
        out["load_average"]["dumps"] = _load()
        out["server_before_dumps_mb"] = memory_mb(proc.pid)
        out["dumps"] = dumps(Client(port), port, folder / "dumps")
        out["server_after_dumps_mb"] = memory_mb(proc.pid)

        out["load_average"]["throughput"] = _load()
        out["throughput"] = {}
        for name in FIXED_VIEWS:
            path = api_path("/institutions", query=view_query(name))
            out["throughput"][name] = {"path": path} | {
                f"{state}{how}": throughput(port, path, cold=state == "cold", keep_alive=not how, pid=proc.pid)
                for how in ("", "_new_connection")
                for state in ("warm", "cold")
            }
        out["server_end_mb"] = memory_mb(proc.pid)
    finally:
        stop(proc)
    return out


def measure_datasette(size: int, folder: Path) -> dict:
    sqlite = sqlite_copy(size)
    proc, port = start_datasette(sqlite, folder)
    out = {}
    try:
        for name in FIXED_VIEWS:
            path = datasette_path(sqlite, name)
            client = Client(port, keep_alive=True)
            body, _ = client.ok(path)
            head = json.loads(body)
            repeat = 10 if size < 1_000_000 else 5
            single = [client.ok(path)[1] for _ in range(repeat)]
            client.close()
            fresh = Client(port)
            single_new = [fresh.ok(path)[1] for _ in range(repeat)]
            out[name] = {
                "path": path,
                "bytes": len(body),
                "rows": len(head["rows"]),
                "total": head.get("filtered_table_rows_count"),
                "single": percentiles(single),
                "single_new_connection": percentiles(single_new),
                "load": throughput(port, path, cold=False, keep_alive=True, pid=proc.pid),
                "load_new_connection": throughput(port, path, cold=False, keep_alive=False, pid=proc.pid),
            }
        out["server_end_mb"] = memory_mb(proc.pid)
    finally:
        stop(proc)
    return out


def measure(size: int) -> dict:
    source = database(size)
    load_before = _load()
    with tempfile.TemporaryDirectory(prefix="aspnet-api-") as tmp:
        folder = Path(tmp)
        app = measure_app(source, folder)
        app["load_average"]["datasette"] = _load()
        peer = measure_datasette(size, folder)
    return {
        "institutions": size,
        "database": source.name,  # the demo generator's version is in the name
        **app,
        "datasette": peer,
        "bare_uvicorn": {"protocol_0": bare_uvicorn(0), "ipproto_tcp": bare_uvicorn(socket.IPPROTO_TCP)},
        "load_average": {"before": load_before, **app.pop("load_average"), "after": _load()},
        "cpus": os.cpu_count(),
    }


# -- the report ------------------------------------------------------------------------


def _ms(m: dict) -> str:
    return f"{m['p50_ms']:,.1f} / {m['p95_ms']:,.1f}"


def _kb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1e3:,.1f} kB"


def _mb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1e6:,.1f} MB"


def _timing_cell(m: dict) -> str:
    return f"{_ms(m['cold'])} · {_ms(m['warm'])} · {_ms(m['warm_gzip'])} · {_kb(m['bytes'])} / {_kb(m['gzip_bytes'])}"


def _during(m: dict | None) -> str:
    return "—" if not m else f"{_ms(m)} / {m['max_ms']:,.0f} ({m['requests']})"


def _head(results: list[dict], first: str = "") -> list[str]:
    return [
        f"| {first} | " + " | ".join(f"{r['institutions']:,} institutions" for r in results) + " |",
        "|---|" + "---|" * len(results),
    ]


def markdown(results: list[dict]) -> str:
    r0 = results[0]
    lines = [
        "## Open-data API (/api/v1) over HTTP",
        "",
        f"`streamlit run serve.py` on a copy of each network ({', '.join(r.get('database', '?') for r in results)}), "
        f"on loopback, rate limit off; {r0['cpus']} CPUs shared with other work. The machine's load average "
        "(1 minute) at the start of each part, "
        + " / ".join(LOAD_PARTS)
        + ": "
        + "; ".join(
            f"{r['institutions']:,}: " + " / ".join(f"{r['load_average'].get(k, [0])[0]:g}" for k in LOAD_PARTS)
            for r in results
        )
        + ".",
        "",
        f"Each cell: **cold** p50 / p95 ms ({COLD_REPEAT} requests, each made again by the server: the same "
        "request under a new host name, as answers are kept per base URL) · **warm** p50 / p95 "
        f"({WARM_REPEAT} repeats of a kept answer) · warm with **gzip** accepted (compressed on each request) · "
        "bytes plain / gzip. One request at a time on a new connection (see the last table for why); time until "
        "the last byte.",
        "",
        f"### /institutions, the directory's five views (per_page {PER_PAGE})",
        "",
        *_head(results, "view · format"),
    ]
    for name in DIRECTORY_VIEWS:
        for fmt in FORMATS:
            lines.append(
                f"| {name} · {fmt} | " + " | ".join(_timing_cell(r["views"][name][fmt]) for r in results) + " |"
            )
    lines += [
        "",
        "Rows in the selection (`total`): "
        + "; ".join(
            f"{name}: " + " / ".join(f"{r['views'][name]['json'].get('total', 0):,}" for r in results)
            for name in DIRECTORY_VIEWS
        )
        + ".",
        "",
        f"Cold with a new query string instead (JSON, per_page {PER_PAGE - 1}, {PER_PAGE - 2}, … on each "
        "request), p50 / p95 ms:",
        "",
        *_head(results, "view"),
    ]
    for name in DIRECTORY_VIEWS:
        lines.append(f"| {name} | " + " | ".join(_ms(r["cold_new_query"][name]) for r in results) + " |")
    lines += ["", "### The other endpoints", "", *_head(results, "route")]
    for label in r0["endpoints"]:
        lines.append(f"| {label} | " + " | ".join(_timing_cell(r["endpoints"][label]) for r in results) + " |")
    lines.append(
        "| /institutions again with its ETag (If-None-Match → 304), p50 / p95 | "
        + " | ".join(_ms(r["revalidated"]) for r in results)
        + " |"
    )
    lines.append(
        "| /dumps/manifest.json, warm | " + " | ".join(f"{r['dumps']['manifest_warm_ms']:,.1f}" for r in results) + " |"
    )
    lines += [
        "",
        f"Path parameters: the largest network ({', '.join(r['largest_network'] for r in results)}) and its first "
        "member.",
        "",
        "### Bulk files (first request after a data change)",
        "",
        "The first manifest request on a new server (after the latency tables) writes the three files; the "
        "manifest is then removed "
        f"{DUMP_RUNS - 1} times and asked again. Downloads: p50 / p95 of {DUMP_RUNS}, plain; one with gzip.",
        "",
        *_head(results),
        "| the manifest request that writes them (s, each run) | "
        + " | ".join(" / ".join(f"{s:g}" for s in r["dumps"]["generation_s"]) for r in results)
        + " |",
        "| a warm /institutions page meanwhile, p50 / p95 / max ms (requests) | "
        + " | ".join(_during(r["dumps"]["others_during_generation"]) for r in results)
        + " |",
    ]
    for fmt in open_data.DUMP_FORMATS:
        lines.append(
            f"| institutions.{fmt}: size · plain download ms · gzip download ms (size) | "
            + " | ".join(
                f"{_mb(f['bytes'])} · {_ms(f['download'])} · {f['download_gzip_ms']:,.0f} ({_mb(f['gzip_bytes'])})"
                for r in results
                for f in [r["dumps"]["files"][fmt]]
            )
            + " |"
        )
    lines.append(
        "| rows | " + " | ".join(f"{r['dumps']['files']['csv']['rows']:,}" for r in results) + " |",
    )
    lines.append(
        "| server memory: started / before the files / after them / at the end, peak (MB) | "
        + " | ".join(
            f"{r['server_started_mb']['rss_mb']:,.0f} / {r['server_before_dumps_mb']['rss_mb']:,.0f} / "
            f"{r['server_after_dumps_mb']['rss_mb']:,.0f} / "
            f"{r['server_end_mb']['rss_mb']:,.0f}, peak {r['server_end_mb']['peak_mb']:,.0f}"
            for r in results
        )
        + " |"
    )
    lines += [
        "",
        f"### Requests per second: {CONNECTIONS} connections, {LOAD_SECONDS:g} s, one page of {PER_PAGE} rows",
        "",
        "Ours: /api/v1/institutions of the view, warm (the same request) and cold (a new host name each). "
        "Datasette: `datasette serve -i` on the SQLite copy (region denormalised, facet columns indexed), "
        f"its table's JSON with the same filters, sort and `_size={PER_PAGE}` (it keeps no answers). Each "
        "client thread keeps its connection alive, or opens a new one per request. Latency under load "
        "p50 / p95 ms; CPU-seconds of the server and of this client (same machine).",
        "",
        "| institutions | view | server | connections | req/s | latency under load | requests (errors) "
        "| server CPU-s | client CPU-s | bytes |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        for name in FIXED_VIEWS:
            ours, peer = r["throughput"][name], r["datasette"][name]
            size = r["views"][name]["json"]["bytes"]
            rows = [
                ("ours, warm", "keep-alive", ours["warm"], size),
                ("ours, cold", "keep-alive", ours["cold"], size),
                ("ours, warm", "new each request", ours["warm_new_connection"], size),
                ("ours, cold", "new each request", ours["cold_new_connection"], size),
                ("Datasette", "keep-alive", peer["load"], peer["bytes"]),
                ("Datasette", "new each request", peer["load_new_connection"], peer["bytes"]),
            ]
            for label, how, m, body in rows:
                lines.append(
                    f"| {r['institutions']:,} | {name} | {label} | {how} | {m['per_s']:,.1f} | {_ms(m)} | "
                    f"{m['requests']:,} ({m['errors']}) | {m['server_cpu_s']:g} | {m['client_cpu_s']:g} | "
                    f"{_kb(body)} |"
                )
    lines += [
        "",
        "One request at a time, p50 / p95 ms, ours (new connection; cold · warm) and Datasette (keep-alive · "
        "new connection): "
        + "; ".join(
            f"{r['institutions']:,} {name}: {_ms(r['views'][name]['json']['cold'])} · "
            f"{_ms(r['views'][name]['json']['warm'])} and {_ms(r['datasette'][name]['single'])} · "
            f"{_ms(r['datasette'][name]['single_new_connection'])}"
            for r in results
            for name in FIXED_VIEWS
        )
        + ".",
        "",
        "Rows: ours answers 20 public fields a row, Datasette its copy's 12 columns; both count the whole "
        "selection (`total`, `filtered_table_rows_count`): "
        + "; ".join(
            f"{r['institutions']:,} {name}: {r['views'][name]['json'].get('total', 0):,} / "
            f"{r['datasette'][name]['total']:,}"
            for r in results
            for name in FIXED_VIEWS
        )
        + ".",
        "",
        "### A kept-alive connection against a new one per request",
        "",
        f"The same warm request {WARM_REPEAT} times on one kept-alive connection and on a new connection each "
        "time, p50 / p95 ms:",
        "",
        *_head(results, "route"),
    ]
    for label in r0["keep_alive"]:
        lines.append(
            f"| {label} | "
            + " | ".join(
                f"{_ms(r['keep_alive'][label]['keep_alive'])} kept alive · "
                f"{_ms(r['keep_alive'][label]['new_connection'])} new"
                for r in results
            )
            + " |"
        )
    lines += [
        "",
        "Streamlit binds its listening socket itself with protocol 0, and asyncio sets TCP_NODELAY only on "
        "sockets whose protocol is TCP, so without routes/nodelay.py (which sets it on every connection) a "
        "response written in two parts waits for the client's delayed ACK (about 40 ms on Linux). A bare "
        "uvicorn over a socket made the same way answers a keep-alive GET in "
        + "; ".join(
            f"{_ms(r['bare_uvicorn']['protocol_0'])} ms, over one made with IPPROTO_TCP in "
            f"{_ms(r['bare_uvicorn']['ipproto_tcp'])} ms"
            for r in results[-1:]
        )
        + " (p50 / p95). The latency tables above therefore open a new connection for each request.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    if sys.argv[1] == "--write":
        write_sizes(__file__, "api", markdown)
        return
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    target.write_text(json.dumps(measure(size), indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
