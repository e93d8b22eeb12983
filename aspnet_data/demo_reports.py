"""The demo's annual reports: three closed cycles and the one under way, drawn in bulk.

Each school has a propensity to report, from its region (European networks report most,
African ones least, as UNESCO's monitoring found) and its own habit, so the same schools tend
to report year after year and a few members stop altogether (the inactive members under
review). For each year a school had to report (:func:`aspnet_data.reports.expected_sql`):

* closed cycles: reported or not; on time mostly, late sometimes; accepted, a few returned and
  never corrected;
* the cycle that closed last: some reports waiting for the coordinator, some returned with a
  comment, drafts and missing reports (overdue), the reminders sent;
* the year under way: a few drafts.

Vectorised (numpy and polars): 1,000,000 institutions take seconds. Drawn from a generator of
its own, so the other tables of the demo do not move.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import numpy as np
import polars as pl

from .reports import ASSESSMENT_ITEMS, Calendar, international_days
from .vocab import THEMES

REGION_PROPENSITY = {"EUR": 0.80, "APA": 0.72, "LAC": 0.60, "ARB": 0.52, "AFR": 0.40}

_TITLES = {
    "en": {
        "esd": ["School garden and compost", "Saving water at school", "Clean-up of the river bank",
                "Energy audit by pupils", "Tree planting week", "Plastic-free canteen"],
        "gced": ["Model United Nations", "Pen-pal exchange with a partner school", "Children's rights week",
                 "Debate on climate justice", "Peace day assembly", "Refugee stories exhibition"],
        "heritage": ["Local heritage trail", "Traditional music workshop", "World Heritage site visit",
                     "Oral history of our town", "Festival of languages", "Crafts of our grandparents"],
    },
    "fr": {
        "esd": ["Jardin et compost de l'école", "Économiser l'eau à l'école", "Nettoyage des berges",
                "Audit énergétique par les élèves", "Semaine de plantation d'arbres", "Cantine sans plastique"],
        "gced": ["Simulation des Nations Unies", "Correspondance avec une école partenaire",
                 "Semaine des droits de l'enfant", "Débat sur la justice climatique",
                 "Rassemblement pour la Journée de la paix", "Exposition « Paroles de réfugiés »"],
        "heritage": ["Parcours du patrimoine local", "Atelier de musique traditionnelle",
                     "Visite d'un site du patrimoine mondial", "Mémoire orale de notre ville",
                     "Fête des langues", "Savoir-faire de nos grands-parents"],
    },
    "es": {
        "esd": ["Huerto escolar y compost", "Ahorro de agua en la escuela", "Limpieza de la ribera del río",
                "Auditoría energética hecha por el alumnado", "Semana de plantación de árboles",
                "Comedor sin plástico"],
        "gced": ["Modelo de Naciones Unidas", "Intercambio de cartas con una escuela asociada",
                 "Semana de los derechos de la infancia", "Debate sobre justicia climática",
                 "Acto por el Día de la Paz", "Exposición de historias de refugiados"],
        "heritage": ["Ruta del patrimonio local", "Taller de música tradicional",
                     "Visita a un sitio del Patrimonio Mundial", "Historia oral de nuestro pueblo",
                     "Fiesta de las lenguas", "Oficios de nuestros abuelos"],
    },
}  # fmt: skip
_DESCRIPTIONS = {
    "en": "Pupils of several classes prepared and led the activity with their teachers and families.",
    "fr": "Les élèves de plusieurs classes ont préparé et animé l'activité avec leurs enseignants et les familles.",
    "es": "El alumnado de varios cursos preparó y dirigió la actividad con sus docentes y las familias.",
}
_RETURN_COMMENTS = {
    "en": ["Please add the number of pupils for each activity.", "Please give the dates of the second activity."],
    "fr": [
        "Merci d'indiquer le nombre d'élèves pour chaque activité.",
        "Merci de préciser les dates de la deuxième activité.",
    ],
    "es": ["Indique el número de alumnos de cada actividad.", "Precise las fechas de la segunda actividad."],
}


def _expected(year: int, ends: date) -> pl.Expr:
    joined = (pl.col("year_joined") <= year).fill_null(False) | (pl.col("created_at").dt.date() <= ends)
    left = (pl.col("status") == "withdrawn") & (pl.col("withdrawn_year").fill_null(0) <= year)
    return joined & ~left


def build(
    inst: pl.DataFrame, networks: pl.DataFrame, *, as_of: datetime, seed: int, calendar: Calendar | None = None
) -> dict[str, pl.DataFrame]:
    """reports, report_activities, report_scores, report_reminders and inactive_reviews."""
    rng = np.random.default_rng(seed)
    calendar = calendar or Calendar()
    today = as_of.date()
    current = calendar.current_year(today)
    closed = calendar.closed_years(today, 3)  # latest first
    lang = {
        iso3: (language if language in ("fr", "es") else "en")
        for iso3, language in zip(networks["iso3"], networks["language"], strict=True)
    }
    region = dict(zip(networks["iso3"], networks["region"], strict=True))
    base = inst.select("id", "network", "status", "year_joined", "withdrawn_year", "created_at", "themes", "pupils")
    habit = rng.normal(0.0, 0.22, size=base.height)
    # A school's own habit: some never report (they become the inactive members).
    silent = rng.random(base.height) < 0.06
    schools = base.with_columns(
        pl.col("network").replace_strict(lang, default="en").alias("lang"),
        pl.col("network").replace_strict(region, default="EUR").alias("region"),
    ).with_columns(
        (
            pl.col("region").replace_strict(REGION_PROPENSITY, default=0.6).cast(pl.Float64)
            + pl.Series(habit)
            - pl.Series(silent.astype(float))
        )
        .clip(0.0, 0.97)
        .alias("propensity")
    )
    frames = []
    for year in sorted([*closed, current]):
        cycle = calendar.cycle(year)
        due = schools.filter(_expected(year, cycle.ends))
        n = due.height
        draw = rng.random(n)
        latest = year == closed[0]
        under_way = year == current
        propensity = due["propensity"].to_numpy() * (0.9 if latest else 1.0)
        reported = draw < (propensity * 0.08 if under_way else propensity)
        late = rng.random(n) < (0.05 if latest else 0.18)
        span = (cycle.due - cycle.ends).days
        on_time_at = [datetime.combine(cycle.ends, datetime.min.time()) + timedelta(hours=9)] * n
        offsets = rng.integers(0, max(span, 1), size=n)
        late_days = rng.integers(1, 75, size=n)
        decision = rng.random(n)
        frame = due.select("id", "network", "lang", "region", "pupils", "themes").with_columns(
            pl.lit(year).alias("year"),
            pl.Series("reported", reported),
            pl.Series("late", late),
            pl.Series("decision", decision),
            (pl.Series(on_time_at) + pl.duration(days=pl.lit(pl.Series(offsets)))).alias("on_time_at"),
            (
                pl.lit(datetime.combine(cycle.due, datetime.min.time()) + timedelta(hours=10))
                + pl.duration(days=pl.lit(pl.Series(late_days)))
            ).alias("late_at"),
        )
        if under_way:
            frame = frame.filter(pl.col("reported")).with_columns(
                pl.lit("draft").alias("state"), pl.lit(None, dtype=pl.Datetime("us")).alias("first")
            )
        else:
            drafted = pl.Series(rng.random(n) < (0.35 if latest else 0.0))
            frame = frame.with_columns(drafted.alias("drafted")).filter(pl.col("reported") | pl.col("drafted"))
            first = pl.when(pl.col("late")).then(pl.col("late_at")).otherwise(pl.col("on_time_at"))
            first = pl.when(first > pl.lit(as_of)).then(pl.lit(as_of) - pl.duration(hours=3)).otherwise(first)
            if latest:
                state = (
                    pl.when(~pl.col("reported"))
                    .then(pl.lit("draft"))
                    .when(pl.col("decision") < 0.55)
                    .then(pl.lit("accepted"))
                    .when(pl.col("decision") < 0.9)
                    .then(pl.lit("submitted"))
                    .otherwise(pl.lit("returned"))
                )
            else:
                state = pl.when(pl.col("decision") < 0.96).then(pl.lit("accepted")).otherwise(pl.lit("returned"))
            frame = frame.with_columns(
                state.alias("state"), pl.when(pl.col("reported")).then(first).otherwise(None).alias("first")
            )
        frames.append(frame.select("id", "network", "lang", "region", "pupils", "themes", "year", "state", "first"))
    everything = pl.concat(frames).sort("year", "id").with_row_index("report_id", offset=1)
    everything = everything.with_columns(pl.col("report_id").cast(pl.Int64))
    return _frames(everything, inst, rng, as_of=as_of, calendar=calendar, closed=closed)


def _frames(
    rows: pl.DataFrame,
    inst: pl.DataFrame,
    rng: np.random.Generator,
    *,
    as_of: datetime,
    calendar: Calendar,
    closed: list[int],
) -> dict[str, pl.DataFrame]:
    n = rows.height
    codes = np.array([d["code"] for d in international_days()])
    # International days: up to five per report, the common ones most often.
    weights = np.linspace(1.0, 0.4, len(codes))
    weights /= weights.sum()
    picks = rng.choice(len(codes), size=(n, 5), p=weights)
    counts = rng.integers(0, 6, size=n)
    days = [sorted(set(codes[picks[k, : counts[k]]].tolist())) for k in range(n)]
    updated = pl.col("first").fill_null(pl.lit(as_of) - pl.duration(days=10))
    decided = pl.col("state").is_in(["accepted", "returned"])
    decided_at = pl.col("first") + pl.duration(days=pl.lit(pl.Series(rng.integers(2, 40, size=n))))
    decided_at = pl.when(decided_at > pl.lit(as_of)).then(pl.lit(as_of) - pl.duration(hours=1)).otherwise(decided_at)
    comments = pl.Series([_RETURN_COMMENTS[lang][k % 2] for k, lang in enumerate(rows["lang"])])
    reports = rows.select(
        pl.col("report_id").alias("id"),
        pl.col("id").alias("institution_id"),
        "network",
        pl.col("year").cast(pl.Int32),
        "state",
        pl.Series("days", days, dtype=pl.List(pl.String)),
        pl.col("state").ne("draft").alias("contacts_confirmed"),
        pl.when(pl.col("state") == "returned").then(comments).otherwise(None).alias("comment"),
        pl.format("school.{}", pl.col("id")).alias("created_by"),
        (updated - pl.duration(days=20)).alias("created_at"),
        pl.when(decided).then(decided_at).otherwise(updated).alias("updated_at"),
        pl.col("first").alias("submitted_at"),
        pl.col("first").alias("first_submitted_at"),
        pl.when(decided).then(pl.format("coord.{}", pl.col("network").str.to_lowercase())).alias("decided_by"),
        pl.when(decided).then(decided_at).alias("decided_at"),
        pl.lit(1).alias("version"),
    )
    activities = _activities(rows, rng, as_of=as_of, calendar=calendar)
    scored = rows.filter(pl.col("state") != "draft")
    items = pl.DataFrame(
        [(t, i) for t in THEMES for i in ASSESSMENT_ITEMS], schema=["theme", "item"], orient="row"
    ).with_row_index("k")
    level = {"EUR": 2.9, "APA": 2.8, "LAC": 2.6, "ARB": 2.5, "AFR": 2.3}
    scores = scored.select("report_id", "region").join(items, how="cross")
    noise = rng.normal(0.0, 0.75, size=scores.height)
    scores = scores.select(
        "report_id",
        "theme",
        "item",
        (pl.col("region").replace_strict(level, default=2.6).cast(pl.Float64) + pl.Series(noise))
        .round(0)
        .clip(1, 4)
        .cast(pl.Int32)
        .alias("score"),
    )
    latest = calendar.cycle(closed[0])
    unsent = reports.filter((pl.col("year") == closed[0]) & pl.col("state").is_in(["draft"]))
    missing = _expected_ids(inst, closed[0], latest.ends).join(
        reports.filter(pl.col("year") == closed[0]).select("institution_id"), left_on="id", right_on="institution_id",
        how="anti",
    )  # fmt: skip
    late_ones = pl.concat([unsent.select(pl.col("institution_id").alias("id")), missing.select("id")])
    sent = {"before": _at(latest.due - timedelta(days=30)), "after": _at(as_of.date())}
    reminders = pl.concat(
        [late_ones.with_columns(pl.lit(kind).alias("kind"), pl.lit(at).alias("sent_at")) for kind, at in sent.items()]
    ).select(pl.col("id").alias("institution_id"), pl.lit(closed[0]).cast(pl.Int32).alias("year"), "kind", "sent_at")
    reviews = _reviews(inst, reports, rng, as_of=as_of, closed=closed, calendar=calendar)
    return {
        "reports": reports,
        "report_activities": activities,
        "report_scores": scores,
        "report_reminders": reminders,
        "inactive_reviews": reviews,
    }


def _at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time()) + timedelta(hours=6)


def _expected_ids(inst: pl.DataFrame, year: int, ends: date) -> pl.DataFrame:
    return inst.filter(_expected(year, ends) & pl.col("status").is_in(["candidate", "member"])).select("id")


def _activities(rows: pl.DataFrame, rng: np.random.Generator, *, as_of: datetime, calendar: Calendar) -> pl.DataFrame:
    n = rows.height
    counts = rng.choice([1, 2, 3, 4], size=n, p=[0.35, 0.35, 0.2, 0.1])
    per = rows.select("report_id", "year", "lang", "themes", "pupils").with_columns(
        pl.Series("count", counts), pl.col("themes").list.len().alias("n_themes")
    )
    per = per.with_columns(pl.int_ranges(0, pl.col("count")).alias("position")).explode("position")
    m = per.height
    pick = rng.integers(0, 6, size=m)
    theme_pick = rng.integers(0, 3, size=m)
    per = per.with_columns(
        pl.when(pl.col("n_themes") > 0)
        .then(pl.col("themes").list.get(pl.Series(theme_pick) % pl.col("n_themes").clip(1, 3), null_on_oob=True))
        .otherwise(pl.lit("esd"))
        .alias("theme"),
        pl.Series("pick", pick),
    )
    titles = pl.DataFrame(
        [(lang, theme, k, title) for lang, table in _TITLES.items() for theme, names in table.items()
         for k, title in enumerate(names)],
        schema=["lang", "theme", "pick", "title"], orient="row",
    ).with_columns(pl.col("pick").cast(pl.Int64))  # fmt: skip
    per = per.with_columns(pl.col("pick").cast(pl.Int64)).join(titles, on=["lang", "theme", "pick"], how="left")
    starts = {y: calendar.cycle(y).starts for y in per["year"].unique().to_list()}
    last_day = as_of.date() - timedelta(days=21)
    spans = {y: max((min(calendar.cycle(y).ends, last_day) - starts[y]).days, 1) for y in starts}
    offset = rng.random(m)
    length = rng.integers(0, 20, size=m)
    start = pl.col("year").replace_strict({y: starts[y] for y in starts}, return_dtype=pl.Date) + pl.duration(
        days=(pl.Series(offset) * pl.col("year").replace_strict(spans, return_dtype=pl.Float64)).cast(pl.Int64)
    )
    pupils = np.minimum(rng.integers(15, 320, size=m), 5000)
    return (
        per.select(
            pl.col("report_id"),
            pl.col("position").cast(pl.Int32),
            pl.col("title").fill_null("School project"),
            pl.col("lang").replace_strict(_DESCRIPTIONS, default=_DESCRIPTIONS["en"]).alias("description"),
            pl.concat_list(pl.col("theme")).alias("themes"),
            start.alias("start_date"),
            pl.min_horizontal(
                start + pl.duration(days=pl.lit(pl.Series(length))),
                pl.col("year").replace_strict({y: calendar.cycle(y).ends for y in starts}, return_dtype=pl.Date),
            ).alias("end_date"),
            pl.min_horizontal(pl.Series(pupils), pl.col("pupils").fill_null(5000)).cast(pl.Int32).alias("pupils"),
            pl.Series(rng.integers(1, 15, size=m)).cast(pl.Int32).alias("teachers"),
            pl.lit(None, dtype=pl.String).alias("partners"),
            pl.lit(None, dtype=pl.String).alias("link"),
        )
        .with_row_index("id", offset=1)
        .with_columns(pl.col("id").cast(pl.Int64))
    )


def _reviews(
    inst: pl.DataFrame,
    reports: pl.DataFrame,
    rng: np.random.Generator,
    *,
    as_of: datetime,
    closed: list[int],
    calendar: Calendar,
) -> pl.DataFrame:
    """UNESCO's decisions on nearly all members silent in the two latest closed cycles: a few are left
    for the review queue."""
    later, earlier = closed[0], closed[1]
    members = inst.filter((pl.col("status") == "member") & _expected(earlier, calendar.cycle(earlier).ends)).select(
        "id"
    )
    accepted = reports.filter((pl.col("state") == "accepted") & pl.col("year").is_in([earlier, later]))
    silent = members.join(accepted.select(pl.col("institution_id").alias("id")), on="id", how="anti").sort("id")
    decided = silent.filter(pl.Series(rng.random(silent.height) < 0.95))
    kinds = rng.choice(["keep", "contact"], size=decided.height, p=[0.45, 0.55])
    return decided.select(
        pl.col("id").alias("institution_id"),
        pl.lit(later).cast(pl.Int32).alias("year"),
        pl.Series("decision", kinds, dtype=pl.String),
        pl.lit(None, dtype=pl.String).alias("comment"),
        pl.lit("admin").alias("actor"),
        pl.lit(as_of - timedelta(hours=2)).alias("decided_at"),
    )
