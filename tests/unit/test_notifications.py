"""E-mail of mentions and direct messages: what is new for whom (the board's own rules), the
runs (instant, daily, never), the watermark, two runs at once, the unsubscribe link."""

from __future__ import annotations

import contextlib
import re
import threading
from datetime import timedelta

import pytest

from aspnet_data import accounts, cli, focal_points, notifications
from aspnet_data import board as boards
from aspnet_data.db import open_database, utc_now
from aspnet_data.errors import FieldError, PermissionDenied, ValidationFailed
from aspnet_data.permissions import ANONYMOUS, Actor

from ..conftest import two_coordinators

NOW = utc_now()


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


@pytest.fixture()
def people(db):
    """Two coordinators of networks in different regions, a third one, an admin, an analyst."""
    (a, _), (b, _) = two_coordinators(db)
    third = db.scalar(
        "SELECT min(username) FROM users WHERE role = 'coordinator' AND NOT disabled AND username NOT IN (?, ?)",
        [a, b],
    )
    return {key: accounts.get_user(db, name).actor for key, name in (("a", a), ("b", b), ("c", third))} | {
        "admin": accounts.get_user(db, "admin").actor,
        "analyst": accounts.get_user(db, "analyst").actor,
    }


_minutes = iter(range(1, 100_000))


def later():
    """A moment after the last one (the board's rate limit never interferes)."""
    return NOW + timedelta(seconds=next(_minutes))


def choose(db, actor: Actor, mode: str) -> None:
    notifications.set_mode(db, actor, mode)


def conversation(db, members: list[str], *, title: str = "") -> int:
    """A direct conversation of ``members``, made as the board makes one (rows written directly)."""

    def write(cur) -> int:
        channel = int(cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0])
        cur.execute(
            "INSERT INTO channels (id, slug, kind, title, created_by, created_at) VALUES (?, ?, 'direct', ?, ?, ?)",
            [channel, f"conversation-{channel}", title, members[0], NOW],
        )
        for name in members:
            cur.execute("INSERT INTO channel_members VALUES (?, ?, ?, ?)", [channel, name, members[0], NOW])
        return channel

    return db.write(write)


def message(db, channel: int, author: str, body: str, *, when=None) -> int:
    """A message written directly (no rate limit), as board.post stores it."""
    return messages(db, channel, author, [body], when=when)[0]


def messages(db, channel: int, author: str, bodies: list[str], *, when=None) -> list[int]:
    """Several messages in one transaction, a second apart."""

    def write(cur) -> list[int]:
        ids = []
        for body in bodies:
            new = int(cur.sql("SELECT nextval('message_id_seq')").fetchall()[0][0])
            cur.execute(
                "INSERT INTO messages (id, channel_id, author, body, created_at) VALUES (?, ?, ?, ?, ?)",
                [new, channel, author, body, when or later()],
            )
            ids.append(new)
        return ids

    return db.write(write)


def channel_of(db, kind: str, **where) -> int:
    condition = " AND ".join(f"{k} = ?" for k in where) or "true"
    return db.scalar(f"SELECT min(id) FROM channels WHERE kind = ? AND {condition}", [kind, *where.values()])


def new_ids(db, actor: Actor) -> list[int]:
    return [item.message_id for item in notifications.pending(db, actor, now=later()).items]


def outbox(db, email: str) -> list[tuple[str, str]]:
    return db.rows("SELECT subject, body FROM outbox WHERE to_email = ? ORDER BY id", [email])


def email_of(db, actor: Actor) -> str:
    return db.scalar("SELECT email FROM users WHERE username = ?", [actor.username])


def settings_row(db, actor: Actor) -> tuple:
    return db.rows(
        "SELECT mode, notified_through, last_digest_at, last_sent_at, secret FROM notification_settings "
        "WHERE username = ?",
        [actor.username],
    )[0]


# -- what is new for whom ------------------------------------------------------------------------


