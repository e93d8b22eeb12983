"""The world map walked in a real browser: every school of the network drawn one by one from the
world view on, a click on a school or a country opens its profile, the view lives in the URL;
past ASPNET_MAP_POINTS schools, from the world down to one school, a click on a group zooms into it."""

import contextlib
import math
import re
import shutil
from urllib.parse import parse_qs, urlparse

import pytest

from aspnet_data import maps
from aspnet_data.directory import Selection

from .conftest import click_map, screenshot, serving, settle

pytestmark = pytest.mark.e2e
DECK = "[data-testid='stDeckGlJsonChart']"


def on_screen(box, centre, lat, lon):
    """Where a place is drawn on a Web Mercator map of ``box`` centred at (lat, lon, zoom)."""

    def world(la, lo, zoom):
        scale = 512 * 2**zoom
        la = math.radians(max(-85.05, min(85.05, la)))
        return (lo + 180) / 360 * scale, (1 - math.log(math.tan(la) + 1 / math.cos(la)) / math.pi) / 2 * scale

    c_lat, c_lon, zoom = centre
    x, y = world(lat, lon, zoom)
    cx, cy = world(c_lat, c_lon, zoom)
    return box["x"] + box["width"] / 2 + x - cx, box["y"] + box["height"] / 2 + y - cy


def tooltip_at(page, x, y) -> str:
    page.mouse.move(x, y)
    page.wait_for_timeout(400)
    tips = page.locator(".deck-tooltip").all_inner_texts()
    return tips[0] if tips else ""


class Tiles:
    """The tiles a page asked for, and what they answered."""

    def __init__(self, page):
        self.seen: list[tuple[int, dict]] = []
        page.on("response", self._response)

    def _response(self, response):
        match = re.search(r"/tiles/(\d+)/\d+/\d+\.json", response.url)
        if match and response.ok:
            with contextlib.suppress(Exception):  # a tile cancelled as the view moved on
                self.seen.append((int(match.group(1)), response.json()))

    def features(self, z=None):
        return [f for zoom, body in self.seen if z is None or zoom == z for f in body["features"]]


class EachSchool:
    """The schools a page loaded to draw one by one (/points.json, one answer a colour)."""

    def __init__(self, page):
        self.seen: dict[int, dict] = {}
        self.answers = 0
        page.on("response", self._response)

    def _response(self, response):
        if urlparse(response.url).path == "/points.json" and response.ok:
            with contextlib.suppress(Exception):
                self.seen.update({school["i"]: school for school in response.json()})
                self.answers += 1


@pytest.fixture(scope="module")
def grouped(demo_path, tmp_path_factory):
    """The app on the test network with a limit of 200 schools drawn one by one: the world view
    then groups them, as it does past 50,000."""
    db_copy = tmp_path_factory.mktemp("grouped") / "aspnet.duckdb"
    shutil.copy(demo_path, db_copy)
    with serving(db_copy, settings={"ASPNET_MAP_POINTS": "200"}) as url:
        yield url


def canvas_of(page):
    canvas = page.locator(f"{DECK} canvas").first
    canvas.wait_for(timeout=30_000)
    settle(page)
    page.wait_for_timeout(1500)  # deck.gl draws the tiles and builds its picking buffer
    return canvas.bounding_box()


def test_the_world_view_draws_every_school_one_by_one_and_names_each(server, web, db):
    page = web.page
    each = EachSchool(page)
    page.goto(server + "/map")
    box = canvas_of(page)
    located = dict(
        db.rows("SELECT id, name FROM institutions WHERE status IN ('member', 'candidate') AND latitude IS NOT NULL")
    )
    assert each.answers == 4 and sorted(each.seen) == sorted(located)
    assert page.get_by_text("Each dot is an institution, coloured by its priority themes").is_visible()
    # The school farthest from any other is alone under the pointer even at the world's zoom.
    places = [(s["i"], s["p"][1], s["p"][0]) for s in each.seen.values()]

    def nearest(place):
        return min((place[1] - o[1]) ** 2 + (place[2] - o[2]) ** 2 for o in places if o[0] != place[0])

    school, lat, lon = max(places, key=nearest)
    total, bounds = maps.selection_extent(db, Selection())
    centre = maps.zoom_for(bounds, width=900, height=520)
    x, y = on_screen(box, centre, lat, lon)
    tip = tooltip_at(page, x, y)
    assert tip.startswith(located[school]) and "Click to open its profile" in tip
    screenshot(page, "map-world-each")
    click_map(page, x, y, re.compile(rf"/institution\?id={school}\b"))
    page.get_by_role("heading", level=1, name=located[school]).wait_for(timeout=30_000)
    assert web.failures == []


