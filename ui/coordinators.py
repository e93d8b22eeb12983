"""Shared parts of the coordinators' pages: which network a page works on, and changes told
in people's words (the school's name, field labels and values in the interface language)."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl
import streamlit as st

from aspnet_data.permissions import can

from . import data
from .auth import current_actor, current_user
from .i18n import current_language, language_name, named, number, t
from .safe import md

# Fields whose stored codes have labels in the catalogs (``<prefix>.<code>``).
_CODE_LABELS = {"levels": "level", "themes": "theme", "ownership": "ownership", "status": "status_one"}
_LANGUAGE_FIELDS = ("languages", "description_language")
_COUNTS = ("pupils", "teachers")


_LANDING = "landing_after_login"


def start_landing() -> None:
    """Called by the router in the run where the login form accepted a password."""
    st.session_state[_LANDING] = {"runs": 0, "start": None, "reached": None}


def land_after_login(current: str, todo: st.Page, *, private_paths: set[str], login_run: bool) -> None:
    """Take a user who just logged in on a public page to ``todo``; a private page (a link
    followed before logging in) stays open.

    Not in the run that signed in (``login_run``): that run must reach the browser, which sets
    the login cookie. Any later run lands, counted or not: the cookie's rerun can cut the login
    run short before it got here. The cookie component then asks for a rerun or two of the page the login started
    from, sometimes after To do is shown: those runs, within a moment of reaching To do, go
    back there; any other page, or the starting page opened later, stays open.
    """
    landing = st.session_state.get(_LANDING)
    if landing is None:
        return
    landing["runs"] += 1
    landing["start"] = landing["start"] if landing["start"] is not None else current
    stale = current == landing["start"] and (landing["reached"] is None or time.monotonic() - landing["reached"] < 2)
    if current == todo.url_path:
        landing["reached"] = landing["reached"] or time.monotonic()
    elif current in private_paths or landing["runs"] > 8 or not stale:
        del st.session_state[_LANDING]
    elif not login_run:  # any later run: the login run itself may have been cut short before here
        st.switch_page(todo)


def pick_network(action: str = "edit") -> str:
    """The network this page works on: a coordinator's own or, for those who may do ``action``
    on every network (admins; analysts reading), one picked and kept in the URL (?code=).
    Stops the page with a clear message when nobody may see it."""
    user = current_user()
    if user is None:
        st.warning(t("auth.required"))
        st.stop()
    countries = dict(data.network_countries(current_language()))
    network: str | None
    if can(current_actor(), action):
        requested = (st.query_params.get("code") or "").upper()
        codes = list(countries)
        network = st.selectbox(
            t("manage.network"),
            codes,
            format_func=named(countries),
            key="pick_network",
            index=codes.index(requested) if requested in countries else 0,
        )
        if st.query_params.get("code") != network:
            st.query_params["code"] = network
    else:
        network = user.network
    if not network or not can(current_actor(), action, network):
        st.error(t("manage.not_allowed"))
        st.stop()
    return network


_NO_AUTOLINK = {"://": ":\u2060//", "www.": "www\u2060.", "@": "@\u2060"}


def plain(text: str, limit: int | None = None) -> str:
    """``text`` as markdown that shows it as typed, cut at ``limit`` characters: escaped, and
    with an invisible joiner where markdown would turn an address (https://, www., an email)
    into a link of its own."""
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    for found, kept in _NO_AUTOLINK.items():
        text = text.replace(found, kept)
    return md(text)


def field_label(field: str) -> str:
    return t(f"field.{field}")


def shown_value(field: str, value: object) -> str:
    """A stored value as a person reads it: labels for codes, language names, counts in the
    language's number format, "—" for nothing."""
    if value is None or value == [] or value == "":
        return "—"
    values = value if isinstance(value, list) else [value]
    if field in _CODE_LABELS:
        return ", ".join(t(f"{_CODE_LABELS[field]}.{v}") for v in values)
    if field in _LANGUAGE_FIELDS:
        return ", ".join(language_name(str(v)) for v in values)
    if field in _COUNTS and isinstance(value, (int, float)):
        return number(value)
    return ", ".join(str(v) for v in values)


def record_name(change: Mapping[str, Any], countries: Mapping[str, str]) -> str:
    """What a change is about: the school's name, or the network's profile."""
    if change["entity"] == "networks":
        return t("history.network_profile", country=countries.get(change["network"], change["network"] or ""))
    return change["record_name"] or t("history.unknown_institution", id=change["entity_id"])


def when(change: Mapping[str, Any]) -> str:
    return change["occurred_at"].strftime("%Y-%m-%d %H:%M")


def change_line(change: Mapping[str, Any], countries: Mapping[str, str]) -> str:
    """One change in one line, to pick it from a list: when, what, which record, which fields, who."""
    fields = ", ".join(field_label(c["field"]) for c in change["changes"][:4])
    if len(change["changes"]) > 4:
        fields += " " + t("history.more_fields", count=len(change["changes"]) - 4)
    parts = [
        when(change),
        t(f"action.{change['action']}"),
        record_name(change, countries),
        fields,
        t("history.by", name=change["actor_name"]),
    ]
    return " · ".join(p for p in parts if p)


def history_frame(changes: Sequence[Mapping[str, Any]], countries: Mapping[str, str]) -> pl.DataFrame:
    """One row per field changed: when, who, what, record, field, before, after (all text)."""
    rows = [
        {
            "when": when(c),
            "who": c["actor_name"],
            "what": t(f"action.{c['action']}"),
            "record": record_name(c, countries),
            "field": field_label(ch["field"]),
            "before": shown_value(ch["field"], ch["before"]),
            "after": shown_value(ch["field"], ch["after"]),
        }
        for c in changes
        for ch in c["changes"]
    ]
    return pl.DataFrame(
        rows, schema=dict.fromkeys(("when", "who", "what", "record", "field", "before", "after"), pl.String)
    )


def history_columns() -> dict[str, str]:
    return {
        "when": t("manage.when"),
        "who": t("manage.who"),
        "what": t("manage.what"),
        "record": t("manage.record"),
        "field": t("form.field"),
        "before": t("manage.before"),
        "after": t("manage.after"),
    }
