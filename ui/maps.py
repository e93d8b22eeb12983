"""pydeck maps that work offline: a blank local style, country outlines, schools on top."""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

import polars as pl
import pydeck as pdk
import streamlit as st

from aspnet_data import maps
from aspnet_data.vocab import THEMES

from .i18n import number, t
from .palette import CHOROPLETH, SEVERAL_COLOR, THEME_COLORS, hex_to_rgb

# Served by Streamlit's static file server ([server] enableStaticServing), so no basemap
# is fetched from the internet; the page's URL is the base of this relative path.
BLANK_STYLE = "./app/static/blank-style.json"
LAND = [236, 239, 241]
BORDER = [160, 170, 180]
COLOURS = {code: hex_to_rgb(THEME_COLORS[code]) for code in THEMES} | {"several": hex_to_rgb(SEVERAL_COLOR)}


class PreparedDeck(pdk.Deck):
    """A deck already serialized: Streamlit sends its JSON as is (no layer is walked again)."""

    def __init__(self, spec: str, tooltip: dict | None) -> None:
        super().__init__(layers=[], map_provider=None, tooltip=tooltip)
        self._spec = spec

    def to_json(self) -> str:
        return self._spec


_DECKS: OrderedDict[tuple, tuple[str, dict | None]] = OrderedDict()
_DECKS_LOCK = threading.Lock()
_DECKS_KEPT = 48   # specs are at most about 2 MB each


def prepared(key: tuple[Hashable, ...], build: Callable[[], pdk.Deck]) -> PreparedDeck:
    """The deck ``build`` makes, serialized once per ``key`` and reused on every rerun.

    Serializing the outlines and up to 8,000 points takes longer than everything else on
    the map page, so the JSON is kept, shared by all sessions. ``key`` must hold all that
    the deck depends on: the data version, the selection, the language, the layer shown.
    """
    with _DECKS_LOCK:
        hit = _DECKS.get(key)
        if hit is not None:
            _DECKS.move_to_end(key)
    if hit is None:
        deck = build()
        hit = (deck.to_json(), deck._tooltip)
        with _DECKS_LOCK:
            _DECKS[key] = hit
            while len(_DECKS) > _DECKS_KEPT:
                _DECKS.popitem(last=False)
    return PreparedDeck(*hit)


def empty_view() -> maps.MapView:
    """No schools: for maps that only shade countries."""
    return maps.MapView("points", 0, [], None, None)


def theme_labels(codes) -> str:
    return ", ".join(t(f"theme.{c}") for c in codes)


def level_labels(codes) -> str:
    return ", ".join(t(f"level.{c}") for c in codes)


def point_rows(view: maps.MapView) -> list[dict]:
    """The view's rows with a colour, a size and a tooltip in the current language."""
    rows = []
    if view.kind == "points":
        for row in view.rows:
            rows.append({
                "id": row["id"], "lat": row["lat"], "lon": row["lon"], "colour": COLOURS[row["colour"]], "radius": 5,
                "tip": f"{row['name']}\n{row['city'] or ''}\n{level_labels(row['levels'])}\n{theme_labels(row['themes'])}",
            })
    else:
        for row in view.rows:
            rows.append({
                "lat": row["lat"], "lon": row["lon"], "colour": COLOURS[row["colour"]],
                "radius": min(30.0, 3 + 1.1 * math.sqrt(row["institutions"])),
                "tip": t("map.cell_tip", count=row["institutions"],
                         esd=number(row["esd"]), gced=number(row["gced"]), heritage=number(row["heritage"])),
            })
    return rows


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


