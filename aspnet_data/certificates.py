"""Membership certificates: their numbers, their public verification, and the documents.

A member institution holds one certificate, numbered NETWORK-YEAR-SEQUENCE (``FRA-2026-0042``),
issued by :func:`issue_certificates` in the transaction that makes it a member. Validity is
not stored: :func:`verify` judges it from the school's status when someone checks a number.
A member downloads its certificate (:func:`certificate_pdf`, A4 landscape, with its number
and the verification link); a candidate a letter saying it is a candidate
(:func:`candidacy_letter_pdf`); a withdrawn school nothing.

The PDF's built-in fonts cover Windows-1252 (Latin-1 and a few more letters, œ among them):
a name in another script is printed in its Latin spelling, the record's ``name_latin``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from anyascii import anyascii
from fpdf import FPDF

from . import settings
from .db import Cursor, Database, utc_now
from .errors import NotFound

NUMBER_EXAMPLE = "FRA-2026-0042"
# Spaces, dots, slashes and every kind of dash are read as the separator; the counter may be
# typed without its leading zeros (FRA-2026-42).
_NUMBER = re.compile(r"^([A-Z]{3})-(\d{4})-(\d{1,7})$")
_SEPARATORS = re.compile(r"[\s\u00a0._/\u2010-\u2015\u2212-]+")
_MAX_TYPED = 40
DOCUMENTS = {"member": "certificate", "candidate": "letter"}


def format_number(network: str, year: int, sequence: int) -> str:
    """The printed form of a certificate number (the same as the migration's backfill)."""
    return f"{network}-{year}-{sequence:04d}"


def parse_number(raw: object) -> str | None:
    """A typed or linked certificate number in its printed form, or None if it cannot be one.

    Case, surrounding spaces and the separator do not matter: " fra 2026 42 " reads
    FRA-2026-0042."""
    if not isinstance(raw, str) or len(raw) > _MAX_TYPED:
        return None
    text = _SEPARATORS.sub("-", raw.strip().upper()).strip("-")
    match = _NUMBER.match(text) if text.isascii() else None
    if match is None:
        return None
    network, year, sequence = match.group(1), int(match.group(2)), int(match.group(3))
    return format_number(network, year, sequence) if sequence > 0 else None


def document_kind(status: str | None) -> str | None:
    """The document a school of this status can download: a certificate, a letter, or none."""
    return DOCUMENTS.get(status or "")


# -- issuing -------------------------------------------------------------------------------


def issue_certificates(
    cur: Cursor, institution_ids: Sequence[int], *, when: datetime | date | None = None, latest: datetime | None = None
) -> int:
    """Number the certificate of each listed institution that is a member and has none yet.

    Runs inside the caller's transaction (the one that makes them members), so a member is
    never without a number and a rollback takes the number back. Issued on ``when``, or when
    ``when`` is None on the day each institution's record was created (the demo's members,
    created on the day they joined), but not after ``latest`` (the demo's own date, which
    some of its last year's records pass). Numbers count up within a network and a year, in
    order of issue. Returns how many certificates were issued.
    """
    if not institution_ids:
        return 0
    return cur.execute(
        """INSERT INTO certificates (number, institution_id, network, year, sequence, issued_on)
           SELECT network || '-' || CAST(year AS VARCHAR) || '-'
                  || CASE WHEN sequence < 10000 THEN lpad(CAST(sequence AS VARCHAR), 4, '0')
                          ELSE CAST(sequence AS VARCHAR) END,
                  id, network, year, sequence, issued_on FROM (
               WITH new AS (
                   SELECT i.id, i.network, CAST(d.issued AS DATE) AS issued_on,
                          CAST(extract(year FROM d.issued) AS INTEGER) AS year
                   FROM institutions i,
                        LATERAL (SELECT coalesce($when::TIMESTAMP, least(i.created_at, $latest::TIMESTAMP)) AS issued) d
                   WHERE i.id IN (SELECT unnest($ids::BIGINT[])) AND i.status = 'member'
                     AND i.id NOT IN (SELECT institution_id FROM certificates
                                      WHERE institution_id IN (SELECT unnest($ids::BIGINT[])))
               ),
               -- The last number of each network and year in the batch (not of every network).
               top AS (
                   SELECT c.network, c.year, max(c.sequence) AS sequence FROM certificates c
                   JOIN (SELECT DISTINCT network, year FROM new) k ON k.network = c.network AND k.year = c.year
                   GROUP BY c.network, c.year
               )
               SELECT new.*, coalesce(top.sequence, 0)
                             + row_number() OVER (PARTITION BY new.network, new.year ORDER BY new.issued_on, new.id)
                             AS sequence
               FROM new LEFT JOIN top ON top.network = new.network AND top.year = new.year
           ) AS numbered""",
        {"when": when, "latest": latest, "ids": list(institution_ids)},
    ).fetchall()[0][0]


def certificate_of(db: Database, institution_id: int) -> dict | None:
    """The number and date of issue of an institution's certificate, or None."""
    rows = db.rows("SELECT number, issued_on FROM certificates WHERE institution_id = ?", [institution_id])
    return {"number": rows[0][0], "issued_on": rows[0][1]} if rows else None


# -- verifying -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What checking a certificate number found.

    ``state``: "valid" (the school is a member), "withdrawn" (it left ASPnet in
    ``withdrawn_year``), "not_member" (it is not a member at present), "unknown" (no
    certificate has this number) or "malformed" (this cannot be a certificate number).
    """

    state: str
    number: str | None = None  # the number in its printed form (None when malformed)
    institution_id: int | None = None
    name: str | None = None
    name_latin: str | None = None
    city: str | None = None
    network: str | None = None
    country: dict[str, str] | None = None  # the network's country in en, fr, es
    national_commission: str | None = None
    issued_on: date | None = None
    withdrawn_year: int | None = None

    @property
    def valid(self) -> bool:
        return self.state == "valid"


def verify(db: Database, raw: object) -> Verification:
    """Check a certificate number as typed or read from a link (anything: it never raises)."""
    number = parse_number(raw)
    if number is None:
        return Verification("malformed")
    rows = db.rows(
        """SELECT c.institution_id, i.name, i.name_latin, i.city, i.network, i.status, i.withdrawn_year,
                  co.name_en, co.name_fr, co.name_es, n.national_commission, c.issued_on
           FROM certificates c
           JOIN institutions i ON i.id = c.institution_id
           JOIN countries co ON co.iso3 = i.network
           LEFT JOIN networks n ON n.iso3 = i.network
           WHERE c.number = ?""",
        [number],
    )
    if not rows:
        return Verification("unknown", number)
    iid, name, latin, city, network, status, withdrawn_year, en, fr, es, commission, issued_on = rows[0]
    state = {"member": "valid", "withdrawn": "withdrawn"}.get(status, "not_member")
    return Verification(
        state,
        number,
        iid,
        name,
        latin,
        city,
        network,
        {"en": en, "fr": fr, "es": es},
        commission,
        issued_on,
        withdrawn_year if state == "withdrawn" else None,
    )


# -- the documents -----------------------------------------------------------------------------

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "unesco": "United Nations Educational, Scientific and Cultural Organization",
        "aspnet": "UNESCO Associated Schools Network (ASPnet)",
        "title": "Certificate of Membership",
        "certify": "This is to certify that",
        "member_since": "is a member of the UNESCO Associated Schools Network (ASPnet) since {year},\n"
        "in its national network of {country}.",
        "member": "is a member of the UNESCO Associated Schools Network (ASPnet),\n"
        "in its national network of {country}.",
        "issued": "Date of issue: {day}",
        "coordinator": "National Coordinator",
        "for_unesco": "For UNESCO",
        "unesco_office": "ASPnet International Coordination",
        "number": "Certificate no. {number}",
        "verify": "Check that this certificate is valid at {url}",
        "letter_title": "Letter of candidacy",
        "letter_subject": "Candidacy for membership of the UNESCO Associated Schools Network (ASPnet)",
        "letter_greeting": "To whom it may concern,",
        "letter_body": "We confirm that {school} ({place}) is a candidate for membership of the UNESCO "
        "Associated Schools Network (ASPnet) since {year}, in its national network of {country}.",
        "letter_themes": "As a candidate, the school takes part in the life of the network and works on its "
        "priority themes: {themes}. It may become a full member after a period of active "
        "participation, on the recommendation of the National Coordinator and with the "
        "approval of UNESCO.",
        "letter_note": "This letter is not a certificate of membership.",
        "letter_closing": "Yours faithfully,",
        "esd": "Education for Sustainable Development",
        "gced": "Global Citizenship Education",
        "heritage": "Intercultural and Heritage learning",
    },
    "fr": {
        "unesco": "Organisation des Nations Unies pour l'éducation, la science et la culture",
        "aspnet": "Réseau du système des écoles associées de l'UNESCO (réSEAU)",
        "title": "Certificat d'adhésion",
        "certify": "Le présent certificat atteste que",
        "member_since": "est membre du Réseau du système des écoles associées de l'UNESCO (réSEAU) depuis {year},\n"
        "au sein de son réseau national ({country}).",
        "member": "est membre du Réseau du système des écoles associées de l'UNESCO (réSEAU),\n"
        "au sein de son réseau national ({country}).",
        "issued": "Date de délivrance : {day}",
        "coordinator": "Coordinateur national",
        "for_unesco": "Pour l'UNESCO",
        "unesco_office": "Coordination internationale du réSEAU",
        "number": "Certificat n° {number}",
        "verify": "Vérifier la validité de ce certificat : {url}",
        "letter_title": "Attestation de candidature",
        "letter_subject": "Candidature au Réseau du système des écoles associées de l'UNESCO (réSEAU)",
        "letter_greeting": "À qui de droit,",
        "letter_body": "Nous confirmons que l'établissement {school} ({place}) est candidat à l'adhésion au "
        "Réseau du système des écoles associées de l'UNESCO (réSEAU) depuis {year}, au sein de "
        "son réseau national ({country}).",
        "letter_themes": "En tant que candidat, l'établissement participe à la vie du réseau et travaille sur ses "
        "thèmes prioritaires : {themes}. Il pourra devenir membre à part entière après une période "
        "de participation active, sur recommandation du Coordinateur national et avec "
        "l'approbation de l'UNESCO.",
        "letter_note": "La présente attestation ne vaut pas certificat d'adhésion.",
        "letter_closing": "Veuillez agréer l'expression de nos salutations distinguées.",
        "esd": "Éducation au développement durable",
        "gced": "Éducation à la citoyenneté mondiale",
        "heritage": "Apprentissage interculturel et du patrimoine",
    },
    "es": {
        "unesco": "Organización de las Naciones Unidas para la Educación, la Ciencia y la Cultura",
        "aspnet": "Red del Plan de Escuelas Asociadas de la UNESCO (redPEA)",
        "title": "Certificado de membresía",
        "certify": "Por la presente se certifica que",
        "member_since": "es miembro de la Red del Plan de Escuelas Asociadas de la UNESCO (redPEA) desde {year},\n"
        "en su red nacional de {country}.",
        "member": "es miembro de la Red del Plan de Escuelas Asociadas de la UNESCO (redPEA),\n"
        "en su red nacional de {country}.",
        "issued": "Fecha de expedición: {day}",
        "coordinator": "Coordinador nacional",
        "for_unesco": "Por la UNESCO",
        "unesco_office": "Coordinación internacional de la redPEA",
        "number": "Certificado n.º {number}",
        "verify": "Compruebe la validez de este certificado en {url}",
        "letter_title": "Constancia de candidatura",
        "letter_subject": "Candidatura a la Red del Plan de Escuelas Asociadas de la UNESCO (redPEA)",
        "letter_greeting": "A quien corresponda:",
        "letter_body": "Confirmamos que la institución {school} ({place}) es candidata a la membresía de la Red "
        "del Plan de Escuelas Asociadas de la UNESCO (redPEA) desde {year}, en su red nacional de "
        "{country}.",
        "letter_themes": "Como candidata, la institución participa en la vida de la red y trabaja en sus temas "
        "prioritarios: {themes}. Podrá ser miembro de pleno derecho tras un periodo de "
        "participación activa, por recomendación del Coordinador nacional y con la aprobación "
        "de la UNESCO.",
        "letter_note": "Esta constancia no es un certificado de membresía.",
        "letter_closing": "Atentamente,",
        "esd": "Educación para el desarrollo sostenible",
        "gced": "Educación para la ciudadanía mundial",
        "heritage": "Aprendizaje intercultural y del patrimonio",
    },
}
MONTHS: dict[str, tuple[str, ...]] = {
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    "fr": (
        "janvier",
        "février",
        "mars",
        "avril",
        "mai",
        "juin",
        "juillet",
        "août",
        "septembre",
        "octobre",
        "novembre",
        "décembre",
    ),
    "es": (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}
DEFAULT_PUBLIC_URL = str(settings.value("ASPNET_PUBLIC_URL", {}))  # the setting's default
_BLUE = (0, 94, 160)
_INK = (27, 42, 56)
_GREY = (90, 100, 110)
_FONT_ENCODING = "windows-1252"  # what the built-in fonts' WinAnsiEncoding shows


def long_date(day: date, lang: str) -> str:
    """``day`` written out as people write dates in ``lang`` (3 March 2026, 1er mars 2026,
    3 de marzo de 2026)."""
    month = MONTHS.get(lang, MONTHS["en"])[day.month - 1]
    if lang == "fr":
        return f"{'1er' if day.day == 1 else day.day} {month} {day.year}"
    if lang == "es":
        return f"{day.day} de {month} de {day.year}"
    return f"{day.day} {month} {day.year}"


def verification_url(public_url: str, number: str) -> str:
    """The address of the page that checks ``number`` (numbers hold only A-Z, 0-9 and -)."""
    base = (
        public_url.strip().rstrip("/")
        if re.match(r"^https?://[^\s<>\"'?#]+$", public_url.strip())
        else DEFAULT_PUBLIC_URL
    )
    return f"{base}/certificate?number={number}"


def printable(text: str | None) -> str:
    """``text`` as the built-in fonts can show it: letters they lack are spelled in Latin
    letters one by one (Ł -> L), so a Polish name keeps its ó."""
    out = []
    for ch in unicodedata.normalize("NFC", text or ""):
        try:
            ch.encode(_FONT_ENCODING)
            out.append(ch)
        except UnicodeEncodeError:
            out.append(anyascii(ch))
    return "".join(out)


def display_name(name: str, name_latin: str | None) -> str:
    """The school's name as printed: its own when written in Latin letters, else its Latin spelling."""
    foreign = any(ch.isalpha() and not unicodedata.name(ch, "LATIN").startswith("LATIN") for ch in name)
    return printable(name_latin if foreign and name_latin else name)


def _school(db: Database, institution_id: int, lang: str) -> dict:
    lang = lang if lang in TEXT else "en"
    rows = db.query(
        """SELECT i.id, i.name, i.name_latin, i.city, i.status, i.year_joined, i.themes, i.created_at,
                  co.name_en, co.name_fr, co.name_es, n.national_commission, n.coordinator_name,
                  c.number, c.issued_on,
                  (SELECT max(e.occurred_at) FROM applications a
                   JOIN application_events e ON e.application_id = a.id AND e.stage = 'approved'
                   WHERE a.institution_id = i.id) AS approved_at
           FROM institutions i
           JOIN countries co ON co.iso3 = i.network
           LEFT JOIN networks n ON n.iso3 = i.network
           LEFT JOIN certificates c ON c.institution_id = i.id
           WHERE i.id = ?""",
        [institution_id],
    )
    if rows.height == 0:
        raise NotFound(institution_id)
    school = rows.row(0, named=True)
    school["country"] = school[f"name_{lang}"]
    return school


class _Document(FPDF):
    def __init__(self, orientation: str, title: str) -> None:
        super().__init__(orientation=orientation, format="A4")
        self.core_fonts_encoding = _FONT_ENCODING
        self.set_title(printable(title))
        self.set_author("UNESCO ASPnet")
        self.set_creator("ASPnet Atlas")
        self.set_auto_page_break(False)
        self.add_page()

    def line_of(
        self,
        text: str,
        size: float,
        *,
        style: str = "",
        colour=_INK,
        height: float | None = None,
        align: str = "C",
        family: str = "helvetica",
        width: float = 0,
    ) -> None:
        self.set_font(family, style, size)
        self.set_text_color(*colour)
        self.multi_cell(width, height or size * 0.5, printable(text), align=align, new_x="LMARGIN", new_y="NEXT")

    def fitted(
        self, text: str, width: float, *, largest: float, smallest: float, style: str = "B", family: str = "helvetica"
    ) -> float:
        """The largest font size at which ``text`` fits in two lines of ``width`` (no smaller
        than ``smallest``), else the largest at which it fits in three."""
        for lines, high, low in ((2, largest, smallest), (3, smallest, smallest * 0.8)):
            size = high
            while size >= low:
                self.set_font(family, style, size)
                found = self.multi_cell(width, size * 0.45, printable(text), dry_run=True, output="LINES")
                if isinstance(found, list) and len(found) <= lines:
                    return size
                size -= 1
        return low


def _signature(
    pdf: _Document, x: float, y: float, width: float, lines: list[tuple[str, str, float]], *, align: str = "C"
) -> None:
    pdf.set_draw_color(*_GREY)
    pdf.set_line_width(0.3)
    pdf.line(x, y, x + width, y)
    pdf.set_xy(x, y + 2)
    for text, style, size in lines:
        if not text:
            continue
        pdf.set_x(x)
        pdf.set_font("helvetica", style, size)
        pdf.set_text_color(*(_INK if style else _GREY))
        pdf.multi_cell(width, size * 0.45, printable(text), align=align, new_x="LEFT", new_y="NEXT")


def certificate_pdf(
    db: Database, institution_id: int, lang: str = "en", *, public_url: str = DEFAULT_PUBLIC_URL
) -> bytes:
    """The membership certificate of a member institution, A4 landscape, in ``lang``.

    ``public_url`` is the site's public address, printed in the verification link. Raises
    NotFound for an institution that is not a member (candidates get a letter instead).
    """
    school = _school(db, institution_id, lang)
    if school["status"] != "member" or school["number"] is None:
        raise NotFound(institution_id)
    words = TEXT.get(lang, TEXT["en"])
    pdf = _Document("L", f"{words['title']} {school['number']}")
    width, height = pdf.w, pdf.h
    # A double frame: a broad band and a fine line inside it.
    pdf.set_draw_color(*_BLUE)
    pdf.set_line_width(2.2)
    pdf.rect(9, 9, width - 18, height - 18)
    pdf.set_line_width(0.4)
    pdf.rect(13, 13, width - 26, height - 26)

    pdf.set_left_margin(25)
    pdf.set_right_margin(25)
    pdf.set_y(21)
    pdf.line_of(words["unesco"], 12, style="B", colour=_BLUE, height=6)
    pdf.line_of(words["aspnet"], 10.5, colour=_BLUE, height=5.5)
    if school["national_commission"]:
        pdf.line_of(school["national_commission"], 10.5, colour=_GREY, height=5.5)
    pdf.set_draw_color(*_BLUE)
    pdf.set_line_width(0.4)
    pdf.line(width / 2 - 25, pdf.get_y() + 3, width / 2 + 25, pdf.get_y() + 3)

    pdf.set_y(pdf.get_y() + 12)
    pdf.line_of(words["title"], 34, style="B", family="times", colour=_BLUE, height=15)
    pdf.ln(5)
    pdf.line_of(words["certify"], 13, style="I", family="times", colour=_GREY, height=7)
    pdf.ln(3)
    name = display_name(school["name"], school["name_latin"])
    size = pdf.fitted(name, width - 60, largest=26, smallest=14, family="times")
    pdf.set_left_margin(30)
    pdf.set_right_margin(30)
    pdf.line_of(name, size, style="B", family="times", height=size * 0.45)
    place = ", ".join(p for p in (school["city"], school["country"]) if p)
    pdf.ln(1)
    pdf.line_of(place, 13, colour=_GREY, height=7)
    pdf.ln(6)
    body = words["member_since" if school["year_joined"] else "member"]
    pdf.set_left_margin(35)
    pdf.set_right_margin(35)
    pdf.line_of(body.format(year=school["year_joined"], country=school["country"]), 13.5, height=7)
    pdf.ln(5)
    pdf.line_of(words["issued"].format(day=long_date(school["issued_on"], lang)), 12, style="B", height=6)

    # Signatures on either side of a seal.
    top = height - 52
    column = 78
    _signature(
        pdf,
        38,
        top,
        column,
        [
            (school["coordinator_name"], "B", 11),
            (words["coordinator"], "", 10),
            (school["national_commission"], "", 8.5),
        ],
    )
    _signature(
        pdf, width - 38 - column, top, column, [(words["for_unesco"], "B", 11), (words["unesco_office"], "", 10)]
    )
    _seal(pdf, width / 2, top + 3, school["number"])

    url = verification_url(public_url, school["number"])
    pdf.set_left_margin(20)
    pdf.set_right_margin(20)
    pdf.set_y(height - 27)
    pdf.line_of(words["number"].format(number=school["number"]), 10, style="B", height=5)
    pdf.set_font("helvetica", "", 9)
    pdf.set_text_color(*_GREY)
    pdf.cell(0, 5, printable(words["verify"].format(url=url)), align="C", link=url, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _seal(pdf: _Document, cx: float, cy: float, number: str) -> None:
    pdf.set_draw_color(*_BLUE)
    pdf.set_line_width(1.2)
    pdf.circle(cx, cy, 15)
    pdf.set_line_width(0.3)
    pdf.circle(cx, cy, 12.5)
    pdf.set_text_color(*_BLUE)
    pdf.set_font("helvetica", "B", 12)
    pdf.set_xy(cx - 12, cy - 6)
    pdf.cell(24, 6, "UNESCO", align="C")
    pdf.set_font("helvetica", "B", 10)
    pdf.set_xy(cx - 12, cy)
    pdf.cell(24, 5, "ASPnet", align="C")
    pdf.set_font("helvetica", "", 6.5)
    pdf.set_xy(cx - 12, cy + 5)
    pdf.cell(24, 4, number.split("-")[1], align="C")


def candidacy_letter_pdf(db: Database, institution_id: int, lang: str = "en", *, today: date | None = None) -> bytes:
    """A letter (A4 portrait, in ``lang``) saying that a candidate institution is a candidate for
    membership since the year its application was approved. Raises NotFound for an
    institution that is not a candidate."""
    school = _school(db, institution_id, lang)
    if school["status"] != "candidate":
        raise NotFound(institution_id)
    words = TEXT.get(lang, TEXT["en"])
    since = (school["approved_at"] or school["created_at"]).year
    pdf = _Document("P", words["letter_title"])
    pdf.set_left_margin(25)
    pdf.set_right_margin(25)
    pdf.set_draw_color(*_BLUE)
    pdf.set_line_width(1.5)
    pdf.line(25, 16, pdf.w - 25, 16)
    pdf.set_y(21)
    pdf.line_of(words["unesco"], 10.5, style="B", colour=_BLUE, align="L", height=5.5)
    pdf.line_of(words["aspnet"], 10, colour=_BLUE, align="L", height=5.5)
    if school["national_commission"]:
        pdf.line_of(school["national_commission"], 10, colour=_GREY, align="L", height=5.5)
    pdf.ln(14)
    pdf.line_of(long_date(today or utc_now().date(), lang), 11, align="R", height=6)
    pdf.ln(10)
    pdf.line_of(words["letter_title"], 18, style="B", family="times", colour=_BLUE, align="L", height=9)
    pdf.line_of(words["letter_subject"], 11, style="B", align="L", height=6)
    pdf.ln(8)
    pdf.line_of(words["letter_greeting"], 11, align="L", height=6)
    pdf.ln(4)
    place = ", ".join(p for p in (school["city"], school["country"]) if p)
    themes = ", ".join(words[t] for t in school["themes"] if t in words)
    for paragraph in (
        words["letter_body"].format(
            school=display_name(school["name"], school["name_latin"]),
            place=place,
            year=since,
            country=school["country"],
        ),
        words["letter_themes"].format(themes=themes),
        words["letter_note"],
        words["letter_closing"],
    ):
        pdf.line_of(paragraph, 11, align="J", height=6)
        pdf.ln(4)
    _signature(
        pdf,
        25,
        pdf.get_y() + 24,
        80,
        [
            (school["coordinator_name"], "B", 11),
            (words["coordinator"], "", 10),
            (school["national_commission"], "", 8.5),
        ],
        align="L",
    )
    return bytes(pdf.output())


def document_pdf(db: Database, institution_id: int, lang: str = "en", *, public_url: str = DEFAULT_PUBLIC_URL) -> bytes:
    """The document of an institution's status at the moment it is asked for: the certificate
    of a member, the letter of a candidate; NotFound for a withdrawn school."""
    status = db.scalar("SELECT status FROM institutions WHERE id = ?", [institution_id])
    kind = document_kind(status)
    if kind == "certificate":
        return certificate_pdf(db, institution_id, lang, public_url=public_url)
    if kind == "letter":
        return candidacy_letter_pdf(db, institution_id, lang)
    raise NotFound(institution_id)
