"""Altair charts of the analysts' pages, drawn in the interface language.

Every chart goes through :func:`show`, which gives Vega-Lite the number format of the
interface language (1,000 / 1 000 / 1.000, decimal comma in French and Spanish). Charts
over time put years on a quantitative axis that ends this year, with whole-year ticks.
Long labels wrap onto several lines instead of being cut.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Sequence
from typing import Any

import altair as alt
import polars as pl
import streamlit as st

from aspnet_data.db import utc_now
from aspnet_data.stats import through_year
from aspnet_data.text import spreadsheet_safe

from .i18n import current_language, t
from .palette import REGION_COLOR, WHITE, shade, text_on

# Okabe-Ito, in an order that keeps neighbours distinguishable for colour-blind readers.
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
# d3-format locales, as ui.i18n.number writes numbers (the percent sign as ui.i18n.percent).
NUMBER_LOCALES = {
    "en": {"decimal": ".", "thousands": ",", "grouping": [3], "currency": ["$", ""]},
    "fr": {"decimal": ",", "thousands": "\u202f", "grouping": [3], "currency": ["", "\u00a0€"], "percent": "\u00a0%"},
    "es": {"decimal": ",", "thousands": ".", "grouping": [3], "currency": ["", "\u00a0€"], "percent": "\u00a0%"},
}
# Axis and legend text: 5.9:1 on white (WCAG 2 AA for text), where Streamlit's chart theme gives 3.7:1.
CHART_TEXT = "#5C6570"
WRAP = 24  # characters per line of a wrapped axis label ("Sustainable Development" fits)
# What st.altair_chart draws: a chart, or charts layered or put side by side.
TopLevel = (
    alt.Chart
    | alt.LayerChart
    | alt.ConcatChart
    | alt.HConcatChart
    | alt.VConcatChart
    | alt.FacetChart
    | alt.RepeatChart
)


def localized(chart: TopLevel) -> TopLevel:
    """``chart`` with the number format of the interface language, and axis and legend text
    in a grey that reads on white (Streamlit's chart theme draws it at 3.7:1)."""
    return (
        chart.configure(locale={"number": NUMBER_LOCALES.get(current_language(), NUMBER_LOCALES["en"])})
        .configure_axis(labelColor=CHART_TEXT, titleColor=CHART_TEXT)
        .configure_legend(labelColor=CHART_TEXT, titleColor=CHART_TEXT)
    )


def show(chart: TopLevel, alt_text: str | None = None) -> None:
    """Draw a chart across the page's width, numbers in the interface language; ``alt_text``
    names it for screen readers (otherwise they announce a "Vega visualization")."""
    st.altair_chart(localized(chart), width="stretch", alt=alt_text)


def _csv(frame: pl.DataFrame) -> bytes:
    return spreadsheet_safe(frame).write_csv().encode("utf-8-sig")


def with_data(chart: TopLevel | None, frame: pl.DataFrame, *, name: str, key: str, alt_text: str | None = None) -> None:
    """Draw ``chart`` (if any), then its data: a table in an expander and a CSV download
    of exactly that table (its column names are the interface language's)."""
    if chart is not None:
        show(chart, alt_text)
    with st.expander(t("dash.table_view"), icon=":material/table:"):
        st.dataframe(frame, hide_index=True, width="stretch")
        st.download_button(
            t("dash.download_csv"),
            _csv(frame),
            file_name=f"aspnet-{name}.csv",
            mime="text/csv",
            icon=":material/download:",
            key=f"csv_{key}",
            on_click="ignore",
        )


def table(frame: pl.DataFrame, *, name: str, key: str, **dataframe_args: Any) -> None:
    """A table that is its own picture, with a CSV download of exactly what it shows."""
    st.dataframe(frame, hide_index=True, width="stretch", **dataframe_args)
    st.download_button(
        t("dash.download_csv"),
        _csv(frame),
        file_name=f"aspnet-{name}.csv",
        mime="text/csv",
        icon=":material/download:",
        key=f"csv_{key}",
        on_click="ignore",
    )


# -- labels -----------------------------------------------------------------------------


def _wrap(values: Sequence[str], width: int) -> dict[str, list[str]]:
    """The labels of ``values`` that need several lines, and their lines."""
    out = {}
    for value in dict.fromkeys(str(v) for v in values):
        lines = textwrap.wrap(value, width, break_long_words=False)
        if len(lines) > 1:
            out[value] = lines
    return out


def wrapped(values: Sequence[str], width: int = WRAP) -> str:
    """A Vega expression that shows each long label of ``values`` on several lines."""
    cases = "".join(
        f"datum.label === {json.dumps(v)} ? {json.dumps(lines)} : " for v, lines in _wrap(values, width).items()
    )
    return cases + "datum.label"


def _axis(values: Sequence[str], *, vertical: bool = False, **kwargs: Any) -> alt.Axis:
    """A category axis whose labels show whole (wrapped). On a vertical axis a label of several
    lines hangs from its tick: lift it by half its extra lines to centre it."""
    if vertical:
        lifts = "".join(
            f"datum.label === {json.dumps(v)} ? {-6 * (len(lines) - 1)} : " for v, lines in _wrap(values, WRAP).items()
        )
        if lifts:
            kwargs["labelOffset"] = {"expr": lifts + "0"}
    return alt.Axis(labelExpr=wrapped(values), labelLimit=0, labelOverlap=False, **kwargs)


# -- years ------------------------------------------------------------------------------


def this_year() -> int:
    return utc_now().year


def years_of(frame: pl.DataFrame, x: str = "year") -> tuple[int, int]:
    """The span of a chart over time, from the data's first year to this year (charts side by
    side share it, so that their years line up)."""
    years = [int(year) for year in frame[x].drop_nulls().to_list()]
    last = max(this_year(), max(years, default=0))
    first = min(years) if years else last - 1
    return min(first, last - 1), last


def year_axis(title: str, first: int, last: int, *, bars: bool = False) -> dict:
    """Encoding arguments for a quantitative year axis from ``first`` to ``last`` (whole years)."""
    pad = 0.5 if bars else 0
    return {
        "title": title,
        "scale": alt.Scale(domain=[first - pad, last + pad], nice=False, zero=False),
        "axis": alt.Axis(format="d", tickMinStep=1, labelOverlap=True, labelFlush=False, grid=False),
    }


# -- builders ---------------------------------------------------------------------------


def heat_table(
    frame: pl.DataFrame,
    *,
    row: str,
    column: str,
    value: str,
    label: str,
    row_title: str | None,
    column_title: str | None,
    row_order: list[str] | None = None,
    column_order: list[str] | None = None,
    percent: bool = True,
) -> alt.LayerChart:
    """A heat table: one cell per (row, column), shaded by ``value`` and labelled with ``label``
    (labels may hold a line break, a share above its count: then all of them hold one)."""
    rows = row_order or sorted(frame[row].unique().to_list())
    columns = column_order or frame[column].unique(maintain_order=True).to_list()
    # The fill is chosen here, so that each label takes the ink that reads on its own cell.
    values = [float(v) for v in frame[value].drop_nulls().to_list()]
    low, span = (min(values), (max(values) - min(values)) or 1.0) if values else (0.0, 1.0)
    fills = [shade((v - low) / span) if v is not None else WHITE for v in frame[value].to_list()]
    shaded = frame.with_columns(pl.Series("_fill", fills), pl.Series("_ink", [text_on(f, "#000000") for f in fills]))
    base = alt.Chart(shaded.to_pandas()).encode(
        x=alt.X(f"{column}:N", title=column_title, sort=columns, axis=_column_axis(columns)),
        y=alt.Y(f"{row}:N", title=row_title, sort=rows, axis=_axis(rows, vertical=True, ticks=False, domain=False)),
    )
    label_lines = max((str(v).count("\n") + 1 for v in frame[label].to_list()), default=1)
    fmt = ".0%" if percent else ",d"
    rect = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("_fill:N", scale=None, legend=None),
        tooltip=[
            alt.Tooltip(f"{row}:N", title=row_title or " "),
            alt.Tooltip(f"{column}:N", title=column_title or " "),
            alt.Tooltip(f"{value}:Q", title=t("dash.value"), format=fmt),
        ],
    )
    # A label of several lines is drawn from its first line down: lift it to centre it in its cell.
    text = base.mark_text(fontSize=12, lineBreak="\n", lineHeight=15, dy=-7.5 * (label_lines - 1)).encode(
        text=f"{label}:N",
        color=alt.Color("_ink:N", scale=None, legend=None),
    )
    # fit-x: the height is the cells' (column labels turned upright on a phone add to it).
    return (rect + text).properties(
        height=(18 + 15 * label_lines) * len(rows), autosize=alt.AutoSizeParams(type="fit-x", contains="padding")
    )


