"""Data-quality to-do list of a network: each item links to the form that fixes it (for those
who may edit the network; analysts read the lists without the links)."""

import polars as pl
import streamlit as st

from aspnet_data.permissions import can
from ui import data
from ui.auth import current_actor
from ui.coordinators import pick_network
from ui.i18n import current_language, number, page_href, render, t
from ui.layout import figure_cards
from ui.safe import md
from ui.tables import height_for

lang = current_language()
network = pick_network("read_quality")
fixes = can(current_actor(), "edit", network)
countries = dict(data.network_countries(lang))
st.title(t("quality.title", country=md(countries.get(network, network))))
st.caption(t("quality.intro") if fixes else t("quality.intro_read_only"))
todo = data.quality_todo(current_actor(), network)
KINDS = ("missing", "stale", "duplicates", "outside", "inactive")

figure_cards([(t(f"quality.{k}"), number(todo.totals[k]), t(f"quality.{k}_help")) for k in KINDS])

# The network is named in the link only where it was picked (a coordinator has one).
in_link = {"code": network} if st.session_state.get("pick_network") else {}


def fix_link(ids: pl.Series) -> pl.Series:
    """A link to the edit form of each institution (the manage page opens it)."""
    return pl.Series("fix", [page_href("manage", **in_link, edit=i) for i in ids.to_list()])


link = st.column_config.LinkColumn(t("quality.fix"), display_text=t("quality.fix"), width="small")
labels = {k: f"{t(f'quality.{k}')} ({number(todo.totals[k])})" for k in KINDS}
missing_tab, stale_tab, duplicates_tab, outside_tab, inactive_tab = st.tabs(
    list(labels.values()), default=labels.get(st.query_params.get("tab"))
)


def shown(columns: list[str]) -> list[str]:
    """The columns of a list, without its Fix links for those who only read."""
    return [c for c in columns if fixes or not c.startswith("fix")]


def listing(frame: pl.DataFrame, columns: list[str], **config) -> None:
    if frame.height == 0:
        st.success(t("quality.none"), icon=":material/check:")
        return
    st.dataframe(
        frame.select(shown(columns)),
        hide_index=True,
        width="stretch",
        column_config=config,
        height=height_for(frame),
    )


with missing_tab:
    frame = todo.missing.with_columns(
        fix_link(todo.missing["id"]),
        render(todo.missing["missing"], lambda fields: ", ".join(t(f"field.{f}") for f in fields)).alias("missing"),
    )
    listing(
        frame,
        ["fix", "name", "city", "missing"],
        fix=link,
        name=t("directory.col_name"),
        city=t("directory.col_city"),
        missing=t("quality.missing_fields"),
    )
with stale_tab:
    frame = todo.stale.with_columns(fix_link(todo.stale["id"]))
    listing(
        frame,
        ["fix", "name", "city", "updated_at"],
        fix=link,
        name=t("directory.col_name"),
        city=t("directory.col_city"),
        updated_at=st.column_config.DatetimeColumn(t("dash.col_last_update"), format="YYYY-MM-DD"),
    )
with duplicates_tab:
    frame = todo.duplicates.with_columns(
        fix_link(todo.duplicates["id_a"]).alias("fix_a"), fix_link(todo.duplicates["id_b"]).alias("fix_b")
    )
    listing(
        frame,
        ["fix_a", "name_a", "fix_b", "name_b", "city", "similarity"],
        fix_a=link,
        fix_b=link,
        name_a=t("directory.col_name"),
        name_b=t("directory.col_name"),
        city=t("directory.col_city"),
        similarity=st.column_config.ProgressColumn(t("quality.similarity"), min_value=0, max_value=1, format="percent"),
    )
    st.caption(t("quality.duplicates_help"))
with outside_tab:
    frame = todo.outside.with_columns(
        fix_link(todo.outside["id"]), render(todo.outside["problem"], lambda p: t(f"quality.{p}")).alias("problem")
    )
    listing(
        frame,
        ["fix", "name", "city", "latitude", "longitude", "problem"],
        fix=link,
        name=t("directory.col_name"),
        city=t("directory.col_city"),
        problem=t("bulk.problem"),
    )
with inactive_tab:
    frame = todo.inactive.with_columns(
        fix_link(todo.inactive["id"]), pl.col("last_accepted").cast(pl.String).fill_null("—")
    )  # as the Annual reports page lists them
    listing(
        frame,
        ["fix", "name", "city", "last_accepted", "member_since"],
        fix=link,
        name=t("directory.col_name"),
        city=t("directory.col_city"),
        last_accepted=t("reports.col_last_accepted"),
        member_since=st.column_config.NumberColumn(t("reports.col_member_since"), format="%d"),
    )
    st.caption(t("quality.inactive_help"))
if any(todo.totals[k] > len(getattr(todo, k)) for k in todo.totals):
    st.caption(t("quality.truncated", limit=number(500)))
