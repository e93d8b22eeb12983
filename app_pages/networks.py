"""National networks: every country's network with its size, to open its profile."""

import polars as pl
import streamlit as st

from aspnet_data.text import fold
from aspnet_data.vocab import REGIONS
from ui import data
from ui.i18n import current_language, t
from ui.tables import linked_table

lang = current_language()
st.title(t("networks.title"))
st.caption(t("networks.intro"))
regions = data.region_names(lang)

query = st.text_input(
    t("networks.search"), key="networks_q", placeholder=t("networks.search_placeholder"), max_chars=100
)
chosen = st.pills(t("common.region"), REGIONS, selection_mode="multi", key="networks_regions", format_func=regions.get)
frame = data.networks(lang)
if chosen:
    frame = frame.filter(pl.col("region").is_in(chosen))
if query.strip():
    # Accents and case do not matter: "cote" finds "Côte d'Ivoire".
    words = fold(query).split()
    frame = frame.filter(pl.Series([all(w in fold(name) for w in words) for name in frame["country"]]))
st.markdown(f"**{t('count.networks', count=frame.height)}**")
if frame.height == 0:
    st.info(t("networks.none"), icon=":material/search_off:")
    st.stop()
table = frame.with_columns(pl.col("region").replace_strict(regions).alias("region_name"))
linked_table(
    table,
    key="networks_table",
    page="app_pages/network.py",
    params=lambda row: {"code": row["iso3"]},
    columns=["country", "members", "candidates", "per_million", "region_name", "founded_year"],
    column_config={
        "country": st.column_config.TextColumn(t("common.country"), width="medium"),
        "region_name": t("common.region"),
        "members": t("status.member"),
        "candidates": t("status.candidate"),
        "per_million": st.column_config.Column(t("network.per_million"), help=t("network.per_million_help")),
        "founded_year": st.column_config.NumberColumn(t("networks.founded"), format="%d"),
    },
)
