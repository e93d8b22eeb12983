"""Open data in Chromium: the map that another site embeds, and the app refusing to be framed."""

from __future__ import annotations

import hashlib
import html
import http.server
import io
import json
import re
import threading
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import polars as pl
from playwright.sync_api import expect

from aspnet_data import directory
from aspnet_data.directory import Selection, facet_counts

from .conftest import _free_port, screenshot, settle
from .test_annual_report_e2e import choose


@contextmanager
def other_site(body: str):
    """A page served from another local origin (its own port), as a school's website would."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    site = http.server.ThreadingHTTPServer(("127.0.0.1", _free_port()), Page)
    threading.Thread(target=site.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{site.server_port}"
    finally:
        site.shutdown()


def drawn(frame_element) -> bool:
    """True when the map's canvas holds more than a blank fill (land and schools drawn)."""
    picture = frame_element.screenshot()
    return len(set(picture[::97])) > 20


def test_another_site_embeds_the_map_and_cannot_frame_the_app(browser, server):
    host = f"""<!DOCTYPE html><html lang="es"><body><h1>Escuela Miramar</h1>
    <iframe id="map" src="{server}/embed/map?country=ESP&theme=esd&lang=es" width="100%" height="480"
            style="border:0" title="Mapa de la red"></iframe>
    <iframe id="app" src="{server}/directory" width="600" height="300" title="ASPnet Atlas"></iframe>
    </body></html>"""
    with other_site(host) as site:
        for width in (1400, 390):
            context = browser.new_context(viewport={"width": width, "height": 1100})
            page = context.new_page()
            refused = []
            page.on("requestfailed", lambda r, seen=refused: seen.append((r.url, r.failure)))
            page.goto(f"{site}/")
            embed = page.frame_locator("#map")
            embed.locator("canvas").first.wait_for(timeout=30_000)
            frame = next(f for f in page.frames if "/embed/map" in f.url)
            frame.wait_for_function(
                "() => [...performance.getEntriesByType('resource')].some(e => e.name.includes('/points.json'))",
                timeout=30_000,
            )
            page.wait_for_timeout(1500)
            assert drawn(page.locator("#map"))
            footer = embed.locator("footer")
            assert "ASPnet Atlas" in footer.inner_text() and "CC BY 4.0" in footer.inner_text()
            back = embed.locator("footer a").first
            link = urlparse(back.get_attribute("href", timeout=5_000) or "")
            assert back.get_attribute("target") == "_blank"
            resolved = embed.locator("footer a").first.evaluate("a => a.href")
            assert resolved.startswith(f"{server}/map?")
            assert parse_qs(urlparse(resolved).query) == {"country": ["ESP"], "theme": ["esd"], "lang": ["es"]}
            assert link.path == "map"
            # The app's own page is refused inside another site's frame (clickjacking).
            assert (f"{server}/directory", "net::ERR_BLOCKED_BY_RESPONSE") in refused
            screenshot(page, f"embed-other-site-{width}")
            if width == 390:
                break
            context.close()
    # What the browser was told: any site may frame /embed/, only the app may frame the rest.
    page_headers = page.request.get(f"{server}/directory").headers
    assert page_headers["content-security-policy"] == "frame-ancestors 'self'"
    assert page_headers["x-frame-options"] == "SAMEORIGIN"
    embed_headers = page.request.get(f"{server}/embed/map").headers
    assert embed_headers["content-security-policy"] == "frame-ancestors *" and "x-frame-options" not in embed_headers
    context.close()


