"""Users (UNESCO admins): create, disable and re-enable accounts, assign networks, reset passwords."""

import polars as pl
import streamlit as st

from aspnet_data import accounts
from aspnet_data.permissions import PermissionDenied, can
from aspnet_data.vocab import ROLES
from ui import data, require_router
from ui.auth import current_actor
from ui.i18n import current_language, t

require_router()
actor = current_actor()
if not can(actor, "manage_users"):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
lang = current_language()
countries = dict(data.network_countries(lang))
st.title(t("users.title"))

users = accounts.list_users(db)
st.dataframe(pl.DataFrame([{
    "username": u.username, "name": u.display_name, "role": t(f"role.{u.role}"),
    "network": countries.get(u.network, "") if u.network else "", "disabled": u.disabled,
    "must_change": u.must_change_password} for u in users]),
    hide_index=True, width="stretch", height=360, column_config={
        "username": t("auth.username"), "name": t("users.name"), "role": t("users.role"),
        "network": t("manage.network"), "disabled": t("users.disabled"), "must_change": t("users.must_change")})

manage_col, create_col = st.columns(2, gap="large")
with manage_col:
    st.subheader(t("users.manage"))
    chosen = st.selectbox(t("auth.username"), [u.username for u in users], key="users_pick")
    target = next(u for u in users if u.username == chosen)
    if target.disabled:
        if st.button(t("users.enable"), key="users_enable"):
            accounts.set_disabled(db, actor, chosen, False)
            st.rerun()
    elif st.button(t("users.disable"), key="users_disable", disabled=chosen == actor.username):
        accounts.set_disabled(db, actor, chosen, True)
        st.rerun()
    if target.role == "coordinator":
        network = st.selectbox(t("manage.network"), list(countries), format_func=countries.get, key="users_network",
                               index=list(countries).index(target.network) if target.network in countries else 0)
        if network != target.network and st.button(t("users.assign"), key="users_assign"):
            accounts.assign_network(db, actor, chosen, network)
            st.rerun()
    if st.button(t("users.reset"), key="users_reset", icon=":material/key:"):
        st.session_state["users_otp"] = (chosen, accounts.reset_password(db, actor, chosen))
    if st.session_state.get("users_otp"):
        who, password = st.session_state.pop("users_otp")
        st.info(t("users.otp", username=who))
        st.code(password, language=None)

with create_col:
    st.subheader(t("users.create"))
    error = st.session_state.pop("users_error", None)
    with st.form("users_create", clear_on_submit=False):
        username = st.text_input(t("auth.username"), key="new_username")
        if error and error.field == "username":
            st.error(t(f"error.{error.code}", **error.params))
        name = st.text_input(t("users.name"), key="new_name")
        if error and error.field == "display_name":
            st.error(t(f"error.{error.code}", **error.params))
        email = st.text_input(t("field.email"), key="new_email")
        if error and error.field == "email":
            st.error(t(f"error.{error.code}", **error.params))
        role = st.selectbox(t("users.role"), ROLES, format_func=lambda r: t(f"role.{r}"), key="new_role")
        network = st.selectbox(t("manage.network"), [None, *countries],
                               format_func=lambda c: countries.get(c, "—") if c else "—", key="new_network")
        if error and error.field == "network":
            st.error(t(f"error.{error.code}", **error.params))
        if st.form_submit_button(t("users.create"), type="primary"):
            password = accounts.one_time_password()
            try:
                accounts.create_user(db, actor, username=username, display_name=name, role=role, password=password,
                                     email=email or None, network=network, must_change_password=True, language=lang)
            except accounts.AccountError as problem:
                st.session_state["users_error"] = problem
            except PermissionDenied:
                st.session_state["users_error"] = accounts.AccountError("username", "not_allowed")
            else:
                st.session_state["users_otp"] = (username.strip().lower(), password)
            st.rerun()
