"""The message board: who reads and posts where, mentions, unread counts, edit window,
moderation, rate limit, hostile text stored exactly as written, folded threads, and the
demo's conversations (coherent threads in one language, sensibly dated)."""

import re
from datetime import timedelta

import pytest

from aspnet_data import board, demo
from aspnet_data import demo_board as demo_board_bank
from aspnet_data.db import open_database, utc_now
from aspnet_data.editing import NotFound, ValidationFailed
from aspnet_data.permissions import Actor, PermissionDenied

ADMIN = Actor("admin", "admin")
XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[x](data:text/html,<script>alert(1)</script>)",
    "**bold** _it_ `code` $x$ :red[red]",
    "\u202egnp.exe",
    "😀" * 50,
]


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def coordinators(db, region=None):
    sql = (
        "SELECT u.username, u.network, c.region FROM users u JOIN countries c ON c.iso3 = u.network "
        "WHERE u.role = 'coordinator'" + (" AND c.region = ?" if region else "") + " ORDER BY u.username"
    )
    return [Actor(u, "coordinator", n) for u, n, _ in db.rows(sql, [region] if region else [])]


def channel(db, kind, region=None):
    return db.scalar(
        "SELECT id FROM channels WHERE kind = ? AND (CAST(? AS VARCHAR) IS NULL OR region = ?) ORDER BY id LIMIT 1",
        [kind, region, region],
    )


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
    members = {
        n
        for (n,) in db.rows(
            "SELECT DISTINCT i.network FROM project_members m JOIN institutions i "
            "ON i.id = m.institution_id WHERE m.project_id = ? AND m.state = 'member'",
            [project],
        )
    }
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
    assert db.scalar("SELECT body FROM messages WHERE id = ?", [message]) == "Typo in this"  # soft
    actions = [
        r[0]
        for r in db.rows(
            "SELECT action FROM audit_log WHERE entity = 'messages' AND entity_id = ? ORDER BY id", [str(message)]
        )
    ]
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
    board.mark_read(db, b, general)  # nothing new: no write, caches stay valid
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
    assert (
        db.scalar("SELECT count(*) FROM messages WHERE author = ? AND body = 'Burst'", [author.username])
        == board.RATE_LIMIT
    )


# -- folded threads ----------------------------------------------------------------------


def test_threads_fold_to_their_first_message_with_counts(db):
    a, b = coordinators(db, "EUR")[:2]
    general = channel(db, "all")
    board.mark_read(db, b, general)
    seen = board.last_read(db, b, general)
    first = board.post(db, a, general, "Who joins the coastal project?")
    for text in ("We do.", f"Count us in, @{b.username}.", "Us too."):
        board.post(db, a if text == "Us too." else b, general, text, thread_id=first)
    quiet = board.post(db, b, general, "A thread with no reply")
    listed = board.thread_list(db, b, general, seen=seen, limit=2)
    assert listed["thread"].to_list() == [quiet, first]  # one row per thread, newest activity first
    row = listed.filter(listed["thread"] == first).row(0, named=True)
    assert (row["body"], row["author"], row["replies"]) == ("Who joins the coastal project?", a.username, 3)
    assert row["network"] == a.network and row["activity"] >= row["created_at"]
    assert row["new"] == 2  # the first message and a's reply; b's own replies are not new to b
    assert row["mentions"] == 1
    assert listed.filter(listed["thread"] == quiet)["replies"][0] == 0
    # By default "new" counts from where the reader stopped: b has posted, so nothing before is new.
    assert board.thread_list(db, b, general, limit=2)["new"].to_list() == [0, 0]

    messages = board.thread_messages(db, b, first, seen=seen)
    assert messages["body"].to_list() == [
        "Who joins the coastal project?",
        "We do.",
        f"Count us in, @{b.username}.",
        "Us too.",
    ]
    assert messages["new"].to_list() == [True, False, False, True]
    assert messages["mentioned"].to_list() == [False, False, True, False]


def test_a_folded_thread_hides_what_was_deleted_or_hidden(db):
    a = coordinators(db, "EUR")[0]
    general = channel(db, "all")
    first = board.post(db, a, general, "Posted by mistake")
    board.post(db, a, general, "A reply", thread_id=first)
    board.delete(db, a, first)
    row = board.thread_list(db, a, general, limit=1).row(0, named=True)
    assert row["thread"] == first and row["deleted"] and row["body"] is None and row["replies"] == 1
    board.hide(db, ADMIN, first + 1, "Off topic")
    messages = board.thread_messages(db, a, first)
    assert messages["body"].to_list() == [None, None] and messages["hidden_reason"][1] == "Off topic"


