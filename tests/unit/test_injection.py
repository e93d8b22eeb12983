"""Classic injection strings through every read the pages make from URL parameters, search
boxes and filters: nothing fails, nothing extra is returned, and no table changes.

The database is a writable copy, so a statement smuggled into a query would really drop or
change rows; every test compares every table's checksum before and after.
"""

from __future__ import annotations

import re

import polars as pl
import pytest

from aspnet_data import (
    accounts,
    board,
    dashboard,
    directory,
    editing,
    files,
    maps,
    notifications,
    profiles,
    projects,
    quality,
)
from aspnet_data import applications as apps
from aspnet_data.db import open_database
from aspnet_data.directory import FACETS, Selection, facet_counts, parse_params
from aspnet_data.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from aspnet_data.permissions import Actor
from aspnet_data.text import fold

INJECTIONS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1' OR '1'='1' /*",
    "'; DROP TABLE institutions; --",
    "1; DELETE FROM users; --",
    "%' UNION SELECT username, password_hash FROM users --",
    "' UNION SELECT NULL, NULL, NULL --",
    '") OR ("1"="1',
    "*/ OR 1=1 /*",
    "$1",
    "$network",
    "?",
    ":name",
    "\\x00",
    "\x00",
    "a\x00b",
    "\\",
    "\\'",
    "%",
    "_",
    "%%",
    "'",
    '"',
    "`",
    ";",
    "--",
    "' || (SELECT password_hash FROM users LIMIT 1) || '",
    "FRA' OR network <> 'FRA",
    "\u2019 OR \u20191\u2019=\u20191",
    "\u02bc OR 1=1 --",
    "\uff07 OR 1=1 --",
    "\u201c) OR (\u201d1\u201d=\u201d1",
    "²",
    "٤٢",
    "１２",
    "-1",
    "0",
    "1e309",
    "NaN",
    "9" * 40,
    "NULL",
    "true",
    "FRA\n",
    "fra%",
    "\u202eevil",
    "😀",
    "a" * 10_000,
    "<script>alert(1)</script>",
    "ASP-' OR 1=1 --",
]
IDS = [f"{k:02d}-{re.sub(r'[^A-Za-z0-9]+', '_', p[:24]) or 'sym'}" for k, p in enumerate(INJECTIONS)]
ADMIN = Actor("admin", "admin")
URL_SINGLE = ("from", "to", "sort", "page")


@pytest.fixture(scope="module")
def hostile_db(module_db):
    return module_db


@pytest.fixture(scope="module")
def tables(hostile_db):
    return [
        t
        for (t,) in hostile_db.rows(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
        )
    ]


@pytest.fixture(scope="module")
def unchanged(hostile_db, tables) -> dict:
    """What every table held before the first test: since each test must leave the copy as it
    found it, this is also the state the next test starts from (read again only after a test
    that changed it, so that one failure does not fail the tests after it)."""
    return {"checksums": hostile_db.checksums(tables), "version": hostile_db.data_version}


@pytest.fixture(autouse=True)
def nothing_changes(hostile_db, tables, unchanged):
    yield
    before = dict(unchanged)
    unchanged.update(checksums=hostile_db.checksums(tables), version=hostile_db.data_version)
    assert unchanged["checksums"] == before["checksums"]
    assert unchanged["version"] == before["version"]


@pytest.fixture(scope="module")
def frame(hostile_db):
    """Institutions with folded country names, for an independent count of a search."""
    countries = hostile_db.query("SELECT iso3, name_en, name_fr, name_es FROM countries")
    folded = {
        r["iso3"]: " | ".join(fold(r[k]) for k in ("name_en", "name_fr", "name_es"))
        for r in countries.iter_rows(named=True)
    }
    return hostile_db.query("SELECT id, network, search_text, status FROM institutions").with_columns(
        pl.col("network").replace_strict(folded).alias("country_text")
    )


@pytest.fixture(scope="module")
def unfiltered(hostile_db):
    return facet_counts(hostile_db, Selection()).total


