"""Validated, audited writes to networks and institutions, their history, and reverts.

Every write checks the actor's permission, validates the whole record, runs in one
transaction with an audit row (who, when, what, before and after) and refuses to overwrite
a record saved by someone else since the form was opened (optimistic locking on
``version``). Institutions are never deleted: withdrawing keeps their history.
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date, datetime

import polars as pl
from anyascii import anyascii

from . import certificates, languages, reference
from .db import Database, utc_now
from .errors import Conflict, FieldError, NotFound, ValidationFailed
from .permissions import Actor, require
from .text import fold
from .vocab import FIRST_YEAR, LEVELS, OWNERSHIP, THEMES

EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}$")
_URL = re.compile(r"^https?://[^\s<>\"'{}|\\^`]+\.[^\s<>\"'{}|\\^`]+$", re.IGNORECASE)
# A website typed without its scheme: a host name with a top-level domain, then perhaps a
# port and a path. Letters of any script are allowed (école.fr), spaces, quotes and @ are not.
_BARE_SITE = re.compile(
    r"^(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
    r"(?::\d{1,5})?(?:[/?#][^\s<>\"'{}|\\^`]*)?$",
    re.IGNORECASE,
)

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
# How each field is typed in a polars frame (bulk plans and set-based writes).
INSTITUTION_SCHEMA = {
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
DESCRIPTION_LANGUAGES = ("en", "fr", "es")
DESCRIPTION_TRANSLATIONS = tuple(f"description_{lang}" for lang in DESCRIPTION_LANGUAGES)
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
    "name": 200,
    "name_latin": 200,
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


def _clean_text(value) -> str | None:
    if value is None:
        return None
    # Control characters (C0 and C1) are dropped; tabs and line breaks are kept.
    text = "".join(ch for ch in str(value) if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    return text or None


def _as_list(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[;,|]", value) if part.strip()]
    return [str(v).strip() for v in value if str(v).strip()]


def _as_number(value, kind):
    """``value`` as ``kind`` (int or float); "bad" when it is not one, None when empty."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and value != value:  # NaN
        # A whole-number field has no NaN marker of its own: its validators look for "bad".
        return "nan" if kind is float else "bad"
    try:
        if kind is float:
            return float(str(value).strip().replace(",", "."))
        if isinstance(value, float):
            return int(value) if value.is_integer() else "bad"
        return int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return "bad"


def normalise_languages(value) -> list[str]:
    """Typed languages as stored ISO 639 codes: names in English, French or Spanish and codes
    ("Swahili", "anglais", "fra") become codes; what is not a language stays, lower-cased, for
    validation to name it."""
    return list(dict.fromkeys(languages.parse(v) or v.lower() for v in _as_list(value)))


def normalise_website(value) -> str | None:
    """A website as typed, with https:// added when it is a bare address ("www.school.pt",
    "school.pt/about"); anything else is left for validation to refuse."""
    text = _clean_text(value)
    if text and _BARE_SITE.match(text):
        return "https://" + text
    return text


def normalise_network(values: dict) -> dict:
    """Coerce a network form's values to stored types (the year parsed, the website completed,
    the description's language as a lower-case code)."""
    out = {}
    for key in NETWORK_FIELDS:
        if key in values:
            value = values[key]
            out[key] = (
                _as_number(value, int)
                if key == "founded_year"
                else normalise_website(value)
                if key == "website"
                else (_clean_text(value) or "").lower() or None
                if key == "description_language"
                else _clean_text(value)
            )
    return out


def _without_own_translation(record: dict) -> dict:
    """A description needs no translation into its own language: that box is emptied."""
    if record.get("description_language") in DESCRIPTION_LANGUAGES:
        record[f"description_{record['description_language']}"] = None
    return record


def normalise_institution(values: dict) -> dict:
    """Coerce form or file values to stored types (text trimmed, lists split, numbers parsed).

    Values that cannot be parsed are kept as the markers "bad"/"nan" for validation to report.
    """
    out = {}
    for key in INSTITUTION_FIELDS:
        if key not in values:
            continue
        value = values[key]
        if key in ("levels", "themes"):
            out[key] = [v.lower().replace("-", "_").replace(" ", "_") for v in _as_list(value)]
        elif key == "languages":
            out[key] = normalise_languages(value)
        elif key == "website":
            out[key] = normalise_website(value)
        elif key in ("latitude", "longitude"):
            out[key] = _as_number(value, float)
        elif key in ("year_joined", "pupils", "teachers"):
            out[key] = _as_number(value, int)
        elif key == "ownership":
            text = _clean_text(value)
            out[key] = text.lower() if text else None
        else:
            out[key] = _clean_text(value)
    return out


