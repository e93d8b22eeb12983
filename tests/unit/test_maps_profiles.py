"""Map data stays small at any size; profiles show public fields and refuse bad codes."""

import math

import polars as pl
import pytest

from aspnet_data import maps, profiles
from aspnet_data.directory import Selection, facet_counts


def _all_tiles(db, sel, z):
    return [maps.map_tile(db, sel, z, x, y) for x in range(2**z) for y in range(2**z)]


def _schools_in(tiles) -> int:
    return sum(len(t.points) + sum(c["institutions"] for c in t.cells) for t in tiles)


@pytest.mark.parametrize("z", [0, 1, 2, 3])
def test_every_school_of_the_selection_is_in_exactly_one_tile_of_each_zoom(db, z):
    sel = Selection().with_values("theme", ["esd"])
    total, _ = maps.selection_extent(db, sel)
    assert total > maps.TILE_POINTS  # so some tiles group their schools into cells
    tiles = _all_tiles(db, sel, z)
    assert _schools_in(tiles) == total
    ids = [p["id"] for t in tiles for p in t.points]
    assert len(ids) == len(set(ids))


def test_a_full_tile_groups_its_schools_and_its_children_split_them(db):
    world = maps.map_tile(db, Selection(), 0, 0, 0)
    assert world.cells, "the test network fills the world tile"
    assert len(world.cells) + len(world.points) <= maps.TILE_GRID**2
    assert all(c["institutions"] > 1 for c in world.cells)  # a cell of one school is that school
    children = [maps.map_tile(db, Selection(), 1, x, y) for x in (0, 1) for y in (0, 1)]
    assert _schools_in(children) == _schools_in([world])
    assert sum(len(t.cells) for t in children) > len(world.cells)  # cells split as the view narrows


def test_cells_lie_inside_their_tile_and_frame_their_schools(db):
    for tile in _all_tiles(db, Selection(), 2):
        south, west, north, east = maps.tile_bounds(tile.z, tile.x, tile.y)
        for cell in tile.cells:
            assert south <= cell["south"] <= cell["lat"] <= cell["north"] <= north
            assert west <= cell["west"] <= cell["lon"] <= cell["east"] <= east


def test_zoomed_in_far_enough_every_school_shows_one_by_one(db):
    sid, lat, lon = db.rows(
        "SELECT id, latitude, longitude FROM institutions WHERE network = 'FRA' "
        "AND status <> 'withdrawn' ORDER BY id LIMIT 1"
    )[0]
    x, y = maps.tile_of(lat, lon, 7)
    south, west, north, east = maps.tile_bounds(7, x, y)
    assert south <= lat < north and west <= lon < east
    tile = maps.map_tile(db, Selection(), 7, x, y)
    assert tile.cells == [] and sid in [p["id"] for p in tile.points]
    assert {"id", "name", "city", "levels", "themes", "colour", "lat", "lon"} <= set(tile.points[0])
    assert all(isinstance(p["lat"], float) and isinstance(p["lon"], float) for p in tile.points)


def test_tile_bounds_cover_the_world_without_gaps():
    assert maps.tile_bounds(0, 0, 0) == pytest.approx((-85.0511, -180, 85.0511, 180), abs=1e-3)
    south, _, _, east = maps.tile_bounds(3, 2, 4)
    assert maps.tile_bounds(3, 2, 5)[2] == pytest.approx(south)  # the next row starts where it ends
    assert maps.tile_bounds(3, 3, 4)[1] == pytest.approx(east)
    assert not maps.valid_tile(2, 4, 0) and not maps.valid_tile(-1, 0, 0) and maps.valid_tile(2, 3, 3)


def test_what_one_view_loads_stays_under_two_megabytes(db):
    """A view of the map is at most 4 x 3 tiles of 512 pixels (1,400 x 560 on screen): whatever
    the zoom, the tiles it loads and the outlines stay under 2 MB."""
    from routes.map_data import features

    for z in (0, 1, 2, 3):
        sizes = sorted((maps.json_size(features(t, "en")) for t in _all_tiles(db, Selection(), z)), reverse=True)
        assert sum(sizes[:12]) + maps.json_size(maps.display_outlines()) < 2_000_000


def test_a_tile_never_holds_more_than_its_limits(db, monkeypatch):
    monkeypatch.setattr(maps, "TILE_POINTS", 50)
    for tile in _all_tiles(db, Selection(), 1):
        assert len(tile.cells) + len(tile.points) <= maps.TILE_GRID**2 or len(tile.points) <= 50


@pytest.mark.parametrize(
    "params, view, notices",
    [
        ({}, maps.View(), []),
        ({"view": ["countries"]}, maps.View("countries"), []),
        ({"lat": ["46.5"], "lon": ["2.2"], "zoom": ["5"]}, maps.View("schools", 46.5, 2.2, 5.0), []),
        ({"lat": ["46.5"], "lon": ["2.2"]}, maps.View(), []),  # no zoom: no centre
        ({"lat": ["91"], "lon": ["nan"], "zoom": ["5"], "view": ["x'--"]}, maps.View(), ["lat", "lon", "view"]),
    ],
)
def test_the_maps_view_is_read_from_its_url(params, view, notices):
    got, found = maps.parse_view(params)
    assert got == view and sorted(n.key for n in found) == sorted(notices)
    assert maps.parse_view(maps.view_params(got))[0] == got


