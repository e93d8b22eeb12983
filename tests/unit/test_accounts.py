"""Accounts: passwords, lockout that unlocks by itself, equal-cost refusals, server-side sessions,
administration, and the permission matrix cell by cell."""

import contextlib
import time
from datetime import timedelta

import pytest

from aspnet_data import accounts, demo
from aspnet_data.db import open_database, utc_now
from aspnet_data.errors import FieldError
from aspnet_data.permissions import ACTIONS, ANONYMOUS, PAGES, RELATIONS, Actor, PermissionDenied, can

from ..conftest import APP_BCRYPT_ROUNDS

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def coordinator(db):
    return db.rows("SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1")[0]


def test_demo_password_logs_in(db):
    name, network = coordinator(db)
    user = accounts.authenticate(db, name.upper() + " ", demo.DEMO_PASSWORDS["coordinator"])
    assert (user.username, user.role, user.network) == (name, "coordinator", network)


def test_wrong_password_and_unknown_user_are_refused_alike(db):
    name, _ = coordinator(db)
    with pytest.raises(accounts.LoginRefused) as wrong:
        accounts.authenticate(db, name, "not-the-password-1")
    with pytest.raises(accounts.LoginRefused) as unknown:
        accounts.authenticate(db, "nobody.here", "not-the-password-1")
    assert wrong.value.reason == unknown.value.reason == "invalid"


def test_a_password_is_stored_as_a_bcrypt_hash_of_cost_12(db, monkeypatch):
    """The app's cost (the rest of the suite hashes at the lowest one: see tests/conftest.py)."""
    monkeypatch.setattr(accounts, "BCRYPT_ROUNDS", APP_BCRYPT_ROUNDS)
    accounts.create_user(
        db, ADMIN, username="cost.check", display_name="Cost", role="analyst", password="a long password 2026"
    )
    stored = db.scalar("SELECT password_hash FROM users WHERE username = 'cost.check'")
    assert APP_BCRYPT_ROUNDS == 12 and stored.startswith("$2b$12$")
    assert accounts.authenticate(db, "cost.check", "a long password 2026").username == "cost.check"


def test_unknown_user_takes_as_long_as_a_wrong_password(db):
    name, _ = coordinator(db)

    def cost(username):
        # The work a refusal costs, in this thread's CPU time (a busy machine's pauses are not
        # work), the least of several attempts.
        times = []
        for _ in range(4):
            started = time.thread_time()
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(db, username, "wrong-password-9")
            times.append(time.thread_time() - started)
        return min(times)

    known, unknown = cost(name), cost("nobody.here")
    # Both pay one bcrypt check per attempt (~0.2 s at cost 12): within a factor of two.
    assert 0.5 < unknown / known < 2.0


def test_five_failures_lock_for_fifteen_minutes_then_unlock(db):
    name, _ = coordinator(db)
    now = utc_now()
    for _attempt in range(4):
        with pytest.raises(accounts.LoginRefused) as refused:
            accounts.authenticate(db, name, "wrong-password-9", now=now)
        assert refused.value.reason == "invalid"
    with pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate(db, name, "wrong-password-9", now=now)
    assert refused.value.reason == "locked"
    # Even the right password is refused while locked...
    with pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"], now=now + timedelta(minutes=14))
    assert refused.value.reason == "locked"
    # ...and accepted once the fifteen minutes are over.
    user = accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"], now=now + timedelta(minutes=16))
    assert user.username == name


def test_disabled_user_cannot_log_in_and_loses_sessions(db):
    name, _ = coordinator(db)
    accounts.open_session(db, name, 123.5)
    accounts.set_disabled(db, ADMIN, name, True)
    assert accounts.check_session(db, name, 123.5) is None
    with pytest.raises(accounts.LoginRefused) as refused:
        accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"])
    assert refused.value.reason == "disabled"
    accounts.set_disabled(db, ADMIN, name, False)
    assert accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"]).username == name


