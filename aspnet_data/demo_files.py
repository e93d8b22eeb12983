"""The demo's shared files: a few materials in the first project spaces, some of them public,
and the translated toolkit sent in a few conversations.

Lesson plans as PDF (fpdf2), posters as PNG (Pillow) and a table of measurements as CSV,
all made here from the seed, so the same seed gives the same bytes. Each goes through
:func:`aspnet_data.files.inspect`, the check every upload passes, for its type, stored name
and preview. The number of files does not grow with the network: about twenty, made in a
fraction of a second.
"""

from __future__ import annotations

import functools
import io
import random
from datetime import datetime, timedelta

import polars as pl

from . import files
from .db import Schema
from .text import fold

PROJECTS_WITH_MATERIALS = 8
_FILE_SCHEMA: Schema = {
    "id": pl.Int64,
    "sha256": pl.String,
    "name": pl.String,
    "media_type": pl.String,
    "size": pl.Int64,
    "content": pl.Binary,
    "preview": pl.Binary,
    "uploaded_by": pl.String,
    "uploaded_at": pl.Datetime("us"),
    "network": pl.String,
}

_LESSONS = {
    "en": (
        "Lesson plan",
        "Two lessons to prepare with the partner schools, with a worksheet for the pupils.",
        [
            "Aim: pupils describe what they observed and compare it with a partner school.",
            "Lesson 1 (45 minutes): observation outdoors in small groups, notes and photographs.",
            "Lesson 2 (45 minutes): the groups share their findings online with the partner class.",
            "Assessment: each group presents one question it would like the partner school to answer.",
        ],
    ),
    "fr": (
        "Fiche pédagogique",
        "Deux séances à préparer avec les écoles partenaires, avec une fiche pour les élèves.",
        [
            "Objectif : les élèves décrivent ce qu'ils ont observé et le comparent avec une école partenaire.",
            "Séance 1 (45 minutes) : observation à l'extérieur en petits groupes, notes et photographies.",
            "Séance 2 (45 minutes) : les groupes partagent leurs résultats en ligne avec la classe partenaire.",
            "Évaluation : chaque groupe présente une question qu'il aimerait poser à l'école partenaire.",
        ],
    ),
    "es": (
        "Plan de clase",
        "Dos sesiones para preparar con las escuelas asociadas, con una ficha para el alumnado.",
        [
            "Objetivo: el alumnado describe lo que observó y lo compara con una escuela asociada.",
            "Sesión 1 (45 minutos): observación al aire libre en grupos pequeños, notas y fotografías.",
            "Sesión 2 (45 minutos): los grupos comparten sus resultados en línea con la clase asociada.",
            "Evaluación: cada grupo presenta una pregunta que quisiera hacer a la escuela asociada.",
        ],
    ),
}
_POSTERS = {
    "en": ("Poster of the exhibition", "The poster the pupils designed for the closing exhibition."),
    "fr": ("Affiche de l'exposition", "L'affiche conçue par les élèves pour l'exposition de clôture."),
    "es": ("Cartel de la exposición", "El cartel que diseñó el alumnado para la exposición final."),
}
_TABLES = {
    "en": ("Measurements by school", "What each school measured this term, one row per week (CSV)."),
    "fr": ("Mesures par école", "Ce que chaque école a mesuré ce trimestre, une ligne par semaine (CSV)."),
    "es": ("Mediciones por escuela", "Lo que midió cada escuela este trimestre, una fila por semana (CSV)."),
}
_PALETTE = [(0, 114, 178), (230, 159, 0), (0, 158, 115), (204, 121, 167), (86, 180, 233), (213, 94, 0)]


def _pdf(project_title: str, lang: str, when: datetime) -> bytes:
    from fpdf import FPDF

    heading, _, lines = _LESSONS[lang]
    pdf = FPDF(format="A4")
    pdf.set_creation_date(when)  # the same bytes for the same seed
    pdf.set_producer("ASPnet Atlas demo")
    pdf.set_title(f"{heading}: {project_title}")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 10, heading, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 13)
    pdf.multi_cell(0, 8, project_title, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "", 10)
    for line in lines:
        # One cell a line when it fits: fpdf2's line breaking costs three times as much.
        if pdf.get_string_width(line) < pdf.epw:
            pdf.cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
        else:
            pdf.multi_cell(0, 7, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


@functools.cache
def _font():
    from PIL import ImageFont

    return ImageFont.load_default(size=20)


def _png(rng: random.Random, project_title: str) -> bytes:
    from PIL import Image, ImageDraw

    width, height = 480, 300
    image = Image.new("RGB", (width, height), (248, 250, 252))
    draw = ImageDraw.Draw(image)
    for _ in range(9):
        colour = rng.choice(_PALETTE)
        x, y, r = rng.randrange(width), rng.randrange(height), rng.randrange(30, 110)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=colour)
    draw.rectangle((0, height - 56, width, height), fill=(8, 18, 27))
    draw.text((16, height - 40), project_title[:44], fill=(255, 255, 255), font=_font())
    out = io.BytesIO()
    image.save(out, format="PNG", compress_level=1)
    return out.getvalue()


def _csv(rng: random.Random, schools: list[str]) -> bytes:
    rows = ["week,school,temperature_c,rain_mm"]
    for week in range(1, 9):
        for school in schools[:3]:
            name = school.replace(",", " ").replace('"', "")
            rows.append(f"{week},{name},{rng.uniform(8, 31):.1f},{rng.uniform(0, 40):.0f}")
    return ("\n".join(rows) + "\n").encode()