def language_errors(codes: list[str] | None) -> list[FieldError]:
    """The languages that are not ISO 639 languages, named in one error."""
    unknown = [code for code in codes or [] if not languages.is_known(code)]
    if not unknown:
        return []
    return [FieldError("languages", "unknown_language", {"values": ", ".join(unknown)[:80]})]


def validate_institution(record: dict, *, network: str) -> list[FieldError]:
    """Every problem with a complete institution record (errors first, then warnings)."""
    errors: list[FieldError] = []
    for key in ("name", "city"):
        if not record.get(key):
            errors.append(FieldError(key, "required"))
    for key, limit in _TEXT_LIMITS.items():
        value = record.get(key)
        if isinstance(value, str) and len(value) > limit:
            errors.append(FieldError(key, "too_long", {"max": limit}))
    for key, low, high in (("latitude", -90, 90), ("longitude", -180, 180)):
        value = record.get(key)
        if value in ("bad", "nan") or (isinstance(value, float) and not low <= value <= high):
            errors.append(FieldError(key, "out_of_range", {"min": low, "max": high}))
    lat, lon = record.get("latitude"), record.get("longitude")
    if (lat is None) != (lon is None):
        errors.append(FieldError("latitude" if lat is None else "longitude", "coordinates_pair"))
    for key, allowed in (("levels", LEVELS), ("themes", THEMES)):
        values = record.get(key) or []
        if not values:
            errors.append(FieldError(key, "choose_one"))
        elif any(v not in allowed for v in values):
            errors.append(
                FieldError(key, "unknown_choice", {"values": ", ".join(v for v in values if v not in allowed)})
            )
    if record.get("ownership") not in OWNERSHIP:
        errors.append(FieldError("ownership", "choose_one"))
    this_year = date.today().year
    for key, low, high in (("year_joined", FIRST_YEAR, this_year), ("pupils", 0, 100_000), ("teachers", 0, 20_000)):
        value = record.get(key)
        if value == "bad" or (isinstance(value, int) and not low <= value <= high):
            errors.append(FieldError(key, "out_of_range", {"min": low, "max": high}))
    errors += language_errors(record.get("languages"))
    if record.get("website") and not _URL.match(record["website"]):
        errors.append(FieldError("website", "url"))
    if record.get("email") and not EMAIL.match(record["email"]):
        errors.append(FieldError("email", "email"))
    if (
        not any(e.field in ("latitude", "longitude") for e in errors)
        and isinstance(lat, float)
        and isinstance(lon, float)
    ):
        shape = reference.country_shapes().get(network)
        if shape is None:
            errors.append(FieldError("latitude", "no_outline", warning=True))
        else:
            import shapely

            if not shapely.contains_xy(shape, lon, lat):
                errors.append(FieldError("latitude", "outside_country", {"network": network}))
    return sorted(errors, key=lambda e: e.warning)


def validate_network(record: dict) -> list[FieldError]:
    errors = []
    if not record.get("national_commission"):
        errors.append(FieldError("national_commission", "required"))
    for key, limit in _TEXT_LIMITS.items():
        value = record.get(key)
        if key in NETWORK_FIELDS and isinstance(value, str) and len(value) > limit:
            errors.append(FieldError(key, "too_long", {"max": limit}))
    if record.get("coordinator_email") and not EMAIL.match(record["coordinator_email"]):
        errors.append(FieldError("coordinator_email", "email"))
    if record.get("website") and not _URL.match(record["website"]):
        errors.append(FieldError("website", "url"))
    year = record.get("founded_year")
    if year == "bad" or (isinstance(year, int) and not FIRST_YEAR <= year <= date.today().year):
        errors.append(FieldError("founded_year", "out_of_range", {"min": FIRST_YEAR, "max": date.today().year}))
    if record.get("description"):
        if record.get("description_language") not in DESCRIPTION_LANGUAGES:
            errors.append(FieldError("description_language", "choose_one"))
    elif any(record.get(key) for key in DESCRIPTION_TRANSLATIONS):
        errors.append(FieldError("description", "translation_needs_original"))
    return errors


