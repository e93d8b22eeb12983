"""The board in two browsers: B sees A's message appear without reloading, and hostile
messages render as plain text; a coordinator's walk through a channel: a new thread, a
folded thread opened and answered, the channel kept all along, at 390 px in French."""

import re

import pytest

from aspnet_data import demo
from aspnet_data.db import utc_now

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


def open_as(browser, server, username, link, role="coordinator"):
    """A signed-in coordinator (or ``role``) on the page behind ``link``; every dialog that fires is recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = context.new_page()
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    log_in(page, server, username, demo.DEMO_PASSWORDS[role])
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
    a_user, b_user = [
        r[0] for r in db.rows("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 2")
    ]
    a_context, a, a_dialogs = open_as(browser, server, a_user, "Message board")
    b_context, b, b_dialogs = open_as(browser, server, b_user, "Message board")
    text = "Greetings from the e2e test, see https://school.example/garden"
    a.get_by_role("textbox", name="Start a thread").fill(text)
    a.get_by_role("button", name="Post").first.click()
    # No reload in B: its threads refresh every 5 s (a loaded machine takes a few seconds more).
    b.get_by_text("Greetings from the e2e test").first.wait_for(timeout=20_000)
    assert (
        b.get_by_role("link", name="https://school.example/garden").first.get_attribute("href")
        == "https://school.example/garden"
    )

    for payload in PAYLOADS:
        a.get_by_role("textbox", name="Start a thread").fill(payload)
        a.get_by_role("button", name="Post").first.click()
        settle(a, 800)
    b.get_by_text("alert('xss5')").first.wait_for(timeout=15_000)
    settle(b, 2000)
    for page in (a, b):
        assert_inert(page)
        assert (
            page.locator("[data-testid='stMain']").get_by_text("<script>alert('xss1')</script>").count() >= 1
        )  # shown as text
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


def thread_labels(page) -> list[str]:
    """The fold of each thread, as read (the icon's name left out; dates keep their hyphens
    from breaking on a phone, which reads the same)."""
    return [
        t.strip().replace("\u2011", "-")
        for t in page.locator(
            "[data-testid='stMain'] [data-testid='stExpander'] summary [data-testid='stMarkdownContainer']"
        ).all_inner_texts()
    ]


def shown(label: str) -> str:
    return label.replace("-", "\u2011")


def test_a_coordinator_posts_opens_a_thread_replies_and_stays_in_the_channel(server, browser, db):
    username = db.scalar("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET 5")
    context, page, dialogs = open_as(browser, server, username, "Message board")
    page.locator("[data-testid='stRadio'] label", has_text="Heritage learning").click()  # the channel's name
    page.get_by_role("heading", name="Heritage learning").wait_for(timeout=30_000)
    settle(page)
    assert "channel=heritage-learning" in page.url

    text = "Our pupils are recording the stories of elders. Would any school like to swap recordings?"
    page.get_by_role("textbox", name="Start a thread").fill(text)
    page.get_by_role("button", name="Post", exact=True).click()
    page.get_by_text("Your thread is posted in Heritage learning. It is at the top of the list below.").wait_for()
    main = page.locator("[data-testid='stMain']")
    main.get_by_text(text).first.wait_for(timeout=15_000)
    assert page.get_by_role("textbox", name="Start a thread").input_value() == ""
    settle(page, 6000)  # through a live refresh
    assert page.get_by_role("radio", name="Heritage learning").is_checked()
    assert "channel=heritage-learning" in page.url
    assert main.get_by_text(text).first.is_visible()
    labels = thread_labels(page)
    assert labels[0] == "Reply"  # the new thread, on top, without replies yet
    screenshot(page, "board-channel")

    # A folded thread shows its first lines and a count; opened, it shows the replies and a reply box.
    answered = next(label for label in labels if re.match(r"\d+ repl(y|ies) · last ", label))
    count = int(answered.split()[0])
    summary = main.locator("[data-testid='stExpander'] summary", has_text=shown(answered)).first
    summary.click()
    box = page.get_by_role("textbox", name="Your reply")
    box.wait_for(timeout=15_000)
    opened = main.locator("[data-testid='stExpander']", has_text=shown(answered)).first
    assert opened.locator("[data-testid='stMarkdownContainer']").count() >= count  # every reply shown
    reply = "We would love to: our pupils recorded songs from the valley last spring."
    box.fill(reply)
    page.get_by_role("button", name="Post reply").click()
    page.get_by_text("Your reply is posted.").wait_for(timeout=15_000)
    raised = f"{count + 1} replies · last {utc_now():%Y-%m-%d}"
    page.locator("[data-testid='stExpander'] summary", has_text=shown(raised)).wait_for(timeout=15_000)
    assert thread_labels(page)[0] == raised  # the answered thread moves to the top, still open
    main.get_by_text(reply).first.wait_for(timeout=15_000)
    assert page.get_by_role("radio", name="Heritage learning").is_checked()
    assert "channel=heritage-learning" in page.url
    screenshot(page, "board-thread-open")
    assert dialogs == []
    context.close()

    # The link, pasted in a new window at a phone's width in French, opens the same channel and
    # still reads well (the login box sits in the side panel, which a phone folds away).
    phone = browser.new_context(viewport={"width": 1400, "height": 1800})
    page = phone.new_page()
    log_in(page, server, username, demo.DEMO_PASSWORDS["coordinator"])
    page.set_viewport_size({"width": 390, "height": 1800})
    page.goto(server + "/board?channel=heritage-learning&lang=fr")
    page.get_by_role("heading", name="Forum de discussion").wait_for(timeout=30_000)
    settle(page, 2500)
    assert page.get_by_role("radio", name="Heritage learning").is_checked()
    labels = thread_labels(page)
    assert labels[0] == f"{count + 1} réponses · dernière le {utc_now():%Y-%m-%d}"
    assert page.get_by_role("textbox", name="Ouvrir un fil de discussion").is_visible()
    main = page.locator("[data-testid='stMain']")
    assert main.evaluate("el => el.scrollWidth <= el.clientWidth + 1")  # nothing wider than the phone
    screenshot(page, "board-fr-390")
    phone.close()


def test_a_coordinator_edits_and_deletes_and_an_admin_finds_and_hides(server, browser, db):
    username = db.scalar("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1 OFFSET 6")
    context, page, dialogs = open_as(browser, server, username, "Message board")
    main = page.locator("[data-testid='stMain']")
    page.get_by_role("textbox", name="Start a thread").fill("Our Zinnia garden wek starts on Monday.")
    page.get_by_role("button", name="Post", exact=True).click()
    page.get_by_text("Your thread is posted in All coordinators.").wait_for()

    main.locator("[data-testid='stPopover'] button", has_text="Edit or delete").first.click()
    editor = page.get_by_role("textbox", name="Message", exact=True)
    editor.fill("Our Zinnia garden week starts on Monday.")
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_text("Your changes are saved.").wait_for(timeout=15_000)
    main.get_by_text("Our Zinnia garden week starts on Monday.").first.wait_for(timeout=15_000)
    main.get_by_text(" · edited", exact=False).first.wait_for(timeout=15_000)

    page.get_by_role("textbox", name="Start a thread").fill("Posted in the wrong channel, sorry.")
    page.get_by_role("button", name="Post", exact=True).click()
    page.get_by_text("Your thread is posted in All coordinators.").wait_for()
    settle(page)
    main.locator("[data-testid='stPopover'] button", has_text="Edit or delete").first.click()
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_text("Your message is deleted.").wait_for(timeout=15_000)
    main.get_by_text("Message deleted by its author.").first.wait_for(timeout=15_000)
    assert main.get_by_text("Posted in the wrong channel, sorry.").count() == 0

    # An admin searches, opens the thread from the result, and hides the message.
    admin_context, admin, admin_dialogs = open_as(browser, server, "admin", "Message board", role="admin")
    admin.locator("[data-testid='stRadio'] label", has_text="Climate education").click()
    admin.get_by_role("heading", name="Climate education").wait_for(timeout=30_000)
    admin.get_by_role("textbox", name="Search messages").fill("zinnia garden")
    admin.keyboard.press("Enter")
    admin.get_by_text("1 message found.").wait_for(timeout=15_000)
    admin.get_by_role("button", name="Open the thread").click()
    admin.get_by_role("heading", name="All coordinators").wait_for(timeout=15_000)
    settle(admin)
    assert "channel=all-coordinators" in admin.url
    assert admin.get_by_role("textbox", name="Search messages").input_value() == ""
    admin_main = admin.locator("[data-testid='stMain']")
    admin_main.get_by_role("textbox", name="Your reply").wait_for(timeout=15_000)  # the thread is open
    assert admin_main.locator("[data-testid='stPopover'] button", has_text="Hide").count() == 1
    admin_main.locator("[data-testid='stPopover'] button", has_text="Hide").click()
    reason = admin.get_by_role("textbox", name="Reason (shown in place of the message)")
    reason.fill("Shared in the climate channel instead")
    reason.press("Enter")
    settle(admin, 800)
    admin.locator("[data-testid='stPopoverBody'] button", has_text="Hide").click()
    admin.get_by_text("The message is hidden: the reason is shown in its place.").wait_for(timeout=15_000)
    admin_main.get_by_text("Message hidden by UNESCO: Shared in the climate channel instead").wait_for(timeout=15_000)
    screenshot(admin, "board-admin-hidden")

    # The coordinator sees it hidden without reloading, and stays where they were.
    main.get_by_text("Message hidden by UNESCO: Shared in the climate channel instead").wait_for(timeout=15_000)
    assert main.get_by_text("Our Zinnia garden week starts on Monday.").count() == 0
    assert page.get_by_role("radio", name="All coordinators").is_checked()
    assert dialogs == [] and admin_dialogs == []
    admin_context.close()
    context.close()
