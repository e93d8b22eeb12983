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
    before = editing.institution_record(db, sid)
    after = editing.update_institution(
        db, coord, sid, {"pupils": "321", "website": "https://new.school.example"}, expected_version=before["version"]
    )
    assert after["pupils"] == 321 and after["website"] == "https://new.school.example"
    assert after["version"] == before["version"] + 1 and after["updated_by"] == coord.username
    audit = db.query(
        "SELECT actor, action, before, after FROM audit_log WHERE entity = 'institutions' "
        "AND entity_id = ? ORDER BY id DESC LIMIT 1",
        [str(sid)],
    ).row(0, named=True)
    assert audit["actor"] == coord.username and audit["action"] == "institution.update"
    assert json.loads(audit["before"])["pupils"] == before["pupils"]
    assert json.loads(audit["after"]) == {"network": network, "pupils": 321, "website": "https://new.school.example"}


def test_other_coordinators_and_analysts_cannot_edit(db, school):
    sid, network, _ = school
    other = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    version = editing.institution_record(db, sid)["version"]
    for actor in (Actor("x", "coordinator", other), Actor("a", "analyst"), Actor(None)):
        with pytest.raises(PermissionDenied):
            editing.update_institution(db, actor, sid, {"pupils": 1}, expected_version=version)
        with pytest.raises(PermissionDenied):
            editing.withdraw_institution(db, actor, sid, expected_version=version)
        with pytest.raises(PermissionDenied):
            editing.create_institution(db, actor, network, {"name": "X", "city": "Y"})
    assert editing.institution_record(db, sid)["version"] == version


@pytest.mark.parametrize(
    "values, field, code",
    [
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
    ],
)
def test_bad_input_is_refused_field_by_field_and_nothing_is_written(db, school, values, field, code):
    sid, _, coord = school
    before = editing.institution_record(db, sid)
    audit_rows = db.scalar("SELECT count(*) FROM audit_log")
    with pytest.raises(editing.ValidationFailed) as failed:
        editing.update_institution(db, coord, sid, values, expected_version=before["version"])
    assert (field, code) in [(e.field, e.code) for e in failed.value.errors]
    assert editing.institution_record(db, sid) == before
    assert db.scalar("SELECT count(*) FROM audit_log") == audit_rows


def test_coordinates_outside_the_country_are_refused(db, school):
    sid, _, coord = school
    version = editing.institution_record(db, sid)["version"]
    with pytest.raises(editing.ValidationFailed) as failed:
        editing.update_institution(db, coord, sid, {"latitude": 0.0, "longitude": -30.0}, expected_version=version)
    assert failed.value.errors[0].code == "outside_country"


def test_a_stale_form_gets_a_conflict_with_the_current_record(db, school):
    sid, _, coord = school
    opened = editing.institution_record(db, sid)
    editing.update_institution(db, ADMIN, sid, {"teachers": 44}, expected_version=opened["version"])
    with pytest.raises(editing.Conflict) as conflict:
        editing.update_institution(db, coord, sid, {"teachers": 55}, expected_version=opened["version"])
    assert conflict.value.current["teachers"] == 44
    assert editing.institution_record(db, sid)["teachers"] == 44


def test_concurrent_saves_of_one_record_never_lose_an_update(db, school):
    sid, _, coord = school
    version = editing.institution_record(db, sid)["version"]
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
    assert editing.institution_record(db, sid)["pupils"] == saved[0]


def test_create_and_withdraw_keep_history(db, school):
    _, network, coord = school
    town, lat, lon = db.rows("SELECT city, latitude, longitude FROM institutions WHERE network = ? LIMIT 1", [network])[
        0
    ]
    new_id = editing.create_institution(
        db,
        coord,
        network,
        {
            "name": "École des Tilleuls",
            "city": town,
            "latitude": lat,
            "longitude": lon,
            "levels": "primary",
            "ownership": "public",
            "themes": "esd; heritage",
            "year_joined": "2025",
            "languages": "fr",
        },
    )
    record = editing.institution_record(db, new_id)
    assert record["name_latin"] == "Ecole des Tilleuls" and record["themes"] == ["esd", "heritage"]
    editing.withdraw_institution(db, coord, new_id, expected_version=record["version"])
    assert editing.institution_record(db, new_id)["status"] == "withdrawn"
    changes = editing.history(db, coord, network=network, entity="institutions", entity_id=new_id)
    assert [c["action"] for c in changes] == ["institution.withdraw", "institution.create"]
    assert {"field": "status", "before": "member", "after": "withdrawn"} in changes[0]["changes"]