def _blocking(errors: list[FieldError]) -> list[FieldError]:
    return [e for e in errors if not e.warning]


# -- reading ---------------------------------------------------------------------------------

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


def get_institution(db: Database, institution_id: int) -> dict | None:
    """The full stored record (for editing; includes version)."""
    found = db.query(f"SELECT {', '.join(INSTITUTION_COLUMNS)} FROM institutions WHERE id = ?", [institution_id])
    return found.row(0, named=True) if found.height else None


def get_network_record(db: Database, actor: Actor, iso3: str) -> dict | None:
    """A network's full record for its edit form (with the coordinator's phone and the version):
    for the network's coordinator, analysts and admins."""
    require(actor, "read_private", iso3)
    found = db.query(
        f"SELECT iso3, {', '.join(NETWORK_FIELDS)}, version, updated_at, updated_by FROM networks WHERE iso3 = ?",
        [iso3],
    )
    return found.row(0, named=True) if found.height else None


# -- writing ---------------------------------------------------------------------------------


def jsonable(values: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, (datetime, date)) else v) for k, v in values.items()}


def _audit(
    cur, actor: Actor, action: str, entity: str, entity_id, before: dict | None, after: dict | None, when: datetime
) -> None:
    cur.execute(
        "INSERT INTO audit_log (occurred_at, actor, action, entity, entity_id, before, after) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            when,
            actor.label,
            action,
            entity,
            str(entity_id),
            None if before is None else json.dumps(jsonable(before), ensure_ascii=False),
            None if after is None else json.dumps(jsonable(after), ensure_ascii=False),
        ],
    )


def search_text(record: dict) -> str:
    parts = [record.get("name_latin") or "", record.get("city") or ""]
    if record.get("name") != record.get("name_latin"):
        parts.append(record.get("name") or "")
    return fold(" ".join(p for p in parts if p))


def latin_spelling(name: str) -> str:
    """``name`` in Latin letters (as typed when it already is), within the field's limit.

    A transliteration is longer than its source (one Chinese character gives up to six
    letters), so a valid name must not be refused for a spelling nobody typed."""
    latin = name if name.isascii() else anyascii(name)
    return latin[: _TEXT_LIMITS["name_latin"]].strip()


def _complete(record: dict) -> dict:
    """Derived fields: a Latin spelling when none is given."""
    if record.get("name") and not record.get("name_latin"):
        record["name_latin"] = latin_spelling(record["name"])
    return record


def create_institution(db: Database, actor: Actor, network: str, values: dict) -> int:
    """Add an institution to ``network`` (as a member); returns its id."""
    require(actor, "edit", network)
    record = _complete({**dict.fromkeys(INSTITUTION_FIELDS), **normalise_institution(values)})
    errors = _blocking(validate_institution(record, network=network))
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
    _audit(
        cur,
        actor,
        "institution.create",
        "institutions",
        new_id,
        None,
        {"network": network, **{k: record.get(k) for k in INSTITUTION_FIELDS}},
        when,
    )
    return new_id


def update_institution(db: Database, actor: Actor, institution_id: int, values: dict, *, expected_version: int) -> dict:
    """Save changes to an institution read at ``expected_version``; returns the stored record.

    Raises Conflict if it was saved by someone else since, ValidationFailed if the result is
    not a valid record, PermissionDenied if the actor may not edit it.
    """
    current = get_institution(db, institution_id)
    if current is None:
        raise NotFound(institution_id)
    require(actor, "edit", current["network"])
    changes = normalise_institution(values)
    record = _complete({**{k: current[k] for k in INSTITUTION_FIELDS}, **changes})
    errors = _blocking(validate_institution(record, network=current["network"]))
    if errors:
        raise ValidationFailed(errors)

    def save(cur):
        apply_institution_changes(cur, actor, institution_id, record, expected_version=expected_version)

    db.write(save)
    return get_institution(db, institution_id)


