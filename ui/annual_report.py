"""The annual report on screen: the school's editor (saved as a draft at every change, then
submitted) and the read-only view the school and its coordinator share."""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl
import streamlit as st

from aspnet_data import reports
from aspnet_data.db import Database, utc_now
from aspnet_data.errors import Conflict, FieldError, PermissionDenied, TransitionRefused, ValidationFailed
from aspnet_data.permissions import Actor
from aspnet_data.vocab import THEMES

from .forms import field_errors, summary
from .i18n import current_language, number, t, theme_labels
from .safe import md, safe_url

NUMBERS = {"pupils": reports.PUPILS_RANGE, "teachers": reports.TEACHERS_RANGE}


def state_label(state: str | None) -> str:
    return t(f"report.state.{state or 'none'}")


def day_label(code: str, lang: str) -> str:
    row = next(r for r in reports.international_days() if r["code"] == code)
    when = date(2001, row["month"], row["day"]).strftime("%d/%m") if row["day"] else f"··/{row['month']:02d}"
    return f"{when} · {row[f'name_{lang}']}"


def year_label(entry: dict[str, Any]) -> str:
    cycle: reports.Cycle = entry["cycle"]
    return t(
        "report.year_option",
        start=cycle.starts.year,
        end=cycle.ends.year,
        state=state_label(entry["state"]),
    )


# -- the school's editor ----------------------------------------------------------------------------


class _Keys:
    """The session keys of one year's editor (``ar<institution>_<year>_...``)."""

    def __init__(self, institution_id: int, year: int) -> None:
        self.base = f"ar{institution_id}_{year}_"

    def __call__(self, name: str) -> str:
        return self.base + name

    def activity(self, ident: int, name: str) -> str:
        return f"{self.base}a{ident}_{name}"


def _load(keys: _Keys, found: reports.Report) -> None:
    """Put a stored report into the editor's widgets (once per session and year, or after a save
    elsewhere made the editor's copy stale)."""
    state = st.session_state
    for key in [k for k in state if isinstance(k, str) and k.startswith(keys.base)]:
        del state[key]
    ids = list(range(len(found.activities)))
    state[keys("ids")] = ids
    for ident, activity in zip(ids, found.activities):
        for name in reports.ACTIVITY_FIELDS:
            state[keys.activity(ident, name)] = activity[name]
    state[keys("days")] = [d for d in found.days if d in reports.DAY_CODES]
    for theme in THEMES:
        for item in reports.ASSESSMENT_ITEMS:
            state[keys(f"s_{theme}_{item}")] = found.scores.get(theme, {}).get(item)
    state[keys("contacts")] = found.contacts_confirmed
    state[keys("version")] = found.version
    state[keys("loaded")] = True


def _blank(keys: _Keys, ident: int) -> bool:
    return all(st.session_state.get(keys.activity(ident, name)) in (None, "", []) for name in reports.ACTIVITY_FIELDS)


def _payload(keys: _Keys) -> tuple[dict[str, Any], list[int]]:
    """What the editor holds, as the data layer reads it, and the activity ids in the order sent
    (blank activities are not sent: their errors would have no field)."""
    state = st.session_state
    sent = [ident for ident in state.get(keys("ids"), []) if not _blank(keys, ident)]
    payload = {
        "activities": [
            {name: state.get(keys.activity(ident, name)) for name in reports.ACTIVITY_FIELDS} for ident in sent
        ],
        "days": list(state.get(keys("days")) or []),
        "scores": {
            theme: {
                item: state.get(keys(f"s_{theme}_{item}"))
                for item in reports.ASSESSMENT_ITEMS
                if state.get(keys(f"s_{theme}_{item}")) is not None
            }
            for theme in THEMES
        },
        "contacts_confirmed": bool(state.get(keys("contacts"))),
    }
    return payload, sent


def _errors_by_widget(errors: list[FieldError], sent: list[int]) -> list[FieldError]:
    """Errors renamed after the widgets they concern: ``activities.N.title`` becomes the title of
    the activity shown N-th among those sent."""
    out = []
    for error in errors:
        parts = error.field.split(".")
        if parts[0] == "activities" and len(parts) == 3 and parts[1].isdigit() and int(parts[1]) < len(sent):
            out.append(FieldError(f"a{sent[int(parts[1])]}_{parts[2]}", error.code, error.params))
        else:
            out.append(error)
    return out


def _write(db: Database, actor: Actor, institution_id: int, year: int, *, submit: bool) -> None:
    """Save (or submit) what the editor holds; the outcome waits in the session for the rerun."""
    keys = _Keys(institution_id, year)
    payload, sent = _payload(keys)
    state = st.session_state
    state.pop(keys("conflict"), None)
    write = reports.submit if submit else reports.save_draft
    try:
        stored = write(db, actor, institution_id, year, payload, version=int(state.get(keys("version"), 0)))
    except ValidationFailed as failed:
        state[keys("errors")] = _errors_by_widget(failed.errors, sent)
        state[keys("submit_failed")] = submit
    except (Conflict, TransitionRefused, PermissionDenied):  # changed elsewhere: reload
        state[keys("conflict")] = True
    else:
        state[keys("errors")] = []
        state[keys("submit_failed")] = False
        state[keys("version")] = stored.version
        state[keys("saved_at")] = utc_now()
        if submit:
            state[keys("submitted")] = True


