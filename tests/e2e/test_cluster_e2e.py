"""Two replicas of the app behind HAProxy over one PostgreSQL (ops/cluster.py), in a real browser:
both serve, a save on one is seen on the other, a replica's crash keeps its visitors signed in,
and the command line works on the shared database while the replicas serve."""

from __future__ import annotations

import os
import re
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
from .conftest import _free_port, download, settle
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
    nodes.pg_folder = pg_folder
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


def test_a_save_elsewhere_is_on_the_other_replicas_next_run_two_seconds_later(cluster, shared, context):
    """A page run that starts 2 s after a save (made by another process on the shared
    database) shows it: the replica's copy caught up in that time, whatever the page then
    takes to load in a busy browser."""
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
    time.sleep(max(0.0, 2.0 - (time.monotonic() - saved_at)))
    page.goto(profile)
    either = re.compile(f"^({re.escape(new_name)}|{re.escape(before['name'])})$")
    shown = page.get_by_role("heading", name=either).first
    shown.wait_for(timeout=30_000)
    assert shown.inner_text().strip() == new_name, "the run 2 s after the save showed the old name"


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
        page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
        # The menu comes after the sidebar's "Signed in as" in the same run: waited for.
        page.get_by_role("link", name="To do").wait_for(timeout=30_000)
        assert replica_of(context) != crashed
    finally:
        cluster.start_replica(crashed)
        cluster.wait_replicas()


def test_two_coordinators_on_different_replicas_editing_one_record_see_the_conflict(cluster, shared, browser):
    """Both open their network's form, one on each replica; the first save wins, the second is
    shown both versions side by side (the version check is PostgreSQL's, not a replica's)."""
    username, network = shared.rows(
        "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET 5"
    )[0]
    pages = []
    for replica in cluster.replica_urls:
        context = browser.new_context(viewport={"width": 1400, "height": 1600})
        page = context.new_page()
        log_in(page, replica, username, demo.DEMO_PASSWORDS["coordinator"])
        page.goto(replica + "/manage")
        page.get_by_role("textbox", name="Description", exact=True).wait_for(timeout=30_000)
        settle(page)
        pages.append(page)
    first, second = pages
    try:
        first.get_by_role("textbox", name="Description", exact=True).fill("Saved first, on replica 1.")
        first.get_by_role("button", name="Save", exact=True).first.click()
        first.get_by_text("Saved. Changed:").wait_for(timeout=30_000)
        second.get_by_role("textbox", name="Description", exact=True).fill("Saved second, on replica 2.")
        second.get_by_role("button", name="Save", exact=True).first.click()
        second.get_by_text("Someone saved this record after you opened it").wait_for(timeout=30_000)
        assert second.get_by_role("button", name="Keep my version").is_visible()
        stored = editing.network_record(shared, Actor("admin", "admin"), network)
        assert stored["description"] == "Saved first, on replica 1."
    finally:
        for page in pages:
            page.context.close()


def test_a_csv_download_and_a_bulk_upload_go_through_the_balancer(cluster, shared, browser, tmp_path):
    """Both are served by the replica that made the page: the sticky cookie keeps the visitor there."""
    username, network = shared.rows(
        "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET 7"
    )[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    try:
        log_in(page, cluster.url, username, demo.DEMO_PASSWORDS["coordinator"])
        page.goto(cluster.url + "/bulk")
        page.get_by_text("1. Download the current list").wait_for(timeout=30_000)
        settle(page)
        info = download(page, page.get_by_role("button", name="CSV", exact=True))
        lines = open(info.path(), encoding="utf-8-sig").read().splitlines()
        header = lines[0].split(",")
        row = lines[1].split(",")
        school = int(row[header.index("ASPnet id")])  # the template's headers are the interface's labels
        row[header.index("Pupils")] = "2468"
        edited = tmp_path / "edited.csv"
        edited.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(edited))
        page.get_by_role("button", name="Apply all changes").wait_for(timeout=30_000)
        page.get_by_role("button", name="Apply all changes").click()
        page.get_by_text("Applied: 0 added, 1 changed, 0 withdrawn.").wait_for(timeout=30_000)
        assert editing.institution_record(shared, school)["pupils"] == 2468
        assert shared.scalar("SELECT network FROM institutions WHERE id = ?", [school]) == network
    finally:
        context.close()


def test_with_postgresql_stopped_pages_say_so_in_the_visitors_language_and_recover_by_themselves(cluster, browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    try:
        log_in(page, cluster.url, "admin", demo.DEMO_PASSWORDS["admin"])
        page.goto(cluster.url + "/todo?lang=fr")
        page.get_by_text("Connecté").first.wait_for(timeout=30_000)
        settle(page)
        port = int((cluster.pg_folder / "port").read_text())
        postgres.stop(cluster.pg_folder)
        try:
            page.reload()
            page.get_by_text("Les données sont momentanément indisponibles").wait_for(timeout=30_000)
            assert not page.locator("[data-testid='stException']").count()  # no traceback
            time.sleep(10)
        finally:
            postgres.start(cluster.pg_folder, port=port)
        # No reload: the page tries again by itself, and it is the page the visitor was on.
        page.get_by_text("Connecté").first.wait_for(timeout=30_000)
        page.get_by_role("heading", name="À faire").first.wait_for(timeout=30_000)
        assert not page.get_by_text("Les données sont momentanément indisponibles").count()
        assert page.url.split("?")[0].endswith("/todo"), page.url
    finally:
        context.close()
