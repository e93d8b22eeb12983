"""Map data stays small at any size; profiles show public fields and refuse bad codes."""

import polars as pl
import pytest

from aspnet_data import maps, profiles
from aspnet_data.directory import Selection, facet_counts


def test_small_selections_are_points_with_every_institution(db):
    sel = Selection().with_values("region", ["ARB"])
    view = maps.map_view(db, sel)
    assert view.kind == "points"
    assert len(view.rows) == view.total == facet_counts(db, sel).total
    assert {"id", "name", "city", "levels", "themes", "lat", "lon", "colour"} <= set(view.rows[0])
    assert all(isinstance(r["lat"], float) and isinstance(r["lon"], float) for r in view.rows)


def test_large_selections_are_cells_that_add_up(db):
    view = maps.map_view(db, Selection(), point_limit=100)
    assert view.kind == "cells"
    assert sum(r["institutions"] for r in view.rows) == view.total
    assert len(view.rows) <= maps.MAX_CELLS
    assert all(r["colour"] in ("esd", "gced", "heritage") for r in view.rows)


def test_map_json_stays_under_two_megabytes(db):
    for limit in (maps.POINT_LIMIT, 100):
        view = maps.map_view(db, Selection(), point_limit=limit)
        assert maps.json_size(view.rows) + maps.json_size(maps.display_outlines()) < 2_000_000


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
    lat, lon, zoom = maps.zoom_for((42.3, -4.8, 51.0, 8.2))   # France
    assert 44 < lat < 49 and 0 < lon < 4 and 4 < zoom < 6


@pytest.mark.parametrize("raw, code", [("fra", "FRA"), (" JPN ", "JPN"), ("FR", None), ("FRA'", None), (None, None),
                                       ("F R", None), ("ÉTA", None)])
def test_parse_code(raw, code):
    assert profiles.parse_code(raw) == code


@pytest.mark.parametrize("raw, value", [("42", 42), ("0042", 42), ("-1", None), ("1e3", None), ("abc", None),
                                        ("9" * 40, None), ("", None), (None, None)])
def test_parse_id(raw, value):
    assert profiles.parse_id(raw) == value


def test_network_profile_counts_and_public_fields(db):
    iso3 = db.scalar("SELECT network FROM institutions GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")
    profile = profiles.get_network(db, iso3)
    frame = db.query("SELECT status, levels, themes, year_joined FROM institutions WHERE network = ?", [iso3])
    assert profile.by_status == {s: frame.filter(pl.col("status") == s).height
                                 for s in ("candidate", "member", "withdrawn")}
    active = frame.filter(pl.col("status") != "withdrawn")
    assert profile.by_theme["esd"] == active.filter(pl.col("themes").list.contains("esd")).height
    assert "coordinator_phone" not in profile.network
    assert profile.growth["joined"].sum() == frame["year_joined"].drop_nulls().len()
    assert profile.growth["members"][-1] == profile.by_status["member"]


def test_unknown_network_and_institution(db):
    assert profiles.get_network(db, "ZZZ") is None
    assert profiles.get_institution(db, 10**12) is None


def test_institution_profile(db):
    record = profiles.get_institution(db, 1)
    assert record["id"] == 1 and record["country_en"]
    assert set(profiles.INSTITUTION_PUBLIC) <= set(record)
