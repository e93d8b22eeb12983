"""The directory of institutions: a selection (search, facets, years, sort) and what it shows.

A :class:`Selection` is plain data that round-trips through URL parameters. Facets are
declared once in :data:`FACETS`; every query is built from that table, with values bound
as parameters. Counts follow Datasette's rule: a facet's counts apply every other filter
but its own, so choosing a value narrows the other facets.

Withdrawn institutions leave the directory: unless the status facet asks for them, the
directory shows members and candidates only (the status facet still counts them).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

import polars as pl

from .db import Database, Schema
from .errors import ExportTooLarge
from .text import fold, spreadsheet_safe
from .vocab import FIRST_YEAR, LEVELS, OWNERSHIP, REGIONS, STATUSES, THEMES

PAGE_SIZE = 25
MAX_TOKENS = 8  # search words used; the rest are ignored
MAX_TOKEN_LENGTH = 60  # characters kept of each word
MAX_EXCEL_ROWS = 200_000


@dataclass(frozen=True)
class Facet:
    """One way to narrow the directory, and the column it narrows on."""

    key: str  # URL parameter and label key (facet.<key>)
    column: str  # column of `institutions`
    multi_valued: bool = False  # a list column: a row matches if it has any chosen value
    vocabulary: tuple[str, ...] | None = None  # allowed codes; None: codes from the data


FACETS: tuple[Facet, ...] = (
    Facet("region", "network", vocabulary=REGIONS),  # regions select their networks
    Facet("country", "network"),
    Facet("level", "levels", multi_valued=True, vocabulary=LEVELS),
    Facet("theme", "themes", multi_valued=True, vocabulary=THEMES),
    Facet("ownership", "ownership", vocabulary=OWNERSHIP),
    Facet("status", "status", vocabulary=STATUSES),
)
FACET_BY_KEY = {f.key: f for f in FACETS}
DEFAULT_STATUSES = ("member", "candidate")

# Sort keys for the URL -> SQL ordering (identifiers from this table only).
SORTS: dict[str, str] = {
    "name": "i.name_latin",
    "city": "i.city",
    "country": "c.name_{lang}",
    "joined": "i.year_joined",
    "updated": "i.updated_at",
}


@dataclass(frozen=True)
class Selection:
    """What the user asked the directory (or the map) for."""

    q: str = ""
    filters: tuple[tuple[str, tuple[str, ...]], ...] = ()  # (facet key, chosen codes), facets order
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "name"
    descending: bool = False

    def values(self, key: str) -> tuple[str, ...]:
        return dict(self.filters).get(key, ())

    def with_values(self, key: str, values: Sequence[str]) -> Selection:
        chosen = dict(self.filters)
        chosen[key] = tuple(dict.fromkeys(values))
        ordered = tuple((f.key, chosen[f.key]) for f in FACETS if chosen.get(f.key))
        return replace(self, filters=ordered)

    def without(self, key: str) -> Selection:
        if key == "q":
            return replace(self, q="")
        if key == "year":
            return replace(self, year_from=None, year_to=None)
        return self.with_values(key, ())

    @property
    def narrowed(self) -> bool:
        """True when anything narrows the selection (search, a facet or years)."""
        return bool(self.q.strip() or self.filters or self.year_from or self.year_to)

    def active_parts(self) -> list[str]:
        """The parts that narrow it, in the order a user would drop them (last added last)."""
        parts = ["q"] if self.q.strip() else []
        parts += [key for key, _ in self.filters]
        if self.year_from is not None or self.year_to is not None:
            parts.append("year")
        return parts


@dataclass(frozen=True)
class Notice:
    """A URL parameter that was ignored, and why (``reason`` is an i18n key suffix)."""

    key: str
    value: str
    reason: str  # unknown_parameter | unknown_value | not_a_year | repeated


URL_KEYS = ("q", *FACET_BY_KEY, "from", "to", "sort", "page")


def parse_params(
    params: Mapping[str, Sequence[str]], *, countries: Sequence[str], page_keys: Sequence[str] = ()
) -> tuple[Selection, int, list[Notice]]:
    """(selection, page number, notices) from URL parameters (each key -> its values).

    Unknown keys, unknown values, wrong types and repeated single-valued keys are
    dropped with a notice; nothing in a URL raises. ``page_keys`` are parameters the page
    itself reads (the map's view, the dashboard's tab): not part of the selection, not unknown.
    """
    notices: list[Notice] = []
    known_countries = set(countries)

    def single(key: str) -> str | None:
        values = [v for v in params.get(key, []) if v is not None]
        if len(values) > 1:
            notices.append(Notice(key, values[-1], "repeated"))
        return values[0] if values else None

    def year(key: str) -> int | None:
        raw = single(key)
        if raw is None or raw == "":
            return None
        try:
            value = int(raw)
        except ValueError:
            notices.append(Notice(key, raw, "not_a_year"))
            return None
        if not FIRST_YEAR <= value <= datetime.now().year:
            notices.append(Notice(key, raw, "not_a_year"))
            return None
        return value

    sel = Selection(q=(single("q") or "")[:500])
    for facet in FACETS:
        allowed = set(facet.vocabulary) if facet.vocabulary is not None else known_countries
        raw = params.get(facet.key, [])
        good = [v for v in raw if v in allowed]
        notices += [Notice(facet.key, v, "unknown_value") for v in raw if v not in allowed]
        if good:
            sel = sel.with_values(facet.key, good)
    year_from, year_to = year("from"), year("to")
    if year_from and year_to and year_from > year_to:
        year_from, year_to = year_to, year_from
    sort = single("sort") or "name"
    descending = sort.startswith("-")
    if sort.lstrip("-") not in SORTS:
        notices.append(Notice("sort", sort, "unknown_value"))
        sort, descending = "name", False
    page_raw = single("page")
    page = 1
    if page_raw is not None:
        if re.match(r"^[0-9]{1,7}\Z", page_raw) and int(page_raw) > 0:
            page = int(page_raw)
        else:
            notices.append(Notice("page", page_raw, "unknown_value"))
    notices += [
        Notice(k, (list(v) or [""])[0], "unknown_parameter")
        for k, v in params.items()
        if k not in URL_KEYS and k != "lang" and k not in page_keys
    ]
    sel = replace(sel, year_from=year_from, year_to=year_to, sort=sort.lstrip("-"), descending=descending)
    return sel, page, notices


def to_params(sel: Selection, *, page: int = 1) -> dict[str, list[str]]:
    """URL parameters for a selection (defaults left out, so links stay short)."""
    out: dict[str, list[str]] = {}
    if sel.q.strip():
        out["q"] = [sel.q]
    for key, values in sel.filters:
        out[key] = list(values)
    if sel.year_from is not None:
        out["from"] = [str(sel.year_from)]
    if sel.year_to is not None:
        out["to"] = [str(sel.year_to)]
    if sel.sort != "name" or sel.descending:
        out["sort"] = [("-" if sel.descending else "") + sel.sort]
    if page > 1:
        out["page"] = [str(page)]
    return out


# -- SQL -------------------------------------------------------------------------------


@dataclass
class _Where:
    clauses: list[str] = field(default_factory=list)
    params: dict[str, object] = field(default_factory=dict)

    def sql(self) -> str:
        return " AND ".join(self.clauses) if self.clauses else "true"


def search_tokens(q: str) -> list[str]:
    """The folded words of a search: accent-, case- and script-insensitive."""
    return [token[:MAX_TOKEN_LENGTH] for token in fold(q).split()][:MAX_TOKENS]


def _country_index(db: Database) -> list[tuple[str, str, str]]:
    """(iso3, region, folded names in three languages) of every country.

    Countries are reference data no edit changes, so this is read once per open database
    (a data-version check on every search would cost more than the rest of its Python)."""
    key = (db.path, id(db))
    cached = _COUNTRY_INDEX.get(key)
    if cached is None:
        rows = db.analytics.rows("SELECT iso3, region, name_en, name_fr, name_es FROM countries ORDER BY iso3")
        cached = [(iso3, region, " | ".join(fold(n) for n in names)) for iso3, region, *names in rows]
        _COUNTRY_INDEX.clear()
        _COUNTRY_INDEX[key] = cached
    return cached


_COUNTRY_INDEX: dict[tuple[str, int], list[tuple[str, str, str]]] = {}
_PAGE_SCHEMA: Schema = {
    "id": pl.Int64,
    "name": pl.String,
    "name_latin": pl.String,
    "city": pl.String,
    "network": pl.String,
    "country": pl.String,
    "region": pl.String,
    "levels": pl.List(pl.String),
    "themes": pl.List(pl.String),
    "status": pl.String,
    "year_joined": pl.Int32,
    "ownership": pl.String,
}


def _where(
    db: Database, sel: Selection, *, skip: str | None = None, alias: str = "i", prefix: str = "p", search: bool = True
) -> _Where:
    """The WHERE of a selection over `institutions AS alias`, leaving out facet ``skip``.

    Parameter names start with ``prefix`` so several WHEREs can share one statement.
    """
    w = _Where()
    p = prefix
    index = None

    def bind(values: Sequence[str], name: str) -> str:
        # One parameter per value: DuckDB turns `x IN (...)` into a fast hash lookup,
        # much faster than list_contains over a list parameter.
        names = []
        for k, value in enumerate(values):
            w.params[f"{name}_{k}"] = value
            names.append(f"${name}_{k}")
        return ", ".join(names) if names else "NULL"

    for n, token in enumerate(search_tokens(sel.q) if search else []):
        index = index or _country_index(db)
        # A word matches a school's names or city, or the name of its country in any language.
        w.params[f"{p}t{n}"] = token
        countries = [iso3 for iso3, _, names in index if token in names]
        w.clauses.append(
            f"(contains({alias}.search_text, ${p}t{n}) OR {alias}.network IN ({bind(countries, f'{p}c{n}')}))"
        )
    for key, values in sel.filters:
        if key == skip:
            continue
        facet = FACET_BY_KEY[key]
        name = f"{p}_{key}"
        if key == "region":
            # A semi-join on the small countries table: two parameters, not fifty.
            w.clauses.append(f"{alias}.network IN (SELECT iso3 FROM countries WHERE region IN ({bind(values, name)}))")
        elif facet.multi_valued:
            # list_contains per value is several times faster than list_has_any.
            w.clauses.append(
                "("
                + " OR ".join(f"list_contains({alias}.{facet.column}, {ref})" for ref in bind(values, name).split(", "))
                + ")"
            )
        else:
            w.clauses.append(f"{alias}.{facet.column} IN ({bind(values, name)})")
    if skip != "status" and not sel.values("status"):
        w.clauses.append(f"{alias}.status <> 'withdrawn'")
    if skip != "year":
        if sel.year_from is not None:
            w.clauses.append(f"{alias}.year_joined >= ${p}_from")
            w.params[f"{p}_from"] = sel.year_from
        if sel.year_to is not None:
            w.clauses.append(f"{alias}.year_joined <= ${p}_to")
            w.params[f"{p}_to"] = sel.year_to
    return w


def where_sql(
    db: Database, sel: Selection, *, alias: str = "i", skip: str | None = None, prefix: str = "p"
) -> tuple[str, dict[str, object]]:
    """The WHERE clause and parameters of a selection (for other modules: maps, stats),
    optionally leaving out one facet (``skip``) as facet counts do."""
    w = _where(db, sel, alias=alias, skip=skip, prefix=prefix)
    return w.sql(), w.params


@dataclass(frozen=True)
class FacetCounts:
    """Counts per value of every facet, and the total matching the whole selection."""

    total: int
    counts: dict[str, dict[str, int]]  # facet key -> code -> institutions

    def of(self, key: str, code: str) -> int:
        return self.counts.get(key, {}).get(code, 0)


def facet_counts(db: Database, sel: Selection) -> FacetCounts:
    """Every facet's counts in one statement (each facet ignoring its own filter)."""
    parts, params = [], {}

    # The search is the costly part: run it once into `base`, then count every facet on it.
    found = _where(db, Selection(q=sel.q), prefix="q")
    found.clauses = [c for c in found.clauses if "status" not in c]
    params.update(found.params)
    for facet in FACETS:
        w = _where(db, sel, skip=facet.key, prefix=facet.key, search=False)
        params.update(w.params)
        if facet.key == "region":
            # Counted per network here, summed into regions below.
            parts.append(
                f"SELECT 'region' AS facet, i.network AS value, count(*) AS n "
                f"FROM base i WHERE {w.sql()} GROUP BY i.network"
            )
        elif facet.multi_valued:
            parts.append(
                f"SELECT '{facet.key}', v, count(*) FROM (SELECT unnest(i.{facet.column}) AS v "
                f"FROM base i WHERE {w.sql()}) GROUP BY v"
            )
        else:
            parts.append(
                f"SELECT '{facet.key}', i.{facet.column}, count(*) "
                f"FROM base i WHERE {w.sql()} GROUP BY i.{facet.column}"
            )
    w = _where(db, sel, prefix="all", search=False)
    params.update(w.params)
    parts.append(f"SELECT 'total', NULL, count(*) FROM base i WHERE {w.sql()}")
    if found.clauses:
        columns = ", ".join(sorted({f"i.{f.column}" for f in FACETS} | {"i.year_joined"}))
        statement = (
            f"WITH base AS MATERIALIZED (SELECT {columns} FROM institutions i WHERE {found.sql()}) "
            + " UNION ALL ".join(parts)
        )
    else:
        # Without a search there is nothing worth computing once: count straight from the table.
        statement = " UNION ALL ".join(parts).replace("FROM base i", "FROM institutions i")
    rows = db.analytics.rows(statement, params)
    counts: dict[str, dict[str, int]] = {f.key: {} for f in FACETS}
    total = 0
    region_of = {iso3: region for iso3, region, _ in _country_index(db)}
    for facet_key, value, n in rows:
        if facet_key == "total":
            total = int(n)
        elif facet_key == "region":
            region = region_of.get(value) if value is not None else None
            if region is not None:
                counts["region"][region] = counts["region"].get(region, 0) + int(n)
        elif value is not None:
            counts[facet_key][value] = int(n)
    return FacetCounts(total=total, counts=counts)


