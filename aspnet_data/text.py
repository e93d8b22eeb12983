"""Text folding shared by storage and search, so both sides fold the same way."""

from __future__ import annotations

import re
import unicodedata

import polars as pl
from anyascii import anyascii

# A spreadsheet opening a CSV runs a cell that starts with one of these as a formula
# (=HYPERLINK(...) and worse): such cells are written with a leading apostrophe.
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_ESCAPED_FORMULA = re.compile(r"^'[=+\-@\t\r]")


def fold(text: str | None) -> str:
    """Lower-case ASCII form of ``text`` for script- and accent-insensitive search.

    "École" -> "ecole"; "Москва" -> "moskva"; control characters are dropped.
    """
    if not text:
        return ""
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(anyascii(cleaned).lower().split())


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def word_key(text: object) -> str:
    """:func:`fold` with punctuation as spaces: the form names, headers and values are
    compared in ("Saint-Étienne" -> "saint etienne", "Nom de l'établissement" -> "nom de l
    etablissement")."""
    return " ".join(_NOT_ALNUM.sub(" ", fold(str(text) if text is not None else "")).split())


def clean_line(text: str | None) -> str:
    """One line of plain text: control characters dropped, runs of spaces made one, trimmed."""
    return " ".join("".join(ch for ch in (text or "") if unicodedata.category(ch) != "Cc").split())


def has_visible(text: str | None) -> bool:
    """True when ``text`` shows something: not only spaces, control or invisible format characters."""
    return any(not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf") for ch in text or "")


def slug(text: str, *, max_length: int = 40) -> str:
    """A web-safe slug of ``text`` ("Lycée Victor Hugo" -> "lycee-victor-hugo")."""
    out, dash = [], False
    for ch in fold(text):
        if ch.isalnum():
            out.append(ch)
            dash = False
        elif not dash and out:
            out.append("-")
            dash = True
    return "".join(out).strip("-")[:max_length].strip("-")


def spreadsheet_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would run as a formula, prefixed with an apostrophe."""
    return frame.with_columns(
        pl.when(pl.col(name).str.contains(_FORMULA_START.pattern))
        .then(pl.lit("'") + pl.col(name))
        .otherwise(pl.col(name))
        .alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    )


def from_spreadsheet(value: str | None) -> str | None:
    """Undo :func:`spreadsheet_safe` on a cell read back from a file."""
    if value is not None and _ESCAPED_FORMULA.match(value):
        return value[1:]
    return value
