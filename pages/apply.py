"""Apply to join ASPnet: the eligibility rules, the form, drafts, and the reference code."""

import streamlit as st

from aspnet_data import applications as apps
from aspnet_data.editing import ValidationFailed
from aspnet_data.vocab import LANGUAGES, LEVELS, OWNERSHIP, THEMES
from ui import data, maps, require_router
from ui.forms import field_errors, summary
from ui.i18n import LANGUAGE_NAMES, current_language, t
from ui.safe import md

require_router()
lang = current_language()
MAX_SUBMISSIONS = 3   # per browser session: enough for a school, too few for a flood
db = data.db()
countries = dict(data.network_countries(lang))
st.title(t("apply.title"))
st.markdown(t("apply.rules"))
# Bots fill every field; people never see this one.
st.html("<style>.st-key-apply_hp {display: none !important;}</style>")

draft = st.session_state.get("apply_draft") or {}
with st.expander(t("apply.resume"), icon=":material/history:"):
    with st.form("apply_resume"):
        code = st.text_input(t("status.reference"), max_chars=20)
        email = st.text_input(t("status.email"), max_chars=200)
        if st.form_submit_button(t("apply.resume_button")):
            found = apps.find(db, code, email)
            if found is None or found.stage not in apps.EDITABLE:
                st.session_state["apply_message"] = ("error", t("apply.resume_not_found"))
            else:
                st.session_state["apply_draft"] = found.record
                for key in list(st.session_state):
                    if key.startswith("apply_f_"):
                        del st.session_state[key]
            st.rerun()

message = st.session_state.pop("apply_message", None)
if message:
    getattr(st, message[0])(message[1])
if message and message[0] == "success":
    # Submitted: the code is what matters now; the form comes back empty on request.
    st.page_link("pages/status.py", label=t("apply.track"), icon=":material/track_changes:")
    st.button(t("apply.another"), icon=":material/add:")
    st.stop()
errors = st.session_state.get("apply_errors")
plans = draft.get("theme_plans") or {}

# The country and an optional map to pick the town come first (outside the form, so the map
# follows the country chosen).
codes = list(countries)
network = st.selectbox(t("apply.country"), codes, format_func=countries.get, key="apply_f_network",
                       index=codes.index(draft["network"]) if draft.get("network") in countries else None,
                       placeholder=t("brief.placeholder"), help=t("apply.country_help"))
for key, field in (("apply_f_city", "city"), ("apply_f_lat", "latitude"), ("apply_f_lon", "longitude")):
    st.session_state.setdefault(key, str(draft.get(field) or ""))
if network:
    with st.expander(t("apply.pick_on_map"), icon=":material/location_on:"):
        towns = data.towns(network)
        picked = st.pydeck_chart(maps.town_picker(towns), height=360, on_select="rerun",
                                 selection_mode="single-object", key="apply_map", alt=t("apply.pick_on_map"))
        chosen = (picked.selection or {}).get("objects", {}).get("towns") if picked else None
        if chosen and st.session_state.get("apply_picked") != chosen[0]["name"]:
            st.session_state["apply_picked"] = chosen[0]["name"]
            st.session_state["apply_f_city"] = chosen[0]["name"]
            st.session_state["apply_f_lat"] = f"{chosen[0]['lat']:.5f}"
            st.session_state["apply_f_lon"] = f"{chosen[0]['lon']:.5f}"
            st.rerun()
        st.caption(t("apply.pick_help"))

