"""Map: the selection's institutions as points (or cells past a threshold), or countries by count."""

import polars as pl
import streamlit as st

from aspnet_data import directory
from aspnet_data.maps import POINT_LIMIT
from ui import data, filters, maps, require_router
from ui.i18n import current_language, name_column, number, t

require_router()
lang = current_language()
st.title(t("map.title"))
st.caption(t("filters.hint"))
sel, counts = filters.selection_panel()

mode = st.segmented_control(
    t("map.layer"), ["schools", "countries"], key="map_layer", default="schools",
    format_func=lambda m: t(f"map.layer_{m}"), label_visibility="collapsed",
)
choropleth = mode == "countries"
view = data.map_view(sel)
countries = data.country_counts(sel)
deck = maps.prepared((*data.version_key(), "map", sel, lang, choropleth),
                     lambda: maps.build_deck(view, countries, name_column(), choropleth=choropleth))
event = st.pydeck_chart(deck, height=560, on_select="rerun", selection_mode="single-object", key="map_chart",
                        alt=t("map.alt", count=view.total))
lang_param = {"lang": lang} if lang != "en" else {}
picked = (event.selection or {}).get("objects", {}) if event else {}
if picked.get("institutions"):
    st.switch_page("pages/institution.py", query_params={"id": str(picked["institutions"][0]["id"]), **lang_param})

maps.legend(choropleth, countries)
if view.kind == "cells" and not choropleth:
    st.caption(t("map.cells_note", institutions=t("count.institutions", count=view.total),
                 areas=t("count.areas", count=len(view.rows)),
                 degrees=view.cell_degrees, limit=number(POINT_LIMIT)))

# The accessible equivalent of the picture: one sentence and a table.
top = countries.head(3)
names = top[name_column()].to_list()
leading = ", ".join(f"{n} ({number(c)})" for n, c in zip(names, top["institutions"].to_list()))
st.markdown(t("map.summary", institutions=t("count.institutions", count=counts.total),
                 countries=t("count.countries", count=countries.height), leading=leading or "—")
            if counts.total else t("map.summary_empty"))
table = countries.select(
    pl.format("network?code={}", "iso3").alias("profile"),
    pl.col(name_column()).alias("country"),
    pl.col("region").replace_strict(data.region_names(lang)).alias("region"),
    "institutions", "esd", "gced", "heritage",
)
st.dataframe(
    table, hide_index=True, width="stretch", height=300,
    column_config={
        "profile": st.column_config.LinkColumn(t("directory.col_profile"), display_text=t("directory.open"),
                                               width="small"),
        "country": t("common.country"),
        "region": t("common.region"),
        "institutions": st.column_config.NumberColumn(t("map.col_institutions")),
        "esd": t("theme.esd"), "gced": t("theme.gced"), "heritage": t("theme.heritage"),
    },
)
st.page_link("pages/directory.py", label=t("map.in_directory"), icon=":material/list:",
             query_params=directory.to_params(sel) | lang_param)
