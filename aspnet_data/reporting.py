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


def _years_table(db: Database, years: list[int]) -> str:
    cal = calendar(db)
    rows = []
    for year in years:
        cycle = cal.cycle(year)
        rows.append(f"({year}, DATE '{cycle.ends.isoformat()}', DATE '{cycle.due.isoformat()}')")
    return f"(VALUES {', '.join(rows)}) AS y(year, ends, due)"


def reporting(db: Database, actor: Actor, *, years: int = YEARS_SHOWN, today: date | None = None) -> Reporting:
    """The reporting figures of the ``years`` latest reporting years (the one under way last),
    from the first year anyone reported."""
    require(actor, "read_staff_figures")
    today = today or utc_now().date()
    current = calendar(db).current_year(today)
    analytics = db.analytics
    first = analytics.scalar("SELECT min(year) FROM reports")  # no trend before the first report
    shown = list(range(max(current - years + 1, min(int(first), current) if first else current), current + 1))
    expected = expected_sql("i", year="y.year", ends="y.ends")  # the years table's columns
    base = f"""
        WITH e AS (
            SELECT y.year, y.due, i.id, i.network, i.themes FROM institutions i, {_years_table(db, shown)}
            WHERE {expected}
        ),
        r AS (
            SELECT e.*, n.region, rep.state, CAST(rep.first_submitted_at AS DATE) AS first_day
            FROM e JOIN countries n ON n.iso3 = e.network
            LEFT JOIN reports rep ON rep.institution_id = e.id AND rep.year = e.year
        )"""
    by_network = analytics.query(
        base
        + """
        SELECT year, network, region, count(*) AS expected,
               count(*) FILTER (WHERE first_day <= due) AS on_time,
               count(*) FILTER (WHERE first_day > due) AS late,
               count(*) FILTER (WHERE state = 'accepted') AS accepted
        FROM r GROUP BY year, network, region ORDER BY year, network"""
    ).cast(BY_NETWORK_SCHEMA)  # type: ignore[arg-type]
    by_theme = analytics.query(
        base
        + """
        SELECT year, region, theme, count(*) AS expected, count(first_day) AS reported
        FROM (SELECT year, region, first_day, unnest(themes) AS theme FROM r)
        GROUP BY year, region, theme ORDER BY year, region, theme"""
    ).cast(BY_THEME_SCHEMA)  # type: ignore[arg-type]
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
