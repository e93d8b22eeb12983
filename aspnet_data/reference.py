"""Reference data shipped in ``data/reference/``: regions, countries, towns, outlines.

See ``data/README.md`` for sources and licences.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import polars as pl

from .db import Cursor

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "data" / "reference"

_COUNTRY_SCHEMA = {
    "iso3": pl.String,
    "iso2": pl.String,
    "iso_numeric": pl.Int32,
    "name_en": pl.String,
    "name_fr": pl.String,
    "name_es": pl.String,
    "unesco_status": pl.String,
    "region": pl.String,
    "electoral_group": pl.String,
    "capital": pl.String,
    "capital_lat": pl.Float64,
    "capital_lon": pl.Float64,
    "population": pl.Int64,
    "language": pl.String,
    "script": pl.String,
    "has_outline": pl.Boolean,
}
_TOWN_SCHEMA = {
    "iso3": pl.String,
    "geoname_id": pl.Int64,
    "name": pl.String,
    "name_local": pl.String,
    "lat": pl.Float64,
    "lon": pl.Float64,
    "population": pl.Int64,
}


def regions() -> pl.DataFrame:
    return pl.read_csv(REFERENCE_DIR / "regions.csv", schema_overrides={"code": pl.String})


def countries() -> pl.DataFrame:
    """UNESCO Member States and Associate Members (one row each)."""
    # "NA" is Namibia's ISO code, not a missing value.
    return pl.read_csv(
        REFERENCE_DIR / "countries.csv",
        schema_overrides=_COUNTRY_SCHEMA,
        null_values=[""],
    ).select(list(_COUNTRY_SCHEMA))


def towns() -> pl.DataFrame:
    """Real towns (GeoNames) with coordinates and population, used to place demo schools."""
    return pl.read_csv(REFERENCE_DIR / "towns.csv", schema_overrides=_TOWN_SCHEMA, null_values=[""]).select(
        list(_TOWN_SCHEMA)
    )


def world_geojson_path() -> Path:
    return REFERENCE_DIR / "world.geojson"


@lru_cache(maxsize=1)
def world_geojson() -> dict:
    """Country outlines as a GeoJSON FeatureCollection, ``properties.iso3`` on each feature."""
    return json.loads(world_geojson_path().read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def country_shapes() -> dict[str, object]:
    """Shapely geometry of each country that has an outline, keyed by ISO3 (prepared, shared:
    do not modify)."""
    import shapely
    from shapely.geometry import shape

    shapes = {f["properties"]["iso3"]: shape(f["geometry"]) for f in world_geojson()["features"]}
    for geometry in shapes.values():
        shapely.prepare(geometry)
    return shapes


def install(cur: Cursor) -> None:
    """Load regions and countries into an empty database (inside the caller's transaction)."""
    region_frame = regions()
    country_frame = countries()
    cur.register("ref_regions", region_frame.to_arrow())
    cur.register("ref_countries", country_frame.to_arrow())
    try:
        cur.execute("INSERT INTO regions SELECT code, name_en, name_fr, name_es FROM ref_regions")
        cur.execute("INSERT INTO countries SELECT * FROM ref_countries")
    finally:
        cur.unregister("ref_regions")
        cur.unregister("ref_countries")
