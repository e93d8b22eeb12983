"""The public open-data API under /api/v1, served by the app's own process.

The endpoints, their parameters and their answers are declared in aspnet_data/open_data.py;
this module only speaks HTTP: the format named by the path's extension, the data version as
the ETag (If-None-Match answered 304 before any query runs), caching a CDN can follow, CORS
open for GET, a per-client rate limit (429 with Retry-After), bad parameters as a 400 naming
each one, and the bulk files. Answers are kept per (database, data version, request) and shared
by every client, as the map's tiles are.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
import time
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route

from aspnet_data import open_data
from aspnet_data.db import Database, shared_database
from aspnet_data.settings import database_path, dumps_dir, number

from .map_data import kept_bytes

CACHING = "public, max-age=60, stale-while-revalidate=60"
_SAFE = {"X-Content-Type-Options": "nosniff"}


class RateLimit:
    """A bucket of ``per_minute`` requests per client, refilled continuously (0: no limit)."""

    def __init__(self, per_minute: int, *, clock=time.monotonic) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # client -> (tokens, when)
        self._lock = threading.Lock()

    def wait(self, client: str) -> float:
        """0 if ``client`` may go on now (and one request is counted), else the seconds to wait."""
        if self.per_minute <= 0:
            return 0.0
        now, rate = self.clock(), self.per_minute / 60.0
        with self._lock:
            tokens, when = self._buckets.get(client, (float(self.per_minute), now))
            tokens = min(float(self.per_minute), tokens + (now - when) * rate)
            if tokens >= 1.0:
                self._buckets[client] = (tokens - 1.0, now)
                if len(self._buckets) > 50_000:  # forget clients whose bucket is full again
                    full = self.per_minute / rate
                    self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < full}
                return 0.0
            self._buckets[client] = (tokens, now)
            return (1.0 - tokens) / rate


_limits: dict[int, RateLimit] = {}


def limiter() -> RateLimit:
    """The process's rate limit, as ASPNET_API_RATE sets it."""
    per_minute = number("ASPNET_API_RATE")
    found = _limits.get(per_minute)
    if found is None:
        found = _limits[per_minute] = RateLimit(per_minute)
    return found


def client_of(request: Request) -> str:
    """Who asks: the peer's address, or, behind a balancer on this machine, the address it forwarded."""
    peer = request.client.host if request.client else "unknown"
    forwarded = request.headers.get("x-forwarded-for")
    if forwarded and peer in ("127.0.0.1", "::1"):
        return forwarded.split(",")[-1].strip() or peer
    return peer


def _too_many(request: Request) -> Response | None:
    wait = limiter().wait(client_of(request))
    if not wait:
        return None
    seconds = max(1, math.ceil(wait))
    return JSONResponse(
        {"error": "too_many_requests", "message": f"Too many requests from this client: try again in {seconds} s."},
        status_code=429,
        headers={"Retry-After": str(seconds), "Cache-Control": "no-store", **_SAFE},
    )


def _not_modified(request: Request, etag: str, caching: str) -> Response | None:
    given = request.headers.get("if-none-match")
    if given and (given.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in given.split(",")]):
        return Response(status_code=304, headers={"ETag": etag, "Cache-Control": caching})
    return None


def _query(request: Request) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        out.setdefault(key, []).append(value)
    return out


_networks: dict[tuple[str, int], list[str]] = {}


def networks(db: Database, path: str, version: int) -> list[str]:
    """The networks' codes (what `country` may be), read once per data version."""
    key = (path, version)
    found = _networks.get(key)
    if found is None:
        found = [code for (code,) in db.analytics.rows("SELECT iso3 FROM networks ORDER BY iso3")]
        _networks.clear()
        _networks[key] = found
    return found


class _Missing(Exception):
    """No such record (answered 404, never kept)."""


def _data(request: Request, endpoint: open_data.Endpoint, fmt: str) -> Response:
    refused = _too_many(request)
    if refused:
        return refused
    path = database_path()
    db = shared_database(path)
    version = db.data_version
    query = _query(request)
    base = str(request.base_url).rstrip("/")
    asked = (endpoint.name, fmt, base, tuple(sorted((k, tuple(v)) for k, v in query.items())))
    asked += (tuple(sorted(request.path_params.items())),)
    etag = f'"{version}-{hashlib.sha1(repr(asked).encode()).hexdigest()[:16]}"'
    unchanged = _not_modified(request, etag, CACHING)
    if unchanged:
        return unchanged
    parsed, errors = open_data.parse(
        endpoint,
        query,
        networks=networks(db, path, version),
        path={k: str(v) for k, v in request.path_params.items()},
    )
    if errors:
        return JSONResponse(
            {"error": "bad_parameter", "errors": [e.as_dict() for e in errors]},
            status_code=400,
            headers={"Cache-Control": CACHING, **_SAFE},
        )

    def make() -> bytes:
        result = open_data.answer(db, parsed)
        if result is None:
            raise _Missing
        meta = {
            "data_version": version,
            "as_of": db.data_updated_at,
            "licence": open_data.LICENCE,
            "attribution": open_data.ATTRIBUTION,
        }
        following = getattr(result, "next_query", None)
        next_url = f"{base}{request.url.path}?{open_data.query_string(following)}" if following else None
        return open_data.encode(result, fmt, meta=meta, next_url=next_url)

    try:
        body = kept_bytes((path, version, "api", *asked), make)
    except _Missing:
        return JSONResponse(
            {
                "error": "not_found",
                "message": f"No {endpoint.name} {', '.join(map(str, request.path_params.values()))}",
            },
            status_code=404,
            headers={"Cache-Control": CACHING, **_SAFE},
        )
    headers = {"ETag": etag, "Cache-Control": CACHING, **_SAFE}
    if fmt in ("csv", "parquet"):
        headers["Content-Disposition"] = f'attachment; filename="aspnet-{endpoint.name}.{fmt}"'
    return ranged(request, body, open_data.MEDIA_TYPES[fmt], headers)