def apply_institution_changes(
    cur,
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
    stored = cur.sql(
        f"SELECT {', '.join(INSTITUTION_COLUMNS)} FROM institutions WHERE id = ?", params=[institution_id]
    ).pl()
    if stored.height == 0:
        raise NotFound(institution_id)
    stored = stored.row(0, named=True)
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
    _audit(
        cur,
        actor,
        action,
        "institutions",
        institution_id,
        {"network": stored["network"], **{k: stored[k] for k in diff}},
        {"network": stored["network"], **diff, **({"reverted": reverted} if reverted else {})},
        when,
    )
    return True


def withdraw_institution(
    db: Database, actor: Actor, institution_id: int, *, expected_version: int, year: int | None = None
) -> None:
    """Withdraw an institution: it leaves the directory and keeps its history."""
    current = get_institution(db, institution_id)
    if current is None:
        raise NotFound(institution_id)
    require(actor, "withdraw", current["network"])
    db.write(lambda cur: withdraw_row(cur, actor, institution_id, expected_version=expected_version, year=year))


def withdraw_row(
    cur,
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
        raise Conflict(get_institution_in(cur, institution_id))
    if status == "withdrawn":
        return False
    year = year or when.year
    cur.execute(
        "UPDATE institutions SET status = 'withdrawn', withdrawn_year = ?, updated_at = ?, updated_by = ?, "
        "version = version + 1 WHERE id = ?",
        [year, when, actor.label, institution_id],
    ).fetchall()
    _audit(
        cur,
        actor,
        "institution.withdraw",
        "institutions",
        institution_id,
        {"network": network, "status": status, "withdrawn_year": withdrawn_year},
        {"network": network, "status": "withdrawn", "withdrawn_year": year},
        when,
    )
    return True


def get_institution_in(cur, institution_id: int) -> dict:
    frame = cur.sql(
        f"SELECT {', '.join(INSTITUTION_COLUMNS)} FROM institutions WHERE id = ?", params=[institution_id]
    ).pl()
    return frame.row(0, named=True)


def update_network(db: Database, actor: Actor, iso3: str, values: dict, *, expected_version: int) -> dict:
    """Save a network's profile read at ``expected_version``."""
    require(actor, "edit", iso3)
    current = get_network_record(db, actor, iso3)
    if current is None:
        raise NotFound(iso3)
    changes = normalise_network(values)
    record = _without_own_translation({**{k: current[k] for k in NETWORK_FIELDS}, **changes})
    errors = validate_network(record)
    if errors:
        raise ValidationFailed(errors)

    def save(cur):
        when = utc_now()
        stored = (
            cur.sql(f"SELECT {', '.join(NETWORK_FIELDS)}, version FROM networks WHERE iso3 = ?", params=[iso3])
            .pl()
            .row(0, named=True)
        )
        if stored["version"] != expected_version:
            raise Conflict({"iso3": iso3, **stored})
        diff = {k: record[k] for k in NETWORK_FIELDS if record[k] != stored[k]}
        if not diff:
            return
        sets = ", ".join(f"{k} = ?" for k in diff)
        updated = cur.execute(
            f"UPDATE networks SET {sets}, updated_at = ?, updated_by = ?, version = version + 1 "
            "WHERE iso3 = ? AND version = ?",
            [*diff.values(), when, actor.label, iso3, expected_version],
        ).fetchall()[0][0]
        if updated != 1:
            raise Conflict({"iso3": iso3, **stored})
        _audit(
            cur,
            actor,
            "network.update",
            "networks",
            iso3,
            {"network": iso3, **{k: stored[k] for k in diff}},
            {"network": iso3, **diff},
            when,
        )

    db.write(save)
    return get_network_record(db, actor, iso3)


# -- history and revert ------------------------------------------------------------------------


def history(
    db: Database,
    actor: Actor,
    *,
    network: str | None = None,
    entity: str | None = None,
    entity_id: str | int | None = None,
    limit: int = 200,
) -> list[dict]:
    """Changes to a network's records (every network's with ``network=None``, for those who may
    read every network's private data), newest first.

    Each change says what a person needs to read it: ``record_name`` (the school's name, or
    None for the network's own profile), ``network``, ``actor_name`` (the display name of who
    made it), ``reverts`` (the change a revert undid) and ``changes``, field by field with the
    stored values before and after (codes, lists: the interface turns them into labels).
    """
    require(actor, "read_private", network)
    conditions = []
    params: dict[str, object] = {"limit": limit}
    if network is not None:
        conditions.append("json_extract_string(coalesce(after, before), '$.network') = $network")
        params["network"] = network
    if entity is not None:
        conditions.append("entity = $entity AND entity_id = $entity_id")
        params |= {"entity": entity, "entity_id": str(entity_id)}
    rows = db.query(
        f"""SELECT a.id, a.occurred_at, a.actor, coalesce(u.display_name, a.actor) AS actor_name, a.action,
                   a.entity, a.entity_id, json_extract_string(coalesce(a.after, a.before), '$.network') AS network,
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
    for row in rows:
        before = json.loads(row.pop("before")) if row["before"] else {}
        after = json.loads(row.pop("after")) if row["after"] else {}
        row["reverts"] = after.get("reverted")
        row["record_name"] = names.get(int(row["entity_id"])) if row["entity"] == "institutions" else None
        keys = [k for k in dict.fromkeys([*before, *after]) if k not in ("network", "reverted")]
        row["changes"] = [
            {"field": k, "before": before.get(k), "after": after.get(k)} for k in keys if before.get(k) != after.get(k)
        ]
    return rows


def revert(db: Database, actor: Actor, audit_id: int) -> None:
    """Undo one recorded change (admins only); the revert is itself audited.

    Refused with Conflict if a field has changed again since: the newer change would be lost.
    """
    require(actor, "revert")
    rows = db.rows("SELECT entity, entity_id, action, before, after FROM audit_log WHERE id = ?", [audit_id])
    if not rows:
        raise NotFound(audit_id)
    entity, entity_id, action, before, after = rows[0]
    before = json.loads(before) if before else {}
    after = json.loads(after) if after else {}
    allowed = (*INSTITUTION_FIELDS, "status", "withdrawn_year") if entity == "institutions" else NETWORK_FIELDS
    fields = [k for k in after if k in allowed]
    when = utc_now()

    def undo(cur):
        if entity == "institutions":
            current = get_institution_in(cur, int(entity_id))
            if action == "institution.create":
                withdraw_row(cur, actor, int(entity_id), expected_version=None, when=when)
                return
            if any(current.get(k) != _restore(k, after.get(k)) for k in fields):
                raise Conflict(current)
            restored = {k: _restore(k, before.get(k)) for k in fields}
            if action == "institution.withdraw":
                cur.execute(
                    "UPDATE institutions SET status = ?, withdrawn_year = ?, updated_at = ?, updated_by = ?, "
                    "version = version + 1 WHERE id = ?",
                    [restored["status"], restored.get("withdrawn_year"), when, actor.label, int(entity_id)],
                ).fetchall()
                _audit(
                    cur,
                    actor,
                    "institution.revert",
                    "institutions",
                    entity_id,
                    {"network": current["network"], **{k: current[k] for k in fields}},
                    {"network": current["network"], **restored, "reverted": audit_id},
                    when,
                )
                return
            apply_institution_changes(
                cur,
                actor,
                int(entity_id),
                restored,
                expected_version=None,
                action="institution.revert",
                when=when,
                reverted=audit_id,
            )
        elif entity == "networks":
            current = (
                cur.sql(f"SELECT {', '.join(NETWORK_FIELDS)} FROM networks WHERE iso3 = ?", params=[entity_id])
                .pl()
                .row(0, named=True)
            )
            if any(current.get(k) != after.get(k) for k in fields):
                raise Conflict({"iso3": entity_id, **current})
            sets = ", ".join(f"{k} = ?" for k in fields)
            cur.execute(
                f"UPDATE networks SET {sets}, updated_at = ?, updated_by = ?, version = version + 1 WHERE iso3 = ?",
                [*(before.get(k) for k in fields), when, actor.label, entity_id],
            ).fetchall()
            _audit(
                cur,
                actor,
                "network.revert",
                "networks",
                entity_id,
                {"network": entity_id, **current},
                {"network": entity_id, **{k: before.get(k) for k in fields}, "reverted": audit_id},
                when,
            )
        else:
            raise NotFound(audit_id)

    db.write(undo)


def _restore(key: str, value):
    """A value read back from the audit JSON, in the type the record stores."""
    return value
