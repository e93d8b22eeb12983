"""Every guarded read and write of the data layer, called by every role: anonymous, analyst,
the network's own coordinator, another network's coordinator, the focal point of one of the
network's schools, UNESCO admin. A refused call
raises PermissionDenied and writes nothing; an allowed one is not refused.

The permission table itself is checked cell by cell in test_accounts.py; this file checks
that each module's functions apply it (or their own rule, for applications, the board and
project spaces) to the records of network A.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from aspnet_data import (
    accounts,
    bulk,
    change_requests,
    editing,
    files,
    focal_points,
    membership,
    national_report,
    notifications,
    projects,
    quality,
    reporting,
    reports,
    todo,
)
from aspnet_data import applications as apps
from aspnet_data import board as boards
from aspnet_data.db import open_database, utc_now
from aspnet_data.directory import Selection, export_full_frame
from aspnet_data.permissions import ANONYMOUS, Actor, PermissionDenied

from ..conftest import copy_of, two_coordinators

ROLES = ("anonymous", "analyst", "own", "other", "focal", "admin")
_counter = itertools.count(1)


@dataclass
class World:
    db: object
    a: str  # network A
    b: str  # network B, in another region
    actors: dict[str, Actor]
    institution: int  # a member institution of A
    project: int  # a project space owned by A's coordinator
    closed_project: int  # a closed one, also A's
    joined_project: int  # another of A's, that B's schools ask to join (its channel B may come to read)
    project_channel: int
    all_channel: int
    b_institution: int
    tables: list[str] = field(default_factory=list)


@pytest.fixture(scope="module")
def world(demo_path, tmp_path_factory):
    path = copy_of(demo_path, tmp_path_factory.mktemp("access"))
    with open_database(path) as db:
        (own, a), (other, b) = two_coordinators(db)
        actors = {
            "anonymous": ANONYMOUS,
            "analyst": accounts.get_user(db, "analyst").actor,
            "own": accounts.get_user(db, own).actor,
            "other": accounts.get_user(db, other).actor,
            "admin": accounts.get_user(db, "admin").actor,
        }
        institution = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [a])
        b_institution = db.scalar("SELECT min(id) FROM institutions WHERE network = ? AND status = 'member'", [b])
        invitation = focal_points.invite(
            db, actors["admin"], institution, display_name="Focal of A", email="focal.a@school.example"
        )
        actors["focal"] = focal_points.accept(db, invitation.token, "focal.a@school.example", "Focal-point-pw-1").actor
        project = projects.create_project(db, actors["own"], {"title": "Rivers of network A", "themes": ["esd"]})
        projects.add_institution(db, actors["own"], project, institution)
        closed_project = projects.create_project(
            db, actors["own"], {"title": "Finished rivers of A", "themes": ["esd"], "status": "closed"}
        )
        joined_project = projects.create_project(db, actors["own"], {"title": "Shared rivers", "themes": ["esd"]})
        tables = [
            t
            for (t,) in db.rows(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main' ORDER BY 1"
            )
        ]
        yield World(
            db,
            a,
            b,
            actors,
            institution,
            project,
            closed_project,
            joined_project,
            db.scalar("SELECT id FROM channels WHERE project_id = ?", [project]),
            db.scalar("SELECT id FROM channels WHERE kind = 'all'"),
            b_institution,
            tables,
        )


def version(w: World, iid: int) -> int:
    return editing.institution_record(w.db, iid)["version"]


def new_institution(w: World, network: str | None = None) -> int:
    return editing.create_institution(
        w.db,
        w.actors["admin"],
        network or w.a,
        {
            "name": f"Access test school {next(_counter)}",
            "city": "Testville",
            "levels": ["primary"],
            "themes": ["esd"],
            "ownership": "public",
        },
    )


def submitted_application(w: World) -> int:
    app = apps.save(
        w.db,
        {
            "network": w.a,
            "institution_name": f"Applicant {next(_counter)}",
            "city": "Testville",
            "levels": ["primary"],
            "themes": ["esd"],
            "theme_plans": {"esd": "A garden."},
            "ownership": "public",
            "contact_name": "Ana",
            "contact_email": f"ana{next(_counter)}@school.example",
        },
        submit=True,
    )
    return app.record["id"]


def recommended_application(w: World) -> int:
    app_id = submitted_application(w)
    apps.move(w.db, w.actors["own"], app_id, "recommended")
    return app_id


def post_as(w: World, role: str, channel: int) -> int:
    # Two minutes apart, so the rate limit (10 a minute) never interferes.
    when = utc_now() + timedelta(minutes=2 * next(_counter))
    return boards.post(w.db, w.actors[role], channel, f"Message {next(_counter)}", now=when)


def schools_channel(w: World) -> int:
    """A's channel for its schools (opened by its coordinator the first time it is asked for)."""
    return boards.open_schools_channel(w.db, w.actors["own"], w.a, title="Schools of A")


