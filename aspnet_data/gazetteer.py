"""Towns of every country, to place an institution whose file gives its town but no coordinates.

``data/reference/gazetteer.parquet`` (built by ``scripts/build_gazetteer.py`` from GeoNames'
places of 1,000 inhabitants or more, CC BY 4.0) holds for each town its country, its name,
its point and its population, and the keys it is found by: the folded form of its name and of
its names in the country's own script. A lookup folds the same way, so "Saint-Étienne",
"saint etienne" and "St Etienne" find the same town, and "Москва" finds Moscow.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

import polars as pl

from .reference import REFERENCE_DIR
from .text import word_key

GAZETTEER_PATH = REFERENCE_DIR / "gazetteer.parquet"
# Common abbreviations of the words that start town names (St-Denis, Sta. Cruz, S. Paulo).
_ABBREVIATIONS = {"st": "saint", "ste": "sainte", "sta": "santa", "sto": "santo", "sn": "san", "s": "sao"}
# Words a town column often adds around the name ("Commune de Lyon", "Ciudad de México").
_PREFIXES = ("commune de ", "ville de ", "ciudad de ", "municipio de ", "city of ", "town of ")
# What follows a town's name in addresses: a district number ("Marseille 15", "Paris 5e",
# "Lyon 3eme"), a postal "cedex".
_DISTRICT = re.compile(r"(?: cedex)?(?: \d{1,2}(?:e|er|eme|ème|th|st|nd|rd)?)?(?: cedex)?$")


def town_key(text: str | None) -> str:
    """The form a town's name is looked up by: ASCII, lower case, punctuation as spaces,
    abbreviated first words written out ("St-Étienne" -> "saint etienne")."""
    words = word_key(text).split()
    if len(words) > 1 and words[0] in _ABBREVIATIONS:
        words[0] = _ABBREVIATIONS[words[0]]
    key = " ".join(words)
    for prefix in _PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            return key[len(prefix) :]
    return key


@lru_cache(maxsize=1)
def towns() -> pl.DataFrame:
    """One row per (country, key): iso3, key, name, lat, lon, population (shared: do not modify)."""
    return (
        pl.read_parquet(GAZETTEER_PATH)
        .explode("keys")
        .rename({"keys": "key"})
        .select("iso3", "key", "name", "lat", "lon", "population")
        .sort("iso3", "key", "population", descending=[False, False, True])
        .unique(["iso3", "key"], keep="first", maintain_order=True)
    )


def place(country: str, names: Iterable[str | None]) -> pl.DataFrame:
    """The town each name is found as in ``country`` (ISO3): one row per name in order, with
    ``town``, ``lat``, ``lon`` (null when not found). Of two towns of the same name, the more
    populous."""
    keys = [town_key(n) for n in names]
    wanted = pl.DataFrame(
        {"key": keys, "short": [_DISTRICT.sub("", k) or k for k in keys]}, schema={"key": pl.String, "short": pl.String}
    ).with_row_index("i")
    found = towns().filter(pl.col("iso3") == country).select("key", pl.col("name").alias("town"), "lat", "lon")
    exact = wanted.join(found, on="key", how="left")
    district = wanted.join(found.rename({"key": "short"}), on="short", how="left")
    return (
        exact.join(district.select("i", "town", "lat", "lon"), on="i", suffix="_d")
        .sort("i")
        .select(
            pl.coalesce("town", "town_d").alias("town"),
            pl.when(pl.col("town").is_null()).then(pl.col("lat_d")).otherwise(pl.col("lat")).alias("lat"),
            pl.when(pl.col("town").is_null()).then(pl.col("lon_d")).otherwise(pl.col("lon")).alias("lon"),
        )
    )
