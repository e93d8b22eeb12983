"""A network's description in the reader's language: its translation when there is one, else
the original with the language it is written in (the page names that language)."""

from __future__ import annotations

from dataclasses import dataclass

from .db import Database
from .editing import DESCRIPTION_LANGUAGES, DESCRIPTION_TRANSLATIONS


@dataclass(frozen=True)
class Description:
    text: str
    language: str | None  # the language ``text`` is written in (None: not recorded)
    translated: bool  # a translation into the reader's language, not the original


def pick(record: dict, lang: str) -> Description | None:
    """What a reader of ``lang`` gets from a network record (description, description_language,
    description_en/fr/es); None when the network has no description.

    >>> pick({"description": "Bonjour", "description_language": "fr", "description_en": "Hello"}, "en")
    Description(text='Hello', language='en', translated=True)
    >>> pick({"description": "Bonjour", "description_language": "fr"}, "es")
    Description(text='Bonjour', language='fr', translated=False)
    """
    original = record.get("description")
    if not original:
        return None
    language = record.get("description_language")
    translation = record.get(f"description_{lang}") if lang in DESCRIPTION_LANGUAGES and lang != language else None
    if translation:
        return Description(translation, lang, True)
    return Description(original, language, False)


def network_description(db: Database, iso3: str, lang: str) -> Description | None:
    """The public description of network ``iso3`` for a reader of ``lang``."""
    found = db.query(
        f"SELECT description, description_language, {', '.join(DESCRIPTION_TRANSLATIONS)} FROM networks WHERE iso3 = ?",
        [iso3],
    )
    return pick(found.row(0, named=True), lang) if found.height else None
