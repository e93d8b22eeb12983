"""What a school's focal point asks to change that only the network's coordinator decides: the
school's priority themes and education levels.

A focal point asks (with a reason, if they like); a newer request replaces the one still
waiting. The coordinator (or an admin) approves it, and the school's record changes as any
coordinator's edit does (audited, undoable), or declines it with a reason. Each move is audited
and the other side hears of it by mail, in their language.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl

from . import audit
from . import validation as check
from .db import Cursor, Database, Schema, utc_now
from .editing import apply_institution_changes, institution_record
from .errors import FieldError, NotFound, TransitionRefused, ValidationFailed
from .permissions import Actor, require
from .vocab import LEVELS, THEMES

FIELDS = {"themes": THEMES, "levels": LEVELS}
COMMENT_LIMIT = 1000
STATES = ("pending", "approved", "declined", "replaced")

SCHEMA: Schema = {
    "id": pl.Int64,
    "institution_id": pl.Int64,
    "name": pl.String,
    "city": pl.String,
    "current_themes": pl.List(pl.String),
    "current_levels": pl.List(pl.String),
    "themes": pl.List(pl.String),
    "levels": pl.List(pl.String),
    "comment": pl.String,
    "state": pl.String,
    "requested_by": pl.String,
    "requester": pl.String,
    "requested_at": pl.Datetime("us"),
    "decided_by": pl.String,
    "decided_at": pl.Datetime("us"),
    "reason": pl.String,
}

_TO_COORDINATOR = (
    "ASPnet: {school} asks to change its themes or levels",
    "{requester} asks to change what {school} records:\n\n{changes}\n\n{comment}"
    "Approve or decline the request on the Focal points page of ASPnet Atlas.",
)
_TO_SCHOOL = {  # decision -> language -> (subject, body)
    "approved": {
        "en": ("ASPnet: your request for {school} was approved", "The school's record now shows:\n\n{changes}"),
        "fr": (
            "ASPnet : votre demande pour {school} est acceptée",
            "La fiche de l'établissement indique désormais :\n\n{changes}",
        ),
        "es": ("ASPnet: su solicitud para {school} fue aprobada", "La ficha de la escuela indica ahora:\n\n{changes}"),
    },
    "declined": {
        "en": ("ASPnet: your request for {school} was declined", "Your National Coordinator's reason:\n\n{reason}"),
        "fr": (
            "ASPnet : votre demande pour {school} est refusée",
            "La raison de votre coordinateur national :\n\n{reason}",
        ),
        "es": ("ASPnet: su solicitud para {school} fue rechazada", "El motivo de su coordinador nacional:\n\n{reason}"),
    },
}


def _changes_text(changes: dict[str, list[str]]) -> str:
    return "\n".join(f"{field}: {', '.join(values)}" for field, values in changes.items())


def request(
    db: Database,
    actor: Actor,
    institution_id: int,
    *,
    themes: object = None,
    levels: object = None,
    comment: object = None,
    now: datetime | None = None,
) -> int:
    """Ask the coordinator to change the school's themes and/or levels (``None``: that one as it
    is); returns the request's id. Refused next to the field: an unknown or empty choice, the
    values the school has already, a reason too long; nothing stored then."""
    record = institution_record(db, int(institution_id))
    if record is None:
        raise NotFound(institution_id)
    require(actor, "request_school_change", record["network"], institution=record["id"])
    stored = {"themes": record["themes"], "levels": record["levels"]}
    if record["status"] == "withdrawn":
        raise ValidationFailed([FieldError("form", "already_withdrawn")])
    asked = {"themes": themes, "levels": levels}
    changes: dict[str, list[str]] = {}
    errors: list[FieldError] = []
    for field, allowed in FIELDS.items():
        if asked[field] is None:
            continue
        values = check.choice_codes(asked[field])
        found = check.choice_errors({field: values}, field, allowed)
        if found:
            errors += found
        elif sorted(values) != sorted(stored[field]):
            changes[field] = [v for v in allowed if v in values]  # in the vocabulary's order
    text = check.clean_text(comment)
    if text and len(text) > COMMENT_LIMIT:
        errors.append(FieldError("comment", "too_long", {"max": COMMENT_LIMIT}))
    if not errors and not changes:
        errors.append(FieldError("form", "nothing_changed"))
    if errors:
        raise ValidationFailed(errors)
    when = now or utc_now()
    coordinator_email = db.scalar("SELECT coordinator_email FROM networks WHERE iso3 = ?", [record["network"]])
    requester = db.scalar("SELECT display_name FROM users WHERE username = ?", [actor.username]) or actor.label

    def write(cur: Cursor) -> int:
        cur.execute(
            "UPDATE change_requests SET state = 'replaced', decided_at = ? "
            "WHERE institution_id = ? AND state = 'pending'",
            [when, record["id"]],
        )
        new_id = int(cur.sql("SELECT nextval('change_request_id_seq')").fetchall()[0][0])
        cur.execute(
            "INSERT INTO change_requests (id, institution_id, network, themes, levels, comment, state, requested_by, "
            "requested_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
            [new_id, record["id"], record["network"], changes.get("themes"), changes.get("levels"), text,
             actor.label, when],
        )  # fmt: skip
        if coordinator_email:
            subject, body = _TO_COORDINATOR
            fields = {
                "school": record["name"],
                "requester": requester,
                "changes": _changes_text(changes),
                "comment": f"{text}\n\n" if text else "",
            }
            cur.execute(
                "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
                [coordinator_email, subject.format(**fields), body.format(**fields), when],
            )
        audit.record(
            cur,
            actor,
            "change.request",
            "institutions",
            record["id"],
            {"network": record["network"], **{k: stored[k] for k in changes}},
            {"network": record["network"], **changes, "comment": text, "request": new_id},
            when=when,
        )
        return new_id

    return db.write(write)


def _listed(db: Database, where: str, params: list) -> pl.DataFrame:
    return db.query(
        f"""SELECT r.id, r.institution_id, i.name, i.city, i.themes AS current_themes, i.levels AS current_levels,
                   r.themes, r.levels, r.comment, r.state, r.requested_by, u.display_name AS requester,
                   r.requested_at, r.decided_by, r.decided_at, r.reason
            FROM change_requests r JOIN institutions i ON i.id = r.institution_id
            LEFT JOIN users u ON u.username = r.requested_by
            WHERE {where}
            ORDER BY r.requested_at, r.id""",
        params,
    ).cast(SCHEMA)  # type: ignore[arg-type]


def pending(db: Database, actor: Actor, network: str) -> pl.DataFrame:
    """The network's requests waiting for the coordinator, oldest first (:data:`SCHEMA`)."""
    require(actor, "decide_school_change", network)
    return _listed(db, "r.network = ? AND r.state = 'pending'", [network])


