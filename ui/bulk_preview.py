"""The bulk update's preview: what an uploaded file would change, tab by tab, each problem in
the interface language, and a file's problem as text."""

from __future__ import annotations

import json

import polars as pl
import streamlit as st

from aspnet_data import bulk

from .i18n import number, t
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


def rejected_rows(prefix: str) -> frozenset[int]:
    """The rows whose suggested match the person rejected (the matches tab's choice)."""
    return frozenset(st.session_state.get(f"{prefix}_reject") or ())


def _location(plan: bulk.Plan) -> pl.Series:
    """For each row to add: where it will be on the map."""
    placed = {r["row"]: r for r in plan.placed.iter_rows(named=True)}
    texts = []
    for row in plan.added["row"]:
        found = placed.get(row)
        if found is None:
            texts.append(t("bulk.from_file"))
        elif found["found"]:
            texts.append(t("bulk.placed", town=found["town"]))
        else:
            texts.append(t("bulk.not_found"))
    return pl.Series("location", texts, dtype=pl.String)


def changes(plan: bulk.Plan, network: str, prefix: str) -> None:
    """The file's problems (with their report to download), the institutions it adds (and where
    they will be), the fields it changes, the institutions it withdraws and the rows matched
    with stored institutions (to accept or reject), a tab each; the problems open first when
    there are errors."""
    matches = f"{t('bulk.matches')} ({number(plan.matches.height)})" if plan.matches.height else t("bulk.matches")
    labels = [t("bulk.errors"), t("bulk.added"), t("bulk.changed"), t("bulk.withdrawn"), matches]
    errors_tab, added_tab, changed_tab, withdrawn_tab, matches_tab = st.tabs(
        labels,
        default=t("bulk.errors") if plan.blocking else t("bulk.added") if plan.added.height else t("bulk.changed"),
    )
    with errors_tab:
        if plan.errors.height:
            report = plan.errors.with_columns(
                pl.Series(
                    "message",
                    [row_message(code, params) for code, params in zip(plan.errors["code"], plan.errors["params"])],
                ),
                pl.Series("field", [t(f"field.{f}") if f else "" for f in plan.errors["field"]], dtype=pl.String),
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
            plan.added.select("row", "name", "city").with_columns(_location(plan)),
            hide_index=True,
            width="stretch",
            column_config={
                "row": t("bulk.row"),
                "name": t("directory.col_name"),
                "city": t("directory.col_city"),
                "location": t("bulk.location"),
            },
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
    with matches_tab:
        _matches(plan, prefix)


def _matches(plan: bulk.Plan, prefix: str) -> None:
    st.caption(t("bulk.matches_help"))
    matches = plan.matches
    shown = matches.with_columns(
        pl.Series(
            "becomes",
            [
                t("bulk.match", id=r["id"], stored=r["stored"] or "", reason=t(f"bulk.match_reason.{r['reason']}"))
                if r["accepted"]
                else t("bulk.match_new")
                for r in matches.iter_rows(named=True)
            ],
            dtype=pl.String,
        )
    )
    st.dataframe(
        shown.select("row", "name", "becomes"),
        hide_index=True,
        width="stretch",
        column_config={"row": t("bulk.row"), "name": t("bulk.file_name"), "becomes": t("bulk.becomes")},
    )
    names = {r["row"]: r for r in matches.iter_rows(named=True)}
    key = f"{prefix}_reject"
    if key in st.session_state:  # a match gone with a changed mapping is no longer offered
        st.session_state[key] = [row for row in st.session_state[key] if row in names]
    st.multiselect(
        t("bulk.reject"),
        list(names),
        format_func=lambda row: t("bulk.reject_option", row=row, name=names[row]["name"] or "", id=names[row]["id"]),
        key=key,
        placeholder=t("bulk.reject_placeholder"),
        disabled=not names,
    )
