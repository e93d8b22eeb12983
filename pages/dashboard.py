"""Dashboard: coverage by priority theme, gaps, change over time and the application funnel."""

import polars as pl
import streamlit as st

from aspnet_data.vocab import APPLICATION_STAGES, LEVELS, THEMES
from ui import charts, data, filters, maps, require_router
from ui.i18n import current_language, name_column, number, percent, render, t
from ui.layout import as_of_caption
from ui.palette import THEME_COLORS

require_router()
lang = current_language()
st.title(t("dash.title"))
st.caption(t("dash.intro"))
sel, _ = filters.selection_panel(search=False, facets=("region", "country", "level", "ownership", "status"))
with st.spinner(t("dash.loading")):
    dash = data.dashboard(sel)
regions = data.region_names(lang)
theme_name = {code: t(f"theme.{code}") for code in THEMES}
theme_short = {code: t(f"theme_short.{code}") for code in THEMES}   # for narrow chart columns
level_name = {code: t(f"level.{code}") for code in LEVELS}
country = name_column()

# -- headline ------------------------------------------------------------------------------
members_states = dash.without_network.filter(pl.col("unesco_status") == "member").height
associates = dash.without_network.filter(pl.col("unesco_status") == "associate").height
headline = [
    (t("home.networks"), dash.networks, "dash.networks_help"),
    (t("dash.states_without"), members_states, "dash.states_without_help"),
    (t("dash.associates_without"), associates, "dash.associates_without_help"),
    (t("status.member"), dash.by_status["member"], "home.member_help"),
    (t("status.candidate"), dash.by_status["candidate"], "home.candidate_help"),
    (t("status.withdrawn"), dash.by_status["withdrawn"], "home.withdrawn_help"),
]
for row in (headline[:3], headline[3:]):
    for col, (label, value, help_key) in zip(st.columns(3), row):
        col.metric(label, number(value), border=True, help=t(help_key))
theme_cols = st.columns(3)
for col, code in zip(theme_cols, THEMES):
    share = dash.theme_totals[code] / dash.active if dash.active else 0.0
    col.metric(theme_name[code], percent(share), border=True,
               help=t("dash.theme_share_help", count=number(dash.theme_totals[code]), total=number(dash.active)))
as_of_caption(dash.as_of, dash.data_version)

coverage, gaps, change, applications = st.tabs(
    [t("dash.tab_coverage"), t("dash.tab_gaps"), t("dash.tab_change"), t("dash.tab_applications")],
    key="dash_tab", on_change="rerun")


def shares(frame: pl.DataFrame, key: str, names: dict[str, str]) -> pl.DataFrame:
    """Long form: one row per (key, theme) with count, share and a printed label."""
    long = frame.unpivot(index=[key, "institutions"], on=list(THEMES), variable_name="theme", value_name="count")
    long = long.with_columns(
        pl.col(key).replace_strict(names, default=pl.col(key)).alias("row"),
        pl.col("theme").replace_strict(theme_short).alias("column"),
        (pl.col("count") / pl.when(pl.col("institutions") > 0).then("institutions").otherwise(1)).alias("share"),
    )
    return long.with_columns(pl.format("{} · {}", render(long["share"], percent), render(long["count"], number))
                             .alias("label"))


