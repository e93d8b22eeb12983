"""/healthz and /readyz, as a load balancer polls them."""

from types import SimpleNamespace

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from aspnet_data.db import latest_schema_version, open_database
from routes import ROUTES, health

from ..conftest import use_database


@pytest.fixture()
def client(scratch_copy, monkeypatch):
    use_database(monkeypatch, scratch_copy)
    health.forget()
    yield TestClient(Starlette(routes=ROUTES))
    health.forget()


def test_healthz_says_the_process_is_up_without_touching_the_database(monkeypatch):
    monkeypatch.setenv("ASPNET_DB", "/nonexistent/folder/aspnet.duckdb")
    answer = TestClient(Starlette(routes=ROUTES)).get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer.headers["cache-control"] == "no-store"


def test_readyz_names_the_schema_and_data_version_of_a_current_database(client, scratch_copy):
    answer = client.get("/readyz")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-store"
    body = answer.json()
    with open_database(scratch_copy) as db:
        assert body == {"status": "ready", "schema": latest_schema_version(), "data_version": db.data_version}


@pytest.mark.duckdb_only
def test_readyz_is_503_with_the_reason_when_the_database_is_missing(monkeypatch):
    monkeypatch.delenv("ASPNET_DATABASE_URL", raising=False)
    monkeypatch.setenv("ASPNET_DB", "/nonexistent/folder/aspnet.duckdb")
    health.forget()
    answer = TestClient(Starlette(routes=ROUTES)).get("/readyz")
    health.forget()
    assert answer.status_code == 503
    assert answer.json()["status"] == "unavailable" and "/nonexistent/folder" in answer.json()["reason"]


def test_readyz_is_503_when_the_schema_is_not_this_releases(client, scratch_copy):
    assert client.get("/readyz").status_code == 200
    with open_database(scratch_copy) as db:  # as if the latest migration had not run
        db.write(lambda cur: cur.execute("DELETE FROM schema_migrations WHERE version = ?", [latest_schema_version()]))
    health.forget()
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert (
        answer.json()["reason"]
        == f"schema {latest_schema_version() - 1}, this release expects {latest_schema_version()}"
    )


def test_readyz_keeps_its_answer_for_a_second(client, monkeypatch):
    calls, now = [], [1000.0]
    real = health._check
    monkeypatch.setattr(health, "_check", lambda: calls.append(now[0]) or real())
    # The route's clock, moved by the test: a busy machine's pauses cannot spread the polls.
    monkeypatch.setattr(health, "time", SimpleNamespace(monotonic=lambda: now[0]))
    for _ in range(20):
        assert client.get("/readyz").status_code == 200
        now[0] += 0.04
    assert len(calls) == 1  # twenty polls within the second: one look at the database
    now[0] += health.KEEP_SECONDS
    assert client.get("/readyz").status_code == 200
    assert len(calls) == 2  # a second later, a new look
    health.forget()
    client.get("/readyz")
    assert len(calls) == 3
