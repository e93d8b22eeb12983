"""The replay floor: a page of the app drawn again by a bare Streamlit script, from what the app
sent for it.

bench/pages.py records, in one load of each page, the messages the app's run sent to the browser
(its side panel's menu and every element, in order) and what the page fetched beside them (a
map's schools and land), into BENCH_FLOOR_REPLAY:

    <slug>.msgs     the run's ForwardMsgs: the menu (navigation) and the deltas, each as a 4-byte
                    big-endian length and the serialized message
    <slug>.json     {"config": {"title", "icon"}, "data": {"/path?query": {"type", "body"}}}:
                    the page's title and icon, and each answer the page fetched (body in base64)

``replay(slug)`` draws the same menu (st.navigation with the same pages, sections and icons) and
sends the same deltas from the script's run, so the browser gets what it got from the app
without any of the app's code running: no login check, no data layer, no translations.
``answer`` serves the recorded answers at the same addresses; a download button's file is
served by the floor's own media files. What is left between the app and
this floor is the app's own time: its run, its reads, its reruns, its answers.
"""

from __future__ import annotations

import base64
import json
import os
import struct
from functools import cache
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response


def folder() -> Path:
    return Path(os.environ["BENCH_FLOOR_REPLAY"])


def write(target: Path, messages: list[bytes], config: dict, data: dict[str, dict]) -> None:
    """Record a page (bench/pages.py): its messages, its title and icon, its fetched answers."""
    with open(target.with_suffix(".msgs"), "wb") as out:
        for raw in messages:
            out.write(struct.pack(">I", len(raw)) + raw)
    target.with_suffix(".json").write_text(json.dumps({"config": config, "data": data}), encoding="utf-8")


@cache
def _recorded(slug: str) -> tuple[list, dict]:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    raw = (folder() / f"{slug}.msgs").read_bytes()
    messages, at = [], 0
    while at < len(raw):
        (size,) = struct.unpack(">I", raw[at : at + 4])
        msg = ForwardMsg()
        msg.ParseFromString(raw[at + 4 : at + 4 + size])
        messages.append(msg)
        at += 4 + size
    return messages, json.loads((folder() / f"{slug}.json").read_text(encoding="utf-8"))


def config(slug: str) -> dict:
    return _recorded(slug)[1]["config"]


def replay(slug: str) -> None:
    """The recorded page: its menu, then its deltas, from this run."""
    import streamlit as st
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    messages, recorded = _recorded(slug)

    def draw() -> None:
        ctx = get_script_run_ctx()
        for at, msg in enumerate(messages):
            if msg.WhichOneof("type") == "delta":
                copy = ForwardMsg()
                copy.CopyFrom(msg)
                copy.ClearField("hash")  # computed again as it is sent, for this session
                _with_its_file(copy, recorded["data"], f"replay-{slug}-{at}")
                ctx.enqueue(copy)

    menu = next(m.navigation for m in messages if m.WhichOneof("type") == "navigation")
    sections: dict[str, list] = {}
    for page in menu.app_pages:
        sections.setdefault(page.section_header, []).append(
            st.Page(
                draw if page.is_default else _nothing,
                title=page.page_name,
                icon=page.icon or None,
                url_path=None if page.is_default else page.url_pathname,
                default=page.is_default,
                visibility="hidden" if page.is_hidden else "visible",
            )
        )
    st.navigation(sections, expanded=menu.expanded).run()


def _with_its_file(msg, data: dict[str, dict], coordinates: str) -> None:
    """A download button's file, recorded from the app's /media/ address, served again by this
    server's media files (at an address of its own: the app's is not this server's)."""
    from streamlit.runtime import Runtime

    element = msg.delta.new_element
    if element.WhichOneof("type") != "download_button" or not element.download_button.url.startswith("/media/"):
        return
    got = data.get(element.download_button.url)
    if got is None:
        return
    element.download_button.url = Runtime.instance().media_file_mgr.add(
        base64.b64decode(got["body"]), got["type"], coordinates, is_for_static_download=True
    )


def _nothing() -> None:
    """The menu's other pages: never opened by the benchmark."""


def answer(request: Request) -> Response:
    """A recorded answer at its address (path and query), from any recorded page."""
    wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    for recorded in sorted(folder().glob("*.json")):
        got = _recorded(recorded.stem)[1]["data"].get(wanted)  # each recording parsed once
        if got is not None:
            return Response(base64.b64decode(got["body"]), media_type=got["type"])
    return Response(status_code=404)
