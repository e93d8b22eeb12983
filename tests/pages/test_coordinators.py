"""AppTest of the coordinators' pages: access, a form with invalid input, a conflict, users admin, the board."""

import pytest
from streamlit.testing.v1 import AppTest

from aspnet_data import accounts, board, editing
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor
from ui.auth import LOGIN_BOX
from ui.safe import md

from ..conftest import ROOT, copy_of, use_database
from .conftest import run_app


@pytest.fixture()
def signed_in(app_as):
    """``signed_in(username, page, **query)``."""
    return lambda username, script="app_pages/home.py", **query: app_as(script, username, **query)


def coordinator(path):
    with open_database(path) as db:
        return db.rows("SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1")[0]


def test_anonymous_visitors_get_a_login_box_and_no_coordinator_section(signed_in):
    at = signed_in(None)
    assert at.sidebar.expander and "Log in (coordinators, UNESCO, schools)" in at.sidebar.expander[0].label
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)


def test_the_login_form_is_drawn_once_the_box_is_opened(signed_in):
    at = signed_in(None)
    # Closed, the box holds no form: a visitor's page loads no text fields' code.
    assert not at.sidebar.expander[0].proto.expanded
    assert not at.sidebar.text_input and not at.sidebar.button
    at.session_state[LOGIN_BOX] = True  # the visitor opens it: a rerun draws the form
    at.run()
    assert [w.label for w in at.sidebar.text_input] == ["User name", "Password"]
    assert [b.label for b in at.sidebar.button] == ["Log in"]


def test_a_revoked_session_is_refused(signed_in, scratch_copy):
    name, _ = coordinator(scratch_copy)
    with open_database(scratch_copy) as db:
        accounts.open_session(db, name, 1234.5)
        accounts.revoke_session(db, name, 1234.5)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = name
    at.session_state["auth_stamp"] = 1234.5
    at.run()
    assert not at.session_state["authentication_status"]
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)


