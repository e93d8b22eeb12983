"""Health checks for load balancers and orchestrators, cheap enough to be polled every second.

GET /healthz: the process is up and serving HTTP (it touches nothing else).
GET /readyz: the database answers and its schema is the one this release expects; 503 with
the reason otherwise (a server unreachable, a migration missing or newer than this release).
The database's answer is kept for a second, so that a balancer polling every replica every
second costs one small query per replica per second at most.
"""

from __future__ import annotations

import threading
import time

import psycopg
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from aspnet_data.db import latest_schema_version, shared_database
from aspnet_data.errors import AtlasError
from aspnet_data.settings import database_path

KEEP_SECONDS = 1.0
_HEADERS = {"Cache-Control": "no-store"}
_lock = threading.Lock()
_last: dict[str, object] = {"at": float("-inf"), "answer": None}


async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"}, headers=_HEADERS)


def _check() -> tuple[int, dict[str, object]]:
    expected = latest_schema_version()
    try:
        db = shared_database(database_path())
        schema = db.schema_version()
        version = db.data_version
    except (AtlasError, psycopg.Error, OSError) as problem:  # a file or a server that does not answer
        return 503, {"status": "unavailable", "reason": str(problem).splitlines()[0][:200]}
    if schema != expected:
        return 503, {"status": "unavailable", "reason": f"schema {schema}, this release expects {expected}"}
    return 200, {"status": "ready", "schema": schema, "data_version": version}


def _kept_check() -> tuple[int, dict[str, object]]:
    with _lock:
        if time.monotonic() - float(_last["at"]) > KEEP_SECONDS:  # type: ignore[arg-type]
            _last["answer"], _last["at"] = _check(), time.monotonic()
        return _last["answer"]  # type: ignore[return-value]


async def readyz(request: Request) -> JSONResponse:
    status, body = await run_in_threadpool(_kept_check)
    return JSONResponse(body, status_code=status, headers=_HEADERS)


def forget() -> None:
    """Drop the kept answer (tests; a process that just changed its database)."""
    with _lock:
        _last["at"] = float("-inf")
