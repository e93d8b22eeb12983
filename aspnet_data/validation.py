"""The rules every form and file of ASPnet Atlas checks its values with, in one place.

Two kinds of functions:

* readers turn what a person typed (or a spreadsheet cell) into the stored type: text
  trimmed and freed of control characters, numbers read with a decimal point or a decimal
  comma, lists split, websites completed, language names turned into ISO 639 codes. A
  value that cannot be read is kept as the marker :data:`BAD`, so that validation can name
  the field instead of the reader raising;
* checks return :class:`~aspnet_data.errors.FieldError` lists (empty when all is well), in
  the order the caller asks for them, for the pages to show next to their fields.

>>> parse_float("48,85")
48.85
>>> parse_int("12 pupils")
'bad'
>>> out_of_range({"pupils": 120_000}, {"pupils": (0, 100_000)})
[FieldError('pupils', 'out_of_range', {'min': 0, 'max': 100000})]
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, Final, Literal, TypeVar

from anyascii import anyascii

from . import languages
from .errors import FieldError
from .text import has_visible
from .vocab import FIRST_YEAR, LANGUAGES

BAD: Final = "bad"
"""What a reader returns for a value it cannot read as its type (validation reports it)."""
Unreadable = Literal["bad"]

EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"']+@[^@\s<>()\[\],;:\"']+\.[A-Za-z]{2,}$")
URL = re.compile(r"^https?://[^\s<>\"'{}|\\^`]+\.[^\s<>\"'{}|\\^`]+$", re.IGNORECASE)
# A website typed without its scheme: a host name with a top-level domain, then perhaps a
# port and a path. Letters of any script are allowed (école.fr), spaces, quotes and @ are not.
_BARE_SITE = re.compile(
    r"^(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9-]{1,59})"
    r"(?::\d{1,5})?(?:[/?#][^\s<>\"'{}|\\^`]*)?$",
    re.IGNORECASE,
)
_LIST_SEPARATORS = re.compile(r"[;,|]")
NAME_LIMIT: Final = 200
"""The longest name (and Latin spelling of a name) an institution may have."""

Record = TypeVar("Record", bound=dict[str, Any])


# -- readers ---------------------------------------------------------------------------------


def clean_text(value: object) -> str | None:
    """``value`` as text without control characters (tabs and line breaks are kept), trimmed;
    None when nothing is left."""
    if value is None:
        return None
    text = "".join(ch for ch in str(value) if ch in "\n\t" or unicodedata.category(ch) != "Cc").strip()
    return text or None


def clean_code(value: object) -> str | None:
    """A typed code (an ownership, a language of the interface) in lower case, or None."""
    text = clean_text(value)
    return text.lower() if text else None


def split_list(value: object) -> list[str]:
    """A list as typed or stored: "a; b, c | d" or a list of values, each trimmed, empty ones left out."""
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in _LIST_SEPARATORS.split(value) if part.strip()]
    if isinstance(value, Iterable):
        return [str(v).strip() for v in value if str(v).strip()]
    return [str(value).strip()] if str(value).strip() else []


def choice_codes(value: object) -> list[str]:
    """Codes of a fixed vocabulary as typed: "Pre-primary; TVET" -> ["pre_primary", "tvet"]."""
    return [v.lower().replace("-", "_").replace(" ", "_") for v in split_list(value)]


def parse_float(value: object) -> float | Unreadable | None:
    """A decimal number from a form or a file, with a decimal point or a decimal comma
    ("48,85", as French and Spanish write it); None when empty, :data:`BAD` when it is not a
    number (NaN included)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, float) and math.isnan(value):
        return BAD
    try:
        return float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError, OverflowError):
        return BAD


def parse_int(value: object) -> int | Unreadable | None:
    """A whole number (a count, a year) from a form or a file; None when empty, :data:`BAD` when
    it is not a whole number ("12.5", "many", NaN)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, float):
            return int(value) if value.is_integer() else BAD
        return int(str(value).strip())
    except (TypeError, ValueError, OverflowError):
        return BAD


def parse_date(value: object) -> date | Unreadable | None:
    """A date from a date picker or ISO text (YYYY-MM-DD); None when empty, :data:`BAD` otherwise."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return BAD
    return BAD


def normalise_languages(value: object) -> list[str]:
    """Typed languages as stored ISO 639 codes: names in English, French or Spanish and codes
    ("Swahili", "anglais", "fra") become codes; what is not a language stays, lower-cased, for
    :func:`language_errors` to name it."""
    return list(dict.fromkeys(languages.parse(v) or v.lower() for v in split_list(value)))


def normalise_website(value: object) -> str | None:
    """A website as typed, with https:// added when it is a bare address ("www.school.pt",
    "school.pt/about"); anything else is left for :func:`website_errors` to refuse."""
    text = clean_text(value)
    if text and _BARE_SITE.match(text):
        return "https://" + text
    return text


