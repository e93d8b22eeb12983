"""Interface text in English, French and Spanish.

Every string the interface shows goes through :func:`t`. Catalogs are flat JSON files in
``ui/locales/`` keyed by dotted names; English is the reference catalog, and a test fails
when a key is missing from another one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import polars as pl
import streamlit as st

from aspnet_data import languages
from aspnet_data.vocab import LANGUAGES

LOCALES_DIR = Path(__file__).with_name("locales")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"en": "English", "fr": "Français", "es": "Español"}


@cache
def catalog(lang: str) -> dict[str, str | dict[str, str]]:
    """The catalog of ``lang``: a text per key, or for counted texts one text per plural form
    (``{"one": ..., "other": ...}``)."""
    return json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))


def plural_form(count: object, lang: str) -> str:
    """The CLDR plural category of ``count`` in ``lang`` ("one" or "other").

    English and Spanish use "one" for exactly 1; French for 0 and 1 ("0 école", "1 école",
    "2 écoles"). Fractions and anything that is not a number take "other".
    """
    if isinstance(count, bool) or not isinstance(count, (int, float)):
        return "other"
    if isinstance(count, float) and not count.is_integer():
        return "other"
    if lang == "fr":
        return "one" if int(count) in (0, 1) else "other"
    return "one" if int(count) == 1 else "other"


def current_language() -> str:
    """The language chosen in this session, else the one in the URL, else English."""
    lang = st.session_state.get("lang")
    if lang in LANGUAGES:
        return lang
    lang = st.query_params.get("lang")
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, /, **values: object) -> str:
    """The text for ``key`` in the current language, with ``{name}`` fields filled in.

    A counted text takes ``count`` as a number: it picks the plural form and is shown in the
    language's number format (``t("filters.count", count=1234)`` -> "1 234 établissements").
    """
    return translate(current_language(), key, **values)


def translate(lang: str, key: str, /, **values: object) -> str:
    """:func:`t` in a given language: for text made outside a page run (map tiles, files)."""
    text = catalog(lang).get(key)
    if text is None:
        text = catalog(DEFAULT_LANGUAGE).get(key, key)
    if isinstance(text, dict):
        text = text.get(plural_form(values.get("count"), lang)) or text["other"]
    count = values.get("count")
    if isinstance(count, (int, float)) and not isinstance(count, bool):
        values = {**values, "count": format_number(lang, count, 0 if float(count).is_integer() else 1)}
    return text.format(**values) if values else text


def number(value: int | float, digits: int = 0) -> str:
    """A number with the current language's thousands separator (1,234 / 1 234 / 1.234)."""
    return format_number(current_language(), value, digits)


def format_number(lang: str, value: int | float, digits: int = 0) -> str:
    """:func:`number` in a given language."""
    text = f"{value:,.{digits}f}"
    if lang == "fr":
        return text.replace(",", "\u202f").replace(".", ",")
    if lang == "es":
        return _es(text)
    return text


def _es(text: str) -> str:
    # Spanish (RAE): a point groups thousands, a comma marks decimals.
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def percent(share: float) -> str:
    """A share (0..1) as a percentage in the current language's style."""
    value = number(share * 100, 1)
    return f"{value}\u00a0%" if current_language() in ("fr", "es") else f"{value}%"


def name_column() -> str:
    """The column holding names in the current language (name_en / name_fr / name_es)."""
    return f"name_{current_language()}"


QueryValue = str | int | list[str] | tuple[str, ...]


def link_params(params: Mapping[str, QueryValue] | None = None, /, **more: QueryValue) -> dict[str, str | list[str]]:
    """The query parameters of a link to another page: ``params`` (numbers as text) and the
    interface language, so that the page opens in it (English, the default, needs none)::

        st.page_link("app_pages/network.py", label=country, query_params=link_params(code="FRA"))
    """
    out: dict[str, str | list[str]] = {}
    for key, value in {**(params or {}), **more}.items():
        out[key] = value if isinstance(value, str) else str(value) if isinstance(value, int) else list(value)
    lang = current_language()
    if lang != DEFAULT_LANGUAGE:
        out["lang"] = lang
    return out


def page_href(path: str, /, **params: QueryValue) -> str:
    """A link to the page at ``path`` (its URL path) for markdown and link columns, with
    ``params`` and the language: ``page_href("institution", id=3)`` -> "institution?id=3&lang=fr"."""
    query = urlencode(link_params(params), doseq=True)
    return f"{path}?{query}" if query else path


def theme_labels(codes: Iterable[str]) -> str:
    """Priority themes by name, in the interface language ("Global Citizenship Education, ...")."""
    return ", ".join(t(f"theme.{code}") for code in codes)


def level_labels(codes: Iterable[str]) -> str:
    """Levels of education by name, in the interface language."""
    return ", ".join(t(f"level.{code}") for code in codes)


def named(names: Mapping[str, str]) -> Callable[[str], str]:
    """A picker's ``format_func`` that shows each code by its name in ``names`` (a country for
    an ISO code, say), or as it is when ``names`` lacks it."""
    return lambda code: names.get(code, code)


def language_name(code: str) -> str:
    """The name of a language of instruction (ISO 639 code) in the interface language."""
    return languages.name(code, current_language())


def render(series: pl.Series, fn: Callable[[Any], str]) -> pl.Series:
    """``fn`` applied to each value, in the script's thread.

    Translations read the session's language, which polars' worker threads (map_elements)
    cannot see: text for a column is built here instead.
    """
    return pl.Series(series.name, [fn(value) for value in series.to_list()], dtype=pl.String)
