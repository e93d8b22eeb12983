"""Bulk updates of one network's institutions from a spreadsheet (CSV or XLSX).

The cycle is download -> edit -> upload -> preview -> apply:

* :func:`template` writes the network's active institutions with their ``id`` and an
  empty ``withdraw`` column.
* :func:`read_file` turns an upload into a frame of strings, refusing anything that is
  not a table of the expected columns (:class:`BulkError`).
* :func:`plan` compares every row with the stored record and validates what would be
  stored: rows with an ``id`` update (or, with ``withdraw`` = yes, withdraw) that
  institution; rows without one are new institutions. Ids of another network, or of no
  institution, are errors: a file can only ever touch the network it is uploaded to.
* :func:`apply` writes a plan without blocking errors in one transaction (all or nothing),
  audited row by row like the edit form.

Uploading the same file again is safe for edits and withdrawals (the second plan is
empty), but a row without an id is a *new* institution every time: after applying,
download a fresh template, where the new institutions have their ids.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

import charset_normalizer
import fastexcel
import polars as pl
from rapidfuzz import fuzz, process

from . import audit, certificates, editing, gazetteer
from . import bulk_mapping as mapping_
from . import validation as check
from .bulk_mapping import Mapping
from .db import Cursor, Database, Schema, utc_now
from .directory import export_bytes
from .editing import INSTITUTION_FIELDS
from .errors import BulkError, FieldError, NotFound
from .permissions import Actor, require
from .text import from_spreadsheet, spreadsheet_safe
from .validation import blocking

MAX_BYTES = 5 * 1024 * 1024  # upload size
MAX_ROWS = 20_000  # data rows
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024  # an xlsx's content once decompressed (zip bombs)

REQUIRED_COLUMNS = ("id", "name", "city", "levels", "ownership", "themes")
COLUMNS = ("id", *INSTITUTION_FIELDS, "withdraw")
WITHDRAW_YES = frozenset({"yes", "oui", "sí", "si", "true", "1", "x"})
WITHDRAW_NO = frozenset({"no", "non", "false", "0"})
_FLOAT_FIELDS = ("latitude", "longitude")
_FLOAT_TOLERANCE = 1e-9  # Excel keeps 15-16 significant digits
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

ADDED_SCHEMA: Schema = {"row": pl.Int64, **editing.INSTITUTION_SCHEMA}
ERRORS_SCHEMA: Schema = {
    "row": pl.Int64,
    "id": pl.String,
    "field": pl.String,
    "code": pl.String,
    "params": pl.String,
    "warning": pl.Boolean,
}
CHANGED_SCHEMA: Schema = {"row": pl.Int64, "id": pl.Int64, "field": pl.String, "before": pl.String, "after": pl.String}
WITHDRAWN_SCHEMA: Schema = {"row": pl.Int64, "id": pl.Int64, "name": pl.String}
MATCHES_SCHEMA: Schema = {
    "row": pl.Int64,
    "id": pl.Int64,
    "name": pl.String,
    "stored": pl.String,
    "reason": pl.String,
    "accepted": pl.Boolean,
}
PLACED_SCHEMA: Schema = {"row": pl.Int64, "id": pl.Int64, "city": pl.String, "town": pl.String, "found": pl.Boolean}


@dataclass(frozen=True)
class Plan:
    """What applying a file would do (rows are the file's rows counted from its header, row 1)."""

    network: str
    errors: pl.DataFrame  # row, id, field, code, params (JSON), warning
    added: pl.DataFrame  # row, then INSTITUTION_FIELDS as they will be stored
    changed: pl.DataFrame  # row, id, field, before, after (one row per changed field)
    withdrawn: pl.DataFrame  # row, id, name
    unchanged: int
    updates: dict[int, dict] = field(default_factory=dict, repr=False)  # id -> changed fields, typed
    baseline: dict[int, dict] = field(default_factory=dict, repr=False)  # id -> those fields as stored then
    matches: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=MATCHES_SCHEMA)
    )  # row, id, name, stored, reason
    placed: pl.DataFrame = field(
        default_factory=lambda: pl.DataFrame(schema=PLACED_SCHEMA)
    )  # row, id, city, town, found
    left_out: int = 0  # rows not imported: a value nothing maps, or mapped to "leave the rows out"
    mapping: dict[str, Any] = field(default_factory=dict, repr=False)  # remembered for the network on apply

    @property
    def blocking(self) -> int:
        """Number of errors (not warnings): any one of them prevents applying."""
        return self.errors.filter(~pl.col("warning")).height

    @property
    def empty(self) -> bool:
        return not (self.added.height or self.updates or self.withdrawn.height)


# -- download --------------------------------------------------------------------------------


