"""The data-quality to-do list of one national network.

Four lists a National Coordinator can work through: incomplete records, records nobody
has touched for a long time, likely duplicates and location problems (no coordinates, a point
outside the country, or one an import placed at its town's centre).
Withdrawn institutions are never listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl
import shapely

from . import gazetteer, reference, reports
from .dashboard import QUALITY_FIELDS, STALE_AFTER
from .db import Database, quote_ident, utc_now
from .kept import KeptFrames
from .permissions import Actor, require
from .text import fold

# Two names in the same city with at least this token-set (Jaccard) similarity are likely
# the same school.
SIMILAR = 0.8
# Within one block (city and shared token) each school is compared with at most this many
# neighbours in name order, so a city with thousands of schools stays linear.
WINDOW = 40
# Words that only say "school" (or glue words); they carry no identity. Level words
# (primary, high) and numbers are kept: "Kigali Primary School" and "Kigali High School",
# or "No. 5" and "No. 6", are different schools.
COMMON_WORDS = frozenset(
    {
        "school",
        "schools",
        "ecole",
        "escuela",
        "escola",
        "colegio",
        "lycee",
        "no",
        "nr",
        "the",
        "of",
        "and",
        "de",
        "del",
        "des",
        "du",
        "d",
        "la",
        "le",
        "les",
        "l",
        "el",
        "los",
        "las",
        "et",
        "y",
    }
)


@dataclass(frozen=True)
class Todo:
    """What to fix in one network; each frame holds at most ``limit`` rows, ``totals`` the full counts."""

    network: str
    as_of: datetime
    missing: pl.DataFrame  # id, name, city, missing (list of QUALITY_FIELDS left empty)
    stale: pl.DataFrame  # id, name, city, updated_at
    duplicates: pl.DataFrame  # id_a, name_a, id_b, name_b, city, similarity
    outside: pl.DataFrame  # id, name, city, latitude, longitude, problem
    inactive: pl.DataFrame  # id, name, city, last_accepted, member_since (reports.inactive)
    totals: dict[str, int]  # missing, stale, duplicates, outside, inactive


def todo(db: Database, actor: Actor, network: str, *, now: datetime | None = None, limit: int = 500) -> Todo:
    """The data-quality to-do list of ``network`` (ISO3), as of ``now``: for its coordinator and
    admins, who fix it, and analysts, who read it."""
    require(actor, "read_quality", network)
    now = now or utc_now()
    lists = {
        "missing": _missing(db, network),
        "stale": _stale(db, network, now),
        "duplicates": _duplicates(db, network),
        "outside": _outside(db, network),
        # Members without an accepted annual report in the two latest closed cycles, whatever
        # UNESCO decided about them: the coordinator is the one who chases their reports.
        "inactive": reports.inactive(db, actor, network, today=now.date(), pending_only=False).drop("network"),
    }
    totals = {key: frame.height for key, frame in lists.items()}
    cut = {key: frame.head(max(limit, 0)) for key, frame in lists.items()}
    cut["duplicates"] = _with_names(db, network, cut["duplicates"])
    return Todo(network=network, as_of=now, totals=totals, **cut)


def _active(db: Database, network: str, columns: str) -> pl.DataFrame:
    return db.analytics.query(
        f"SELECT {columns} FROM institutions WHERE network = ? AND status <> ? ORDER BY id",
        [network, "withdrawn"],
    )


def _missing(db: Database, network: str) -> pl.DataFrame:
    rows = _active(db, network, "id, name, city, " + ", ".join(quote_ident(f) for f in QUALITY_FIELDS))
    empty = []
    for field in QUALITY_FIELDS:
        blank = pl.col(field).is_null()
        if isinstance(rows.schema[field], pl.List):
            blank = blank | (pl.col(field).list.len() == 0)
        empty.append(pl.when(blank).then(pl.lit(field)).otherwise(pl.lit(None, dtype=pl.String)))
    return (
        rows.select("id", "name", "city", pl.concat_list(empty).list.drop_nulls().alias("missing"))
        .filter(pl.col("missing").list.len() > 0)
        .sort([pl.col("missing").list.len(), pl.col("id")], descending=[True, False])
    )


def _stale(db: Database, network: str, now: datetime) -> pl.DataFrame:
    return db.analytics.query(
        """SELECT id, name, city, updated_at FROM institutions
           WHERE network = ? AND status <> ? AND updated_at < ?
           ORDER BY updated_at, id""",
        [network, "withdrawn", now - STALE_AFTER],
    )


def _outside(db: Database, network: str) -> pl.DataFrame:
    rows = _active(db, network, "id, name, city, latitude, longitude")
    no_coords = pl.col("latitude").is_null() | pl.col("longitude").is_null()
    problems = [rows.filter(no_coords).with_columns(problem=pl.lit("no_coordinates"))]
    outline = reference.country_shapes().get(network)
    # Without an outline (tiny island states) nothing tells land from sea: skip the test.
    if outline is not None:
        placed = rows.filter(~no_coords)
        shapely.prepare(outline)
        inside = shapely.contains_xy(outline, placed["longitude"].to_numpy(), placed["latitude"].to_numpy())
        problems.append(placed.filter(pl.Series(~inside)).with_columns(problem=pl.lit("outside_country")))
    problems.append(_at_town_centre(network, rows.filter(~no_coords)).with_columns(problem=pl.lit("town_centre")))
    return pl.concat(problems).sort("problem", "id")


def _at_town_centre(network: str, rows: pl.DataFrame) -> pl.DataFrame:
    """Institutions whose point is their town's centre in the gazetteer: placed there by an
    import that had no coordinates for them, to be checked."""
    cities = rows["city"].drop_nulls().unique()
    if cities.is_empty():
        return rows.clear()
    points = gazetteer.place(network, cities.to_list()).with_columns(city=cities)
    return (
        rows.join(points, on="city")
        .filter((pl.col("latitude") == pl.col("lat")) & (pl.col("longitude") == pl.col("lon")))
        .select(rows.columns)
    )


def _folded(texts: pl.Series) -> pl.Series:
    """fold() of each text, computed once per distinct text (names repeat a lot)."""
    distinct = texts.drop_nulls().unique()
    mapping = dict(zip(distinct.to_list(), (fold(t) for t in distinct.to_list())))
    return texts.replace_strict(mapping, default="", return_dtype=pl.String)


def _tokens(folded: pl.Expr) -> pl.Expr:
    """Significant word tokens of a folded name; a name made only of common words keeps
    itself as its one token, so it matches only an identical name."""
    words = (
        folded.str.extract_all(r"[a-z]+|[0-9]+")
        .list.eval(pl.element().filter(~pl.element().is_in(list(COMMON_WORDS))))
        .list.unique()
    )
    return pl.when(words.list.len() > 0).then(words).otherwise(pl.concat_list(pl.lit("=") + folded))


# Comparing every school's names with its neighbours' is the dearest of the lists (0.1 s for a
# network of 10,000 schools) and only a write changes it: kept per network and data version.
_DUPLICATES = KeptFrames(32)


def _duplicates(db: Database, network: str) -> pl.DataFrame:
    """Pairs (id_a < id_b, similarity) of likely duplicates, most similar first; computed once
    per data version and network (the To do's count and the quality page read the same)."""
    return _DUPLICATES.get(db, network, lambda: _find_duplicates(db, network))


def _find_duplicates(db: Database, network: str) -> pl.DataFrame:
    """Pairs (id_a < id_b, similarity) of likely duplicates, most similar first.

    Memory stays bounded on a network of 100,000 schools: candidates are generated and
    scored one neighbour offset at a time on integer keys, and only pairs that pass are kept.
    """
    rows = _active(db, network, "id, name, name_latin, city, levels")
    rows = rows.with_columns(
        _folded(rows["city"]).alias("city_key"),
        _folded(rows["name_latin"]).alias("latin_key"),
        _folded(rows["name"]).alias("name_key"),
    ).filter(pl.col("city_key") != "")
    # Each school has one or two spellings (original script, Latin) to compare across.
    variants = (
        pl.concat(
            [
                rows.select("id", "city_key", "levels", "latin_key", pl.col("latin_key").alias("folded")),
                rows.select("id", "city_key", "levels", "latin_key", pl.col("name_key").alias("folded")),
            ]
        )
        .unique(["id", "folded"], maintain_order=True)
        .with_columns(_tokens(pl.col("folded")).alias("tokens"))
        .with_columns(pl.col("folded").str.extract_all("[0-9]+").list.sort().list.join(" ").alias("numbers"))
        .with_row_index("variant")
    )
    side = variants.select("id", "folded", "tokens", "numbers", "levels")
    shared = pl.col("tokens_a").list.set_intersection("tokens_b").list.len()
    union = pl.col("tokens_a").list.set_union("tokens_b").list.len()
    numbers_a, numbers_b = pl.col("numbers_a"), pl.col("numbers_b")
    number_clash = (numbers_a != "") & (numbers_b != "") & (numbers_a != numbers_b)
    # A primary and a secondary school named after the same patron are two schools.
    no_common_level = pl.col("levels_a").list.set_intersection("levels_b").list.len() == 0
    similarity = (
        pl.when(pl.col("folded_a") == pl.col("folded_b"))
        .then(1.0)
        .when(number_clash | no_common_level)
        .then(0.0)
        .otherwise(shared / union)
    )
    passed = []
    for candidates in _candidate_pairs(variants):
        pairs = candidates.join(side.rename(lambda c: c + "_a"), on="id_a").join(
            side.rename(lambda c: c + "_b"), on="id_b"
        )
        passed.append(
            pairs.select("id_a", "id_b", similarity.round(3).alias("similarity")).filter(
                pl.col("similarity") >= SIMILAR
            )
        )
    schema = {"id_a": pl.Int64, "id_b": pl.Int64, "similarity": pl.Float64}
    scored = pl.concat(passed) if passed else pl.DataFrame(schema=schema)
    return (
        scored.group_by("id_a", "id_b")
        .agg(pl.col("similarity").max())
        .sort(["similarity", "id_a", "id_b"], descending=[True, False, False])
    )


def _with_names(db: Database, network: str, pairs: pl.DataFrame) -> pl.DataFrame:
    """id_a, name_a, id_b, name_b, city, similarity for the pairs shown."""
    ids = sorted({*pairs["id_a"].to_list(), *pairs["id_b"].to_list()})
    names = db.analytics.query(
        "SELECT id, name, city FROM institutions WHERE network = ? AND id IN (SELECT unnest(?::BIGINT[]))",
        [network, ids],
    )
    return (
        pairs.join(names.rename({"id": "id_a", "name": "name_a"}), on="id_a", how="left")
        .join(names.select(pl.col("id").alias("id_b"), pl.col("name").alias("name_b")), on="id_b", how="left")
        .select("id_a", "name_a", "id_b", "name_b", "city", "similarity")
    )


def _candidate_pairs(variants: pl.DataFrame):
    """Frames of (id_a < id_b) pairs worth scoring, by prefix filtering on the city's rarest
    tokens, one neighbour offset at a time.

    Two token sets with Jaccard >= SIMILAR share a token among the first
    ``len - ceil(SIMILAR * len) + 1`` of each, taken in one fixed order (rarest first);
    only schools sharing such a token in the same city are compared, each with its next
    WINDOW neighbours in name order within that (city, token) block.
    """
    size = pl.col("tokens").list.len()
    members = variants.select(
        "variant",
        "id",
        "city_key",
        "latin_key",
        pl.col("tokens").alias("token"),
        (size - (size * SIMILAR - 1e-9).ceil().cast(pl.Int64) + 1).alias("prefix"),
    ).explode("token")
    frequency = members.group_by("city_key", "token").agg(pl.col("id").n_unique().alias("frequency"))
    blocks = (
        members.join(frequency, on=["city_key", "token"])
        .sort("variant", "frequency", "token")
        .filter(pl.int_range(pl.len()).over("variant") < pl.col("prefix"))
        .unique(["city_key", "token", "id"])
        .sort("city_key", "token", "latin_key", "id")
        .select(pl.struct("city_key", "token").rle_id().alias("block"), "id")
    )
    block, ids = blocks["block"], blocks["id"]
    for offset in range(1, WINDOW + 1):
        if offset >= blocks.height:
            break
        pairs = pl.DataFrame({"same": block == block.shift(-offset), "id": ids, "other": ids.shift(-offset)}).filter(
            pl.col("same") & (pl.col("id") != pl.col("other"))
        )
        if pairs.is_empty():
            break  # no block is longer than this offset
        yield (
            pairs.select(
                pl.min_horizontal("id", "other").alias("id_a"), pl.max_horizontal("id", "other").alias("id_b")
            ).unique()
        )
