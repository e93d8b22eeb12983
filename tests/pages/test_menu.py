"""The menu per role: every private page a role has in its menu opens for it without an error
or a refusal, and no page that would refuse it is in its menu (aspnet_data.permissions.PAGES)."""

import pytest

from aspnet_data.permissions import PAGES, pages_for

from .conftest import run_app

USERS = {"analyst": "analyst", "coordinator": None, "admin": "admin"}
REFUSALS = ("You may not", "Log in first", "does not give access")


@pytest.fixture()
def open_page(scratch_copy, monkeypatch):
    monkeypatch.setenv("ASPNET_DB", str(scratch_copy))
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")
    from aspnet_data.db import open_database

    with open_database(scratch_copy) as db:
        coordinator = db.scalar("SELECT min(username) FROM users WHERE role = 'coordinator'")

    def run(role: str, path: str):
        return run_app(scratch_copy, f"app_pages/{path}.py", username=USERS[role] or coordinator)

    return run


@pytest.mark.parametrize("path", list(PAGES))
@pytest.mark.parametrize("role", list(USERS))
def test_each_page_of_a_roles_menu_opens_and_no_other_private_page_is_in_it(open_page, role, path):
    if path not in pages_for(role):
        with pytest.raises(ValueError, match="Could not find a navigation page"):
            open_page(role, path)
        return
    at = open_page(role, path)
    said = [m.value for m in [*at.error, *at.warning]]
    assert not any(refusal in text for refusal in REFUSALS for text in said), (role, path, said)
    assert at.title and at.title[0].value


def test_the_menus_hold_what_each_role_uses():
    assert pages_for("analyst") == ["quality", "account"]
    assert pages_for("coordinator") == ["todo", "board", "review", "manage", "quality", "bulk", "account"]
    assert pages_for("admin") == [*pages_for("coordinator"), "users"]
