"""Country brief: a one-page summary of one national network that prints cleanly."""

import altair as alt
import polars as pl
import streamlit as st

from aspnet_data.directory import Selection
from aspnet_data.profiles import parse_code
from aspnet_data.vocab import LEVELS, THEMES
from ui import charts, data, require_router
from ui.i18n import current_language, number, percent, t
from ui.layout import as_of_caption, print_friendly
from ui.palette import THEME_COLORS
from ui.safe import md

require_router()
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
code = st.selectbox(t("brief.pick"), codes, key="brief_code", format_func=names.get, index=None,
                    placeholder=t("brief.placeholder"))
st.session_state["brief_synced"] = code
if code and st.query_params.get("code") != code:
    st.query_params["code"] = code
if not code:
    st.title(t("brief.title"))
    st.info(t("brief.intro"), icon=":material/description:")
    st.stop()

profile = data.network_profile(code)
dash = data.dashboard(Selection().with_values("country", [code]))
net = profile.network
st.title(t("brief.heading", country=md(net[f"name_{lang}"])))
st.caption(t("network.subtitle", region=data.region_names(lang)[net["region"]], founded=net["founded_year"] or "—"))

active = profile.by_status["member"] + profile.by_status["candidate"]
cols = st.columns(4)
cols[0].metric(t("status.member"), number(profile.by_status["member"]), border=True)
cols[1].metric(t("status.candidate"), number(profile.by_status["candidate"]), border=True)
cols[2].metric(t("status.withdrawn"), number(profile.by_status["withdrawn"]), border=True)
cols[3].metric(t("network.per_million"),
               number(active / net["population"] * 1e6, 1) if net["population"] else "—", border=True)

left, right = st.columns(2, gap="large")
with left:
    st.subheader(t("network.by_theme"))
    theme_frame = pl.DataFrame({
        "theme": [t(f"theme.{c}") for c in THEMES],
        "institutions": [profile.by_theme[c] for c in THEMES],
    })
    chart = charts.bars(theme_frame, x="theme", y="institutions", x_title=t("facet.theme"),
                        y_title=t("dash.col_institutions"), horizontal=True)
    st.altair_chart(chart.encode(color=alt.Color(
        "theme:N", scale=alt.Scale(domain=theme_frame["theme"].to_list(),
                                          range=[THEME_COLORS[c] for c in THEMES]), legend=None)), width="stretch")
with right:
    st.subheader(t("network.by_level"))
    level_frame = pl.DataFrame({"level": [t(f"level.{c}") for c in LEVELS],
                                "institutions": [profile.by_level[c] for c in LEVELS]})
    st.altair_chart(charts.bars(level_frame, x="level", y="institutions", x_title=t("facet.level"),
                                y_title=t("dash.col_institutions"), colour="#56B4E9", horizontal=True,
                                sort=level_frame["level"].to_list()), width="stretch")

st.subheader(t("network.growth"))
growth = profile.growth.with_columns(pl.lit(t("network.members_total")).alias("series"))
if growth.height:
    st.altair_chart(charts.lines(growth, x="year", y="members", series="series", x_title=t("network.year"),
                                 y_title=t("network.members_total"), series_title=" ",
                                 colours={t("network.members_total"): "#0072B2"}), width="stretch")

st.subheader(t("brief.gaps"))
quality = dash.quality.row(0, named=True) if dash.quality.height else None
missing = [t(f"theme.{c}") for c in THEMES if profile.by_theme[c] == 0]
under = dash.level_by_region.filter(pl.col("institutions") == 0)["level"].to_list()
points = [
    t("brief.missing_themes", themes=", ".join(missing)) if missing else t("brief.all_themes"),
    t("brief.missing_levels", levels=", ".join(t(f"level.{c}") for c in under)) if under else t("brief.all_levels"),
]
if quality:
    points.append(t("brief.quality", filled=percent(quality["filled"]), stale=percent(quality["stale"])))
waiting = dash.funnel.filter(pl.col("stage").is_in(["submitted", "returned", "recommended"]))["applications"].sum()
points.append(t("brief.pipeline", count=waiting))
st.markdown("\n".join(f"- {p}" for p in points))

st.subheader(t("network.coordinator"))
st.markdown(f"{md(net['national_commission'])} · {md(net['coordinator_name'] or '')} · "
            f"{md(net['coordinator_email'] or '')}")
as_of_caption(dash.as_of, dash.data_version)
st.caption(t("brief.print_hint"))