def test_a_mention_counts_only_in_a_channel_its_reader_may_read(db, people):
    a, b = people["a"], people["b"]
    everyone = channel_of(db, "all")
    region = db.scalar(
        "SELECT c.id FROM channels c JOIN countries k ON k.region = c.region WHERE c.kind = 'region' AND k.iso3 = ?",
        [a.network],
    )
    assert not boards.can_read(db, b, region)
    readable = message(db, everyone, a.username, f"Thanks @{b.username} for the toolkit")
    network_wide = message(db, everyone, a.username, f"Dear @{b.network}, welcome")
    message(db, region, a.username, f"@{b.username} would not see this")
    message(db, everyone, a.username, "No mention here, only an e-mail address: x@y.example")
    assert new_ids(db, b) == [readable, network_wide]
    # The same rule as the board's: its mention count for the channel agrees.
    listed = boards.channels(db, b).filter(boards.pl.col("id") == everyone)
    assert listed["mentions"][0] == 2


def test_direct_messages_are_new_for_the_other_members_only(db, people):
    a, b, c = people["a"], people["b"], people["c"]
    ours = conversation(db, [a.username, b.username])
    theirs = conversation(db, [a.username, c.username])
    to_b = message(db, ours, a.username, "Shall we call on Monday?")
    message(db, ours, b.username, "Yes, at ten")  # B's own
    message(db, theirs, a.username, "Between A and C only")
    assert new_ids(db, b) == [to_b]
    item = notifications.pending(db, b, now=later()).items[0]
    assert item.kind == "direct" and item.slug == f"conversation-{ours}"
    assert item.channel == f"Conversation with {accounts.get_user(db, a.username).display_name}"
    # The admin reads every channel, but no conversation they are not in.
    assert new_ids(db, people["admin"]) == []


def test_deleted_hidden_and_read_messages_are_not_new(db, people):
    a, b = people["a"], people["b"]
    ours = conversation(db, [a.username, b.username])
    deleted = message(db, ours, a.username, "Oops")
    hidden = message(db, channel_of(db, "all"), a.username, f"@{b.username} something rude")
    db.write(lambda cur: cur.execute("UPDATE messages SET deleted_at = ? WHERE id = ?", [NOW, deleted]))
    db.write(lambda cur: cur.execute("UPDATE messages SET hidden_reason = 'Rude' WHERE id = ?", [hidden]))
    assert new_ids(db, b) == []
    message(db, ours, a.username, "Read on the board")
    boards.mark_read(db, b, ours)
    assert new_ids(db, b) == []
    assert new_ids(db, a) == []  # nothing by anyone else


def test_a_focal_point_hears_only_of_their_networks_channel_for_schools(db, people):
    admin = people["admin"]
    network, coordinator = db.rows(
        "SELECT u.network, u.username FROM users u WHERE u.role = 'coordinator' AND u.network IN "
        "(SELECT network FROM users WHERE role = 'focal_point' AND NOT disabled) ORDER BY 1 LIMIT 1"
    )[0]
    institution = db.scalar(
        "SELECT min(id) FROM institutions WHERE network = ? AND status = 'member' "
        "AND id NOT IN (SELECT institution_id FROM users WHERE institution_id IS NOT NULL)",
        [network],
    )
    invitation = focal_points.invite(
        db, admin, institution, display_name="Focal Point", email="focal.notify@school.example"
    )
    focal = focal_points.accept(db, invitation.token, "focal.notify@school.example", "Focal-point-pw-1").actor
    coord = accounts.get_user(db, coordinator).actor
    schools = boards.open_schools_channel(db, coord, network, title="Our schools")
    message(db, channel_of(db, "all"), coord.username, f"@{network} and @{focal.username}: coordinators only")
    in_schools = message(db, schools, coord.username, f"Dear @{network} schools, reports are due")
    other = db.scalar("SELECT min(network) FROM users WHERE role = 'coordinator' AND network <> ?", [network])
    elsewhere = boards.open_schools_channel(db, admin, other, title="Other schools")
    message(db, elsewhere, admin.username, f"@{focal.username} in another network's channel")
    assert new_ids(db, focal) == [in_schools]
    assert notifications.may_be_notified(focal)
    assert [r["username"] for r in notifications.recipients(db, "daily", now=later())].count(focal.username) == 1


