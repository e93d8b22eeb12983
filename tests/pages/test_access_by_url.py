"""Private pages opened by URL by every role: anonymous, analyst, the coordinator of network A,
the coordinator of network B, UNESCO admin.

Network A carries markers (a coordinator's phone, applications, a project channel's message,
an account): every text the page hands to the browser is searched for them, so a refused
role never gets them, by link or by a parameter naming network A, and gets a clear message
or no such page. Who may do what is the table in aspnet_data.permissions (checked in
tests/unit/test_accounts.py and test_access_matrix.py); this is the same table seen through
the pages.
"""

from __future__ import annotations

import pytest

from aspnet_data import accounts, board, editing, projects
from aspnet_data import applications as apps
from aspnet_data.db import open_database
from aspnet_data.permissions import Actor

from ..conftest import copy_of, two_coordinators, use_database
from .conftest import look_up, run_app

# The roles and pages through the permission matrix: the same calls on either engine, whose
# PostgreSQL run the data-layer suite (tests/unit/test_access_matrix.py) makes.

ROLES = ("anonymous", "analyst", "own", "other", "admin")
NAV = "not in this role's navigation"
REFUSED = "refused with a message"
# Letters and digits only: markdown escaping would hide a marker with punctuation from the search.
MARKERS = {
    "phone": "5550 PRIVATEPHONEA",
    "reference": None,  # the code part of a reference, filled in by the fixture
    "applicant": "markerapplicanta",  # in the applicant's email
    "recommended": None,
    "board": "PRIVATEBOARDMESSAGEA",
    "user": "PRIVATEUSERMARKER",
}
# Who may ever see each marker, whatever the page.
SEEN_BY = {
    "phone": {"own", "admin", "analyst"},  # read_private: analysts too (in the full export)
    "reference": {"own", "admin"},
    "applicant": {"own", "admin"},
    "recommended": {"own", "admin"},
    "board": {"own", "admin"},
    "user": {"admin"},
}
NOT_ALLOWED = ("You may not change this network's data.", "Log in first")


@pytest.fixture(scope="module")
def marked(demo_path, tmp_path_factory):
    """The test network with private markers on network A, and who is who."""
    path = copy_of(demo_path, tmp_path_factory.mktemp("access_url"))
    with open_database(path) as db:
        (own, a), (other, b) = two_coordinators(db)
        me = accounts.get_user(db, own).actor
        admin = accounts.get_user(db, "admin").actor
        record = editing.network_record(db, Actor("admin", "admin"), a)
        editing.update_network(db, me, a, {"coordinator_phone": MARKERS["phone"]}, expected_version=record["version"])
        values = {
            "network": a,
            "city": "Testville",
            "levels": ["primary"],
            "themes": ["esd"],
            "theme_plans": {"esd": "A school garden."},
            "ownership": "public",
            "contact_name": "Ana",
        }
        submitted = apps.save(
            db,
            {
                **values,
                "institution_name": "Marker Applicant A",
                "contact_email": MARKERS["applicant"] + "@school.example",
            },
            submit=True,
        )
        recommended = apps.save(
            db,
            {
                **values,
                "institution_name": "Marker Recommended A",
                "contact_email": "marker.recommended.a@school.example",
            },
            submit=True,
        )
        apps.move(db, me, recommended.record["id"], "recommended")
        project = projects.create_project(db, me, {"title": "Marker rivers of A", "themes": ["esd"]})
        channel = db.scalar("SELECT id FROM channels WHERE project_id = ?", [project])
        board.post(db, me, channel, MARKERS["board"])
        accounts.create_user(
            db,
            admin,
            username="marker.user",
            display_name=MARKERS["user"],
            role="analyst",
            password="Long-enough-password-1",
            email="marker.user@unesco.example",
        )
        institution = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [a])
        names = dict(db.rows("SELECT iso3, name_en FROM countries WHERE iso3 IN (?, ?)", [a, b]))
        school_changes = {
            code: db.scalar(
                "SELECT count(*) FROM audit_log WHERE action = 'institution.school_update' AND after ->> 'network' = ?",
                [code],
            )
            for code in (a, b)
        }
    markers = {
        **MARKERS,
        "reference": submitted.record["reference"][4:],
        "recommended": recommended.record["reference"][4:],
    }
    return {
        "path": path,
        "a": a,
        "b": b,
        "country_a": names[a],
        "country_b": names[b],
        "project": project,
        "institution": institution,
        "markers": markers,
        "school_changes": school_changes,
        "users": {"anonymous": None, "analyst": "analyst", "own": own, "other": other, "admin": "admin"},
    }


