"""Bulk update: upload the network's list in its own format (or the downloaded one), say what
its columns and values mean, preview, apply."""

import hashlib

import streamlit as st

from aspnet_data import bulk
from aspnet_data.bulk_mapping import Mapping
from aspnet_data.permissions import PermissionDenied
from ui import bulk_mapping, bulk_preview, data
from ui.auth import current_actor
from ui.coordinators import pick_network
from ui.i18n import current_language, number, t
from ui.layout import figure_cards
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
    lambda: bulk.template(db, actor, network, "csv", lang),
    file_name=f"aspnet-{network}.csv",
    mime="text/csv",
    icon=":material/download:",
    on_click="ignore",
    key="bulk_csv",
)
xlsx_col.download_button(
    "Excel",
    lambda: bulk.template(db, actor, network, "xlsx", lang),
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
    type=list(bulk.SUFFIXES),
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
prefix = f"bulk_{digest[:12]}"
try:
    table = bulk.read_table(content, upload.name)
except bulk.BulkError as problem:
    st.error(bulk_preview.problem(problem), icon=":material/error:")
    st.stop()

frame = table.frame
suggestion = bulk.suggest_mapping(db, network, frame)
st.subheader(t("bulk.step_columns"))
columns = bulk_mapping.columns(suggestion, prefix)
mapping = Mapping(columns, suggestion.mapping.values)
st.subheader(t("bulk.step_values"))
mapping = Mapping(columns, bulk_mapping.values(frame, mapping, prefix))
rejected = bulk_preview.rejected_rows(prefix)
mapping = Mapping(columns, mapping.values, rejected)
try:
    plan = bulk.plan(db, actor, network, frame, mapping, first_row=table.first_row)
except bulk.BulkError as problem:
    st.error(bulk_preview.problem(problem), icon=":material/error:")
    st.stop()
except PermissionDenied:
    st.error(t("manage.not_allowed"))
    st.stop()


st.subheader(t("bulk.step_preview"))
figure_cards(
    [
        (t("bulk.added"), number(plan.added.height)),
        (t("bulk.changed"), number(plan.changed["id"].n_unique() if plan.changed.height else 0)),
        (t("bulk.withdrawn"), number(plan.withdrawn.height)),
        (t("bulk.unchanged"), number(plan.unchanged)),
        (t("bulk.left_out"), number(plan.left_out)),
        (t("bulk.errors"), number(plan.blocking)),
    ]
)

bulk_preview.changes(plan, network, prefix)

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
        st.error(bulk_preview.problem(problem))
    else:
        st.session_state["bulk_done"] = counts
        st.rerun()
