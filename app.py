"""ASPnet Atlas: the router. Pages live in app_pages/, shared glue in ui/, rules in aspnet_data/."""

import time

import streamlit as st

from aspnet_data.errors import DatabaseUnavailable
from aspnet_data.permissions import PAGES, pages_for
from aspnet_data.vocab import LANGUAGES
from ui.auth import authenticator, current_user, just_signed_in, sign_in, sign_out
from ui.coordinators import land_after_login, start_landing
from ui.data import daily_jobs, unread_summary
from ui.i18n import LANGUAGE_NAMES, current_language, t
from ui.safe import md

st.set_page_config(page_title="ASPnet Atlas", page_icon="🌍", layout="wide")

# The language lives in the session and in the URL (?lang=fr), so a copied link keeps it.
requested = st.query_params.get("lang")
if "lang" not in st.session_state:
    st.session_state["lang"] = requested if requested in LANGUAGES else "en"
    if requested is not None and requested not in LANGUAGES:
        st.toast(t("common.unknown_language", value=md(requested[:20])))


def _language_changed() -> None:
    st.session_state["lang"] = st.session_state["lang_picker"]


st.sidebar.selectbox(
    ":material/language: " + t("nav.language"),
    LANGUAGES,
    index=LANGUAGES.index(current_language()),
    format_func=LANGUAGE_NAMES.get,
    key="lang_picker",
    on_change=_language_changed,
)
# Written only when it differs: every write to the URL adds a browser history entry.
if current_language() == "en":
    if "lang" in st.query_params:
        del st.query_params["lang"]
elif st.query_params.get("lang") != current_language():
    st.query_params["lang"] = current_language()


