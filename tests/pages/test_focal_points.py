"""AppTest of the schools' focal points: the coordinator's Focal points page (invite, list,
undo a school's change), the invitation's Welcome page, and My school. Each journey runs in one
language; their pages' titles and buttons are checked in all three."""

import json

import pytest

from aspnet_data import accounts, board, change_requests, editing, focal_points
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from ..conftest import ROOT

CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}
PASSWORD = "Garden-and-river-7"
TITLES = {"en": "Focal points of the schools of", "fr": "Points focaux des établissements", "es": "Puntos focales"}
SEND = {"en": "Send the invitation", "fr": "Envoyer l'invitation", "es": "Enviar la invitación"}
SAVE = {"en": "Save", "fr": "Enregistrer", "es": "Guardar"}
SET = {"en": "Set my password", "fr": "Choisir mon mot de passe", "es": "Elegir mi contraseña"}
WRONG_EMAIL = {
    "en": "This is not the address the invitation was sent to.",
    "fr": "Ce n'est pas l'adresse à laquelle l'invitation a été envoyée.",
    "es": "Esta no es la dirección a la que se envió la invitación.",
}


def press(at, label):
    next(b for b in at.button if b.label == label).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def welcome_form(at) -> list:
    return [w for w in at.text_input if (w.key or "").startswith("welcome_")]


def a_focal_point(path) -> tuple[str, int, str]:
    """(user name, school, network) of a demo focal point whose access is open."""
    with open_database(path) as db:
        return db.rows(
            "SELECT username, institution_id, network FROM users WHERE role = 'focal_point' AND NOT disabled "
            "AND last_login_at IS NOT NULL ORDER BY username LIMIT 1"
        )[0]


@pytest.mark.parametrize("lang", ["fr"])
def test_the_coordinator_invites_a_focal_point_after_fixing_the_address(app_as, scratch_copy, lang):
    _, _, network = a_focal_point(scratch_copy)
    at = app_as("app_pages/focal_points.py", f"coord.{network.lower()}", lang=lang)
    assert at.title[0].value.startswith(TITLES[lang])
    assert at.dataframe and len(at.dataframe[0].value)  # the network's focal points, listed
    school = at.selectbox(key="invite_institution")
    chosen = school.options[0]
    school.select(school.options[0])  # by its label
    at.text_input(key="invite_display_name").input("Ana Pérez")
    at.text_input(key="invite_email").input("ana.perez at school")
    press(at, SEND[lang])
    assert [e.value for e in at.error if "@" not in e.value]  # next to the field, and in the summary
    assert at.text_input(key="invite_display_name").value == "Ana Pérez"  # nothing typed is lost
    at.text_input(key="invite_email").input("ana.perez@school.example")
    press(at, SEND[lang])
    assert not at.error, [e.value for e in at.error]
    assert any("perez" in s.value and "school" in s.value for s in at.success)
    with open_database(scratch_copy) as db:
        to, body = db.rows("SELECT to_email, body FROM outbox ORDER BY id DESC LIMIT 1")[0]
        invited = db.rows("SELECT institution_id FROM users WHERE email = 'ana.perez@school.example'")[0][0]
    assert to == "ana.perez@school.example" and "/welcome?invitation=" in body
    assert f"#{invited}" in chosen or str(invited) in chosen


@pytest.mark.parametrize("lang", ["es"])
def test_the_invitation_link_sets_the_password_with_the_right_address_only(app_as, scratch_copy, lang):
    _, school, network = a_focal_point(scratch_copy)
    with open_database(scratch_copy) as db:
        sent = focal_points.invite(
            db, Actor("admin", "admin"), school, display_name="Bo Lind", email="bo.lind@school.example"
        )
    at = app_as("app_pages/welcome.py", invitation=sent.token, lang=lang)
    assert sent.username in at.caption[0].value
    at.text_input(key="welcome_email").input("someone@school.example")
    at.text_input(key="welcome_new").input(PASSWORD)
    at.text_input(key="welcome_again").input(PASSWORD)
    press(at, SET[lang])
    assert [e.value for e in at.error] == [WRONG_EMAIL[lang]]
    at.text_input(key="welcome_email").input("bo.lind@school.example")
    at.text_input(key="welcome_new").input(PASSWORD)
    at.text_input(key="welcome_again").input(PASSWORD)
    press(at, SET[lang])
    assert any(sent.username in s.value for s in at.success)
    with open_database(scratch_copy) as db:
        assert accounts.authenticate(db, sent.username, PASSWORD)
    again = app_as("app_pages/welcome.py", invitation=sent.token, lang=lang)
    assert again.error and not welcome_form(again)  # used: no form any more


