"""The country brief: its figures, what the public and staff get, and its PDF read back."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import datetime

import pytest
from pypdf import PdfReader

from aspnet_data import briefs
from aspnet_data.permissions import ANONYMOUS, Actor
from aspnet_data.vocab import LEVELS, THEMES

from ..conftest import ROOT

NOW = datetime(2026, 11, 1, 12, 0)
ANALYST = Actor("analyst", "analyst")
CATALOGS = {
    lang: json.loads((ROOT / "ui" / "locales" / f"{lang}.json").read_text(encoding="utf-8"))
    for lang in ("en", "fr", "es")
}
SEPARATORS = {"en": (",", "."), "fr": ("\u202f", ","), "es": (".", ",")}


def number(lang):
    """The interface's number format in ``lang`` (ui.i18n.format_number), written independently."""
    thousands, decimal = SEPARATORS[lang]

    def fmt(value, digits=0):
        text = f"{value:,.{digits}f}"
        return text.replace(",", "\x00").replace(".", decimal).replace("\x00", thousands)

    return fmt


def text(lang):
    def fmt(key, **values):
        found = CATALOGS[lang].get(key, CATALOGS["en"][key])
        found = found["other"] if isinstance(found, dict) else found
        return found.format(**values)

    return fmt


def pdf_text(data: bytes) -> str:
    # The PDF's fonts have no narrow no-break space: French thousands print with a no-break space.
    pages = PdfReader(io.BytesIO(data)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\u00a0", " ")


@pytest.fixture(scope="module")
def biggest(db):
    return db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")


def test_the_brief_holds_the_networks_figures(db, biggest):
    brief = briefs.country_brief(db, ANONYMOUS, biggest, now=NOW)
    counts = dict(db.rows("SELECT status, count(*) FROM institutions WHERE network = ? GROUP BY 1", [biggest]))
    assert brief.by_status == {s: counts.get(s, 0) for s in ("candidate", "member", "withdrawn")}
    for theme in THEMES:
        assert brief.by_theme[theme] == db.scalar(
            "SELECT count(*) FROM institutions WHERE network = ? AND status <> 'withdrawn' "
            "AND CAST(? AS VARCHAR) = ANY(themes)",
            [biggest, theme],
        )
    assert brief.missing_levels == [lv for lv in LEVELS if brief.by_level[lv] == 0]
    # The growth runs to this year, members carried through the years nobody joined.
    assert brief.growth["year"].max() == NOW.year
    assert brief.growth["members"][-1] == counts.get("member", 0)  # candidates have not joined yet
    assert briefs.country_brief(db, ANONYMOUS, "ZZZ") is None


def test_the_public_brief_leaves_out_the_staff_figures(db, biggest):
    public = briefs.country_brief(db, ANONYMOUS, biggest, now=NOW)
    staff = briefs.country_brief(db, ANALYST, biggest, now=NOW)
    assert public.quality is None and public.awaiting is None
    assert 0 <= staff.quality["filled"] <= 1 and 0 <= staff.quality["stale"] <= 1
    assert staff.awaiting == db.scalar(
        "SELECT count(*) FROM applications WHERE network = ? AND stage IN ('submitted', 'returned', 'recommended')",
        [biggest],
    )
    assert (
        len(briefs.gap_lines(staff, "en", text("en"), number("en")))
        == len(briefs.gap_lines(public, "en", text("en"), number("en"))) + 2
    )


@pytest.mark.parametrize("lang", ["en", "fr", "es"])
def test_the_pdf_holds_the_country_its_figures_and_gaps_in_the_readers_language(db, biggest, lang):
    brief = briefs.country_brief(db, ANALYST, biggest, now=NOW)
    data = briefs.brief_pdf(brief, lang, text(lang), number(lang))
    assert data.startswith(b"%PDF")
    got = pdf_text(data)
    cat = CATALOGS[lang]
    assert cat["brief.heading"].format(country=brief.names[lang]) in got
    members = number(lang)(brief.by_status["member"]).replace("\u202f", " ")
    assert f"{cat['status.member']}\n{members}" in got
    for code in THEMES:
        assert cat[f"theme.{code}"] in got
    for code in LEVELS:
        assert cat[f"level.{code}"] in got
    for line in briefs.gap_lines(brief, lang, text(lang), number(lang)):
        assert line.replace("\u202f", " ").replace("\u00a0", " ") in got.replace("\n", " ")
    assert str(NOW.year) in got  # the growth axis ends this year
    assert brief.coordinator_email in got


def test_a_big_network_prints_its_numbers_with_the_languages_separators(db, biggest):
    brief = briefs.country_brief(db, ANONYMOUS, biggest, now=NOW)
    big = replace(brief, by_status={**brief.by_status, "member": 12345}, population=None)
    assert "12 345" in pdf_text(briefs.brief_pdf(big, "fr", text("fr"), number("fr")))
    assert "12.345" in pdf_text(briefs.brief_pdf(big, "es", text("es"), number("es")))
    assert "12,345" in pdf_text(briefs.brief_pdf(big, "en", text("en"), number("en")))


def test_names_in_other_scripts_print_in_latin_letters(db, biggest):
    brief = briefs.country_brief(db, ANONYMOUS, biggest, now=NOW)
    foreign = replace(brief, coordinator_name="Łucja Wójcik 山田", national_commission="Комиссия")
    got = pdf_text(briefs.brief_pdf(foreign, "en", text("en"), number("en")))
    assert "Lucja Wójcik" in got and "Komissiya" in got
