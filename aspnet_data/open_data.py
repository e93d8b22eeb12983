"""The public API's endpoints, declared once: their parameters, how they are read, what they answer.

Every endpoint is an :class:`Endpoint` in :data:`ENDPOINTS`. The same declarations parse a
request's parameters (:func:`parse`), produce the OpenAPI 3.1 document (:func:`openapi`) and
run the query (:func:`answer`), so the documentation cannot drift from what is accepted.
The selection parameters (search, facets, years, sort) are the directory's own, read by
:func:`aspnet_data.directory.parse_params`: what the directory would ignore with a notice, the
API refuses with a 400 naming the parameter. Every read goes through the analytic copy with
bound parameters; only public fields leave, and withdrawn institutions only when the status
facet asks for them, as in the directory.

Answers are plain data (a :class:`Table`, or a dict for single records and figures); turning
them into JSON, CSV, GeoJSON or Parquet is :func:`encode`.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl

from . import dashboard, directory, profiles, projects, stats
from .db import Database, utc_now
from .directory import FACETS, SORTS, Selection
from .text import spreadsheet_safe
from .vocab import FIRST_YEAR, LANGUAGES, PROJECT_STATUSES, THEMES

VERSION = "1.0.0"
BASE = "/api/v1"
PER_PAGE = 100
MAX_PER_PAGE = 1000
LICENCE = {"name": "CC BY 4.0", "url": "https://creativecommons.org/licenses/by/4.0/"}
ATTRIBUTION = "ASPnet Atlas, UNESCO Associated Schools Network (ASPnet), CC BY 4.0"

MEDIA_TYPES = {
    "json": "application/json",
    "csv": "text/csv; charset=utf-8",
    "geojson": "application/geo+json",
    "parquet": "application/vnd.apache.parquet",
}


# -- declarations ------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One query or path parameter, as the parser reads it and the OpenAPI document shows it."""

    name: str
    description: str
    kind: str = "string"  # string | integer | year | code
    repeated: bool = False  # may be given several times (a facet: any of the values)
    choices: tuple[str, ...] | None = None  # allowed values; None: any (or, for `country`, a network)
    minimum: int | None = None
    maximum: int | None = None
    where: str = "query"  # query | path
    example: str | None = None

    def schema(self) -> dict[str, Any]:
        if self.kind in ("integer", "year"):
            one: dict[str, Any] = {"type": "integer"}
            low, high = (FIRST_YEAR, None) if self.kind == "year" else (self.minimum, self.maximum)
            if low is not None:
                one["minimum"] = low
            if high is not None:
                one["maximum"] = high
        else:
            one = {"type": "string"}
            if self.choices is not None:
                one["enum"] = list(self.choices)
            if self.kind == "code":
                one["pattern"] = "^[A-Z]{3}$"
        return {"type": "array", "items": one} if self.repeated else one


def _facet_param(facet: directory.Facet) -> Param:
    about = {
        "region": "UNESCO region of the network (AFR, ARB, APA, EUR, LAC)",
        "country": "national network, by its ISO 3166 alpha-3 code (e.g. FRA)",
        "level": "level of education taught",
        "theme": "priority theme: Education for Sustainable Development, Global Citizenship Education, "
        "Intercultural and Heritage learning",
        "ownership": "public or private institution",
        "status": "membership status; withdrawn institutions only when asked for (default: member and candidate)",
    }[facet.key]
    return Param(
        facet.key,
        f"Any of these values ({about}); give it several times for several values.",
        kind="code" if facet.vocabulary is None else "string",
        repeated=True,
        choices=facet.vocabulary,
        example={"country": "FRA", "theme": "esd", "region": "EUR"}.get(facet.key),
    )


LANG = Param("lang", "Language of the names of countries, regions and labels.", choices=LANGUAGES, example="fr")
Q = Param(
    "q",
    "Search words: every word must match a name, the city or the country (accents and case ignored).",
    example="lycée paris",
)
YEARS = (
    Param("from", "Joined in this year or later.", kind="year", example="2000"),
    Param("to", "Joined in this year or earlier.", kind="year", example="2020"),
)
SORT = Param(
    "sort",
    "Order of the rows; a leading '-' reverses it. Ties are broken by id.",
    choices=tuple(key for name in SORTS for key in (name, f"-{name}")),
    example="-joined",
)
PAGE = Param(
    "page", "Page number, from 1 (or use the `next` link's cursor).", kind="integer", minimum=1, maximum=9_999_999
)
PER_PAGE_PARAM = Param(
    "per_page", f"Rows per page (default {PER_PAGE}).", kind="integer", minimum=1, maximum=MAX_PER_PAGE, example="500"
)
CURSOR = Param(
    "cursor",
    "Where the next page starts: copy it from the `next` link of the page before (stable while data changes).",
)
FACET_PARAMS = tuple(_facet_param(f) for f in FACETS)
# The dashboard's coverage ignores the search and the theme filter (it counts by theme).
COVERAGE_PARAMS = tuple(p for p in FACET_PARAMS if p.name != "theme") + YEARS + (LANG,)
SELECTION_PARAMS = (Q, *FACET_PARAMS, *YEARS, SORT)


