"""Aggregates of the network as a whole, computed in DuckDB.

"Active" institutions are members and candidates: withdrawn ones keep their history but
no longer count in the network's size.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import polars as pl

from .db import Database
from .vocab import REGIONS, STATUSES, THEMES


@dataclass(frozen=True)
class Overview:
    """The network's headline figures, as of one data version."""

    networks: int
    member_states: int
    member_states_with_network: int
    associate_members: int
    by_status: dict[str, int]  # every status, zero included
    by_theme: dict[str, int]  # active institutions declaring each theme
    by_region: pl.DataFrame  # region, networks, institutions (active)
    largest: pl.DataFrame  # iso3, name_en, name_fr, name_es, region, institutions (top 10)
    as_of: datetime | None
    data_version: int

    @property
    def active(self) -> int:
        return self.by_status["member"] + self.by_status["candidate"]


def overview(db: Database) -> Overview:
    """Headline figures: networks, institutions by status, theme and region."""
    status_rows = dict(db.analytics.rows("SELECT status, count(*) FROM institutions GROUP BY status"))
    theme_row = db.analytics.rows(
        "SELECT "
        + ", ".join(f"count(*) FILTER (WHERE list_contains(themes, '{t}'))" for t in THEMES)
        + " FROM institutions WHERE status <> 'withdrawn'"
    )[0]
    by_region = db.analytics.query(
        """
        WITH active AS (
            SELECT network, count(*) AS institutions
            FROM institutions WHERE status <> 'withdrawn' GROUP BY network
        )
        SELECT r.code AS region,
               count(n.iso3) AS networks,
               coalesce(sum(a.institutions), 0)::BIGINT AS institutions
        FROM regions r
        LEFT JOIN countries c ON c.region = r.code
        LEFT JOIN networks n ON n.iso3 = c.iso3
        LEFT JOIN active a ON a.network = n.iso3
        GROUP BY r.code
        """
    )
    order = {code: i for i, code in enumerate(REGIONS)}
    by_region = by_region.sort(pl.col("region").replace_strict(order, default=len(order)))
    largest = db.analytics.query(
        """
        SELECT c.iso3, c.name_en, c.name_fr, c.name_es, c.region, count(*) AS institutions
        FROM institutions i JOIN countries c ON c.iso3 = i.network
        WHERE i.status <> 'withdrawn'
        GROUP BY ALL
        ORDER BY institutions DESC, c.iso3
        LIMIT 10
        """
    )
    counts = db.analytics.rows(
        """
        SELECT
            (SELECT count(*) FROM networks),
            (SELECT count(*) FROM countries WHERE unesco_status = 'member'),
            (SELECT count(*) FROM countries c JOIN networks n USING (iso3) WHERE c.unesco_status = 'member'),
            (SELECT count(*) FROM countries WHERE unesco_status = 'associate')
        """
    )[0]
    return Overview(
        networks=counts[0],
        member_states=counts[1],
        member_states_with_network=counts[2],
        associate_members=counts[3],
        by_status={s: int(status_rows.get(s, 0)) for s in STATUSES},
        by_theme=dict(zip(THEMES, (int(v) for v in theme_row))),
        by_region=by_region,
        largest=largest,
        as_of=db.data_updated_at,
        data_version=db.data_version,
    )


def through_year(history: pl.DataFrame, year: int, *, series: str | None = None) -> pl.DataFrame:
    """A yearly history (``year``, counts such as ``joined`` and ``withdrawn``, cumulative
    ``members``) with every year from its first one to ``year``.

    A year in which nobody joined or left gets zero counts and the members of the year
    before, so a network that stopped growing still reaches this year at its size. With
    ``series`` (a column such as ``region``), each series runs from its own first year.
    """
    if history.height == 0:
        return history
    keys = [series] if series else []
    last = max(year, int(history.select(pl.col("year").max()).item()))
    firsts = history.group_by(keys).agg(pl.col("year").min()) if keys else history.select(pl.col("year").min())
    grid = (
        firsts.with_columns(pl.int_ranges("year", last + 1).alias("year"))
        .explode("year")
        .with_columns(pl.col("year").cast(history.schema["year"]))
    )
    counts = [c for c in history.columns if c not in (*keys, "year", "members")]
    full = grid.join(history, on=[*keys, "year"], how="left").sort([*keys, "year"])
    full = full.with_columns(
        *[pl.col(c).fill_null(0) for c in counts],
        (pl.col("members").forward_fill().over(keys) if keys else pl.col("members").forward_fill()),
    )
    return full.select(history.columns).sort(["year", *keys])
