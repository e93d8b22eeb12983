"""The project spaces' glue: the list of projects, the form that creates one, a project's
heading, its schools, the requests to join it, a coordinator's school added to it, its
materials (files shared with those who take part, some with everyone), its updates.
"""

from __future__ import annotations

from typing import Any

import polars as pl
import streamlit as st

from aspnet_data import board, files, projects
from aspnet_data.directory import Selection
from aspnet_data.errors import FieldError, FileRefused, NotFound, PermissionDenied, ValidationFailed
from aspnet_data.permissions import Actor, can
from aspnet_data.vocab import PROJECT_STATUSES, THEMES

from . import attachments, data, map_charts
from .auth import current_actor
from .forms import FormState, field_errors, message
from .i18n import current_language, language_name, link_params, t
from .join import language_options
from .safe import md, message_markdown
from .tables import linked_table

CREATE = FormState("project")
MATERIAL = FormState(
    "material", fields=("title", "description", "language", "theme", "public"), entries=("done", "round")
)


def _countries() -> dict[str, str]:
    return dict(data.network_countries(current_language()))


def listing(status: str | None, theme: str | None) -> None:
    """The projects of that status and theme (None: any), each row opening its page."""
    listed = projects.list_projects(data.db(), status=status, theme=theme)
    linked_table(
        listed.with_columns(pl.col("status").replace_strict({s: t(f"project_status.{s}") for s in PROJECT_STATUSES})),
        key="projects_table",
        page="app_pages/projects.py",
        params=lambda row: {"id": row["id"]},
        columns=["title", "status", "schools", "networks", "start_date", "end_date"],
        column_config={
            "title": st.column_config.TextColumn(t("projects.project"), width="medium"),
            "status": t("facet.status"),
            "schools": t("projects.schools"),
            "networks": t("home.col_networks"),
            "start_date": t("projects.start"),
            "end_date": t("projects.end"),
        },
    )


def create_form() -> None:
    """A new project (coordinators and admins): it opens once made; problems under their fields."""
    errors = CREATE.errors
    with st.form("project_create"):
        values: dict[str, Any] = {"title": st.text_input(t("projects.project"), max_chars=150)}
        field_errors(errors, "title")
        values["description"] = st.text_area(t("field.description"), max_chars=4000)
        values["themes"] = st.multiselect(t("facet.theme"), THEMES, format_func=lambda c: t(f"theme.{c}"))
        field_errors(errors, "themes")
        values["languages"] = st.multiselect(
            t("institution.languages"),
            language_options([]),
            format_func=language_name,
            placeholder=t("apply.languages_placeholder"),
        )
        field_errors(errors, "languages")
        start, end = st.columns(2)
        values["start_date"] = start.date_input(t("projects.start"), value=None)
        values["end_date"] = end.date_input(t("projects.end"), value=None)
        field_errors(errors, "end_date")
        values["status"] = st.radio(
            t("facet.status"), PROJECT_STATUSES, horizontal=True, format_func=lambda s: t(f"project_status.{s}")
        )
        if st.form_submit_button(t("projects.create"), type="primary"):
            try:
                new_id = projects.create_project(data.db(), current_actor(), values)
            except ValidationFailed as failed:
                CREATE.errors = failed.errors
            else:
                CREATE.reset()
                st.query_params["id"] = str(new_id)
            st.rerun()


def heading_line(project: dict) -> None:
    """The project's themes as badges, its status and its dates."""
    st.markdown(
        " ".join(f":blue-badge[{t(f'theme.{c}')}]" for c in project["themes"])
        + f" &nbsp; {t('project_status.' + project['status'])}"
        + (f" · {project['start_date']} → {project['end_date']}" if project["start_date"] else "")
    )


def schools(active: pl.DataFrame) -> None:
    """How many schools of how many networks take part; their map and their table."""
    countries = _countries()
    networks = sorted({countries.get(n, n) for n in active["network"]})
    st.caption(
        t(
            "projects.summary",
            schools=t("count.schools", count=active.height),
            networks=t("count.networks", count=len(networks)),
            names=", ".join(networks) or "—",
        )
    )
    if not active.height:
        return
    map_charts.schools_map(active, key="project_map", height=380)
    linked_table(
        active.with_columns(pl.col("network").replace_strict(countries, default=pl.col("network")).alias("country")),
        key="project_schools",
        page="app_pages/institution.py",
        params=lambda row: {"id": row["id"]},
        columns=["name", "city", "country"],
        column_config={
            "name": st.column_config.TextColumn(t("directory.col_name"), width="medium"),
            "city": t("directory.col_city"),
            "country": t("common.country"),
        },
    )