def order_sql(sel: Selection, lang: str) -> str:
    """The ORDER BY of a selection over `institutions AS i` joined to `countries AS c` (ties by id)."""
    column = SORTS[sel.sort].format(lang=lang if lang in ("en", "fr", "es") else "en")
    direction = "DESC" if sel.descending else "ASC"
    return f"{column} {direction} NULLS LAST, i.id"


def list_institutions(
    db: Database, sel: Selection, *, page: int = 1, page_size: int = PAGE_SIZE, lang: str = "en"
) -> pl.DataFrame:
    """One page of the selection, in its sort order, with the country's name in ``lang``."""
    w = _where(db, sel)
    page = max(1, page)
    name = "name_" + (lang if lang in ("en", "fr", "es") else "en")
    return db.analytics.small_query(
        f"""
        SELECT i.id, i.name, i.name_latin, i.city, i.network, c.{name} AS country, c.region,
               i.levels, i.themes, i.status, i.year_joined, i.ownership
        FROM institutions i JOIN countries c ON c.iso3 = i.network
        WHERE {w.sql()}
        ORDER BY {order_sql(sel, lang)}
        LIMIT {int(page_size)} OFFSET {int((page - 1) * page_size)}
        """,
        w.params,
        _PAGE_SCHEMA,
    )


