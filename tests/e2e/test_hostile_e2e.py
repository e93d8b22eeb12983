"""Hostile text written through every field a user can write, then viewed in real Chromium on
every page that shows it: nothing runs, no javascript:/data: link or injected element exists,
and the text reads exactly as typed.

The text is written through the data layer's public functions (the same validation and
storage the forms and the bulk upload use) into a private copy of the test network, before
a server of its own starts on it. Each payload sets ``window.__xss`` instead of alerting, so
a payload that ran is caught even where no dialog would show.
"""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import polars as pl
import pytest

from aspnet_data import accounts, board, bulk, editing, projects
from aspnet_data import applications as apps
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from .conftest import screenshot, serving, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e

B64 = "PHNjcmlwdD53aW5kb3cuX194c3M9NTwvc2NyaXB0Pg=="  # <script>window.__xss=5</script>
PAYLOADS = [
    "<script>window.__xss=1</script>",
    "<img src=x onerror=window.__xss=2>",
    "<svg onload=window.__xss=3>",
    "[click me](javascript:window.__xss=4)",
    f"[data link](data:text/html;base64,{B64})",
    ":red[spoofed] :material/warning: :streamlit: $x^2$ -> --",
    "&lt;b&gt;entity&amp;amp; &#60;i&#62;",
    "<a href=javascript:window.__xss=6>anchor</a>",
    "<iframe src=javascript:window.__xss=7></iframe>",
    "javascript:window.__xss=8",
]
ALL = "\n".join(PAYLOADS)
NAME = "Hostile <img src=x onerror=window.__xss=2> [click me](javascript:window.__xss=4) :red[spoofed]"
LATIN = "<script>window.__xss=1</script> <svg onload=window.__xss=3>"
CITY = "[d](data:text/html,<script>window.__xss=5</script>) &amp;"
# Passes the data layer's URL check (http, a dot, no space or angle bracket) and, before the
# link targets were encoded, closed its markdown link early to open a second one to data:.
WEBSITE = f"https://school.example/x)[Official](data:text/html;base64,{B64})"
TITLE = "Project <img src=x onerror=window.__xss=2> [join](data:text/html,x) :red[spoofed]"
DISPLAY = "Coordinator <svg onload=window.__xss=3> [me](data:text/html,x) :red[spoofed]"
HOSTILE_USER, HOSTILE_PASSWORD = "coord.hostile", "Hostile-e2e-password-1"
APPLICANT = "hostile.applicant@school.example"


def _seed(path: Path) -> dict:
    with open_database(path) as db:
        owner, network = db.rows(
            "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1"
        )[0]
        coordinator = accounts.get_user(db, owner).actor
        admin = accounts.get_user(db, "admin").actor
        accounts.create_user(
            db,
            admin,
            username=HOSTILE_USER,
            display_name=DISPLAY,
            role="coordinator",
            network=network,
            password=HOSTILE_PASSWORD,
        )
        lat, lon = db.rows(
            "SELECT latitude, longitude FROM institutions WHERE network = ? AND latitude IS NOT NULL "
            "ORDER BY id LIMIT 1",
            [network],
        )[0]
        institution = editing.create_institution(
            db,
            coordinator,
            network,
            {
                "name": NAME,
                "name_latin": LATIN,
                "city": CITY,
                "latitude": lat,
                "longitude": lon,
                "levels": ["primary"],
                "themes": ["esd", "gced"],
                "ownership": "public",
                "website": WEBSITE,
                "email": "head@school.example",
                "languages": ["fr"],
            },
        )
        record = editing.network_record(db, Actor("admin", "admin"), network)
        editing.update_network(
            db,
            coordinator,
            network,
            {
                "national_commission": " ".join(PAYLOADS[:3]),
                "coordinator_name": PAYLOADS[3] + " " + PAYLOADS[5],
                "description": ALL,
                "website": WEBSITE,
            },
            expected_version=record["version"],
        )
        application = apps.save(
            db,
            {
                "network": network,
                "institution_name": NAME,
                "city": CITY,
                "address": " ".join(PAYLOADS[:4]),
                "levels": ["primary"],
                "themes": ["esd", "heritage"],
                "theme_plans": {"esd": ALL, "heritage": ALL},
                "ownership": "public",
                "contact_name": PAYLOADS[4][:120],
                "contact_email": APPLICANT,
            },
            submit=True,
        )
        project = projects.create_project(db, coordinator, {"title": TITLE, "description": ALL, "themes": ["esd"]})
        projects.add_institution(db, coordinator, project, institution)
        channel = db.scalar("SELECT id FROM channels WHERE project_id = ?", [project])
        board.post(db, coordinator, channel, ALL)
        # A row added by a bulk upload: the file's text goes through bulk.read_file and bulk.plan.
        template = bulk.read_file(bulk.template(db, Actor("admin", "admin"), network, "csv"), "template.csv")
        row = dict.fromkeys(template.columns) | {
            "name": "Bulk " + PAYLOADS[2] + " " + PAYLOADS[4][:40],
            "city": "Bulk " + PAYLOADS[1],
            "levels": "primary",
            "themes": "esd",
            "ownership": "public",
        }
        buffer = io.BytesIO()
        pl.DataFrame([row], schema=dict.fromkeys(template.columns, pl.String)).write_csv(buffer)
        plan = bulk.plan(db, coordinator, network, bulk.read_file(buffer.getvalue(), "upload.csv"))
        assert plan.blocking == 0 and plan.added.height == 1, plan.errors
        bulk.apply(db, coordinator, network, plan)
        bulk_id = db.scalar("SELECT max(id) FROM institutions WHERE network = ? AND name LIKE 'Bulk %'", [network])
    return {
        "network": network,
        "institution": institution,
        "bulk": bulk_id,
        "project": project,
        "reference": application.record["reference"],
        "application": application.record["id"],
    }


