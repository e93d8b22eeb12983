"""Property-based tests of every validator and write path of the data layer.

Each call is fed random and hostile input: control characters and NUL, right-to-left and
zero-width marks, lone combining marks, emoji, huge strings, numbers out of range, NaN and
infinite coordinates, impossible dates. Whatever comes in, a call either refuses it with
the module's own validation error (naming the field, with a message in the interface
catalog) and leaves every table exactly as it was, or stores a valid record that reads
back as the validator accepted it. No other exception is ever acceptable.
"""

from __future__ import annotations

import json
import string
import unicodedata
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from aspnet_data import (
    accounts,
    board,
    change_requests,
    editing,
    files,
    focal_points,
    languages,
    notifications,
    projects,
    validation,
)
from aspnet_data import applications as apps
from aspnet_data.errors import FieldError
from aspnet_data.permissions import Actor
from aspnet_data.text import clean_line, has_visible
from aspnet_data.vocab import LANGUAGES, LEVELS, OWNERSHIP, PROJECT_STATUSES, ROLES, THEMES

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = json.loads((ROOT / "ui" / "locales" / "en.json").read_text(encoding="utf-8"))
ADMIN = Actor("admin", "admin")
TABLES = [
    "meta",
    "networks",
    "institutions",
    "users",
    "sessions",
    "audit_log",
    "applications",
    "application_events",
    "projects",
    "project_members",
    "channels",
    "messages",
    "channel_reads",
    "outbox",
]

# Writes: 40 random inputs per engine each run (besides the explicit examples); validators
# that touch no database: 150.
FAST = settings(
    max_examples=40,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
PURE = settings(FAST, max_examples=150)

# -- hostile input ---------------------------------------------------------------------------

CONTROL = [chr(c) for c in range(0x20)] + ["\x7f", "\x80", "\x85", "\x9f"]
INVISIBLE = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u061c",
    "\u202a",
    "\u202b",
    "\u202d",
    "\u202e",
    "\u2066",
    "\u2067",
    "\u2069",
]
COMBINING = ["\u0301", "\u0308", "\u0338", "\u20dd", "\u0e31", "\u093f", "\u05b4"]
EMOJI = ["😀", "👩‍👩‍👧", "🇫🇷", "🏳️‍🌈", "🧪", "\U0010fffd"]
SPACES = [" ", "\u00a0", "\u1680", "\u2028", "\u2029", "\u3000", "\t", "\n", "\r"]
WORDS = [
    "École",
    "Москва",
    "北京第一中学",
    "مدرسة الأمل",
    "ᐃᓄᒃᑎᑐᑦ",
    "<script>alert(1)</script>",
    "'; DROP TABLE institutions; --",
    "%s%n",
    "{0}{max}",
    "${x}",
    "\\",
    "@FRA",
    "null",
    "None",
    "NaN",
]
hostile_char = st.sampled_from(CONTROL + INVISIBLE + COMBINING + EMOJI + SPACES)
hostile_piece = st.one_of(hostile_char, st.sampled_from(WORDS), st.text(max_size=6))
hostile_text = st.one_of(
    st.text(max_size=40),
    st.lists(hostile_piece, max_size=12).map("".join),
    # huge: the same piece thousands of times
    st.builds(lambda piece, n: piece * n, st.one_of(hostile_piece.filter(bool), st.just("x")), st.integers(1, 6000)),
)
NUMBER_TEXT = [
    "",
    " ",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-Infinity",
    "1e400",
    "-1e400",
    "1e-400",
    "-0",
    "0x10",
    "1_000",
    "١٢",
    "½",
    "²",
    "12abc",
    "3,5",
    " 42 ",
    "9" * 400,
    "9" * 5000,
    "1.5",
    "10**6",
    "None",
    "true",
]
hostile_number = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-5, 200_000),
    st.floats(),
    st.sampled_from([float("nan"), float("inf"), float("-inf"), -0.0, 1e308, 5e-324]),
    st.sampled_from(NUMBER_TEXT),
    st.text(max_size=8),
    st.decimals(allow_nan=True),
)
hostile_coordinate = st.one_of(hostile_number, st.floats(-180, 180), st.floats(-91, 91).map(str))
hostile_date = st.one_of(
    st.none(),
    st.dates(),
    st.datetimes(),
    st.integers(),
    st.floats(),
    st.sampled_from(
        [
            "2026-02-30",
            "2026-13-01",
            "0000-00-00",
            "2026-00-10",
            "31/12/2026",
            "",
            "tomorrow",
            "2026-09-01",
            "9999-12-31T23:59:59",
            "-2026-01-01",
            "2026-9-1",
        ]
    ),
)


def code_list(codes):
    """A list-valued field: allowed codes mixed with hostile strings, or one hostile string."""
    return st.one_of(
        st.none(),
        hostile_text,
        st.lists(st.one_of(st.sampled_from(codes), hostile_text), max_size=5),
        st.lists(st.sampled_from(codes), min_size=1, max_size=3, unique=True),
        st.sampled_from(codes).map(lambda c: c.upper().replace("_", " ")),
    )


def overrides(strategies: dict, max_size: int = 3):
    """A few fields of a record replaced with hostile values."""
    return st.sets(st.sampled_from(sorted(strategies)), max_size=max_size).flatmap(
        lambda keys: st.fixed_dictionaries({k: strategies[k] for k in sorted(keys)})
    )


