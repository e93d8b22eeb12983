"""Map: the selection's schools, explorable from the world down to each school, or countries by count.

The view (schools or countries, centre and zoom once set by a click) lives in the URL beside
the selection, so a copied link opens the same map.
"""

import polars as pl
import streamlit as st

from aspnet_data import maps
from ui import data, filters, map_charts
from ui.i18n import current_language, name_column, number, t
from ui.safe import md
from ui.tables import linked_table

lang = current_language()
st.title(t("map.title"))
st.caption(t("filters.hint"))
sel, counts = filters.selection_panel(page_keys=maps.VIEW_KEYS)
view, notices = maps.parse_view({key: st.query_params.get_all(key) for key in maps.VIEW_KEYS})
for notice in notices:
    st.toast(t("notice.unknown_value", key=notice.key, value=md(notice.value[:40])), icon=":material/info:")

# A new selection frames its own schools: a view zoomed in for the previous one is dropped.
if st.session_state.get("map_view_of") not in (None, sel) and view.centred:
    view = maps.View(view.mode)
st.session_state["map_view_of"] = sel


def show(new_view: maps.View) -> None:
    """Write the view into the URL (after the selection) if it changed."""
    wanted = maps.view_params(new_view)
    for key in maps.VIEW_KEYS:
        if st.query_params.get_all(key) != wanted.get(key, []):
            if key in wanted:
                st.query_params[key] = wanted[key]
            elif key in st.query_params:
                del st.query_params[key]


mode = (
    st.segmented_control(
        t("map.layer"),
        maps.MAP_MODES,
        key="map_layer",
        default=view.mode,
        format_func=lambda m: t(f"map.layer_{m}"),
        label_visibility="collapsed",
    )
    or view.mode
)
view = maps.View(mode, view.lat, view.lon, view.zoom)
show(view)

total, bounds = data.selection_extent(sel)
centre = (view.lat, view.lon, view.zoom) if view.centred else maps.zoom_for(bounds, width=900, height=520)
pick = map_charts.explorable_map(
    sel, mode=mode, centre=centre, key="map_chart", height=520, alt=t("map.alt", count=total)
)
if pick is not None:
    show(maps.View(mode, *map_charts.zoom_into(pick)))
    st.rerun()

legend, reset = st.columns([4, 1], vertical_alignment="center")
with legend:
    countries = data.country_counts(sel)
    each = mode == "schools" and maps.draws_each(data.db(), sel)
    map_charts.legend(mode == "countries", countries, groups=not each)
    st.caption(t("map.how_countries" if mode == "countries" else "map.how_each" if each else "map.how_schools"))
if view.centred and reset.button(t("map.reset"), icon=":material/zoom_out_map:", key="map_reset"):
    show(maps.View(mode))
    map_charts.redraw("map_chart")
    st.rerun()

# The accessible equivalent of the picture: one sentence and a table.
top = countries.head(3)
leading = ", ".join(f"{md(n)} ({number(c)})" for n, c in zip(top[name_column()], top["institutions"]))
st.markdown(
    t(
        "map.summary",
        institutions=t("count.institutions", count=counts.total),
        countries=t("count.countries", count=countries.height),
        leading=leading or "—",
    )
    if counts.total
    else t("map.summary_empty")
)
table = countries.select(
    "iso3",
    pl.col(name_column()).alias("country"),
    pl.col("region").replace_strict(data.region_names(lang)).alias("region"),
    "institutions",
    "esd",
    "gced",
    "heritage",
)
linked_table(
    table,
    key="map_countries",
    page="app_pages/network.py",
    params=lambda row: {"code": row["iso3"]},
    columns=["country", "region", "institutions", "esd", "gced", "heritage"],
    column_config={
        "country": t("common.country"),
        "region": t("common.region"),
        "institutions": t("map.col_institutions"),
        "esd": t("theme_short.esd"),
        "gced": t("theme_short.gced"),
        "heritage": t("theme_short.heritage"),
    },
)
st.page_link(
    "app_pages/directory.py",
    label=t("map.in_directory"),
    icon=":material/list:",
    query_params=filters.selection_link(sel),
)