def conversation(w: World) -> int:
    """A titled conversation between A's coordinator and B's (a new one each time)."""
    when = utc_now() + timedelta(minutes=2 * next(_counter))
    started, _ = boards.start_conversation(
        w.db, w.actors["own"], [w.actors["other"].username], "Shall we talk?", title=f"Talk {next(_counter)}", now=when
    )
    return started


def conversation_message(w: World) -> int:
    """A message of B's coordinator in a conversation with A's."""
    return post_as(w, "other", conversation(w))


def reported_message(w: World) -> int:
    """A message of a conversation that A's coordinator reported."""
    message = conversation_message(w)
    boards.report(w.db, w.actors["own"], message, "Insulting")
    return message


def other_themes(w: World, iid: int) -> list[str]:
    """Themes other than the school's, to ask for."""
    current = editing.institution_record(w.db, iid)["themes"]
    return ["esd"] if current != ["esd"] else ["esd", "heritage"]


def posted(w: World, message: int):
    return w.db.scalar("SELECT created_at FROM messages WHERE id = ?", [message])


def a_change(w: World) -> int:
    """An admin's edit of A's institution; returns its audit row."""
    record = editing.institution_record(w.db, w.institution)
    editing.update_institution(
        w.db,
        w.actors["admin"],
        w.institution,
        {"teachers": (record["teachers"] or 0) % 900 + 1},
        expected_version=record["version"],
    )
    return w.db.scalar(
        "SELECT max(id) FROM audit_log WHERE entity = 'institutions' AND entity_id = ?", [str(w.institution)]
    )


def a_school_change(w: World) -> int:
    """A change of A's institution by its focal point; returns its audit row."""
    record = editing.institution_record(w.db, w.institution)
    editing.update_school_details(
        w.db, w.actors["focal"], w.institution, {"pupils": next(_counter)}, expected_version=record["version"]
    )
    return w.db.scalar(
        "SELECT max(id) FROM audit_log WHERE action = ? AND entity_id = ?", [editing.SCHOOL_UPDATE, str(w.institution)]
    )


def a_candidate(w: World, *, proposed: bool = False) -> int:
    """A new candidate of A past its candidacy period (its candidacy started 30 months ago),
    proposed for full membership or not."""
    iid = new_institution(w)
    w.db.write(
        lambda cur: cur.execute(
            "UPDATE institutions SET status = 'candidate', created_at = created_at - INTERVAL '900 days' WHERE id = ?",
            [iid],
        )
    )
    if proposed:
        membership.propose(w.db, w.actors["admin"], iid)
    return iid


def a_withdrawn(w: World) -> int:
    iid = new_institution(w)
    membership.withdraw(w.db, w.actors["admin"], iid, "left")
    return iid


def bulk_plan(w: World, actor: Actor):
    frame = bulk.read_file(bulk.template(w.db, w.actors["admin"], w.a, "csv"), "a.csv")
    return bulk.plan(w.db, actor, w.a, frame)


def report_payload(w: World, year: int) -> dict:
    """A complete report for ``year``: one activity on the school year's first day."""
    cycle = reports.calendar(w.db).cycle(year)
    return {
        "activities": [{"title": f"Activity {next(_counter)}", "themes": ["esd"], "start_date": cycle.starts}],
        "scores": {t: dict.fromkeys(reports.ASSESSMENT_ITEMS, 3) for t in ("esd", "gced", "heritage")},
        "contacts_confirmed": True,
    }


def free_year(w: World, institution: int) -> int:
    """A reporting year without a report of ``institution`` yet (the latest first)."""
    year = reports.calendar(w.db).current_year(utc_now().date())
    taken = {y for (y,) in w.db.rows("SELECT year FROM reports WHERE institution_id = ?", [institution])}
    while year in taken:
        year -= 1
    return year