def _column_axis(columns: Sequence[str]) -> alt.Axis:
    """Column labels under their cells, wrapped; upright when the cells are too narrow for them
    (on a phone), so that they never run into each other."""
    longest = max((len(line) for c in columns for line in (_wrap([c], WRAP).get(str(c)) or [str(c)])), default=1)
    narrow = f"(width / {max(1, len(columns))} < {6.2 * longest + 10})"
    return alt.Axis(
        labelExpr=f"{narrow} ? datum.label : ({wrapped(columns)})",
        labelLimit=0,
        labelOverlap=False,
        labelAngle={"expr": f"{narrow} ? -90 : 0"},
        labelAlign={"expr": f"{narrow} ? 'right' : 'center'"},
        labelBaseline={"expr": f"{narrow} ? 'middle' : 'top'"},
        labelPadding=6,
        ticks=False,
        domain=False,
    )


LEGEND_WRAP = 34


def _legend(names: Sequence[str]) -> alt.Legend | None:
    """A legend under the chart, one entry a line (a phone has room for no more), labels whole."""
    if len(names) < 2:
        return None
    return alt.Legend(
        orient="bottom",
        direction="vertical",
        columns=1,
        labelLimit=0,
        labelExpr=wrapped(names, LEGEND_WRAP),
        titleLimit=0,
    )