@dataclass(frozen=True)
class Endpoint:
    """One GET route of the API (``path`` below :data:`BASE`), in one or more formats."""

    name: str  # operationId, and the key of its query function
    path: str  # e.g. "/institutions/{id}"
    summary: str
    description: str
    params: tuple[Param, ...] = ()
    formats: tuple[str, ...] = ("json",)
    selection: bool = False  # the directory's selection parameters are read (directory.parse_params)
    key: str = ""  # the name of a list answer's rows in JSON ("institutions", ...)
    fields: tuple[tuple[str, str], ...] = ()  # (field, JSON type) of a row

    @property
    def path_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.where == "path")


INSTITUTION_FIELDS = (
    ("id", "integer"),
    ("name", "string"),
    ("name_latin", "string"),
    ("city", "string"),
    ("network", "string"),
    ("country", "string"),
    ("region", "string"),
    ("latitude", "number"),
    ("longitude", "number"),
    ("levels", "array"),
    ("ownership", "string"),
    ("themes", "array"),
    ("status", "string"),
    ("year_joined", "integer"),
    ("languages", "array"),
    ("pupils", "integer"),
    ("teachers", "integer"),
    ("website", "string"),
    ("email", "string"),
    ("updated_at", "string"),
)
NETWORK_FIELDS = (
    ("iso3", "string"),
    ("country", "string"),
    ("region", "string"),
    ("founded_year", "integer"),
    ("members", "integer"),
    ("candidates", "integer"),
    ("per_million", "number"),
    ("capital_lat", "number"),
    ("capital_lon", "number"),
)
ID = Param("id", "The institution's id.", kind="integer", minimum=1, where="path", example="1")
ISO3 = Param("iso3", "The network's ISO 3166 alpha-3 code.", kind="code", where="path", example="FRA")

ENDPOINTS: tuple[Endpoint, ...] = (
    Endpoint(
        "institutions",
        "/institutions",
        "Institutions of the network",
        "The directory's selection (the same parameters as its links), one page at a time, public fields only. "
        "`total` counts the whole selection; `next` is the link to the following page.",
        (*SELECTION_PARAMS, PAGE, PER_PAGE_PARAM, CURSOR, LANG),
        ("json", "csv", "geojson", "parquet"),
        selection=True,
        key="institutions",
        fields=INSTITUTION_FIELDS,
    ),
    Endpoint(
        "institution",
        "/institutions/{id}",
        "One institution",
        "Every public field of one institution (withdrawn ones too: their profile stays public), "
        "with the project spaces it takes part in.",
        (ID, LANG),
        ("json", "geojson"),
        fields=INSTITUTION_FIELDS,
    ),
    Endpoint(
        "networks",
        "/networks",
        "National networks",
        "Every national network with its members, candidates and active institutions per million inhabitants; "
        "GeoJSON places each at its capital.",
        (LANG,),
        ("json", "csv", "geojson", "parquet"),
        key="networks",
        fields=NETWORK_FIELDS,
    ),
    Endpoint(
        "network",
        "/networks/{iso3}",
        "One national network",
        "A network's public profile: its National Commission and coordinator's public contact, institutions by "
        "status, level and theme, growth by year and project spaces.",
        (ISO3, LANG),
    ),
    Endpoint(
        "figures",
        "/figures",
        "Headline figures",
        "The network's headline figures, each with its definition, as of the data version given.",
        (LANG,),
    ),
    Endpoint(
        "coverage_theme_region",
        "/coverage/theme-region",
        "Coverage by theme and region",
        "Active institutions (members and candidates, unless `status` says otherwise) and those declaring each "
        "priority theme, per UNESCO region.",
        COVERAGE_PARAMS,
        ("json", "csv", "parquet"),
        selection=True,
        key="regions",
        fields=(("region", "string"), ("institutions", "integer"), *((t, "integer") for t in THEMES)),
    ),
    Endpoint(
        "coverage_theme_level",
        "/coverage/theme-level",
        "Coverage by theme and level",
        "Active institutions and those declaring each priority theme, per level of education.",
        COVERAGE_PARAMS,
        ("json", "csv", "parquet"),
        selection=True,
        key="levels",
        fields=(("level", "string"), ("institutions", "integer"), *((t, "integer") for t in THEMES)),
    ),
    Endpoint(
        "coverage_country",
        "/coverage/country",
        "Coverage by country",
        "Active institutions per network, per priority theme and per million inhabitants; GeoJSON places each "
        "at its capital.",
        COVERAGE_PARAMS,
        ("json", "csv", "geojson", "parquet"),
        selection=True,
        key="countries",
        fields=(
            ("iso3", "string"),
            ("country", "string"),
            ("region", "string"),
            ("population", "integer"),
            ("institutions", "integer"),
            *((t, "integer") for t in THEMES),
            ("per_million", "number"),
        ),
    ),
    Endpoint(
        "projects",
        "/projects",
        "Project spaces",
        "Project spaces linking schools across countries, with their schools and networks.",
        (
            Param("status", "Only projects in this state.", choices=PROJECT_STATUSES),
            Param("theme", "Only projects on this priority theme.", choices=THEMES),
            LANG,
        ),
        ("json", "csv"),
        key="projects",
        fields=(
            ("id", "integer"),
            ("title", "string"),
            ("status", "string"),
            ("themes", "array"),
            ("languages", "array"),
            ("start_date", "string"),
            ("end_date", "string"),
            ("network", "string"),
            ("schools", "integer"),
            ("networks", "integer"),
        ),
    ),
)
BY_NAME = {e.name: e for e in ENDPOINTS}


