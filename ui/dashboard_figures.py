"""The dashboard's figures: each one a chart with its table (or a table alone), shaped here from
the frames of :class:`aspnet_data.dashboard.Dashboard` and named in the interface language.

The page lays them out under their headings, one call each::

    st.subheader(t("dash.theme_by_region"))
    dashboard_figures.theme_shares(dash.theme_by_region, "region", regions, order, row_title, ...)
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl
import streamlit as st

from aspnet_data.dashboard import Dashboard
from aspnet_data.directory import Selection
from aspnet_data.vocab import APPLICATION_STAGES, LEVELS, REGIONS, THEMES

from . import charts, data, map_charts
from .i18n import current_language, name_column, number, percent, render, t
from .layout import figure_cards
from .palette import THEME_COLORS


def theme_names() -> dict[str, str]:
    return {code: t(f"theme.{code}") for code in THEMES}


def theme_short_names() -> dict[str, str]:
    """Short theme names, for narrow chart columns."""
    return {code: t(f"theme_short.{code}") for code in THEMES}


def level_names() -> dict[str, str]:
    return {code: t(f"level.{code}") for code in LEVELS}


def stage_names() -> dict[str, str]:
    return {stage: t(f"stage.{stage}") for stage in APPLICATION_STAGES}


# -- headline ------------------------------------------------------------------------------------


def headline(dash: Dashboard) -> None:
    """Networks, states without one, institutions by status, and each theme's share, in cards."""
    without = dash.without_network["unesco_status"]
    counts = [
        (t("home.networks"), dash.networks, "dash.networks_help"),
        (t("dash.states_without"), int((without == "member").sum()), "dash.states_without_help"),
        (t("dash.associates_without"), int((without == "associate").sum()), "dash.associates_without_help"),
        (t("status.member"), dash.by_status["member"], "home.member_help"),
        (t("status.candidate"), dash.by_status["candidate"], "home.candidate_help"),
        (t("status.withdrawn"), dash.by_status["withdrawn"], "home.withdrawn_help"),
    ]
    for row in (counts[:3], counts[3:]):
        figure_cards([(label, number(value), t(help_key)) for label, value, help_key in row])
    names = theme_names()
    figure_cards(
        [
            (
                names[code],
                percent(dash.theme_totals[code] / dash.active if dash.active else 0.0),
                t("dash.theme_share_help", count=number(dash.theme_totals[code]), total=number(dash.active)),
            )
            for code in THEMES
        ]
    )


# -- coverage -------------------------------------------------------------------------------------


def _shares(frame: pl.DataFrame, key: str, names: Mapping[str, str]) -> pl.DataFrame:
    """Long form: one row per (key, theme) with count, share and a label (share above count)."""
    long = frame.unpivot(index=[key, "institutions"], on=list(THEMES), variable_name="theme", value_name="count")
    long = long.with_columns(
        pl.col(key).replace_strict(names, default=pl.col(key)).alias("row"),
        pl.col("theme").replace_strict(theme_short_names()).alias("column"),
        (pl.col("count") / pl.when(pl.col("institutions") > 0).then("institutions").otherwise(1)).alias("share"),
    )
    return long.with_columns(
        pl.format("{}\n{}", render(long["share"], percent), render(long["count"], number)).alias("label")
    )


def theme_shares(
    frame: pl.DataFrame,
    key: str,
    names: Mapping[str, str],
    order: list[str],
    row_title: str,
    *,
    name: str,
    table_key: str,
    alt_text: str,
) -> None:
    """The share of institutions in each theme per ``key`` (region, level): a heat table whose
    rows are ``order``, with its table."""
    shares = _shares(frame, key, names)
    charts.with_data(
        charts.heat_table(
            shares,
            row="row",
            column="column",
            value="share",
            label="label",
            row_title=None,
            column_title=None,
            row_order=order,
            column_order=[theme_short_names()[c] for c in THEMES],
        ),
        shares.select(
            pl.col("row").alias(row_title),
            pl.col("column").alias(t("facet.theme")),
            pl.col("count").alias(t("dash.col_institutions")),
            (pl.col("share") * 100).round(1).alias(t("dash.col_share_percent")),
        ),
        name=name,
        key=table_key,
        alt_text=alt_text,
    )


def theme_by_country(dash: Dashboard, sel: Selection, theme: str, *, per_million: bool) -> None:
    """Countries shaded by their institutions in ``theme`` (or per million inhabitants), then
    every country's figures in a table."""
    country, regions = name_column(), _regions()
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
        alt=t("dash.theme_map_alt", theme=theme_names()[theme]),
    )
    charts.table(
        by_country.select(
            pl.col(country).alias(t("common.country")),
            pl.col("region").replace_strict(regions).alias(t("common.region")),
            pl.col("institutions").alias(t("dash.col_institutions")),
            *[pl.col(c).alias(theme_names()[c]) for c in THEMES],
            pl.col("per_million").alias(t("network.per_million")),
        ),
        name="countries",
        key="countries",
    )


def _regions() -> dict[str, str]:
    return data.region_names(current_language())


# -- gaps ------------------------------------------------------------------------------------------


def states_without_network(dash: Dashboard) -> None:
    """UNESCO Member States and Associate Members with no network, in a table."""
    frame = dash.without_network.select(
        pl.col(name_column()).alias(t("common.country")),
        pl.col("region").replace_strict(_regions()).alias(t("common.region")),
        pl.col("unesco_status")
        .replace_strict({"member": t("dash.member_state"), "associate": t("dash.associate")})
        .alias(t("dash.col_unesco_status")),
    )
    charts.table(frame, name="without-network", key="without", height=min(400, 38 + 35 * frame.height))


