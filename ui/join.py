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
from aspnet_data.text import fold
from aspnet_data.vocab import THEMES

from .i18n import current_language, language_name, number, page_href, t
from .safe import md, safe_email, safe_url

PREFIX = "apply_f_"
# Form field -> widget key (the theme plans have one box per theme: apply_f_plan_<theme>).
WIDGETS = {
    "network": "apply_f_network",
    "institution_name": "apply_f_name",
    "name_latin": "apply_f_latin",
    "city": "apply_f_city",
    "address": "apply_f_address",
    "latitude": "apply_f_lat",
    "longitude": "apply_f_lon",
    "levels": "apply_f_levels",
    "ownership": "apply_f_ownership",
    "languages": "apply_f_languages",
    "pupils": "apply_f_pupils",
    "teachers": "apply_f_teachers",
    "school_email": "apply_f_school_email",
    "website": "apply_f_website",
    "themes": "apply_f_themes",
    "contact_name": "apply_f_contact",
    "contact_email": "apply_f_email",
    "language": "apply_f_language",
}
_KEPT_PLANS = "apply_kept_plans"
_TOWN_LISTED = "apply_town_listed"
_PICKED = "apply_picked"


def plan_key(theme: str) -> str:
    return f"{PREFIX}plan_{theme}"


def coordinate(value: float | None) -> str:
    """A coordinate as the form shows it: up to five decimals, no trailing zeros, with the
    interface language's decimal mark ("48,85661" in French and Spanish; either mark is read back)."""
    if value is None:
        return ""
    text = f"{value:.5f}".rstrip("0").rstrip(".")
    return text.replace(".", ",") if current_language() in ("fr", "es") else text


def clear_form() -> None:
    """Forget what the form holds (its widgets, kept plans and last errors)."""
    for key in list(st.session_state):
        if key.startswith(PREFIX) or key in (_KEPT_PLANS, _TOWN_LISTED, "apply_errors", _PICKED):
            del st.session_state[key]


def load_into_form(record: dict) -> None:
    """Put a stored application into the form's widgets (call before they are drawn)."""
    clear_form()
    st.session_state["apply_draft"] = record
    for field, key in WIDGETS.items():
        value = record.get(field)
        if field in ("latitude", "longitude"):
            value = coordinate(value)
        elif field in ("levels", "themes", "languages"):
            value = list(value or [])
        elif value is None or value == "":
            continue
        st.session_state[key] = value
    st.session_state[_KEPT_PLANS] = dict(record.get("theme_plans") or {})


def form_values(network: str | None) -> dict:
    """What the form holds, as :func:`aspnet_data.applications.save` takes it."""
    values = {field: st.session_state.get(key) for field, key in WIDGETS.items()}
    values["network"] = network
    values["theme_plans"] = {theme: st.session_state.get(plan_key(theme)) for theme in values.get("themes") or []}
    return values


def keep_plans(chosen: list[str]) -> None:
    """Remember the plans of themes no longer chosen (their boxes disappear), so choosing the
    theme again brings the text back."""
    kept = st.session_state.setdefault(_KEPT_PLANS, {})
    for theme in THEMES:
        key = plan_key(theme)
        if key in st.session_state:
            kept[theme] = st.session_state[key]
        if theme in chosen and key not in st.session_state and kept.get(theme):
            st.session_state[key] = kept[theme]


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
    town = st.session_state.get(WIDGETS["city"])
    if town in coords:
        lat, lon = coords[town]
        st.session_state[WIDGETS["latitude"]], st.session_state[WIDGETS["longitude"]] = coordinate(lat), coordinate(lon)
        st.session_state[_TOWN_LISTED] = True
    elif st.session_state.pop(_TOWN_LISTED, False):
        st.session_state[WIDGETS["latitude"]] = st.session_state[WIDGETS["longitude"]] = ""


def town_picked_on_map(town: dict) -> bool:
    """A town clicked on the map fills the town and its coordinates; True when that changed
    the form (the map keeps its selection from run to run: only a new click counts)."""
    if st.session_state.get(_PICKED) == town["name"]:
        return False
    st.session_state[_PICKED] = town["name"]
    st.session_state[WIDGETS["city"]] = town["name"]
    st.session_state[WIDGETS["latitude"]] = coordinate(town["lat"])
    st.session_state[WIDGETS["longitude"]] = coordinate(town["lon"])
    st.session_state[_TOWN_LISTED] = True
    return True


def country_changed() -> None:
    """Another country: a town taken from the previous country's list no longer applies."""
    if st.session_state.pop(_TOWN_LISTED, False):
        for field in ("city", "latitude", "longitude"):
            st.session_state.pop(WIDGETS[field], None)


def language_options(chosen: list[str] | None) -> list[str]:
    """The languages offered, sorted by their name in the interface language (and any already
    chosen that the list lacks)."""
    return languages.by_name(current_language(), extra=tuple(chosen or ()))


# -- what an application says ------------------------------------------------------------------


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "—"


def details(record: dict, countries: dict[str, str], *, private: bool) -> list[tuple[str, str]]:
    """(label, markdown) of an application's answers; ``private`` adds the contact person."""

    def plain(value) -> str:
        return md(value) if value not in (None, "", []) else "—"

    site, email = safe_url(record.get("website")), safe_email(record.get("school_email"))
    rows = [
        (t("apply.country"), plain(countries.get(record.get("network"), record.get("network")))),
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