# -- the runs -----------------------------------------------------------------------------------


def test_nothing_new_sends_nothing_and_writes_nothing(db, people):
    before = db.data_version
    assert notifications.run(db, later(), "daily") == 0
    assert notifications.run(db, later(), "instant") == 0
    assert db.data_version == before
    message(db, channel_of(db, "all"), people["a"].username, "Hello all, nobody in particular")
    before = db.data_version
    assert notifications.run(db, later(), "daily") == 0
    assert db.data_version == before


def test_one_mail_per_user_and_run_and_the_watermark_moves_with_it(db, people):
    a, b = people["a"], people["b"]
    choose(db, b, "instant")
    ours = conversation(db, [a.username, b.username])
    first = message(db, ours, a.username, "One")
    second = message(db, channel_of(db, "all"), a.username, f"Two, for @{b.username}")
    assert notifications.run(db, later(), "instant") == 1
    assert notifications.run(db, later(), "instant") == 0  # nothing new: no second mail
    mails = outbox(db, email_of(db, b))
    assert len(mails) == 1 and "One" in mails[0][1] and "Two, for" in mails[0][1]
    assert settings_row(db, b)[1] == second > first
    third = message(db, ours, a.username, "Three")
    assert notifications.run(db, later(), "instant") == 1
    subject, body = outbox(db, email_of(db, b))[-1]
    assert "Three" in body and "One" not in body and "a new message" in subject
    assert settings_row(db, b)[1] == third


def test_instant_daily_and_never_each_go_with_their_run(db, people):
    a, b, c, admin = people["a"], people["b"], people["c"], people["admin"]
    choose(db, b, "instant")
    choose(db, c, "never")  # admin keeps the default: a daily digest
    db.write(lambda cur: cur.execute("DELETE FROM notification_settings WHERE username = ?", [admin.username]))
    for person in (b, c, admin):
        message(db, conversation(db, [a.username, person.username]), a.username, f"For {person.username}")
    assert notifications.run(db, later(), "daily") == 1
    assert [len(outbox(db, email_of(db, p))) for p in (b, c, admin)] == [0, 0, 1]
    assert "daily digest" in outbox(db, email_of(db, admin))[0][0]
    assert settings_row(db, admin)[0] == "daily"  # the first mail made the row: still a digest
    assert notifications.run(db, later(), "instant") == 1
    assert [len(outbox(db, email_of(db, p))) for p in (b, c, admin)] == [1, 0, 1]
    assert notifications.mode(db, c) == "never" and notifications.mode(db, admin) == "daily"


def test_a_daily_digest_goes_once_a_day_at_most(db, people):
    a, b = people["a"], people["b"]
    choose(db, b, "daily")
    ours = conversation(db, [a.username, b.username])
    today = NOW.replace(hour=6)
    message(db, ours, a.username, "Morning", when=today)
    assert notifications.run(db, today + timedelta(minutes=1), "daily") == 1
    message(db, ours, a.username, "Afternoon", when=today + timedelta(hours=8))
    assert notifications.run(db, today + timedelta(hours=9), "daily") == 0  # another replica, the same day
    assert notifications.run(db, today + timedelta(days=1), "daily") == 1
    bodies = [body for _, body in outbox(db, email_of(db, b))]
    assert "Morning" in bodies[0] and "Afternoon" in bodies[1] and "Morning" not in bodies[1]


def test_the_schedule_runs_instant_every_tick_and_daily_once_a_day(db, people):
    a, b, c = people["a"], people["b"], people["c"]
    choose(db, b, "instant")
    choose(db, c, "daily")
    schedule = notifications.Schedule()
    day = NOW.replace(hour=1)
    assert schedule.tick(db, day) == 0
    for person in (b, c):
        message(db, conversation(db, [a.username, person.username]), a.username, "Hi", when=day)
    assert schedule.tick(db, day + timedelta(minutes=1)) == 1  # instant only: today's daily run went
    assert schedule.tick(db, day + timedelta(days=1)) == 1  # the next day's digest
    assert schedule.tick(db, day + timedelta(days=1, minutes=1)) == 0