if coverage.open:   # only the open tab runs (each tab switch reruns the page)
    with coverage:
        st.subheader(t("dash.theme_by_region"))
        frame = shares(dash.theme_by_region, "region", regions)
        charts.with_data(
            charts.heat_table(frame, row="row", column="column", value="share", label="label",
                              row_title=t("common.region"), column_title=t("facet.theme"),
                              column_order=[theme_short[c] for c in THEMES]),
            frame.select(pl.col("row").alias(t("common.region")), pl.col("column").alias(t("facet.theme")),
                         pl.col("count").alias(t("dash.col_institutions")),
                         pl.col("share").round(4).alias(t("dash.col_share"))),
            name="theme-by-region", key="theme_region")
        st.caption(t("dash.share_definition"))

        st.subheader(t("dash.theme_by_level"))
        frame = shares(dash.theme_by_level, "level", level_name)
        charts.with_data(
            charts.heat_table(frame, row="row", column="column", value="share", label="label",
                              row_title=t("facet.level"), column_title=t("facet.theme"),
                              row_order=[level_name[c] for c in LEVELS], column_order=[theme_short[c] for c in THEMES]),
            frame.select(pl.col("row").alias(t("facet.level")), pl.col("column").alias(t("facet.theme")),
                         pl.col("count").alias(t("dash.col_institutions")),
                         pl.col("share").round(4).alias(t("dash.col_share"))),
            name="theme-by-level", key="theme_level")

        st.subheader(t("dash.theme_map"))
        pick, measure = st.columns(2)
        theme = pick.selectbox(t("facet.theme"), THEMES, format_func=theme_name.get, key="dash_theme")
        per_million = measure.toggle(t("dash.per_million_toggle"), key="dash_per_million")
        by_country = dash.by_country.with_columns(
            pl.col(theme).alias("value") if not per_million else
            (pl.col(theme) / pl.col("population") * 1e6).round(2).alias("value"))
        deck_frame = by_country.select("iso3", country, "has_outline", "capital_lat", "capital_lon",
                                       pl.col("value").alias("institutions"))
        deck = maps.prepared((*data.version_key(), "dashboard", sel, theme, per_million, lang),
                             lambda: maps.build_deck(maps.empty_view(), deck_frame, country, choropleth=True))
        st.pydeck_chart(deck, height=420,
                        alt=t("dash.theme_map_alt", theme=theme_name[theme]))
        maps.legend(True, deck_frame)
        charts.table(by_country.select(
            pl.col(country).alias(t("common.country")),
            pl.col("region").replace_strict(regions).alias(t("common.region")),
            pl.col("institutions").alias(t("dash.col_institutions")),
            *[pl.col(c).alias(theme_name[c]) for c in THEMES],
            pl.col("per_million").alias(t("network.per_million")),
        ), name=f"countries-{theme}", key="countries")

if gaps.open:
    with gaps:
        st.subheader(t("dash.states_without_title"))
        frame = dash.without_network.select(
            pl.col(f"name_{lang}").alias(t("common.country")),
            pl.col("region").replace_strict(regions).alias(t("common.region")),
            pl.col("unesco_status").replace_strict({"member": t("dash.member_state"), "associate": t("dash.associate")})
            .alias(t("dash.col_unesco_status")),
        )
        charts.table(frame, name="without-network", key="without", height=min(400, 38 + 35 * frame.height))

        st.subheader(t("dash.missing_theme_title"))
        missing = dash.missing_theme
        if missing.height:
            frame = missing.select(
                pl.col(country).alias(t("common.country")),
                pl.col("institutions").alias(t("dash.col_institutions")),
                *[pl.when(pl.col(c) == 0).then(pl.lit("✗ " + t("dash.none"))).otherwise(pl.col(c).cast(pl.String))
                  .alias(theme_name[c]) for c in THEMES],
            )
            charts.table(frame, name="networks-missing-a-theme", key="missing")
        else:
            st.success(t("dash.no_missing_theme"))

        st.subheader(t("dash.levels_title"))
        levels = dash.level_by_region.with_columns(
            pl.col("region").replace_strict(regions).alias("row"),
            pl.col("level").replace_strict(level_name).alias("column"),
            pl.format("{}{}", render(dash.level_by_region["share"], percent),
                      pl.when("under_represented").then(pl.lit(" ⚠")).otherwise(pl.lit(""))).alias("label"),
        )
        charts.with_data(
            charts.heat_table(levels, row="row", column="column", value="share", label="label",
                              row_title=t("common.region"), column_title=t("facet.level"),
                              column_order=[level_name[c] for c in LEVELS]),
            levels.select(pl.col("row").alias(t("common.region")), pl.col("column").alias(t("facet.level")),
                          pl.col("institutions").alias(t("dash.col_institutions")), pl.col("share").round(4),
                          pl.col("overall_share").round(4), "under_represented"),
            name="levels-by-region", key="levels")
        st.caption(t("dash.levels_definition"))

        st.subheader(t("dash.quality_title"))
        quality = dash.quality.select(
            pl.col(country).alias("country"), "institutions",
            (pl.col("filled") * 100).round(0).alias("filled"), (pl.col("stale") * 100).round(0).alias("stale"),
            (pl.col("network_filled") * 100).round(0).alias("network_filled"), "last_update")
        charts.table(quality, name="data-quality", key="quality", height=380, column_config={
            "country": t("common.country"), "institutions": t("dash.col_institutions"),
            "filled": st.column_config.ProgressColumn(t("dash.col_filled"), format="%d%%", min_value=0, max_value=100),
            "stale": st.column_config.ProgressColumn(t("dash.col_stale"), format="%d%%", min_value=0, max_value=100),
            "network_filled": st.column_config.ProgressColumn(t("dash.col_network_filled"), format="%d%%",
                                                              min_value=0, max_value=100),
            "last_update": st.column_config.DatetimeColumn(t("dash.col_last_update"), format="YYYY-MM-DD"),
        })
        st.caption(t("dash.quality_definition"))