INSTITUTION_VALUES = {
    "name": hostile_text,
    "name_latin": st.one_of(st.none(), hostile_text),
    "city": hostile_text,
    "latitude": hostile_coordinate,
    "longitude": hostile_coordinate,
    "levels": code_list(LEVELS),
    "ownership": st.one_of(st.sampled_from([*OWNERSHIP, "PUBLIC", " private\n", "mixed"]), hostile_text),
    "themes": code_list(THEMES),
    "year_joined": hostile_number,
    "pupils": hostile_number,
    "teachers": hostile_number,
    "languages": code_list(["fr", "en", "es", "ar", "zh", "rw", "fra"]),
    "website": st.one_of(
        st.sampled_from(
            [
                "https://school.example",
                "http://a.b/c?d=e",
                "javascript:alert(1)",
                "https://exa mple.org",
                "data:text/html,x",
                "https://\u202eevil.example",
            ]
        ),
        hostile_text,
    ),
    "email": st.one_of(
        st.sampled_from(["office@school.example", "a@b", "a@@b.org", "x@y.zz\n", "é@ü.example"]), hostile_text
    ),
}
NETWORK_VALUES = {
    "national_commission": hostile_text,
    "coordinator_name": st.one_of(st.none(), hostile_text),
    "coordinator_email": st.one_of(st.none(), st.just("nc@unesco.example"), hostile_text),
    "coordinator_phone": st.one_of(st.none(), hostile_text),
    "website": INSTITUTION_VALUES["website"],
    "description": st.one_of(st.none(), hostile_text),
    "founded_year": hostile_number,
}
APPLICATION_VALUES = {
    "institution_name": hostile_text,
    "name_latin": st.one_of(st.none(), hostile_text),
    "city": hostile_text,
    "address": st.one_of(st.none(), hostile_text),
    "latitude": hostile_coordinate,
    "longitude": hostile_coordinate,
    "levels": code_list(LEVELS),
    "ownership": INSTITUTION_VALUES["ownership"],
    "languages": INSTITUTION_VALUES["languages"],
    "pupils": hostile_number,
    "teachers": hostile_number,
    "themes": code_list(THEMES),
    "theme_plans": st.dictionaries(
        st.one_of(st.sampled_from(THEMES), hostile_text), st.one_of(st.none(), hostile_text), max_size=4
    ),
    "contact_name": hostile_text,
    "contact_email": INSTITUTION_VALUES["email"],
    "language": st.one_of(st.sampled_from(LANGUAGES), hostile_text),
    "network": st.one_of(st.sampled_from(["ZZZ", "fra", "", " FRA"]), hostile_text),
}
PROJECT_VALUES = {
    "title": hostile_text,
    "description": st.one_of(st.none(), hostile_text),
    "themes": code_list(THEMES),
    "languages": st.one_of(
        st.none(), st.lists(st.one_of(st.sampled_from(["fr", "en", "spa"]), hostile_text), max_size=4)
    ),
    "start_date": hostile_date,
    "end_date": hostile_date,
    "status": st.one_of(st.none(), st.sampled_from([*PROJECT_STATUSES, "OPEN", "archived"]), hostile_text),
}


# -- what a clear refusal and a faithful read-back are ------------------------------------------


def clean(value):
    """What a text field keeps of its input: control characters (C0, DEL and C1) other than
    newline and tab dropped, surrounding white space trimmed, nothing else touched (None when empty)."""
    if value is None:
        return None
    text = "".join(ch for ch in str(value) if ch in "\n\t" or not (ord(ch) < 0x20 or 0x7F <= ord(ch) <= 0x9F)).strip()
    return text or None


def assert_clear(errors, fields):
    """Each error names a field the caller knows and has a message the interface can show."""
    assert errors
    for error in errors:
        assert error.field in fields, error
        message = MESSAGES.get(f"error.{error.code}")
        assert message is not None, f"no message for error.{error.code}"
        needed = {name for _, name, _, _ in string.Formatter().parse(message) if name}
        assert needed <= set(error.params), (error, message)
        message.format(**error.params)


def blocking(errors):
    return [e for e in errors if not e.warning]


@pytest.fixture(scope="module")
def db(module_db):
    """One writable copy of the test network for the whole module."""
    return module_db


@pytest.fixture(scope="module")
def school(db):
    """A member institution of a network with a country outline, its coordinator, and a
    valid record of that network to start from."""
    row = db.query("""SELECT i.* FROM institutions i JOIN countries c ON c.iso3 = i.network
                      WHERE i.status = 'member' AND c.has_outline AND i.latitude IS NOT NULL
                      ORDER BY i.id LIMIT 1""").row(0, named=True)
    coordinator = Actor(f"coord.{row['network'].lower()}", "coordinator", row["network"])
    valid = {k: row[k] for k in editing.INSTITUTION_FIELDS}
    return row["id"], row["network"], coordinator, valid


# -- institutions --------------------------------------------------------------------------------


@PURE
@given(
    values=st.one_of(
        overrides(INSTITUTION_VALUES, max_size=14),
        # a form or a file may give text (or nothing) for any field
        st.dictionaries(st.sampled_from(editing.INSTITUTION_FIELDS), st.one_of(st.none(), hostile_text)),
    ),
    network=st.one_of(st.sampled_from(["FRA", "RWA", "ZZZ", ""]), hostile_text),
)
def test_institution_validator_never_raises(values, network):
    record = editing.complete_institution(
        {**dict.fromkeys(editing.INSTITUTION_FIELDS), **editing.normalise_institution(values)}
    )
    errors = editing.validate_institution(record, network=network)
    if errors:
        assert_clear(errors, editing.INSTITUTION_FIELDS)


@PURE
@given(
    name=st.text(alphabet=st.characters(codec="utf-8", categories=["Lo", "Lm", "So", "Mn"]), min_size=1, max_size=200)
)
def test_a_valid_name_is_never_refused_for_its_derived_latin_spelling(name, school):
    _, network, _, valid = school
    record = editing.complete_institution(
        {**editing.normalise_institution({**valid, "name": name}), "name_latin": None}
    )
    problems = {e.field: e.code for e in editing.validate_institution(record, network=network)}
    # Refused for it only when there is nothing to derive (a script with no transliteration):
    # then the Latin spelling is asked for, next to its field.
    if record["name_latin"] is None:
        assert problems.get("name_latin") == "latin_needed" or problems.get("name") == "required"
    else:
        assert "name_latin" not in problems
        assert record["name_latin"].isascii() and len(record["name_latin"]) <= 200


def check_institution(db, saved, network):
    """A stored institution is a valid record: it could be saved again as it is."""
    assert not blocking(editing.validate_institution(saved, network=network)), saved
    for key in ("name", "name_latin", "city", "website", "email"):
        value = saved[key]
        if value is not None:
            assert value == clean(value), (key, value)


