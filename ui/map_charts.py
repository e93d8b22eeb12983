"""The maps pages draw (pydeck in Streamlit), offline: a blank local style, country outlines,
schools on top. The data behind them (points, tiles, outlines, views) is aspnet_data/maps.py."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import polars as pl
import pydeck as pdk
import streamlit as st
from streamlit.typing import PydeckState

from aspnet_data import directory, maps
from aspnet_data.directory import Selection
from aspnet_data.vocab import THEMES

from . import data
from .i18n import current_language, level_labels, link_params, name_column, number, t, theme_labels
from .palette import (
    BORDER,
    CHOROPLETH,
    LAND,
    SEVERAL_COLOR,
    SWATCH_RING,
    THEME_COLORS,
    breaks_for,
    choropleth_colour,
    hex_to_rgb,
)

# Served by Streamlit's static file server ([server] enableStaticServing), so no basemap
# is fetched from the internet; the page's URL is the base of this relative path.
BLANK_STYLE = "./app/static/blank-style.json"
# The sea and the land as the chart's map library draws them (routes/map_data.py): the maps
# that show schools or places on the land draw it so, deck.gl only what is on top.
LAND_STYLE = "./land-style.json"
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
_DECKS_KEPT = 48  # specs are at most about 2 MB each


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


# Fetched by the browser from the app's own routes (routes/map_data.py), relative to the page.
OUTLINES_URL = "./outlines.json"


def map_query(sel: Selection, lang: str, version: int) -> str:
    """The query string that names a selection's map data (kept by browsers per data version)."""
    params = {k: v for k, v in directory.to_params(sel).items() if k not in ("sort", "page")}
    return urlencode({**params, "lang": [lang], "v": [str(version)]}, doseq=True)


def land_layer(*, filled: bool = True) -> pdk.Layer:
    """Every country's outline drawn by deck.gl (loaded once, then from the browser's cache):
    the land of a deck drawn without the chart's basemap (the embedded map), or only the
    borders (``filled=False``) over a layer that shades the countries."""
    return pdk.Layer(
        "GeoJsonLayer",
        OUTLINES_URL,
        id="land" if filled else "borders",
        stroked=True,
        filled=filled,
        get_fill_color=LAND,
        get_line_color=BORDER,
        line_width_min_pixels=0.5,
        pickable=False,
    )


def schools_layer(sel: Selection, lang: str, version: int) -> pdk.Layer:
    """The selection's schools as tiles: each school, or numbered circles that split as one zooms in."""
    return pdk.Layer(
        "TileLayer",
        f"./tiles/{{z}}/{{x}}/{{y}}.json?{map_query(sel, lang, version)}",
        id="schools",
        min_zoom=0,
        max_zoom=maps.MAX_TILE_ZOOM,
        tile_size=512,
        pickable=True,
        auto_highlight=True,
        point_type='"circle+text"',
        get_fill_color="properties.col",
        get_point_radius="properties.r",
        point_radius_units='"pixels"',
        stroked=True,
        get_line_color=[255, 255, 255],
        line_width_min_pixels=1,
        get_text="properties.label",
        get_text_size=11,
        get_text_color=[255, 255, 255],
        text_font_weight=700,
        text_font_family='"Source Sans Pro, sans-serif"',
    )


def each_school_layers(sel: Selection, lang: str, version: int) -> list[pdk.Layer]:
    """The selection's schools one by one, a layer a colour (each colour's schools loaded once,
    drawn at every zoom): for selections of up to ASPNET_MAP_POINTS schools."""
    query = map_query(sel, lang, version)
    return [
        pdk.Layer(
            "ScatterplotLayer",
            f"./points.json?{query}&c={code}",
            id=f"schools-{code}",
            get_position="p",
            get_fill_color=colour,
            get_radius=5,
            radius_units='"pixels"',
            radius_min_pixels=2,
            stroked=True,
            get_line_color=[255, 255, 255],
            line_width_min_pixels=0.5,
            pickable=True,
            auto_highlight=True,
        )
        for code, colour in COLOURS.items()
    ]


