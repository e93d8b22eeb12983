"""To do: what waits for a National Coordinator (their network) or a UNESCO admin, each item
linked to the page where it is done."""

import polars as pl
import streamlit as st

from aspnet_data.applications import OVERDUE_DAYS
from aspnet_data.permissions import can
from ui import data
from ui.auth import current_actor, current_user
from ui.coordinators import field_label, plain, record_name, shown_value, when
from ui.i18n import current_language, link_params, t
from ui.safe import md
from ui.tables import linked_table

lang = current_language()
user, actor = current_user(), current_actor()
if user is None or not can(actor, "read_todo", actor.network):
    st.error(t("manage.not_allowed"))
    st.stop()
countries = dict(data.network_countries(lang))
todo = data.todo_summary(actor)
admin = todo.network is None
st.title(t("todo.title"))
st.caption(t("todo.intro_admin") if admin else t("todo.intro", country=md(countries.get(todo.network, ""))))


def link(page: str, label: str, icon: str, **params) -> None:
    st.page_link(f"app_pages/{page}.py", label=label, icon=icon, query_params=link_params(params))


def applications_box() -> None:
    st.subheader(t("todo.applications"), anchor=False)
    if not todo.applications:
        st.success(t("todo.no_applications_admin" if admin else "todo.no_applications"), icon=":material/check:")
        link("review", t("todo.open_applications"), ":material/fact_check:")
        return
    st.markdown(t("todo.applications_admin" if admin else "todo.applications_waiting", count=todo.applications))
    if todo.overdue:
        st.markdown(
            f":red-badge[{t('review.overdue')}] " + t("review.overdue_count", count=todo.overdue, days=OVERDUE_DAYS)
        )
    st.caption(t("todo.oldest_first") + " " + t("table.open_row"))
    oldest = pl.DataFrame(todo.oldest).with_columns(
        pl.col("network").replace_strict(countries, default=pl.col("network"))
    )
    linked_table(
        oldest,
        key="todo_applications",
        page="app_pages/review.py",
        params=lambda row: {"ref": row["reference"]},
        columns=["age_days", "institution_name", "network"] if admin else ["age_days", "institution_name"],
        hint=False,
        column_config={
            "institution_name": st.column_config.TextColumn(t("directory.col_name"), width="medium"),
            "network": t("common.country"),
            "age_days": st.column_config.NumberColumn(t("review.age"), width="small"),
        },
    )
    link("review", t("todo.open_applications"), ":material/fact_check:")


def quality_box() -> None:
    st.subheader(t("todo.quality"), anchor=False)
    totals = todo.quality
    if not any(totals.values()):
        st.success(t("todo.no_quality"), icon=":material/check:")
    for kind, count in totals.items():
        if count:
            link("quality", t(f"todo.quality_{kind}", count=count), ":material/arrow_forward:", tab=kind)
    link("quality", t("todo.open_quality"), ":material/checklist:")
    if todo.change_requests:
        link("focal_points", t("todo.change_requests", count=todo.change_requests), ":material/rule:", tab="requests")


def accounts_box() -> None:
    st.subheader(t("todo.accounts"), anchor=False)
    if not todo.accounts_total:
        st.success(t("todo.no_accounts"), icon=":material/check:")
    else:
        st.markdown(t("todo.accounts_count", count=todo.accounts_total) + " " + t("table.open_row"))
        accounts = pl.DataFrame(todo.accounts).with_columns(
            pl.Series(
                "state",
                [
                    t("users.state_locked") + " · " + t("users.locked_until", when=a["locked_until"].strftime("%H:%M"))
                    if a["locked_until"]
                    else t("users.state_disabled")
                    for a in todo.accounts
                ],
                dtype=pl.String,
            )
        )
        linked_table(
            accounts,
            key="todo_accounts",
            page="app_pages/users.py",
            params=lambda row: {"user": row["username"]},
            columns=["username", "display_name", "state"],
            hint=False,
            column_config={"username": t("auth.username"), "display_name": t("users.name"), "state": t("users.state")},
        )
    link("users", t("todo.open_users"), ":material/group:")


def board_box() -> None:
    st.subheader(t("todo.board"), anchor=False)
    if not todo.unread:
        st.success(t("todo.no_unread"), icon=":material/check:")
    else:
        st.markdown(t("todo.unread", count=todo.unread))
        if todo.mentions:
            st.markdown(f":blue-badge[@] {t('todo.mentions', count=todo.mentions)}")
    link("board", t("todo.open_board"), ":material/forum:")


def changes_box() -> None:
    st.subheader(t("todo.changes_admin" if admin else "todo.changes"), anchor=False)
    if not todo.changes:
        st.info(t("manage.no_history"), icon=":material/history:")
    for change in todo.changes:
        # Values cut short: the whole of a long text (a description) is in the history.
        fields = "; ".join(
            f"{field_label(c['field'])}: {shown_value(c['field'], c['before'])[:60]} → "
            f"{shown_value(c['field'], c['after'])[:60]}"
            for c in change["changes"][:3]
        )
        if len(change["changes"]) > 3:
            fields += " " + t("history.more_fields", count=len(change["changes"]) - 3)
        where = f" · {countries.get(change['network'], change['network'])}" if admin and change["network"] else ""
        action = t(f"action.{change['action']}")
        st.markdown(
            f"**{plain(record_name(change, countries), 120)}**{md(where)} · {action}  \n{plain(fields, 300)}  \n"
            f":gray[{plain(t('history.by', name=change['actor_name']))} · {when(change)} UTC]"
        )
    if not admin:
        link("manage", t("todo.open_history"), ":material/history:", tab="history")
    elif todo.changes:
        st.caption(t("todo.history_per_network"))


first, second = st.columns(2, gap="medium")
with first, st.container(border=True):
    applications_box()
with second, st.container(border=True):
    if admin:
        accounts_box()
    else:
        quality_box()
third, fourth = st.columns(2, gap="medium")
with third, st.container(border=True):
    board_box()
with fourth, st.container(border=True):
    changes_box()
