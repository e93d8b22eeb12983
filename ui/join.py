"""The Join pages' glue: the application form's widgets and their state, the town picker, what
was sent, the progress timeline and the history of an application, similar institutions.

The application form is not an ``st.form``: choosing a theme shows its plan box, choosing a
town fills its coordinates, so a choice has to rerun the page. Every widget is keyed
``apply_f_<name>``; :func:`load_into_form` puts a stored application (a draft, or one
returned for changes) into them before the page draws them.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import streamlit as st

from aspnet_data import applications as apps
from aspnet_data import languages
from aspnet_data.db import Database
from aspnet_data.errors import FieldError, PermissionDenied, ValidationFailed
from aspnet_data.permissions import Actor
from aspnet_data.text import fold
from aspnet_data.vocab import THEMES

from .forms import FormState
from .i18n import current_language, language_name, number, page_href, t
from .safe import md, safe_email, safe_url

FORM = FormState(
    "apply",
    widgets="apply_f_",
    # Field -> widget where the names differ; the theme plans have one box per theme (plan_<theme>).
    fields={
        "network": "network",
        "institution_name": "name",
        "name_latin": "latin",
        "city": "city",
        "address": "address",
        "latitude": "lat",
        "longitude": "lon",
        "levels": "levels",
        "ownership": "ownership",
        "languages": "languages",
        "pupils": "pupils",
        "teachers": "teachers",
        "school_email": "school_email",
        "website": "website",
        "themes": "themes",
        "contact_name": "contact",
        "contact_email": "email",
        "language": "language",
    },
    # Forgotten with the form; what was sent, the draft and the count of submissions stay.
    entries=("kept_plans", "town_listed", "picked"),
)


def plan_key(theme: str) -> str:
    return FORM.key(f"plan_{theme}")


def coordinate(value: float | None) -> str:
    """A coordinate as the form shows it: up to five decimals, no trailing zeros, with the
    interface language's decimal mark ("48,85661" in French and Spanish; either mark is read back)."""
    if value is None:
        return ""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language() in ("fr", "es") else text


def load_into_form(record: dict) -> None:
    """Put a stored application into the form's widgets (call before they are drawn)."""
    FORM.reset()
    FORM.set("draft", record)
    for field in FORM.fields:
        value = record.get(field)
        if field in ("latitude", "longitude"):
            value = coordinate(value)
        elif field in ("levels", "themes", "languages"):
            value = list(value or [])
        elif value is None or value == "":
            continue
        st.session_state[FORM.key(field)] = value
    FORM.set("kept_plans", dict(record.get("theme_plans") or {}))


def form_values(network: str | None) -> dict:
    """What the form holds, as :func:`aspnet_data.applications.save` takes it."""
    values = FORM.values
    values["network"] = network
    values["theme_plans"] = {theme: st.session_state.get(plan_key(theme)) for theme in values.get("themes") or []}
    return values


def keep_plans(chosen: list[str]) -> None:
    """Remember the plans of themes no longer chosen (their boxes disappear), so choosing the
    theme again brings the text back."""
    kept = FORM.setdefault("kept_plans", {})
    for theme in THEMES:
        key = plan_key(theme)
        if key in st.session_state:
            kept[theme] = st.session_state[key]
        if theme in chosen and key not in st.session_state and kept.get(theme):
            st.session_state[key] = kept[theme]


def sent_summary(sent: dict, countries: dict[str, str]) -> None:
    """What was sent and its reference code, how to follow it, and a way to send another."""
    st.success(t("apply.sent", country=md(countries.get(sent["network"], ""))), icon=":material/check_circle:")
    st.markdown(f"**{t('apply.your_code')}**")
    st.code(sent["code"], language=None)
    st.markdown(t("apply.track_needs", email=md(sent["email"])))
    st.page_link("app_pages/status.py", label=t("apply.track"), icon=":material/track_changes:")
    with st.container(border=True):
        st.markdown(f"**{t('apply.what_you_sent')}** · {md(sent['record'].get('institution_name'))}")
        show_details(sent["record"], countries, private=True)
    if st.button(t("apply.another"), icon=":material/add:"):
        FORM.pop("sent")
        st.rerun()


