"""Focal points: the coordinator invites a school's focal point (a one-time link by mail), sees
who keeps which school and ends an access; reads, and may undo, the schools' own changes;
decides the schools' requests to change their themes or levels; and opens the board's channel
for the network's schools."""

import polars as pl
import streamlit as st

from aspnet_data import board, change_requests, editing, focal_points
from aspnet_data.directory import Selection
from aspnet_data.errors import FieldError, PermissionDenied, ValidationFailed
from aspnet_data.vocab import LANGUAGES
from ui import change_requests as change_forms
from ui import data, network_forms
from ui.auth import current_actor
from ui.coordinators import pick_network
from ui.forms import FormState, field_errors, summary
from ui.i18n import LANGUAGE_NAMES, current_language, link_params, t
from ui.safe import md
from ui.tables import height_for

lang = current_language()
network = pick_network("manage_focal_points")
countries = dict(data.network_countries(lang))
db, actor = data.db(), current_actor()
st.title(t("focal.title", country=md(countries.get(network, network))))
st.caption(t("focal.intro"))
waiting = change_requests.pending(db, actor, network).height
tab_labels = {
    "people": t("focal.tab_people"),
    "changes": t("focal.tab_changes"),
    "requests": t("focal.tab_requests") + (f" ({waiting})" if waiting else ""),
    "channel": t("focal.tab_channel"),
}
people_tab, changes_tab, requests_tab, channel_tab = st.tabs(
    list(tab_labels.values()), default=tab_labels.get(st.query_params.get("tab"))
)

with people_tab:
    people = focal_points.focal_points(db, actor, network)
    if people.is_empty():
        st.info(t("focal.none"), icon=":material/group_add:")
    else:
        shown = people.select(
            pl.col("school"),
            pl.col("display_name"),
            pl.col("email"),
            pl.col("state").replace_strict({s: t(f"focal.state.{s}") for s in focal_points.STATES}),
            pl.col("invited_at").dt.strftime("%Y-%m-%d").fill_null("—"),
            pl.col("last_login").dt.strftime("%Y-%m-%d").fill_null("—"),
        )
        st.dataframe(
            shown,
            hide_index=True,
            width="stretch",
            height=height_for(shown),
            column_config={
                "school": t("focal.col_school"),
                "display_name": t("focal.col_name"),
                "email": t("focal.col_email"),
                "state": t("focal.col_state"),
                "invited_at": t("focal.col_invited"),
                "last_login": t("focal.col_last_login"),
            },
        )

    st.subheader(t("focal.invite"))
    # A new form (new widget keys) after each invitation sent: the next one starts empty.
    sent_count = st.session_state.setdefault("invite_count", 0)
    form = FormState(
        "invite" if not sent_count else f"invite{sent_count}",
        fields=("institution", "display_name", "email", "language"),
    )
    # The school, found by its name, town or number among the network's members and candidates.
    query = st.text_input(t("focal.find_school"), key="invite_q", placeholder=t("filters.search_placeholder"))
    found = data.institutions_page(
        Selection(q=query).with_values("country", [network]).with_values("status", ["member", "candidate"]), 1, lang
    )
    schools = {row["id"]: f"{row['name']} ({row['city'] or '—'})" for row in found.iter_rows(named=True)}
    with st.form("invite_form"):
        st.selectbox(
            t("focal.school"),
            list(schools),
            index=None,
            format_func=lambda i: f"{schools[i]} · #{i}",
            placeholder=t("focal.school_placeholder"),
            key=form.key("institution"),
        )
        field_errors(form.errors, "institution")
        left, right = st.columns(2)
        left.text_input(t("focal.name"), max_chars=120, key=form.key("display_name"))
        with left:
            field_errors(form.errors, "display_name")
        right.text_input(t("focal.email"), max_chars=200, key=form.key("email"))
        with right:
            field_errors(form.errors, "email")
        st.selectbox(
            t("focal.language"),
            LANGUAGES,
            index=LANGUAGES.index(lang),
            format_func=LANGUAGE_NAMES.get,
            key=form.key("language"),
        )
        summary(form.errors)
        if st.form_submit_button(t("focal.send"), type="primary", icon=":material/send:"):
            values = form.values
            try:
                if values["institution"] is None:
                    raise ValidationFailed([FieldError("institution", "required")])
                sent = focal_points.invite(
                    db,
                    actor,
                    int(values["institution"]),
                    display_name=values["display_name"],
                    email=values["email"],
                    language=values["language"] or lang,
                )
            except ValidationFailed as failed:
                form.errors = failed.errors
            else:
                form.reset()
                st.session_state["invite_count"] = sent_count + 1
                st.session_state["invite_sent"] = (values["email"].strip(), sent.username)
                data.send_mail()
            st.rerun()
    if "invite_sent" in st.session_state:
        email, username = st.session_state.pop("invite_sent")
        st.success(t("focal.sent", email=md(email), username=username), icon=":material/mark_email_read:")

    active = people.filter(pl.col("state") != "ended")
    if active.height:
        st.subheader(t("focal.end"))
        names = dict(zip(active["username"], active["display_name"] + " · " + active["school"], strict=True))
        with st.form("end_form"):
            who = st.selectbox(t("focal.end_pick"), list(names), index=None, format_func=names.get, key="end_username")
            st.caption(t("focal.end_help"))
            if st.form_submit_button(t("focal.end_button"), icon=":material/person_off:") and who:
                try:
                    focal_points.end(db, actor, who)
                except PermissionDenied:
                    st.session_state["end_problem"] = True
                else:
                    st.session_state["end_done"] = names[who]
                st.rerun()
        if "end_done" in st.session_state:
            st.success(t("focal.ended", name=md(st.session_state.pop("end_done"))), icon=":material/person_off:")
        if st.session_state.pop("end_problem", False):
            st.error(t("manage.not_allowed"))

with changes_tab:
    st.caption(t("focal.changes_help"))
    network_forms.history(network, countries, action=editing.SCHOOL_UPDATE, key="undo")

with requests_tab:
    change_forms.decisions(db, actor, network)

with channel_tab:
    st.caption(t("focal.channel_help"))
    opened = board.schools_channel(db, network)
    if opened is None:
        if st.button(t("focal.channel_open"), type="primary", icon=":material/forum:"):
            board.open_schools_channel(
                db, actor, network, title=t("board.channel_schools", country=countries.get(network, network))
            )
            st.rerun()
    else:
        st.success(
            t("focal.channel_is_open", title=t("board.channel_schools", country=md(countries.get(network, network)))),
            icon=":material/forum:",
        )
        st.page_link(
            "app_pages/board.py",
            label=t("focal.channel_go"),
            icon=":material/edit:",
            query_params=link_params({"channel": f"schools-{network.lower()}"}),
        )