def test_a_mail_in_the_readers_language_lists_each_message_with_its_link(db, people, monkeypatch):
    monkeypatch.setenv("ASPNET_PUBLIC_URL", "https://atlas.example.org/")
    a, b = people["a"], people["b"]
    db.write(lambda cur: cur.execute("UPDATE users SET language = 'fr' WHERE username = ?", [b.username]))
    choose(db, b, "instant")
    ours = conversation(db, [a.username, b.username], title="Jumelage")
    first = message(db, ours, a.username, "Première ligne\n\nDeuxième ligne " + "très longue " * 40)
    everyone = channel_of(db, "all")
    thanks = message(db, everyone, a.username, f"Merci @{b.username} !")
    assert notifications.run(db, later(), "instant") == 1
    subject, body = outbox(db, email_of(db, b))[0]
    author = accounts.get_user(db, a.username).display_name
    assert subject == "ASPnet Atlas : 2 nouveaux messages pour vous"
    assert body.startswith(f"Bonjour {accounts.get_user(db, b.username).display_name},")
    assert f"Conversation « Jumelage » avec {author}" in body and "#Tous les coordinateurs" in body
    assert f"- {author}, le " in body and "(vous mentionne)" in body
    assert "Première ligne Deuxième ligne très longue" in body and "…" in body  # an excerpt, on one line
    slug = db.scalar("SELECT slug FROM channels WHERE id = ?", [everyone])
    # Each link opens its message's thread, unfolded.
    assert f"https://atlas.example.org/board?channel=conversation-{ours}&thread={first}&lang=fr" in body
    assert f"https://atlas.example.org/board?channel={slug}&thread={thanks}&lang=fr" in body
    assert "https://atlas.example.org/account?lang=fr" in body
    assert re.search(r"https://atlas\.example\.org/unsubscribe\?token=\S+&lang=fr", body)


def test_each_thread_gets_one_link_after_its_last_message(db, people):
    a, b = people["a"], people["b"]
    choose(db, b, "instant")
    ours = conversation(db, [a.username, b.username])
    question = boards.post(db, a, ours, "Shall we meet online?", now=later())
    boards.post(db, a, ours, "On Tuesday, say?", thread_id=question, now=later())
    other = boards.post(db, a, ours, "Here is the toolkit.", now=later())
    assert notifications.run(db, later(), "instant") == 1
    _, body = outbox(db, email_of(db, b))[0]
    links = re.findall(r"/board\?channel=conversation-\d+&thread=(\d+)", body)
    assert links == [str(question), str(other)]
    # The question's link comes after its reply, the last message of its thread.
    assert body.index("On Tuesday") < body.index(f"thread={question}") < body.index("Here is the toolkit")


def test_a_long_list_shows_the_newest_and_counts_the_rest(db, people):
    a, b = people["a"], people["b"]
    choose(db, b, "instant")
    ours = conversation(db, [a.username, b.username])
    ids = messages(db, ours, a.username, [f"Message number {k}" for k in range(notifications.LISTED + 7)])
    new = notifications.pending(db, b, now=later())
    assert new.total == len(ids) and new.through == ids[-1]
    assert [i.message_id for i in new.items] == ids[7:]
    assert notifications.run(db, later(), "instant") == 1
    body = outbox(db, email_of(db, b))[0][1]
    assert "Message number 6\n" not in body and "Message number 7\n" in body
    assert "… and 7 more messages, on the board:" in body
    assert settings_row(db, b)[1] == ids[-1]


def test_old_messages_are_never_mailed(db, people):
    a, b = people["a"], people["b"]
    db.write(lambda cur: cur.execute("DELETE FROM notification_settings WHERE username = ?", [b.username]))
    ours = conversation(db, [a.username, b.username])
    message(db, ours, a.username, "Last month", when=NOW - notifications.WINDOW - timedelta(hours=1))
    assert new_ids(db, b) == [] and notifications.run(db, later(), "daily") == 0


# -- two runs at once -----------------------------------------------------------------------------