def searched(frame: pl.DataFrame, q: str) -> int:
    out = frame.filter(pl.col("status") != "withdrawn")
    for token in directory.search_tokens(q):
        out = out.filter(
            pl.col("search_text").str.contains(token, literal=True)
            | pl.col("country_text").str.contains(token, literal=True)
        )
    return out.height


# -- directory, map and dashboard: the URL --------------------------------------------------


@pytest.mark.analytic_copy
@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_url_values_are_dropped_with_a_notice(hostile_db, unfiltered, payload):
    countries = [c for (c,) in hostile_db.rows("SELECT iso3 FROM networks")]
    for key in [f.key for f in FACETS] + list(URL_SINGLE):
        sel, page, notices = parse_params({key: [payload]}, countries=countries)
        assert (sel, page) == (Selection(), 1), key
        assert [(n.key, n.value) for n in notices] == [(key, payload)], key
    # An unknown parameter, named by the payload itself.
    sel, page, notices = parse_params({payload: ["1"]}, countries=countries)
    assert (sel, page) == (Selection(), 1) and [n.reason for n in notices] == ["unknown_parameter"]
    # Everything hostile at once still gives the unfiltered directory.
    everything = {key: [payload] for key in [f.key for f in FACETS] + list(URL_SINGLE)}
    sel, page, _ = parse_params(everything, countries=countries)
    assert facet_counts(hostile_db, sel).total == unfiltered
    assert maps.selection_extent(hostile_db, sel) == maps.selection_extent(hostile_db, Selection())
    # A hostile value beside a good one: the good one is kept.
    sel, _, notices = parse_params({"theme": [payload, "esd"]}, countries=countries)
    assert sel.values("theme") == ("esd",) and len(notices) == 1


@pytest.mark.analytic_copy
@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_search_finds_only_what_the_words_match(hostile_db, frame, payload):
    sel, _, _ = parse_params({"q": [payload]}, countries=[])
    assert sel.q == payload[:500]
    expected = searched(frame, sel.q)
    counts = facet_counts(hostile_db, sel)
    assert counts.total == expected
    assert sum(counts.counts["region"].values()) == expected
    assert directory.list_institutions(hostile_db, sel).height == min(expected, directory.PAGE_SIZE)
    assert directory.export_frame(hostile_db, sel).height == expected
    assert maps.country_counts(hostile_db, sel)["institutions"].sum() == expected
    assert maps.selection_extent(hostile_db, sel)[0] <= expected
    tile = maps.map_tile(hostile_db, sel, 0, 0, 0)
    assert len(tile.points) + sum(c["institutions"] for c in tile.cells) <= expected


@pytest.mark.analytic_copy
@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_facet_values_are_bound_as_values(hostile_db, payload):
    """A caller that skips parse_params still cannot widen a selection: every value is a parameter."""
    for facet in FACETS:
        sel = Selection(filters=((facet.key, (payload,)),))
        assert facet_counts(hostile_db, sel).total == 0, facet.key
        assert directory.list_institutions(hostile_db, sel).height == 0
        assert directory.export_full_frame(hostile_db, ADMIN, sel).height == 0
        assert maps.country_counts(hostile_db, sel).height == 0
    sel = Selection(filters=(("country", (payload,)), ("ownership", (payload,))))
    dash = dashboard.dashboard(hostile_db, sel)
    assert dash.active == 0 and sum(dash.by_status.values()) == 0


@pytest.mark.analytic_copy
@pytest.mark.parametrize("payload", INJECTIONS[:12] + INJECTIONS[-6:])
def test_hostile_language_and_sort_never_reach_sql(hostile_db, payload):
    english = directory.list_institutions(hostile_db, Selection(), lang="en")
    assert directory.list_institutions(hostile_db, Selection(), lang=payload).equals(english)
    with pytest.raises(KeyError):  # only the declared sort keys map to columns
        directory.list_institutions(hostile_db, Selection(sort=payload))


