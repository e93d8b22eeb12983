"""Membership applications: an institution applies, its National Coordinator recommends,
UNESCO decides. Every step is a transition of a small state machine, allowed only to the
right role, recorded with a comment and an audit row, and notified through the outbox.
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from . import audit, editing, membership
from . import validation as check
from .db import Cursor, Database, utc_now
from .errors import Conflict, FieldError, NotFound, TransitionRefused, ValidationFailed
from .permissions import ANONYMOUS, Actor, can, require
from .text import fold
from .vocab import LEVELS, THEMES

APPLICANT = "applicant"  # who the log names for the applicant's own moves
# (from, to) -> the action (permissions.ACTIONS) that makes that move.
TRANSITIONS: dict[tuple[str, str], str] = {
    ("draft", "submitted"): "act_as_applicant",
    ("draft", "withdrawn"): "act_as_applicant",
    ("submitted", "returned"): "review",
    ("submitted", "recommended"): "review",
    ("submitted", "declined_coordinator"): "review",
    ("submitted", "withdrawn"): "act_as_applicant",
    ("returned", "submitted"): "act_as_applicant",
    ("returned", "withdrawn"): "act_as_applicant",
    ("recommended", "approved"): "decide_application",
    ("recommended", "declined_unesco"): "decide_application",
    ("recommended", "withdrawn"): "act_as_applicant",
}
EDITABLE = ("draft", "returned")  # stages in which the applicant may change the form
OVERDUE_DAYS = 60
_REFERENCE = re.compile(r"^ASP-[A-Z2-9]{10}$")
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud and typed again
_TEXT = {
    "institution_name": 200,
    "name_latin": 200,
    "city": 100,
    "address": 300,
    "school_email": 200,
    "website": 200,
    "contact_name": 120,
    "contact_email": 200,
    "plan": 2000,
}

FIELDS = (
    "network",
    "institution_name",
    "name_latin",
    "city",
    "address",
    "latitude",
    "longitude",
    "levels",
    "ownership",
    "languages",
    "pupils",
    "teachers",
    "school_email",
    "website",
    "themes",
    "theme_plans",
    "contact_name",
    "contact_email",
    "language",
)
# What the school's public profile gets on approval. The contact person (contact_name,
# contact_email) is private: reviewers see it, the directory never does.
PUBLIC_DETAILS = ("school_email", "website")


@dataclass(frozen=True)
class Application:
    record: dict
    events: list[dict]

    @property
    def stage(self) -> str:
        return self.record["stage"]


def new_reference() -> str:
    return "ASP-" + "".join(secrets.choice(_ALPHABET) for _ in range(10))


def allowed(actor: Actor | None, stage: str, to: str, network: str) -> bool:
    """Whether ``actor`` (None: the applicant, who proves it with reference and email) may move
    an application of ``network`` from ``stage`` to ``to``."""
    action = TRANSITIONS.get((stage, to))
    return action is not None and can(actor or ANONYMOUS, action, network, applicant=actor is None)


def _action_to(to: str) -> str:
    """The action of the moves to stage ``to`` (each stage is reached by one kind of move)."""
    return next(action for (_, target), action in TRANSITIONS.items() if target == to)


# -- validation ---------------------------------------------------------------------------------


def normalise(values: dict) -> dict:
    """Coerce an application form's values to stored types, as the institution form does."""
    out: dict[str, object] = {}
    for key in FIELDS:
        if key not in values:
            continue
        value = values[key]
        if key in ("levels", "themes"):
            out[key] = check.choice_codes(value)
        elif key == "languages":
            out[key] = check.normalise_languages(value)
        elif key == "website":
            out[key] = check.normalise_website(value)
        elif key in ("latitude", "longitude"):
            out[key] = check.parse_float(value)
        elif key in ("pupils", "teachers"):
            out[key] = check.parse_int(value)
        elif key == "theme_plans":
            # One plan per priority theme: a plan for anything else is never shown.
            plans = {theme: check.clean_text(plan) for theme, plan in (value or {}).items() if theme in THEMES}
            out[key] = {theme: plan for theme, plan in plans.items() if plan}
        else:
            out[key] = check.clean_text(value)
    return out


