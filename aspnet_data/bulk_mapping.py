"""How the columns and values of a national list map to the stored fields and codes.

A coordinator's list comes in its own format: its headers in English, French or Spanish
("Nom de l'établissement", "Municipio"), its values as people write them ("Lycée
professionnel", "Privé sous contrat", "EDD/ECM", "48,85", "01/09/2019"). This module

* suggests, for every column of a file, the field it holds (:func:`suggest_columns`), from
  its header first and from its values when the header says nothing;
* reads the values of the choice fields (levels, themes, ownership) in the three languages
  and their common forms (:func:`choice_value`), and lists the values it cannot read once,
  with their row count (:func:`unknown_values`), for the person to map;
* turns the file and a :class:`Mapping` into the frame of stored field names the plan reads
  (:func:`canonical`).

The interface labels of the fields and codes (ui/locales) are read here too, so the labels of
the downloaded template, in any of the three languages, read back as what they say.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import polars as pl

from .editing import INSTITUTION_FIELDS
from .settings import ROOT
from .text import word_key
from .validation import EMAIL, year_range
from .vocab import LANGUAGES, LEVELS, OWNERSHIP, THEMES

LOCALES_DIR = ROOT / "ui" / "locales"

# The fields a column can hold: the stored ones, plus the id, both coordinates in one column,
# and the withdraw mark.
FIELDS: tuple[str, ...] = ("id", *INSTITUTION_FIELDS, "coordinates", "withdraw")
LIST_FIELDS: frozenset[str] = frozenset({"levels", "themes", "languages"})
CHOICES: dict[str, tuple[str, ...]] = {"levels": LEVELS, "themes": THEMES, "ownership": OWNERSHIP}
# What a person may map an unknown value to, besides a code.
LEAVE_OUT = "-leave-out"  # the rows with this value are not imported
IGNORE = "-ignore"  # the value is dropped, the row kept (lists only: its other values stay)

_ITEM_SEPARATORS = re.compile(r"[;,/|+\n\r]+")
_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?")
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_WEBSITE = re.compile(r"^(?:https?://|www\.)|^[^\s@/]+\.[a-z]{2,}(?:/\S*)?$", re.IGNORECASE)


key = word_key  # the form headers and values are compared in


# -- vocabularies ------------------------------------------------------------------------------

# Headers by field, as lists are written in English, French and Spanish (compared as keys). The
# interface's own labels of each field (field.<name> in ui/locales) are added to these.
# fmt: off
_HEADERS: dict[str, tuple[str, ...]] = {
    "id": ("id", "aspnet id", "id aspnet", "identifiant", "identifiant aspnet", "identificador", "code aspnet",
         "numero aspnet", "n aspnet", "no aspnet", "aspnet number", "aspnet no"),
    "name": ("name", "school", "school name", "name of school", "name of the school", "institution",
         "institution name", "name of institution", "nom", "nom de l etablissement", "etablissement",
         "nom etablissement", "nom de l ecole", "ecole", "nom officiel", "appellation officielle", "denomination",
         "nombre", "nombre de la escuela", "nombre de la institucion", "institucion", "escuela", "centro",
         "nombre del centro", "centro educativo", "denominacion", "colegio"),
    "name_latin": ("name latin", "latin name", "name in latin", "name in latin script", "romanized name",
         "transliteration",
         "nom latin", "nom en caracteres latins", "nombre latino", "nombre en caracteres latinos"),
    "city": ("city", "town", "town city", "city town", "municipality", "locality", "village", "place", "commune",
         "ville", "localite", "ville commune", "commune ville", "municipio", "ciudad", "localidad", "poblacion",
         "ciudad municipio"),
    "latitude": ("latitude", "lat", "y", "latitud", "coord y", "gps lat", "gps latitude"),
    "longitude": ("longitude", "lon", "long", "lng", "x", "longitud", "coord x", "gps lon", "gps longitude"),
    "coordinates": ("coordinates", "coordonnees", "coordenadas", "gps", "coordonnees gps", "coordenadas gps",
         "gps coordinates", "location", "lat long", "lat lon", "latitude longitude", "lat lng"),
    "levels": ("levels", "level", "education level", "education levels", "level of education", "school type",
         "type of school", "type", "category", "niveau", "niveaux", "niveau d enseignement",
         "type d etablissement", "type etablissement", "categorie", "cycle", "nivel", "niveles", "nivel educativo",
         "niveles educativos", "tipo", "tipo de centro", "tipo de escuela", "tipo de institucion", "categoria"),
    "ownership": ("ownership", "sector", "public private", "public or private", "type of ownership", "management",
         "secteur", "public prive", "statut juridique", "public ou prive", "gestion", "publico privado",
         "titularidad", "naturaleza", "dependencia", "sector publico privado"),
    "themes": ("themes", "theme", "priority themes", "priority areas", "areas", "thematiques", "themes prioritaires",
         "domaines", "axes", "temas", "tema", "tematicas", "areas prioritarias", "ejes"),
    "year_joined": ("year joined", "year", "joined", "member since", "date of joining", "year of membership",
         "joining year",
         "annee", "annee d adhesion", "adhesion", "date d adhesion", "membre depuis", "ano", "ano de adhesion",
         "fecha de adhesion", "ano de ingreso", "miembro desde"),
    "languages": ("languages", "language", "language of instruction", "languages of instruction", "langues", "langue",
         "langue d enseignement", "langues d enseignement", "idiomas", "idioma", "lenguas", "lengua",
         "lengua de ensenanza", "idioma de instruccion"),
    "pupils": ("pupils", "students", "learners", "number of pupils", "number of students", "enrolment", "enrollment",
         "eleves", "nombre d eleves", "effectif", "effectifs", "alumnos", "numero de alumnos", "estudiantes",
         "matricula", "nb eleves"),
    "teachers": ("teachers", "number of teachers", "staff", "teaching staff", "enseignants", "nombre d enseignants",
         "professeurs", "nb enseignants", "docentes", "profesores", "numero de docentes"),
    "website": ("website", "web site", "web", "site", "site web", "site internet", "url", "homepage", "internet",
         "sitio web", "pagina web", "web page"),
    "email": ("email", "e mail", "mail", "contact email", "email address", "courriel", "adresse electronique",
         "adresse mail", "mel", "correo", "correo electronico", "email de contacto"),
    "withdraw": ("withdraw", "withdrawn", "retirer", "retrait", "retirar", "baja"),
}

# Values of the choice fields by code, in their common forms (compared as keys); the
# interface labels of each code (level.<code>, ...) and the codes themselves are added.
_VALUES: dict[str, dict[str, tuple[str, ...]]] = {
    "levels": {
        "pre_primary": ("pre primary", "preprimary", "pre school", "preschool", "nursery", "nursery school",
             "kindergarten",
             "early childhood", "ecce", "maternelle", "ecole maternelle", "prescolaire", "pre primaire",
             "jardin d enfants", "preescolar", "educacion infantil", "escuela infantil", "infantil",
             "jardin de infantes", "jardin de ninos", "parvulario", "inicial", "educacion inicial", "kinder"),
        "primary": ("primary", "primary school", "elementary", "elementary school", "grade school", "primaire",
             "ecole primaire", "ecole elementaire", "elementaire", "primaria", "escuela primaria",
             "educacion primaria", "basica", "educacion basica", "ensino fundamental"),
        "secondary": ("secondary", "secondary school", "high school", "middle school", "junior high", "senior high",
             "grammar school", "lower secondary", "upper secondary", "college", "lycee", "lycee general",
             "lycee general et technologique", "secondaire", "cite scolaire", "secundaria", "escuela secundaria",
             "educacion secundaria", "eso", "bachillerato", "liceo", "instituto", "ies",
             "instituto de educacion secundaria", "media", "educacion media", "ensino medio", "gymnasium"),
        "tvet": ("tvet", "vocational", "vocational school", "technical", "technical school", "technical college",
             "polytechnic", "vocational training", "technique et professionnel", "lycee professionnel",
             "lycee technique", "lycee technologique", "enseignement professionnel", "formation professionnelle",
             "cfa", "ftp", "eftp", "tecnica y profesional", "instituto tecnico", "escuela tecnica",
             "formacion profesional", "fp", "tecnico", "tecnica", "profesional", "politecnico", "efp"),
        "teacher_training": ("teacher training", "teacher training college", "teacher training institution",
             "teachers college",
             "college of education", "normal school", "formation des enseignants", "ecole normale", "inspe",
             "espe", "iufm", "formacion docente", "escuela normal", "normal", "formacion del profesorado",
             "profesorado", "instituto de formacion docente"),
    },
    "themes": {
        "esd": ("esd", "education for sustainable development", "sustainable development", "sustainability",
             "environment", "edd", "education au developpement durable", "developpement durable", "eds",
             "educacion para el desarrollo sostenible", "desarrollo sostenible", "sostenibilidad"),
        "gced": ("gced", "gce", "global citizenship", "global citizenship education", "citizenship", "ecm",
             "education a la citoyennete mondiale", "citoyennete mondiale", "citoyennete", "ecg",
             "educacion para la ciudadania mundial", "ciudadania mundial", "ciudadania global",
             "educacion para la ciudadania global", "ciudadania"),
        "heritage": ("heritage", "intercultural", "intercultural learning", "intercultural and heritage learning",
             "world heritage", "culture", "interculturel", "patrimoine", "apprentissage interculturel",
             "apprentissage interculturel et du patrimoine", "patrimoine mondial", "interculturalite",
             "patrimonio", "intercultural y patrimonio", "aprendizaje intercultural",
             "aprendizaje intercultural y del patrimonio", "patrimonio mundial", "interculturalidad"),
    },
    "ownership": {
        "public": ("public", "publique", "state", "state school", "government", "governmental",
             "public school", "etat",
             "ecole publique", "enseignement public", "publica", "publico", "estatal", "oficial", "fiscal",
             "municipal", "gubernamental", "national", "nacional"),
        "private": ("private", "independent", "private school", "charter", "non governmental", "ngo", "faith",
             "prive",
             "privee", "prive sous contrat", "prive hors contrat", "sous contrat", "hors contrat",
             "enseignement prive", "prive confessionnel", "confessionnel", "privada", "privado", "concertada",
             "privada concertada", "concertado", "particular", "particular subvencionado", "subvencionado",
             "parroquial", "religioso"),
    },
}
# fmt: on


@lru_cache(maxsize=1)
def labels() -> dict[str, dict[str, str]]:
    """The interface's labels of fields and codes: language -> catalog key -> label."""
    out = {}
    for lang in LANGUAGES:
        catalog = json.loads((LOCALES_DIR / f"{lang}.json").read_text(encoding="utf-8"))
        out[lang] = {
            k: v
            for k, v in catalog.items()
            if isinstance(v, str) and k.split(".", 1)[0] in ("field", "level", "theme", "ownership")
        }
    return out


