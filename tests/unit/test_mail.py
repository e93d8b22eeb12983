"""The outbox is sent by SMTP only when SMTP is configured."""

import pytest

from aspnet_data import mail
from aspnet_data.db import open_database


class FakeSMTP:
    sent: list = []

    def __init__(self, host, port, timeout):
        self.host, self.port = host, port

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def starttls(self):
        pass

    def login(self, user, password):
        self.user = user

    def send_message(self, message):
        FakeSMTP.sent.append((message["To"], message["Subject"]))


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        database.write(
            lambda cur: cur.execute(
                "INSERT INTO outbox (to_email, subject, body, created_at)"
                " VALUES ('a@b.example', 'Hello', 'Body', now())"
            )
        )
        yield database


def test_nothing_is_sent_without_smtp_settings(db):
    assert mail.deliver(db, environ={}, smtp=FakeSMTP) == 0
    assert db.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL") >= 1


def test_configured_smtp_sends_each_message_once(db):
    FakeSMTP.sent = []
    environ = {"ASPNET_SMTP_HOST": "mail.example", "ASPNET_SMTP_USER": "u"}
    pending = db.scalar("SELECT count(*) FROM outbox WHERE sent_at IS NULL")
    assert mail.deliver(db, environ=environ, smtp=FakeSMTP) == pending
    assert ("a@b.example", "Hello") in FakeSMTP.sent
    assert mail.deliver(db, environ=environ, smtp=FakeSMTP) == 0