@pytest.fixture(scope="module")
def hostile(demo_path, tmp_path_factory):
    """A server of its own over a copy of the test network seeded with hostile text."""
    path = tmp_path_factory.mktemp("hostile_e2e") / "aspnet.duckdb"
    shutil.copy(demo_path, path)
    seeded = _seed(path)
    with serving(path, "e2e-hostile-secret") as url:
        yield {"url": url, **seeded}


class Visit:
    """One browser context; every dialog that fires in it is recorded."""

    def __init__(self, browser, base: str) -> None:
        self.context = browser.new_context(viewport={"width": 1400, "height": 2200})
        self.page = self.context.new_page()
        self.base = base
        self.dialogs: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def open(self, path: str, wait_for: str) -> None:
        self.page.goto(self.base + path)
        self.page.get_by_text(wait_for).first.wait_for(timeout=30_000)
        settle(self.page)

    def check(self, *visible: str, where: str = "") -> str:
        """Nothing ran, nothing injected, and each of ``visible`` is shown as text."""
        state = self.page.evaluate("""() => ({
            xss: window.__xss === undefined ? null : window.__xss,
            hrefs: Array.from(document.querySelectorAll('a[href]')).map(a => a.getAttribute('href')),
            injected: Array.from(document.querySelectorAll(
                'img[src="x"], svg[onload], [onerror], [onload], iframe[src^="javascript" i]'))
                .map(e => e.outerHTML.slice(0, 300)),
            scripts: Array.from(document.scripts).filter(s => s.textContent.includes('__xss')).length,
            icons: Array.from(document.querySelectorAll("[data-testid='stMain'] [role='img']"))
                .map(e => e.textContent),
            text: document.querySelector("[data-testid='stMain']").innerText
                  + "\\n" + (document.querySelector("[data-testid='stSidebar']") || {innerText: ""}).innerText,
        })""")
        # Text shown as typed; word joiners (zero width) keep Streamlit from rewriting some of it.
        state["text"] = state["text"].replace("\u2060", "")
        assert state["xss"] is None, (where, state["xss"])
        bad = [h for h in state["hrefs"] if h.strip().lower().startswith(("javascript:", "data:", "vbscript:"))]
        assert not bad, (where, bad)
        assert state["injected"] == [] and state["scripts"] == 0, (where, state["injected"])
        assert "warning" not in state["icons"], (where, state["icons"])  # no :material/warning: icon
        for text in visible:
            near = [
                state["text"][max(0, i - 60) : i + 100]
                for i in range(len(state["text"]))
                if state["text"].startswith(text[:8], i)
            ][:3]
            assert text in state["text"], (where, text, near)
        assert self.dialogs == [], (where, self.dialogs)
        return state["text"]

    def close(self) -> None:
        self.context.close()