def label(lang: str, catalog_key: str) -> str:
    return labels().get(lang, labels()["en"]).get(catalog_key) or labels()["en"].get(catalog_key, catalog_key)


_CODE_PREFIX = {"levels": "level", "themes": "theme", "ownership": "ownership"}


@lru_cache(maxsize=1)
def _header_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for name, synonyms in _HEADERS.items():
        for text in (name, name.replace("_", " "), *synonyms):
            index.setdefault(key(text), name)
    for lang in LANGUAGES:
        for name in FIELDS:
            label_text = labels()[lang].get(f"field.{name}")
            if label_text:
                index[key(label_text)] = name
    return index


@lru_cache(maxsize=1)
def _value_index() -> dict[str, dict[str, str]]:
    index: dict[str, dict[str, str]] = {}
    for name, codes in CHOICES.items():
        table = index.setdefault(name, {})
        for code in codes:
            for text in (code, code.replace("_", " "), *_VALUES[name][code]):
                table.setdefault(key(text), code)
            for lang in LANGUAGES:
                label_text = labels()[lang].get(f"{_CODE_PREFIX[name]}.{code}")
                if label_text:
                    table[key(label_text)] = code
    return index


def choice_value(name: str, text: object) -> str | None:
    """The code a value of a choice field names ("Lycée professionnel" -> ``tvet``), or None.

    A value the vocabulary does not hold whole is read by its words: "Collège public" names
    ``secondary``, "École primaire Jean Jaurès" ``primary``; the longest known phrase wins."""
    table = _value_index()[name]
    k = key(text)
    if not k:
        return None
    if k in table:
        return table[k]
    words = k.split()
    for size in range(min(len(words), 5), 0, -1):
        for start in range(len(words) - size + 1):
            found = table.get(" ".join(words[start : start + size]))
            if found is not None:
                return found
    return None


