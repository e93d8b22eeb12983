"""AppTest of To do: the landing page after login, what it shows a coordinator and an admin."""

import pytest
from streamlit.testing.v1 import AppTest

from aspnet_data import accounts, applications, demo, editing
from aspnet_data.db import open_database
from ui.auth import LOGIN_BOX
from ui.i18n import translate

from ..conftest import ROOT, forget_school_changes, two_coordinators, use_database
from .conftest import run_app


@pytest.fixture()
def app_env(scratch_copy, monkeypatch):
    use_database(monkeypatch, scratch_copy)
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")
    return scratch_copy


def log_in_with_the_form(username: str, password: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state[LOGIN_BOX] = True  # the visitor opened the login box (its form is drawn then)
    at.run()
    at.sidebar.text_input[0].input(username)
    at.sidebar.text_input[1].input(password)
    next(b for b in at.sidebar.button if b.label == "Log in").click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def applications_queue_refs(path, actor) -> list[str]:
    with open_database(path) as db:
        return applications.queue(db, actor)["reference"].to_list()


def page_links(at) -> list[tuple[str, str]]:
    return [(link.proto.label, link.proto.page) for link in at.get("page_link")]


def test_a_coordinator_who_logs_in_on_the_home_page_lands_on_to_do(app_env):
    with open_database(app_env) as db:
        (name, network), _ = two_coordinators(db)
        country = db.scalar("SELECT name_en FROM countries WHERE iso3 = ?", [network])
    at = log_in_with_the_form(name, demo.DEMO_PASSWORDS["coordinator"])
    assert any(c.value.startswith("Signed in as") for c in at.sidebar.caption)
    at.run()  # the run after the login (in a browser, when the login cookie is set)
    assert not at.exception
    assert at.title[0].value == "To do"
    assert country in at.caption[0].value
    at.run()  # and it stays there: the landing happens once
    assert at.title[0].value == "To do"


def test_an_analyst_who_logs_in_stays_where_they_were(app_env):
    at = log_in_with_the_form("analyst", demo.DEMO_PASSWORDS["analyst"])
    at.run()
    assert not at.exception and at.title[0].value != "To do"


@pytest.mark.both_engines
def test_the_coordinators_to_do_counts_and_links_what_waits(app_env):
    with open_database(app_env) as db:
        (name, network), _ = two_coordinators(db)
        me = accounts.get_user(db, name).actor
        app = applications.save(
            db,
            {
                "network": network,
                "institution_name": "Escuela del Todo",
                "city": "Testville",
                "levels": ["primary"],
                "themes": ["esd"],
                "theme_plans": {"esd": "A garden."},
                "ownership": "public",
                "contact_name": "Ana",
                "contact_email": "ana@school.example",
            },
            submit=True,
        ).record
        waiting = applications.queue(db, me).height
        school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
        record = editing.institution_record(db, school)
        editing.update_institution(
            db, me, school, {"pupils": "1234", "ownership": "private"}, expected_version=record["version"]
        )
    at = run_app(app_env, "app_pages/todo.py", username=name)
    text = " ".join(m.value for m in at.markdown).replace("\\", "")  # as shown, without markdown escapes
    assert f"**{waiting}** application" in text
    links = page_links(at)
    # The oldest waiting, in a table whose rows open the application (its reference kept for the link).
    oldest = at.dataframe[0].value
    assert list(oldest["reference"]) == list(applications_queue_refs(app_env, me))[: len(oldest)]
    assert app["reference"] in set(oldest["reference"]) or waiting > 5
    assert "Escuela del Todo" in set(oldest["institution_name"]) or waiting > 5
    for label, page in (
        ("Open the review queue", "review"),
        ("Open the data-quality lists", "quality"),
        ("Read the messages", "board"),
        ("See the whole history", "manage"),
    ):
        assert any(found == label and page in target for found, target in links), (label, links)
    # The last change, in words: the school, the field labels, values as people read them, who.
    assert record["name"] in text
    assert "Pupils: " in text and "→ 1,234" in text and "Public or private: Public → Private" in text


def test_the_to_do_says_plainly_when_nothing_waits(app_env):
    with open_database(app_env) as db:
        (name, network), _ = two_coordinators(db)
        db.write(lambda cur: cur.execute("UPDATE applications SET stage = 'withdrawn' WHERE network = ?", [network]))
        forget_school_changes(db, network)
    at = run_app(app_env, "app_pages/todo.py", username=name)
    assert "No application waits for your review." in [s.value for s in at.success]
    assert "No change recorded yet." in [i.value for i in at.info]


def test_the_admins_to_do_lists_recommended_applications_and_locked_accounts(app_env):
    with open_database(app_env) as db:
        (name, network), _ = two_coordinators(db)
        recommended = db.scalar("SELECT count(*) FROM applications WHERE stage = 'recommended'")
        for _ in range(accounts.MAX_FAILED_ATTEMPTS):
            with pytest.raises(accounts.LoginRefused):
                accounts.authenticate(db, name, "wrong-password-9")
    at = run_app(app_env, "app_pages/todo.py", username="admin", session={"lang": "fr"})
    assert at.title[0].value == "À faire"
    text = " ".join(m.value for m in at.markdown)
    assert f"**{recommended}** candidatures recommandées" in text
    table = next(d.value for d in at.dataframe if "username" in d.value.columns)
    row = table[table["username"] == name].iloc[0]
    assert row["state"].startswith("Verrouillé · jusqu'à ") and row["state"].endswith(" UTC")


def test_analysts_have_no_to_do(app_env):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        run_app(app_env, "app_pages/todo.py", username="analyst")


def test_the_login_reads_only_the_account_typed_never_the_list_of_all(app_env, monkeypatch):
    # Every run of every page builds the login; a list of every account there cost about half a
    # second per page at the 112,000 accounts of a 1,000,000-institution network.
    def every_account(db):
        raise AssertionError("the login read every account")

    monkeypatch.setattr(accounts, "list_users", every_account)
    at = log_in_with_the_form("nobody.here", "whatever-it-is")
    assert at.sidebar.error[0].value == "Wrong user name or password."
    assert not any(c.value.startswith("Signed in as") for c in at.sidebar.caption)
    at = log_in_with_the_form("analyst", demo.DEMO_PASSWORDS["analyst"])
    assert any(c.value.startswith("Signed in as") for c in at.sidebar.caption)
    at.run()  # the next run confirms the session from the account alone
    assert not at.exception and any(c.value.startswith("Signed in as") for c in at.sidebar.caption)


def test_a_login_typed_into_the_box_a_message_opened_goes_through(app_env):
    # The box opened by itself to say why (an ended session); the message is gone in the run of
    # the login, and the box must still be the same, open one for the login typed into it.
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["auth_message"] = "auth.session_ended"
    at.run()
    assert [i.value for i in at.sidebar.info] == [translate("en", "auth.session_ended")]
    at.sidebar.text_input[0].input("analyst")
    at.sidebar.text_input[1].input(demo.DEMO_PASSWORDS["analyst"])
    next(b for b in at.sidebar.button if b.label == "Log in").click().run()
    assert not at.exception
    assert any(c.value.startswith("Signed in as") for c in at.sidebar.caption)
