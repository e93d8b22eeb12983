"""Two replicas of the app behind HAProxy over one PostgreSQL (ops/cluster.py), in a real browser:
both serve, a save on one is seen on the other, a replica's crash keeps its visitors signed in,
and the command line works on the shared database while the replicas serve."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg
import pytest

from aspnet_data import demo, editing
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor
from ops import postgres
from ops.cluster import Cluster

from ..conftest import ROOT
from .conftest import _free_port, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e
INSTITUTIONS = 2_000


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    # Not under pytest's own temporary folder: that one is private to root, and PostgreSQL
    # runs as the postgres user.
    pg_folder = Path(tempfile.mkdtemp(prefix="aspnet-cluster-pg-"))
    server = postgres.start(pg_folder)
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute('CREATE DATABASE "aspnet"')
    url = postgres.url_of(pg_folder, "aspnet")
    command = [sys.executable, "-m", "aspnet_data", "demo", "--db", url, "--institutions", str(INSTITUTIONS)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    nodes = Cluster(tmp_path_factory.mktemp("cluster"), 2, _free_port(), url, secret="cluster-e2e-secret")
    try:
        nodes.start()
        yield nodes
    finally:
        nodes.stop()
        postgres.stop(pg_folder, mode="immediate")
        shutil.rmtree(pg_folder, ignore_errors=True)


@pytest.fixture(scope="module")
def shared(cluster):
    with open_database(cluster.database_url) as database:
        yield database


@pytest.fixture()
def context(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    yield context
    context.close()


def replica_of(context) -> int:
    """The replica HAProxy's sticky cookie sends this browser to."""
    (value,) = [c["value"] for c in context.cookies() if c["name"] == "SRV"]
    return int(value.removeprefix("replica"))


def test_the_balancer_serves_the_app_and_both_replicas_answer(cluster, context):
    page = context.new_page()
    page.goto(cluster.url + "/")
    page.get_by_text("National networks", exact=True).first.wait_for(timeout=30_000)
    assert replica_of(context) in (1, 2)
    for url in cluster.replica_urls:
        page.goto(url + "/")
        page.get_by_text("National networks", exact=True).first.wait_for(timeout=30_000)
    # Visitors without the cookie are dealt out in turn, each told which replica is theirs.
    assigned = set()
    for _ in range(4):
        with urllib.request.urlopen(cluster.url + "/", timeout=10) as response:
            assigned.add(response.headers["Set-Cookie"].split(";")[0])
    assert assigned == {"SRV=replica1", "SRV=replica2"}
    status = subprocess.run(
        [sys.executable, "-m", "ops.cluster", "status", "--folder", str(cluster.folder)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count("up ") == 3, status.stdout


def test_a_save_through_one_replica_is_seen_on_the_other_within_two_seconds(cluster, shared, context):
    school = shared.scalar("SELECT min(id) FROM institutions WHERE status = 'member'")
    before = editing.institution_record(shared, school)
    profile = f"{cluster.replica_urls[1]}/institution?id={school}"
    page = context.new_page()
    page.goto(profile)
    page.get_by_role("heading", name=before["name"]).wait_for(timeout=30_000)
    settle(page)

    new_name = f"Cluster School {time.time_ns() % 1_000_000}"
    saved_at = time.monotonic()  # before the save: its commit is later, so this is the stricter clock
    editing.update_institution(
        shared, Actor("admin", "admin"), school, {"name": new_name}, expected_version=before["version"]
    )
    page.goto(profile)
    page.get_by_role("heading", name=new_name).wait_for(timeout=30_000)
    seen_after = time.monotonic() - saved_at
    assert seen_after <= 2.0, f"replica 2 showed the new name {seen_after:.2f} s after the save"


def test_the_command_line_works_on_the_shared_database_while_the_replicas_serve(cluster, context, tmp_path):
    username = f"cluster.analyst{time.time_ns() % 1_000_000}"  # a rerun adds another
    password = "cluster-analyst-2026"
    add = subprocess.run(
        [sys.executable, "-m", "aspnet_data", "user", "add", "--db", cluster.database_url]
        + ["--username", username, "--name", "Cluster Analyst", "--role", "analyst"],
        cwd=ROOT,
        env={**os.environ, "ASPNET_NEW_PASSWORD": password},
        capture_output=True,
        text=True,
    )
    assert add.returncode == 0, add.stderr
    target = tmp_path / "aspnet.backup"
    backup = subprocess.run(
        [sys.executable, "-m", "aspnet_data", "backup", "--db", cluster.database_url, str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )

    page = context.new_page()
    log_in(page, cluster.url, username, password)
    assert page.get_by_text("Signed in as").is_visible()
    assert backup.returncode == 0, backup.stderr
    assert target.stat().st_size > 0 and "checked by a test restore" in backup.stdout


def test_a_crashed_replicas_visitor_comes_back_from_the_other_still_signed_in(cluster, context):
    page = context.new_page()
    log_in(page, cluster.url, "admin", demo.DEMO_PASSWORDS["admin"])
    crashed = replica_of(context)
    try:
        cluster.kill(crashed)
        page.reload()
        page.get_by_text("Signed in as").wait_for(timeout=30_000)
        assert page.get_by_role("link", name="To do").is_visible()
        assert replica_of(context) != crashed
    finally:
        cluster.start_replica(crashed)
        cluster.wait_replicas()
