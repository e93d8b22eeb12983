"""The Users page's glue (UNESCO admins): accounts as a table with their states, one account's
summary and the actions on it, the one-time password just made, the form that creates an account.
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from aspnet_data import accounts
from aspnet_data.errors import FieldError, PermissionDenied
from aspnet_data.vocab import ROLES, STAFF_ROLES

from . import data
from .auth import current_actor
from .forms import message
from .i18n import current_language, named, t
from .safe import md
from .tables import height_for

# An account's states, each with its badge colour.
STATES = {"active": "green", "locked": "orange", "disabled": "red", "must_change": "blue"}
_PICK, _DONE, _OTP, _ERROR, _CREATED = "users_pick", "users_done", "users_otp", "users_error", "users_created"


def states(row: dict) -> list[str]:
    """What holds for an account: locked, disabled, waiting for a new password; else active."""
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


def accounts_table(users: pl.DataFrame, countries: dict[str, str]) -> str | None:
    """The accounts found, their states as badges; the user name of the row picked, if any."""
    table = users.with_columns(
        pl.Series("state", [states(r) for r in users.iter_rows(named=True)], dtype=pl.List(pl.String)),
        pl.col("role").replace_strict({r: t(f"role.{r}") for r in ROLES}),
        pl.col("network").replace_strict(countries, default=pl.col("network")).fill_null("—"),
    )
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        key="users_table",
        on_select="rerun",
        selection_mode="single-row",
        height=height_for(table),
        column_order=("state", "username", "display_name", "role", "network", "last_login", "locked_until", "email"),
        column_config={
            "state": st.column_config.MultiselectColumn(
                t("users.state"),
                options=list(STATES),
                color=list(STATES.values()),
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
    rows = event.selection.rows if event else []
    return users["username"][rows[0]] if rows else None


def follow_pick(names: list[str], row: str | None) -> None:
    """The account to manage: a row just picked in the table, else the one named in the link
    (?user=, from To do), else the one picked before, else the first (before the picker is drawn)."""
    if row is not None and st.session_state.get("users_row") != row:
        st.session_state["users_row"] = st.session_state[_PICK] = row
    requested = st.query_params.get("user")
    if requested in names and st.session_state.get("users_link") != requested:
        st.session_state["users_link"] = st.session_state[_PICK] = requested
    if names and st.session_state.get(_PICK) not in names:
        st.session_state[_PICK] = names[0]


def summary(target: dict) -> None:
    """Who the account is, its states as badges, when it last logged in."""
    line = " ".join(f":{STATES[s]}-badge[{t(f'users.state_{s}')}]" for s in states(target))
    if target["locked_until"] is not None:
        line += " " + t("users.locked_until", when=target["locked_until"].strftime("%H:%M"))
    role_label = t(f"role.{target['role']}")
    st.markdown(f"**{md(target['display_name'])}** ({md(target['username'])}) · {role_label}  \n{line}")
    st.caption(
        t("users.last_login_line", when=target["last_login"].strftime("%Y-%m-%d %H:%M"))
        if target["last_login"]
        else t("users.never_logged_in")
    )


def _done(text: str, **values: object) -> None:
    st.session_state[_DONE] = t(text, **values)
    st.rerun()


def actions(target: dict, countries: dict[str, str]) -> None:
    """Unlock, enable or disable (never oneself), assign a coordinator's network, reset the
    password; what was done is said under the buttons."""
    db, actor, username = data.db(), current_actor(), target["username"]
    if target["locked_until"] is not None and st.button(
        t("users.unlock"), key="users_unlock", icon=":material/lock_open:"
    ):
        accounts.unlock(db, actor, username)
        _done("users.unlocked", username=username)
    if target["disabled"]:
        if st.button(t("users.enable"), key="users_enable", icon=":material/check_circle:"):
            accounts.set_disabled(db, actor, username, False)
            _done("users.enabled", username=username)
    elif st.button(
        t("users.disable"), key="users_disable", disabled=username == actor.username, icon=":material/block:"
    ):
        accounts.set_disabled(db, actor, username, True)
        _done("users.disabled_done", username=username)
    if target["role"] == "coordinator":
        codes = list(countries)
        current = target["network"]
        network = st.selectbox(
            t("manage.network"),
            codes,
            format_func=named(countries),
            key=f"users_network_{username}",
            index=codes.index(current) if current in codes else 0,
        )
        if network is not None and network != current and st.button(t("users.assign"), key="users_assign"):
            accounts.assign_network(db, actor, username, network)
            _done("users.assigned", username=username, country=md(countries[network]))
    if st.button(t("users.reset"), key="users_reset", icon=":material/key:"):
        st.session_state[_OTP] = ("reset", username, accounts.reset_password(db, actor, username))
    if _DONE in st.session_state:
        st.success(st.session_state.pop(_DONE), icon=":material/check_circle:")


def one_time_password(made_by: str) -> None:
    """The one-time password just made (by "reset" or "create"), shown once where it was asked for."""
    if st.session_state.get(_OTP, ("",))[0] == made_by:
        _, who, password = st.session_state.pop(_OTP)
        st.info(t("users.otp", username=who))
        st.code(password, language=None)


def create_form(countries: dict[str, str]) -> None:
    """A new account with a one-time password, the least powerful role unless the admin
    chooses another; a problem is shown under its field."""
    error: FieldError | None = st.session_state.pop(_ERROR, None)

    def error_for(field: str) -> None:
        if error and error.field == field:
            st.error(message(error))

    with st.form("users_create", clear_on_submit=False):
        username = st.text_input(t("auth.username"), key="new_username", help=t("users.username_help"))
        error_for("username")
        name = st.text_input(t("users.name"), key="new_name")
        error_for("display_name")
        email = st.text_input(t("field.email"), key="new_email")
        error_for("email")
        role = st.selectbox(
            t("users.role"),
            STAFF_ROLES,
            index=STAFF_ROLES.index("analyst"),
            format_func=lambda r: t(f"role.{r}"),
            key="new_role",
            help=t("users.role_help"),
        )
        network = st.selectbox(
            t("manage.network"),
            list(countries),
            index=None,
            placeholder=t("users.no_network"),
            format_func=named(countries),
            help=t("users.network_help"),
            key="new_network",
        )
        error_for("network")
        if st.form_submit_button(t("users.create"), type="primary", icon=":material/person_add:"):
            password = accounts.one_time_password()
            try:
                accounts.create_user(
                    data.db(),
                    current_actor(),
                    username=username,
                    display_name=name,
                    role=role,
                    password=password,
                    email=email or None,
                    network=network,
                    must_change_password=True,
                    language=current_language(),
                )
            except FieldError as problem:
                st.session_state[_ERROR] = problem
            except PermissionDenied:
                st.session_state[_ERROR] = FieldError("username", "not_allowed")
            else:
                created = username.strip().lower()
                st.session_state[_OTP] = ("create", created, password)
                st.session_state[_CREATED] = t("users.created", username=created, role=t(f"role.{role}"))
            st.rerun()
    if _CREATED in st.session_state:
        st.success(st.session_state.pop(_CREATED), icon=":material/check_circle:")