def countries_layer(sel: Selection, lang: str, version: int) -> pdk.Layer:
    """Countries shaded by the selection's count (a click opens the network's profile).

    Only the shading is pickable: the borders are the land layer's, drawn over it, so what
    deck.gl draws again to find what is under the pointer (as the mouse button goes down,
    before it takes the press and release as a click) is the polygons alone."""
    return pdk.Layer(
        "GeoJsonLayer",
        f"./countries.json?{map_query(sel, lang, version)}",
        id="countries",
        stroked=False,
        filled=True,
        pickable=True,
        get_fill_color="properties.fill",
        point_type='"circle"',
        get_point_radius=7,
        point_radius_units='"pixels"',
    )


def world_deck(
    sel: Selection,
    *,
    mode: str,
    centre: tuple[float, float, float],
    lang: str,
    version: int,
    each: bool = False,
    basemap: bool = True,
) -> pdk.Deck:
    """The world map: land, then schools or countries (shaded by count, the borders drawn again
    over the shading). Schools: each of them (``each``: see maps.draws_each), or tiles of
    numbered groups that split as one zooms in. The land is the chart's basemap
    (:data:`LAND_STYLE`), or (``basemap=False``, for a page without one) a layer of the deck."""
    land = [] if basemap else [land_layer()]
    if mode == "countries":
        layers = [*land, countries_layer(sel, lang, version), land_layer(filled=False)]
    elif each:
        layers = [*land, *each_school_layers(sel, lang, version)]
    else:
        layers = [*land, schools_layer(sel, lang, version)]
    lat, lon, zoom = centre
    return pdk.Deck(
        layers=layers,
        map_style=LAND_STYLE if basemap else BLANK_STYLE,
        map_provider=None,
        tooltip={"text": "{tip}"},
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom, min_zoom=0.3, max_zoom=17),
    )


@dataclass(frozen=True)
class Pick:
    """What a click on a map picked: a school (``id``), a cell of schools (``bbox``, ``z``) or a
    country (``iso3``)."""

    kind: str
    id: int | None = None
    iso3: str | None = None
    bbox: tuple[float, float, float, float] | None = None
    z: int | None = None


def selected(event: PydeckState | None) -> dict[str, list[dict[str, Any]]]:
    """What a click on a deck selected: the objects picked, by layer id."""
    selection = event.selection if event else None
    return dict(selection.objects) if selection else {}


def picked(event: PydeckState | None) -> Pick | None:
    """The object a click on :func:`world_deck` (or a deck with an "institutions" layer) picked."""
    for layer, found in selected(event).items():
        if not found:
            continue
        item = found[0]
        props = item.get("properties") or {}
        if layer == "institutions" and item.get("id") is not None:
            return Pick("school", id=int(item["id"]))
        if layer.startswith("schools-") and item.get("i") is not None:
            return Pick("school", id=int(item["i"]))
        if layer == "schools" and props.get("id") is not None:
            return Pick("school", id=int(props["id"]))
        if layer == "schools" and props.get("bbox"):
            return Pick("cell", bbox=tuple(props["bbox"]), z=int(props.get("z", 0)))
        if layer == "countries" and props.get("iso3"):
            return Pick("country", iso3=str(props["iso3"]))
    return None


