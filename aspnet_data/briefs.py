"""The country brief: one national network on one page, on screen and as a PDF.

:func:`country_brief` gathers its figures: public ones for everyone, data quality and the
applications awaiting a decision for signed-in staff only. :func:`brief_pdf` lays them out
on an A4 page in the reader's language. Its words come from the interface: the caller
passes ``text(key, **values)`` and ``number(value, digits)`` bound to the reader's language
(not to a session), so the PDF can be made when the download is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import polars as pl
from fpdf import FPDF

from . import profiles
from .certificates import printable
from .dashboard import WAITING_STAGES, staff_figures
from .db import Database, utc_now
from .directory import Selection
from .permissions import Actor, can
from .stats import through_year
from .vocab import LEVELS, THEMES

Text = Callable[..., str]  # text(key, **values): an interface text in the reader's language
Number = Callable[[float, int], str]  # number(value, digits): a number written as that language writes it
THEME_COLOURS = {"esd": (0, 158, 115), "gced": (0, 114, 178), "heritage": (230, 159, 0)}  # as on screen
_BLUE, _INK, _GREY, _RULE, _LEVEL = (0, 94, 160), (27, 42, 56), (90, 100, 110), (205, 212, 219), (86, 180, 233)


@dataclass(frozen=True)
class CountryBrief:
    """The figures of one national network's brief."""

    iso3: str
    names: dict[str, str]  # country name by language (en, fr, es)
    region_names: dict[str, str]  # its UNESCO region by language
    founded_year: int | None
    population: int | None
    by_status: dict[str, int]
    by_theme: dict[str, int]  # active institutions declaring each theme
    by_level: dict[str, int]  # active institutions offering each level
    growth: pl.DataFrame  # year, joined, withdrawn, members: every year to this one
    national_commission: str | None
    coordinator_name: str | None
    coordinator_email: str | None
    quality: dict[str, float] | None  # filled, stale (shares); None unless the reader is staff
    awaiting: int | None  # applications awaiting a decision; None unless staff
    as_of: datetime | None
    data_version: int

    @property
    def active(self) -> int:
        return self.by_status["member"] + self.by_status["candidate"]

    @property
    def per_million(self) -> float | None:
        return self.active / self.population * 1e6 if self.population else None

    @property
    def missing_themes(self) -> list[str]:
        return [code for code in THEMES if self.by_theme[code] == 0]

    @property
    def missing_levels(self) -> list[str]:
        return [code for code in LEVELS if self.by_level[code] == 0]


def country_brief(db: Database, actor: Actor, iso3: str, *, now: datetime | None = None) -> CountryBrief | None:
    """The brief of network ``iso3`` as ``actor`` may read it, or None if there is no such network."""
    profile = profiles.network_profile(db, iso3)
    if profile is None:
        return None
    net = profile.network
    quality, awaiting = None, None
    if can(actor, "read_staff_figures"):
        staff = staff_figures(db, actor, Selection().with_values("country", [iso3]), now=now)
        if staff.quality.height:
            row = staff.quality.row(0, named=True)
            quality = {"filled": float(row["filled"]), "stale": float(row["stale"])}
        awaiting = int(staff.funnel.filter(pl.col("stage").is_in(WAITING_STAGES))["applications"].sum())
    regions = db.analytics.query("SELECT name_en, name_fr, name_es FROM regions WHERE code = ?", [net["region"]])
    return CountryBrief(
        iso3=iso3,
        names={lang: net[f"name_{lang}"] for lang in ("en", "fr", "es")},
        region_names={lang: regions[f"name_{lang}"][0] for lang in ("en", "fr", "es")} if regions.height else {},
        founded_year=net["founded_year"],
        population=net["population"],
        by_status=profile.by_status,
        by_theme=profile.by_theme,
        by_level=profile.by_level,
        growth=through_year(profile.growth, (now or utc_now()).year),
        national_commission=net["national_commission"],
        coordinator_name=net["coordinator_name"],
        coordinator_email=net["coordinator_email"],
        quality=quality,
        awaiting=awaiting,
        as_of=db.data_updated_at,
        data_version=db.data_version,
    )


# -- words ---------------------------------------------------------------------------------


def percent_text(share: float, lang: str, number: Number) -> str:
    """A share (0..1) as a percentage, written as the interface writes it (12.5% / 12,5 %)."""
    return number(share * 100, 1) + ("\u00a0%" if lang in ("fr", "es") else "%")


def figure_lines(brief: CountryBrief, text: Text, number: Number) -> list[tuple[str, str]]:
    """(label, value) of the brief's headline figures."""
    return [
        (text("status.member"), number(brief.by_status["member"], 0)),
        (text("status.candidate"), number(brief.by_status["candidate"], 0)),
        (text("status.withdrawn"), number(brief.by_status["withdrawn"], 0)),
        (text("network.per_million"), number(brief.per_million, 1) if brief.per_million is not None else "—"),
    ]