def resume_form(db: Database) -> None:
    """Open a draft, or an application returned for changes, by its code and contact email."""
    with st.expander(t("apply.resume"), icon=":material/history:"), st.form("apply_resume"):
        code = st.text_input(t("status.reference"), max_chars=20)
        email = st.text_input(t("status.email"), max_chars=200)
        if st.form_submit_button(t("apply.resume_button")):
            found = apps.find(db, code, email)
            if found is None or found.stage not in apps.EDITABLE:
                FORM.set("message", ("error", t("apply.resume_not_found")))
            else:
                load_into_form(found.record)
            st.rerun()


def form_notices(db: Database) -> None:
    """Above the form: what the last action did (a draft saved, a code not found), and which
    application is open, with the coordinator's request when it was returned for changes."""
    message = FORM.pop("message")
    if message:
        getattr(st, message[0])(message[1])
    draft = FORM.get("draft") or {}
    if not draft.get("reference"):
        return
    returned = draft.get("stage") == "returned"
    st.info(
        t("apply.editing_returned" if returned else "apply.editing_draft", code=draft["reference"]),
        icon=":material/edit_document:",
    )
    if returned:
        asked = apps.find(db, draft["reference"], draft["contact_email"])
        said = next((e["comment"] for e in reversed(asked.events) if e["stage"] == "returned"), None) if asked else None
        if said:
            st.markdown(f"**{t('apply.coordinator_asked')}** “{md(said)}”")


def send(db: Database, network: str | None, *, submit: bool, honeypot: str, limit: int) -> None:
    """Save the form as a draft, or send it (``submit``): the next run shows what was sent, the
    draft's code or the errors. A filled ``honeypot`` looks sent and stores nothing; a browser
    session sends at most ``limit`` applications."""
    values = form_values(network)
    FORM.pop("errors")
    count = FORM.get("count", 0)
    if honeypot:
        # Looks like success to a bot; nothing is stored.
        sent = {"code": apps.new_reference(), "network": network, "email": values["contact_email"] or ""}
        FORM.set("sent", sent | {"record": apps.normalise(values)})
        return
    if submit and count >= limit:
        FORM.set("message", ("error", t("apply.too_many", max=limit)))
        return
    draft = FORM.get("draft") or {}
    try:
        app = apps.save(db, values, submit=submit, reference=draft.get("reference"), email=draft.get("contact_email"))
    except ValidationFailed as failed:
        FORM.errors = failed.errors
        return
    except apps.TransitionRefused:
        FORM.set("message", ("error", t("apply.resume_not_found")))
        return
    code = app.record["reference"]
    if not submit:
        FORM.set("draft", app.record)
        FORM.set("message", ("success", t("apply.draft_saved", code=code)))
        return
    FORM.set("count", count + 1)
    FORM.reset()
    FORM.pop("draft")
    FORM.set(
        "sent",
        {"code": code, "network": app.record["network"], "email": app.record["contact_email"], "record": app.record},
    )
    # The status page opens on this application in this session.
    st.session_state["status_code"], st.session_state["status_email"] = code, app.record["contact_email"]


# -- the town ----------------------------------------------------------------------------------


def town_options(towns: pl.DataFrame) -> tuple[list[str], dict[str, tuple[float, float]], dict[str, str]]:
    """(names sorted as people read them, name -> (lat, lon), name -> local spelling) of a
    country's towns; a name found twice is the larger town."""
    coords, local = {}, {}
    for row in towns.sort("population", descending=True, nulls_last=True).iter_rows(named=True):
        if row["name"] in coords:
            continue
        coords[row["name"]] = (row["lat"], row["lon"])
        if row.get("name_local") and row["name_local"] != row["name"]:
            local[row["name"]] = row["name_local"]
    return sorted(coords, key=fold), coords, local


def town_chosen(coords: dict[str, tuple[float, float]]) -> None:
    """A town picked from the list fills the coordinates; a town typed that is not in the list
    clears coordinates that came from the list (they were another town's)."""
    town = FORM.value("city")
    if town in coords:
        lat, lon = coords[town]
        st.session_state[FORM.key("latitude")] = coordinate(lat)
        st.session_state[FORM.key("longitude")] = coordinate(lon)
        FORM.set("town_listed", True)
    elif FORM.pop("town_listed", False):
        st.session_state[FORM.key("latitude")] = st.session_state[FORM.key("longitude")] = ""


