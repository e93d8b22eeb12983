"""The message board: who reads and posts where, mentions, unread counts, edit window,
moderation, rate limit, and hostile text stored exactly as written."""

from datetime import timedelta

import pytest

from aspnet_data import board
from aspnet_data.db import open_database, utc_now
from aspnet_data.editing import ValidationFailed
from aspnet_data.permissions import Actor, PermissionDenied

ADMIN = Actor("admin", "admin")
XSS = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "[click](javascript:alert(1))",
       "[x](data:text/html,<script>alert(1)</script>)", "**bold** _it_ `code` $x$ :red[red]", "\u202egnp.exe", "😀" * 50]


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def coordinators(db, region=None):
    sql = ("SELECT u.username, u.network, c.region FROM users u JOIN countries c ON c.iso3 = u.network "
           "WHERE u.role = 'coordinator'" + (" AND c.region = ?" if region else "") + " ORDER BY u.username")
    return [Actor(u, "coordinator", n) for u, n, _ in db.rows(sql, [region] if region else [])]


def channel(db, kind, region=None):
    return db.scalar("SELECT id FROM channels WHERE kind = ? AND (? IS NULL OR region = ?) ORDER BY id LIMIT 1",
                     [kind, region, region])


def test_who_reads_which_channel(db):
    europe, africa = coordinators(db, "EUR")[0], coordinators(db, "AFR")[0]
    assert board.can_read(db, europe, channel(db, "all")) and board.can_read(db, africa, channel(db, "all"))
    eur = channel(db, "region", "EUR")
    assert board.can_read(db, europe, eur) and not board.can_read(db, africa, eur)
    assert board.can_read(db, ADMIN, eur)
    for outsider in (Actor("analyst", "analyst"), Actor(None)):
        assert board.channels(db, outsider).height == 0
        with pytest.raises(PermissionDenied):
            board.post(db, outsider, channel(db, "all"), "hello")
    project_channel, project = db.rows("SELECT id, project_id FROM channels WHERE kind = 'project' LIMIT 1")[0]
    members = {n for (n,) in db.rows("SELECT DISTINCT i.network FROM project_members m JOIN institutions i "
                                     "ON i.id = m.institution_id WHERE m.project_id = ? AND m.state = 'member'", [project])}
    members.add(db.scalar("SELECT network FROM projects WHERE id = ?", [project]))
    for actor in coordinators(db)[:40]:
        assert board.can_read(db, actor, project_channel) == (actor.network in members)


def test_posting_threads_and_replies_newest_activity_first(db):
    a, b = coordinators(db, "EUR")[:2]
    general = channel(db, "all")
    first = board.post(db, a, general, "First thread")
    second = board.post(db, b, general, "Second thread")
    board.post(db, b, general, "A reply revives the first", thread_id=first)
    rows = board.threads(db, a, general, limit=2)
    assert rows["thread"].unique(maintain_order=True).to_list() == [first, second]
    assert rows.filter(rows["thread"] == first)["body"].to_list() == ["First thread", "A reply revives the first"]


@pytest.mark.parametrize("text", XSS)
def test_hostile_text_is_stored_exactly(db, text):
    a = coordinators(db)[0]
    message = board.post(db, a, channel(db, "all"), text)
    assert db.scalar("SELECT body FROM messages WHERE id = ?", [message]) == text.strip()


def test_mentions_and_unread_counts(db):
    a, b = coordinators(db, "EUR")[:2]
    general = channel(db, "all")
    board.mark_read(db, b, general)
    board.post(db, a, general, f"Hello @{b.username}, and the whole @{b.network} network")
    board.post(db, a, general, "No mention here")
    listed = board.channels(db, b)
    row = listed.filter(listed["id"] == general).row(0, named=True)
    assert (row["unread"], row["mentions"]) == (2, 1)
    assert board.mentions(f"hi @{b.username} and @{b.network}, not an@email.org") == [b.username, b.network]
    board.mark_read(db, b, general)
    listed = board.channels(db, b)
    assert listed.filter(listed["id"] == general)["unread"][0] == 0


