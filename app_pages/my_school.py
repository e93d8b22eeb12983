"""My school: a focal point keeps their school's public details up to date (audited; the
network's coordinator sees each change and may undo it), asks the coordinator to change its
themes or levels, writes the annual report and sees where the school stands."""

import streamlit as st

from aspnet_data import editing, membership
from aspnet_data.permissions import can
from ui import annual_report, change_requests, data, network_forms
from ui.auth import current_actor, current_user
from ui.i18n import current_language, link_params, t
from ui.layout import url_tabs
from ui.safe import md, safe_email

user = current_user()
actor = current_actor()
if user is None or user.institution_id is None or not can(actor, "read_my_school", institution=user.institution_id):
    st.title(t("nav.my_school"))
    st.warning(t("auth.no_access"), icon=":material/lock:")
    st.stop()
db = data.db()
record = editing.institution_record(db, user.institution_id)
if record is None:
    st.error(t("manage.not_allowed"))
    st.stop()
lang = current_language()
country = dict(data.network_countries(lang)).get(record["network"], record["network"])
st.title(md(record["name"]))
standing = membership.timeline(db, record["id"])
since = next((k for k in ("candidate_since", "member_since") if standing.get(k)), None)
status = t(f"status_one.{record['status']}")
st.markdown(f":blue-badge[{status}] &nbsp; " + (t(f"membership.since.{since}", day=standing[since]) if since else ""))
st.caption(t("my_school.intro", country=md(country), name=md(user.display_name)))
st.page_link(
    "app_pages/institution.py",
    label=t("my_school.public_profile"),
    icon=":material/school:",
    query_params=link_params(id=record["id"]),
)
profile = data.network_profile(record["network"])
contact = safe_email(profile.network.get("coordinator_email") if profile else None)
if contact:
    st.caption(t("my_school.coordinator_contact", email=contact))
tabs = url_tabs(
    {"details": t("my_school.details"), "themes": t("my_school.themes"), "report": t("report.title")},
    key="my_school_tab",
)
if tabs["details"].open:
    with tabs["details"]:
        st.caption(t("my_school.details_help"))
        network_forms.institution_form(record["network"], record, school=True)
if tabs["themes"].open:
    with tabs["themes"]:
        change_requests.school_form(db, actor, record)
if tabs["report"].open:
    with tabs["report"]:
        st.caption(t("report.intro"))
        annual_report.editor(db, actor, record)