# -- parsing -----------------------------------------------------------------------------


MESSAGES = {
    "unknown_parameter": "'{name}' is not a parameter of this endpoint (it takes: {accepted})",
    "unknown_value": "'{value}' is not a value of '{name}' (one of: {choices})",
    "not_a_year": "'{value}' is not a year from {first} to this year",
    "repeated": "'{name}' can be given once only",
    "not_a_number": "'{value}' is not a whole number from {minimum} to {maximum}",
    "bad_cursor": "this cursor was not made by this API for this selection: start again without it",
    "cursor_and_page": "give either 'cursor' or 'page', not both",
}


@dataclass(frozen=True)
class ParamError:
    """A parameter refused, and why (``reason`` is a key of :data:`MESSAGES`)."""

    parameter: str
    value: str
    reason: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"parameter": self.parameter, "value": self.value, "reason": self.reason, "message": self.message}


@dataclass(frozen=True)
class Request:
    """A request's parameters once read: the selection (if the endpoint has one) and the rest."""

    endpoint: Endpoint
    selection: Selection = field(default_factory=Selection)
    values: dict[str, Any] = field(default_factory=dict)  # every other parameter, typed (path ones too)

    @property
    def lang(self) -> str:
        return self.values.get("lang") or "en"


def _error(
    param: Param | None, name: str, value: str, reason: str, endpoint: Endpoint, networks_hint: str
) -> ParamError:
    choices = ", ".join(param.choices) if param and param.choices else networks_hint
    text = MESSAGES[reason].format(
        name=name,
        value=value[:80],
        accepted=", ".join(p.name for p in endpoint.params if p.where == "query") or "no parameters",
        choices=choices,
        first=FIRST_YEAR,
        minimum=param.minimum if param else "",
        maximum=param.maximum if param and param.maximum is not None else "",
    )
    return ParamError(name, value[:200], reason, text)


