"""Every page's HTML says where its server is, so a page opened at its own address connects at once.

Streamlit serves the same HTML (its index.html) at every page's address. Opened at /directory,
its front end looked for the server under the page's path first: it asked
/directory/_stcore/health and /directory/_stcore/host-config, got 404 (the server is at the
root), waited before its next attempt, and only then asked /_stcore/health
(streamlit/streamlit#7074). Every page but home lost 130 to 150 ms before its websocket opened.

The front end takes the server's address from ``window.__streamlit.BACKEND_BASE_URL`` when the
page sets it before Streamlit's script runs; it reads that setting for one thing only, where to
look for its server. :class:`ServerBase` writes it into that HTML as it is sent: the root of the
address the visitor used, or ``server.baseUrlPath`` under it when the app is served under a
path.

Streamlit sends the HTML of the root uncompressed and the same HTML at any other address
gzip-compressed (its middleware compresses all but the root and its static files). This
middleware runs outside Streamlit's: a compressed page of Streamlit's is read, written into and
sent uncompressed, as the root is; any other HTML is sent as it came.
"""

from __future__ import annotations

import gzip
import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send
from streamlit import config

# Streamlit's index.html holds its root element; no other HTML of the app does (/embed/map is a
# page of its own).
_MARK = b'<div id="root">'
_HEAD = b"<head>"


def script(base_path: str) -> bytes:
    """The inline script that names the server: ``base_path`` ("" or "atlas") on the page's own
    origin, whatever host name or scheme the visitor reached it by."""
    path = "/" + "/".join(part for part in base_path.split("/") if part)
    if not path.endswith("/"):
        path += "/"
    return (
        "<script>window.__streamlit=Object.assign(window.__streamlit||{},"
        f"{{BACKEND_BASE_URL:new URL({json.dumps(path)},location.href).href}})</script>"
    ).encode()


def written(page: bytes, base_path: str) -> bytes:
    """``page`` with the script at the start of its head when it is Streamlit's page; any
    other page is returned itself."""
    if _MARK not in page or _HEAD not in page:
        return page
    return page.replace(_HEAD, _HEAD + script(base_path), 1)


class ServerBase:
    """ASGI middleware: Streamlit's HTML page with the server's address written into its head
    (a GET answered 200 with text/html, plain or gzip); every other answer as it is, streamed."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        body: list[bytes] = []

        async def rewrite(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers", []))
                html = headers.get(b"content-type", b"").startswith(b"text/html")
                encoding = headers.get(b"content-encoding", b"identity")
                if not html or encoding not in (b"identity", b"gzip") or message.get("status") != 200:
                    await send(message)
                    return
                start = message  # held until the whole body is here
                return
            if start is None or message["type"] != "http.response.body":
                await send(message)
                return
            body.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            sent = b"".join(body)
            gzipped = dict(start.get("headers", [])).get(b"content-encoding") == b"gzip"
            read = gzip.decompress(sent) if gzipped else sent
            page = written(read, config.get_option("server.baseUrlPath") or "")
            if page is read:  # not Streamlit's page: as it came
                await send(start)
                await send({"type": "http.response.body", "body": sent})
                return
            dropped = {b"content-length", b"content-encoding"}
            headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in dropped]
            headers.append((b"content-length", str(len(page)).encode()))
            await send({**start, "headers": headers})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, rewrite)