def _legend_height(names: Sequence[str]) -> int:
    """The height a legend from :func:`_legend` takes (Streamlit fits it in the chart's height)."""
    if len(names) < 2:
        return 0
    lines = sum(len(textwrap.wrap(str(n), LEGEND_WRAP, break_long_words=False)) for n in names)
    return 34 + 15 * lines


def lines(
    frame: pl.DataFrame,
    *,
    x: str,
    y: str,
    series: str,
    x_title: str,
    y_title: str,
    series_title: str,
    colours: dict[str, str] | None = None,
    order: Sequence[str] | None = None,
) -> alt.Chart:
    """One line per series over the years (a quantitative axis ending this year). The legend
    lists the series present, in ``order`` (else that of ``colours``, else of the data)."""
    present = set(frame[series].to_list())
    ranking = list(order or colours or frame[series].unique(maintain_order=True).to_list())
    names = [name for name in ranking if name in present] + sorted(present - set(ranking))
    scale = (
        alt.Scale(domain=names, range=[colours.get(n, "#999999") for n in names])
        if colours
        else alt.Scale(domain=names, range=CATEGORICAL[: len(names)])
    )
    first, last = years_of(frame, x)
    return (
        alt.Chart(frame.to_pandas())
        .mark_line(strokeWidth=2.5)
        .encode(
            x=alt.X(f"{x}:Q", **year_axis(x_title, first, last)),
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
            color=alt.Color(f"{series}:N", title=series_title, scale=scale, legend=_legend(names)),
            tooltip=[
                alt.Tooltip(f"{x}:Q", title=x_title, format="d"),
                alt.Tooltip(f"{series}:N", title=series_title),
                alt.Tooltip(f"{y}:Q", title=y_title, format=",d"),
            ],
        )
        .properties(height=300 + _legend_height(names))
    )


