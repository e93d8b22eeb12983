"""The map for other sites: GET /embed/map?<selection>&view=..&lang=.. is a light page with
only the map and a link back, that any site may put in an iframe; and who may frame the rest.

The page draws the app's own world map (the same layers, tiles and outlines as the Map page:
ui.map_charts.world_deck) with deck.gl from pydeck's bundled build, served from here
(/embed/deck.js): nothing is fetched from the internet. A ``<base>`` one folder up makes the
deck's relative URLs (./tiles/.., ./outlines.json) and the link back resolve against the app,
wherever it is mounted.

:class:`FramingPolicy` answers every other page with ``frame-ancestors 'self'`` (and the older
X-Frame-Options), so the app itself cannot be framed by another site (clickjacking); only
/embed/ may be.
"""

from __future__ import annotations

import hashlib
import html
import json
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

import pydeck
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from aspnet_data import directory, maps, open_data
from aspnet_data.db import shared_database
from aspnet_data.settings import database_path
from aspnet_data.vocab import LANGUAGES
from ui.i18n import translate

from .map_data import kept_bytes

EMBED_PREFIX = "/embed/"
_BUNDLE = Path(pydeck.__file__).parent / "nbextension" / "static" / "index.js"

PAGE = """<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<base href="../">
<title>{title}</title>
<style>
  html, body {{ margin: 0; height: 100%; font-family: "Source Sans Pro", system-ui, sans-serif; background: #fff; }}
  #map {{ position: absolute; inset: 0 0 2rem 0; }}
  footer {{ position: absolute; left: 0; right: 0; bottom: 0; height: 2rem; display: flex; align-items: center;
           justify-content: space-between; gap: .5rem; padding: 0 .6rem; font-size: .8rem; color: #31333f;
           border-top: 1px solid #e6e9ef; white-space: nowrap; overflow: hidden; }}
  footer a {{ color: #0b5cad; }}
  footer .count {{ overflow: hidden; text-overflow: ellipsis; }}
</style>
</head>
<body>
<div id="map" role="img" aria-label="{alt}"></div>
<footer>
  <span class="count">{count}</span>
  <span><a href="{back}" target="_blank" rel="noopener">{open} ↗</a> ·
  <a href="https://creativecommons.org/licenses/by/4.0/" target="_blank" rel="noopener license">CC BY 4.0</a></span>
</footer>
<script type="application/json" id="deck">{deck}</script>
<script type="application/json" id="tooltip">{tooltip}</script>
<script type="application/json" id="fit">{fit}</script>
<script src="embed/deck.js?v={bundle}"></script>
<script src="embed/map.js?v={bundle}"></script>
</body>
</html>
"""

# The frame's size is known only in the browser: the zoom that frames the selection in a
# FIT_SIDE x FIT_SIDE map is sent, and the page moves it by the frame's own size (one zoom level
# per doubling of the narrower side), so a phone-wide frame shows the same extent as a wide one.
FIT_SIDE = 512

# Draws the deck described in the page (kept out of the HTML, so the page runs no inline script).
START = """(function () {
  var spec = JSON.parse(document.getElementById("deck").textContent);
  var tooltip = JSON.parse(document.getElementById("tooltip").textContent);
  var fit = JSON.parse(document.getElementById("fit").textContent);
  var box = document.getElementById("map").getBoundingClientRect();
  if (fit && box.width > 0 && box.height > 0) {
    var view = spec.initialViewState;
    var zoom = fit.zoom + Math.min(Math.log2(box.width / fit.side), Math.log2(box.height / fit.side));
    view.zoom = Math.round(Math.max(-1, Math.min(11, zoom)) * 100) / 100;
    view.minZoom = Math.min(view.minZoom === undefined ? 0 : view.minZoom, view.zoom);
    // A frame taller than wide shows the whole world above blank sea, not a world as tall as it.
    (spec.views || []).forEach(function (v) { if (v.controller === true) { v.controller = {normalize: false}; } });
  }
  createDeck({container: document.getElementById("map"), jsonInput: spec, tooltip: tooltip});
})();
"""


@cache
def bundle() -> tuple[bytes, str]:
    """deck.gl as pydeck ships it, and a short hash of it (its URL changes with it)."""
    body = _BUNDLE.read_bytes()
    return body, hashlib.sha1(body).hexdigest()[:12]


