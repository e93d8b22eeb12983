"""Dashboard: coverage by priority theme, gaps, change over time and (staff) the application funnel."""

import polars as pl
import streamlit as st

from aspnet_data.permissions import can
from aspnet_data.vocab import APPLICATION_STAGES, LEVELS, REGIONS, THEMES
from ui import charts, data, filters, map_charts
from ui.auth import current_actor
from ui.i18n import current_language, name_column, number, percent, render, t
from ui.layout import as_of_caption
from ui.palette import THEME_COLORS

TABS = ("coverage", "gaps", "change", "applications")  # ?tab= values, in tab order
STAFF_TABS = {"applications"}

lang = current_language()
actor = current_actor()
staff = can(actor, "read_staff_figures")
st.title(t("dash.title"))
st.caption(t("dash.intro"))
sel, _ = filters.selection_panel(
    search=False, facets=("region", "country", "level", "ownership", "status"), page_keys=("tab",)
)
with st.spinner(t("dash.loading")):
    dash = data.dashboard(sel)
regions = data.region_names(lang)
theme_name = {code: t(f"theme.{code}") for code in THEMES}
theme_short = {code: t(f"theme_short.{code}") for code in THEMES}  # for narrow chart columns
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
    col.metric(
        theme_name[code],
        percent(share),
        border=True,
        help=t("dash.theme_share_help", count=number(dash.theme_totals[code]), total=number(dash.active)),
    )
as_of_caption(dash.as_of, dash.data_version)
if not staff:
    st.caption(t("dash.staff_note"))

# -- tabs, the open one kept in the URL (?tab=) so that a copied link opens it ------------------
shown = [code for code in TABS if staff or code not in STAFF_TABS]
label_of = {code: t(f"dash.tab_{code}") for code in shown}
requested = st.query_params.get("tab")
if (
    st.session_state.get("dash_tab_synced") != requested or st.session_state.get("dash_tab") not in label_of.values()
):  # a link, the back button, a new language
    st.session_state["dash_tab"] = label_of.get(requested, label_of[shown[0]])
tabs = dict(zip(shown, st.tabs(list(label_of.values()), key="dash_tab", on_change="rerun")))
open_tab = next((code for code, tab in tabs.items() if tab.open), shown[0])
wanted = open_tab if open_tab != shown[0] or requested == shown[0] else None  # the first tab needs no ?tab=
if requested != wanted:
    if wanted is None:
        del st.query_params["tab"]
    else:
        st.query_params["tab"] = wanted
st.session_state["dash_tab_synced"] = wanted


def shares(frame: pl.DataFrame, key: str, names: dict[str, str]) -> pl.DataFrame:
    """Long form: one row per (key, theme) with count, share and a label (share above count)."""
    long = frame.unpivot(index=[key, "institutions"], on=list(THEMES), variable_name="theme", value_name="count")
    long = long.with_columns(
        pl.col(key).replace_strict(names, default=pl.col(key)).alias("row"),
        pl.col("theme").replace_strict(theme_short).alias("column"),
        (pl.col("count") / pl.when(pl.col("institutions") > 0).then("institutions").otherwise(1)).alias("share"),
    )
    return long.with_columns(
        pl.format("{}\n{}", render(long["share"], percent), render(long["count"], number)).alias("label")
    )


def share_table(frame: pl.DataFrame, row_title: str) -> pl.DataFrame:
    return frame.select(
        pl.col("row").alias(row_title),
        pl.col("column").alias(t("facet.theme")),
        pl.col("count").alias(t("dash.col_institutions")),
        (pl.col("share") * 100).round(1).alias(t("dash.col_share_percent")),
    )


if "coverage" in tabs and tabs["coverage"].open:  # only the open tab runs (each tab switch reruns the page)
    with tabs["coverage"]:
        st.subheader(t("dash.theme_by_region"))
        frame = shares(dash.theme_by_region, "region", regions)
        charts.with_data(
            charts.heat_table(
                frame,
                row="row",
                column="column",
                value="share",
                label="label",
                row_title=None,
                column_title=None,
                row_order=[regions[r] for r in dash.theme_by_region["region"]],
                column_order=[theme_short[c] for c in THEMES],
            ),
            share_table(frame, t("common.region")),
            name="theme-by-region",
            key="theme_region",
            alt_text=t("dash.theme_by_region"),
        )
        st.caption(t("dash.share_definition"))

        st.subheader(t("dash.theme_by_level"))
        frame = shares(dash.theme_by_level, "level", level_name)
        charts.with_data(
            charts.heat_table(
                frame,
                row="row",
                column="column",
                value="share",
                label="label",
                row_title=None,
                column_title=None,
                row_order=[level_name[c] for c in dash.levels],
                column_order=[theme_short[c] for c in THEMES],
            ),
            share_table(frame, t("facet.level")),
            name="theme-by-level",
            key="theme_level",
            alt_text=t("dash.theme_by_level"),
        )

        st.subheader(t("dash.theme_map"))
        pick, measure = st.columns(2)
        theme = pick.selectbox(t("facet.theme"), THEMES, format_func=theme_name.get, key="dash_theme")
        per_million = measure.toggle(t("dash.per_million_toggle"), key="dash_per_million")
        by_country = dash.by_country.with_columns(
            pl.col(theme).alias("value")
            if not per_million
            else (pl.col(theme) / pl.col("population") * 1e6).round(2).alias("value")
        )
        map_charts.countries_map(
            by_country,
            value="value",
            cache_key=("dashboard", sel, theme, per_million),
            height=420,
            alt=t("dash.theme_map_alt", theme=theme_name[theme]),
        )
        charts.table(
            by_country.select(
                pl.col(country).alias(t("common.country")),
                pl.col("region").replace_strict(regions).alias(t("common.region")),
                pl.col("institutions").alias(t("dash.col_institutions")),
                *[pl.col(c).alias(theme_name[c]) for c in THEMES],
                pl.col("per_million").alias(t("network.per_million")),
            ),
            name="countries",
            key="countries",
        )

