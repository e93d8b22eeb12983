"""Aggregates of the dashboard: coverage by theme, gaps, change over time, applications.

Every figure is computed in DuckDB for a :class:`~aspnet_data.directory.Selection`
(region, country, level, public/private, status, years). As in the directory, withdrawn
institutions count only where the status filter asks for them, except in the history
(joins and withdrawals over time), which needs them. A breakdown by region or level keeps
to the regions and levels the selection chose.

:func:`dashboard` is public (aggregate coverage). :func:`staff_figures` (data quality by
network, the application funnel) is for signed-in staff and checks who asks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from .db import Database, utc_now
from .directory import Selection, where_sql
from .permissions import Actor, require
from .stats import through_year
from .vocab import APPLICATION_STAGES, LEVELS, REGIONS, THEMES

STALE_AFTER = timedelta(days=730)
# Fields of an institution record that a complete profile fills.
QUALITY_FIELDS = ("website", "email", "pupils", "teachers", "latitude", "year_joined", "languages")
# Stages an application leaves (the others are decisions or the applicant's withdrawal).
WAITING_STAGES = ("submitted", "returned", "recommended")
# A level is under-represented in a region when its share there is below this fraction of its
# share in the whole selection.
UNDER_REPRESENTED = 0.6


@dataclass(frozen=True)
class Dashboard:
    as_of: datetime | None
    data_version: int
    by_status: dict[str, int]
    networks: int  # networks with at least one institution in the selection
    without_network: pl.DataFrame  # iso3, name_en/fr/es, region, unesco_status (in the selected regions)
    active: int
    theme_totals: dict[str, int]
    theme_by_region: pl.DataFrame  # region, institutions, esd, gced, heritage
    theme_by_level: pl.DataFrame  # level, institutions, esd, gced, heritage
    by_country: pl.DataFrame  # iso3, names, region, population, institutions, themes, per_million
    level_by_region: pl.DataFrame  # region, level, institutions, share, overall_share, under_represented
    joins_by_region: pl.DataFrame  # year, region, joined, withdrawn, members (every year to this one)
    joins_by_theme: pl.DataFrame  # year, theme, joined, members (every year to this one)
    withdrawals: pl.DataFrame  # year, withdrawn (years with a withdrawal)
    levels: tuple[str, ...]  # the levels the breakdowns by level show (the chosen ones, else all)
    this_year: int  # the history runs to this year

    @property
    def missing_theme(self) -> pl.DataFrame:
        """Networks in the selection with no institution in one theme or more."""
        return self.by_country.filter(pl.any_horizontal(pl.col(t) == 0 for t in THEMES))


@dataclass(frozen=True)
class StaffFigures:
    """Figures about the running of the networks, for signed-in staff only."""

    quality: pl.DataFrame  # iso3, names, region, institutions, filled, stale, last_update, network_filled
    funnel: pl.DataFrame  # region, stage, applications (current stage), entered, median_days


def _themes(alias: str = "i") -> str:
    return ", ".join(f"count(*) FILTER (WHERE list_contains({alias}.themes, '{t}')) AS {t}" for t in THEMES)


def _dashboard_selection(sel: Selection) -> Selection:
    """The selection the dashboard applies: search and theme filters are ignored."""
    return Selection(
        filters=tuple((k, v) for k, v in sel.filters if k != "theme"), year_from=sel.year_from, year_to=sel.year_to
    )


def _in(column: str, values: tuple[str, ...], prefix: str, params: dict[str, object]) -> str:
    """``column IN ($prefix0, ...)`` with one bound parameter per value (added to ``params``)."""
    params |= {f"{prefix}{k}": v for k, v in enumerate(values)}
    return f"{column} IN (" + ", ".join(f"${prefix}{k}" for k in range(len(values))) + ")"


def dashboard(db: Database, sel: Selection, *, now: datetime | None = None) -> Dashboard:
    """Every public aggregate of the dashboard for one selection."""
    sel = _dashboard_selection(sel)
    now = now or utc_now()
    where, params = where_sql(db, sel)
    # History counts withdrawn institutions too, unless the user chose statuses.
    hist_where, hist_params = where_sql(db, sel, skip=None if sel.values("status") else "status", prefix="h")
    status_where, status_params = where_sql(db, sel, skip="status", prefix="s")

    by_status = dict(
        db.analytics.rows(f"SELECT status, count(*) FROM institutions i WHERE {status_where} GROUP BY 1", status_params)
    )
    totals = db.analytics.rows(
        f"SELECT count(*), count(DISTINCT network), {_themes()} FROM institutions i WHERE {where}", params
    )[0]
    regions = sel.values("region")
    scope_params: dict[str, object] = {}
    scope = f"AND {_in('c.region', regions, 'r', scope_params)}" if regions else ""
    without_network = db.analytics.query(
        f"""SELECT c.iso3, c.name_en, c.name_fr, c.name_es, c.region, c.unesco_status
            FROM countries c LEFT JOIN networks n USING (iso3)
            WHERE n.iso3 IS NULL {scope}
            ORDER BY c.unesco_status DESC, c.name_en""",
        scope_params,
    )
    # The rows of a breakdown by region: the chosen regions, else those of the chosen
    # countries, else every region (a region without institutions shows its zeros).
    region_params = dict(params)
    shown_regions = []
    if regions:
        shown_regions.append(_in("r.code", regions, "shown_r", region_params))
    if sel.values("country"):
        countries = _in("iso3", sel.values("country"), "shown_c", region_params)
        shown_regions.append(f"r.code IN (SELECT region FROM countries WHERE {countries})")
    theme_by_region = db.analytics.query(
        f"""SELECT r.code AS region, count(i.id) AS institutions,
                   {", ".join(f"count(i.id) FILTER (WHERE list_contains(i.themes, '{t}')) AS {t}" for t in THEMES)}
            FROM regions r
            LEFT JOIN countries c ON c.region = r.code
            LEFT JOIN (SELECT * FROM institutions i WHERE {where}) i ON i.network = c.iso3
            WHERE {" AND ".join(shown_regions) or "true"}
            GROUP BY r.code ORDER BY r.code""",
        region_params,
    )
    order = {code: k for k, code in enumerate(REGIONS)}
    theme_by_region = theme_by_region.sort(pl.col("region").replace_strict(order, default=len(order)))
    levels = tuple(lv for lv in LEVELS if lv in sel.values("level")) or LEVELS
    theme_by_level = db.analytics.query(
        f"""SELECT level, count(*) AS institutions, {_themes("x")}
            FROM (SELECT unnest(i.levels) AS level, i.themes FROM institutions i WHERE {where}) x
            GROUP BY level""",
        params,
    )
    theme_by_level = pl.DataFrame({"level": list(levels)}).join(theme_by_level, on="level", how="left").fill_null(0)
    by_country = db.analytics.query(
        f"""SELECT c.iso3, c.name_en, c.name_fr, c.name_es, c.region, c.population, c.has_outline,
                   c.capital_lat, c.capital_lon, count(*) AS institutions, {_themes()},
                   round(count(*) / nullif(c.population, 0) * 1e6, 2) AS per_million
            FROM institutions i JOIN countries c ON c.iso3 = i.network
            WHERE {where}
            GROUP BY c.iso3, c.name_en, c.name_fr, c.name_es, c.region, c.population, c.has_outline,
                     c.capital_lat, c.capital_lon
            ORDER BY institutions DESC, c.iso3""",
        params,
    )
    level_by_region = _level_shares(db, where, params)
    level_by_region = level_by_region.filter(pl.col("level").is_in(levels))
    joins_by_region = db.analytics.query(
        f"""WITH j AS (SELECT c.region, i.year_joined AS year, count(*) AS joined
                       FROM institutions i JOIN countries c ON c.iso3 = i.network
                       WHERE {hist_where} AND i.year_joined IS NOT NULL GROUP BY ALL),
                 w AS (SELECT c.region, i.withdrawn_year AS year, count(*) AS withdrawn
                       FROM institutions i JOIN countries c ON c.iso3 = i.network
                       WHERE {hist_where} AND i.withdrawn_year IS NOT NULL GROUP BY ALL)
            SELECT year, region, coalesce(joined, 0)::BIGINT AS joined, coalesce(withdrawn, 0)::BIGINT AS withdrawn,
                   sum(coalesce(joined, 0) - coalesce(withdrawn, 0))
                       OVER (PARTITION BY region ORDER BY year)::BIGINT AS members
            FROM j FULL JOIN w USING (region, year)
            ORDER BY year, region""",
        hist_params,
    )
    joins_by_theme = db.analytics.query(
        f"""WITH x AS (SELECT unnest(i.themes) AS theme, i.year_joined, i.withdrawn_year
                       FROM institutions i WHERE {hist_where}),
                 j AS (SELECT theme, year_joined AS year, count(*) AS joined FROM x
                       WHERE year_joined IS NOT NULL GROUP BY ALL),
                 w AS (SELECT theme, withdrawn_year AS year, count(*) AS withdrawn FROM x
                       WHERE withdrawn_year IS NOT NULL GROUP BY ALL)
            SELECT year, theme, coalesce(joined, 0)::BIGINT AS joined,
                   sum(coalesce(joined, 0) - coalesce(withdrawn, 0))
                       OVER (PARTITION BY theme ORDER BY year)::BIGINT AS members
            FROM j FULL JOIN w USING (theme, year)
            ORDER BY year, theme""",
        hist_params,
    )
    withdrawals = (
        joins_by_region.group_by("year").agg(pl.col("withdrawn").sum()).filter(pl.col("withdrawn") > 0).sort("year")
    )
    return Dashboard(
        as_of=db.data_updated_at,
        data_version=db.data_version,
        by_status={s: int(by_status.get(s, 0)) for s in ("member", "candidate", "withdrawn")},
        networks=int(totals[1]),
        without_network=without_network,
        active=int(totals[0]),
        theme_totals=dict(zip(THEMES, (int(v) for v in totals[2:]))),
        theme_by_region=theme_by_region,
        theme_by_level=theme_by_level,
        by_country=by_country,
        level_by_region=level_by_region,
        joins_by_region=through_year(joins_by_region, now.year, series="region"),
        joins_by_theme=through_year(joins_by_theme, now.year, series="theme"),
        withdrawals=withdrawals,
        levels=levels,
        this_year=now.year,
    )


def staff_figures(db: Database, actor: Actor, sel: Selection, *, now: datetime | None = None) -> StaffFigures:
    """Data quality by network and the application funnel of one selection.

    :raises PermissionDenied: unless ``actor`` is signed-in staff (``read_staff_figures``).
    """
    require(actor, "read_staff_figures")
    sel = _dashboard_selection(sel)
    now = now or utc_now()
    where, params = where_sql(db, sel)
    filled = " + ".join(
        f"(i.{f} IS NOT NULL{' AND len(i.languages) > 0' if f == 'languages' else ''})::INT" for f in QUALITY_FIELDS
    )
    quality = db.analytics.query(
        f"""SELECT n.iso3, c.name_en, c.name_fr, c.name_es, c.region, count(*) AS institutions,
                   avg(({filled}) / {len(QUALITY_FIELDS)}) AS filled,
                   avg((i.updated_at < $stale)::INT) AS stale,
                   max(i.updated_at) AS last_update,
                   ((n.coordinator_email IS NOT NULL)::INT + (n.website IS NOT NULL)::INT
                     + (n.description IS NOT NULL)::INT + (n.coordinator_name IS NOT NULL)::INT) / 4 AS network_filled,
                   n.updated_at AS network_updated
            FROM institutions i JOIN networks n ON n.iso3 = i.network JOIN countries c ON c.iso3 = n.iso3
            WHERE {where}
            GROUP BY ALL ORDER BY stale DESC, filled, n.iso3""",
        params | {"stale": now - STALE_AFTER},
    )
    return StaffFigures(quality=quality, funnel=_funnel(db, sel, now))


def _level_shares(db: Database, where: str, params: dict) -> pl.DataFrame:
    """Share of each region's institutions offering each level, against the whole selection."""
    frame = db.analytics.query(
        f"""SELECT c.region, count(*) AS institutions,
                   {", ".join(f"count(*) FILTER (WHERE list_contains(i.levels, '{lv}')) AS {lv}" for lv in LEVELS)}
            FROM institutions i JOIN countries c ON c.iso3 = i.network
            WHERE {where} GROUP BY c.region ORDER BY c.region""",
        params,
    )
    if frame.height == 0:
        return pl.DataFrame(
            schema={
                "region": pl.String,
                "level": pl.String,
                "institutions": pl.Int64,
                "share": pl.Float64,
                "overall_share": pl.Float64,
                "under_represented": pl.Boolean,
            }
        )
    long = frame.unpivot(
        index=["region", "institutions"], on=list(LEVELS), variable_name="level", value_name="offering"
    )
    overall = frame.select(pl.col(lv).sum() / pl.col("institutions").sum() for lv in LEVELS).row(0, named=True)
    return (
        long.with_columns(
            (pl.col("offering") / pl.col("institutions")).alias("share"),
            pl.col("level").replace_strict(overall, return_dtype=pl.Float64).alias("overall_share"),
        )
        .with_columns(
            (pl.col("share") < UNDER_REPRESENTED * pl.col("overall_share")).alias("under_represented"),
        )
        .select(
            "region", "level", pl.col("offering").alias("institutions"), "share", "overall_share", "under_represented"
        )
    )


