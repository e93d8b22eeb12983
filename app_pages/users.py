"""Users (UNESCO admins): find accounts, see who logged in when and which are locked or
disabled, create accounts, disable and re-enable them, unlock them, assign networks, reset
passwords."""

import polars as pl
import streamlit as st

from aspnet_data import accounts
from aspnet_data.permissions import can
from ui import data, user_admin
from ui.auth import current_actor
from ui.i18n import current_language, number, t

actor = current_actor()
if not can(actor, "manage_users"):
    st.error(t("manage.not_allowed"))
    st.stop()
countries = dict(data.network_countries(current_language()))
st.title(t("users.title"))

query = st.text_input(
    t("users.search"), key="users_q", placeholder=t("users.search_placeholder"), icon=":material/search:"
)
found = accounts.user_list(data.db(), actor, query)
matches = int(found["matches"][0]) if found.height else 0
users = found.drop("matches")
linked = st.query_params.get("user")  # from To do: listed even when it is not among the first
if linked and linked not in users["username"].to_list():
    account = accounts.user_list(data.db(), actor, linked).filter(pl.col("username") == linked)
    users = pl.concat([account.drop("matches"), users])
st.caption(t("users.found", count=matches))
if found.height < matches:
    st.caption(t("users.first_listed", shown=number(found.height)))
row = user_admin.accounts_table(users, countries)
st.caption(t("users.table_help"))
names = users["username"].to_list()
user_admin.follow_pick(names, row)

manage_col, create_col = st.columns(2, gap="large")
with manage_col, st.container(border=True):
    st.subheader(t("users.manage"), anchor=False)
    if not names:
        st.info(t("users.none_found"), icon=":material/person_search:")
    else:
        # Each label looked up, not searched for: with every account of a large network listed,
        # a search per option took minutes.
        labels = {u: f"{d} ({u})" for u, d in zip(names, users["display_name"].to_list())}
        chosen = st.selectbox(t("users.pick"), names, key="users_pick", format_func=labels.__getitem__)
        target = users.row(names.index(chosen), named=True)
        user_admin.summary(target)
        user_admin.actions(target, countries)
with manage_col:
    user_admin.one_time_password("reset")

with create_col, st.container(border=True):
    st.subheader(t("users.create"), anchor=False)
    user_admin.create_form(countries)
    user_admin.one_time_password("create")
