"""The daily work of National Coordinators, UNESCO admins and analysts, walked in Chromium:
To do after login and its links, an institution edited and saved with the change in the history,
a user created, found, seen after its first login and locked after five wrong passwords, the
analyst's menu and read-only data quality; screenshots at 1400 and 390 px in three languages."""

import re

import pytest

from aspnet_data import demo

from .conftest import screenshot, settle
from .test_coordinators_e2e import COOKIE, log_in

pytestmark = pytest.mark.e2e


def coordinator(db, offset: int) -> tuple[str, str]:
    """A coordinator no other browser test uses (their lockouts and edits stay their own)."""
    return db.rows(
        "SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET ?", [offset]
    )[0]


def signed_in(browser, server, username, password, width=1400):
    context = browser.new_context(viewport={"width": 1400, "height": 1600})
    page = context.new_page()
    log_in(page, server, username, password)  # from the side panel, open on a wide screen
    if width != 1400:
        page.set_viewport_size({"width": width, "height": 1600})
    return context, page


def open_link(page, name: str, heading: str) -> None:
    page.locator("[data-testid='stMain']").get_by_role("link", name=name).first.click()
    page.get_by_role("heading", name=heading).first.wait_for(timeout=30_000)
    settle(page)


def menu(page) -> list[str]:
    return [t.strip().split("\n")[-1] for t in page.locator("[data-testid='stSidebarNav'] a").all_inner_texts()]


def box(page, heading: str):
    """The innermost block (a bordered box) holding ``heading``."""
    return page.locator("[data-testid='stVerticalBlock']").filter(has=page.get_by_role("heading", name=heading)).last


def main_text(page) -> str:
    return page.locator("[data-testid='stMain']").inner_text()


def test_a_coordinator_lands_on_to_do_and_follows_its_links(server, browser, db):
    username, network = coordinator(db, 10)
    country = db.scalar("SELECT name_en FROM countries WHERE iso3 = ?", [network])
    context, page = signed_in(browser, server, username, demo.DEMO_PASSWORDS["coordinator"])
    assert page.url.split("?")[0].endswith("/todo")
    text = main_text(page)
    assert f"What waits for you in the national network of {country}" in text
    for section in ("Applications", "Data quality", "Message board", "Latest changes"):
        assert page.get_by_role("heading", name=section).first.is_visible(), section
    assert menu(page)[-10:] == [
        "To do",
        "Message board",
        "Applications",
        "Membership",
        "Focal points",
        "Annual reports",
        "My network",
        "Data quality",
        "Bulk update",
        "My account",
    ]
    screenshot(page, "todo-coordinator-1400")

    open_link(page, "Open the review queue", "Applications to review")
    assert page.url.split("?")[0].endswith("/review")
    page.get_by_role("link", name="To do", exact=True).click()
    page.get_by_role("heading", name="To do").wait_for(timeout=30_000)
    settle(page)
    open_link(page, "Open the data-quality lists", f"{country}: data-quality to-do list")
    assert page.url.split("?")[0].endswith("/quality")
    page.go_back()
    page.get_by_role("heading", name="To do").wait_for(timeout=30_000)
    settle(page)
    open_link(page, "Read the messages", "Message board")
    assert page.url.split("?")[0].endswith("/board")
    context.close()


def test_a_coordinator_edits_an_institution_sees_it_saved_and_in_the_history(server, browser, db):
    username, network = coordinator(db, 11)
    school, name, pupils = db.rows(
        "SELECT id, name, pupils FROM institutions WHERE network = ? AND status = 'member' ORDER BY id LIMIT 1",
        [network],
    )[0]
    context, page = signed_in(browser, server, username, demo.DEMO_PASSWORDS["coordinator"])
    page.goto(f"{server}/manage?edit={school}")
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("textbox", name="Pupils"))
    form.wait_for(timeout=30_000)
    settle(page)
    form.get_by_role("textbox", name="Pupils").fill("-5")
    form.get_by_role("button", name="Save").click()
    page.get_by_text("Must be a number from 0 to 100000.").wait_for(timeout=30_000)
    settle(page)
    form.get_by_role("textbox", name="Pupils").fill("1250")
    form.get_by_role("textbox", name="Languages of instruction").fill("English; French")
    form.get_by_role("textbox", name="Website").fill("www.school-e2e.example")
    form.get_by_role("button", name="Save").click()
    saved = page.get_by_text(re.compile(r"^Saved\. Changed: "))
    saved.wait_for(timeout=30_000)
    assert saved.inner_text() == "Saved. Changed: Languages of instruction, Pupils, Website."
    # Under the form, not only in a passing toast.
    form_box, saved_box = form.bounding_box(), saved.bounding_box()
    assert saved_box["y"] > form_box["y"] + form_box["height"] - 5
    screenshot(page, "manage-saved-1400")

    page.get_by_role("link", name="To do", exact=True).click()
    page.get_by_role("heading", name="Latest changes").wait_for(timeout=30_000)
    settle(page)
    changes = box(page, "Latest changes")
    text = changes.inner_text()
    assert name in text and "Edited" in text
    assert f"Pupils: {pupils if pupils is not None else '—'} → 1,250" in text.replace(" ", " ")
    assert "Languages of instruction: " in text and "English, French" in text
    assert "by " + db.scalar("SELECT display_name FROM users WHERE username = ?", [username]) in text
    assert "institutions" not in text and '["en"' not in text
    page.get_by_role("link", name="See the whole history").click()
    page.get_by_role("tab", name="History", selected=True).wait_for(timeout=30_000)
    settle(page)
    screenshot(page, "manage-history-1400")
    context.close()