def parse(
    endpoint: Endpoint,
    query: Mapping[str, Sequence[str]],
    *,
    networks: Sequence[str],
    path: Mapping[str, str] | None = None,
) -> tuple[Request, list[ParamError]]:
    """(request, errors) from a query string (each key -> its values) and path parameters.

    Nothing raises: every refusal is a :class:`ParamError` naming the parameter. The selection
    part is read by the directory's own :func:`~aspnet_data.directory.parse_params`, and each
    notice it would show becomes an error.
    """
    declared = {p.name: p for p in endpoint.params if p.where == "query"}
    hint = "the ISO3 code of a national network, e.g. FRA"
    errors: list[ParamError] = []

    def refuse(name: str, value: str, reason: str) -> None:
        errors.append(_error(declared.get(name), name, value, reason, endpoint, hint))

    for name, given_values in query.items():
        if name not in declared:
            refuse(name, (list(given_values) or [""])[0], "unknown_parameter")
    selection = Selection()
    if endpoint.selection:
        selection_keys = {p.name for p in SELECTION_PARAMS} & set(declared)
        own = {k: list(v) for k, v in query.items() if k in selection_keys}
        selection, _, notices = directory.parse_params(own, countries=networks)
        for notice in notices:
            refuse(notice.key, notice.value, notice.reason)
    values: dict[str, Any] = {}
    for param in declared.values():
        if param.name in {p.name for p in SELECTION_PARAMS} and endpoint.selection:
            continue
        given = [v for v in query.get(param.name, []) if v is not None]
        if not given:
            continue
        if len(given) > 1 and not param.repeated:
            refuse(param.name, given[-1], "repeated")
        read = _read(param, given[0])
        if read is None:
            refuse(param.name, given[0], "not_a_number" if param.kind == "integer" else "unknown_value")
        else:
            values[param.name] = read
    for param in endpoint.path_params:
        raw = (path or {}).get(param.name, "")
        read = _read(param, raw)
        if read is None:
            reason = "not_a_number" if param.kind == "integer" else "unknown_value"
            errors.append(_error(param, param.name, raw, reason, endpoint, hint))
        else:
            values[param.name] = read
    if "cursor" in values and "page" in values:
        refuse("cursor", str(query["cursor"][0]), "cursor_and_page")
    if "cursor" in values and not errors:
        decoded = _decode_cursor(values["cursor"], selection)
        if decoded is None:
            refuse("cursor", values["cursor"], "bad_cursor")
        else:
            values["cursor"] = decoded
    return Request(endpoint, selection, values), errors


def _read(param: Param, raw: str) -> Any:
    """The value of ``raw`` for ``param``, or None when it is not one."""
    if param.kind == "integer":
        if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
            return None
        number = int(raw)
        if (param.minimum is not None and number < param.minimum) or (
            param.maximum is not None and number > param.maximum
        ):
            return None
        return number
    if param.kind == "code":
        return profiles.parse_code(raw) if raw.strip().upper() == raw.strip() else None
    if param.choices is not None and raw not in param.choices:
        return None
    return raw


# -- cursors -----------------------------------------------------------------------------
# A cursor names the last row of a page (its sort value and id) and the selection it was made
# for: the next page starts right after that row, wherever rows were added or removed since.


def _fingerprint(sel: Selection) -> str:
    return hashlib.sha256(repr(sel).encode()).hexdigest()[:16]


