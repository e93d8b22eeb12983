"""A focal point's requests to change their school's themes and levels, which only the
coordinator decides; and the network's channel for its schools, which its coordinator opens and
writes in and the focal points of its schools read."""

from __future__ import annotations

import pytest

from aspnet_data import board, change_requests, editing, focal_points
from aspnet_data.db import open_database
from aspnet_data.errors import PermissionDenied, TransitionRefused, ValidationFailed
from aspnet_data.permissions import Actor

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def _focal(db, iid, network, email):
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    invitation = focal_points.invite(db, coordinator, iid, display_name="Lea Martin", email=email, language="fr")
    return focal_points.accept(db, invitation.token, email, "Garden-and-river-7").actor


@pytest.fixture()
def school(db):
    """(id, network, coordinator, focal point) of a member school, and another school's focal point."""
    iid, network, other = db.rows(
        "SELECT i.id, i.network, (SELECT min(j.id) FROM institutions j WHERE j.network = i.network "
        "AND j.status = 'member' AND j.id > i.id) FROM institutions i "
        "JOIN users u ON u.network = i.network AND u.role = 'coordinator' "
        "WHERE i.status = 'member' AND NOT ('heritage' = ANY(i.themes)) ORDER BY i.id LIMIT 1"
    )[0]
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    return iid, network, coordinator, _focal(db, iid, network, "lea@school.example"), other


def _errors(call, *args, **kwargs):
    with pytest.raises(ValidationFailed) as failed:
        call(*args, **kwargs)
    return [(e.field, e.code) for e in failed.value.errors]


def test_a_request_approved_changes_the_school_audited_and_mailed(db, school):
    iid, network, coordinator, focal, _ = school
    before = editing.institution_record(db, iid)
    themes = [*before["themes"], "heritage"]
    rid = change_requests.request(db, focal, iid, themes=themes, comment="Our heritage club started in May.")
    assert editing.institution_record(db, iid)["themes"] == before["themes"]  # nothing changes before the decision
    waiting = change_requests.pending(db, coordinator, network)
    assert waiting["id"].to_list() == [rid]
    assert waiting["themes"][0].to_list() == [t for t in ("esd", "gced", "heritage") if t in themes]
    assert waiting["levels"][0] is None and waiting["requester"][0] == "Lea Martin"
    mail = db.rows("SELECT subject, body FROM outbox ORDER BY id DESC LIMIT 1")[0]
    assert "asks to change" in mail[0] and "Our heritage club" in mail[1]
    change_requests.decide(db, coordinator, rid, approve=True)
    after = editing.institution_record(db, iid)
    assert sorted(after["themes"]) == sorted(themes) and after["levels"] == before["levels"]
    assert after["version"] == before["version"] + 1
    assert change_requests.pending(db, coordinator, network).is_empty()
    assert change_requests.of_school(db, focal, iid)["state"].to_list() == ["approved"]
    subject = db.scalar("SELECT subject FROM outbox WHERE to_email = 'lea@school.example' ORDER BY id DESC LIMIT 1")
    assert subject.startswith("ASPnet : votre demande")  # in the focal point's language
    actions = [a for (a,) in db.rows("SELECT action FROM audit_log WHERE action LIKE 'change.%' ORDER BY id")]
    assert actions == ["change.request", "change.approve"]
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'institution.update' AND entity_id = ?", [str(iid)])
    with pytest.raises(TransitionRefused):  # decided once
        change_requests.decide(db, coordinator, rid, approve=False, reason="No.")


def test_a_declined_request_needs_a_reason_and_changes_nothing(db, school):
    iid, network, coordinator, focal, _ = school
    before = editing.institution_record(db, iid)
    rid = change_requests.request(db, focal, iid, levels=["primary", "secondary"])
    assert _errors(change_requests.decide, db, coordinator, rid, approve=False, reason="  ") == [("reason", "required")]
    change_requests.decide(db, coordinator, rid, approve=False, reason="The secondary section closed.")
    assert editing.institution_record(db, iid)["levels"] == before["levels"]
    assert change_requests.of_school(db, focal, iid)["reason"].to_list() == ["The secondary section closed."]


