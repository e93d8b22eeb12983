"""Streamlit's page says where its server is (routes/server_base.py), at every page's address.

The app under test serves Streamlit's own index.html at every address, behind Streamlit's own
compression middleware, as the real server does: the root plain, any other address gzipped.
"""

import asyncio
import gzip
import json
from pathlib import Path

import pytest
import streamlit
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, JSONResponse, StreamingResponse
from starlette.routing import Route
from streamlit.web.server.starlette.starlette_gzip_middleware import SelectiveGZipMiddleware

from routes.server_base import ServerBase, script

INDEX = (Path(streamlit.__file__).parent / "static" / "index.html").read_bytes()
OTHER_HTML = b"<!DOCTYPE html><html><head><title>map</title></head><body>" + b"x" * 2000 + b"</body></html>"
ROWS = [{"id": i, "name": f"school {i}"} for i in range(500)]


def _compression(base_url: str = "") -> Middleware:
    return Middleware(SelectiveGZipMiddleware, minimum_size=500, compresslevel=6, base_url=base_url)


def _app(base_url: str = "", served=ServerBase) -> Starlette:
    async def index(request):
        return HTMLResponse(INDEX)

    async def missing(request):
        return HTMLResponse(INDEX, status_code=404)

    async def streamed(request):
        async def chunks():
            for row in ROWS:
                yield json.dumps(row).encode() + b"\n"

        return StreamingResponse(chunks(), media_type="application/x-ndjson")

    routes = [
        Route("/embed/map", lambda request: HTMLResponse(OTHER_HTML)),
        Route("/rows.json", lambda request: JSONResponse(ROWS)),
        Route("/rows.ndjson", streamed),
        Route("/gone", missing),
        Route("/{path:path}", index, methods=["GET", "POST"]),
    ]
    mine = [Middleware(served)] if served else []
    return Starlette(routes=routes, middleware=[*mine, _compression(base_url)])


class Sent:
    """An answer as the server sent it: status, headers (lower case), the whole body."""

    def __init__(self, messages: list[dict]):
        self.status = messages[0]["status"]
        self.headers = {k.decode().lower(): v.decode() for k, v in messages[0]["headers"]}
        self.content = b"".join(m.get("body", b"") for m in messages[1:])
        self.bodies = len(messages) - 1


def _sent(app, address: str, method: str = "GET", gzip_ok: bool = True) -> Sent:
    """Call the ASGI app as uvicorn does and keep what it sends, compressed or not."""
    path, _, query = address.partition("?")
    headers = [(b"host", b"atlas")] + ([(b"accept-encoding", b"gzip, deflate, br")] if gzip_ok else [])
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "server": ("atlas", 80),
        "client": ("127.0.0.1", 5000),
    }
    messages: list[dict] = []
    done = False

    async def receive():
        nonlocal done
        if done:
            await asyncio.sleep(3600)
        done = True
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        messages.append(message)

    asyncio.run(app(scope, receive, send))
    return Sent(messages)


def _head_script(page: str) -> str:
    return page[page.index("<head>") + len("<head>") :].split("</script>", 1)[0]


def test_without_it_streamlit_compresses_every_page_but_the_root():
    """What the middleware has to read: Streamlit's compression as the real server has it."""
    bare = _app(served=None)
    assert "content-encoding" not in _sent(bare, "/").headers
    assert _sent(bare, "/directory").headers["content-encoding"] == "gzip"


@pytest.mark.parametrize("address", ["/", "/directory", "/institution?id=FRA-0001&lang=fr"])
def test_every_address_names_the_root_before_streamlits_own_script(address):
    answer = _sent(_app(), address)
    assert answer.status == 200 and "content-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(answer.content)
    page = answer.content.decode()
    assert _head_script(page) == (
        "<script>window.__streamlit=Object.assign(window.__streamlit||{},"
        '{BACKEND_BASE_URL:new URL("/",location.href).href})'
    )
    # Before the module that reads window.__streamlit once, at its start; the page else unchanged.
    assert page.index("BACKEND_BASE_URL") < page.index('<script type="module"')
    assert answer.content.replace(script(""), b"", 1) == INDEX


def test_under_a_base_path_the_page_names_that_path(monkeypatch):
    monkeypatch.setattr("routes.server_base.config.get_option", lambda name: "/atlas/")
    page = _sent(_app("/atlas"), "/atlas/map").content.decode()
    assert 'new URL("/atlas/",location.href)' in page
    assert script("atlas") == script("/atlas/") == script("atlas/")


def test_other_answers_pass_as_they_are():
    app = _app()
    embed = _sent(app, "/embed/map")
    assert embed.headers["content-encoding"] == "gzip" and gzip.decompress(embed.content) == OTHER_HTML
    assert json.loads(gzip.decompress(_sent(app, "/rows.json").content)) == ROWS
    streamed = _sent(app, "/rows.ndjson", gzip_ok=False)
    assert streamed.bodies > len(ROWS) / 2  # streamed as it came, not held
    assert [json.loads(line) for line in streamed.content.splitlines()] == ROWS
    gone = _sent(app, "/gone", gzip_ok=False)
    assert gone.status == 404 and gone.content == INDEX
    assert _sent(app, "/directory", method="POST", gzip_ok=False).content == INDEX


def test_a_compressed_page_is_sent_whole_and_uncompressed():
    """The middleware reads what Streamlit's compression sent, in as many pieces as it came."""
    compressed = gzip.compress(INDEX)

    async def streamlit_app(scope, receive, send):
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-encoding", b"gzip")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        for at in range(0, len(compressed), 1000):
            piece = compressed[at : at + 1000]
            await send({"type": "http.response.body", "body": piece, "more_body": at + 1000 < len(compressed)})

    answer = _sent(ServerBase(streamlit_app), "/map")
    assert answer.bodies == 1 and "content-encoding" not in answer.headers
    assert int(answer.headers["content-length"]) == len(answer.content)
    assert answer.content == INDEX.replace(b"<head>", b"<head>" + script(""), 1)
