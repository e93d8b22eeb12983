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
from xml.etree import ElementTree

import polars as pl

from . import audit, certificates, editing
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


@dataclass(frozen=True)
class Plan:
    """What applying a file would do (rows are spreadsheet rows: the header is row 1)."""

    network: str
    errors: pl.DataFrame  # row, id, field, code, params (JSON), warning
    added: pl.DataFrame  # row, then INSTITUTION_FIELDS as they will be stored
    changed: pl.DataFrame  # row, id, field, before, after (one row per changed field)
    withdrawn: pl.DataFrame  # row, id, name
    unchanged: int
    updates: dict[int, dict] = field(default_factory=dict, repr=False)  # id -> changed fields, typed
    baseline: dict[int, dict] = field(default_factory=dict, repr=False)  # id -> those fields as stored then

    @property
    def blocking(self) -> int:
        """Number of errors (not warnings): any one of them prevents applying."""
        return self.errors.filter(~pl.col("warning")).height

    @property
    def empty(self) -> bool:
        return not (self.added.height or self.updates or self.withdrawn.height)


# -- download --------------------------------------------------------------------------------


def template(db: Database, actor: Actor, network: str, fmt: str) -> bytes:
    """The network's active institutions as a file to edit (``csv`` or ``xlsx``)."""
    require(actor, "bulk_apply", network)
    if fmt not in ("csv", "xlsx"):
        raise ValueError(f"unknown template format {fmt!r}")
    frame = db.query(
        f"SELECT id, {', '.join(INSTITUTION_FIELDS)}, '' AS withdraw FROM institutions "
        "WHERE network = ? AND status <> 'withdrawn' ORDER BY id",
        [network],
    )
    return export_bytes(frame, fmt)


# -- upload ------------------------------------------------------------------------------------


def read_file(data: bytes, filename: str) -> pl.DataFrame:
    """An uploaded .csv/.txt or .xlsx as a frame of strings (empty cells are null)."""
    if len(data) > MAX_BYTES:
        raise BulkError("too_large", max_mb=MAX_BYTES / 1024 / 1024)
    if not data.strip():
        raise BulkError("empty")
    suffix = PurePath(filename or "").suffix.lower()
    if suffix == ".xlsx":
        if not data.startswith(b"PK\x03\x04"):
            raise BulkError("not_a_table")
        rows: Sequence[Sequence[str | None]] = _xlsx_rows(data)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(data)
    else:
        raise BulkError("not_a_table", filename=filename)
    return _table(rows)


def _csv_rows(data: bytes) -> list[list[str]]:
    if b"\x00" in data:
        raise BulkError("not_a_table")
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if _CONTROL.search(text):
        raise BulkError("not_a_table")
    header = text.lstrip("\r\n").split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=header.count)
    try:
        return list(csv.reader(io.StringIO(text, newline=""), delimiter=separator))
    except csv.Error as exc:
        raise BulkError("not_a_table") from exc


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _xml_text(element) -> str:
    """Text of a shared or inline string (rich-text runs joined, phonetic hints left out)."""
    parts = []
    for child in element:
        name = _local(child.tag)
        if name == "t":
            parts.append(child.text or "")
        elif name == "r":
            parts += [t.text or "" for t in child if _local(t.tag) == "t"]
    return "".join(parts)


def _number_text(value: str) -> str:
    number = float(value)
    if number.is_integer() and abs(number) < 1e15:
        return str(int(number))
    return repr(number)


def _column_index(ref: str) -> int:
    index = 0
    for ch in ref:
        if not ch.isalpha():
            break
        index = index * 26 + ord(ch.upper()) - 64
    return index - 1


# What a damaged or hostile workbook raises while it is read: each means "not a table".
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    StopIteration,
    ElementTree.ParseError,
    ValueError,
    IndexError,
    TypeError,
    EOFError,
    NotImplementedError,
    RuntimeError,
)