def of_school(db: Database, actor: Actor, institution_id: int, *, limit: int = 10) -> pl.DataFrame:
    """The school's latest requests, newest first, with what became of them (its focal point,
    its coordinator)."""
    record = institution_record(db, int(institution_id))
    if record is None:
        raise NotFound(institution_id)
    require(actor, "request_school_change", record["network"], institution=record["id"])
    frame = _listed(db, "r.institution_id = ? AND r.state <> 'replaced'", [record["id"]])
    return frame.reverse().head(limit)


def decide(
    db: Database,
    actor: Actor,
    request_id: int,
    *,
    approve: bool,
    reason: object = None,
    now: datetime | None = None,
) -> None:
    """Approve (the school's record changes, audited as the coordinator's edit) or decline (a
    reason is required) a waiting request; the school's focal points hear of it by mail."""
    found = db.rows("SELECT institution_id, network, themes, levels, state FROM change_requests WHERE id = ?",
                    [int(request_id)])  # fmt: skip
    if not found:
        raise NotFound(request_id)
    institution_id, network, themes, levels, state = found[0]
    require(actor, "decide_school_change", network)
    text = check.clean_text(reason)
    if text and len(text) > COMMENT_LIMIT:
        raise ValidationFailed([FieldError("reason", "too_long", {"max": COMMENT_LIMIT})])
    if not approve and not text:
        raise ValidationFailed([FieldError("reason", "required")])
    decision = "approved" if approve else "declined"
    changes = {k: list(v) for k, v in (("themes", themes), ("levels", levels)) if v is not None}
    record = institution_record(db, institution_id)
    if record is None:
        raise NotFound(institution_id)
    when = now or utc_now()
    recipients = db.rows(
        "SELECT email, language FROM users WHERE role = 'focal_point' AND institution_id = ? AND NOT disabled "
        "AND email IS NOT NULL ORDER BY username",
        [institution_id],
    )

    def write(cur: Cursor) -> None:
        moved = cur.execute(
            "UPDATE change_requests SET state = ?, decided_by = ?, decided_at = ?, reason = ? "
            "WHERE id = ? AND state = 'pending'",
            [decision, actor.label, when, text, int(request_id)],
        ).fetchall()[0][0]
        if moved != 1:
            raise TransitionRefused(state, decision)
        if approve:
            if record["status"] == "withdrawn":
                raise ValidationFailed([FieldError("form", "already_withdrawn")])
            apply_institution_changes(cur, actor, institution_id, changes, expected_version=None, when=when)
        for email, language in recipients:
            subject, body = _TO_SCHOOL[decision].get(language, _TO_SCHOOL[decision]["en"])
            fields = {"school": record["name"], "changes": _changes_text(changes), "reason": text or ""}
            cur.execute(
                "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)",
                [email, subject.format(**fields), body.format(**fields), when],
            )
        audit.record(
            cur,
            actor,
            f"change.{'approve' if approve else 'decline'}",
            "change_requests",
            int(request_id),
            None,
            {"network": network, "institution": institution_id, **changes, "reason": text},
            when=when,
        )

    db.write(write)