def gap_lines(brief: CountryBrief, lang: str, text: Text, number: Number) -> list[str]:
    """The brief's gaps, a sentence each (with data quality and pending applications for staff)."""
    lines = [
        text("brief.missing_themes", themes=", ".join(text(f"theme.{c}") for c in brief.missing_themes))
        if brief.missing_themes
        else text("brief.all_themes"),
        text("brief.missing_levels", levels=", ".join(text(f"level.{c}") for c in brief.missing_levels))
        if brief.missing_levels
        else text("brief.all_levels"),
    ]
    if brief.quality is not None:
        lines.append(
            text(
                "brief.quality",
                filled=percent_text(brief.quality["filled"], lang, number),
                stale=percent_text(brief.quality["stale"], lang, number),
            )
        )
    if brief.awaiting is not None:
        lines.append(text("brief.pipeline", count=number(brief.awaiting, 0)))
    return lines


def as_of_line(brief: CountryBrief, text: Text) -> str:
    when = brief.as_of.strftime("%Y-%m-%d %H:%M") if brief.as_of else "—"
    return text("common.as_of", when=when, version=brief.data_version)


# -- the PDF -------------------------------------------------------------------------------


def _printable(text: str | None) -> str:
    """``text`` as the PDF's built-in fonts show it (see :func:`certificates.printable`); they lack
    the narrow no-break space of French numbers, so it becomes a no-break space."""
    return printable((text or "").replace("\u202f", "\u00a0"))


