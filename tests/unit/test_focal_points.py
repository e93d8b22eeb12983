"""Schools' focal points: the invitation (its mail, expiry, reuse, the wrong address, a newer
one replacing it), the focal point's edits of their own school only (and only its public
details), the coordinator's list, undo and end, and the end of the accounts with the school."""

import re
from datetime import timedelta

import pytest

from aspnet_data import accounts, editing, focal_points, membership
from aspnet_data.db import open_database, utc_now
from aspnet_data.errors import Conflict, FieldError, LoginRefused, PermissionDenied, ValidationFailed
from aspnet_data.permissions import ANONYMOUS, Actor

ADMIN = Actor("admin", "admin")
PASSWORD = "Garden-and-river-7"


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


@pytest.fixture()
def school(db):
    """(id, network, the network's coordinator) of a member school."""
    iid, network = db.rows(
        "SELECT i.id, i.network FROM institutions i JOIN users u ON u.network = i.network AND u.role = 'coordinator' "
        "WHERE i.status = 'member' ORDER BY i.id LIMIT 1"
    )[0]
    return iid, network, Actor(f"coord.{network.lower()}", "coordinator", network)


def invited(db, school, email="ana.perez@school.example", **kw):
    iid, _, coordinator = school
    return focal_points.invite(db, coordinator, iid, display_name="Ana Pérez", email=email, **kw)


def signed_in(db, school) -> Actor:
    invitation = invited(db, school)
    focal_points.accept(db, invitation.token, "ana.perez@school.example", PASSWORD)
    return accounts.authenticate(db, invitation.username, PASSWORD).actor


def test_an_invitation_mails_a_one_time_link_and_the_user_name_in_the_invitees_language(db, school):
    invitation = invited(db, school, language="fr")
    to, subject, body = db.rows("SELECT to_email, subject, body FROM outbox ORDER BY id DESC LIMIT 1")[0]
    assert to == "ana.perez@school.example"
    assert subject.startswith("ASPnet : vous êtes invité")
    assert invitation.username == "ana.perez" and f"Votre nom d'utilisateur : {invitation.username}" in body
    link = re.search(r"\S+/welcome\?invitation=([^&\s]+)&lang=fr", body)
    assert link and link.group(1) == invitation.token
    # Only the link's hash is kept: the database alone cannot open the account.
    assert invitation.token not in str(db.rows("SELECT * FROM invitations"))
    user = accounts.get_user(db, invitation.username)
    assert (user.role, user.network, user.institution_id, user.language) == ("focal_point", school[1], school[0], "fr")
    with pytest.raises(LoginRefused):  # no password before the invitation sets one
        accounts.authenticate(db, invitation.username, invitation.token)


def test_the_link_sets_the_password_once_with_the_address_it_was_sent_to(db, school):
    invitation = invited(db, school)
    assert focal_points.pending(db, invitation.token).school
    with pytest.raises(FieldError) as wrong:
        focal_points.accept(db, invitation.token, "someone.else@school.example", PASSWORD)
    assert (wrong.value.field, wrong.value.code) == ("email", "invitation_email")
    with pytest.raises(FieldError) as weak:
        focal_points.accept(db, invitation.token, "ana.perez@school.example", "short")
    assert weak.value.field == "password"
    user = focal_points.accept(db, invitation.token, " ANA.PEREZ@school.example ", PASSWORD)
    assert accounts.authenticate(db, user.username, PASSWORD).username == user.username
    with pytest.raises(FieldError) as reused:
        focal_points.accept(db, invitation.token, "ana.perez@school.example", "Another-password-8")
    assert reused.value.code == "invitation_used"
    assert accounts.authenticate(db, user.username, PASSWORD)  # the reuse changed nothing


def test_an_expired_a_replaced_and_a_made_up_link_are_refused(db, school):
    first = invited(db, school)
    later = utc_now() + focal_points.INVITATION_LIFETIME + timedelta(minutes=1)
    with pytest.raises(FieldError) as expired:
        focal_points.accept(db, first.token, "ana.perez@school.example", PASSWORD, now=later)
    assert expired.value.code == "invitation_expired"
    second = invited(db, school)  # sent again: the first link stops working
    assert second.username == first.username
    with pytest.raises(FieldError) as replaced:
        focal_points.pending(db, first.token)
    assert replaced.value.code == "invitation_unknown"
    for forged in ("", "x" * 43, first.token[:-1], "' OR 1=1 --"):
        with pytest.raises(FieldError):
            focal_points.pending(db, forged)
    assert focal_points.accept(db, second.token, "ana.perez@school.example", PASSWORD)


def test_an_invitation_with_bad_fields_names_them_and_writes_nothing(db, school):
    iid, _, coordinator = school
    before = db.checksums(["users", "invitations", "outbox", "audit_log"])
    with pytest.raises(ValidationFailed) as refused:
        focal_points.invite(db, coordinator, iid, display_name="  ", email="ana at school", language="de")
    assert {e.field for e in refused.value.errors} == {"display_name", "email", "language"}
    assert db.checksums(["users", "invitations", "outbox", "audit_log"]) == before


def test_one_person_is_the_focal_point_of_one_school(db, school):
    invited(db, school)
    other = db.scalar(
        "SELECT id FROM institutions WHERE network = ? AND status = 'member' AND id <> ? ORDER BY id LIMIT 1",
        [school[1], school[0]],
    )
    with pytest.raises(ValidationFailed) as refused:
        focal_points.invite(db, school[2], other, display_name="Ana", email="ana.perez@school.example")
    assert refused.value.errors[0].code == "focal_point_elsewhere"