def bars(
    frame: pl.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str | None,
    y_title: str,
    colour: str = "#0072B2",
    horizontal: bool = False,
    sort: list[str] | None = None,
    colours: dict[str, str] | None = None,
) -> alt.Chart:
    """Bars of ``y`` per category ``x`` (``horizontal``: one labelled row per category)."""
    labels = sort or frame[x].to_list()
    colour_enc = (
        {"color": alt.Color(f"{x}:N", scale=alt.Scale(domain=list(colours), range=list(colours.values())), legend=None)}
        if colours
        else {}
    )
    if horizontal:
        enc = {
            "y": alt.Y(f"{x}:N", title=x_title, sort=labels, axis=_axis(labels, vertical=True)),
            "x": alt.X(f"{y}:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
        }
    else:
        enc = {
            "x": alt.X(f"{x}:N", title=x_title, sort=labels, axis=_axis(labels, labelAngle=0)),
            "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
        }
    lines_per_label = max((len(textwrap.wrap(str(v), WRAP, break_long_words=False)) for v in labels), default=1)
    return (
        alt.Chart(frame.to_pandas())
        .mark_bar(color=colour)
        .encode(
            **enc,
            **colour_enc,
            tooltip=[alt.Tooltip(f"{x}:N", title=x_title or " "), alt.Tooltip(f"{y}:Q", title=y_title, format=",d")],
            # Streamlit fits the whole chart, axes included, in its height: leave room for the value axis.
        )
        .properties(height=260 if not horizontal else 56 + (14 + 12 * lines_per_label) * len(labels))
    )


def regions(frame: pl.DataFrame, *, region: str, networks: str, institutions: str, description: str) -> alt.Chart:
    """A bar per UNESCO region, longest first, of ``institutions``; the tooltip adds ``networks``.
    ``description`` is the name screen readers announce (instead of "Vega visualization")."""
    return (
        alt.Chart(frame.to_pandas())
        .mark_bar(color=REGION_COLOR)
        .encode(
            x=alt.X(f"{institutions}:Q", axis=alt.Axis(format=",d")),
            y=alt.Y(f"{region}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=260)),
            tooltip=[
                region,
                alt.Tooltip(f"{networks}:Q", format=",d"),
                alt.Tooltip(f"{institutions}:Q", format=",d"),
            ],
        )
        .properties(height=230, description=description)
    )


def per_year(
    frame: pl.DataFrame,
    *,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    colour: str,
    years: tuple[int, int] | None = None,
) -> alt.Chart:
    """A bar per year on a time axis (years without a bar stay empty; the axis ends this year)."""
    first, last = years or years_of(frame, x)
    return (
        alt.Chart(frame.to_pandas())
        .mark_bar(color=colour)
        .transform_calculate(
            start=f"datum.{x} - 0.4",
            end=f"datum.{x} + 0.4",
        )
        .encode(
            x=alt.X("start:Q", **year_axis(x_title, first, last, bars=True)),
            x2="end:Q",
            y=alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=",d", tickMinStep=1)),
            y2=alt.datum(0),
            tooltip=[
                alt.Tooltip(f"{x}:Q", title=x_title, format="d"),
                alt.Tooltip(f"{y}:Q", title=y_title, format=",d"),
            ],
        )
        .properties(height=260)
    )


def growth(history: pl.DataFrame) -> alt.LayerChart | None:
    """A network's growth: bars of joins per year and a line of members at each year end,
    from its first year to this one (members carried through the years nobody joined)."""
    if history.height == 0:
        return None
    full = through_year(history, this_year())
    first, last = years_of(full, "year")
    base = alt.Chart(full.to_pandas()).transform_calculate(start="datum.year - 0.4", end="datum.year + 0.4")
    x_title = t("network.year")
    joined = base.mark_bar(color="#009E73", opacity=0.6).encode(
        x=alt.X("start:Q", **year_axis(x_title, first, last, bars=True)),
        x2="end:Q",
        y=alt.Y(
            "joined:Q",
            title=t("network.joined_per_year"),
            axis=alt.Axis(format=",d", tickMinStep=1, titleColor="#007A59"),
        ),
        y2=alt.datum(0),
    )
    members = base.mark_line(color="#0072B2", strokeWidth=2.5).encode(
        x=alt.X("year:Q", **year_axis(x_title, first, last, bars=True)),
        y=alt.Y(
            "members:Q",
            title=t("network.members_total"),
            axis=alt.Axis(format=",d", tickMinStep=1, titleColor="#0072B2"),
        ),
    )
    tooltip = [
        alt.Tooltip("year:Q", title=x_title, format="d"),
        alt.Tooltip("joined:Q", title=t("network.joined_per_year"), format=",d"),
        alt.Tooltip("withdrawn:Q", title=t("status.withdrawn"), format=",d"),
        alt.Tooltip("members:Q", title=t("network.members_total"), format=",d"),
    ]
    return (
        alt.layer(joined.encode(tooltip=tooltip), members.encode(tooltip=tooltip))
        .resolve_scale(y="independent")
        .properties(height=280)
    )