@FAST
@given(changes=overrides(INSTITUTION_VALUES))
@example(changes={"pupils": float("nan")})  # once stored as the text "nan" (a database error)
@example(changes={"year_joined": float("nan"), "teachers": float("inf")})
@example(changes={"latitude": float("nan"), "longitude": float("-inf")})
@example(changes={"name": "北京市第一中学" * 20, "name_latin": None})
def test_institution_save_stores_what_was_accepted_or_nothing(db, school, changes):
    sid, network, coordinator, _ = school
    current = editing.institution_record(db, sid)
    before = db.checksums(TABLES)
    try:
        saved = editing.update_institution(db, coordinator, sid, changes, expected_version=current["version"])
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, editing.INSTITUTION_FIELDS)
        assert db.checksums(TABLES) == before
        return
    normalised = editing.normalise_institution(changes)
    for key, value in normalised.items():
        if key == "name_latin" and not value:
            continue  # derived from the name
        assert saved[key] == value, key
        if key in ("name", "city", "email"):
            assert saved[key] == clean(changes[key])
        if key == "website":  # a bare address gets its https://
            assert saved[key] in (clean(changes[key]), "https://" + (clean(changes[key]) or ""))
    check_institution(db, saved, network)
    written = db.rows("SELECT count(*) FROM audit_log WHERE entity = 'institutions' AND entity_id = ?", [str(sid)])
    diff = {k for k in editing.INSTITUTION_FIELDS if saved[k] != current[k]}
    if diff:
        assert saved["version"] == current["version"] + 1
        last = json.loads(
            db.scalar(
                "SELECT after FROM audit_log WHERE entity = 'institutions' AND entity_id = ? ORDER BY id DESC LIMIT 1",
                [str(sid)],
            )
        )
        assert set(last) - {"network"} == diff
        assert all(last[k] == saved[k] for k in diff)
    else:
        assert saved["version"] == current["version"]
        assert db.checksums(["institutions", "audit_log"]) == {t: before[t] for t in ["institutions", "audit_log"]}
    assert written


@FAST
@given(changes=overrides(INSTITUTION_VALUES, max_size=4))
def test_institution_create_stores_a_valid_record_or_nothing(db, school, changes):
    _, network, coordinator, valid = school
    before = db.checksums(TABLES)
    values = {**valid, "name_latin": None, **changes}
    try:
        new_id = editing.create_institution(db, coordinator, network, values)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, editing.INSTITUTION_FIELDS)
        assert db.checksums(TABLES) == before
        return
    saved = editing.institution_record(db, new_id)
    expected = editing.normalise_institution(values)
    assert {k: saved[k] for k in expected if k != "name_latin" or expected[k]} == {
        k: v for k, v in expected.items() if k != "name_latin" or v
    }
    assert saved["status"] == "member" and saved["version"] == 1 and saved["network"] == network
    check_institution(db, saved, network)
    audit = db.rows(
        "SELECT action, after FROM audit_log WHERE entity = 'institutions' AND entity_id = ?", [str(new_id)]
    )
    assert [a for a, _ in audit] == ["institution.create"]
    assert json.loads(audit[0][1])["name"] == saved["name"]


# -- networks ------------------------------------------------------------------------------------


@PURE
@given(values=overrides(NETWORK_VALUES, max_size=7))
def test_network_validator_never_raises(values):
    record = {
        k: validation.parse_int(v) if k == "founded_year" else validation.clean_text(v) for k, v in values.items()
    }
    errors = editing.validate_network(record)
    if errors:
        assert_clear(errors, editing.NETWORK_FIELDS)


@FAST
@given(changes=overrides(NETWORK_VALUES))
@example(changes={"founded_year": float("nan")})
def test_network_save_stores_what_was_accepted_or_nothing(db, school, changes):
    _, network, coordinator, _ = school
    current = editing.network_record(db, ADMIN, network)
    before = db.checksums(TABLES)
    try:
        saved = editing.update_network(db, coordinator, network, changes, expected_version=current["version"])
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, editing.NETWORK_FIELDS)
        assert db.checksums(TABLES) == before
        return
    for key, value in changes.items():
        if key == "founded_year":
            stored = saved[key]
            assert stored is None or (isinstance(stored, int) and 1953 <= stored <= date.today().year)
            assert stored == validation.parse_int(value)
        else:
            assert saved[key] == clean(value), key
    assert not editing.validate_network(saved)
    changed = any(saved[k] != current[k] for k in editing.NETWORK_FIELDS)
    assert saved["version"] == current["version"] + changed


# -- applications --------------------------------------------------------------------------------


def application_form(school):
    _, network, _, valid = school
    return {
        "network": network,
        "institution_name": "Escuela Nueva Esperanza",
        "city": valid["city"],
        "latitude": valid["latitude"],
        "longitude": valid["longitude"],
        "levels": ["primary"],
        "ownership": "public",
        "languages": ["es"],
        "pupils": "420",
        "teachers": "21",
        "themes": ["esd", "gced"],
        "theme_plans": {"esd": "A school garden.", "gced": "Letters with a partner school."},
        "contact_name": "Ana Pérez",
        "contact_email": "ana@school.example",
        "language": "es",
    }


APPLICATION_FIELDS = (*apps.FIELDS, "reference", *(f"plan_{t}" for t in THEMES))


@PURE
@given(values=overrides(APPLICATION_VALUES, max_size=8))
def test_application_validator_never_raises(db, school, values):
    record = {**application_form(school), **apps.normalise(values)}
    errors = apps.validate(db, record)
    if errors:
        assert_clear(errors, APPLICATION_FIELDS)