if "gaps" in tabs and tabs["gaps"].open:
    with tabs["gaps"]:
        st.subheader(t("dash.states_without_title"))
        frame = dash.without_network.select(
            pl.col(f"name_{lang}").alias(t("common.country")),
            pl.col("region").replace_strict(regions).alias(t("common.region")),
            pl.col("unesco_status")
            .replace_strict({"member": t("dash.member_state"), "associate": t("dash.associate")})
            .alias(t("dash.col_unesco_status")),
        )
        charts.table(frame, name="without-network", key="without", height=min(400, 38 + 35 * frame.height))

        st.subheader(t("dash.missing_theme_title"))
        missing = dash.missing_theme
        if missing.height:
            frame = missing.select(
                pl.col(country).alias(t("common.country")),
                pl.col("institutions").alias(t("dash.col_institutions")),
                *[
                    pl.when(pl.col(c) == 0)
                    .then(pl.lit("✗ " + t("dash.none")))
                    .otherwise(pl.col(c).cast(pl.String))
                    .alias(theme_name[c])
                    for c in THEMES
                ],
            )
            charts.table(frame, name="networks-missing-a-theme", key="missing")
        else:
            st.success(t("dash.no_missing_theme"))

        st.subheader(t("dash.levels_title"))
        levels = dash.level_by_region.with_columns(
            pl.col("region").replace_strict(regions).alias("row"),
            pl.col("level").replace_strict(level_name).alias("column"),
            pl.format(
                "{}{}",
                render(dash.level_by_region["share"], percent),
                pl.when("under_represented").then(pl.lit(" ⚠")).otherwise(pl.lit("")),
            ).alias("label"),
        )
        charts.with_data(
            charts.heat_table(
                levels,
                row="row",
                column="column",
                value="share",
                label="label",
                row_title=None,
                column_title=None,
                column_order=[level_name[c] for c in dash.levels],
            ),
            levels.select(
                pl.col("row").alias(t("common.region")),
                pl.col("column").alias(t("facet.level")),
                pl.col("institutions").alias(t("dash.col_institutions")),
                (pl.col("share") * 100).round(1).alias(t("dash.col_share_percent")),
                (pl.col("overall_share") * 100).round(1).alias(t("dash.col_overall_share")),
                pl.when("under_represented")
                .then(pl.lit(t("dash.yes")))
                .otherwise(pl.lit(t("dash.no")))
                .alias(t("dash.col_under_represented")),
            ),
            name="levels-by-region",
            key="levels",
            alt_text=t("dash.levels_title"),
        )
        st.caption(t("dash.levels_definition"))

        if staff:
            st.subheader(t("dash.quality_title"))
            quality = data.staff_figures(actor, sel).quality
            labels = {k: t(f"dash.col_{k}") for k in ("filled", "stale", "network_filled", "last_update")}
            percent_format = "%d%%" if lang == "en" else "%d\u00a0%%"  # 81% / 81 %, as percent() writes it
            charts.table(
                quality.select(
                    pl.col(country).alias(t("common.country")),
                    pl.col("institutions").alias(t("dash.col_institutions")),
                    *[
                        (pl.col(k) * 100).round(0).cast(pl.Int64).alias(labels[k])
                        for k in ("filled", "stale", "network_filled")
                    ],
                    pl.col("last_update").dt.date().alias(labels["last_update"]),
                ),
                name="data-quality",
                key="quality",
                height=380,
                column_config={
                    **{
                        labels[k]: st.column_config.ProgressColumn(
                            labels[k], format=percent_format, min_value=0, max_value=100
                        )
                        for k in ("filled", "stale", "network_filled")
                    },
                    labels["last_update"]: st.column_config.DateColumn(labels["last_update"], format="YYYY-MM-DD"),
                },
            )
            st.caption(t("dash.quality_definition"))