if change.open:
    with change:
        st.subheader(t("dash.members_by_region"))
        frame = dash.joins_by_region.with_columns(pl.col("region").replace_strict(regions).alias("series"))
        charts.with_data(
            charts.lines(frame, x="year", y="members", series="series", x_title=t("network.year"),
                         y_title=t("network.members_total"), series_title=t("common.region")),
            frame.select(pl.col("year").alias(t("network.year")), pl.col("series").alias(t("common.region")),
                         pl.col("joined").alias(t("network.joined_per_year")),
                         pl.col("withdrawn").alias(t("status.withdrawn")),
                         pl.col("members").alias(t("network.members_total"))),
            name="members-by-region", key="by_region")
        st.subheader(t("dash.members_by_theme"))
        frame = dash.joins_by_theme.with_columns(pl.col("theme").replace_strict(theme_name).alias("series"))
        charts.with_data(
            charts.lines(frame, x="year", y="members", series="series", x_title=t("network.year"),
                         y_title=t("network.members_total"), series_title=t("facet.theme"),
                         colours={theme_name[c]: THEME_COLORS[c] for c in THEMES}),
            frame.select(pl.col("year").alias(t("network.year")), pl.col("series").alias(t("facet.theme")),
                         pl.col("joined").alias(t("network.joined_per_year")),
                         pl.col("members").alias(t("network.members_total"))),
            name="members-by-theme", key="by_theme")
        joins, leaves = st.columns(2)
        with joins:
            st.subheader(t("dash.joins_per_year"))
            per_year = dash.joins_by_region.group_by("year").agg(pl.col("joined").sum()).sort("year")
            charts.with_data(charts.bars(per_year, x="year", y="joined", x_title=t("network.year"),
                                         y_title=t("network.joined_per_year"), colour="#009E73"),
                             per_year, name="joins-per-year", key="joins")
        with leaves:
            st.subheader(t("dash.withdrawals"))
            charts.with_data(charts.bars(dash.withdrawals, x="year", y="withdrawn", x_title=t("network.year"),
                                         y_title=t("status.withdrawn"), colour="#999999"),
                             dash.withdrawals, name="withdrawals", key="withdrawals")

if applications.open:
    with applications:
        stage_name = {s: t(f"stage.{s}") for s in APPLICATION_STAGES}
        funnel = dash.funnel
        st.subheader(t("dash.funnel"))
        totals = funnel.group_by("stage").agg(pl.col("entered").sum(), pl.col("applications").sum())
        totals = pl.DataFrame({"stage": list(APPLICATION_STAGES)}).join(totals, on="stage", how="left").fill_null(0)
        totals = totals.with_columns(pl.col("stage").replace_strict(stage_name).alias("label"))
        charts.with_data(
            charts.bars(totals, x="label", y="entered", x_title=t("dash.stage"), y_title=t("dash.entered"),
                        horizontal=True, sort=[stage_name[s] for s in APPLICATION_STAGES]),
            totals.select(pl.col("label").alias(t("dash.stage")), pl.col("entered").alias(t("dash.entered")),
                          pl.col("applications").alias(t("dash.now_in_stage"))),
            name="application-funnel", key="funnel")
        st.caption(t("dash.funnel_definition"))
        st.subheader(t("dash.median_days"))
        waiting = funnel.filter(pl.col("median_days").is_not_null()).with_columns(
            pl.col("region").replace_strict(regions).alias("row"),
            pl.col("stage").replace_strict(stage_name).alias("column"),
            pl.col("median_days").cast(pl.Int64).cast(pl.String).alias("label"))
        if waiting.height:
            charts.with_data(
                charts.heat_table(waiting, row="row", column="column", value="median_days", label="label",
                                  row_title=t("common.region"), column_title=t("dash.stage"), percent=False),
                waiting.select(pl.col("row").alias(t("common.region")), pl.col("column").alias(t("dash.stage")),
                               pl.col("median_days").alias(t("dash.median_days_col")),
                               pl.col("entered").alias(t("dash.entered"))),
                name="days-per-stage", key="days")
        st.caption(t("dash.median_days_definition"))