def editor(db: Database, actor: Actor, record: dict[str, Any]) -> None:
    """The focal point's annual report, year by year (a coordinator entering a paper report sees
    the same editor)."""
    lang = current_language()
    institution_id = int(record["id"])
    today = utc_now().date()
    years = reports.years_of(db, institution_id, today)
    cal = reports.calendar(db)
    default = cal.default_year(today)
    options = [y["year"] for y in years]
    by_year = {y["year"]: y for y in years}
    index = options.index(default) if default in options else 0
    # Labels made here, not in format_func: a widget's labels must not depend on when they are drawn.
    labels = {y: year_label(by_year[y]) for y in options}
    year = st.selectbox(
        t("report.year"), options, index=index, format_func=labels.__getitem__, key=f"ar{institution_id}_year"
    )
    cycle = cal.cycle(year)
    found = reports.report(db, actor, institution_id, year)
    keys = _Keys(institution_id, year)
    stale = not st.session_state.get(keys("loaded")) or st.session_state.get(keys("version")) != found.version
    if stale and not st.session_state.get(keys("errors")):  # never over what the person is correcting
        _load(keys, found)
    due_text = t("report.due", due=cycle.due.isoformat(), start=cycle.starts.isoformat(), end=cycle.ends.isoformat())
    st.markdown(f":blue-badge[{state_label(found.state if found.id else None)}] &nbsp; {due_text}")
    if found.id is None and today > cycle.due:
        st.warning(t("report.overdue", due=cycle.due.isoformat()), icon=":material/schedule:")
    if st.session_state.pop(keys("submitted"), False):
        st.success(t("report.submitted_notice"), icon=":material/send:")
    if found.state == "returned" and found.comment:
        st.warning(t("report.returned_notice", comment=md(found.comment)), icon=":material/undo:")
    if not found.editable:
        if found.state == "submitted":
            st.info(t("report.waiting_notice"), icon=":material/hourglass_top:")
        view(found)
        return
    if st.session_state.get(keys("conflict")):
        st.error(t("report.conflict"), icon=":material/sync_problem:")
        if st.button(t("report.reload"), key=keys("reload")):
            _load(keys, found)
            st.session_state.pop(keys("conflict"), None)
            st.rerun()
    errors = list(st.session_state.get(keys("errors")) or [])

    def save() -> None:
        _write(db, actor, institution_id, year, submit=False)

    st.caption(t("report.autosave"))
    # -- activities
    st.subheader(t("report.activities"))
    ids: list[int] = st.session_state.setdefault(keys("ids"), [])
    if not ids:
        st.caption(t("report.no_activity_yet"))
    shown_errors = [e for e in errors if e.field == "activities"]
    field_errors(shown_errors, "activities")
    first_day, last_day = cycle.starts, min(cycle.ends, today)
    theme_names = {c: t(f"theme.{c}") for c in THEMES}
    score_names = {v: t(f"report.score.{v}") for v in reports.SCORES}
    for position, ident in enumerate(ids, start=1):
        with st.container(border=True):
            head, remove = st.columns([5, 1], vertical_alignment="center")
            title = st.session_state.get(keys.activity(ident, "title")) or t("report.activity_new")
            head.markdown(f"**{position}. {md(title)}**")
            if remove.button(
                t("report.remove"), key=keys.activity(ident, "remove"), icon=":material/delete:", type="tertiary"
            ):
                ids.remove(ident)
                save()
                st.rerun()

            def field(name: str, ident: int = ident) -> str:
                return keys.activity(ident, name)

            st.text_input(
                t("report.field.title"), key=field("title"), max_chars=reports.LIMITS["title"], on_change=save
            )
            field_errors(errors, f"a{ident}_title")
            st.text_area(
                t("report.field.description"),
                key=field("description"),
                max_chars=reports.LIMITS["description"],
                height=90,
                on_change=save,
            )
            field_errors(errors, f"a{ident}_description")
            st.multiselect(
                t("report.field.themes"),
                THEMES,
                format_func=theme_names.__getitem__,
                key=field("themes"),
                on_change=save,
            )
            field_errors(errors, f"a{ident}_themes")
            start, end = st.columns(2)
            with start:
                st.date_input(
                    t("report.field.start_date"),
                    min_value=first_day,
                    max_value=last_day,
                    key=field("start_date"),
                    format="YYYY-MM-DD",
                    on_change=save,
                )
                field_errors(errors, f"a{ident}_start_date")
            with end:
                st.date_input(
                    t("report.field.end_date"),
                    min_value=first_day,
                    max_value=last_day,
                    key=field("end_date"),
                    format="YYYY-MM-DD",
                    on_change=save,
                )
                field_errors(errors, f"a{ident}_end_date")
            pupils, teachers = st.columns(2)
            for column, name in ((pupils, "pupils"), (teachers, "teachers")):
                with column:
                    low, high = NUMBERS[name]
                    st.number_input(
                        t(f"report.field.{name}"),
                        min_value=low,
                        max_value=high,
                        step=1,
                        key=field(name),
                        on_change=save,
                    )
                    field_errors(errors, f"a{ident}_{name}")
            st.text_input(
                t("report.field.partners"),
                key=field("partners"),
                max_chars=reports.LIMITS["partners"],
                help=t("report.field.partners_help"),
                on_change=save,
            )
            field_errors(errors, f"a{ident}_partners")
            st.text_input(
                t("report.field.link"),
                key=field("link"),
                max_chars=reports.LIMITS["link"],
                placeholder="www.school.example/project",
                on_change=save,
            )
            field_errors(errors, f"a{ident}_link")
    if len(ids) < reports.MAX_ACTIVITIES and st.button(
        t("report.add_activity"), icon=":material/add:", key=keys("add")
    ):
        ident = max(ids, default=-1) + 1
        ids.append(ident)
        for name in reports.ACTIVITY_FIELDS:  # empty, not today's date or 0
            st.session_state[keys.activity(ident, name)] = [] if name == "themes" else None
        st.rerun()
    # -- international days
    st.subheader(t("report.days"))
    st.multiselect(
        t("report.days_label"),
        [row["code"] for row in reports.international_days()],
        format_func=lambda code: day_label(code, lang),
        key=keys("days"),
        on_change=save,
        placeholder=t("report.days_placeholder"),
    )
    field_errors(errors, "days")
    # -- self-assessment
    st.subheader(t("report.assessment"))
    st.caption(t("report.scale"))
    for theme in THEMES:
        with st.expander(t(f"theme.{theme}"), expanded=True):
            for item in reports.ASSESSMENT_ITEMS:
                st.radio(
                    t(f"report.item.{item}"),
                    reports.SCORES,
                    index=None,
                    horizontal=True,
                    format_func=score_names.__getitem__,
                    key=keys(f"s_{theme}_{item}"),
                    on_change=save,
                )
                field_errors(errors, f"scores.{theme}.{item}")
    # -- contacts
    st.subheader(t("report.contacts"))
    email = record.get("email") or "—"
    website = safe_url(record.get("website")) or "—"
    st.markdown(t("report.contacts_now", email=md(email), website=md(website)))
    st.checkbox(t("report.contacts_confirm"), key=keys("contacts"), on_change=save)
    field_errors(errors, "contacts_confirmed")
    saved_at = st.session_state.get(keys("saved_at"))
    if saved_at:
        st.caption(t("report.saved_at", time=saved_at.strftime("%H:%M")))
    if st.session_state.get(keys("submit_failed")):
        summary(errors)
    if st.button(t("report.submit"), type="primary", icon=":material/send:", key=keys("submit")):
        _write(db, actor, institution_id, year, submit=True)
        st.rerun()


