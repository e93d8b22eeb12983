"""AppTest of direct conversations on the board: started from the form, listed for its members
only, reported by a member and moderated by an admin from the reported queue."""

from urllib.parse import parse_qsl, urlparse

import pytest

from aspnet_data import board, files, notifications
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from ..conftest import two_coordinators


@pytest.fixture()
def pair(scratch_copy):
    with open_database(scratch_copy) as db:
        (a, _), (b, _) = two_coordinators(db)
        names = dict(db.rows("SELECT username, display_name FROM users WHERE username IN (?, ?)", [a, b]))
    return a, b, names


def start(app_as, who: str, whom: str, text: str, *, lang: str = "en"):
    at = app_as("app_pages/board.py", who, lang=lang)
    at.multiselect(key="conversation_people").set_value([whom])
    at.text_area(key="conversation_first").input(text)
    label = {"en": "Start the conversation", "fr": "Commencer la conversation"}[lang]
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.both_engines
def test_a_coordinator_starts_a_conversation_that_only_its_members_see(app_as, pair, scratch_copy):
    a, b, names = pair
    at = start(app_as, a, b, "Could you share the translated ESD toolkit?", lang="fr")
    slug = at.radio(key="board_channel").value
    assert slug.startswith("conversation-") and at.query_params["channel"] == slug
    assert f"Seuls ses membres lisent cette conversation : {names[a]}, {names[b]}." in [
        c.value for c in at.caption
    ] or (f"Seuls ses membres lisent cette conversation : {names[b]}, {names[a]}." in [c.value for c in at.caption])
    assert "Conversation commencée : elle est ouverte ci-dessous." in [s.value for s in at.success]
    other = app_as("app_pages/board.py", b)
    listed = [o for o in other.radio(key="board_channel").options if o.startswith(":material/chat:")]
    assert listed == [f":material/chat: {names[a]}"]  # named after the other person in it
    admin = app_as("app_pages/board.py", "admin")
    assert not [o for o in admin.radio(key="board_channel").options if names[a] in o and names[b] in o]


def test_a_member_reports_a_message_and_an_admin_hides_it_from_the_queue(app_as, pair, scratch_copy):
    a, b, _ = pair
    with open_database(scratch_copy) as db:
        channel, thread = board.start_conversation(db, Actor(a, "coordinator"), [b], "Rude words here")
        slug = db.scalar("SELECT slug FROM channels WHERE id = ?", [channel])
    at = app_as("app_pages/board.py", b, channel=slug)
    at.text_input(key=f"report_{thread}").input("Insulting")
    next(button for button in at.button if button.key == f"report_send_{thread}").click()
    at.run()
    assert "Reported: UNESCO's moderators will look at it." in [s.value for s in at.success]
    admin = app_as("app_pages/board.py", "admin")
    assert any(e.label == "Reported messages (1)" for e in admin.expander)
    admin.text_input(key=f"reported_reason_{thread}").input("Insult")
    next(button for button in admin.button if button.key == f"reported_hide_{thread}").click()
    admin.run()
    assert not admin.exception
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT hidden_reason FROM messages WHERE id = ?", [thread]) == "Insult"
    assert any(e.label == "Reported messages (0)" for e in admin.expander)


def test_a_mails_link_opens_its_thread_unfolded_even_past_the_first_page(app_as, pair, scratch_copy):
    a, b, _ = pair
    with open_database(scratch_copy) as db:
        channel, first = board.start_conversation(db, Actor(a, "coordinator"), [b], "The toolkit, chapter one")
        slug = db.scalar("SELECT slug FROM channels WHERE id = ?", [channel])
        # A page of newer threads after it (written directly: the board's rate limit is per minute).

        def write(cur) -> None:
            for k in range(board.THREADS_PER_PAGE):
                cur.execute(
                    "INSERT INTO messages (id, channel_id, author, body, created_at) "
                    "VALUES (nextval('message_id_seq'), ?, ?, ?, now() + to_seconds(?))",
                    [channel, a, f"Newer message {k}", k + 1],
                )

        db.write(write)
    link = notifications.board_link(slug, thread=first)
    at = app_as("app_pages/board.py", b, **dict(parse_qsl(urlparse(link).query)))
    assert not at.exception
    assert "The thread of the link you followed" in [c.value for c in at.caption]
    assert at.expander(key=f"thread_{first}").proto.expanded
    # Picking it from the page's list again later shows the channel's own pages only.
    plain = app_as("app_pages/board.py", b, channel=slug)
    assert "The thread of the link you followed" not in [c.value for c in plain.caption]
    shown = [e.key for e in plain.expander if (e.key or "").startswith("thread_")]
    assert len(shown) == board.THREADS_PER_PAGE and f"thread_{first}" not in shown


