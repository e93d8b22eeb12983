"""The My network page's forms: the network's profile, an institution's form (add, edit,
withdraw), the institutions to pick from, and the history of changes with its revert.

Every form is an :class:`ui.forms.EditSession`: errors next to their fields, what was saved
under the form, a version saved meanwhile shown beside the person's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import polars as pl
import streamlit as st

from aspnet_data import editing, languages, membership
from aspnet_data.vocab import LEVELS, OWNERSHIP, THEMES

from . import data
from .auth import current_actor
from .coordinators import change_line, field_label, history_columns, history_frame, plain
from .forms import EditSession, Feedback, field_errors, show_value, summary
from .i18n import current_language, language_name, t
from .safe import md
from .tables import height_for

CONTACT_FIELDS = (
    "national_commission",
    "coordinator_name",
    "coordinator_email",
    "coordinator_phone",
    "website",
    "founded_year",
)


def changed_fields(before: Mapping[str, Any] | None, after: Mapping[str, Any], fields: Iterable[str]) -> list[str]:
    """The ``fields`` a save changed (all of them when there was nothing before)."""
    return [f for f in fields if before is None or before[f] != after[f]]


REVERTIBLE = (
    "institution.create",
    "institution.update",
    editing.SCHOOL_UPDATE,
    "institution.withdraw",
    "network.update",
)


def profile_form(network: str) -> None:
    """The network's contacts and its description with translations; not an st.form: the
    translation boxes follow the language chosen for the description."""
    db, actor, lang = data.db(), current_actor(), current_language()

    def save_profile(values: dict, version: int) -> list[str]:
        """Save and say which fields changed."""
        before = editing.network_record(db, actor, network)
        after = editing.update_network(db, actor, network, values, expected_version=version)
        return changed_fields(before, after, editing.NETWORK_FIELDS)

    record = editing.network_record(db, actor, network)
    if record is None:
        st.error(t("manage.not_allowed"))
        return
    stored: Mapping[str, Any] = record
    form = EditSession(f"net_{network}", record["version"])
    errors = Feedback(form.errors)
    with st.container(border=True):
        values = {}
        # Two fields a row, so that on a phone they stack in reading order.
        for pair in zip(CONTACT_FIELDS[::2], CONTACT_FIELDS[1::2]):
            for column, key in zip(st.columns(2), pair):
                with column:
                    values[key] = st.text_input(
                        field_label(key), value=str(stored[key] or ""), key=f"net_{network}_{key}"
                    )
                    field_errors(errors, key)
        values["description"] = st.text_area(
            field_label("description"),
            value=record["description"] or "",
            max_chars=2000,
            key=f"net_{network}_description",
        )
        field_errors(errors, "description")
        written_in = record["description_language"] or lang
        values["description_language"] = st.selectbox(
            field_label("description_language"),
            editing.DESCRIPTION_LANGUAGES,
            format_func=lambda code: languages.name(code, lang),
            index=editing.DESCRIPTION_LANGUAGES.index(written_in) if written_in in editing.DESCRIPTION_LANGUAGES else 0,
            key=f"net_{network}_description_language",
        )
        field_errors(errors, "description_language")
        st.caption(t("manage.translations_help"))
        for other in editing.DESCRIPTION_LANGUAGES:
            if other != values["description_language"]:
                key = f"description_{other}"
                values[key] = st.text_area(
                    field_label(key), value=stored[key] or "", max_chars=2000, key=f"net_{network}_{key}", height=120
                )
                field_errors(errors, key)
        summary(errors)
        submitted = st.button(t("form.save"), type="primary", icon=":material/save:", key=f"net_{network}_save")
        form.saved_notice(field_label)
    if submitted:
        form.submit(values, save_profile)
    form.conflict_view(editing.NETWORK_FIELDS, field_label, save_profile)


def institution_form(network: str, record: dict | None, *, school: bool = False) -> None:
    """Add (record None) or edit one institution of ``network``, with errors next to their fields;
    a member or candidate can be withdrawn below the form. With ``school``, the form a school's
    focal point keeps: its public details only (editing.SCHOOL_FIELDS), the rest shown as the
    coordinator set it."""
    db, actor = data.db(), current_actor()
    key = f"inst_{record['id'] if record else 'new'}"
    form = EditSession(key, record["version"] if record else 0)
    errors = Feedback(form.errors)
    current = record or {}
    with st.form(f"{key}_form"):
        values = {}
        left, right = st.columns(2)
        with left:
            values["name"] = st.text_input(t("field.name"), current.get("name") or "", max_chars=200, key=f"{key}_name")
            field_errors(errors, "name")
            values["name_latin"] = st.text_input(
                t("field.name_latin"),
                current.get("name_latin") or "",
                max_chars=200,
                key=f"{key}_name_latin",
                help=t("field.name_latin_help"),
            )
            field_errors(errors, "name_latin")
            values["city"] = st.text_input(t("field.city"), current.get("city") or "", max_chars=100, key=f"{key}_city")
            field_errors(errors, "city")
            lat, lon = st.columns(2)
            values["latitude"] = lat.text_input(
                t("field.latitude"), show_value(current.get("latitude")).replace("—", ""), key=f"{key}_latitude"
            )
            values["longitude"] = lon.text_input(
                t("field.longitude"), show_value(current.get("longitude")).replace("—", ""), key=f"{key}_longitude"
            )
            field_errors(errors, "latitude")
            field_errors(errors, "longitude")
            values["website"] = st.text_input(t("field.website"), current.get("website") or "", key=f"{key}_website")
            field_errors(errors, "website")
            values["email"] = st.text_input(t("field.email"), current.get("email") or "", key=f"{key}_email")
            field_errors(errors, "email")
        with right:
            if school:
                set_by_coordinator(current)
            else:
                for field, choices, label in (("levels", LEVELS, "level"), ("themes", THEMES, "theme")):
                    values[field] = st.multiselect(
                        t(f"facet.{label}"),
                        choices,
                        default=current.get(field) or [],
                        format_func=lambda c, label=label: t(f"{label}.{c}"),
                        key=f"{key}_{field}",
                    )
                    field_errors(errors, field)
                values["ownership"] = st.radio(
                    t("facet.ownership"),
                    OWNERSHIP,
                    horizontal=True,
                    index=OWNERSHIP.index(current["ownership"]) if current.get("ownership") else 0,
                    format_func=lambda c: t(f"ownership.{c}"),
                    key=f"{key}_ownership",
                )
            values["languages"] = st.text_input(
                t("institution.languages"),
                "; ".join(language_name(c) for c in current.get("languages") or []),
                key=f"{key}_languages",
                help=t("field.languages_help"),
            )
            field_errors(errors, "languages")
            a, b, c = st.columns(3) if not school else (None, *st.columns(2))
            if a is not None:
                values["year_joined"] = a.text_input(
                    t("directory.col_joined"),
                    show_value(current.get("year_joined")).replace("—", ""),
                    key=f"{key}_year_joined",
                )
            values["pupils"] = b.text_input(
                t("institution.pupils"), show_value(current.get("pupils")).replace("—", ""), key=f"{key}_pupils"
            )
            values["teachers"] = c.text_input(
                t("institution.teachers"), show_value(current.get("teachers")).replace("—", ""), key=f"{key}_teachers"
            )
            for name in ("year_joined", "pupils", "teachers"):
                field_errors(errors, name)
        field_errors(errors, "form")
        summary(errors)
        submitted = st.form_submit_button(t("form.save"), type="primary", icon=":material/save:")

    def save(values: dict, version: int) -> list[str] | None:
        """Save and say which fields changed (a new institution opens its own form)."""
        if record is None:
            created = editing.create_institution(db, actor, network, values)
            st.session_state["manage_edit"] = st.session_state["manage_created"] = created
            return None
        before = editing.institution_record(db, record["id"])
        if school:
            details = {k: v for k, v in values.items() if k in editing.SCHOOL_FIELDS}
            after = editing.update_school_details(db, actor, record["id"], details, expected_version=version)
        else:
            after = editing.update_institution(db, actor, record["id"], values, expected_version=version)
        return changed_fields(before, after, editing.INSTITUTION_FIELDS)

    if record is not None and st.session_state.get("manage_created") == record["id"]:
        del st.session_state["manage_created"]
        st.success(t("manage.created", name=md(record["name"])), icon=":material/check_circle:")
    form.saved_notice(field_label)
    if submitted:
        form.submit(values, save)
    form.conflict_view(editing.SCHOOL_FIELDS if school else editing.INSTITUTION_FIELDS, field_label, save)
    if school:
        return
    if record is not None and record["status"] == "withdrawn":
        readmitted = record["id"]

        def readmit(_: dict, version: int) -> list[str]:
            membership.readmit(db, actor, readmitted)
            return ["status"]

        with st.expander(t("membership.readmit"), icon=":material/restart_alt:"):
            st.caption(t("membership.readmit_help", months=membership.candidacy_months(db)))
            if st.button(t("membership.readmit"), key=f"{key}_readmit"):
                form.submit({}, readmit)
    if record is not None and record["status"] != "withdrawn":
        institution_id = record["id"]

        def withdraw(values: dict, version: int) -> list[str]:
            membership.withdraw(
                db,
                actor,
                institution_id,
                values["reason"],
                comment=values.get("comment"),
                merged_into=values.get("merged_into"),
                expected_version=version,
            )
            return ["status", "withdrawn_year"]

        with st.expander(t("manage.withdraw"), icon=":material/block:"):
            st.caption(t("manage.withdraw_help"))
            problems = Feedback(form.errors)
            reason = st.selectbox(
                t("membership.withdraw_reason"),
                list(membership.WITHDRAWAL_REASONS),
                format_func=lambda r: t(f"membership.reason.{r}"),
                index=None,
                key=f"{key}_reason",
            )
            field_errors(problems, "reason")
            merged = None
            if reason == "merged":
                merged = st.number_input(
                    t("membership.merged_into"), min_value=1, step=1, value=None, key=f"{key}_merged"
                )
                field_errors(problems, "merged_into")
            sure = st.checkbox(t("manage.withdraw_confirm"), key=f"{key}_sure")
            if st.button(t("manage.withdraw"), disabled=not (sure and reason), key=f"{key}_withdraw"):
                form.submit({"reason": reason, "merged_into": int(merged) if merged else None}, withdraw)


def set_by_coordinator(record: Mapping[str, Any]) -> None:
    """What the network's coordinator decides for a school (its focal point reads it here)."""
    lines = [
        (t("facet.level"), ", ".join(t(f"level.{c}") for c in record.get("levels") or []) or "—"),
        (t("facet.theme"), ", ".join(t(f"theme.{c}") for c in record.get("themes") or []) or "—"),
        (t("facet.ownership"), t(f"ownership.{record['ownership']}") if record.get("ownership") else "—"),
        (t("directory.col_joined"), show_value(record.get("year_joined"))),
    ]
    st.markdown("  \n".join(f"**{label}:** {value}" for label, value in lines))
    st.caption(t("my_school.coordinator_fields"), help=t("my_school.coordinator_fields_help"))


