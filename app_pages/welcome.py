"""Welcome: the link of a focal point's invitation sets the account's password, once."""

import streamlit as st

from aspnet_data import focal_points
from aspnet_data.errors import FieldError
from ui import data
from ui.forms import message, new_password
from ui.i18n import t
from ui.safe import md

st.title(t("welcome.title"))
done = st.session_state.get("welcome_done")
if done:
    st.success(t("welcome.done", username=done), icon=":material/check_circle:")
    st.info(t("welcome.log_in", username=done), icon=":material/login:")
    st.stop()
token = (st.query_params.get("invitation") or "").strip()[:100]
try:
    invitation = focal_points.pending(data.db(), token)
except FieldError as problem:
    st.error(message(problem), icon=":material/link_off:")
    st.caption(t("welcome.ask_again"))
    st.stop()
st.markdown(t("welcome.intro", name=md(invitation.display_name), school=md(invitation.school)))
st.caption(t("welcome.username", username=invitation.username, day=invitation.expires_at.date().isoformat()))
error: FieldError | None = st.session_state.get("welcome_error")
with st.form("welcome_form"):
    email = st.text_input(t("welcome.email"), max_chars=200, key="welcome_email", help=t("welcome.email_help"))
    if error and error.field == "email":
        st.error(message(error), icon=":material/error:")
    password, again = new_password("welcome", error)
    if error and error.field == "invitation":
        st.error(message(error), icon=":material/link_off:")
    if st.form_submit_button(t("welcome.submit"), type="primary", icon=":material/key:"):
        st.session_state.pop("welcome_error", None)
        try:
            if password != again:
                raise FieldError("password", "mismatch")
            user = focal_points.accept(data.db(), token, email, password)
        except FieldError as problem:
            st.session_state["welcome_error"] = problem
        else:
            st.session_state["welcome_done"] = user.username
        st.rerun()
