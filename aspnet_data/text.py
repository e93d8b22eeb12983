"""Text folding shared by storage and search, so both sides fold the same way."""

from __future__ import annotations

import unicodedata

from anyascii import anyascii


def fold(text: str | None) -> str:
    """Lower-case ASCII form of ``text`` for script- and accent-insensitive search.

    "École" -> "ecole"; "Москва" -> "moskva"; control characters are dropped.
    """
    if not text:
        return ""
    cleaned = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    return " ".join(anyascii(cleaned).lower().split())


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
