"""The dashboard's reporting tab: who reported for each year (on time, late, accepted) by
region, network and theme, the activities and self-assessment in the reports, and the
candidates' way to full membership. Shaped here from :class:`aspnet_data.reporting.Reporting`."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from aspnet_data import reporting
from aspnet_data.reports import ASSESSMENT_ITEMS
from aspnet_data.vocab import REGIONS, THEMES

from . import charts, data, map_charts
from .i18n import current_language, name_column, number, percent, t
from .layout import Figure, figure_cards
from .palette import THEME_COLORS

ON_TIME, LATE = "#0072B2", "#E69F00"


def _regions() -> dict[str, str]:
    return data.region_names(current_language())


def _year_label(year: int) -> str:
    return f"{year - 1}–{year}"


def tab(figures: reporting.Reporting, countries: pl.DataFrame, inactive: int | None) -> None:
    """The whole tab: headline of the latest closed cycle, trend, map, regions, themes, pipeline.
    ``countries``: iso3, the names, has_outline and the capitals (the dashboard's by_country)."""
    closed = list(figures.years[:-1]) or figures.years
    year = st.selectbox(t("dash.report_year"), list(reversed(closed)), format_func=_year_label, key="dash_report_year")
    totals = reporting.shares(figures.by_network, ["year"]).filter(pl.col("year") == year)
    row = totals.row(0, named=True) if totals.height else None
    cards: list[Figure] = [
        (t("dash.report_expected"), number(row["expected"]) if row else "0"),
        (
            t("dash.report_reported"),
            percent(row["reported_share"] or 0) if row else "—",
            t("dash.report_reported_help"),
        ),
        (t("dash.report_on_time"), percent(row["on_time_share"] or 0) if row else "—"),
        (t("dash.report_accepted"), percent(row["accepted_share"] or 0) if row else "—"),
    ]
    if inactive is not None:
        cards.append((t("dash.report_inactive"), number(inactive), t("dash.report_inactive_help")))
    figure_cards(cards)

    st.subheader(t("dash.report_trend"))
    trend(figures)
    st.caption(t("dash.report_definition"))

    st.subheader(t("dash.report_map"))
    by_network = reporting.shares(figures.by_network.filter(pl.col("year") == year), ["network"])
    shaded = (
        countries.select("iso3", name_column(), "has_outline", "capital_lat", "capital_lon")
        .join(by_network, left_on="iso3", right_on="network", how="inner")
        .with_columns((pl.col("reported_share") * 100).round(0).cast(pl.Int64).fill_null(0).alias("value"))
    )
    map_charts.countries_map(
        shaded,
        value="value",
        cache_key=("report-map", year),
        height=380,
        alt=t("dash.report_map_alt", year=_year_label(year)),
        legend_title=t("dash.report_map_legend"),
    )
    charts.table(
        shaded.sort("reported_share", descending=True).select(
            pl.col(name_column()).alias(t("common.country")),
            pl.col("expected").alias(t("dash.report_expected")),
            (pl.col("reported_share") * 100).round(0).cast(pl.Int64).alias(t("dash.report_reported")),
            (pl.col("on_time_share") * 100).round(0).cast(pl.Int64).alias(t("dash.report_on_time")),
            (pl.col("accepted_share") * 100).round(0).cast(pl.Int64).alias(t("dash.report_accepted")),
        ),
        name=f"reporting-{year}",
        key="report_networks",
        height=300,
    )

    st.subheader(t("dash.report_by_region"))
    regions = _regions()
    by_theme = figures.by_theme.filter(pl.col("year") == year).with_columns(
        (pl.col("reported") / pl.col("expected")).alias("share"),
        pl.col("region").replace_strict(regions, default=pl.col("region")).alias("region_name"),
        pl.col("theme").replace_strict({c: t(f"theme.{c}") for c in THEMES}).alias("theme_name"),
    )
    shaped = by_theme.with_columns(
        pl.format("{}\n{}", pl.col("share").map_elements(percent, return_dtype=pl.String), pl.col("reported")).alias(
            "label"
        )
    )
    charts.with_data(
        charts.heat_table(
            shaped,
            row="region_name",
            column="theme_name",
            value="share",
            label="label",
            row_title=None,
            column_title=None,
            row_order=[regions[r] for r in REGIONS if r in regions],
            column_order=[t(f"theme.{c}") for c in THEMES],
        )
        if shaped.height
        else None,
        shaped.select(
            pl.col("region_name").alias(t("common.region")),
            pl.col("theme_name").alias(t("facet.theme")),
            pl.col("expected").alias(t("dash.report_expected")),
            pl.col("reported").alias(t("dash.report_received")),
        ),
        name=f"reporting-by-region-{year}",
        key="report_regions",
        alt_text=t("dash.report_by_region"),
    )

    left, right = st.columns(2)
    with left:
        st.subheader(t("dash.report_activities"))
        activities = figures.activities.with_columns(
            pl.col("theme").replace_strict({c: t(f"theme.{c}") for c in THEMES}).alias("theme_name")
        )
        chart = (
            alt.Chart(activities.to_pandas())
            .mark_bar()
            .encode(
                x=alt.X("year:O", title=None, axis=alt.Axis(labelAngle=0)),
                xOffset="theme_name:N",
                y=alt.Y("activities:Q", title=t("dash.report_activity_count"), axis=alt.Axis(format=",d")),
                color=alt.Color(
                    "theme_name:N",
                    title=None,
                    scale=alt.Scale(domain=[t(f"theme.{c}") for c in THEMES], range=[THEME_COLORS[c] for c in THEMES]),
                    legend=alt.Legend(orient="bottom", direction="vertical"),
                ),
                tooltip=[
                    alt.Tooltip("year:O", title=t("dash.col_year")),
                    alt.Tooltip("theme_name:N", title=t("facet.theme")),
                    alt.Tooltip("activities:Q", title=t("dash.report_activity_count"), format=",d"),
                ],
            )
            .properties(height=300)
            if activities.height
            else None
        )
        charts.with_data(
            chart,
            activities.select(
                pl.col("year").alias(t("dash.col_year")),
                pl.col("theme_name").alias(t("facet.theme")),
                pl.col("activities").alias(t("dash.report_activity_count")),
            ),
            name="reported-activities",
            key="report_activities",
            alt_text=t("dash.report_activities"),
        )
    with right:
        st.subheader(t("dash.report_assessment"))
        scores = (
            figures.scores.filter(pl.col("year") == year)
            .group_by("region", "theme")
            .agg((pl.col("average") * pl.col("reports")).sum() / pl.col("reports").sum())
            .with_columns(
                pl.col("region").replace_strict(regions, default=pl.col("region")).alias("region_name"),
                # Short names: half the page leaves no room for the long ones.
                pl.col("theme").replace_strict({c: t(f"theme_short.{c}") for c in THEMES}).alias("theme_name"),
                pl.col("average").round(1).cast(pl.String).alias("label"),
            )
        )
        charts.with_data(
            charts.heat_table(
                scores,
                row="region_name",
                column="theme_name",
                value="average",
                label="label",
                row_title=None,
                column_title=None,
                row_order=[regions[r] for r in REGIONS if r in regions],
                column_order=[t(f"theme_short.{c}") for c in THEMES],
                percent=False,
            )
            if scores.height
            else None,
            scores.select(
                pl.col("region_name").alias(t("common.region")),
                pl.col("theme_name").alias(t("facet.theme")),
                pl.col("average").round(2).alias(t("dash.report_average")),
            ),
            name=f"self-assessment-{year}",
            key="report_scores",
            alt_text=t("dash.report_assessment"),
        )
        st.caption(t("dash.report_assessment_definition", items=len(ASSESSMENT_ITEMS)))

    st.subheader(t("dash.pipeline"))
    pipeline = figures.pipeline
    charts.table(
        pipeline.select(
            pl.col("year").alias(t("dash.col_year")),
            pl.col("due").alias(t("dash.pipeline_due")),
            pl.col("proposed").alias(t("dash.pipeline_proposed")),
            pl.col("confirmed").alias(t("dash.pipeline_confirmed")),
            pl.col("median_months").alias(t("dash.pipeline_months")),
        ),
        name="candidates-pipeline",
        key="pipeline",
    )
    st.caption(t("dash.pipeline_definition"))


def trend(figures: reporting.Reporting) -> None:
    """The shares of schools that reported on time and late, stacked, per closed year."""
    yearly = reporting.shares(figures.by_network, ["year"]).filter(pl.col("year") < figures.years[-1])
    long = pl.concat(
        [
            yearly.select(
                "year", pl.lit(t("dash.report_on_time")).alias("kind"), pl.col("on_time_share").alias("share")
            ),
            yearly.select("year", pl.lit(t("dash.report_late")).alias("kind"), pl.col("late_share").alias("share")),
        ]
    ).with_columns(pl.col("year").map_elements(_year_label, return_dtype=pl.String).alias("school_year"))
    kinds = [t("dash.report_on_time"), t("dash.report_late")]
    chart = (
        alt.Chart(long.to_pandas())
        .mark_bar()
        .encode(
            x=alt.X("school_year:N", title=None, axis=alt.Axis(labelAngle=0)),
            # No axis title: a long one squeezes the plot (Streamlit fits the chart to its
            # height); the heading and the tooltip name the share.
            y=alt.Y("share:Q", title=None, axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1])),
            color=alt.Color(
                "kind:N",
                title=None,
                scale=alt.Scale(domain=kinds, range=[ON_TIME, LATE]),
                legend=alt.Legend(orient="bottom"),
            ),
            order=alt.Order("kind:N", sort="descending"),
            tooltip=[
                alt.Tooltip("school_year:N", title=t("dash.col_year")),
                alt.Tooltip("kind:N", title=" "),
                alt.Tooltip("share:Q", title=t("dash.report_share"), format=".0%"),
            ],
        )
        .properties(height=280)
        if long.height
        else None
    )
    charts.with_data(
        chart,
        yearly.select(
            pl.col("year").map_elements(_year_label, return_dtype=pl.String).alias(t("dash.col_year")),
            pl.col("expected").alias(t("dash.report_expected")),
            pl.col("on_time").alias(t("dash.report_on_time")),
            pl.col("late").alias(t("dash.report_late")),
            pl.col("accepted").alias(t("dash.report_accepted")),
        ),
        name="reporting-trend",
        key="report_trend",
        alt_text=t("dash.report_trend"),
    )
