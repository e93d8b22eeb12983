"""Colour-blind-safe colours (Okabe and Ito), one per priority theme and status, and the text
colour that stays readable on each (WCAG 2 contrast: 4.5:1 for text)."""

THEME_COLORS = {"esd": "#009E73", "gced": "#0072B2", "heritage": "#E69F00"}
STATUS_COLORS = {"member": "#0072B2", "candidate": "#56B4E9", "withdrawn": "#999999"}
REGION_COLOR = "#0072B2"
# The theme's textColor (.streamlit/config.toml). Streamlit draws captions in this colour at
# 60% opacity: a deep navy keeps them at 4.8:1 on white and on the side panel's blue-grey.
TEXT_COLOR = "#08121B"
WHITE = "#FFFFFF"
# Text readable at any size (WCAG 2 AA, 1.4.3).
TEXT_CONTRAST = 4.5


def hex_to_rgb(color: str) -> list[int]:
    color = color.lstrip("#")
    return [int(color[i : i + 2], 16) for i in (0, 2, 4)]


def luminance(color: str) -> float:
    """Relative luminance as WCAG 2 defines it (0 black, 1 white)."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in hex_to_rgb(color))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 (same) to 21 (black on white)."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(background: str, dark: str = TEXT_COLOR) -> str:
    """White or ``dark`` (the text navy), whichever reads better on ``background``: a chip keeps
    the exact colour of its theme on the map, and its label stays readable (white on blue, navy
    on green and orange). Along a whole scale (the heat tables) only black keeps 4.5:1 where
    the scale crosses from dark ink to white."""
    return max((WHITE, dark), key=lambda ink: contrast(ink, background))


# Schools that take up more than one theme.
SEVERAL_COLOR = "#CC79A7"
# Five classes of a single-hue sequential scale (ColorBrewer Blues), safe for colour blindness.
CHOROPLETH = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]
# The ring around a legend's swatch: the palest class stays visible on white (3:1, WCAG 1.4.11).
SWATCH_RING = "#767676"


def choropleth_colour(count: int, breaks: list[int]) -> list[int]:
    for colour, upper in zip(CHOROPLETH, breaks):
        if count <= upper:
            return hex_to_rgb(colour) + [220]
    return hex_to_rgb(CHOROPLETH[-1]) + [220]


def breaks_for(values: list[int]) -> list[int]:
    """Upper bounds of five classes (quantiles), so small and large networks both show."""
    if not values:
        return [0] * len(CHOROPLETH)
    ordered = sorted(values)
    return [ordered[min(len(ordered) - 1, int(len(ordered) * q))] for q in (0.2, 0.4, 0.6, 0.8, 1.0)]


# The heat tables' shading: ColorBrewer Blues from its lightest to its darkest class.
HEAT_LOW, HEAT_HIGH = "#F7FBFF", "#08519C"


def shade(share: float) -> str:
    """The heat tables' fill for a share of the range (0 lightest, 1 darkest)."""
    share = min(1.0, max(0.0, share))
    low, high = hex_to_rgb(HEAT_LOW), hex_to_rgb(HEAT_HIGH)
    return "#" + "".join(f"{round(a + (b - a) * share):02X}" for a, b in zip(low, high))


# The maps' sea (static/blank-style.json's background), the land under everything, and the
# borders drawn over it (RGB).
SEA = [214, 230, 242]
LAND = [236, 239, 241]
BORDER = [160, 170, 180]