def embed_page(query: dict[str, list[str]]) -> tuple[str, str]:
    """(the page's HTML, its ETag) for a query string: the directory's selection, the map's
    view (schools or countries) and the language. What the map page would ignore, this ignores."""
    lang = (query.get("lang") or ["en"])[0]
    lang = lang if lang in LANGUAGES else "en"
    mode = (query.get("view") or ["schools"])[0]
    mode = mode if mode in maps.MAP_MODES else "schools"
    path = database_path()
    db = shared_database(path)
    version = db.data_version
    asked = tuple(sorted((k, tuple(v)) for k, v in query.items()))
    page = kept_bytes((path, version, "embed", asked), lambda: _page(db, version, query, lang, mode).encode()).decode()
    return page, f'"{version}-{hashlib.sha1(page.encode()).hexdigest()[:16]}"'


def _page(db, version: int, query: dict[str, list[str]], lang: str, mode: str) -> str:
    from ui.map_charts import world_deck  # the app's own layers (imports Streamlit)

    networks = [code for (code,) in db.analytics.rows("SELECT iso3 FROM networks")]
    sel, _, _ = directory.parse_params(query, countries=networks, page_keys=("view",))
    total, bounds = maps.selection_extent(db, sel)
    centre = maps.zoom_for(bounds, width=600, height=420)
    fit = None
    if bounds:
        fit = {"zoom": maps.zoom_for(bounds, width=FIT_SIDE, height=FIT_SIDE, lowest=-1)[2], "side": FIT_SIDE}
    each = mode == "schools" and maps.draws_each(db, sel)
    deck = world_deck(sel, mode=mode, centre=centre, lang=lang, version=version, each=each, basemap=False)
    params = {k: v for k, v in directory.to_params(sel).items() if k not in ("sort", "page")}
    back = "map?" + urlencode({**params, **({"view": [mode]} if mode != "schools" else {}), "lang": [lang]}, doseq=True)
    # JSON inside <script>: "</" and "<!--" must not end or open anything.
    described = json.loads(deck.to_json())
    described.pop("mapStyle", None)  # no basemap: the land layer is the map
    spec = json.dumps(described, separators=(",", ":")).replace("</", "<\\/").replace("<!--", "<\\!--")
    _, digest = bundle()
    return PAGE.format(
        lang=lang,
        title=html.escape(translate(lang, "nav.map") + " · ASPnet Atlas"),
        alt=html.escape(translate(lang, "map.alt", count=total)),
        count=html.escape(translate(lang, "count.institutions", count=total) + " · ASPnet Atlas"),
        back=html.escape(back),
        open=html.escape(translate(lang, "embed.open")),
        deck=spec,
        tooltip=json.dumps(deck._tooltip),
        fit=json.dumps(fit),
        bundle=digest,
    )


async def embed_map(request: Request) -> Response:
    query: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        query.setdefault(key, []).append(value)
    page, etag = await run_in_threadpool(embed_page, query)
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers={"ETag": etag})
    return HTMLResponse(page, headers={"ETag": etag, "Cache-Control": "public, max-age=60"})


async def deck_js(request: Request) -> Response:
    body, digest = await run_in_threadpool(bundle)
    return Response(
        body,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=31536000, immutable", "ETag": f'"{digest}"'},
    )


async def map_js(request: Request) -> Response:
    return Response(
        START, media_type="text/javascript; charset=utf-8", headers={"Cache-Control": "public, max-age=3600"}
    )


class FramingPolicy:
    """ASGI middleware: pages under /embed/ may be framed by any site; everything else only by
    the app itself (Content-Security-Policy frame-ancestors, and X-Frame-Options for older
    browsers). The open-data API's JSON is left as it is (it is no page)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(open_data.BASE + "/"):
            await self.app(scope, receive, send)
            return
        embed = scope["path"].startswith(EMBED_PREFIX)

        async def send_with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"x-frame-options"]
                if embed:
                    headers.append((b"content-security-policy", b"frame-ancestors *"))
                else:
                    headers.append((b"content-security-policy", b"frame-ancestors 'self'"))
                    headers.append((b"x-frame-options", b"SAMEORIGIN"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_policy)
