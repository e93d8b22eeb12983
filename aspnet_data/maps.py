"""What the map draws for a selection, sized for a browser at any network size.

Up to :data:`POINT_LIMIT` institutions go to the browser as points; past that they are
aggregated in DuckDB into grid cells (count and dominant theme per cell), so the map's
data stays under about 2 MB whether the network has ten thousand or a million schools.
"""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass
from functools import lru_cache

import polars as pl

from . import reference
from .db import Database
from .directory import Selection, where_sql
from .vocab import THEMES

POINT_LIMIT = 8_000
MAX_CELLS = 6_000


@dataclass(frozen=True)
class MapView:
    """Points or cells for the current selection."""

    kind: str                 # "points" or "cells"
    total: int                # institutions in the selection
    rows: list[dict]          # the layer's data
    cell_degrees: float | None
    bounds: tuple[float, float, float, float] | None   # south, west, north, east


def map_view(db: Database, sel: Selection, *, point_limit: int = POINT_LIMIT) -> MapView:
    where, params = where_sql(db, sel)
    total, south, west, north, east = db.rows(
        f"SELECT count(*), min(latitude), min(longitude), max(latitude), max(longitude) "
        f"FROM institutions i WHERE {where} AND latitude IS NOT NULL",
        params,
    )[0]
    bounds = (south, west, north, east) if total else None
    if total <= point_limit:
        frame = db.query(
            f"""
            SELECT i.id, i.name, i.city, i.network, i.levels, i.themes,
                   CASE WHEN len(i.themes) = 1 THEN i.themes[1] ELSE 'several' END AS colour,
                   i.latitude::DOUBLE AS lat, i.longitude::DOUBLE AS lon
            FROM institutions i WHERE {where} AND latitude IS NOT NULL
            ORDER BY i.id
            """,
            params,
        )
        return MapView("points", int(total), frame.to_dicts(), None, bounds)
    cell = _cell_size(bounds, total)
    counts = ", ".join(f"count(*) FILTER (WHERE list_contains(themes, '{t}')) AS {t}" for t in THEMES)
    frame = db.query(
        f"""
        SELECT count(*) AS institutions, avg(latitude)::DOUBLE AS lat, avg(longitude)::DOUBLE AS lon, {counts}
        FROM institutions i WHERE {where} AND latitude IS NOT NULL
        GROUP BY floor(latitude / $cell), floor(longitude / $cell)
        ORDER BY institutions DESC
        LIMIT {MAX_CELLS}
        """,
        {**params, "cell": cell},
    )
    frame = frame.with_columns(
        pl.concat_list(list(THEMES)).list.arg_max().replace_strict(dict(enumerate(THEMES))).alias("colour")
    )
    return MapView("cells", int(total), frame.to_dicts(), cell, bounds)


def _cell_size(bounds, total: int) -> float:
    """Degrees per cell: coarser for wide views and large selections."""
    south, west, north, east = bounds
    extent = max(north - south, (east - west) * 0.6, 0.5)
    return round(max(0.05, extent / 120) * (2 if total > 300_000 else 1), 3)


def country_counts(db: Database, sel: Selection) -> pl.DataFrame:
    """Institutions of the selection per country, with counts per theme (largest first)."""
    where, params = where_sql(db, sel)
    themes = ", ".join(f"count(*) FILTER (WHERE list_contains(i.themes, '{t}')) AS {t}" for t in THEMES)
    return db.query(
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
    import shapely
    from shapely.geometry import mapping, shape

    features = []
    for feature in reference.world_geojson()["features"]:
        geom = shape(feature["geometry"])
        simple = geom.simplify(0.06, preserve_topology=True)
        if simple.is_empty or not simple.is_valid:
            simple = geom
        simple = shapely.set_precision(simple, 0.01)
        if simple.is_empty:
            simple = geom
        features.append({"type": "Feature", "properties": {"iso3": feature["properties"]["iso3"]},
                         "geometry": mapping(simple)})
    return {"type": "FeatureCollection", "features": features}


def outlines_with(values: dict[str, dict]) -> dict:
    """The display outlines with extra properties per country (e.g. counts and colour)."""
    collection = copy.deepcopy(display_outlines())
    for feature in collection["features"]:
        feature["properties"].update(values.get(feature["properties"]["iso3"], {}))
    return collection


def json_size(value) -> int:
    """Bytes of ``value`` as JSON: what the map sends to the browser."""
    return len(json.dumps(value, separators=(",", ":"), default=str).encode())


def zoom_for(bounds: tuple[float, float, float, float] | None, *, width: int = 900,
             height: int = 520) -> tuple[float, float, float]:
    """(latitude, longitude, zoom) that frames ``bounds`` in a map of about width x height pixels."""
    if not bounds:
        return 20.0, 10.0, 1.0
    south, west, north, east = bounds
    lat = (south + north) / 2
    # Web Mercator: 512 px span 360 degrees at zoom 0; latitudes stretch by 1/cos(lat).
    stretch = 1 / max(0.2, math.cos(math.radians(lat)))
    lon_span = max(east - west, 0.02)
    lat_span = max((north - south) * stretch, 0.02)
    zoom = min(math.log2(width * 360 / (512 * lon_span)), math.log2(height * 360 / (512 * lat_span))) - 0.4
    return lat, (west + east) / 2, round(max(0.6, min(11.0, zoom)), 2)
