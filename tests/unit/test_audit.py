"""The audit log as every write path leaves it: one row per change, before and after each a
JSON object or SQL NULL (never the JSON text 'null'), and old 'null' rows normalised by
migration 009."""

from __future__ import annotations

import json
from datetime import timedelta

import polars as pl
import pytest

from aspnet_data import accounts, audit, board, bulk, editing, projects
from aspnet_data import applications as apps
from aspnet_data import db as db_module
from aspnet_data.db import open_database, utc_now
from aspnet_data.permissions import Actor

from ..conftest import copy_of, two_coordinators

ADMIN = Actor("admin", "admin")
SCHOOL = {"name": "Audit school", "city": "Testville", "levels": ["primary"], "themes": ["esd"], "ownership": "public"}


def walk_every_write_path(db) -> None:
    """Each kind of change the data layer makes, once, by the people who make it."""
    (own_name, a), (other_name, _) = two_coordinators(db)
    own, other = accounts.get_user(db, own_name).actor, accounts.get_user(db, other_name).actor

    # Institutions and networks: create, edit, withdraw, revert; a network's profile.
    school = editing.create_institution(db, own, a, SCHOOL)
    record = editing.institution_record(db, school)
    editing.update_institution(db, own, school, {"pupils": 321}, expected_version=record["version"])
    change = db.scalar("SELECT max(id) FROM audit_log WHERE action = 'institution.update'")
    editing.revert(db, ADMIN, change)
    record = editing.institution_record(db, school)
    editing.withdraw_institution(db, own, school, expected_version=record["version"])
    network = editing.network_record(db, ADMIN, a)
    editing.update_network(db, own, a, {"coordinator_phone": "+1 555 0100"}, expected_version=network["version"])

    # A bulk file: a new school and an edit in one transaction.
    frame = bulk.read_file(bulk.template(db, own, a, "csv"), "a.csv")
    first_row = pl.int_range(pl.len()) == 0
    edited = frame.with_columns(pl.when(first_row).then(pl.lit("777")).otherwise(pl.col("pupils")).alias("pupils"))
    added = frame.head(1).with_columns(
        pl.lit(None, dtype=pl.String).alias("id"),
        # Its own name and addresses: with the first row's, it would be matched with that school.
        pl.lit("Audit Walk Academy").alias("name"),
        pl.lit(None, dtype=pl.String).alias("name_latin"),
        pl.lit(None, dtype=pl.String).alias("email"),
        pl.lit(None, dtype=pl.String).alias("website"),
    )
    plan = bulk.plan(db, own, a, pl.concat([edited, added]))
    assert not plan.blocking and plan.updates and plan.added.height, plan.errors
    bulk.apply(db, own, a, plan)

    # Accounts: create, change one's password, disable and enable, network, unlock, reset.
    accounts.create_user(
        db, ADMIN, username="audit.user", display_name="Audit", password="Long-enough-password-9", role="analyst"
    )
    accounts.change_password(db, "audit.user", "Long-enough-password-9", "Another-long-password-8")
    accounts.set_disabled(db, ADMIN, "audit.user", True)
    accounts.set_disabled(db, ADMIN, "audit.user", False)
    accounts.assign_network(db, ADMIN, other_name, a)
    accounts.unlock(db, ADMIN, "audit.user")
    accounts.reset_password(db, ADMIN, "audit.user")

    # An application from draft to approval.
    values = {
        "network": a,
        "institution_name": "Audit applicant",
        "city": "Testville",
        "levels": ["primary"],
        "themes": ["esd"],
        "theme_plans": {"esd": "A garden."},
        "ownership": "public",
        "contact_name": "Ana",
        "contact_email": "ana.audit@school.example",
    }
    app = apps.save(db, values, submit=True)
    apps.move(db, own, app.record["id"], "recommended")
    apps.move(db, ADMIN, app.record["id"], "approved")

    # The board: a channel, an edit, a deletion, a hidden message.
    channel = board.create_channel(db, ADMIN, slug="audit-topic", title="Audit topic")
    later = utc_now() + timedelta(minutes=1)
    edited = board.post(db, own, channel, "Frist", now=later)
    board.edit(db, own, edited, "First", now=later)
    board.delete(db, own, board.post(db, own, channel, "Oops", now=later), now=later)
    board.hide(db, ADMIN, board.post(db, other, channel, "Off topic", now=later), "Off topic")

    # A project: created, a school of another network asks to join, the owner accepts.
    project = projects.create_project(db, own, {"title": "Audit rivers", "themes": ["esd"]})
    projects.add_institution(db, own, project, db.scalar("SELECT min(id) FROM institutions WHERE network = ?", [a]))
    theirs = db.scalar(
        "SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [other.network or ""]
    )
    projects.add_institution(db, other, project, theirs)
    projects.decide(db, own, project, theirs, accept=True)