def items(text: object, name: str) -> list[str]:
    """The values of one cell: lists split at commas, semicolons, slashes, plus signs and line
    breaks; one value for a single-choice field."""
    if text is None:
        return []
    raw = str(text)
    parts = _ITEM_SEPARATORS.split(raw) if name in LIST_FIELDS else [raw]
    return [p.strip() for p in parts if p.strip()]


# -- mapping -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mapping:
    """What each column of a file holds and what its unusual values mean.

    ``columns``: file column -> field (None: ignored). ``values``: field -> value key (:func:`key`)
    -> a code, :data:`IGNORE` or :data:`LEAVE_OUT`. ``rejected``: spreadsheet rows whose
    suggested match with a stored institution the person rejected (they are new institutions).
    """

    columns: dict[str, str | None]
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    rejected: frozenset[int] = frozenset()

    def column_of(self, name: str) -> list[str]:
        return [c for c, f in self.columns.items() if f == name]

    @property
    def mapped(self) -> set[str]:
        return {f for f in self.columns.values() if f}

    def to_json(self) -> dict[str, Any]:
        return {"columns": {key(c): f for c, f in self.columns.items()}, "values": self.values}


@dataclass(frozen=True)
class ColumnSuggestion:
    """One column of the file: its header, a few of its values, the field suggested and why
    (``header``, ``values``, ``remembered`` or None when nothing was found)."""

    column: str
    samples: tuple[str, ...]
    field: str | None
    reason: str | None