def test_sessions_are_revoked_on_the_server_and_expire(db):
    name, _ = coordinator(db)
    now = utc_now()
    accounts.open_session(db, name, 99.25, now=now)
    assert accounts.check_session(db, name, 99.25, now=now).username == name
    assert accounts.check_session(db, name, 99.26, now=now) is None  # a forged stamp
    assert accounts.check_session(db, "admin", 99.25, now=now) is None  # another user's stamp
    assert accounts.check_session(db, name, 99.25, now=now + accounts.SESSION_LIFETIME) is None
    accounts.revoke_session(db, name, 99.25)
    assert accounts.check_session(db, name, 99.25, now=now) is None


@pytest.mark.parametrize(
    "password, code", [("short1", "too_short"), ("onlyletterslong", "needs_mix"), ("x" * 201 + "1", "too_long_bytes")]
)
def test_password_policy(password, code):
    with pytest.raises(FieldError) as error:
        accounts.check_password_policy(password)
    assert error.value.code == code


def test_change_own_password(db):
    name, _ = coordinator(db)
    with pytest.raises(FieldError) as error:
        accounts.change_password(db, name, "wrong-old-pass1", "A-new-password-2")
    assert error.value.field == "old_password"
    accounts.change_password(db, name, demo.DEMO_PASSWORDS["coordinator"], "A-new-password-2")
    assert accounts.authenticate(db, name, "A-new-password-2").username == name


def test_admin_creates_resets_and_assigns(db):
    user = accounts.create_user(
        db,
        ADMIN,
        username="New.Coord",
        display_name="New Coordinator",
        role="coordinator",
        network="FRA"
        if db.scalar("SELECT count(*) FROM networks WHERE iso3='FRA'")
        else db.scalar("SELECT min(iso3) FROM networks"),
        password="Temporary-pass-1",
        must_change_password=True,
    )
    assert user.username == "new.coord" and user.must_change_password
    temporary = accounts.reset_password(db, ADMIN, "new.coord")
    assert accounts.authenticate(db, "new.coord", temporary).must_change_password
    with pytest.raises(FieldError) as error:
        accounts.create_user(
            db, ADMIN, username="new.coord", display_name="x", role="analyst", password="Another-pass-1"
        )
    assert error.value.code == "taken"
    with pytest.raises(FieldError) as error:
        accounts.create_user(
            db, ADMIN, username="x.y", display_name="x", role="coordinator", network="ZZZ", password="Another-pass-1"
        )
    assert error.value.code == "unknown_network"
    audit = db.rows("SELECT action FROM audit_log WHERE entity = 'users' AND entity_id = 'new.coord' ORDER BY id")
    assert [a for (a,) in audit] == ["user.create", "user.reset_password"]


@pytest.mark.parametrize("actor", [ANONYMOUS, Actor("analyst", "analyst"), Actor("c", "coordinator", "FRA")])
def test_only_admins_manage_users(db, actor):
    with pytest.raises(PermissionDenied):
        accounts.create_user(db, actor, username="someone", display_name="x", role="analyst", password="Passw0rd-long")
    with pytest.raises(PermissionDenied):
        accounts.reset_password(db, actor, "admin")
    with pytest.raises(PermissionDenied):
        accounts.set_disabled(db, actor, "admin", True)