def build_deck(view: maps.MapView, countries: pl.DataFrame, name_column: str, *, choropleth: bool,
               height_zoom: tuple[float, float, float] | None = None) -> pdk.Deck:
    """The map: outlines (coloured by count when ``choropleth``), then points or cells."""
    counts = dict(zip(countries["iso3"], countries["institutions"]))
    names = dict(zip(countries["iso3"], countries[name_column]))
    breaks = breaks_for(list(counts.values()))
    extra = {}
    for iso3, count in counts.items():
        extra[iso3] = {"tip": t("map.country_tip", country=names[iso3], count=count)}
        if choropleth:
            extra[iso3]["fill"] = choropleth_colour(count, breaks)
    outlines = maps.outlines_with(extra)
    for feature in outlines["features"]:
        feature["properties"].setdefault("fill", LAND)
        feature["properties"].setdefault("tip", "")
    layers = [pdk.Layer(
        "GeoJsonLayer", outlines, id="countries", stroked=True, filled=True, pickable=choropleth,
        get_fill_color="properties.fill", get_line_color=BORDER, line_width_min_pixels=0.5,
    )]
    if choropleth:
        # Networks whose country has no outline (tiny island states) still show, as a dot.
        missing = countries.filter(~pl.col("has_outline"))
        layers.append(pdk.Layer(
            "ScatterplotLayer",
            [{"lat": r["capital_lat"], "lon": r["capital_lon"], "fill": choropleth_colour(r["institutions"], breaks),
              "tip": extra[r["iso3"]]["tip"]} for r in missing.iter_rows(named=True)],
            id="small-countries", get_position=["lon", "lat"], get_fill_color="fill", get_radius=7,
            radius_units='"pixels"', stroked=True, get_line_color=[60, 60, 60], line_width_min_pixels=1, pickable=True,
        ))
    else:
        rows = point_rows(view)
        if view.kind == "points":
            layers.append(pdk.Layer(
                "ScatterplotLayer", rows, id="institutions", get_position=["lon", "lat"], get_fill_color="colour",
                get_radius="radius", radius_units='"pixels"', stroked=True,
                get_line_color=[255, 255, 255], line_width_min_pixels=0.5, pickable=True, auto_highlight=True,
            ))
        else:
            layers.append(pdk.Layer(
                "ScatterplotLayer", rows, id="cells", get_position=["lon", "lat"], get_fill_color="colour",
                get_radius="radius", radius_units='"pixels"', opacity=0.75, stroked=True,
                get_line_color=[255, 255, 255], line_width_min_pixels=1, pickable=True,
            ))
    lat, lon, zoom = height_zoom or maps.zoom_for(view.bounds)
    return pdk.Deck(
        layers=layers,
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom, min_zoom=0.3, max_zoom=14),
        map_style=BLANK_STYLE,
        map_provider=None,
        tooltip={"text": "{tip}"},
    )


def legend(choropleth: bool, countries: pl.DataFrame | None = None) -> None:
    """A legend under the map (colour-blind-safe palettes)."""
    if choropleth:
        values = [] if countries is None else countries["institutions"].to_list()
        breaks = breaks_for(values)
        low = 1
        items = []
        for colour, upper in zip(CHOROPLETH, breaks):
            if upper < low:
                continue
            label = number(low) if upper == low else f"{number(low)}–{number(upper)}"
            items.append((colour, label))
            low = upper + 1
        title = t("map.legend_countries")
    else:
        items = [(THEME_COLORS[c], t(f"theme.{c}")) for c in THEMES] + [(SEVERAL_COLOR, t("map.several"))]
        title = t("map.legend_themes")
    swatches = "".join(
        f"<span style='display:inline-flex;align-items:center;margin-right:14px'>"
        f"<span style='width:12px;height:12px;border-radius:6px;background:{colour};display:inline-block;"
        f"margin-right:5px;border:1px solid #fff;box-shadow:0 0 0 1px #999'></span>{label}</span>"
        for colour, label in items
    )
    st.markdown(f"<div style='font-size:0.9rem'><b>{title}</b>&nbsp; {swatches}</div>", unsafe_allow_html=True)


def town_picker(towns: pl.DataFrame) -> pdk.Deck:
    """Real towns of one country as points to click (to fill a form's town and coordinates)."""
    rows = [{"name": r["name"], "lat": r["lat"], "lon": r["lon"], "tip": r["name"]} for r in towns.iter_rows(named=True)]
    bounds = (towns["lat"].min(), towns["lon"].min(), towns["lat"].max(), towns["lon"].max()) if rows else None
    lat, lon, zoom = maps.zoom_for(bounds, width=800, height=360)
    return pdk.Deck(
        layers=[
            pdk.Layer("GeoJsonLayer", maps.display_outlines(), id="countries", stroked=True, filled=True,
                      get_fill_color=LAND, get_line_color=BORDER, line_width_min_pixels=0.5),
            pdk.Layer("ScatterplotLayer", rows, id="towns", get_position=["lon", "lat"], get_fill_color=[0, 114, 178],
                      get_radius=5, radius_units='"pixels"', stroked=True, get_line_color=[255, 255, 255],
                      line_width_min_pixels=1, pickable=True, auto_highlight=True),
        ],
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom),
        map_style=BLANK_STYLE, map_provider=None, tooltip={"text": "{tip}"},
    )