with st.form("apply_form"):
    st.subheader(t("apply.school"))
    values = {"network": network}
    field_errors(errors, "network")
    values["institution_name"] = st.text_input(t("field.name"), draft.get("institution_name") or "", max_chars=200,
                                               key="apply_f_name")
    field_errors(errors, "institution_name")
    values["name_latin"] = st.text_input(t("field.name_latin"), draft.get("name_latin") or "", max_chars=200,
                                         key="apply_f_latin", help=t("field.name_latin_help"))
    left, right = st.columns(2)
    values["city"] = left.text_input(t("field.city"), max_chars=100, key="apply_f_city")
    values["address"] = right.text_input(t("apply.address"), draft.get("address") or "", max_chars=300,
                                         key="apply_f_address")
    field_errors(errors, "city")
    lat, lon = st.columns(2)
    values["latitude"] = lat.text_input(t("field.latitude"), key="apply_f_lat", help=t("apply.coordinates_help"))
    values["longitude"] = lon.text_input(t("field.longitude"), key="apply_f_lon")
    field_errors(errors, "latitude")
    field_errors(errors, "longitude")
    values["levels"] = st.multiselect(t("facet.level"), LEVELS, default=draft.get("levels") or [],
                                      format_func=lambda c: t(f"level.{c}"), key="apply_f_levels")
    field_errors(errors, "levels")
    values["ownership"] = st.radio(t("facet.ownership"), OWNERSHIP, horizontal=True, key="apply_f_ownership",
                                   index=OWNERSHIP.index(draft["ownership"]) if draft.get("ownership") in OWNERSHIP else 0,
                                   format_func=lambda c: t(f"ownership.{c}"))
    values["languages"] = st.text_input(t("institution.languages"), "; ".join(draft.get("languages") or []),
                                        key="apply_f_languages", help=t("field.languages_help"))
    a, b = st.columns(2)
    values["pupils"] = a.text_input(t("institution.pupils"), str(draft.get("pupils") or ""), key="apply_f_pupils")
    values["teachers"] = b.text_input(t("institution.teachers"), str(draft.get("teachers") or ""), key="apply_f_teachers")
    field_errors(errors, "pupils")
    field_errors(errors, "teachers")

    st.subheader(t("apply.themes"))
    values["themes"] = st.multiselect(t("facet.theme"), THEMES, default=draft.get("themes") or [],
                                      format_func=lambda c: t(f"theme.{c}"), key="apply_f_themes")
    field_errors(errors, "themes")
    values["theme_plans"] = {}
    for theme in THEMES:
        values["theme_plans"][theme] = st.text_area(t("apply.plan", theme=t(f"theme.{theme}")), plans.get(theme) or "",
                                                    max_chars=2000, key=f"apply_f_plan_{theme}", height=90)
        field_errors(errors, f"plan_{theme}")

    st.subheader(t("apply.contact"))
    c1, c2 = st.columns(2)
    values["contact_name"] = c1.text_input(t("users.name"), draft.get("contact_name") or "", max_chars=120,
                                           key="apply_f_contact")
    values["contact_email"] = c2.text_input(t("field.email"), draft.get("contact_email") or "", max_chars=200,
                                            key="apply_f_email")
    field_errors(errors, "contact_name")
    field_errors(errors, "contact_email")
    values["language"] = st.radio(t("apply.language"), LANGUAGES, horizontal=True, key="apply_f_language",
                                  index=LANGUAGES.index(draft.get("language") or lang),
                                  format_func=LANGUAGE_NAMES.get)
    honeypot = st.text_input("Leave this field empty", key="apply_hp", label_visibility="collapsed")
    summary(errors)
    save_col, submit_col = st.columns(2)
    saved = save_col.form_submit_button(t("apply.save_draft"), icon=":material/save:")
    submitted = submit_col.form_submit_button(t("apply.submit"), type="primary", icon=":material/send:")

if saved or submitted:
    st.session_state.pop("apply_errors", None)
    count = st.session_state.get("apply_count", 0)
    if honeypot:
        # Looks like success to a bot; nothing is stored.
        st.session_state["apply_message"] = ("success", t("apply.received", code="ASP-" + "X" * 10))
    elif submitted and count >= MAX_SUBMISSIONS:
        st.session_state["apply_message"] = ("error", t("apply.too_many", max=MAX_SUBMISSIONS))
    else:
        try:
            app = apps.save(db, values, submit=bool(submitted), reference=draft.get("reference"),
                            email=draft.get("contact_email"))
        except ValidationFailed as failed:
            st.session_state["apply_errors"] = failed.errors
        except apps.TransitionRefused:
            st.session_state["apply_message"] = ("error", t("apply.resume_not_found"))
        else:
            code = app.record["reference"]
            if submitted:
                st.session_state["apply_count"] = count + 1
                st.session_state.pop("apply_draft", None)
                for key in list(st.session_state):
                    if key.startswith("apply_f_"):
                        del st.session_state[key]
                st.session_state["apply_message"] = ("success", t("apply.received", code=code))
            else:
                st.session_state["apply_draft"] = app.record
                st.session_state["apply_message"] = ("info", t("apply.draft_saved", code=code))
    data.send_mail()
    st.rerun()

# Similar institutions: a warning, not a block (a second school of the same name may be real).
name = st.session_state.get("apply_f_name") or draft.get("institution_name")
network = st.session_state.get("apply_f_network") or draft.get("network")
if name and network:
    lookalikes = apps.similar(db, network, name)
    if lookalikes.height:
        st.warning(t("apply.similar", names="; ".join(f"{md(n)} ({md(c)})" for n, c in
                                                     zip(lookalikes["name"], lookalikes["city"]))))
st.page_link("pages/status.py", label=t("apply.track"), icon=":material/track_changes:")
