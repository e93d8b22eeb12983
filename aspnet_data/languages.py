"""Languages of instruction: ISO 639 codes, their names in English, French and Spanish, and
typed names read back to codes.

Stored values are ISO 639-1 codes (``en``, ``sw``) where the language has one, else ISO 639-3
(``fil``). Names come from pycountry (the iso-codes project); where its French or Spanish
catalog leaves a name untranslated, misspelt or qualified ("Swahili (macrolanguage)"), the
name a school would write is given here.

>>> name("sw", "fr"), parse("inglés"), parse("Anglais"), parse("eng")
('Swahili', 'en', 'en', 'en')
"""

from __future__ import annotations

import gettext
import re
from functools import cache, lru_cache

import pycountry

from .text import fold
from .vocab import LANGUAGES

# Languages are named in the interface's languages.
NAME_LANGUAGES = LANGUAGES

# Languages of instruction without an ISO 639-1 code that schools of the network teach in.
_EXTRA = ("ceb", "crs", "fil", "kri", "mfe", "nso", "pap", "tet", "tpi", "yue")

# Where pycountry's name is not the one a school would write (or not translated at all).
_NAMES: dict[str, dict[str, str]] = {
    "el": {"en": "Greek", "fr": "Grec", "es": "Griego"},
    "ms": {"en": "Malay", "fr": "Malais", "es": "Malayo"},
    "ne": {"en": "Nepali", "fr": "Népalais", "es": "Nepalí"},
    "sw": {"en": "Swahili", "fr": "Swahili", "es": "Suajili"},
    "or": {"en": "Odia", "fr": "Odia", "es": "Oriya"},
    "ht": {"en": "Haitian Creole", "fr": "Créole haïtien", "es": "Criollo haitiano"},
    "to": {"en": "Tongan", "fr": "Tongien", "es": "Tongano"},
    "oc": {"en": "Occitan", "fr": "Occitan", "es": "Occitano"},
    "ia": {"en": "Interlingua", "fr": "Interlingua", "es": "Interlingua"},
    "uz": {"fr": "Ouzbek"},
    "gu": {"fr": "Goudjarati", "es": "Guyaratí"},
    "kn": {"fr": "Kannada", "es": "Canarés"},
    "am": {"es": "Amárico"},
    "ar": {"es": "Árabe"},
    "as": {"es": "Asamés"},
    "av": {"es": "Avar"},
    "ae": {"es": "Avéstico"},
    "ba": {"es": "Baskir"},
    "cu": {"es": "Eslavo eclesiástico"},
    "cv": {"es": "Chuvasio"},
    "ff": {"es": "Fula"},
    "fy": {"es": "Frisón occidental"},
    "gd": {"es": "Gaélico escocés"},
    "gl": {"es": "Gallego"},
    "gv": {"es": "Manés"},
    "ii": {"es": "Yi de Sichuan"},
    "lb": {"es": "Luxemburgués"},
    "li": {"es": "Limburgués"},
    "lo": {"es": "Laosiano"},
    "mh": {"es": "Marshalés"},
    "ml": {"es": "Malayalam"},
    "mr": {"es": "Maratí"},
    "nb": {"es": "Noruego bokmål"},
    "nd": {"es": "Ndebele del norte"},
    "nl": {"es": "Neerlandés"},
    "nr": {"es": "Ndebele del sur"},
    "om": {"es": "Oromo"},
    "os": {"es": "Osético"},
    "pa": {"es": "Panyabí"},
    "rm": {"es": "Romanche"},
    "se": {"es": "Sami septentrional"},
    "sh": {"es": "Serbocroata"},
    "st": {"es": "Sesoto"},
    "uk": {"es": "Ucraniano"},
    "wa": {"es": "Valón"},
    "yue": {"en": "Cantonese", "fr": "Cantonais", "es": "Cantonés"},
    "fil": {"en": "Filipino", "fr": "Filipino", "es": "Filipino"},
    "tet": {"en": "Tetum", "fr": "Tétoum", "es": "Tetun"},
    "mfe": {"en": "Mauritian Creole", "fr": "Créole mauricien", "es": "Criollo mauriciano"},
    "crs": {"en": "Seychellois Creole", "fr": "Créole seychellois", "es": "Criollo seychelense"},
    "nso": {"en": "Northern Sotho", "fr": "Sotho du Nord", "es": "Sesoto del norte"},
    "kri": {"fr": "Krio", "es": "Krio"},
    "ceb": {"fr": "Cebuano", "es": "Cebuano"},
    "pap": {"fr": "Papiamento", "es": "Papiamento"},
    "tpi": {"fr": "Tok pisin", "es": "Tok pisin"},
    "fj": {"es": "Fiyiano"},
}
# Other names people write for a language (read, never shown).
_ALIASES = {
    "kiswahili": "sw",
    "castilian": "es",
    "castellano": "es",
    "castillan": "es",
    "farsi": "fa",
    "mandarin": "zh",
    "putonghua": "zh",
    "bahasa indonesia": "id",
    "bahasa melayu": "ms",
    "flemish": "nl",
    "deutsch": "de",
    "nederlands": "nl",
    "italiano": "it",
    "portugues": "pt",
    "russkiy": "ru",
    "isizulu": "zu",
    "isixhosa": "xh",
    "setswana": "tn",
    "sesotho": "st",
    "kinyarwanda": "rw",
}
_CODE = re.compile(r"^[a-z]{2,3}$")


