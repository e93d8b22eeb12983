"""Validated, audited writes to networks and institutions, their history, and reverts.

Every write checks the actor's permission, validates the whole record, runs in one
transaction with an audit row (who, when, what, before and after) and refuses to overwrite
a record saved by someone else since the form was opened (optimistic locking on
``version``). Institutions are never deleted: withdrawing keeps their history.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypedDict, cast

import polars as pl

from . import audit, certificates, reference
from . import validation as check
from .db import Cursor, Database, Schema, utc_now
from .errors import Conflict, FieldError, NotFound, PermissionDenied, ValidationFailed
from .permissions import Actor, can, require
from .text import fold
from .vocab import LANGUAGES, LEVELS, OWNERSHIP, THEMES

# Institution fields a form or a file may set, in form order.
INSTITUTION_FIELDS = (
    "name",
    "name_latin",
    "city",
    "latitude",
    "longitude",
    "levels",
    "ownership",
    "themes",
    "year_joined",
    "languages",
    "pupils",
    "teachers",
    "website",
    "email",
)
# What a school's focal point keeps up to date themselves (every change audited, and undone by
# the coordinator if need be); status, levels, themes, ownership and year stay the coordinator's.
SCHOOL_FIELDS = (
    "name",
    "name_latin",
    "city",
    "latitude",
    "longitude",
    "languages",
    "pupils",
    "teachers",
    "website",
    "email",
)
SCHOOL_UPDATE = "institution.school_update"  # the audit action of a focal point's change
# How each field is typed in a polars frame (bulk plans and set-based writes).
INSTITUTION_SCHEMA: Schema = {
    "name": pl.String,
    "name_latin": pl.String,
    "city": pl.String,
    "latitude": pl.Float64,
    "longitude": pl.Float64,
    "levels": pl.List(pl.String),
    "ownership": pl.String,
    "themes": pl.List(pl.String),
    "year_joined": pl.Int64,
    "languages": pl.List(pl.String),
    "pupils": pl.Int64,
    "teachers": pl.Int64,
    "website": pl.String,
    "email": pl.String,
}
# The description is written in one interface language (description_language) and may be
# translated into the others (description_en, _fr, _es; the one of its own language stays empty).
DESCRIPTION_LANGUAGES = LANGUAGES
DESCRIPTION_TRANSLATIONS: tuple[str, ...] = tuple(f"description_{lang}" for lang in DESCRIPTION_LANGUAGES)
NETWORK_FIELDS = (
    "national_commission",
    "coordinator_name",
    "coordinator_email",
    "coordinator_phone",
    "website",
    "description",
    "description_language",
    *DESCRIPTION_TRANSLATIONS,
    "founded_year",
)
_TEXT_LIMITS = {
    "name": check.NAME_LIMIT,
    "name_latin": check.NAME_LIMIT,
    "city": 100,
    "website": 200,
    "email": 200,
    "national_commission": 200,
    "coordinator_name": 120,
    "coordinator_email": 200,
    "coordinator_phone": 40,
    "description": 2000,
    **dict.fromkeys(DESCRIPTION_TRANSLATIONS, 2000),
}


# -- validation ----------------------------------------------------------------------------


def normalise_network(values: dict) -> dict:
    """Coerce a network form's values to stored types (the year parsed, the website completed,
    the description's language as a lower-case code)."""
    out: dict[str, object] = {}
    for key in NETWORK_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if key == "founded_year":
            out[key] = check.parse_int(value)
        elif key == "website":
            out[key] = check.normalise_website(value)
        elif key == "description_language":
            out[key] = check.clean_code(value)
        else:
            out[key] = check.clean_text(value)
    return out


def _without_own_translation(record: dict) -> dict:
    """A description needs no translation into its own language: that box is emptied."""
    if record.get("description_language") in DESCRIPTION_LANGUAGES:
        record[f"description_{record['description_language']}"] = None
    return record