@pytest.mark.analytic_copy
def test_dashboard_of_hostile_url_equals_the_unfiltered_one(hostile_db):
    countries = [c for (c,) in hostile_db.rows("SELECT iso3 FROM networks")]
    params = dict.fromkeys([f.key for f in FACETS] + list(URL_SINGLE), INJECTIONS[:8])
    sel, _, notices = parse_params(params, countries=countries)
    assert sel == Selection() and notices
    hostile, plain = dashboard.dashboard(hostile_db, sel), dashboard.dashboard(hostile_db, Selection())
    assert hostile.by_status == plain.by_status and hostile.active == plain.active
    assert hostile.by_country.equals(plain.by_country)


# -- profiles, brief, manage: ?code= and ?id= and ?edit= ---------------------------------


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_codes_and_ids_find_nothing(hostile_db, payload):
    code = profiles.parse_code(payload)
    assert code is None or re.fullmatch(r"[A-Z]{3}", code)
    assert profiles.network_profile(hostile_db, payload) is None
    assert editing.network_record(hostile_db, ADMIN, payload) is None
    found = profiles.parse_id(payload)
    assert found is None or str(found) == payload  # only plain ASCII digits ("0") are an id
    assert editing.history(hostile_db, ADMIN, network=payload) == []
    todo = quality.todo(hostile_db, ADMIN, payload)
    assert sum(todo.totals.values()) == 0


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("42", 42),
        (" 42 ", 42),
        ("0042", 42),
        ("²", None),
        ("٤٢", None),
        ("１２", None),
        ("4 2", None),
        ("42\n", 42),
        ("1" * 16, None),
        ("-1", None),
        ("+1", None),
        ("0x2a", None),
        ("4_2", None),
    ],
)
def test_ids_are_ascii_digits_only(raw, expected):
    assert profiles.parse_id(raw) == expected


@pytest.mark.parametrize("raw", ["²", "٤٢", "１２", "1" * 8, "0", "-3", "4_2"])
def test_page_numbers_are_ascii_digits_only(raw):
    sel, page, notices = parse_params({"page": [raw]}, countries=[])
    assert page == 1 and [n.key for n in notices] == ["page"]


# -- application status: reference code and email -----------------------------------------


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_reference_or_email_opens_no_application(hostile_db, payload):
    reference, email, network = hostile_db.rows(
        "SELECT reference, contact_email, network FROM applications ORDER BY id LIMIT 1"
    )[0]
    assert apps.find(hostile_db, payload, payload) is None
    assert apps.find(hostile_db, reference, payload) is None
    assert apps.find(hostile_db, payload, email) is None
    assert apps.find(hostile_db, reference, email) is not None
    with pytest.raises(ValidationFailed):
        apps.resend_references(hostile_db, payload)
    assert apps.outbox(hostile_db, payload).height == 0
    assert apps.similar(hostile_db, payload, "Lycée Victor Hugo").height == 0
    apps.similar(hostile_db, network, payload)  # any score, no failure


# -- board search, project filters ----------------------------------------------------------


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_board_search_finds_only_literal_matches(hostile_db, payload):
    text = payload.strip().lower()[:200]
    found = board.search(hostile_db, ADMIN, payload)
    if not text:
        assert found.height == 0
        return
    # Every live message but those of conversations the admin is not a member of.
    bodies = hostile_db.query(
        "SELECT body FROM messages m JOIN channels c ON c.id = m.channel_id"
        " WHERE m.deleted_at IS NULL AND m.hidden_reason IS NULL AND (c.kind <> 'direct' OR EXISTS"
        " (SELECT 1 FROM channel_members cm WHERE cm.channel_id = c.id AND cm.username = 'admin'))"
    )
    expected = bodies.filter(pl.col("body").str.to_lowercase().str.contains(text, literal=True)).height
    assert found.height == min(expected, 50)
    # A coordinator of a network that does not exist reads only the shared channels.
    stranger = Actor("stranger", "coordinator", payload)
    shared = hostile_db.scalar("SELECT count(*) FROM channels WHERE kind IN ('all', 'topic')")
    assert board.channels(hostile_db, stranger).height == shared
    # A user name full of LIKE wildcards mentions no one.
    assert board.channels(hostile_db, Actor(payload, "coordinator", "FRA"))["mentions"].sum() <= hostile_db.scalar(
        "SELECT count(*) FROM messages"
    )


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_project_filters_are_ignored_or_match_nothing(hostile_db, payload):
    every = projects.list_projects(hostile_db)
    assert projects.list_projects(hostile_db, status=payload, theme=payload).equals(every)
    assert projects.list_projects(hostile_db, network=payload).height == 0