@pytest.fixture(scope="module")
def walked(demo_path, tmp_path_factory):
    path = copy_of(demo_path, tmp_path_factory.mktemp("audit"))
    with open_database(path) as db:
        start = db.scalar("SELECT max(id) FROM audit_log")
        walk_every_write_path(db)
        rows = db.query(
            "SELECT action, CAST(before AS VARCHAR) AS before, CAST(after AS VARCHAR) AS after "
            "FROM audit_log WHERE id > ? ORDER BY id",
            [start],
        )
    return rows


EXPECTED = {
    # action -> (before present, after present)
    "institution.create": (False, True),
    "institution.update": (True, True),
    "institution.revert": (True, True),
    "institution.withdraw": (True, True),
    "network.update": (True, True),
    "user.create": (False, True),
    "user.password": (False, False),
    "user.disable": (False, False),
    "user.enable": (False, False),
    "user.network": (True, True),
    "user.unlock": (False, False),
    "user.reset_password": (False, False),
    "application.submitted": (False, True),
    "application.recommended": (False, True),
    "application.approved": (False, True),
    "channel.create": (False, True),
    "message.edit": (True, True),
    "message.delete": (True, False),
    "message.hide": (False, True),
    "project.create": (False, True),
    "project.member": (False, True),
    "project.requested": (False, True),
    "project.accept": (True, True),
}


def test_every_write_path_leaves_its_audit_rows(walked):
    assert set(EXPECTED) <= set(walked["action"]), set(EXPECTED) - set(walked["action"])


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_an_absent_before_or_after_is_sql_null_and_a_present_one_a_json_object(walked, action):
    before_present, after_present = EXPECTED[action]
    rows = walked.filter(walked["action"] == action)
    assert rows.height
    for before, after in rows.select("before", "after").iter_rows():
        for value, present in ((before, before_present), (after, after_present)):
            if present:
                assert isinstance(json.loads(value), dict), (action, value)
            else:
                assert value is None, (action, value)


def test_no_row_of_the_walk_holds_the_json_text_null(walked):
    assert walked.filter((walked["before"] == "null") | (walked["after"] == "null")).is_empty()


def test_a_bulk_file_is_recorded_row_by_row_in_order(tmp_path):
    with open_database(tmp_path / "a.duckdb", create=True) as db:
        entries = [audit.Entry("system", f"test.{k}", "tests", k, None, {"k": k}) for k in range(3)]
        assert db.write(lambda cur: audit.record_many(cur, entries)) == 3
        assert db.write(lambda cur: audit.record_many(cur, [])) == 0
        rows = db.rows("SELECT action, before IS NULL, CAST(after AS VARCHAR) FROM audit_log ORDER BY id")
    assert rows == [(f"test.{k}", True, json.dumps({"k": k})) for k in range(3)]


@pytest.mark.duckdb_only
def test_migration_009_turns_stored_null_texts_into_sql_null(tmp_path, monkeypatch):
    path = tmp_path / "v8.duckdb"
    shipped = db_module.migrations()
    with monkeypatch.context() as patched:  # a file made by a release whose last migration was 008
        patched.setattr(db_module, "migrations", lambda: [m for m in shipped if m[0] <= 8])
        with open_database(path, create=True) as db:
            assert db.schema_version() == 8
            db.write(
                lambda cur: cur.execute(
                    "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, before, after) VALUES "
                    "(now(), 'x', 'message.hide', 'messages', '1', 'null', '{\"reason\": \"r\"}'), "
                    "(now(), 'x', 'message.delete', 'messages', '2', '{\"body\": \"b\"}', 'null')"
                )
            )
            db.write(  # and a message on the board, which later migrations rebuild around
                lambda cur: cur.execute(
                    "INSERT INTO users (username, display_name, role, password_hash, created_at) "
                    "VALUES ('coord.x', 'X', 'coordinator', 'h', now()); "
                    "INSERT INTO channels (id, slug, kind, title, created_by, created_at) "
                    "VALUES (1, 'general', 'all', 'General', 'coord.x', now()); "
                    "INSERT INTO messages (id, channel_id, author, body, created_at) "
                    "VALUES (1, 1, 'coord.x', 'Kept', now())"
                )
            )
    # Opened by this release: 009 and every later migration run.
    with open_database(path) as db:
        assert db.schema_version() == db_module.latest_schema_version()
        rows = db.rows(
            "SELECT entity_id, before IS NULL, after IS NULL FROM audit_log WHERE actor = 'x' ORDER BY entity_id"
        )
        assert rows == [("1", True, False), ("2", False, True)]
        assert not db.scalar("SELECT count(*) FROM audit_log WHERE CAST(before AS VARCHAR) = 'null'")
        assert db.rows("SELECT c.slug, c.network, m.body FROM messages m JOIN channels c ON c.id = m.channel_id") == [
            ("general", None, "Kept")
        ]