def test_network_profile_edit_and_conflict(db, school):
    _, network, coord = school
    record = editing.network_record(db, Actor("admin", "admin"), network)
    saved = editing.update_network(
        db, coord, network, {"description": "New words", "founded_year": "1990"}, expected_version=record["version"]
    )
    assert saved["description"] == "New words" and saved["founded_year"] == 1990
    with pytest.raises(editing.Conflict):
        editing.update_network(db, coord, network, {"description": "Older form"}, expected_version=record["version"])
    with pytest.raises(editing.ValidationFailed):
        editing.update_network(db, coord, network, {"coordinator_email": "nope"}, expected_version=saved["version"])


def test_admin_reverts_a_change_and_the_revert_is_audited(db, school):
    sid, network, coord = school
    original = editing.institution_record(db, sid)
    editing.update_institution(db, coord, sid, {"city": "Elsewhere-town"}, expected_version=original["version"])
    change = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid)[0]
    with pytest.raises(PermissionDenied):
        editing.revert(db, coord, change["id"])
    editing.revert(db, ADMIN, change["id"])
    assert editing.institution_record(db, sid)["city"] == original["city"]
    latest = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid)[0]
    assert latest["action"] == "institution.revert" and latest["actor"] == "admin"


def test_revert_refuses_to_lose_a_newer_change(db, school):
    sid, network, coord = school
    version = editing.institution_record(db, sid)["version"]
    editing.update_institution(db, coord, sid, {"pupils": 10}, expected_version=version)
    first = editing.history(db, ADMIN, network=network, entity="institutions", entity_id=sid)[0]["id"]
    editing.update_institution(db, coord, sid, {"pupils": 20}, expected_version=version + 1)
    with pytest.raises(editing.Conflict):
        editing.revert(db, ADMIN, first)
    assert editing.institution_record(db, sid)["pupils"] == 20


def test_a_networks_change_reverts_and_its_history_names_only_the_field_restored(db, school):
    _, network, coord = school
    before = editing.network_record(db, ADMIN, network)
    editing.update_network(db, coord, network, {"coordinator_phone": "+1 555 0199"}, expected_version=before["version"])
    change = editing.history(db, ADMIN, network=network, entity="networks", entity_id=network)[0]
    editing.revert(db, ADMIN, change["id"])
    after = editing.network_record(db, ADMIN, network)
    assert after["coordinator_phone"] == before["coordinator_phone"] and after["version"] == before["version"] + 2
    undone = editing.history(db, ADMIN, network=network, entity="networks", entity_id=network)[0]
    assert (undone["action"], undone["reverts"]) == ("network.revert", change["id"])
    assert undone["changes"] == [
        {"field": "coordinator_phone", "before": "+1 555 0199", "after": before["coordinator_phone"]}
    ]
    with pytest.raises(editing.Conflict):  # a form opened before the change and its revert is stale
        editing.update_network(db, coord, network, {"website": "https://a.example"}, expected_version=before["version"])


def test_history_is_private(db, school):
    _, network, _ = school
    other = db.scalar("SELECT min(iso3) FROM networks WHERE iso3 <> ?", [network])
    with pytest.raises(PermissionDenied):
        editing.history(db, Actor("x", "coordinator", other), network=network)
    with pytest.raises(PermissionDenied):
        editing.history(db, Actor(None), network=network)


