"""My account: change my password (required after a reset); choose how mentions and direct messages
reach me by e-mail."""

import streamlit as st

from aspnet_data import accounts, notifications
from aspnet_data.errors import FieldError
from ui import data
from ui.auth import current_user
from ui.forms import new_password
from ui.i18n import current_language, t
from ui.safe import md

user = current_user()
if user is None:
    st.warning(t("auth.required"))
    st.stop()
st.title(t("account.title"))
st.markdown(t("account.who", name=md(user.display_name), username=user.username, role=t(f"role.{user.role}")))
if user.network:
    st.caption(t("account.network", country=md(dict(data.network_countries(current_language())).get(user.network, ""))))
if user.must_change_password:
    st.warning(t("auth.must_change"))

with st.form("password_form", clear_on_submit=True):
    st.subheader(t("account.change_password"))
    old = st.text_input(t("account.old_password"), type="password", key="pw_old")
    error = st.session_state.get("pw_error")
    if error and error.field == "old_password":
        st.error(t(f"error.{error.code}", **error.params))
    new, again = new_password("pw", error)
    if st.form_submit_button(t("form.save"), type="primary"):
        st.session_state.pop("pw_error", None)
        try:
            if new != again:
                raise FieldError("password", "mismatch")
            accounts.change_password(data.db(), user.username, old, new)
        except FieldError as problem:
            st.session_state["pw_error"] = problem
        else:
            st.session_state["auth_user"] = accounts.get_user(data.db(), user.username)
            st.session_state["pw_done"] = True
        st.rerun()
if st.session_state.pop("pw_done", False):
    st.success(t("account.changed"))

if notifications.may_be_notified(user.actor):
    current = notifications.mode(data.db(), user.actor)
    labels = {mode: t(f"account.notify_{mode}") for mode in notifications.MODES}
    with st.form("notify_form"):
        st.subheader(t("account.notify_title"))
        st.caption(t("account.notify_help"))
        if not user.email:
            st.info(t("account.notify_no_email"), icon=":material/mail:")
        chosen = st.radio(
            t("account.notify_choice"),
            notifications.MODES,
            index=notifications.MODES.index(current),
            format_func=labels.__getitem__,
            key="notify_mode",
        )
        if st.form_submit_button(t("form.save"), key="notify_save"):
            notifications.set_mode(data.db(), user.actor, chosen)
            st.session_state["notify_done"] = chosen
            st.rerun()
    saved = st.session_state.pop("notify_done", None)
    if saved:
        st.success(t(f"account.notify_saved_{saved}"), icon=":material/check_circle:")