def normalise_institution(values: dict) -> dict:
    """Coerce form or file values to stored types (text trimmed, lists split, numbers parsed).

    Values that cannot be parsed are kept as the marker ``validation.BAD`` for validation to report.
    """
    out: dict[str, object] = {}
    for key in INSTITUTION_FIELDS:
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
        elif key in ("year_joined", "pupils", "teachers"):
            out[key] = check.parse_int(value)
        elif key == "ownership":
            out[key] = check.clean_code(value)
        else:
            out[key] = check.clean_text(value)
    return out


def complete_institution(record: dict) -> dict:
    """Derived fields of an institution record: a Latin spelling of its name when none is given."""
    return check.complete_latin_name(record)


# The bounds of an institution's numbers (the year it joined is bounded by ``year_range``).
COORDINATE_BOUNDS = {"latitude": (-90, 90), "longitude": (-180, 180)}
COUNT_BOUNDS = {"pupils": (0, 100_000), "teachers": (0, 20_000)}


def coordinate_errors(record: dict, *, network: str) -> list[FieldError]:
    """Problems with an institution's coordinates: each within its bounds, both or neither
    given, and inside the network's country (a warning when its outline is unknown)."""
    errors = check.out_of_range(record, COORDINATE_BOUNDS)
    lat, lon = record.get("latitude"), record.get("longitude")
    if (lat is None) != (lon is None):
        errors.append(FieldError("latitude" if lat is None else "longitude", "coordinates_pair"))
    if errors or not (isinstance(lat, float) and isinstance(lon, float)):
        return errors
    shape = reference.country_shapes().get(network)
    if shape is None:
        return [FieldError("latitude", "no_outline", warning=True)]
    import shapely

    if not shapely.contains_xy(shape, lon, lat):
        return [FieldError("latitude", "outside_country", {"network": network})]
    return []


def validate_institution(record: dict, *, network: str) -> list[FieldError]:
    """Every problem with a complete institution record (errors first, then warnings)."""
    errors = check.required(record, ("name", "city"))
    if record.get("name") and not errors and not record.get("name_latin"):
        # A name with no Latin reading (a script the transliteration does not know): the
        # directory searches and sorts on the Latin spelling, so it is asked for.
        errors.append(FieldError("name_latin", "latin_needed"))
    errors += check.too_long(record, _TEXT_LIMITS)
    coordinates = coordinate_errors(record, network=network)
    errors += [e for e in coordinates if e.code != "outside_country" and not e.warning]
    errors += check.choice_errors(record, "levels", LEVELS)
    errors += check.choice_errors(record, "themes", THEMES)
    if record.get("ownership") not in OWNERSHIP:
        errors.append(FieldError("ownership", "choose_one"))
    errors += check.out_of_range(record, {"year_joined": check.year_range(), **COUNT_BOUNDS})
    errors += check.language_errors(record.get("languages"))
    errors += check.website_errors(record)
    errors += check.email_errors(record, ("email",))
    errors += [e for e in coordinates if e.code == "outside_country" or e.warning]
    return sorted(errors, key=lambda e: e.warning)


def validate_network(record: dict) -> list[FieldError]:
    """Every problem with a complete network record."""
    errors = check.required(record, ("national_commission",))
    errors += check.too_long(record, {k: v for k, v in _TEXT_LIMITS.items() if k in NETWORK_FIELDS})
    errors += check.email_errors(record, ("coordinator_email",))
    errors += check.website_errors(record)
    errors += check.out_of_range(record, {"founded_year": check.year_range()})
    if record.get("description"):
        if not check.is_interface_language(record.get("description_language")):
            errors.append(FieldError("description_language", "choose_one"))
    elif any(record.get(key) for key in DESCRIPTION_TRANSLATIONS):
        errors.append(FieldError("description", "translation_needs_original"))
    return errors


# -- reading ---------------------------------------------------------------------------------


