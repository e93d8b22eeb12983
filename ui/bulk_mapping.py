"""The bulk update's mapping step: what each column of an uploaded file holds, and what its
unknown values mean, chosen in the page (nothing in the file is edited)."""

from __future__ import annotations

import functools

import polars as pl
import streamlit as st

from aspnet_data import bulk, bulk_mapping
from aspnet_data.bulk_mapping import IGNORE, LEAVE_OUT, Mapping

from .coordinators import plain
from .i18n import t
from .safe import md

_CODE_LABELS = {"levels": "level", "themes": "theme", "ownership": "ownership"}
PER_ROW = 3  # column pickers side by side on a wide screen (they stack on a phone)


NOT_IMPORTED = "-"  # the picker's choice for a column left out (a string: widgets keep it as chosen)


def field_name(field: str) -> str:
    return t("bulk.not_imported") if field == NOT_IMPORTED else t(f"field.{field}")


def columns(suggestion: bulk.Suggestion, prefix: str) -> dict[str, str | None]:
    """A picker per column of the file (its header, a few values, the suggested field and why);
    the mapping problems are shown under the picker they concern. Returns column -> field."""
    st.markdown(t("bulk.columns_intro"))
    options: list[str] = [NOT_IMPORTED, *bulk_mapping.FIELDS]
    chosen: dict[str, str | None] = {}
    places = {}
    for start in range(0, len(suggestion.columns), PER_ROW):
        cells = st.columns(PER_ROW)  # one row of pickers at a time, so that they line up
        for cell, (index, column) in zip(cells, enumerate(suggestion.columns[start : start + PER_ROW], start)):
            with cell:
                picked = st.selectbox(
                    md(column.column),
                    options,
                    index=options.index(column.field or NOT_IMPORTED),
                    format_func=field_name,
                    key=f"{prefix}_col_{index}",
                )
                chosen[column.column] = None if picked in (None, NOT_IMPORTED) else picked
                values = ", ".join(t("bulk.quoted", value=plain(v, 40)) for v in column.samples)
                reason = column.reason if chosen[column.column] == column.field and column.reason else None
                st.caption(
                    (t("bulk.samples", values=values) if values else t("bulk.no_samples"))
                    + (" · " + t(f"bulk.reason.{reason}") if reason else "")
                )
                places[column.column] = st.empty()
    problems = bulk_mapping.mapping_problems(Mapping(chosen))
    for column_name, problem in problems.items():
        places[column_name].error(t(f"bulk.mapping.{problem}"), icon=":material/error:")
    if not {"id", "name"} & {f for f in chosen.values() if f}:
        st.warning(t("bulk.no_name_column"), icon=":material/warning:")
    return chosen


def _choice_name(name: str, code: str) -> str:
    if code == LEAVE_OUT:
        return t("bulk.leave_out")
    if code == IGNORE:
        return t("bulk.ignore_value")
    return t(f"{_CODE_LABELS[name]}.{code}")


def values(frame: pl.DataFrame, mapping: Mapping, prefix: str) -> dict[str, dict[str, str]]:
    """A picker per value of a choice column that nothing reads (most frequent first), for the
    person to map to a code, ignore (lists) or leave its rows out (the default). Returns the
    mapping's values with these choices added."""
    unknown = bulk_mapping.unknown_values(frame, mapping)
    chosen = {name: dict(table) for name, table in mapping.values.items()}
    if unknown.is_empty():
        st.caption(t("bulk.values_none"))
        return chosen
    st.markdown(t("bulk.values_intro"))
    cells = st.columns(2)
    for index, row in enumerate(unknown.iter_rows(named=True)):
        name = row["field"]
        options: list[str] = [
            LEAVE_OUT,
            *([IGNORE] if name in bulk_mapping.LIST_FIELDS else []),
            *bulk_mapping.CHOICES[name],
        ]
        with cells[index % 2]:
            choice = st.selectbox(
                md(t("bulk.value_label", field=t(f"field.{name}"), value=row["value"], count=row["rows"])),
                options,
                format_func=functools.partial(_choice_name, name),
                key=f"{prefix}_val_{name}_{row['key']}",
            )
        chosen.setdefault(name, {})[row["key"]] = choice or LEAVE_OUT
    return chosen