@FAST
@given(changes=overrides(APPLICATION_VALUES, max_size=4), submit=st.booleans(), minimal=st.booleans())
# drafts once stored whatever they were given: these raised database errors
@example(changes={"pupils": "many"}, submit=False, minimal=True)
@example(changes={"pupils": 10**12}, submit=False, minimal=True)
@example(changes={"latitude": "north", "longitude": "1"}, submit=False, minimal=True)
@example(changes={"ownership": "mixed"}, submit=False, minimal=True)
# once accepted, then approved into an institution that failed its own validation
@example(changes={"languages": ["english"]}, submit=True, minimal=False)
@example(changes={"name_latin": "x" * 300}, submit=True, minimal=False)
@example(changes={"institution_name": "北京市第一中学" * 28}, submit=True, minimal=False)
# once stored, and then broke the form that shows the draft again
@example(changes={"language": "xx"}, submit=False, minimal=True)
@example(changes={"theme_plans": {"": "x" * 2001}}, submit=False, minimal=True)
def test_application_save_stores_what_was_accepted_or_nothing(db, school, changes, submit, minimal):
    form = application_form(school)
    if minimal and not submit:  # a draft needs only the network and the contact's email
        form = {k: form[k] for k in ("network", "contact_email")}
    values = {**form, **changes}
    before = db.checksums(TABLES)
    try:
        app = apps.save(db, values, submit=submit)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, APPLICATION_FIELDS)
        assert db.checksums(TABLES) == before
        return
    record = app.record
    assert app.stage == ("submitted" if submit else "draft")
    normalised = apps.normalise(values)
    for key in ("institution_name", "city", "address", "contact_name", "contact_email"):
        if key in values:
            assert record[key] == (
                clean(values[key]) or ("" if key in ("institution_name", "contact_name") else None)
            ), key
    for key in ("latitude", "longitude", "pupils", "teachers", "levels", "themes", "languages"):
        if key in normalised:
            assert record[key] == (
                normalised[key] if normalised[key] is not None or key not in ("levels", "themes", "languages") else []
            ), key
    assert record["theme_plans"] == normalised.get("theme_plans", {})
    assert record["ownership"] in OWNERSHIP and record["language"] in LANGUAGES
    events = [e["stage"] for e in app.events]
    assert events == (["submitted"] if submit else [])
    if submit:
        approve_and_check(db, app)


def approve_and_check(db, app):
    """Approval turns a submitted application into a valid candidate institution, with its
    event and audit rows, in one step."""
    app_id = app.record["id"]
    apps.move(db, ADMIN, app_id, "recommended")
    done = apps.move(db, ADMIN, app_id, "approved")
    assert done.stage == "approved" and done.record["institution_id"]
    school = editing.institution_record(db, done.record["institution_id"])
    assert school["status"] == "candidate" and school["network"] == app.record["network"]
    assert school["name"] == app.record["institution_name"]
    # The profile is public: it gets the school's email and website, never the contact person's.
    assert (school["email"], school["website"]) == (app.record["school_email"], app.record["website"])
    problems = blocking(editing.validate_institution(school, network=school["network"]))
    assert not problems, problems
    actions = {
        a
        for (a,) in db.rows(
            "SELECT action FROM audit_log WHERE (entity = 'applications' AND entity_id = ?) "
            "OR (entity = 'institutions' AND entity_id = ?)",
            [str(app_id), str(school["id"])],
        )
    }
    assert {"application.submitted", "application.recommended", "application.approved", "institution.create"} <= actions


@FAST
@given(changes=overrides(APPLICATION_VALUES, max_size=3))
def test_a_draft_resumed_with_hostile_input_keeps_the_draft_or_saves_it(db, school, changes):
    draft = apps.save(db, {"network": school[1], "contact_email": "resume@school.example"}, submit=False)
    stored = db.checksums(TABLES)
    try:
        resumed = apps.save(
            db, changes, submit=False, reference=draft.record["reference"], email="resume@school.example"
        )
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, APPLICATION_FIELDS)
        assert db.checksums(TABLES) == stored
        return
    assert resumed.record["id"] == draft.record["id"] and resumed.stage == "draft"
    assert resumed.record["version"] == draft.record["version"] + 1


@FAST
@given(
    comment=st.one_of(st.none(), hostile_text), to=st.sampled_from(["returned", "recommended", "declined_coordinator"])
)
def test_review_comments_are_stored_verbatim_or_refused(db, school, comment, to):
    app = apps.save(db, application_form(school), submit=True)
    before = db.checksums(TABLES)
    try:
        moved = apps.move(db, school[2], app.record["id"], to, comment=comment)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("comment",))
        assert db.checksums(TABLES) == before
        return
    assert moved.stage == to
    assert moved.events[-1]["comment"] == clean(comment)


@pytest.fixture(scope="module")
def focal(db, school):
    """The focal point of ``school``."""
    coordinator = school[2]
    invitation = focal_points.invite(db, coordinator, school[0], display_name="Prop Focal", email="prop@school.example")
    return focal_points.accept(db, invitation.token, "prop@school.example", "Garden-and-river-7").actor


@settings(FAST, max_examples=30)
@given(
    themes=st.one_of(st.none(), st.lists(st.one_of(st.sampled_from(THEMES), hostile_text), max_size=4), hostile_text),
    levels=st.one_of(st.none(), st.lists(st.one_of(st.sampled_from(LEVELS), hostile_text), max_size=4)),
    comment=st.one_of(st.none(), hostile_text),
)
def test_a_change_request_stores_what_was_asked_or_nothing(db, school, focal, themes, levels, comment):
    before = db.checksums([*TABLES, "change_requests"])
    try:
        rid = change_requests.request(db, focal, school[0], themes=themes, levels=levels, comment=comment)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("themes", "levels", "comment", "form"))
        assert db.checksums([*TABLES, "change_requests"]) == before
        return
    stored = db.rows("SELECT themes, levels, comment, state FROM change_requests WHERE id = ?", [rid])[0]
    assert stored[2] == clean(comment) and stored[3] == "pending"
    assert (stored[0] is None or set(stored[0]) <= set(THEMES)) and (stored[1] is None or set(stored[1]) <= set(LEVELS))
    assert stored[0] is not None or stored[1] is not None


# -- board ----------------------------------------------------------------------------------------

CLOCK = {"now": datetime(2030, 1, 1)}


def tick():
    """A later moment for each post, so that the rate limit never interferes."""
    CLOCK["now"] += timedelta(minutes=2)
    return CLOCK["now"]