def test_a_phone_wide_frame_shows_the_whole_world(browser, server):
    """A network-wide map in a frame narrower than it is tall: every continent inside the frame,
    blank sea at both sides, not a world as tall as the frame cut off at its edges."""
    from PIL import Image

    host = f"""<!DOCTYPE html><html lang="fr"><body style="margin:0">
    <iframe id="map" src="{server}/embed/map?view=countries&lang=fr" width="390" height="640"
            style="border:0" title="Carte du réseau"></iframe></body></html>"""
    with other_site(host) as site:
        context = browser.new_context(viewport={"width": 390, "height": 800})
        page = context.new_page()
        page.goto(f"{site}/")
        page.frame_locator("#map").locator("canvas").first.wait_for(timeout=30_000)
        frame = next(f for f in page.frames if "/embed/map" in f.url)
        frame.wait_for_function(
            "() => [...performance.getEntriesByType('resource')].some(e => e.name.includes('/shaded.json')"
            " || e.name.includes('/outlines.json'))",
            timeout=30_000,
        )
        page.wait_for_timeout(2500)
        picture = Image.open(io.BytesIO(page.locator("#map").screenshot())).convert("RGB")
        screenshot(page, "embed-world-390")
        context.close()
    width, height = picture.size
    map_height = height - 40  # the footer's 2 rem
    inked = [x for x in range(width) if any(sum(picture.getpixel((x, y))) < 700 for y in range(0, map_height, 3))]
    assert inked, "nothing drawn"
    # Land from near one side to near the other, and a margin of sea at both.
    assert 0 < inked[0] < width * 0.2 and width * 0.8 < inked[-1] < width - 1


def test_a_researcher_downloads_the_bulk_file_copies_the_embed_code_and_follows_the_directorys_api_link(
    server, browser, db
):
    context = browser.new_context(viewport={"width": 1400, "height": 1800}, accept_downloads=True)
    page = context.new_page()
    page.goto(f"{server}/open-data?lang=es")
    settle(page)
    expect(page.get_by_role("heading", name="Datos abiertos")).to_be_visible()
    # The whole network as CSV, from the link on the page: what the manifest says it is.
    with page.expect_download(timeout=30_000) as saved:
        page.get_by_role("link", name="CSV", exact=True).click()
    body = Path(saved.value.path()).read_bytes()
    manifest = json.loads(page.request.get(f"{server}/api/v1/dumps/manifest.json").body())
    entry = manifest["files"]["institutions.csv"]
    assert hashlib.sha256(body).hexdigest() == entry["sha256"] and len(body) == entry["bytes"]
    rows = pl.read_csv(io.BytesIO(body))
    # As many as the server's API counts (the file the server serves is a copy of the test
    # network taken when its module started: the API answers from the same copy).
    public = json.loads(page.request.get(f"{server}/api/v1/institutions?per_page=1").body())["total"]
    assert rows.height == entry["rows"] == public
    # The embed code follows the form: a country typed and chosen, a theme, the countries view.
    choose(page, "Países", "espa", "España")
    page.get_by_role("button", name="Ciudadanía mundial", exact=False).first.click()
    settle(page)
    page.get_by_text("Países", exact=True).last.click()
    code = page.locator("[data-testid='stCode']").filter(has_text="<iframe").inner_text()
    src = html.unescape(re.search(r'src="([^"]+)"', code).group(1))  # the code is HTML: &amp; in it
    assert src.startswith(f"{server}/embed/map?")
    assert parse_qs(urlparse(src).query) == {"country": ["ESP"], "theme": ["gced"], "lang": ["es"]}
    preview = page.frame_locator("iframe[title]").last
    preview.locator("canvas").first.wait_for(timeout=30_000)
    assert "España" not in code  # codes, not names, in the address
    screenshot(page, "open-data-1400-es")
    page.set_viewport_size({"width": 390, "height": 1800})
    settle(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "open-data-390-es")
    # The directory's own selection, opened in the API from the directory's link.
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(f"{server}/directory?country=FRA&theme=esd&lang=es")
    settle(page)
    sel = Selection().with_values("country", ["FRA"]).with_values("theme", ["esd"])
    with context.expect_page() as opened:
        page.get_by_role("link", name="Esta selección como datos abiertos (API)").click()
    answer = opened.value
    answer.wait_for_load_state()
    listed = json.loads(answer.locator("body").inner_text())
    assert listed["total"] == facet_counts(db, sel).total
    assert [r["id"] for r in listed["institutions"]][:25] == directory.list_institutions(db, sel, lang="es")[
        "id"
    ].to_list()
    assert {r["country"] for r in listed["institutions"]} == {"Francia"}
    context.close()