def test_display_outlines_are_light_and_keep_small_states():
    outlines = maps.display_outlines()
    assert maps.json_size(outlines) < 600_000
    assert {"AND", "MCO", "SGP", "MLT"} <= {f["properties"]["iso3"] for f in outlines["features"]}


def test_country_counts_add_up_to_the_selection(db):
    sel = Selection().with_values("theme", ["gced"])
    counts = maps.country_counts(db, sel)
    assert counts["institutions"].sum() == facet_counts(db, sel).total
    assert (counts["gced"] == counts["institutions"]).all()


def test_zoom_frames_a_country_and_the_world():
    assert maps.zoom_for(None) == (20.0, 10.0, 1.0)
    lat, lon, zoom = maps.zoom_for((42.3, -4.8, 51.0, 8.2))  # France
    assert 44 < lat < 49 and 0 < lon < 4 and 4 < zoom < 6


@pytest.mark.parametrize(
    "raw, code",
    [("fra", "FRA"), (" JPN ", "JPN"), ("FR", None), ("FRA'", None), (None, None), ("F R", None), ("ÉTA", None)],
)
def test_parse_code(raw, code):
    assert profiles.parse_code(raw) == code


@pytest.mark.parametrize(
    "raw, value",
    [("42", 42), ("0042", 42), ("-1", None), ("1e3", None), ("abc", None), ("9" * 40, None), ("", None), (None, None)],
)
def test_parse_id(raw, value):
    assert profiles.parse_id(raw) == value


def test_network_profile_counts_and_public_fields(db):
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    profile = profiles.network_profile(db, iso3)
    frame = db.query("SELECT status, levels, themes, year_joined FROM institutions WHERE network = ?", [iso3])
    assert profile.by_status == {
        s: frame.filter(pl.col("status") == s).height for s in ("candidate", "member", "withdrawn")
    }
    active = frame.filter(pl.col("status") != "withdrawn")
    assert profile.by_theme["esd"] == active.filter(pl.col("themes").list.contains("esd")).height
    assert "coordinator_phone" not in profile.network
    assert profile.growth["joined"].sum() == frame["year_joined"].drop_nulls().len()
    assert profile.growth["members"][-1] == profile.by_status["member"]


def test_unknown_network_and_institution(db):
    assert profiles.network_profile(db, "ZZZ") is None
    assert profiles.institution_profile(db, 10**12) is None


def test_institution_profile(db):
    record = profiles.institution_profile(db, 1)
    assert record["id"] == 1 and record["country_en"]
    assert set(profiles.INSTITUTION_PUBLIC) <= set(record)


def test_the_list_of_networks_counts_each_networks_schools(db):
    networks = profiles.list_networks(db, lang="fr")
    assert networks.height == db.scalar("SELECT count(*) FROM networks")
    by_status = {
        (n, s): c for n, s, c in db.rows("SELECT network, status, count(*) FROM institutions GROUP BY network, status")
    }
    for row in networks.head(20).iter_rows(named=True):
        assert row["members"] == by_status.get((row["iso3"], "member"), 0)
        assert row["candidates"] == by_status.get((row["iso3"], "candidate"), 0)
    active = (networks["members"] + networks["candidates"]).to_list()
    assert active == sorted(active, reverse=True)
    assert networks.filter(networks["iso3"] == "DEU")["country"][0] == "Allemagne"


def _pixels(lat: float, lon: float, zoom: float) -> tuple[float, float]:
    """Web Mercator pixel coordinates (512-pixel tiles, as deck.gl's) of a place at ``zoom``."""
    scale = 512 * 2**zoom
    y = (1 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2
    return (lon + 180) / 360 * scale, y * scale


@pytest.mark.parametrize(
    "bounds",
    [
        (0.08249, 32.4736, 11.56194, 43.10666),  # a project's schools in Uganda and Djibouti
        (43.3, -4.8, 51.0, 8.2),  # mainland France
        (-34.9, -73.5, 12.4, -34.8),  # South America
        (59.9, 10.7, 59.95, 10.8),  # two schools in one town
    ],
)
@pytest.mark.parametrize("height", [360, 380, 520])
def test_framed_places_are_all_on_a_phones_map(bounds, height):
    """A map framed for the narrowest screen shows each corner of what it frames inside it."""
    lat, lon, zoom = maps.zoom_for(bounds, width=maps.NARROWEST_MAP, height=height)
    cx, cy = _pixels(lat, lon, zoom)
    south, west, north, east = bounds
    for corner in ((south, west), (south, east), (north, west), (north, east)):
        x, y = _pixels(*corner, zoom)
        assert abs(x - cx) <= maps.NARROWEST_MAP / 2 and abs(y - cy) <= height / 2, (corner, zoom)
