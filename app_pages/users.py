"""Users (UNESCO admins): find accounts, see who logged in when and which are locked or
disabled, create accounts, disable and re-enable them, unlock them, assign networks, reset
passwords."""

import polars as pl
import streamlit as st

from aspnet_data import accounts
from aspnet_data.errors import FieldError, PermissionDenied
from aspnet_data.permissions import can
from aspnet_data.vocab import ROLES
from ui import data
from ui.auth import current_actor
from ui.i18n import current_language, t
from ui.safe import md

actor = current_actor()
if not can(actor, "manage_users"):
    st.error(t("manage.not_allowed"))
    st.stop()
db = data.db()
lang = current_language()
countries = dict(data.network_countries(lang))
st.title(t("users.title"))
STATES = ("active", "locked", "disabled", "must_change")
STATE_COLOURS = ("green", "orange", "red", "blue")

query = st.text_input(
    t("users.search"), key="users_q", placeholder=t("users.search_placeholder"), icon=":material/search:"
)
users = accounts.user_list(db, actor, query)


def states(row: dict) -> list[str]:
    found = [
        name
        for name, on in (
            ("locked", row["locked_until"] is not None),
            ("disabled", row["disabled"]),
            ("must_change", row["must_change_password"]),
        )
        if on
    ]
    return found or ["active"]


table = users.with_columns(
    pl.Series("state", [states(r) for r in users.iter_rows(named=True)], dtype=pl.List(pl.String)),
    pl.col("role").replace_strict({r: t(f"role.{r}") for r in ROLES}),
    pl.col("network").replace_strict(countries, default=pl.col("network")).fill_null("—"),
)
st.caption(t("users.found", count=users.height))
event = st.dataframe(
    table,
    hide_index=True,
    width="stretch",
    key="users_table",
    on_select="rerun",
    selection_mode="single-row",
    height="content" if table.height <= 15 else 36 + 35 * 15,
    column_order=("state", "username", "display_name", "role", "network", "last_login", "locked_until", "email"),
    column_config={
        "state": st.column_config.MultiselectColumn(
            t("users.state"),
            options=STATES,
            color=STATE_COLOURS,
            format_func=lambda s: t(f"users.state_{s}"),
            width="medium",
        ),
        "username": t("auth.username"),
        "display_name": t("users.name"),
        "email": t("field.email"),
        "role": t("users.role"),
        "network": t("manage.network"),
        "last_login": st.column_config.DatetimeColumn(t("users.last_login"), format="YYYY-MM-DD HH:mm"),
        "locked_until": st.column_config.DatetimeColumn(t("users.locked_column"), format="HH:mm"),
    },
)
st.caption(t("users.table_help"))

# The user picked: a row of the table, else the one named in the link (?user=, from To do).
names = users["username"].to_list()
picked = event.selection.rows if event else []
if picked and st.session_state.get("users_row") != names[picked[0]]:
    st.session_state["users_row"] = st.session_state["users_pick"] = names[picked[0]]
requested = st.query_params.get("user")
if requested in names and st.session_state.get("users_link") != requested:
    st.session_state["users_link"] = st.session_state["users_pick"] = requested