@cache
def _catalog(lang: str) -> gettext.NullTranslations:
    return gettext.translation("iso639-3", pycountry.LOCALES_DIR, languages=[lang], fallback=True)


def _entry(code: str):
    if not _CODE.match(code or ""):
        return None
    return pycountry.languages.get(alpha_2=code) if len(code) == 2 else pycountry.languages.get(alpha_3=code)


def _plain(text: str) -> str:
    # "Swahili (macrolanguage)", "Tonga (Tonga Islands)": the qualifier says nothing to a school.
    text = text.split(" (")[0].split(" [")[0].strip()
    return text[:1].upper() + text[1:]


@cache
def offered() -> tuple[str, ...]:
    """The codes a school chooses its languages of instruction from (every language with an
    ISO 639-1 code, and a few widely taught ones that only have an ISO 639-3 code)."""
    return tuple(sorted({lang.alpha_2 for lang in pycountry.languages if hasattr(lang, "alpha_2")} | set(_EXTRA)))


def canonical(code: str | None) -> str | None:
    """The stored form of an ISO 639 code (``fra`` -> ``fr``, ``SWA`` -> ``sw``), None if it is
    not one."""
    entry = _entry((code or "").strip().lower())
    if entry is None:
        # ISO 639-2 has bibliographic codes too (fre, ger, chi).
        entry = pycountry.languages.get(bibliographic=(code or "").strip().lower()) if code else None
    if entry is None:
        return None
    return getattr(entry, "alpha_2", None) or entry.alpha_3


def is_known(code: str) -> bool:
    """Whether ``code`` is a stored-form ISO 639 code."""
    return bool(code) and canonical(code) == code


@lru_cache(maxsize=4096)
def name(code: str, lang: str = "en") -> str:
    """The name of language ``code`` in ``lang`` (en, fr or es); the code itself if unknown."""
    lang = lang if lang in NAME_LANGUAGES else "en"
    stored = canonical(code)
    if stored is None:
        return code
    fixed = _NAMES.get(stored, {})
    if lang in fixed:
        return fixed[lang]
    entry = _entry(stored)
    english = entry.name
    if lang == "en":
        return _plain(english)
    return _plain(_catalog(lang).gettext(english))


def _add(index: dict[str, str], key: str, code: str) -> None:
    key = fold(key)
    if key and key not in index:
        index[key] = code


@cache
def _offered_names() -> dict[str, str]:
    """Folded name -> code of the offered languages, in the three languages (and their other
    spellings): "Swahili" is sw, not one of the Swahili varieties of ISO 639-3."""
    index: dict[str, str] = dict(_ALIASES)
    for code in offered():
        entry = _entry(code)
        for lang in NAME_LANGUAGES:
            _add(index, name(code, lang), code)
            _add(index, _catalog(lang).gettext(entry.name), code)
            _add(index, _plain(_catalog(lang).gettext(entry.name)), code)
        _add(index, entry.name, code)
        for other in ("common_name", "inverted_name"):
            if hasattr(entry, other):
                _add(index, getattr(entry, other), code)
    return index


@cache
def _other_names() -> dict[str, str]:
    """Folded English name -> code of every other ISO 639-3 language (names of one or two
    letters left out: "E" is a language, but someone typing it meant none)."""
    index: dict[str, str] = {}
    for entry in pycountry.languages:
        code = getattr(entry, "alpha_2", None) or entry.alpha_3
        for text in (entry.name, _plain(entry.name)):
            if len(fold(text)) > 2:
                _add(index, text, code)
    return index


def parse(text: str | None) -> str | None:
    """The stored code of a typed language: a name in English, French or Spanish, any case,
    accents optional ("Swahili", "anglais", "ingles"), or a code (``sw``, ``swa``); None when
    it is not a language. A name of an offered language wins over a code spelt the same
    ("Cri", Cree in French, is not the code cri)."""
    folded = fold(text)
    if not folded:
        return None
    if folded in _offered_names():
        return _offered_names()[folded]
    if _CODE.match(folded):
        code = canonical(folded)
        if code is not None:
            return code
    return _other_names().get(folded)


def by_name(lang: str = "en", *, extra: tuple[str, ...] | list[str] = ()) -> list[str]:
    """The offered codes (and ``extra`` ones already chosen), sorted by their name in ``lang``."""
    codes = set(offered()) | {c for c in extra if c}
    return sorted(codes, key=lambda c: (fold(name(c, lang)), c))