@FAST
@given(body=st.one_of(hostile_text, st.none()), reply=st.booleans())
def test_board_post_stores_the_text_exactly_or_nothing(db, body, reply):
    author = Actor("admin2", "admin")
    general = db.scalar("SELECT id FROM channels WHERE kind = 'all'")
    thread = db.scalar("SELECT max(id) FROM messages WHERE channel_id = ? AND thread_id IS NULL", [general])
    before = db.checksums(TABLES)
    try:
        message = board.post(db, author, general, body, thread_id=thread if reply else None, now=tick())
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("body",))
        assert db.checksums(TABLES) == before
        assert not has_visible(clean(body)) or len(clean(body)) > board.MAX_LENGTH
        return
    assert has_visible(clean(body))
    stored = db.rows("SELECT body, author, thread_id FROM messages WHERE id = ?", [message])[0]
    assert stored == (clean(body), "admin2", thread if reply else None)


@FAST
@given(body=st.one_of(hostile_text, st.none()))
def test_board_edit_stores_the_text_exactly_or_nothing(db, body):
    author = Actor("admin3", "admin")
    general = db.scalar("SELECT id FROM channels WHERE kind = 'all'")
    when = tick()
    message = board.post(db, author, general, "Draft message", now=when)
    before = db.checksums(TABLES)
    try:
        board.edit(db, author, message, body, now=when + timedelta(minutes=1))
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("body",))
        assert db.checksums(TABLES) == before
        return
    assert db.scalar("SELECT body FROM messages WHERE id = ?", [message]) == clean(body)
    audit = json.loads(
        db.scalar("SELECT after FROM audit_log WHERE entity = 'messages' AND entity_id = ?", [str(message)])
    )
    assert audit == {"body": clean(body)}


# -- projects -------------------------------------------------------------------------------------


def project_form():
    return {
        "title": "Rivers of the Sahel",
        "description": "Schools measure their rivers.",
        "themes": ["esd"],
        "languages": ["fr", "en"],
        "start_date": date(2026, 9, 1),
        "end_date": date(2027, 6, 30),
        "status": "open",
    }


@FAST
@given(changes=overrides(PROJECT_VALUES, max_size=4))
# once passed to the database as they were (conversion errors, or a datetime compared to a date)
@example(changes={"start_date": "2026-02-30"})
@example(changes={"start_date": 20260901})
@example(changes={"start_date": datetime(2027, 1, 1, 12, 0)})
@example(changes={"start_date": "2026-09-01", "end_date": "2026-08-31"})
def test_project_creation_stores_what_was_accepted_or_nothing(db, school, changes):
    owner = school[2]
    values = {**project_form(), **changes}
    before = db.checksums(TABLES)
    try:
        project_id = projects.create_project(db, owner, values)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, tuple(PROJECT_VALUES))
        assert db.checksums(TABLES) == before
        return
    project = projects.get_project(db, project_id)
    assert project["title"] == clean(values["title"])
    assert project["description"] == clean(values.get("description"))
    assert project["status"] in PROJECT_STATUSES and project["themes"] and set(project["themes"]) <= set(THEMES)
    for key in ("start_date", "end_date"):
        value = project[key]
        assert value is None or (isinstance(value, date) and not isinstance(value, datetime))
    if project["start_date"] and project["end_date"]:
        assert project["start_date"] <= project["end_date"]
    raw = values.get("start_date")
    if isinstance(raw, date):
        assert project["start_date"] == (raw.date() if isinstance(raw, datetime) else raw)
    assert project["channel_id"]
    assert (
        db.scalar("SELECT count(*) FROM audit_log WHERE entity = 'projects' AND entity_id = ?", [str(project_id)]) == 1
    )


