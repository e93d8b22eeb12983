"""Public profiles of a national network and of an institution."""

from __future__ import annotations

import re
from dataclasses import dataclass

import polars as pl

from .db import Database
from .vocab import LEVELS, STATUSES, THEMES

_ISO3 = re.compile(r"^[A-Z]{3}$")
_DIGITS = re.compile(r"^[0-9]{1,15}\Z")

# Fields anyone may see. Coordinator phone numbers and everything about accounts stay private.
NETWORK_PUBLIC = (
    "iso3",
    "national_commission",
    "coordinator_name",
    "coordinator_email",
    "website",
    "description",
    "founded_year",
    "updated_at",
)
INSTITUTION_PUBLIC = (
    "id",
    "network",
    "name",
    "name_latin",
    "city",
    "latitude",
    "longitude",
    "levels",
    "ownership",
    "themes",
    "status",
    "year_joined",
    "withdrawn_year",
    "languages",
    "pupils",
    "teachers",
    "website",
    "email",
    "updated_at",
)


@dataclass(frozen=True)
class NetworkProfile:
    network: dict  # public fields plus country names, region, capital
    by_status: dict[str, int]
    by_level: dict[str, int]  # active institutions
    by_theme: dict[str, int]  # active institutions
    growth: pl.DataFrame  # year, joined, withdrawn, members (cumulative, at year end)
    projects: pl.DataFrame  # id, title, status, themes, institutions (of this network)


def parse_code(raw: str | None) -> str | None:
    """An ISO3 code from a URL parameter, or None if it cannot be one."""
    code = (raw or "").strip().upper()
    return code if _ISO3.match(code) else None


def parse_id(raw: str | None) -> int | None:
    """An institution id from a URL parameter, or None if it cannot be one."""
    text = (raw or "").strip()
    # ASCII digits only: str.isdigit() also accepts "²" and "٤", which int() refuses or reads.
    if not _DIGITS.match(text):
        return None
    return int(text)


def network_profile(db: Database, iso3: str) -> NetworkProfile | None:
    """The public profile of a national network, or None if there is no such network."""
    cols = ", ".join(f"n.{c}" for c in NETWORK_PUBLIC)
    found = db.analytics.query(
        f"""SELECT {cols}, c.name_en, c.name_fr, c.name_es, c.region, c.capital, c.capital_lat, c.capital_lon,
                   c.population, c.unesco_status
            FROM networks n JOIN countries c USING (iso3) WHERE n.iso3 = ?""",
        [iso3],
    )
    if found.height == 0:
        return None
    by_status = dict(
        db.analytics.rows("SELECT status, count(*) FROM institutions WHERE network = ? GROUP BY status", [iso3])
    )
    levels = dict(
        db.analytics.rows(
            "SELECT v, count(*) FROM (SELECT unnest(levels) AS v FROM institutions "
            "WHERE network = ? AND status <> 'withdrawn') GROUP BY v",
            [iso3],
        )
    )
    themes = dict(
        db.analytics.rows(
            "SELECT v, count(*) FROM (SELECT unnest(themes) AS v FROM institutions "
            "WHERE network = ? AND status <> 'withdrawn') GROUP BY v",
            [iso3],
        )
    )
    growth = db.analytics.query(
        """
        WITH joined AS (SELECT year_joined AS year, count(*) AS n FROM institutions
                        WHERE network = $iso3 AND year_joined IS NOT NULL GROUP BY 1),
             left_ AS (SELECT withdrawn_year AS year, count(*) AS n FROM institutions
                       WHERE network = $iso3 AND withdrawn_year IS NOT NULL GROUP BY 1),
             years AS (SELECT year FROM joined UNION SELECT year FROM left_)
        SELECT y.year, coalesce(j.n, 0)::BIGINT AS joined, coalesce(l.n, 0)::BIGINT AS withdrawn,
               (sum(coalesce(j.n, 0) - coalesce(l.n, 0)) OVER (ORDER BY y.year))::BIGINT AS members
        FROM years y LEFT JOIN joined j USING (year) LEFT JOIN left_ l USING (year)
        ORDER BY y.year
        """,
        {"iso3": iso3},
    )
    projects = db.analytics.query(
        """
        SELECT p.id, p.title, p.status, p.themes, count(*) AS institutions
        FROM projects p
        JOIN project_members m ON m.project_id = p.id AND m.state = 'member'
        JOIN institutions i ON i.id = m.institution_id
        WHERE i.network = ?
        GROUP BY p.id, p.title, p.status, p.themes
        ORDER BY p.status = 'closed', p.title
        """,
        [iso3],
    )
    return NetworkProfile(
        network=found.row(0, named=True),
        by_status={s: int(by_status.get(s, 0)) for s in STATUSES},
        by_level={code: int(levels.get(code, 0)) for code in LEVELS},
        by_theme={code: int(themes.get(code, 0)) for code in THEMES},
        growth=growth,
        projects=projects,
    )


def list_networks(db: Database, *, lang: str = "en") -> pl.DataFrame:
    """Every national network with its country (in ``lang``), region, founding year and active
    institutions (members, candidates) and per million inhabitants, largest first."""
    name = "name_" + (lang if lang in ("en", "fr", "es") else "en")
    return db.analytics.query(
        f"""
        SELECT n.iso3, c.{name} AS country, c.region, n.founded_year,
               count(i.id) FILTER (WHERE i.status = 'member') AS members,
               count(i.id) FILTER (WHERE i.status = 'candidate') AS candidates,
               round(count(i.id) FILTER (WHERE i.status <> 'withdrawn') / nullif(c.population, 0) * 1e6, 1)
                   AS per_million
        FROM networks n JOIN countries c USING (iso3)
        LEFT JOIN institutions i ON i.network = n.iso3
        GROUP BY n.iso3, c.{name}, c.region, n.founded_year, c.population
        ORDER BY members + candidates DESC, country
        """
    )


def institution_profile(db: Database, institution_id: int) -> dict | None:
    """Every public field of an institution, with its network's country, or None."""
    cols = ", ".join(f"i.{c}" for c in INSTITUTION_PUBLIC)
    found = db.analytics.query(
        f"""SELECT {cols}, c.name_en AS country_en, c.name_fr AS country_fr, c.name_es AS country_es, c.region
            FROM institutions i JOIN countries c ON c.iso3 = i.network WHERE i.id = ?""",
        [institution_id],
    )
    if found.height == 0:
        return None
    record = found.row(0, named=True)
    record["projects"] = db.analytics.query(
        """SELECT p.id, p.title, p.status, p.themes, p.start_date, p.end_date
           FROM project_members m JOIN projects p ON p.id = m.project_id
           WHERE m.institution_id = ? AND m.state = 'member'
           ORDER BY p.start_date DESC""",
        [institution_id],
    ).to_dicts()
    return record
