"""The To do record: what waits for a coordinator (their network) and for a UNESCO admin."""

from datetime import timedelta

import pytest

from aspnet_data import accounts, applications, board, demo, editing, quality, todo
from aspnet_data.db import open_database, utc_now
from aspnet_data.permissions import ANONYMOUS, Actor, PermissionDenied

from ..conftest import forget_school_changes, two_coordinators

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def apply(db, network: str, name: str) -> int:
    return applications.save(
        db,
        {
            "network": network,
            "institution_name": name,
            "city": "Testville",
            "levels": ["primary"],
            "themes": ["esd"],
            "theme_plans": {"esd": "A school garden."},
            "ownership": "public",
            "contact_name": "Ana",
            "contact_email": "ana@school.example",
        },
        submit=True,
    ).record["id"]


def test_a_coordinator_sees_their_queue_quality_board_and_changes(db):
    (name, network), _ = two_coordinators(db)
    me = accounts.get_user(db, name).actor
    apply(db, network, "Escuela del Todo")
    later = utc_now() + timedelta(days=3)
    summary = todo.summary(db, me, now=later)
    queue = applications.queue(db, me, now=later)
    assert summary.role == "coordinator" and summary.network == network
    assert summary.applications == queue.height >= 1
    assert summary.oldest[0]["reference"] == queue["reference"][0]
    assert summary.oldest[0]["age_days"] == queue["age_days"][0]
    assert summary.overdue == int(queue["overdue"].sum())
    assert summary.quality == quality.todo(db, me, network, now=later).totals
    channels = board.channels(db, me)
    assert (summary.unread, summary.mentions) == (int(channels["unread"].sum()), int(channels["mentions"].sum()))
    assert summary.accounts == [] and summary.accounts_total == 0


def test_the_latest_changes_of_the_network_come_in_words(db):
    (name, network), _ = two_coordinators(db)
    me = accounts.get_user(db, name).actor
    school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
    record = editing.institution_record(db, school)
    editing.update_institution(db, me, school, {"pupils": "777"}, expected_version=record["version"])
    change = todo.summary(db, me).changes[0]
    assert change["record_name"] == record["name"] and change["actor_name"] == accounts.get_user(db, name).display_name
    assert change["changes"] == [{"field": "pupils", "before": record["pupils"], "after": 777}]


def test_nothing_to_do_is_said_with_zeros_and_empty_lists(db):
    (name, network), _ = two_coordinators(db)
    me = accounts.get_user(db, name).actor
    db.write(lambda cur: cur.execute("UPDATE applications SET stage = 'withdrawn' WHERE network = ?", [network]))
    forget_school_changes(db, network)
    summary = todo.summary(db, me)
    assert summary.applications == 0 and summary.oldest == [] and summary.overdue == 0
    assert summary.changes == []


def test_an_admin_sees_recommended_applications_and_locked_or_disabled_accounts(db):
    (name, network), (other, _) = two_coordinators(db)
    me = accounts.get_user(db, name).actor
    recommended = apply(db, network, "Colegio Recomendado")
    applications.move(db, me, recommended, "recommended")
    now = utc_now()
    for _ in range(accounts.MAX_FAILED_ATTEMPTS):
        with pytest.raises(accounts.LoginRefused):
            accounts.authenticate(db, name, "wrong-password-9", now=now)
    accounts.set_disabled(db, ADMIN, other, True)
    summary = todo.summary(db, ADMIN, now=now + timedelta(minutes=1))
    assert summary.role == "admin" and summary.network is None and summary.quality is None
    assert summary.applications == db.scalar("SELECT count(*) FROM applications WHERE stage = 'recommended'")
    ages = [app["age_days"] for app in summary.oldest]
    assert ages == sorted(ages, reverse=True) and len(ages) == min(5, summary.applications)
    states = {a["username"]: (a["locked_until"] is not None, a["disabled"]) for a in summary.accounts}
    assert states[name] == (True, False) and states[other] == (False, True)
    assert summary.accounts_total == 2
    # The lock ends by itself: fifteen minutes later only the disabled account is listed.
    later = todo.summary(db, ADMIN, now=now + accounts.LOCKOUT + timedelta(minutes=1))
    assert [a["username"] for a in later.accounts] == [other]
    assert (
        accounts.authenticate(
            db, name, demo.DEMO_PASSWORDS["coordinator"], now=now + accounts.LOCKOUT + timedelta(minutes=1)
        ).username
        == name
    )


@pytest.mark.parametrize("actor", [ANONYMOUS, Actor("analyst", "analyst"), Actor("x", "coordinator", None)])
def test_the_todo_is_refused_to_analysts_visitors_and_coordinators_without_a_network(db, actor):
    with pytest.raises(PermissionDenied):
        todo.summary(db, actor)