def test_an_admin_creates_a_user_finds_it_and_sees_its_last_login_and_lock(server, browser, db):
    context, page = signed_in(browser, server, "admin", demo.DEMO_PASSWORDS["admin"])
    assert page.url.split("?")[0].endswith("/todo")
    assert "Users" in menu(page)
    page.get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("heading", name="Create a user").wait_for(timeout=30_000)
    settle(page)
    create = page.get_by_test_id("stForm")
    assert create.get_by_role("combobox", name="Role").input_value() == "Analyst"  # the least powerful role
    create.get_by_role("textbox", name="User name").fill("e2e.newcomer")
    create.get_by_role("textbox", name="Name", exact=True).fill("Newcomer Analyst")
    create.get_by_role("textbox", name="Email").fill("newcomer@unesco.example")
    create.get_by_role("button", name="Create a user").click()
    page.get_by_text("Account e2e.newcomer created (Analyst).").wait_for(timeout=30_000)
    password = page.get_by_test_id("stCode").inner_text().strip()
    assert len(password) == 14

    # The new user logs in once with the one-time password.
    other, their_page = signed_in(browser, server, "e2e.newcomer", password)
    assert their_page.get_by_text("Your password was reset").first.is_visible()
    other.close()

    page.get_by_role("textbox", name="Find a user").fill("newcomer@unesco")
    page.get_by_role("textbox", name="Find a user").press("Enter")
    page.get_by_text("1 account", exact=True).wait_for(timeout=30_000)
    settle(page)
    manage = box(page, "Manage a user")
    assert "Newcomer Analyst (e2e.newcomer)" in manage.inner_text()
    assert re.search(r"Last login: \d{4}-\d\d-\d\d \d\d:\d\d UTC", manage.inner_text())
    assert "New password needed" in manage.inner_text() and "Locked" not in manage.inner_text()

    # Five wrong passwords lock the account; the admin sees it at a glance.
    intruder = browser.new_context()
    attempt = intruder.new_page()
    attempt.goto(server + "/")
    attempt.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).wait_for(timeout=30_000)
    settle(attempt)
    attempt.get_by_text("Log in (coordinators, UNESCO, schools)", exact=True).click()
    for k in range(5):
        attempt.get_by_role("textbox", name="User name").fill("e2e.newcomer")
        attempt.get_by_role("textbox", name="Password").fill(f"wrong-password-{k}")
        attempt.get_by_role("button", name="Log in").click()
        settle(attempt, 800)
    attempt.get_by_text("Too many failed attempts").wait_for(timeout=30_000)
    intruder.close()

    page.reload()
    page.get_by_role("heading", name="Manage a user").wait_for(timeout=30_000)
    settle(page)
    page.get_by_role("textbox", name="Find a user").fill("e2e.newcomer")
    page.get_by_role("textbox", name="Find a user").press("Enter")
    page.get_by_text("1 account", exact=True).wait_for(timeout=30_000)
    settle(page)
    text = manage.inner_text()
    assert "Locked" in text and re.search(r"until \d\d:\d\d UTC", text), text
    screenshot(page, "users-locked-1400")
    page.get_by_role("button", name="Unlock now").click()
    page.get_by_text("e2e.newcomer is unlocked and can log in again.").wait_for(timeout=30_000)
    context.close()


def test_an_analysts_menu_holds_only_what_they_use_and_data_quality_is_read_only(server, browser, db):
    context, page = signed_in(browser, server, "analyst", demo.DEMO_PASSWORDS["analyst"])
    items = menu(page)
    assert "Data quality" in items and "My account" in items
    for refused in ("To do", "Message board", "Applications", "My network", "Bulk update", "Users"):
        assert refused not in items, refused
    page.get_by_role("link", name="Data quality").click()
    page.get_by_text("What the network's records lack, for reading").wait_for(timeout=30_000)
    settle(page)
    assert page.get_by_role("combobox", name="National network").is_visible()
    assert not page.locator("[data-testid='stMain'] form").count()
    assert "Fix" not in main_text(page)
    screenshot(page, "quality-analyst-1400")
    page.goto(server + "/manage")
    page.get_by_text("Your account does not give access to this page.").wait_for(timeout=30_000)
    context.close()


@pytest.mark.screenshots
@pytest.mark.parametrize("width", [1400, 390])
def test_screenshots_of_the_coordinators_pages_in_french_and_spanish(server, browser, db, width):
    username, network = coordinator(db, 12)
    context, page = signed_in(browser, server, username, demo.DEMO_PASSWORDS["coordinator"], width=width)
    assert any(c["name"] == COOKIE for c in context.cookies())
    for path, lang, heading in (
        ("todo", "es", "Pendientes"),
        ("manage", "fr", "gérer le réseau"),
        ("quality", "es", "calidad de los datos"),
        (f"network?code={network}", "fr", None),
    ):
        page.goto(f"{server}/{path}{'&' if '?' in path else '?'}lang={lang}")
        if heading:
            page.get_by_role("heading", name=re.compile(heading)).first.wait_for(timeout=30_000)
        settle(page, 2500)
        screenshot(page, f"coordinator-{path.split('?')[0]}-{lang}-{width}")
    context.close()
    context, page = signed_in(browser, server, "admin", demo.DEMO_PASSWORDS["admin"], width=width)
    for path, lang in (("todo", "fr"), ("users", "es")):
        page.goto(f"{server}/{path}?lang={lang}")
        page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=30_000)
        settle(page, 2500)
        screenshot(page, f"admin-{path}-{lang}-{width}")
    context.close()
