#!/usr/bin/env python3
"""Page speed: every public page and the main coordinator pages in headless Chromium, beside a
bare Streamlit page of the same kind of content measured in the same run.

    .venv/bin/python bench/pages.py 10000 out.json [--loads 5]   # one size (run.py calls it so)
    .venv/bin/python bench/pages.py --write [10000,1000000]       # into bench/results/pages.*

The app server is started on a copy of the cached demo network (bench/load.py's start_server:
logins and saves write to the copy, never to bench/cache/), the floor (bench/floor/app.py) on
another free port with the same server options (headless, no usage statistics, the same
.streamlit/config.toml: no file watcher, no magic, as `make run` serves). Every load is a fresh
browser context (its own cache, cookies and Streamlit session). Time to content, read with
performance.now() in the page (from the navigation's start): until the page's content element is
visible (the table's canvas, the dashboard's first chart, ...) AND Streamlit has finished
running the script (stApp's data-test-script-state "notRunning", no status widget), the moment
this became true and stayed true for a second (a rerun in that second starts the count again). A
map is on screen once its data requests (schools, outlines) have arrived and its last WebGL draw
call is made (deck.gl and maplibre draw only when something changed: a second without a draw
call ends the wait). The floor is timed the same way, by the same code.

Each page also gets a replay floor (bench/floor/replay.py): what the app sent for it in its
instrumented load (its menu, its elements in order, its maps' answers) is recorded, and a bare
Streamlit script sends the same again; timed with the page's own readiness test, it is what
Streamlit needs to show exactly that page with none of the app's code running.

Coordinator pages open with the session cookie of one login as coord.fra, put in each fresh
context (Playwright's storage_state): a returning coordinator opening the page. The login itself
is timed as an interaction (from the press on "Log in" until To do is on screen).

Order: one warm-up load per page (caches warm, as on a server in use; the tables' rows and
columns, the maps' features and the forms' fields are read from it and given to the floor), one
instrumented load (CDP: bytes of every response, websocket frames parsed as Streamlit's
ForwardMsg to count script runs, when each arrived), then LOADS timed loads, pages and floors
taken in turn round after round so that a change in the machine's load falls on both. Nothing is
written meanwhile: every write bumps the data version, which drops every cached read of every
session, so the save on My network and the login are timed afterwards, in rounds of their own.
Interactions (a facet pill on the directory, a dashboard tab, zooming the map with the wheel, a
save on My network, the login) are timed in the same contexts after each load, from the press
(pointerdown or wheel, in the page) until the new content is on screen and the run finished; the
floor's: a bare widget that reruns the page and draws the same kind of content again.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlparse

from common import ROOT, database, percentiles, save_results
from load import CHROMIUM, CHROMIUM_ARGS, cpu_seconds, start_server, start_streamlit

sys.path.insert(0, str(ROOT / "bench" / "floor"))
import replay  # noqa: E402 - bench/floor/replay.py: the recordings' format

from aspnet_data import demo
from aspnet_data.db import open_database

LOADS = 7
QUIET_MS = 1000  # content on screen and the run finished, for this long
TIMEOUT_MS = int(os.environ.get("BENCH_PAGES_TIMEOUT_MS", 120_000))
VIEWPORT = {"width": 1280, "height": 900}
FLOOR_SERVER = ROOT / "bench" / "floor" / "serve.py"  # app.py, and the replays' map data
USER = "coord.fra"
MAIN = "[data-testid='stMain']"
TABLE = f"{MAIN} [data-testid='stDataFrame'] canvas"
DECK = "[data-testid='stDeckGlJsonChart'] canvas"
TAB_TABLE = "[data-testid='stTabPanel'] [data-testid='stDataFrame'] canvas"
CHART = f"{MAIN} .vega-embed canvas, {MAIN} .vega-embed svg.marks"
SAVE_BUTTON = f"{MAIN} [data-testid='stBaseButton-primary']"
H1 = f"{MAIN} h1"
# What the maps fetch themselves (routes/map_data.py): a map is drawn once these have arrived.
MAP_DATA = re.compile(r"/(tiles/\d+/\d+/\d+\.json|points\.json|outlines\.json|countries\.json|land-style\.json)")
# What a page fetches beside its messages, answered by the replay floor from its recording
# (bench/floor/serve.py's routes).
FETCHED = re.compile(
    r"^/(tiles/\d+/\d+/\d+\.json|points\.json|outlines\.json|land-style\.json|shaded(-style)?\.json|countries\.json"
    r"|media/[\w.-]+)$"  # and the files of its download buttons (registered by the replay)
)
SCHOOLS = re.compile(r"/(tiles/\d+/\d+/\d+\.json|points\.json)")  # what a map draws schools from
CLK = os.sysconf("SC_CLK_TCK")

# In every page, before its own scripts: the clock, the readiness test run at every animation
# frame, the map's data requests counted as they start and finish (fetch), WebGL's draw calls
# (a map is drawn when deck.gl and maplibre have made their last one), and the time of the press
# that starts an interaction.
INIT = r"""(() => {
  const B = window.__bench = {
    cfg: __CFG__, since: null, armed: null, data: {pending: 0, done: 0}, gl: {calls: 0, last: 0},
  };
  const DRAWS = ["drawArrays", "drawElements", "drawArraysInstanced", "drawElementsInstanced", "drawRangeElements"];
  for (const gl of [window.WebGLRenderingContext, window.WebGL2RenderingContext]) {
    for (const name of DRAWS) {
      const draw = gl && gl.prototype[name];
      if (!draw) continue;
      gl.prototype[name] = function () {
        B.gl.calls++;
        B.gl.last = performance.now();
        return draw.apply(this, arguments);
      };
    }
  }
  // When the content was on screen: the readiness test's moment, or a map's last draw after it.
  B.at = () => (B.since === null ? null : B.cfg.drawn ? Math.max(B.since, B.gl.last) : B.since);
  const DATA = /\/(tiles\/\d+\/\d+\/\d+\.json|points\.json|outlines\.json|countries\.json|land-style\.json)/;
  const fetch0 = window.fetch;
  window.fetch = function (input, init) {
    const promise = fetch0.apply(this, arguments);
    if (DATA.test(String((input && input.url) || input))) {
      B.data.pending++;
      if (B.data.first === undefined) B.data.first = performance.now();
      promise.then((r) => r.clone().arrayBuffer()).catch(() => null)
        .finally(() => { B.data.pending--; B.data.done++; B.data.last = performance.now(); });
    }
    return promise;
  };
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const idle = () => {
    const app = document.querySelector("[data-testid='stApp']");
    return !!app && app.getAttribute("data-test-script-state") === "notRunning"
      && !document.querySelector("[data-testid='stStatusWidget']");
  };
  const ready = (c) => {
    if (!idle()) return false;
    if (c.url && !location.href.includes(c.url)) return false;
    if (c.data && (B.data.pending > 0 || B.data.done <= (c.dataAfter || 0))) return false;
    if (c.settled && B.data.pending > 0) return false;
    if (c.drawn && B.gl.calls <= (c.callsAfter || 0)) return false;
    if (c.text) {
      const main = document.querySelector("[data-testid='stMain']");
      if (!main || !main.textContent.includes(c.text)) return false;
    }
    let found = 0;
    for (const el of document.querySelectorAll(c.selector)) if (shown(el) && ++found >= (c.count || 1)) return true;
    return false;
  };
  const tick = () => {
    if (B.cfg && B.armed !== 0) {
      if (!ready(B.cfg)) B.since = null;
      else if (B.since === null) B.since = performance.now();
    }
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  for (const type of ["pointerdown", "wheel", "keydown"]) {
    addEventListener(type, () => { if (B.armed === 0) B.armed = performance.now(); }, {capture: true, passive: true});
  }
})();"""


@dataclass
class Target:
    """A page of the app: where, what is its content, which floor it is read against."""

    label: str
    path: str
    kind: str  # the floor's view: metrics (text and figures), table, map, chart, form
    selector: str
    count: int = 1
    data: bool = False  # a map: wait for its data requests too
    signed_in: bool = False
    height: int = 520  # a map's height in px
    interaction: str | None = None
    floor: str = ""  # the floor's key, set after the warm-up
    replay: str = ""  # its replay floor's key, set after its instrumented load
    shape: dict = field(default_factory=dict)

    def ready(self) -> dict:
        # A map: its data requests finished, and drawn (its last WebGL draw call).
        return {"selector": self.selector, "count": self.count, "data": self.data, "drawn": self.kind == "map"}


def targets(institution: int) -> list[Target]:
    return [
        Target("home", "/", "metrics", f"{MAIN} [data-testid='stMetric']", count=5),
        Target("directory", "/directory", "table", TABLE, interaction="facet"),
        Target("map", "/map", "map", DECK, data=True, interaction="zoom"),
        Target("networks", "/networks", "table", TABLE),
        Target("network profile (FRA)", "/network?code=FRA", "map", DECK, data=True, height=420),
        Target("institution profile", f"/institution?id={institution}", "map", DECK, data=True, height=300),
        Target("dashboard", "/dashboard", "chart", CHART, interaction="tab"),
        Target("projects", "/projects", "table", TABLE),
        Target("open data", "/open-data", "metrics", H1),
        Target("apply", "/apply", "form", SAVE_BUTTON),
        Target("to do (coordinator)", "/todo", "metrics", H1, signed_in=True),
        Target("review (coordinator)", "/review", "metrics", H1, signed_in=True),
        Target("my network (coordinator)", "/manage", "form", SAVE_BUTTON, signed_in=True, interaction="save"),
        Target("board (coordinator)", "/board", "metrics", f"{MAIN} [data-testid='stExpander']", signed_in=True),
    ]


@dataclass
class Floor:
    key: str
    kind: str
    params: dict
    cfg: dict | None = None  # a replay: its page's readiness test

    @property
    def is_replay(self) -> bool:
        return self.kind == "replay"

    @property
    def path(self) -> str:
        return "/?" + urlencode({"view": self.kind, **self.params})

    def ready(self) -> dict:
        if self.cfg is not None:
            return self.cfg
        selector = {
            "metrics": f"{MAIN} [data-testid='stMetric']",
            "table": TABLE,
            "map": DECK,
            "chart": CHART,
            "form": SAVE_BUTTON,
        }[self.kind]
        return {
            "selector": selector,
            "count": 5 if self.kind == "metrics" else 1,
            "drawn": self.kind == "map",
        }


def floor_for(target: Target) -> Floor:
    s = target.shape
    if target.kind == "table":
        return Floor(f"table {s['rows']}×{s['cols']}", "table", {"rows": s["rows"], "cols": s["cols"]})
    if target.kind == "map":
        n = max(1, s.get("features", 0))
        return Floor(f"map {n:,} points {target.height} px", "map", {"n": n, "height": target.height})
    if target.kind == "form":
        inputs, areas = s.get("inputs", 6), s.get("areas", 0)
        return Floor(f"form {inputs}+{areas} fields", "form", {"inputs": inputs, "areas": areas})
    return Floor(target.kind, target.kind, {})


# -- the servers ------------------------------------------------------------------------------


def start_floor(data: Path, outlines: Path, replays: Path, *, stock: bool = False) -> tuple[subprocess.Popen, str]:
    """bench/floor/app.py, served as the app is (st.App: bench/floor/serve.py, which answers
    the replays' map data from ``replays``), with the app server's options (load.start_server's),
    from the same folder (so the same .streamlit/config.toml: theme, static serving), its
    connections sending at once as the app's do (routes/nodelay.py); ``stock``: as Streamlit
    serves it, without."""
    settings = {
        "BENCH_FLOOR_DATA": str(data),
        "BENCH_FLOOR_OUTLINES": str(outlines),
        "BENCH_FLOOR_REPLAY": str(replays),
    }
    return start_streamlit(FLOOR_SERVER, settings | ({} if stock else {"BENCH_FLOOR_NODELAY": "1"}))


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def floor_data(db, target: Path) -> None:
    """The rows the floor draws: institutions as the directory lists them (text columns first,
    lists joined), with their coordinates last for the map."""
    db.query(
        """SELECT name, name_latin, city, network, array_to_string(levels, ', ') AS levels,
                  array_to_string(themes, ', ') AS themes, status, year_joined, ownership, pupils,
                  latitude, longitude
           FROM institutions ORDER BY hash(id) LIMIT 20000"""
    ).write_parquet(target)


def browser_cpu(exclude: set[int]) -> float:
    """CPU-seconds used so far by this process's descendants (the Playwright driver and
    Chromium's processes) other than ``exclude`` (the servers)."""
    children: dict[int, list[tuple[int, list[str]]]] = defaultdict(list)
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        children[int(fields[1])].append((int(stat.parent.name), fields))
    total, stack = 0, [os.getpid()]
    while stack:
        for pid, fields in children.get(stack.pop(), []):
            if pid not in exclude:
                total += int(fields[11]) + int(fields[12])
                stack.append(pid)
    return total / CLK


# -- one page load ----------------------------------------------------------------------------


class Traffic:
    """What a page received, from Chromium's DevTools protocol: the bytes of every response
    (encodedDataLength: on the wire, headers included) and every websocket frame, kept raw and
    parsed as Streamlit's ForwardMsg afterwards (not while the page is being timed)."""

    def __init__(self, context, page) -> None:
        self.cdp = context.new_cdp_session(page)
        self.urls: dict[str, str] = {}
        self.http: list[tuple[str, int]] = []
        self.frames: list[tuple[float, str]] = []
        self.sent = 0
        self.start: float | None = None
        self.ws_at: float | None = None
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.on("Network.loadingFinished", self._finished)
        self.cdp.on("Network.webSocketWillSendHandshakeRequest", self._handshake)
        self.cdp.on("Network.webSocketFrameReceived", self._frame)
        self.cdp.on("Network.webSocketFrameSent", self._sent)
        self.cdp.send("Network.enable")

    def _request(self, event: dict) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]
        if event.get("type") == "Document" and self.start is None:
            self.start = event["timestamp"]

    def _finished(self, event: dict) -> None:
        self.http.append((self.urls.get(event["requestId"], ""), int(event.get("encodedDataLength", 0))))

    def _handshake(self, event: dict) -> None:
        if self.ws_at is None:
            self.ws_at = event["timestamp"]

    def _frame(self, event: dict) -> None:
        response = event["response"]
        if response.get("opcode") == 2:
            self.frames.append((event["timestamp"], response["payloadData"]))

    def _sent(self, event: dict) -> None:
        self.sent += 1

    def mark(self) -> tuple[int, int, int]:
        return len(self.http), len(self.frames), self.sent

    def recording(self) -> tuple[list[bytes], dict]:
        """What the replay floor sends again: the menu and the deltas received so far, and the
        page's title and icon."""
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        kept, config = [], {}
        for _, payload in self.frames:
            data = base64.b64decode(payload)
            msg = ForwardMsg()
            msg.ParseFromString(data)
            kind = msg.WhichOneof("type")
            if kind in ("delta", "navigation"):
                kept.append(data)
            elif kind == "page_config_changed":
                config = {"page_title": msg.page_config_changed.title, "page_icon": msg.page_config_changed.favicon}
        return kept, config

    def summary(self, since: tuple[int, int, int] = (0, 0, 0)) -> dict:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        kinds = Counter()
        bytes_by = Counter()
        for url, size in self.http[since[0] :]:
            path = urlparse(url).path
            kind = (
                "map schools"
                if SCHOOLS.search(path)
                else "map outlines"
                if MAP_DATA.search(path)
                else "static"
                if "/static/" in path
                else "other"
            )
            bytes_by[kind] += size
        ws_bytes, finished = 0, []
        for at, payload in self.frames[since[1] :]:
            data = base64.b64decode(payload)
            ws_bytes += len(data)
            msg = ForwardMsg()
            try:
                msg.ParseFromString(data)
            except Exception:  # noqa: BLE001 - counted, not fatal
                kinds["unparsed"] += 1
                continue
            kind = msg.WhichOneof("type") or "none"
            kinds[kind] += 1
            if kind == "script_finished":
                status = ForwardMsg.ScriptFinishedStatus.Name(msg.script_finished)
                kinds[status] += 1
                finished.append(at)

        def ms(at: float | None) -> float | None:
            return None if at is None or self.start is None else round((at - self.start) * 1000)

        runs = kinds["FINISHED_SUCCESSFULLY"] + kinds["FINISHED_EARLY_FOR_RERUN"]
        return {
            "http_bytes": dict(bytes_by),
            "http_total": sum(bytes_by.values()),
            "requests": len(self.http) - since[0],
            "ws_bytes": ws_bytes,
            "ws_frames": len(self.frames) - since[1],
            "ws_sent": self.sent - since[2],
            "deltas": kinds["delta"],
            "script_runs": runs,
            "runs_cut_short": kinds["FINISHED_EARLY_FOR_RERUN"],
            "fragment_runs": kinds["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"],
            "messages": {k: v for k, v in kinds.items() if not k.startswith("FINISHED")},
            "websocket_ms": ms(self.ws_at) if since == (0, 0, 0) else None,
            "first_run_done_ms": ms(finished[0]) if finished and since == (0, 0, 0) else None,
            "last_run_done_ms": ms(finished[-1]) if finished and since == (0, 0, 0) else None,
        }


def settled(page) -> float:
    """Wait until the readiness test has held for QUIET_MS (and a map drew nothing more); the ms
    from the start (the navigation's, or the press's) to the moment it became true (a map: its
    last draw)."""
    page.wait_for_function(
        "q => { const B = window.__bench; return !!B && B.since !== null && performance.now() - B.at() >= q; }",
        arg=QUIET_MS,
        polling=100,
        timeout=TIMEOUT_MS,
    )
    return round(page.evaluate("() => window.__bench.at() - (window.__bench.armed || 0)"), 1)


def arm(page, ready: dict) -> None:
    """A new readiness test for an interaction; its clock starts at the next press."""
    page.evaluate(
        "c => { const B = window.__bench; c.dataAfter = B.data.done; c.callsAfter = B.gl.calls;"
        " B.cfg = c; B.since = null; B.armed = 0; }",
        ready,
    )


def _sidebar_button(page, name):
    return page.locator("[data-testid='stSidebar']").get_by_role("button", name=name)


def act_facet(page) -> None:
    pill = _sidebar_button(page, re.compile(r"^Education for Sustainable Development")).first
    pill.wait_for()
    arm(page, {"selector": TABLE, "url": "theme=esd"})
    pill.click()


def act_facet_floor(page) -> None:
    pill = page.locator("[data-testid='stSidebar']").get_by_role("button", name="b", exact=True)
    pill.wait_for()
    arm(page, {"selector": TABLE, "text": "filter: b"})
    pill.click()


def act_tab(page) -> None:
    tab = page.get_by_role("tab", name="Gaps", exact=True)
    arm(page, {"selector": TAB_TABLE, "url": "tab=gaps"})
    tab.click()


def act_tab_floor(page) -> None:
    tab = page.get_by_role("tab", name="Gaps", exact=True)
    arm(page, {"selector": TAB_TABLE})
    tab.click()


def act_zoom(page) -> None:
    """Two notches of the wheel over the map's centre (about two zoom levels closer): timed
    until any data requests they caused (tiles) have arrived and the map's last draw. The
    floor's map is zoomed the same way: its points need no request."""
    box = page.locator(DECK).first.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    arm(page, {"selector": DECK, "drawn": True, "settled": True})
    for _ in range(2):
        page.mouse.wheel(0, -300)
        page.wait_for_timeout(100)


def act_save(page) -> None:
    box = page.get_by_role("textbox", name="Description", exact=True)
    box.fill(f"Described by the page-speed benchmark at {time.time():.3f}.")
    arm(page, {"selector": SAVE_BUTTON, "text": "Saved. Changed:"})
    page.get_by_role("button", name="Save", exact=True).first.click()


def act_save_floor(page) -> None:
    name = "Text 1" if page.get_by_role("textbox", name="Text 1").count() else "Field 1"
    page.get_by_role("textbox", name=name).fill(f"Typed at {time.time():.3f}.")
    arm(page, {"selector": SAVE_BUTTON, "text": "Saved. Changed:"})
    page.get_by_role("button", name="Save", exact=True).click()


WRITES = {"save"}  # interactions that write to the database
INTERACTIONS: dict[str, tuple[str, Callable, Callable]] = {
    # key: (label, the app's action, the floor's action)
    "facet": ("directory: a theme pill clicked, until the table is drawn again", act_facet, act_facet_floor),
    "tab": ("dashboard: the Gaps tab opened, until its first table is drawn", act_tab, act_tab_floor),
    "zoom": ("map: two notches of the wheel, until its data (if any) arrived and it was drawn", act_zoom, act_zoom),
    "save": ("my network: the description saved, until “Saved.” shows", act_save, act_save_floor),
}
FLOOR_INTERACTIONS = {
    "table": "the filter pills: another slice of the same rows",
    "chart": "its second tab, holding a table",
    "map": "the same two notches of the wheel over its points (no rerun, no request)",
    "form": "the Save button, a success message under the form",
}


class Bench:
    def __init__(self, browser, app: str, floor: str, app_pid: int, floor_pid: int) -> None:
        self.browser, self.app, self.floor = browser, app, floor
        self.app_pid, self.floor_pid = app_pid, floor_pid
        self.state: dict | None = None
        self.errors: list[str] = []

    def _context(self, cfg: dict, signed_in: bool = False):
        context = self.browser.new_context(viewport=VIEWPORT, storage_state=self.state if signed_in else None)
        context.add_init_script(INIT.replace("__CFG__", json.dumps(cfg)))
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        where = urlparse(self.app).netloc
        page.on("pageerror", lambda exc: self.errors.append(f"javascript: {exc}"))

        def response(r) -> None:
            if r.status >= 400:
                self.errors.append(f"{r.status} {r.url.replace(where, 'app')}")

        page.on("response", response)
        return context, page

    def visit(
        self,
        path: str,
        cfg: dict,
        *,
        floor: bool = False,
        signed_in: bool = False,
        profile: bool = False,
        shape: bool = False,
        act: Callable | None = None,
        record: Path | None = None,
    ) -> dict:
        """One load in a fresh context, then (``act``) one interaction; None where it failed.
        ``record`` (with ``profile``): the load recorded there for its replay floor."""
        base, pid = (self.floor, self.floor_pid) if floor else (self.app, self.app_pid)
        context, page = self._context(cfg, signed_in)
        out: dict = {"ms": None}
        try:
            traffic = Traffic(context, page) if profile else None
            tiles = _tiles(page) if shape else {}
            fetched = _fetched(page) if record else {}
            servers = {self.app_pid, self.floor_pid}
            cpu, bcpu = cpu_seconds(pid), browser_cpu(servers)
            page.goto(base + path, wait_until="commit")
            out["ms"] = settled(page)
            out["server_cpu_ms"] = round((cpu_seconds(pid) - cpu) * 1000)
            out["browser_cpu_ms"] = round((browser_cpu(servers) - bcpu) * 1000)
            out["data_version"] = page.evaluate(
                "() => ((document.querySelector(\"[data-testid='stMain']\") || {}).textContent || '')"
                ".match(/data version (\\d+)/)?.[1] || null"
            )
            if page.locator("[data-testid='stException']").count():
                self.errors.append(f"app exception on {path}")
            if traffic:
                out["traffic"] = (
                    traffic.summary()
                    | {"content_ms": out["ms"]}
                    | page.evaluate(
                        "() => { const d = window.__bench.data; return d.first === undefined ? {} :"
                        " {map_data_first_ms: Math.round(d.first), map_data_last_ms: Math.round(d.last)}; }"
                    )
                )
            if shape:
                out["shape"] = probe(page) | {"requests": len(tiles), "features": sum(tiles.values())}
            if record and traffic:
                messages, config = traffic.recording()
                replay.write(record, messages, config, fetched)
            if act:
                mark = traffic.mark() if traffic else None
                try:
                    cpu = cpu_seconds(pid)
                    act(page)
                    out["interaction_ms"] = settled(page)
                    out["interaction_server_cpu_ms"] = round((cpu_seconds(pid) - cpu) * 1000)
                    if traffic:
                        out["interaction_traffic"] = traffic.summary(mark)
                except Exception as exc:  # noqa: BLE001 - a failed sample is reported, not fatal
                    out["interaction_ms"] = None
                    self.errors.append(f"interaction on {path}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
                    _log(self.errors[-1])
        except Exception as exc:  # noqa: BLE001
            self.errors.append(
                f"{'floor' if floor else 'app'} {path}: {type(exc).__name__}: {str(exc).splitlines()[0]}"
            )
        finally:
            context.close()
        _log(
            f"{'floor' if floor else 'app'} {path}: {out['ms']} ms"
            + (f", then {out.get('interaction_ms')} ms" if act else "")
        )
        return out

    def login(self, *, profile: bool = False) -> dict:
        """coord.fra logs in from the home page's side panel; timed from the press on "Log in"
        until To do is on screen. Keeps the session's cookie for the signed-in pages."""
        # The login box (its form is drawn once it is opened).
        cfg = {"selector": "[data-testid='stSidebar'] [data-testid='stExpander']"}
        context, page = self._context(cfg)
        out: dict = {"interaction_ms": None}
        try:
            traffic = Traffic(context, page) if profile else None
            page.goto(self.app + "/", wait_until="commit")
            settled(page)
            page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).click()
            page.get_by_role("textbox", name="User name").fill(USER)
            page.get_by_role("textbox", name="Password").fill(demo.DEMO_PASSWORDS["coordinator"])
            mark = traffic.mark() if traffic else None
            arm(page, {"selector": H1, "url": "/todo", "text": "What waits for you"})
            cpu = cpu_seconds(self.app_pid)
            page.get_by_role("button", name="Log in", exact=True).click()
            out["interaction_ms"] = settled(page)
            out["interaction_server_cpu_ms"] = round((cpu_seconds(self.app_pid) - cpu) * 1000)
            if traffic:
                out["interaction_traffic"] = traffic.summary(mark)
            for _ in range(50):  # the cookie component writes the cookie just after that run
                if any(c["name"] == "aspnet_atlas_session" for c in context.cookies()):
                    break
                page.wait_for_timeout(200)
            if self.state is None:
                self.state = context.storage_state()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"login: {type(exc).__name__}: {str(exc).splitlines()[0]}")
        finally:
            context.close()
        _log(f"login: {out['interaction_ms']} ms")
        return out


def _log(text: str) -> None:
    print(f"  {text}", file=sys.stderr, flush=True)


def _tiles(page) -> dict[str, int]:
    """The map's schools as they arrive (tiles, or /points.json by colour), with how many each
    answer holds: what the map draws."""
    seen: dict[str, int] = {}

    def response(r) -> None:
        if SCHOOLS.search(urlparse(r.url).path) and r.ok:
            with contextlib.suppress(Exception):  # a tile the map cancelled
                body = r.json()
                seen[r.url] = len(body) if isinstance(body, list) else len(body.get("features", []))

    page.on("response", response)
    return seen


def _fetched(page) -> dict[str, dict]:
    """The answers a page fetched beside its messages (FETCHED), by address, for its replay."""
    got: dict[str, dict] = {}

    def response(r) -> None:
        where = urlparse(r.url)
        if FETCHED.search(where.path) and r.ok:
            with contextlib.suppress(Exception):  # an answer the map cancelled
                address = where.path + (f"?{where.query}" if where.query else "")
                got[address] = {
                    "type": r.headers.get("content-type", "application/json"),
                    "body": base64.b64encode(r.body()).decode(),
                }

    page.on("response", response)
    return got


def probe(page) -> dict:
    """The content's shape: the first table's rows and columns, the visible form fields."""
    return page.evaluate(
        """() => {
        const grid = document.querySelector("[data-testid='stMain'] [data-testid='stDataFrame'] table[aria-rowcount]");
        const shown = (sel) => Array.from(document.querySelectorAll(sel)).filter(
            (el) => el.getBoundingClientRect().height > 0).length;
        return {
            rows: grid ? Number(grid.getAttribute("aria-rowcount")) - 1 : 0,
            cols: grid ? Number(grid.getAttribute("aria-colcount")) : 0,
            inputs: shown("[data-testid='stMain'] [data-testid='stTextInput']"),
            areas: shown("[data-testid='stMain'] [data-testid='stTextArea']"),
        };
    }"""
    )


# -- the run ----------------------------------------------------------------------------------


def _stats(samples: list) -> dict | None:
    got = [s for s in samples if s is not None]
    if not got:
        return None
    return {**percentiles(got), "n": len(got), "failed": len(samples) - len(got), "samples": got}


def _median(values: list) -> float | None:
    got = [v for v in values if v is not None]
    return round(statistics.median(got)) if got else None


def measure(size: int, loads: int = LOADS, only: list[str] | None = None) -> dict:
    started = time.perf_counter()
    load_before = os.getloadavg()
    path = database(size)
    with tempfile.TemporaryDirectory(prefix="aspnet-pages-") as tmp:
        copy = Path(tmp) / "aspnet.duckdb"
        shutil.copy(path, copy)
        data = Path(tmp) / "floor.parquet"
        with open_database(path, read_only=True) as db:
            floor_data(db, data)
            institution = db.scalar(
                "SELECT id FROM institutions WHERE status = 'member' AND network = 'FRA' ORDER BY hash(id) LIMIT 1"
            )
        servers: list[subprocess.Popen] = []  # every server started, stopped whatever happens
        try:
            app_proc, app = start_server(copy)
            servers.append(app_proc)
            # The land every map draws, as the app sends it, for the floor's diagnostic map.
            outlines = Path(tmp) / "outlines.json"
            with urllib.request.urlopen(app + "/outlines.json", timeout=60) as response:
                outlines.write_bytes(response.read())
            replays = Path(tmp) / "replays"
            replays.mkdir()
            floor_proc, floor = start_floor(data, outlines, replays)
            servers.append(floor_proc)
            stock_proc, stock = start_floor(data, outlines, replays, stock=True)
            servers.append(stock_proc)
            result = _run(
                app, floor, app_proc.pid, floor_proc.pid, institution, loads, only, (stock, stock_proc.pid), replays
            )
        finally:
            for proc in servers:
                stop(proc)
    return {
        "institutions": size,
        "loads": loads,
        "quiet_ms": QUIET_MS,
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "wall_s": round(time.perf_counter() - started),
        **result,
    }


def _run(
    app: str,
    floor: str,
    app_pid: int,
    floor_pid: int,
    institution: int,
    loads: int,
    only: list[str] | None,
    stock: tuple[str, int],
    replays: Path,
) -> dict:
    from playwright.sync_api import sync_playwright

    pages = [t for t in targets(institution) if not only or any(t.label.startswith(o) for o in only)]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        bench = Bench(browser, app, floor, app_pid, floor_pid)
        # The same floor pages as Streamlit serves them (no TCP_NODELAY): loads only, for comparison.
        stock_bench = Bench(browser, stock[0], stock[0], stock[1], stock[1])
        bench.login()  # warm-up, and the cookie of the signed-in pages
        if bench.state is None:
            raise RuntimeError("the coordinator could not log in: " + "; ".join(bench.errors))
        act_of = {key: app_act for key, (_, app_act, _) in INTERACTIONS.items()}

        # Interactions that write come last (see below): every write bumps the data version, and
        # with it every cached read of every session is dropped (ui/data.versioned).
        reads = {key: a for key, a in act_of.items() if key not in WRITES}

        # Warm-up: each page once (its caches, its shape), then each floor once. The first visit to
        # the board marks its messages read (a write): the instrumented loads warm up again after.
        for t in pages:
            out = bench.visit(t.path, t.ready(), signed_in=t.signed_in, shape=True, act=reads.get(t.interaction))
            t.shape = out.get("shape") or {}
            _log(f"warm-up {t.label}: {out['ms']} ms, shape {t.shape}")
        floors: dict[str, Floor] = {}
        floor_acts: dict[str, Callable] = {}
        for t in pages:
            f = floor_for(t)
            t.floor = f.key
            floors.setdefault(f.key, f)
            if t.interaction:
                floor_acts[f.key] = INTERACTIONS[t.interaction][2]
        login_floor = Floor("form 2+0 fields", "form", {"inputs": 2, "areas": 0})
        floors.setdefault(login_floor.key, login_floor)
        floor_acts[login_floor.key] = act_save_floor
        # Not a floor: the world map's floor with the app's country outlines drawn under its
        # points, to tell the land's share of a map's time from the rest.
        world = next((t for t in pages if t.label == "map"), None)
        diagnostics = {}
        if world is not None:
            base = floors[world.floor]
            land = Floor(base.key + " + land outlines", "map", {**base.params, "land": 1})
            floors[land.key] = land
            diagnostics[land.key] = "the map's floor with the app's country outlines under the points (inline)"
        for f in floors.values():
            bench.visit(f.path, f.ready(), floor=True, act=floor_acts.get(f.key))
            stock_bench.visit(f.path, f.ready(), floor=True)

        # One instrumented load of each (bytes, frames, runs), untimed; the app's pages recorded in
        # it for their replay floors (bench/floor/replay.py).
        profiles = {}
        for t in pages:
            slug = re.sub(r"\W+", "-", t.label).strip("-")
            profiles[t.label] = bench.visit(
                t.path,
                t.ready(),
                signed_in=t.signed_in,
                profile=True,
                act=reads.get(t.interaction),
                record=replays / slug,
            )
            t.replay = f"replay: {t.label}"
            floors[t.replay] = Floor(t.replay, "replay", {"page": slug}, cfg=t.ready())
            bench.visit(floors[t.replay].path, floors[t.replay].ready(), floor=True)  # its warm-up
        floor_profiles = {
            f.key: bench.visit(f.path, f.ready(), floor=True, profile=True, act=floor_acts.get(f.key))
            for f in floors.values()
        }

        # The timed loads, round after round: nothing written meanwhile.
        app_samples: dict[str, list[dict]] = defaultdict(list)
        floor_samples: dict[str, list[dict]] = defaultdict(list)
        stock_samples: dict[str, list[dict]] = defaultdict(list)
        for round_ in range(loads):
            _log(f"round {round_ + 1} of {loads}")
            for t in pages:
                app_samples[t.label].append(
                    bench.visit(t.path, t.ready(), signed_in=t.signed_in, act=reads.get(t.interaction))
                )
            for f in floors.values():
                floor_samples[f.key].append(bench.visit(f.path, f.ready(), floor=True, act=floor_acts.get(f.key)))
                if not f.is_replay:
                    stock_samples[f.key].append(stock_bench.visit(f.path, f.ready(), floor=True))
        versions = sorted({s["data_version"] for v in app_samples.values() for s in v if s.get("data_version")})

        # Then the writes: a save on My network (the page opened just before it, right after the
        # previous write, is timed too: its caches were dropped) and the login, in turn.
        writes = [t for t in pages if t.interaction in WRITES]
        for t in writes:
            bench.visit(t.path, t.ready(), signed_in=t.signed_in, act=act_of[t.interaction])
            profiles[t.label + " (write)"] = bench.visit(
                t.path, t.ready(), signed_in=t.signed_in, profile=True, act=act_of[t.interaction]
            )
        profiles["login"] = bench.login(profile=True)
        for round_ in range(loads):
            _log(f"writes, round {round_ + 1} of {loads}")
            for t in writes:
                app_samples[t.label + " (write)"].append(
                    bench.visit(t.path, t.ready(), signed_in=t.signed_in, act=act_of[t.interaction])
                )
            app_samples["login"].append(bench.login())
        browser.close()

    def summary(samples: list[dict], prof: dict) -> dict:
        return {
            "time": _stats([s["ms"] for s in samples]),
            "server_cpu_ms": _median([s.get("server_cpu_ms") for s in samples]),
            "browser_cpu_ms": _median([s.get("browser_cpu_ms") for s in samples]),
            "traffic": prof.get("traffic"),
        }

    def interaction(samples: list[dict], prof: dict) -> dict:
        return {
            "time": _stats([s.get("interaction_ms") for s in samples]),
            "server_cpu_ms": _median([s.get("interaction_server_cpu_ms") for s in samples]),
            "traffic": prof.get("interaction_traffic"),
        }

    out_pages = {}
    out_interactions = {}
    for t in pages:
        out_pages[t.label] = {
            "path": t.path,
            "kind": t.kind,
            "content": t.selector + (" + the map's data requests finished" if t.data else ""),
            "shape": t.shape,
            "floor": t.floor,
            "replay": t.replay,
            **summary(app_samples[t.label], profiles[t.label]),
        }
        key = t.label + (" (write)" if t.interaction in WRITES else "")
        if t.interaction in WRITES:
            out_pages[t.label]["after_a_write"] = _stats([s["ms"] for s in app_samples[key]])
        if t.interaction:
            label = INTERACTIONS[t.interaction][0]
            out_interactions[label] = {
                "page": t.label,
                "floor": t.floor,
                "floor_action": FLOOR_INTERACTIONS[floors[t.floor].kind],
                **interaction(app_samples[key], profiles[key]),
            }
    out_interactions["coordinator: log in, until To do is on screen"] = {
        "page": "home",
        "floor": login_floor.key,
        "floor_action": FLOOR_INTERACTIONS["form"],
        **interaction(app_samples["login"], profiles["login"]),
    }
    out_floors = {}
    for f in floors.values():
        out_floors[f.key] = {
            "path": f.path,
            "kind": f.kind,
            **summary(floor_samples[f.key], floor_profiles[f.key]),
            "interaction": interaction(floor_samples[f.key], floor_profiles[f.key]) if f.key in floor_acts else None,
            "diagnostic": diagnostics.get(f.key),
            "stock": {
                "time": _stats([x["ms"] for x in stock_samples[f.key]]),
                "server_cpu_ms": _median([x.get("server_cpu_ms") for x in stock_samples[f.key]]),
            },
        }
    return {
        "user": USER,
        "signed_in_by": "storage_state: the cookie of one login, in each fresh context",
        "pages": out_pages,
        "interactions": out_interactions,
        "floors": out_floors,
        "data_versions_during_timed_loads": versions,
        "errors": sorted(set(bench.errors + stock_bench.errors)),
        "error_count": len(bench.errors) + len(stock_bench.errors),
    }


# -- the report -------------------------------------------------------------------------------


def _s(ms: float | None) -> str:
    return "—" if ms is None else f"{ms / 1000:.2f}"


def _time(m: dict | None) -> str:
    if not m or not m.get("time"):
        return "failed"
    t = m["time"]
    failed = f" ({t['failed']} failed)" if t.get("failed") else ""
    return f"{_s(t['p50_ms'])} / {_s(t['p95_ms'])}{failed}"


def _ratio(app: dict | None, floor: dict | None) -> str:
    if not app or not floor or not app.get("time") or not floor.get("time"):
        return "—"
    return f"{app['time']['p50_ms'] / floor['time']['p50_ms']:.2f}"


def _cpu(m: dict | None) -> str:
    return "—" if not m or m.get("server_cpu_ms") is None else f"{m['server_cpu_ms']}"


def _ms(ms: float | None) -> str:
    return "—" if ms is None else f"{ms:.0f}"


def _kb(n: int | None) -> str:
    return "—" if n is None else f"{n / 1000:,.0f}"


def _bytes(traffic: dict | None) -> str:
    if not traffic:
        return "—"
    http = traffic["http_bytes"]
    parts = [f"{what} {_kb(http[what])}" for what in ("map schools", "map outlines") if http.get(what)]
    data = f" ({', '.join(parts)})" if parts else ""
    return f"{_kb(traffic['http_total'])}{data} / {_kb(traffic['ws_bytes'])}"


def _runs(traffic: dict | None) -> str:
    if not traffic:
        return "—"
    cut = f" ({traffic['runs_cut_short']} cut short)" if traffic["runs_cut_short"] else ""
    return f"{traffic['script_runs']}{cut}"


def markdown(results: list[dict]) -> str:
    lines = ["## Page speed in headless Chromium, beside a bare Streamlit page", ""]
    for r in results:
        floors = r["floors"]
        lines += [
            f"### {r['institutions']:,} institutions",
            "",
            f"Time to content in seconds, median / p95 of {r['loads']} loads (p95 of so few: the slowest), each "
            "in a fresh browser context after one warm-up load per page: from the navigation's start until the "
            f"page's content is visible and Streamlit's script run has finished, held for {r['quiet_ms']} ms (a "
            "map: once its data requests have arrived and its last WebGL draw call was made). The floor "
            "(bench/floor/app.py) is a bare Streamlit page of the same kind of content, served by a second "
            "server with the same options, its connections sending at once as the app's do (TCP_NODELAY, "
            "routes/nodelay.py), and timed the same way in the same rounds; ratio = app median ÷ floor median. "
            "Stock floor: the same floor page served by a third server as Streamlit ships it (its "
            "connections without TCP_NODELAY: each small response waits for the browser's delayed "
            "acknowledgement, up to 40 ms), loads only. Replay: the page itself drawn again by a bare "
            "Streamlit script (bench/floor/replay.py) from what the app sent for it in the instrumented load "
            "(the same menu, the same elements in the same order, its maps' data answered from that load's "
            "recording), served by the floor's server and timed by the page's own test: what Streamlit "
            "needs to show exactly this page, with none of the app's code running (its login check, "
            "reads, translations, reruns); its ratio is the app's own share. Bytes of one instrumented load, kB: "
            "HTTP on the wire (Streamlit's own scripts included: every context starts with an empty cache) / "
            f"websocket frames received. Script runs: Streamlit runs of the script for that load. Coordinator "
            f"pages: {r['user']}, {r['signed_in_by']}. Machine: {r['cpus']} CPUs, load average "
            f"{r['load_average_before'][0]:g} before and {r['load_average_after'][0]:g} after (1-minute); "
            f"the run took {r['wall_s']:,} s.",
            "",
            "| page | app median / p95 | floor (kind) | floor median / p95 | ratio | stock floor median / p95 "
            "| ratio to the stock floor | replay median / p95 | ratio to the replay | kB HTTP / websocket "
            "| script runs | server CPU ms |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for label, m in r["pages"].items():
            f = floors.get(m["floor"])
            stock = (f or {}).get("stock")
            again = floors.get(m.get("replay", ""))
            lines.append(
                f"| {label} | {_time(m)} | {m['floor']} | {_time(f)} | {_ratio(m, f)} | {_time(stock)} | "
                f"{_ratio(m, stock)} | {_time(again)} | {_ratio(m, again)} | {_bytes(m['traffic'])} | "
                f"{_runs(m['traffic'])} | "
                f"{m['server_cpu_ms'] if m['server_cpu_ms'] is not None else '—'} |"
            )
        versions = r.get("data_versions_during_timed_loads") or []
        lines += [
            "",
            f"Data version read on the pages during the timed loads: {', '.join(map(str, versions)) or '—'}"
            + (" (unchanged: no write dropped the caches between loads)." if len(versions) == 1 else "."),
        ]
        for label, m in r["pages"].items():
            if m.get("after_a_write"):
                lines.append(
                    f"{label} opened right after a write (a save or a login: every write bumps the data version, "
                    f"so every cached read is dropped): {_time({'time': m['after_a_write']})} s, against "
                    f"{_time(m)} s warm."
                )
        lines += [
            "",
            "Interactions: from the press (pointerdown, or the first wheel event, in the page) until the new "
            "content is on screen and the run finished; the floor's, a bare widget on the floor page that "
            "reruns it and draws the same kind of content again. The writes (the save, the login) are timed "
            "after all the page loads, in rounds of their own.",
            "",
            "| interaction | app median / p95 | floor: what | floor median / p95 | ratio | script runs | "
            "kB HTTP / websocket | server CPU ms, app / floor |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for label, m in r["interactions"].items():
            f = (floors.get(m["floor"]) or {}).get("interaction")
            traffic = m.get("traffic")
            lines.append(
                f"| {label} | {_time(m)} | {m['floor']}: {m['floor_action']} | {_time(f)} | {_ratio(m, f)} | "
                f"{_runs(traffic)} | {_bytes(traffic)} | {_cpu(m)} / {_cpu(f)} |"
            )
        lines += [
            "",
            "Where the time goes, in the instrumented load (ms from the navigation's start): the websocket "
            "opened (the HTML and Streamlit's scripts loaded and started), the first and the last script run "
            "finished (its messages received), a map's data requests (first sent, last arrived), content on "
            "screen (that load; the median of the timed loads); CPU-ms of the server and of the browser "
            "(Chromium's processes and Playwright's driver) per load, medians of the timed loads; requests.",
            "",
            "| page | websocket | first run done | last run done | map data | content | content, median | "
            "server CPU | browser CPU | requests |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        rows = list(r["pages"].items()) + [
            (f"floor: {k}" + (" (diagnostic)" if v.get("diagnostic") else ""), v) for k, v in floors.items()
        ]
        for label, m in rows:
            t = m.get("traffic") or {}
            content = m["time"]["p50_ms"] if m.get("time") else None
            data = f"{t['map_data_first_ms']} → {t['map_data_last_ms']}" if "map_data_first_ms" in t else "—"
            lines.append(
                f"| {label} | {t.get('websocket_ms', '—')} | {t.get('first_run_done_ms', '—')} | "
                f"{t.get('last_run_done_ms', '—')} | {data} | {_ms(t.get('content_ms'))} | {_ms(content)} | "
                f"{m.get('server_cpu_ms', '—')} | {m.get('browser_cpu_ms', '—')} | {t.get('requests', '—')} |"
            )
        for key, f in floors.items():
            if f.get("diagnostic"):
                lines += ["", f"Diagnostic, not a floor: {key}: {f['diagnostic']}, {_time(f)} s."]
        maps = [(label, m["shape"]) for label, m in r["pages"].items() if m["kind"] == "map"]
        if maps:
            lines += [
                "",
                "Maps: "
                + "; ".join(
                    f"{label}, {s.get('features', 0):,} schools drawn from {s.get('requests', 0)} requests"
                    for label, s in maps
                )
                + " (the floor draws as many points, inline, with no country outlines).",
            ]
        lines += [
            "",
            f"Errors: {r['error_count']}" + ("" if not r["errors"] else " (" + "; ".join(r["errors"][:8]) + ")") + ".",
            "",
        ]
    return "\n".join(lines)


def main() -> None:
    # A run stopped from outside still stops its servers (the finally blocks run).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if len(sys.argv) > 1 and sys.argv[1] == "--write":
        parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
        parser.add_argument("--write", action="store_true")
        parser.add_argument("sizes", nargs="*", default=["10000"])
        parser.add_argument("--loads", type=int, default=LOADS)
        args = parser.parse_args()
        sizes = [int(s) for part in args.sizes for s in part.split(",") if s]
        results = []
        for size in sizes:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "out.json"
                subprocess.run(
                    [sys.executable, __file__, str(size), str(out), "--loads", str(args.loads)], check=True, cwd=ROOT
                )
                results.append(json.loads(out.read_text(encoding="utf-8")))
        save_results("pages", results, markdown)
        print(markdown(results))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int)
    parser.add_argument("out", type=Path)
    parser.add_argument("--loads", type=int, default=LOADS)
    parser.add_argument("--only", help="comma-separated page labels (their beginnings), for a quick look")
    args = parser.parse_args()
    try:
        result = measure(args.size, args.loads, args.only.split(",") if args.only else None)
    except Exception:
        traceback.print_exc()
        raise
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
