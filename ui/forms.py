"""Form helpers: a form's state across reruns, messages next to the field they concern, and the
conflict view."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

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

    def __iter__(self) -> Iterator[FieldError]:
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


def new_password(prefix: str, error: FieldError | None) -> tuple[str, str]:
    """A new password typed twice (widgets ``<prefix>_new`` and ``<prefix>_again``, the policy as
    help) with the password's error under them; returns both as typed."""
    from aspnet_data.accounts import MIN_PASSWORD_LENGTH

    policy = t("account.policy", min=MIN_PASSWORD_LENGTH)
    first = st.text_input(t("account.new_password"), type="password", key=f"{prefix}_new", help=policy)
    again = st.text_input(t("account.repeat_password"), type="password", key=f"{prefix}_again")
    if error and error.field == "password":
        st.error(message(error), icon=":material/error:")
    return first, again


def show_value(value: object) -> str:
    if value is None or value == [] or value == "":
        return "—"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


class FormState:
    """One form's state across reruns, in ``st.session_state``: its widgets, the errors of its
    last submit and entries of its own (``<prefix>_<entry>``: what was sent, a notice for the
    next run), each under one key that :meth:`reset` forgets or keeps on purpose.

    ``fields`` maps each field to its widget's name (the widget's key is ``<prefix>_<name>``).
    A form that makes widgets on the fly (a box per theme) names the prefix of every widget it
    owns instead (``widgets``): its widgets are then every key under it. :meth:`reset` forgets
    the widgets and the ``entries`` named; other entries (a count that must outlive the form)
    stay::

        form = FormState("review", fields={"to": f"to_{app_id}"}, entries=("done",))
        st.radio(t("review.decision"), moves, index=None, key=form.key("to"))
        field_errors(form.errors, "decision")
        if st.button(t("review.confirm")):
            try:
                decide(form.value("to"))
            except ValidationFailed as failed:
                form.errors = failed.errors
            else:
                form.reset()
            st.rerun()
    """

    def __init__(
        self,
        prefix: str,
        *,
        fields: Mapping[str, str] | Iterable[str] = (),
        widgets: str | None = None,
        entries: Iterable[str] = (),
    ) -> None:
        self.prefix = prefix
        self.fields = dict(fields) if isinstance(fields, Mapping) else {name: name for name in fields}
        self.widgets = widgets
        self.entries = ("errors", *entries)

    def key(self, field: str) -> str:
        """The session key of the widget that holds ``field``."""
        return (self.widgets or f"{self.prefix}_") + self.fields.get(field, field)

    def value(self, field: str) -> Any:
        return st.session_state.get(self.key(field))

    @property
    def values(self) -> dict[str, Any]:
        """What the widgets of ``fields`` hold, by field."""
        return {field: self.value(field) for field in self.fields}

    def _entry(self, entry: str) -> str:
        return f"{self.prefix}_{entry}"

    def get(self, entry: str, default: Any = None) -> Any:
        return st.session_state.get(self._entry(entry), default)

    def set(self, entry: str, value: Any) -> None:
        st.session_state[self._entry(entry)] = value

    def setdefault(self, entry: str, default: Any) -> Any:
        return st.session_state.setdefault(self._entry(entry), default)

    def pop(self, entry: str, default: Any = None) -> Any:
        return st.session_state.pop(self._entry(entry), default)

    @property
    def errors(self) -> list[FieldError]:
        """The errors of the last submit, to show next to their fields."""
        return list(self.get("errors") or [])

    @errors.setter
    def errors(self, errors: list[FieldError]) -> None:
        self.set("errors", list(errors))

    def reset(self, *, widgets: bool = True) -> None:
        """Forget the form's entries (its errors, ...) and, with ``widgets``, what was typed."""
        for entry in self.entries:
            self.pop(entry)
        if not widgets:
            return
        if self.widgets is None:
            owned = [self.key(field) for field in self.fields]
        else:
            owned = [k for k in st.session_state if isinstance(k, str) and k.startswith(self.widgets)]
        for key in owned:
            st.session_state.pop(key, None)


class EditSession(FormState):
    """One edit form's state across reruns: the version it was opened at, the errors of the
    last submit, and a conflict with a version saved meanwhile. Widgets use ``prefix``."""

    def __init__(self, prefix: str, version: int) -> None:
        super().__init__(prefix, widgets=f"{prefix}_", entries=("version", "conflict"))
        st.session_state.setdefault(self._entry("version"), version)

    @property
    def opened(self) -> int:
        return int(self.get("version"))

    def submit(self, values: dict, save: Callable[[dict, int], object], *, version: int | None = None) -> None:
        """Run ``save(values, version opened)``; keep errors or the conflict for the next run.
        When ``save`` returns the names of the fields it changed, :meth:`saved_notice` says so."""
        from aspnet_data.errors import Conflict, PermissionDenied, ValidationFailed

        self.pop("conflict")
        self.pop("saved")
        try:
            changed = save(values, self.opened if version is None else version)
        except ValidationFailed as failed:
            self.errors = failed.errors
        except Conflict as clash:
            self.set("conflict", (values, clash.current))
        except PermissionDenied:
            self.errors = [FieldError("form", "not_allowed")]
        else:
            self.reset(widgets=False)
            if isinstance(changed, (list, tuple)):
                self.set("saved", list(changed))
            st.toast(t("form.saved"), icon=":material/check:")
        st.rerun()

    def saved_notice(self, label: Callable[[str], str]) -> None:
        """Under the form, after a save whose ``save`` returned the fields it changed: what was
        saved (shown once; the next action on the page clears it)."""
        changed = self.pop("saved")
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
        conflict = self.get("conflict")
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
        if keep.button(t("form.keep_mine"), key=self.key("keep")):
            self.submit(mine, save, version=theirs["version"])
        if take.button(t("form.take_theirs"), key=self.key("take")):
            self.reset(widgets=True)
            st.rerun()
