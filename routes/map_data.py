"""What the maps load over HTTP, beside the page: tiles of schools, country outlines.

GET /tiles/{z}/{x}/{y}.json?<selection>&lang=..&v=<data version>: the world map's tile layer
asks for the tiles of what is on screen; each answer is a
GeoJSON FeatureCollection of the selection's schools in that tile (one feature per school,
or per grid cell when the tile is full: see aspnet_data.maps.map_tile), with its colour,
size and tooltip ready to draw. Tiles are public data: the same filters as the directory,
members and candidates only unless the status filter asks for more.

GET /points.json?<selection>&c=<colour>&lang=..&v=..: up to ASPNET_MAP_POINTS schools, the world
map draws each of them at every zoom instead: the selection's schools of one colour (a theme,
or 'several'), each as its position, id and tooltip only (about 30 bytes a school as sent).

GET /shaded.json?values=FRA:12,KEN:3.5&lang=..: the outlines, the countries named shaded by their
value (the dashboard's and the reports' maps: the values travel in the address, so any replica
answers it and browsers keep it).

GET /outlines.json: the land, drawn under every map (the same for everyone, kept by browsers).
GET /land-style.json: the basemap of the app's own maps: the sea, and the land (the outlines
inside the style) filled and bordered; /shaded-style.json?values=..: the same with the countries
of /shaded.json in their colours (the deck over it only picks the tooltips). Both are drawn by
the chart's map library (Streamlit's pydeck chart draws a mapbox-gl style under the deck), which
cuts the outlines into tiles simplified for each zoom in its web workers; deck.gl drew every
vertex of every border as a path on the page's own thread: about 1.7 s of each map's load in a
browser without a graphics card.
GET /countries.json?<selection>&lang=..&v=..: the outlines shaded by the selection's count per
country, with a tooltip, for the map's countries view.

Answers are kept per (database, data version, selection, language) and shared by every
visitor; a URL names its data version, so browsers may keep the answer for good.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import threading
from collections import OrderedDict

import polars as pl
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from aspnet_data import directory, maps
from aspnet_data.db import shared_database
from aspnet_data.settings import database_path
from aspnet_data.vocab import LANGUAGES
from ui.i18n import format_number, translate
from ui.palette import BORDER, LAND, SEA, SEVERAL_COLOR, THEME_COLORS, breaks_for, choropleth_colour, hex_to_rgb

CELL_COLOUR = [0, 90, 150]
COLOURS = {code: hex_to_rgb(colour) for code, colour in THEME_COLORS.items()} | {"several": hex_to_rgb(SEVERAL_COLOR)}
_KEPT_BYTES = 64 * 1024 * 1024
_kept: OrderedDict[tuple, bytes] = OrderedDict()
_kept_bytes = 0
_lock = threading.Lock()


def _labels(lang: str, kind: str, codes) -> str:
    return ", ".join(translate(lang, f"{kind}.{code}") for code in codes)


def _cell_radius(count: int) -> float:
    """Pixels: grows with the count (and its digits, so the number written in it fits), and
    stays inside its 64-pixel cell."""
    return min(26.0, 10.0 + 3.0 * math.log10(max(count, 1)) + 0.12 * math.sqrt(count))


def features(tile: maps.Tile, lang: str) -> dict:
    """The tile as GeoJSON with what the map needs to draw it (colour, radius, label, tooltip)."""
    out = [_school(row, lang) for row in tile.points] + [_cell(row, tile.z, lang) for row in tile.cells]
    return {"type": "FeatureCollection", "features": out}


def _school(row: dict, lang: str) -> dict:
    tip = "\n".join(
        part
        for part in (
            row["name"],
            row["city"] or "",
            _labels(lang, "level", row["levels"]),
            _labels(lang, "theme", row["themes"]),
            translate(lang, "map.school_click"),
        )
        if part
    )
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(row["lon"], 5), round(row["lat"], 5)]},
        "properties": {"id": row["id"], "col": COLOURS[row["colour"]], "r": 6, "label": "", "tip": tip},
    }


def _cell(row: dict, z: int, lang: str) -> dict:
    count = row["institutions"]
    tip = translate(lang, "count.institutions", count=count) + "\n" + translate(lang, "map.cell_click")
    # The label is drawn with the map's ASCII font: an ordinary space groups French thousands.
    label = format_number(lang, count).replace("\u202f", " ")
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [round(row["lon"], 4), round(row["lat"], 4)]},
        "properties": {
            "n": count,
            "col": CELL_COLOUR,
            "r": round(_cell_radius(count), 1),
            "label": label,
            "bbox": [round(row[k], 4) for k in ("south", "west", "north", "east")],
            "z": z,
            "tip": tip,
        },
    }


def kept(key: tuple, make) -> bytes:
    """``make()`` as compact JSON, computed once per key and kept for every visitor."""
    return kept_bytes(key, lambda: json.dumps(make(), ensure_ascii=False, separators=(",", ":")).encode())


def kept_bytes(key: tuple, make) -> bytes:
    """The bytes ``make()`` returns, computed once per key and kept for every visitor (the
    least recently used answers go first past 64 MB)."""
    global _kept_bytes
    with _lock:
        body = _kept.get(key)
        if body is not None:
            _kept.move_to_end(key)
            return body
    body = make()
    with _lock:
        if key not in _kept:
            _kept[key] = body
            _kept_bytes += len(body)
            while _kept_bytes > _KEPT_BYTES and _kept:
                _kept_bytes -= len(_kept.popitem(last=False)[1])
    return body


def countries(db, sel: directory.Selection, lang: str) -> dict:
    """The outlines, each country shaded by the selection's institutions there, with a tooltip
    (networks whose country has no outline, tiny island states, come as a dot at the capital)."""
    counts = maps.country_counts(db, sel)
    breaks = breaks_for(counts["institutions"].to_list())
    extra = {
        row["iso3"]: {
            "fill": choropleth_colour(row["institutions"], breaks),
            "tip": translate(lang, "map.country_tip", country=row[f"name_{lang}"], count=row["institutions"])
            + "\n"
            + translate(lang, "map.country_click"),
        }
        for row in counts.iter_rows(named=True)
    }
    collection = maps.outlines_with(extra, clickable=True)
    shaded = [f for f in collection["features"] if f["properties"]["iso3"] in extra]
    shaded += [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [row["capital_lon"], row["capital_lat"]]},
            "properties": {"iso3": row["iso3"], **extra[row["iso3"]]},
        }
        for row in counts.filter(~counts["has_outline"]).iter_rows(named=True)
        if row["capital_lat"] is not None
    ]
    return {"type": "FeatureCollection", "features": shaded}


def _answer(request: Request, body: bytes, version: int | None) -> Response:
    # A URL naming the current data version never changes its answer; an older one gets today's
    # data. The outlines (no version) change only with a new release of the app: kept a day.
    if version is None:
        caching = "public, max-age=86400"
    elif request.query_params.get("v") == str(version):
        caching = "public, max-age=31536000, immutable"
    else:
        caching = "no-cache"
    return Response(
        body,
        media_type="application/json",
        headers={"Cache-Control": caching, "ETag": '"' + hashlib.sha1(body).hexdigest()[:20] + '"'},
    )


def _request(request: Request):
    """(database path, database, selection, language) of a request, read by the directory's own
    rules: whatever the directory ignores in a URL, the map ignores too."""
    path = database_path()
    db = shared_database(path)
    params: dict[str, list[str]] = {}
    for key, value in request.query_params.multi_items():
        params.setdefault(key, []).append(value)
    networks = [code for (code,) in db.rows("SELECT iso3 FROM networks")]
    sel, _, _ = directory.parse_params(params, countries=networks, page_keys=("v", "lang"))
    lang = request.query_params.get("lang")
    return path, db, sel, lang if lang in LANGUAGES else "en"


def _tile(request: Request) -> Response:
    z, x, y = (request.path_params[k] for k in ("z", "x", "y"))
    if not maps.valid_tile(z, x, y):
        return JSONResponse({"error": f"no tile {z}/{x}/{y}"}, status_code=404)
    path, db, sel, lang = _request(request)
    version = db.data_version
    body = kept((path, version, "tile", sel, z, x, y, lang), lambda: features(maps.map_tile(db, sel, z, x, y), lang))
    return _answer(request, body, version)


def each_school(frame: pl.DataFrame, colour: str, lang: str) -> bytes:
    """The schools of one colour as the world map draws them one by one: a JSON array of
    {"p": [lon, lat], "i": id, "tip": tooltip}, the colour being the layer's (one layer a colour).
    Written by polars, not row by row in Python: 37,428 schools in four colours took 224 ms
    that way, 61 ms so (the same bytes)."""
    click = translate(lang, "map.school_click")
    town = pl.col("city").is_not_null() & (pl.col("city") != "")
    tip = (
        pl.when(town)
        .then(pl.concat_str(pl.col("name"), pl.lit("\n"), pl.col("city"), pl.lit("\n" + click)))
        .otherwise(pl.concat_str(pl.col("name"), pl.lit("\n" + click)))
    )
    rows = frame.filter(pl.col("colour") == colour).select(
        pl.concat_list("lon", "lat").alias("p"), pl.col("id").alias("i"), tip.alias("tip")
    )
    return rows.write_json().encode()


def _points(request: Request) -> Response:
    colour = request.query_params.get("c", "")
    if colour not in COLOURS:
        return JSONResponse({"error": f"no colour {colour!r}: one of {', '.join(COLOURS)}"}, status_code=404)
    path, db, sel, lang = _request(request)
    version = db.data_version
    body = kept_bytes(
        (path, version, "each", sel, colour, lang), lambda: each_school(maps.each_school(db, sel), colour, lang)
    )
    return _answer(request, body, version)


_VALUE = re.compile(r"\A([A-Z]{3}):(-?[0-9]{1,12}(?:\.[0-9]{1,6})?)\Z")
MAX_SHADED = 300  # countries in one address


def parse_values(raw: str) -> dict[str, float]:
    """ "FRA:12,KEN:3.5" as {"FRA": 12.0, "KEN": 3.5}; whatever is not ISO3:number is left out."""
    found = {}
    for part in raw.split(",")[:MAX_SHADED]:
        match = _VALUE.match(part.strip())
        if match:
            found[match.group(1)] = float(match.group(2))
    return found


def shaded(db, values: dict[str, float], lang: str) -> dict:
    """The outlines, each country of ``values`` shaded by its value (the map's classes) with a
    tooltip of its name and value; the others are land."""
    names = dict(db.analytics.rows(f"SELECT iso3, name_{lang} FROM countries"))
    breaks = breaks_for(list(values.values()))
    extra = {
        iso3: {
            "fill": choropleth_colour(value, breaks),
            "tip": translate(lang, "map.country_tip", country=names[iso3], count=value),
        }
        for iso3, value in values.items()
        if iso3 in names
    }
    collection = maps.outlines_with(extra)
    for feature in collection["features"]:
        feature["properties"].setdefault("fill", LAND)
        feature["properties"].setdefault("tip", "")
    return collection


def _shaded(request: Request, style: bool = False) -> Response:
    path, db, _, lang = _request(request)
    values = parse_values(request.query_params.get("values", ""))
    make = shaded_style if style else shaded
    key = (path, "shaded-style" if style else "shaded", tuple(sorted(values.items())), lang)
    # The answer depends on the values in its address alone (and the release's outlines).
    return _answer(request, kept(key, lambda: make(db, values, lang)), None)


def _countries(request: Request) -> Response:
    path, db, sel, lang = _request(request)
    version = db.data_version
    return _answer(request, kept((path, version, "countries", sel, lang), lambda: countries(db, sel, lang)), version)


async def tile(request: Request) -> Response:
    return await run_in_threadpool(_tile, request)


async def points(request: Request) -> Response:
    return await run_in_threadpool(_points, request)


async def countries_valued(request: Request) -> Response:
    return await run_in_threadpool(_shaded, request)


async def countries_valued_style(request: Request) -> Response:
    return await run_in_threadpool(_shaded, request, True)


async def countries_shaded(request: Request) -> Response:
    return await run_in_threadpool(_countries, request)


def _rgb(colour: list[int]) -> str:
    """[r, g, b] or [r, g, b, alpha 0-255] as CSS."""
    if len(colour) == 4:
        return "rgba({}, {}, {}, {:.3f})".format(*colour[:3], colour[3] / 255)
    return "rgb({}, {}, {})".format(*colour)


def _style(name: str, data: dict, fill) -> dict:
    """A mapbox-gl style (version 8): the sea, ``data``'s polygons filled with ``fill`` (a colour
    or an expression), and their borders; the GeoJSON inside the style (one request, not the
    style and then, once the library's worker has started, its data)."""
    return {
        "version": 8,
        "name": name,
        "sources": {"land": {"type": "geojson", "data": data}},
        "layers": [
            {"id": "sea", "type": "background", "paint": {"background-color": _rgb(SEA)}},
            {"id": "land", "type": "fill", "source": "land", "paint": {"fill-color": fill}},
            {
                "id": "borders",
                "type": "line",
                "source": "land",
                "paint": {"line-color": _rgb(BORDER), "line-width": 0.5},
            },
        ],
    }


def land_style() -> dict:
    """The land basemap: every country in the land's colour."""
    return _style("ASPnet Atlas land", maps.display_outlines(), _rgb(LAND))


def shaded_style(db, values: dict[str, float], lang: str) -> dict:
    """The basemap of a shaded map (/shaded-style.json): each country of ``values`` in its class's
    colour, the others land (what /shaded.json holds, less its tooltips: the deck picks those)."""
    collection = shaded(db, values, lang)
    coloured = [
        {"type": "Feature", "geometry": f["geometry"], "properties": {"colour": _rgb(f["properties"]["fill"])}}
        for f in collection["features"]
    ]
    return _style(
        "ASPnet Atlas shaded", {"type": "FeatureCollection", "features": coloured}, ["to-color", ["get", "colour"]]
    )


async def basemap(request: Request) -> Response:
    body = await run_in_threadpool(kept, ("land-style",), land_style)
    return _answer(request, body, None)


async def outlines(request: Request) -> Response:
    body = await run_in_threadpool(kept, ("outlines",), maps.display_outlines)
    return _answer(request, body, None)
