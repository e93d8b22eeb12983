"""AppTest of My network (saved messages under the forms, the description in three languages,
history in people's words, revert by description), data quality read-only for analysts, the
users page (search, last login, lock state, role analyst preselected) and the public profile's
description."""

import pytest

from aspnet_data import accounts, demo, editing
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from ..conftest import two_coordinators, use_database
from .conftest import run_app

ADMIN = Actor("admin", "admin")


@pytest.fixture()
def app_env(scratch_copy, monkeypatch):
    use_database(monkeypatch, scratch_copy)
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")
    with open_database(scratch_copy) as db:
        (name, network), _ = two_coordinators(db)
        school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
    return scratch_copy, name, network, school


def click(at, label, form=None):
    next(b for b in at.button if b.label == label and (form is None or b.form_id == form)).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


@pytest.mark.both_engines
def test_a_saved_institution_says_so_under_its_form_with_the_fields_changed(app_env):
    path, name, network, school = app_env
    at = run_app(path, "app_pages/manage.py", username=name, query={"edit": str(school)})
    at.text_input(key=f"inst_{school}_pupils").input("640")
    at.text_input(key=f"inst_{school}_languages").input("English; French")
    click(at, "Save", form=f"inst_{school}_form")
    assert "Saved. Changed: Languages of instruction, Pupils." in [s.value for s in at.success]
    with open_database(path) as db:
        stored = editing.institution_record(db, school)
    assert stored["pupils"] == 640 and stored["languages"] == ["en", "fr"]
    # Saving again without a change says there was nothing to save.
    click(at, "Save", form=f"inst_{school}_form")
    assert "Nothing to save: the form matches the stored record." in [i.value for i in at.info]


def test_the_network_profile_takes_its_description_language_and_translations(app_env):
    path, name, network, _ = app_env
    at = run_app(path, "app_pages/manage.py", username=name, session={"lang": "fr"})
    language = at.selectbox(key=f"net_{network}_description_language")
    assert language.options == ["Anglais", "Français", "Espagnol"]
    at.text_area(key=f"net_{network}_description").input("Nuestras escuelas plantan árboles.")
    language.select_index(2).run()  # Espagnol
    boxes = [a.label for a in at.text_area]
    assert "Description en anglais" in boxes and "Description en français" in boxes
    assert "Description en espagnol" not in boxes  # the original's own language needs no translation
    at.text_area(key=f"net_{network}_description_en").input("Our schools plant trees.")
    click(at, "Enregistrer")
    saved = [s.value for s in at.success]
    assert any(s.startswith("Enregistré. Modifié : ") and "Langue de la description" in s for s in saved), saved
    with open_database(path) as db:
        record = editing.network_record(db, ADMIN, network)
    assert (record["description"], record["description_language"], record["description_en"]) == (
        "Nuestras escuelas plantan árboles.",
        "es",
        "Our schools plant trees.",
    )


def test_a_translation_without_a_description_is_refused_next_to_the_description(app_env):
    path, name, network, _ = app_env
    at = run_app(path, "app_pages/manage.py", username=name)
    at.text_area(key=f"net_{network}_description").input("")
    others = [a for a in at.text_area if a.key.startswith(f"net_{network}_description_")]
    others[0].input("A translation of nothing")
    click(at, "Save")
    assert "Write the description first: a translation needs its original." in [e.value for e in at.error]


def test_history_speaks_in_the_interface_language_and_admins_revert_a_change_by_its_description(app_env):
    path, name, network, school = app_env
    with open_database(path) as db:
        coordinator = accounts.get_user(db, name)
        record = editing.institution_record(db, school)
        editing.update_institution(
            db,
            coordinator.actor,
            school,
            {"levels": ["primary", "secondary"], "themes": ["esd", "heritage"]},
            expected_version=record["version"],
        )
    at = run_app(path, "app_pages/manage.py", username="admin", session={"lang": "es"}, query={"code": network})
    table = next(d.value for d in at.dataframe if "field" in d.value.columns)
    row = table[table["field"] == "Temas prioritarios"].iloc[0]
    assert row["record"] == record["name"] and row["who"] == coordinator.display_name
    assert row["what"] == "Editada" and row["when"][:4].isdigit()
    assert "Educación para el desarrollo sostenible" in row["after"] and "esd" not in row["after"]
    assert len(table[table["who"] == coordinator.display_name]) == 2  # one row per field changed, no filler
    pick = at.selectbox(key="revert_id")
    described = pick.options[0]
    assert record["name"] in described and coordinator.display_name in described and "Editada" in described
    assert "Niveles educativos" in described and "Temas prioritarios" in described
    pick.select_index(0)
    click(at, "Revertir este cambio", form="revert_form")
    assert any(s.value.startswith("Revertido: ") for s in at.success)
    with open_database(path) as db:
        assert editing.institution_record(db, school)["levels"] == record["levels"]


