"""The demo's life between coordinators and their schools: the channels some coordinators opened
for their network's schools, with their news, and the schools' requests to change their themes or
levels (waiting, approved, declined). Drawn from a generator of its own, so that the other demo
tables do not move."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from .vocab import LEVELS, THEMES

SCHOOLS_CHANNEL_SHARE = 0.4  # of networks; the demo logins' networks among them (see ALWAYS)
ALWAYS = ("FRA", "ESP", "KEN")  # networks whose coordinator always opened it (README's examples)
REQUEST_SHARE = 0.12  # of active focal points

_TITLES = {"en": "Schools of the network", "fr": "Établissements du réseau", "es": "Escuelas de la red"}
_NEWS = {
    "en": (
        "Welcome to our network's channel: news from the National Commission and the coordination will be posted here.",
        "Annual reports for the school year are due by 31 October. Please submit yours on the My school page.",
        "For the International Day of Peace (21 September), send us a photo and a few lines about your activity.",
        "An online training for focal points on the whole-school approach to sustainability takes place next month.",
        "Thank you to every school that reported last year: the national report is now ready.",
    ),
    "fr": (
        "Bienvenue sur le canal de notre réseau : les nouvelles de la Commission nationale et de la coordination "
        "seront publiées ici.",
        "Les rapports annuels de l'année scolaire sont attendus pour le 31 octobre. Merci d'envoyer le vôtre depuis "
        "la page Mon établissement.",
        "Pour la Journée internationale de la paix (21 septembre), envoyez-nous une photo et quelques lignes sur "
        "votre activité.",
        "Une formation en ligne des points focaux sur l'approche institutionnelle globale aura lieu le mois prochain.",
        "Merci à tous les établissements qui ont envoyé leur rapport l'an dernier : le rapport national est prêt.",
    ),
    "es": (
        "Bienvenidos al canal de nuestra red: aquí se publicarán las noticias de la Comisión Nacional y de la "
        "coordinación.",
        "Los informes anuales del año escolar deben enviarse antes del 31 de octubre, desde la página Mi escuela.",
        "Para el Día Internacional de la Paz (21 de septiembre), envíennos una foto y unas líneas sobre su actividad.",
        "El próximo mes habrá una formación en línea para los puntos focales sobre el enfoque integral de la escuela.",
        "Gracias a todas las escuelas que enviaron su informe el año pasado: el informe nacional ya está listo.",
    ),
}
_REASONS = {
    "comment": (
        "We started a heritage club with the town museum this year.",
        "Our secondary section opened in September.",
        "The school now runs a vocational programme.",
        None,
    ),
    "declined": (
        "Please first send this year's annual report with the activities of the new theme.",
        "The ministry has not yet registered the new section: ask again once it has.",
    ),
}


def _other(py: random.Random, current: list[str], allowed: tuple[str, ...]) -> list[str]:
    """A set of ``allowed`` codes other than ``current``: one added, or one dropped."""
    missing = [c for c in allowed if c not in current]
    if missing and (len(current) < 2 or py.random() < 0.7):
        chosen = {*current, py.choice(missing)}
    else:
        chosen = set(current) - {py.choice(current)}
    return [c for c in allowed if c in chosen]


def build(
    seed: int,
    as_of: datetime,
    networks: pl.DataFrame,
    inst: pl.DataFrame,
    focal_users: pl.DataFrame,
    channels: pl.DataFrame,
    messages: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """The schools' channels to append to ``channels`` and their news to ``messages`` (new ids
    after theirs), the change requests, and ``approved``: the themes and levels of the schools
    whose request was approved (their record shows them); as {name: frame}."""
    py = random.Random(seed)
    languages: dict[str, str] = dict(zip(networks["iso3"], networks["language"], strict=True))
    channel_rows: list[dict[str, Any]] = []
    message_rows: list[dict[str, Any]] = []
    next_channel = (channels["id"].max() or 0) + 1  # type: ignore[operator]
    next_message = (messages["id"].max() or 0) + 1  # type: ignore[operator]
    for iso3 in sorted(networks["iso3"]):
        if iso3 not in ALWAYS and py.random() >= SCHOOLS_CHANNEL_SHARE:
            continue
        lang = languages[iso3] if languages.get(iso3) in ("fr", "es") else "en"
        opened = as_of - timedelta(days=py.randrange(120, 400))
        channel_rows.append(
            {
                "id": next_channel,
                "slug": f"schools-{iso3.lower()}",
                "kind": "schools",
                "title": _TITLES[lang],
                "network": iso3,
                "created_by": f"coord.{iso3.lower()}",
                "created_at": opened,
            }
        )
        news = _NEWS[lang]
        count = py.randrange(2, len(news) + 1)
        moments = sorted(opened + timedelta(minutes=py.randrange(10, int((as_of - opened).total_seconds() // 60)))
                         for _ in range(count - 1))  # fmt: skip
        for text, when in zip(news, [opened + timedelta(minutes=5), *moments], strict=False):
            message_rows.append(
                {
                    "id": next_message,
                    "channel_id": next_channel,
                    "thread_id": None,
                    "author": f"coord.{iso3.lower()}",
                    "body": text,
                    "created_at": when,
                }
            )
            next_message += 1
        next_channel += 1

    active = focal_users.filter(~pl.col("disabled") & pl.col("last_login_at").is_not_null()).sort("username")
    schools = inst.filter(pl.col("id").is_in(active["institution_id"].implode()))
    records = {r["id"]: r for r in schools.select("id", "network", "themes", "levels", "status").iter_rows(named=True)}
    approved: dict[int, dict] = {}
    requests: list[dict[str, Any]] = []
    for user in active.iter_rows(named=True):
        school = records.get(user["institution_id"])
        if school is None or school["status"] == "withdrawn" or py.random() >= REQUEST_SHARE:
            continue
        asked_at = max(user["last_login_at"], as_of - timedelta(days=200)) + timedelta(days=py.randrange(1, 60))
        asked_at = min(asked_at, as_of - timedelta(hours=3))
        field = py.choice(("themes", "levels"))
        state = py.choices(("pending", "approved", "declined"), (60, 25, 15))[0]
        values = _other(py, list(school[field]), THEMES if field == "themes" else LEVELS)
        decided = min(asked_at + timedelta(days=py.randrange(2, 30)), as_of) if state != "pending" else None
        requests.append(
            {
                "id": len(requests) + 1,
                "institution_id": school["id"],
                "network": school["network"],
                "themes": values if field == "themes" else None,
                "levels": values if field == "levels" else None,
                "comment": py.choice(_REASONS["comment"]),
                "state": state,
                "requested_by": user["username"],
                "requested_at": asked_at,
                "decided_by": f"coord.{school['network'].lower()}" if decided else None,
                "decided_at": decided,
                "reason": py.choice(_REASONS["declined"]) if state == "declined" else None,
            }
        )
        if state == "approved":  # the record shows what was approved
            school[field] = values
            approved[school["id"]] = school
    moment = pl.Datetime("us")
    return {
        "channels": pl.DataFrame(
            channel_rows,
            schema={
                "id": pl.Int64,
                "slug": pl.String,
                "kind": pl.String,
                "title": pl.String,
                "network": pl.String,
                "created_by": pl.String,
                "created_at": moment,
            },
        ),
        "messages": pl.DataFrame(
            message_rows,
            schema={
                "id": pl.Int64,
                "channel_id": pl.Int64,
                "thread_id": pl.Int64,
                "author": pl.String,
                "body": pl.String,
                "created_at": moment,
            },
        ),
        "change_requests": pl.DataFrame(
            requests,
            schema={
                "id": pl.Int64,
                "institution_id": pl.Int64,
                "network": pl.String,
                "themes": pl.List(pl.String),
                "levels": pl.List(pl.String),
                "comment": pl.String,
                "state": pl.String,
                "requested_by": pl.String,
                "requested_at": moment,
                "decided_by": pl.String,
                "decided_at": moment,
                "reason": pl.String,
            },
        ),
        "approved": pl.DataFrame(
            [{"id": r["id"], "themes": r["themes"], "levels": r["levels"]} for r in approved.values()],
            schema={"id": pl.Int64, "themes": pl.List(pl.String), "levels": pl.List(pl.String)},
        ),
    }
