"""Apply to join ASPnet: the eligibility rules, the form, drafts, and the reference code."""

import streamlit as st

from aspnet_data import applications as apps
from aspnet_data import settings
from aspnet_data.vocab import LANGUAGES, LEVELS, OWNERSHIP, THEMES
from ui import data, join, map_charts
from ui.forms import Feedback, field_errors, summary
from ui.i18n import LANGUAGE_NAMES, current_language, language_name, t

lang = current_language()
MAX_SUBMISSIONS = settings.number("ASPNET_MAX_APPLICATIONS")  # per browser session
db = data.db()
countries = dict(data.network_countries(lang))
form = join.FORM
st.title(t("apply.title"))
# Bots fill every field; people never see this one.
st.html("<style>.st-key-apply_hp {display: none !important;}</style>")


def required(label: str) -> str:
    return f"{label} *"


sent = form.get("sent")
if sent:
    # Submitted: what was sent and the code are what matter now.
    join.sent_summary(sent, countries)
    st.stop()

st.markdown(t("apply.rules"))
join.resume_form(db)
join.form_notices(db)
draft = form.get("draft") or {}
errors = Feedback(form.errors)
st.caption(t("apply.required_note"))

st.subheader(t("apply.school"))
codes = list(countries)
network = st.selectbox(
    required(t("apply.country")),
    codes,
    format_func=countries.get,
    key=form.key("network"),
    index=None,
    placeholder=t("brief.placeholder"),
    help=t("apply.country_help"),
    on_change=join.country_changed,
)
field_errors(errors, "network")
st.text_input(required(t("field.name")), max_chars=200, key=form.key("institution_name"))
field_errors(errors, "institution_name")
st.text_input(t("field.name_latin"), max_chars=200, key=form.key("name_latin"), help=t("field.name_latin_help"))
field_errors(errors, "name_latin")

towns = data.towns(network) if network else None
names, coords, local = join.town_options(towns) if towns is not None else ([], {}, {})
typed = form.value("city")
town_col, address_col = st.columns(2)
with town_col:
    st.selectbox(
        required(t("field.city")),
        names + ([typed] if typed and typed not in coords else []),
        index=None,
        key=form.key("city"),
        accept_new_options=True,
        on_change=join.town_chosen,
        args=(coords,),
        format_func=lambda n: f"{n} · {local[n]}" if n in local else n,
        placeholder=t("apply.town_placeholder"),
        help=t("apply.town_help"),
    )
    field_errors(errors, "city")
with address_col:
    st.text_input(t("apply.address"), max_chars=300, key=form.key("address"))
    field_errors(errors, "address")
if towns is not None and towns.height:
    with st.expander(t("apply.pick_on_map"), icon=":material/location_on:"):
        town = map_charts.town_map(towns, key="apply_map", height=360, alt=t("apply.pick_on_map"))
        if town is not None and join.town_picked_on_map(town):
            st.rerun()
        st.caption(t("apply.pick_help"))
lat_col, lon_col = st.columns(2)
with lat_col:
    st.text_input(t("field.latitude"), key=form.key("latitude"), help=t("apply.coordinates_help"))
    field_errors(errors, "latitude")
with lon_col:
    st.text_input(t("field.longitude"), key=form.key("longitude"))
    field_errors(errors, "longitude")

st.multiselect(
    required(t("facet.level")),
    LEVELS,
    format_func=lambda c: t(f"level.{c}"),
    key=form.key("levels"),
    placeholder=t("apply.choose"),
)
field_errors(errors, "levels")
st.radio(
    required(t("facet.ownership")),
    OWNERSHIP,
    horizontal=True,
    key=form.key("ownership"),
    index=None,
    format_func=lambda c: t(f"ownership.{c}"),
)
field_errors(errors, "ownership")
st.multiselect(
    t("institution.languages"),
    join.language_options(form.value("languages")),
    format_func=language_name,
    key=form.key("languages"),
    placeholder=t("apply.languages_placeholder"),
)
field_errors(errors, "languages")
pupils_col, teachers_col = st.columns(2)
with pupils_col:
    st.number_input(t("institution.pupils"), min_value=0, max_value=100_000, step=1, value=None, key=form.key("pupils"))
    field_errors(errors, "pupils")
with teachers_col:
    st.number_input(
        t("institution.teachers"), min_value=0, max_value=20_000, step=1, value=None, key=form.key("teachers")
    )
    field_errors(errors, "teachers")

st.subheader(t("apply.public"))
st.caption(t("apply.public_note"))
email_col, site_col = st.columns(2)
with email_col:
    st.text_input(
        t("apply.school_email"),
        max_chars=200,
        key=form.key("school_email"),
        placeholder=t("apply.school_email_placeholder"),
    )
    field_errors(errors, "school_email")
with site_col:
    st.text_input(
        t("field.website"), max_chars=200, key=form.key("website"), placeholder=t("apply.website_placeholder")
    )
    field_errors(errors, "website")

st.subheader(t("apply.themes"))
themes = st.multiselect(
    required(t("facet.theme")),
    THEMES,
    format_func=lambda c: t(f"theme.{c}"),
    key=form.key("themes"),
    placeholder=t("apply.choose"),
)
field_errors(errors, "themes")
join.keep_plans(themes)
if not themes:
    st.caption(t("apply.plans_after_themes"))
for theme in themes:
    st.text_area(
        required(t("apply.plan", theme=t(f"theme.{theme}"))), max_chars=2000, key=join.plan_key(theme), height=90
    )
    field_errors(errors, f"plan_{theme}")

st.subheader(t("apply.contact"))
st.caption(t("apply.contact_note"))
contact_col, contact_email_col = st.columns(2)
with contact_col:
    st.text_input(required(t("users.name")), max_chars=120, key=form.key("contact_name"))
    field_errors(errors, "contact_name")
with contact_email_col:
    st.text_input(required(t("apply.contact_email")), max_chars=200, key=form.key("contact_email"))
    field_errors(errors, "contact_email")
st.radio(
    t("apply.language"),
    LANGUAGES,
    horizontal=True,
    key=form.key("language"),
    index=LANGUAGES.index(lang),
    format_func=LANGUAGE_NAMES.get,
)
field_errors(errors, "language")
honeypot = st.text_input("Leave this field empty", key="apply_hp", label_visibility="collapsed")
name = form.value("institution_name")
if name and network:
    # A warning, not a block: a second school of the same name may be real. Shown by the
    # buttons, not under the name: appearing there, it would move the fields being filled.
    join.similar(apps.similar(db, network, name, exclude=draft.get("id")), reviewer=False)
summary(errors)
save_col, submit_col = st.columns(2)
saved = save_col.button(t("apply.save_draft"), icon=":material/save:", width="stretch")
submitted = submit_col.button(t("apply.submit"), type="primary", icon=":material/send:", width="stretch")

if saved or submitted:
    join.send(db, network, submit=submitted, honeypot=honeypot, limit=MAX_SUBMISSIONS)
    data.send_mail()
    st.rerun()
st.page_link("app_pages/status.py", label=t("apply.track"), icon=":material/track_changes:")