class InstitutionRecord(TypedDict):
    """An institution as stored, for its edit form (:func:`institution_record`)."""

    id: int
    network: str
    name: str
    name_latin: str | None
    city: str
    latitude: float | None
    longitude: float | None
    levels: list[str]
    ownership: str
    themes: list[str]
    year_joined: int | None
    languages: list[str]
    pupils: int | None
    teachers: int | None
    website: str | None
    email: str | None
    status: str  # candidate | member | withdrawn
    withdrawn_year: int | None
    version: int  # bumped by every save: a form saves only over the version it opened
    updated_at: datetime
    updated_by: str


class NetworkRecord(TypedDict):
    """A national network's profile as stored, for its edit form (:func:`network_record`)."""

    iso3: str
    national_commission: str
    coordinator_name: str | None
    coordinator_email: str | None
    coordinator_phone: str | None  # private: coordinators of the network, analysts, admins
    website: str | None
    description: str | None
    description_language: str | None
    description_en: str | None
    description_fr: str | None
    description_es: str | None
    founded_year: int | None
    version: int
    updated_at: datetime | None
    updated_by: str | None


class FieldChange(TypedDict):
    """One field of a recorded change, with its stored values (codes and lists as stored)."""

    field: str
    before: Any
    after: Any


class HistoryEntry(TypedDict):
    """One recorded change to a network's records, as :func:`history` lists it."""

    id: int
    occurred_at: datetime
    actor: str  # the user name (or process) that made it
    actor_name: str  # their display name
    action: str  # institution.update, network.revert...
    entity: str  # institutions | networks
    entity_id: str
    network: str | None
    record_name: str | None  # the school's name; None for the network's own profile
    reverts: int | None  # the change a revert undid
    changes: list[FieldChange]


INSTITUTION_COLUMNS = (
    "id",
    "network",
    *INSTITUTION_FIELDS,
    "status",
    "withdrawn_year",
    "version",
    "updated_at",
    "updated_by",
)


def institution_record(db: Database, institution_id: int) -> InstitutionRecord | None:
    """The full stored record (for editing; includes version), or None."""
    found = _institution_row(db.cursor(), institution_id)
    return None if found is None else cast(InstitutionRecord, found)


def _stored_institution(cur: Cursor, institution_id: int) -> dict[str, Any]:
    """The full stored record, read inside the caller's transaction; NotFound when there is none."""
    found = _institution_row(cur, institution_id)
    if found is None:
        raise NotFound(institution_id)
    return found


def _institution_row(cur: Cursor, institution_id: int) -> dict[str, Any] | None:
    frame = cur.sql(
        f"SELECT {', '.join(INSTITUTION_COLUMNS)} FROM institutions WHERE id = ?", params=[institution_id]
    ).pl()
    return frame.row(0, named=True) if frame.height else None


def network_record(db: Database, actor: Actor, iso3: str) -> NetworkRecord | None:
    """A network's full record for its edit form (with the coordinator's phone and the version):
    for the network's coordinator, analysts and admins."""
    require(actor, "read_private", iso3)
    found = _network_row(db.cursor(), iso3)
    return None if found is None else cast(NetworkRecord, found)


def _network_row(cur: Cursor, iso3: str) -> dict[str, Any] | None:
    frame = cur.sql(
        f"SELECT iso3, {', '.join(NETWORK_FIELDS)}, version, updated_at, updated_by FROM networks WHERE iso3 = ?",
        params=[iso3],
    ).pl()
    return frame.row(0, named=True) if frame.height else None


def _stored_network(cur: Cursor, iso3: str) -> dict[str, Any]:
    found = _network_row(cur, iso3)
    if found is None:
        raise NotFound(iso3)
    return found


# -- writing ---------------------------------------------------------------------------------


def search_text(record: dict) -> str:
    parts = [record.get("name_latin") or "", record.get("city") or ""]
    if record.get("name") != record.get("name_latin"):
        parts.append(record.get("name") or "")
    return fold(" ".join(p for p in parts if p))


