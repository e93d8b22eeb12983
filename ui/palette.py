"""Colour-blind-safe colours (Okabe and Ito), one per priority theme and status."""

THEME_COLORS = {"esd": "#009E73", "gced": "#0072B2", "heritage": "#E69F00"}
STATUS_COLORS = {"member": "#0072B2", "candidate": "#56B4E9", "withdrawn": "#999999"}
REGION_COLOR = "#0072B2"


def hex_to_rgb(color: str) -> list[int]:
    color = color.lstrip("#")
    return [int(color[i : i + 2], 16) for i in (0, 2, 4)]

# Schools that take up more than one theme.
SEVERAL_COLOR = "#CC79A7"
# Five classes of a single-hue sequential scale (ColorBrewer Blues), safe for colour blindness.
CHOROPLETH = ["#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c"]


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
    return [ordered[min(len(ordered) - 1, int(len(ordered) * q) )] for q in (0.2, 0.4, 0.6, 0.8, 1.0)]
