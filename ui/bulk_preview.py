"""The bulk update's preview: what an uploaded file would change, tab by tab, each problem in
the interface language, and a file's problem as text."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from aspnet_data import bulk

from .i18n import t
from .safe import md


def problem(error: bulk.BulkError) -> str:
    """What is wrong with the file. Column names and the file name come from the file: they are
    shown as text, not markup."""
    values = {
        k: md(", ".join(v)) if isinstance(v, (list, tuple)) else md(v) if isinstance(v, str) else v
        for k, v in error.params.items()
    }
    return t(f"bulk.error.{error.code}", **values)


def row_message(code: str, params: str | None) -> str:
    """A row's problem (its parameters stored as JSON) in the interface language."""
    values = json.loads(params) if params else {}
    try:
        return t(f"error.{code}", **values)
    except (KeyError, IndexError):
        return t(f"error.{code}")


def changes(plan: bulk.Plan, network: str) -> None:
    """The file's problems (with their report to download), the institutions it adds, the
    fields it changes and the institutions it withdraws, a tab each; the problems open first
    when there are any."""
    errors_tab, added_tab, changed_tab, withdrawn_tab = st.tabs(
        [t("bulk.errors"), t("bulk.added"), t("bulk.changed"), t("bulk.withdrawn")],
        default=t("bulk.errors") if plan.errors.height else t("bulk.changed"),
    )
    with errors_tab:
        if plan.errors.height:
            report = plan.errors.with_columns(
                pl.Series(
                    "message",
                    [row_message(code, params) for code, params in zip(plan.errors["code"], plan.errors["params"])],
                )
            )
            st.dataframe(
                report.select("row", "id", "field", "message", "warning"),
                hide_index=True,
                width="stretch",
                column_config={
                    "row": t("bulk.row"),
                    "id": "ID",
                    "field": t("form.field"),
                    "message": t("bulk.problem"),
                    "warning": t("bulk.warning"),
                },
            )
            st.download_button(
                t("bulk.report"),
                bulk.report_csv(plan),
                file_name=f"aspnet-{network}-report.csv",
                mime="text/csv",
                icon=":material/download:",
                on_click="ignore",
                key="bulk_report",
            )
        else:
            st.success(t("bulk.no_errors"))
    with added_tab:
        st.dataframe(
            plan.added.select("row", "name", "city"),
            hide_index=True,
            width="stretch",
            column_config={"row": t("bulk.row"), "name": t("directory.col_name"), "city": t("directory.col_city")},
        )
    with changed_tab:
        st.dataframe(
            plan.changed.select("row", "id", "field", "before", "after"),
            hide_index=True,
            width="stretch",
            column_config={
                "row": t("bulk.row"),
                "field": t("form.field"),
                "before": t("manage.before"),
                "after": t("manage.after"),
            },
        )
    with withdrawn_tab:
        st.dataframe(
            plan.withdrawn.select("row", "id", "name"),
            hide_index=True,
            width="stretch",
            column_config={"row": t("bulk.row"), "name": t("directory.col_name")},
        )
