"""Track an application: where it is on its way (a timeline with dates), the reviewers'
messages, and what the applicant can do next."""

import polars as pl
import streamlit as st

from aspnet_data import applications as apps
from aspnet_data.errors import ValidationFailed
from ui import data, join
from ui.i18n import link_params, t
from ui.safe import md

db = data.db()
st.title(t("status.title"))
st.caption(t("status.intro"))

with st.form("status_form"):
    code = st.text_input(
        t("status.reference"), value=st.session_state.get("status_code", ""), max_chars=20, placeholder="ASP-XXXXXXXXXX"
    )
    email = st.text_input(t("status.email"), value=st.session_state.get("status_email", ""), max_chars=200)
    if st.form_submit_button(t("status.look"), type="primary"):
        st.session_state["status_code"], st.session_state["status_email"] = code.strip(), email.strip()

app = None
if st.session_state.get("status_code"):
    app = apps.find(db, st.session_state["status_code"], st.session_state.get("status_email", ""))
    if app is None:
        st.error(t("status.not_found"))

if app is not None:
    record = app.record
    colour = {
        "approved": "green",
        "declined_coordinator": "red",
        "declined_unesco": "red",
        "withdrawn": "gray",
        "returned": "orange",
    }.get(app.stage, "blue")
    st.subheader(md(record["institution_name"] or record["reference"]))
    st.markdown(f":{colour}-badge[{t(f'stage.{app.stage}')}] &nbsp; {t(f'status.explain.{app.stage}')}")
    join.timeline(app)
    if app.stage == "approved" and record["institution_id"]:
        st.page_link(
            "app_pages/institution.py",
            label=t("status.profile"),
            icon=":material/school:",
            query_params=link_params(id=record["institution_id"]),
        )
    if app.stage in apps.EDITABLE and st.button(t("status.edit"), icon=":material/edit:", type="primary"):
        join.load_into_form(record)
        st.switch_page("app_pages/apply.py")
    if any((app.stage, to) in apps.TRANSITIONS for to in ("withdrawn",)):
        with st.expander(t("status.withdraw"), icon=":material/block:"):
            sure = st.checkbox(t("status.withdraw_confirm"))
            if st.button(t("status.withdraw"), disabled=not sure):
                apps.withdraw(db, record["reference"], record["contact_email"])
                st.rerun()
    with st.expander(t("status.outbox"), icon=":material/mail:"):
        sent = apps.outbox(db, record["contact_email"])
        sent = sent.filter(pl.col("subject").str.contains(record["reference"], literal=True))
        for row in sent.iter_rows(named=True):
            st.markdown(f"**{md(row['subject'])}** · {row['created_at']:%Y-%m-%d %H:%M}  \n{md(row['body'])}")

with st.expander(t("status.lost"), icon=":material/help:"):
    with st.form("resend_form"):
        lost_email = st.text_input(t("status.email"), max_chars=200, key="resend_email")
        if st.form_submit_button(t("status.resend")):
            try:
                apps.resend_references(db, lost_email)
                st.session_state["status_resent"] = True
                data.send_mail()
            except ValidationFailed:
                st.session_state["status_resent"] = False
            st.rerun()
    resent = st.session_state.pop("status_resent", None)
    if resent is True:
        st.success(t("status.resent"))
    elif resent is False:
        st.error(t("error.email"))