def validate(db: Database, record: dict) -> list[FieldError]:
    """Problems with an application, eligibility included (errors first, warnings last)."""
    errors: list[FieldError] = []
    network = record.get("network")
    if not network or not db.scalar("SELECT count(*) FROM networks WHERE iso3 = ?", [network]):
        errors.append(FieldError("network", "no_network"))
    errors += check.required(record, ("institution_name", "city", "contact_name", "contact_email"))
    errors += check.too_long(record, _TEXT)
    for theme, plan in (record.get("theme_plans") or {}).items():
        if plan and len(plan) > _TEXT["plan"]:
            errors.append(FieldError(f"plan_{theme}", "too_long", {"max": _TEXT["plan"]}))
    errors += check.email_errors(record, ("contact_email", "school_email"))
    errors += check.website_errors(record)
    levels = record.get("levels") or []
    if not levels:
        errors.append(FieldError("levels", "choose_one"))
    elif any(level not in LEVELS for level in levels):
        errors.append(FieldError("levels", "out_of_scope"))
    themes = record.get("themes") or []
    if not themes:
        errors.append(FieldError("themes", "choose_one"))
    for theme in themes:
        if theme not in THEMES:
            errors.append(FieldError("themes", "unknown_choice", {"values": theme}))
        elif not (record.get("theme_plans") or {}).get(theme):
            errors.append(FieldError(f"plan_{theme}", "required"))
    if record.get("ownership") not in ("public", "private"):
        errors.append(FieldError("ownership", "pick_one"))
    # Approval copies the languages into the institution, whose validation they must pass.
    errors += check.language_errors(record.get("languages"))
    if record.get("language") and not check.is_interface_language(record["language"]):
        errors.append(FieldError("language", "unknown_choice", {"values": record["language"][:40]}))
    errors += check.out_of_range(record, editing.COUNT_BOUNDS)
    if record.get("latitude") is not None or record.get("longitude") is not None:
        errors += editing.coordinate_errors(record, network=network or "")
    return sorted(errors, key=lambda e: e.warning)


_SIMILAR_SCHEMA = {
    "kind": pl.String,
    "id": pl.Int64,
    "reference": pl.String,
    "name": pl.String,
    "city": pl.String,
    "stage": pl.String,
    "score": pl.Float64,
}


def similar(db: Database, network: str, name: str, *, exclude: int | None = None, limit: int = 5) -> pl.DataFrame:
    """Members and applications of the network whose names look like ``name`` (across scripts),
    each school once: an approved application is its institution, a school that applied twice
    is its latest application, and ``exclude`` (the application being read) is left out.

    Columns: kind ("member" or "application"), id (the institution's or the application's),
    reference (applications only), name, city, stage (the institution's status or the
    application's stage), score (the share of the name's words found, 0.75 or more)."""
    words = sorted({w for w in fold(name).split() if len(w) > 2})
    if not words or not network:
        return pl.DataFrame(schema=_SIMILAR_SCHEMA)
    # At least one word must appear for a name to score: the database drops the rest.
    hint = " OR ".join(f"strpos(text, $w{k}) > 0" for k in range(len(words)))
    candidates = db.query(
        f"""SELECT * FROM (
               SELECT 'member' AS kind, id, NULL AS reference, name, city, status AS stage, search_text AS text,
                      updated_at AS touched FROM institutions
               WHERE network = $network AND status <> 'withdrawn'
               UNION ALL
               SELECT 'application', id, reference, institution_name, city, stage,
                      strip_accents(lower(name_latin || ' ' || institution_name)), updated_at FROM applications
               WHERE network = $network AND institution_id IS NULL AND id IS DISTINCT FROM $exclude
                 AND stage NOT IN ('draft', 'withdrawn', 'declined_coordinator', 'declined_unesco', 'approved')
            ) AS candidates
            WHERE {hint}
            ORDER BY kind DESC, touched DESC, id""",
        {"network": network, "exclude": exclude, **{f"w{k}": w for k, w in enumerate(words)}},
    )
    rows, seen = [], set()
    for row in candidates.iter_rows(named=True):
        theirs = {w for w in fold(row["text"]).split() if len(w) > 2}
        # How much of the new name an existing one covers (its text also holds the town and
        # the name in other scripts, so a plain Jaccard would undercount).
        score = len(set(words) & theirs) / len(words)
        school = (fold(row["name"]), fold(row["city"]))
        if score < 0.75 or school in seen:
            continue
        seen.add(school)
        rows.append({k: row[k] for k in _SIMILAR_SCHEMA if k != "score"} | {"score": score})
    frame = pl.DataFrame(rows, schema=_SIMILAR_SCHEMA)
    return frame.sort(["score", "kind"], descending=[True, True], maintain_order=True).head(limit)


