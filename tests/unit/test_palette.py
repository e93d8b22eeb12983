"""Colours that carry text stay readable (WCAG 2 AA, 4.5:1), and the theme agrees with the palette."""

import tomllib

import pytest

from tests.conftest import ROOT
from ui.palette import (
    CHOROPLETH,
    SEVERAL_COLOR,
    STATUS_COLORS,
    SWATCH_RING,
    TEXT_COLOR,
    TEXT_CONTRAST,
    THEME_COLORS,
    contrast,
    text_on,
)

THEME = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["theme"]


def blend(colour: str, background: str, opacity: float) -> str:
    """``colour`` drawn at ``opacity`` over ``background``, as the browser shows it."""
    channels = [
        round(opacity * int(colour[i : i + 2], 16) + (1 - opacity) * int(background[i : i + 2], 16)) for i in (1, 3, 5)
    ]
    return "#" + "".join(f"{c:02x}" for c in channels)


def test_contrast_matches_the_wcag_definition():
    assert contrast("#000000", "#FFFFFF") == pytest.approx(21)
    assert contrast("#777777", "#FFFFFF") == pytest.approx(4.48, abs=0.01)
    assert contrast("#0072B2", "#0072B2") == 1


@pytest.mark.parametrize("background", [*THEME_COLORS.values(), *STATUS_COLORS.values(), SEVERAL_COLOR])
def test_a_label_on_a_theme_or_status_colour_is_readable(background):
    assert contrast(text_on(background), background) >= TEXT_CONTRAST


def test_the_theme_text_colour_is_the_palette_text_colour():
    assert THEME["textColor"].upper() == TEXT_COLOR.upper()


@pytest.mark.parametrize("surface", ["backgroundColor", "secondaryBackgroundColor"])
def test_captions_and_links_are_readable_on_the_page_and_the_side_panel(surface):
    background = THEME[surface]
    # Streamlit draws captions and help texts in the text colour at 60% opacity.
    assert contrast(blend(THEME["textColor"], background, 0.6), background) >= TEXT_CONTRAST
    assert contrast(THEME["linkColor"], background) >= TEXT_CONTRAST
    # White on the primary colour: buttons.
    assert contrast("#FFFFFF", THEME["primaryColor"]) >= TEXT_CONTRAST


def test_the_palest_legend_swatch_keeps_a_visible_ring():
    assert contrast(SWATCH_RING, THEME["backgroundColor"]) >= 3
    assert contrast(SWATCH_RING, CHOROPLETH[0]) >= 3


def test_every_heat_table_cell_labels_itself_in_an_ink_that_reads_on_it():
    from ui.palette import TEXT_CONTRAST, contrast, shade, text_on

    for step in range(101):
        fill = shade(step / 100)
        assert contrast(text_on(fill, "#000000"), fill) >= TEXT_CONTRAST, fill
    assert shade(0) != shade(1) and shade(-1) == shade(0) and shade(2) == shade(1)


def test_chart_text_reads_on_white():
    from ui.charts import CHART_TEXT
    from ui.palette import TEXT_CONTRAST, WHITE, contrast

    assert contrast(CHART_TEXT, WHITE) >= TEXT_CONTRAST