@pytest.mark.parametrize("thread", ["²", "99999999999999999999", "-1", "12a", ""])
def test_an_edited_thread_in_the_link_opens_the_channel_as_it_is(app_as, pair, thread):
    a, _, _ = pair
    at = app_as("app_pages/board.py", a, thread=thread)
    assert not at.exception, [e.value for e in at.exception]
    assert "The thread of the link you followed" not in [c.value for c in at.caption]


def test_the_people_to_write_to_are_named_with_their_country_in_the_pages_language(app_as, pair, scratch_copy):
    from ui.i18n import translate

    a, b, names = pair
    with open_database(scratch_copy) as db:
        country = db.scalar(
            "SELECT c.name_es FROM users u JOIN countries c ON c.iso3 = u.network WHERE u.username = ?", [b]
        )
    at = app_as("app_pages/board.py", a, lang="es")
    options = at.multiselect(key="conversation_people").options
    assert f"{names[b]} · {country} · {translate('es', 'role.coordinator')}" in options
    assert any(o.endswith(f"· UNESCO · {translate('es', 'role.admin')}") for o in options)


def test_each_folded_thread_shows_its_own_files_and_its_authors_country(app_as, pair, scratch_copy):
    a, b, names = pair
    with open_database(scratch_copy) as db:
        author = Actor(a, "coordinator")
        channel, first = board.start_conversation(db, author, [b], "The lesson plans, first term")
        second = board.post(db, author, channel, "And the second term's")
        board.post(db, author, channel, "No file with this one")
        files.attach(db, author, first, files.Upload("first-term.txt", b"week one: rivers"))
        files.attach(db, author, second, files.Upload("second-term.txt", b"week one: forests, week two: seas"))
        slug = db.scalar("SELECT slug FROM channels WHERE id = ?", [channel])
        country = db.scalar(
            "SELECT c.name_en FROM users u JOIN countries c ON c.iso3 = u.network WHERE u.username = ?", [a]
        )
    at = app_as("app_pages/board.py", b, channel=slug)
    assert not at.exception, [e.value for e in at.exception]
    # The page's files are read once for its cards: each card, newest first, shows its own
    # (the last post has none), each once.
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["second\\-term\\.txt (1\u00a0kB)", "first\\-term\\.txt (1\u00a0kB)"], labels
    bylines = [m.value for m in at.markdown if m.value.startswith(f"**{names[a]}**")]
    assert len(bylines) == 3 and all(f" · {country} · " in line for line in bylines), bylines


def test_the_board_reads_its_channels_and_threads_again_only_when_something_changed(
    app_as, pair, scratch_copy, monkeypatch
):
    a, b, _ = pair
    reads = []
    # What a board page reads: its channels, a page of threads, whether one posts there, whether
    # something is left to mark read, whom one may write to, the page's files.
    spied = [(board, n) for n in ("channels", "thread_list", "can_read", "unread_beyond", "people")]
    for module, name in [*spied, (files, "message_attachments")]:
        original = getattr(module, name)
        monkeypatch.setattr(module, name, lambda *args, _o=original, _n=name, **kw: reads.append(_n) or _o(*args, **kw))
    at = app_as("app_pages/board.py", a)
    opened = at.radio(key="board_channel").value
    assert {"channels", "thread_list", "can_read", "unread_beyond", "people", "message_attachments"} <= set(reads)
    reads.clear()
    at.run()  # nothing new: every one of them comes from the cache
    assert reads == [] and at.radio(key="board_channel").value == opened

    def actor_of(db, username):
        network = db.scalar("SELECT network FROM users WHERE username = ?", [username])
        return Actor(username, "coordinator", network)

    with open_database(scratch_copy) as db:
        listed = board.channels(db, actor_of(db, a))
        topic = next(r for r in listed.iter_rows(named=True) if r["kind"] == "topic" and r["slug"] != opened)
        board.post(db, actor_of(db, b), topic["id"], "A new thread in a channel A has not opened")
    reads.clear()
    at.run()
    assert {"channels", "unread_beyond"} <= set(reads)  # the post moved the data version
    radio = at.radio(key="board_channel")
    caption = dict(zip(radio.options, radio.proto.captions))[next(o for o in radio.options if topic["title"] in o)]
    assert radio.value == opened and caption.startswith(f"{topic['unread'] + 1} unread"), caption