# -- reading ----------------------------------------------------------------------------------


def _load(db: Database, where: str, params: list[object]) -> Application | None:
    found = db.query(f"SELECT * FROM applications WHERE {where}", params)
    if found.height == 0:
        return None
    record = found.row(0, named=True)
    record["theme_plans"] = json.loads(record["theme_plans"]) if record["theme_plans"] else {}
    events = db.query(
        "SELECT e.occurred_at, e.stage, e.actor, u.display_name AS actor_name, e.comment "
        "FROM application_events e LEFT JOIN users u ON u.username = e.actor "
        "WHERE e.application_id = ? ORDER BY e.occurred_at, e.id",
        [record["id"]],
    ).to_dicts()
    return Application(record, events)


@dataclass(frozen=True)
class Step:
    """One step of an application's way: ``state`` is done, current, next or stopped (the way
    ended there); ``outcome`` the stage it reached, with its date and the reviewer's message."""

    key: str  # submitted, coordinator, unesco, candidate, withdrawn
    state: str
    when: datetime | None = None
    outcome: str | None = None
    comment: str | None = None


def progress(app: Application) -> list[Step]:
    """The steps of an application, in order: what is done (with dates), where it is now, and
    what comes next; after a refusal or a withdrawal, no step follows."""
    last: dict[str, dict] = {}
    for event in app.events:
        last[event["stage"]] = event
    stage = app.stage

    def at(name: str) -> datetime | None:
        return last[name]["occurred_at"] if name in last else None

    def said(name: str) -> str | None:
        return last[name]["comment"] if name in last else None

    first_submitted = next((e["occurred_at"] for e in app.events if e["stage"] == "submitted"), None)
    if stage == "draft":
        return [
            Step("submitted", "current", app.record.get("updated_at"), "draft"),
            Step("coordinator", "next"),
            Step("unesco", "next"),
            Step("candidate", "next"),
        ]
    steps = [Step("submitted", "done", first_submitted)]
    if stage == "withdrawn":
        reached = [e["stage"] for e in app.events]
        if "recommended" in reached:
            steps.append(Step("coordinator", "done", at("recommended"), "recommended", said("recommended")))
        return steps + [Step("withdrawn", "stopped", at("withdrawn"), "withdrawn")]
    if stage == "submitted":
        steps.append(Step("coordinator", "current", at("submitted")))
    elif stage == "returned":
        steps.append(Step("coordinator", "current", at("returned"), "returned", said("returned")))
    elif stage == "declined_coordinator":
        return steps + [Step("coordinator", "stopped", at(stage), stage, said(stage))]
    else:
        steps.append(Step("coordinator", "done", at("recommended"), "recommended", said("recommended")))
    if stage == "recommended":
        steps.append(Step("unesco", "current", at("recommended")))
    elif stage == "declined_unesco":
        return steps + [Step("unesco", "stopped", at(stage), stage, said(stage))]
    elif stage == "approved":
        steps.append(Step("unesco", "done", at("approved"), "approved", said("approved")))
    else:
        steps.append(Step("unesco", "next"))
    steps.append(Step("candidate", "done", at("approved")) if stage == "approved" else Step("candidate", "next"))
    return steps