def test_coordinator_gets_their_own_network_form(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/manage.py")
    with open_database(scratch_copy) as db:
        record = editing.network_record(db, Actor("admin", "admin"), network)
    email = next(ti for ti in at.text_input if ti.label == "Coordinator's email")
    assert email.value == record["coordinator_email"]
    assert [tab.label for tab in at.tabs] == ["Network profile", "Institutions", "History"]
    assert any(c.value.startswith("Signed in as") for c in at.sidebar.caption)


def test_only_admins_get_the_users_page(signed_in, scratch_copy):
    name, _ = coordinator(scratch_copy)
    at = signed_in("admin", "app_pages/users.py")
    assert at.title[0].value == "Users"
    assert len(at.dataframe[0].value) >= 180


def submit(at, label="Save", form=None):
    next(b for b in at.button if b.label == label and (form is None or b.form_id == form)).click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def test_a_bad_email_is_refused_next_to_its_field_and_nothing_is_saved(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/manage.py")
    next(ti for ti in at.text_input if ti.label == "Coordinator's email").input("not an email")
    submit(at)
    assert "Not a valid email address." in [e.value for e in at.error]
    assert "1 field needs attention: see the message under it." in [e.value for e in at.error]
    with open_database(scratch_copy) as db:
        assert editing.network_record(db, Actor("admin", "admin"), network)["coordinator_email"] != "not an email"


def test_a_valid_profile_edit_is_saved_and_audited(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/manage.py")
    next(ta for ta in at.text_area if ta.label == "Description").input("Our schools plant trees.")
    submit(at)
    assert not at.error
    with open_database(scratch_copy) as db:
        assert editing.network_record(db, Actor("admin", "admin"), network)["description"] == "Our schools plant trees."
        assert db.scalar("SELECT actor FROM audit_log WHERE action = 'network.update' ORDER BY id DESC LIMIT 1") == name


@pytest.mark.both_engines
def test_saving_over_a_newer_version_shows_both_versions(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/manage.py")
    with open_database(scratch_copy) as db:  # someone else saves after the form was opened
        record = editing.network_record(db, Actor("admin", "admin"), network)
        editing.update_network(
            db,
            Actor("admin", "admin"),
            network,
            {"description": "Saved by someone else"},
            expected_version=record["version"],
        )
    next(ta for ta in at.text_area if ta.label == "Description").input("My own description")
    submit(at)
    assert any("Someone saved this record" in w.value for w in at.warning)
    table = next(d.value for d in at.dataframe if "Your input" in d.value.columns)
    row = table[table["Field"] == "Description"].iloc[0]
    assert (row["Your input"], row["Saved meanwhile"]) == ("My own description", "Saved by someone else")
    with open_database(scratch_copy) as db:
        assert editing.network_record(db, Actor("admin", "admin"), network)["description"] == "Saved by someone else"
    # Keeping mine saves it over the newer version, knowingly.
    next(b for b in at.button if b.label == "Keep my version").click().run()
    with open_database(scratch_copy) as db:
        assert editing.network_record(db, Actor("admin", "admin"), network)["description"] == "My own description"


def test_admin_creates_a_user_and_sees_the_one_time_password_once(signed_in, scratch_copy):
    at = signed_in("admin", "app_pages/users.py")
    at.text_input(key="new_username").input("fresh.analyst")
    at.text_input(key="new_name").input("Fresh Analyst")
    at.selectbox(key="new_role").set_value("analyst")
    submit(at, "Create a user")
    assert at.code and len(at.code[0].value) == 14
    with open_database(scratch_copy) as db:
        user = accounts.authenticate(db, "fresh.analyst", at.code[0].value)
        assert user.role == "analyst" and user.must_change_password
    at.run()
    assert not at.code  # shown once


def test_a_bad_email_for_a_new_user_shows_next_to_its_field_and_creates_nothing(signed_in, scratch_copy):
    at = signed_in("admin", "app_pages/users.py")
    at.text_input(key="new_username").input("fresh.analyst")
    at.text_input(key="new_name").input("Fresh Analyst")
    at.text_input(key="new_email").input("fresh-at-example")
    at.selectbox(key="new_role").set_value("analyst")
    submit(at, "Create a user")
    assert [e.value for e in at.error] == ["Not a valid email address."] and not at.code
    with open_database(scratch_copy) as db:
        assert accounts.get_user(db, "fresh.analyst") is None


def test_a_coordinator_has_no_users_page(signed_in, scratch_copy):
    name, _ = coordinator(scratch_copy)
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_in(name, "app_pages/users.py")


def test_institution_form_refuses_bad_numbers_and_saves_good_ones(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    with open_database(scratch_copy) as db:
        school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)
    with open_database(scratch_copy) as db:
        accounts.open_session(db, name, 77.5)
    at.session_state["authentication_status"] = True
    at.session_state["username"] = name
    at.session_state["auth_stamp"] = 77.5
    at.session_state["manage_edit"] = school
    at.switch_page("app_pages/manage.py")
    at.run()
    at.text_input(key=f"inst_{school}_pupils").input("-5")
    submit(at, form=f"inst_{school}_form")
    assert "Must be a number from 0 to 100000." in [e.value for e in at.error]
    at.text_input(key=f"inst_{school}_pupils").input("640")
    submit(at, form=f"inst_{school}_form")
    with open_database(scratch_copy) as db:
        assert editing.institution_record(db, school)["pupils"] == 640


def test_quality_page_lists_items_with_links_to_their_form(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    with open_database(scratch_copy) as db:
        school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
        db.write(lambda cur: cur.execute("UPDATE institutions SET email = NULL WHERE id = ?", [school]))
    at = signed_in(name, "app_pages/quality.py")
    table = at.dataframe[0].value
    assert f"manage?edit={school}" in set(table["fix"])
    assert int(at.metric[0].value.replace(",", "")) >= 1


def test_quality_page_lists_members_not_reporting(signed_in, scratch_copy):
    with open_database(scratch_copy) as db:
        network, school, count = db.rows(
            "SELECT network, min(id), count(*) FROM institutions WHERE status = 'member' AND NOT EXISTS "
            "(SELECT 1 FROM reports r WHERE r.institution_id = institutions.id AND r.state = 'accepted' "
            "AND r.year IN (2025, 2026)) AND year_joined <= 2024 GROUP BY network ORDER BY count(*) DESC LIMIT 1"
        )[0]
    at = signed_in(f"coord.{network.lower()}", "app_pages/quality.py", tab="inactive")
    assert at.tabs[-1].label.startswith("Not reporting (")
    table = at.tabs[-1].dataframe[0].value
    assert f"manage?edit={school}" in set(table["fix"])
    assert {m.label: m.value for m in at.metric}["Not reporting"] == str(len(table))
    assert len(table) >= count


def test_manage_opens_the_form_named_in_the_link(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    with open_database(scratch_copy) as db:
        school = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [network])
    at = signed_in(name, "app_pages/manage.py", edit=str(school))
    assert at.text_input(key=f"inst_{school}_name").value


def test_bulk_page_offers_the_templates(signed_in, scratch_copy):
    name, _ = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/bulk.py")
    assert "update many institutions" in at.title[0].value
    assert not at.exception


PAGE_ACCESS = {  # page -> roles that get its content for network of the "own" coordinator
    "app_pages/manage.py": {"own", "admin"},
    "app_pages/bulk.py": {"own", "admin"},
    "app_pages/quality.py": {"own", "admin", "analyst"},  # analysts read it (without the Fix links)
    "app_pages/users.py": {"admin"},
}


@pytest.fixture(scope="module")
def matrix_copy(demo_path, tmp_path_factory):
    """One copy for the access matrix's page opens (they write at most a session)."""
    return copy_of(demo_path, tmp_path_factory.mktemp("page_access"))


@pytest.mark.parametrize("script", sorted(PAGE_ACCESS))
@pytest.mark.parametrize("role", ["anonymous", "analyst", "own", "other", "admin"])
def test_page_access_matrix(matrix_copy, monkeypatch, script, role):
    """Every role against every coordinators' page, through the app as a browser would reach it."""
    use_database(monkeypatch, matrix_copy)
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")
    own_user, own_network = coordinator(matrix_copy)
    with open_database(matrix_copy) as db:
        other_user = db.scalar(
            "SELECT min(username) FROM users WHERE role = 'coordinator' AND network <> ?", [own_network]
        )
        own_country = db.scalar("SELECT name_en FROM countries WHERE iso3 = ?", [own_network])
    username = {"anonymous": None, "analyst": "analyst", "own": own_user, "other": other_user, "admin": "admin"}[role]
    try:
        at = run_app(matrix_copy, script, username=username, query={"code": own_network})
    except ValueError:  # not in this user's navigation at all
        assert role not in PAGE_ACCESS[script]
        return
    titles = " ".join(x.value for x in at.title)
    shown = (
        bool(titles)
        and "ASPnet Atlas" not in titles
        and not any("may not" in e.value for e in at.error)
        and not any("Log in first" in w.value for w in at.warning)
    )
    if role == "other" and shown:
        # A coordinator always works on their own network, whatever the link says.
        assert own_country not in titles and "Users" not in titles
        shown = False
    assert shown == (role in PAGE_ACCESS[script]), (role, script, titles)


@pytest.mark.both_engines
def test_board_page_lists_readable_channels_and_posts(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/board.py")
    channels = at.radio(key="board_channel").options
    assert channels and channels[0].startswith("All coordinators")
    at.text_area(key="board_new").input("Hello from AppTest @FRA")
    next(b for b in at.button if b.label == "Post" and b.form_id == "new_thread").click()
    at.run()
    assert not at.exception
    with open_database(scratch_copy) as db:
        assert (
            db.scalar("SELECT body FROM messages WHERE author = ? ORDER BY id DESC LIMIT 1", [name])
            == "Hello from AppTest @FRA"
        )


def board_reader(path):
    """(user name, network) of a coordinator who has not read the all-coordinators channel's last
    three messages by others (their place in it moved back so, in this copy)."""
    with open_database(path) as db:
        name, network, channel = db.rows(
            "SELECT u.username, u.network, r.channel_id FROM users u JOIN channel_reads r ON r.username = u.username "
            "JOIN channels c ON c.id = r.channel_id AND c.kind = 'all' WHERE u.role = 'coordinator' "
            "ORDER BY u.username LIMIT 1"
        )[0]
        earlier = db.scalar(
            "SELECT min(id) FROM (SELECT id FROM messages WHERE channel_id = ? AND author <> ? "
            "ORDER BY id DESC LIMIT 3) AS latest",
            [channel, name],
        )
        db.write(
            lambda cur: cur.execute(
                "UPDATE channel_reads SET last_read_id = ? WHERE username = ? AND channel_id = ?",
                [earlier - 1, name, channel],
            )
        )
        return name, network


def test_the_board_keeps_its_channel_after_a_post(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/board.py", channel="heritage-learning")  # a pasted link
    options = at.radio(key="board_channel").options
    assert at.radio(key="board_channel").value == "heritage-learning"
    at.text_area(key="board_new").input("Sharing our oral history lesson plans")
    next(b for b in at.button if b.label == "Post" and b.form_id == "new_thread").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.radio(key="board_channel").value == "heritage-learning"
    assert at.radio(key="board_channel").options == options
    assert at.query_params["channel"] == "heritage-learning"
    assert "Your thread is posted in Heritage learning. It is at the top of the list below." in [
        s.value for s in at.success
    ]
    assert at.text_area(key="board_new").value == ""
    with open_database(scratch_copy) as db:
        assert (
            db.scalar(
                "SELECT c.slug FROM messages m JOIN channels c ON c.id = m.channel_id WHERE m.author = ? "
                "ORDER BY m.id DESC LIMIT 1",
                [name],
            )
            == "heritage-learning"
        )
    at.run()  # and on the next refresh
    assert at.radio(key="board_channel").value == "heritage-learning"


def test_a_refused_post_keeps_the_text_and_says_why_under_the_form(signed_in, scratch_copy):
    name, _ = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/board.py", channel="climate-education")
    at.text_area(key="board_new").input("\u200b\u200b")
    next(b for b in at.button if b.label == "Post" and b.form_id == "new_thread").click()
    at.run()
    assert "Required." in [e.value for e in at.error]
    assert at.radio(key="board_channel").value == "climate-education"


def test_an_opened_thread_takes_a_reply_and_counts_it(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    with open_database(scratch_copy) as db:
        general = db.scalar("SELECT id FROM channels WHERE kind = 'all'")
        thread = board.post(db, Actor(name, "coordinator", network), general, "Who has a heritage club?")
    at = signed_in(name, "app_pages/board.py")
    assert [e.label for e in at.expander][0] == "Reply"  # folded, newest first, no reply yet
    assert not [a for a in at.text_area if a.key == f"reply_text_{thread}"]
    at.session_state["board_open_threads"] = {thread}  # what opening the thread records
    at.run()
    at.text_area(key=f"reply_text_{thread}").input("We do, since 2019.")
    next(b for b in at.button if b.label == "Post reply" and b.form_id == f"reply_{thread}").click()
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [e.label for e in at.expander][0].startswith("1 reply · last ")  # counted, and still open:
    assert "Your reply is posted." in [s.value for s in at.success]
    assert any(md("We do, since 2019.") in m.value for m in at.markdown)
    assert at.text_area(key=f"reply_text_{thread}").value == ""


def test_the_side_panel_counts_what_is_still_unread_once_a_channel_is_open(signed_in, scratch_copy):
    name, network = board_reader(scratch_copy)
    me = Actor(name, "coordinator", network)
    with open_database(scratch_copy) as db:
        before = board.channels(db, me)
    assert before.filter(before["kind"] == "all")["unread"][0] > 0
    at = signed_in(name, "app_pages/board.py")  # opens the all-coordinators channel
    with open_database(scratch_copy) as db:
        after = board.channels(db, me)
    assert after.filter(after["kind"] == "all")["unread"][0] == 0
    shown = [c.value for c in at.sidebar.caption if c.value.startswith("Message board")]
    left = int(after["unread"].sum())
    assert shown == ([f"Message board: {left} unread"] if left else []) or shown[0].startswith(
        f"Message board: {left} unread · @"
    )
    # A thread that was new when the channel opened is still marked new during the visit.
    assert any(":blue-badge[" in m.value for m in at.markdown)


def test_analysts_have_no_board(signed_in):
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        signed_in("analyst", "app_pages/board.py")


def test_projects_list_and_page_for_visitors(signed_in, scratch_copy):
    at = signed_in(None, "app_pages/projects.py")
    table = at.dataframe[0].value
    assert len(table) >= 6
    first = int(table["id"].iloc[0])  # the id its row opens
    at = signed_in(None, "app_pages/projects.py", id=str(first))
    with open_database(scratch_copy) as db:
        title = db.scalar("SELECT title FROM projects WHERE id = ?", [first])
    assert at.title[0].value.replace("\\", "") == title
    assert not [b for b in at.button if b.label == "Add to the project"]  # visitors cannot join


def test_unknown_project_is_a_clear_message(signed_in):
    at = signed_in(None, "app_pages/projects.py", id="99999")
    assert at.error and "99999" in at.error[0].value


def test_coordinator_creates_a_project(signed_in, scratch_copy):
    name, network = coordinator(scratch_copy)
    at = signed_in(name, "app_pages/projects.py")
    form_inputs = [ti for ti in at.text_input if ti.label == "Project"]
    form_inputs[0].input("Oceans in the Classroom")
    next(m for m in at.multiselect if m.label == "Priority theme").set_value(["esd"])
    next(b for b in at.button if b.label == "Create a project" and b.form_id == "project_create").click()
    at.run()
    assert not at.exception
    with open_database(scratch_copy) as db:
        assert db.scalar("SELECT owner FROM projects WHERE title = 'Oceans in the Classroom'") == name


def test_a_cookie_of_an_account_that_is_gone_is_refused_with_the_box_closed(signed_in, monkeypatch):
    from streamlit_authenticator.controllers.cookie_controller import CookieController

    # A browser still holding the signed cookie of an account since deleted.
    monkeypatch.setattr(CookieController, "get_cookie", lambda self: {"username": "no.such.user", "exp_date": 1e12})
    at = signed_in(None)
    assert not at.exception, [e.value for e in at.exception]
    assert not at.sidebar.expander[0].proto.expanded and not at.sidebar.text_input
    assert not any("Signed in as" in c.value for c in at.sidebar.caption)