if "change" in tabs and tabs["change"].open:
    with tabs["change"]:
        years = charts.years_of(dash.joins_by_region)  # joins and withdrawals side by side, on one span
        st.subheader(t("dash.members_by_region"))
        frame = dash.joins_by_region.with_columns(pl.col("region").replace_strict(regions).alias("series"))
        charts.with_data(
            charts.lines(
                frame,
                x="year",
                y="members",
                series="series",
                x_title=t("network.year"),
                y_title=t("network.members_total"),
                series_title=t("common.region"),
                order=[regions[code] for code in REGIONS],
            ),
            frame.select(
                pl.col("year").alias(t("network.year")),
                pl.col("series").alias(t("common.region")),
                pl.col("joined").alias(t("network.joined_per_year")),
                pl.col("withdrawn").alias(t("status.withdrawn")),
                pl.col("members").alias(t("network.members_total")),
            ),
            name="members-by-region",
            key="by_region",
            alt_text=t("dash.members_by_region"),
        )
        st.subheader(t("dash.members_by_theme"))
        frame = dash.joins_by_theme.with_columns(pl.col("theme").replace_strict(theme_name).alias("series"))
        charts.with_data(
            charts.lines(
                frame,
                x="year",
                y="members",
                series="series",
                x_title=t("network.year"),
                y_title=t("network.members_total"),
                series_title=t("facet.theme"),
                colours={theme_name[c]: THEME_COLORS[c] for c in THEMES},
            ),
            frame.select(
                pl.col("year").alias(t("network.year")),
                pl.col("series").alias(t("facet.theme")),
                pl.col("joined").alias(t("network.joined_per_year")),
                pl.col("members").alias(t("network.members_total")),
            ),
            name="members-by-theme",
            key="by_theme",
            alt_text=t("dash.members_by_theme"),
        )
        joins, leaves = st.columns(2)
        with joins:
            st.subheader(t("dash.joins_per_year"))
            per_year = dash.joins_by_region.group_by("year").agg(pl.col("joined").sum()).sort("year")
            charts.with_data(
                charts.per_year(
                    per_year,
                    x="year",
                    y="joined",
                    x_title=t("network.year"),
                    y_title=t("network.joined_per_year"),
                    colour="#009E73",
                    years=years,
                ),
                per_year.select(
                    pl.col("year").alias(t("network.year")), pl.col("joined").alias(t("network.joined_per_year"))
                ),
                name="joins-per-year",
                key="joins",
                alt_text=t("dash.joins_per_year"),
            )
        with leaves:
            st.subheader(t("dash.withdrawals"))
            charts.with_data(
                charts.per_year(
                    dash.withdrawals,
                    x="year",
                    y="withdrawn",
                    x_title=t("network.year"),
                    y_title=t("status.withdrawn"),
                    colour="#999999",
                    years=years,
                ),
                dash.withdrawals.select(
                    pl.col("year").alias(t("network.year")), pl.col("withdrawn").alias(t("status.withdrawn"))
                ),
                name="withdrawals",
                key="withdrawals",
                alt_text=t("dash.withdrawals"),
            )

if "applications" in tabs and tabs["applications"].open:
    with tabs["applications"]:
        stage_name = {s: t(f"stage.{s}") for s in APPLICATION_STAGES}
        funnel = data.staff_figures(actor, sel).funnel
        st.subheader(t("dash.funnel"))
        totals = funnel.group_by("stage").agg(pl.col("entered").sum(), pl.col("applications").sum())
        totals = pl.DataFrame({"stage": list(APPLICATION_STAGES)}).join(totals, on="stage", how="left").fill_null(0)
        totals = totals.with_columns(pl.col("stage").replace_strict(stage_name).alias("label"))
        charts.with_data(
            charts.bars(
                totals,
                x="label",
                y="entered",
                x_title=None,
                y_title=t("dash.entered"),
                horizontal=True,
                sort=[stage_name[s] for s in APPLICATION_STAGES],
            ),
            totals.select(
                pl.col("label").alias(t("dash.stage")),
                pl.col("entered").alias(t("dash.entered")),
                pl.col("applications").alias(t("dash.now_in_stage")),
            ),
            name="application-funnel",
            key="funnel",
            alt_text=t("dash.funnel"),
        )
        st.caption(t("dash.funnel_definition"))
        st.subheader(t("dash.median_days"))
        waiting = funnel.filter(pl.col("median_days").is_not_null()).with_columns(
            pl.col("region").replace_strict(regions).alias("row"),
            pl.col("stage").replace_strict(stage_name).alias("column"),
        )
        waiting = waiting.with_columns(render(waiting["median_days"], number).alias("label"))
        if waiting.height:
            charts.with_data(
                charts.heat_table(
                    waiting,
                    row="row",
                    column="column",
                    value="median_days",
                    label="label",
                    row_title=None,
                    column_title=None,
                    percent=False,
                    column_order=[stage_name[s] for s in APPLICATION_STAGES if s in set(waiting["stage"])],
                ),
                waiting.select(
                    pl.col("row").alias(t("common.region")),
                    pl.col("column").alias(t("dash.stage")),
                    pl.col("median_days").alias(t("dash.median_days_col")),
                    pl.col("entered").alias(t("dash.entered")),
                ),
                name="days-per-stage",
                key="days",
                alt_text=t("dash.median_days"),
            )
        st.caption(t("dash.median_days_definition"))