@pytest.fixture()
def open_as(marked, monkeypatch):
    """``open_as(role, script, **query)`` -> AppTest, or None when the page is not in the role's navigation.

    All open pages in the module's one copy: opening a page writes at most a session or a
    visit, which no test here reads."""
    path = marked["path"]
    use_database(monkeypatch, path)
    monkeypatch.setenv("ASPNET_COOKIE_SECRET", "test-secret-for-apptest-0123456789abcdef")

    def run(role: str, script: str, **query):
        try:
            return run_app(path, script, username=marked["users"][role], query=query)
        except ValueError as refused:
            assert "Could not find a navigation page" in str(refused)
            return None

    return run


def rendered(at) -> str:
    """Everything the page sends to the browser as text: element protos and table contents."""
    parts = []

    def walk(node):
        children = getattr(node, "children", None)
        if children is not None:
            for child in children.values():
                walk(child)
            return
        if getattr(node, "type", None) == "arrow_data_frame":
            parts.append(node.value.to_csv())
        elif getattr(node, "proto", None) is not None:
            parts.append(str(node.proto))

    walk(getattr(at, "_tree", at))
    return "\n".join(parts)


def check(marked, role, at, *, shows=(), message=False):
    """No marker this role may not see; the expected ones shown; or a clear refusal."""
    text = rendered(at)
    for name, value in marked["markers"].items():
        if role not in SEEN_BY[name]:
            assert value not in text, (role, name)
    for name in shows:
        assert marked["markers"][name] in text, (role, name)
    if message:
        said = [e.value for e in at.error] + [w.value for w in at.warning]
        assert any(m in s for m in NOT_ALLOWED for s in said), (role, said)
    return text


# -- the coordinators' pages -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_review_queue(open_as, marked, role):
    outcome = {"anonymous": NAV, "analyst": NAV, "own": {"reference"}, "admin": {"recommended"}}.get(role, set())
    at = open_as(role, "app_pages/review.py", code=marked["a"], id="1")
    if outcome == NAV:
        assert at is None
        return
    text = check(marked, role, at, shows=outcome)
    if role == "other":
        assert "Marker Applicant A" not in text and "Marker Recommended A" not in text


@pytest.mark.parametrize("role", ROLES)
def test_manage_names_network_a_in_the_link(open_as, marked, role):
    at = open_as(role, "app_pages/manage.py", code=marked["a"])
    if role in ("anonymous", "analyst"):  # not in their menu (a link to it says why: tests/e2e)
        assert at is None
        return
    check(marked, role, at, shows={"phone"} if role in ("own", "admin") else ())
    title = at.title[0].value
    shown = marked["country_a"] if role in ("own", "admin") else marked["country_b"]
    assert title.startswith(shown) and (role != "other" or marked["country_a"] not in title)
    # History for whoever edits; the revert form for admins, and for the coordinator when a
    # school's focal point changed something (what a coordinator may undo).
    assert [t.label for t in at.tabs] == ["Network profile", "Institutions", "History"]
    revert = any(f.proto.form.form_id == "revert_form" for f in at.get("form"))
    # (A coordinator of another network is shown their own network B.)
    mine = marked["school_changes"][marked["a"] if role == "own" else marked["b"]]
    assert revert == (role == "admin" or (role in ("own", "other") and mine > 0))


@pytest.mark.parametrize("role", ROLES)
def test_manage_edit_link_to_an_institution_of_network_a(open_as, marked, role):
    iid = marked["institution"]
    at = open_as(role, "app_pages/manage.py", code=marked["a"], edit=str(iid))
    if role in ("anonymous", "analyst"):
        assert at is None
        return
    check(marked, role, at)
    opened = any((t.key or "").startswith(f"inst_{iid}_") for t in at.text_input)
    assert opened == (role in ("own", "admin"))


