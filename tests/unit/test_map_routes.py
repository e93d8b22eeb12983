"""The map's HTTP routes: tiles, outlines and shaded countries, as a browser asks for them."""

import json

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from aspnet_data import maps
from aspnet_data.directory import Selection
from routes import ROUTES
from routes.map_data import features

from ..conftest import use_database


@pytest.fixture()
def client(demo_path, monkeypatch):
    use_database(monkeypatch, demo_path)
    return TestClient(Starlette(routes=ROUTES))


def test_a_tile_holds_the_selections_schools_ready_to_draw(client, db):
    version = db.data_version
    answer = client.get(f"/tiles/1/1/0.json?theme=esd&lang=fr&v={version}")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    assert "immutable" in answer.headers["cache-control"] and answer.headers["etag"]
    body = answer.json()
    assert body == features(maps.map_tile(db, Selection().with_values("theme", ["esd"]), 1, 1, 0), "fr")
    groups = [f for f in body["features"] if "n" in f["properties"]]
    assert groups and all(f["properties"]["tip"].endswith("Cliquez pour zoomer") for f in groups)
    assert all(len(f["properties"]["bbox"]) == 4 and f["properties"]["z"] == 1 for f in groups)


def test_a_tile_of_an_older_data_version_is_todays_and_not_kept(client, db):
    answer = client.get(f"/tiles/0/0/0.json?v={db.data_version - 1}")
    assert answer.status_code == 200 and answer.headers["cache-control"] == "no-cache"


def test_schools_one_by_one_open_their_profile(client, db):
    sid, lat, lon = db.rows(
        "SELECT id, latitude, longitude FROM institutions WHERE status = 'member' ORDER BY id LIMIT 1"
    )[0]
    x, y = maps.tile_of(lat, lon, 9)
    found = {f["properties"]["id"]: f for f in client.get(f"/tiles/9/{x}/{y}.json").json()["features"]}
    assert found[sid]["geometry"]["coordinates"] == [round(lon, 5), round(lat, 5)]
    assert found[sid]["properties"]["tip"].endswith("Click to open its profile")


@pytest.mark.parametrize("path", ["/tiles/2/4/0.json", "/tiles/30/0/0.json", "/tiles/1/-1/0.json", "/tiles/a/0/0.json"])
def test_a_tile_that_does_not_exist_is_not_found(client, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        "theme=x%27%20OR%201%3D1--",
        "country=ZZZ&lang=xx",
        "q=%00%00&page=-1",
        "from=abc&sort=;DROP%20TABLE%20institutions",
        "v=%27&lang=%3Cscript%3E",
    ],
)
def test_hostile_parameters_are_ignored_as_the_directory_ignores_them(client, db, query):
    hostile = client.get(f"/tiles/0/0/0.json?{query}")
    assert hostile.status_code == 200
    kept_q = "q=%00%00" in query
    plain = client.get("/tiles/0/0/0.json" + ("?q=%00%00" if kept_q else "")).json()
    assert hostile.json() == plain
    assert db.scalar("SELECT count(*) FROM institutions") > 0


def test_outlines_are_served_once_for_everyone(client):
    answer = client.get("/outlines.json")
    assert answer.status_code == 200 and "max-age=86400" in answer.headers["cache-control"]
    assert answer.json() == json.loads(json.dumps(maps.display_outlines()))


def test_the_land_basemap_draws_the_outlines_in_the_palettes_colours(client):
    from pathlib import Path

    from ui.palette import BORDER, LAND, SEA

    answer = client.get("/land-style.json")
    assert answer.status_code == 200 and "max-age=86400" in answer.headers["cache-control"]
    style = answer.json()
    assert style["version"] == 8
    # The outlines inside the style: one request, the map library's worker given them at once.
    assert style["sources"] == {"land": {"type": "geojson", "data": json.loads(json.dumps(maps.display_outlines()))}}
    layers = {layer["id"]: layer for layer in style["layers"]}
    assert [layer["id"] for layer in style["layers"]] == ["sea", "land", "borders"]  # drawn in this order
    assert layers["sea"]["paint"]["background-color"] == "rgb({}, {}, {})".format(*SEA)
    assert layers["land"]["paint"]["fill-color"] == "rgb({}, {}, {})".format(*LAND)
    assert layers["borders"]["paint"]["line-color"] == "rgb({}, {}, {})".format(*BORDER)
    assert {layers[k]["source"] for k in ("land", "borders")} == {"land"}
    # The blank style of the shaded maps is the same sea.
    blank = json.loads((Path(__file__).parents[2] / "static" / "blank-style.json").read_text(encoding="utf-8"))
    sea = blank["layers"][0]["paint"]["background-color"]
    assert [int(sea[i : i + 2], 16) for i in (1, 3, 5)] == SEA