def _funnel(db: Database, sel: Selection, now: datetime) -> pl.DataFrame:
    """Per region and stage: applications now in it, applications that entered it, and the
    median days they spent there (stages that wait for someone only)."""
    conditions: list[str] = []
    params: dict[str, object] = {"now": now}
    for key, column in (("region", "c.region"), ("country", "a.network")):
        values = sel.values(key)
        if values:
            conditions.append(_in(column, values, key, params))
    scope = ("AND " + " AND ".join(conditions)) if conditions else ""
    waiting = ", ".join(f"'{s}'" for s in WAITING_STAGES)
    frame = db.analytics.query(
        f"""
        WITH events AS (
            SELECT c.region, e.application_id, e.stage, e.occurred_at,
                   lead(e.occurred_at) OVER (PARTITION BY e.application_id ORDER BY e.occurred_at, e.id) AS left_at
            FROM application_events e
            JOIN applications a ON a.id = e.application_id
            JOIN countries c ON c.iso3 = a.network
            WHERE true {scope}
        ),
        entered AS (
            SELECT region, stage, count(DISTINCT application_id) AS entered,
                   -- whole days elapsed (not calendar dates crossed: a day's wait begun at 23:00 is 0)
                   median(CASE WHEN stage IN ({waiting})
                               THEN floor(epoch(coalesce(left_at, $now) - occurred_at) / 86400) END) AS median_days
            FROM events GROUP BY ALL
        ),
        current AS (
            SELECT c.region, a.stage, count(*) AS applications
            FROM applications a JOIN countries c ON c.iso3 = a.network
            WHERE true {scope} GROUP BY ALL
        )
        SELECT region, stage, coalesce(applications, 0)::BIGINT AS applications,
               coalesce(entered, 0)::BIGINT AS entered, median_days
        FROM current FULL JOIN entered USING (region, stage)
        """,
        params,
    )
    order = {s: k for k, s in enumerate(APPLICATION_STAGES)}
    return frame.sort([pl.col("region"), pl.col("stage").replace_strict(order, default=99)])