def test_edit_and_delete_only_own_messages_within_fifteen_minutes(db):
    a, b = coordinators(db, "EUR")[:2]
    general = channel(db, "all")
    message = board.post(db, a, general, "Typo in thsi")
    with pytest.raises(PermissionDenied):
        board.edit(db, b, message, "Not mine")
    board.edit(db, a, message, "Typo in this")
    assert db.scalar("SELECT body FROM messages WHERE id = ?", [message]) == "Typo in this"
    with pytest.raises(PermissionDenied):
        board.edit(db, a, message, "Too late", now=utc_now() + timedelta(minutes=16))
    board.delete(db, a, message)
    assert db.scalar("SELECT deleted_at IS NOT NULL FROM messages WHERE id = ?", [message])
    assert db.scalar("SELECT body FROM messages WHERE id = ?", [message]) == "Typo in this"   # soft
    actions = [r[0] for r in db.rows("SELECT action FROM audit_log WHERE entity = 'messages' AND entity_id = ? "
                                     "ORDER BY id", [str(message)])]
    assert actions == ["message.edit", "message.delete"]
    rows = board.threads(db, a, general)
    shown = rows.filter(rows["id"] == message)
    assert shown["body"][0] is None and shown["deleted"][0]


def test_admins_hide_with_a_reason(db):
    a = coordinators(db)[0]
    message = board.post(db, a, channel(db, "all"), "Something inappropriate")
    with pytest.raises(PermissionDenied):
        board.hide(db, a, message, "no")
    with pytest.raises(ValidationFailed):
        board.hide(db, ADMIN, message, " ")
    board.hide(db, ADMIN, message, "Off topic")
    assert board.search(db, a, "inappropriate").height == 0


def test_length_limit_and_rate_limit(db):
    a = coordinators(db)[0]
    general = channel(db, "all")
    with pytest.raises(ValidationFailed):
        board.post(db, a, general, "x" * (board.MAX_LENGTH + 1))
    with pytest.raises(ValidationFailed):
        board.post(db, a, general, "   ")
    for k in range(board.RATE_LIMIT):
        board.post(db, a, general, f"message {k}")
    with pytest.raises(board.RateLimited):
        board.post(db, a, general, "one too many")


def test_search_only_in_readable_channels(db):
    europe, africa = coordinators(db, "EUR")[0], coordinators(db, "AFR")[0]
    board.post(db, europe, channel(db, "region", "EUR"), "Zebracrossing workshop in Europe")
    assert board.search(db, europe, "zebracrossing").height == 1
    assert board.search(db, africa, "zebracrossing").height == 0


def test_admins_create_topical_channels_that_coordinators_read(db):
    europe = coordinators(db, "EUR")[0]
    with pytest.raises(PermissionDenied):
        board.create_channel(db, europe, slug="ocean-literacy", title="Ocean literacy")
    new = board.create_channel(db, ADMIN, slug="ocean-literacy", title="Ocean literacy")
    assert board.can_read(db, europe, new)
    with pytest.raises(ValidationFailed):
        board.create_channel(db, ADMIN, slug="ocean-literacy", title="Again")


def test_marking_read_writes_only_when_there_is_something_new(db):
    a, b = coordinators(db, "EUR")[:2]
    general = channel(db, "all")
    board.mark_read(db, b, general)
    version = db.data_version
    board.mark_read(db, b, general)          # nothing new: no write, caches stay valid
    assert db.data_version == version
    board.post(db, a, general, "news")
    board.mark_read(db, b, general)
    assert db.data_version > version


@pytest.mark.parametrize("body", ["\u200b\u200c\u200d", "\u2060 \ufeff", "\x00\x01"])
def test_a_message_that_shows_nothing_is_refused(db, body):
    with pytest.raises(ValidationFailed) as refused:
        board.post(db, coordinators(db)[0], channel(db, "all"), body)
    assert refused.value.errors[0].code == "required"


def test_a_burst_of_posts_from_one_account_stops_at_the_limit(db):
    import threading

    author = coordinators(db)[0]
    general = channel(db, "all")
    outcomes, lock = [], threading.Lock()

    def burst():
        for _ in range(4):
            try:
                board.post(db, author, general, "Burst")
                result = "stored"
            except board.RateLimited:
                result = "limited"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=burst) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("stored") == board.RATE_LIMIT and outcomes.count("limited") == 24 - board.RATE_LIMIT
    assert db.scalar("SELECT count(*) FROM messages WHERE author = ? AND body = 'Burst'",
                     [author.username]) == board.RATE_LIMIT
