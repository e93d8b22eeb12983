"""Home: the network's headline figures, computed live from the database."""

import polars as pl
import streamlit as st

from aspnet_data.vocab import THEMES
from ui import charts, data, tables
from ui.i18n import current_language, link_params, number, percent, t
from ui.layout import as_of_caption
from ui.palette import THEME_COLORS

overview = data.overview()
lang = current_language()

st.title(t("home.title"))
st.markdown(t("home.intro"))

# One row of figures that wraps on a narrow screen (a phone shows them two by two, not five
# cards one under the other before anything else).
with st.container(horizontal=True, gap="small"):
    for label, value, help_text in (
        (
            t("home.networks"),
            overview.networks,
            t("home.networks_help", states=overview.member_states_with_network, total=overview.member_states),
        ),
        (t("home.active"), overview.active, t("home.active_help")),
        (t("status.member"), overview.by_status["member"], t("home.member_help")),
        (t("status.candidate"), overview.by_status["candidate"], t("home.candidate_help")),
        (t("status.withdrawn"), overview.by_status["withdrawn"], t("home.withdrawn_help")),
    ):
        st.metric(label, number(value), border=True, help=help_text, width=170)
st.caption(
    t(
        "home.networks_definition",
        states=overview.member_states_with_network,
        total=overview.member_states,
        associates=overview.associate_members,
    )
)

theme_col, region_col = st.columns([2, 3], gap="large")
with theme_col:
    st.subheader(t("home.by_theme"))
    theme_frame = pl.DataFrame(
        {
            "theme": [t(f"theme.{code}") for code in THEMES],
            "institutions": [overview.by_theme[code] for code in THEMES],
            "share": [overview.by_theme[code] / overview.active if overview.active else 0.0 for code in THEMES],
        }
    )
    for code, row in zip(THEMES, theme_frame.iter_rows(named=True)):
        st.markdown(
            f"<div style='border-left:6px solid {THEME_COLORS[code]};padding:2px 10px;margin:6px 0'>"
            f"<b>{row['theme']}</b><br>{number(row['institutions'])} · {percent(row['share'])}</div>",
            unsafe_allow_html=True,
        )
    st.caption(t("home.theme_definition"))

with region_col:
    st.subheader(t("home.by_region"))
    names = data.region_names(lang)
    region_frame = overview.by_region.with_columns(
        pl.col("region").replace_strict(names).alias(t("common.region")),
    ).rename({"networks": t("home.col_networks"), "institutions": t("home.col_institutions")})
    charts.show(
        charts.regions(
            region_frame,
            region=t("common.region"),
            networks=t("home.col_networks"),
            institutions=t("home.col_institutions"),
            description=f"{t('home.col_institutions')} · {t('home.by_region')}",
        )
    )
    tables.table(region_frame.select(t("common.region"), t("home.col_networks"), t("home.col_institutions")))
    st.caption(t("home.region_definition"))

st.subheader(t("home.largest"))
st.page_link("app_pages/networks.py", label=t("home.all_networks"), icon=":material/flag:", query_params=link_params())
largest = overview.largest.select(
    pl.col(f"name_{lang}").alias(t("common.country")),
    pl.col("region").replace_strict(names).alias(t("common.region")),
    pl.col("institutions").alias(t("home.col_institutions")),
)
tables.table(largest)
st.caption(t("home.largest_definition"))

as_of_caption(overview.as_of, overview.data_version)