def template(db: Database, actor: Actor, network: str, fmt: str, lang: str | None = None) -> bytes:
    """The network's active institutions as a file to edit (``csv`` or ``xlsx``).

    With ``lang`` (en, fr, es) the headers and the levels, themes and ownership are the
    interface's labels in that language, and the Excel file offers them in drop-down lists;
    without it they are the stored codes. Either reads back as it was written."""
    require(actor, "bulk_apply", network)
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown template format {fmt!r}")
    frame = db.query(
        f"SELECT id, {', '.join(INSTITUTION_FIELDS)}, '' AS withdraw FROM institutions "
        "WHERE network = ? AND status <> 'withdrawn' ORDER BY id",
        [network],
    )
    if lang is None:
        return export_bytes(frame, fmt)
    for name, prefix in (("levels", "level"), ("themes", "theme"), ("ownership", "ownership")):
        names = {code: mapping_.label(lang, f"{prefix}.{code}") for code in mapping_.CHOICES[name]}
        column = (
            pl.col(name).list.eval(pl.element().replace(names)) if name != "ownership" else pl.col(name).replace(names)
        )
        frame = frame.with_columns(column)
    headers = {c: mapping_.label(lang, f"field.{c}") for c in frame.columns}
    frame = frame.rename(headers)
    if fmt == "csv":
        return export_bytes(frame, "csv")
    return _template_workbook(frame, lang, headers)


def _template_workbook(frame: pl.DataFrame, lang: str, headers: dict[str, str]) -> bytes:
    """The template as Excel: a drop-down list of labels on the levels, themes and ownership
    columns (several levels or themes are typed separated by semicolons)."""
    import xlsxwriter

    buffer = io.BytesIO()
    flat = spreadsheet_safe(frame.with_columns(pl.col(pl.List(pl.String)).list.join("; ")))
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        flat.write_excel(workbook=book, worksheet="ASPnet", autofit=frame.height < 5_000)
        sheet = book.get_worksheet_by_name("ASPnet")
        lists = book.add_worksheet("lists")
        lists.hide()
        last = max(frame.height + 500, 1000)
        for index, (name, prefix) in enumerate((("levels", "level"), ("themes", "theme"), ("ownership", "ownership"))):
            choices = [mapping_.label(lang, f"{prefix}.{code}") for code in mapping_.CHOICES[name]]
            lists.write_column(0, index, choices)
            letter = "ABC"[index]
            sheet.data_validation(
                1,
                frame.columns.index(headers[name]),
                last,
                frame.columns.index(headers[name]),
                {
                    "validate": "list",
                    "source": f"=lists!${letter}$1:${letter}${len(choices)}",
                    "error_type": "information",
                    "ignore_blank": True,
                },
            )
    return buffer.getvalue()


# -- upload ------------------------------------------------------------------------------------

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (BIFF in an OLE container)
_WORKBOOKS = {".xlsx": _ZIP_MAGIC, ".xlsm": _ZIP_MAGIC, ".ods": _ZIP_MAGIC, ".xls": _OLE_MAGIC}
_TEXTS = (".csv", ".txt", ".tsv")
SUFFIXES = tuple(s.lstrip(".") for s in (*_TEXTS, *_WORKBOOKS))
# Encodings charset_normalizer can tell apart reliably (other scripts than Latin); a file in
# a Latin single-byte encoding is read as Windows-1252, which spreadsheets write in Western
# Europe and the Americas.
_NON_LATIN = frozenset(
    {
        "cp1251",
        "koi8_r",
        "koi8_u",
        "iso8859_5",
        "mac_cyrillic",
        "cp866",
        "cp1253",
        "iso8859_7",
        "cp1255",
        "iso8859_8",
        "cp1256",
        "iso8859_6",
        "cp874",
        "tis_620",
        "gb18030",
        "gb2312",
        "gbk",
        "big5",
        "big5hkscs",
        "shift_jis",
        "cp932",
        "euc_jp",
        "euc_kr",
        "cp949",
        "iso2022_jp",
    }
)
HEADER_SEARCH = 10  # rows above the header a file may have (a title, a date, blank lines)


@dataclass(frozen=True)
class Table:
    """An uploaded table: its rows as a frame, and the spreadsheet row of the first of them
    (2 when the header is the file's first row; more below a title)."""

    frame: pl.DataFrame
    first_row: int


def read_file(data: bytes, filename: str) -> pl.DataFrame:
    """An uploaded table as it is: :func:`read_table`'s frame."""
    return read_table(data, filename).frame


def read_table(data: bytes, filename: str) -> Table:
    """An uploaded table as it is: its header row's text as column names (a title row above it
    is skipped), every cell as a string, empty cells null. CSV and text (any separator, the
    encoding detected), Excel (.xlsx, .xls) and OpenDocument (.ods)."""
    if len(data) > MAX_BYTES:
        raise BulkError("too_large", max_mb=MAX_BYTES / 1024 / 1024)
    if not data.strip():
        raise BulkError("empty")
    suffix = PurePath(filename or "").suffix.lower()
    if suffix in _WORKBOOKS:
        if not data.startswith(_WORKBOOKS[suffix]):
            raise BulkError("not_a_table")
        rows: Sequence[Sequence[str | None]] = _workbook_rows(data, zipped=_WORKBOOKS[suffix] == _ZIP_MAGIC)
    elif suffix in _TEXTS:
        rows = _csv_rows(data)
    else:
        raise BulkError("not_a_table", filename=filename)
    return _table(rows)