def _app() -> None:
    try:
        auth = authenticator()
        user = sign_in(auth)
        unavailable = False
    except DatabaseUnavailable:
        # The menu this visitor had, so the page (and its URL) stays where it is while the
        # message shows and after the data is back.
        auth, user, unavailable = None, current_user(), True
    # Where a login from a public page lands: what waits for the user (To do), or their school.
    landing = next((p for p in ("todo", "my_school") if user and p in pages_for(user.role)), None)
    login_run = bool(landing) and just_signed_in()
    if login_run:
        start_landing()
    if not unavailable:
        daily_jobs()
    if user and not unavailable:
        st.sidebar.caption(t("auth.signed_in", name=md(user.display_name), role=t(f"role.{user.role}")))
        st.sidebar.button(t("auth.logout"), on_click=sign_out, args=(auth,), icon=":material/logout:", key="sign_out")
        if user.must_change_password:
            st.sidebar.warning(t("auth.must_change"))
        # Unread messages are counted for those whose menu has the board.
        if "board" in pages_for(user.role):
            unread, mentions = unread_summary(user.actor)
            if unread:
                st.sidebar.caption(t("board.unread_sidebar", count=unread) + (f" · @ {mentions}" if mentions else ""))

    pages = {
        t("nav.explore"): [
            st.Page("app_pages/home.py", title=t("nav.home"), icon=":material/public:", url_path="", default=True),
            st.Page("app_pages/map.py", title=t("nav.map"), icon=":material/map:", url_path="map"),
            st.Page("app_pages/directory.py", title=t("nav.directory"), icon=":material/list:", url_path="directory"),
            st.Page("app_pages/networks.py", title=t("nav.networks"), icon=":material/flag:", url_path="networks"),
            st.Page(
                "app_pages/projects.py", title=t("nav.projects"), icon=":material/diversity_3:", url_path="projects"
            ),
            st.Page(
                "app_pages/open_data.py", title=t("nav.open_data"), icon=":material/dataset:", url_path="open-data"
            ),
            # Profiles open from links (they need ?code= or ?id=), so they stay out of the menu.
            st.Page(
                "app_pages/network.py",
                title=t("nav.network"),
                icon=":material/hub:",
                url_path="network",
                visibility="hidden",
            ),
            st.Page(
                "app_pages/institution.py",
                title=t("nav.institution"),
                icon=":material/school:",
                url_path="institution",
                visibility="hidden",
            ),
            st.Page(
                "app_pages/welcome.py",
                title=t("nav.welcome"),
                icon=":material/key:",
                url_path="welcome",
                visibility="hidden",
            ),
            st.Page(
                "app_pages/certificate.py",
                title=t("nav.certificate"),
                icon=":material/verified:",
                url_path="certificate",
                visibility="hidden",
            ),
            # From the link at the foot of every e-mail of mentions (?token=): no sign-in needed.
            st.Page(
                "app_pages/unsubscribe.py",
                title=t("nav.unsubscribe"),
                icon=":material/unsubscribe:",
                url_path="unsubscribe",
                visibility="hidden",
            ),
        ],
        t("nav.join"): [
            st.Page("app_pages/apply.py", title=t("nav.apply"), icon=":material/how_to_reg:", url_path="apply"),
            st.Page(
                "app_pages/status.py",
                title=t("nav.status"),
                icon=":material/track_changes:",
                url_path="application-status",
            ),
        ],
        t("nav.analyse"): [
            st.Page(
                "app_pages/dashboard.py", title=t("nav.dashboard"), icon=":material/analytics:", url_path="dashboard"
            ),
            st.Page("app_pages/brief.py", title=t("nav.brief"), icon=":material/description:", url_path="brief"),
        ],
    }
    # Which role sees which private page is aspnet_data.permissions.PAGES (derived from the
    # permission matrix); here only how each page looks in the menu.
    ICONS = {
        "my_school": ":material/school:",
        "todo": ":material/task_alt:",
        "board": ":material/forum:",
        "review": ":material/fact_check:",
        "membership": ":material/workspace_premium:",
        "focal_points": ":material/badge:",
        "reports": ":material/assignment:",
        "manage": ":material/edit_note:",
        "quality": ":material/checklist:",
        "bulk": ":material/upload_file:",
        "account": ":material/person:",
        "users": ":material/group:",
    }

    def _restricted(path: str) -> st.Page:
        """A link to a page this visitor may not open says why, instead of "page not found"."""

        def page() -> None:
            st.title(t(f"nav.{path}"))
            if user:
                st.warning(t("auth.no_access"), icon=":material/lock:")
            else:
                st.info(t("auth.sign_in_needed"), icon=":material/login:")

        page.__name__ = f"restricted_{path}"
        return st.Page(page, title=t(f"nav.{path}"), url_path=path, visibility="hidden")

    mine = pages_for(user.role if user else None)
    private = {
        path: st.Page(f"app_pages/{path}.py", title=t(f"nav.{path}"), icon=ICONS[path], url_path=path) for path in mine
    }
    if private:
        # Analysts' pages are no coordinators' pages: their section says so.
        pages[t("nav.coordinators") if "todo" in private else t("nav.my_work")] = list(private.values())
    pages[t("nav.explore")] += [_restricted(path) for path in PAGES if path not in private]
    # Every page listed: the coordinators' section would otherwise fold behind "View more".
    nav = st.navigation(pages, expanded=True)
    if unavailable:
        raise DatabaseUnavailable("the sign-in check could not read the database")
    # A login from a public page (or the side panel's box) opens To do (a focal point's: My
    # school); a private page followed by link before logging in stays open.
    if landing in private:
        land_after_login(nav.url_path, private[landing], private_paths=set(PAGES), login_run=login_run)
    nav.run()


try:
    _app()
except DatabaseUnavailable:
    # PostgreSQL restarting or out of reach: say so in the visitor's language (nothing was
    # written: a write is one transaction), then try again until it answers.
    st.error(t("common.data_unavailable"), icon=":material/cloud_off:")
    time.sleep(3)
    st.rerun()