_RANGE = re.compile(r"^bytes=([0-9]*)-([0-9]*)$")


def ranged(request: Request, body: bytes, media_type: str, headers: dict[str, str]) -> Response:
    """The answer, or the part of it a ``Range: bytes=a-b`` header asks for (206): readers such
    as polars' ``read_csv(url)`` and ``read_parquet(url)`` fetch a file by ranges."""
    headers = {**headers, "Accept-Ranges": "bytes"}
    asked = request.headers.get("range")
    if_range = request.headers.get("if-range")
    found = _RANGE.match(asked.strip()) if asked else None
    if asked is None or (if_range and if_range != headers.get("ETag")):
        return Response(body, media_type=media_type, headers=headers)
    size = len(body)
    if found is None or not (found.group(1) or found.group(2)):
        return Response(body, media_type=media_type, headers=headers)  # several ranges, or a malformed one
    if found.group(1):
        start = int(found.group(1))
        end = min(int(found.group(2)), size - 1) if found.group(2) else size - 1
    else:  # the last n bytes
        start, end = max(0, size - int(found.group(2))), size - 1
    if start >= size or start > end:
        return Response(status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"})
    headers["Content-Range"] = f"bytes {start}-{end}/{size}"
    return Response(body[start : end + 1], status_code=206, media_type=media_type, headers=headers)


def _endpoint(endpoint: open_data.Endpoint, fmt: str):
    async def handle(request: Request) -> Response:
        return await run_in_threadpool(_data, request, endpoint, fmt)

    handle.__name__ = f"api_{endpoint.name}_{fmt}"
    return handle


# -- the OpenAPI document and the bulk files ---------------------------------------------


def _openapi(request: Request) -> Response:
    refused = _too_many(request)
    if refused:
        return refused
    server = str(request.base_url).rstrip("/")
    body = kept_bytes(
        ("openapi", server),
        lambda: json.dumps(open_data.openapi(server), ensure_ascii=False, separators=(",", ":")).encode(),
    )
    etag = '"' + hashlib.sha1(body).hexdigest()[:20] + '"'
    caching = "public, max-age=3600"
    return _not_modified(request, etag, caching) or Response(
        body, media_type="application/json", headers={"ETag": etag, "Cache-Control": caching, **_SAFE}
    )


_dumps_lock = threading.Lock()


def _dumps_folder(path: str) -> Path:
    # One folder per database, so that two databases served from one checkout never mix.
    return dumps_dir() / hashlib.sha1(path.encode()).hexdigest()[:12]


def manifest() -> tuple[Path, dict]:
    """The bulk files' folder and manifest for today's data (written first if the data changed)."""
    path = database_path()
    folder = _dumps_folder(path)
    with _dumps_lock:
        return folder, open_data.write_dumps(shared_database(path), folder)


def _manifest(request: Request) -> Response:
    refused = _too_many(request)
    if refused:
        return refused
    _, found = manifest()
    etag = f'"{found["data_version"]}-manifest"'
    return _not_modified(request, etag, CACHING) or JSONResponse(
        found, headers={"ETag": etag, "Cache-Control": CACHING, **_SAFE}
    )


def _dump(request: Request, fmt: str) -> Response:
    refused = _too_many(request)
    if refused:
        return refused
    folder, found = manifest()
    entry = found["files"][f"institutions.{fmt}"]
    etag = '"' + entry["sha256"][:32] + '"'
    return _not_modified(request, etag, CACHING) or FileResponse(
        open_data.dump_file(folder, found, fmt),
        media_type=open_data.MEDIA_TYPES[fmt],
        filename=f"aspnet-institutions-v{found['data_version']}.{fmt}",
        headers={"ETag": etag, "Cache-Control": CACHING, **_SAFE},
    )


def _dump_route(fmt: str):
    async def handle(request: Request) -> Response:
        return await run_in_threadpool(_dump, request, fmt)

    handle.__name__ = f"dump_{fmt}"
    return handle


async def _openapi_route(request: Request) -> Response:
    return await run_in_threadpool(_openapi, request)


async def _manifest_route(request: Request) -> Response:
    return await run_in_threadpool(_manifest, request)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse(
        {"error": "not_found", "message": f"No route {request.url.path}: see {open_data.BASE}/openapi.json"},
        status_code=404,
        headers=_SAFE,
    )


def _routes() -> list[Route]:
    # A path named by its format first: /institutions/{id} would also match "5.geojson".
    ordered = sorted(open_data.routes(), key=lambda route: route[1] == "json")
    out = [
        Route(path.removeprefix(open_data.BASE), _endpoint(endpoint, fmt), methods=["GET"])
        for endpoint, fmt, path in ordered
    ]
    out += [Route(f"/dumps/institutions.{fmt}", _dump_route(fmt), methods=["GET"]) for fmt in open_data.DUMP_FORMATS]
    out += [
        Route("/dumps/manifest.json", _manifest_route, methods=["GET"]),
        Route("/openapi.json", _openapi_route, methods=["GET"]),
    ]
    return out


API = Starlette(
    routes=_routes(),
    middleware=[
        Middleware(
            CORSMiddleware,
            allow_origins=["*"],
            allow_methods=["GET"],
            allow_headers=["If-None-Match"],
            expose_headers=["ETag", "Retry-After"],
            max_age=86400,
        )
    ],
    exception_handlers={404: _not_found},
)
MOUNT = Mount(open_data.BASE, app=API)
