"""Membership applications: the state machine by role, validation, approval, tracking."""

import itertools

import pytest

from aspnet_data import applications as apps
from aspnet_data.db import open_database
from aspnet_data.editing import ValidationFailed
from aspnet_data.permissions import Actor, PermissionDenied
from aspnet_data.vocab import APPLICATION_STAGES

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def form(db, **overrides):
    network, city, lat, lon = db.rows(
        """SELECT i.network, i.city, i.latitude, i.longitude FROM institutions i JOIN countries c ON c.iso3 = i.network
           WHERE c.has_outline ORDER BY i.id LIMIT 1""")[0]
    values = {"network": network, "institution_name": "Escuela Nueva Esperanza", "city": city, "latitude": lat,
              "longitude": lon, "levels": ["primary"], "ownership": "public", "languages": ["es"], "pupils": "420",
              "teachers": "21", "themes": ["esd", "gced"],
              "theme_plans": {"esd": "A school garden.", "gced": "Letters with a partner school."},
              "contact_name": "Ana Pérez", "contact_email": "ana@school.example", "language": "es"}
    return values | overrides


ROLES = {"applicant": None, "own": "coordinator", "other": "coordinator", "admin": "admin", "analyst": "analyst"}


@pytest.mark.parametrize("stage, to", list(itertools.product(APPLICATION_STAGES, APPLICATION_STAGES)))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_state_machine_by_role(stage, to, role):
    network = "FRA"
    actor = None if role == "applicant" else Actor(role, ROLES[role], network if role == "own" else
                                                   ("JPN" if role == "other" else None))
    expected_roles = apps.TRANSITIONS.get((stage, to), set())
    expected = ("applicant" in expected_roles if role == "applicant" else
                "admin" in expected_roles if role == "admin" else
                "coordinator" in expected_roles if role == "own" else False)
    assert apps.allowed(actor, stage, to, network) == expected


def test_submit_track_recommend_approve(db):
    app = apps.save(db, form(db), submit=True)
    code = app.record["reference"]
    assert app.stage == "submitted" and apps._REFERENCE.match(code)
    assert apps.find(db, code, "ANA@school.example ").record["id"] == app.record["id"]
    assert apps.find(db, code, "someone@else.example") is None
    assert "received" in apps.outbox(db, "ana@school.example")["subject"][0]
    network = app.record["network"]
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    assert app.record["id"] in apps.queue(db, coordinator)["id"].to_list()
    with pytest.raises(PermissionDenied):
        apps.move(db, coordinator, app.record["id"], "approved")
    apps.move(db, coordinator, app.record["id"], "recommended", comment="A fine school.")
    assert app.record["id"] in apps.queue(db, ADMIN)["id"].to_list()
    done = apps.move(db, ADMIN, app.record["id"], "approved", comment="Welcome!")
    assert [e["stage"] for e in done.events] == ["submitted", "recommended", "approved"]
    school = db.query("SELECT name, status, network, themes FROM institutions WHERE id = ?",
                      [done.record["institution_id"]]).row(0, named=True)
    assert school == {"name": "Escuela Nueva Esperanza", "status": "candidate", "network": network,
                      "themes": ["esd", "gced"]}
    with pytest.raises(apps.TransitionRefused):
        apps.move(db, ADMIN, app.record["id"], "recommended")


def test_other_coordinators_cannot_review(db):
    app = apps.save(db, form(db), submit=True)
    other = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [app.record["network"]])
    with pytest.raises(PermissionDenied):
        apps.move(db, Actor("x", "coordinator", other), app.record["id"], "recommended")
    with pytest.raises(PermissionDenied):
        apps.get(db, Actor("x", "coordinator", other), app.record["id"])


def test_returned_for_changes_then_resubmitted(db):
    app = apps.save(db, form(db), submit=True)
    network = app.record["network"]
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    with pytest.raises(ValidationFailed):
        apps.move(db, coordinator, app.record["id"], "returned")          # a reason is required
    apps.move(db, coordinator, app.record["id"], "returned", comment="Say more about heritage.")
    again = apps.save(db, {"pupils": "430"}, submit=True, reference=app.record["reference"],
                      email="ana@school.example")
    assert again.stage == "submitted" and again.record["pupils"] == 430
    assert [e["stage"] for e in again.events] == ["submitted", "returned", "submitted"]


@pytest.mark.parametrize("overrides, field, code", [
    ({"network": "ZZZ"}, "network", "no_network"),
    ({"levels": ["university"]}, "levels", "out_of_scope"),
    ({"themes": []}, "themes", "choose_one"),
    ({"theme_plans": {"esd": "x"}}, "plan_gced", "required"),
    ({"contact_email": "nope"}, "contact_email", "email"),
    ({"institution_name": "x" * 201}, "institution_name", "too_long"),
    ({"pupils": "-1"}, "pupils", "out_of_range"),
    ({"latitude": 0.0, "longitude": -30.0}, "latitude", "outside_country"),
])
def test_a_failed_submission_stores_nothing(db, overrides, field, code):
    before = db.checksums(["applications", "application_events", "outbox"])
    with pytest.raises(ValidationFailed) as failed:
        apps.save(db, form(db, **overrides), submit=True)
    assert (field, code) in [(e.field, e.code) for e in failed.value.errors]
    assert db.checksums(["applications", "application_events", "outbox"]) == before


def test_a_draft_can_be_incomplete_and_resumed(db):
    draft = apps.save(db, {"network": form(db)["network"], "contact_email": "ana@school.example",
                           "institution_name": "Half done"}, submit=False)
    assert draft.stage == "draft"
    resumed = apps.save(db, form(db), submit=True, reference=draft.record["reference"], email="ana@school.example")
    assert resumed.record["id"] == draft.record["id"] and resumed.stage == "submitted"


def test_similar_institutions_are_found_across_scripts(db):
    network, name, latin = db.rows("SELECT network, name, name_latin FROM institutions WHERE name <> name_latin "
                                   "AND status = 'member' LIMIT 1")[0]
    found = apps.similar(db, network, latin.upper())
    assert name in found["name"].to_list()


def test_lost_reference_codes_are_resent(db):
    app = apps.save(db, form(db), submit=True)
    apps.resend_references(db, "ANA@school.example")
    assert app.record["reference"] in apps.outbox(db, "ana@school.example")["body"][0]
    apps.resend_references(db, "nobody@school.example")   # says nothing, sends nothing
    assert apps.outbox(db, "nobody@school.example").height == 0


def test_applicant_withdraws(db):
    app = apps.save(db, form(db), submit=True)
    assert apps.withdraw(db, app.record["reference"], "ana@school.example").stage == "withdrawn"
    with pytest.raises(apps.TransitionRefused):
        apps.withdraw(db, app.record["reference"], "ana@school.example")
