"""National lists as coordinators keep them, in their own formats, for the bulk import's tests
and benchmark: a French ministry-style CSV, a Spanish Excel workbook, an English CSV with one
GPS column, a Spanish OpenDocument sheet, and the French template filled in with labels.

Each builder takes the database and a number of new schools, and returns a :class:`NationalList`:
the file's bytes and name, plus what a correct import of it must do (its new schools and their
towns, the stored institutions it names without their id, the values nothing can read).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import xlsxwriter

from aspnet_data import bulk, gazetteer
from aspnet_data.db import Database
from aspnet_data.permissions import Actor


@dataclass
class NationalList:
    network: str
    data: bytes
    filename: str
    new: list[tuple[str, str]] = field(default_factory=list)  # (name, town) of each new school
    known: dict[str, int] = field(default_factory=dict)  # name in the file -> id of the stored institution it is
    unknown: list[tuple[str, str]] = field(default_factory=list)  # (field, value) nothing reads
    unknown_rows: int = 0  # rows holding one of them
    unplaced: list[str] = field(default_factory=list)  # towns the gazetteer does not hold


def _towns(country: str, count: int) -> list[tuple[str, float, float]]:
    """The ``count`` most populous towns of ``country`` (name, lat, lon), repeated as needed."""
    found = gazetteer.towns().filter(gazetteer.towns()["iso3"] == country).sort("population", descending=True)
    names = found.unique("name", keep="first", maintain_order=True).head(200).select("name", "lat", "lon").rows()
    return [names[i % len(names)] for i in range(count)]


def _stored(db: Database, network: str, count: int) -> list[dict]:
    return db.query(
        "SELECT id, name, city, email, website FROM institutions WHERE network = ? AND status <> 'withdrawn' "
        "ORDER BY id LIMIT ?",
        [network, count],
    ).to_dicts()


def _csv(rows: list[list[str]], *, separator: str, encoding: str) -> bytes:
    buffer = io.StringIO(newline="")
    csv.writer(buffer, delimiter=separator, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode(encoding)


def french_ministry_csv(db: Database, new: int = 8, network: str = "FRA") -> NationalList:
    """A ministry export: Windows-1252, semicolons, a title row and a blank line above the
    header, a trailing empty column, school types instead of levels, "Privé sous contrat",
    themes as EDD/ECM, years as dates, decimal commas in the coordinates that are there,
    counts with a space as thousands separator; two stored schools named without their id
    (one by a near spelling in its town, one by its e-mail); a theme nothing reads ("Paix")."""
    kinds = ["Lycée professionnel", "Collège", "École élémentaire", "École maternelle", "Lycée"]
    sectors = ["Public", "Privé sous contrat", "Public", "Privé"]
    header = [
        "Nom de l'établissement",
        "Commune",
        "Type d'établissement",
        "Secteur",
        "Thématiques",
        "Date d'adhésion",
        "Courriel",
        "Site internet",
        "Effectif",
        "Latitude",
        "Longitude",
        "",
    ]
    out = NationalList(network, b"", "liste_etablissements_aspnet.csv")
    rows = [["Réseau des écoles associées de l'UNESCO - liste au 1er septembre 2026"] + [""] * 11, [""] * 12, header]
    for i, (town, lat, lon) in enumerate(_towns(network, new)):
        name = f"{kinds[i % len(kinds)]} Aimé Césaire {i + 1}"
        coords = [f"{lat:.4f}".replace(".", ","), f"{lon:.4f}".replace(".", ",")] if i % 3 == 0 else ["", ""]
        themes = "EDD/ECM" if i % 2 else "EDD"
        rows.append(
            [
                name,
                town,
                kinds[i % len(kinds)],
                sectors[i % len(sectors)],
                themes,
                f"01/09/{2015 + i % 10}",
                "",
                f"www.ecole-{i + 1}.fr",
                "1 200" if i == 0 else str(180 + i),
                *coords,
                "",
            ]
        )
        out.new.append((name, town))
    first, second = _stored(db, network, 2)
    near = first["name"].replace("é", "e").replace("É", "E").upper()  # a near spelling, in capitals
    rows.append([near, first["city"], "Collège", "Public", "ECM", "2018", "", "", "640", "", "", ""])
    out.known[near] = first["id"]
    rows.append(
        [
            second["name"] + " (annexe)",
            second["city"],
            "Lycée",
            "Public",
            "EDD",
            "2017",
            second["email"] or "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    out.known[second["name"] + " (annexe)"] = second["id"]
    rows.append(
        ["Collège Jean Zay", "Trifouillis-les-Oies", "Collège", "Public", "EDD", "2020", "", "", "300", "", "", ""]
    )
    out.new.append(("Collège Jean Zay", "Trifouillis-les-Oies"))
    out.unplaced.append("Trifouillis-les-Oies")
    rows.append(
        ["Lycée Simone Veil", _towns(network, 1)[0][0], "Lycée", "Public", "Paix", "2021", "", "", "900", "", "", ""]
    )
    out.unknown.append(("themes", "Paix"))
    out.unknown_rows = 1
    out.data = _csv(rows, separator=";", encoding="cp1252")
    return out


def _xlsx(rows: list[list[object]]) -> bytes:
    buffer = io.BytesIO()
    with xlsxwriter.Workbook(buffer, {"in_memory": True}) as book:
        sheet = book.add_worksheet("Centros")
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value not in (None, ""):
                    sheet.write(r, c, value)
    return buffer.getvalue()


SPANISH_HEADER = [
    "Nombre del centro",
    "Municipio",
    "Tipo de centro",
    "Titularidad",
    "Temas",
    "Año de adhesión",
    "Correo electrónico",
    "Web",
    "Alumnos",
    "Latitud",
    "Longitud",
]


def _spanish_rows(db: Database, new: int, network: str, out: NationalList) -> list[list[object]]:
    kinds = [
        "Instituto de Educación Secundaria",
        "Escuela Infantil",
        "Colegio de Primaria",
        "Instituto Técnico",
        "Escuela Normal",
    ]
    ownership = ["Pública", "Concertada", "Privada"]
    rows: list[list[object]] = [SPANISH_HEADER]
    for i, (town, lat, lon) in enumerate(_towns(network, new)):
        name = f"{kinds[i % len(kinds)]} Clara Campoamor {i + 1}"
        coords = [f"{lat:.5f}".replace(".", ","), f"{lon:.5f}".replace(".", ",")] if i % 2 else ["", ""]
        rows.append(
            [
                name,
                town,
                kinds[i % len(kinds)],
                ownership[i % 3],
                "EDS, ECG" if i % 2 else "EDS",
                2016 + i % 9,
                f"secretaria{i + 1}@centro.es.example",
                f"centro{i + 1}.es",
                "1.200" if i == 1 else 250 + i,
                *coords,
            ]
        )
        out.new.append((name, town))
    (stored,) = _stored(db, network, 1)
    rows.append([stored["name"], stored["city"], "Colegio de Primaria", "Pública", "ECG", 2015, "", "", 410, "", ""])
    out.known[stored["name"]] = stored["id"]
    rows.append(
        [
            "Centro Rural Agrupado Los Olivos",
            _towns(network, 1)[0][0],
            "CRA",
            "Pública",
            "EDS",
            2022,
            "",
            "",
            90,
            "",
            "",
        ]
    )
    out.unknown.append(("levels", "CRA"))
    out.unknown_rows = 1
    return rows


def spanish_xlsx(db: Database, new: int = 6, network: str = "ESP") -> NationalList:
    """A regional education office's workbook: Spanish headers, "Concertada", EDS/ECG, a
    thousands point, coordinates with decimal commas as text, websites without https://, a
    stored school named without its id, a school type nothing reads ("CRA")."""
    out = NationalList(network, b"", "centros_redpea.xlsx")
    out.data = _xlsx(_spanish_rows(db, new, network, out))
    return out


def _ods(rows: list[list[object]]) -> bytes:
    """A minimal OpenDocument spreadsheet (the content a spreadsheet program writes, reduced)."""

    def cell(value: object) -> str:
        if value in (None, ""):
            return "<table:table-cell/>"
        if isinstance(value, (int, float)):
            kind, text = f'office:value-type="float" office:value="{value}"', str(value)
        else:
            kind, text = 'office:value-type="string"', escape(str(value))
        return f"<table:table-cell {kind}><text:p>{text}</text:p></table:table-cell>"

    body = "".join("<table:table-row>" + "".join(cell(v) for v in row) + "</table:table-row>" for row in rows)
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
        f'<office:body><office:spreadsheet><table:table table:name="Centros">{body}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
        'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" '
        'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def spanish_ods(db: Database, new: int = 6, network: str = "ESP") -> NationalList:
    """The Spanish list saved as OpenDocument."""
    out = NationalList(network, b"", "centros_redpea.ods")
    out.data = _ods(_spanish_rows(db, new, network, out))
    return out


def english_csv(db: Database, new: int = 6, network: str = "RWA") -> NationalList:
    """A coordinator's own spreadsheet as UTF-8 CSV with a BOM, commas: "School name", "Town",
    school types, "Public/Private", "ESD; GCED", one "GPS" column ("-1.95, 30.06") filled for
    some schools, languages as names ("English, Kinyarwanda"); a stored school found by its
    website, written without https://."""
    kinds = ["Primary school", "High school", "Vocational school", "Teacher training college", "Nursery school"]
    header = ["School name", "Town", "Type", "Public/Private", "Themes", "Year joined", "Languages", "Website", "GPS"]
    out = NationalList(network, b"", "aspnet_schools.csv")
    rows = [header]
    for i, (town, lat, lon) in enumerate(_towns(network, new)):
        name = f"Umubano {kinds[i % len(kinds)]} {i + 1}"
        rows.append(
            [
                name,
                town,
                kinds[i % len(kinds)],
                "Private" if i % 2 else "Government",
                "ESD; GCED",
                str(2012 + i),
                "English, Kinyarwanda",
                "",
                f"{lat:.5f}, {lon:.5f}" if i % 2 else "",
            ]
        )
        out.new.append((name, town))
    stored = next(r for r in _stored(db, network, 50) if r["website"])
    site = stored["website"].removeprefix("https://").removeprefix("http://")
    rows.append(
        [stored["name"] + " School", stored["city"], "Primary school", "Government", "ESD", "2014", "English", site, ""]
    )
    out.known[stored["name"] + " School"] = stored["id"]
    out.data = "\ufeff".encode() + _csv(rows, separator=",", encoding="utf-8")
    return out


def french_template_with_labels(db: Database, actor: Actor, new: int = 3, network: str = "FRA") -> NationalList:
    """The template downloaded from the French interface, new schools added below it with the
    labels that interface shows ("Primaire", "Éducation au développement durable", "Privé")."""
    text = bulk.template(db, actor, network, "csv", "fr").decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    out = NationalList(network, b"", "aspnet-FRA.csv")
    for i, (town, _lat, _lon) in enumerate(_towns(network, new)):
        row = dict.fromkeys(header, "")
        values = {
            "Nom (dans son écriture d'origine)": f"École Louise Michel {i + 1}",
            "Ville": town,
            "Niveaux d'enseignement": "Préprimaire; Primaire",
            "Public ou privé": "Privé",
            "Thèmes prioritaires": "Éducation au développement durable",
            "Année d'adhésion": "2025",
        }
        row.update({k: v for k, v in values.items() if k in row})
        rows.append([row[h] for h in header])
        out.new.append((values["Nom (dans son écriture d'origine)"], town))
    out.data = "\ufeff".encode() + _csv(rows, separator=",", encoding="utf-8")
    return out