def test_a_thread_is_opened_only_by_readers_of_its_channel(db):
    europe, africa = coordinators(db, "EUR")[0], coordinators(db, "AFR")[0]
    first = board.post(db, europe, channel(db, "region", "EUR"), "For Europe only")
    reply = board.post(db, europe, channel(db, "region", "EUR"), "Still Europe", thread_id=first)
    assert board.thread_messages(db, europe, first).height == 2
    with pytest.raises(PermissionDenied):
        board.thread_messages(db, africa, first)
    with pytest.raises(PermissionDenied):
        board.thread_list(db, africa, channel(db, "region", "EUR"))
    for missing in (reply, 10**9):  # a reply is not a thread
        with pytest.raises(NotFound):
            board.thread_messages(db, europe, missing)


def test_marking_read_says_whether_anything_was_new(db):
    a, b = coordinators(db, "EUR")[:2]
    general = channel(db, "all")
    board.mark_read(db, b, general)
    assert board.mark_read(db, b, general) is False
    assert board.unread_beyond(db, b, general) == 0
    news = board.post(db, a, general, "news")
    assert board.unread_beyond(db, b, general) == news  # what the page asks before it writes
    assert board.mark_read(db, b, general) is True
    assert board.last_read(db, b, general) == db.scalar("SELECT max(id) FROM messages WHERE channel_id = ?", [general])
    assert board.unread_beyond(db, b, general) == 0


@pytest.mark.parametrize(
    "body, shown, cut",
    [
        ("Short and sweet.", "Short and sweet.", False),
        ("One\n\n\nTwo\nThree", "One\nTwo\nThree", False),
        ("One\nTwo\nThree\nFour", "One\nTwo\nThree…", True),
        ("word " * 100, ("word " * 56).strip() + "…", True),  # 279 characters, then the cut
        ("x" * 500, "x" * 280 + "…", True),
        (
            "Ends with a link https://school.example/a-long-path",
            "Ends with a link https://school.example/a-long-path",
            False,
        ),
    ],
)
def test_a_preview_keeps_the_first_lines_and_cuts_between_words(body, shown, cut):
    assert board.preview(body) == (shown, cut)


# -- the demo's board ----------------------------------------------------------------------

WORDS = {
    "en": {"the", "our", "we", "you", "and", "is", "for", "with", "thank", "would", "to", "of", "a", "in", "us"},
    "fr": {"les", "nous", "vous", "des", "pour", "une", "est", "merci", "nos", "le", "la", "de", "et", "à", "du"},
    "es": {
        "las",
        "los",
        "nuestra",
        "nuestras",
        "para",
        "una",
        "con",
        "gracias",
        "que",
        "del",
        "el",
        "la",
        "de",
        "y",
        "en",
        "su",
    },
}


def language_of(text: str) -> str:
    """The language with the most of its common words in ``text`` (independent of the generator);
    Spanish's own punctuation settles it."""
    if "¿" in text or "¡" in text:
        return "es"
    words = [w.strip(".,;:!?¿¡()'\"") for w in text.lower().replace("'", " ").split()]
    return max(WORDS, key=lambda lang: sum(w in WORDS[lang] for w in words))


@pytest.fixture(scope="module")
def demo_board(module_db):
    """The coordinators' threads in the shared channels (the schools' channels hold their
    coordinator's news; direct conversations are demo_conversations', tested in test_demo)."""
    return module_db.query(
        """SELECT m.id, coalesce(m.thread_id, m.id) AS thread, m.thread_id, m.channel_id, c.kind, c.region,
                  c.project_id, m.author, u.role, u.network, u.language, m.body, m.created_at
           FROM messages m JOIN channels c ON c.id = m.channel_id JOIN users u ON u.username = m.author
           WHERE c.kind NOT IN ('schools', 'direct') ORDER BY m.id"""
    ).to_dicts()


