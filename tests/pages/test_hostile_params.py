"""Every page opened with hostile URL parameters and hostile form input: no exception, the
counts of a harmless value, no table changed, and whatever is echoed back shown as text.

Stored hostile text (names, titles, display names, web addresses) is checked here too, where
the page writes it through markdown: Streamlit renders markdown links, images and
``:colour[...]`` directives, and only javascript: links are blocked by the browser side.
"""

from __future__ import annotations

import re

import pytest

from aspnet_data import accounts, board, editing, projects
from aspnet_data import applications as apps
from aspnet_data.db import open_database
from aspnet_data.directory import FACETS, Selection, facet_counts
from aspnet_data.permissions import Actor
from ui.safe import md, safe_url

from .conftest import look_up

PAYLOADS = [
    "' OR 1=1 --",
    "'; DROP TABLE institutions; --",
    "%' UNION SELECT username, password_hash FROM users --",
    '") OR ("1"="1',
    "*/ $1 ? \\",
    "\x00",
    "²",
    "\u2019 OR \u20191\u2019=\u20191",
    "a" * 5000,
    "[x](data:text/html,<script>alert(1)</script>) :red[spoof] <img src=x onerror=alert(1)>",
]
IDS = ["or", "drop", "union", "dquote", "comment", "nul", "superscript", "unicode-quote", "long", "markup"]
FEW = [PAYLOADS[0], PAYLOADS[2], PAYLOADS[-1]]
FEW_IDS = ["or", "union", "markup"]
MARKUP = PAYLOADS[-1]
# A payload that markdown would interpret (a link, a directive, raw HTML): unescaped markup.
RAW = re.compile(r"\[x\]\(|\]\(data:|(?<!\\):red\[|(?<!\\)<(img|script)")


def texts(at) -> list[str]:
    """Every piece of text the page hands to the browser as markdown."""
    out = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "error", "warning", "info", "success", "toast"):
        out += [e.value for e in getattr(at, kind)]
    out += [e.value for e in at.sidebar.caption]
    return out


def assert_text_only(at) -> None:
    for value in texts(at):
        assert not RAW.search(value), value


def fmt(value: int) -> str:
    return f"{value:,}"