def test_themes_of_a_school_in_a_project_can_be_edited(db):
    """DuckDB refuses list-column updates of rows that a foreign key points at (migration 003)."""
    sid, network = db.rows(
        "SELECT m.institution_id, i.network FROM project_members m "
        "JOIN institutions i ON i.id = m.institution_id LIMIT 1"
    )[0]
    version = editing.institution_record(db, sid)["version"]
    editing.update_institution(
        db, ADMIN, sid, {"themes": ["heritage"], "languages": "fr; en"}, expected_version=version
    )
    assert editing.institution_record(db, sid)["themes"] == ["heritage"]


# -- history in people's words ------------------------------------------------------------------


def test_history_names_the_school_the_person_and_the_network_profile(db, school):
    sid, network, coord = school
    record = editing.institution_record(db, sid)
    editing.update_institution(
        db, coord, sid, {"pupils": "640", "levels": ["primary", "secondary"]}, expected_version=record["version"]
    )
    profile = editing.network_record(db, ADMIN, network)
    editing.update_network(db, ADMIN, network, {"founded_year": "1990"}, expected_version=profile["version"])
    latest, earlier = editing.history(db, coord, network=network, limit=2)
    display_names = dict(
        db.rows("SELECT username, display_name FROM users WHERE username IN (?, ?)", [coord.username, "admin"])
    )
    assert (latest["entity"], latest["record_name"], latest["network"]) == ("networks", None, network)
    assert latest["actor_name"] == display_names["admin"] != "admin"
    assert latest["changes"] == [{"field": "founded_year", "before": profile["founded_year"], "after": 1990}]
    assert earlier["record_name"] == record["name"] and earlier["actor_name"] == display_names[coord.username]
    assert {c["field"]: c["after"] for c in earlier["changes"]} == {"pupils": 640, "levels": ["primary", "secondary"]}


def test_a_revert_in_the_history_says_which_change_it_undid(db, school):
    sid, network, coord = school
    record = editing.institution_record(db, sid)
    editing.update_institution(db, coord, sid, {"city": "Elsewhere-town"}, expected_version=record["version"])
    change = editing.history(db, ADMIN, network=network, limit=1)[0]
    editing.revert(db, ADMIN, change["id"])
    undone = editing.history(db, ADMIN, network=network, limit=1)[0]
    assert undone["action"] == "institution.revert" and undone["reverts"] == change["id"]
    assert [c["field"] for c in undone["changes"]] == ["city"]  # no "reverted" pseudo-field


def test_history_across_networks_is_for_those_who_read_every_network(db, school):
    sid, network, coord = school
    record = editing.institution_record(db, sid)
    editing.update_institution(db, coord, sid, {"teachers": "33"}, expected_version=record["version"])
    assert editing.history(db, ADMIN, limit=1)[0]["record_name"] == record["name"]
    assert editing.history(db, Actor("analyst", "analyst"), limit=1)[0]["entity_id"] == str(sid)
    with pytest.raises(PermissionDenied):
        editing.history(db, coord)


# -- the network's description in three languages ------------------------------------------------


def test_a_description_keeps_its_language_and_translations(db, school):
    _, network, coord = school
    record = editing.network_record(db, ADMIN, network)
    saved = editing.update_network(
        db,
        coord,
        network,
        {
            "description": "Nos écoles plantent des arbres.",
            "description_language": "FR",
            "description_en": "Our schools plant trees.",
            "description_es": "  ",
            "description_fr": "ignored",
        },
        expected_version=record["version"],
    )
    assert (saved["description"], saved["description_language"]) == ("Nos écoles plantent des arbres.", "fr")
    assert (saved["description_en"], saved["description_fr"], saved["description_es"]) == (
        "Our schools plant trees.",
        None,
        None,
    )
    change = editing.history(db, ADMIN, network=network, limit=1)[0]
    assert {c["field"] for c in change["changes"]} >= {"description", "description_language", "description_en"}