# -- direct conversations: finding people, members, reports, threads ----------------------------


@pytest.fixture(scope="module")
def users(hostile_db):
    """Every account, for an independent answer to a search of people."""
    return hostile_db.query("SELECT username, display_name, role, network, disabled FROM users")


def findable(users: pl.DataFrame, q: str, *, me: str, network: str | None = None, role: str | None = None) -> list:
    """Who board.people should find: active coordinators and UNESCO staff but ``me``, whose
    lower-cased name or user name holds each of the first five words of ``q`` (folded as the
    board folds them, at most 60 characters) literally."""
    out = users.filter(
        ~pl.col("disabled") & pl.col("role").is_in(["admin", "coordinator"]) & (pl.col("username") != me)
    )
    for word in fold(q).split()[:5]:
        out = out.filter(
            pl.col("display_name").str.to_lowercase().str.contains(word[:60], literal=True)
            | pl.col("username").str.to_lowercase().str.contains(word[:60], literal=True)
        )
    if network:
        out = out.filter(pl.col("network") == network)
    if role in ("admin", "coordinator"):
        out = out.filter(pl.col("role") == role)
    return sorted(out["username"])


@pytest.fixture(scope="module")
def coordinator(hostile_db, users):
    name, network = hostile_db.rows(
        "SELECT username, network FROM users WHERE role = 'coordinator' AND NOT disabled ORDER BY username LIMIT 1"
    )[0]
    assert len(findable(users, "", me=name)) < 200  # every answer below fits in one page of 200
    return Actor(name, "coordinator", network)


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_people_searches_find_only_literal_matches(hostile_db, users, coordinator, payload):
    for actor in (ADMIN, coordinator):
        me = actor.username
        found = board.people(hostile_db, actor, q=payload, limit=200)
        assert sorted(found["username"]) == findable(users, payload, me=me)
        assert set(found["role"]) <= {"admin", "coordinator"}
        # A hostile network is compared as a value (no network is called that), a hostile role is ignored.
        assert board.people(hostile_db, actor, q=payload, network=payload, limit=200).height == 0
        everyone = board.people(hostile_db, actor, limit=200)
        assert board.people(hostile_db, actor, role=payload, limit=200).equals(everyone)
        assert sorted(everyone["username"]) == findable(users, "", me=me)
        mine = board.people(hostile_db, actor, q=payload, network=coordinator.network, role=payload, limit=200)
        assert sorted(mine["username"]) == findable(users, payload, me=me, network=coordinator.network)


@pytest.fixture(scope="module")
def conversations(hostile_db):
    """The ids of every direct conversation, and a message of one of them."""
    ids = [c for (c,) in hostile_db.rows("SELECT id FROM channels WHERE kind = 'direct' ORDER BY id")]
    assert ids
    message = hostile_db.scalar("SELECT min(id) FROM messages WHERE channel_id = ?", [ids[0]])
    assert message is not None
    return ids, message


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_user_names_take_part_in_no_conversation(hostile_db, conversations, payload):
    ids, message = conversations
    stranger = Actor(payload, "coordinator", "FRA")
    assert board.conversation_members(hostile_db, stranger, ids) == {}
    assert not any(board.can_read(hostile_db, stranger, c) for c in ids[:3])
    assert not set(ids) & set(board.channels(hostile_db, stranger)["id"])
    with pytest.raises(PermissionDenied):  # not a member: no report, even with a hostile reason
        board.report(hostile_db, stranger, message, payload)
    with pytest.raises(NotFound):  # no report is open on it: nothing to dismiss
        board.dismiss_report(hostile_db, ADMIN, message)