def test_analysts_read_data_quality_for_a_network_they_pick_without_fix_links(app_env):
    path, _, network, _ = app_env
    at = run_app(path, "app_pages/quality.py", username="analyst", query={"code": network})
    assert at.selectbox(key="pick_network").value == network and at.metric
    assert at.dataframe and all(not c.startswith("fix") for d in at.dataframe for c in d.value.columns)
    assert not at.text_input and not at.text_area and not at.get("form")
    at = run_app(path, "app_pages/quality.py", username="admin", query={"code": network})
    assert any("fix" in d.value.columns for d in at.dataframe)


def test_the_quality_tab_named_in_the_link_opens(app_env):
    path, name, _, _ = app_env
    at = run_app(path, "app_pages/quality.py", username=name, query={"tab": "stale"})
    assert at.tabs[1].proto.label.startswith("Not updated in 2 years")


def test_the_users_page_finds_accounts_and_shows_last_login_and_lock(app_env):
    path, name, network, _ = app_env
    with open_database(path) as db:
        accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"])
        for _ in range(accounts.MAX_FAILED_ATTEMPTS):
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(db, name, "wrong-password-9")
        display = accounts.get_user(db, name).display_name
    at = run_app(path, "app_pages/users.py", username="admin")
    assert at.selectbox(key="new_role").value == "analyst"
    at.text_input(key="users_q").input(display.upper()).run()
    table = at.dataframe[0].value
    row = table[table["username"] == name].iloc[0]
    assert list(row["state"]) == ["locked"] and row["locked_until"] is not None
    assert row["last_login"] is not None and row["email"]
    assert at.selectbox(key="users_pick").value == name
    assert any("Locked" in m.value for m in at.markdown)
    click(at, "Unlock now")
    assert f"{name} is unlocked and can log in again." in [s.value for s in at.success]
    with open_database(path) as db:
        assert accounts.authenticate(db, name, demo.DEMO_PASSWORDS["coordinator"]).username == name


def test_the_users_page_opens_the_account_named_in_the_link(app_env):
    path, name, _, _ = app_env
    at = run_app(path, "app_pages/users.py", username="admin", query={"user": name})
    assert at.selectbox(key="users_pick").value == name


def test_the_users_page_lists_the_first_accounts_says_so_and_opens_a_linked_one_beyond(app_env, monkeypatch):
    path, _, _, _ = app_env
    monkeypatch.setattr(accounts, "USERS_LISTED", 4)
    with open_database(path) as db:
        everyone = db.scalar("SELECT count(*) FROM users")
        last = accounts.user_list(db, ADMIN, limit=everyone)["username"][-1]  # listed last of all
    at = run_app(path, "app_pages/users.py", username="admin")
    captions = [c.value for c in at.caption]
    assert f"{everyone:,} accounts" in captions
    assert "The first 4 are listed: search by name, user name, email or network to find the others." in captions
    assert len(at.dataframe[0].value) == 4 and len(at.selectbox(key="users_pick").options) == 4
    at = run_app(path, "app_pages/users.py", username="admin", query={"user": last})  # a link from To do
    assert at.selectbox(key="users_pick").value == last


@pytest.mark.parametrize("lang, mark", [("en", "In Spanish"), ("fr", "En espagnol"), ("es", None)])
def test_the_public_profile_shows_a_translation_or_the_original_marked_with_its_language(app_env, lang, mark):
    path, name, network, _ = app_env
    with open_database(path) as db:
        record = editing.network_record(db, ADMIN, network)
        editing.update_network(
            db,
            ADMIN,
            network,
            {
                "description": "Nuestras escuelas.",
                "description_language": "es",
                "description_fr": "Nos écoles.",
                "description_en": "",
            },
            expected_version=record["version"],
        )
    at = run_app(path, "app_pages/network.py", session={"lang": lang}, query={"code": network})
    shown = {"en": "Nuestras escuelas\\.", "fr": "Nos écoles\\.", "es": "Nuestras escuelas\\."}[lang]
    assert shown in [m.value for m in at.markdown]
    captions = [c.value for c in at.caption]
    if lang == "en":
        assert mark in captions
    else:
        assert not any(c.startswith(("In ", "En ")) and len(c) < 14 for c in captions)


@pytest.mark.parametrize("lang, label", [("fr", "Réseau national : "), ("es", "Red nacional: ")])
def test_my_account_names_the_coordinators_network_in_the_interface_language(app_env, lang, label):
    path, name, network, _ = app_env
    with open_database(path) as db:
        country = db.scalar(f"SELECT name_{lang} FROM countries WHERE iso3 = ?", [network])
    at = run_app(path, "app_pages/account.py", username=name, session={"lang": lang})
    assert f"{label}{country}" in [c.value.replace("\\", "") for c in at.caption]