def _decode(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with a BOM, a non-Latin
    single- or multi-byte encoding when charset_normalizer recognises one, else Windows-1252."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise BulkError("not_a_table") from exc
    if b"\x00" in data:
        raise BulkError("not_a_table")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(data[:200_000]).best()
    if best is not None and best.encoding in _NON_LATIN:
        return data.decode(best.encoding, errors="replace")
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _separator(text: str) -> str:
    """The column separator, from the first lines (csv.Sniffer; else the most used one)."""
    lines = [line for line in text.splitlines()[: HEADER_SEARCH + 20] if line.strip()]
    sample = "\n".join(lines)
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        widest = max(lines, key=lambda line: max(line.count(c) for c in ",;\t|"), default="")
        return max((",", ";", "\t", "|"), key=widest.count)


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    if _CONTROL.search(text):
        raise BulkError("not_a_table")
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=_separator(text)))
    except csv.Error as exc:
        raise BulkError("not_a_table") from exc


def _workbook_rows(data: bytes, *, zipped: bool) -> list[list[str | None]]:
    """The first worksheet's cells as text (calamine, through fastexcel). A zipped workbook
    (.xlsx, .ods) whose content would unpack past :data:`MAX_UNZIPPED_BYTES` is refused before
    it is read."""
    if zipped:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                    raise BulkError("too_large", max_mb=MAX_BYTES / 1024 / 1024)
        except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError) as exc:
            raise BulkError("not_a_table") from exc
    try:
        reader = fastexcel.read_excel(data)
        if not reader.sheet_names:
            raise BulkError("empty")
        sheet = reader.load_sheet(0, header_row=None, dtypes="string", n_rows=MAX_ROWS + HEADER_SEARCH + 2)
        frame = sheet.to_polars()
    except BulkError:
        raise
    except Exception as exc:  # calamine's errors (a damaged or hostile workbook) mean "not a table"
        raise BulkError("not_a_table") from exc
    if frame.height > MAX_ROWS + HEADER_SEARCH + 1:
        raise BulkError("too_many_rows", max=MAX_ROWS)
    return [list(row) for row in frame.iter_rows()]


def _blank(row: Iterable[object]) -> bool:
    return all(v is None or not str(v).strip() for v in row)


def _filled(row: Sequence[str | None], index: int) -> str | None:
    """The cell of ``row`` at ``index`` when it holds something, else None."""
    value = row[index] if index < len(row) else None
    return value if value is not None and value.strip() else None


def _count(row: Sequence[str | None]) -> int:
    return sum(1 for v in row if v is not None and v.strip())


