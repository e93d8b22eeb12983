"""Directory: search and facets over every institution, one page of rows, exports."""

import math
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from aspnet_data import directory, open_data
from aspnet_data.permissions import can
from ui import data, filters
from ui.auth import current_actor
from ui.i18n import current_language, level_labels, link_params, number, page_href, render, t, theme_labels
from ui.tables import linked_table

lang = current_language()
actor = current_actor()
st.title(t("directory.title"))
st.caption(t("filters.hint"))
sel, counts = filters.selection_panel(with_sort=True)

summary, clear = st.columns([4, 1], vertical_alignment="center")
summary.markdown(f"**{filters.summary(sel, counts)}**")
if sel.narrowed:
    clear.button(
        t("filters.clear_all"), on_click=filters.clear_all, icon=":material/filter_alt_off:", key="directory_clear"
    )

if counts.total == 0:
    parts = sel.active_parts()
    st.info(t("directory.empty"), icon=":material/search_off:")
    if parts:
        last = parts[-1]
        name = t("filters.search") if last == "q" else t(f"facet.{last}")
        st.button(t("directory.drop_last", part=name), on_click=filters.drop, args=(last,), icon=":material/undo:")
    st.stop()

pages = max(1, math.ceil(counts.total / directory.PAGE_SIZE))
if filters.current_page() > pages:
    filters.set_page(pages, sel)
page = filters.current_page()
rows = data.institutions_page(sel, page, lang)

table = rows.with_columns(
    render(rows["levels"], level_labels),
    render(rows["themes"], theme_labels),
    pl.col("status").replace_strict({s: t(f"status_one.{s}") for s in ("member", "candidate", "withdrawn")}),
    # The Latin spelling only where it says something the name does not.
    pl.when(pl.col("name_latin") != pl.col("name")).then("name_latin").otherwise(pl.lit("")).alias("latin"),
)
columns = ["name", "latin", "city", "country", "levels", "themes", "status", "year_joined"]
if (table["latin"] == "").all():
    columns.remove("latin")
linked_table(
    table,
    key="directory_table",
    page="app_pages/institution.py",
    params=lambda row: {"id": row["id"]},
    columns=columns,
    column_config={
        "name": st.column_config.TextColumn(t("directory.col_name"), width="medium"),
        "latin": st.column_config.TextColumn(t("directory.col_latin")),
        "city": t("directory.col_city"),
        "country": t("common.country"),
        "levels": t("facet.level"),
        "themes": t("facet.theme"),
        "status": t("facet.status"),
        "year_joined": st.column_config.NumberColumn(t("directory.col_joined"), format="%d"),
    },
)

left, right = st.columns([3, 2], vertical_alignment="center")
with left:
    if pages > 1:
        # Keyed by the selection and page, so a change of either starts it afresh at `page`.
        chosen = st.pagination(pages, default=page, key=f"pages_{abs(hash((sel, page, pages)))}")
        if chosen != page:
            filters.set_page(chosen, sel)
            st.rerun()
with right:
    st.caption(t("directory.page_of", page=number(page), pages=number(pages), total=number(counts.total)))

st.subheader(t("directory.export"))
st.caption(t("directory.export_help", count=counts.total))
MIME = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
LABEL = {"csv": "CSV", "xlsx": "Excel", "parquet": "Parquet"}


def export_buttons(make, stem: str, key: str, *, rows: int, icon: str) -> None:
    """CSV, Excel (within its row limit) and Parquet of one export of ``rows`` rows. The file is
    made when clicked, outside this run: ``make(fmt)`` gets everything it needs (the selection,
    the language, who asked) now."""
    too_big = rows > directory.MAX_EXCEL_ROWS
    excel_help = t("directory.excel_limit", limit=number(directory.MAX_EXCEL_ROWS)) if too_big else None
    for col, fmt in zip(st.columns(3), ("csv", "xlsx", "parquet")):
        col.download_button(
            LABEL[fmt],
            lambda fmt=fmt: make(fmt),
            file_name=f"{stem}.{fmt}",
            mime=MIME[fmt],
            icon=icon,
            on_click="ignore",
            key=f"{key}_{fmt}",
            disabled=fmt == "xlsx" and too_big,
            help=excel_help if fmt == "xlsx" else None,
        )


export_buttons(
    lambda fmt: data.export(sel, fmt, lang),
    "aspnet-institutions",
    "export",
    rows=counts.total,
    icon=":material/download:",
)
# The same selection from the public API (its parameters are the directory's own), for clicking:
# relative, so it opens on whichever address serves this page.
api_query = urlencode(link_params(directory.to_params(sel)), doseq=True)
api_link = f"{open_data.BASE}/institutions" + (f"?{api_query}" if api_query else "")
# Plain text, not a caption: a caption fades its links below 4.5:1 contrast.
st.markdown(t("directory.open_data", api=api_link, page=page_href("open-data")))
if can(actor, "export_full"):
    st.markdown(f"**{t('directory.full_export')}**")
    st.caption(t("directory.full_export_help"))
    # Withdrawn institutions too, unless the status filter chose otherwise.
    full_rows = counts.total if sel.values("status") else sum(counts.counts["status"].values())
    export_buttons(
        lambda fmt: data.export_full(sel, actor, fmt),
        "aspnet-institutions-full",
        "export_full",
        rows=full_rows,
        icon=":material/lock_open:",
    )
st.page_link(
    "app_pages/map.py",
    label=t("directory.on_map"),
    icon=":material/map:",
    query_params=filters.selection_link(sel),
)