def create_institution(db: Database, actor: Actor, network: str, values: dict) -> int:
    """Add an institution to ``network`` (as a member); returns its id."""
    require(actor, "edit", network)
    record = complete_institution({**dict.fromkeys(INSTITUTION_FIELDS), **normalise_institution(values)})
    errors = check.blocking(validate_institution(record, network=network))
    if errors:
        raise ValidationFailed(errors)
    return db.write(lambda cur: insert_institution(cur, actor, network, record))


def insert_institution(
    cur, actor: Actor, network: str, record: dict, *, when: datetime | None = None, status: str = "member"
) -> int:
    """Insert a validated record inside the caller's transaction (no permission check here).

    A member gets its certificate number in the same transaction."""
    when = when or utc_now()
    new_id = cur.sql("SELECT nextval('institution_id_seq')").fetchall()[0][0]
    row = {
        **record,
        "id": new_id,
        "network": network,
        "status": status,
        "search_text": search_text(record),
        "languages": record.get("languages") or [],
        "created_at": when,
        "updated_at": when,
        "updated_by": actor.label,
        "version": 1,
    }
    columns = list(row)
    cur.execute(
        f"INSERT INTO institutions ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
        [row[c] for c in columns],
    )
    if status == "member":
        certificates.issue_certificates(cur, [new_id], when=when)
    audit.record(
        cur,
        actor,
        "institution.create",
        "institutions",
        new_id,
        None,
        {"network": network, **{k: record.get(k) for k in INSTITUTION_FIELDS}},
        when=when,
    )
    return new_id


def update_institution(
    db: Database, actor: Actor, institution_id: int, values: dict[str, Any], *, expected_version: int
) -> InstitutionRecord:
    """Save changes to an institution read at ``expected_version``; returns the stored record.

    Raises Conflict if it was saved by someone else since, ValidationFailed if the result is
    not a valid record, PermissionDenied if the actor may not edit it.
    """
    current = _stored_institution(db.cursor(), institution_id)
    require(actor, "edit", current["network"])
    return _save_institution(db, actor, current, values, expected_version, "institution.update")


def update_school_details(
    db: Database, actor: Actor, institution_id: int, values: dict[str, Any], *, expected_version: int
) -> InstitutionRecord:
    """A school's public details (:data:`SCHOOL_FIELDS`) saved by its focal point (or by those
    who edit its network); audited as :data:`SCHOOL_UPDATE` when the focal point saved them, so
    that the coordinator finds and may undo them. Any other field is refused, nothing saved."""
    current = _stored_institution(db.cursor(), institution_id)
    require(actor, "edit_school_details", current["network"], institution=institution_id)
    outside = [FieldError(k, "coordinator_decides") for k in values if k not in SCHOOL_FIELDS]
    if outside:
        raise ValidationFailed(outside)
    if current["status"] == "withdrawn":
        raise ValidationFailed([FieldError("form", "already_withdrawn")])
    action = SCHOOL_UPDATE if actor.role == "focal_point" else "institution.update"
    return _save_institution(db, actor, current, values, expected_version, action)


def _save_institution(
    db: Database, actor: Actor, current: dict[str, Any], values: dict[str, Any], expected_version: int, action: str
) -> InstitutionRecord:
    changes = normalise_institution(values)
    record = complete_institution({**{k: current[k] for k in INSTITUTION_FIELDS}, **changes})
    errors = check.blocking(validate_institution(record, network=current["network"]))
    if errors:
        raise ValidationFailed(errors)
    institution_id = current["id"]

    def save(cur: Cursor) -> None:
        apply_institution_changes(cur, actor, institution_id, record, expected_version=expected_version, action=action)

    db.write(save)
    return cast(InstitutionRecord, _stored_institution(db.cursor(), institution_id))


