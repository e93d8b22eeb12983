"""Project spaces that link schools across countries.

A coordinator or admin creates a project (with its own board channel). The owner's network
adds its institutions directly; another network's coordinator asks for theirs to join and
the owner (or an admin) accepts or declines.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import polars as pl

from . import audit
from . import validation as check
from .db import Cursor, Database, utc_now
from .errors import FieldError, NotFound, ProjectClosed, ValidationFailed
from .permissions import Actor, can, require
from .vocab import PROJECT_STATUSES, THEMES


def list_projects(
    db: Database, *, status: str | None = None, theme: str | None = None, network: str | None = None
) -> pl.DataFrame:
    """Projects with their number of schools and networks, open and active ones first."""
    conditions, params = [], {}
    if status in PROJECT_STATUSES:
        conditions.append("p.status = $status")
        params["status"] = status
    if theme in THEMES:
        conditions.append("CAST($theme AS VARCHAR) = ANY(p.themes)")
        params["theme"] = theme
    if network:
        conditions.append(
            "(p.network = $network OR EXISTS (SELECT 1 FROM project_members m JOIN institutions i "
            "ON i.id = m.institution_id WHERE m.project_id = p.id AND m.state = 'member' "
            "AND i.network = $network))"
        )
        params["network"] = network
    where = " AND ".join(conditions) or "true"
    return db.query(
        f"""SELECT p.id, p.title, p.status, p.themes, p.languages, p.start_date, p.end_date, p.network,
                   count(m.institution_id) FILTER (WHERE m.state = 'member') AS schools,
                   count(DISTINCT i.network) FILTER (WHERE m.state = 'member') AS networks
            FROM projects p
            LEFT JOIN project_members m ON m.project_id = p.id
            LEFT JOIN institutions i ON i.id = m.institution_id
            WHERE {where}
            GROUP BY p.id, p.title, p.status, p.themes, p.languages, p.start_date, p.end_date, p.network
            ORDER BY p.status = 'closed', p.start_date DESC, p.id""",
        params,
    )


def get_project(db: Database, project_id: int) -> dict | None:
    found = db.query("SELECT * FROM projects WHERE id = ?", [project_id])
    if found.height == 0:
        return None
    project = found.row(0, named=True)
    project["members"] = db.query(
        """SELECT i.id, i.name, i.city, i.network, i.latitude::DOUBLE AS lat, i.longitude::DOUBLE AS lon, i.themes,
                  i.levels, m.state, m.added_by, m.added_at
           FROM project_members m JOIN institutions i ON i.id = m.institution_id
           WHERE m.project_id = ? ORDER BY m.state, i.network, i.name""",
        [project_id],
    )
    project["channel_id"] = db.scalar("SELECT id FROM channels WHERE project_id = ?", [project_id])
    return project


def _validate(values: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    record: dict[str, Any] = {
        "title": check.clean_text(values.get("title")),
        "description": check.clean_text(values.get("description")),
        "themes": list(values.get("themes") or []),
        "languages": check.normalise_languages(values.get("languages")),
        "start_date": check.parse_date(values.get("start_date")),
        "end_date": check.parse_date(values.get("end_date")),
        "status": values.get("status") or "open",
    }
    errors = check.required(record, ("title",))
    errors += check.too_long(record, {"title": 150, "description": 4000})
    errors += check.choice_errors(record, "themes", THEMES)
    errors += check.language_errors(record["languages"])
    if record["status"] not in PROJECT_STATUSES:
        errors.append(FieldError("status", "choose_one"))
    for key in ("start_date", "end_date"):
        if record[key] == check.BAD:
            errors.append(FieldError(key, "unknown_choice", {"values": str(values[key])[:40]}))
    start, end = record["start_date"], record["end_date"]
    if isinstance(start, date) and isinstance(end, date) and end < start:
        errors.append(FieldError("end_date", "end_before_start"))
    return record, errors


def create_project(db: Database, actor: Actor, values: dict) -> int:
    """A new project space owned by ``actor`` (a coordinator or an admin), with its channel."""
    require(actor, "create_project")
    record, errors = _validate(values)
    if errors:
        raise ValidationFailed(errors)
    now = utc_now()

    def write(cur: Cursor):
        project_id = cur.sql("SELECT nextval('project_id_seq')").fetchall()[0][0]
        cur.execute(
            "INSERT INTO projects (id, title, description, themes, languages, start_date, end_date, status, "
            "owner, network, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                project_id,
                record["title"],
                record["description"],
                record["themes"],
                record["languages"],
                record["start_date"],
                record["end_date"],
                record["status"],
                actor.username,
                actor.network,
                now,
                now,
            ],
        )
        channel_id = cur.sql("SELECT nextval('channel_id_seq')").fetchall()[0][0]
        cur.execute(
            "INSERT INTO channels (id, slug, kind, title, project_id, created_by, created_at) "
            "VALUES (?, ?, 'project', ?, ?, ?, ?)",
            [channel_id, f"project-{project_id}", record["title"][:120], project_id, actor.username, now],
        )
        audit.record(cur, actor, "project.create", "projects", project_id, after={"title": record["title"]}, when=now)
        return project_id

    return db.write(write)


def _owner(db: Database, project_id: int) -> dict:
    """Who owns the project (its owner's user name and network) and whether it is closed."""
    project = db.query("SELECT id, owner, network, status FROM projects WHERE id = ?", [project_id])
    if project.height == 0:
        raise NotFound(project_id)
    return project.row(0, named=True)


def add_institution(db: Database, actor: Actor, project_id: int, institution_id: int) -> str:
    """A coordinator puts one of their network's institutions in a project: directly when the
    project is their network's (or they are an admin), else as a request to the owner; a
    school's focal point asks for their own school. Returns the state: "member" or "requested"."""
    project = _owner(db, project_id)
    network = db.scalar("SELECT network FROM institutions WHERE id = ? AND status <> 'withdrawn'", [institution_id])
    if network is None:
        raise NotFound(institution_id)
    require(actor, "add_to_project", network, institution=institution_id)
    # A school of the project's own network joins at once; another network's asks its owner.
    if can(actor, "add_to_project", project["network"]):
        state = "member"
    elif project["status"] == "closed":
        raise ProjectClosed()
    else:
        state = "requested"
    now = utc_now()

    def write(cur: Cursor) -> None:
        # A school already in the project (or asked for) stays as it is; a declined one may ask again.
        added = cur.execute(
            "INSERT INTO project_members VALUES (?, ?, ?, ?, ?) ON CONFLICT (project_id, institution_id) "
            "DO UPDATE SET state = EXCLUDED.state "
            "WHERE project_members.state = 'declined'",
            [project_id, institution_id, state, actor.label, now],
        ).fetchall()[0][0]
        if added:
            change = {"institution_id": institution_id, "network": network, "state": state}
            audit.record(cur, actor, f"project.{state}", "projects", project_id, after=change, when=now)

    db.write(write)
    return db.scalar(
        "SELECT state FROM project_members WHERE project_id = ? AND institution_id = ?", [project_id, institution_id]
    )


def decide(db: Database, actor: Actor, project_id: int, institution_id: int, *, accept: bool) -> None:
    """The project's owner (or an admin) accepts or declines a request to join."""
    project = _owner(db, project_id)
    require(actor, "decide_project_request", owner=project["owner"])
    state = "member" if accept else "declined"

    def write(cur: Cursor) -> int:
        updated = cur.execute(
            "UPDATE project_members SET state = ? WHERE project_id = ? AND institution_id = ? AND state = 'requested'",
            [state, project_id, institution_id],
        ).fetchall()[0][0]
        if updated == 1:
            before, after = ({"institution_id": institution_id, "state": s} for s in ("requested", state))
            audit.record(
                cur, actor, "project.accept" if accept else "project.decline", "projects", project_id, before, after
            )
        return updated

    updated = db.write(write)
    if updated != 1:
        raise NotFound(institution_id)