def explorable_map(
    sel: Selection, *, centre: tuple[float, float, float], key: str, height: int, alt: str, mode: str = "schools"
) -> Pick | None:
    """The selection's schools (or countries) on a map that a click explores: a school opens
    its profile, a country its network; a group of schools is returned for the page to zoom
    into (it decides where the view is kept: the URL, the session).

    A handled click starts the chart afresh (a new key): no selection is left behind, and
    the map opens on the view the page then asks for.
    """
    drawn = st.session_state.setdefault(f"{key}_drawn", 0)
    deck = world_deck(
        sel,
        mode=mode,
        centre=centre,
        lang=current_language(),
        version=data.version_key()[1],
        each=mode == "schools" and maps.draws_each(data.db(), sel),
    )
    event = st.pydeck_chart(
        deck, height=height, on_select="rerun", selection_mode="single-object", key=f"{key}_{drawn}", alt=alt
    )
    pick = picked(event)
    if pick is None:
        return None
    st.session_state[f"{key}_drawn"] = drawn + 1
    open_pick(pick)
    return pick


def open_pick(pick: Pick | None) -> None:
    """Open what a click picked: a school's profile, a country's network (a cell of schools
    opens nothing: the page zooms into it)."""
    if pick is None:
        return
    if pick.kind == "school" and pick.id is not None:
        st.switch_page("app_pages/institution.py", query_params=link_params(id=pick.id))
    if pick.kind == "country" and pick.iso3:
        st.switch_page("app_pages/network.py", query_params=link_params(code=pick.iso3))


def redraw(key: str) -> None:
    """Start :func:`explorable_map` ``key`` afresh on its next run (a new view was chosen)."""
    st.session_state[f"{key}_drawn"] = st.session_state.get(f"{key}_drawn", 0) + 1


def zoom_into(pick: Pick) -> tuple[float, float, float]:
    """(lat, lon, zoom) that frames a cell's schools, at least two zoom levels closer than its tile."""
    lat, lon, zoom = maps.zoom_for(pick.bbox, width=900, height=560)
    return lat, lon, min(maps.MAX_TILE_ZOOM + 1.0, max(zoom, (pick.z or 0) + 2.0))


def empty_view() -> maps.MapView:
    """No schools: for maps that only shade countries."""
    return maps.MapView(0, [], None)


def point_rows(view: maps.MapView) -> list[dict]:
    """The view's rows with a colour, a size and a tooltip in the current language."""
    return [
        {
            "id": row["id"],
            "lat": row["lat"],
            "lon": row["lon"],
            "colour": COLOURS[row["colour"]],
            "radius": 5,
            "tip": f"{row['name']}\n{row['city'] or ''}\n{level_labels(row['levels'])}\n{theme_labels(row['themes'])}",
        }
        for row in view.rows
    ]


def build_deck(
    view: maps.MapView,
    *,
    height_zoom: tuple[float, float, float] | None = None,
    height: int = 520,
) -> pdk.Deck:
    """The land and ``view``'s schools (all of them in view on a phone too, in a map ``height``
    pixels high)."""
    lat, lon, zoom = height_zoom or maps.zoom_for(view.bounds, width=maps.NARROWEST_MAP, height=height)
    return pdk.Deck(
        layers=[
            pdk.Layer(
                "ScatterplotLayer",
                point_rows(view),
                id="institutions",
                get_position=["lon", "lat"],
                get_fill_color="colour",
                get_radius="radius",
                radius_units='"pixels"',
                stroked=True,
                get_line_color=[255, 255, 255],
                line_width_min_pixels=0.5,
                pickable=True,
                auto_highlight=True,
            ),
        ],
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom, min_zoom=0.3, max_zoom=14),
        map_style=LAND_STYLE,
        map_provider=None,
        tooltip={"text": "{tip}"},
    )


def legend(
    choropleth: bool, countries: pl.DataFrame | None = None, *, groups: bool = False, title: str | None = None
) -> None:
    """A legend under the map (colour-blind-safe palettes); ``groups``: the map also draws
    numbered circles of nearby schools."""
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
        title = title or t("map.legend_countries")
    else:
        items = [(THEME_COLORS[c], t(f"theme.{c}")) for c in THEMES] + [(SEVERAL_COLOR, t("map.several"))]
        title = t("map.legend_themes")
        if groups:
            items.append(("#005A96", t("map.legend_group")))
    swatches = "".join(
        f"<span style='display:inline-flex;align-items:center;margin-right:14px'>"
        f"<span style='width:12px;height:12px;border-radius:6px;background:{colour};display:inline-block;"
        f"margin-right:5px;border:1px solid #fff;box-shadow:0 0 0 1px {SWATCH_RING}'></span>{label}</span>"
        for colour, label in items
    )
    st.markdown(f"<div style='font-size:0.9rem'><b>{title}</b>&nbsp; {swatches}</div>", unsafe_allow_html=True)