def apply_institution_changes(
    cur: Cursor,
    actor: Actor,
    institution_id: int,
    record: dict,
    *,
    expected_version: int | None,
    action: str = "institution.update",
    when: datetime | None = None,
    reverted: int | None = None,
) -> bool:
    """Write the fields of ``record`` that differ, inside the caller's transaction.

    Returns False when nothing changed. With ``expected_version``, raises Conflict if the
    stored version differs (checked and bumped in the same UPDATE, so no race slips in).
    """
    when = when or utc_now()
    stored = _stored_institution(cur, institution_id)
    if expected_version is not None and stored["version"] != expected_version:
        raise Conflict(stored)
    diff = {k: record[k] for k in INSTITUTION_FIELDS if k in record and record[k] != stored[k]}
    if not diff:
        return False
    merged = {**{k: stored[k] for k in INSTITUTION_FIELDS}, **diff}
    sets = ", ".join(f"{k} = ?" for k in diff)
    updated = cur.execute(
        f"UPDATE institutions SET {sets}, search_text = ?, updated_at = ?, updated_by = ?, version = version + 1 "
        "WHERE id = ? AND version = ?",
        [*diff.values(), search_text(merged), when, actor.label, institution_id, stored["version"]],
    ).fetchall()[0][0]
    if updated != 1:
        raise Conflict(stored)
    audit.record(
        cur,
        actor,
        action,
        "institutions",
        institution_id,
        {"network": stored["network"], **{k: stored[k] for k in diff}},
        {"network": stored["network"], **diff, **({"reverted": reverted} if reverted else {})},
        when=when,
    )
    return True


def withdraw_institution(
    db: Database, actor: Actor, institution_id: int, *, expected_version: int, year: int | None = None
) -> None:
    """Withdraw an institution: it leaves the directory and keeps its history."""
    current = _stored_institution(db.cursor(), institution_id)
    require(actor, "withdraw", current["network"])
    db.write(lambda cur: withdraw_row(cur, actor, institution_id, expected_version=expected_version, year=year))


def withdraw_row(
    cur: Cursor,
    actor: Actor,
    institution_id: int,
    *,
    expected_version: int | None,
    year: int | None = None,
    when: datetime | None = None,
) -> bool:
    when = when or utc_now()
    stored = cur.sql(
        "SELECT network, status, withdrawn_year, version FROM institutions WHERE id = ?", params=[institution_id]
    ).fetchall()
    if not stored:
        raise NotFound(institution_id)
    network, status, withdrawn_year, version = stored[0]
    if expected_version is not None and version != expected_version:
        raise Conflict(_stored_institution(cur, institution_id))
    if status == "withdrawn":
        return False
    from .focal_points import end_for_school  # its accounts end with the school's membership

    end_for_school(cur, actor, institution_id, network, when)
    year = year or when.year
    cur.execute(
        "UPDATE institutions SET status = 'withdrawn', withdrawn_year = ?, updated_at = ?, updated_by = ?, "
        "version = version + 1 WHERE id = ?",
        [year, when, actor.label, institution_id],
    ).fetchall()
    audit.record(
        cur,
        actor,
        "institution.withdraw",
        "institutions",
        institution_id,
        {"network": network, "status": status, "withdrawn_year": withdrawn_year},
        {"network": network, "status": "withdrawn", "withdrawn_year": year},
        when=when,
    )
    return True


def update_network(
    db: Database, actor: Actor, iso3: str, values: dict[str, Any], *, expected_version: int
) -> NetworkRecord:
    """Save a network's profile read at ``expected_version``."""
    require(actor, "edit", iso3)
    current = _stored_network(db.cursor(), iso3)
    changes = normalise_network(values)
    record = _without_own_translation({**{k: current[k] for k in NETWORK_FIELDS}, **changes})
    errors = validate_network(record)
    if errors:
        raise ValidationFailed(errors)

    def save(cur: Cursor) -> None:
        stored = _stored_network(cur, iso3)
        if stored["version"] != expected_version:
            raise Conflict(stored)
        _write_network(cur, actor, iso3, {k: record[k] for k in NETWORK_FIELDS}, stored, action="network.update")

    db.write(save)
    return cast(NetworkRecord, _stored_network(db.cursor(), iso3))