def test_only_the_networks_coordinator_and_admins_invite_list_and_end(db, school):
    iid, network, coordinator = school
    other = db.scalar("SELECT network FROM users WHERE role = 'coordinator' AND network <> ? LIMIT 1", [network])
    outsiders = [ANONYMOUS, Actor("analyst", "analyst"), Actor(f"coord.{other.lower()}", "coordinator", other)]
    focal = signed_in(db, school)
    for actor in [*outsiders, focal]:
        with pytest.raises(PermissionDenied):
            focal_points.invite(db, actor, iid, display_name="Bo", email="bo@school.example")
        with pytest.raises(PermissionDenied):
            focal_points.focal_points(db, actor, network)
        with pytest.raises(PermissionDenied):
            focal_points.end(db, actor, focal.username)
    listed = focal_points.focal_points(db, ADMIN, network)
    assert listed.filter(listed["username"] == focal.username)["state"].to_list() == ["active"]


def test_a_focal_point_edits_the_public_details_of_their_own_school_only(db, school):
    iid, network, coordinator = school
    focal = signed_in(db, school)
    record = editing.institution_record(db, iid)
    saved = editing.update_school_details(
        db, focal, iid, {"website": "www.new-site.example", "pupils": 480}, expected_version=record["version"]
    )
    assert saved["website"] == "https://www.new-site.example" and saved["pupils"] == 480
    # Status, levels, themes and ownership stay the coordinator's: refused, nothing saved.
    for field, value in (("themes", ["gced"]), ("levels", ["tvet"]), ("ownership", "private"), ("status", "member")):
        with pytest.raises(ValidationFailed) as refused:
            editing.update_school_details(db, focal, iid, {field: value}, expected_version=saved["version"])
        assert refused.value.errors[0].code == "coordinator_decides"
    with pytest.raises(PermissionDenied):
        editing.update_institution(db, focal, iid, {"pupils": 1}, expected_version=saved["version"])
    neighbour = db.scalar("SELECT id FROM institutions WHERE network = ? AND id <> ? LIMIT 1", [network, iid])
    with pytest.raises(PermissionDenied):
        editing.update_school_details(
            db, focal, neighbour, {"pupils": 1}, expected_version=editing.institution_record(db, neighbour)["version"]
        )
    assert editing.institution_record(db, iid)["version"] == saved["version"]


def test_the_coordinator_sees_each_change_of_the_school_and_can_undo_it(db, school):
    iid, network, coordinator = school
    focal = signed_in(db, school)
    record = editing.institution_record(db, iid)
    editing.update_school_details(db, focal, iid, {"teachers": 77}, expected_version=record["version"])
    changes = editing.history(db, coordinator, network=network, actions=[editing.SCHOOL_UPDATE])
    assert changes[0]["actor"] == focal.username and changes[0]["changes"][0]["after"] == 77
    other = db.scalar("SELECT network FROM users WHERE role = 'coordinator' AND network <> ? LIMIT 1", [network])
    with pytest.raises(PermissionDenied):
        editing.revert(db, Actor(f"coord.{other.lower()}", "coordinator", other), changes[0]["id"])
    with pytest.raises(PermissionDenied):
        editing.revert(db, focal, changes[0]["id"])
    editing.revert(db, coordinator, changes[0]["id"])
    assert editing.institution_record(db, iid)["teachers"] == record["teachers"]
    with pytest.raises(Conflict):  # undone already: the field no longer holds the change
        editing.revert(db, coordinator, changes[0]["id"])
    # A coordinator's own edits are undone by admins only, as before.
    current = editing.institution_record(db, iid)
    editing.update_institution(db, coordinator, iid, {"teachers": 12}, expected_version=current["version"])
    own = editing.history(db, coordinator, network=network, entity="institutions", entity_id=iid)[0]
    with pytest.raises(PermissionDenied):
        editing.revert(db, coordinator, own["id"])


def test_ending_a_focal_point_and_withdrawing_the_school_close_the_account(db, school):
    iid, network, coordinator = school
    focal = signed_in(db, school)
    focal_points.end(db, coordinator, focal.username)
    with pytest.raises(LoginRefused):
        accounts.authenticate(db, focal.username, PASSWORD)
    again = invited(db, school)  # invited anew, the same account opens again
    focal_points.accept(db, again.token, "ana.perez@school.example", "Another-password-8")
    assert accounts.authenticate(db, focal.username, "Another-password-8")
    pending = focal_points.invite(db, coordinator, iid, display_name="Bo", email="bo@school.example")
    membership.withdraw(db, coordinator, iid, "closed")
    states = focal_points.focal_points(db, coordinator, network)
    assert set(states.filter(states["institution_id"] == iid)["state"]) == {"ended"}
    with pytest.raises(LoginRefused):
        accounts.authenticate(db, focal.username, "Another-password-8")
    with pytest.raises(FieldError):  # the invitation still on its way no longer opens anything
        focal_points.pending(db, pending.token)
    with pytest.raises(ValidationFailed):  # nor can a withdrawn school get a new focal point
        focal_points.invite(db, coordinator, iid, display_name="Cy", email="cy@school.example")