def test_two_runs_that_read_the_same_state_send_one_mail(db, people):
    """Two replicas compose at the same moment: the first to queue moves the watermark, the
    second finds it moved and sends nothing (and loses nothing: what came later goes next)."""
    a, b = people["a"], people["b"]
    choose(db, b, "instant")
    ours = conversation(db, [a.username, b.username])
    message(db, ours, a.username, "Once only")
    now = later()
    first, second = notifications.compose(db, "instant", now=now), notifications.compose(db, "instant", now=now)
    assert [m.username for m in first] == [m.username for m in second] == [b.username]
    assert notifications.queue(db, first, "instant", now=now) == 1
    assert notifications.queue(db, second, "instant", now=now) == 0
    late = message(db, ours, a.username, "Afterwards")
    assert notifications.run(db, later(), "instant") == 1
    assert len(outbox(db, email_of(db, b))) == 2 and settings_row(db, b)[1] == late


def test_a_user_without_a_row_is_claimed_once_too(db, people):
    a, b = people["a"], people["b"]
    db.write(lambda cur: cur.execute("DELETE FROM notification_settings WHERE username = ?", [b.username]))
    message(db, conversation(db, [a.username, b.username]), a.username, "First mail ever")
    now = later()
    first, second = notifications.compose(db, "daily", now=now), notifications.compose(db, "daily", now=now)
    assert notifications.queue(db, first, "daily", now=now) == 1
    assert notifications.queue(db, second, "daily", now=now) == 0
    assert len(outbox(db, email_of(db, b))) == 1


def test_two_replicas_running_at_once_send_one_mail(scratch_copy):
    """Four runs of the same instant job at the same moment, each composing before any queues:
    each person gets one mail. On PostgreSQL each has its own connections, as a replica has;
    a DuckDB file has one process, whose sessions are threads sharing the database."""
    with open_database(scratch_copy) as db:
        (a, _), (b, _) = two_coordinators(db)
        others = [
            n
            for (n,) in db.rows(
                "SELECT username FROM users WHERE role = 'coordinator' AND username NOT IN (?, ?) "
                "ORDER BY username LIMIT 5",
                [a, b],
            )
        ]
        for name in [b, *others]:
            choose(db, accounts.get_user(db, name).actor, "instant")
            message(db, conversation(db, [a, name]), a, f"Hello {name}")
        now = later()
        barrier, counts, failures = threading.Barrier(4), [], []

        def replica() -> None:
            try:
                with contextlib.ExitStack() as stack:
                    own = db if db.dialect == "duckdb" else stack.enter_context(open_database(scratch_copy))
                    mails = notifications.compose(own, "instant", now=now)
                    barrier.wait(timeout=60)
                    counts.append(notifications.queue(own, mails, "instant", now=now))
            except BaseException as exc:  # a thread that dies must fail the test, not vanish
                failures.append(exc)

        threads = [threading.Thread(target=replica) for _ in range(4)]
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        assert not failures, failures
        assert sorted(counts) == [0, 0, 0, 6]
        marks = ", ".join("?" for _ in range(6))
        per_person = db.rows(
            f"SELECT u.username, count(o.id) FROM users u LEFT JOIN outbox o ON o.to_email = u.email "
            f"AND o.created_at = ? WHERE u.username IN ({marks}) GROUP BY 1 ORDER BY 1",
            [now, b, *others],
        )
    assert [n for _, n in per_person] == [1] * 6


# -- choosing, and the unsubscribe link ---------------------------------------------------------


def test_choosing_is_for_people_with_a_board_and_audited(db, people):
    b = people["b"]
    assert notifications.mode(db, b) in notifications.MODES
    choose(db, b, "never")
    assert notifications.mode(db, b) == "never"
    audit = db.rows(
        "SELECT before, after FROM audit_log WHERE action = 'notifications.mode' AND entity_id = ?", [b.username]
    )
    assert audit and '"never"' in str(audit[-1][1])
    with pytest.raises(ValidationFailed):
        notifications.set_mode(db, b, "weekly")
    for refused in (people["analyst"], ANONYMOUS, Actor("coord.none", "coordinator", None)):
        with pytest.raises(PermissionDenied):
            notifications.set_mode(db, refused, "instant")
        with pytest.raises(PermissionDenied):
            notifications.mode(db, refused)
        assert not notifications.may_be_notified(refused)