def test_a_made_up_link_says_so_and_shows_no_form(app_as):
    at = app_as("app_pages/welcome.py", invitation="made-up")
    assert at.error and "not valid" in at.error[0].value and not welcome_form(at)


@pytest.mark.both_engines
@pytest.mark.parametrize("lang", ["en"])
def test_my_school_saves_the_public_details_and_the_coordinator_undoes_the_change(app_as, scratch_copy, lang):
    username, school, network = a_focal_point(scratch_copy)
    at = app_as("app_pages/my_school.py", username, lang=lang)
    with open_database(scratch_copy) as db:
        before = editing.institution_record(db, school)
    assert at.title[0].value == before["name"]
    keys = {w.key for w in at.text_input}
    # Levels, themes and ownership are shown, never offered to change.
    assert not at.multiselect and not at.radio and not any(k.endswith("_year_joined") for k in keys)
    website = next(w for w in at.text_input if w.key.endswith("_website"))
    website.input("www.our-school.example")
    press(at, SAVE[lang])
    assert at.success, [e.value for e in at.error]
    with open_database(scratch_copy) as db:
        assert editing.institution_record(db, school)["website"] == "https://www.our-school.example"
    coordinator = app_as("app_pages/focal_points.py", f"coord.{network.lower()}", lang=lang)
    pick = coordinator.selectbox(key="undo_id")
    assert before["name"] in pick.options[0]
    pick.select_index(0)
    next(b for b in coordinator.button if b.form_id == "undo_form").click()
    coordinator.run()
    assert coordinator.success
    with open_database(scratch_copy) as db:
        assert editing.institution_record(db, school)["website"] == before["website"]


def test_my_school_is_refused_to_coordinators_and_says_why(app_as, scratch_copy):
    _, _, network = a_focal_point(scratch_copy)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        app_as("app_pages/my_school.py", f"coord.{network.lower()}")


def test_an_ended_focal_point_can_no_longer_open_my_school(app_as, scratch_copy):
    username, _, network = a_focal_point(scratch_copy)
    with open_database(scratch_copy) as db:
        focal_points.end(db, Actor(f"coord.{network.lower()}", "coordinator", network), username)
    at = app_as("app_pages/home.py", username)
    opened = {p.get("url_pathname") for p in at._registered_pages.values() if p.get("script_path")}
    assert "my_school" not in opened
    assert any(w.label == "User name" for w in at.text_input)  # signed out: the login form again


def test_a_focal_point_asks_to_join_a_project_space_with_their_school(app_as, scratch_copy):
    username, school, network = a_focal_point(scratch_copy)
    with open_database(scratch_copy) as db:
        project = db.scalar(
            "SELECT min(id) FROM projects WHERE status <> 'closed' AND network <> ? AND id NOT IN "
            "(SELECT project_id FROM project_members WHERE institution_id = ?)",
            [network, school],
        )
    at = app_as("app_pages/projects.py", username, id=str(project))
    press(at, "Ask to join with my school")
    assert any("asked to join" in c.value for c in at.caption)
    assert not [b for b in at.button if b.label == "Ask to join with my school"]
    with open_database(scratch_copy) as db:
        assert (
            db.scalar(
                "SELECT state FROM project_members WHERE project_id = ? AND institution_id = ?", [project, school]
            )
            == "requested"
        )


ASK = {"en": "Ask for the change", "fr": "Demander le changement", "es": "Pedir el cambio"}
APPROVE = {"en": "Approve", "fr": "Accepter", "es": "Aprobar"}
DECLINE = {"en": "Decline", "fr": "Refuser", "es": "Rechazar"}
OPEN_CHANNEL = {"en": "Open the channel", "fr": "Ouvrir le canal", "es": "Abrir el canal"}