def submitted_report(w: World) -> int:
    iid = new_institution(w)
    year = free_year(w, iid)
    return reports.submit(w.db, w.actors["admin"], iid, year, report_payload(w, year)).id


def an_inactive_member(w: World) -> int:
    """A member of A since 2000 that never reported."""
    return editing.create_institution(
        w.db,
        w.actors["admin"],
        w.a,
        {
            "name": f"Silent school {next(_counter)}",
            "city": "Testville",
            "levels": ["primary"],
            "themes": ["esd"],
            "ownership": "public",
            "year_joined": 2000,
        },
    )


def a_material(w: World, *, public: bool = False) -> int:
    """A material of A's project, added by its owner (A's coordinator)."""
    return files.add_material(
        w.db,
        w.actors["own"],
        w.project,
        files.Upload("notes.txt", b"Rivers, week 1"),
        {"title": f"Material {next(_counter)}", "public": public},
    )


def material_file(w: World, material: int) -> int:
    return w.db.scalar("SELECT file_id FROM project_materials WHERE id = ?", [material])


def attached_file(w: World, role: str, channel: int) -> int:
    """A file on a new message of ``role`` in ``channel``."""
    message = post_as(w, role, channel)
    return files.attach(w.db, w.actors[role], message, files.Upload("plan.txt", b"Plan"), now=posted(w, message))


def draft_of_focal_school(w: World, actor: Actor) -> None:
    year = reports.calendar(w.db).current_year(utc_now().date())
    found = reports.report(w.db, w.actors["admin"], w.institution, year)
    reports.save_draft(w.db, actor, w.institution, year, {"days": ["water"]}, version=found.version)


