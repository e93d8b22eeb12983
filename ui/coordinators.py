"""Shared start of the coordinators' pages: who is signed in and which network they work on."""

from __future__ import annotations

import streamlit as st

from aspnet_data.permissions import can

from . import data
from .auth import current_actor, current_user
from .i18n import current_language, t


def pick_network(action: str = "edit") -> str:
    """The network this page works on: a coordinator's own, or (admins) one picked and kept
    in the URL (?code=). Stops the page with a clear message when nobody may see it."""
    user = current_user()
    if user is None:
        st.warning(t("auth.required"))
        st.stop()
    countries = dict(data.network_countries(current_language()))
    if user.role == "admin":
        requested = (st.query_params.get("code") or "").upper()
        codes = list(countries)
        network = st.selectbox(t("manage.network"), codes, format_func=countries.get, key="pick_network",
                               index=codes.index(requested) if requested in countries else 0)
        if st.query_params.get("code") != network:
            st.query_params["code"] = network
    else:
        network = user.network
    if not network or not can(current_actor(), action, network):
        st.error(t("manage.not_allowed"))
        st.stop()
    return network