def requests(project: dict, members: pl.DataFrame) -> None:
    """Schools that asked to join, to accept or decline (the project's owner and admins)."""
    actor = current_actor()
    pending = members.filter(pl.col("state") == "requested")
    if not pending.height or not (actor.role == "admin" or actor.username == project["owner"]):
        return
    countries = _countries()
    st.subheader(t("projects.requests"))
    for row in pending.iter_rows(named=True):
        a, b, c = st.columns([3, 1, 1], vertical_alignment="center")
        a.markdown(f"{md(row['name'])} · {md(countries.get(row['network'], row['network']))}")
        if b.button(t("projects.accept"), key=f"accept_{row['id']}"):
            projects.decide(data.db(), actor, project["id"], row["id"], accept=True)
            st.rerun()
        if c.button(t("projects.decline"), key=f"decline_{row['id']}"):
            projects.decide(data.db(), actor, project["id"], row["id"], accept=False)
            st.rerun()


def add_school_form(project: dict, members: pl.DataFrame) -> None:
    """A coordinator adds one of their network's schools (or asks to, when another owns the
    project); a school's focal point asks to join with their school."""
    actor = current_actor()
    if actor.network is None:
        return
    if actor.institution is not None:
        asked = members.filter(pl.col("id") == actor.institution)["state"].to_list()
        if asked:
            st.caption(t(f"projects.my_school_{asked[0]}"))
        if asked[:1] in ([], ["declined"]) and st.button(
            t("projects.ask_to_join"), icon=":material/group_add:", key="project_ask"
        ):
            joined = projects.add_institution(data.db(), actor, project["id"], actor.institution)
            st.toast(t(f"projects.added_{joined}"))
            st.rerun()
        return
    mine = data.institutions_page(Selection().with_values("country", [actor.network]), 1, current_language())
    taken = set(members["id"].to_list())
    options = [i for i in mine["id"].to_list() if i not in taken]
    names = dict(zip(mine["id"], mine["name"]))
    with st.form("project_join"):
        school = st.selectbox(
            t("projects.add_school"),
            options,
            format_func=lambda school: names.get(school, str(school)),
            index=None,
            placeholder=t("projects.pick_school"),
        )
        if st.form_submit_button(t("projects.add")) and school is not None:
            try:
                state = projects.add_institution(data.db(), actor, project["id"], school)
                st.toast(t(f"projects.added_{state}"))
            except PermissionDenied:
                st.toast(t("manage.not_allowed"))
            st.rerun()


def updates(project: dict) -> None:
    """The latest messages of the project's channel and a link to it (for those who read it)."""
    db, actor = data.db(), current_actor()
    if not (
        project["channel_id"]
        and actor.role in ("coordinator", "admin")
        and board.can_read(db, actor, project["channel_id"])
    ):
        st.caption(t("projects.updates_members"))
        return
    feed = board.threads(db, actor, project["channel_id"], limit=10)
    for row in feed.filter(pl.col("body").is_not_null()).iter_rows(named=True):
        st.markdown(
            f"**{md(row['display_name'] or row['author'])}** · {row['created_at']:%Y-%m-%d}  \n"
            + message_markdown(row["body"])
        )
    st.page_link(
        "app_pages/board.py",
        label=t("projects.discuss"),
        icon=":material/forum:",
        query_params=link_params(channel=f"project-{project['id']}"),
    )


# -- materials ----------------------------------------------------------------------------------


def materials(project: dict) -> None:
    """The project's materials, newest first, found by words; each with its preview, what it
    is, who shared it and when, and its download; the form that adds one for those who may."""
    db, actor = data.db(), current_actor()
    st.subheader(t("materials.title"))
    done = MATERIAL.pop("done")
    if done:
        st.success(t("materials.added", title=md(done)), icon=":material/task_alt:")
    q = st.text_input(t("materials.search"), key="materials_q", placeholder=t("materials.search_placeholder"))
    listed = files.materials(db, actor, project["id"], q=q)
    if not files.may_read_materials(db, actor, project["id"]):
        st.caption(t("materials.public_only"))
    if listed.height == 0:
        st.caption(t("materials.none_found") if q.strip() else t("materials.none"))
    countries = _countries()
    for row in listed.iter_rows(named=True):
        _material(project, row, countries)
    if files.may_add_material(db, actor, project["id"]):
        add_material_form(project)