# name -> (roles allowed, prepare(world) -> context, call(world, actor, context))
OPERATIONS = {
    "reports.report(the focal point's school)": (
        {"focal", "analyst", "own", "admin"},
        None,
        lambda w, actor, _: reports.report(w.db, actor, w.institution, 2026),
    ),
    "reports.save_draft(the focal point's school)": (
        {"focal", "own", "admin"},
        None,
        lambda w, actor, _: draft_of_focal_school(w, actor),
    ),
    "reports.submit(the focal point's school)": (
        {"focal", "own", "admin"},
        lambda w: free_year(w, w.institution),
        lambda w, actor, year: reports.submit(w.db, actor, w.institution, year, report_payload(w, year)),
    ),
    "reports.save_draft(another school of A)": (
        {"own", "admin"},
        new_institution,
        lambda w, actor, iid: reports.save_draft(w.db, actor, iid, 2026, {"days": ["peace"]}),
    ),
    "reports.report_by_id(another school of A)": (
        {"analyst", "own", "admin"},
        submitted_report,
        lambda w, actor, rid: reports.report_by_id(w.db, actor, rid),
    ),
    "reports.decide(accept)": (
        {"own", "admin"},
        submitted_report,
        lambda w, actor, rid: reports.decide(w.db, actor, rid, "accepted"),
    ),
    "reports.decide(return)": (
        {"own", "admin"},
        submitted_report,
        lambda w, actor, rid: reports.decide(w.db, actor, rid, "returned", comment="Add the dates."),
    ),
    "reports.waiting(of A)": ({"own", "admin"}, None, lambda w, actor, _: reports.waiting(w.db, actor, w.a)),
    "reports.waiting(every network)": ({"admin"}, None, lambda w, actor, _: reports.waiting(w.db, actor, None)),
    "reports.network_reports(of A)": (
        {"own", "admin"},
        None,
        lambda w, actor, _: reports.network_reports(w.db, actor, w.a, 2025),
    ),
    "reports.inactive(of A)": (
        {"analyst", "own", "admin"},
        None,
        lambda w, actor, _: reports.inactive(w.db, actor, w.a),
    ),
    "reports.inactive(every network)": ({"admin"}, None, lambda w, actor, _: reports.inactive(w.db, actor)),
    "reports.review_inactive(keep)": (
        {"admin"},
        an_inactive_member,
        lambda w, actor, iid: reports.review_inactive(w.db, actor, iid, "keep"),
    ),
    "reports.review_inactive(withdraw)": (
        {"admin"},
        an_inactive_member,
        lambda w, actor, iid: reports.review_inactive(w.db, actor, iid, "withdraw", comment="Closed in 2024."),
    ),
    "reports.set_calendar": ({"admin"}, None, lambda w, actor, _: reports.set_calendar(w.db, actor, 6, 10, 31)),
    "national_report.compile_report(of A)": (
        {"analyst", "own", "admin"},
        None,
        lambda w, actor, _: national_report.compile_report(w.db, actor, w.a, 2025),
    ),
    "reporting.reporting": (
        {"analyst", "own", "other", "admin"},
        None,
        lambda w, actor, _: reporting.reporting(w.db, actor),
    ),
    "directory.export_full": (
        {"analyst", "admin"},
        None,
        lambda w, actor, _: export_full_frame(w.db, actor, Selection()),
    ),
    "editing.history": (
        {"analyst", "own", "admin"},
        None,
        lambda w, actor, _: editing.history(w.db, actor, network=w.a),
    ),
    "editing.update_institution": (
        {"own", "admin"},
        None,
        lambda w, actor, _: editing.update_institution(
            w.db, actor, w.institution, {"pupils": next(_counter)}, expected_version=version(w, w.institution)
        ),
    ),
    "editing.create_institution": (
        {"own", "admin"},
        None,
        lambda w, actor, _: editing.create_institution(
            w.db,
            actor,
            w.a,
            {
                "name": f"New {next(_counter)}",
                "city": "Testville",
                "levels": ["primary"],
                "themes": ["esd"],
                "ownership": "public",
            },
        ),
    ),
    "editing.withdraw_institution": (
        {"own", "admin"},
        new_institution,
        lambda w, actor, iid: editing.withdraw_institution(w.db, actor, iid, expected_version=version(w, iid)),
    ),
    "editing.update_network": (
        {"own", "admin"},
        None,
        lambda w, actor, _: editing.update_network(
            w.db,
            actor,
            w.a,
            {"coordinator_phone": f"+1 555 {next(_counter):04d}"},
            expected_version=editing.network_record(w.db, w.actors["admin"], w.a)["version"],
        ),
    ),
    "editing.revert": (
        {"admin"},
        lambda w: a_change(w),
        lambda w, actor, audit_id: editing.revert(w.db, actor, audit_id),
    ),
    "editing.revert(a focal point's change)": (
        {"own", "admin"},
        a_school_change,
        lambda w, actor, audit_id: editing.revert(w.db, actor, audit_id),
    ),
    "editing.update_school_details(the focal point's school)": (
        {"focal", "own", "admin"},
        None,
        lambda w, actor, _: editing.update_school_details(
            w.db, actor, w.institution, {"teachers": next(_counter) % 900}, expected_version=version(w, w.institution)
        ),
    ),
    "editing.update_school_details(another school of A)": (
        {"own", "admin"},
        new_institution,
        lambda w, actor, iid: editing.update_school_details(
            w.db, actor, iid, {"teachers": 5}, expected_version=version(w, iid)
        ),
    ),
    "focal_points.invite(school of A)": (
        {"own", "admin"},
        new_institution,
        lambda w, actor, iid: focal_points.invite(
            w.db, actor, iid, display_name="Bo", email=f"bo{next(_counter)}@school.example"
        ),
    ),
    "focal_points.focal_points(of A)": (
        {"own", "admin"},
        None,
        lambda w, actor, _: focal_points.focal_points(w.db, actor, w.a),
    ),
    "focal_points.end(a focal point of A)": (
        {"own", "admin"},
        lambda w: (
            focal_points.invite(
                w.db,
                w.actors["admin"],
                new_institution(w),
                display_name="Cy",
                email=f"cy{next(_counter)}@school.example",
            ).username
        ),
        lambda w, actor, username: focal_points.end(w.db, actor, username),
    ),
    "bulk.template": ({"own", "admin"}, None, lambda w, actor, _: bulk.template(w.db, actor, w.a, "csv")),
    "quality.todo": ({"analyst", "own", "admin"}, None, lambda w, actor, _: quality.todo(w.db, actor, w.a)),
    "editing.history(every network)": ({"analyst", "admin"}, None, lambda w, actor, _: editing.history(w.db, actor)),
    "todo.summary": ({"own", "other", "admin"}, None, lambda w, actor, _: todo.summary(w.db, actor)),
    "accounts.user_list": ({"admin"}, None, lambda w, actor, _: accounts.user_list(w.db, actor, "coord")),
    "accounts.unlock": ({"admin"}, None, lambda w, actor, _: accounts.unlock(w.db, actor, "analyst2")),
    "editing.network_record": (
        {"analyst", "own", "admin"},
        None,
        lambda w, actor, _: editing.network_record(w.db, actor, w.a),
    ),
    "bulk.plan": ({"own", "admin"}, None, lambda w, actor, _: bulk_plan(w, actor)),
    "bulk.apply": (
        {"own", "admin"},
        lambda w: bulk_plan(w, w.actors["admin"]),
        lambda w, actor, plan: bulk.apply(w.db, actor, w.a, plan),
    ),
    "accounts.create_user": (
        {"admin"},
        None,
        lambda w, actor, _: accounts.create_user(
            w.db,
            actor,
            username=f"new.user{next(_counter)}",
            display_name="New",
            role="analyst",
            password="Long-enough-password-9",
        ),
    ),
    "accounts.reset_password": ({"admin"}, None, lambda w, actor, _: accounts.reset_password(w.db, actor, "analyst2")),
    "accounts.set_disabled": (
        {"admin"},
        None,
        lambda w, actor, _: accounts.set_disabled(w.db, actor, "analyst3", False),
    ),
    "accounts.assign_network": (
        {"admin"},
        None,
        lambda w, actor, _: accounts.assign_network(w.db, actor, w.actors["other"].username, w.b),
    ),
    "applications.queue": ({"own", "other", "admin"}, None, lambda w, actor, _: apps.queue(w.db, actor)),
    "membership.due_candidates": (
        {"own", "other", "admin"},  # a coordinator's queue is their own network's (test below)
        None,
        lambda w, actor, _: membership.due_candidates(w.db, actor),
    ),
    "membership.proposals": ({"admin"}, None, lambda w, actor, _: membership.proposals(w.db, actor)),
    "membership.propose(candidate of A)": (
        {"own", "admin"},
        a_candidate,
        lambda w, actor, iid: membership.propose(w.db, actor, iid),
    ),
    "membership.confirm": (
        {"admin"},
        lambda w: a_candidate(w, proposed=True),
        lambda w, actor, iid: membership.confirm(w.db, actor, iid),
    ),
    "membership.extend": (
        {"admin"},
        lambda w: a_candidate(w, proposed=True),
        lambda w, actor, iid: membership.extend(w.db, actor, iid, 6),
    ),
    "membership.decline": (
        {"admin"},
        lambda w: a_candidate(w, proposed=True),
        lambda w, actor, iid: membership.decline(w.db, actor, iid, comment="Not yet"),
    ),
    "membership.withdraw(institution of A)": (
        {"own", "admin"},
        new_institution,
        lambda w, actor, iid: membership.withdraw(w.db, actor, iid, "closed"),
    ),
    "membership.readmit(institution of A)": (
        {"own", "admin"},
        a_withdrawn,
        lambda w, actor, iid: membership.readmit(w.db, actor, iid),
    ),
    "membership.set_candidacy_months": (
        {"admin"},
        None,
        lambda w, actor, _: membership.set_candidacy_months(w.db, actor, 24),
    ),
    "applications.get": (
        {"own", "admin"},
        submitted_application,
        lambda w, actor, app_id: apps.get(w.db, actor, app_id),
    ),
    "applications.recommend": (
        {"own", "admin"},
        submitted_application,
        lambda w, actor, app_id: apps.move(w.db, actor, app_id, "recommended"),
    ),
    "applications.return": (
        {"own", "admin"},
        submitted_application,
        lambda w, actor, app_id: apps.move(w.db, actor, app_id, "returned", comment="Why?"),
    ),
    "applications.approve": (
        {"admin"},
        recommended_application,
        lambda w, actor, app_id: apps.move(w.db, actor, app_id, "approved"),
    ),
    "applications.decline_coordinator": (
        {"own", "admin"},
        submitted_application,
        lambda w, actor, app_id: apps.move(w.db, actor, app_id, "declined_coordinator", comment="Not yet."),
    ),
    "applications.decline_unesco": (
        {"admin"},
        recommended_application,
        lambda w, actor, app_id: apps.move(w.db, actor, app_id, "declined_unesco", comment="Not this year."),
    ),
    "applications.withdraw(by a reviewer)": (  # only the applicant withdraws, with reference and email
        set(),
        submitted_application,
        lambda w, actor, app_id: apps.move(w.db, actor, app_id, "withdrawn"),
    ),
    "board.thread_messages(project of A)": (
        {"own", "admin"},
        lambda w: post_as(w, "own", w.project_channel),
        lambda w, actor, thread: boards.thread_messages(w.db, actor, thread),
    ),
    "board.edit(own's message, after its 15 minutes)": (
        set(),
        lambda w: post_as(w, "own", w.all_channel),
        lambda w, actor, mid: boards.edit(w.db, actor, mid, "Too late", now=posted(w, mid) + boards.EDIT_WINDOW * 2),
    ),
    "board.threads(project of A)": (
        {"own", "admin"},
        None,
        lambda w, actor, _: boards.threads(w.db, actor, w.project_channel),
    ),
    "board.post(project of A)": (
        {"own", "admin"},
        None,
        lambda w, actor, _: boards.post(w.db, actor, w.project_channel, "Hello", now=utc_now() + timedelta(days=30)),
    ),
    "board.threads(all)": (
        {"own", "other", "admin"},
        None,
        lambda w, actor, _: boards.threads(w.db, actor, w.all_channel),
    ),
    "board.edit(own's message)": (
        {"own"},
        lambda w: post_as(w, "own", w.all_channel),
        lambda w, actor, mid: boards.edit(w.db, actor, mid, "Edited"),
    ),
    "board.delete(own's message)": (
        {"own"},
        lambda w: post_as(w, "own", w.all_channel),
        lambda w, actor, mid: boards.delete(w.db, actor, mid),
    ),
    "board.hide": (
        {"admin"},
        lambda w: post_as(w, "other", w.all_channel),
        lambda w, actor, mid: boards.hide(w.db, actor, mid, "Off topic"),
    ),
    "board.open_schools_channel(of A)": (
        {"own", "admin"},
        None,
        lambda w, actor, _: boards.open_schools_channel(w.db, actor, w.a, title="Schools of A"),
    ),
    "board.thread_messages(schools of A)": (
        {"own", "focal", "admin"},
        lambda w: post_as(w, "own", schools_channel(w)),
        lambda w, actor, thread: boards.thread_messages(w.db, actor, thread),
    ),
    "board.post(schools of A)": (  # its focal points read it, only the coordinator writes
        {"own", "admin"},
        schools_channel,
        lambda w, actor, channel: boards.post(w.db, actor, channel, "News", now=utc_now() + timedelta(days=60)),
    ),
    "change_requests.request(the focal point's school)": (
        {"focal"},
        None,
        lambda w, actor, _: change_requests.request(w.db, actor, w.institution, themes=other_themes(w, w.institution)),
    ),
    "change_requests.request(another school of A)": (
        set(),
        new_institution,
        lambda w, actor, iid: change_requests.request(w.db, actor, iid, themes=other_themes(w, iid)),
    ),
    "change_requests.pending(of A)": (
        {"own", "admin"},
        None,
        lambda w, actor, _: change_requests.pending(w.db, actor, w.a),
    ),
    "change_requests.decide(approve)": (
        {"own", "admin"},
        lambda w: change_requests.request(
            w.db, w.actors["focal"], w.institution, themes=other_themes(w, w.institution)
        ),
        lambda w, actor, rid: change_requests.decide(w.db, actor, rid, approve=True),
    ),
    "board.people": (
        {"own", "other", "admin"},
        None,
        lambda w, actor, _: boards.people(w.db, actor, q="coord"),
    ),
    "board.start_conversation": (
        {"own", "other", "admin"},
        None,
        lambda w, actor, _: boards.start_conversation(
            w.db,
            actor,
            ["admin", w.actors["own"].username],
            "Hello",
            title=f"Group {next(_counter)}",
            now=utc_now() + timedelta(days=90, minutes=2 * next(_counter)),
        ),
    ),
    "board.thread_messages(a conversation of A and B)": (  # its members only: not even an admin
        {"own", "other"},
        conversation_message,
        lambda w, actor, thread: boards.thread_messages(w.db, actor, thread),
    ),
    "board.post(a conversation of A and B)": (
        {"own", "other"},
        conversation,
        lambda w, actor, channel: boards.post(
            w.db, actor, channel, "Reply", now=utc_now() + timedelta(days=120, minutes=2 * next(_counter))
        ),
    ),
    "board.report(a message of a conversation of A and B)": (
        {"own", "other"},
        conversation_message,
        lambda w, actor, mid: boards.report(w.db, actor, mid, "Spam"),
    ),
    "board.reported": (
        {"admin"},
        None,
        lambda w, actor, _: boards.reported(w.db, actor),
    ),
    "board.hide(a reported message of a conversation)": (
        {"admin"},
        reported_message,
        lambda w, actor, mid: boards.hide(w.db, actor, mid, "Insult"),
    ),
    "board.hide(an unreported message of a conversation)": (  # moderation only on a member's report
        set(),
        conversation_message,
        lambda w, actor, mid: boards.hide(w.db, actor, mid, "Curious"),
    ),
    "board.dismiss_report": (
        {"admin"},
        reported_message,
        lambda w, actor, mid: boards.dismiss_report(w.db, actor, mid),
    ),
    "board.create_channel": (
        {"admin"},
        None,
        lambda w, actor, _: boards.create_channel(w.db, actor, slug=f"topic-{next(_counter)}", title="Topic"),
    ),
    "notifications.mode": (  # whoever has a board, on their own account
        {"own", "other", "focal", "admin"},
        None,
        lambda w, actor, _: notifications.mode(w.db, actor),
    ),
    "notifications.set_mode": (
        {"own", "other", "focal", "admin"},
        None,
        lambda w, actor, _: notifications.set_mode(w.db, actor, ("instant", "daily", "never")[next(_counter) % 3]),
    ),
    "files.add_material(project of A)": (  # its networks' coordinators: here A's only
        {"own", "admin"},
        None,
        lambda w, actor, _: files.add_material(
            w.db, actor, w.project, files.Upload("a.txt", b"Notes"), {"title": f"Notes {next(_counter)}"}
        ),
    ),
    "files.add_material(public, project of A)": (  # the project's owner makes it public
        {"own", "admin"},
        None,
        lambda w, actor, _: files.add_material(
            w.db, actor, w.project, files.Upload("a.txt", b"Open"), {"title": "Open", "public": True}
        ),
    ),
    "files.download(a material of A's project)": (  # those taking part, and UNESCO's staff
        {"own", "focal", "analyst", "admin"},
        lambda w: material_file(w, a_material(w)),
        lambda w, actor, file_id: files.download(w.db, actor, file_id),
    ),
    "files.download(a public material of A's project)": (
        set(ROLES),
        lambda w: material_file(w, a_material(w, public=True)),
        lambda w, actor, file_id: files.download(w.db, actor, file_id),
    ),
    "files.set_public(a material of A's project)": (
        {"own", "admin"},
        a_material,
        lambda w, actor, material: files.set_public(w.db, actor, material, True),
    ),
    "files.delete_material(a material of A's project)": (
        {"own", "admin"},
        a_material,
        lambda w, actor, material: files.delete_material(w.db, actor, material),
    ),
    "files.attach(own's message)": (
        {"own"},
        lambda w: post_as(w, "own", w.all_channel),
        lambda w, actor, mid: files.attach(w.db, actor, mid, files.Upload("a.txt", b"x"), now=posted(w, mid)),
    ),
    "files.attach(own's message, after its 15 minutes)": (
        set(),
        lambda w: post_as(w, "own", w.all_channel),
        lambda w, actor, mid: files.attach(
            w.db, actor, mid, files.Upload("a.txt", b"x"), now=posted(w, mid) + boards.EDIT_WINDOW * 2
        ),
    ),
    "files.download(a file of a message in A's project channel)": (
        {"own", "admin"},
        lambda w: attached_file(w, "own", w.project_channel),
        lambda w, actor, file_id: files.download(w.db, actor, file_id),
    ),
    "files.download(a file in a conversation of A and B)": (  # its members only: not even an admin
        {"own", "other"},
        lambda w: attached_file(w, "other", conversation(w)),
        lambda w, actor, file_id: files.download(w.db, actor, file_id),
    ),
    "projects.create_project": (
        {"own", "other", "admin"},
        None,
        lambda w, actor, _: projects.create_project(
            w.db, actor, {"title": f"Project {next(_counter)}", "themes": ["gced"]}
        ),
    ),
    "projects.add_institution(of A)": (
        {"own", "admin"},
        new_institution,
        lambda w, actor, iid: projects.add_institution(w.db, actor, w.project, iid),
    ),
    "projects.add_institution(of B, to another of A's projects)": (  # B's coordinator asks; an admin adds
        {"other", "admin"},
        lambda w: new_institution(w, w.b),
        lambda w, actor, iid: projects.add_institution(w.db, actor, w.joined_project, iid),
    ),
    "projects.add_institution(of B, to A's closed project)": (
        {"admin"},
        lambda w: new_institution(w, w.b),
        lambda w, actor, iid: projects.add_institution(w.db, actor, w.closed_project, iid),
    ),
    "projects.add_institution(the focal point's school, to a project of B)": (  # asked for, by its people
        {"own", "focal", "admin"},
        lambda w: projects.create_project(w.db, w.actors["other"], {"title": f"B {next(_counter)}", "themes": ["esd"]}),
        lambda w, actor, project: projects.add_institution(w.db, actor, project, w.institution),
    ),
    "projects.decide(project of A)": (
        {"own", "admin"},
        lambda w: (projects.add_institution(w.db, w.actors["other"], w.project, w.b_institution), w.b_institution)[1],
        lambda w, actor, iid: projects.decide(w.db, actor, w.project, iid, accept=False),
    ),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("operation", sorted(OPERATIONS))
def test_every_role_against_every_guarded_function(world, operation, role, backend):
    allowed, prepare, call = OPERATIONS[operation]
    if role not in allowed and backend == "postgres":
        pytest.skip("a refusal comes before any SQL: the embedded file's run covers it")
    context = prepare(world) if prepare else None
    if role in allowed:
        call(world, world.actors[role], context)
    else:
        before = world.db.checksums(world.tables)
        with pytest.raises(PermissionDenied):
            call(world, world.actors[role], context)
        assert world.db.checksums(world.tables) == before, "a refused call wrote something"


def test_a_coordinators_queue_holds_only_their_network(world):
    submitted_application(world)
    own = apps.queue(world.db, world.actors["own"])
    other = apps.queue(world.db, world.actors["other"])
    assert own.height and set(own["network"]) == {world.a}
    assert world.a not in set(other["network"])
    assert set(apps.queue(world.db, world.actors["admin"])["network"]) <= {
        n for (n,) in world.db.rows("SELECT DISTINCT network FROM applications WHERE stage = 'recommended'")
    }


def test_readers_outside_a_project_find_nothing_of_its_channel(world):
    post_as(world, "own", world.project_channel)
    for role in ("anonymous", "analyst", "other"):
        actor = world.actors[role]
        assert world.project_channel not in set(boards.channels(world.db, actor)["id"])
        assert not boards.can_read(world.db, actor, world.project_channel)
        found = boards.search(world.db, actor, "Message")
        assert world.project_channel not in set(found["channel_id"]) if found.height else True
    assert world.project_channel in set(boards.channels(world.db, world.actors["own"])["id"])


def test_an_application_is_read_only_with_its_reference_and_its_email(world):
    app_id = submitted_application(world)
    reference, email = world.db.rows("SELECT reference, contact_email FROM applications WHERE id = ?", [app_id])[0]
    assert apps.find(world.db, reference, email).record["id"] == app_id
    for wrong in ("", " ", "someone@school.example", email + " x", email.upper() + "x", None):
        assert apps.find(world.db, reference, wrong) is None
    with pytest.raises(editing.ValidationFailed):
        apps.withdraw(world.db, reference, "someone@school.example")


def test_a_coordinators_todo_holds_only_their_network(world):
    submitted_application(world)
    a_change(world)
    own = todo.summary(world.db, world.actors["own"])
    other = todo.summary(world.db, world.actors["other"])
    assert own.network == world.a and own.applications >= 1
    assert {app["network"] for app in own.oldest} == {world.a}
    assert {c["network"] for c in own.changes} == {world.a}
    assert other.network == world.b and world.a not in {app["network"] for app in other.oldest}
    assert world.a not in {c["network"] for c in other.changes}
