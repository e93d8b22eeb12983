"""Form helpers: messages next to the field they concern, and the conflict view."""

from __future__ import annotations

import streamlit as st

from aspnet_data.editing import FieldError

from .i18n import t


def field_errors(errors: list[FieldError] | None, field: str) -> None:
    """Show the errors and warnings about ``field`` right under its widget."""
    for error in errors or []:
        if error.field == field:
            text = t(f"error.{error.code}", **error.params)
            (st.warning if error.warning else st.error)(text, icon=":material/error:" if not error.warning else None)


def summary(errors: list[FieldError] | None) -> None:
    blocking = [e for e in errors or [] if not e.warning]
    if blocking:
        st.error(t("form.fix_errors", count=len(blocking)), icon=":material/report:")


def show_value(value) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)