def _write_network(
    cur: Cursor,
    actor: Actor,
    iso3: str,
    record: dict[str, Any],
    stored: dict[str, Any],
    *,
    action: str,
    reverted: int | None = None,
) -> None:
    """Write the fields of ``record`` that differ from ``stored`` (read in this transaction),
    bumping the version it was read at, and record the change."""
    diff = {k: v for k, v in record.items() if v != stored[k]}
    if not diff:
        return
    when = utc_now()
    sets = ", ".join(f"{k} = ?" for k in diff)
    updated = cur.execute(
        f"UPDATE networks SET {sets}, updated_at = ?, updated_by = ?, version = version + 1 "
        "WHERE iso3 = ? AND version = ?",
        [*diff.values(), when, actor.label, iso3, stored["version"]],
    ).fetchall()[0][0]
    if updated != 1:
        raise Conflict(stored)
    after = {"network": iso3, **diff, **({"reverted": reverted} if reverted else {})}
    audit.record(
        cur, actor, action, "networks", iso3, {"network": iso3, **{k: stored[k] for k in diff}}, after, when=when
    )


# -- history and revert ------------------------------------------------------------------------


def history(
    db: Database,
    actor: Actor,
    *,
    network: str | None = None,
    entity: str | None = None,
    entity_id: str | int | None = None,
    actions: Sequence[str] = (),
    limit: int = 200,
) -> list[HistoryEntry]:
    """Changes to a network's records (every network's with ``network=None``, for those who may
    read every network's private data; only those recorded as one of ``actions`` if given),
    newest first.

    Each change says what a person needs to read it: ``record_name`` (the school's name, or
    None for the network's own profile), ``network``, ``actor_name`` (the display name of who
    made it), ``reverts`` (the change a revert undid) and ``changes``, field by field with the
    stored values before and after (codes, lists: the interface turns them into labels).
    """
    require(actor, "read_private", network)
    conditions = []
    params: dict[str, object] = {"limit": limit}
    if network is not None:
        conditions.append("coalesce(after, before) ->> 'network' = $network")
        params["network"] = network
    if entity is not None:
        conditions.append("entity = $entity AND entity_id = $entity_id")
        params |= {"entity": entity, "entity_id": str(entity_id)}
    if actions:
        conditions.append(f"a.action IN ({', '.join(f'$action{i}' for i in range(len(actions)))})")
        params |= {f"action{i}": a for i, a in enumerate(actions)}
    rows = db.query(
        f"""SELECT a.id, a.occurred_at, a.actor, coalesce(u.display_name, a.actor) AS actor_name, a.action,
                   a.entity, a.entity_id, coalesce(a.after, a.before) ->> 'network' AS network,
                   a.before, a.after
            FROM audit_log a LEFT JOIN users u ON u.username = a.actor
            WHERE a.entity IN ('institutions', 'networks') {"".join(" AND " + c for c in conditions)}
            ORDER BY a.occurred_at DESC, a.id DESC LIMIT $limit""",
        params,
    ).to_dicts()
    # Names of the schools concerned, read for this page of changes only.
    ids = sorted({int(r["entity_id"]) for r in rows if r["entity"] == "institutions" and r["entity_id"].isdigit()})
    names = (
        dict(db.rows("SELECT id, name FROM institutions WHERE id IN (SELECT unnest(?::BIGINT[]))", [ids]))
        if ids
        else {}
    )
    return [_history_entry(row, names) for row in rows]


def _history_entry(row: dict[str, Any], names: dict[int, str]) -> HistoryEntry:
    before = _logged(row["before"])
    after = _logged(row["after"])
    keys = [k for k in dict.fromkeys([*before, *after]) if k not in ("network", "reverted")]
    institution = row["entity"] == "institutions" and row["entity_id"].isdigit()
    return HistoryEntry(
        id=row["id"],
        occurred_at=row["occurred_at"],
        actor=row["actor"],
        actor_name=row["actor_name"],
        action=row["action"],
        entity=row["entity"],
        entity_id=row["entity_id"],
        network=row["network"],
        record_name=names.get(int(row["entity_id"])) if institution else None,
        reverts=after.get("reverted"),
        changes=[
            FieldChange(field=k, before=before.get(k), after=after.get(k))
            for k in keys
            if before.get(k) != after.get(k)
        ],
    )