def test_demo_replies_follow_their_first_message_within_the_demo_months(demo_board):
    first = {m["id"]: m for m in demo_board if m["thread_id"] is None}
    replies = [m for m in demo_board if m["thread_id"] is not None]
    assert len(replies) > len(demo_board) / 3 and len(first) > 30
    for reply in replies:
        opening = first[reply["thread_id"]]  # a reply answers a first message, not another reply
        assert reply["channel_id"] == opening["channel_id"]
        assert opening["created_at"] < reply["created_at"] <= opening["created_at"] + timedelta(days=60)
    times = [m["created_at"] for m in demo_board]
    assert max(times) <= demo.DEFAULT_AS_OF
    assert min(times) >= demo.DEFAULT_AS_OF - timedelta(days=250)
    assert times == sorted(times)  # ids follow time, as when people post
    months = {(t.year, t.month) for t in times}
    assert len(months) >= 6  # spread over the months, not bunched


def test_demo_threads_keep_to_one_language_spoken_by_their_authors(demo_board):
    languages: dict[int, set[str]] = {}
    for m in demo_board:
        languages.setdefault(m["thread"], set()).add(language_of(m["body"]))
    mixed = {thread: langs for thread, langs in languages.items() if len(langs) > 1}
    assert not mixed, [m["body"] for m in demo_board if m["thread"] in mixed][:6]
    of_thread = {thread: langs.pop() for thread, langs in languages.items()}
    shares = {lang: list(of_thread.values()).count(lang) / len(of_thread) for lang in WORDS}
    assert shares["en"] > 0.6 and shares["fr"] > 0 and shares["es"] > 0
    for m in demo_board:
        if of_thread[m["thread"]] != "en":  # French and Spanish threads come from networks that speak them
            assert m["role"] == "coordinator" and m["language"] == of_thread[m["thread"]], m


def test_demo_replies_answer_their_thread(demo_board):
    def pattern(template: str) -> re.Pattern:
        text = re.escape(template[0].upper() + template[1:] if not template.startswith("{") else template)
        return re.compile(re.sub(r"\\\{\w+\\\}", ".+?", text), re.IGNORECASE)

    topics = [
        (pattern(t.opening), [pattern(r) for r in t.replies], pattern(t.closing) if t.closing else None)
        for t in demo_board_bank.TOPICS
    ]
    threads: dict[int, list[dict]] = {}
    for m in demo_board:
        threads.setdefault(m["thread"], []).append(m)
    for messages in threads.values():
        opening, *replies = messages
        matches = [(answers, closing) for asked, answers, closing in topics if asked.fullmatch(opening["body"])]
        assert len(matches) == 1, opening["body"]
        answers, closing = matches[0]
        for reply in replies:
            if closing and closing.fullmatch(reply["body"]):
                assert reply["author"] == opening["author"]  # the opener's last word
                continue
            assert any(a.fullmatch(reply["body"]) for a in answers), (opening["body"], reply["body"])
            assert reply["author"] != opening["author"]


def test_demo_authors_read_the_channels_they_write_in(module_db, demo_board):
    pairs = {(m["author"], m["role"], m["network"], m["channel_id"]) for m in demo_board}
    for author, role, network, channel_id in pairs:
        assert board.can_read(module_db, Actor(author, role, network), channel_id), (author, channel_id)


def test_demo_readers_have_caught_up_with_most_of_the_board(module_db):
    readers = coordinators(module_db)
    unread = [board.channels(module_db, actor)["unread"].sum() for actor in readers[:30]]
    total = module_db.scalar("SELECT count(*) FROM messages")
    assert max(unread) < total / 5 and sum(unread) > 0  # a few recent messages unread, not the whole board


def build_board(path, seed, institutions=600):
    with open_database(path, create=True) as database:
        summary = demo.build(database, institutions=institutions, seed=seed)
        return (
            summary,
            database.query(
                "SELECT m.* FROM messages m JOIN channels c ON c.id = m.channel_id "
                "WHERE c.kind NOT IN ('schools', 'direct') ORDER BY m.id"
            ),
            database.query("SELECT * FROM channel_reads ORDER BY ALL"),
        )


def test_demo_board_is_the_same_for_a_seed_and_sized_by_its_parameters(tmp_path):
    summary, messages, reads = build_board(tmp_path / "a.duckdb", seed=5)
    _, again, reads_again = build_board(tmp_path / "b.duckdb", seed=5)
    assert messages.equals(again) and reads.equals(reads_again)
    assert messages.height == 120  # max(120, institutions // 20), and the schools' channels' news
    assert summary.messages > messages.height
    _, other, _ = build_board(tmp_path / "c.duckdb", seed=6, institutions=3_000)
    assert other.height == 150 and not other.head(120).equals(messages)
