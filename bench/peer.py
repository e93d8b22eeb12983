#!/usr/bin/env python3
"""The same directory views answered by Datasette over a SQLite copy of the network.

    .venv/bin/python bench/peer.py 10000 out.json

The copy holds what the directory filters and counts on (region denormalised onto each
row, levels and themes as JSON arrays, an index on every facet column), so Datasette gets
every advantage. Each view asks the table's JSON endpoint for one page of 25 rows and the
same six facets (`_facet`, `_facet_array`, all values), with the same filters. Datasette
runs in process (its internal client: no HTTP, no network), with time limits raised so
no facet is skipped at 1,000,000 rows.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from common import DIRECTORY_VIEWS, database, percentiles

from aspnet_data.db import open_database
from aspnet_data.directory import Selection, search_tokens

COLUMNS = (
    "id",
    "name",
    "name_latin",
    "search_text",
    "city",
    "network",
    "region",
    "levels",
    "themes",
    "ownership",
    "status",
    "year_joined",
)
FACETS = [
    ("_facet", "region"),
    ("_facet", "network"),
    ("_facet_array", "levels"),
    ("_facet_array", "themes"),
    ("_facet", "ownership"),
    ("_facet", "status"),
]


def sqlite_copy(size: int) -> Path:
    source = database(size)
    target = source.with_suffix(".sqlite")
    if target.exists():
        return target
    for stale in source.parent.glob(f"aspnet-{size}-*.sqlite"):
        stale.unlink()
    print(f"exporting the {size:,}-institution network to SQLite...", file=sys.stderr, flush=True)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    out = sqlite3.connect(partial)
    out.execute(f"CREATE TABLE institutions ({', '.join(COLUMNS)}, PRIMARY KEY (id))")
    with open_database(source, read_only=True) as db:
        cur = db.cursor().execute(
            """SELECT i.id, i.name, i.name_latin, i.search_text, i.city, i.network, c.region,
                      to_json(i.levels)::VARCHAR, to_json(i.themes)::VARCHAR, i.ownership, i.status, i.year_joined
               FROM institutions i JOIN countries c ON c.iso3 = i.network ORDER BY i.id"""
        )
        while batch := cur.fetchmany(50_000):
            out.executemany(f"INSERT INTO institutions VALUES ({', '.join('?' for _ in COLUMNS)})", batch)
    for column in ("network", "region", "ownership", "status", "year_joined", "name_latin"):
        out.execute(f"CREATE INDEX institutions_{column} ON institutions ({column})")
    out.commit()
    out.execute("ANALYZE")
    out.close()
    partial.rename(target)
    return target


def query_string(sel: Selection) -> str:
    """Datasette's URL for a directory view: the same filters, facets and page."""
    params: list[tuple[str, str]] = []
    for token in search_tokens(sel.q):
        params.append(("search_text__contains", token))
    for key, values in sel.filters:
        column = {"region": "region", "country": "network", "ownership": "ownership", "status": "status"}.get(key)
        if column:
            params.append((f"{column}__in", ",".join(values)))
        else:  # levels, themes: any of the chosen values (one value in every view timed)
            params.append((f"{'levels' if key == 'level' else 'themes'}__arraycontains", values[0]))
    if not sel.values("status"):
        params.append(("status__not", "withdrawn"))
    if sel.year_from is not None:
        params.append(("year_joined__gte", str(sel.year_from)))
    if sel.year_to is not None:
        params.append(("year_joined__lte", str(sel.year_to)))
    column = {"joined": "year_joined", "name": "name_latin"}.get(sel.sort, "name_latin")
    params.append(("_sort_desc" if sel.descending else "_sort", column))
    params += FACETS + [("_facet_size", "max"), ("_size", "25")]
    return urlencode(params)


def run(size: int, repeat: int) -> dict:
    from datasette.app import Datasette

    path = sqlite_copy(size)
    ds = Datasette(
        [str(path)],
        settings={
            "sql_time_limit_ms": 600_000,
            "facet_time_limit_ms": 600_000,
            "suggest_facets": False,
            "max_returned_rows": 1000,
        },
    )
    name = path.stem

    async def views() -> dict:
        out = {}
        for label, sel in DIRECTORY_VIEWS.items():
            url = f"/{name}/institutions.json?{query_string(sel)}"
            samples = []
            for attempt in range(repeat + 1):
                started = time.perf_counter()
                response = await ds.client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                body = response.json()
                if response.status_code != 200 or body.get("facets_timed_out"):
                    raise RuntimeError(f"datasette {label}: {response.status_code} {str(body)[:300]}")
                if attempt:  # the first run warms SQLite's page cache
                    samples.append(elapsed)
            out[label] = percentiles(samples) | {"url": url, "rows": body.get("filtered_table_rows_count")}
        return out

    return asyncio.run(views())


def main() -> None:
    size, target = int(sys.argv[1]), Path(sys.argv[2])
    repeat = 10 if size <= 100_000 else 3
    target.write_text(json.dumps({"institutions": size, "datasette": run(size, repeat)}, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