def test_hostile_text_is_inert_on_every_public_page(hostile, browser):
    v = Visit(browser, hostile["url"])
    iid, network, project = hostile["institution"], hostile["network"], hostile["project"]

    # The directory, searched by the school's name, with hostile facet values in the link.
    v.open(f"/directory?q=Hostile&country={PAYLOADS[4]}&theme={PAYLOADS[1]}", "institutions")
    v.check("search “Hostile”", where="directory")
    v.open("/directory?q=" + "%5Bclick%20me%5D(javascript:window.__xss%3D4)%20Hostile", "institutions")
    v.check("search “[click me](javascript:window.__xss=4) Hostile”", where="directory search")

    v.open(f"/institution?id={iid}", "Hostile")
    v.check(NAME, LATIN, CITY, TITLE, where="institution")
    link = v.page.locator("[data-testid='stMain'] a[href^='https://school.example/']")
    assert link.count() == 1 and link.first.get_attribute("href") == WEBSITE.replace("(", "%28").replace(
        ")", "%29"
    ).replace("[", "%5B").replace("]", "%5D")
    # The map's tooltip (a deck.gl text tooltip) under the school, at the centre of the view.
    canvas = v.page.locator("[data-testid='stDeckGlJsonChart'] canvas").first
    canvas.wait_for(timeout=30_000)
    v.page.wait_for_timeout(1500)
    box = canvas.bounding_box()
    for dx in (0, 1, -1, 2):
        v.page.mouse.move(box["x"] + box["width"] / 2 + dx, box["y"] + box["height"] / 2)
        v.page.wait_for_timeout(400)
        tooltip = v.page.locator(".deck-tooltip")
        if tooltip.count() and tooltip.first.is_visible():
            break
    assert tooltip.first.inner_text().startswith(NAME), "no tooltip under the school"
    v.check(where="institution tooltip")
    screenshot(v.page, "hostile-institution")

    v.open(f"/institution?id={hostile['bulk']}", "Bulk")
    v.check("Bulk " + PAYLOADS[2], "Bulk " + PAYLOADS[1], where="institution from a bulk file")

    v.open(f"/network?code={network}", "Coordinator")
    v.check(*PAYLOADS, TITLE, where="network")
    links = v.page.locator("[data-testid='stMain'] a[href^='https://school.example/']")
    assert links.count() == 1

    v.open(f"/brief?code={network}", "Coordinator")
    v.check(" ".join(PAYLOADS[:3]), where="brief")

    v.open(f"/projects?id={project}", "All project spaces")
    v.check(TITLE, *PAYLOADS, where="project")
    screenshot(v.page, "hostile-project")

    v.open("/application-status", "Reference code")
    v.page.get_by_role("textbox", name="Reference code").fill(hostile["reference"])
    v.page.get_by_role("textbox", name="Contact email").first.fill(APPLICANT)
    v.page.get_by_role("button", name="Show").click()
    v.page.get_by_role("heading", name="Hostile").wait_for(timeout=30_000)
    settle(v.page)
    v.check(NAME, where="application status")

    # A private page by URL without signing in: a request to log in, nothing of the page shown.
    v.open("/review", "This page is for National Coordinators")
    text = v.check(where="review, anonymous")
    assert hostile["reference"] not in text and "Applications to review" not in text
    v.close()


def test_hostile_text_is_inert_on_every_coordinator_page(hostile, browser):
    v = Visit(browser, hostile["url"])
    iid, project = hostile["institution"], hostile["project"]
    log_in(v.page, hostile["url"], HOSTILE_USER, HOSTILE_PASSWORD)
    settle(v.page)
    v.check(f"Signed in as {DISPLAY}", where="side panel")

    v.open("/account", "My account")
    v.check(DISPLAY, where="account")

    v.open("/review", "Applications to review")
    v.page.get_by_role("combobox", name="Select an application").click()
    v.page.get_by_role("option", name=hostile["reference"], exact=False).first.click()
    v.page.get_by_text("Similar institutions").first.wait_for(timeout=30_000)
    settle(v.page)
    v.check(NAME, PAYLOADS[0], PAYLOADS[4], where="review")
    screenshot(v.page, "hostile-review")

    v.open(f"/manage?edit={iid}", "manage the network")
    v.check(NAME, where="manage")

    v.open("/quality", "data-quality")
    v.check(where="quality")

    v.open(f"/board?channel=project-{project}", "Message board")
    v.check(TITLE, *PAYLOADS[:3], where="board, folded")  # a folded thread shows its first lines
    v.page.locator("[data-testid='stMain'] [data-testid='stExpander'] summary").first.click()
    v.page.get_by_role("textbox", name="Your reply").wait_for(timeout=15_000)
    settle(v.page)
    v.check(TITLE, *PAYLOADS, where="board")

    v.open(f"/projects?id={project}", "All project spaces")
    v.check(TITLE, *PAYLOADS, where="project, member")
    v.close()