def mapping_problems(mapping: Mapping) -> dict[str, str]:
    """Column -> the problem with its mapping: a field mapped from two columns (lists may take
    several), or both coordinates columns beside a combined one."""
    problems: dict[str, str] = {}
    counts = Counter(f for f in mapping.columns.values() if f)
    for column, name in mapping.columns.items():
        if name and name not in LIST_FIELDS and counts[name] > 1:
            problems[column] = "mapped_twice"
        elif name == "coordinates" and (counts["latitude"] or counts["longitude"]):
            problems[column] = "coordinates_twice"
    return problems


def _samples(values: list[str | None], limit: int = 3) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values if v is not None and v.strip()))[:limit]


def _share(values: list[str], test) -> float:
    return sum(1 for v in values if test(v)) / len(values) if values else 0.0


def _by_values(values: list[str]) -> str | None:
    """The field a column's values look like, when its header said nothing."""
    if not values:
        return None
    if _share(values, lambda v: bool(EMAIL.match(v.strip()))) >= 0.6:
        return "email"
    if _share(values, lambda v: bool(_WEBSITE.match(v.strip())) and "@" not in v) >= 0.6:
        return "website"
    for name in CHOICES:
        if _choice_share(name, values) >= 0.6:
            return name
    low, high = year_range()
    if _share(values, lambda v: any(low <= int(y) <= high for y in _YEAR.findall(v))) >= 0.8 and all(
        len(v) <= 12 for v in values
    ):
        return "year_joined"
    if _share(values, _looks_like_point) >= 0.8:
        return "coordinates"
    return None