def town_picked_on_map(town: dict) -> bool:
    """A town clicked on the map fills the town and its coordinates; True when that changed
    the form (the map keeps its selection from run to run: only a new click counts)."""
    if FORM.get("picked") == town["name"]:
        return False
    FORM.set("picked", town["name"])
    st.session_state[FORM.key("city")] = town["name"]
    st.session_state[FORM.key("latitude")] = coordinate(town["lat"])
    st.session_state[FORM.key("longitude")] = coordinate(town["lon"])
    FORM.set("town_listed", True)
    return True


def country_changed() -> None:
    """Another country: a town taken from the previous country's list no longer applies."""
    if FORM.pop("town_listed", False):
        for field in ("city", "latitude", "longitude"):
            st.session_state.pop(FORM.key(field), None)


def language_options(chosen: list[str] | None) -> list[str]:
    """The languages offered, sorted by their name in the interface language (and any already
    chosen that the list lacks)."""
    return languages.by_name(current_language(), extra=tuple(chosen or ()))


# -- what an application says ------------------------------------------------------------------


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def details(record: dict, countries: dict[str, str], *, private: bool) -> list[tuple[str, str]]:
    """(label, markdown) of an application's answers; ``private`` adds the contact person."""

    def plain(value: object) -> str:
        return md(value) if value not in (None, "", []) else "—"

    site, email = safe_url(record.get("website")), safe_email(record.get("school_email"))
    network = record.get("network") or ""
    rows = [
        (t("apply.country"), plain(countries.get(network, record.get("network")))),
        (t("field.city"), plain(record.get("city"))),
        (t("apply.address"), plain(record.get("address"))),
        (t("facet.level"), plain(", ".join(t(f"level.{c}") for c in record.get("levels") or []))),
        (t("facet.ownership"), t(f"ownership.{record['ownership']}") if record.get("ownership") else "—"),
        (t("institution.languages"), plain(", ".join(language_name(c) for c in record.get("languages") or []))),
        (t("institution.pupils"), number(record["pupils"]) if record.get("pupils") is not None else "—"),
        (t("institution.teachers"), number(record["teachers"]) if record.get("teachers") is not None else "—"),
        (t("apply.school_email"), f"[{md(email)}](mailto:{email})" if email else plain(record.get("school_email"))),
        (t("field.website"), f"[{md(site)}]({site})" if site else plain(record.get("website"))),
    ]
    if private:
        rows.append(
            (t("apply.contact_private"), f"{plain(record.get('contact_name'))} · {plain(record.get('contact_email'))}")
        )
    return rows


def show_details(record: dict, countries: dict[str, str], *, private: bool) -> None:
    st.markdown("\n".join(f"- **{label}**: {value}" for label, value in details(record, countries, private=private)))
    for theme in record.get("themes") or []:
        st.markdown(
            f"**{t('apply.plan', theme=t(f'theme.{theme}'))}**  \n"
            f"{md((record.get('theme_plans') or {}).get(theme) or '—')}"
        )


# -- progress and history ------------------------------------------------------------------------

_STATE_ICON = {
    "done": ":green[:material/check_circle:]",
    "current": ":blue[:material/radio_button_checked:]",
    "next": ":gray[:material/radio_button_unchecked:]",
    "stopped": ":red[:material/cancel:]",
}
_STATE_BADGE = {"done": "green", "current": "blue", "next": "gray", "stopped": "red"}


def timeline(app: apps.Application) -> None:
    """The steps of an application: done (with their date), the current one, the next ones."""
    lines = []
    for step in apps.progress(app):
        badge = f":{_STATE_BADGE[step.state]}-badge[{t(f'timeline.state.{step.state}')}]"
        line = f"{_STATE_ICON[step.state]} **{t(f'timeline.{step.key}')}** &nbsp; {badge}"
        if step.outcome:
            line += f" &nbsp; {t(f'timeline.outcome.{step.outcome}', when=_date(step.when))}"
        elif step.when and step.state == "current":
            line += f" &nbsp; {t('timeline.since', when=_date(step.when))}"
        elif step.when:
            line += f" &nbsp; {_date(step.when)}"
        if step.comment:
            line += f"  \n{t('timeline.message')} “{md(step.comment)}”"
        lines.append(line)
    with st.container(border=True):
        st.markdown("\n\n".join(lines))


