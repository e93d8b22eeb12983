"""The board in two browsers: B sees A's message appear without reloading, and hostile
messages render as plain text."""

import pytest

from aspnet_data import demo

from .conftest import screenshot, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e
PAYLOADS = [
    "<script>alert('xss1')</script>",
    "<img src=x onerror=alert('xss2')>",
    "[click me](javascript:alert('xss3'))",
    "[data](data:text/html,<script>alert('xss4')</script>)",
    "<a href=\"javascript:alert('xss5')\">link</a>",
]


def open_as(browser, server, username, link):
    """A signed-in coordinator on the page behind ``link``; every dialog that fires is recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    page.get_by_role("link", name=link).click()
    page.get_by_role("heading", name=link).wait_for(timeout=30_000)
    settle(page)
    return context, page, dialogs


def assert_inert(page):
    """No javascript: or data: link and no injected image in the page's main area."""
    main = page.locator("[data-testid='stMain']")
    hrefs = [h or "" for h in main.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")]
    assert not [h for h in hrefs if h.lower().startswith(("javascript:", "data:"))]
    assert main.locator("img[src='x']").count() == 0


def test_a_message_appears_for_another_coordinator_without_reload(server, browser, db):
    a_user, b_user = [r[0] for r in db.rows("SELECT username FROM users WHERE role = 'coordinator' "
                                            "ORDER BY username LIMIT 2")]
    a_context, a, a_dialogs = open_as(browser, server, a_user, "Message board")
    b_context, b, b_dialogs = open_as(browser, server, b_user, "Message board")
    text = "Greetings from the e2e test, see https://school.example/garden"
    a.get_by_role("textbox", name="Start a thread").fill(text)
    a.get_by_role("button", name="Post").first.click()
    b.get_by_text("Greetings from the e2e test").first.wait_for(timeout=10_000)   # no reload in B
    assert b.get_by_role("link", name="https://school.example/garden").first.get_attribute("href") == \
        "https://school.example/garden"

    for payload in PAYLOADS:
        a.get_by_role("textbox", name="Start a thread").fill(payload)
        a.get_by_role("button", name="Post").first.click()
        settle(a, 800)
    b.get_by_text("alert('xss5')").first.wait_for(timeout=15_000)
    settle(b, 2000)
    for page in (a, b):
        assert_inert(page)
        assert page.locator("[data-testid='stMain']").get_by_text("<script>alert('xss1')</script>").count() >= 1   # shown as text
    screenshot(b, "board-xss")
    assert a_dialogs == [] and b_dialogs == []
    a_context.close()
    b_context.close()


def test_a_hostile_project_description_renders_as_text(server, browser, db):
    username = db.scalar("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username DESC LIMIT 1")
    context, page, dialogs = open_as(browser, server, username, "Project spaces")
    page.locator("[data-testid='stExpander'] summary", has_text="Create a project").click()
    settle(page, 500)
    page.get_by_role("textbox", name="Project").fill("XSS <img src=x onerror=alert('t')>")
    page.get_by_role("textbox", name="Description").fill(" ".join(PAYLOADS))
    page.get_by_role("combobox", name="Priority theme").last.click()
    page.wait_for_timeout(500)
    page.get_by_role("option", name="Global Citizenship Education").click()
    page.keyboard.press("Escape")
    page.get_by_role("button", name="Create a project").last.click()
    page.get_by_text("alert('xss5')").first.wait_for(timeout=30_000)
    settle(page)
    assert_inert(page)
    assert dialogs == []
    screenshot(page, "project-xss")
    context.close()
