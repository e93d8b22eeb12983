"""Accessibility: axe-core's WCAG 2.0 and 2.1 A/AA rules on every public page (at 1400 px, and
at 390 px for the pages people open on a phone), on the coordinators' pages, and in French.

A violation caused by the app's own markup, texts or theme fails the test, with the rule, the
page and the elements (selectors and HTML) it found. Violations in markup that Streamlit writes
and the app cannot change are listed in STREAMLIT_MARKUP, each excluded for one rule on the
elements one selector matches, never by turning a rule off.

axe-core comes from node_modules (package.json pins it; `make test` installs it with npm ci).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import pytest

from aspnet_data import demo

from ..conftest import ROOT
from .conftest import ARTIFACTS
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
DESKTOP = {"width": 1400, "height": 2000}
PHONE = {"width": 390, "height": 2000}


@dataclass(frozen=True)
class StreamlitMarkup:
    """A violation in markup Streamlit writes: excluded for ``rule`` on elements matching ``selector``."""

    rule: str
    selector: str
    why: str
    upstream: str


STREAMLIT_MARKUP = [
    StreamlitMarkup(
        "list",
        "ul[data-testid='stSidebarNavItems']",
        "st.navigation with sections: Streamlit's SidebarNav puts each section (a <div> holding the section's "
        "header and its <li> links) straight into the menu's <ul>. The app only names the pages and sections.",
        "https://github.com/streamlit/streamlit/issues/8399",
    ),
    StreamlitMarkup(
        "listitem",
        "ul[data-testid='stSidebarNavItems'] > div > li",
        "The same menu: each page's <li> sits in its section's <div>, not in a <ul>.",
        "https://github.com/streamlit/streamlit/issues/8399",
    ),
]


# The page's main content has loaded when its first heading is there; a page with a chart or a
# map also waits for it (axe checks what is drawn, and Streamlit adds the canvas late).
MAIN_HEADING = "[data-testid='stMain'] h1"
CHART = "[data-testid='stVegaLiteChart'] canvas, [data-testid='stVegaLiteChart'] svg"
MAP = "[data-testid='stDeckGlJsonChart'] canvas"


_SCAN = """async ([tags, exclusions]) => {
  const results = await axe.run(document, {runOnly: {type: "tag", values: tags}, resultTypes: ["violations"]});
  const excluded = (rule, target) => {
    if (target.length !== 1) return false;      // inside an iframe or a shadow root
    const element = document.querySelector(target[0]);
    return !!element && exclusions.some(e => e.rule === rule && element.matches(e.selector));
  };
  const used = new Set();
  const violations = results.violations.map(v => ({
    rule: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.filter(n => excluded(v.id, n.target) ? (used.add(v.id), false) : true)
                  .map(n => ({target: n.target.join(" >>> "), html: n.html, summary: n.failureSummary})),
  })).filter(v => v.nodes.length);
  return [violations, [...used]];
}"""


# Every script run of the page, counted in the browser: a scan that a rerun overlapped (a
# component reporting back, a live refresh) is redone,
# since Streamlit fades the elements of a running page and axe would measure faded text.
_RUNS = """
window.__runs = 0;
window.__quietSince = performance.now();
document.addEventListener("DOMContentLoaded", function watch() {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app) { setTimeout(watch, 20); return; }
  new MutationObserver(() => {
    if (app.getAttribute("data-test-script-state") === "running") window.__runs += 1;
    window.__quietSince = performance.now();
  }).observe(app, {attributes: true, attributeFilter: ["data-test-script-state"]});
});
"""
_SETTLED = """([heading, ready, quiet]) => {
  const app = document.querySelector("[data-testid='stApp']");
  return !!app && app.getAttribute("data-test-script-state") === "notRunning"
    && !document.querySelector("[data-testid='stStatusWidget'], [data-stale='true']")
    && !!document.querySelector(heading) && (!ready || !!document.querySelector(ready))
    && performance.now() - window.__quietSince > quiet;
}"""


def new_context(browser, viewport: dict):
    context = browser.new_context(viewport=viewport)
    context.add_init_script(_RUNS)
    return context


def settled(page, ready: str | None, quiet_ms: int = 400) -> None:
    """Like conftest's settle, but waits on Streamlit's own script state: the run is over and
    nothing has changed for ``quiet_ms``."""
    page.wait_for_function(_SETTLED, arg=[MAIN_HEADING, ready, quiet_ms], timeout=30_000, polling=100)


def scan(page, ready: str | None = None) -> tuple[list[dict], list[str]]:
    """axe's violations on ``page``, less those in STREAMLIT_MARKUP, from a scan no script run
    overlapped; and the rules of STREAMLIT_MARKUP that excluded something."""
    if not AXE.exists():
        raise RuntimeError(f"{AXE} is missing: run `make test` (it installs axe-core with npm ci)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(path=str(AXE))
    exclusions = [asdict(e) for e in STREAMLIT_MARKUP]
    for _ in range(5):
        settled(page, ready)
        runs = page.evaluate("window.__runs")
        violations, used = page.evaluate(_SCAN, [TAGS, exclusions])
        if page.evaluate("window.__runs") == runs and not page.evaluate(
            "() => !!document.querySelector(\"[data-stale='true']\")"
        ):
            return violations, used
    raise AssertionError(f"{page.url} kept rerunning: no scan could finish between two runs")


def report(found: dict[str, list[dict]]) -> str:
    lines = []
    for where, violations in found.items():
        for v in violations:
            lines.append(f"{where}: {v['rule']} ({v['impact']}): {v['help']}")
            for node in v["nodes"]:
                lines.append(f"    {node['target']}\n        {node['html'][:300]}")
                summary = " ".join(node["summary"].split())
                lines.append(f"        {summary[:400]}")
    return "\n".join(lines)


# axe passes a map (a canvas in a role="figure" box) and a chart that Vega names "Vega
# visualization": what a screen reader announces for them is checked here. Maps take the alt
# of st.pydeck_chart; the home page names its chart (a Vega description); the charts that
# ui/charts.py draws on the other pages keep Vega's name.
_UNNAMED_FIGURES = """(charts) => {
  const name = e => (e.getAttribute("aria-label") || "").trim();
  const maps = [...document.querySelectorAll("[data-testid='stDeckGlJsonChart']")].filter(e => !name(e));
  const vega = charts ? [...document.querySelectorAll("[data-testid='stVegaLiteChart']")]
    .filter(e => !name(e) || name(e) === "Vega visualization") : [];
  return [...maps, ...vega].map(e => ({target: e.getAttribute("data-testid"), html: e.outerHTML.slice(0, 200),
    summary: "Give it a text alternative: alt= for a map, a description for a chart"}));
}"""


def check(page, pages: list[tuple[str, str, str | None]], server: str, name: str) -> set[str]:
    """Scan each of ``pages`` (label, path, element to wait for) in turn; fail on any violation.
    Returns the rules of STREAMLIT_MARKUP that were needed."""
    found, needed = {}, set()
    for label, path, ready in pages:
        page.goto(server + path)
        violations, used = scan(page, ready)
        needed.update(used)
        unnamed = page.evaluate(_UNNAMED_FIGURES, path.split("?")[0] == "/")
        if unnamed:
            violations.append(
                {
                    "rule": "figure-name",
                    "impact": "serious",
                    "nodes": unnamed,
                    "help": "Maps and charts must have a name that says what they show",
                }
            )
        if violations:
            found[label] = violations
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    assert not found, (
        f"{sum(len(v['nodes']) for vs in found.values() for v in vs)} elements fail WCAG 2 A/AA "
        f"checks (axe-core, {name}):\n{report(found)}"
    )
    return needed


@pytest.fixture(scope="module")
def samples(db) -> dict[str, str]:
    """A member school with priority themes and its certificate number, for the profile pages."""
    school, number = db.rows(
        "SELECT i.id, c.number FROM institutions i JOIN certificates c ON c.institution_id = i.id "
        "WHERE i.network = 'FRA' AND i.status = 'member' AND len(i.themes) > 1 ORDER BY i.id LIMIT 1"
    )[0]
    return {"school": str(school), "certificate": number}


def public_pages(samples) -> list[tuple[str, str, str | None]]:
    return [
        ("home", "/", CHART),
        ("map", "/map", MAP),
        ("directory", "/directory", None),
        ("networks", "/networks", None),
        ("network", "/network?code=FRA", None),
        ("institution", f"/institution?id={samples['school']}", None),
        ("projects", "/projects", None),
        ("apply", "/apply", None),
        ("application status", "/application-status", None),
        ("dashboard", "/dashboard", CHART),
        ("brief", "/brief?code=FRA", None),
        ("certificate", f"/certificate?number={samples['certificate']}", None),
    ]


def test_public_pages_at_1400_px(server, browser, samples):
    context = new_context(browser, DESKTOP)
    needed = check(context.new_page(), public_pages(samples), server, "public-1400")
    context.close()
    # An exclusion that nothing needs any more (Streamlit fixed its markup) leaves the list.
    unused = {e.rule for e in STREAMLIT_MARKUP} - needed
    assert not unused, f"no page needed STREAMLIT_MARKUP's exclusions for {sorted(unused)}: remove them"


def test_pages_people_open_on_a_phone_at_390_px(server, browser, samples):
    context = new_context(browser, PHONE)
    pages = [p for p in public_pages(samples) if p[0] in ("home", "directory", "map", "apply")]
    check(context.new_page(), [(f"{label} (390 px)", path, ready) for label, path, ready in pages], server, "phone-390")
    context.close()


def test_public_pages_in_french(server, browser, samples):
    context = new_context(browser, DESKTOP)
    # French texts run longer (labels, buttons) and the profile's theme chips have other words.
    pages = [p for p in public_pages(samples) if p[0] in ("home", "directory", "institution", "apply")]
    check(
        context.new_page(),
        [(f"{label} (fr)", path + ("&" if "?" in path else "?") + "lang=fr", ready) for label, path, ready in pages],
        server,
        "public-fr",
    )
    context.close()


def test_coordinator_pages(server, browser, db):
    username = db.scalar(
        "SELECT username FROM users WHERE role = 'coordinator' AND network = 'FRA' ORDER BY username LIMIT 1"
    )
    context = new_context(browser, DESKTOP)
    page = context.new_page()
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    pages = [
        ("to do", "/todo", None),
        ("manage", "/manage", None),
        ("quality", "/quality", None),
        ("board", "/board", None),
        ("review", "/review", None),
    ]
    check(page, pages, server, "coordinator-1400")
    context.close()
