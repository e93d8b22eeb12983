"""Page furniture shared by every page: header, as-of line, notices."""

from __future__ import annotations

from datetime import datetime

import streamlit as st

from .i18n import t


def as_of_caption(as_of: datetime | None, version: int) -> None:
    """A caption that dates every figure on the page (UTC, with the data version)."""
    when = as_of.strftime("%Y-%m-%d %H:%M") if as_of else "—"
    st.caption(t("common.as_of", when=when, version=version))