def make_cursor(sel: Selection, last_value: Any, last_id: int) -> str:
    if isinstance(last_value, datetime):
        last_value = last_value.isoformat()
    raw = json.dumps([_fingerprint(sel), last_value, int(last_id)], separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(text: str, sel: Selection) -> tuple[Any, int] | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        fingerprint, value, last_id = json.loads(raw)
    except (ValueError, TypeError):
        return None
    if fingerprint != _fingerprint(sel) or not isinstance(last_id, int) or isinstance(last_id, bool):
        return None
    if isinstance(value, bool):
        return None
    if sel.sort == "joined" and value is not None and not isinstance(value, int):
        return None
    if sel.sort != "joined" and value is not None and not isinstance(value, str):
        return None
    if sel.sort == "updated" and isinstance(value, str):
        try:
            datetime.fromisoformat(value)
        except ValueError:
            return None
    return value, last_id


# -- queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """Rows an endpoint answers, with what a list answer says about them."""

    frame: pl.DataFrame
    key: str  # the list's name in JSON ("institutions", "networks", ...)
    total: int | None = None  # rows of the whole selection, when paged
    next_query: dict[str, list[str]] | None = None  # the query string of the next page
    point: tuple[str, str] | None = None  # (latitude, longitude) columns, for GeoJSON


def institutions(db: Database, req: Request) -> Table:
    """One page of the directory's selection (by page number or cursor), public fields only."""
    sel, lang = req.selection, req.lang
    per_page = req.values.get("per_page", PER_PAGE)
    page = req.values.get("page", 1)
    where, params = directory.where_sql(db, sel)
    column = SORTS[sel.sort].format(lang=lang)
    cursor = req.values.get("cursor")
    if cursor is not None:
        value, last_id = cursor
        params |= {"c_id": last_id}
        if value is None:
            where += " AND (" + column + " IS NULL AND i.id > $c_id)"
        else:
            params["c_v"] = value
            bound = "CAST($c_v AS TIMESTAMP)" if sel.sort == "updated" else "$c_v"
            after = "<" if sel.descending else ">"
            where += f" AND ({column} {after} {bound} OR ({column} = {bound} AND i.id > $c_id) OR {column} IS NULL)"
    name = f"name_{lang}"
    offset = 0 if cursor is not None else (page - 1) * per_page
    frame = db.analytics.query(
        f"""
        SELECT i.id, i.name, i.name_latin, i.city, i.network, c.{name} AS country, c.region,
               i.latitude, i.longitude, i.levels, i.ownership, i.themes, i.status, i.year_joined,
               i.languages, i.pupils, i.teachers, i.website, i.email, i.updated_at,
               {column} AS sort_value
        FROM institutions i JOIN countries c ON c.iso3 = i.network
        WHERE {where}
        ORDER BY {directory.order_sql(sel, lang)}
        LIMIT {int(per_page) + 1} OFFSET {int(offset)}
        """,
        params,
    )
    total = directory.count(db, sel)
    next_query = None
    if frame.height > per_page:
        frame = frame.head(per_page)
        last = frame.row(per_page - 1, named=True)
        next_query = {**directory.to_params(sel), "per_page": [str(per_page)], "lang": [lang]}
        next_query.pop("page", None)
        next_query["cursor"] = [make_cursor(sel, last["sort_value"], last["id"])]
    return Table(frame.drop("sort_value"), req.endpoint.key, total, next_query, ("latitude", "longitude"))


def institution(db: Database, req: Request) -> dict | None:
    record = profiles.institution_profile(db, req.values["id"])
    if record is None:
        return None
    lang = req.lang
    record["country"] = record.pop(f"country_{lang}")
    for other in LANGUAGES:
        record.pop(f"country_{other}", None)
    return record


def networks(db: Database, req: Request) -> Table:
    listed = profiles.list_networks(db, lang=req.lang)
    capitals = db.analytics.query("SELECT iso3, capital_lat, capital_lon FROM countries")
    frame = listed.join(capitals, on="iso3", how="left")
    return Table(frame, req.endpoint.key, point=("capital_lat", "capital_lon"))


def network(db: Database, req: Request) -> dict | None:
    profile = profiles.network_profile(db, req.values["iso3"])
    if profile is None:
        return None
    record = dict(profile.network)
    record["country"] = record.pop(f"name_{req.lang}")
    for other in LANGUAGES:
        record.pop(f"name_{other}", None)
    return record | {
        "institutions_by_status": profile.by_status,
        "institutions_by_level": profile.by_level,
        "institutions_by_theme": profile.by_theme,
        "growth": profile.growth.to_dicts(),
        "projects": profile.projects.to_dicts(),
    }


DEFINITIONS = {
    "networks": "National networks of ASPnet, each run by a National Coordinator.",
    "member_states": "UNESCO Member States.",
    "member_states_with_network": "UNESCO Member States that have a national network.",
    "associate_members": "UNESCO Associate Members.",
    "active_institutions": "Members and candidates: institutions that have withdrawn are not counted.",
    "institutions_by_status": "Institutions by membership status (candidate, member, withdrawn).",
    "institutions_by_theme": "Active institutions declaring each priority theme (an institution may declare several).",
    "institutions_by_region": "National networks and active institutions per UNESCO region.",
}


def figures(db: Database, req: Request) -> dict:
    o = stats.overview(db)
    return {
        "networks": o.networks,
        "member_states": o.member_states,
        "member_states_with_network": o.member_states_with_network,
        "associate_members": o.associate_members,
        "active_institutions": o.active,
        "institutions_by_status": o.by_status,
        "institutions_by_theme": o.by_theme,
        "institutions_by_region": o.by_region.to_dicts(),
        "definitions": DEFINITIONS,
    }


def _coverage(db: Database, req: Request, part: str, point: tuple[str, str] | None = None) -> Table:
    board = dashboard.dashboard(db, req.selection)
    frame = getattr(board, part)
    if part == "by_country":
        lang = req.lang
        frame = frame.rename({f"name_{lang}": "country"}).drop(
            [c for c in frame.columns if c.startswith("name_") and c != f"name_{lang}"]
        )
        if "capital_lat" not in frame.columns:
            capitals = db.analytics.query("SELECT iso3, capital_lat, capital_lon FROM countries")
            frame = frame.join(capitals, on="iso3", how="left")
    return Table(frame, req.endpoint.key, point=point)


def projects_list(db: Database, req: Request) -> Table:
    frame = projects.list_projects(db, status=req.values.get("status"), theme=req.values.get("theme"))
    return Table(frame, req.endpoint.key)


QUERIES: dict[str, Callable[[Database, Request], Table | dict | None]] = {
    "institutions": institutions,
    "institution": institution,
    "networks": networks,
    "network": network,
    "figures": figures,
    "coverage_theme_region": lambda db, req: _coverage(db, req, "theme_by_region"),
    "coverage_theme_level": lambda db, req: _coverage(db, req, "theme_by_level"),
    "coverage_country": lambda db, req: _coverage(db, req, "by_country", ("capital_lat", "capital_lon")),
    "projects": projects_list,
}


def answer(db: Database, req: Request) -> Table | dict | None:
    """What the endpoint answers for this request (None: no such record)."""
    return QUERIES[req.endpoint.name](db, req)


# -- formats -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, pl.Series):
        return value.to_list()
    raise TypeError(f"not JSON: {type(value).__name__}")


def _dumps(data: Any) -> bytes:
    return json.dumps(data, default=_plain, ensure_ascii=False, separators=(",", ":")).encode()


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists joined by '; ' and cells that a spreadsheet would run as formulas made inert (CSV)."""
    return spreadsheet_safe(frame.with_columns(pl.col(pl.List(pl.String)).list.join("; ")))


def _features(rows: list[dict], point: tuple[str, str]) -> list[dict]:
    lat, lon = point
    out = []
    for row in rows:
        y, x = row.pop(lat, None), row.pop(lon, None)
        geometry = None if y is None or x is None else {"type": "Point", "coordinates": [x, y]}
        out.append({"type": "Feature", "geometry": geometry, "properties": row})
    return out


def encode(result: Table | dict, fmt: str, *, meta: Mapping[str, Any], next_url: str | None = None) -> bytes:
    """The answer as bytes in ``fmt`` (json, csv, geojson, parquet). ``meta`` (data version,
    as-of time, licence) heads the JSON and GeoJSON answers."""
    if isinstance(result, dict):
        if fmt == "geojson":
            record = dict(result)
            feature = _features([record], ("latitude", "longitude"))[0]
            return _dumps(feature | {"meta": dict(meta)})
        return _dumps(dict(meta) | result)
    frame = result.frame
    if fmt == "csv":
        buffer = io.BytesIO()
        _flat(frame).write_csv(buffer)
        return buffer.getvalue()
    if fmt == "parquet":
        buffer = io.BytesIO()
        frame.write_parquet(buffer)
        return buffer.getvalue()
    head: dict[str, Any] = dict(meta)
    if result.total is not None:
        head["total"] = result.total
    head["count"] = frame.height
    if result.total is not None:
        head["next"] = next_url
    rows = frame.to_dicts()
    if fmt == "geojson":
        assert result.point is not None
        return _dumps({"type": "FeatureCollection", **head, "features": _features(rows, result.point)})
    return _dumps(head | {result.key: rows})


def query_string(query: Mapping[str, Sequence[str]]) -> str:
    return urlencode([(k, v) for k, values in query.items() for v in values])


# -- the OpenAPI document ----------------------------------------------------------------


def _row_schema(endpoint: Endpoint) -> dict[str, Any]:
    properties = {}
    for name, kind in endpoint.fields:
        if kind == "array":
            properties[name] = {"type": ["array", "null"], "items": {"type": "string"}}
        else:
            properties[name] = {"type": [kind, "null"]}
    return {"type": "object", "properties": properties}


def _responses(endpoint: Endpoint, fmt: str) -> dict[str, Any]:
    meta = {
        "data_version": {"type": "integer"},
        "as_of": {"type": ["string", "null"], "format": "date-time"},
        "licence": {"type": "object"},
        "attribution": {"type": "string"},
    }
    if fmt == "json" and endpoint.fields and not endpoint.path_params:
        key = endpoint.key
        body: dict[str, Any] = {
            "type": "object",
            "properties": meta
            | {"count": {"type": "integer"}, key: {"type": "array", "items": _row_schema(endpoint)}}
            | (
                {"total": {"type": "integer"}, "next": {"type": ["string", "null"]}}
                if endpoint.name == "institutions"
                else {}
            ),
        }
    elif fmt == "json":
        body = {"type": "object", "properties": meta}
    elif fmt == "geojson":
        body = {"type": "object", "properties": {"type": {"type": "string"}}}
    else:
        body = {"type": "string", "format": "binary"} if fmt == "parquet" else {"type": "string"}
    media = MEDIA_TYPES[fmt].split(";")[0]
    error = {"$ref": "#/components/responses/BadParameter"}
    out: dict[str, Any] = {
        "200": {
            "description": "The answer; its ETag is the data version: send it back as If-None-Match.",
            "headers": {"ETag": {"schema": {"type": "string"}}},
            "content": {media: {"schema": body}},
        },
        "304": {"description": "Not modified since the ETag given in If-None-Match."},
        "400": error,
        "429": {"$ref": "#/components/responses/TooManyRequests"},
    }
    if endpoint.path_params:
        out["404"] = {"description": "No such record.", "content": {"application/json": {"schema": {"type": "object"}}}}
    return out


def _parameter(param: Param) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": param.name,
        "in": param.where,
        "description": param.description,
        "required": param.where == "path",
        "schema": param.schema(),
    }
    if param.repeated:
        out |= {"style": "form", "explode": True}
    if param.example is not None:
        out["example"] = [param.example] if param.repeated else param.example
    return out


def routes() -> list[tuple[Endpoint, str, str]]:
    """(endpoint, format, path under the site) of every data route: `/api/v1/x` is JSON,
    `/api/v1/x.csv` and the others name their format."""
    out = []
    for endpoint in ENDPOINTS:
        for fmt in endpoint.formats:
            suffix = "" if fmt == "json" else f".{fmt}"
            out.append((endpoint, fmt, f"{BASE}{endpoint.path}{suffix}"))
    return out


DUMP_FORMATS = ("csv", "parquet", "geojson")
_JSON_OBJECT = {"application/json": {"schema": {"type": "object"}}}


def openapi(server_url: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of the API, from :data:`ENDPOINTS`."""
    paths: dict[str, Any] = {}
    for endpoint, fmt, path in routes():
        paths[path] = {
            "get": {
                "operationId": endpoint.name + ("" if fmt == "json" else f"_{fmt}"),
                "summary": endpoint.summary + ("" if fmt == "json" else f" ({fmt.upper()})"),
                "description": endpoint.description,
                "parameters": [_parameter(p) for p in endpoint.params],
                "responses": _responses(endpoint, fmt),
            }
        }
    for fmt in DUMP_FORMATS:
        paths[f"{BASE}/dumps/institutions.{fmt}"] = {
            "get": {
                "operationId": f"dump_{fmt}",
                "summary": f"Every public institution ({fmt.upper()})",
                "description": "The whole network (members and candidates), made again when the data changes; "
                "its checksum and as-of time are in the manifest.",
                "responses": {
                    "200": {"description": "The file.", "content": {MEDIA_TYPES[fmt].split(";")[0]: {"schema": {}}}},
                    "304": {"description": "Not modified."},
                    "429": {"$ref": "#/components/responses/TooManyRequests"},
                },
            }
        }
    paths[f"{BASE}/dumps/manifest.json"] = {
        "get": {
            "operationId": "dumps_manifest",
            "summary": "The bulk files: size, SHA-256, rows, data version and as-of time",
            "responses": {
                "200": {"description": "The manifest.", "content": {"application/json": {"schema": {"type": "object"}}}}
            },
        }
    }
    paths[f"{BASE}/openapi.json"] = {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {
                "200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}
            },
        }
    }
    error_body = {
        "type": "object",
        "required": ["error", "errors"],
        "properties": {
            "error": {"type": "string"},
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["parameter", "reason", "message"],
                    "properties": {k: {"type": "string"} for k in ("parameter", "value", "reason", "message")},
                },
            },
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "ASPnet Atlas open data",
            "version": VERSION,
            "description": "Public data of UNESCO's Associated Schools Network: institutions, national networks, "
            "coverage by priority theme, project spaces. Read-only; every answer carries the data version as its "
            f"ETag. Attribution: {ATTRIBUTION}.",
            "license": {"name": LICENCE["name"], "identifier": "CC-BY-4.0"},
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "responses": {
                "BadParameter": {
                    "description": "A parameter was refused: each error names it and says why.",
                    "content": {"application/json": {"schema": error_body}},
                },
                "TooManyRequests": {
                    "description": "Too many requests from this client: wait the seconds Retry-After says.",
                    "headers": {"Retry-After": {"schema": {"type": "integer"}}},
                },
            }
        },
    }


