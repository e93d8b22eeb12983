"""What the map draws for a selection, sized for a browser at any network size.

The world map loads its schools as tiles (the Web Mercator z/x/y scheme that web maps
share): a tile with few schools holds each of them; a tile with more holds grid cells
(count, themes and extent per cell, aggregated in DuckDB). Zooming in loads smaller tiles,
so cells split until single schools show, and what one view loads stays bounded whether
the network has ten thousand or a million schools.

A small fixed set (a project's schools) goes to the browser at once, as a :class:`MapView`.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from . import reference, settings
from .db import Database
from .directory import Notice, Selection, where_sql
from .kept import KeptFrames
from .vocab import THEMES

TILE_GRID = 8  # cells per side of a tile too full to show each school (64 px each)
TILE_POINTS = 600  # schools a tile shows one by one (about 70 KB of GeoJSON)
MAX_TILE_ZOOM = 15  # from this zoom on, a tile shows each of its schools
MAX_ZOOM_POINTS = 5_000  # ... up to this many (schools sharing one spot at street level)


@dataclass(frozen=True)
class MapView:
    """A small fixed set of institutions drawn at once (a project's schools)."""

    total: int  # institutions in the set
    rows: list[dict]  # id, name, city, network, levels, themes, colour, lat, lon
    bounds: tuple[float, float, float, float] | None  # south, west, north, east


@dataclass(frozen=True)
class Tile:
    """The schools of one map tile: single schools, and grid cells where the tile is full."""

    z: int
    x: int
    y: int
    points: list[dict]  # id, name, city, levels, themes, colour, lat, lon
    cells: list[dict]  # institutions, lat, lon, south, west, north, east


def valid_tile(z: int, x: int, y: int) -> bool:
    return 0 <= z <= 22 and 0 <= x < 2**z and 0 <= y < 2**z


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(south, west, north, east) of tile ``z/x/y`` in degrees."""
    n = 2**z

    def lat(row: float) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return lat(y + 1), x / n * 360 - 180, lat(y), (x + 1) / n * 360 - 180


def tile_of(lat: float, lon: float, z: int) -> tuple[int, int]:
    """(x, y) of the tile at zoom ``z`` that holds a place."""
    n = 2**z
    lat = max(-85.0511, min(85.0511, lat))
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2 * n)
    return min(max(x, 0), n - 1), min(max(y, 0), n - 1)


def map_tile(db: Database, sel: Selection, z: int, x: int, y: int) -> Tile:
    """The selection's institutions in tile ``z/x/y``.

    A tile holds up to :data:`TILE_POINTS` schools one by one; a fuller one holds up to
    TILE_GRID x TILE_GRID cells, each with its count, the mean position of its schools (where
    it is drawn) and their extent (where a click zooms to). A cell of one school is that school.
    """
    if not valid_tile(z, x, y):
        raise ValueError(f"no tile {z}/{x}/{y}")
    south, west, north, east = tile_bounds(z, x, y)
    located = _located(db, sel)
    # The north and west edges belong to a tile, the south and east edges to its neighbours;
    # the last row and column of the world keep their outer edge.
    lat, lon = pl.col("lat"), pl.col("lon")
    inside = located.filter(
        (lat >= south)
        & ((lat <= north) if north >= 85 else (lat < north))
        & (lon >= west)
        & ((lon <= east) if x == 2**z - 1 else (lon < east))
    )
    if inside.height <= TILE_POINTS or z >= MAX_TILE_ZOOM:
        return Tile(z, x, y, _points(db, inside["id"].head(MAX_ZOOM_POINTS).to_list()), [])
    # Cells split the tile evenly in degrees: the grouping is all they decide (each is drawn at
    # its schools' mean position).
    cells = (
        inside.group_by(
            ((lon - west) / (east - west) * TILE_GRID).floor().clip(upper_bound=TILE_GRID - 1).alias("cx"),
            ((north - lat) / (north - south) * TILE_GRID).floor().clip(upper_bound=TILE_GRID - 1).alias("cy"),
        )
        .agg(
            pl.len().alias("institutions"),
            lat.mean(),
            lon.mean(),
            lat.min().alias("south"),
            lon.min().alias("west"),
            lat.max().alias("north"),
            lon.max().alias("east"),
            pl.col("id").min(),
        )
        .sort("cy", "cx")
    )
    # A cell of one school shows the school itself.
    alone = cells.filter(pl.col("institutions") == 1)["id"].to_list()
    rows = cells.filter(pl.col("institutions") > 1).drop("cx", "cy", "id").to_dicts()
    return Tile(z, x, y, _points(db, alone), rows)


_LOCATED = KeptFrames(4)  # selections; a million schools take 24 MB each
_EACH = KeptFrames(4)  # selections of at most ASPNET_MAP_POINTS schools: a few MB each
_EACH_SCHEMA = {
    "id": pl.Int64,
    "name": pl.String,
    "city": pl.String,
    "colour": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
}


def forget_located() -> None:
    """Drop the selections' schools kept for the map (they are read again on the next request)."""
    _LOCATED.clear()
    _EACH.clear()


def _located(db: Database, sel: Selection) -> pl.DataFrame:
    """(id, lat, lon) of the selection's schools that have a location, read once per data
    version and selection: the tiles of one view then cost a filter in memory each, instead
    of the selection's whole WHERE (a search, list filters) over the table every time."""

    def read() -> pl.DataFrame:
        where, params = where_sql(db, sel)
        return db.analytics.query(
            f"SELECT i.id, i.latitude::DOUBLE AS lat, i.longitude::DOUBLE AS lon FROM institutions i "
            f"WHERE {where} AND i.latitude IS NOT NULL AND i.longitude IS NOT NULL",
            params,
        )

    return _LOCATED.get(db, sel, read)


def draws_each(db: Database, sel: Selection) -> bool:
    """Whether the world map draws each of the selection's schools at once, at every zoom (up
    to ASPNET_MAP_POINTS of them), rather than tiles of numbered groups."""
    return _located(db, sel).height <= settings.number("ASPNET_MAP_POINTS")


def each_school(db: Database, sel: Selection) -> pl.DataFrame:
    """Every located school of the selection as the world map draws it one by one: id, name,
    city, colour (its one theme, or 'several'), lat and lon rounded to 4 decimals (11 m, finer
    than a pixel below street level); empty past ASPNET_MAP_POINTS (the map loads tiles then).
    Read once per data version and selection."""
    if not draws_each(db, sel):
        return pl.DataFrame(schema=_EACH_SCHEMA)

    def read() -> pl.DataFrame:
        where, params = where_sql(db, sel)
        return db.analytics.query(
            f"""SELECT i.id, i.name, i.city,
                       CASE WHEN len(i.themes) = 1 THEN i.themes[1] ELSE 'several' END AS colour,
                       round(i.latitude::DOUBLE, 4) AS lat, round(i.longitude::DOUBLE, 4) AS lon
                FROM institutions i
                WHERE {where} AND i.latitude IS NOT NULL AND i.longitude IS NOT NULL
                ORDER BY i.id""",
            params,
        )

    return _EACH.get(db, sel, read)


def _points(db: Database, ids: list[int]) -> list[dict]:
    """What a map shows of each school: name, town, levels, themes, colour and position."""
    if not ids:
        return []
    rows = db.analytics.rows(
        """SELECT i.id, i.name, i.city, i.levels, i.themes,
                  CASE WHEN len(i.themes) = 1 THEN i.themes[1] ELSE 'several' END,
                  i.latitude::DOUBLE, i.longitude::DOUBLE
           FROM institutions i WHERE i.id IN (SELECT unnest($ids)) ORDER BY i.id""",
        {"ids": ids},
    )
    keys = ("id", "name", "city", "levels", "themes", "colour", "lat", "lon")
    return [dict(zip(keys, row)) for row in rows]


MAP_MODES = ("schools", "countries")
VIEW_KEYS = ("view", "lat", "lon", "zoom")


@dataclass(frozen=True)
class View:
    """What the world map shows, as kept in its URL: ?view=countries&lat=..&lon=..&zoom=.."""

    mode: str = "schools"
    lat: float | None = None
    lon: float | None = None
    zoom: float | None = None

    @property
    def centred(self) -> bool:
        return self.lat is not None and self.lon is not None and self.zoom is not None


def parse_view(params: Mapping[str, Sequence[str]]) -> tuple[View, list[Notice]]:
    """The map's view from URL parameters; a value out of range is dropped with a notice."""
    notices: list[Notice] = []

    def number(key: str, low: float, high: float) -> float | None:
        raw = next(iter(params.get(key) or ()), None)
        if raw is None or raw == "":
            return None
        try:
            value = float(raw)
        except ValueError:
            value = math.nan
        if not (math.isfinite(value) and low <= value <= high):
            notices.append(Notice(key, raw, "unknown_value"))
            return None
        return value

    mode = (params.get("view") or ["schools"])[0]
    if mode not in MAP_MODES:
        notices.append(Notice("view", mode, "unknown_value"))
        mode = "schools"
    lat, lon, zoom = number("lat", -85, 85), number("lon", -180, 180), number("zoom", 0, 20)
    if None in (lat, lon, zoom):
        lat = lon = zoom = None
    return View(mode, lat, lon, zoom), notices


def view_params(view: View) -> dict[str, list[str]]:
    """URL parameters of a view (the default view leaves the URL clean)."""
    out = {} if view.mode == "schools" else {"view": [view.mode]}
    if view.centred:
        out |= {"lat": [f"{view.lat:.4f}"], "lon": [f"{view.lon:.4f}"], "zoom": [f"{view.zoom:.2f}"]}
    return out


def selection_extent(db: Database, sel: Selection) -> tuple[int, tuple[float, float, float, float] | None]:
    """(institutions with a location, (south, west, north, east) around them) of a selection."""
    where, params = where_sql(db, sel)
    total, south, west, north, east = db.analytics.rows(
        f"SELECT count(*), min(latitude), min(longitude), max(latitude), max(longitude) "
        f"FROM institutions i WHERE {where} AND latitude IS NOT NULL",
        params,
    )[0]
    return int(total), ((south, west, north, east) if total else None)


def country_counts(db: Database, sel: Selection) -> pl.DataFrame:
    """Institutions of the selection per country, with counts per theme (largest first)."""
    where, params = where_sql(db, sel)
    themes = ", ".join(f"count(*) FILTER (WHERE list_contains(i.themes, '{t}')) AS {t}" for t in THEMES)
    return db.analytics.query(
        f"""
        SELECT i.network AS iso3, c.name_en, c.name_fr, c.name_es, c.region, c.has_outline,
               c.capital_lat, c.capital_lon, count(*) AS institutions, {themes}
        FROM institutions i JOIN countries c ON c.iso3 = i.network
        WHERE {where}
        GROUP BY ALL
        ORDER BY institutions DESC, iso3
        """,
        params,
    )


@lru_cache(maxsize=1)
def display_outlines() -> dict:
    """Country outlines simplified for drawing (a few hundred KB), ``properties.iso3`` kept."""
    return _outlines(0.06, 0.0)


@lru_cache(maxsize=1)
def clickable_outlines() -> dict:
    """Coarser outlines for a map whose countries are clicked (the countries view): picking
    what is under the pointer draws every vertex once more, and slow devices (phones, a
    browser without a graphics card) lose the click past some tens of thousands of them.
    Islands under a few kilometres across are left out (their country is clicked elsewhere;
    states that are only small islands show as a dot)."""
    return _outlines(0.25, 0.05)


def _outlines(tolerance: float, smallest: float) -> dict:
    import shapely
    from shapely.geometry import MultiPolygon, mapping, shape

    features = []
    for feature in reference.world_geojson()["features"]:
        geom = shape(feature["geometry"])
        if smallest and geom.geom_type == "MultiPolygon":
            parts = [part for part in geom.geoms if part.area >= smallest]
            geom = MultiPolygon(parts) if parts else max(geom.geoms, key=lambda part: part.area)
        simple = geom.simplify(tolerance, preserve_topology=True)
        if simple.is_empty or not simple.is_valid:
            simple = geom
        simple = shapely.set_precision(simple, 0.01)
        if simple.is_empty:
            simple = geom
        features.append(
            {"type": "Feature", "properties": {"iso3": feature["properties"]["iso3"]}, "geometry": mapping(simple)}
        )
    return {"type": "FeatureCollection", "features": features}


def outlines_with(values: dict[str, dict], *, clickable: bool = False) -> dict:
    """The display outlines (or the clickable ones) with extra properties per country (e.g.
    counts and colour)."""
    collection = copy.deepcopy(clickable_outlines() if clickable else display_outlines())
    for feature in collection["features"]:
        feature["properties"].update(values.get(feature["properties"]["iso3"], {}))
    return collection


def json_size(value) -> int:
    """Bytes of ``value`` as JSON: what the map sends to the browser."""
    return len(json.dumps(value, separators=(",", ":"), default=str).encode())


# The narrowest map a page draws: the main column on a phone (390 px less its margins). Maps
# that must show every one of a few places frame them for this width, so that none is left
# outside on a phone (on a wide screen they show more land around them).
NARROWEST_MAP = 360


def zoom_for(
    bounds: tuple[float, float, float, float] | None, *, width: int = 900, height: int = 520, lowest: float = 0.6
) -> tuple[float, float, float]:
    """(latitude, longitude, zoom) that frames ``bounds`` in a map of about width x height pixels,
    never below ``lowest`` (the whole world at 0.6 fills a page-wide map)."""
    if not bounds:
        return 20.0, 10.0, 1.0
    south, west, north, east = bounds
    lat = (south + north) / 2
    # Web Mercator: 512 px span 360 degrees at zoom 0; latitudes stretch by 1/cos(lat).
    stretch = 1 / max(0.2, math.cos(math.radians(lat)))
    lon_span = max(east - west, 0.02)
    lat_span = max((north - south) * stretch, 0.02)
    zoom = min(math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span))) - 0.4
    return lat, (west + east) / 2, round(max(lowest, min(11.0, zoom)), 2)