@pytest.mark.parametrize("lang", ["es"])
def test_a_school_asks_to_change_its_themes_and_the_coordinator_decides(app_as, scratch_copy, lang):
    username, school, network = a_focal_point(scratch_copy)
    with open_database(scratch_copy) as db:
        before = editing.institution_record(db, school)
    at = app_as("app_pages/my_school.py", username, lang=lang, tab="themes")
    themes = at.multiselect(key="change_request_themes")
    assert themes.value == before["themes"]
    for code in before["themes"]:
        themes.unselect(code)
    press(at, ASK[lang])
    assert [e.value for e in at.error]  # nothing chosen: said under the field and in the summary
    wanted = ["heritage"] if before["themes"] != ["heritage"] else ["esd"]
    at.multiselect(key="change_request_themes").select(wanted[0])
    at.text_area(key="change_request_comment").input("<b>Our heritage club</b> started in May.")
    press(at, ASK[lang])
    assert at.success and not at.error, [e.value for e in at.error]
    assert any(CATALOGS[lang]["my_school.request_state.pending"] in m.value for m in at.markdown)
    with open_database(scratch_copy) as db:
        assert editing.institution_record(db, school)["themes"] == before["themes"]  # until the coordinator says so
    coordinator = app_as("app_pages/focal_points.py", f"coord.{network.lower()}", lang=lang, tab="requests")
    assert coordinator.tabs[2].label.endswith("(1)")
    assert "<b>Our heritage club</b> started in May." in [c.value.replace("\\", "") for c in coordinator.caption]
    press(coordinator, DECLINE[lang])
    assert [e.value for e in coordinator.error] == [CATALOGS[lang]["error.required"]]  # a reason is needed
    press(coordinator, APPROVE[lang])
    assert coordinator.success and not coordinator.error
    with open_database(scratch_copy) as db:
        assert editing.institution_record(db, school)["themes"] == wanted
    at = app_as("app_pages/my_school.py", username, lang=lang, tab="themes")
    assert any(CATALOGS[lang]["my_school.request_state.approved"] in m.value for m in at.markdown)


@pytest.mark.parametrize("lang", ["fr"])
def test_the_coordinator_opens_the_schools_channel_and_its_focal_points_read_it(app_as, scratch_copy, lang):
    with open_database(scratch_copy) as db:
        username, network = db.rows(
            "SELECT username, network FROM users WHERE role = 'focal_point' AND NOT disabled AND network NOT IN "
            "(SELECT network FROM channels WHERE kind = 'schools') ORDER BY username LIMIT 1"
        )[0]
    at = app_as("app_pages/board.py", username, lang=lang)
    assert [i.value for i in at.info] == [CATALOGS[lang]["board.no_schools_channel"]]
    coordinator = app_as("app_pages/focal_points.py", f"coord.{network.lower()}", lang=lang, tab="channel")
    press(coordinator, OPEN_CHANNEL[lang])
    assert coordinator.success
    with open_database(scratch_copy) as db:
        channel = board.schools_channel(db, network)
        board.post(db, Actor(f"coord.{network.lower()}", "coordinator", network), channel, "Reports are due soon.")
    at = app_as("app_pages/board.py", username, lang=lang)
    assert [r.value for r in at.radio] == [f"schools-{network.lower()}"] and len(at.radio[0].options) == 1
    assert any("Reports are due soon" in m.value for m in at.markdown), [m.value for m in at.markdown]
    assert not [f for f in at.text_area if f.key == "board_new"]  # focal points read, never write
    assert CATALOGS[lang]["board.schools_read_only"] in [c.value for c in at.caption]


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_journeys_pages_have_their_titles_and_buttons_in_each_language(app_as, scratch_copy, lang):
    """The journeys above, each in one language, press these buttons: here they are in all three."""
    with open_database(scratch_copy) as db:
        username, school, network = db.rows(
            "SELECT username, institution_id, network FROM users WHERE role = 'focal_point' AND NOT disabled "
            "AND network NOT IN (SELECT network FROM channels WHERE kind = 'schools') ORDER BY username LIMIT 1"
        )[0]
        themes = editing.institution_record(db, school)["themes"]
        change_requests.request(
            db,
            accounts.get_user(db, username).actor,
            school,
            themes=["esd"] if themes == ["heritage"] else ["heritage"],
        )
        sent = focal_points.invite(
            db, Actor("admin", "admin"), school, display_name="Bo Lind", email="bo.lind@school.example"
        )
    coordinator = f"coord.{network.lower()}"

    def buttons(at) -> set[str]:
        return {b.label for b in at.button}

    at = app_as("app_pages/focal_points.py", coordinator, lang=lang)
    assert at.title[0].value.startswith(TITLES[lang]) and SEND[lang] in buttons(at)
    assert {APPROVE[lang], DECLINE[lang]} <= buttons(
        app_as("app_pages/focal_points.py", coordinator, lang=lang, tab="requests")
    )
    assert OPEN_CHANNEL[lang] in buttons(app_as("app_pages/focal_points.py", coordinator, lang=lang, tab="channel"))
    assert SAVE[lang] in buttons(app_as("app_pages/my_school.py", username, lang=lang))
    assert ASK[lang] in buttons(app_as("app_pages/my_school.py", username, lang=lang, tab="themes"))
    assert SET[lang] in buttons(app_as("app_pages/welcome.py", invitation=sent.token, lang=lang))