# -- bulk files --------------------------------------------------------------------------


def dump_frame(db: Database) -> pl.DataFrame:
    """Every public institution (members and candidates) with the API's fields, by id."""
    where, params = directory.where_sql(db, Selection())
    return db.analytics.query(
        f"""
        SELECT i.id, i.name, i.name_latin, i.city, i.network, c.name_en AS country, c.region,
               i.latitude, i.longitude, i.levels, i.ownership, i.themes, i.status, i.year_joined,
               i.languages, i.pupils, i.teachers, i.website, i.email, i.updated_at
        FROM institutions i JOIN countries c ON c.iso3 = i.network
        WHERE {where}
        ORDER BY i.id
        """,
        params,
    )


def _geojson_lines(frame: pl.DataFrame) -> pl.Series:
    """One GeoJSON Feature per row as JSON text, built column-wise (a million rows in seconds)."""
    properties = [c for c in frame.columns if c not in ("latitude", "longitude")]
    geometry = (
        pl.when(pl.col("latitude").is_null() | pl.col("longitude").is_null())
        .then(pl.lit("null"))
        .otherwise(
            pl.concat_str(
                pl.lit('{"type":"Point","coordinates":['),
                pl.col("longitude"),
                pl.lit(","),
                pl.col("latitude"),
                pl.lit("]}"),
            )
        )
    )
    return (
        frame.with_columns(pl.col(pl.Datetime).dt.strftime("%Y-%m-%dT%H:%M:%S%.f"))
        .select(
            pl.concat_str(
                pl.lit('{"type":"Feature","geometry":'),
                geometry,
                pl.lit(',"properties":'),
                pl.struct(properties).struct.json_encode(),
                pl.lit("}"),
            )
        )
        .to_series()
    )