ROLES = {
    "anonymous": ANONYMOUS,
    "analyst": Actor("a", "analyst"),
    "own coordinator": Actor("c", "coordinator", "FRA"),
    "other coordinator": Actor("d", "coordinator", "JPN"),
    "focal point": Actor("f", "focal_point", "FRA", 7),  # of school 7, in FRA
    "admin": Actor("z", "admin"),
}
EXPECTED = {  # action -> roles allowed on network FRA
    "read_private": {"analyst", "own coordinator", "admin"},
    "export_full": {"analyst", "admin"},
    "read_staff_figures": {"analyst", "own coordinator", "other coordinator", "admin"},
    "edit": {"own coordinator", "admin"},
    "withdraw": {"own coordinator", "admin"},
    "bulk_apply": {"own coordinator", "admin"},
    "revert": {"admin"},
    "manage_users": {"admin"},
    "read_quality": {"analyst", "own coordinator", "admin"},
    "read_todo": {"own coordinator", "admin"},
    "review": {"own coordinator", "admin"},
    "read_board": {"own coordinator", "admin"},  # and a focal point, for their network's channel for schools
    "own_account": {"analyst", "own coordinator", "admin"},
    "act_as_applicant": set(),  # only with the reference code and email (see below)
    "decide_application": {"admin"},
    "propose_membership": {"own coordinator", "admin"},
    "decide_membership": {"admin"},
    "set_candidacy_period": {"admin"},
    "read_channel": {"admin"},  # coordinators: in a channel of their audience (below)
    "read_schools_channel": set(),  # a focal point, in their network's channel for schools (below)
    "open_schools_channel": {"own coordinator", "admin"},
    "edit_message": set(),  # only one's own (below)
    "hide_message": {"admin"},
    "create_channel": {"admin"},
    "start_conversation": {"own coordinator", "other coordinator", "admin"},
    "read_conversation": set(),  # its members only (below)
    "report_message": set(),  # a member of the conversation only (below)
    "moderate_reported": {"admin"},
    "email_notifications": {"own coordinator", "admin"},  # and a focal point (below): whoever has a board
    "create_project": {"own coordinator", "other coordinator", "admin"},
    "add_to_project": {"own coordinator", "admin"},
    "decide_project_request": {"admin"},  # and the project's owner (below)
    "manage_focal_points": {"own coordinator", "admin"},
    "edit_school_details": {"own coordinator", "admin"},  # and the school's focal point (below)
    "read_my_school": set(),  # the school's focal point only (below)
    "request_school_change": set(),  # the school's focal point only (below)
    "decide_school_change": {"own coordinator", "admin"},
    "read_report": {"analyst", "own coordinator", "admin"},  # and the school's focal point (below)
    "write_report": {"own coordinator", "admin"},  # and the school's focal point (below)
    "decide_report": {"own coordinator", "admin"},
    "compile_national_report": {"analyst", "own coordinator", "admin"},
    "review_inactive": {"admin"},
    "set_report_cycle": {"admin"},
    "read_materials": {"analyst", "admin"},  # and those who take part in the project space (below)
    "add_material": {"admin"},  # and coordinators of its networks (below)
    "publish_material": {"admin"},  # and the project's owner (below)
    "delete_material": {"admin"},  # and who added it, or the project's owner (below)
    "attach_file": set(),  # to one's own message only (below)
}
# What a focal point may do on their own school (7), action by action; on any other school, or
# without naming one, only what EXPECTED gives them (nothing but their school's page).
FOCAL_POINT_ON_OWN_SCHOOL = {
    "edit_school_details",
    "read_my_school",
    "own_account",
    "add_to_project",
    "read_report",
    "write_report",
    "read_board",
    "read_schools_channel",
    "request_school_change",
    "email_notifications",
    "read_materials",
}


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_permission_matrix(action, role):
    assert can(ROLES[role], action, "FRA") == (role in EXPECTED[action])


