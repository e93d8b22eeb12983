"""Directory: search and facets over every institution, one page of rows, exports."""

import math

import polars as pl
import streamlit as st

from aspnet_data import directory
from aspnet_data.permissions import can
from ui import data, filters, maps, require_router
from ui.auth import current_actor
from ui.i18n import current_language, number, render, t

require_router()
lang = current_language()
st.title(t("directory.title"))
st.caption(t("filters.hint"))
sel, counts = filters.selection_panel(with_sort=True)

st.markdown(f"**{filters.summary(sel, counts)}**")

if counts.total == 0:
    parts = sel.active_parts()
    st.info(t("directory.empty"), icon=":material/search_off:")
    if parts:
        last = parts[-1]
        name = t("filters.search") if last == "q" else t(f"facet.{last}")
        st.button(t("directory.drop_last", part=name), on_click=filters.drop, args=(last,),
                  icon=":material/undo:")
    st.stop()

pages = max(1, math.ceil(counts.total / directory.PAGE_SIZE))
if filters.current_page() > pages:
    filters.set_page(pages, sel)
page = filters.current_page()
rows = data.institutions_page(sel, page, lang)


table = rows.with_columns(
    render(rows["levels"], maps.level_labels), render(rows["themes"], maps.theme_labels),
).select(
    pl.format("institution?id={}", "id").alias("profile"),
    pl.col("name"),
    pl.when(pl.col("name_latin") != pl.col("name")).then("name_latin").otherwise(pl.lit("")).alias("latin"),
    "city",
    "country",
    "levels",
    "themes",
    pl.col("status").replace_strict({s: t(f"status_one.{s}") for s in ("member", "candidate", "withdrawn")}),
    pl.col("year_joined"),
)
event = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    on_select="rerun",
    selection_mode="single-row",
    key="directory_table",
    column_config={
        "profile": st.column_config.LinkColumn(t("directory.col_profile"), display_text=t("directory.open"),
                                               width="small"),
        "name": st.column_config.TextColumn(t("directory.col_name"), width="large"),
        "latin": st.column_config.TextColumn(t("directory.col_latin")),
        "city": t("directory.col_city"),
        "country": t("common.country"),
        "levels": t("facet.level"),
        "themes": t("facet.theme"),
        "status": t("facet.status"),
        "year_joined": st.column_config.NumberColumn(t("directory.col_joined"), format="%d"),
    },
)
if event.selection.rows:
    chosen = int(rows["id"][event.selection.rows[0]])
    st.switch_page("pages/institution.py", query_params={"id": str(chosen), **({"lang": lang} if lang != "en" else {})})

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
stem = "aspnet-institutions"
csv_col, xlsx_col, parquet_col, map_col = st.columns(4)
csv_col.download_button("CSV", lambda: data.export(sel, "csv", lang), file_name=f"{stem}.csv", mime="text/csv",
                        icon=":material/download:", on_click="ignore", key="export_csv")
too_big = counts.total > directory.MAX_EXCEL_ROWS
xlsx_col.download_button("Excel", lambda: data.export(sel, "xlsx", lang), file_name=f"{stem}.xlsx",
                         mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         icon=":material/download:", on_click="ignore", disabled=too_big, key="export_xlsx",
                         help=t("directory.excel_limit", limit=number(directory.MAX_EXCEL_ROWS)) if too_big else None)
parquet_col.download_button("Parquet", lambda: data.export(sel, "parquet", lang), file_name=f"{stem}.parquet",
                            mime="application/vnd.apache.parquet", icon=":material/download:", on_click="ignore",
                            key="export_parquet")
if can(current_actor(), "export_full"):
    st.download_button(t("directory.full_export"), lambda: data.export_full(sel, current_actor()),
                       file_name=f"{stem}-full.parquet", mime="application/vnd.apache.parquet",
                       icon=":material/lock_open:", on_click="ignore", key="export_full",
                       help=t("directory.full_export_help"))
map_col.page_link("pages/map.py", label=t("directory.on_map"), icon=":material/map:",
                  query_params={k: v for k, v in directory.to_params(sel).items() if k != "sort"}
                  | ({"lang": lang} if lang != "en" else {}))
