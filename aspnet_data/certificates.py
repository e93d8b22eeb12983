"""Membership certificates as PDF, in English, French or Spanish."""

from __future__ import annotations

from datetime import date

from anyascii import anyascii
from fpdf import FPDF

from .db import Database
from .editing import NotFound

TEXT = {
    "en": {"title": "Certificate of Membership", "body": "is a {status} of the UNESCO Associated Schools Network (ASPnet)",
           "member": "member", "candidate": "candidate member", "network": "National network: {country}",
           "since": "Member since {year}", "themes": "Priority themes: {themes}", "date": "Issued on {day}",
           "esd": "Education for Sustainable Development", "gced": "Global Citizenship Education",
           "heritage": "Intercultural and Heritage learning"},
    "fr": {"title": "Certificat d'adhésion", "body": "est {status} du Réseau du système des écoles associées de l'UNESCO (réSEAU)",
           "member": "membre", "candidate": "membre candidat", "network": "Réseau national : {country}",
           "since": "Membre depuis {year}", "themes": "Thèmes prioritaires : {themes}", "date": "Délivré le {day}",
           "esd": "Éducation au développement durable", "gced": "Éducation à la citoyenneté mondiale",
           "heritage": "Apprentissage interculturel et du patrimoine"},
    "es": {"title": "Certificado de membresía", "body": "es {status} de la Red del Plan de Escuelas Asociadas de la UNESCO (redPEA)",
           "member": "miembro", "candidate": "miembro candidato", "network": "Red nacional: {country}",
           "since": "Miembro desde {year}", "themes": "Temas prioritarios: {themes}", "date": "Expedido el {day}",
           "esd": "Educación para el desarrollo sostenible", "gced": "Educación para la ciudadanía mundial",
           "heritage": "Aprendizaje intercultural y del patrimonio"},
}


def _latin1(text: str) -> str:
    """The PDF's built-in fonts cover Latin-1: other scripts are shown transliterated."""
    try:
        text.encode("latin-1")
        return text
    except UnicodeEncodeError:
        return anyascii(text)


def certificate_pdf(db: Database, institution_id: int, lang: str = "en") -> bytes:
    """The certificate of a member or candidate institution (withdrawn ones have none)."""
    rows = db.query(
        f"""SELECT i.name, i.name_latin, i.city, i.status, i.year_joined, i.themes, c.name_{lang if lang in TEXT else 'en'}
                   AS country
            FROM institutions i JOIN countries c ON c.iso3 = i.network WHERE i.id = ?""", [institution_id])
    if rows.height == 0 or rows["status"][0] == "withdrawn":
        raise NotFound(institution_id)
    school = rows.row(0, named=True)
    words = TEXT.get(lang, TEXT["en"])
    pdf = FPDF(orientation="L", format="A4")
    pdf.set_title(words["title"])
    pdf.set_author("UNESCO ASPnet")
    pdf.add_page()
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(1.5)
    pdf.rect(10, 10, 277, 190)
    pdf.set_font("helvetica", "B", 30)
    pdf.set_text_color(0, 114, 178)
    pdf.set_y(35)
    pdf.cell(0, 16, _latin1(words["title"]), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(27, 42, 56)
    pdf.ln(10)
    name = school["name"] if _latin1(school["name"]) == school["name"] else school["name_latin"]
    pdf.set_font("helvetica", "B", 24)
    pdf.multi_cell(0, 12, _latin1(name), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", "", 15)
    pdf.cell(0, 9, _latin1(f"{school['city'] or ''}, {school['country']}"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(8)
    pdf.set_font("helvetica", "", 17)
    pdf.multi_cell(0, 10, _latin1(words["body"].format(status=words[school["status"]])), align="C",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("helvetica", "", 13)
    lines = [words["network"].format(country=school["country"])]
    if school["year_joined"]:
        lines.append(words["since"].format(year=school["year_joined"]))
    lines.append(words["themes"].format(themes=", ".join(words[t] for t in school["themes"])))
    lines.append(words["date"].format(day=date.today().isoformat()))
    for line in lines:
        pdf.cell(0, 8, _latin1(line), align="C", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
