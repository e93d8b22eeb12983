"""AppTest of the e-mail of mentions and direct messages: the choice on My account, and the
unsubscribe page that a mail's link opens without signing in."""

import json
import re
from datetime import timedelta

import pytest

from aspnet_data import accounts, notifications
from aspnet_data.db import open_database, utc_now

from ..conftest import ROOT, two_coordinators

CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}


def press(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def mode_of(path, username) -> str:
    with open_database(path) as db:
        return notifications.mode(db, accounts.get_user(db, username).actor)


@pytest.mark.both_engines
@pytest.mark.parametrize("lang", ["fr"])
def test_a_coordinator_chooses_at_once_on_my_account(app_as, scratch_copy, lang):
    text = CATALOGS[lang]
    with open_database(scratch_copy) as db:
        (name, _), _ = two_coordinators(db)
        notifications.set_mode(db, accounts.get_user(db, name).actor, "daily")
    at = app_as("app_pages/account.py", name, lang=lang)
    assert text["account.notify_title"] in [h.value for h in at.subheader]
    assert text["account.notify_help"] in [c.value for c in at.caption]
    radio = at.radio(key="notify_mode")
    assert radio.label == text["account.notify_choice"] and radio.value == "daily"
    assert radio.options == [  # as shown
        text["account.notify_instant"],
        text["account.notify_daily"],
        text["account.notify_never"],
    ]
    radio.set_value("instant")
    at.button(key="notify_save").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [s.value for s in at.success] == [text["account.notify_saved_instant"]]
    assert mode_of(scratch_copy, name) == "instant"
    assert at.radio(key="notify_mode").value == "instant"
    at.run()  # the confirmation goes with the next action
    assert not at.success


def test_an_analyst_has_no_board_and_no_choice(app_as):
    at = app_as("app_pages/account.py", "analyst")
    assert not [r for r in at.radio if r.key == "notify_mode"]
    assert CATALOGS["en"]["account.notify_title"] not in [h.value for h in at.subheader]


def a_mailed_link(path) -> tuple[str, str]:
    """(display name, token) of a coordinator mailed a direct message, read from the outbox."""
    with open_database(path) as db:
        (a, _), (b, _) = two_coordinators(db)
        notifications.set_mode(db, accounts.get_user(db, b).actor, "instant")

        def write(cur) -> None:
            channel = int(cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0])
            now = utc_now()
            cur.execute(
                "INSERT INTO channels (id, slug, kind, title, created_by, created_at) "
                "VALUES (?, ?, 'direct', '', ?, ?)",
                [channel, f"conversation-{channel}", a, now],
            )
            for member in (a, b):
                cur.execute("INSERT INTO channel_members VALUES (?, ?, ?, ?)", [channel, member, a, now])
            cur.execute(
                "INSERT INTO messages (id, channel_id, author, body, created_at) "
                "VALUES (nextval('message_id_seq'), ?, ?, 'Shall we talk?', ?)",
                [channel, a, now],
            )

        db.write(write)
        assert notifications.run(db, utc_now() + timedelta(seconds=1), "instant") == 1
        body = db.scalar("SELECT body FROM outbox WHERE to_email = (SELECT email FROM users WHERE username = ?)", [b])
        token = re.search(r"/unsubscribe\?token=([^&\s]+)", body).group(1)
        return accounts.get_user(db, b).display_name, token


@pytest.mark.both_engines
@pytest.mark.parametrize("lang", ["es"])
def test_the_unsubscribe_link_names_the_person_and_stops_the_mail_on_the_button(app_as, scratch_copy, lang):
    text = CATALOGS[lang]
    name, token = a_mailed_link(scratch_copy)
    with open_database(scratch_copy) as db:
        before = db.checksums(["notification_settings", "audit_log"])
    at = app_as("app_pages/unsubscribe.py", token=token, lang=lang)
    assert at.title[0].value == text["unsubscribe.title"]
    assert name in at.markdown[0].value
    with open_database(scratch_copy) as db:
        assert db.checksums(["notification_settings", "audit_log"]) == before  # opening changes nothing
    press(at, text["unsubscribe.button"])
    assert at.success and name in at.success[0].value
    assert not at.error
    with open_database(scratch_copy) as db:
        username = db.scalar("SELECT username FROM users WHERE display_name = ? AND role = 'coordinator'", [name])
    assert mode_of(scratch_copy, username) == "never"
    # The same link again, in another browser: used, refused.
    again = app_as("app_pages/unsubscribe.py", token=token, lang=lang)
    assert [e.value for e in again.error] == [text["unsubscribe.invalid"]]
    assert not [b for b in again.button if b.label == text["unsubscribe.button"]]


@pytest.mark.parametrize(
    "token", ["coord.fra~forged-signature", "admin~AAAA", "'; DELETE FROM users; --", "~", "x" * 500]
)
def test_a_forged_link_is_refused_with_a_clear_message(app_as, token):
    at = app_as("app_pages/unsubscribe.py", token=token)
    assert [e.value for e in at.error] == [CATALOGS["en"]["unsubscribe.invalid"]]
    assert not [b for b in at.button if b.label == CATALOGS["en"]["unsubscribe.button"]]


def test_without_a_token_the_page_says_where_it_comes_from(app_as):
    at = app_as("app_pages/unsubscribe.py")
    assert [i.value for i in at.info] == [CATALOGS["en"]["unsubscribe.no_token"]]