def count(db: Database, sel: Selection) -> int:
    """How many institutions the selection holds (the directory's total)."""
    w = _where(db, sel)
    return int(db.analytics.rows(f"SELECT count(*) FROM institutions i WHERE {w.sql()}", w.params)[0][0])


EXPORT_COLUMNS = (
    "id",
    "name",
    "name_latin",
    "city",
    "country",
    "region",
    "latitude",
    "longitude",
    "levels",
    "ownership",
    "themes",
    "status",
    "year_joined",
    "languages",
    "pupils",
    "teachers",
    "website",
    "email",
    "updated_at",
)


def export_frame(db: Database, sel: Selection, *, lang: str = "en") -> pl.DataFrame:
    """Every institution of the selection (not just one page), public fields only."""
    w = _where(db, sel)
    name = "name_" + (lang if lang in ("en", "fr", "es") else "en")
    return db.analytics.query(
        f"""
        SELECT i.id, i.name, i.name_latin, i.city, c.{name} AS country, r.{name} AS region,
               i.latitude, i.longitude, i.levels, i.ownership, i.themes, i.status, i.year_joined,
               i.languages, i.pupils, i.teachers, i.website, i.email, i.updated_at
        FROM institutions i
        JOIN countries c ON c.iso3 = i.network
        JOIN regions r ON r.code = c.region
        WHERE {w.sql()}
        ORDER BY {order_sql(sel, lang)}
        """,
        w.params,
    )