def latin_spelling(name: str, limit: int = NAME_LIMIT) -> str:
    """``name`` in Latin letters (as typed when it already is), within ``limit`` characters.

    A transliteration is longer than its source (one Chinese character gives up to six
    letters), so a valid name must not be refused for a spelling nobody typed."""
    latin = name if name.isascii() else anyascii(name)
    return latin[:limit].strip()


def complete_latin_name(record: Record, *, name: str = "name", latin: str = "name_latin") -> Record:
    """``record`` with its Latin spelling derived from its name when none was given (the
    directory searches and sorts on it); changed in place and returned."""
    if record.get(name) and not record.get(latin):
        # A name with no Latin reading at all (private-use characters) keeps no spelling.
        record[latin] = latin_spelling(record[name]) or None
    return record


# -- checks ----------------------------------------------------------------------------------


def is_email(text: str | None) -> bool:
    """Whether ``text`` reads as one e-mail address (no display name, no list)."""
    return bool(text and EMAIL.match(text))


def is_url(text: str | None) -> bool:
    """Whether ``text`` is a web address (http or https) with a host name."""
    return bool(text and URL.match(text))


def is_interface_language(code: object) -> bool:
    """Whether ``code`` is one of the interface's languages (en, fr, es)."""
    return code in LANGUAGES


def year_range() -> tuple[int, int]:
    """The years a network or an institution may have joined ASPnet: from its founding to this year."""
    return FIRST_YEAR, date.today().year


def required(record: Mapping[str, Any], fields: Iterable[str]) -> list[FieldError]:
    """A ``required`` error for each of ``fields`` left empty (or holding only invisible
    characters, such as a zero-width space)."""
    return [
        FieldError(key, "required")
        for key in fields
        if not record.get(key) or (isinstance(record[key], str) and not has_visible(record[key]))
    ]


def too_long(record: Mapping[str, Any], limits: Mapping[str, int]) -> list[FieldError]:
    """A ``too_long`` error for each text longer than its limit."""
    return [
        FieldError(key, "too_long", {"max": limit})
        for key, limit in limits.items()
        if isinstance(record.get(key), str) and len(record[key]) > limit
    ]


def out_of_range(record: Mapping[str, Any], bounds: Mapping[str, tuple[float, float]]) -> list[FieldError]:
    """An ``out_of_range`` error for each number outside its (lowest, highest) bounds, or
    unreadable (:data:`BAD`, NaN); empty fields pass."""
    errors = []
    for key, (low, high) in bounds.items():
        value = record.get(key)
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        if value == BAD or (isinstance(value, (int, float)) and number and not low <= value <= high):
            errors.append(FieldError(key, "out_of_range", {"min": low, "max": high}))
    return errors


def email_errors(record: Mapping[str, Any], fields: Iterable[str]) -> list[FieldError]:
    """An ``email`` error for each of ``fields`` that holds something other than an address."""
    return [FieldError(key, "email") for key in fields if record.get(key) and not is_email(record[key])]


def website_errors(record: Mapping[str, Any], field: str = "website") -> list[FieldError]:
    """A ``url`` error when ``field`` holds something other than a web address."""
    return [FieldError(field, "url")] if record.get(field) and not is_url(record[field]) else []


def choice_errors(record: Mapping[str, Any], field: str, allowed: Iterable[str]) -> list[FieldError]:
    """``choose_one`` when nothing of ``allowed`` was chosen, ``unknown_choice`` naming what is not in it."""
    values = record.get(field) or []
    if not values:
        return [FieldError(field, "choose_one")]
    known = set(allowed)
    unknown = [v for v in values if v not in known]
    return [FieldError(field, "unknown_choice", {"values": ", ".join(unknown)})] if unknown else []


def language_errors(codes: Iterable[str] | None, field: str = "languages") -> list[FieldError]:
    """The languages that are not ISO 639 languages, named in one error."""
    unknown = [code for code in codes or [] if not languages.is_known(code)]
    if not unknown:
        return []
    return [FieldError(field, "unknown_language", {"values": ", ".join(unknown)[:80]})]


def blocking(errors: Iterable[FieldError]) -> list[FieldError]:
    """The errors that prevent saving (warnings are shown, and saved past)."""
    return [e for e in errors if not e.warning]


__all__ = [
    "BAD",
    "EMAIL",
    "NAME_LIMIT",
    "URL",
    "Unreadable",
    "blocking",
    "choice_codes",
    "choice_errors",
    "clean_code",
    "clean_text",
    "complete_latin_name",
    "email_errors",
    "is_email",
    "is_interface_language",
    "is_url",
    "language_errors",
    "latin_spelling",
    "normalise_languages",
    "normalise_website",
    "out_of_range",
    "parse_date",
    "parse_float",
    "parse_int",
    "required",
    "split_list",
    "too_long",
    "website_errors",
]
