"""The menu per role (anonymous, analyst, coordinator, a school's focal point, admin), as the router builds it from the
permission matrix (aspnet_data.permissions.PAGES): every page a role has in its menu opens for
it without an error or a refusal; every private page it has not is refused, by name and by URL."""

import json

import pytest

from aspnet_data.permissions import PAGES, pages_for

from ..conftest import ROOT, copy_of, use_database
from .conftest import run_app

# The roles and pages through the permission matrix: the same calls on either engine, whose
# PostgreSQL run the data-layer suite (tests/unit/test_access_matrix.py) makes.

USERS = {"anonymous": None, "analyst": "analyst", "coordinator": None, "focal_point": None, "admin": "admin"}
CATALOG = json.loads((ROOT / "ui" / "locales" / "en.json").read_text(encoding="utf-8"))
REFUSALS = [CATALOG[key] for key in ("auth.no_access", "auth.sign_in_needed", "auth.required", "manage.not_allowed")]
# The public menu (url path -> page script), the same for everyone.
PUBLIC = {
    "": "home",
    "map": "map",
    "directory": "directory",
    "networks": "networks",
    "projects": "projects",
    "open-data": "open_data",
    "apply": "apply",
    "application-status": "status",
    "dashboard": "dashboard",
    "brief": "brief",
}
# Profiles open from links (they need ?code=, ?id= or ?number=), as do an invitation's page
# (?invitation=) and a mail's unsubscribe page (?token=): registered, not in the menu.
PROFILES = {
    "network": "network",
    "institution": "institution",
    "certificate": "certificate",
    "welcome": "welcome",
    "unsubscribe": "unsubscribe",
}


def menu(role: str) -> dict[str, str]:
    """url path -> script of the pages in ``role``'s menu."""
    return {**PUBLIC, **{path: path for path in pages_for(None if role == "anonymous" else role)}}


@pytest.fixture(scope="module")
def menu_copy(demo_path, tmp_path_factory):
    """One writable copy of the test network for the module (opening a page writes at most a
    session or a visit), and the coordinator and focal point who open pages in it."""
    from aspnet_data.db import open_database

    path = copy_of(demo_path, tmp_path_factory.mktemp("menu"))
    with open_database(path) as db:
        coordinator = db.scalar("SELECT min(username) FROM users WHERE role = 'coordinator'")
        focal = db.scalar("SELECT min(username) FROM users WHERE role = 'focal_point' AND NOT disabled")
    return path, {**USERS, "coordinator": coordinator, "focal_point": focal}


@pytest.fixture()
def open_page(menu_copy, monkeypatch):
    path, users = menu_copy
    use_database(monkeypatch, path)
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")

    def run(role: str, script: str | None):
        return run_app(path, script and f"app_pages/{script}.py", username=users[role])

    return run


def said(at) -> list[str]:
    return [m.value for m in [*at.error, *at.warning, *at.info]]


def open_url_path(at, path: str) -> None:
    """Open the page the router registered at ``path`` (AppTest switches pages by script file,
    and a refused page is no file: it is found among the registered pages by its URL)."""
    found = [key for key, info in at._registered_pages.items() if info.get("url_pathname") == path]
    assert len(found) == 1, (path, found)
    at._page_hash = found[0]
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.parametrize("role", list(USERS))
def test_the_router_registers_the_roles_menu_and_a_refusal_for_every_other_private_page(open_page, role):
    at = open_page(role, None)
    scripts = {
        info["url_pathname"]: info["script_path"].removeprefix(str(ROOT / "app_pages") + "/").removesuffix(".py")
        for info in at._registered_pages.values()
        if info.get("script_path")
    }
    assert scripts == {**menu(role), **PROFILES}
    refused = {info["url_pathname"] for info in at._registered_pages.values() if not info.get("script_path")}
    assert refused == set(PAGES) - set(menu(role))


@pytest.mark.parametrize(
    "role, path",
    [(role, path) for role in USERS for path in menu(role)],
    ids=lambda value: value or "home",
)
def test_each_page_of_a_roles_menu_opens_without_an_error_or_a_refusal(open_page, role, path):
    at = open_page(role, menu(role)[path])
    assert not any(refusal in text for refusal in REFUSALS for text in said(at)), (role, path, said(at))
    assert at.title and at.title[0].value


@pytest.mark.parametrize(
    "role, path", [(role, path) for role in USERS for path in PAGES if path not in menu(role)], ids=str
)
def test_a_private_page_outside_a_roles_menu_is_refused(open_page, role, path):
    at = open_page(role, None)  # the home page, where the app opens
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        at.switch_page(f"app_pages/{path}.py")
    open_url_path(at, path)
    expected = CATALOG["auth.sign_in_needed"] if role == "anonymous" else CATALOG["auth.no_access"]
    assert said(at) == [expected]
    assert at.title[0].value == CATALOG[f"nav.{path}"]


def test_the_menus_hold_what_each_role_uses():
    assert pages_for(None) == []
    assert pages_for("analyst") == ["quality", "account"]
    assert pages_for("coordinator") == [
        "todo",
        "board",
        "review",
        "membership",
        "focal_points",
        "reports",
        "manage",
        "quality",
        "bulk",
        "account",
    ]
    assert pages_for("focal_point") == ["my_school", "board", "account"]  # the board: their schools channel
    assert pages_for("admin") == [*pages_for("coordinator"), "users"]
