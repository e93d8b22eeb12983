"""Manage a national network: its profile, its institutions, and the history of changes."""

import streamlit as st

from aspnet_data import editing
from aspnet_data.directory import Selection
from aspnet_data.profiles import parse_id
from ui import data, network_forms
from ui.coordinators import pick_network
from ui.i18n import current_language, t
from ui.safe import md

lang = current_language()
network = pick_network()
countries = dict(data.network_countries(lang))
db = data.db()
st.title(t("manage.title", country=md(countries.get(network, network))))

# A link from the data-quality list (?edit=ID) opens that institution's form.
requested_edit = st.query_params.get("edit")
edit_id = parse_id(requested_edit)
if edit_id is not None and st.session_state.get("manage_edit_link") != requested_edit:
    st.session_state["manage_edit_link"] = requested_edit
    st.session_state["manage_edit"] = edit_id
TABS = {
    "profile": t("manage.tab_profile"),
    "institutions": t("manage.tab_institutions"),
    "history": t("manage.tab_history"),
}
opened_tab = "institutions" if requested_edit else st.query_params.get("tab")
profile_tab, institutions_tab, history_tab = st.tabs(list(TABS.values()), default=TABS.get(opened_tab))

with profile_tab:
    network_forms.profile_form(network)

with institutions_tab:
    query = st.text_input(t("filters.search"), key="manage_q", placeholder=t("filters.search_placeholder"))
    sel = (
        Selection(q=query).with_values("country", [network]).with_values("status", ["member", "candidate", "withdrawn"])
    )
    rows = data.institutions_page(sel, 1, lang)
    if st.button(t("manage.add"), icon=":material/add:", key="manage_add"):
        st.session_state["manage_edit"] = "new"
    picked = network_forms.institutions_table(rows)
    st.caption(t("manage.table_help"))
    if picked is not None:
        st.session_state["manage_edit"] = picked
    editing_id = st.session_state.get("manage_edit")
    if editing_id == "new":
        st.subheader(t("manage.new"))
        network_forms.institution_form(network, None)
    elif editing_id is not None:
        chosen = editing.institution_record(db, editing_id)
        if chosen and chosen["network"] == network:
            st.subheader(md(chosen["name"]))
            network_forms.institution_form(network, chosen)

with history_tab:
    network_forms.history(network, countries)