def test_countries_are_shaded_by_the_selections_count(client, db):
    body = client.get("/countries.json?region=EUR&lang=es").json()
    counts = maps.country_counts(db, Selection().with_values("region", ["EUR"]))
    shaded = {f["properties"]["iso3"]: f["properties"] for f in body["features"]}
    assert set(shaded) == set(counts["iso3"])
    france = counts.filter(counts["iso3"] == "FRA").row(0, named=True)
    assert shaded["FRA"]["tip"].startswith(f"{france['name_es']}: ") and len(shaded["FRA"]["fill"]) == 4


def test_up_to_the_limit_the_world_map_gets_every_school_of_the_selection_by_colour(client, db):
    version = db.data_version
    sel = Selection().with_values("country", ["FRA", "KEN"])
    expected = [
        (sid, themes[0] if len(themes) == 1 else "several", name, lat, lon)
        for sid, themes, name, lat, lon in db.rows(
            """SELECT id, themes, name, latitude, longitude FROM institutions
               WHERE network IN ('FRA', 'KEN') AND status IN ('member', 'candidate')
                 AND latitude IS NOT NULL ORDER BY id"""
        )
    ]
    assert maps.draws_each(db, sel) and expected
    got = {}
    for colour in ("esd", "gced", "heritage", "several"):
        answer = client.get(f"/points.json?country=FRA&country=KEN&c={colour}&lang=es&v={version}")
        assert answer.status_code == 200 and "immutable" in answer.headers["cache-control"]
        for school in answer.json():
            assert set(school) == {"p", "i", "tip"}
            got[school["i"]] = (colour, school)
    assert sorted(got) == [row[0] for row in expected]
    for sid, colour, name, lat, lon in expected:
        drawn_colour, school = got[sid]
        assert drawn_colour == colour and school["p"] == pytest.approx([lon, lat], abs=0.00005 + 1e-9)
        assert school["tip"].startswith(name + "\n") and school["tip"].endswith("Haga clic para abrir su ficha")


def test_past_the_limit_the_world_map_gets_no_school_one_by_one(client, db, monkeypatch):
    monkeypatch.setenv("ASPNET_MAP_POINTS", "10")
    assert not maps.draws_each(db, Selection())
    assert client.get(f"/points.json?c=esd&v={db.data_version}").json() == []
    assert client.get("/points.json?c=purple").status_code == 404


def test_fifty_thousand_schools_one_by_one_are_sent_in_under_2_mb():
    """The compact form of each school (position to 4 decimals, id, name, town and what a click
    does; the colour is its layer's), gzipped as the server sends it, for 50,000 schools with
    names and towns of the demo's kind."""
    import gzip
    import random

    import polars as pl

    from routes.map_data import each_school

    rng = random.Random(7)
    words = ["Primary", "Secondary", "School", "Lycée", "Colegio", "Escuela", "Saint", "Community", "Public"]
    towns = [f"Town{k}" for k in range(3000)]
    frame = pl.DataFrame(
        {
            "id": list(range(1, 50_001)),
            "name": [" ".join(rng.choices(words, k=3)) + f" {rng.randrange(1, 300)}" for _ in range(50_000)],
            "city": [rng.choice(towns) for _ in range(50_000)],
            "colour": [rng.choice(["esd", "gced", "heritage", "several"]) for _ in range(50_000)],
            "lat": [round(rng.uniform(-50, 70), 4) for _ in range(50_000)],
            "lon": [round(rng.uniform(-180, 180), 4) for _ in range(50_000)],
        }
    )
    bodies = [each_school(frame, colour, "fr") for colour in ("esd", "gced", "heritage", "several")]
    assert sum(len(json.loads(b)) for b in bodies) == 50_000
    sent = sum(len(gzip.compress(b, 6)) for b in bodies)
    assert sent + len(gzip.compress(json.dumps(maps.display_outlines()).encode(), 6)) < 2_000_000


