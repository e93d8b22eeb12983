"""The e-mail of mentions and direct messages in a real browser, in French: the unsubscribe link
of a mail read from the outbox, followed on a phone (opening it changes nothing, its button
stops the mail, the same link a second time is refused); then My account's choice at 1400 px."""

import re
import shutil
from datetime import timedelta

import pytest

from aspnet_data import accounts, demo, notifications
from aspnet_data.db import open_database, utc_now

from .conftest import screenshot, serving, settle
from .test_coordinators_e2e import log_in

pytestmark = pytest.mark.e2e


@pytest.fixture()  # a fresh copy for a rerun too: the first attempt changed the data
def mailed(demo_path, tmp_path_factory, monkeypatch):
    """A copy of the test network where a French-speaking coordinator was mailed a direct
    message: (the copy, their user name, display name, the unsubscribe link's path and query)."""
    copy = tmp_path_factory.mktemp("notify") / "aspnet.duckdb"
    shutil.copy(demo_path, copy)
    monkeypatch.setenv("ASPNET_PUBLIC_URL", "https://atlas.example.org")
    with open_database(copy) as db:
        reader, writer = [
            n for (n,) in db.rows("SELECT username FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 2")
        ]
        db.write(lambda cur: cur.execute("UPDATE users SET language = 'fr' WHERE username = ?", [reader]))
        notifications.set_mode(db, accounts.get_user(db, reader).actor, "instant")

        def write(cur) -> None:
            channel = int(cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0])
            now = utc_now()
            cur.execute(
                "INSERT INTO channels (id, slug, kind, title, created_by, created_at) "
                "VALUES (?, ?, 'direct', '', ?, ?)",
                [channel, f"conversation-{channel}", writer, now],
            )
            for member in (reader, writer):
                cur.execute("INSERT INTO channel_members VALUES (?, ?, ?, ?)", [channel, member, writer, now])
            cur.execute(
                "INSERT INTO messages (id, channel_id, author, body, created_at) "
                "VALUES (nextval('message_id_seq'), ?, ?, 'Pouvons-nous parler du jumelage ?', ?)",
                [channel, writer, now],
            )

        db.write(write)
        assert notifications.run(db, utc_now() + timedelta(seconds=1), "instant") == 1
        body = db.scalar("SELECT body FROM outbox ORDER BY id DESC LIMIT 1")
        link = re.search(r"https://atlas\.example\.org(/unsubscribe\?\S+)", body).group(1)
        name = accounts.get_user(db, reader).display_name
    assert "Pouvons-nous parler du jumelage ?" in body and link.endswith("&lang=fr")
    return copy, reader, name, link


def test_the_unsubscribe_link_of_a_mail_then_my_accounts_choice_in_french(mailed, browser):
    copy, reader, name, link = mailed
    with serving(copy, settings={"ASPNET_NOTIFICATIONS": "off"}) as url:
        phone = browser.new_context(viewport={"width": 390, "height": 1100})
        page = phone.new_page()
        page.goto(url + link)
        page.get_by_role("heading", name="Arrêter les e-mails de notification").wait_for(timeout=30_000)
        settle(page)
        assert name in page.inner_text("[data-testid='stMain']")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # nothing wider than the phone
        screenshot(page, "unsubscribe-fr-390")
        page.get_by_role("button", name="Arrêter ces e-mails").click()
        page.get_by_text("C'est fait").wait_for(timeout=30_000)
        settle(page)
        screenshot(page, "unsubscribe-done-fr-390")
        # A second browser, the same link: it was used.
        again = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
        again.goto(url + link)
        again.get_by_text("Ce lien n'est pas valable").wait_for(timeout=30_000)
        settle(again)
        assert not again.get_by_role("button", name="Arrêter ces e-mails").count()
        screenshot(again, "unsubscribe-used-fr-1400")

        desk = browser.new_context(viewport={"width": 1400, "height": 1500})
        page = desk.new_page()
        log_in(page, url, reader, demo.DEMO_PASSWORDS["coordinator"])
        page.goto(url + "/account?lang=fr")
        page.get_by_role("heading", name="E-mails des mentions et messages directs").wait_for(timeout=30_000)
        settle(page)
        assert page.get_by_role("radio", name="Jamais").is_checked()  # as the link left it
        page.get_by_text("Un résumé quotidien", exact=True).click()
        page.get_by_role("button", name="Enregistrer").last.click()
        page.get_by_text("Enregistré : un e-mail par jour au plus").wait_for(timeout=30_000)
        settle(page)
        screenshot(page, "account-notifications-fr-1400")
        page.set_viewport_size({"width": 390, "height": 1500})
        settle(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        screenshot(page, "account-notifications-fr-390")
    with open_database(copy) as db:
        assert notifications.mode(db, accounts.get_user(db, reader).actor) == "daily"
        assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'notifications.unsubscribe'") == 1
