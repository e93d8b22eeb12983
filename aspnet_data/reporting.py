"""Monitoring figures for staff: who reported for each year, the activities and self-assessment
in the reports, and the candidates' pipeline to full membership.

A school had to report for a year when it was a candidate or a member by the end of that school
year and had not left (:func:`aspnet_data.reports.expected_sql`). A report counts as *on time*
when first submitted by the deadline, *late* after it; *accepted* is the coordinator's
decision. Every figure reads the analytic engine (the file itself, or PostgreSQL's in-process
copy) in one aggregate query, written for 1,000,000 institutions over several cycles.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from .db import Database, utc_now
from .membership import candidacy_months
from .permissions import Actor, require
from .reports import calendar, expected_sql

YEARS_SHOWN = 5

BY_NETWORK_SCHEMA = {
    "year": pl.Int64,
    "network": pl.String,
    "region": pl.String,
    "expected": pl.Int64,
    "on_time": pl.Int64,
    "late": pl.Int64,
    "accepted": pl.Int64,
}
BY_THEME_SCHEMA = {
    "year": pl.Int64,
    "region": pl.String,
    "theme": pl.String,
    "expected": pl.Int64,
    "reported": pl.Int64,
}


@dataclass(frozen=True)
class Reporting:
    years: list[int]  # closed cycles and the one under way, oldest first
    by_network: pl.DataFrame  # BY_NETWORK_SCHEMA: one row per year and network
    by_theme: pl.DataFrame  # BY_THEME_SCHEMA: schools working on a theme, per year and region
    activities: pl.DataFrame  # year, theme, activities (in submitted or accepted reports)
    scores: pl.DataFrame  # year, region, theme, item, average, reports (accepted reports)
    pipeline: pl.DataFrame  # year, due, proposed, confirmed, median_months


def reporting(db: Database, actor: Actor, *, years: int = YEARS_SHOWN, today: date | None = None) -> Reporting:
    """The reporting figures of the ``years`` latest reporting years (the one under way last),
    from the first year anyone reported."""
    require(actor, "read_staff_figures")
    today = today or utc_now().date()
    current = calendar(db).current_year(today)
    analytics = db.analytics
    first = analytics.scalar("SELECT min(year) FROM reports")  # no trend before the first report
    shown = list(range(max(current - years + 1, min(int(first), current) if first else current), current + 1))
    by_network, by_theme = _who_reported(db, shown)
    activities = analytics.query(
        """SELECT r.year, t.theme, count(*) AS activities
           FROM (SELECT a.report_id, unnest(a.themes) AS theme FROM report_activities a) t
           JOIN reports r ON r.id = t.report_id
           WHERE r.state IN ('submitted', 'accepted') AND r.year BETWEEN $first AND $last
           GROUP BY r.year, t.theme ORDER BY r.year, t.theme""",
        {"first": shown[0], "last": shown[-1]},
    ).cast({"year": pl.Int64, "theme": pl.String, "activities": pl.Int64})
    scores = analytics.query(
        """SELECT r.year, n.region, s.theme, s.item, avg(s.score) AS average, count(*) AS reports
           FROM report_scores s JOIN reports r ON r.id = s.report_id JOIN countries n ON n.iso3 = r.network
           WHERE r.state = 'accepted' AND r.year BETWEEN $first AND $last
           GROUP BY r.year, n.region, s.theme, s.item ORDER BY r.year, n.region, s.theme, s.item""",
        {"first": shown[0], "last": shown[-1]},
    ).cast(
        {
            "year": pl.Int64,
            "region": pl.String,
            "theme": pl.String,
            "item": pl.String,
            "average": pl.Float64,
            "reports": pl.Int64,
        }
    )
    return Reporting(shown, by_network, by_theme, activities, scores, pipeline(db, actor, shown))


def _who_reported(db: Database, years: list[int]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """:attr:`Reporting.by_network` and :attr:`Reporting.by_theme` of ``years``.

    Written for 1,000,000 schools: each school is read once, with the years of ``years`` it
    had to report for as bits (:func:`aspnet_data.reports.expected_sql` for each year) and
    its list of themes as a number; the schools expected are counted per network, list and
    bits, their reports per year, network and list (joined to these rows, filtered by a
    bit), and the few thousand counts are then summed by network, or by theme."""
    if len(years) > 60:  # the years' bits fit a BIGINT
        parts = [_who_reported(db, years[k : k + 60]) for k in range(0, len(years), 60)]
        return pl.concat([p[0] for p in parts]), pl.concat([p[1] for p in parts])
    cal = calendar(db)
    cycles = [cal.cycle(year) for year in years]
    expected = [expected_sql("i", year=str(c.year), ends=f"DATE '{c.ends.isoformat()}'") for c in cycles]
    bits = " + ".join(f"CASE WHEN {sql} THEN {1 << k} ELSE 0 END" for k, sql in enumerate(expected)) or "0"
    table = ", ".join(f"({c.year}, DATE '{c.due.isoformat()}', {1 << k})" for k, c in enumerate(cycles))
    counts = db.analytics.query(
        f"""WITH y AS (SELECT * FROM (VALUES {table}) AS y(year, due, bit)),
        lists AS MATERIALIZED (
            SELECT themes, row_number() OVER (ORDER BY themes) AS list FROM (SELECT DISTINCT themes FROM institutions)
        ),
        i AS MATERIALIZED (
            SELECT i.id, i.network, l.list, {bits} AS years
            FROM institutions i JOIN lists l ON l.themes IS NOT DISTINCT FROM i.themes
        ),
        e AS (
            SELECT y.year, g.network, g.list, sum(g.schools) AS expected
            FROM (SELECT network, list, years, count(*) AS schools FROM i GROUP BY network, list, years) g
            JOIN y ON (g.years & y.bit) <> 0
            GROUP BY y.year, g.network, g.list
        ),
        got AS (
            SELECT y.year, i.network, i.list,
                   count(*) FILTER (WHERE CAST(rep.first_submitted_at AS DATE) <= y.due) AS on_time,
                   count(*) FILTER (WHERE CAST(rep.first_submitted_at AS DATE) > y.due) AS late,
                   count(*) FILTER (WHERE rep.state = 'accepted') AS accepted
            FROM reports rep JOIN y ON y.year = rep.year JOIN i ON i.id = rep.institution_id
            WHERE (i.years & y.bit) <> 0
            GROUP BY y.year, i.network, i.list
        )
        SELECT e.year, e.network, n.region, l.themes, e.expected, coalesce(got.on_time, 0) AS on_time,
               coalesce(got.late, 0) AS late, coalesce(got.accepted, 0) AS accepted
        FROM e JOIN countries n ON n.iso3 = e.network JOIN lists l ON l.list = e.list
        LEFT JOIN got ON got.year = e.year AND got.network = e.network AND got.list = e.list"""
    ).cast({"year": pl.Int64, "expected": pl.Int64, "on_time": pl.Int64, "late": pl.Int64, "accepted": pl.Int64})
    by_network = (
        counts.group_by("year", "network", "region")
        .agg(pl.col("expected", "on_time", "late", "accepted").sum())
        .sort("year", "network")
        .cast(BY_NETWORK_SCHEMA)  # type: ignore[arg-type]
    )
    by_theme = (
        counts.filter(pl.col("themes").list.len() > 0)  # a school without a theme counts under none
        .explode("themes")
        .group_by("year", "region", pl.col("themes").alias("theme"))
        .agg(pl.col("expected").sum(), (pl.col("on_time") + pl.col("late")).sum().alias("reported"))
        .sort("year", "region", "theme", nulls_last=True)
        .cast(BY_THEME_SCHEMA)  # type: ignore[arg-type]
    )
    return by_network, by_theme


def pipeline(db: Database, actor: Actor, years: list[int]) -> pl.DataFrame:
    """Per year: candidates whose period ended that year (due), proposals made, confirmations,
    and the median months between the start of a candidacy and its confirmation."""
    require(actor, "read_staff_figures")
    frame = db.analytics.query(
        """WITH starts AS (
               SELECT institution_id, occurred_at FROM membership_events WHERE action IN ('candidacy', 'reapplied')
           ),
           confirmed AS (
               SELECT c.institution_id, c.occurred_at,
                      (SELECT max(s.occurred_at) FROM starts s
                       WHERE s.institution_id = c.institution_id AND s.occurred_at <= c.occurred_at) AS started
               FROM membership_events c WHERE c.action = 'confirmed'
           ),
           counts AS (
               SELECT CAST(extract(year FROM occurred_at) AS BIGINT) AS year,
                      count(*) FILTER (WHERE action = 'proposed') AS proposed,
                      count(*) FILTER (WHERE action = 'confirmed') AS confirmed
               FROM membership_events GROUP BY 1
           ),
           dues AS (  -- candidacies whose period ends that year (their own due date if they had one)
               SELECT CAST(extract(year FROM coalesce(due_on, CAST(occurred_at + to_months($months) AS DATE)))
                           AS BIGINT) AS year, count(*) AS due
               FROM membership_events WHERE action IN ('candidacy', 'reapplied') GROUP BY 1
           ),
           waits AS (
               SELECT CAST(extract(year FROM occurred_at) AS BIGINT) AS year,
                      median(date_diff('month', started, occurred_at)) AS median_months
               FROM confirmed WHERE started IS NOT NULL GROUP BY 1
           )
           SELECT y.year, coalesce(d.due, 0) AS due, coalesce(c.proposed, 0) AS proposed,
                  coalesce(c.confirmed, 0) AS confirmed, w.median_months
           FROM (SELECT unnest($years) AS year) y
           LEFT JOIN dues d ON d.year = y.year LEFT JOIN counts c ON c.year = y.year
           LEFT JOIN waits w ON w.year = y.year ORDER BY y.year""",
        {"years": years, "months": candidacy_months(db)},
    )
    return frame.cast(
        {"year": pl.Int64, "due": pl.Int64, "proposed": pl.Int64, "confirmed": pl.Int64, "median_months": pl.Float64}
    )


def shares(frame: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """:attr:`Reporting.by_network` summed by ``by`` (e.g. ["year"], ["year", "region"]) with
    the shares of expected schools that reported on time, late, at all, and were accepted."""
    return (
        frame.group_by(by)
        .agg(pl.col("expected", "on_time", "late", "accepted").sum())
        .with_columns(
            (pl.col(k) / pl.col("expected")).fill_nan(None).alias(f"{k}_share") for k in ("on_time", "late", "accepted")
        )
        .with_columns(
            ((pl.col("on_time") + pl.col("late")) / pl.col("expected")).fill_nan(None).alias("reported_share")
        )
        .sort(by)
    )
