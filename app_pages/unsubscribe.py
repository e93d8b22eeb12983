"""Unsubscribe: /unsubscribe?token=… (the link at the foot of an e-mail of mentions and direct
messages) stops that e-mail without signing in. Opening the link changes nothing (mail scanners
open links): the button does."""

import streamlit as st

from aspnet_data import notifications
from aspnet_data.errors import FieldError
from ui import data
from ui.i18n import t
from ui.safe import md

st.title(t("unsubscribe.title"))
token = (st.query_params.get("token") or "")[:200]
done = st.session_state.get("unsubscribed")
if done and done["token"] == token:
    st.success(t("unsubscribe.done", name=md(done["name"])), icon=":material/check_circle:")
    st.caption(t("unsubscribe.later"))
    st.stop()
if not token:
    st.info(t("unsubscribe.no_token"), icon=":material/mail:")
    st.stop()
try:
    name = notifications.unsubscriber(data.db(), token)
except FieldError:
    st.error(t("unsubscribe.invalid"), icon=":material/link_off:")
    st.stop()

st.markdown(t("unsubscribe.whose", name=md(name)))
st.caption(t("unsubscribe.what"))
if st.button(t("unsubscribe.button"), type="primary", icon=":material/unsubscribe:"):
    try:
        stopped = notifications.unsubscribe(data.db(), token)
    except FieldError:  # the same link used a moment ago, in another tab
        st.error(t("unsubscribe.invalid"), icon=":material/link_off:")
    else:
        st.session_state["unsubscribed"] = {"token": token, "name": stopped}
        st.rerun()
