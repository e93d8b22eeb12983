"""A deterministic demo ASPnet network of any size.

``build(db, institutions=10_000, seed=1953)`` fills an empty, migrated database: the
reference tables, 181 national networks with heavy-tailed sizes, institutions placed at
real towns of their own country, demo accounts, applications in every stage, message
board posts and project spaces. The same seed always gives the same database.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import string
from dataclasses import dataclass
from datetime import datetime, timedelta

import bcrypt
import numpy as np
import polars as pl
import shapely

from . import (
    audit,
    certificates,
    demo_board,
    demo_conversations,
    demo_files,
    demo_names,
    demo_notifications,
    demo_reports,
    demo_schools,
    membership,
    reference,
)
from .db import Cursor, Database, Schema, advance_sequences
from .errors import DatabaseError
from .text import fold, slug
from .vocab import FIRST_YEAR, THEMES

DEFAULT_SEED = 1953
DEFAULT_INSTITUTIONS = 10_000
NETWORK_COUNT = 181
# The demo is dated so that the same seed gives the same database on any day.
DEFAULT_AS_OF = datetime(2026, 11, 1, 9, 0, 0)

# Demo-only passwords, printed in the README. A real deployment creates its first admin
# with `python -m aspnet_data user add` and never has these accounts.
DEMO_PASSWORDS = {
    "admin": "demo-admin-2026",
    "coordinator": "demo-coord-2026",
    "analyst": "demo-analyst-2026",
    "focal_point": "demo-school-2026",  # school.<iso3> (every network's first member) and school.<id>
}
FOCAL_POINT_SHARE = 0.12  # of the other members and candidates, with a focal point

# A network's description in each interface language.
_DESCRIPTIONS = {
    "en": (
        "The ASPnet network of {country} links schools that put UNESCO's ideals into practice: education "
        "for sustainable development, global citizenship, and intercultural and heritage learning."
    ),
    "fr": (
        "Le réSEAU national ({country}) relie des établissements qui mettent en pratique les idéaux de "
        "l'UNESCO : l'éducation au développement durable, la citoyenneté mondiale, l'apprentissage "
        "interculturel et le patrimoine."
    ),
    "es": (
        "La redPEA nacional ({country}) une a centros educativos que llevan a la práctica los ideales de "
        "la UNESCO: la educación para el desarrollo sostenible, la ciudadanía mundial, el aprendizaje "
        "intercultural y el patrimonio."
    ),
}

# (levels, weight): the kinds of institution and how common each is.
_KINDS: list[tuple[tuple[str, ...], float]] = [
    (("pre_primary",), 0.04),
    (("pre_primary", "primary"), 0.09),
    (("primary",), 0.25),
    (("primary", "secondary"), 0.12),
    (("pre_primary", "primary", "secondary"), 0.02),
    (("secondary",), 0.33),
    (("secondary", "tvet"), 0.05),
    (("tvet",), 0.06),
    (("teacher_training",), 0.03),
    (("secondary", "teacher_training"), 0.01),
]
# Some levels are rarer in some regions' networks (pre-primary and TVET in Africa and the
# Arab States), which the dashboard's gap analysis should be able to find.
_LEVEL_FACTOR = {
    "AFR": {"pre_primary": 0.25, "tvet": 0.35},
    "ARB": {"pre_primary": 0.4, "tvet": 0.45},
    "LAC": {"tvet": 0.6, "teacher_training": 1.6},
}


def _regional(kind_p: np.ndarray, kinds: list[tuple[str, ...]], region: str) -> np.ndarray:
    factors = _LEVEL_FACTOR.get(region, {})
    weights = kind_p * np.array([min(factors.get(level, 1.0) for level in kind) for kind in kinds])
    return weights / weights.sum()


# Europe and North America and Asia and the Pacific hold most ASPnet schools.
_REGION_WEIGHT = {"EUR": 1.6, "APA": 1.5, "ARB": 0.9, "LAC": 0.8, "AFR": 0.55}
_PUPILS_MEDIAN = {"pre_primary": 90, "primary": 320, "secondary": 650, "tvet": 480, "teacher_training": 700}
_SECOND_LANGUAGES = ["en", "fr", "es", "ar", "de", "pt", "ru", "zh"]

_PROJECT_TITLES = [
    ("Climate Action Schools", ("esd",)),
    ("Sandwatch: Schools Monitoring Their Coasts", ("esd",)),
    ("Blue Schools for a Healthy Ocean", ("esd",)),
    ("Biodiversity Gardens Across Borders", ("esd", "heritage")),
    ("Rivers of the World", ("esd", "heritage")),
    ("Young People for World Heritage", ("heritage",)),
    ("Transatlantic Slave Trade Education", ("heritage", "gced")),
    ("Peace Messengers", ("gced",)),
    ("Writing for Peace", ("gced", "heritage")),
    ("Whole-School Approach to Climate Change", ("esd", "gced")),
    ("Digital Citizenship Circles", ("gced",)),
    ("Intangible Heritage in the Classroom", ("heritage",)),
    ("Water for Life", ("esd",)),
    ("Languages Bridge", ("heritage", "gced")),
    ("Green Campus Challenge", ("esd",)),
    ("Human Rights Through Art", ("gced", "heritage")),
]


@dataclass(frozen=True)
class DemoSummary:
    networks: int
    institutions: int
    users: int
    applications: int
    projects: int
    messages: int


def build(
    db: Database,
    *,
    institutions: int = DEFAULT_INSTITUTIONS,
    seed: int = DEFAULT_SEED,
    as_of: datetime = DEFAULT_AS_OF,
    progress=None,
) -> DemoSummary:
    """Fill an empty database with a demo network. Raises DatabaseError if it has data."""
    if institutions < 0:
        raise DatabaseError("--institutions must be zero or more")
    if db.scalar("SELECT count(*) FROM countries"):
        raise DatabaseError(f"{db.path} already holds data; the demo needs an empty database")
    say = progress or (lambda message: None)
    gen = _Generator(seed=seed, as_of=as_of)

    say("networks")
    networks = gen.networks()
    say(f"{institutions:,} institutions")
    inst = gen.institutions(networks, institutions)
    networks = gen.finish_networks(networks, inst)
    say("accounts")
    users = gen.users(networks)
    say("applications")
    apps, events = gen.applications(networks, inst, max(40, institutions // 40))
    say("projects and message board")
    projects, members = gen.projects(users, inst, max(6, institutions // 500))
    channels, messages, reads = gen.board(users, projects, members, inst, networks, max(120, institutions // 20))
    membership_events = gen.membership(inst)
    focal_users, invitations, school_changes = gen.focal_points(inst, networks)
    schools = demo_schools.build(seed + 53, as_of, networks, inst, focal_users, channels, messages)
    inst = inst.update(schools.pop("approved"), on="id")
    channels = pl.concat([channels, schools.pop("channels")], how="diagonal")
    messages = pl.concat([messages, schools.pop("messages")], how="diagonal")
    talks = demo_conversations.build(
        seed + 59, as_of, users, channels, messages, count=max(8, min(60, institutions // 200))
    )
    channels = pl.concat([channels, talks.pop("channels")], how="diagonal")
    messages = pl.concat([messages, talks.pop("messages")], how="diagonal")
    reads = pl.concat([reads, talks.pop("channel_reads")], how="diagonal")
    say("annual reports")
    report_frames = demo_reports.build(inst, networks, as_of=as_of, seed=seed + 41)

    everyone = pl.concat([users, focal_users], how="diagonal").with_columns(pl.col("disabled").fill_null(False))
    shared = demo_files.build(seed + 67, as_of, projects, members, inst, users)
    sent = demo_files.conversation_files(shared["files"].height + 1, messages, channels, users)
    shared = {**shared, "files": pl.concat([shared["files"], sent["files"]]), "message_files": sent["message_files"]}
    frames = {
        "networks": networks.drop("region", "language", "script", "name_en"),
        "institutions": inst,
        "users": everyone,
        "notification_settings": demo_notifications.settings(
            everyone, int(messages.select(pl.col("id").max()).item() or 0), seed=seed + 61, as_of=as_of
        ),
        "applications": apps,
        "application_events": events,
        "projects": projects,
        "project_members": members,
        **shared,
        "channels": channels,
        "messages": messages,
        "channel_reads": reads,
        "channel_members": talks.pop("channel_members"),
        "membership_events": membership_events,
        "invitations": invitations,
        **schools,
        **report_frames,
    }

    def fill(cur: Cursor):
        reference.install(cur)
        for table, frame in frames.items():
            cur.register("demo_frame", frame.to_arrow())
            cols = ", ".join(frame.columns)
            cur.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM demo_frame")
            cur.unregister("demo_frame")
        audit.record_many(cur, school_changes)
        # Each member's certificate dates from the day it joined (its record's creation).
        certificates.issue_certificates(cur, inst.filter(pl.col("status") == "member")["id"].to_list(), latest=as_of)
        advance_sequences(cur)
        cur.execute("UPDATE meta SET value = ? WHERE key = 'demo_seed'", [str(seed)])
        audit.record(
            cur,
            "system",
            "demo.build",
            "database",
            "demo",
            after={"seed": seed, "institutions": institutions},
            when=as_of,
        )

    say("writing")
    db.write(fill)
    db.checkpoint()
    return DemoSummary(
        networks=networks.height,
        institutions=inst.height,
        users=users.height,
        applications=apps.height,
        projects=projects.height,
        messages=messages.height,
    )


def _event(row: dict, action: str, status: str, actor: str, when: datetime, *, reason=None, comment=None) -> dict:
    return {
        "institution_id": row["id"],
        "network": row["network"],
        "action": action,
        "status": status,
        "reason": reason,
        "comment": comment,
        "due_on": None,
        "actor": actor,
        "occurred_at": when,
    }


class _Generator:
    def membership(self, inst: pl.DataFrame) -> pl.DataFrame:
        """Membership events: each candidate's candidacy; a proposal by its coordinator for
        about half of those past 24 months; a withdrawal with its reason code for each
        withdrawn school. Drawn from a generator of their own (the other tables do not move)."""
        rng = np.random.default_rng(self.seed + 17)
        rows: list[dict] = []
        for r in (
            inst.filter(pl.col("status") != "member")
            .select("id", "network", "status", "created_at", "withdrawn_year")
            .iter_rows(named=True)
        ):
            coordinator = f"coord.{r['network'].lower()}"
            if r["status"] == "candidate":
                start = r["created_at"]
                rows.append(_event(r, "candidacy", "candidate", "admin", start))
                due = start + timedelta(days=731)
                if due < self.as_of and rng.random() < 0.5:
                    when = due + (self.as_of - due) * float(rng.random())
                    rows.append(
                        _event(
                            r,
                            "proposed",
                            "candidate",
                            coordinator,
                            when,
                            comment="Active in two projects; annual reports sent.",
                        )
                    )
            else:
                year = int(r["withdrawn_year"] or self.as_of.year)
                when = max(r["created_at"], datetime(year, 1, 1) + timedelta(days=int(rng.integers(0, 360))))
                when = min(when, self.as_of)
                reason = str(rng.choice(["closed", "left", "inactive"], p=[0.3, 0.35, 0.35]))
                rows.append(_event(r, "withdrawn", "withdrawn", coordinator, when, reason=reason))
        rows += self._confirmations(inst)
        rows.sort(key=lambda e: (e["occurred_at"], e["institution_id"]))
        for n, row in enumerate(rows, start=1):
            row["id"] = n
        return pl.DataFrame(rows, schema=membership.EVENT_SCHEMA)

    def _confirmations(self, inst: pl.DataFrame) -> list[dict]:
        """The way of the members who joined in the last eight years: a candidacy of two years
        or more, the coordinator's proposal, UNESCO's confirmation on the day the member's
        record (and certificate) dates from."""
        rng = np.random.default_rng(self.seed + 31)
        rows: list[dict] = []
        recent = inst.filter((pl.col("status") == "member") & (pl.col("year_joined") >= self.as_of.year - 8))
        for r in recent.select("id", "network", "created_at").iter_rows(named=True):
            confirmed = r["created_at"]
            proposed = confirmed - timedelta(days=int(rng.integers(20, 120)))
            start = proposed - timedelta(days=int(rng.integers(731, 1100)))
            coordinator = f"coord.{r['network'].lower()}"
            rows.append(_event(r, "candidacy", "candidate", "admin", start))
            rows.append(_event(r, "proposed", "candidate", coordinator, proposed))
            rows.append(_event(r, "confirmed", "member", "admin", confirmed))
        return rows

    def __init__(self, *, seed: int, as_of: datetime) -> None:
        self.seed = seed
        self.as_of = as_of
        self.np = np.random.default_rng(seed)
        self.py = random.Random(seed)
        self.countries = reference.countries()
        self.towns = reference.towns()
        self.shapes = reference.country_shapes()

    # -- networks --------------------------------------------------------------
    def networks(self) -> pl.DataFrame:
        members = self.countries.filter(pl.col("unesco_status") == "member").sort("iso3")
        chosen = sorted(self.py.sample(members["iso3"].to_list(), NETWORK_COUNT))
        frame = members.filter(pl.col("iso3").is_in(chosen)).sort("iso3")
        rows = []
        for c in frame.iter_rows(named=True):
            lang = c["language"] if c["language"] in ("fr", "es") else "en"
            country = c[f"name_{lang}"]
            first, last = demo_names.people(c["language"] or "en")
            person = f"{self.py.choice(first)[1]} {self.py.choice(last)[1]}"
            cc = c["iso2"].lower()
            rows.append(
                {
                    "iso3": c["iso3"],
                    "name_en": c["name_en"],
                    "region": c["region"],
                    "language": c["language"] or "en",
                    "script": c["script"] or "Latn",
                    "national_commission": demo_names.NATIONAL_COMMISSION[lang].format(country=country),
                    "coordinator_name": person,
                    "coordinator_email": f"aspnet@natcom.{cc}.example",
                    "coordinator_phone": " ".join(
                        [
                            f"+{self.py.randint(1, 999)}",
                            str(self.py.randint(100, 999)),
                            str(self.py.randint(1000, 9999)),
                        ]
                    ),
                    "website": f"https://natcom.{cc}.example/aspnet",
                    **self._description(c, lang),
                }
            )
        return pl.DataFrame(rows)

    def _description(self, country: dict, lang: str) -> dict:
        """The description in the network's own language (English where it is neither French nor
        Spanish), translated into both other interface languages, one, or none."""
        # A generator of its own per network: the main sequence of draws stays as it was.
        draw = random.Random(f"{self.seed}:{country['iso3']}:description")
        others = [other for other in _DESCRIPTIONS if other != lang]
        chance = draw.random()
        translated = others if chance < 0.35 else [draw.choice(others)] if chance < 0.6 else []
        texts = {other: _DESCRIPTIONS[other].format(country=country[f"name_{other}"]) for other in _DESCRIPTIONS}
        return {
            "description": texts[lang],
            "description_language": lang,
            **{f"description_{other}": texts[other] if other in translated else None for other in _DESCRIPTIONS},
        }

    def _network_sizes(self, networks: pl.DataFrame, total: int) -> list[int]:
        n = networks.height
        if total == 0:
            return [0] * n
        pop = networks.join(self.countries.select("iso3", "population"), on="iso3", how="left")["population"]
        region_factor = networks["region"].replace_strict(_REGION_WEIGHT, default=1.0).to_numpy()
        # Mostly the country's size (its square root: hundreds of schools in the most populous
        # countries, a handful in small states) and its region's habit of the network, with a
        # little chance on top.
        weights = (
            self.np.lognormal(mean=0.0, sigma=0.45, size=n)
            * region_factor
            * np.power(pop.fill_null(1e6).to_numpy() + 1e5, 0.5)
        )
        # The largest national network holds about 11% of all schools (Japan's, with ~1,100
        # of ~10,000, in reality).
        top = int(np.argmax(weights))
        rest = weights.sum() - weights[top]
        weights[top] = rest * 0.11 / 0.89
        base = 1 if total >= n else 0
        remaining = total - base * n
        exact = weights / weights.sum() * remaining
        sizes = np.floor(exact).astype(int)
        for i in np.argsort(-(exact - sizes))[: remaining - sizes.sum()]:
            sizes[i] += 1
        return [int(s) + base for s in sizes]

    # -- institutions ------------------------------------------------------------
    def institutions(self, networks: pl.DataFrame, total: int) -> pl.DataFrame:
        """All institutions, drawn network by network; vectorised so 1,000,000 take about a minute."""
        sizes = self._network_sizes(networks, total)
        kinds = [k for k, _ in _KINDS]
        kind_p = np.array([w for _, w in _KINDS])
        kind_p /= kind_p.sum()
        kind_levels = pl.Series("levels", [list(k) for k in kinds], dtype=pl.List(pl.String))
        # The level a school's name is built from: its highest, TVET where it offers it.
        kind_main = ["tvet" if "tvet" in k else k[-1] for k in kinds]
        kind_pupils = np.array([_PUPILS_MEDIAN[m] for m in kind_main], dtype=float)
        theme_sets = pl.Series(
            "themes", [[THEMES[j] for j in range(3) if mask >> j & 1] for mask in range(8)], dtype=pl.List(pl.String)
        )
        years = np.arange(FIRST_YEAR, self.as_of.year + 1)
        year_p = np.exp(0.055 * (years - FIRST_YEAR))
        year_p /= year_p.sum()
        towns_by_country = {key[0]: frame for key, frame in self.towns.group_by(["iso3"])}
        iso2_of = dict(self.countries.select("iso3", "iso2").rows())
        as_of = np.datetime64(self.as_of, "s")
        folded: dict[str, str] = {}
        slugs: dict[str, str] = {}

        def fold_once(text: str) -> str:
            out = folded.get(text)
            if out is None:
                out = folded[text] = fold(text)
            return out

        chunks = []
        for net, size in zip(networks.iter_rows(named=True), sizes):
            if size == 0:
                continue
            iso3 = net["iso3"]
            towns = towns_by_country[iso3]
            lat, lon, town_idx = self._place(iso3, towns, size)
            kind_idx = self.np.choice(len(kinds), size=size, p=_regional(kind_p, kinds, net["region"]))
            theme_mask = self._theme_masks(size)
            year = self.np.choice(years, size=size, p=year_p)
            # Older members drift away more often; a few percent are candidates.
            draw = self.np.random(size)
            withdrawn = (draw >= 0.04) & (draw < 0.04 + np.where(year < 2015, 0.10, 0.03))
            candidate = draw < 0.04
            status = np.where(candidate, "candidate", np.where(withdrawn, "withdrawn", "member"))
            span = np.maximum(self.as_of.year - year, 0)
            withdrawn_year = np.minimum(year + 1 + (self.np.random(size) * span).astype(int), self.as_of.year)
            private = self.np.random(size) < (0.2 if net["region"] in ("EUR", "APA") else 0.3)
            pupils = (kind_pupils[kind_idx] * self.np.lognormal(0.0, 0.5, size=size)).astype(np.int32)
            teachers = np.maximum(2, pupils / self.np.uniform(12, 28, size=size)).astype(np.int32)
            joined_at = (
                (year - 1970).astype("datetime64[Y]").astype("datetime64[s]")
                + self.np.integers(0, 360, size=size) * np.timedelta64(1, "D")
                + self.np.integers(9 * 3600, 17 * 3600, size=size) * np.timedelta64(1, "s")
            )
            # Candidates of every age, 20 days to 3 years (about a third past the usual 24-month
            # candidacy): the draw of 20 to 400 days, stretched, so that every draw after it
            # stays the same as it was.
            drawn = self.np.integers(20 * 86400, 400 * 86400, size=size)
            age_s = 20 * 86400 + (drawn - 20 * 86400) * 1080 // 380
            applied_at = as_of - age_s * np.timedelta64(1, "s")
            created = np.where(candidate, applied_at, joined_at)
            stale = self.np.random(size) < 0.15  # records untouched for over two years
            age = np.where(stale, self.np.integers(731, 2200, size=size), self.np.integers(0, 730, size=size))
            updated = np.maximum(
                created,
                as_of - age * np.timedelta64(1, "D") - self.np.integers(0, 86400, size=size) * np.timedelta64(1, "s"),
            )
            language_sets = [[net["language"]]] + [
                [net["language"]] if extra == net["language"] else [net["language"], extra]
                for extra in _SECOND_LANGUAGES
            ]
            language_idx = np.where(
                self.np.random(size) < 0.3, 1 + self.np.integers(0, len(_SECOND_LANGUAGES), size=size), 0
            )
            names, latins, searches, cities = self._names(net, towns, town_idx, kind_idx, kind_main, fold_once)
            sites = [slugs.get(n) or slugs.setdefault(n, slug(n, max_length=30)) for n in latins]
            cc = iso2_of[iso3].lower()
            chunks.append(
                pl.DataFrame(
                    {
                        "network": pl.Series([iso3] * size, dtype=pl.String),
                        "name": names,
                        "name_latin": latins,
                        "search_text": searches,
                        "city": cities,
                        "latitude": lat,
                        "longitude": lon,
                        "levels": kind_levels.gather(kind_idx),
                        "ownership": np.where(private, "private", "public"),
                        "themes": theme_sets.gather(theme_mask),
                        "status": status,
                        "year_joined": pl.Series(np.where(candidate, -1, year), dtype=pl.Int32),
                        "withdrawn_year": pl.Series(np.where(withdrawn, withdrawn_year, -1), dtype=pl.Int32),
                        "languages": pl.Series(
                            [language_sets[k] for k in range(len(language_sets))], dtype=pl.List(pl.String)
                        ).gather(language_idx),
                        "pupils": pupils,
                        "teachers": teachers,
                        "site": sites,
                        "has_web": self.np.random(size) < 0.65,
                        "has_mail": self.np.random(size) < 0.8,
                        "cc": pl.Series([cc] * size, dtype=pl.String),
                        "created_at": created.astype("datetime64[us]"),
                        "updated_at": updated.astype("datetime64[us]"),
                    }
                )
            )
        frame = (
            pl.concat(chunks)
            .with_columns(
                pl.col("year_joined").replace(-1, None),
                pl.col("withdrawn_year").replace(-1, None),
                pl.when("has_web").then(pl.format("https://{}.{}.example", "site", "cc")).alias("website"),
                pl.when("has_mail").then(pl.format("contact@{}.{}.example", "site", "cc")).alias("email"),
                pl.col("created_at").cast(pl.Datetime("us")),
                pl.col("updated_at").cast(pl.Datetime("us")),
                pl.format("coord.{}", pl.col("network").str.to_lowercase()).alias("updated_by"),
            )
            .drop("site", "has_web", "has_mail", "cc")
        )
        return frame.with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))

    def _theme_masks(self, size: int) -> np.ndarray:
        """A bit mask of themes per school: most take one or two; each network leans its own way."""
        theme_p = self.np.dirichlet([2.0, 1.4, 1.2])
        count = self.np.choice([1, 2, 3], size=size, p=[0.55, 0.35, 0.10])
        # Weighted sampling without replacement (Efraimidis-Spirakis): the largest keys win.
        keys = self.np.random((size, 3)) ** (1.0 / theme_p)
        rank = np.argsort(np.argsort(-keys, axis=1), axis=1)
        chosen = rank < count[:, None]
        return (chosen * np.array([1, 2, 4])).sum(axis=1)

    def _names(self, net: dict, towns: pl.DataFrame, town_idx, kind_idx, kind_main, fold_once):
        """Names in the country's script, their Latin form, folded search text and city."""
        tpl_lang, templates, patrons = demo_names.school_templates(net["language"], net["script"])
        _, en_templates, en_patrons = demo_names.school_templates("en", "Latn")
        local_script = tpl_lang in demo_names.TEMPLATE_SCRIPTS
        town_names = towns["name"].to_list()
        town_locals = towns["name_local"].to_list()
        size = len(town_idx)
        tpl_draw = self.np.integers(0, 1 << 30, size=size)
        patron_draw = self.np.integers(0, 1 << 30, size=size)
        numbers = self.np.integers(1, 61, size=size)
        names, latins, searches, cities = [], [], [], []
        for t, k, td, pd, n in zip(
            town_idx.tolist(), kind_idx.tolist(), tpl_draw.tolist(), patron_draw.tolist(), numbers.tolist()
        ):
            town, town_local = town_names[t], town_locals[t]
            # Without the town's name in the local script, fall back to an English name.
            use_local = local_script and bool(town_local)
            tpls, pats = (en_templates, en_patrons) if local_script and not use_local else (templates, patrons)
            options = tpls[kind_main[k]]
            local_tpl, latin_tpl = options[td % len(options)]
            p_local, p_latin = pats[pd % len(pats)]
            name = local_tpl.format(t=town_local if use_local else town, p=p_local, n=n, tl=town, pl=p_latin)
            latin = latin_tpl.format(t=town, p=p_latin, n=n, tl=town, pl=p_latin)
            parts = [fold_once(latin), fold_once(town)]
            if name != latin:
                parts.append(fold_once(name))
            if town_local:
                parts.append(fold_once(town_local))
            names.append(name)
            latins.append(latin)
            searches.append(" ".join(parts))
            cities.append(town)
        return names, latins, searches, cities

    def _place(self, iso3: str, towns: pl.DataFrame, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Points near real towns of the country, never outside its outline."""
        pop = towns["population"].fill_null(0).to_numpy().astype(float)
        weights = np.sqrt(pop + 2000.0)
        idx = self.np.choice(towns.height, size=size, p=weights / weights.sum())
        base_lat = towns["lat"].to_numpy()[idx]
        base_lon = towns["lon"].to_numpy()[idx]
        spread = np.clip(np.sqrt(pop[idx] + 1.0) / 40000.0, 0.004, 0.06)
        # Rounded to the precision stored before the check, so a stored point is a checked point.
        lat = np.round(base_lat + self.np.normal(0.0, 1.0, size=size) * spread, 5)
        lon = np.round(
            base_lon
            + self.np.normal(0.0, 1.0, size=size) * spread / max(0.2, math.cos(math.radians(float(base_lat.mean())))),
            5,
        )
        geom = self.shapes.get(iso3)
        if geom is None:
            # Without an outline (tiny atolls) nothing can tell land from lagoon: stay on the town.
            lat, lon = base_lat, base_lon
        else:
            outside = ~shapely.contains_xy(geom, lon, lat)
            # A jittered point that left the country (sea, border) goes back to its town,
            # which the reference data guarantees to be inside.
            lat = np.where(outside, base_lat, lat)
            lon = np.where(outside, base_lon, lon)
        return np.round(lat, 5), np.round(lon, 5), idx

    def finish_networks(self, networks: pl.DataFrame, inst: pl.DataFrame) -> pl.DataFrame:
        first = inst.group_by("network").agg(pl.col("year_joined").min().alias("first_year"))
        out = networks.join(first, left_on="iso3", right_on="network", how="left")
        founded = [
            (y if y is not None else self.as_of.year) - self.py.randint(0, 3) for y in out["first_year"].to_list()
        ]
        updated = [self.as_of - timedelta(days=self.py.randrange(0, 900)) for _ in range(out.height)]
        return out.drop("first_year").with_columns(
            pl.Series("founded_year", [max(FIRST_YEAR, y) for y in founded], dtype=pl.Int32),
            pl.Series("updated_at", updated),
            pl.Series("updated_by", [f"coord.{i.lower()}" for i in out["iso3"]]),
        )

    # -- accounts ------------------------------------------------------------------
    def users(self, networks: pl.DataFrame) -> pl.DataFrame:
        hashes = {
            role: bcrypt.hashpw(pw.encode(), self._salt()).decode()
            for role, pw in DEMO_PASSWORDS.items()
            if role != "focal_point"  # focal_points() draws its own
        }
        created = self.as_of - timedelta(days=400)
        rows = []
        for i, name in enumerate(["UNESCO ASPnet Secretariat", "Education Sector Officer", "Network Data Officer"]):
            username = "admin" if i == 0 else f"admin{i + 1}"
            rows.append((username, name, f"{username}@unesco.example", "admin", None, hashes["admin"], "en"))
        for net in networks.iter_rows(named=True):
            username = f"coord.{net['iso3'].lower()}"
            lang = net["language"] if net["language"] in ("fr", "es") else "en"
            rows.append(
                (
                    username,
                    net["coordinator_name"],
                    net["coordinator_email"],
                    "coordinator",
                    net["iso3"],
                    hashes["coordinator"],
                    lang,
                )
            )
        for i in range(3):
            username = "analyst" if i == 0 else f"analyst{i + 1}"
            rows.append(
                (
                    username,
                    f"Analyst {i + 1}",
                    f"{username}@unesco.example",
                    "analyst",
                    None,
                    hashes["analyst"],
                    ("en", "fr", "es")[i],
                )
            )
        frame = pl.DataFrame(
            rows,
            schema=["username", "display_name", "email", "role", "network", "password_hash", "language"],
            orient="row",
        )
        return frame.with_columns(pl.lit(created).alias("created_at"))

    def focal_points(
        self, inst: pl.DataFrame, networks: pl.DataFrame
    ) -> tuple[pl.DataFrame, pl.DataFrame, list[audit.Entry]]:
        """Focal points: one for every network's first member (``school.<iso3>``) and one for
        :data:`FOCAL_POINT_SHARE` of the other members and candidates (``school.<id>``); most
        accepted their invitation, some have one waiting or expired, a few were ended. About a
        third changed their school's details (the audit rows the coordinator may undo).
        Drawn from a generator of their own (the other tables do not move)."""
        rng = random.Random(self.seed + 29)
        alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        salt = "$2b$12$" + "".join(rng.choice(alphabet) for _ in range(21)) + rng.choice(".Oeu")
        hashed = bcrypt.hashpw(DEMO_PASSWORDS["focal_point"].encode(), salt.encode()).decode()
        languages = dict(zip(networks["iso3"], networks["language"], strict=True))
        active = inst.filter(pl.col("status") != "withdrawn").sort("id")
        first = set(active.group_by("network").agg(pl.col("id").min())["id"])
        users, invitations, changes = [], [], []

        def upto(moment: datetime) -> datetime:
            return min(moment, self.as_of)

        for r in active.select("id", "network", "status", "pupils", "created_at").iter_rows(named=True):
            if r["id"] not in first and rng.random() >= FOCAL_POINT_SHARE:
                continue
            username = f"school.{r['network'].lower()}" if r["id"] in first else f"school.{r['id']}"
            given, family = demo_names.people(languages.get(r["network"]) or "en")
            name = f"{rng.choice(given)[1]} {rng.choice(family)[1]}"
            lang = languages.get(r["network"]) if languages.get(r["network"]) in ("fr", "es") else "en"
            invited = max(r["created_at"], self.as_of - timedelta(days=720)) + timedelta(days=rng.randrange(5, 60))
            invited = min(invited, self.as_of - timedelta(days=1))
            states = ("active", "invited", "expired", "ended")
            state = "active" if r["id"] in first else rng.choices(states, (80, 8, 7, 5))[0]
            if state == "invited":
                invited = self.as_of - timedelta(days=rng.randrange(1, 13))
            email = f"{username.replace('.', '-')}@school.example"
            login = upto(invited + timedelta(days=rng.randrange(1, 30)))
            used = upto(invited + timedelta(days=rng.randrange(0, 10)))
            users.append(
                {
                    "username": username,
                    "display_name": name,
                    "email": email,
                    "role": "focal_point",
                    "network": r["network"],
                    "institution_id": r["id"],
                    "password_hash": hashed,
                    "language": lang,
                    "disabled": state == "ended",
                    "created_at": invited,
                    "last_login_at": login if state == "active" else None,
                }
            )
            invitations.append(
                {
                    "token_hash": hashlib.sha256(f"demo invitation {username} {rng.random()}".encode()).hexdigest(),
                    "username": username,
                    "institution_id": r["id"],
                    "email": email,
                    "created_by": f"coord.{r['network'].lower()}",
                    "created_at": invited,
                    "expires_at": invited + timedelta(days=14),
                    "used_at": used if state in ("active", "ended") else None,
                    "revoked_at": upto(invited + timedelta(days=200)) if state == "ended" else None,
                }
            )
            if state == "active" and r["pupils"] and r["pupils"] > 40 and rng.random() < 0.35:
                before = r["pupils"] - rng.choice((-30, -12, 8, 15, 25))
                changes.append(
                    audit.Entry(
                        username,
                        "institution.school_update",
                        "institutions",
                        r["id"],
                        {"network": r["network"], "pupils": before},
                        {"network": r["network"], "pupils": r["pupils"]},
                        when=upto(users[-1]["last_login_at"] + timedelta(days=rng.randrange(0, 60))),
                    )
                )
        moment = pl.Datetime("us")
        user_frame = pl.DataFrame(users, schema_overrides={"institution_id": pl.Int64, "last_login_at": moment})
        invitation_frame = pl.DataFrame(invitations, schema_overrides={"used_at": moment, "revoked_at": moment})
        return user_frame, invitation_frame, changes

    def _salt(self) -> bytes:
        """A bcrypt salt drawn from the seed, so demo databases are reproducible byte for byte."""
        alphabet = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
        body = "".join(self.py.choice(alphabet) for _ in range(21)) + self.py.choice(".Oeu")
        return f"$2b$12${body}".encode()

    # -- applications --------------------------------------------------------------
    def applications(self, networks: pl.DataFrame, inst: pl.DataFrame, count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        finals = [
            "draft",
            "submitted",
            "returned",
            "recommended",
            "declined_coordinator",
            "approved",
            "declined_unesco",
            "withdrawn",
        ]
        final_p = [0.05, 0.2, 0.08, 0.15, 0.07, 0.35, 0.05, 0.05]
        candidates = inst.filter(pl.col("status") == "candidate").select(
            "id",
            "network",
            "name",
            "name_latin",
            "city",
            "latitude",
            "longitude",
            "levels",
            "ownership",
            "languages",
            "pupils",
            "teachers",
            "themes",
            "email",
            "website",
        )
        by_net: dict[str, list[dict]] = {}
        for row in candidates.iter_rows(named=True):
            by_net.setdefault(row["network"], []).append(row)
        pool = inst.select(
            "network",
            "name",
            "name_latin",
            "city",
            "latitude",
            "longitude",
            "levels",
            "ownership",
            "languages",
            "pupils",
            "teachers",
            "themes",
            "email",
            "website",
        )
        sample_idx: list[int] = self.np.choice(pool.height, size=count).tolist() if pool.height else []
        coord_of = {iso: f"coord.{iso.lower()}" for iso in networks["iso3"]}
        apps, events = [], []
        alphabet = string.ascii_uppercase.replace("O", "").replace("I", "") + "23456789"
        first, last = demo_names.people("en")
        for app_id, k in enumerate(sample_idx, start=1):
            base = pool.row(int(k), named=True)
            final = self.py.choices(finals, weights=final_p)[0]
            linked = None
            if final == "approved" and by_net.get(base["network"]):
                linked = by_net[base["network"]].pop()
                base = linked
            path = {
                "draft": [],
                "submitted": ["submitted"],
                "returned": ["submitted", "returned"],
                "recommended": ["submitted", "recommended"],
                "declined_coordinator": ["submitted", "declined_coordinator"],
                "approved": ["submitted", "recommended", "approved"],
                "declined_unesco": ["submitted", "recommended", "declined_unesco"],
                "withdrawn": ["submitted", "withdrawn"],
            }[final]
            if final in ("recommended", "approved") and self.py.random() < 0.25:
                path = ["submitted", "returned", "submitted"] + path[1:]
            steps = [
                timedelta(days=max(1, int(self.np.lognormal(3.0, 0.8))), hours=self.py.randrange(1, 8)) for _ in path
            ]
            # Each stage takes days to weeks; the whole history ends before the demo's date.
            created = self.as_of - sum(steps, timedelta()) - timedelta(days=self.py.randrange(1, 500))
            at, stamps = created, []
            for stage, step in zip(path, steps):
                at = at + step
                stamps.append((stage, at))
            iso = base["network"]
            contact = f"{self.py.choice(first)[1]} {self.py.choice(last)[1]}"
            reference_code = "ASP-" + "".join(self.py.choice(alphabet) for _ in range(10))
            plans = dict.fromkeys(
                base["themes"], "We will run a school-wide project and share it with partner schools."
            )
            apps.append(
                {
                    "id": app_id,
                    "reference": reference_code,
                    "network": iso,
                    "institution_name": base["name"],
                    "name_latin": base["name_latin"],
                    "city": base["city"],
                    "address": f"{self.py.randint(1, 200)} Main Street, {base['city']}",
                    "latitude": base["latitude"],
                    "longitude": base["longitude"],
                    "levels": base["levels"],
                    "ownership": base["ownership"],
                    "languages": base["languages"],
                    "pupils": base["pupils"],
                    "teachers": base["teachers"],
                    "themes": base["themes"],
                    "theme_plans": json.dumps(plans),
                    "school_email": base["email"],
                    "website": base["website"],
                    "contact_name": contact,
                    "contact_email": f"{slug(contact, max_length=20)}@school.example",
                    "language": self.py.choice(["en", "fr", "es"]),
                    "stage": final,
                    "institution_id": linked["id"] if linked else None,
                    "created_at": created,
                    "submitted_at": stamps[0][1] if stamps else None,
                    "updated_at": stamps[-1][1] if stamps else created,
                }
            )
            for stage, when in stamps:
                actor = {
                    "submitted": "applicant",
                    "withdrawn": "applicant",
                    "recommended": coord_of[iso],
                    "returned": coord_of[iso],
                    "declined_coordinator": coord_of[iso],
                }.get(stage, "admin")
                comment = {
                    "returned": "Please describe your ESD activities in more detail.",
                    "recommended": "A committed school with a strong project; recommended.",
                    "declined_coordinator": "The school is outside the levels covered by ASPnet.",
                    "approved": "Welcome to ASPnet!",
                    "declined_unesco": "The application does not meet the criteria.",
                }.get(stage)
                events.append(
                    {"application_id": app_id, "occurred_at": when, "stage": stage, "actor": actor, "comment": comment}
                )
        list_cols: Schema = {
            "levels": pl.List(pl.String),
            "languages": pl.List(pl.String),
            "themes": pl.List(pl.String),
            "pupils": pl.Int32,
            "teachers": pl.Int32,
            "institution_id": pl.Int64,
            "latitude": pl.Float64,
            "longitude": pl.Float64,
            "submitted_at": pl.Datetime("us"),
        }
        app_frame = pl.DataFrame(apps, schema_overrides=list_cols) if apps else pl.DataFrame()
        event_frame = pl.DataFrame(events).with_row_index("id", offset=1).with_columns(pl.col("id").cast(pl.Int64))
        return app_frame, event_frame

    # -- projects and board ----------------------------------------------------------
    def projects(self, users: pl.DataFrame, inst: pl.DataFrame, count: int) -> tuple[pl.DataFrame, pl.DataFrame]:
        coords = users.filter(pl.col("role") == "coordinator").select("username", "network").rows()
        active = inst.filter(pl.col("status") != "withdrawn").select("id", "network")
        ids_by_net: dict[str, list[int]] = {}
        for iid, net in active.iter_rows():
            ids_by_net.setdefault(net, []).append(iid)
        nets = sorted(ids_by_net)
        projects, members = [], []
        for pid in range(1, count + 1):
            title, themes = _PROJECT_TITLES[(pid - 1) % len(_PROJECT_TITLES)]
            if pid > len(_PROJECT_TITLES):
                title = f"{title} {2000 + self.py.randint(15, 26)}"
            owner, owner_net = self.py.choice(coords)
            start = (self.as_of - timedelta(days=self.py.randrange(30, 1500))).date()
            end = start + timedelta(days=self.py.choice([365, 730, 1095]))
            status = "closed" if end < self.as_of.date() else self.py.choice(["open", "active", "active"])
            created = datetime.combine(start, datetime.min.time()) - timedelta(days=30)
            projects.append(
                {
                    "id": pid,
                    "title": title,
                    "description": f"Schools in several countries work together on {title.lower()}, share lessons and "
                    "meet online each term.",
                    "themes": list(themes),
                    "languages": self.py.sample(["en", "fr", "es"], k=self.py.randint(1, 2)),
                    "start_date": start,
                    "end_date": end,
                    "status": status,
                    "owner": owner,
                    "network": owner_net,
                    "created_at": created,
                    "updated_at": created,
                }
            )
            partner_nets = [owner_net] + self.py.sample(nets, k=min(len(nets), self.py.randint(1, 4)))
            seen = set()
            for net in partner_nets:
                pool = ids_by_net.get(net, [])
                for iid in self.py.sample(pool, k=min(len(pool), self.py.randint(1, 4))):
                    if iid in seen:
                        continue
                    seen.add(iid)
                    state = "member" if net == owner_net or self.py.random() < 0.8 else "requested"
                    members.append(
                        {
                            "project_id": pid,
                            "institution_id": iid,
                            "state": state,
                            "added_by": f"coord.{net.lower()}",
                            "added_at": created + timedelta(days=self.py.randrange(60)),
                        }
                    )
        member_frame = pl.DataFrame(
            members,
            schema={
                "project_id": pl.Int64,
                "institution_id": pl.Int64,
                "state": pl.String,
                "added_by": pl.String,
                "added_at": pl.Datetime("us"),
            },
        )
        return pl.DataFrame(projects), member_frame

    def board(
        self,
        users: pl.DataFrame,
        projects: pl.DataFrame,
        members: pl.DataFrame,
        inst: pl.DataFrame,
        networks: pl.DataFrame,
        count: int,
    ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
        """Channels, ``count`` messages in coherent threads, and where each reader stopped (demo_board)."""
        regions = dict(reference.regions().select("code", "name_en").rows())
        region_of = dict(networks.select("iso3", "region").rows())
        return demo_board.board(self.py, self.as_of, users, projects, members, inst, regions, region_of, count)
