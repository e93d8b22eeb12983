"""Validated writes, optimistic locking, audit, history and revert."""

import json
import threading

import pytest

from aspnet_data import editing
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor, PermissionDenied

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


@pytest.fixture()
def school(db):
    row = db.query("""SELECT i.id, i.network FROM institutions i JOIN countries c ON c.iso3 = i.network
                      WHERE i.status = 'member' AND c.has_outline ORDER BY i.id LIMIT 1""").row(0, named=True)
    return row["id"], row["network"], Actor(f"coord.{row['network'].lower()}", "coordinator", row["network"])


def test_coordinator_edits_own_institution_with_an_audit_row(db, school):
    sid, network, coord = school
    before = editing.get_institution(db, sid)
    after = editing.update_institution(db, coord, sid, {"pupils": "321", "website": "https://new.school.example"},
                                       expected_version=before["version"])
    assert after["pupils"] == 321 and after["website"] == "https://new.school.example"
    assert after["version"] == before["version"] + 1 and after["updated_by"] == coord.username
    audit = db.query("SELECT actor, action, before, after FROM audit_log WHERE entity = 'institutions' "
                     "AND entity_id = ? ORDER BY id DESC LIMIT 1", [str(sid)]).row(0, named=True)
    assert audit["actor"] == coord.username and audit["action"] == "institution.update"
    assert json.loads(audit["before"])["pupils"] == before["pupils"]
    assert json.loads(audit["after"]) == {"network": network, "pupils": 321, "website": "https://new.school.example"}


def test_other_coordinators_and_analysts_cannot_edit(db, school):
    sid, network, _ = school
    other = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    version = editing.get_institution(db, sid)["version"]
    for actor in (Actor("x", "coordinator", other), Actor("a", "analyst"), Actor(None)):
        with pytest.raises(PermissionDenied):
            editing.update_institution(db, actor, sid, {"pupils": 1}, expected_version=version)
        with pytest.raises(PermissionDenied):
            editing.withdraw_institution(db, actor, sid, expected_version=version)
        with pytest.raises(PermissionDenied):
            editing.create_institution(db, actor, network, {"name": "X", "city": "Y"})
    assert editing.get_institution(db, sid)["version"] == version


@pytest.mark.parametrize("values, field, code", [
    ({"name": ""}, "name", "required"),
    ({"name": "x" * 201}, "name", "too_long"),
    ({"email": "not-an-email"}, "email", "email"),
    ({"website": "javascript:alert(1)"}, "website", "url"),
    ({"website": "ftp://x.org"}, "website", "url"),
    ({"latitude": "91", "longitude": "0"}, "latitude", "out_of_range"),
    ({"latitude": "nan", "longitude": "0"}, "latitude", "out_of_range"),
    ({"latitude": "abc"}, "latitude", "out_of_range"),
    ({"latitude": None, "longitude": 10.0}, "latitude", "coordinates_pair"),
    ({"levels": []}, "levels", "choose_one"),
    ({"themes": ["esd", "cooking"]}, "themes", "unknown_choice"),
    ({"ownership": "mixed"}, "ownership", "choose_one"),
    ({"year_joined": "1900"}, "year_joined", "out_of_range"),
    ({"pupils": "-3"}, "pupils", "out_of_range"),
    ({"pupils": "many"}, "pupils", "out_of_range"),
    ({"languages": "English; Elvish"}, "languages", "unknown_language"),
    ({"website": "not a website"}, "website", "url"),
    ({"website": "head@school.example"}, "website", "url"),
])
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(db, school, values, field, code):
    sid, _, coord = school
    before = editing.get_institution(db, sid)
    audit_rows = db.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(editing.ValidationFailed) as failed:
        editing.update_institution(db, coord, sid, values, expected_version=before["version"])
    assert (field, code) in [(e.field, e.code) for e in failed.value.errors]
    assert editing.get_institution(db, sid) == before
    assert db.scalar("SELECT count(*) FROM audit_log") == audit_rows


def test_coordinates_outside_the_country_are_refused(db, school):
    sid, _, coord = school
    version = editing.get_institution(db, sid)["version"]
    with pytest.raises(editing.ValidationFailed) as failed:
        editing.update_institution(db, coord, sid, {"latitude": 0.0, "longitude": -30.0}, expected_version=version)
    assert failed.value.errors[0].code == "outside_country"


def test_a_stale_form_gets_a_conflict_with_the_current_record(db, school):
    sid, _, coord = school
    opened = editing.get_institution(db, sid)
    editing.update_institution(db, ADMIN, sid, {"teachers": 44}, expected_version=opened["version"])
    with pytest.raises(editing.Conflict) as conflict:
        editing.update_institution(db, coord, sid, {"teachers": 55}, expected_version=opened["version"])
    assert conflict.value.current["teachers"] == 44
    assert editing.get_institution(db, sid)["teachers"] == 44