@pytest.mark.parametrize("role", sorted(ROLES))
def test_relations_in_the_matrix(role):
    actor = ROLES[role]
    # The owner of a project or the author of a message: whoever they are, signed in.
    assert can(actor, "edit_message", owner=actor.username) == (actor.username is not None)
    assert can(actor, "decide_project_request", owner=actor.username) == (actor.username is not None)
    for action in ("attach_file", "publish_material", "delete_material"):
        assert can(actor, action, owner=actor.username) == (actor.username is not None)
    assert not can(actor, "attach_file", owner="someone.else")
    # A project space's materials: its networks' coordinators add and read them (staff read them).
    readers = ("own coordinator", "other coordinator", "admin", "analyst")
    assert can(actor, "read_materials", member=True) == (role in readers)
    assert can(actor, "add_material", member=True) == (role in ("own coordinator", "other coordinator", "admin"))
    assert not can(actor, "edit_message", owner="someone.else")
    # A channel's audience: coordinators whose network it is for (admins read every channel).
    assert can(actor, "read_channel", member=True) == (role in ("own coordinator", "other coordinator", "admin"))
    # A direct conversation: whoever takes part in it, signed in, and nobody by role.
    for action in ("read_conversation", "report_message"):
        assert can(actor, action, participant=True) == (actor.username is not None)
        assert not can(actor, action)
    # The applicant, proved by reference code and email, and nobody by role.
    assert can(actor, "act_as_applicant", "FRA", applicant=True)
    assert not can(actor, "act_as_applicant", "FRA")


@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_a_focal_point_acts_on_their_own_school_only(action):
    focal = ROLES["focal point"]
    assert can(focal, action, "FRA", institution=7) == (action in FOCAL_POINT_ON_OWN_SCHOOL)
    assert not can(focal, action, "FRA", institution=8)
    assert not can(focal, action, "JPN", institution=8)
    # Nobody else gains anything by naming school 7 (the relation is the focal point's).
    for role, actor in ROLES.items():
        if role != "focal point":
            assert can(actor, action, "FRA", institution=7) == can(actor, action, "FRA")


def test_every_action_of_the_matrix_is_expected_and_every_page_opens_on_one():
    assert set(ACTIONS) == set(EXPECTED)
    assert set(PAGES.values()) <= set(ACTIONS)
    for allowed in ACTIONS.values():
        assert allowed <= {"admin", "analyst", "coordinator", *RELATIONS}


@pytest.mark.parametrize(
    "values, field, code",
    [
        ({"display_name": "x" * 121}, "display_name", "too_long"),
        ({"display_name": "\u200b\u200d \t"}, "display_name", "required"),
        ({"email": "not-an-address"}, "email", "email"),
        ({"language": "de"}, "language", "unknown_choice"),
    ],
)
def test_a_new_account_is_checked_field_by_field(db, values, field, code):
    admin = Actor("admin", "admin", None)
    base = {
        "username": "new.analyst",
        "display_name": "New Analyst",
        "role": "analyst",
        "password": "a-Long-enough-1",
        "email": "new@example.org",
        "language": "en",
    }
    with pytest.raises(FieldError) as refused:
        accounts.create_user(db, admin, **(base | values))
    assert (refused.value.field, refused.value.code) == (field, code)
    assert accounts.get_user(db, "new.analyst") is None


def test_a_display_name_loses_its_control_characters(db):
    user = accounts.create_user(
        db,
        Actor("admin", "admin", None),
        username="clean.name",
        display_name="Ana\x07 \n Silva",
        role="analyst",
        password="a-Long-enough-1",
    )
    assert user.display_name == "Ana Silva"


def test_the_same_new_name_from_two_admins_at_once_gives_one_account_and_one_clear_refusal(db, monkeypatch):
    import threading

    admin = Actor("admin", "admin", None)
    barrier = threading.Barrier(2)
    real = accounts.get_user

    def after_both_checked(database, username):
        found = real(database, username)
        if username == "twin.name" and found is None and not barrier.broken and barrier.n_waiting < 2:
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=5)  # both have seen the name free before either writes
        return found

    monkeypatch.setattr(accounts, "get_user", after_both_checked)
    outcomes = []

    def create():
        try:
            accounts.create_user(
                db, admin, username="twin.name", display_name="Twin", role="analyst", password="a-Long-enough-1"
            )
            outcomes.append("created")
        except FieldError as refused:
            outcomes.append((refused.field, refused.code))

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    monkeypatch.undo()
    assert sorted(outcomes, key=str) == sorted(["created", ("username", "taken")], key=str)
    assert db.scalar("SELECT count(*) FROM users WHERE username = 'twin.name'") == 1