class _Page(FPDF):
    def __init__(self, title: str, footer: str) -> None:
        super().__init__(orientation="P", format="A4")
        self.core_fonts_encoding = "windows-1252"  # what printable() keeps
        self.footer_text = footer
        self.set_title(_printable(title))
        self.set_author("UNESCO ASPnet")
        self.set_creator("ASPnet Atlas")
        self.set_margins(16, 16, 16)
        self.set_auto_page_break(True, margin=18)
        self.add_page()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font("helvetica", "", 7.5)
        self.set_text_color(*_GREY)
        self.cell(self.epw - 10, 4, _printable(self.footer_text), align="L")
        self.cell(10, 4, f"{self.page_no()}", align="R")

    def text_line(
        self, text: str, size: float, *, style: str = "", colour=_INK, width: float = 0, gap: float = 0.45
    ) -> None:
        self.set_font("helvetica", style, size)
        self.set_text_color(*colour)
        self.multi_cell(width, size * gap, _printable(text), new_x="LMARGIN" if not width else "RIGHT", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.ln(3)
        self.text_line(text, 13, style="B", colour=_BLUE)
        self.ln(1)


def _bars(
    pdf: _Page,
    x: float,
    width: float,
    title: str,
    rows: list[tuple[str, int, tuple[int, int, int]]],
    value_text: Callable[[int], str],
) -> float:
    """A bar per row, its label above it and ``value_text(count)`` after it; returns the bottom."""
    pdf.set_x(x)
    pdf.set_font("helvetica", "B", 13)
    pdf.set_text_color(*_BLUE)
    pdf.multi_cell(width, 6, _printable(title), new_x="LEFT", new_y="NEXT")
    pdf.ln(1)
    top = max((count for _, count, _ in rows), default=0) or 1
    room = width - 32
    for label, count, colour in rows:
        pdf.set_x(x)
        pdf.set_font("helvetica", "", 9)
        pdf.set_text_color(*_INK)
        pdf.multi_cell(width, 4.2, _printable(label), new_x="LEFT", new_y="NEXT")
        bar_y, length = pdf.get_y() + 0.6, room * count / top
        if count:
            pdf.set_fill_color(*colour)
            pdf.rect(x, bar_y, max(0.8, length), 3.6, style="F")
        pdf.set_xy(x + length + 2, bar_y - 0.4)
        pdf.set_font("helvetica", "B", 9)
        pdf.cell(30, 4.4, _printable(value_text(count)))
        pdf.set_y(bar_y + 5.4)
    return pdf.get_y()


def _growth(pdf: _Page, growth: pl.DataFrame, number: Number, caption: str) -> None:
    """Members at the end of each year, as a line over a year axis that ends this year."""
    left, width, height = pdf.l_margin + 12, pdf.epw - 14, 42
    if pdf.get_y() + height + 16 > pdf.h - pdf.b_margin:
        pdf.add_page()
    pdf.text_line(caption, 8.5, colour=_GREY)
    top = pdf.get_y() + 3
    years, members = growth["year"].to_list(), growth["members"].to_list()
    first, last = years[0], years[-1]
    span = max(1, last - first)
    peak = max(max(members), 1)
    step = _nice_step(peak / 4)
    ceiling = step * -(-peak // step)
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.2)
    pdf.set_font("helvetica", "", 7.5)
    pdf.set_text_color(*_GREY)
    value = 0
    while value <= ceiling:
        y = top + height - height * value / ceiling
        pdf.line(left, y, left + width, y)
        pdf.set_xy(left - 13, y - 2)
        pdf.cell(11, 4, _printable(number(value, 0)), align="R")
        value += step
    ticks = sorted({first, last, *range(-(-first // 10) * 10, last + 1, 10)})
    ticks = [y for y in ticks if y in (first, last) or (y - first > span * 0.08 and last - y > span * 0.08)]
    for year in ticks:
        x = left + width * (year - first) / span
        pdf.set_xy(x - 8, top + height + 1)
        pdf.cell(16, 4, str(year), align="C")
    pdf.set_draw_color(0, 114, 178)
    pdf.set_line_width(0.7)
    points = [
        (left + width * (yr - first) / span, top + height - height * m / ceiling) for yr, m in zip(years, members)
    ]
    for a, b in zip(points, points[1:]):
        pdf.line(*a, *b)
    pdf.set_xy(pdf.l_margin, top + height + 7)


def _nice_step(rough: float) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50... at least ``rough``: a gridline step."""
    magnitude = 1
    while True:
        for step in (magnitude, 2 * magnitude, 5 * magnitude):
            if step >= rough:
                return step
        magnitude *= 10


def brief_pdf(brief: CountryBrief, lang: str, text: Text, number: Number) -> bytes:
    """The brief as an A4 PDF in ``lang``; ``text`` and ``number`` are the interface's, in ``lang``."""
    name = brief.names.get(lang) or brief.names["en"]
    title = text("brief.heading", country=name)
    pdf = _Page(title, text("brief.pdf_footer"))
    pdf.text_line(title, 19, style="B", colour=_INK)
    pdf.ln(1)
    region = brief.region_names.get(lang) or brief.region_names.get("en", "")
    pdf.text_line(text("network.subtitle", region=region, founded=brief.founded_year or "—"), 10, colour=_GREY)
    pdf.ln(4)

    figures = figure_lines(brief, text, number)
    box = (pdf.epw - 4 * (len(figures) - 1)) / len(figures)
    y = pdf.get_y()
    pdf.set_draw_color(*_RULE)
    pdf.set_line_width(0.3)
    for k, (label, value) in enumerate(figures):
        x = pdf.l_margin + k * (box + 4)
        pdf.rect(x, y, box, 21, round_corners=True, corner_radius=1.5)
        pdf.set_xy(x + 3, y + 2.5)
        pdf.text_line(label, 8.5, colour=_GREY, width=box - 6)
        pdf.set_xy(x + 3, y + 11)
        pdf.text_line(value, 17, width=box - 6)
    pdf.set_y(y + 27)

    def count_and_share(count: int) -> str:
        share = f" · {percent_text(count / brief.active, lang, number)}" if brief.active else ""
        return number(count, 0) + share

    column = (pdf.epw - 10) / 2
    y = pdf.get_y()
    themes = [(text(f"theme.{c}"), brief.by_theme[c], THEME_COLOURS[c]) for c in THEMES]
    bottom_left = _bars(pdf, pdf.l_margin, column, text("network.by_theme"), themes, count_and_share)
    pdf.set_y(y)
    levels = [(text(f"level.{c}"), brief.by_level[c], _LEVEL) for c in LEVELS]
    bottom_right = _bars(pdf, pdf.l_margin + column + 10, column, text("network.by_level"), levels, count_and_share)
    pdf.set_y(max(bottom_left, bottom_right))

    if brief.growth.height:
        pdf.heading(text("network.growth"))
        _growth(pdf, brief.growth, number, text("network.members_total"))

    pdf.heading(text("brief.gaps"))
    for point in gap_lines(brief, lang, text, number):
        pdf.set_x(pdf.l_margin)
        pdf.set_font("helvetica", "", 10)
        pdf.set_text_color(*_INK)
        pdf.cell(5, 5, "\u2022")
        pdf.multi_cell(pdf.epw - 5, 5, _printable(point), new_x="LMARGIN", new_y="NEXT")

    pdf.heading(text("network.coordinator"))
    contact = " · ".join(
        part for part in (brief.national_commission, brief.coordinator_name, brief.coordinator_email) if part
    )
    pdf.text_line(contact or "—", 10)
    pdf.ln(4)
    pdf.text_line(as_of_line(brief, text), 8, colour=_GREY)
    return bytes(pdf.output())