def test_from_the_world_a_click_on_a_group_zooms_in_until_single_schools(grouped, web, db):
    server = grouped
    page = web.page
    tiles = Tiles(page)
    page.goto(server + "/map")
    box = canvas_of(page)
    total, bounds = maps.selection_extent(db, Selection())
    centre = maps.zoom_for(bounds, width=900, height=520)
    groups = [f for f in tiles.features() if "n" in f["properties"]]
    assert groups, "the world view shows numbered groups of schools"
    biggest = max(groups, key=lambda f: f["properties"]["n"])
    lon, lat = biggest["geometry"]["coordinates"]
    x, y = on_screen(box, centre, lat, lon)
    tip = tooltip_at(page, x, y)
    assert tip.startswith(f"{biggest['properties']['n']:,} institutions") and "Click to zoom in" in tip
    screenshot(page, "map-world")

    click_map(page, x, y, re.compile(r"/map\?.*zoom="))
    params = parse_qs(urlparse(page.url).query)
    zoomed = (float(params["lat"][0]), float(params["lon"][0]), float(params["zoom"][0]))
    assert zoomed[2] >= centre[2] + 2
    south, west, north, east = biggest["properties"]["bbox"]
    assert south <= zoomed[0] <= north and west <= zoomed[1] <= east
    box = canvas_of(page)
    deeper = max(z for z, _ in tiles.seen)
    assert deeper >= round(zoomed[2]) - 1, "closer tiles were loaded"

    # The copied link opens the same view: a new visitor's map loads tiles of the same zoom.
    other = page.context.browser.new_context(viewport={"width": 1400, "height": 1800}).new_page()
    other_tiles = Tiles(other)
    other.goto(page.url)
    canvas_of(other)
    assert max(z for z, _ in other_tiles.seen) == deeper
    other.context.close()

    # Zooming with the wheel over the group's area ends with schools one by one.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(8):
        page.mouse.wheel(0, -400)
        page.wait_for_timeout(400)
    settle(page)
    page.wait_for_timeout(1500)
    assert any("id" in f["properties"] for f in tiles.features()), "single schools were loaded"
    screenshot(page, "map-zoomed")
    assert web.failures == []


def test_a_click_on_a_school_opens_its_profile(server, web, db):
    school_id, lat, lon, name = db.rows(
        """SELECT id, latitude, longitude, name FROM institutions WHERE status = 'member'
           AND network = 'FRA' ORDER BY id LIMIT 1"""
    )[0]
    page = web.page
    page.goto(f"{server}/map?lat={lat}&lon={lon}&zoom=13")
    box = canvas_of(page)
    x, y = on_screen(box, (lat, lon, 13), lat, lon)
    tip = tooltip_at(page, x, y)
    assert tip.startswith(name) and "Click to open its profile" in tip
    click_map(page, x, y, re.compile(rf"/institution\?id={school_id}\b"))
    page.get_by_role("heading", level=1, name=name).wait_for(timeout=30_000)
    assert web.failures == []


def land_drawn(page, selector: str, attempts: int = 30) -> dict[str, int]:
    """Pixels of the chart at ``selector`` that are sea, land and border (the basemap's own
    colours, ui.palette), once the land has arrived and been drawn."""
    import io

    from PIL import Image

    from ui.palette import BORDER, LAND, SEA

    def near(pixel, colour, by=6):
        return all(abs(a - b) <= by for a, b in zip(pixel, colour))

    counts = {}
    for _ in range(attempts):
        picture = Image.open(io.BytesIO(page.locator(selector).first.screenshot())).convert("RGB")
        pixels = list(picture.getdata())
        counts = {
            "sea": sum(near(p, SEA) for p in pixels),
            "land": sum(near(p, LAND) for p in pixels),
            # A border half a pixel wide is drawn lighter than its colour: anything grey between.
            "border": sum(
                max(p) - min(p) <= 24 and sum(BORDER) - 30 <= sum(p) <= sum(LAND) - 30 and not near(p, SEA, 10)
                for p in pixels
            ),
        }
        if counts["land"] and counts["border"]:
            break
        page.wait_for_timeout(500)
    return counts


def test_the_land_and_its_borders_are_drawn_under_a_school_and_the_world(server, web, db):
    """The land is the chart's basemap (/land-style.json, the outlines inside it), drawn by the
    chart's map library under an institution's spot and under the world map's schools."""
    school = db.scalar(
        "SELECT id FROM institutions WHERE status = 'member' AND network = 'KEN' AND latitude IS NOT NULL LIMIT 1"
    )
    page = web.page
    page.goto(f"{server}/institution?id={school}")
    page.locator(f"{DECK} canvas").first.wait_for(timeout=30_000)
    settle(page)
    spot = land_drawn(page, DECK)
    assert spot["land"] > 10_000 and spot["border"] > 50, spot
    screenshot(page, "institution-land")
    page.goto(f"{server}/map")
    canvas_of(page)
    world = land_drawn(page, DECK)
    assert world["land"] > 20_000 and world["sea"] > 20_000 and world["border"] > 200, world
    assert web.failures == []


def test_in_the_countries_view_a_click_on_a_country_opens_its_network(server, web):
    page = web.page
    page.goto(f"{server}/map?view=countries&lat=46.6&lon=2.4&zoom=4")
    box = canvas_of(page)
    assert page.get_by_text("Click a country to open its national network.").is_visible()
    x, y = on_screen(box, (46.6, 2.4, 4), 46.6, 2.4)
    assert tooltip_at(page, x, y).startswith("France: ")
    screenshot(page, "map-countries")
    click_map(page, x, y, re.compile(r"/network\?code=FRA"))
    page.get_by_role("heading", level=1, name="France").wait_for(timeout=30_000)


def test_the_map_on_a_phone_in_spanish(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 1600}, is_mobile=True, has_touch=True)
    page = context.new_page()
    each = EachSchool(page)
    page.goto(f"{server}/map?lang=es&region=LAC")
    canvas_of(page)
    page.get_by_text("Cada punto es una institución").wait_for(timeout=30_000)
    tips = [school["tip"] for school in each.seen.values()]
    assert tips and all(("Haga clic" in tip) for tip in tips)
    screenshot(page, "map-phone-es")
    context.close()
