"""Project spaces: creation, who adds which schools, requests and the owner's decision."""

from datetime import date

import pytest

from aspnet_data import projects
from aspnet_data.db import open_database
from aspnet_data.editing import ValidationFailed
from aspnet_data.permissions import Actor, PermissionDenied


@pytest.fixture()
def db(scratch_copy):
    with open_database(scratch_copy) as database:
        yield database


def two_coordinators(db):
    rows = db.rows("""SELECT u.username, u.network, min(i.id) FROM users u JOIN institutions i ON i.network = u.network
                      WHERE u.role = 'coordinator' AND i.status = 'member' GROUP BY 1, 2 ORDER BY 1 LIMIT 2""")
    return [(Actor(u, "coordinator", n), school) for u, n, school in rows]


VALUES = {
    "title": "Rivers of the Sahel",
    "description": "Schools measure their rivers <b>together</b>.",
    "themes": ["esd"],
    "languages": ["fr", "en"],
    "start_date": date(2026, 9, 1),
    "end_date": date(2027, 6, 30),
    "status": "open",
}


def test_create_add_request_accept(db):
    (owner, own_school), (other, other_school) = two_coordinators(db)
    project_id = projects.create_project(db, owner, VALUES)
    project = projects.get_project(db, project_id)
    assert project["title"] == "Rivers of the Sahel" and project["channel_id"]
    assert projects.add_institution(db, owner, project_id, own_school) == "member"
    with pytest.raises(PermissionDenied):
        projects.add_institution(db, owner, project_id, other_school)  # not the owner's network
    assert projects.add_institution(db, other, project_id, other_school) == "requested"
    with pytest.raises(PermissionDenied):
        projects.decide(db, other, project_id, other_school, accept=True)  # only the owner decides
    projects.decide(db, owner, project_id, other_school, accept=True)
    members = projects.get_project(db, project_id)["members"]
    assert set(members.filter(members["state"] == "member")["id"]) == {own_school, other_school}
    listed = projects.list_projects(db, theme="esd", network=other.network)
    assert project_id in listed["id"].to_list()
    assert listed.filter(listed["id"] == project_id)["networks"][0] == 2


@pytest.mark.parametrize(
    "override, field",
    [
        ({"title": ""}, "title"),
        ({"themes": []}, "themes"),
        ({"languages": ["elvish"]}, "languages"),
        ({"end_date": date(2020, 1, 1)}, "end_date"),
        ({"title": "x" * 151}, "title"),
    ],
)
def test_invalid_projects_are_refused(db, override, field):
    (owner, _), _ = two_coordinators(db)
    before = db.scalar("SELECT count(*) FROM projects")
    with pytest.raises(ValidationFailed) as failed:
        projects.create_project(db, owner, VALUES | override)
    assert field in [e.field for e in failed.value.errors]
    assert db.scalar("SELECT count(*) FROM projects") == before


def test_analysts_and_visitors_cannot_create(db):
    for actor in (Actor("analyst", "analyst"), Actor(None)):
        with pytest.raises(PermissionDenied):
            projects.create_project(db, actor, VALUES)


def test_description_is_stored_verbatim(db):
    (owner, _), _ = two_coordinators(db)
    project_id = projects.create_project(db, owner, VALUES | {"description": "<script>alert(1)</script>"})
    assert projects.get_project(db, project_id)["description"] == "<script>alert(1)</script>"