def spot_deck(lat: float, lon: float, tip: str, *, zoom: float = 4.5) -> pdk.Deck:
    """One place marked on the land (an institution's profile)."""
    return pdk.Deck(
        layers=[
            pdk.Layer(
                "ScatterplotLayer",
                [{"lat": lat, "lon": lon, "tip": tip}],
                id="spot",
                get_position=["lon", "lat"],
                get_fill_color=[213, 94, 0],
                get_radius=8,
                radius_units='"pixels"',
                stroked=True,
                get_line_color=[255, 255, 255],
                line_width_min_pixels=2,
                pickable=True,
            ),
        ],
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom),
        map_style=LAND_STYLE,
        map_provider=None,
        tooltip={"text": "{tip}"},
    )


def town_picker(towns: pl.DataFrame) -> pdk.Deck:
    """Real towns of one country as points to click (to fill a form's town and coordinates)."""
    rows = [
        {"name": r["name"], "lat": r["lat"], "lon": r["lon"], "tip": r["name"]} for r in towns.iter_rows(named=True)
    ]
    lats, lons = [r["lat"] for r in rows], [r["lon"] for r in rows]
    bounds = (min(lats), min(lons), max(lats), max(lons)) if rows else None
    lat, lon, zoom = maps.zoom_for(bounds, width=maps.NARROWEST_MAP, height=360)
    return pdk.Deck(
        layers=[
            pdk.Layer(
                "ScatterplotLayer",
                rows,
                id="towns",
                get_position=["lon", "lat"],
                get_fill_color=[0, 114, 178],
                get_radius=5,
                radius_units='"pixels"',
                stroked=True,
                get_line_color=[255, 255, 255],
                line_width_min_pixels=1,
                pickable=True,
                auto_highlight=True,
            ),
        ],
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom),
        map_style=LAND_STYLE,
        map_provider=None,
        tooltip={"text": "{tip}"},
    )


# -- maps drawn on a page ------------------------------------------------------------------------


def countries_map(
    countries: pl.DataFrame,
    *,
    value: str,
    cache_key: tuple[Hashable, ...],
    height: int,
    alt: str,
    legend_title: str | None = None,
) -> None:
    """Countries shaded by their ``value`` column, a legend of the classes under the map.

    ``countries`` holds iso3, has_outline, capital_lat, capital_lon and the names in the
    interface language; the deck is serialized once per ``cache_key``, data version and language.
    """
    name = name_column()
    shaded = countries.select(
        "iso3", name, "has_outline", "capital_lat", "capital_lon", pl.col(value).alias("institutions")
    )
    deck = prepared(
        (*data.version_key(), *cache_key, current_language()),
        lambda: shaded_deck(shaded, name, version=data.version_key()[1]),
    )
    st.pydeck_chart(deck, height=height, alt=alt)
    legend(True, shaded, title=legend_title)