def _material(project: dict, row: dict, countries: dict[str, str]) -> None:
    actor = current_actor()
    with st.container(border=True, key=f"material_{row['id']}"):
        if row["preview"]:
            picture, text = st.columns([1, 3], vertical_alignment="top")
            picture.image(row["preview"], width="stretch", alt=t("files.preview_alt", name=row["name"]))
        else:
            text = st.container()
        badges = [f":blue-badge[{t('theme.' + row['theme'])}]"] if row["theme"] else []
        if row["language"]:
            badges.append(f":gray-badge[{md(language_name(row['language']))}]")
        if row["public"]:
            badges.append(f":green-badge[{t('materials.public')}]")
        who = md(row["display_name"] or row["added_by"])
        where = md(countries.get(row["network"], row["network"]) if row["network"] else "UNESCO")
        with text:
            st.markdown(f"**{md(row['title'])}** " + " ".join(badges))
            if row["description"]:
                st.markdown(message_markdown(row["description"]))
            st.caption(
                t(
                    "materials.byline",
                    name=md(row["name"]),
                    size=attachments.size_text(row["size"]),
                    who=who,
                    where=where,
                    when=f"{row['added_at']:%Y-%m-%d}",
                )
            )
            buttons = st.container(horizontal=True)
            with buttons:
                attachments.download_button(
                    files.file_infos([row])[0], key=f"material_file_{row['id']}", label=t("materials.download")
                )
                _material_actions(project, row, actor)


def _material_actions(project: dict, row: dict, actor: Actor) -> None:
    """Public or not (the project's owner), delete (who added it, the project's owner)."""
    db = data.db()
    owned = {**row, "owner": project["owner"]}
    if can(actor, "publish_material", owner=project["owner"]) and st.button(
        t("materials.make_private") if row["public"] else t("materials.make_public"),
        key=f"material_public_{row['id']}",
        icon=":material/lock:" if row["public"] else ":material/public:",
    ):
        files.set_public(db, actor, row["id"], not row["public"])
        st.rerun()
    if files.may_delete_material(actor, owned):
        with st.popover(t("materials.delete"), icon=":material/delete:"):
            st.caption(t("materials.delete_confirm", title=md(row["title"])))
            if st.button(t("materials.delete"), key=f"material_delete_{row['id']}", type="primary"):
                try:
                    files.delete_material(db, actor, row["id"])
                except (NotFound, PermissionDenied):
                    st.toast(t("manage.not_allowed"))
                st.rerun()


def _quota_line(actor: Actor) -> str:
    quota = files.quota(data.db(), actor)
    whose = (
        t("materials.quota_network", country=md(_countries().get(actor.network, actor.network)))
        if actor.network
        else t("materials.quota_own")
    )
    return t(
        "materials.quota",
        whose=whose,
        used=attachments.size_text(quota.used),
        quota=attachments.size_text(quota.limit),
    )


def add_material_form(project: dict) -> None:
    """Share a file with the project: its title, what it is, its language and theme; the
    project's owner may make it public. Limits and the quota stated; problems under their fields."""
    db, actor = data.db(), current_actor()
    errors = MATERIAL.errors
    round_ = MATERIAL.get("round", 0)
    with st.expander(t("materials.add"), icon=":material/upload_file:", expanded=bool(errors)):
        st.caption(attachments.limits() + " " + _quota_line(actor))
        with st.form("material_add"):
            chosen = attachments.uploader(f"material_upload_{round_}", label=t("materials.file"), multiple=False)
            for error in [e for e in errors if e.field == "file"][:1]:
                text = attachments.refusal_text(error) if isinstance(error, FileRefused) else message(error)
                st.error(text, icon=":material/block:")
            st.text_input(t("materials.field_title"), max_chars=files.TITLE_LENGTH, key=MATERIAL.key("title"))
            field_errors(errors, "title")
            st.text_area(t("field.description"), max_chars=files.DESCRIPTION_LENGTH, key=MATERIAL.key("description"))
            field_errors(errors, "description")
            language, theme = st.columns(2)
            spoken = list(dict.fromkeys([*(project["languages"] or []), *language_options([])]))
            language.selectbox(
                t("materials.language"),
                spoken,
                index=None,
                format_func=language_name,
                placeholder=t("apply.languages_placeholder"),
                key=MATERIAL.key("language"),
            )
            field_errors(errors, "language")
            theme.selectbox(
                t("facet.theme"),
                list(project["themes"] or THEMES),
                index=None,
                format_func=lambda c: t(f"theme.{c}"),
                placeholder=t("materials.theme_placeholder"),
                key=MATERIAL.key("theme"),
            )
            field_errors(errors, "theme")
            if can(actor, "publish_material", owner=project["owner"]):
                st.checkbox(t("materials.field_public"), key=MATERIAL.key("public"), help=t("materials.public_help"))
            if st.form_submit_button(t("materials.share"), type="primary", icon=":material/upload:"):
                values = MATERIAL.values
                try:
                    if not chosen:
                        raise ValidationFailed([FieldError("file", "required")])
                    files.add_material(db, actor, project["id"], chosen[0], values)
                except ValidationFailed as failed:
                    MATERIAL.errors = failed.errors
                except FileRefused as refused:
                    MATERIAL.errors = [refused]
                else:
                    MATERIAL.reset()
                    MATERIAL.set("done", values["title"])
                    MATERIAL.set("round", round_ + 1)  # a new, empty file chooser
                st.rerun()
