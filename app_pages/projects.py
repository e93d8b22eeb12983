"""Project spaces: a filterable list, a page per project (?id=), creation and joining."""

import polars as pl
import streamlit as st

from aspnet_data import board, projects
from aspnet_data.directory import Selection
from aspnet_data.errors import NotFound, PermissionDenied, ValidationFailed
from aspnet_data.vocab import PROJECT_STATUSES, THEMES
from ui import data, map_charts
from ui.auth import current_actor
from ui.forms import field_errors
from ui.i18n import current_language, language_name, link_params, t
from ui.join import language_options
from ui.safe import md, message_markdown
from ui.tables import linked_table

lang = current_language()
actor = current_actor()
db = data.db()
countries = dict(data.network_countries(lang))
raw_id = st.query_params.get("id")


def project_list() -> None:
    st.title(t("projects.title"))
    st.caption(t("projects.intro"))
    status_col, theme_col = st.columns(2)
    status = status_col.selectbox(
        t("facet.status"),
        [None, *PROJECT_STATUSES],
        key="projects_status",
        format_func=lambda s: t("projects.any") if s is None else t(f"project_status.{s}"),
    )
    theme = theme_col.selectbox(
        t("facet.theme"),
        [None, *THEMES],
        key="projects_theme",
        format_func=lambda c: t("projects.any") if c is None else t(f"theme.{c}"),
    )
    listed = projects.list_projects(db, status=status, theme=theme)
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
    if actor.role in ("coordinator", "admin"):
        with st.expander(t("projects.create"), icon=":material/add:"):
            errors = st.session_state.get("project_errors")
            with st.form("project_create"):
                values = {"title": st.text_input(t("projects.project"), max_chars=150)}
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
                        new_id = projects.create_project(db, actor, values)
                    except ValidationFailed as failed:
                        st.session_state["project_errors"] = failed.errors
                        st.rerun()
                    else:
                        st.session_state.pop("project_errors", None)
                        st.query_params["id"] = str(new_id)
                        st.rerun()


def project_page(project: dict) -> None:
    st.page_link(
        "app_pages/projects.py", label=t("projects.all"), icon=":material/arrow_back:", query_params=link_params()
    )
    st.title(md(project["title"]))
    st.markdown(
        " ".join(f":blue-badge[{t(f'theme.{c}')}]" for c in project["themes"])
        + f" &nbsp; {t('project_status.' + project['status'])}"
        + (f" · {project['start_date']} → {project['end_date']}" if project["start_date"] else "")
    )
    if project["description"]:
        st.markdown(message_markdown(project["description"]))
    members = project["members"]
    active = members.filter(pl.col("state") == "member")
    networks = sorted({countries.get(n, n) for n in active["network"]})
    st.caption(
        t(
            "projects.summary",
            schools=t("count.schools", count=active.height),
            networks=t("count.networks", count=len(networks)),
            names=", ".join(networks) or "—",
        )
    )
    if active.height:
        map_charts.schools_map(active, key="project_map", height=380)
        linked_table(
            active.with_columns(
                pl.col("network").replace_strict(countries, default=pl.col("network")).alias("country")
            ),
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
    if actor.role in ("coordinator", "admin"):
        join_form(project, members)
    st.subheader(t("projects.updates"))
    if (
        project["channel_id"]
        and actor.role in ("coordinator", "admin")
        and board.can_read(db, actor, project["channel_id"])
    ):
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
    else:
        st.caption(t("projects.updates_members"))


def join_form(project: dict, members: pl.DataFrame) -> None:
    pending = members.filter(pl.col("state") == "requested")
    if pending.height and (actor.role == "admin" or actor.username == project["owner"]):
        st.subheader(t("projects.requests"))
        for row in pending.iter_rows(named=True):
            a, b, c = st.columns([3, 1, 1], vertical_alignment="center")
            a.markdown(f"{md(row['name'])} · {md(countries.get(row['network'], row['network']))}")
            if b.button(t("projects.accept"), key=f"accept_{row['id']}"):
                projects.decide(db, actor, project["id"], row["id"], accept=True)
                st.rerun()
            if c.button(t("projects.decline"), key=f"decline_{row['id']}"):
                projects.decide(db, actor, project["id"], row["id"], accept=False)
                st.rerun()
    if actor.role == "coordinator" and project["status"] != "closed":
        mine = data.institutions_page(Selection().with_values("country", [actor.network]), 1, lang)
        taken = set(members["id"].to_list())
        options = [i for i in mine["id"].to_list() if i not in taken]
        names = dict(zip(mine["id"], mine["name"]))
        with st.form("project_join"):
            school = st.selectbox(
                t("projects.add_school"),
                options,
                format_func=names.get,
                index=None,
                placeholder=t("projects.pick_school"),
            )
            if st.form_submit_button(t("projects.add")) and school is not None:
                try:
                    state = projects.add_institution(db, actor, project["id"], school)
                    st.toast(t(f"projects.added_{state}"))
                except PermissionDenied:
                    st.toast(t("manage.not_allowed"))
                st.rerun()


if raw_id:
    try:
        project = projects.get_project(db, int(raw_id)) if raw_id.isdigit() else None
    except (NotFound, ValueError):
        project = None
    if project is None:
        st.title(t("projects.not_found_title"))
        st.error(t("projects.not_found", id=md(raw_id[:20])))
        st.page_link("app_pages/projects.py", label=t("projects.all"), icon=":material/arrow_back:")
    else:
        project_page(project)
else:
    project_list()