manage_col, create_col = st.columns(2, gap="large")
with manage_col, st.container(border=True):
    st.subheader(t("users.manage"), anchor=False)
    if not names:
        st.info(t("users.none_found"), icon=":material/person_search:")
    else:
        if st.session_state.get("users_pick") not in names:
            st.session_state["users_pick"] = names[0]
        chosen = st.selectbox(
            t("users.pick"),
            names,
            key="users_pick",
            format_func=lambda u: f"{users.row(names.index(u), named=True)['display_name']} ({u})",
        )
        target = users.row(names.index(chosen), named=True)
        badges = {"active": "green", "locked": "orange", "disabled": "red", "must_change": "blue"}
        line = " ".join(f":{badges[s]}-badge[{t(f'users.state_{s}')}]" for s in states(target))
        if target["locked_until"] is not None:
            line += " " + t("users.locked_until", when=target["locked_until"].strftime("%H:%M"))
        role_label = t(f"role.{target['role']}")
        st.markdown(f"**{md(target['display_name'])}** ({md(chosen)}) · {role_label}  \n{line}")
        st.caption(
            t("users.last_login_line", when=target["last_login"].strftime("%Y-%m-%d %H:%M"))
            if target["last_login"]
            else t("users.never_logged_in")
        )

        def done(message: str, **values) -> None:
            st.session_state["users_done"] = t(message, **values)
            st.rerun()

        if target["locked_until"] is not None and st.button(
            t("users.unlock"), key="users_unlock", icon=":material/lock_open:"
        ):
            accounts.unlock(db, actor, chosen)
            done("users.unlocked", username=chosen)
        if target["disabled"]:
            if st.button(t("users.enable"), key="users_enable", icon=":material/check_circle:"):
                accounts.set_disabled(db, actor, chosen, False)
                done("users.enabled", username=chosen)
        elif st.button(
            t("users.disable"), key="users_disable", disabled=chosen == actor.username, icon=":material/block:"
        ):
            accounts.set_disabled(db, actor, chosen, True)
            done("users.disabled_done", username=chosen)
        if target["role"] == "coordinator":
            codes = list(countries)
            current = target["network"]
            network = st.selectbox(
                t("manage.network"),
                codes,
                format_func=countries.get,
                key=f"users_network_{chosen}",
                index=codes.index(current) if current in codes else 0,
            )
            if network != current and st.button(t("users.assign"), key="users_assign"):
                accounts.assign_network(db, actor, chosen, network)
                done("users.assigned", username=chosen, country=md(countries[network]))
        if st.button(t("users.reset"), key="users_reset", icon=":material/key:"):
            st.session_state["users_otp"] = ("reset", chosen, accounts.reset_password(db, actor, chosen))
        if "users_done" in st.session_state:
            st.success(st.session_state.pop("users_done"), icon=":material/check_circle:")


def one_time_password(made_by: str) -> None:
    """The one-time password just made, shown once where it was asked for."""
    if st.session_state.get("users_otp", ("",))[0] == made_by:
        _, who, password = st.session_state.pop("users_otp")
        st.info(t("users.otp", username=who))
        st.code(password, language=None)


with manage_col:
    one_time_password("reset")

with create_col, st.container(border=True):
    st.subheader(t("users.create"), anchor=False)
    error = st.session_state.pop("users_error", None)

    def error_for(field: str) -> None:
        if error and error.field == field:
            st.error(
                t(f"error.{error.code}", **{k: md(v) if isinstance(v, str) else v for k, v in error.params.items()})
            )

    with st.form("users_create", clear_on_submit=False):
        username = st.text_input(t("auth.username"), key="new_username", help=t("users.username_help"))
        error_for("username")
        name = st.text_input(t("users.name"), key="new_name")
        error_for("display_name")
        email = st.text_input(t("field.email"), key="new_email")
        error_for("email")
        # The least powerful role unless the admin chooses another.
        role = st.selectbox(
            t("users.role"),
            ROLES,
            index=ROLES.index("analyst"),
            format_func=lambda r: t(f"role.{r}"),
            key="new_role",
            help=t("users.role_help"),
        )
        network = st.selectbox(
            t("manage.network"),
            list(countries),
            index=None,
            placeholder=t("users.no_network"),
            format_func=countries.get,
            help=t("users.network_help"),
            key="new_network",
        )
        error_for("network")
        if st.form_submit_button(t("users.create"), type="primary", icon=":material/person_add:"):
            password = accounts.one_time_password()
            try:
                accounts.create_user(
                    db,
                    actor,
                    username=username,
                    display_name=name,
                    role=role,
                    password=password,
                    email=email or None,
                    network=network,
                    must_change_password=True,
                    language=lang,
                )
            except FieldError as problem:
                st.session_state["users_error"] = problem
            except PermissionDenied:
                st.session_state["users_error"] = FieldError("username", "not_allowed")
            else:
                created = username.strip().lower()
                st.session_state["users_otp"] = ("create", created, password)
                st.session_state["users_created"] = t("users.created", username=created, role=t(f"role.{role}"))
            st.rerun()
    if "users_created" in st.session_state:
        st.success(st.session_state.pop("users_created"), icon=":material/check_circle:")
    one_time_password("create")