def recommendation(app: Application) -> dict | None:
    """The National Coordinator's recommendation to UNESCO (the last one, if returned and
    recommended again), or None."""
    return next((e for e in reversed(app.events) if e["stage"] == "recommended"), None)


def find(db: Database, reference: str | None, email: str | None) -> Application | None:
    """The application with this reference code, if ``email`` is its contact's (else None)."""
    reference = (reference or "").strip().upper()
    if not _REFERENCE.match(reference):
        return None
    app = _load(db, "reference = ?", [reference])
    if app is None:
        return None
    given = (email or "").strip().lower().encode()
    if not hmac.compare_digest(given, (app.record["contact_email"] or "").lower().encode()):
        return None
    return app


def _stored(db: Database, key: int | str) -> Application:
    """An application just written (by id or reference code)."""
    found = _load(db, "id = ?" if isinstance(key, int) else "reference = ?", [key])
    if found is None:
        raise NotFound(key)
    return found


def get(db: Database, actor: Actor, application_id: int) -> Application | None:
    app = _load(db, "id = ?", [application_id])
    if app is None:
        return None
    require(actor, "review", app.record["network"])
    return app


def lookup(db: Database, actor: Actor, reference: str) -> Application | None:
    """A reviewer opens an application by its reference code (None when there is no such
    application); PermissionDenied when it belongs to another coordinator's network."""
    reference = (reference or "").strip().upper()
    if not _REFERENCE.match(reference):
        return None
    found = db.rows("SELECT id FROM applications WHERE reference = ?", [reference])
    return get(db, actor, found[0][0]) if found else None


def queue(db: Database, actor: Actor, *, now: datetime | None = None) -> pl.DataFrame:
    """What waits for this reviewer, oldest first: a coordinator's submitted applications of
    their network; for UNESCO admins, the recommended ones awaiting a decision."""
    now = now or utc_now()
    require(actor, "review", actor.network)
    if can(actor, "decide_application"):
        where, params = "a.stage = 'recommended'", {}
    else:
        where, params = "a.stage = 'submitted' AND a.network = $network", {"network": actor.network}
    return db.query(
        f"""SELECT a.id, a.reference, a.network, a.institution_name, a.city, a.stage, a.updated_at,
                   CAST($now AS DATE) - CAST(coalesce(a.submitted_at, a.created_at) AS DATE) AS age_days
            FROM applications a WHERE {where}
            ORDER BY coalesce(a.submitted_at, a.created_at), a.id""",
        params | {"now": now},
    ).with_columns((pl.col("age_days") > OVERDUE_DAYS).alias("overdue"))


def outbox(db: Database, email: str | None = None, *, limit: int = 50) -> pl.DataFrame:
    where = "WHERE to_email = $email" if email else ""
    return db.query(
        f"SELECT id, to_email, subject, body, created_at, sent_at FROM outbox {where} ORDER BY id DESC LIMIT $limit",
        {"limit": limit} | ({"email": email} if email else {}),
    )


# -- writing ------------------------------------------------------------------------------------


def _notify(cur: Cursor, to: str, subject: str, body: str, when: datetime) -> None:
    cur.execute(
        "INSERT INTO outbox (to_email, subject, body, created_at) VALUES (?, ?, ?, ?)", [to, subject, body, when]
    )


def _event(cur: Cursor, app_id: int, stage: str, actor: str, comment: str | None, when: datetime) -> None:
    cur.execute(
        "INSERT INTO application_events (application_id, occurred_at, stage, actor, comment) VALUES (?, ?, ?, ?, ?)",
        [app_id, when, stage, actor, comment],
    )
    audit.record(
        cur,
        actor,
        f"application.{stage}",
        "applications",
        app_id,
        after={"stage": stage, "comment": comment},
        when=when,
    )


