"""Login in a real browser: the cookie, a reload, logout, and a copied cookie refused afterwards."""

import pytest

from aspnet_data import demo

from .conftest import download, screenshot, settle

pytestmark = pytest.mark.e2e
COOKIE = "aspnet_atlas_session"


def log_in(page, server, username, password):
    page.goto(server + "/")
    page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).wait_for(timeout=30_000)
    settle(page)
    name = page.get_by_role("textbox", name="User name")
    # The box opens by itself after a refused cookie (it then says why): clicked only if closed.
    if not name.is_visible():
        page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).click()
    name.fill(username)
    page.get_by_role("textbox", name="Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
    # The cookie component writes the cookie shortly after the rerun that signed in.
    for _ in range(50):
        if any(c["name"] == COOKIE for c in page.context.cookies()):
            break
        page.wait_for_timeout(200)
    settle(page)  # the menu is drawn after the sidebar's "Signed in as"
    # Coordinators and admins who log in from a public page are taken to To do.
    if page.get_by_role("link", name="To do").count():
        page.get_by_role("heading", name="To do").wait_for(timeout=30_000)
        settle(page)


def log_out(page):
    """Log out, and wait until the browser has dropped the cookie (the component deletes it
    a moment after the run)."""
    page.get_by_role("button", name="Log out").click()
    for _ in range(50):
        if not any(c["name"] == COOKIE for c in page.context.cookies()):
            break
        page.wait_for_timeout(200)
    settle(page)


def test_login_cookie_reload_logout_and_a_copied_cookie(server, browser, db):
    username = db.scalar("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1")
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    assert page.get_by_role("link", name="My network").is_visible()
    cookies = [c for c in context.cookies() if c["name"] == COOKIE]
    assert cookies, context.cookies()
    page.reload()
    page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
    settle(page)
    # Signed in again by the cookie: no login box beside "Signed in as".
    assert not page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).is_visible()
    screenshot(page, "signed-in")

    page.get_by_role("button", name="Log out").click()
    page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).wait_for(timeout=30_000)
    settle(page)
    assert not page.get_by_text("Signed in as").is_visible()

    # Someone who copied the cookie before logout cannot use it.
    thief = browser.new_context()
    thief.add_cookies(cookies)
    other = thief.new_page()
    other.goto(server + "/")
    other.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).wait_for(timeout=30_000)
    settle(other)
    assert not other.get_by_text("Signed in as").is_visible()
    assert not other.get_by_role("link", name="My network").is_visible()
    thief.close()
    context.close()


def test_a_page_opened_before_the_logout_reached_the_browser_lets_the_next_person_in(server, browser):
    """The logout's cookie is deleted by the browser a moment after the run; a page loaded in
    between still sends it. That cookie is refused (its session is revoked), the login box is
    open and says why, and whoever uses the computer next signs in with their own account."""
    context = browser.new_context(viewport={"width": 1400, "height": 1400})
    page = context.new_page()
    log_in(page, server, "coord.fra", demo.DEMO_PASSWORDS["coordinator"])
    cookies = [c for c in context.cookies() if c["name"] == COOKIE]
    log_out(page)
    context.add_cookies(cookies)  # as if the deletion had not reached the browser yet
    page.goto(server + "/")
    page.get_by_text("Your session has ended").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("textbox", name="User name").is_visible()  # no click needed
    page.get_by_role("textbox", name="User name").fill("admin")
    page.get_by_role("textbox", name="Password").fill(demo.DEMO_PASSWORDS["admin"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as UNESCO ASPnet Secretariat (UNESCO").first.wait_for(timeout=30_000)
    page.get_by_role("heading", name="To do").wait_for(timeout=30_000)
    assert not page.get_by_text("Fatou Diallo").count()
    context.close()


def test_wrong_password_is_refused_with_a_message(server, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(server + "/")
    page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).wait_for(timeout=30_000)
    settle(page)
    page.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).click()
    page.get_by_role("textbox", name="User name").fill("nobody.here")
    page.get_by_role("textbox", name="Password").fill("wrong-password-1")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong user name or password.").wait_for(timeout=30_000)
    context.close()


def test_a_file_upload_is_validated_previewed_and_applied(server, browser, db, tmp_path):
    username, network = db.rows(
        "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET 1"
    )[0]
    context = browser.new_context(viewport={"width": 1400, "height": 1600}, accept_downloads=True)
    page = context.new_page()
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    page.goto(server + "/bulk")
    page.get_by_text("1. Download the current list").wait_for(timeout=30_000)
    settle(page)
    info = download(page, page.get_by_role("button", name="CSV", exact=True))
    lines = open(info.path(), encoding="utf-8-sig").read().splitlines()
    header = lines[0].split(",")
    pupils = header.index("Pupils")

    # A bad email first: reported by row and field, nothing can be applied.
    bad = tmp_path / "bad.csv"
    row = lines[1].split(",")
    email = header.index("Email")
    row[email] = "not-an-email"
    bad.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(bad))
    page.get_by_text("problem must be fixed in the file").wait_for(timeout=30_000)
    problems = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text("Problems", exact=True))
    assert problems.inner_text().strip().endswith("1")
    report = download(page, page.get_by_role("button", name="Download the validation report"))
    text = open(report.path(), encoding="utf-8-sig").read()
    assert text.splitlines()[1].startswith("2,") and ",email," in text  # file row 2 (the header is row 1), its field
    assert not page.get_by_role("button", name="Apply all changes").is_visible()
    screenshot(page, "bulk-errors")

    # Then a good edit: previewed, applied with one click, and the same file again changes nothing.
    good = tmp_path / "good.csv"
    row = lines[1].split(",")
    row[pupils] = "4321"
    good.write_text("\n".join([lines[0], ",".join(row)]) + "\n", encoding="utf-8")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(good))
    page.get_by_role("button", name="Apply all changes").wait_for(timeout=30_000)
    metric = page.locator("[data-testid='stMetric']").filter(has=page.get_by_text("To change", exact=True))
    assert metric.inner_text().strip().endswith("1")
    page.get_by_role("button", name="Apply all changes").click()
    page.get_by_text("Applied: 0 added, 1 changed, 0 withdrawn.").wait_for(timeout=30_000)
    page.get_by_text("The file matches the stored data: nothing to apply.").wait_for(timeout=30_000)
    screenshot(page, "bulk-applied")
    context.close()


def test_a_private_link_asks_to_log_in_and_opens_after_login(server, browser, db):
    """A coordinator follows a link to the applications queue before logging in."""
    username = db.scalar("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1")
    context = browser.new_context(viewport={"width": 1400, "height": 1200})
    page = context.new_page()
    page.goto(server + "/review")
    page.get_by_text("This page is for National Coordinators, UNESCO staff and school focal points").wait_for(
        timeout=30_000
    )
    assert page.get_by_role("heading", name="Applications").is_visible()
    assert page.url.endswith("/review")
    settle(page)
    page.get_by_test_id("stExpander").get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).click()
    page.get_by_role("textbox", name="User name").fill(username)
    page.get_by_role("textbox", name="Password").fill(demo.DEMO_PASSWORDS["coordinator"])
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Signed in as").first.wait_for(timeout=30_000)
    settle(page)
    assert page.url.endswith("/review")
    assert page.get_by_text("This page is for National Coordinators").count() == 0
    assert page.get_by_role("link", name="Applications").is_visible()  # now in the side panel's menu
    context.close()
