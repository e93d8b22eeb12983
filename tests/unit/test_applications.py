"""Membership applications: the state machine by role, validation, approval, tracking."""

import itertools

import polars as pl
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
           WHERE c.has_outline ORDER BY i.id LIMIT 1"""
    )[0]
    values = {
        "network": network,
        "institution_name": "Escuela Nueva Esperanza",
        "city": city,
        "latitude": lat,
        "longitude": lon,
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
    return values | overrides


ROLES = {"applicant": None, "own": "coordinator", "other": "coordinator", "admin": "admin", "analyst": "analyst"}


@pytest.mark.parametrize("stage, to", list(itertools.product(APPLICATION_STAGES, APPLICATION_STAGES)))
@pytest.mark.parametrize("role", sorted(ROLES))
def test_state_machine_by_role(stage, to, role):
    network = "FRA"
    actor = (
        None
        if role == "applicant"
        else Actor(role, ROLES[role], network if role == "own" else ("JPN" if role == "other" else None))
    )
    # Who makes each kind of move: the applicant, the network's coordinator (and UNESCO), UNESCO.
    makers = {"act_as_applicant": {"applicant"}, "review": {"own", "admin"}, "decide_application": {"admin"}}
    expected = role in makers.get(apps.TRANSITIONS.get((stage, to)), set())
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
    school = db.query(
        "SELECT name, status, network, themes FROM institutions WHERE id = ?", [done.record["institution_id"]]
    ).row(0, named=True)
    assert school == {
        "name": "Escuela Nueva Esperanza",
        "status": "candidate",
        "network": network,
        "themes": ["esd", "gced"],
    }
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
        apps.move(db, coordinator, app.record["id"], "returned")  # a reason is required
    apps.move(db, coordinator, app.record["id"], "returned", comment="Say more about heritage.")
    again = apps.save(db, {"pupils": "430"}, submit=True, reference=app.record["reference"], email="ana@school.example")
    assert again.stage == "submitted" and again.record["pupils"] == 430
    assert [e["stage"] for e in again.events] == ["submitted", "returned", "submitted"]


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"network": "ZZZ"}, "network", "no_network"),
        ({"levels": ["university"]}, "levels", "out_of_scope"),
        ({"themes": []}, "themes", "choose_one"),
        ({"theme_plans": {"esd": "x"}}, "plan_gced", "required"),
        ({"contact_email": "nope"}, "contact_email", "email"),
        ({"institution_name": "x" * 201}, "institution_name", "too_long"),
        ({"pupils": "-1"}, "pupils", "out_of_range"),
        ({"latitude": 0.0, "longitude": -30.0}, "latitude", "outside_country"),
    ],
)
def test_a_failed_submission_stores_nothing(db, overrides, field, code):
    before = db.checksums(["applications", "application_events", "outbox"])
    with pytest.raises(ValidationFailed) as failed:
        apps.save(db, form(db, **overrides), submit=True)
    assert (field, code) in [(e.field, e.code) for e in failed.value.errors]
    assert db.checksums(["applications", "application_events", "outbox"]) == before


def test_a_draft_can_be_incomplete_and_resumed(db):
    draft = apps.save(
        db,
        {"network": form(db)["network"], "contact_email": "ana@school.example", "institution_name": "Half done"},
        submit=False,
    )
    assert draft.stage == "draft"
    resumed = apps.save(db, form(db), submit=True, reference=draft.record["reference"], email="ana@school.example")
    assert resumed.record["id"] == draft.record["id"] and resumed.stage == "submitted"


def test_similar_institutions_are_found_across_scripts(db):
    network, name, latin = db.rows(
        "SELECT network, name, name_latin FROM institutions WHERE name <> name_latin AND status = 'member' LIMIT 1"
    )[0]
    found = apps.similar(db, network, latin.upper())
    assert name in found["name"].to_list()


def test_lost_reference_codes_are_resent(db):
    app = apps.save(db, form(db), submit=True)
    apps.resend_references(db, "ANA@school.example")
    assert app.record["reference"] in apps.outbox(db, "ana@school.example")["body"][0]
    apps.resend_references(db, "nobody@school.example")  # says nothing, sends nothing
    assert apps.outbox(db, "nobody@school.example").height == 0


def test_applicant_withdraws(db):
    app = apps.save(db, form(db), submit=True)
    assert apps.withdraw(db, app.record["reference"], "ana@school.example").stage == "withdrawn"
    with pytest.raises(apps.TransitionRefused):
        apps.withdraw(db, app.record["reference"], "ana@school.example")


def test_approval_gives_the_profile_the_public_details_never_the_contact(db):
    app = apps.save(
        db,
        form(
            db, school_email="secretaria@ribeira.example", website="www.ecole-ribeira.pt", languages="Spanish; Swahili"
        ),
        submit=True,
    )
    assert app.record["languages"] == ["es", "sw"]
    apps.move(db, ADMIN, app.record["id"], "recommended", comment="Fine.")
    done = apps.move(db, ADMIN, app.record["id"], "approved")
    school = db.query("SELECT * FROM institutions WHERE id = ?", [done.record["institution_id"]]).row(0, named=True)
    assert (school["email"], school["website"]) == ("secretaria@ribeira.example", "https://www.ecole-ribeira.pt")
    assert school["status"] == "candidate"
    # The contact person is nowhere on the institution, nor in its audit row.
    values = " ".join(str(v) for v in school.values())
    audit = " ".join(
        r[0]
        for r in db.rows(
            "SELECT after FROM audit_log WHERE entity = 'institutions' AND entity_id = ?", [str(school["id"])]
        )
    )
    for private in ("Ana Pérez", "ana@school.example"):
        assert private not in values and private not in audit


def test_approval_without_public_details_leaves_the_profile_without_contact(db):
    app = apps.save(db, form(db), submit=True)
    apps.move(db, ADMIN, app.record["id"], "recommended")
    done = apps.move(db, ADMIN, app.record["id"], "approved")
    assert db.rows("SELECT email, website FROM institutions WHERE id = ?", [done.record["institution_id"]]) == [
        (None, None)
    ]


@pytest.mark.parametrize(
    "overrides, field, code",
    [
        ({"school_email": "office at school"}, "school_email", "email"),
        ({"website": "our school's site"}, "website", "url"),
        ({"languages": ["English", "Klingonish"]}, "languages", "unknown_language"),
    ],
)
def test_public_details_and_languages_are_checked(db, overrides, field, code):
    with pytest.raises(ValidationFailed) as failed:
        apps.save(db, form(db, **overrides), submit=True)
    assert (field, code) in [(e.field, e.code) for e in failed.value.errors]


def test_similar_names_each_school_once_and_never_itself(db):
    network, name, city, member = db.rows(
        "SELECT network, name, city, id FROM institutions WHERE status = 'member' "
        "AND name = name_latin ORDER BY id LIMIT 1"
    )[0]
    base = form(db, network=network, institution_name=name, city=city, latitude=None, longitude=None)
    first = apps.save(db, base, submit=True)
    apps.save(db, {**base, "contact_email": "other@school.example"}, submit=True)  # the same school again
    found = apps.similar(db, network, name)
    # The member stands for the school: its two applications of the same name and town are not listed again.
    assert found.filter(kind="member")["id"].to_list() == [member]
    assert found.filter((pl.col("name") == name) & (pl.col("city") == city)).height == 1
    # Another town: one entry for the two applications, the latest first, and never the one being read.
    elsewhere = {**base, "city": "Ribeira de Baixo", "institution_name": name + " Annex"}
    older = apps.save(db, elsewhere, submit=True)
    newer = apps.save(db, {**elsewhere, "contact_email": "third@school.example"}, submit=True)
    found = apps.similar(db, network, name + " Annex")
    assert found.filter(kind="application")["reference"].to_list() == [newer.record["reference"]]
    # Read as a reviewer reads the newer one: the older is the only other application left.
    reading_newer = apps.similar(db, network, name + " Annex", exclude=newer.record["id"])
    assert reading_newer.filter(kind="application")["reference"].to_list() == [older.record["reference"]]
    # An approved application is its institution, listed once as a candidate.
    apps.move(db, ADMIN, first.record["id"], "recommended")
    approved = apps.move(db, ADMIN, first.record["id"], "approved")
    again = apps.similar(db, network, name, limit=20)
    assert approved.record["institution_id"] in again["id"].to_list()
    assert first.record["reference"] not in again["reference"].to_list()


def test_progress_shows_done_current_and_next_steps_with_dates(db):
    app = apps.save(db, form(db), submit=True)
    steps = apps.progress(app)
    assert [(s.key, s.state) for s in steps] == [
        ("submitted", "done"),
        ("coordinator", "current"),
        ("unesco", "next"),
        ("candidate", "next"),
    ]
    assert steps[0].when == app.events[0]["occurred_at"]
    network = app.record["network"]
    coordinator = Actor(f"coord.{network.lower()}", "coordinator", network)
    returned = apps.move(db, coordinator, app.record["id"], "returned", comment="More on the garden, please.")
    step = apps.progress(returned)[1]
    assert (step.state, step.outcome, step.comment) == ("current", "returned", "More on the garden, please.")
    apps.save(db, {"pupils": 430}, submit=True, reference=app.record["reference"], email="ana@school.example")
    recommended = apps.move(db, coordinator, app.record["id"], "recommended", comment="A fine school.")
    assert apps.recommendation(recommended)["comment"] == "A fine school."
    assert [(s.key, s.state) for s in apps.progress(recommended)] == [
        ("submitted", "done"),
        ("coordinator", "done"),
        ("unesco", "current"),
        ("candidate", "next"),
    ]
    declined = apps.move(db, ADMIN, app.record["id"], "declined_unesco", comment="Outside the criteria.")
    assert [(s.key, s.state, s.outcome) for s in apps.progress(declined)][-1] == (
        "unesco",
        "stopped",
        "declined_unesco",
    )
    assert len(apps.progress(declined)) == 3


def test_a_reviewer_opens_an_application_by_its_reference(db):
    app = apps.save(db, form(db), submit=True)
    network = app.record["network"]
    assert apps.lookup(db, ADMIN, app.record["reference"].lower()).record["id"] == app.record["id"]
    assert apps.lookup(db, ADMIN, "ASP-ZZZZZZZZZZ") is None and apps.lookup(db, ADMIN, "'; DROP") is None
    other = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    with pytest.raises(PermissionDenied):
        apps.lookup(db, Actor("x", "coordinator", other), app.record["reference"])


def test_an_approved_school_is_a_candidate_without_a_membership_certificate(scratch_copy):
    from aspnet_data import applications as apps_module
    from aspnet_data.db import open_database
    from aspnet_data.permissions import Actor

    with open_database(scratch_copy) as db:
        app_id, network = db.rows(
            "SELECT id, network FROM applications WHERE stage = 'recommended' ORDER BY id LIMIT 1"
        )[0]
        admin = Actor(db.scalar("SELECT username FROM users WHERE role = 'admin' LIMIT 1"), "admin")
        moved = apps_module.move(db, admin, app_id, "approved", comment="Welcome.")
        school = moved.record["institution_id"]
        assert db.scalar("SELECT status FROM institutions WHERE id = ?", [school]) == "candidate"
        assert db.scalar("SELECT count(*) FROM certificates WHERE institution_id = ?", [school]) == 0