def _xlsx_rows(data: bytes) -> list[list[str | None]]:
    """The first worksheet's cell values (standard library only: zip + XML)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if sum(info.file_size for info in archive.infolist()) > MAX_UNZIPPED_BYTES:
                raise BulkError("too_large", max_mb=MAX_BYTES / 1024 / 1024)
            strings = _shared_strings(archive)
            cells = _sheet_cells(ElementTree.fromstring(archive.read(_first_sheet(archive))), strings)
    except BulkError:
        raise
    except _UNREADABLE as exc:
        raise BulkError("not_a_table") from exc
    if not cells:
        return []
    if max(cells) > MAX_ROWS + 1:
        raise BulkError("too_many_rows", max=MAX_ROWS)
    width = 1 + max(max(row) for row in cells.values())
    return [[cells.get(r, {}).get(c) for c in range(width)] for r in range(1, max(cells) + 1)]


def _first_sheet(archive: zipfile.ZipFile) -> str:
    """The path in the archive of the workbook's first worksheet."""
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = next(e for e in workbook.iter() if _local(e.tag) == "sheet")
    rel_id = next(v for k, v in sheet.attrib.items() if _local(k) == "id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next(e.get("Target") for e in rels if e.get("Id") == rel_id)
    if target is None:
        raise BulkError("not_a_table")
    return target.lstrip("/") if target.startswith("/") else "xl/" + target


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in set(archive.namelist()):
        return []
    table = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
    return [_xml_text(si) for si in table if _local(si.tag) == "si"]


def _sheet_cells(sheet: ElementTree.Element, strings: list[str]) -> dict[int, dict[int, str]]:
    """Row number -> column index -> text of each cell that holds a value."""
    cells: dict[int, dict[int, str]] = {}
    for position, row in enumerate((e for e in sheet.iter() if _local(e.tag) == "row"), start=1):
        row_number = int(row.get("r", position))
        for index, cell in enumerate(c for c in row if _local(c.tag) == "c"):
            ref = cell.get("r")
            value = _cell_text(cell, strings)
            if value is not None:
                cells.setdefault(row_number, {})[_column_index(ref) if ref else index] = value
        if len(cells) > MAX_ROWS + 1:
            raise BulkError("too_many_rows", max=MAX_ROWS)
    return cells


def _cell_text(cell: ElementTree.Element, strings: list[str]) -> str | None:
    """A cell's value as text (None when it has none), whatever its type."""
    value = next((c for c in cell if _local(c.tag) in ("v", "is")), None)
    if value is None:
        return None
    kind, text = cell.get("t", "n"), value.text or ""
    if kind == "inlineStr":
        return _xml_text(value)
    if kind == "s":
        return strings[int(text)]
    if kind == "b":
        return "true" if text.strip() == "1" else "false"
    if kind in ("str", "e", "d"):
        return text
    return _number_text(text)


def _blank(row: Iterable[object]) -> bool:
    return all(v is None or not str(v).strip() for v in row)


def _filled(row: Sequence[str | None], index: int) -> str | None:
    """The cell of ``row`` at ``index`` when it holds something, else None."""
    value = row[index] if index < len(row) else None
    return value if value is not None and value.strip() else None


def _table(table: Sequence[Sequence[str | None]]) -> pl.DataFrame:
    """Header row + data rows -> frame with checked column names (trailing blank rows dropped)."""
    rows = list(table)
    while rows and _blank(rows[-1]):
        rows.pop()
    while rows and _blank(rows[0]):
        rows.pop(0)
    if len(rows) < 2:
        raise BulkError("empty")
    header, data = rows[0], rows[1:]
    if len(data) > MAX_ROWS:
        raise BulkError("too_many_rows", max=MAX_ROWS)
    width = max(len(header), *(len(r) for r in data))
    columns: dict[str, int] = {}
    for i in range(width):
        name = (_filled(header, i) or "").strip().lstrip("\ufeff").strip().lower()
        if not name:
            if all(_filled(r, i) is None for r in data):
                continue  # an empty column (a trailing separator)
            name = f"#{i + 1}"
        if name in columns:
            raise BulkError("duplicate_columns", columns=[name])
        columns[name] = i
    _check_columns(list(columns))
    return pl.DataFrame(
        {
            name: [(from_spreadsheet(cell) if (cell := _filled(r, i)) is not None else None) for r in data]
            for name, i in columns.items()
        },
        schema=dict.fromkeys(columns, pl.String),
    )


def _check_columns(names: list[str]) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if missing:
        raise BulkError("missing_columns", columns=missing)
    unknown = [c for c in names if c not in COLUMNS]
    if unknown:
        raise BulkError("unknown_columns", columns=unknown)


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


def plan(db: Database, actor: Actor, network: str, frame: pl.DataFrame) -> Plan:
    """Validate a file against the network's stored records and say what applying it would do."""
    require(actor, "bulk_apply", network)
    _check_columns(list(frame.columns))
    rows = frame.with_columns(pl.all().cast(pl.String)).to_dicts()
    ids = sorted({i for r in rows if (i := _parse_id((r.get("id") or "").strip())) is not None})
    stored = {
        r["id"]: r
        for r in db.query(
            f"SELECT id, network, status, {', '.join(INSTITUTION_FIELDS)} FROM institutions "
            "WHERE id IN (SELECT unnest(?::BIGINT[]))",
            [ids],
        ).iter_rows(named=True)
    }
    draft = _Draft(network, [f for f in INSTITUTION_FIELDS if f in frame.columns], stored)
    for index, row in enumerate(rows):
        if not _blank(row.values()):
            draft.read(index + 2, row)
    return draft.plan()


@dataclass
class _Draft:
    """A plan as its rows are read (``stored``: the records the file's ids name, by id)."""

    network: str
    present: list[str]  # the institution fields the file has a column for
    stored: dict[int, dict[str, Any]]
    errors: list[tuple[int, str | None, FieldError]] = field(default_factory=list)
    added: list[dict[str, Any]] = field(default_factory=list)
    changed: list[dict[str, Any]] = field(default_factory=list)
    withdrawn: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    baseline: dict[int, dict[str, Any]] = field(default_factory=dict)
    first_row: dict[int, int] = field(default_factory=dict)  # id -> the row that first named it

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
        problems += editing.validate_institution(record, network=self.network)
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
        diff = {k: record[k] for k in INSTITUTION_FIELDS if not _same(record[k], current[k])}
        if not diff:
            self.unchanged += 1
            return
        problems = editing.validate_institution(record, network=self.network)
        self.errors += [(line, raw_id, p) for p in problems]
        if not blocking(problems):
            self.updates[iid] = diff
            self.baseline[iid] = {k: current[k] for k in diff}
            self.changed += [
                {"row": line, "id": iid, "field": k, "before": _show(current[k]), "after": _show(v)}
                for k, v in diff.items()
            ]

    def plan(self) -> Plan:
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