def test_a_new_account_is_an_analyst_unless_said_otherwise(db):
    user = accounts.create_user(db, ADMIN, username="plain.user", display_name="Plain", password="a-Long-enough-1")
    assert user.role == "analyst" and user.network is None


def test_the_user_list_shows_last_login_and_lock_state_and_is_for_admins(db):
    name, network = coordinator(db)
    now = utc_now()
    found = accounts.user_list(db, ADMIN, name, now=now)
    assert found["username"].to_list() == [name]
    assert found["last_login"][0] is None and found["locked_until"][0] is None
    accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"], now=now)
    accounts.open_session(db, name, 555.5, now=now)
    assert accounts.user_list(db, ADMIN, name, now=now)["last_login"][0] == now
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(db, name, "wrong-password-9", now=now)
    row = accounts.user_list(db, ADMIN, name, now=now).row(0, named=True)
    assert row["locked_until"] == now + accounts.LOCKOUT and not row["disabled"]
    # The lock shows only while it holds.
    assert accounts.user_list(db, ADMIN, name, now=now + accounts.LOCKOUT)["locked_until"][0] is None
    accounts.unlock(db, ADMIN, name)
    assert accounts.user_list(db, ADMIN, name, now=now)["locked_until"][0] is None
    assert accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"], now=now).username == name
    for actor in (ANONYMOUS, Actor("analyst", "analyst"), Actor(name, "coordinator", network)):
        with pytest.raises(PermissionDenied):
            accounts.user_list(db, actor)
        with pytest.raises(PermissionDenied):
            accounts.unlock(db, actor, name)


@pytest.mark.parametrize(
    "what",
    ["display name in capitals", "user name", "email", "network code", "country in English", "country in Spanish"],
)
def test_users_are_found_by_name_user_name_email_or_network(db, what):
    name, network = coordinator(db)
    user = accounts.get_user(db, name)
    english, spanish = db.rows("SELECT name_en, name_es FROM countries WHERE iso3 = ?", [network])[0]
    query = {
        "display name in capitals": user.display_name.upper(),
        "user name": name,
        "email": user.email,
        "network code": network.lower(),
        "country in English": english,
        "country in Spanish": spanish,
    }[what]
    found = accounts.user_list(db, ADMIN, query)
    assert name in found["username"].to_list()
    assert found.height < db.scalar("SELECT count(*) FROM users")


def test_the_user_list_holds_the_first_accounts_and_counts_them_all(db):
    everyone = db.scalar("SELECT count(*) FROM users")
    first = accounts.user_list(db, ADMIN, limit=3)
    assert first.height == 3 and first["matches"].to_list() == [everyone] * 3
    assert first["username"].to_list() == accounts.user_list(db, ADMIN)["username"].to_list()[:3]
    assert first["role"][0] == "admin"  # admins first, then coordinators, then the others
    coordinators = db.scalar("SELECT count(*) FROM users WHERE role = 'coordinator'")
    assert accounts.user_list(db, ADMIN, "coord.", limit=2)["matches"][0] == coordinators


@pytest.mark.parametrize("query", ["%", "_", "\\", "'; DROP TABLE users; --", "zzzz-nobody"])
def test_a_search_with_wildcards_or_quotes_finds_nothing_and_breaks_nothing(db, query):
    assert accounts.user_list(db, ADMIN, query).height == 0


def test_an_accent_free_search_finds_accented_country_names(db):
    network = db.scalar(
        "SELECT n.iso3 FROM networks n JOIN countries c USING (iso3) JOIN users u ON u.network = n.iso3 "
        "WHERE c.name_fr <> strip_accents(c.name_fr) ORDER BY 1 LIMIT 1"
    )
    plain = db.scalar("SELECT strip_accents(name_fr) FROM countries WHERE iso3 = ?", [network])
    assert network in set(accounts.user_list(db, ADMIN, plain)["network"])
