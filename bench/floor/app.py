"""The floor of bench/pages.py: a bare Streamlit page of one kind of content per URL.

    streamlit run bench/floor/app.py     # BENCH_FLOOR_DATA: a Parquet file of institutions'
                                         # rows; BENCH_FLOOR_OUTLINES: the app's /outlines.json;
                                         # BENCH_FLOOR_NODELAY=1: TCP_NODELAY as the app sets it

Nothing but Streamlit drawing what an ASPnet Atlas page draws, so that the page's time to
content can be read against what Streamlit itself needs for the same kind of content, in the
same environment (the same server options, the same browser):

    ?view=metrics                        a title, a paragraph and 5 st.metric cards
    ?view=table&rows=25&cols=8           st.dataframe of that many rows and columns
    ?view=map&n=500&height=520           st.pydeck_chart: a ScatterplotLayer of n points on the
                                         app's blank offline style (static/, linked here)
    ?view=map&n=500&land=1               the same with the app's country outlines under the points
                                         (a diagnostic of where a map's time goes, not a floor)
    ?view=chart                          a bar chart (Altair) and its table folded under it in the
                                         first of two tabs, the table in the second
    ?view=form&inputs=6&areas=6          text fields, text areas, a select box and a Save button
    ?view=replay&page=<slug>             a page of the app drawn again from what the app sent for it
                                         (replay.py; BENCH_FLOOR_REPLAY: the recordings), served by
                                         serve.py, which answers the page's map data too

Each view but the text has one widget whose click reruns the page and draws the same kind of
content again (the floor of an interaction): the table's filter pills (another slice of the same
size), the chart's second tab, the form's Save button (a success message under the form). The
map is zoomed with the wheel, as the app's is (no rerun). No caching: the rows are read from the
Parquet file at every run, as a bare page reads its data at import.
"""

import json
import os
import sys
from pathlib import Path

import altair as alt
import polars as pl
import pydeck as pdk
import streamlit as st

view = st.query_params.get("view", "metrics")
if view == "replay":
    sys.path.insert(0, str(Path(__file__).parent))
    import replay

    slug = st.query_params.get("page", "")
    st.set_page_config(layout="wide", **replay.config(slug))
else:
    st.set_page_config(page_title="Floor", layout="wide")

if os.environ.get("BENCH_FLOOR_NODELAY") == "1":
    # Diagnostic: the floor's connections sent at once, as the app's are (routes/nodelay.py).
    # Set from the first run on: every later browser context's connections have it.
    from routes.nodelay import send_without_delay

    send_without_delay()

if view == "replay":
    replay.replay(slug)
    st.stop()

DATA = pl.read_parquet(os.environ["BENCH_FLOOR_DATA"])


def number(name: str, default: int) -> int:
    value = st.query_params.get(name)
    return int(value) if value and value.isdigit() else default


st.title(f"Floor: {view}")

if view == "metrics":
    st.markdown("A paragraph of text under the title, as a page's introduction reads.")
    with st.container(horizontal=True, gap="small"):
        for label, column in (
            ("Institutions", "year_joined"),
            ("Members", "year_joined"),
            ("Candidates", "year_joined"),
            ("Withdrawn", "year_joined"),
            ("Networks", "network"),
        ):
            st.metric(label, f"{DATA[column].n_unique():,}", border=True, width=170)

elif view == "table":
    rows, cols = number("rows", 25), number("cols", 8)
    # Several may be chosen, as the directory's facet pills.
    chosen = st.sidebar.pills("Filter", ["a", "b", "c"], selection_mode="multi", key="floor_filter")
    frame = DATA.slice(len(chosen) * rows, rows).select(DATA.columns[:cols])
    st.markdown(f"**{frame.height} rows · filter: {', '.join(chosen) or 'none'}**")
    st.dataframe(frame, hide_index=True, width="stretch")

elif view == "map":
    n, height = number("n", 1000), number("height", 520)
    points = DATA.select("latitude", "longitude").drop_nulls()
    points = pl.concat([points] * (n // max(1, points.height) + 1)).head(n)
    rows = [{"lat": lat, "lon": lon} for lat, lon in points.iter_rows()]
    layers = []
    if st.query_params.get("land") == "1":
        # Not the floor: the app's country outlines (its /outlines.json, saved by bench/pages.py)
        # drawn under the points as the app's land layer draws them, here inline.
        land = json.loads(Path(os.environ["BENCH_FLOOR_OUTLINES"]).read_text(encoding="utf-8"))
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                land,
                id="land",
                stroked=True,
                filled=True,
                get_fill_color=[236, 239, 241],
                get_line_color=[160, 170, 180],
                line_width_min_pixels=0.5,
            )
        )
    deck = pdk.Deck(
        layers=layers
        + [
            pdk.Layer(
                "ScatterplotLayer",
                rows,
                id="points",
                get_position=["lon", "lat"],
                get_fill_color=[0, 114, 178],
                get_radius=5,
                radius_units='"pixels"',
                pickable=True,
            )
        ],
        initial_view_state=pdk.ViewState(latitude=20, longitude=10, zoom=1),
        map_style="./app/static/blank-style.json",
        map_provider=None,
    )
    st.pydeck_chart(deck, height=height)
    st.caption(f"{len(rows):,} points")

elif view == "chart":
    frame = (
        DATA.group_by("network")
        .agg(pl.len().alias("institutions"))
        .sort("institutions", descending=True)
        .head(15)
        .to_pandas()
    )
    first, second = st.tabs(["Coverage", "Gaps"], key="floor_tab", on_change="rerun")
    if first.open:
        with first:
            st.altair_chart(
                alt.Chart(frame).mark_bar().encode(x="institutions:Q", y=alt.Y("network:N", sort="-x")),
                width="stretch",
            )
            with st.expander("Table"):  # as each of the dashboard's charts has its table folded under it
                st.dataframe(frame, hide_index=True, width="stretch")
    if second.open:
        with second:
            st.dataframe(frame, hide_index=True, width="stretch")

elif view == "form":
    inputs, areas = number("inputs", 6), number("areas", 6)
    values = {}
    with st.container(border=True):
        for pair in range(0, inputs, 2):
            for column, i in zip(st.columns(2), range(pair, min(pair + 2, inputs))):
                values[f"field {i + 1}"] = column.text_input(f"Field {i + 1}", key=f"floor_input_{i}")
        for i in range(areas):
            values[f"text {i + 1}"] = st.text_area(f"Text {i + 1}", key=f"floor_area_{i}", height=120)
        st.selectbox("Language", ["en", "fr", "es"], key="floor_language")
        if st.button("Save", type="primary", key="floor_save"):
            before = st.session_state.get("floor_saved", {})
            changed = [name for name, value in values.items() if before.get(name, "") != value]
            st.session_state["floor_saved"] = values
            st.success(f"Saved. Changed: {', '.join(changed) or 'nothing'}.")
