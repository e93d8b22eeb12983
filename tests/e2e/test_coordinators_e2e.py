"""Login in a real browser: the cookie, a reload, logout, and a copied cookie refused afterwards."""

import pytest

from aspnet_data import demo

from .conftest import CHROMIUM_ARGS, screenshot  # noqa: F401

pytestmark = pytest.mark.e2e
COOKIE = "aspnet_atlas_session"


def settle(page):
    """Wait until Streamlit has finished the reruns that follow a page load (the cookie
    component reports back once), so typing is not lost to a rerun."""
    page.wait_for_timeout(1500)
    page.wait_for_function("() => !document.querySelector(\"[data-testid='stStatusWidget']\")", timeout=30_000)


def log_in(page, server, username, password):
    page.goto(server + "/")
    page.get_by_text("Coordinator login").wait_for(timeout=30_000)
    settle(page)
    page.get_by_text("Coordinator login").click()
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").wait_for(timeout=30_000)


def test_login_cookie_reload_logout_and_a_copied_cookie(server, browser, db):
    username = db.scalar("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1")
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    assert page.get_by_role("link", name="My network").is_visible()
    page.wait_for_timeout(1500)   # the cookie component writes the cookie after the rerun
    cookies = [c for c in context.cookies() if c["name"] == COOKIE]
    assert cookies, context.cookies()
    page.reload()
    page.get_by_text("Signed in as").wait_for(timeout=30_000)
    screenshot(page, "signed-in")

    page.get_by_role("button", name="Log out").click()
    page.get_by_text("Coordinator login").wait_for(timeout=30_000)
    assert not page.get_by_text("Signed in as").is_visible()

    # Someone who copied the cookie before logout cannot use it.
    thief = browser.new_context()
    thief.add_cookies(cookies)
    other = thief.new_page()
    other.goto(server + "/")
    other.get_by_text("Coordinator login").wait_for(timeout=30_000)
    other.wait_for_timeout(1500)
    assert not other.get_by_text("Signed in as").is_visible()
    assert not other.get_by_role("link", name="My network").is_visible()
    thief.close()
    context.close()


def test_wrong_password_is_refused_with_a_message(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_text("Coordinator login").wait_for(timeout=30_000)
    settle(page)
    page.get_by_text("Coordinator login").click()
    page.get_by_role("textbox", name="User name").fill("nobody.here")
    page.get_by_role("textbox", name="Password").fill("wrong-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong user name or password.").wait_for(timeout=30_000)
    context.close()
