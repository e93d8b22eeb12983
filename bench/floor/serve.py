"""The floor's server: bench/floor/app.py with the app's map data addresses answered from the
replay floor's recordings (replay.py), served as the app is (st.App, see serve.py at the root).

    streamlit run bench/floor/serve.py   # the environment of bench/floor/app.py, and
                                         # BENCH_FLOOR_REPLAY: the folder of the recordings
"""

import sys
from pathlib import Path

import streamlit as st
from starlette.routing import Route

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))

from replay import answer  # noqa: E402 - from this folder

# The addresses of routes/__init__.py that a page's maps fetch.
DATA = [
    "/tiles/{z:int}/{x:int}/{y:int}.json",
    "/points.json",
    "/outlines.json",
    "/land-style.json",
    "/shaded.json",
    "/shaded-style.json",
    "/countries.json",
]

app = st.App(str(HERE / "app.py"), routes=[Route(path, answer, methods=["GET"]) for path in DATA])
