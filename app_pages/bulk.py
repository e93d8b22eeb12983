"""Bulk update: download the network's institutions, edit offline, upload, preview, apply."""

import hashlib
import json

import polars as pl
import streamlit as st

from aspnet_data import bulk
from aspnet_data.permissions import PermissionDenied
from ui import data
from ui.auth import current_actor
from ui.coordinators import pick_network
from ui.i18n import current_language, number, t
from ui.safe import md

lang = current_language()
actor = current_actor()
network = pick_network("bulk_apply")
db = data.db()
countries = dict(data.network_countries(lang))
st.title(t("bulk.title", country=md(countries.get(network, network))))
st.markdown(t("bulk.intro"))

st.subheader(t("bulk.step_download"))
csv_col, xlsx_col = st.columns(2)
csv_col.download_button(
    "CSV",
    lambda: bulk.template(db, actor, network, "csv"),
    file_name=f"aspnet-{network}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    key="bulk_csv",
)
xlsx_col.download_button(
    "Excel",
    lambda: bulk.template(db, actor, network, "xlsx"),
    file_name=f"aspnet-{network}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/download:",
    on_click="ignore",
    key="bulk_xlsx",
)
st.caption(t("bulk.columns_help"))

st.subheader(t("bulk.step_upload"))
upload = st.file_uploader(
    t("bulk.file"),
    type=["csv", "txt", "xlsx"],
    key="bulk_file",
    max_upload_size=max(1, bulk.MAX_BYTES // (1024 * 1024)),
    help=t("bulk.limits", rows=number(bulk.MAX_ROWS), mb=bulk.MAX_BYTES // (1024 * 1024)),
)
done = st.session_state.pop("bulk_done", None)
if done:
    st.success(
        t(
            "bulk.applied",
            added=number(done["added"]),
            changed=number(done["changed"]),
            withdrawn=number(done["withdrawn"]),
        ),
        icon=":material/task_alt:",
    )
if upload is None:
    st.stop()

content = upload.getvalue()
digest = hashlib.sha256(content).hexdigest()
try:
    frame = bulk.read_file(content, upload.name)
    plan = bulk.plan(db, actor, network, frame)
except bulk.BulkError as problem:
    # Column names and the file name come from the file: shown as text, not markup.
    st.error(
        t(
            f"bulk.error.{problem.code}",
            **{
                k: md(", ".join(v)) if isinstance(v, (list, tuple)) else md(v) if isinstance(v, str) else v
                for k, v in problem.params.items()
            },
        ),
        icon=":material/error:",
    )
    st.stop()
except PermissionDenied:
    st.error(t("manage.not_allowed"))
    st.stop()


def message(code: str, params: str | None) -> str:
    values = json.loads(params) if params else {}
    try:
        return t(f"error.{code}", **values)
    except (KeyError, IndexError):
        return t(f"error.{code}")


st.subheader(t("bulk.step_preview"))
cols = st.columns(5)
for col, (label, value) in zip(
    cols,
    [
        (t("bulk.added"), plan.added.height),
        (t("bulk.changed"), plan.changed["id"].n_unique() if plan.changed.height else 0),
        (t("bulk.withdrawn"), plan.withdrawn.height),
        (t("bulk.unchanged"), plan.unchanged),
        (t("bulk.errors"), plan.blocking),
    ],
):
    col.metric(label, number(value), border=True)

errors_tab, added_tab, changed_tab, withdrawn_tab = st.tabs(
    [t("bulk.errors"), t("bulk.added"), t("bulk.changed"), t("bulk.withdrawn")],
    default=t("bulk.errors") if plan.errors.height else t("bulk.changed"),
)
with errors_tab:
    if plan.errors.height:
        report = plan.errors.with_columns(
            pl.Series(
                "message", [message(code, params) for code, params in zip(plan.errors["code"], plan.errors["params"])]
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

st.subheader(t("bulk.step_apply"))
if plan.blocking:
    st.warning(t("bulk.fix_first", count=plan.blocking))
elif plan.empty:
    st.info(t("bulk.nothing"))
elif st.button(t("bulk.apply"), type="primary", icon=":material/publish:", key=f"bulk_apply_{digest[:12]}"):
    bar = st.progress(0.0, text=t("bulk.applying"))
    try:
        counts = bulk.apply(
            db,
            actor,
            network,
            plan,
            progress=lambda done, total: bar.progress(done / max(total, 1), text=t("bulk.applying")),
        )
    except bulk.BulkError as problem:
        st.error(t(f"bulk.error.{problem.code}", **problem.params))
    else:
        st.session_state["bulk_done"] = counts
        st.rerun()