@pytest.fixture(scope="module")
def general(hostile_db) -> int:
    return hostile_db.scalar("SELECT id FROM channels WHERE kind = 'all'")


def test_a_thread_named_from_another_channel_opens_nothing(hostile_db, general, coordinator):
    """?thread= of a message of any other channel (a conversation the reader is not in among
    them), a first message or a reply, lists nothing in the channel shown."""
    oldest = hostile_db.scalar(
        "SELECT id FROM messages WHERE channel_id = ? AND thread_id IS NULL ORDER BY created_at, id LIMIT 1", [general]
    )
    assert board.thread_list(hostile_db, ADMIN, general, thread=oldest)["id"].to_list() == [oldest]
    others = hostile_db.rows(
        """SELECT c.kind, min(m.id) FILTER (WHERE m.thread_id IS NULL), min(m.id) FILTER (WHERE m.thread_id IS NOT NULL)
           FROM messages m JOIN channels c ON c.id = m.channel_id WHERE c.id <> ? GROUP BY c.kind ORDER BY 1""",
        [general],
    )
    assert {kind for kind, _, _ in others} >= {"direct", "project", "region", "schools", "topic"}
    for kind, first, reply in others:
        for message in (first, reply):
            if message is None:
                continue
            for actor in (ADMIN, coordinator):
                listed = board.thread_list(hostile_db, actor, general, thread=message)
                assert listed.height == 0, (kind, message, actor.username)


@pytest.mark.parametrize(
    "thread",
    [
        0,
        -1,
        10**12,
        2**63 - 1,
        2**63,
        10**20,
    ],
)
def test_a_thread_that_is_no_message_opens_nothing(hostile_db, general, thread):
    """The board page turns any ?thread= of digits into an int: out of range, it names no message."""
    assert board.thread_list(hostile_db, ADMIN, general, thread=thread).height == 0


# -- shared files: a project space's materials --------------------------------------------------


@pytest.fixture(scope="module")
def shelf(hostile_db):
    """The demo's project space with the most materials: its id, and each live material with
    its title, description and file name folded (accents and case ignored), and whether it is public."""
    project = hostile_db.scalar(
        "SELECT project_id FROM project_materials WHERE deleted_at IS NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1"
    )
    rows = hostile_db.query(
        "SELECT m.id, m.title, m.description, f.name, m.public FROM project_materials m "
        "JOIN files f ON f.id = m.file_id WHERE m.project_id = ? AND m.deleted_at IS NULL AND f.deleted_at IS NULL",
        [project],
    ).with_columns(
        pl.col(c).fill_null("").map_elements(fold, return_dtype=pl.String) for c in ("title", "description", "name")
    )
    assert rows.height >= 2
    # The rule below finds what the function finds for plain words, accents and case aside.
    title = hostile_db.scalar("SELECT title FROM project_materials WHERE id = ?", [rows["id"][0]])
    for q in (title.upper(), title.split()[-1], rows["name"][0]):
        assert sorted(files.materials(hostile_db, ADMIN, project, q=q)["id"]) == matching(rows, q) != []
    return project, rows


def matching(rows: pl.DataFrame, q: str, *, public_only: bool = False) -> list[int]:
    """The materials whose folded title, description or file name holds each of the first
    eight words of ``q`` (folded, at most 60 characters) literally."""
    out = rows.filter(pl.col("public")) if public_only else rows
    for word in fold(q).split()[:8]:
        out = out.filter(
            pl.any_horizontal(pl.col(c).str.contains(word[:60], literal=True) for c in ("title", "description", "name"))
        )
    return sorted(out["id"])


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_material_searches_find_only_literal_matches(hostile_db, shelf, payload):
    project, rows = shelf
    assert sorted(files.materials(hostile_db, ADMIN, project, q=payload)["id"]) == matching(rows, payload)
    # Someone who takes no part in the project finds only its public materials.
    stranger = Actor("stranger", "coordinator", payload)
    found = files.materials(hostile_db, stranger, project, q=payload)
    assert sorted(found["id"]) == matching(rows, payload, public_only=True)
    # Beside a word that finds something, it only narrows the answer down.
    q = f"{rows['title'][0].split()[0]} {payload}"
    assert sorted(files.materials(hostile_db, ADMIN, project, q=q)["id"]) == matching(rows, q)


