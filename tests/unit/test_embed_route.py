"""The map for other sites (/embed/map) and who may frame what, over HTTP."""

import json
import re

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.testclient import TestClient

from aspnet_data import maps
from routes import ROUTES
from routes.embed import FramingPolicy

from ..conftest import use_database
from ..pages.test_hostile_params import PAYLOADS
from .test_injection import INJECTIONS

pytestmark = pytest.mark.analytic_copy


@pytest.fixture()
def client(demo_path, monkeypatch):
    use_database(monkeypatch, demo_path)
    monkeypatch.setenv("ASPNET_API_RATE", "0")
    return TestClient(Starlette(routes=ROUTES, middleware=[Middleware(FramingPolicy)]))


def deck_of(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="deck">(.*?)</script>', page, re.S).group(1))


def test_the_embed_page_draws_the_selections_map_and_links_back(client, db, monkeypatch):
    answer = client.get("/embed/map?country=FRA&theme=esd&lang=fr")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
    assert answer.headers["content-security-policy"] == "frame-ancestors *"
    assert "x-frame-options" not in answer.headers
    page = answer.text
    deck = deck_of(page)
    # The test network's selection is small: each of its schools, a layer a colour.
    each = [layer for layer in deck["layers"] if layer["id"].startswith("schools-")]
    assert [layer["@@type"] for layer in each] == ["ScatterplotLayer"] * 4
    assert each[0]["data"].startswith("./points.json?country=FRA&theme=esd&lang=fr")
    assert f"v={db.data_version}" in each[0]["data"] and "mapStyle" not in deck
    assert '<a href="map?country=FRA&amp;theme=esd&amp;lang=fr"' in page and '<html lang="fr">' in page
    assert '<base href="../">' in page and 'src="embed/deck.js?v=' in page
    assert "<script>" not in page  # no inline script: the deck is data, drawn by embed/map.js
    # Past ASPNET_MAP_POINTS schools, tiles of numbered groups.
    monkeypatch.setenv("ASPNET_MAP_POINTS", "10")
    maps.forget_located()
    tiles = next(
        layer
        for layer in deck_of(client.get("/embed/map?country=FRA&lang=fr").text)["layers"]
        if layer["@@type"] == "TileLayer"
    )
    assert tiles["data"].startswith("./tiles/{z}/{x}/{y}.json?country=FRA&lang=fr")
    countries = deck_of(client.get("/embed/map?view=countries").text)
    assert [layer["id"] for layer in countries["layers"]] == ["land", "countries", "borders"]


def test_deck_gl_is_served_from_the_app_and_kept_by_browsers(client):
    script = client.get("/embed/deck.js")
    assert script.status_code == 200 and "createDeck" in script.text
    assert "immutable" in script.headers["cache-control"] and script.headers["content-type"].startswith(
        "text/javascript"
    )


def test_hostile_parameters_never_break_the_embed_page_or_reach_it_raw(client):
    for payload in dict.fromkeys(INJECTIONS + PAYLOADS):
        for key in ("q", "country", "theme", "view", "lang", "from", "sort", "bogus"):
            answer = client.get("/embed/map", params={key: payload})
            assert answer.status_code == 200, (key, payload)
            body = answer.text
            assert "<script>alert" not in body and "</script><" not in body.split('id="deck">')[1].split("</script>")[0]
            deck_of(body)  # still one well-formed deck


def test_only_the_embed_may_be_framed_by_other_sites(client):
    for path in ("/healthz", "/outlines.json", "/tiles/0/0/0.json"):
        answer = client.get(path)
        assert answer.headers["content-security-policy"] == "frame-ancestors 'self'", path
        assert answer.headers["x-frame-options"] == "SAMEORIGIN"
    api = client.get("/api/v1/figures")
    assert "x-frame-options" not in api.headers and "content-security-policy" not in api.headers


def fit_of(page: str) -> dict | None:
    return json.loads(re.search(r'<script type="application/json" id="fit">(.*?)</script>', page, re.S).group(1))


def test_the_embed_frames_its_selection_for_the_frame_it_is_given(client):
    # The page sends the zoom that frames the selection in a 512-pixel square; embed/map.js moves
    # it by the frame's own size, so a phone-wide frame shows the same extent as a wide one.
    world, france = fit_of(client.get("/embed/map").text), fit_of(client.get("/embed/map?country=FRA").text)
    assert world["side"] == france["side"] == 512
    # The whole network spans the world: in 512 pixels that is below zoom 0, which the page may go
    # to (the lowest the app's own maps use, 0.6, would cut the world off in a 390-pixel frame).
    assert -1 <= world["zoom"] < 0 < france["zoom"]
    assert fit_of(client.get("/embed/map?q=zzzznothingmatches").text) is None  # no school: the world view
    script = client.get("/embed/map.js").text
    assert "fit.zoom + Math.min(Math.log2(box.width / fit.side), Math.log2(box.height / fit.side))" in script
    assert "normalize: false" in script