# -- the report, read -------------------------------------------------------------------------------


def view(found: reports.Report) -> None:
    """A report as stored: activities, international days, self-assessment, contacts."""
    lang = current_language()
    st.markdown(f"**{t('report.activities')}** ({len(found.activities)})")
    # As text, one block per activity: what a reader checks line by line (and a screen reader reads).
    for n, a in enumerate(found.activities, start=1):
        with st.container(border=True):
            link = safe_url(a["link"])
            lines = [f"**{n}. {md(a['title'])}**"]
            facts = [theme_labels(a["themes"] or [])]
            dates = " – ".join(str(d) for d in (a["start_date"], a["end_date"]) if d)
            if dates:
                facts.append(dates)
            for key in ("pupils", "teachers"):
                if a[key] is not None:
                    facts.append(f"{t(f'report.field.{key}')}: {number(a[key])}")
            lines.append(" · ".join(f for f in facts if f))
            if a["partners"]:
                lines.append(f"{t('report.field.partners')}: {md(a['partners'])}")
            if link:
                lines.append(f"{t('report.field.link')}: [{md(link)}]({link})")
            if a["description"]:
                lines.append(md(a["description"]))
            st.markdown("  \n".join(lines))
    st.markdown(f"**{t('report.days')}**")
    st.markdown(", ".join(md(day_label(code, lang)) for code in found.days) if found.days else "—")
    st.markdown(f"**{t('report.assessment')}**")
    scores = pl.DataFrame(
        [
            {
                "item": t(f"report.item.{item}"),
                **{theme: found.scores.get(theme, {}).get(item) for theme in THEMES},
            }
            for item in reports.ASSESSMENT_ITEMS
        ],
        schema={"item": pl.String, **dict.fromkeys(THEMES, pl.Int64)},
    )
    st.dataframe(
        scores,
        hide_index=True,
        width="stretch",
        column_config={"item": t("report.col_item"), **{theme: t(f"theme.{theme}") for theme in THEMES}},
    )
    st.caption(t("report.scale"))
    confirmed = t("report.contacts_confirmed") if found.contacts_confirmed else t("report.contacts_unconfirmed")
    st.markdown(f"**{t('report.contacts')}**: {confirmed}")
    if found.submitted_at:
        st.caption(t("report.submitted_on", day=found.submitted_at.strftime("%Y-%m-%d")))