@pytest.fixture(scope="module", autouse=True)
def demo_unchanged(db):
    tables = [t for (t,) in db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")]
    before = db.checksums(tables)
    yield
    assert db.checksums(tables) == before


@pytest.fixture(scope="module")
def users(db):
    own, network = db.rows("SELECT username, network FROM users WHERE role = 'coordinator' ORDER BY username LIMIT 1")[
        0
    ]
    return {"coordinator": own, "network": network}


@pytest.fixture()
def signed(app_as):
    """``signed(username, script, **query)`` on a private copy (signing in writes a session)."""
    return lambda username, script, **query: app_as(script, username, **query)


# -- directory, map, dashboard --------------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_directory_with_every_parameter_hostile(page, db, payload):
    query = {
        "q": payload,
        **{f.key: payload for f in FACETS},
        "from": payload,
        "to": payload,
        "sort": payload,
        "page": payload,
        payload[:30] or "x": "1",
    }
    at = page("app_pages/directory.py", **query)
    expected = facet_counts(db, Selection(q=payload[:500])).total
    summary = at.markdown[0].value
    assert summary.startswith(f"**{fmt(expected)} institutions"), summary
    if payload.strip():
        assert md(payload.strip()[:60]) in summary
    # One notice per ignored parameter (six facets, from, to, sort, page, the unknown one).
    assert len(at.toast) == len(FACETS) + 5
    assert_text_only(at)


@pytest.mark.parametrize("payload", FEW, ids=FEW_IDS)
def test_map_with_hostile_parameters(page, db, payload):
    at = page("app_pages/map.py", q=payload, country=payload, theme=payload, **{"from": payload})
    expected = facet_counts(db, Selection(q=payload)).total
    shown = " ".join(m.value for m in at.markdown)
    assert (f"**{fmt(expected)}**" in shown) if expected else ("No institution matches this selection." in shown)
    assert_text_only(at)


@pytest.mark.parametrize("payload", FEW, ids=FEW_IDS)
def test_dashboard_with_hostile_parameters(page, db, payload):
    at = page("app_pages/dashboard.py", **{f.key: payload for f in FACETS}, **{"from": payload, "to": payload})
    plain = facet_counts(db, Selection())
    members = next(m for m in at.metric if m.label == "Members")
    assert members.value == fmt(plain.counts["status"]["member"])
    assert_text_only(at)


# -- profiles and briefs: ?code= and ?id= ------------------------------------------------------


@pytest.mark.parametrize("payload", PAYLOADS, ids=IDS)
def test_profiles_and_brief_with_a_hostile_code_or_id(page, payload):
    network = page("app_pages/network.py", code=payload)
    assert network.title[0].value == "National network not found" and network.error
    institution = page("app_pages/institution.py", id=payload)
    assert institution.title[0].value == "Institution not found" and institution.error
    brief = page("app_pages/brief.py", code=payload)
    assert brief.title[0].value == "Country brief" and brief.warning
    assert not brief.metric  # no network shown
    project = page("app_pages/projects.py", id=payload)
    assert project.title[0].value == "Project not found"
    for at in (network, institution, brief, project):
        assert_text_only(at)


# -- coordinators' pages: ?code=, ?edit=, ?channel= ---------------------------------------------


@pytest.mark.parametrize("payload", FEW + ["²", "\x00"], ids=FEW_IDS + ["superscript", "nul"])
def test_manage_with_a_hostile_edit_id(signed, users, payload):
    at = signed(users["coordinator"], "app_pages/manage.py", edit=payload, code=payload)
    assert at.title and "manage the network" in at.title[0].value
    assert "manage_edit" not in at.session_state  # no form opened for it
    assert_text_only(at)


@pytest.mark.parametrize("script", ["app_pages/manage.py", "app_pages/quality.py", "app_pages/bulk.py"])
def test_admin_pages_with_a_hostile_network_code_fall_back_to_a_real_network(signed, script):
    at = signed("admin", script, code=MARKUP, edit=MARKUP)
    assert re.fullmatch(r"[A-Z]{3}", at.selectbox(key="pick_network").value)
    assert at.title and not at.error
    assert_text_only(at)


def test_board_with_a_hostile_channel_and_search(signed, db, users):
    at = signed(users["coordinator"], "app_pages/board.py", channel=MARKUP)
    assert at.radio(key="board_channel").index == 0
    for payload in FEW:
        at.text_input(key="board_search").input(payload).run()
        assert not at.exception
        me = Actor(users["coordinator"], "coordinator", users["network"])
        found = board.search(db, me, payload)
        assert (f"{found.height} messages found." if found.height != 1 else "1 message found.") in [
            c.value for c in at.caption
        ]
    assert_text_only(at)


def test_review_page_ignores_hostile_parameters(signed, users):
    at = signed(users["coordinator"], "app_pages/review.py", code=MARKUP, id=MARKUP)
    assert at.title[0].value == "Applications to review"
    assert_text_only(at)


def test_application_status_with_hostile_code_and_email(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        reference, email = db.rows("SELECT reference, contact_email FROM applications ORDER BY id LIMIT 1")[0]
    at = app_as("app_pages/status.py")
    for code, mail in (
        [(p[:20], p[:200]) for p in PAYLOADS] + [(reference, p[:200]) for p in FEW] + [(p[:20], email) for p in FEW]
    ):
        look_up(at, code, mail)
        assert [e.value for e in at.error] == ["No application matches this reference code and email."]
        assert not at.main.subheader and not at.main.dataframe  # nothing of the application shown
        assert_text_only(at)


@pytest.mark.parametrize("payload", FEW + ["\x00"], ids=FEW_IDS + ["nul"])
def test_hostile_language_parameter(router, payload):
    at = router(lang=payload)
    assert at.session_state["lang"] == "en"
    assert_text_only(at)


# -- stored text written through markdown ------------------------------------------------------

HOSTILE_NAME = "[Official](data:text/html,<b>x</b>) :red[spoof] <img src=x onerror=alert(1)>"


def test_similar_names_in_the_apply_warning_are_text(app_as, scratch_copy, users):
    with open_database(scratch_copy) as db:
        network = users["network"]
        city = db.scalar("SELECT city FROM institutions WHERE network = ? LIMIT 1", [network])
        editing.create_institution(
            db,
            Actor("admin", "admin"),
            network,
            {
                "name": HOSTILE_NAME,
                "city": city + " :blue[x]",
                "levels": ["primary"],
                "themes": ["esd"],
                "ownership": "public",
            },
        )
    at = app_as("app_pages/apply.py", session={"apply_f_network": network, "apply_f_name": HOSTILE_NAME})
    [warning] = [w.value for w in at.warning]
    assert md(HOSTILE_NAME) in warning and md(city + " :blue[x]") in warning
    assert_text_only(at)


def test_similar_names_in_the_review_warning_are_text(app_as, scratch_copy, users):
    network = users["network"]
    with open_database(scratch_copy) as db:
        city = db.scalar("SELECT city FROM institutions WHERE network = ? LIMIT 1", [network])
        editing.create_institution(
            db,
            Actor("admin", "admin"),
            network,
            {"name": HOSTILE_NAME, "city": city, "levels": ["primary"], "themes": ["esd"], "ownership": "public"},
        )
        app = apps.save(
            db,
            {
                "network": network,
                "institution_name": HOSTILE_NAME,
                "city": city,
                "levels": ["primary"],
                "themes": ["esd"],
                "theme_plans": {"esd": HOSTILE_NAME},
                "ownership": "public",
                "contact_name": HOSTILE_NAME,
                "contact_email": "head@school.example",
            },
            submit=True,
        )
    at = app_as("app_pages/review.py", users["coordinator"])
    at.selectbox(key="review_pick").set_value(app.record["id"]).run()
    assert not at.exception
    assert at.subheader[0].value == md(HOSTILE_NAME)
    assert any(md(HOSTILE_NAME) in w.value for w in at.warning)
    assert_text_only(at)


def test_display_names_are_text_in_the_side_panel_and_account(app_as, scratch_copy):
    with open_database(scratch_copy) as db:
        accounts.create_user(
            db,
            Actor("admin", "admin"),
            username="odd.name",
            display_name=HOSTILE_NAME,
            role="analyst",
            password="Long-enough-password-1",
        )
    at = app_as("app_pages/account.py", "odd.name")
    assert any(md(HOSTILE_NAME) in c.value for c in at.sidebar.caption)
    assert any(md(HOSTILE_NAME) in m.value for m in at.markdown)
    assert_text_only(at)


def test_project_titles_are_text_in_the_board_channel_list(app_as, scratch_copy, users):
    me = Actor(users["coordinator"], "coordinator", users["network"])
    with open_database(scratch_copy) as db:
        projects.create_project(db, me, {"title": HOSTILE_NAME, "themes": ["esd"]})
    at = app_as("app_pages/board.py", users["coordinator"])
    options = at.radio(key="board_channel").options
    assert any(md(HOSTILE_NAME) in o for o in options), options
    assert not any(RAW.search(o) for o in options)


@pytest.mark.parametrize(
    "website",
    [
        "https://school.example/a)[Official](data:text/html;base64,PHNjcmlwdD4=)",
        "https://school.example/(a)[b]",
    ],
)
def test_a_website_cannot_break_out_of_its_link(app_as, scratch_copy, users, website):
    with open_database(scratch_copy) as db:
        iid, version = db.rows(
            "SELECT id, version FROM institutions WHERE network = ? AND status = 'member' ORDER BY id LIMIT 1",
            [users["network"]],
        )[0]
        editing.update_institution(db, Actor("admin", "admin"), iid, {"website": website}, expected_version=version)
        record = editing.network_record(db, Actor("admin", "admin"), users["network"])
        editing.update_network(
            db, Actor("admin", "admin"), users["network"], {"website": website}, expected_version=record["version"]
        )
    for script, query in (
        ("app_pages/institution.py", {"id": str(iid)}),
        ("app_pages/network.py", {"code": users["network"]}),
    ):
        at = app_as(script, **query)
        links = [m.value for m in at.markdown if "school.example" in m.value]
        assert links, script
        for value in links:
            # One link, whose target is the whole address with its brackets encoded.
            target = safe_url(website)
            assert not set("()[]") & set(target) and f"]({target})" in value, value
            assert "](data:" not in value
