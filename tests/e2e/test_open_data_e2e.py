"""Open data in Chromium: the map that another site embeds, and the app refusing to be framed."""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

from .conftest import _free_port, screenshot


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
                "() => [...performance.getEntriesByType('resource')].some(e => e.name.includes('/tiles/'))",
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