def build(
    seed: int,
    as_of: datetime,
    projects: pl.DataFrame,
    members: pl.DataFrame,
    inst: pl.DataFrame,
    users: pl.DataFrame,
) -> dict[str, pl.DataFrame]:
    """Frames for the ``files`` and ``project_materials`` tables."""
    rng = random.Random(seed)
    coordinators = set(users.filter(pl.col("role") == "coordinator")["username"].to_list())
    network_of = dict(zip(inst["id"].to_list(), inst["network"].to_list()))
    name_of = dict(zip(inst["id"].to_list(), inst["name"].to_list()))
    file_rows: list[dict] = []
    material_rows: list[dict] = []
    for project in projects.head(PROJECTS_WITH_MATERIALS).iter_rows(named=True):
        joined = members.filter((pl.col("project_id") == project["id"]) & (pl.col("state") == "member"))
        ids = joined["institution_id"].to_list()
        partners = sorted({network_of[i] for i in ids} - {project["network"]})
        uploaders = [(project["owner"], project["network"])] + [
            (f"coord.{n.lower()}", n) for n in partners if f"coord.{n.lower()}" in coordinators
        ]
        lang = rng.choice([lang for lang in project["languages"] if lang in _LESSONS] or ["en"])
        made = datetime.combine(project["start_date"], datetime.min.time()) + timedelta(days=rng.randrange(5, 60))
        made = min(made, as_of - timedelta(days=1))
        items = [
            ("lesson.pdf", _LESSONS[lang][:2], _pdf(project["title"], lang, made)),
            ("poster.png", _POSTERS[lang], _png(rng, project["title"])),
        ]
        if rng.random() < 0.6:
            items.append(("measurements.csv", _TABLES[lang], _csv(rng, [name_of[i] for i in ids])))
        for k, (name, (title, description), data) in enumerate(items):
            uploader, network = uploaders[k % len(uploaders)]
            found = files.inspect(files.Upload(name, data))
            when = made + timedelta(days=3 * k, hours=rng.randrange(8, 18))
            file_id, material_id = len(file_rows) + 1, len(material_rows) + 1
            file_rows.append(
                {
                    "id": file_id,
                    "sha256": found.sha256,
                    "name": found.name,
                    "media_type": found.media_type,
                    "size": found.size,
                    "content": data,
                    "preview": found.preview,
                    "uploaded_by": uploader,
                    "uploaded_at": when,
                    "network": network,
                }
            )
            material_rows.append(
                {
                    "id": material_id,
                    "project_id": project["id"],
                    "file_id": file_id,
                    "title": title,
                    "description": description,
                    "language": lang,
                    "theme": project["themes"][0] if project["themes"] else None,
                    # The owner's first material of every other project is for everyone.
                    "public": k == 0 and project["id"] % 2 == 1,
                    "added_by": uploader,
                    "added_at": when,
                    "search_text": fold(f"{title} {description} {found.name}"),
                }
            )
    material_schema: Schema = {
        "id": pl.Int64,
        "project_id": pl.Int64,
        "file_id": pl.Int64,
        "title": pl.String,
        "description": pl.String,
        "language": pl.String,
        "theme": pl.String,
        "public": pl.Boolean,
        "added_by": pl.String,
        "added_at": pl.Datetime("us"),
        "search_text": pl.String,
    }
    return {
        "files": pl.DataFrame(file_rows, schema=_FILE_SCHEMA),
        "project_materials": pl.DataFrame(material_rows, schema=material_schema),
    }


CONVERSATIONS_WITH_FILES = 6
_TOOLKIT = {"en": "ESD toolkit", "fr": "Boîte à outils EDD", "es": "Guía EDS"}


def conversation_files(
    first_id: int, messages: pl.DataFrame, channels: pl.DataFrame, users: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The translated toolkit sent in a few conversations: a PDF in the conversation's language
    attached to the message that says it is on its way (demo_conversations' first exchange),
    files of its author's network. Rows for ``files`` (ids from ``first_id``) and ``message_files``."""
    from .demo_conversations import EXCHANGES

    sending = {exchanges[0][1][-1]: lang for lang, exchanges in EXCHANGES.items()}
    direct = channels.filter(pl.col("kind") == "direct")["id"]
    found = (
        messages.filter(pl.col("channel_id").is_in(direct.implode()) & pl.col("body").is_in(list(sending)))
        .sort("id")
        .head(CONVERSATIONS_WITH_FILES)
    )
    network_of = dict(zip(users["username"].to_list(), users["network"].to_list()))
    file_rows, links = [], []
    for k, message in enumerate(found.iter_rows(named=True)):
        lang = sending[message["body"]]
        data = _pdf(_TOOLKIT[lang], lang, message["created_at"])
        checked = files.inspect(files.Upload(f"{_TOOLKIT[lang]}.pdf", data))
        file_rows.append(
            {
                "id": first_id + k,
                "sha256": checked.sha256,
                "name": checked.name,
                "media_type": checked.media_type,
                "size": checked.size,
                "content": data,
                "preview": checked.preview,
                "uploaded_by": message["author"],
                "uploaded_at": message["created_at"],
                "network": network_of.get(message["author"]),
            }
        )
        links.append({"message_id": message["id"], "file_id": first_id + k})
    return {
        "files": pl.DataFrame(file_rows, schema=_FILE_SCHEMA),
        "message_files": pl.DataFrame(links, schema={"message_id": pl.Int64, "file_id": pl.Int64}),
    }