def _row(record: dict) -> dict:
    name = record.get("institution_name") or ""
    latin = record.get("name_latin") or check.latin_spelling(name)
    return {
        **{k: record.get(k) for k in FIELDS},
        "name_latin": latin,
        # A draft may lack these; the columns hold "" until it is submitted.
        "institution_name": name,
        "contact_name": record.get("contact_name") or "",
        "levels": record.get("levels") or [],
        "themes": record.get("themes") or [],
        "languages": record.get("languages") or [],
        "ownership": record.get("ownership") or "public",
        "theme_plans": json.dumps(record.get("theme_plans") or {}, ensure_ascii=False),
        "language": record.get("language") or "en",
    }


def _draft_may_lack(error: FieldError, record: dict) -> bool:
    """Whether a draft may be saved despite ``error``: an answer still missing, or coordinates
    not yet right. A draft needs a way back to it (the network and the contact's email), and
    what it holds must be storable and shown again as typed: a malformed number, an unknown
    choice or language, an overlong text still block it."""
    if error.field in ("network", "contact_email", "language"):
        return False
    if error.field == "ownership":
        return not record.get("ownership")
    return error.code in ("required", "choose_one", "coordinates_pair", "outside_country")


def save(
    db: Database, values: dict, *, submit: bool, reference: str | None = None, email: str | None = None
) -> Application:
    """Create or update an application by its applicant; ``submit`` sends it to the coordinator.

    A draft is saved even when incomplete (only the network and contact email are required);
    submitting requires a valid, eligible application. Raises ValidationFailed with nothing
    stored when it is not.
    """
    existing = find(db, reference, email) if reference else None
    if reference and existing is None:
        raise ValidationFailed([FieldError("reference", "not_found")])
    if existing is not None and existing.stage not in EDITABLE:
        raise TransitionRefused(existing.stage, "submitted")
    record = {**(existing.record if existing else {}), **normalise(values)}
    errors = validate(db, record)
    if not submit:
        errors = [e for e in errors if not _draft_may_lack(e, record)]
    blocking = check.blocking(errors)
    if blocking:
        raise ValidationFailed(blocking)
    when = utc_now()
    row = _row(record)

    def write(cur: Cursor):
        if existing is None:
            code = new_reference()
            app_id = cur.sql("SELECT nextval('application_id_seq')").fetchall()[0][0]
            cur.execute(
                f"INSERT INTO applications (id, reference, {', '.join(row)}, stage, created_at, updated_at) "
                f"VALUES (?, ?, {', '.join('?' for _ in row)}, 'draft', ?, ?)",
                [app_id, code, *row.values(), when, when],
            )
        else:
            code, app_id = existing.record["reference"], existing.record["id"]
            cur.execute(
                f"UPDATE applications SET {', '.join(f'{k} = ?' for k in row)}, updated_at = ?, "
                "version = version + 1 WHERE id = ?",
                [*row.values(), when, app_id],
            )
        if submit:
            cur.execute(
                "UPDATE applications SET stage = 'submitted', submitted_at = coalesce(submitted_at, ?) WHERE id = ?",
                [when, app_id],
            )
            _event(cur, app_id, "submitted", APPLICANT, None, when)
            _notify(
                cur,
                row["contact_email"],
                f"ASPnet application {code} received",
                f"Your application for {row['institution_name']} was received. Reference code: {code}. "
                "Track it on the application status page with this code and your email address.",
                when,
            )
        elif existing is None:
            _notify(
                cur,
                row["contact_email"],
                f"ASPnet application {code}: draft saved",
                f"Your draft for {row['institution_name'] or 'your institution'} is saved. Reference code: {code}.",
                when,
            )
        return code

    code = db.write(write)
    return _stored(db, code)