def _logged(value: str | None) -> dict[str, Any]:
    """A before or after of the audit log as a dict (empty for NULL)."""
    return json.loads(value) if value else {}


def can_revert(actor: Actor, action: str, network: str | None) -> bool:
    """Whether ``actor`` may undo a change recorded as ``action`` on ``network``: admins any,
    the network's coordinator also its schools' focal points' changes."""
    if action == SCHOOL_UPDATE:
        return can(actor, "manage_focal_points", network)
    return can(actor, "revert")


def revert(db: Database, actor: Actor, audit_id: int) -> None:
    """Undo one recorded change (admins; a school focal point's change also its network's
    coordinator); the revert is itself audited.

    Refused with Conflict if a field has changed again since: the newer change would be lost.
    """
    rows = db.rows(
        "SELECT entity, entity_id, action, before, after, coalesce(after, before) ->> 'network' FROM audit_log "
        "WHERE id = ?",
        [audit_id],
    )
    if not rows or rows[0][0] not in ("institutions", "networks"):
        require(actor, "revert")
        raise NotFound(audit_id)
    entity, entity_id, action, before, after, network = rows[0]
    if not can_revert(actor, action, network):
        raise PermissionDenied("revert", network)
    change = _Change(audit_id, action, entity_id, _logged(before), _logged(after))
    if entity == "institutions":
        db.write(lambda cur: _revert_institution(cur, actor, change))
    else:
        db.write(lambda cur: _revert_network(cur, actor, change))


@dataclass(frozen=True)
class _Change:
    """A recorded change to undo."""

    audit_id: int
    action: str
    entity_id: str
    before: dict[str, Any]
    after: dict[str, Any]

    def fields(self, allowed: tuple[str, ...]) -> list[str]:
        return [k for k in self.after if k in allowed]


def _revert_institution(cur: Cursor, actor: Actor, change: _Change) -> None:
    when = utc_now()
    institution_id = int(change.entity_id)
    current = _stored_institution(cur, institution_id)
    if change.action == "institution.create":
        withdraw_row(cur, actor, institution_id, expected_version=None, when=when)
        return
    fields = change.fields((*INSTITUTION_FIELDS, "status", "withdrawn_year"))
    if any(current.get(k) != _restore(k, change.after.get(k)) for k in fields):
        raise Conflict(current)
    restored = {k: _restore(k, change.before.get(k)) for k in fields}
    if change.action != "institution.withdraw":
        apply_institution_changes(
            cur,
            actor,
            institution_id,
            restored,
            expected_version=None,
            action="institution.revert",
            when=when,
            reverted=change.audit_id,
        )
        return
    cur.execute(
        "UPDATE institutions SET status = ?, withdrawn_year = ?, updated_at = ?, updated_by = ?, "
        "version = version + 1 WHERE id = ?",
        [restored["status"], restored.get("withdrawn_year"), when, actor.label, institution_id],
    ).fetchall()
    network = current["network"]
    audit.record(
        cur,
        actor,
        "institution.revert",
        "institutions",
        institution_id,
        {"network": network, **{k: current[k] for k in fields}},
        {"network": network, **restored, "reverted": change.audit_id},
        when=when,
    )


def _revert_network(cur: Cursor, actor: Actor, change: _Change) -> None:
    current = _stored_network(cur, change.entity_id)
    fields = change.fields(NETWORK_FIELDS)
    if any(current.get(k) != change.after.get(k) for k in fields):
        raise Conflict(current)
    restored = {k: change.before.get(k) for k in fields}
    _write_network(cur, actor, change.entity_id, restored, current, action="network.revert", reverted=change.audit_id)


def _restore(key: str, value):
    """A value read back from the audit JSON, in the type the record stores."""
    return value