def dump_bytes(frame: pl.DataFrame, fmt: str, meta: Mapping[str, Any]) -> bytes:
    """The whole network as one file in ``fmt`` (csv, parquet, geojson)."""
    if fmt == "geojson":
        head = _dumps({"type": "FeatureCollection", **dict(meta), "count": frame.height})[:-1]
        lines = _geojson_lines(frame) if frame.height else pl.Series([], dtype=pl.String)
        return head + b',"features":[\n' + ",\n".join(lines.to_list()).encode() + b"\n]}"
    return encode(Table(frame, "institutions"), fmt, meta=meta)


def write_dumps(db: Database, folder: Path) -> dict[str, Any]:
    """The manifest of the bulk files of the current data version in ``folder``, writing them
    first if they are missing or of an older version (each file is written whole, then moved in
    place, so a reader never sees half a file; older versions are then deleted)."""
    version = db.data_version
    manifest_path = folder / "manifest.json"
    found = _read_manifest(manifest_path)
    if found is not None and found["data_version"] == version:
        return found
    as_of = db.data_updated_at
    meta = {"data_version": version, "as_of": as_of, "licence": LICENCE, "attribution": ATTRIBUTION}
    frame = dump_frame(db)
    target = folder / f"v{version}"
    work = Path(tempfile.mkdtemp(prefix=".writing-", dir=_made(folder)))
    files: dict[str, Any] = {}
    for fmt in DUMP_FORMATS:
        body = dump_bytes(frame, fmt, meta)
        (work / f"institutions.{fmt}").write_bytes(body)
        files[f"institutions.{fmt}"] = {
            "url": f"{BASE}/dumps/institutions.{fmt}",
            "media_type": MEDIA_TYPES[fmt],
            "bytes": len(body),
            "sha256": hashlib.sha256(body).hexdigest(),
            "rows": frame.height,
        }
    try:
        work.rename(target)
    except OSError:  # another process wrote this version first: its files are the same
        shutil.rmtree(work, ignore_errors=True)
    manifest = {
        "data_version": version,
        "as_of": as_of.isoformat() if as_of else None,
        "generated_at": utc_now().isoformat(),
        "licence": LICENCE,
        "attribution": ATTRIBUTION,
        "files": files,
    }
    staged = folder / f".manifest-{os.getpid()}-{threading.get_ident()}.json"
    staged.write_text(json.dumps(manifest, indent=2))
    os.replace(staged, manifest_path)
    for old in folder.glob("v*"):
        if old.name != target.name and old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
    return manifest


def dump_file(folder: Path, manifest: Mapping[str, Any], fmt: str) -> Path:
    return folder / f"v{manifest['data_version']}" / f"institutions.{fmt}"


def _made(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        found = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    if not all((path.parent / f"v{found['data_version']}" / name).exists() for name in found["files"]):
        return None
    return found
