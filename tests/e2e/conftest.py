"""End-to-end fixtures: a real Streamlit server on a free port and headless Chromium."""

from __future__ import annotations

import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as email_policy
from pathlib import Path
from urllib.parse import urlparse

import pytest

from ..conftest import ROOT

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
ARTIFACTS = ROOT / "test-artifacts"


@pytest.fixture(scope="session")
def demo_path(_demo_file):
    """The browser tests serve the embedded file (the replicas' tests start their own PostgreSQL)."""
    return _demo_file


def _free_port() -> int:
    """A free port from a range of this test worker's own, below the system's ephemeral ports:
    two workers never pick the same one (a server that lost such a race would not start, and
    its health check would be answered by the other worker's server)."""
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    low = 20_000 + 2_000 * worker
    for port in random.sample(range(low, low + 2_000), 2_000):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{low + 1_999}")


@contextmanager
def serving(db_path: Path, secret: str = "e2e-test-secret", *, settings: dict[str, str] | None = None):
    """The app served from ``db_path`` on a free port (its public address, in the links it
    mails and prints, is its own unless the environment names one), with more ``settings`` if
    given; yields its base URL."""
    port = _free_port()
    env = {
        "ASPNET_PUBLIC_URL": f"http://127.0.0.1:{port}",
        **os.environ,
        "ASPNET_DB": str(db_path),
        "ASPNET_COOKIE_SECRET": secret,
        **(settings or {}),
    }
    log = open(db_path.with_suffix(".log"), "w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "serve.py"),
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
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while True:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError(f"streamlit did not start: {Path(log.name).read_text()[-2000:]}")
        time.sleep(0.3)
    try:
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@contextmanager
def mail_server():
    """A mail server on a free port that keeps what it receives; yields (settings that send the
    outbox to it, the list of messages received as :class:`email.message.EmailMessage`)."""
    from aiosmtpd.controller import Controller

    received: list[EmailMessage] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
            received.append(message_from_bytes(envelope.content, policy=email_policy))
            return "250 OK"

    controller = Controller(Keep(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield {"ASPNET_SMTP_HOST": "127.0.0.1", "ASPNET_SMTP_PORT": str(controller.port)}, received
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def server(demo_path, tmp_path_factory):
    """Base URL of the app served from a private copy of the test network."""
    db_copy = tmp_path_factory.mktemp("e2e") / "aspnet.duckdb"
    shutil.copy(demo_path, db_copy)
    with serving(db_copy) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise RuntimeError(f"{CHROMIUM} is missing: run `make test` (it installs Debian's chromium)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield instance
        instance.close()


# Opened on a deep link (/map), Streamlit's client first looks for its server under the
# page's path (/map/_stcore/health), gets 404 and falls back to the root: not a failure.

# The map cancels the tiles it no longer needs when the view moves on before they arrive
# (a zoom by the wheel passes several levels): the browser reports those as aborted.
_CANCELLED_TILE = re.compile(r"/tiles/\d+/\d+/\d+\.json")


class Watched:
    """A page plus every request that failed or answered with an error status."""

    def __init__(self, page):
        self.page = page
        self.failures: list[str] = []
        page.on("requestfailed", self._failed)
        page.on("response", self._response)

    def _failed(self, request) -> None:
        if request.failure == "net::ERR_ABORTED" and _CANCELLED_TILE.search(urlparse(request.url).path):
            return
        # The map library's worker, loaded from a blob of the page's own script, is cut off by
        # the next navigation when it is still starting: nothing the server answered.
        if request.failure == "net::ERR_ABORTED" and request.url.startswith("blob:"):
            return
        self.failures.append(f"{request.method} {request.url} {request.failure}")

    def _response(self, response) -> None:
        # A 404 of /<page>/_stcore/health is a failure too: opened at a page's own address,
        # Streamlit's client asks there first unless the page names its server
        # (routes/server_base.py).
        if response.status >= 400:
            self.failures.append(f"{response.status} {response.url}")


@pytest.fixture(autouse=True)
def _close_the_tests_pages(request):
    """Close every browser context a test opened and left open (a journey ends with several,
    and one that fails closes none): an open Streamlit page keeps its browser and its server
    busy, a tenth of a CPU each, for as long as the browser runs."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser = request.getfixturevalue("browser")
    before = set(browser.contexts)
    yield
    report = getattr(request.node, "call_report", None)
    for number, context in enumerate(browser.contexts):
        if report is not None and report.failed:
            _keep_what_the_pages_showed(request.node.name, number, context)
        if context not in before:
            context.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.call_report = report
    return report


def _keep_what_the_pages_showed(test: str, number: int, context) -> None:
    """A failed test's open pages, as they were, in test-artifacts/failed/ (with their URLs)."""
    folder = ARTIFACTS / "failed"
    folder.mkdir(parents=True, exist_ok=True)
    for index, page in enumerate(context.pages):
        name = f"{re.sub(r'[^A-Za-z0-9_-]+', '-', test)[:120]}-{number}-{index}"
        try:
            page.screenshot(path=str(folder / f"{name}.png"), full_page=True, timeout=10_000)
            (folder / f"{name}.txt").write_text(page.url + "\n", encoding="utf-8")
        except Exception as error:  # a page that died with the test: its failure says enough
            (folder / f"{name}.txt").write_text(f"{page.url}\n{error}\n", encoding="utf-8")


@pytest.fixture()
def web(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    watched = Watched(context.new_page())
    yield watched
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


IDLE = """() => {
    const app = document.querySelector("[data-testid='stApp']");
    return app && app.getAttribute("data-test-script-state") === "notRunning"
        && !document.querySelector("[data-testid='stStatusWidget']");
}"""


def settle(page, pause_ms: int = 300) -> None:
    """Wait until Streamlit has finished the run that a page load or a click started.

    The app reports its script's state on its root element; a click's run starts a beat after
    the click, so the state must read "not running" after a short pause and still read so a
    moment later (a chart or map then has that moment to draw)."""
    page.wait_for_timeout(pause_ms)
    for _ in range(2):
        page.wait_for_function(IDLE, timeout=30_000)
        page.wait_for_timeout(250)
    page.wait_for_function(IDLE, timeout=30_000)


def pytest_collection_modifyitems(items):
    """Browser tests wait on a real server and browser: one that times out on a busy machine
    is run once more, and pytest reports the rerun, so a flaky test stays visible."""
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.flaky(reruns=int(os.environ.get("E2E_RERUNS", "1")), reruns_delay=2))


def download(page, button, attempts: int = 3):
    """Click a download button; the file Chromium saved (a Playwright Download).

    A click that lands while Streamlit reruns the page (on a busy machine, the run a click
    nearby started) hits a button about to be replaced and does nothing, as it would for a
    person, who clicks again: so does this, after the run."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        try:
            with page.expect_download(timeout=15_000) as info:
                button.click()
            return info.value
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            settle(page, 500)
    raise AssertionError("unreachable")


def click_map(page, x, y, url: re.Pattern) -> None:
    """Click a place on the map and wait for the page it opens.

    deck.gl takes a press and release as a click only when it has handled both within 250 ms,
    and it draws the pickable layers once more when the button goes down to find what is
    under the pointer. In this headless browser drawing without a graphics card, under load,
    that can take longer now and then: the press becomes a long press and nothing happens.
    A person clicks again: so does this, at most twice more, and only when nothing happened.
    """
    for _ in range(3):
        page.mouse.move(x, y)
        page.wait_for_timeout(600)
        page.mouse.click(x, y)
        try:
            page.wait_for_url(url, timeout=8_000)
            return
        except Exception:
            # On a busy machine the run the click started may still be going: let it end
            # before deciding the click was lost.
            settle(page)
            if url.search(page.url):
                return
    page.wait_for_url(url, timeout=15_000)