# -- accounts -------------------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def cheap_hashes():
    """The fewest bcrypt rounds for the unknown user's check too (the suite's conftest lowers
    them for the passwords set), so that a hundred logins take a second, not a minute."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(accounts, "_DUMMY_HASH", accounts.bcrypt.hashpw(b"not a password", accounts.bcrypt.gensalt(4)))
        yield


password_text = st.one_of(
    hostile_text, st.text(min_size=10, max_size=80), st.builds(lambda s: s + "-2026", st.text(min_size=6, max_size=80))
)


@PURE
@given(password=password_text, username=st.one_of(st.just(""), hostile_text, st.just("coord.fra")))
def test_password_policy_accepts_or_names_the_problem(password, username):
    try:
        accounts.check_password_policy(password, username=username)
    except FieldError as refused:
        assert refused.field == "password"
        assert_clear([refused], ("password",))
        return
    assert len(password) >= accounts.MIN_PASSWORD_LENGTH
    accounts.hash_password(password)  # whatever the policy accepts can be hashed


@FAST
@example(
    username="abc", display_name="None\x92\x9fqH", password="long-enough-2026", role="analyst", network=None, email=None
)
@given(
    username=st.one_of(hostile_text, st.from_regex(r"\A[a-z0-9][a-z0-9._-]{2,20}\Z")),
    display_name=hostile_text,
    password=password_text,
    role=st.one_of(st.sampled_from(ROLES), hostile_text),
    network=st.one_of(st.none(), st.sampled_from(["FRA", "ZZZ", "fra"])),
    email=st.one_of(st.none(), INSTITUTION_VALUES["email"]),
)
def test_account_creation_stores_a_user_who_can_log_in_or_nothing(
    db, username, display_name, password, role, network, email
):
    before = db.checksums(TABLES)
    try:
        user = accounts.create_user(
            db,
            ADMIN,
            username=username,
            display_name=display_name,
            role=role,
            password=password,
            email=email,
            network=network,
        )
    except FieldError as refused:
        assert_clear([refused], ("username", "display_name", "role", "network", "password", "email"))
        assert db.checksums(TABLES) == before
        return
    assert user.username == username.strip().lower() and user.role == role
    # Stored as one clean line: control characters (C0 and C1) dropped, spaces collapsed.
    assert user.display_name == clean_line(display_name) and user.email == email
    assert accounts.authenticate(db, user.username, password).username == user.username
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(db, user.username, password + "x")


@FAST
@given(password=st.one_of(hostile_text, st.text(min_size=60, max_size=300)))
def test_login_with_any_password_is_refused_cleanly(db, password):
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(db, "analyst", password)
    with pytest.raises(accounts.LoginRefused):
        accounts.authenticate(db, "nobody.here", password)


@FAST
@given(new=password_text)
def test_password_change_stores_a_password_that_logs_in_or_nothing(db, new):
    username, old = "analyst2", "demo-analyst-2026"
    before = db.checksums(TABLES)
    try:
        accounts.change_password(db, username, old, new)
    except FieldError as refused:
        assert_clear([refused], ("password", "old_password"))
        assert db.checksums(["users", "audit_log"]) == {t: before[t] for t in ["users", "audit_log"]}
        return
    assert accounts.authenticate(db, username, new).username == username
    accounts.change_password(db, username, new, old)  # back, for the next example


@FAST
@given(
    username=st.sampled_from(["analyst3", "coord.fra", "admin2", "nobody.here"]),
    network=st.one_of(st.none(), st.sampled_from(["FRA", "JPN", "ZZZ", "fra", ""]), hostile_text),
)
@example(username="analyst3", network="ZZZ")  # once a foreign-key error from the database
@example(username="coord.fra", network="JPN")  # once refused for anyone who had logged in or posted
def test_assigning_a_network_stores_an_existing_one_or_nothing(db, username, network):
    if accounts.get_user(db, username):
        accounts.open_session(db, username, 1.0)  # a user who has logged in
    before = db.checksums(TABLES)
    try:
        accounts.assign_network(db, ADMIN, username, network)
    except FieldError as refused:
        assert_clear([refused], ("username", "network"))
        assert db.checksums(TABLES) == before
        return
    user = accounts.get_user(db, username)
    assert user.network == network
    assert network is None or db.scalar("SELECT count(*) FROM networks WHERE iso3 = ?", [network]) == 1


@FAST
@given(slug=st.one_of(st.from_regex(r"\A[a-z0-9][a-z0-9-]{1,20}\Z"), hostile_text), title=hostile_text)
def test_topical_channels_are_created_as_typed_or_refused(db, slug, title):
    before = db.checksums(TABLES)
    try:
        channel = board.create_channel(db, ADMIN, slug=slug, title=title)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("slug", "title"))
        assert db.checksums(TABLES) == before
        return
    assert db.rows("SELECT slug, title, kind FROM channels WHERE id = ?", [channel])[0] == (
        slug.strip().lower(),
        clean_line(title)[:120],
        "topic",
    )


@FAST
@given(reason=st.one_of(st.none(), hostile_text), exists=st.booleans())
@example(reason="Off topic", exists=False)  # once audited a message that is not there
def test_hiding_a_message_is_audited_only_when_it_is_hidden(db, reason, exists):
    message = (
        board.post(
            db,
            Actor("admin2", "admin"),
            db.scalar("SELECT id FROM channels WHERE kind = 'all'"),
            "To be hidden",
            now=tick(),
        )
        if exists
        else 10**12
    )
    before = db.checksums(TABLES)
    try:
        board.hide(db, ADMIN, message, reason)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("reason",))
        assert db.checksums(TABLES) == before
        return
    except editing.NotFound:
        assert not exists and db.checksums(TABLES) == before
        return
    assert exists
    assert db.scalar("SELECT hidden_reason FROM messages WHERE id = ?", [message]) == clean_line(reason)[:300]
    assert (
        db.scalar(
            "SELECT count(*) FROM audit_log WHERE entity = 'messages' AND entity_id = ? AND action = 'message.hide'",
            [str(message)],
        )
        == 1
    )


@FAST
@given(changes=overrides(INSTITUTION_VALUES))
def test_a_saved_change_reverts_exactly_through_its_audit_row(db, school, changes):
    sid, network, coordinator, _ = school
    current = editing.institution_record(db, sid)
    try:
        saved = editing.update_institution(db, coordinator, sid, changes, expected_version=current["version"])
    except editing.ValidationFailed:
        return
    if saved["version"] == current["version"]:
        return  # nothing changed, nothing to revert
    audit_id = db.scalar("SELECT max(id) FROM audit_log WHERE entity = 'institutions' AND entity_id = ?", [str(sid)])
    editing.revert(db, ADMIN, audit_id)
    reverted = editing.institution_record(db, sid)
    assert {k: reverted[k] for k in editing.INSTITUTION_FIELDS} == {k: current[k] for k in editing.INSTITUTION_FIELDS}
    assert reverted["version"] == saved["version"] + 1
    changes = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid, limit=2)
    assert [c["action"] for c in changes] == ["institution.revert", "institution.update"]


# -- direct conversations --------------------------------------------------------------------------

CONVERSATION_TABLES = [*TABLES, "channel_members", "message_reports"]


def but_meta(checksums: dict) -> dict:
    """Every table's checksum but that of ``meta``, whose data version each write moves, even
    one that finds nothing to change."""
    return {table: value for table, value in checksums.items() if table != "meta"}


@pytest.fixture(scope="module")
def talkers(db):
    """A coordinator who starts conversations, and the two coordinators they write to."""
    names = [
        u
        for (u,) in db.rows(
            "SELECT username FROM users WHERE role = 'coordinator' AND NOT disabled ORDER BY username LIMIT 3"
        )
    ]
    return accounts.get_user(db, names[0]).actor, names[1:]


def untitled_pair(db, a: str, b: str) -> int | None:
    """The untitled conversation of exactly these two people, if there is one."""
    return db.scalar(
        """SELECT min(c.id) FROM channels c
           WHERE c.kind = 'direct' AND c.title = '' AND c.id IN (
               SELECT channel_id FROM channel_members GROUP BY channel_id
               HAVING count(*) = 2 AND count(*) FILTER (WHERE username IN (?, ?)) = 2)""",
        [a, b],
    )


@FAST
@given(
    body=st.one_of(st.none(), hostile_text),
    title=st.one_of(st.none(), hostile_text),
    group=st.booleans(),
    stray=st.one_of(st.none(), hostile_text),
)
@example(body="Hello", title=None, group=False, stray=None)
@example(body="Hello again", title=" \t", group=False, stray=" ")  # the pair's conversation is kept
@example(body="\u200b\u202e", title="Toolkit", group=True, stray=None)
def test_a_conversation_starts_with_what_was_accepted_or_nothing(db, talkers, body, title, group, stray):
    starter, others = talkers
    wanted = others if group else others[:1]
    members = [*wanted, *([stray] if stray is not None else [])]
    unknown = stray is not None and stray.strip() not in ("", starter.username, *others)
    shown = clean_line(title).strip()[:120]
    pair = untitled_pair(db, starter.username, others[0])
    before = db.checksums(CONVERSATION_TABLES)
    try:
        channel, thread = board.start_conversation(db, starter, members, body, title=title, now=tick())
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("members", "body"))
        assert [e.field for e in failed.errors] == ["members" if unknown else "body"]
        assert db.checksums(CONVERSATION_TABLES) == before
        assert unknown or not has_visible(clean(body)) or len(clean(body)) > board.MAX_LENGTH
        return
    assert not unknown and has_visible(clean(body)) and len(clean(body)) <= board.MAX_LENGTH
    everyone = sorted([starter.username, *wanted])
    assert db.rows("SELECT kind, title FROM channels WHERE id = ?", [channel]) == [("direct", shown)]
    assert sorted(u for (u,) in db.rows("SELECT username FROM channel_members WHERE channel_id = ?", [channel])) == (
        everyone
    )
    assert db.rows("SELECT channel_id, thread_id, author, body FROM messages WHERE id = ?", [thread]) == [
        (channel, None, starter.username, clean(body))
    ]
    after = db.checksums(CONVERSATION_TABLES)
    assert after["messages"][0] == before["messages"][0] + 1
    started = db.rows(
        "SELECT after FROM audit_log WHERE action = 'conversation.start' AND entity_id = ?", [str(channel)]
    )
    if not group and not shown and pair is not None:  # two people keep one untitled conversation
        assert channel == pair and after["channels"] == before["channels"]
    else:
        assert after["channels"][0] == before["channels"][0] + 1
        assert [json.loads(a) for (a,) in started] == [{"members": everyone, "title": shown}]


@pytest.fixture(scope="module")
def reporting(db, talkers):
    """A conversation of two coordinators: one of them reports what the other writes."""
    reporter, others = talkers
    author = accounts.get_user(db, others[0]).actor
    channel, _ = board.start_conversation(
        db, reporter, [author.username], "About the toolkit", title="Reports", now=tick()
    )
    return reporter, author, channel


@FAST
@given(reason=st.one_of(st.none(), hostile_text), exists=st.booleans())
def test_a_report_stores_its_reason_as_cleaned_or_nothing(db, reporting, reason, exists):
    reporter, author, channel = reporting
    message = board.post(db, author, channel, "Is this rude?", now=tick()) if exists else 10**12
    why = clean_line(reason).strip()[:300]
    before = db.checksums(CONVERSATION_TABLES)
    try:
        board.report(db, reporter, message, reason)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("reason",))
        assert not has_visible(why)
        assert db.checksums(CONVERSATION_TABLES) == before
        return
    except editing.NotFound:
        assert not exists and db.checksums(CONVERSATION_TABLES) == before
        return
    assert exists and has_visible(why)
    assert db.rows("SELECT reported_by, reason, resolved_at FROM message_reports WHERE message_id = ?", [message]) == [
        (reporter.username, why, None)
    ]
    audit = db.rows("SELECT action, after FROM audit_log WHERE entity = 'messages' AND entity_id = ?", [str(message)])
    assert [(a, json.loads(after)) for a, after in audit] == [("message.report", {"reason": why})]
    reported = db.checksums(CONVERSATION_TABLES)
    assert {t for t in CONVERSATION_TABLES if reported[t] != before[t]} == {"message_reports", "audit_log", "meta"}
    board.report(db, reporter, message, "Reported again")  # once per member and message
    assert but_meta(db.checksums(CONVERSATION_TABLES)) == but_meta(reported)
    # A moderator leaves it as it is: its report is closed, once.
    board.dismiss_report(db, ADMIN, message)
    assert db.rows("SELECT resolved_by FROM message_reports WHERE message_id = ?", [message]) == [("admin",)]
    dismissed = db.checksums(CONVERSATION_TABLES)
    with pytest.raises(editing.NotFound):
        board.dismiss_report(db, ADMIN, message)
    assert db.checksums(CONVERSATION_TABLES) == dismissed


# -- shared files ----------------------------------------------------------------------------------

FILE_TABLES = [*TABLES, "files", "project_materials", "message_files"]
MATERIAL_VALUES = {
    "title": hostile_text,
    "description": st.one_of(st.none(), hostile_text),
    "language": st.one_of(
        st.none(),
        st.sampled_from(["fr", "French", "anglais", "swa", "FR", " es ", "fra", "xx", "Klingon", "", "   "]),
        hostile_text,
    ),
    "theme": st.one_of(st.none(), st.sampled_from([*THEMES, "ESD", " esd", "esd\n", ""]), hostile_text),
}
hostile_file_name = st.one_of(
    hostile_text,
    st.lists(
        st.sampled_from(
            ["..", "/", "\\", "C:", "\u202e", "\u2066", "\u200b", "\u061c", "\x00", "\n", "\x85", "CON", "<>:|?*"]
            + [".exe", ".pdf", ".txt", ".csv", ".PDF", "é", "北京", " ", "."]
        ),
        max_size=20,
    ).map("".join),
)


@pytest.fixture(scope="module")
def space(db):
    """A project space, its owner (a coordinator, who shares files in it) and small valid files
    of each kind that is kept as text or PDF, by the kind they are."""
    from fpdf import FPDF

    document = FPDF()
    document.add_page()
    document.set_font("Helvetica", size=12)
    document.cell(text="Rivers of the Sahel")
    project, owner = db.rows(
        "SELECT p.id, u.username FROM projects p JOIN users u ON u.username = p.owner AND u.network = p.network "
        "WHERE u.role = 'coordinator' AND NOT u.disabled ORDER BY p.id LIMIT 1"
    )[0]
    contents = {
        "text": "Week 1: rivers, 12 km – école".encode(),
        "csv": b"week,level\n1,2.5\n2,2.7\n",
        "pdf": bytes(document.output()),
    }
    return project, accounts.get_user(db, owner).actor, contents


def material_problems(values: dict) -> set[str]:
    """The fields add_material refuses, by its documented rules, computed apart from it."""
    title, description = clean(values.get("title")), clean(values.get("description"))
    language, theme = values.get("language"), values.get("theme") or None
    return {
        field
        for field, wrong in (
            ("title", not has_visible(title) or len(title) > files.TITLE_LENGTH),
            ("description", description is not None and len(description) > files.DESCRIPTION_LENGTH),
            ("language", bool(language) and languages.parse(str(language)) is None),
            ("theme", theme is not None and theme not in THEMES),
        )
        if wrong
    }


@settings(FAST, max_examples=30)
@given(
    changes=overrides(MATERIAL_VALUES, max_size=4), name=hostile_file_name, kind=st.sampled_from(["text", "csv", "pdf"])
)
@example(changes={"language": "   "}, name="notes.txt", kind="text")
@example(changes={"theme": "ESD"}, name="../../etc/passwd", kind="text")
@example(changes={}, name="C:\\Users\\ana/report\u202efdp.exe", kind="pdf")
@example(changes={"title": "\u200b\u2066"}, name="CON.pdf", kind="pdf")
def test_a_material_stores_what_was_accepted_or_nothing(db, space, changes, name, kind):
    project, owner, contents = space
    values, data = {"title": "Rivers of the Sahel", **changes}, contents[kind]
    problems = material_problems(values)
    before, used = db.checksums(FILE_TABLES), files.quota(db, owner).used
    try:
        material = files.add_material(db, owner, project, files.Upload(name, data), values)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, tuple(MATERIAL_VALUES))
        assert {e.field for e in failed.errors} == problems
        assert db.checksums(FILE_TABLES) == before and files.quota(db, owner).used == used
        return
    assert not problems
    language = values.get("language")
    row = db.rows(
        "SELECT title, description, language, theme, file_id FROM project_materials WHERE id = ?", [material]
    )[0]
    assert row[:4] == (
        clean(values["title"]),
        clean(values.get("description")),
        languages.parse(str(language)) if language else None,
        values.get("theme") or None,
    )
    stored, _, content = files.download(db, owner, row[4])
    assert content == data
    assert stored == files.inspect(files.Upload(name, data)).name
    assert 0 < len(stored) <= files.MAX_NAME and stored == stored.strip()
    assert stored.endswith(files.KINDS["pdf" if kind == "pdf" else "text"].extensions)
    # No path, and no control, invisible or right-to-left character, in what is stored.
    assert not any(ch in "/\\" or unicodedata.category(ch).startswith("C") for ch in stored), stored
    assert files.quota(db, owner).used == used + len(data)
    after = db.checksums(FILE_TABLES)
    assert after["files"][0] == before["files"][0] + 1
    assert after["project_materials"][0] == before["project_materials"][0] + 1
    assert after["message_files"] == before["message_files"]


# -- e-mail notifications ----------------------------------------------------------------------------

NOTIFICATION_TABLES = [*TABLES, "notification_settings"]


@pytest.fixture(scope="module")
def subscribers(db):
    """A coordinator who has a mail setting (the demo's), and a new UNESCO admin who never chose."""
    coordinator = db.scalar(
        "SELECT min(s.username) FROM notification_settings s JOIN users u ON u.username = s.username "
        "WHERE u.role = 'coordinator' AND NOT u.disabled"
    )
    newcomer = accounts.create_user(
        db, ADMIN, username="mail.newcomer", display_name="Mail Newcomer", role="admin", password="Garden-and-river-7"
    )
    return [accounts.get_user(db, coordinator).actor, newcomer.actor]


@FAST
@given(
    chosen=st.one_of(
        st.sampled_from(notifications.MODES),
        st.sampled_from(["INSTANT", " daily", "never\n", "Never", "weekly", "none", "", "daily\x00"]),
        hostile_text,
        st.none(),
        st.integers(),
    ),
    who=st.sampled_from([0, 1]),
)
@example(chosen="daily", who=1)  # the default, chosen by one who never chose: their row is made
@example(chosen="never", who=0)
@example(chosen="never", who=0)  # the same again: nothing to write
@example(chosen=" never", who=0)
def test_a_mail_mode_is_stored_only_when_offered(db, subscribers, chosen, who):
    actor = subscribers[who]
    had = db.rows("SELECT mode FROM notification_settings WHERE username = ?", [actor.username])
    before = db.checksums(NOTIFICATION_TABLES)
    try:
        notifications.set_mode(db, actor, chosen)
    except editing.ValidationFailed as failed:
        assert_clear(failed.errors, ("mode",))
        assert chosen not in notifications.MODES
        assert db.checksums(NOTIFICATION_TABLES) == before
        return
    assert isinstance(chosen, str) and chosen in notifications.MODES
    assert notifications.mode(db, actor) == chosen
    assert db.rows("SELECT mode FROM notification_settings WHERE username = ?", [actor.username]) == [(chosen,)]
    if had == [(chosen,)]:  # nothing to change: nothing written (but the data version)
        assert but_meta(db.checksums(NOTIFICATION_TABLES)) == but_meta(before)
        return
    action, old, new = db.rows(
        "SELECT action, before, after FROM audit_log WHERE entity = 'users' AND entity_id = ? ORDER BY id DESC LIMIT 1",
        [actor.username],
    )[0]
    assert (action, json.loads(old), json.loads(new)) == (
        "notifications.mode",
        {"mode": had[0][0] if had else notifications.DEFAULT_MODE},
        {"mode": chosen},
    )
    after = db.checksums(NOTIFICATION_TABLES)
    assert {t for t in NOTIFICATION_TABLES if after[t] != before[t]} == {"notification_settings", "audit_log", "meta"}