def networks_missing_a_theme(missing: pl.DataFrame) -> None:
    """Networks without an institution in one theme or more: their count per theme, the
    missing ones marked."""
    names = theme_names()
    frame = missing.select(
        pl.col(name_column()).alias(t("common.country")),
        pl.col("institutions").alias(t("dash.col_institutions")),
        *[
            pl.when(pl.col(c) == 0)
            .then(pl.lit("✗ " + t("dash.none")))
            .otherwise(pl.col(c).cast(pl.String))
            .alias(names[c])
            for c in THEMES
        ],
    )
    charts.table(frame, name="networks-missing-a-theme", key="missing")


def levels_by_region(dash: Dashboard) -> None:
    """Each level's share of a region's institutions, under-represented ones marked, with its table."""
    levels = level_names()
    frame = dash.level_by_region.with_columns(
        pl.col("region").replace_strict(_regions()).alias("row"),
        pl.col("level").replace_strict(levels).alias("column"),
        pl.format(
            "{}{}",
            render(dash.level_by_region["share"], percent),
            pl.when("under_represented").then(pl.lit(" ⚠")).otherwise(pl.lit("")),
        ).alias("label"),
    )
    charts.with_data(
        charts.heat_table(
            frame,
            row="row",
            column="column",
            value="share",
            label="label",
            row_title=None,
            column_title=None,
            column_order=[levels[c] for c in dash.levels],
        ),
        frame.select(
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


_QUALITY_SHARES = ("filled", "stale", "network_filled")


def data_quality(quality: pl.DataFrame) -> None:
    """Each network's data quality: shares as bars in the cells, the date of the last update."""
    labels = {k: t(f"dash.col_{k}") for k in (*_QUALITY_SHARES, "last_update")}
    # 81% / 81 %, as percent() writes it
    percent_format = "%d%%" if current_language() == "en" else "%d\u00a0%%"
    charts.table(
        quality.select(
            pl.col(name_column()).alias(t("common.country")),
            pl.col("institutions").alias(t("dash.col_institutions")),
            *[(pl.col(k) * 100).round(0).cast(pl.Int64).alias(labels[k]) for k in _QUALITY_SHARES],
            pl.col("last_update").dt.date().alias(labels["last_update"]),
        ),
        name="data-quality",
        key="quality",
        height=380,
        column_config={
            **{
                labels[k]: st.column_config.ProgressColumn(labels[k], format=percent_format, min_value=0, max_value=100)
                for k in _QUALITY_SHARES
            },
            labels["last_update"]: st.column_config.DateColumn(labels["last_update"], format="YYYY-MM-DD"),
        },
    )


# -- change over time ----------------------------------------------------------------------------


def members_by_region(dash: Dashboard) -> None:
    """Members at each year's end, a line per region, with its table."""
    regions = _regions()
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


def members_by_theme(dash: Dashboard) -> None:
    """Members at each year's end, a line per theme in its colour, with its table."""
    names = theme_names()
    frame = dash.joins_by_theme.with_columns(pl.col("theme").replace_strict(names).alias("series"))
    charts.with_data(
        charts.lines(
            frame,
            x="year",
            y="members",
            series="series",
            x_title=t("network.year"),
            y_title=t("network.members_total"),
            series_title=t("facet.theme"),
            colours={names[c]: THEME_COLORS[c] for c in THEMES},
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


def joins_per_year(dash: Dashboard, years: tuple[int, int]) -> None:
    """Institutions that joined each year (on the span ``years``), with its table."""
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
        per_year.select(pl.col("year").alias(t("network.year")), pl.col("joined").alias(t("network.joined_per_year"))),
        name="joins-per-year",
        key="joins",
        alt_text=t("dash.joins_per_year"),
    )


def withdrawals_per_year(dash: Dashboard, years: tuple[int, int]) -> None:
    """Institutions that withdrew each year (on the span ``years``), with its table."""
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


# -- applications -----------------------------------------------------------------------------------


def funnel(applications: pl.DataFrame) -> None:
    """Applications that entered each stage (every stage, in order), with its table."""
    stages = stage_names()
    totals = applications.group_by("stage").agg(pl.col("entered").sum(), pl.col("applications").sum())
    totals = pl.DataFrame({"stage": list(APPLICATION_STAGES)}).join(totals, on="stage", how="left").fill_null(0)
    totals = totals.with_columns(pl.col("stage").replace_strict(stages).alias("label"))
    charts.with_data(
        charts.bars(
            totals,
            x="label",
            y="entered",
            x_title=None,
            y_title=t("dash.entered"),
            horizontal=True,
            sort=[stages[s] for s in APPLICATION_STAGES],
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


def days_per_stage(applications: pl.DataFrame) -> None:
    """The median days an application spent in each stage, per region (stages with none left out)."""
    stages = stage_names()
    waiting = applications.filter(pl.col("median_days").is_not_null()).with_columns(
        pl.col("region").replace_strict(_regions()).alias("row"),
        pl.col("stage").replace_strict(stages).alias("column"),
    )
    waiting = waiting.with_columns(render(waiting["median_days"], number).alias("label"))
    if waiting.height == 0:
        return
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
            column_order=[stages[s] for s in APPLICATION_STAGES if s in set(waiting["stage"])],
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