def institutions_table(rows: pl.DataFrame) -> int | None:
    """The network's institutions; the id of the row picked, if any."""
    event = st.dataframe(
        rows.select(
            "id",
            "name",
            "city",
            pl.col("status").replace_strict({s: t(f"status_one.{s}") for s in ("member", "candidate", "withdrawn")}),
            "year_joined",
        ),
        hide_index=True,
        width="stretch",
        on_select="rerun",
        selection_mode="single-row",
        key="manage_table",
        column_config={
            "id": "ID",
            "name": t("directory.col_name"),
            "city": t("directory.col_city"),
            "status": t("facet.status"),
            "year_joined": st.column_config.NumberColumn(t("directory.col_joined"), format="%d"),
        },
    )
    return int(rows["id"][event.selection.rows[0]]) if event.selection.rows else None


def history(network: str, countries: dict[str, str], *, action: str | None = None, key: str = "revert") -> None:
    """The network's changes (those recorded as ``action`` only, if given), a field a row, and a
    change picked to revert among those the person may undo."""
    db, actor = data.db(), current_actor()
    if action is None:
        changes = editing.history(db, actor, network=network, limit=300)
    else:  # those changes, and the reverts that undid them
        found = editing.history(db, actor, network=network, actions=[action, "institution.revert"], limit=300)
        ids = {c["id"] for c in found if c["action"] == action}
        changes = [c for c in found if c["id"] in ids or c["reverts"] in ids]
    undone = {c["reverts"] for c in changes if c["reverts"]}
    if not changes:
        st.info(t("manage.no_history" if action is None else "focal.no_changes"), icon=":material/history:")
    else:
        frame = history_frame(changes, countries)
        st.dataframe(
            frame,
            hide_index=True,
            width="stretch",
            column_config=history_columns(),
            height=height_for(frame),
        )
        revertible = {
            c["id"]: c
            for c in changes
            if c["action"] in REVERTIBLE
            and c["id"] not in undone
            and editing.can_revert(actor, c["action"], c["network"])
        }
        if revertible:
            with st.form(f"{key}_form"):
                change_id = st.selectbox(
                    t("manage.revert_pick"),
                    list(revertible),
                    index=None,
                    placeholder=t("manage.revert_placeholder"),
                    key=f"{key}_id",
                    format_func=lambda i: change_line(revertible[i], countries),
                )
                if st.form_submit_button(t("manage.revert"), icon=":material/undo:") and change_id is not None:
                    try:
                        editing.revert(db, actor, change_id)
                    except editing.Conflict:
                        st.session_state[f"{key}_problem"] = change_line(revertible[change_id], countries)
                    else:
                        st.session_state[f"{key}_done"] = change_line(revertible[change_id], countries)
                    st.rerun()
        if f"{key}_done" in st.session_state:
            st.success(
                t("manage.reverted_change", change=plain(st.session_state.pop(f"{key}_done"))),
                icon=":material/undo:",
            )
        if f"{key}_problem" in st.session_state:
            st.error(t("manage.revert_conflict") + "  \n" + plain(st.session_state.pop(f"{key}_problem")))
