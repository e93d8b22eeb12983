"""The national report: what a network's schools reported for one year, compiled from the
accepted annual reports, as a PDF and an Excel workbook in English, French or Spanish.

:func:`compile_report` gathers the figures (schools that had to report, reports received on
time and late, accepted, activities, pupils and teachers involved), the activities by theme,
the international days celebrated and the self-assessment averages per theme and item;
:func:`pdf` and :func:`excel` lay them out. Only accepted reports count; the figures about
reports received count every submitted one.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

import polars as pl
import xlsxwriter
from fpdf import FPDF

from .certificates import display_name, long_date, printable
from .db import Database, utc_now
from .errors import NotFound
from .permissions import Actor, require
from .reports import ASSESSMENT_ITEMS, calendar, day_name, expected_sql
from .vocab import THEMES

PDF_ACTIVITIES = 300  # listed per theme in the PDF; the workbook lists them all
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "ASPnet national report {year}",
        "subtitle": "{country}: the annual reports of the school year ending in {year}",
        "made": "Compiled on {day} from the accepted annual reports (deadline {due}).",
        "figures": "Figures",
        "expected": "Schools that had to report",
        "received": "Reports received",
        "on_time": "on time",
        "late": "late",
        "accepted": "Reports accepted",
        "activities": "Activities",
        "pupils": "Pupils involved",
        "teachers": "Teachers involved",
        "by_theme": "Activities by theme",
        "days": "International days celebrated",
        "schools": "schools",
        "assessment": "Self-assessment of the whole-school approach (average, 1 to 4)",
        "school": "School",
        "activity": "Activity",
        "dates": "Dates",
        "link": "Link",
        "theme": "Theme",
        "item": "Item",
        "average": "Average",
        "reports": "Reports",
        "none": "No accepted report yet.",
        "more": "... and {count:,} more activities: see the Excel workbook.",
        "esd": "Education for Sustainable Development",
        "gced": "Global Citizenship Education",
        "heritage": "Intercultural and Heritage learning",
        "teaching": "Taught across subjects",
        "school_life": "Lived in the school's life and management",
        "community": "Shared with families and the community",
        "learners": "Led by the learners",
        "sheet_summary": "Summary",
        "sheet_activities": "Activities",
        "sheet_days": "International days",
        "sheet_assessment": "Self-assessment",
    },
    "fr": {
        "title": "Rapport national réSEAU {year}",
        "subtitle": "{country} : les rapports annuels de l'année scolaire qui se termine en {year}",
        "made": "Établi le {day} à partir des rapports annuels acceptés (échéance : {due}).",
        "figures": "Chiffres",
        "expected": "Établissements qui devaient rendre un rapport",
        "received": "Rapports reçus",
        "on_time": "dans les délais",
        "late": "en retard",
        "accepted": "Rapports acceptés",
        "activities": "Activités",
        "pupils": "Élèves concernés",
        "teachers": "Enseignants concernés",
        "by_theme": "Activités par thème",
        "days": "Journées internationales célébrées",
        "schools": "établissements",
        "assessment": "Auto-évaluation de l'approche globale de l'établissement (moyenne, de 1 à 4)",
        "school": "Établissement",
        "activity": "Activité",
        "dates": "Dates",
        "link": "Lien",
        "theme": "Thème",
        "item": "Critère",
        "average": "Moyenne",
        "reports": "Rapports",
        "none": "Aucun rapport accepté pour l'instant.",
        "more": "... et {count:,} autres activités : voir le classeur Excel.",
        "esd": "Éducation au développement durable",
        "gced": "Éducation à la citoyenneté mondiale",
        "heritage": "Apprentissage interculturel et du patrimoine",
        "teaching": "Enseigné dans toutes les disciplines",
        "school_life": "Vécu dans la vie et la gestion de l'établissement",
        "community": "Partagé avec les familles et la communauté",
        "learners": "Porté par les élèves",
        "sheet_summary": "Synthèse",
        "sheet_activities": "Activités",
        "sheet_days": "Journées internationales",
        "sheet_assessment": "Auto-évaluation",
    },
    "es": {
        "title": "Informe nacional redPEA {year}",
        "subtitle": "{country}: los informes anuales del año escolar que termina en {year}",
        "made": "Elaborado el {day} a partir de los informes anuales aceptados (plazo: {due}).",
        "figures": "Cifras",
        "expected": "Escuelas que debían informar",
        "received": "Informes recibidos",
        "on_time": "a tiempo",
        "late": "con retraso",
        "accepted": "Informes aceptados",
        "activities": "Actividades",
        "pupils": "Alumnos participantes",
        "teachers": "Docentes participantes",
        "by_theme": "Actividades por tema",
        "days": "Días internacionales celebrados",
        "schools": "escuelas",
        "assessment": "Autoevaluación del enfoque institucional integral (promedio, de 1 a 4)",
        "school": "Escuela",
        "activity": "Actividad",
        "dates": "Fechas",
        "link": "Enlace",
        "theme": "Tema",
        "item": "Criterio",
        "average": "Promedio",
        "reports": "Informes",
        "none": "Todavía no hay informes aceptados.",
        "more": "... y {count:,} actividades más: véase el libro Excel.",
        "esd": "Educación para el desarrollo sostenible",
        "gced": "Educación para la ciudadanía mundial",
        "heritage": "Aprendizaje intercultural y del patrimonio",
        "teaching": "Enseñado en todas las asignaturas",
        "school_life": "Vivido en la vida y la gestión de la escuela",
        "community": "Compartido con las familias y la comunidad",
        "learners": "Liderado por el alumnado",
        "sheet_summary": "Resumen",
        "sheet_activities": "Actividades",
        "sheet_days": "Días internacionales",
        "sheet_assessment": "Autoevaluación",
    },
}


@dataclass(frozen=True)
class NationalReport:
    network: str
    country: dict[str, str]  # name_en/fr/es
    year: int
    due: date
    compiled_at: datetime
    figures: dict[str, int]  # expected, received, on_time, late, accepted, activities, pupils, teachers
    activities: pl.DataFrame  # theme, school, city, title, start_date, end_date, pupils, link
    days: pl.DataFrame  # code, schools
    scores: pl.DataFrame  # theme, item, average, reports


def compile_report(db: Database, actor: Actor, network: str, year: int) -> NationalReport:
    """The national report of ``network`` for ``year`` (its coordinator, admins, analysts)."""
    require(actor, "compile_national_report", network)
    countries = db.rows("SELECT name_en, name_fr, name_es FROM countries WHERE iso3 = ?", [network])
    if not countries:
        raise NotFound(network)
    cycle = calendar(db).cycle(int(year))
    analytics = db.analytics
    params = {"network": network, "year": cycle.year, "ends": cycle.ends, "due": cycle.due}
    counts = analytics.query(
        f"""SELECT count(*) AS expected,
                   count(r.first_submitted_at) AS received,
                   count(*) FILTER (WHERE CAST(r.first_submitted_at AS DATE) <= $due) AS on_time,
                   count(*) FILTER (WHERE CAST(r.first_submitted_at AS DATE) > $due) AS late,
                   count(*) FILTER (WHERE r.state = 'accepted') AS accepted
            FROM institutions i LEFT JOIN reports r ON r.institution_id = i.id AND r.year = $year
            WHERE i.network = $network AND {expected_sql()}""",
        params,
    ).row(0, named=True)
    accepted = {"network": network, "year": cycle.year}
    activities = analytics.query(
        """SELECT unnest(a.themes) AS theme, i.name, i.name_latin, i.city, a.title, a.start_date, a.end_date,
                  a.pupils, a.teachers, a.link, a.position
           FROM report_activities a JOIN reports r ON r.id = a.report_id JOIN institutions i ON i.id = r.institution_id
           WHERE r.network = $network AND r.year = $year AND r.state = 'accepted'""",
        accepted,
    )
    order = {theme: k for k, theme in enumerate(THEMES)}
    activities = (
        _with_school_names(activities)
        .with_columns(
            pl.col("theme").replace_strict(order, default=len(order), return_dtype=pl.Int64).alias("theme_order"),
        )
        .sort("theme_order", "school", "position")
    )
    # An activity with several themes is listed under each; the totals count it once.
    totals = analytics.query(
        """SELECT count(*) AS activities, coalesce(sum(a.pupils), 0) AS pupils,
                  coalesce(sum(a.teachers), 0) AS teachers
           FROM report_activities a JOIN reports r ON r.id = a.report_id
           WHERE r.network = $network AND r.year = $year AND r.state = 'accepted'""",
        accepted,
    ).row(0, named=True)
    days = analytics.query(
        """SELECT code, count(*) AS schools FROM (
               SELECT unnest(days) AS code FROM reports
               WHERE network = $network AND year = $year AND state = 'accepted')
           GROUP BY code ORDER BY schools DESC, code""",
        accepted,
    )
    scores = analytics.query(
        """SELECT s.theme, s.item, avg(s.score) AS average, count(*) AS reports
           FROM report_scores s JOIN reports r ON r.id = s.report_id
           WHERE r.network = $network AND r.year = $year AND r.state = 'accepted'
           GROUP BY s.theme, s.item""",
        accepted,
    )
    items = {item: k for k, item in enumerate(ASSESSMENT_ITEMS)}
    scores = scores.with_columns(
        pl.col("theme").replace_strict(order, default=9).alias("t"), pl.col("item").replace_strict(items, default=9)
        .alias("k")
    ).sort("t", "k").drop("t", "k")  # fmt: skip
    figures = {key: int(value or 0) for key, value in {**counts, **totals}.items()}
    name_en, name_fr, name_es = countries[0]
    return NationalReport(
        network=network,
        country={"en": name_en, "fr": name_fr, "es": name_es},
        year=cycle.year,
        due=cycle.due,
        compiled_at=utc_now(),
        figures=figures,
        activities=activities.select("theme", "school", "city", "title", "start_date", "end_date", "pupils", "link"),
        days=days,
        scores=scores,
    )


def _with_school_names(activities: pl.DataFrame) -> pl.DataFrame:
    """``activities`` with the school's printed name (:func:`display_name`) as ``school``:
    worked out once per school rather than once per activity (a large network lists some
    hundred thousand activities of a few tens of thousands of schools), and without Python
    for a name in ASCII, which is printed as it is."""
    names = activities.select("name", "name_latin").unique()
    ascii = names["name"].str.contains(r"^[\x00-\x7F]*$")
    plain, foreign = names.filter(ascii), names.filter(~ascii)
    names = pl.concat([
        plain.with_columns(pl.col("name").alias("school")),
        foreign.with_columns(pl.Series("school", [display_name(n, latin) for n, latin in foreign.iter_rows()],
                                       dtype=pl.String)),
    ])  # fmt: skip
    return activities.join(names, on=["name", "name_latin"], how="left", nulls_equal=True)


def _lang(lang: str) -> str:
    return lang if lang in TEXT else "en"


def _dates(start: date | None, end: date | None) -> str:
    if start and end and end != start:
        return f"{start.isoformat()} – {end.isoformat()}"
    day = start or end
    return day.isoformat() if day else ""


def _figure_rows(report: NationalReport, text: dict[str, str]) -> list[tuple[str, str]]:
    f = report.figures
    received = f"{f['received']:,} ({text['on_time']} {f['on_time']:,}, {text['late']} {f['late']:,})"
    return [
        (text["expected"], f"{f['expected']:,}"),
        (text["received"], received),
        (text["accepted"], f"{f['accepted']:,}"),
        (text["activities"], f"{f['activities']:,}"),
        (text["pupils"], f"{f['pupils']:,}"),
        (text["teachers"], f"{f['teachers']:,}"),
    ]


def pdf(report: NationalReport, lang: str = "en") -> bytes:
    """The national report as an A4 PDF (names in letters the built-in fonts lack are printed in
    their Latin spelling)."""
    lang = _lang(lang)
    text = TEXT[lang]
    doc = FPDF(format="A4")
    doc.core_fonts_encoding = "windows-1252"
    doc.set_title(printable(text["title"].format(year=report.year)))
    doc.set_author("UNESCO ASPnet")
    doc.set_creator("ASPnet Atlas")
    doc.set_auto_page_break(True, margin=15)
    doc.add_page()
    width = doc.w - doc.l_margin - doc.r_margin

    def line(value: str, size: float = 10, style: str = "", height: float | None = None) -> None:
        doc.set_font("helvetica", style, size)
        doc.multi_cell(width, height or size * 0.5, printable(value), new_x="LMARGIN", new_y="NEXT")

    doc.set_text_color(0, 94, 160)
    line(text["title"].format(year=report.year), 18, "B", 9)
    doc.set_text_color(27, 42, 56)
    line(text["subtitle"].format(country=report.country[lang], year=report.year), 11)
    doc.set_text_color(90, 100, 110)
    made = text["made"].format(day=long_date(report.compiled_at.date(), lang), due=long_date(report.due, lang))
    line(made, 9)
    doc.set_text_color(27, 42, 56)
    doc.ln(4)
    line(text["figures"], 13, "B", 7)
    for label, value in _figure_rows(report, text):
        doc.set_font("helvetica", "", 10)
        doc.cell(width * 0.6, 6, printable(label))
        doc.set_font("helvetica", "B", 10)
        doc.cell(width * 0.4, 6, printable(value), new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    line(text["assessment"], 13, "B", 7)
    if report.scores.is_empty():
        line(text["none"])
    for row in report.scores.iter_rows(named=True):
        doc.set_font("helvetica", "", 9)
        doc.cell(width * 0.35, 5, printable(text[row["theme"]][:48]))
        doc.cell(width * 0.5, 5, printable(text[row["item"]]))
        doc.set_font("helvetica", "B", 9)
        doc.cell(width * 0.15, 5, f"{row['average']:.1f}", new_x="LMARGIN", new_y="NEXT")
    doc.ln(4)
    line(text["days"], 13, "B", 7)
    if report.days.is_empty():
        line(text["none"])
    for row in report.days.iter_rows(named=True):
        line(f"{day_name(row['code'], lang)}: {row['schools']:,} {text['schools']}", 9)
    doc.ln(4)
    line(text["by_theme"], 13, "B", 7)
    if report.activities.is_empty():
        line(text["none"])
    for theme in THEMES:
        rows = report.activities.filter(pl.col("theme") == theme)
        if rows.is_empty():
            continue
        doc.ln(2)
        line(f"{text[theme]} ({rows.height:,})", 11, "B", 6)
        for row in rows.head(PDF_ACTIVITIES).iter_rows(named=True):
            place = f"{row['school']}" + (f", {row['city']}" if row["city"] else "")
            detail = _dates(row["start_date"], row["end_date"])
            if row["pupils"]:
                detail += f" · {row['pupils']:,} {text['pupils'].lower()}"
            # One line each (cell, not multi_cell: a large network lists hundreds).
            doc.set_font("helvetica", "B", 9)
            doc.cell(width, 4.5, _fit(doc, row["title"], width), new_x="LMARGIN", new_y="NEXT")
            doc.set_font("helvetica", "", 8)
            where = f"{place} · {detail}" + (f" · {row['link']}" if row["link"] else "")
            doc.cell(width, 4, _fit(doc, where, width), new_x="LMARGIN", new_y="NEXT")
        if rows.height > PDF_ACTIVITIES:
            line(text["more"].format(count=rows.height - PDF_ACTIVITIES), 9, "I")
    return bytes(doc.output())


def _fit(doc: FPDF, value: str, width: float) -> str:
    """``value`` as printable text, cut with an ellipsis to fit ``width`` in the current font."""
    shown = printable(value)
    if doc.get_string_width(shown) <= width:
        return shown
    while shown and doc.get_string_width(shown + "...") > width:
        shown = shown[: max(len(shown) - max(len(shown) // 8, 1), 0)]
    return shown + "..."


def excel(report: NationalReport, lang: str = "en") -> bytes:
    """The national report as an Excel workbook: a summary sheet, then the activities, the
    international days and the self-assessment, each a table with a header row."""
    lang = _lang(lang)
    text = TEXT[lang]
    out = io.BytesIO()
    with xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_urls": False, "strings_to_formulas": False}) as book:
        bold = book.add_format({"bold": True})
        title = book.add_format({"bold": True, "font_size": 14, "font_color": "#005EA0"})
        sheet = book.add_worksheet(text["sheet_summary"][:31])
        sheet.set_column(0, 0, 46)
        sheet.set_column(1, 1, 36)
        sheet.write(0, 0, text["title"].format(year=report.year), title)
        sheet.write(1, 0, text["subtitle"].format(country=report.country[lang], year=report.year))
        made = text["made"].format(day=report.compiled_at.date().isoformat(), due=report.due.isoformat())
        sheet.write(2, 0, made)
        for k, (label, value) in enumerate(_figure_rows(report, text), start=4):
            sheet.write(k, 0, label, bold)
            sheet.write(k, 1, value)
        activities = book.add_worksheet(text["sheet_activities"][:31])
        heads = [text["theme"], text["school"], "", text["activity"], text["dates"], text["pupils"], text["link"]]
        heads[2] = {"en": "Town", "fr": "Ville", "es": "Localidad"}[lang]
        _table(activities, heads, [
            [text.get(r["theme"], r["theme"]), r["school"], r["city"], r["title"],
             _dates(r["start_date"], r["end_date"]), r["pupils"], r["link"]]
            for r in report.activities.iter_rows(named=True)
        ], widths=[30, 40, 18, 40, 24, 10, 36])  # fmt: skip
        days = book.add_worksheet(text["sheet_days"][:31])
        _table(days, [text["days"], text["schools"]], [
            [day_name(r["code"], lang), r["schools"]] for r in report.days.iter_rows(named=True)
        ], widths=[60, 12])  # fmt: skip
        scores = book.add_worksheet(text["sheet_assessment"][:31])
        _table(scores, [text["theme"], text["item"], text["average"], text["reports"]], [
            [text[r["theme"]], text[r["item"]], round(float(r["average"]), 2), r["reports"]]
            for r in report.scores.iter_rows(named=True)
        ], widths=[40, 44, 10, 10])  # fmt: skip
    return out.getvalue()


def _table(sheet, heads: list[str], rows: list[list], *, widths: list[int]) -> None:
    for k, width in enumerate(widths):
        sheet.set_column(k, k, width)
    data = rows or [[None] * len(heads)]
    sheet.add_table(0, 0, len(data), len(heads) - 1, {"data": data, "columns": [{"header": h} for h in heads]})