@pytest.mark.parametrize(
    "values, field, code",
    [
        ({"description": "Texte", "description_language": "de"}, "description_language", "choose_one"),
        ({"description": "", "description_es": "Nuestras escuelas"}, "description", "translation_needs_original"),
        (
            {"description": "Text", "description_language": "en", "description_fr": "x" * 2001},
            "description_fr",
            "too_long",
        ),
    ],
)
def test_description_problems_are_refused_next_to_their_field(db, school, values, field, code):
    _, network, coord = school
    record = editing.network_record(db, ADMIN, network)
    with pytest.raises(editing.ValidationFailed) as failed:
        editing.update_network(db, coord, network, values, expected_version=record["version"])
    assert (failed.value.errors[0].field, failed.value.errors[0].code) == (field, code)
    assert editing.network_record(db, ADMIN, network) == record


def test_readers_get_the_translation_in_their_language_or_the_original_with_its_language(db, school):
    from aspnet_data.descriptions import network_description

    _, network, coord = school
    record = editing.network_record(db, ADMIN, network)
    editing.update_network(
        db,
        coord,
        network,
        {
            "description": "Nuestras escuelas",
            "description_language": "es",
            "description_en": "Our schools",
            "description_fr": "",
        },
        expected_version=record["version"],
    )
    english, french, spanish = (network_description(db, network, lang) for lang in ("en", "fr", "es"))
    assert (english.text, english.language, english.translated) == ("Our schools", "en", True)
    assert (french.text, french.language, french.translated) == ("Nuestras escuelas", "es", False)
    assert (spanish.text, spanish.language, spanish.translated) == ("Nuestras escuelas", "es", False)


def test_the_demo_writes_descriptions_in_the_countrys_language_with_some_translations(db):
    by_language = dict(db.rows("SELECT description_language, count(*) FROM networks GROUP BY 1"))
    assert set(by_language) == {"en", "fr", "es"}
    french = db.rows(
        "SELECT c.language, n.description FROM networks n JOIN countries c USING (iso3) "
        "WHERE n.description_language = 'fr'"
    )
    assert all(language == "fr" and "réSEAU" in text for language, text in french)
    translated = db.scalar(
        "SELECT count(*) FROM networks WHERE coalesce(description_en, description_fr, description_es) IS NOT NULL"
    )
    assert 0 < translated < db.scalar("SELECT count(*) FROM networks")
    assert not db.scalar(
        "SELECT count(*) FROM networks WHERE description_language = 'en' AND description_en IS NOT NULL "
        "OR description_language = 'fr' AND description_fr IS NOT NULL "
        "OR description_language = 'es' AND description_es IS NOT NULL"
    )


def test_a_name_without_any_latin_reading_keeps_no_latin_spelling():
    from aspnet_data.validation import complete_latin_name

    assert complete_latin_name({"name": "\U000d48ea"})["name_latin"] is None
    assert complete_latin_name({"name": "Lycée Molière"})["name_latin"] == "Lycee Moliere"


def test_a_name_of_invisible_characters_only_is_required_like_an_empty_one():
    # Found by the property tests: a zero-width space passed as a name, then left no Latin
    # spelling to store.
    for name in ("\u200b", " \u200d\u2060 ", "\ufeff"):
        errors = editing.validate_institution(
            editing.complete_institution(
                {"name": name, "city": "Lyon", "levels": ["primary"], "themes": ["esd"], "ownership": "public"}
            ),
            network="FRA",
        )
        assert [(e.field, e.code) for e in errors if not e.warning] == [("name", "required")]


def test_a_name_without_a_latin_reading_asks_for_the_latin_spelling():
    # Found by the property tests: a Khitan character has no transliteration, so the record
    # had no Latin spelling to store.
    record = {"name": "\U00018cd6", "city": "Lyon", "levels": ["primary"], "themes": ["esd"], "ownership": "public"}
    errors = editing.validate_institution(editing.complete_institution(dict(record)), network="FRA")
    assert [(e.field, e.code) for e in errors if not e.warning] == [("name_latin", "latin_needed")]
    spelled = editing.complete_institution({**record, "name_latin": "Khitan school"})
    assert not [e for e in editing.validate_institution(spelled, network="FRA") if not e.warning]