def _looks_like_point(text: str) -> bool:
    numbers = _NUMBER.findall(text)
    if len(numbers) != 2:
        return False
    lat, lon = (float(n.replace(",", ".")) for n in numbers)
    return abs(lat) <= 90 and abs(lon) <= 180 and not (lat.is_integer() and lon.is_integer())


def _choice_share(name: str, values: list[str]) -> float:
    """The share of values whose every item is a known form of the field's codes, whole (not
    by its words: school names hold level words, "Kigali Primary School")."""
    table = _value_index()[name]
    return _share(values, lambda v: bool(items(v, name)) and all(key(i) in table for i in items(v, name)))


def suggest_columns(
    frame: pl.DataFrame, remembered: MappingABC[str, str | None] | None = None
) -> list[ColumnSuggestion]:
    """The field each column of ``frame`` (a file as read) holds: by its header in English,
    French or Spanish, else by its values; ``remembered`` (header key -> field, from a mapping
    used before for the network) wins. Each field is suggested for one column at most (lists:
    several), the first one that claims it."""
    index = _header_index()
    remembered = remembered or {}
    taken: set[str] = set()
    out = []
    for column in frame.columns:
        values = [v for v in frame[column].drop_nulls().head(200).to_list() if v.strip()]
        header = key(column)
        name, reason = None, None
        if header in remembered:
            name, reason = remembered[header], "remembered"
        elif header in index:
            name, reason = index[header], "header"
        else:
            name = _header_words(header)
            reason = "header" if name else None
            if name is None:
                name = _by_values(values)
                reason = "values" if name else None
        if reason == "header" and name in CHOICES and values and _choice_share(name, values) < 0.3:
            # "Type" or "Statut" holding public/private: the values say which field it is.
            name = next((n for n in CHOICES if n != name and _choice_share(n, values) >= 0.6), name)
        if name is not None and name in taken and name not in LIST_FIELDS:
            name, reason = None, None
        if name:
            taken.add(name)
        out.append(ColumnSuggestion(column, _samples(values), name, reason))
    return out


def _header_words(header: str) -> str | None:
    """A field whose synonym of two words or more is part of the header ("Nom de
    l'établissement scolaire" -> name)."""
    best: tuple[int, str] | None = None
    padded = f" {header} "
    for text, name in _header_index().items():
        if len(text.split()) >= 2 and f" {text} " in padded and (best is None or len(text) > best[0]):
            best = (len(text), name)
    return best[1] if best else None


