"""AppTest of a project space's materials: who sees which, the search, the limits and quota on
the page, the form that shares a file and its refusals. (Choosing a file and downloading it
are not driven by AppTest: tests/e2e/test_materials_e2e.py does them in Chromium.)"""

from __future__ import annotations

import json

import pytest

from aspnet_data import files

from ..conftest import ROOT

CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}


def text_of(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


@pytest.fixture(scope="module")
def space(_demo_file):
    """A demo project with a public and a private material, its owner, and a coordinator of a
    network that takes no part in it."""
    from aspnet_data.db import open_database

    with open_database(_demo_file) as db:
        project, owner = db.rows(
            """SELECT p.id, p.owner FROM projects p
               WHERE EXISTS (SELECT 1 FROM project_materials m WHERE m.project_id = p.id AND m.public)
                 AND EXISTS (SELECT 1 FROM project_materials m WHERE m.project_id = p.id AND NOT m.public)
               ORDER BY p.id LIMIT 1"""
        )[0]
        titles = dict(db.rows("SELECT title, public FROM project_materials WHERE project_id = ?", [project]))
        outsider = db.scalar(
            """SELECT u.username FROM users u WHERE u.role = 'coordinator'
                 AND u.network <> (SELECT network FROM projects WHERE id = $p)
                 AND NOT EXISTS (SELECT 1 FROM project_members m JOIN institutions i ON i.id = m.institution_id
                                 WHERE m.project_id = $p AND i.network = u.network)
               ORDER BY u.username LIMIT 1""",
            {"p": project},
        )
    return {"id": project, "owner": owner, "titles": titles, "outsider": outsider}


def public_and_private(space):
    public = [t for t, shown in space["titles"].items() if shown]
    private = [t for t, shown in space["titles"].items() if not shown]
    return public, private


def test_a_visitor_sees_only_the_public_materials_and_no_form(page, space):
    at = page("app_pages/projects.py", id=str(space["id"]))
    shown = text_of(at)
    public, private = public_and_private(space)
    assert all(f"**{title}**" in shown for title in public)
    assert not any(f"**{title}**" in shown for title in private)
    assert CATALOGS["en"]["materials.public_only"] in shown
    assert not [e for e in at.expander if e.label == CATALOGS["en"]["materials.add"]]


def test_an_outsider_coordinator_sees_only_the_public_materials(app_as, space):
    at = app_as("app_pages/projects.py", space["outsider"], id=str(space["id"]))
    shown = text_of(at)
    public, private = public_and_private(space)
    assert all(f"**{title}**" in shown for title in public)
    assert not any(f"**{title}**" in shown for title in private)
    assert not [e for e in at.expander if e.label == CATALOGS["en"]["materials.add"]]


@pytest.mark.both_engines
def test_the_owner_sees_every_material_the_limits_and_the_quota_and_a_file_is_required(app_as, space):
    at = app_as("app_pages/projects.py", space["owner"], id=str(space["id"]))
    shown = text_of(at)
    assert all(f"**{title}**" in shown for title in space["titles"])
    assert CATALOGS["en"]["materials.public_only"] not in shown
    [form] = [e for e in at.expander if e.label == CATALOGS["en"]["materials.add"]]
    limits = "\n".join(c.value for c in form.caption)
    assert "At most 10 MB a file" in limits and "used of 200" in limits
    assert [c for c in form.checkbox if c.label == CATALOGS["en"]["materials.field_public"]]  # the owner's
    next(t for t in form.text_input if t.label == "Title").input("Worksheet")
    next(b for b in form.button if b.label == CATALOGS["en"]["materials.share"]).click().run()
    assert not at.exception
    assert [e.value for e in at.error] == ["Required."]  # the file: nothing was chosen
    assert at.session_state["material_errors"][0].field == "file"


def test_the_search_finds_materials_by_words_of_their_title(app_as, space):
    at = app_as("app_pages/projects.py", space["owner"], id=str(space["id"]))
    title = sorted(space["titles"])[0]
    at.text_input(key="materials_q").input(title.split()[0].upper()).run()
    shown = text_of(at)
    assert f"**{title}**" in shown
    at.text_input(key="materials_q").input("zzzz-no-such-material").run()
    assert CATALOGS["en"]["materials.none_found"] in text_of(at)


def test_in_french_the_materials_speak_french(app_as, space):
    at = app_as("app_pages/projects.py", space["owner"], session={"lang": "fr"}, id=str(space["id"]))
    assert CATALOGS["fr"]["materials.title"] in [s.value for s in at.subheader]
    [form] = [e for e in at.expander if e.label == CATALOGS["fr"]["materials.add"]]
    assert "10 Mo au plus par fichier" in "\n".join(c.value for c in form.caption)


def test_a_material_shared_meanwhile_shows_on_the_next_run(app_as, space, scratch_copy):
    from aspnet_data import accounts
    from aspnet_data.db import open_database

    at = app_as("app_pages/projects.py", space["owner"], id=str(space["id"]))
    with open_database(scratch_copy) as db:
        owner = accounts.get_user(db, space["owner"]).actor
        files.add_material(
            db, owner, space["id"], files.Upload("plan.txt", b"Week 1: rivers"), {"title": "Plan of the term"}
        )
    at.run()
    assert "**Plan of the term**" in text_of(at)
    assert "plan\\.txt" in text_of(at)  # the file's name, escaped as all user text is
