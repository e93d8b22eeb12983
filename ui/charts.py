"""Altair charts for the dashboard, each with its data as a table and a CSV download."""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

from aspnet_data.text import spreadsheet_safe

from .i18n import t

# Okabe-Ito, in an order that keeps neighbours distinguishable for colour-blind readers.
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
HEAT = "blues"


def with_data(chart: alt.Chart | None, frame: pl.DataFrame, *, name: str, key: str) -> None:
    """Draw ``chart`` (if any), then its data: a table in an expander and a CSV download."""
    if chart is not None:
        st.altair_chart(chart, width="stretch")
    with st.expander(t("dash.table_view"), icon=":material/table:"):
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button(
            t("dash.download_csv"), spreadsheet_safe(frame).write_csv().encode("utf-8-sig"), file_name=f"aspnet-{name}.csv",
            mime="text/csv", icon=":material/download:", key=f"csv_{key}", on_click="ignore",
        )


def table(frame: pl.DataFrame, *, name: str, key: str, **dataframe_args) -> None:
    """A table that is its own picture, with a CSV download of exactly what it shows."""
    st.dataframe(frame, hide_index=True, width="stretch", **dataframe_args)
    st.download_button(
        t("dash.download_csv"), spreadsheet_safe(frame).write_csv().encode("utf-8-sig"), file_name=f"aspnet-{name}.csv",
        mime="text/csv", icon=":material/download:", key=f"csv_{key}", on_click="ignore",
    )


def heat_table(frame: pl.DataFrame, *, row: str, column: str, value: str, label: str, row_title: str,
               column_title: str, row_order: list[str] | None = None, column_order: list[str] | None = None,
               percent: bool = True) -> alt.LayerChart:
    """A heat table: one cell per (row, column), shaded by ``value`` and labelled with ``label``."""
    base = alt.Chart(frame.to_pandas()).encode(
        x=alt.X(f"{column}:N", title=column_title, sort=column_order, axis=alt.Axis(labelAngle=0, labelLimit=180)),
        y=alt.Y(f"{row}:N", title=row_title, sort=row_order, axis=alt.Axis(labelLimit=260)),
    )
    fmt = ".0%" if percent else ",d"
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color(f"{value}:Q", scale=alt.Scale(scheme=HEAT), legend=None),
        tooltip=[alt.Tooltip(f"{row}:N", title=row_title), alt.Tooltip(f"{column}:N", title=column_title),
                 alt.Tooltip(f"{value}:Q", title=t("dash.value"), format=fmt), alt.Tooltip(f"{label}:N", title=" ")],
    )
    text = base.mark_text(fontSize=13).encode(
        text=f"{label}:N",
        color=alt.condition(f"datum.{value} > {_dark_threshold(frame, value)}", alt.value("white"), alt.value("#1B2A38")),
    )
    return (rect + text).properties(height=max(160, 42 * frame[row].n_unique()))


def _dark_threshold(frame: pl.DataFrame, value: str) -> float:
    values = frame[value].drop_nulls()
    return float(values.min() + (values.max() - values.min()) * 0.6) if len(values) else 0.0


def lines(frame: pl.DataFrame, *, x: str, y: str, series: str, x_title: str, y_title: str, series_title: str,
          colours: dict[str, str] | None = None) -> alt.Chart:
    names = frame[series].unique(maintain_order=True).to_list()
    scale = (alt.Scale(domain=list(colours), range=list(colours.values())) if colours
             else alt.Scale(domain=names, range=CATEGORICAL[: len(names)]))
    return alt.Chart(frame.to_pandas()).mark_line(strokeWidth=2.5).encode(
        x=alt.X(f"{x}:Q", title=x_title, axis=alt.Axis(format="d")),
        y=alt.Y(f"{y}:Q", title=y_title),
        color=alt.Color(f"{series}:N", title=series_title, scale=scale,
                        legend=alt.Legend(orient="bottom", columns=3, labelLimit=300) if len(names) > 1 else None),
        tooltip=[alt.Tooltip(f"{x}:Q", title=x_title, format="d"), alt.Tooltip(f"{series}:N", title=series_title),
                 alt.Tooltip(f"{y}:Q", title=y_title, format=",d")],
    ).properties(height=300)


def bars(frame: pl.DataFrame, *, x: str, y: str, x_title: str, y_title: str, colour: str = "#0072B2",
         horizontal: bool = False, sort: list[str] | None = None) -> alt.Chart:
    if horizontal:
        enc = dict(y=alt.Y(f"{x}:N", title=x_title, sort=sort, axis=alt.Axis(labelLimit=260, labelOverlap=False)),
                   x=alt.X(f"{y}:Q", title=y_title))
    else:
        enc = dict(x=alt.X(f"{x}:O", title=x_title, sort=sort, axis=alt.Axis(labelAngle=0, labelOverlap=True)),
                   y=alt.Y(f"{y}:Q", title=y_title))
    return alt.Chart(frame.to_pandas()).mark_bar(color=colour).encode(
        **enc, tooltip=[alt.Tooltip(f"{x}:N", title=x_title), alt.Tooltip(f"{y}:Q", title=y_title, format=",")],
    ).properties(height=260 if not horizontal else max(160, 34 * frame.height))