def unknown_values(frame: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """The values of choice columns the vocabulary does not read and the mapping does not map:
    field, value (as first written), key, rows (how many rows hold it), most frequent first."""
    seen: dict[tuple[str, str], list[Any]] = {}
    for column, name in mapping.columns.items():
        if name not in CHOICES or column not in frame.columns:
            continue
        chosen = mapping.values.get(name, {})
        for cell in frame[column].to_list():
            for item in dict.fromkeys(items(cell, name)):
                k = key(item)
                if not k or k in chosen or choice_value(name, item) is not None:
                    continue
                entry = seen.setdefault((name, k), [item, 0])
                entry[1] += 1
    rows = [{"field": n, "value": v[0], "key": k, "rows": v[1]} for (n, k), v in seen.items()]
    schema = {"field": pl.String, "value": pl.String, "key": pl.String, "rows": pl.Int64}
    return pl.DataFrame(rows, schema=schema).sort(["rows", "field", "key"], descending=[True, False, False])


# -- reading values ------------------------------------------------------------------------------


def _codes(name: str, cell: str | None, chosen: MappingABC[str, str]) -> tuple[list[str], list[str], bool]:
    """A choice cell's codes, its values nothing maps, and whether a value leaves the row out."""
    codes: list[str] = []
    unmapped: list[str] = []
    leave_out = False
    for item in items(cell, name):
        k = key(item)
        choice = chosen.get(k)
        if choice is None:
            choice = choice_value(name, item)
        if choice == LEAVE_OUT:
            leave_out = True
        elif choice == IGNORE:
            continue
        elif choice is None:
            unmapped.append(item)
        elif choice not in codes:
            codes.append(choice)
    return codes, unmapped, leave_out


def whole_number(text: str | None) -> str | None:
    """A count as written: "1 200", "1.200", "1,200" and "350.0" read as whole numbers; other
    text is kept for validation to refuse."""
    if text is None:
        return None
    compact = re.sub(r"[\s\u00a0\u202f']", "", text)
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", compact):
        return re.sub(r"[.,]", "", compact)
    if re.fullmatch(r"\d+[.,]0+", compact):
        return re.split(r"[.,]", compact)[0]
    return compact or None


def year(text: str | None) -> str | None:
    """A year as written, or a date holding one ("2019", "01/09/2019", "2019-09-01 00:00:00",
    "sept. 2019"); other text is kept for validation to refuse."""
    if text is None:
        return None
    found = _YEAR.findall(text)
    return found[0] if len(found) == 1 else text.strip()


def coordinates(text: str | None) -> tuple[str | None, str | None]:
    """Latitude and longitude from one cell ("48.8566, 2.3522", "48,8566; 2,3522")."""
    if text is None or not text.strip():
        return None, None
    numbers = _NUMBER.findall(text)
    if len(numbers) != 2:
        return text, text  # left for validation to refuse
    return numbers[0], numbers[1]


def canonical(frame: pl.DataFrame, mapping: Mapping) -> tuple[pl.DataFrame, dict[int, list[tuple[str, str]]]]:
    """The file as the plan reads it: one column per mapped field (strings; choice fields as
    codes separated by semicolons, counts and years as digits), and for each left-out row index
    (0-based) why: (field, value) pairs of the values that left it out or that nothing maps."""
    out: dict[str, list[str | None]] = {}
    left_out: dict[int, list[tuple[str, str]]] = {}
    height = frame.height

    def cells(name: str) -> list[list[str | None]]:
        return [frame[c].to_list() for c in mapping.column_of(name) if c in frame.columns]

    for name in FIELDS:
        columns = cells(name)
        if not columns:
            continue
        if name == "coordinates":
            pairs = [coordinates(v) for v in columns[0]]
            out.setdefault("latitude", [p[0] for p in pairs])
            out.setdefault("longitude", [p[1] for p in pairs])
            continue
        if name in CHOICES:
            chosen = mapping.values.get(name, {})
            merged: list[str | None] = []
            for i in range(height):
                codes: list[str] = []
                for column in columns:
                    found, unmapped, leave = _codes(name, column[i], chosen)
                    codes += [c for c in found if c not in codes]
                    if leave or unmapped:
                        left_out.setdefault(i, []).extend(
                            [(name, str(column[i]))] if leave else [(name, v) for v in unmapped]
                        )
                merged.append("; ".join(codes) if codes else None)
            out[name] = merged
        elif name in LIST_FIELDS:  # languages: every column's items together
            out[name] = [
                "; ".join(dict.fromkeys(i for column in columns for i in items(column[r], name))) or None
                for r in range(height)
            ]
        elif name in ("pupils", "teachers"):
            out[name] = [whole_number(v) for v in columns[0]]
        elif name == "year_joined":
            out[name] = [year(v) for v in columns[0]]
        else:
            out[name] = list(columns[0])
    schema = dict.fromkeys(out, pl.String)
    return pl.DataFrame(out, schema=schema, height=height) if out else pl.DataFrame(height=height), left_out


def remembered_columns(stored: MappingABC[str, Any] | None) -> dict[str, str | None]:
    """Header key -> field of a mapping saved for a network (unknown fields dropped)."""
    columns = (stored or {}).get("columns") or {}
    return {k: v for k, v in columns.items() if v is None or v in FIELDS}


def remembered_values(stored: MappingABC[str, Any] | None) -> dict[str, dict[str, str]]:
    values = (stored or {}).get("values") or {}
    return {
        name: {k: v for k, v in table.items() if v in (*CHOICES[name], IGNORE, LEAVE_OUT)}
        for name, table in values.items()
        if name in CHOICES and isinstance(table, dict)
    }