def _header_index(rows: Sequence[Sequence[str | None]]) -> int:
    """Which of the first rows is the header: the first as full as the rows below it (a title
    or a date above the table fills one or two cells)."""
    widths = sorted(_count(r) for r in rows[: HEADER_SEARCH + 20])
    typical = widths[len(widths) // 2] if widths else 0
    for i, row in enumerate(rows[:HEADER_SEARCH]):
        if _count(row) >= max(2, (typical * 3 + 4) // 5) or _count(row) == typical:
            return i
    return 0


def _table(table: Sequence[Sequence[str | None]]) -> Table:
    """Header row + data rows -> frame named by the header (blank rows around dropped)."""
    rows = list(table)
    while rows and _blank(rows[-1]):
        rows.pop()
    lead = 0
    while rows and _blank(rows[0]):
        rows.pop(0)
        lead += 1
    header_at = _header_index(rows) if rows else 0
    rows = rows[header_at:]
    if len(rows) < 2:
        raise BulkError("empty")
    header, data = rows[0], rows[1:]
    if len(data) > MAX_ROWS:
        raise BulkError("too_many_rows", max=MAX_ROWS)
    width = max(len(header), *(len(r) for r in data))
    columns: dict[str, int] = {}
    for i in range(width):
        name = " ".join((_filled(header, i) or "").lstrip("\ufeff").split())
        if not name:
            if all(_filled(r, i) is None for r in data):
                continue  # an empty column (a trailing separator)
            name = f"#{i + 1}"
        unique, n = name, 2
        while unique in columns:  # the same header twice: "Adresse", "Adresse (2)"
            unique, n = f"{name} ({n})", n + 1
        columns[unique] = i
    frame = pl.DataFrame(
        {
            name: [(from_spreadsheet(cell) if (cell := _filled(r, i)) is not None else None) for r in data]
            for name, i in columns.items()
        },
        schema=dict.fromkeys(columns, pl.String),
    )
    if frame.height == 0 or not frame.columns:
        raise BulkError("empty")
    return Table(frame, lead + header_at + 2)


# -- mapping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    """The mapping suggested for a file: each column's field and why, the values nothing reads."""

    columns: list[mapping_.ColumnSuggestion]
    mapping: Mapping
    unknown: pl.DataFrame  # field, value, key, rows


def remembered(db: Database, network: str) -> dict[str, Any] | None:
    """The mapping the network's last import used (header key -> field, values), if any."""
    text = db.scalar("SELECT mapping FROM import_mappings WHERE network = ?", [network])
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def suggest_mapping(db: Database, network: str, frame: pl.DataFrame) -> Suggestion:
    """The field each column of ``frame`` (as :func:`read_file` returns it) holds, and what its
    values mean: the network's last mapping first, then headers and values in English, French
    and Spanish."""
    stored = remembered(db, network)
    columns = mapping_.suggest_columns(frame, mapping_.remembered_columns(stored))
    mapping = Mapping({c.column: c.field for c in columns}, mapping_.remembered_values(stored))
    return Suggestion(columns, mapping, mapping_.unknown_values(frame, mapping))


# -- plan --------------------------------------------------------------------------------------


def _parse_id(raw: str) -> int | None:
    try:
        number = float(raw) if "." in raw else int(raw)
        return int(number) if number == int(number) and number > 0 else None
    except (ValueError, OverflowError):
        return None


def _same(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= _FLOAT_TOLERANCE
    return a == b


def _show(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def plan(
    db: Database, actor: Actor, network: str, frame: pl.DataFrame, mapping: Mapping | None = None, *, first_row: int = 2
) -> Plan:
    """Validate a file against the network's stored records and say what applying it would do.

    ``frame`` is the file as :func:`read_file` returns it; ``mapping`` says what its columns and
    values mean (None: the suggestion of :func:`suggest_mapping` as it stands). Rows with a value
    nothing maps are left out, each reported as a warning. Rows without an id are matched with
    the network's institutions (the same e-mail, website, or town and a similar name), unless
    the mapping rejects their match; rows without coordinates are placed at their town.
    ``first_row``: the spreadsheet row of the frame's first row (:attr:`Table.first_row`), so that
    every row the plan names is the one the person sees in the file."""
    require(actor, "bulk_apply", network)
    if mapping is None:
        mapping = suggest_mapping(db, network, frame).mapping
    if problems := mapping_.mapping_problems(mapping):
        raise BulkError("mapped_twice", columns=sorted(problems))
    if not {"id", "name"} & mapping.mapped:
        raise BulkError("missing_columns", columns=["name"])
    table, left_out = mapping_.canonical(frame, mapping)
    rows = table.to_dicts()
    matches = _matches(db, network, rows, left_out)
    for index, (iid, _reason, _name) in matches.items():
        if index + first_row not in mapping.rejected:
            rows[index]["id"] = str(iid)
    ids = sorted({i for r in rows if (i := _parse_id((r.get("id") or "").strip())) is not None})
    stored = {
        r["id"]: r
        for r in db.query(
            f"SELECT id, network, status, {', '.join(INSTITUTION_FIELDS)} FROM institutions "
            "WHERE id IN (SELECT unnest(?::BIGINT[]))",
            [ids],
        ).iter_rows(named=True)
    }
    cities = sorted({c for c in [*(r.get("city") for r in rows), *(r["city"] for r in stored.values())] if c})
    towns: dict[str, tuple[str | None, float | None, float | None]] = dict(
        zip(cities, gazetteer.place(network, cities).iter_rows())
    )
    draft = _Draft(network, [f for f in INSTITUTION_FIELDS if f in table.columns], stored, towns)
    for index, row in enumerate(rows):
        if _blank(row.values()):
            continue
        if index in left_out:
            draft.leave_out(index + first_row, row, left_out[index])
            continue
        draft.read(index + first_row, row)
    names = table["name"].to_list() if "name" in table.columns else [None] * table.height
    draft.matches = [
        {
            "row": i + first_row,
            "id": iid,
            "name": names[i],
            "stored": stored_name,
            "reason": why,
            "accepted": i + first_row not in mapping.rejected,
        }
        for i, (iid, why, stored_name) in sorted(matches.items())
    ]
    return draft.plan(mapping)


_DIGITS = re.compile(r"\d+")
_NAME_SIMILARITY = 88  # rapidfuzz token-set ratio of two folded names (0-100) that counts as the same school


def _site_key(value: str | None) -> str | None:
    site = check.normalise_website(value) if value else None
    if not site:
        return None
    site = re.sub(r"^https?://(www\.)?", "", site.strip().lower()).rstrip("/")
    return site or None


def _name_key(value: str | None) -> str:
    return mapping_.key(value)


def _similar(a: str, b: str) -> float:
    """How alike two folded names are: the token-set ratio once their word orders are close
    enough ("lycee" alone is not "lycee victor hugo") and their numbers the same ("school no 5"
    is not "school no 6")."""
    if _DIGITS.findall(a) != _DIGITS.findall(b) or fuzz.token_sort_ratio(a, b) < 60:
        return 0.0
    return fuzz.token_set_ratio(a, b)


def _matches(
    db: Database, network: str, rows: list[dict[str, Any]], left_out: dict[int, Any]
) -> dict[int, tuple[int, str, str]]:
    """Row index -> (id, reason, stored name) for the rows without an id that name an
    institution of the network: the same e-mail (``same_email``), the same website
    (``same_website``), or in the same town the same or a similar name across scripts
    (``same_name``, ``similar_name``).

    Only the network's institutions in the file's towns, or with its e-mails or websites, are
    compared: a town's name is folded once, and similar names are found by rapidfuzz among that
    town's names, so a file of 5,000 rows against a network of 100,000 stays well under a second."""
    wanted = [
        i
        for i, r in enumerate(rows)
        if not (r.get("id") or "").strip()
        and i not in left_out
        and not _blank(r.values())
        and (r.get("name") or r.get("email") or r.get("website"))
    ]
    if not wanted:
        return {}
    emails = sorted({e for i in wanted if (e := (rows[i].get("email") or "").strip().lower())})
    sites = sorted({s for i in wanted if (s := _site_key(rows[i].get("website")))})
    town_of = _town_keys({rows[i].get("city") for i in wanted})
    found: dict[int, tuple[int, str, str]] = {}
    by_email: dict[str, tuple[int, str]] = {}
    by_site: dict[str, tuple[int, str]] = {}
    if emails or sites:
        for iid, name, email, site in db.rows(
            # The website keyed as _site_key keys the file's: no scheme, no www., no trailing slash.
            "SELECT id, name, email, site FROM (SELECT id, name, lower(trim(email)) AS email, "
            "rtrim(regexp_replace(lower(trim(website)), '^https?://(www[.])?', ''), '/') AS site "
            "FROM institutions WHERE network = ? AND status <> 'withdrawn') AS keyed "
            "WHERE email IN (SELECT unnest(?::VARCHAR[])) OR site IN (SELECT unnest(?::VARCHAR[])) ORDER BY id",
            [network, emails, sites],
        ):
            if email:
                by_email.setdefault(email, (iid, name))
            if site:
                by_site.setdefault(site, (iid, name))
    towns = {k for k in town_of.values() if k}
    by_town: dict[str, tuple[list[int], dict[str, int], list[str]]] = {}  # town -> ids, key -> index, names
    if towns:
        stored = db.query(
            "SELECT id, name, name_latin, city FROM institutions WHERE network = ? AND status <> 'withdrawn' "
            "ORDER BY id",
            [network],
        )
        stored_towns = _town_keys(set(stored["city"].to_list()))
        stored = stored.with_columns(
            town=pl.col("city").replace_strict(stored_towns, default=None, return_dtype=pl.String)
        ).filter(pl.col("town").is_in(list(towns)))
        # Names keyed in one vectorised pass (accents taken off, lower case, punctuation as
        # spaces, as key() does); a Latin spelling with letters that do not decompose to ASCII
        # (ø, ł, ß) is keyed one by one.
        plain = stored.select(
            pl.coalesce("name_latin", "name").str.normalize("NFKD").str.replace_all(r"\p{M}+", "").str.to_lowercase()
        ).to_series()
        ascii_only = plain.str.contains(r"^[\x00-\x7f]*$").fill_null(False)
        folded = plain.str.replace_all(r"[^a-z0-9]+", " ").str.strip_chars()
        for iid, name, latin, town, k, simple in zip(
            stored["id"], stored["name"], stored["name_latin"], stored["town"], folded, ascii_only
        ):
            ids, town_keys, names = by_town.setdefault(town, ([], {}, []))
            town_keys.setdefault(k if simple else _name_key(latin or name), len(ids))
            ids.append(iid)
            names.append(name)
    for i in wanted:
        row = rows[i]
        email = (row.get("email") or "").strip().lower()
        site = _site_key(row.get("website"))
        if email and email in by_email:
            found[i] = (*by_email[email][:1], "same_email", by_email[email][1])
            continue
        if site and site in by_site:
            found[i] = (*by_site[site][:1], "same_website", by_site[site][1])
            continue
        name = _name_key(row.get("name"))
        candidates = by_town.get(town_of.get(row.get("city")) or "")
        if not name or not candidates:
            continue
        ids, town_names, names = candidates
        if name in town_names:
            at = town_names[name]
            found[i] = (ids[at], "same_name", names[at])
            continue
        best = max(
            (
                (_similar(name, k), town_names[k])
                for k, _score, _at in process.extract(
                    name, town_names.keys(), scorer=fuzz.token_set_ratio, score_cutoff=_NAME_SIMILARITY, limit=5
                )
            ),
            default=(0.0, -1),
        )
        if best[0] >= _NAME_SIMILARITY:
            found[i] = (ids[best[1]], "similar_name", names[best[1]])
    return found


def _town_keys(cities: Iterable[str | None]) -> dict[str | None, str]:
    """Each city's gazetteer key, computed once per distinct spelling."""
    return {c: gazetteer.town_key(c) for c in cities if c}


@dataclass
class _Draft:
    """A plan as its rows are read (``stored``: the records the file's ids name, by id)."""

    network: str
    present: list[str]  # the institution fields the file has a column for
    stored: dict[int, dict[str, Any]]
    towns: dict[str, tuple[str | None, float | None, float | None]]  # city -> gazetteer town, lat, lon
    errors: list[tuple[int, str | None, FieldError]] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    baseline: dict[int, dict[str, Any]] = field(default_factory=dict)
    first_row: dict[int, int] = field(default_factory=dict)  # id -> the row that first named it
    matches: list[dict[str, Any]] = field(default_factory=list)
    placed: list[dict[str, Any]] = field(default_factory=list)
    left_out: int = 0

    def leave_out(self, line: int, row: dict[str, Any], why: list[tuple[str, str]]) -> None:
        """A row left out for a value nothing maps (or mapped to "leave the rows out")."""
        self.left_out += 1
        raw_id = (row.get("id") or "").strip() or None
        for name, value in dict.fromkeys(why):
            self.errors.append((line, raw_id, FieldError(name, "value_left_out", {"value": value}, warning=True)))

    def place(self, line: int, iid: int | None, record: dict[str, Any]) -> list[FieldError]:
        """A record without coordinates placed at its town's centre (a warning either way)."""
        city = record.get("city")
        if not city or record.get("latitude") is not None or record.get("longitude") is not None:
            return []
        town, lat, lon = self.towns.get(city, (None, None, None))
        self.placed.append({"row": line, "id": iid, "city": city, "town": town, "found": town is not None})
        if town is None:
            return [FieldError("city", "town_not_found", {"city": city}, warning=True)]
        record["latitude"], record["longitude"] = lat, lon
        return [FieldError("city", "placed_at_town", {"town": town}, warning=True)]

    def read(self, line: int, row: dict[str, Any]) -> None:
        """Plan one row of the file (``line``: its spreadsheet row)."""
        raw_id = (row.get("id") or "").strip()
        problems: list[FieldError] = []
        mark = (row.get("withdraw") or "").strip().lower()
        if mark and mark not in WITHDRAW_YES | WITHDRAW_NO:
            problems.append(FieldError("withdraw", "unknown_choice", {"values": row["withdraw"].strip()}))
        values = {k: row[k] for k in self.present}
        if not raw_id:
            self._new(line, values, problems, withdraw=mark in WITHDRAW_YES)
            return
        iid = _parse_id(raw_id)
        current = self.stored.get(iid) if iid is not None else None
        if iid is None or current is None:
            problems.append(FieldError("id", "unknown_id", {"id": raw_id}))
        elif current["network"] != self.network:
            problems.append(FieldError("id", "foreign_id", {"id": raw_id}))
        elif iid in self.first_row:
            problems.append(FieldError("id", "duplicate_id", {"id": iid, "first_row": self.first_row[iid]}))
        else:
            self.first_row[iid] = line
        if problems or iid is None or current is None:
            self.errors += [(line, raw_id, p) for p in problems]
        elif mark in WITHDRAW_YES:  # the row's other cells do not matter
            self._withdraw(line, iid, current)
        else:
            self._update(line, raw_id, iid, current, values)

    def _new(self, line: int, values: dict[str, Any], problems: list[FieldError], *, withdraw: bool) -> None:
        if withdraw:
            problems.append(FieldError("withdraw", "withdraw_new"))
        record = editing.complete_institution(
            {**dict.fromkeys(INSTITUTION_FIELDS), **editing.normalise_institution(values)}
        )
        placing = self.place(line, None, record)
        problems += editing.validate_institution(record, network=self.network) + placing
        if not blocking(problems):
            self.added.append({"row": line, **record})
        self.errors += [(line, None, p) for p in problems]

    def _withdraw(self, line: int, iid: int, current: dict[str, Any]) -> None:
        if current["status"] == "withdrawn":
            self.unchanged += 1
        else:
            self.withdrawn.append({"row": line, "id": iid, "name": current["name"]})

    def _update(self, line: int, raw_id: str, iid: int, current: dict[str, Any], values: dict[str, Any]) -> None:
        record = editing.complete_institution(
            {**{k: current[k] for k in INSTITUTION_FIELDS}, **editing.normalise_institution(values)}
        )
        placing = self.place(line, iid, record)
        diff = {k: record[k] for k in INSTITUTION_FIELDS if not _same(record[k], current[k])}
        if not diff:
            self.unchanged += 1
            self.errors += [(line, raw_id, p) for p in placing]
            return
        problems = editing.validate_institution(record, network=self.network) + placing
        self.errors += [(line, raw_id, p) for p in problems]
        if not blocking(problems):
            self.updates[iid] = diff
            self.baseline[iid] = {k: current[k] for k in diff}
            self.changed += [
                {"row": line, "id": iid, "field": k, "before": _show(current[k]), "after": _show(v)}
                for k, v in diff.items()
            ]

    def plan(self, mapping: Mapping | None = None) -> Plan:
        errors = [
            {
                "row": line,
                "id": raw_id,
                "field": p.field,
                "code": p.code,
                "params": json.dumps(p.params, ensure_ascii=False, sort_keys=True, default=str),
                "warning": p.warning,
            }
            for line, raw_id, p in self.errors
        ]
        return Plan(
            network=self.network,
            errors=pl.DataFrame(errors, schema=ERRORS_SCHEMA),
            added=pl.DataFrame(self.added, schema=ADDED_SCHEMA),
            changed=pl.DataFrame(self.changed, schema=CHANGED_SCHEMA),
            withdrawn=pl.DataFrame(self.withdrawn, schema=WITHDRAWN_SCHEMA),
            unchanged=self.unchanged,
            updates=self.updates,
            baseline=self.baseline,
            matches=pl.DataFrame(self.matches, schema=MATCHES_SCHEMA),
            placed=pl.DataFrame(self.placed, schema=PLACED_SCHEMA),
            left_out=self.left_out,
            mapping=mapping.to_json() if mapping is not None else {},
        )


# -- apply -------------------------------------------------------------------------------------


def apply(
    db: Database, actor: Actor, network: str, plan: Plan, *, progress: Callable[[int, int], None] | None = None
) -> dict[str, int]:
    """Write a plan in one transaction: inserts, then updates, then withdrawals, then the audit.

    Set-based: each step is one statement over all its rows, so a file of 20,000 rows takes
    about as long as a handful of single edits. Updates merge the plan's changed fields onto
    the record as stored when the transaction runs (an edit saved since the preview to
    another field is kept), and bump each version once, as the edit form does. If someone
    saved a field the file changes since the preview, nothing is applied
    (BulkError "changed_since_preview"): the file must be previewed again.

    Refused (BulkError "has_errors") while the plan has errors; any failure midway rolls
    everything back. Returns how many institutions were added, changed and withdrawn.
    """
    require(actor, "bulk_apply", network)
    if plan.network != network:
        raise BulkError("wrong_network", network=plan.network)
    if plan.blocking:
        raise BulkError("has_errors", count=plan.blocking)
    inserts = plan.added.drop("row")
    withdrawals = plan.withdrawn["id"].to_list()
    total = inserts.height + len(plan.updates) + len(withdrawals)
    if total == 0:
        return {"added": 0, "changed": 0, "withdrawn": 0}

    def work(cur: Cursor) -> dict[str, int]:
        when = utc_now()
        touched = sorted({*plan.updates, *withdrawals})
        stored = {
            r["id"]: r
            for r in cur.sql(
                f"SELECT {', '.join(editing.INSTITUTION_COLUMNS)} FROM institutions "
                "WHERE id IN (SELECT unnest(?::BIGINT[]))",
                params=[touched],
            )
            .pl()
            .iter_rows(named=True)
        }
        if any(r["network"] != network for r in stored.values()):
            raise BulkError("foreign_id")
        missing = [i for i in touched if i not in stored]
        if missing:
            raise NotFound(missing[0])
        # A field the file changes that someone else saved since the preview: their change
        # would be lost without anyone seeing it, so nothing is applied.
        overtaken = sorted(
            iid for iid, before in plan.baseline.items() if any(not _same(stored[iid][k], v) for k, v in before.items())
        )
        if overtaken:
            rows = plan.changed.filter(pl.col("id").is_in(overtaken))["row"].unique().sort().to_list()
            raise BulkError(
                "changed_since_preview", rows=", ".join(map(str, rows[:10])) + (" …" if len(rows) > 10 else "")
            )
        entries: list[audit.Entry] = []
        done = 0

        def step(count: int) -> None:
            nonlocal done
            done += count
            if progress is not None and count:
                progress(done, total)

        added = _insert_rows(cur, actor, network, inserts, when, entries)
        step(inserts.height)
        changed = _update_rows(cur, actor, plan.updates, stored, when, entries)
        step(len(plan.updates))
        withdrawn = _withdraw_rows(cur, actor, withdrawals, stored, when, entries)
        step(len(withdrawals))
        audit.record_many(cur, entries)
        if plan.mapping:
            cur.execute(
                "INSERT INTO import_mappings VALUES (?, ?, ?, ?) ON CONFLICT (network) DO UPDATE SET "
                "mapping = EXCLUDED.mapping, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by",
                [network, json.dumps(plan.mapping, ensure_ascii=False, sort_keys=True), when, actor.label],
            )
        return {"added": added, "changed": changed, "withdrawn": withdrawn}

    return db.write(work)


def _insert_rows(
    cur: Cursor, actor: Actor, network: str, records: pl.DataFrame, when: datetime, entries: list[audit.Entry]
) -> int:
    if records.is_empty():
        return 0
    ids = sorted(
        r[0]
        for r in cur.sql(
            "SELECT nextval('institution_id_seq') FROM generate_series(1, ?)", params=[records.height]
        ).fetchall()
    )
    rows = records.with_columns(
        id=pl.Series(ids, dtype=pl.Int64),
        network=pl.lit(network),
        status=pl.lit("member"),
        search_text=pl.Series([editing.search_text(r) for r in records.iter_rows(named=True)], dtype=pl.String),
        languages=pl.col("languages").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        created_at=pl.lit(when),
        updated_at=pl.lit(when),
        updated_by=pl.lit(actor.label),
        version=pl.lit(1, dtype=pl.Int32),
    )
    columns = ", ".join(rows.columns)
    cur.register("bulk_new_rows", rows.to_arrow())
    try:
        cur.execute(f"INSERT INTO institutions ({columns}) SELECT {columns} FROM bulk_new_rows")
    finally:
        cur.unregister("bulk_new_rows")
    certificates.issue_certificates(cur, ids, when=when)
    for new_id, record in zip(ids, records.iter_rows(named=True)):
        entries.append(
            audit.Entry(
                actor,
                "institution.create",
                "institutions",
                new_id,
                None,
                {"network": network, **{k: record.get(k) for k in INSTITUTION_FIELDS}},
                when,
            )
        )
    return len(ids)


def _update_rows(
    cur: Cursor,
    actor: Actor,
    updates: dict[int, dict],
    stored: dict[int, dict],
    when: datetime,
    entries: list[audit.Entry],
) -> int:
    merged_rows = []
    for iid, fields in updates.items():
        current = stored[iid]
        diff = {k: v for k, v in fields.items() if v != current[k]}
        if not diff:
            continue
        merged = {**{k: current[k] for k in INSTITUTION_FIELDS}, **diff}
        merged_rows.append({"id": iid, **merged, "search_text": editing.search_text(merged)})
        entries.append(
            audit.Entry(
                actor,
                "institution.update",
                "institutions",
                iid,
                {"network": current["network"], **{k: current[k] for k in diff}},
                {"network": current["network"], **diff},
                when,
            )
        )
    if not merged_rows:
        return 0
    frame = pl.DataFrame(merged_rows, schema={"id": pl.Int64, **editing.INSTITUTION_SCHEMA, "search_text": pl.String})
    sets = ", ".join(f"{k} = u.{k}" for k in (*INSTITUTION_FIELDS, "search_text"))
    cur.register("bulk_updates", frame.to_arrow())
    try:
        cur.execute(
            f"UPDATE institutions SET {sets}, updated_at = ?, updated_by = ?, version = institutions.version + 1 "
            "FROM bulk_updates u WHERE institutions.id = u.id",
            [when, actor.label],
        )
    finally:
        cur.unregister("bulk_updates")
    return len(merged_rows)


def _withdraw_rows(
    cur: Cursor, actor: Actor, ids: list[int], stored: dict[int, dict], when: datetime, entries: list[audit.Entry]
) -> int:
    ids = [i for i in ids if stored[i]["status"] != "withdrawn"]
    if not ids:
        return 0
    cur.execute(
        "UPDATE institutions SET status = 'withdrawn', withdrawn_year = ?, updated_at = ?, updated_by = ?, "
        "version = version + 1 WHERE id IN (SELECT unnest(?::BIGINT[]))",
        [when.year, when, actor.label, ids],
    )
    for iid in ids:
        current = stored[iid]
        entries.append(
            audit.Entry(
                actor,
                "institution.withdraw",
                "institutions",
                iid,
                {
                    "network": current["network"],
                    "status": current["status"],
                    "withdrawn_year": current["withdrawn_year"],
                },
                {"network": current["network"], "status": "withdrawn", "withdrawn_year": when.year},
                when,
            )
        )
    return len(ids)


def report_csv(plan: Plan) -> bytes:
    """The plan's errors and warnings as CSV (UTF-8 with BOM, for spreadsheets)."""
    buffer = io.BytesIO()
    buffer.write("\ufeff".encode())
    spreadsheet_safe(plan.errors.sort("row", maintain_order=True)).write_csv(buffer)
    return buffer.getvalue()