def shaded_deck(shaded: pl.DataFrame, name_column: str, *, version: int) -> pdk.Deck:
    """Countries shaded by ``shaded``'s institutions column: the outlines fetched with their
    values in the address, not sent in the page (the page carries a few kilobytes instead of
    every outline): the basemap draws them in their colours (./shaded-style.json), the deck
    picks their tooltips (./shaded.json), both kept by the browser; the countries without an
    outline (tiny island states) as dots at their capital."""
    values = dict(zip(shaded["iso3"].to_list(), shaded["institutions"].to_list()))
    breaks = breaks_for(list(values.values()))
    names = dict(zip(shaded["iso3"].to_list(), shaded[name_column].to_list()))
    lang = current_language()
    query = urlencode({"values": shaded_values(values), "lang": lang, "v": version})
    missing = shaded.filter(~pl.col("has_outline"))
    lat, lon, zoom = maps.zoom_for(None)
    return pdk.Deck(
        layers=[
            # The colours and borders are the basemap's (./shaded-style.json): this layer, drawn
            # transparent, only finds the country under the pointer for its tooltip.
            pdk.Layer(
                "GeoJsonLayer",
                f"./shaded.json?{query}",
                id="countries",
                stroked=False,
                filled=True,
                pickable=True,
                get_fill_color=[0, 0, 0, 0],
            ),
            pdk.Layer(
                "ScatterplotLayer",
                [
                    {
                        "lat": r["capital_lat"],
                        "lon": r["capital_lon"],
                        "fill": choropleth_colour(values[r["iso3"]], breaks),
                        "tip": t("map.country_tip", country=names[r["iso3"]], count=values[r["iso3"]]),
                    }
                    for r in missing.iter_rows(named=True)
                ],
                id="small-countries",
                get_position=["lon", "lat"],
                get_fill_color="fill",
                get_radius=7,
                radius_units='"pixels"',
                stroked=True,
                get_line_color=[60, 60, 60],
                line_width_min_pixels=1,
                pickable=True,
            ),
        ],
        initial_view_state=pdk.ViewState(latitude=lat, longitude=lon, zoom=zoom, min_zoom=0.3, max_zoom=14),
        map_style=f"./shaded-style.json?{query}",
        map_provider=None,
        tooltip={"text": "{tip}"},
    )


def shaded_values(values: dict[str, float | int | None]) -> str:
    """``{"FRA": 12, "KEN": 3.5}`` as the address of ./shaded.json reads it: "FRA:12,KEN:3.5"."""
    given = sorted((iso3, value) for iso3, value in values.items() if value is not None)
    return ",".join(f"{iso3}:" + f"{value:.6f}".rstrip("0").rstrip(".") for iso3, value in given)


def schools_map(schools: pl.DataFrame, *, key: str, height: int) -> None:
    """Schools (id, name, city, network, levels, themes, lat, lon) as points on their countries'
    land; a click on one opens its profile."""
    rows = [
        {
            "id": r["id"],
            "name": r["name"],
            "city": r["city"],
            "network": r["network"],
            "levels": r["levels"],
            "themes": r["themes"],
            "colour": r["themes"][0] if len(r["themes"]) == 1 else "several",
            "lat": r["lat"],
            "lon": r["lon"],
        }
        for r in schools.iter_rows(named=True)
        if r["lat"] is not None
    ]
    bounds = (
        (
            min(r["lat"] for r in rows),
            min(r["lon"] for r in rows),
            max(r["lat"] for r in rows),
            max(r["lon"] for r in rows),
        )
        if rows
        else None
    )
    view = maps.MapView(len(rows), rows, bounds)
    event = st.pydeck_chart(
        build_deck(view, height=height),
        height=height,
        on_select="rerun",
        selection_mode="single-object",
        key=key,
        alt=t("map.alt", count=len(rows)),
    )
    open_pick(picked(event))


def spot_map(lat: float, lon: float, tip: str, *, height: int, alt: str) -> None:
    """One place marked on the land (an institution's profile)."""
    st.pydeck_chart(spot_deck(lat, lon, tip), height=height, alt=alt)


def town_map(towns: pl.DataFrame, *, key: str, height: int, alt: str) -> dict | None:
    """A country's towns to click; the town picked (name, lat, lon), if any."""
    event = st.pydeck_chart(
        town_picker(towns), height=height, on_select="rerun", selection_mode="single-object", key=key, alt=alt
    )
    chosen = selected(event).get("towns")
    return chosen[0] if chosen else None