def move(db: Database, actor: Actor | None, application_id: int, to: str, *, comment: str | None = None) -> Application:
    """Move an application to stage ``to`` (reviewers; the applicant's own moves go through
    :func:`withdraw` and :func:`save`). On approval the institution enters the directory as
    a candidate."""
    app = _load(db, "id = ?", [application_id])
    if app is None:
        raise NotFound(application_id)
    network = app.record["network"]
    if to not in {target for _, target in TRANSITIONS}:
        raise TransitionRefused(app.stage, to)
    require(actor or ANONYMOUS, _action_to(to), network, applicant=actor is None)
    if not allowed(actor, app.stage, to, network):
        raise TransitionRefused(app.stage, to)  # a move this actor makes, but not from here
    comment = check.clean_text(comment)
    if comment and len(comment) > 2000:
        raise ValidationFailed([FieldError("comment", "too_long", {"max": 2000})])
    if to in ("returned", "declined_coordinator", "declined_unesco") and not comment:
        raise ValidationFailed([FieldError("comment", "required")])
    when = utc_now()
    who = actor.label if actor else APPLICANT

    def write(cur: Cursor) -> None:
        updated = cur.execute(
            "UPDATE applications SET stage = ?, updated_at = ?, version = version + 1 WHERE id = ? AND stage = ?",
            [to, when, application_id, app.stage],
        ).fetchall()[0][0]
        if updated != 1:
            raise Conflict(app.record)
        _event(cur, application_id, to, who, comment, when)
        if to == "approved":
            # Only UNESCO approves (decide_application, checked above): never the applicant.
            _enter_directory(cur, actor or ANONYMOUS, app.record, when)
        _notify(
            cur,
            app.record["contact_email"],
            f"ASPnet application {app.record['reference']}: {to.replace('_', ' ')}",
            f"Your application for {app.record['institution_name']} is now: {to.replace('_', ' ')}."
            + (f" Message from the reviewer: {comment}" if comment else ""),
            when,
        )

    db.write(write)
    return _stored(db, application_id)


def _enter_directory(cur: Cursor, actor: Actor, record: dict[str, Any], when: datetime) -> int:
    """The approved application's school, entered into the directory as a candidate; returns its id."""
    institution = {
        "name": record["institution_name"],
        "name_latin": record["name_latin"],
        "city": record["city"],
        "latitude": record["latitude"],
        "longitude": record["longitude"],
        "levels": record["levels"],
        "ownership": record["ownership"],
        "themes": record["themes"],
        "year_joined": None,
        "languages": record["languages"],
        "pupils": record["pupils"],
        "teachers": record["teachers"],
        "website": record["website"],
        "email": record["school_email"],
    }
    new_id = editing.insert_institution(cur, actor, record["network"], institution, when=when, status="candidate")
    cur.execute("UPDATE applications SET institution_id = ? WHERE id = ?", [new_id, record["id"]])
    membership.start_candidacy(cur, actor, new_id, record["network"], when)
    return new_id


def withdraw(db: Database, reference: str, email: str) -> Application:
    """The applicant withdraws their own application."""
    app = find(db, reference, email)
    if app is None:
        raise ValidationFailed([FieldError("reference", "not_found")])
    return move(db, None, app.record["id"], "withdrawn")


def resend_references(db: Database, email: str) -> None:
    """Send the reference codes of an email's applications to that email (and say nothing
    about whether there were any, so the page reveals no one's applications)."""
    email = (email or "").strip().lower()
    if not check.is_email(email):
        raise ValidationFailed([FieldError("contact_email", "email")])
    codes = [
        r[0] for r in db.rows("SELECT reference FROM applications WHERE lower(contact_email) = ? ORDER BY id", [email])
    ]
    if codes:
        db.write(
            lambda cur: _notify(
                cur, email, "Your ASPnet application reference codes", "Reference codes: " + ", ".join(codes), utc_now()
            )
        )