# -- e-mail: unsubscribe links -------------------------------------------------------------------


@pytest.fixture(scope="module")
def unsubscribe_link(hostile_db):
    """A user's real unsubscribe token (it names them without changing anything) and its parts."""
    username, secret, name = hostile_db.rows(
        "SELECT s.username, s.secret, u.display_name FROM notification_settings s "
        "JOIN users u ON u.username = s.username ORDER BY s.username LIMIT 1"
    )[0]
    token = notifications.unsubscribe_token(username, secret)
    assert notifications.unsubscriber(hostile_db, token) == name
    return username, token, token.rpartition("~")[2]


@pytest.mark.parametrize("payload", INJECTIONS, ids=IDS)
def test_hostile_unsubscribe_tokens_are_refused_and_change_nothing(hostile_db, unsubscribe_link, payload):
    username, token, signature = unsubscribe_link
    forged = [
        payload,
        f"{payload}~{payload}",
        f"{payload}~{signature}",
        f"{payload}{token}",
        token.replace(username, payload, 1),
        f"{username.upper()}~{signature}",
        token[:-1],
        # Last, these name a real user with a settings row: their signature is compared.
        f"{username}~{payload}",
        f"{token}{payload}",
    ]
    for forgery in forged:
        for call in (notifications.unsubscriber, notifications.unsubscribe):
            with pytest.raises(FieldError) as refused:
                call(hostile_db, forgery)
            assert (refused.value.field, refused.value.code) == ("token", "unsubscribe_invalid"), forgery


# -- login ------------------------------------------------------------------------------------


@pytest.mark.parametrize("payload", [p for p in INJECTIONS if len(p) < 100][:20] + ["a" * 10_000])
def test_hostile_user_names_look_nothing_up(hostile_db, payload):
    assert accounts.get_user(hostile_db, payload) is None
    assert accounts.check_session(hostile_db, payload, payload) is None


@pytest.mark.parametrize(
    "password",
    ["a" * 73, "é" * 40, "a" * 10_000, "a\x00b", "' OR 1=1 --", "😀" * 30],
    ids=["73-bytes", "80-bytes-accented", "10000", "nul", "quote", "120-bytes-emoji"],
)
def test_odd_passwords_are_refused_not_crashed(scratch_copy, password):
    """bcrypt 5 raises on more than 72 bytes: a long password must be a refusal, not an error."""
    with open_database(scratch_copy) as db:
        for username in ("admin", "nobody.here", password):
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(db, username, password)


def test_an_overlong_password_cannot_be_set(scratch_copy):
    from aspnet_data import demo

    with open_database(scratch_copy) as db:
        with pytest.raises(FieldError) as error:
            accounts.change_password(db, "admin", demo.DEMO_PASSWORDS["admin"], "Long-password-" + "x" * 80)
        assert (error.value.code, error.value.params) == ("too_long_bytes", {"max": accounts.MAX_PASSWORD_BYTES})
        with pytest.raises(FieldError):
            accounts.create_user(
                db, ADMIN, username="long.one", display_name="Long", role="analyst", password="é1" * 40
            )
        # 72 bytes is still fine, and logs in.
        good = "Secure-" + "x" * 64 + "1"
        accounts.change_password(db, "admin", demo.DEMO_PASSWORDS["admin"], good)
        assert accounts.authenticate(db, "admin", good).username == "admin"
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(db, "admin", good + "y")  # bcrypt alone would ignore the 73rd byte