def test_concurrent_saves_of_one_record_never_lose_an_update(db, school):
    sid, _, coord = school
    version = editing.get_institution(db, sid)["version"]
    outcomes = []

    def save(value):
        try:
            editing.update_institution(db, coord, sid, {"pupils": value}, expected_version=version)
            outcomes.append(("saved", value))
        except editing.Conflict:
            outcomes.append(("conflict", value))

    threads = [threading.Thread(target=save, args=(100 + k,)) for k in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    saved = [v for kind, v in outcomes if kind == "saved"]
    assert len(saved) == 1 and len(outcomes) == 6
    assert editing.get_institution(db, sid)["pupils"] == saved[0]


def test_create_and_withdraw_keep_history(db, school):
    _, network, coord = school
    town, lat, lon = db.rows("SELECT city, latitude, longitude FROM institutions WHERE network = ? LIMIT 1", [network])[0]
    new_id = editing.create_institution(db, coord, network, {
        "name": "École des Tilleuls", "city": town, "latitude": lat, "longitude": lon, "levels": "primary",
        "ownership": "public", "themes": "esd; heritage", "year_joined": "2025", "languages": "fr"})
    record = editing.get_institution(db, new_id)
    assert record["name_latin"] == "Ecole des Tilleuls" and record["themes"] == ["esd", "heritage"]
    editing.withdraw_institution(db, coord, new_id, expected_version=record["version"])
    assert editing.get_institution(db, new_id)["status"] == "withdrawn"
    changes = editing.history(db, coord, network=network, entity="institutions", entity_id=new_id)
    assert [c["action"] for c in changes] == ["institution.withdraw", "institution.create"]
    assert {"field": "status", "before": "member", "after": "withdrawn"} in changes[0]["changes"]


def test_network_profile_edit_and_conflict(db, school):
    _, network, coord = school
    record = editing.get_network_record(db, Actor("admin", "admin"), network)
    saved = editing.update_network(db, coord, network, {"description": "New words", "founded_year": "1990"},
                                   expected_version=record["version"])
    assert saved["description"] == "New words" and saved["founded_year"] == 1990
    with pytest.raises(editing.Conflict):
        editing.update_network(db, coord, network, {"description": "Older form"}, expected_version=record["version"])
    with pytest.raises(editing.ValidationFailed):
        editing.update_network(db, coord, network, {"coordinator_email": "nope"}, expected_version=saved["version"])


def test_admin_reverts_a_change_and_the_revert_is_audited(db, school):
    sid, network, coord = school
    original = editing.get_institution(db, sid)
    editing.update_institution(db, coord, sid, {"city": "Elsewhere-town"}, expected_version=original["version"])
    change = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid)[0]
    with pytest.raises(PermissionDenied):
        editing.revert(db, coord, change["id"])
    editing.revert(db, ADMIN, change["id"])
    assert editing.get_institution(db, sid)["city"] == original["city"]
    latest = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid)[0]
    assert latest["action"] == "institution.revert" and latest["actor"] == "admin"


def test_revert_refuses_to_lose_a_newer_change(db, school):
    sid, network, coord = school
    version = editing.get_institution(db, sid)["version"]
    editing.update_institution(db, coord, sid, {"pupils": 10}, expected_version=version)
    first = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid)[0]["id"]
    editing.update_institution(db, coord, sid, {"pupils": 20}, expected_version=version + 1)
    with pytest.raises(editing.Conflict):
        editing.revert(db, ADMIN, first)
    assert editing.get_institution(db, sid)["pupils"] == 20


def test_history_is_private(db, school):
    _, network, _ = school
    other = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    with pytest.raises(PermissionDenied):
        editing.history(db, Actor("x", "coordinator", other), network=network)
    with pytest.raises(PermissionDenied):
        editing.history(db, Actor(None), network=network)


def test_themes_of_a_school_in_a_project_can_be_edited(db):
    """DuckDB refuses list-column updates of rows that a foreign key points at (migration 003)."""
    sid, network = db.rows("SELECT m.institution_id, i.network FROM project_members m "
                           "JOIN institutions i ON i.id = m.institution_id LIMIT 1")[0]
    version = editing.get_institution(db, sid)["version"]
    editing.update_institution(db, ADMIN, sid, {"themes": ["heritage"], "languages": "fr; en"},
                               expected_version=version)
    assert editing.get_institution(db, sid)["themes"] == ["heritage"]
