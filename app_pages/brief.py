"""Country brief: a one-page summary of one national network that prints cleanly, and its PDF."""

from functools import partial

import polars as pl
import streamlit as st

from aspnet_data import briefs
from aspnet_data.profiles import parse_code
from aspnet_data.vocab import LEVELS, THEMES
from ui import charts, data
from ui.auth import current_actor
from ui.i18n import current_language, format_number, number, t, translate
from ui.layout import as_of_caption, figure_cards, print_friendly
from ui.palette import THEME_COLORS
from ui.safe import md

lang = current_language()
print_friendly()
countries = data.network_countries(lang)
codes = [code for code, _ in countries]
names = dict(countries)

requested = parse_code(st.query_params.get("code"))
if "brief_code" not in st.session_state or st.session_state.get("brief_synced") != requested:
    st.session_state["brief_code"] = requested if requested in names else None
    if st.query_params.get("code") and requested not in names:
        st.warning(t("brief.unknown", code=md(st.query_params.get("code", "")[:20])))
code = st.selectbox(
    t("brief.pick"), codes, key="brief_code", format_func=names.get, index=None, placeholder=t("brief.placeholder")
)
st.session_state["brief_synced"] = code
if code and st.query_params.get("code") != code:
    st.query_params["code"] = code
if not code:
    st.title(t("brief.title"))
    st.info(t("brief.intro"), icon=":material/description:")
    st.stop()

actor = current_actor()
brief = data.country_brief(actor, code)
st.title(t("brief.heading", country=md(brief.names[lang])))
st.caption(t("network.subtitle", region=brief.region_names.get(lang, ""), founded=brief.founded_year or "—"))
# The PDF is made when the button is clicked, outside this run: everything it needs from the
# session (the reader's rights, their language) is bound here.
st.download_button(
    t("brief.download_pdf"),
    partial(briefs.brief_pdf, brief, lang, partial(translate, lang), partial(format_number, lang)),
    file_name=f"aspnet-brief-{code}-{lang}.pdf",
    mime="application/pdf",
    icon=":material/picture_as_pdf:",
    on_click="ignore",
    key="brief_pdf",
)

figure_cards(briefs.figure_lines(brief, t, number))

left, right = st.columns(2, gap="large")
with left:
    st.subheader(t("network.by_theme"))
    theme_frame = pl.DataFrame(
        {"theme": [t(f"theme.{c}") for c in THEMES], "institutions": [brief.by_theme[c] for c in THEMES]}
    )
    charts.show(
        charts.bars(
            theme_frame,
            x="theme",
            y="institutions",
            x_title=None,
            y_title=t("dash.col_institutions"),
            horizontal=True,
            colours={t(f"theme.{c}"): THEME_COLORS[c] for c in THEMES},
        ),
        alt_text=t("network.by_theme"),
    )
with right:
    st.subheader(t("network.by_level"))
    level_frame = pl.DataFrame(
        {"level": [t(f"level.{c}") for c in LEVELS], "institutions": [brief.by_level[c] for c in LEVELS]}
    )
    charts.show(
        charts.bars(
            level_frame,
            x="level",
            y="institutions",
            x_title=None,
            y_title=t("dash.col_institutions"),
            colour="#56B4E9",
            horizontal=True,
        ),
        alt_text=t("network.by_level"),
    )

growth = charts.growth(brief.growth)
if growth is not None:
    st.subheader(t("network.growth"))
    charts.show(growth, alt_text=t("network.growth"))
    st.caption(t("network.growth_help"))

st.subheader(t("brief.gaps"))
st.markdown("\n".join(f"- {md(point)}" for point in briefs.gap_lines(brief, lang, t, number)))
if brief.quality is None and brief.awaiting is None:
    st.caption(t("brief.staff_note"))

st.subheader(t("network.coordinator"))
st.markdown(
    " · ".join(
        md(part) for part in (brief.national_commission, brief.coordinator_name, brief.coordinator_email) if part
    )
)
as_of_caption(brief.as_of, brief.data_version)
st.caption(t("brief.print_hint"))