def test_a_newer_request_replaces_the_one_waiting(db, school):
    iid, network, coordinator, focal, _ = school
    change_requests.request(db, focal, iid, themes=["esd", "gced", "heritage"])
    second = change_requests.request(db, focal, iid, themes="esd, heritage")  # typed as text, as a file has it
    waiting = change_requests.pending(db, coordinator, network)
    assert waiting["id"].to_list() == [second] and waiting["themes"][0].to_list() == ["esd", "heritage"]


def test_bad_requests_are_refused_next_to_the_field_and_nothing_is_stored(db, school):
    iid, _, _, focal, _ = school
    current = editing.institution_record(db, iid)
    count = db.scalar("SELECT count(*) FROM change_requests")
    assert _errors(change_requests.request, db, focal, iid, themes=[]) == [("themes", "choose_one")]
    assert _errors(change_requests.request, db, focal, iid, levels=["university"]) == [("levels", "unknown_choice")]
    assert _errors(change_requests.request, db, focal, iid, themes=current["themes"]) == [("form", "nothing_changed")]
    assert _errors(change_requests.request, db, focal, iid, themes=["heritage"], comment="x" * 1001) == [
        ("comment", "too_long")
    ]
    assert db.scalar("SELECT count(*) FROM change_requests") == count


def test_only_the_school_asks_and_only_its_coordinator_decides(db, school):
    iid, network, coordinator, focal, other = school
    neighbour = _focal(db, other, network, "neighbour@school.example")
    with pytest.raises(PermissionDenied):  # another school of the same network, by its id
        change_requests.request(db, neighbour, iid, themes=["heritage"])
    with pytest.raises(PermissionDenied):  # the coordinator edits the record; requests are the school's
        change_requests.request(db, coordinator, iid, themes=["heritage"])
    rid = change_requests.request(db, focal, iid, themes=["heritage"])
    elsewhere = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    for stranger in (Actor(f"coord.{elsewhere.lower()}", "coordinator", elsewhere), focal, Actor("analyst", "analyst")):
        with pytest.raises(PermissionDenied):
            change_requests.decide(db, stranger, rid, approve=True)
        with pytest.raises(PermissionDenied):
            change_requests.pending(db, stranger, network)
    change_requests.decide(db, ADMIN, rid, approve=True)


def test_the_schools_channel_is_written_by_the_coordinator_and_read_by_the_networks_focal_points(db, school):
    iid, network, coordinator, focal, _ = school
    assert board.channels(db, focal).is_empty()  # nothing to read until the coordinator opens it
    channel = board.open_schools_channel(db, coordinator, network, title="Schools of the network")
    assert board.open_schools_channel(db, coordinator, network, title="Again") == channel  # one per network
    thread = board.post(db, coordinator, channel, "Send your annual reports by 31 October, please.")
    readable = board.channels(db, focal)
    assert readable["id"].to_list() == [channel] and readable["unread"].to_list() == [1]
    assert board.thread_messages(db, focal, thread)["body"].to_list()[0].startswith("Send your annual reports")
    with pytest.raises(PermissionDenied):  # focal points read only
        board.post(db, focal, channel, "Hello", thread_id=thread)
    assert not board.can_read(db, focal, channel, write=True) and board.can_read(db, focal, channel)
    elsewhere = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    stranger = Actor(f"coord.{elsewhere.lower()}", "coordinator", elsewhere)
    assert channel not in board.channels(db, stranger)["id"].to_list()
    with pytest.raises(PermissionDenied):
        board.thread_messages(db, stranger, thread)
    with pytest.raises(PermissionDenied):
        board.open_schools_channel(db, stranger, network, title="Not mine")
    other_school = db.scalar(
        "SELECT min(i.id) FROM institutions i WHERE i.network = ? AND i.status = 'member'", [elsewhere]
    )
    outsider = Actor("fp.outsider", "focal_point", elsewhere, other_school)
    assert board.channels(db, outsider).is_empty()
    assert not board.can_read(db, outsider, channel)
    all_channel = db.scalar("SELECT min(id) FROM channels WHERE kind = 'all'")
    assert not board.can_read(db, focal, all_channel)  # the coordinators' channels stay theirs
    assert db.scalar("SELECT count(*) FROM audit_log WHERE action = 'channel.open_schools'") == 1