def test_each_school_of_a_colour_is_a_point_with_its_id_and_a_tooltip_of_its_name_and_town():
    import polars as pl

    from routes.map_data import each_school

    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "name": ['École "Les Acacias"', "مدرسة النور", "Back\\slash\ttab", "Other colour"],
            "city": ["Saint-Étienne", None, "", "Lyon"],
            "colour": ["esd", "esd", "esd", "gced"],
            "lat": [45.4397, 24.4539, -1.2921, 45.764],
            "lon": [4.3872, 54.3773, 36.8219, 4.8357],
        }
    )
    click = "Cliquez pour ouvrir sa fiche"
    assert json.loads(each_school(frame, "esd", "fr")) == [
        {"p": [4.3872, 45.4397], "i": 1, "tip": f'École "Les Acacias"\nSaint-Étienne\n{click}'},
        {"p": [54.3773, 24.4539], "i": 2, "tip": f"مدرسة النور\n{click}"},  # no town: name and the click
        {"p": [36.8219, -1.2921], "i": 3, "tip": f"Back\\slash\ttab\n{click}"},
    ]
    assert json.loads(each_school(frame, "several", "fr")) == []


def test_the_shaded_outlines_carry_each_named_countrys_class_and_tooltip(client):
    answer = client.get("/shaded.json?values=FRA:120,KEN:3.5,BRA:0&lang=fr")
    assert answer.status_code == 200 and "max-age" in answer.headers["cache-control"]
    props = {f["properties"]["iso3"]: f["properties"] for f in answer.json()["features"]}
    assert props["FRA"]["tip"].startswith("France") and "120" in props["FRA"]["tip"]
    assert props["KEN"]["tip"].startswith("Kenya") and "3,5" in props["KEN"]["tip"]
    assert props["FRA"]["fill"] != props["BRA"]["fill"]
    # A country not named is land, without a tooltip.
    assert props["DEU"]["tip"] == "" and props["DEU"]["fill"] == [236, 239, 241]


def test_the_shaded_basemap_colours_each_country_as_its_tooltip_layer_classes_it(client):
    query = "values=FRA:120,KEN:3.5,BRA:0&lang=fr"
    style = client.get(f"/shaded-style.json?{query}")
    assert style.status_code == 200 and "max-age" in style.headers["cache-control"]
    style = style.json()
    fills = {
        f["properties"]["iso3"]: f["properties"]["fill"] for f in client.get(f"/shaded.json?{query}").json()["features"]
    }
    features = style["sources"]["land"]["data"]["features"]
    assert len(features) == len(fills)
    colours = [f["properties"]["colour"] for f in features]
    expected = [
        "rgba({}, {}, {}, {:.3f})".format(*fill[:3], fill[3] / 255)
        if len(fill) == 4
        else "rgb({}, {}, {})".format(*fill)
        for fill in fills.values()
    ]
    assert colours == expected  # the same countries in the same order
    assert len(set(colours)) >= 3 and "rgb(236, 239, 241)" in colours  # three classes, and land
    layers = {layer["id"]: layer for layer in style["layers"]}
    assert layers["land"]["paint"]["fill-color"] == ["to-color", ["get", "colour"]]
    assert layers["borders"]["type"] == "line"
    # What the address does not name, as /shaded.json: left out.
    assert client.get("/shaded-style.json?values=<script>").json() == client.get("/shaded-style.json").json()


@pytest.mark.parametrize(
    "raw, parsed",
    [
        ("FRA:12,KEN:3.5", {"FRA": 12.0, "KEN": 3.5}),
        ("fra:1,FRANCE:2,FR:3,FRA:x,:4,FRA:1e9", {}),
        ("FRA:1;DROP TABLE countries,KEN:2", {"KEN": 2.0}),
        ("", {}),
    ],
)
def test_values_in_the_shaded_address_are_iso3_and_a_number_or_left_out(raw, parsed):
    from routes.map_data import parse_values

    assert parse_values(raw) == parsed


def test_hostile_shaded_addresses_answer_the_bare_outlines(client):
    from .test_injection import INJECTIONS

    bare = client.get("/shaded.json").json()
    for payload in INJECTIONS:
        answer = client.get("/shaded.json", params={"values": payload, "lang": payload})
        assert answer.status_code == 200 and answer.json() == bare