def who(event: dict, applicant: str | None) -> str:
    """The person behind an event, as reviewers know them."""
    if event["actor"] == apps.APPLICANT:
        return t("history.applicant", name=md(applicant)) if applicant else t("history.the_applicant")
    name = event.get("actor_name")
    return f"{md(name)} ({md(event['actor'])})" if name and name != event["actor"] else md(event["actor"])


def history(app: apps.Application) -> None:
    """What happened to an application, oldest first, in people's words."""
    if not app.events:
        st.caption(t("history.none"))
        return
    lines = []
    for event in app.events:
        text = t(f"history.{event['stage']}", who=who(event, app.record.get("contact_name")))
        line = f"- **{event['occurred_at']:%Y-%m-%d}** · {text}"
        if event["comment"]:
            line += f"  \n  “{md(event['comment'])}”"
        lines.append(line)
    st.markdown("\n".join(lines))


def recommendation(app: apps.Application) -> None:
    """The National Coordinator's recommendation to UNESCO, as UNESCO reads it before deciding."""
    event = apps.recommendation(app)
    if event is None:
        return
    with st.container(border=True):
        st.markdown(f"**{t('review.recommendation')}** · {who(event, None)} · {event['occurred_at']:%Y-%m-%d}")
        st.markdown(f"“{md(event['comment'])}”" if event["comment"] else t("review.recommendation_empty"))


# -- a reviewer's decision --------------------------------------------------------------------


def decision_form(app_id: int) -> FormState:
    """A reviewer's decision on one application (its widgets keyed by the application, so that
    what is typed for one is not shown for another), and the queue's pick, which it clears."""
    return FormState("review", fields={"to": f"to_{app_id}", "comment": f"comment_{app_id}", "pick": "pick"})


def decide(db: Database, actor: Actor, record: dict, form: FormState) -> bool:
    """Move the application as the form says; True when done (the form is then forgotten and
    :func:`decided_notice` says so on the next run), else its errors are kept for the form."""
    form.pop("errors")
    to = form.value("to")
    try:
        if to is None:
            raise ValidationFailed([FieldError("decision", "choose_decision")])
        apps.move(db, actor, record["id"], to, comment=form.value("comment") or "")
    except ValidationFailed as failed:
        form.errors = failed.errors
        return False
    except (PermissionDenied, apps.TransitionRefused):
        form.errors = [FieldError("form", "not_allowed")]
        return False
    form.reset()
    form.set("done", {"name": record["institution_name"], "code": record["reference"], "to": to})
    return True


def decided_notice() -> None:
    """The decision just made, once, above the queue."""
    done = FormState("review").pop("done")
    if done:
        st.success(
            t("review.done", name=md(done["name"]), code=done["code"], decision=t(f"review.to.{done['to']}")),
            icon=":material/task_alt:",
        )


# -- similar institutions ----------------------------------------------------------------------


def similar(frame: pl.DataFrame, *, reviewer: bool) -> None:
    """A warning naming institutions that look like this one, each linked: a member to its
    profile; an application, for reviewers, by its reference (applicants never see others'
    references)."""
    if frame.height == 0:
        return
    names = []
    for row in frame.iter_rows(named=True):
        label, stage = f"{md(row['name'])} ({md(row['city'] or '—')})", row["stage"]
        if row["kind"] == "member":
            names.append(f"[{label}]({page_href('institution', id=row['id'])}) · {t('status_one.' + stage)}")
        elif reviewer:
            link = page_href("review", ref=row["reference"])
            names.append(f"{label} · [{row['reference']}]({link}) · {t('stage.' + stage)}")
        else:
            names.append(f"{label} · {t('apply.similar_applied')}")
    key = "review.similar" if reviewer else "apply.similar"
    st.warning(
        t(key, names="; ".join(names) if not reviewer else "\n- " + "\n- ".join(names)), icon=":material/content_copy:"
    )
