"""Form helpers: messages next to the field they concern, and the conflict view."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl
import streamlit as st

from aspnet_data.errors import FieldError

from .i18n import t
from .safe import md


class Feedback:
    """The errors of a form's last submit, shown field by field.

    :func:`field_errors` records each field it showed; :func:`summary`, called after the
    fields, shows in its own box what no field showed (an error about a field the form does
    not have), so the count it gives always matches the messages on the page::

        errors = Feedback(st.session_state.get("my_errors"))
        st.text_input(t("field.name"), key="my_name")
        field_errors(errors, "name")
        summary(errors)
    """

    def __init__(self, errors: list[FieldError] | None) -> None:
        self.errors = list(errors or [])
        self.shown: set[str] = set()

    def __iter__(self):
        return iter(self.errors)

    def __bool__(self) -> bool:
        return bool(self.errors)


def message(error: FieldError) -> str:
    """The interface text of ``error`` (its parameters, which can echo what was typed, as text)."""
    params = {k: md(v) if isinstance(v, str) else v for k, v in error.params.items()}
    return t(f"error.{error.code}", **params)


def field_errors(errors: list[FieldError] | Feedback | None, field: str) -> None:
    """Show the problem with ``field`` right under its widget (inside the widget's column when
    called there): its first error, and any warnings."""
    found = [e for e in errors or [] if e.field == field]
    blocking = [e for e in found if not e.warning][:1]
    for error in blocking + [e for e in found if e.warning]:
        if error.warning:
            st.warning(message(error))
        else:
            st.error(message(error), icon=":material/error:")
    if isinstance(errors, Feedback) and found:
        errors.shown.add(field)


def summary(errors: list[FieldError] | Feedback | None) -> None:
    """How many fields need attention, in one line above the form's buttons. With a
    :class:`Feedback`, errors that no field showed are listed in the same box."""
    blocking = [e for e in errors or [] if not e.warning]
    fields = list(dict.fromkeys(e.field for e in blocking))
    if not fields:
        return
    text = t("form.fix_errors", count=len(fields))
    if isinstance(errors, Feedback):
        unshown = [next(e for e in blocking if e.field == f) for f in fields if f not in errors.shown]
        text += "".join(f"  \n- {message(e)}" for e in unshown)
    st.error(text, icon=":material/report:")


def show_value(value) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class EditSession:
    """One edit form's state across reruns: the version it was opened at, the errors of the
    last submit, and a conflict with a version saved meanwhile. Widgets use ``prefix``."""

    def __init__(self, prefix: str, version: int) -> None:
        self.prefix = prefix
        st.session_state.setdefault(f"{prefix}_version", version)

    @property
    def opened(self) -> int:
        return st.session_state[f"{self.prefix}_version"]

    @property
    def errors(self) -> list[FieldError] | None:
        return st.session_state.get(f"{self.prefix}_errors")

    def submit(self, values: dict, save: Callable[[dict, int], object], *, version: int | None = None) -> None:
        """Run ``save(values, version opened)``; keep errors or the conflict for the next run.
        When ``save`` returns the names of the fields it changed, :meth:`saved_notice` says so."""
        from aspnet_data.errors import Conflict, PermissionDenied, ValidationFailed

        st.session_state.pop(f"{self.prefix}_conflict", None)
        st.session_state.pop(f"{self.prefix}_saved", None)
        try:
            changed = save(values, self.opened if version is None else version)
        except ValidationFailed as failed:
            st.session_state[f"{self.prefix}_errors"] = failed.errors
        except Conflict as clash:
            st.session_state[f"{self.prefix}_conflict"] = (values, clash.current)
        except PermissionDenied:
            st.session_state[f"{self.prefix}_errors"] = [FieldError("form", "not_allowed")]
        else:
            self.reset(widgets=False)
            if isinstance(changed, (list, tuple)):
                st.session_state[f"{self.prefix}_saved"] = list(changed)
            st.toast(t("form.saved"), icon=":material/check:")
        st.rerun()

    def saved_notice(self, label: Callable[[str], str]) -> None:
        """Under the form, after a save whose ``save`` returned the fields it changed: what was
        saved (shown once; the next action on the page clears it)."""
        changed = st.session_state.pop(f"{self.prefix}_saved", None)
        if changed is None:
            return
        if changed:
            st.success(
                t("form.saved_fields", fields=md(", ".join(label(f) for f in changed))), icon=":material/check_circle:"
            )
        else:
            st.info(t("form.saved_nothing"), icon=":material/check:")

    def conflict_view(
        self, fields: tuple[str, ...], label: Callable[[str], str], save: Callable[[dict, int], object]
    ) -> None:
        """Both versions side by side; keep mine (saved over the newer one) or take theirs."""
        conflict = st.session_state.get(f"{self.prefix}_conflict")
        if not conflict:
            return
        mine, theirs = conflict
        st.warning(t("form.conflict"), icon=":material/sync_problem:")
        st.dataframe(
            pl.DataFrame(
                {
                    t("form.field"): [label(f) for f in fields],
                    t("form.yours"): [show_value(mine.get(f)) for f in fields],
                    t("form.stored"): [show_value(theirs.get(f)) for f in fields],
                }
            ),
            hide_index=True,
            width="stretch",
        )
        keep, take = st.columns(2)
        if keep.button(t("form.keep_mine"), key=f"{self.prefix}_keep"):
            self.submit(mine, save, version=theirs["version"])
        if take.button(t("form.take_theirs"), key=f"{self.prefix}_take"):
            self.reset(widgets=True)
            st.rerun()

    def reset(self, *, widgets: bool) -> None:
        """Forget the form's state (and, with ``widgets``, the user's input too)."""
        for name in list(st.session_state):
            if name.startswith(f"{self.prefix}_") and (
                widgets or name.rsplit("_", 1)[-1] in ("version", "errors", "conflict")
            ):
                del st.session_state[name]