def test_back_from_never_what_was_written_meanwhile_is_not_mailed(db, people):
    a, b = people["a"], people["b"]
    choose(db, b, "never")
    ours = conversation(db, [a.username, b.username])
    message(db, ours, a.username, "While away")
    choose(db, b, "instant")
    assert notifications.run(db, later(), "instant") == 0
    message(db, ours, a.username, "Back")
    assert notifications.run(db, later(), "instant") == 1
    assert "While away" not in outbox(db, email_of(db, b))[0][1]


def _mailed_token(db, people) -> tuple[Actor, str]:
    a, b = people["a"], people["b"]
    choose(db, b, "instant")
    message(db, conversation(db, [a.username, b.username]), a.username, "Token please")
    assert notifications.run(db, later(), "instant") == 1
    link = re.search(r"/unsubscribe\?token=(\S+)", outbox(db, email_of(db, b))[-1][1]).group(1)
    return b, link.split("&")[0].replace("%7E", "~")


def test_the_unsubscribe_link_stops_the_mail_and_nothing_else_and_works_once(db, people):
    b, token = _mailed_token(db, people)
    tables = ["users", "notification_settings", "outbox", "messages", "channel_reads", "audit_log"]
    before = db.checksums(tables)
    # Opening the link names the person and changes nothing.
    assert notifications.unsubscriber(db, token) == accounts.get_user(db, b.username).display_name
    assert db.checksums(tables) == before
    row = settings_row(db, b)
    assert notifications.unsubscribe(db, token) == accounts.get_user(db, b.username).display_name
    after = settings_row(db, b)
    assert after[0] == "never" and after[1:4] == row[1:4] and after[4] != row[4]
    assert db.checksums(["users", "outbox", "messages", "channel_reads"]) == {
        k: v for k, v in before.items() if k in ("users", "outbox", "messages", "channel_reads")
    }
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'notifications.unsubscribe'") == 1
    for call in (notifications.unsubscriber, notifications.unsubscribe):
        with pytest.raises(FieldError) as refused:
            call(db, token)
        assert refused.value.code == "unsubscribe_invalid"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, other: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # signature altered
        lambda token, other: other + token[token.index("~") :],  # another user's name, this signature
        lambda token, other: notifications.unsubscribe_token(other, "a-guessed-secret"),
        lambda token, other: token.split("~")[0],
        lambda token, other: "",
        lambda token, other: "~" + token.split("~")[1],
        lambda token, other: token + "x",
        lambda token, other: "'; DROP TABLE users; --~abc",
    ],
)
def test_a_forged_unsubscribe_token_is_refused_and_changes_nothing(db, people, forge):
    b, token = _mailed_token(db, people)
    other = people["c"].username
    choose(db, people["c"], "daily")
    before = db.checksums(["notification_settings", "audit_log"])
    for call in (notifications.unsubscriber, notifications.unsubscribe):
        with pytest.raises(FieldError):
            call(db, forge(token, other))
    assert db.checksums(["notification_settings", "audit_log"]) == before
    assert notifications.mode(db, b) == "instant" and notifications.mode(db, people["c"]) == "daily"


def test_the_cli_runs_a_kind(scratch_copy, capsys):
    with open_database(scratch_copy) as db:
        (a, _), (b, _) = two_coordinators(db)
        choose(db, accounts.get_user(db, b).actor, "instant")
        message(db, conversation(db, [a, b]), a, "From the command line")
    assert cli.main(["notify", "--db", str(scratch_copy), "--kind", "instant"]) == 0
    assert "queued 1 instant notification in the outbox" in capsys.readouterr().out
    assert cli.main(["notify", "--db", str(scratch_copy), "--kind", "daily"]) == 0
    assert "queued 0 daily notifications" in capsys.readouterr().out
