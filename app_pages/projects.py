"""Project spaces: a filterable list, a page per project (?id=), creation and joining."""

import polars as pl
import streamlit as st

from aspnet_data import projects
from aspnet_data.errors import NotFound
from aspnet_data.vocab import PROJECT_STATUSES, THEMES
from ui import data, project_spaces
from ui.auth import current_actor
from ui.i18n import link_params, t
from ui.safe import md, message_markdown

actor = current_actor()
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
    project_spaces.listing(status, theme)
    if actor.role in ("coordinator", "admin"):
        with st.expander(t("projects.create"), icon=":material/add:"):
            project_spaces.create_form()


def project_page(project: dict) -> None:
    st.page_link(
        "app_pages/projects.py", label=t("projects.all"), icon=":material/arrow_back:", query_params=link_params()
    )
    st.title(md(project["title"]))
    project_spaces.heading_line(project)
    if project["description"]:
        st.markdown(message_markdown(project["description"]))
    members = project["members"]
    project_spaces.schools(members.filter(pl.col("state") == "member"))
    if actor.role in ("coordinator", "admin"):
        project_spaces.requests(project, members)
    if actor.role in ("coordinator", "focal_point") and project["status"] != "closed":
        project_spaces.add_school_form(project, members)
    project_spaces.materials(project)
    st.subheader(t("projects.updates"))
    project_spaces.updates(project)


if raw_id:
    try:
        project = projects.get_project(data.db(), int(raw_id)) if raw_id.isdigit() else None
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