@pytest.mark.parametrize("script", ["app_pages/quality.py", "app_pages/bulk.py"])
@pytest.mark.parametrize("role", ROLES)
def test_quality_and_bulk_name_network_a_in_the_link(open_as, marked, role, script):
    at = open_as(role, script, code=marked["a"])
    if role == "anonymous" or (role == "analyst" and script == "app_pages/bulk.py"):
        assert at is None
        return
    check(marked, role, at)
    if role == "analyst":  # reads data quality, fixes nothing
        assert at.main.metric and not any("fix" in d.value.columns for d in at.main.dataframe)
    title = at.title[0].value
    assert title.startswith(marked["country_b"] if role == "other" else marked["country_a"])
    assert role != "other" or marked["country_a"] not in rendered(at)


@pytest.mark.parametrize("role", ROLES)
def test_todo_shows_only_ones_own_network(open_as, marked, role):
    at = open_as(role, "app_pages/todo.py")
    if role in ("anonymous", "analyst"):
        assert at is None
        return
    text = check(marked, role, at)
    title = at.caption[0].value
    if role == "other":
        assert "Marker Applicant A" not in text and marked["country_a"] not in title
    if role == "own":
        assert marked["country_a"] in title


@pytest.mark.parametrize("role", ROLES)
def test_account_page_shows_only_ones_own_account(open_as, marked, role):
    at = open_as(role, "app_pages/account.py")
    if role == "anonymous":
        assert at is None
        return
    text = check(marked, role, at)
    for other_role, username in marked["users"].items():
        if username and other_role != role:
            assert f"{username} ·" not in text


@pytest.mark.parametrize("role", ROLES)
def test_users_page_is_for_admins(open_as, marked, role):
    at = open_as(role, "app_pages/users.py")
    if role != "admin":
        assert at is None
        return
    check(marked, role, at, shows={"user"})


@pytest.mark.parametrize("role", ROLES)
def test_board_link_to_network_a_project_channel(open_as, marked, role):
    at = open_as(role, "app_pages/board.py", channel=f"project-{marked['project']}")
    if role in ("anonymous", "analyst"):
        assert at is None
        return
    check(marked, role, at, shows={"board"} if role in ("own", "admin") else ())
    channels = at.radio(key="board_channel").options
    assert any("Marker rivers of A" in c for c in channels) == (role in ("own", "admin"))


@pytest.mark.parametrize("role", ROLES)
def test_project_page_updates_are_for_its_members(open_as, marked, role):
    at = open_as(role, "app_pages/projects.py", id=str(marked["project"]))
    check(marked, role, at, shows={"board"} if role in ("own", "admin") else ())
    assert at.title[0].value == "Marker rivers of A"  # the project itself is public


@pytest.mark.parametrize("role", ROLES)
def test_full_export_only_for_analysts_and_admins(open_as, marked, role):
    at = open_as(role, "app_pages/directory.py")
    check(marked, role, at)
    keys = [d.proto.id for d in at.get("download_button")]
    full = [k for k in keys if "export_full_" in k]
    assert (len(full) == 3) == (role in ("analyst", "admin")) and (full == []) == (role not in ("analyst", "admin"))


# -- the applicant's page --------------------------------------------------------------------


@pytest.mark.parametrize("role", ["anonymous", "other"])
def test_application_status_needs_the_email(open_as, marked, role):
    at = open_as(role, "app_pages/status.py")
    reference = "ASP-" + marked["markers"]["reference"]
    for email in ("", "someone@school.example", "MARKERAPPLICANTA@school.example.", "markerapplicanta"):
        look_up(at, reference, email)
        assert "Marker Applicant A" not in rendered(at.main)
        assert not at.main.subheader and not at.main.dataframe
        if email:
            assert [e.value for e in at.error] == ["No application matches this reference code and email."]
    # With its email, the applicant sees it (whoever is signed in).
    look_up(at, reference, MARKERS["applicant"] + "@school.example")
    assert at.main.subheader[0].value == "Marker Applicant A"
