"""What a school asks to change that its coordinator decides (its themes and levels): the focal
point's form and list on My school, and the coordinator's decisions on the Focal points page."""

from __future__ import annotations

import streamlit as st

from aspnet_data import change_requests
from aspnet_data.db import Database
from aspnet_data.errors import FieldError, NotFound, TransitionRefused, ValidationFailed
from aspnet_data.permissions import Actor
from aspnet_data.vocab import LEVELS, THEMES

from . import data
from .forms import FormState, field_errors, summary
from .i18n import level_labels, named, t, theme_labels
from .safe import md


def _asked(row: dict) -> str:
    parts = []
    if row["themes"] is not None:
        parts.append(theme_labels(row["themes"]))
    if row["levels"] is not None:
        parts.append(level_labels(row["levels"]))
    return " · ".join(parts)


def school_form(db: Database, actor: Actor, record: dict) -> None:
    """The focal point's request to change the school's themes and levels, and what became of
    the latest ones."""
    st.caption(t("my_school.themes_help"))
    form = FormState("change_request", fields=("themes", "levels", "comment"), entries=("sent",))
    themes = {code: t(f"theme.{code}") for code in THEMES}
    levels = {code: t(f"level.{code}") for code in LEVELS}
    with st.form("change_request_form"):
        st.multiselect(
            t("field.themes"), THEMES, default=record["themes"], format_func=named(themes), key=form.key("themes")
        )
        field_errors(form.errors, "themes")
        st.multiselect(
            t("field.levels"), LEVELS, default=record["levels"], format_func=named(levels), key=form.key("levels")
        )
        field_errors(form.errors, "levels")
        st.text_area(t("my_school.request_comment"), max_chars=change_requests.COMMENT_LIMIT, key=form.key("comment"))
        field_errors(form.errors, "comment")
        field_errors(form.errors, "form")
        summary([e for e in form.errors if e.field != "form"])
        if st.form_submit_button(t("my_school.request_send"), type="primary", icon=":material/send:"):
            values = form.values
            try:
                change_requests.request(
                    db, actor, record["id"], themes=values["themes"], levels=values["levels"], comment=values["comment"]
                )
            except ValidationFailed as failed:
                form.errors = failed.errors
            else:
                form.reset()
                form.set("sent", True)
                data.send_mail()
            st.rerun()
    if form.pop("sent"):
        st.success(t("my_school.request_sent"), icon=":material/mark_email_read:")
    mine = change_requests.of_school(db, actor, record["id"])
    if mine.is_empty():
        return
    st.subheader(t("my_school.requests"), anchor=False)
    badge = {"pending": "orange", "approved": "green", "declined": "red"}
    for row in mine.iter_rows(named=True):
        state = t(f"my_school.request_state.{row['state']}")
        line = f":{badge[row['state']]}-badge[{state}] {row['requested_at']:%Y-%m-%d} · {md(_asked(row))}"
        if row["reason"]:
            line += f"  \n{t('my_school.col_reason')}: {md(row['reason'])}"
        st.markdown(line)


def _decide(db: Database, actor: Actor, row: dict, approve: bool) -> None:
    """Callback of Approve / Decline: the notice (or the problem) shows next to the request."""
    key = f"change_{row['id']}"
    try:
        change_requests.decide(db, actor, row["id"], approve=approve, reason=st.session_state.get(f"{key}_reason"))
    except ValidationFailed as failed:
        st.session_state[f"{key}_errors"] = failed.errors
        return
    except (TransitionRefused, NotFound):
        st.session_state["change_notice"] = ("warning", t("focal.request_gone"))
        return
    st.session_state.pop(f"{key}_errors", None)
    done = "focal.approved" if approve else "focal.declined"
    st.session_state["change_notice"] = ("success", t(done, school=md(row["name"])))
    data.send_mail()


def decisions(db: Database, actor: Actor, network: str) -> None:
    """The network's waiting requests, oldest first, each with what the school has now and
    what it asks for, to approve or decline with a reason."""
    st.caption(t("focal.requests_help"))
    notice = st.session_state.pop("change_notice", None)
    if notice:
        kind, text = notice
        (st.success if kind == "success" else st.warning)(text)
    waiting = change_requests.pending(db, actor, network)
    if waiting.is_empty():
        st.success(t("focal.no_requests"), icon=":material/check:")
        return
    for row in waiting.iter_rows(named=True):
        key = f"change_{row['id']}"
        with st.container(border=True):
            st.markdown(
                "**"
                + t(
                    "focal.request_from",
                    school=md(row["name"]),
                    name=md(row["requester"] or row["requested_by"]),
                    day=row["requested_at"].strftime("%Y-%m-%d"),
                )
                + "**"
            )
            now, asked = st.columns(2)
            now.caption(t("focal.request_now"))
            asked.caption(t("focal.request_asked"))
            for field, labels in (("themes", theme_labels), ("levels", level_labels)):
                if row[field] is not None:
                    now.markdown(f"{t(f'field.{field}')}: {labels(row[f'current_{field}'])}")
                    asked.markdown(f"{t(f'field.{field}')}: **{labels(row[field])}**")
            if row["comment"]:
                st.caption(md(row["comment"]))
            st.text_input(t("focal.request_reason"), key=f"{key}_reason", max_chars=change_requests.COMMENT_LIMIT)
            field_errors(_errors(key), "reason")
            with st.container(horizontal=True):
                st.button(
                    t("focal.approve"),
                    key=f"{key}_approve",
                    type="primary",
                    icon=":material/check:",
                    on_click=_decide,
                    args=(db, actor, row, True),
                )
                st.button(
                    t("focal.decline"), key=f"{key}_decline", icon=":material/close:", on_click=_decide,
                    args=(db, actor, row, False),
                )  # fmt: skip


def _errors(key: str) -> list[FieldError]:
    return list(st.session_state.get(f"{key}_errors") or [])