def export_full_frame(db: Database, actor, sel: Selection) -> pl.DataFrame:
    """Every stored field of the selection's institutions, withdrawn ones included, with the
    network's private contacts: for analysts and UNESCO staff only."""
    from .permissions import require

    require(actor, "export_full")
    unfiltered = sel if sel.values("status") else sel.with_values("status", ["member", "candidate", "withdrawn"])
    w = _where(db, unfiltered)
    return db.analytics.query(
        f"""
        SELECT i.* EXCLUDE (search_text), n.national_commission, n.coordinator_name, n.coordinator_email,
               n.coordinator_phone
        FROM institutions i JOIN networks n ON n.iso3 = i.network
        WHERE {w.sql()}
        ORDER BY i.id
        """,
        w.params,
    )


def export_bytes(frame: pl.DataFrame, fmt: str) -> bytes:
    """The selection as a file: ``csv`` (UTF-8 with BOM, for spreadsheets), ``xlsx`` or ``parquet``."""
    buffer = io.BytesIO()
    if fmt == "parquet":
        frame.write_parquet(buffer)
        return buffer.getvalue()
    flat = frame.with_columns(pl.col(pl.List(pl.String)).list.join("; "))
    if fmt == "csv":
        buffer.write("\ufeff".encode())
        spreadsheet_safe(flat).write_csv(buffer)
        return buffer.getvalue()
    if fmt == "xlsx":
        if frame.height > MAX_EXCEL_ROWS:
            raise ExportTooLarge(f"{frame.height} rows; Excel export holds at most {MAX_EXCEL_ROWS}")
        flat.write_excel(buffer, worksheet="ASPnet", autofit=frame.height < 5_000)
        return buffer.getvalue()
    raise ValueError(f"unknown export format {fmt!r}")


def year_bounds(db: Database) -> tuple[int, int]:
    """The earliest and latest year any institution joined."""
    low, high = db.analytics.rows("SELECT min(year_joined), max(year_joined) FROM institutions")[0]
    return int(low or FIRST_YEAR), int(high or datetime.now().year)
